@tool
extends EditorPlugin
## godotd's editor plugin: connects the editor to the godotd daemon.
##
## Wires the parts together and drives them from [method _process] (no threads):
## [code]connection.gd[/code] moves messages, [code]dispatcher.gd[/code] routes requests to the
## handler modules in [code]handlers/[/code] (one per registry category), and this script watches the editor for the events
## the daemon wants (scene_changed, scene_edited, play_state_changed, readiness_changed). It also
## shortens the editor's idle sleep while requests flow, so an answer does not wait a whole idle
## frame.

const Connection := preload("connection.gd")
const Context := preload("context.gd")
const Dispatcher := preload("dispatcher.gd")
const EditorState := preload("editor_state.gd")
const GameWatch := preload("game_watch.gd")
const OutputLogger := preload("runtime/output_logger.gd")
const Liveness := preload("liveness.gd")
const ReloadWatch := preload("reload_watch.gd")
const SceneWatch := preload("scene_watch.gd")

## This addon's version, sent in hello; keep equal to plugin.cfg's.
const ADDON_VERSION := "0.1.0"
## Engine metadata key holding the session id, so it survives the plugin being reloaded and
## stays the same for the whole editor process, as the protocol asks.
const SESSION_META := &"godotd_session"
## Random bytes in a session id (16 hex digits).
const SESSION_BYTES := 8
## Idle sleep (µs) per editor frame while requests flow: the default (6900 µs) adds up to
## ~7 ms to every round trip; 200 µs costs ~10% of a core while active.
const ACTIVE_SLEEP_USEC := 200
## After this long without a request, the editor's own idle sleep is put back, so an idle
## editor goes back to its own (low) CPU use.
const QUIET_AFTER_USEC := 1_000_000
## The command the daemon's heartbeat sends; it does not count as requests flowing.
const HEARTBEAT_COMMAND := "ping"
## Characters of a bad message quoted in the log: enough to recognize it, while a 1 MiB
## message does not become a 1 MiB log line.
const LOG_EXCERPT_CHARS := 200
## Frames between answering quit and quitting: one poll in between flushes the answer.
const QUIT_DELAY_FRAMES := 2
## How long a reload's "save before reloading?" confirmations are answered for.
const RELOAD_DIALOG_WINDOW_USEC := 5_000_000

var _connection: Connection
var _liveness: Liveness
var _game_watch: GameWatch
var _scene_watch: SceneWatch
## The editor's own output (docs/protocol.md "Output"), sent as output events.
var _logger: OutputLogger
var _dispatcher: Dispatcher
var _context: Context
var _session: String = ""

# What the daemon was last told (hello or event); an event goes out when the editor differs.
var _told_scene: String = ""
var _told_playing: bool = false
var _told_playing_scene: String = ""
var _told_readiness: String = ""

# The editor's idle sleep to restore, or -1 while it is not shortened.
var _saved_sleep_usec: int = -1
var _last_request_usec: int = 0
var _quit_in_frames: int = -1
# Whether the pending quit is a reload (Godot's restart_editor) rather than a plain quit.
var _quit_to_reload: bool = false
# While a reload waits for its save confirmations: until when (ticks usec; 0 = not waiting),
# and the dialogs that were shown before it (left alone).
var _answer_dialogs_until_usec: int = 0
var _dialogs_before_reload: Array[ConfirmationDialog] = []


func _enter_tree() -> void:
	_session = _session_id()
	_logger = OutputLogger.new()
	_logger.skip_progress = true
	_logger.on_error = _send_output
	OS.add_logger(_logger)
	_context = Context.new(self, ADDON_VERSION, _request_quit)
	_game_watch = GameWatch.new()
	_context.game_watch = _game_watch
	_scene_watch = SceneWatch.new(self)
	_dispatcher = Dispatcher.new(_context)
	_context.dispatcher = _dispatcher
	_connection = Connection.new(_hello_fields)
	_connection.message_received.connect(_on_message_received)
	_connection.session_opened.connect(_send_changes)
	_start_liveness()
	_ensure_reload_watch()
	set_process(true)


## Starts the liveness thread (liveness.gd) and tells it about imports, which block the main
## thread: the daemon must not take a busy editor for a hung one.
func _start_liveness() -> void:
	_liveness = Liveness.new(_connection.url, {
		"protocol": Connection.PROTOCOL_VERSION,
		"session": _session,
		"editor_pid": OS.get_process_id(),
	})
	var fs := EditorInterface.get_resource_filesystem()
	fs.resources_reimporting.connect(_on_resources_reimporting)
	fs.resources_reimported.connect(_on_resources_reimported)
	_liveness.start()


