@tool
extends "../handler.gd"
## Commands that run the game: play, play_current_scene, restart_game, stop, get_play_state.
##
## A headless editor has no display, and a game it starts would try to open one and die at once
## ("Unable to create DisplayServer"): the editor does not pass [code]--headless[/code] on. So
## while a headless editor starts a game, [code]--headless[/code] is added to the project's
## main run arguments in memory only, and the setting is put back right after (project.godot
## is never written).
##
## Starting a game over a running one (play, play_current_scene, restart_game) stops the running
## one first and then ends its debugger session before the new game starts: see
## [method _end_stale_debug_sessions].


## The project setting whose value the editor appends to a game's command line.
const RUN_ARGS_SETTING := "editor/run/main_run_args"
## The project setting naming the main scene.
const MAIN_SCENE_SETTING := "application/run/main_scene"
## The argument that makes a game run without a display.
const HEADLESS_ARG := "--headless"
## The argument that keeps a game running through script errors: with the editor's debugger
## attached, an error would otherwise break into it and freeze the game until someone presses
## Continue, which no agent can (Godot 4.5+; the error is still reported, with its backtrace).
const IGNORE_ERROR_BREAKS_ARG := "--ignore-error-breaks"
## [method _start]'s scene for "the edited scene".
const _PLAY_CURRENT := "<current>"
## The argument, followed by the editor's pid, on the command line of every game the editor runs.
const EDITOR_PID_ARG := "--editor-pid"
## Bytes of a /proc/PID/cmdline read at most (a game's command line is far shorter).
const MAX_CMDLINE_BYTES := 65536
## The editor's class of the Debugger panel, and of one debugger session in it (Godot internals,
## found by class name: neither is exposed to scripts).
const DEBUGGER_PANEL_CLASS := "EditorDebuggerNode"
const DEBUGGER_SESSION_CLASS := "ScriptEditorDebugger"

## The instance id of the editor's Debugger panel once found (0: not looked up yet).
var _debugger_panel_id: int = 0


## [code]play[/code] [code]{scene_path?}[/code]: runs the given scene, else the main scene
## (a running game is stopped first).
func cmd_play(params: Dictionary) -> Dictionary:
	var scene := ""
	if params.has("scene_path"):
		var requested: String = params["scene_path"]
		var checked := Paths.existing_scene(requested)
		if not checked["ok"]:
			return checked
		scene = checked["result"]["path"]
	else:
		var main: String = ProjectSettings.get_setting(MAIN_SCENE_SETTING, "")
		if main.is_empty():
			return fail(ErrorCodes.FAILED,
					"the project has no main scene (%s); pass scene_path" % MAIN_SCENE_SETTING)
		main = EditorState.to_res_path(main)
		if not FileAccess.file_exists(main):
			return fail(ErrorCodes.NOT_FOUND, "the main scene '%s' does not exist" % main)
	_start(scene)
	if not EditorInterface.is_playing_scene():
		return fail(ErrorCodes.FAILED,
				"the editor did not start the game; see the editor log")
	return ok({"playing": true, "scene": EditorState.playing_scene_path()})


## [code]play_current_scene[/code]: runs the edited scene's file (the editor saves open scenes
## first when its run/auto_save/save_before_running setting is on).
func cmd_play_current_scene(_params: Dictionary) -> Dictionary:
	var path := EditorState.edited_scene_path()
	if path.is_empty():
		return fail(ErrorCodes.FAILED,
				"the edited scene was never saved, so there is no file to run; use save_scene_as first")
	_start(_PLAY_CURRENT)
	if not EditorInterface.is_playing_scene():
		return fail(ErrorCodes.FAILED, "the editor did not start the game; see the editor log")
	return ok({"playing": true, "scene": EditorState.playing_scene_path()})


## [code]get_play_state[/code]: whether a game started from the editor runs, and which scene.
func cmd_get_play_state(_params: Dictionary) -> Dictionary:
	var main: String = ProjectSettings.get_setting(MAIN_SCENE_SETTING, "")
	var playing := EditorState.is_playing()
	return ok({
		"playing": playing,
		"scene": EditorState.playing_scene_path(),
		"pids": Array(game_pids()) if playing else [],
		"main_scene": EditorState.to_res_path(main) if not main.is_empty() else "",
		"edited_scene": EditorState.edited_scene_path(),
	})


## [code]restart_game[/code]: stops the running game and runs the same scene again (e.g. after
## save_scene or a script change).
func cmd_restart_game(_params: Dictionary) -> Dictionary:
	if not EditorInterface.is_playing_scene():
		return fail(ErrorCodes.FAILED,
				"no game is running; start one with play or play_current_scene")
	var scene := EditorState.playing_scene_path()
	if scene.is_empty() or not FileAccess.file_exists(scene):
		return fail(ErrorCodes.NOT_FOUND,
				"the running game's scene '%s' is no longer on disk; use play with another scene" % scene)
	var before := game_pids()
	_start(scene)  # stops the running game first
	if not EditorInterface.is_playing_scene():
		return fail(ErrorCodes.FAILED, "the editor stopped the game but did not start it again; see the editor log")
	return ok({"playing": true, "scene": EditorState.playing_scene_path(),
			"stopped_pids": Array(before)})


