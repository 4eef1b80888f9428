extends Node2D
## Moves right by [member step] pixels every physics tick while move_right is held; counts jumps.

@export var step := 4.0
var jump_count := 0


func _physics_process(_delta: float) -> void:
	if Input.is_action_pressed("move_right"):
		position.x += step
	if Input.is_action_just_pressed("jump"):
		jump_count += 1
