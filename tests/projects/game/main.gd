extends Node2D
## The main scene: prints, warns and errs at known lines when ready, counts its frames, and
## records the mouse position it polls, for the end-to-end tests.

var process_count := 0
var physics_count := 0
var mouse_seen := Vector2.ZERO
var message := "start"
## What _input received, as "Class:details" strings (the last 50).
var seen_events: Array[String] = []
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


func _input(event: InputEvent) -> void:
	var text := event.get_class()
	if event is InputEventKey:
		text += ":%s:%s" % [char(event.unicode) if event.unicode > 0 else "", event.pressed]
	elif event is InputEventMouseButton:
		text += ":%d:%d,%d:%s" % [event.button_index, event.position.x, event.position.y, event.pressed]
	elif event is InputEventJoypadButton:
		text += ":%d:%s" % [event.button_index, event.pressed]
	elif event is InputEventJoypadMotion:
		text += ":%d:%.2f" % [event.axis, event.axis_value]
	else:
		return
	seen_events.append(text)
	if seen_events.size() > 50:
		seen_events.remove_at(0)