## [code]stop[/code]: stops the running game, if any.
func cmd_stop(_params: Dictionary) -> Dictionary:
	if ctx.game_watch != null:
		ctx.game_watch.mark_stopping()
	EditorInterface.stop_playing_scene()
	return ok({"playing": EditorInterface.is_playing_scene()})


## Starts [param scene] (the main scene when empty, the edited one for [constant _PLAY_CURRENT]),
## headless when the editor is. A running game is stopped first, here rather than by the
## editor's play_* (which stop it too, but leave no moment in between to end its debugger
## session: see [method _end_stale_debug_sessions]).
func _start(scene: String) -> void:
	if ctx.game_watch != null:
		ctx.game_watch.mark_stopping()  # a running game is stopped first
	if EditorInterface.is_playing_scene():
		EditorInterface.stop_playing_scene()
	_end_stale_debug_sessions()
	var original: String = ProjectSettings.get_setting(RUN_ARGS_SETTING, "")
	var patched := _with_arg(_with_headless(original), IGNORE_ERROR_BREAKS_ARG)
	if patched != original:
		ProjectSettings.set_setting(RUN_ARGS_SETTING, patched)
		# The editor builds the game's command line from the Run Instances dialog's copy of this
		# setting, refreshed on settings_changed, which set_setting() only emits at the end of
		# the frame. Emit it now so the game started below gets the patched arguments.
		ProjectSettings.settings_changed.emit()
	if scene.is_empty():
		EditorInterface.play_main_scene()
	elif scene == _PLAY_CURRENT:
		EditorInterface.play_current_scene()
	else:
		EditorInterface.play_custom_scene(scene)
	if patched != original:
		# The deferred settings_changed at the end of this frame refreshes the dialog's copy.
		ProjectSettings.set_setting(RUN_ARGS_SETTING, original)


## Ends now, while nothing plays, each debugger session whose game is gone but which still
## waits for its next frame to notice it.
##
## Why: Godot's stop (EditorRunBar::stop_playing, Godot 4.6) kills the games first and then
## closes the debugger sessions that are still connected. The session's socket is read by a
## thread of its own: when that thread sees the killed game's end before the close, the session
## counts as disconnected, is skipped by the close, and stays processing. On the editor's next
## frame it notices the disconnect itself, and its "stopped" tells the editor that the last
## debug session exited, which stops the run (EditorNode::notify_all_debug_sessions_exited):
## a game started in between is killed before it even printed its banner, and the editor shows
## nothing playing. That happened to about 1 restart in 8 on a loaded machine. Giving such a
## session its process step here makes it notice and notify while the run is stopped, where
## stopping the run again does nothing.
##
## A session that is stopped no longer processes (ScriptEditorDebugger::stop); one still
## connected only polls its game as it would on the next frame. Does nothing when the panel
## cannot be found (a Godot that names these classes differently).
func _end_stale_debug_sessions() -> void:
	var panel := _debugger_panel()
	if panel == null:
		return
	for session: Node in panel.find_children("*", DEBUGGER_SESSION_CLASS, true, false):
		if session.is_processing():
			session.notification(Node.NOTIFICATION_PROCESS)


## The editor's Debugger panel (looked up once: a walk over the editor's whole UI), or null.
func _debugger_panel() -> Node:
	var panel := instance_from_id(_debugger_panel_id) as Node if _debugger_panel_id != 0 else null
	if panel == null:
		var found := EditorInterface.get_base_control().find_children(
				"*", DEBUGGER_PANEL_CLASS, true, false)
		if found.is_empty():
			return null
		panel = found[0]
		_debugger_panel_id = panel.get_instance_id()
	return panel


## Pids of the live game processes this editor started (found by [constant EDITOR_PID_ARG] on
## their command lines in /proc; empty where there is no /proc).
static func game_pids() -> PackedInt32Array:
	var out: PackedInt32Array = []
	var want := str(OS.get_process_id())
	for entry: String in DirAccess.get_directories_at("/proc"):
		if not entry.is_valid_int():
			continue
		# /proc files report length 0: read a buffer instead of get_file_as_bytes().
		var file := FileAccess.open("/proc/%s/cmdline" % entry, FileAccess.READ)
		if file == null:
			continue
		var args := _split_nul(file.get_buffer(MAX_CMDLINE_BYTES))
		var at := args.find(EDITOR_PID_ARG)
		if at >= 0 and at + 1 < args.size() and args[at + 1] == want:
			out.append(entry.to_int())
	out.sort()
	return out


## The NUL-separated strings of [param raw] (get_string_from_utf8 stops at the first NUL).
static func _split_nul(raw: PackedByteArray) -> PackedStringArray:
	var out: PackedStringArray = []
	var start := 0
	for i in raw.size():
		if raw[i] == 0:
			out.append(raw.slice(start, i).get_string_from_utf8())
			start = i + 1
	if start < raw.size():
		out.append(raw.slice(start).get_string_from_utf8())
	return out


## [param args] plus [param arg] when it is missing.
static func _with_arg(args: String, arg: String) -> String:
	if arg in args.split(" ", false):
		return args
	return (args + " " + arg).strip_edges()


## [param args] plus [constant HEADLESS_ARG] when the editor runs headless and it is missing.
static func _with_headless(args: String) -> String:
	if DisplayServer.get_name() != "headless":
		return args
	if HEADLESS_ARG in args.split(" ", false):
		return args
	return (args + " " + HEADLESS_ARG).strip_edges()
