extends SceneTree
## The script of a headless session (docs/session.md):
## [code]godot --headless --path PROJECT --script res://addons/godotd/session/session.gd[/code],
## started by [code]godotd session[/code] (src/session.c). It drives the game with the runtime
## agent's own commands (runtime/game_agent.gd, with a stdio port in place of the daemon's
## WebSocket), so a session and a game run under the daemon answer the same requests the same
## way.
## Quits when asked to, or when its stdin ends (its driver went away).

const Agent := preload("../runtime/game_agent.gd")
const GameCommands := preload("../runtime/game_commands.gd")
const StdioPort := preload("stdio_port.gd")

## How long quitting waits for stdin's end, so the reader thread can be joined.
const JOIN_WAIT_MS := 1000

var _port: StdioPort
var _quitting := false


func _initialize() -> void:
	var agent: Agent = Agent.new()
	agent.name = "GodotdSession"
	_port = StdioPort.new(GameCommands.new(agent).names())
	_port.quit_requested.connect(_on_quit_requested)
	agent.port = _port
	root.add_child(agent)


func _on_quit_requested(exit_code: int) -> void:
	if _quitting:
		return
	_quitting = true
	quit(exit_code)


func _finalize() -> void:
	_port.finish(JOIN_WAIT_MS)
