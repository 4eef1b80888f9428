@tool
extends "../handler.gd"
## Commands about the editor itself: ping, get_status, quit.


## [code]ping[/code]: proves the editor's main thread runs (the daemon's heartbeat).
func cmd_ping(_params: Dictionary) -> Dictionary:
	return ok({"pong": true})


## [code]get_status[/code]: versions, project, readiness, open/edited scenes, the running game,
## and how the registry copy and the handler files match.
func cmd_get_status(_params: Dictionary) -> Dictionary:
	return ok({
		"godot_version": EditorState.godot_version(),
		"project_path": EditorState.project_path(),
		"editor_pid": OS.get_process_id(),
		"addon_version": ctx.addon_version,
		"readiness": EditorState.readiness(),
		"edited_scene": EditorState.edited_scene_path(),
		"open_scenes": Array(EditorInterface.get_open_scenes()),
		"playing": EditorState.is_playing(),
		"playing_scene": EditorState.playing_scene_path(),
		"registry": ctx.dispatcher.mismatches(),
	})


## [code]quit[/code]: answers, then the plugin quits the editor on a later frame (so the answer
## is written first). Unsaved changes are not saved.
func cmd_quit(_params: Dictionary) -> Dictionary:
	ctx.request_quit.call()
	return ok({"quitting": true})
