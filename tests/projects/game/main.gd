extends Node2D
## The main scene: prints, warns and errs at known lines when ready, counts its frames, and
## records the mouse position it polls, for the end-to-end tests.

var process_count := 0
var physics_count := 0
var mouse_seen := Vector2.ZERO
var message := "start"
var _printed_message := "start"


func _ready() -> void:
	print("main ready")
	push_warning("main warning")
	push_error("main error")


func _process(_delta: float) -> void:
	process_count += 1
	mouse_seen = get_global_mouse_position()
	if message != _printed_message:
		_printed_message = message
		print("message is " + message)


func _physics_process(_delta: float) -> void:
	physics_count += 1
