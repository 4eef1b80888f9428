@tool
extends EditorPlugin
## godotd's editor plugin: connects the editor to the godotd daemon.
##
## Wires the parts together and drives them from [method _process] (no threads):
## [code]connection.gd[/code] moves messages, [code]dispatcher.gd[/code] routes requests to the
## handler modules in [code]handlers/[/code] (one per registry category), and this script watches the editor for the events
## the daemon wants (scene_changed, play_state_changed, readiness_changed). It also shortens the
## editor's idle sleep while requests flow, so an answer does not wait a whole idle frame.

const Connection := preload("connection.gd")
const Context := preload("context.gd")
const Dispatcher := preload("dispatcher.gd")
const EditorState := preload("editor_state.gd")

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

var _connection: Connection
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


func _enter_tree() -> void:
	_session = _session_id()
	_context = Context.new(self, ADDON_VERSION, _request_quit)
	_dispatcher = Dispatcher.new(_context)
	_context.dispatcher = _dispatcher
	_connection = Connection.new(_hello_fields)
	_connection.message_received.connect(_on_message_received)
	_connection.session_opened.connect(_send_changes)
	set_process(true)


func _exit_tree() -> void:
	_restore_sleep()
	if _connection != null:
		_connection.close("the godotd plugin was disabled")
		_connection = null
	if _context != null:
		_context.dispatcher = null  # breaks the context → dispatcher → handlers → context cycle
	_context = null
	_dispatcher = null


func _process(_delta: float) -> void:
	if _connection == null:
		return
	_connection.poll()
	_send_changes()
	_update_sleep()
	if _quit_in_frames > 0:
		_quit_in_frames -= 1
		if _quit_in_frames == 0:
			_quit_editor()


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
	_connection.send_response(_dispatcher.dispatch(message, received_usec))


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
	var playing := EditorState.is_playing()
	var playing_scene := EditorState.playing_scene_path()
	if (playing != _told_playing or playing_scene != _told_playing_scene) \
			and _send_event("play_state_changed", {"playing": playing, "scene": playing_scene}):
		_told_playing = playing
		_told_playing_scene = playing_scene
	var readiness := EditorState.readiness()
	if readiness != _told_readiness \
			and _send_event("readiness_changed", {"readiness": readiness}):
		_told_readiness = readiness


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


func _request_quit() -> void:
	if _quit_in_frames < 0:
		_quit_in_frames = QUIT_DELAY_FRAMES


func _quit_editor() -> void:
	print("godotd: quitting the editor as the daemon asked")
	_restore_sleep()
	_connection.close("the editor is quitting")
	_connection = null
	if EditorInterface.is_playing_scene():
		EditorInterface.stop_playing_scene()
	get_tree().quit()


static func _session_id() -> String:
	if not Engine.has_meta(SESSION_META):
		var random := Crypto.new().generate_random_bytes(SESSION_BYTES)
		Engine.set_meta(SESSION_META, random.hex_encode())
	return str(Engine.get_meta(SESSION_META))