func _stop_liveness() -> void:
	if _liveness == null:
		return
	var fs := EditorInterface.get_resource_filesystem()
	if fs.resources_reimporting.is_connected(_on_resources_reimporting):
		fs.resources_reimporting.disconnect(_on_resources_reimporting)
	if fs.resources_reimported.is_connected(_on_resources_reimported):
		fs.resources_reimported.disconnect(_on_resources_reimported)
	_liveness.stop()
	_liveness = null


func _on_resources_reimporting(resources: PackedStringArray) -> void:
	_liveness.set_busy("import", resources)


func _on_resources_reimported(_resources: PackedStringArray) -> void:
	_liveness.clear_busy()


## Puts one reload_watch.gd node under the root window (it stays when the plugin is disabled and
## enabled again: one per editor process).
func _ensure_reload_watch() -> void:
	var root := get_tree().root
	if root.get_node_or_null(NodePath(ReloadWatch.NODE_NAME)) != null:
		return
	var watch: Node = ReloadWatch.new()
	watch.name = ReloadWatch.NODE_NAME
	root.add_child.call_deferred(watch, false, Node.INTERNAL_MODE_BACK)


func _exit_tree() -> void:
	if _logger != null:
		OS.remove_logger(_logger)
		_logger = null
	_stop_liveness()
	if _scene_watch != null:
		_scene_watch.stop()
		_scene_watch = null
	_restore_sleep()
	if _connection != null:
		_connection.close("the godotd plugin was unloaded")
		_connection = null
	if _context != null:
		_context.dispatcher = null  # breaks the context → dispatcher → handlers → context cycle
	_context = null
	_dispatcher = null


func _process(_delta: float) -> void:
	if _liveness != null:
		_liveness.note_frame()
	if _connection == null:
		return
	_connection.poll()
	_send_changes()
	_send_output()
	_update_sleep()
	if _quit_in_frames > 0:
		_quit_in_frames -= 1
		if _quit_in_frames == 0:
			_quit_in_frames = -1
			_quit_editor()
	if _answer_dialogs_until_usec > 0:
		_answer_reload_dialogs()


func _on_message_received(message: Dictionary, received_usec: int) -> void:
	# str(): comparing a Variant of another type (e.g. a number) with a String is a script
	# error, which would abort this function and leave the request unanswered.
	if str(message.get("type")) != "request":
		return
	# The daemon's heartbeat pings every few seconds: they must not keep an idle editor awake.
	if str(message.get("command")) != HEARTBEAT_COMMAND:
		_note_request()
	if Dispatcher.request_id(message) == 0:
		printerr("godotd: ignoring a request without a valid id: %s"
				% JSON.stringify(message).left(LOG_EXCERPT_CHARS))
		return
	var response := _dispatcher.dispatch(message, received_usec)
	# What the command changed (edited scene, readiness after a scan, play state) is announced
	# before its answer, so the daemon's view is current when the client sends the next one.
	_send_changes()
	_connection.send_response(response)


## The editor-describing fields of hello; also records them as what the daemon was told
## (hello has no play state: a change of it is sent as an event after the welcome).
func _hello_fields() -> Dictionary:
	_told_scene = EditorState.edited_scene_path()
	_told_readiness = EditorState.readiness()
	return {
		"session": _session,
		"addon_version": ADDON_VERSION,
		"godot_version": EditorState.godot_version(),
		"project_path": EditorState.project_path(),
		"editor_pid": OS.get_process_id(),
		"readiness": _told_readiness,
		"edited_scene": _told_scene,
	}


## Sends an event for each state that differs from what the daemon was told. Changes made while
## no session is open wait for one (hello only carries readiness and the edited scene).
func _send_changes() -> void:
	if not _connection.is_open():
		return
	var scene := EditorState.edited_scene_path()
	if scene != _told_scene and _send_event("scene_changed", {"scene_path": scene}):
		_told_scene = scene
	var edited := _scene_watch.take()
	if edited != SceneWatch.NONE:
		_send_event("scene_edited", {"scene_path": scene, "tabs": edited == SceneWatch.TABS})
	var playing := EditorState.is_playing()
	var playing_scene := EditorState.playing_scene_path()
	if (playing != _told_playing or playing_scene != _told_playing_scene) \
			and _send_event("play_state_changed", {"playing": playing, "scene": playing_scene}):
		_told_playing = playing
		_told_playing_scene = playing_scene
	for ended: Dictionary in _game_watch.poll(playing):
		_send_event("game_exited", ended)
	var readiness := EditorState.readiness()
	if readiness != _told_readiness \
			and _send_event("readiness_changed", {"readiness": readiness}):
		_told_readiness = readiness


