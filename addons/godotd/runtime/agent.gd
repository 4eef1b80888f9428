extends Node
## The autoload GodotdRuntime, which godotd's install puts first in [code][autoload][/code]. In a
## game launched under godotd (the daemon's GODOTD_URL set, an editor build, not the editor) it
## adds the runtime agent (game_agent.gd) as its child. Anywhere else (the editor, exported
## builds, a plain run, a test runner) it does nothing and loads nothing: compiling the agent's
## scripts took ~180 ms of every start of the game.

const AGENT_SCRIPT := "res://addons/godotd/runtime/game_agent.gd"
## The daemon's address for the game (the same variable connection.gd reads).
const URL_ENV := "GODOTD_URL"


func _enter_tree() -> void:
	if not _should_run():
		return
	var agent: Node = (load(AGENT_SCRIPT) as GDScript).new()
	agent.name = "Agent"
	add_child(agent)


## Whether this process is a game launched under godotd.
static func _should_run() -> bool:
	if Engine.is_editor_hint():
		return false
	if not (OS.has_feature("editor") or OS.has_feature("editor_runtime")):
		return false
	return not OS.get_environment(URL_ENV).is_empty()
