@tool
extends RefCounted
## Commands about the editor itself: ping, get_status, quit.

const EditorState := preload("../editor_state.gd")
const Reply := preload("../reply.gd")

var _addon_version: String
var _request_quit: Callable


## [param addon_version] is reported by get_status; [param request_quit] (no arguments) makes
## the plugin quit the editor once the quit response is on its way.
func _init(addon_version: String, request_quit: Callable) -> void:
	_addon_version = addon_version
	_request_quit = request_quit


## This module's commands, for dispatcher.gd's add_module().
func commands() -> Array[Dictionary]:
	return [
		{"name": "ping", "params": {}, "handler": ping},
		{"name": "get_status", "params": {}, "handler": get_status},
		{"name": "quit", "params": {}, "handler": quit},
	]


## [code]ping[/code]: proves the editor's main thread runs (the daemon's heartbeat).
func ping(_params: Dictionary) -> Dictionary:
	return Reply.ok({"pong": true})


## [code]get_status[/code]: versions, project, readiness, open/edited scenes, the running game.
func get_status(_params: Dictionary) -> Dictionary:
	return Reply.ok({
		"godot_version": EditorState.godot_version(),
		"project_path": EditorState.project_path(),
		"editor_pid": OS.get_process_id(),
		"addon_version": _addon_version,
		"readiness": EditorState.readiness(),
		"edited_scene": EditorState.edited_scene_path(),
		"open_scenes": Array(EditorInterface.get_open_scenes()),
		"playing": EditorState.is_playing(),
		"playing_scene": EditorState.playing_scene_path(),
	})


## [code]quit[/code]: answers, then the plugin quits the editor on a later frame (so the answer
## is written first). Unsaved changes are not saved.
func quit(_params: Dictionary) -> Dictionary:
	_request_quit.call()
	return Reply.ok({"quitting": true})
