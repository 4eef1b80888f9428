extends Node
## Hits a runtime error in helper(), called from _ready (a two-frame backtrace), then keeps
## printing: a game launched with --ignore-error-breaks goes on past the error.

var data: Variant = null
var _frames := 0


func _ready() -> void:
	print("bug ready")
	helper()


func helper() -> void:
	print(data.size)


func _process(_delta: float) -> void:
	_frames += 1
	if _frames % 30 == 0:
		print("bug alive %d" % _frames)
