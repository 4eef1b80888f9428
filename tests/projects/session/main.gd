extends Node2D
## The session tests' scene: prints, warns and errs when ready, counts its frames, prints every
## frame while chatty, and stalls its main thread on request (a stuck game).

var frames := 0
var chatty := false
var score := 7


func _ready() -> void:
	print("session main ready")
	# A game's own JSON line that looks like an answer to nobody: a diagnostic, not a response.
	print('{"jsonrpc":"2.0","id":999999,"result":"not for you"}')
	push_warning("session warning")
	push_error("session error")


func _process(_delta: float) -> void:
	frames += 1
	if chatty:
		print("frame %d" % frames)


## Blocks the main thread for [param ms] milliseconds; returns them.
func stall(ms: int) -> int:
	OS.delay_msec(ms)
	return ms


## Returns [param a] + [param b] (requests in flight are told apart by their answers).
func add(a: int, b: int) -> int:
	return a + b
