extends Node2D
## The demo's main scene: says hello on start, then counts its timer's ticks on the label.

## How many times the timer has fired since the scene started.
var ticks: int = 0

@onready var _label: Label = $Label
@onready var _timer: Timer = $Timer


func _ready() -> void:
	print("godotd demo: main scene ready (Godot %s)" % Engine.get_version_info()["string"])
	_timer.timeout.connect(_on_timer_timeout)


func _on_timer_timeout() -> void:
	ticks += 1
	_label.text = "godotd demo: %d s" % ticks