## Sends what the editor printed since the last call (entries wait while no session is open).
func _send_output() -> void:
	if _logger == null or _connection == null or not _connection.is_open() or not _logger.has_entries():
		return
	_send_event("output", _logger.drain())


func _send_event(event: String, data: Dictionary) -> bool:
	return _connection.send_message({"type": "event", "event": event, "data": data}) == OK


## Shortens the editor's idle sleep while requests flow (see [constant ACTIVE_SLEEP_USEC]).
func _note_request() -> void:
	_last_request_usec = Time.get_ticks_usec()
	if _saved_sleep_usec >= 0 or OS.low_processor_usage_mode_sleep_usec <= ACTIVE_SLEEP_USEC:
		return
	_saved_sleep_usec = OS.low_processor_usage_mode_sleep_usec
	OS.low_processor_usage_mode_sleep_usec = ACTIVE_SLEEP_USEC


func _update_sleep() -> void:
	if _saved_sleep_usec < 0:
		return
	if OS.low_processor_usage_mode_sleep_usec != ACTIVE_SLEEP_USEC:
		# The editor changed it meanwhile (e.g. focus lost, settings changed): keep theirs.
		_saved_sleep_usec = -1
		return
	if Time.get_ticks_usec() - _last_request_usec > QUIET_AFTER_USEC:
		_restore_sleep()


func _restore_sleep() -> void:
	if _saved_sleep_usec < 0:
		return
	if OS.low_processor_usage_mode_sleep_usec == ACTIVE_SLEEP_USEC:
		OS.low_processor_usage_mode_sleep_usec = _saved_sleep_usec
	_saved_sleep_usec = -1


func _request_quit(reload: bool = false) -> void:
	if _quit_in_frames < 0:
		_quit_in_frames = QUIT_DELAY_FRAMES
		_quit_to_reload = reload


func _quit_editor() -> void:
	if _quit_to_reload:
		print("godotd: reloading the project as the daemon asked")
		# Godot's own reload (it stops the game and quits); reload_watch.gd hands the restart
		# to the daemon. The command saved what was to be saved: whatever is still unsaved
		# makes Godot ask "save before reloading?", which nobody would answer, so its
		# "Don't Save" is taken (the dialog's custom action, whatever the editor's language).
		# Godot may ask once for all scenes or scene by scene, on later frames: new dialogs
		# are answered for a while (_answer_reload_dialogs).
		_dialogs_before_reload = _shown_confirmations()
		_answer_dialogs_until_usec = Time.get_ticks_usec() + RELOAD_DIALOG_WINDOW_USEC
		# The marker first: Godot 4.6 has been seen to crash (SIGSEGV) inside restart_editor
		# itself, before reload_watch.gd could leave it; the daemon then restarts the editor as
		# asked instead of counting a crash.
		ReloadWatch.ask_daemon_to_restart()
		EditorInterface.restart_editor(false)
		_answer_reload_dialogs()
		return
	print("godotd: quitting the editor as the daemon asked")
	# A client's quit is a restart without saving: the daemon starts a new editor at once. When
	# the daemon itself is stopping the editor, it ignores the marker.
	ReloadWatch.ask_daemon_to_restart()
	_restore_sleep()
	_connection.close("the editor is quitting")
	_connection = null
	if EditorInterface.is_playing_scene():
		EditorInterface.stop_playing_scene()
	get_tree().quit()


## Takes "Don't Save" in the save confirmations the reload brought up (see _quit_editor).
func _answer_reload_dialogs() -> void:
	if Time.get_ticks_usec() > _answer_dialogs_until_usec:
		_answer_dialogs_until_usec = 0
		_dialogs_before_reload.clear()
		return
	for dialog: ConfirmationDialog in _shown_confirmations():
		if not dialog in _dialogs_before_reload:
			dialog.custom_action.emit(&"discard")
			dialog.hide()


## The editor's confirmation dialogs that are shown now.
static func _shown_confirmations() -> Array[ConfirmationDialog]:
	var out: Array[ConfirmationDialog] = []
	for node: Node in EditorInterface.get_base_control().get_tree().root.find_children(
			"*", "ConfirmationDialog", true, false):
		if (node as ConfirmationDialog).visible:
			out.append(node as ConfirmationDialog)
	return out


static func _session_id() -> String:
	if not Engine.has_meta(SESSION_META):
		var random := Crypto.new().generate_random_bytes(SESSION_BYTES)
		Engine.set_meta(SESSION_META, random.hex_encode())
	return str(Engine.get_meta(SESSION_META))
