@tool
extends RefCounted
## What the command handlers share: the plugin, the dispatcher (for batch), and the log of undo
## actions godotd committed (so undo/batch know which history each action went to).

## Actions remembered at most; older ones are forgotten (the editor keeps its own history).
const MAX_ACTIONS := 1000

## The godotd EditorPlugin (undo/redo manager, signals, get_tree()).
var plugin: EditorPlugin
## The dispatcher.gd instance, to run commands from commands (batch).
var dispatcher: RefCounted
## The addon's version (plugin.gd's ADDON_VERSION).
var addon_version: String = ""
## Makes the plugin quit the editor once the current answer is on its way; called with
## [code]true[/code] it reloads the project instead (the daemon starts the new editor).
var request_quit: Callable
## Undo actions committed through handler.gd, oldest first: {"history": id, "name": String}.
var actions: Array[Dictionary] = []
## The game_watch.gd of the plugin (told before godotd stops a game), or null.
var game_watch: RefCounted
## The path the editor last reported saved (EditorPlugin.scene_saved).
var last_saved: String = ""


func _init(editor_plugin: EditorPlugin, version: String, quit: Callable) -> void:
	plugin = editor_plugin
	addon_version = version
	request_quit = quit
	plugin.scene_saved.connect(func(path: String) -> void: last_saved = path)


## Records that an action named [param name] went into undo history [param history].
func note_action(history: int, name: String) -> void:
	actions.append({"history": history, "name": name})
	if actions.size() > MAX_ACTIONS:
		actions.remove_at(0)
