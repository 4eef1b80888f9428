extends Node
## Prints, then quits by itself with exit code 3 after 10 frames.

var _frames := 0


func _ready() -> void:
	print("quitting soon")


func _process(_delta: float) -> void:
	_frames += 1
	if _frames == 10:
		get_tree().quit(3)
