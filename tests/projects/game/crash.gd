extends Node
## Prints, then crashes the engine (OS.crash: SIGABRT) after 5 frames.

var _frames := 0


func _ready() -> void:
	print("about to crash")


func _process(_delta: float) -> void:
	_frames += 1
	if _frames == 5:
		OS.crash("deliberate crash")
