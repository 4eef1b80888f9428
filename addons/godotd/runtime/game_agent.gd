extends Node
## godotd's runtime agent, in a game launched under godotd: the autoload GodotdRuntime
## (agent.gd) adds it as its child there and nowhere else. It dials the daemon at /game
## (docs/protocol.md "Games"), sends what the game prints (output_logger.gd), and runs the game
## commands (game_commands.gd): state, screenshots, injected input, pause and exact frame steps,
## and live inspection. A headless session (session/session.gd) makes one of its own with a
## [member port] in place of the WebSocket.
##
## It runs before every other node of a frame (lowest process priority) and while the tree is
## paused, which is what lets game_step count the game's own frames exactly.

const Connection := preload("../connection.gd")
const OutputLogger := preload("output_logger.gd")
const GameCommands := preload("game_commands.gd")
const GameInput := preload("game_input.gd")

## Output entries sent per message at most (the rest go in the next one).
const MAX_OUTPUT_BATCH := 2000
## Runs before the game's own nodes in every frame and physics tick.
const FIRST := -2147483648
## A Godot that cannot draw (headless) sleeps low_processor_usage_mode_sleep_usec (6.9 ms by
## default) after every frame, and requests are only taken at a frame's start: while requests
## come, the agent shortens that sleep to HOT_SLEEP_USEC, and puts it back once none came for
## HOT_WINDOW_USEC. Round trips went from 6.9 ms to about 1 ms; an idle game sleeps as before.
const HOT_SLEEP_USEC := 500
const HOT_WINDOW_USEC := 250_000

## Emitted at the start of each process frame and physics tick the game ran unpaused, after
## the agent's bookkeeping ([param physics] tells which).
signal frame_started(physics: bool)

## Set before the agent enters the tree: requests come from and answers go to this port (a
## headless session's stdin and stdout, session/stdio_port.gd) instead of the daemon's
## WebSocket; the game's output is not collected then (it is the session's diagnostics).
var port: Connection = null

var _connection: Connection
var _logger: OutputLogger
var _commands: GameCommands
var _session := ""
var _told_scene := ""
var _active := false
## The game's own sleep while requests keep the loop hot (-1: not hot), and until when.
var _cool_sleep_usec := -1
var _hot_until_usec := 0

# Stepping: what game_step asked for. kind "" = none.
var _step_kind := ""
var _step_left := 0
var _step_armed := false
## Emitted when a step's frames have run and the game is paused again.
signal step_finished

## Process frames the game ran unpaused since start (stepped ones included): frame offsets of
## send_input count these.
var active_frames := 0
## Physics ticks the game ran unpaused, and the one in which the last queued event was applied.
var active_ticks := 0
var _last_input_tick := -1
## send_input's events waiting for their frame or time: {event, frame, ms, batch}.
var _pending_input: Array[Dictionary] = []
var input_builder := GameInput.new()


func _enter_tree() -> void:
	_active = true
	process_mode = Node.PROCESS_MODE_ALWAYS
	process_priority = FIRST
	process_physics_priority = FIRST
	_commands = GameCommands.new(self)
	if port != null:
		_connection = port
		_connection.message_received.connect(_on_message)
		return
	_session = "%016x" % (randi() << 32 | randi())
	_logger = OutputLogger.new()
	_logger.on_error = _send_output_now
	OS.add_logger(_logger)
	_connection = Connection.new(_hello_fields)
	_connection.quiet = true
	_connection.url = _connection.url.trim_suffix("/bridge") + "/game"
	_connection.message_received.connect(_on_message)
	_connection.session_opened.connect(_on_session_opened)


func _exit_tree() -> void:
	if not _active:
		return
	_active = false
	_send_output()
	if _connection.is_open():
		_connection.send_message({"type": "event", "event": "exiting", "data": {}})
	_connection.close("the game is quitting")
	if _logger != null:
		OS.remove_logger(_logger)


func _notification(what: int) -> void:
	# Godot's crash handler tells the main loop before it dies: get the last words out.
	if what == NOTIFICATION_CRASH and _active:
		_send_output()
		_connection.flush()


## Requests are only taken here, at the start of a process frame (never in a physics tick), so
## a step begins at a frame boundary.
func _process(_delta: float) -> void:
	if _step_kind == "process":
		_advance_step()
	if not get_tree().paused:
		active_frames += 1
		_apply_due_input()
		frame_started.emit(false)
	_connection.poll()
	_cool_down()
	_send_changes()
	_send_output()
	# The game's nodes run after the agent in this frame: what they print, and the answers of
	# requests handled now, go out at the frame's end instead of waiting for the next one.
	_end_of_frame.call_deferred()


func _end_of_frame() -> void:
	_send_output()
	_connection.flush()


func _physics_process(_delta: float) -> void:
	if _step_kind == "physics":
		_advance_step()
	if not get_tree().paused:
		active_ticks += 1
		_apply_due_input()
		frame_started.emit(true)


# ---- the daemon link ------------------------------------------------------------------------


func _hello_fields() -> Dictionary:
	_told_scene = _scene_path()
	return {
		"channel": "game",
		"session": _session,
		"pid": OS.get_process_id(),
		"editor_pid": _editor_pid(),
		"godot_version": Engine.get_version_info().get("string", ""),
		"project_path": ProjectSettings.globalize_path("res://"),
		"scene": _told_scene,
		"headless": DisplayServer.get_name() == "headless",
		"renderer": RenderingServer.get_current_rendering_driver_name(),
		"max_message_bytes": Connection.MAX_MESSAGE_BYTES,
		"commands": _commands.names(),
	}


func _on_session_opened() -> void:
	_send_output()


func _on_message(message: Dictionary, received_usec: int) -> void:
	if str(message.get("type")) != "request":
		return
	_keep_hot(received_usec)
	_handle(message, received_usec)


## Shortens a headless game's sleep between frames while requests come (see HOT_SLEEP_USEC).
func _keep_hot(now_usec: int) -> void:
	if DisplayServer.get_name() != "headless":
		return
	_hot_until_usec = now_usec + HOT_WINDOW_USEC
	if _cool_sleep_usec < 0:
		_cool_sleep_usec = OS.low_processor_usage_mode_sleep_usec
		OS.low_processor_usage_mode_sleep_usec = mini(HOT_SLEEP_USEC, _cool_sleep_usec)


func _cool_down() -> void:
	if _cool_sleep_usec >= 0 and Time.get_ticks_usec() > _hot_until_usec:
		OS.low_processor_usage_mode_sleep_usec = _cool_sleep_usec
		_cool_sleep_usec = -1


## Runs one request to its end (handlers may wait for frames) and answers it.
func _handle(message: Dictionary, received_usec: int) -> void:
	# JSON numbers arrive as floats; the daemon matches answers by integer id.
	var raw_id: Variant = message.get("id")
	var id := int(raw_id) if typeof(raw_id) in [TYPE_INT, TYPE_FLOAT] else 0
	if id == 0:
		printerr("godotd: ignoring a request without a valid id")
		return
	var command := str(message.get("command", ""))
	var params: Variant = message.get("params")
	if typeof(params) != TYPE_DICTIONARY:
		params = {}
	var outcome: Dictionary = await _commands.run(command, params)
	var response := {"type": "response", "id": id, "ok": outcome.get("ok", false)}
	if response["ok"]:
		response["result"] = outcome.get("result", {})
	else:
		response["error"] = outcome.get("error", {"code": "internal", "message": "no answer"})
	response["timing"] = {"handle_us": Time.get_ticks_usec() - received_usec}
	# What ran in this frame printed first: send it before the answer.
	_send_output()
	_connection.send_response(response)


func _send_changes() -> void:
	if not _connection.is_open():
		return
	var scene := _scene_path()
	if scene != _told_scene and _connection.send_message(
			{"type": "event", "event": "scene_changed", "data": {"scene": scene}}) == OK:
		_told_scene = scene


func _send_output() -> void:
	if _logger == null or not _connection.is_open() or not _logger.has_entries():
		return
	var batch := _logger.drain(MAX_OUTPUT_BATCH)
	_connection.send_message({"type": "event", "event": "output", "data": batch})


## An error was logged on the main thread: send it (and what came before it) now, since the
## game may be about to crash.
func _send_output_now() -> void:
	_send_output()
	_connection.flush()


func _scene_path() -> String:
	var scene := get_tree().current_scene
	return scene.scene_file_path if scene != null else ""


## The pid after --editor-pid on this game's command line (the editor that ran it), else 0.
## Godot keeps its own arguments out of OS.get_cmdline_args(): /proc has the whole line.
static func _editor_pid() -> int:
	var file := FileAccess.open("/proc/self/cmdline", FileAccess.READ)
	if file == null:
		return 0
	var raw := file.get_buffer(65536)
	var args: PackedStringArray = []
	var start := 0
	for i in raw.size():
		if raw[i] == 0:
			args.append(raw.slice(start, i).get_string_from_utf8())
			start = i + 1
	var at := args.find("--editor-pid")
	return args[at + 1].to_int() if at >= 0 and at + 1 < args.size() else 0


# ---- time: pause and exact steps --------------------------------------------------------------


## Pauses the game now (the rest of this frame's nodes already see it).
func pause() -> void:
	get_tree().paused = true


## Resumes a paused game and cancels a step in progress.
func resume() -> void:
	if _step_kind != "":
		_step_kind = ""
		step_finished.emit()
	get_tree().paused = false


## Runs exactly [param frames] frames of [param kind] ("process" or "physics") of a paused game,
## then pauses it again; returns when they ran.
func step(frames: int, kind: String) -> void:
	get_tree().paused = true
	if _step_kind != "":
		await step_finished
	_step_kind = kind
	_step_left = frames
	_step_armed = false
	if kind == "process":
		# Requests are handled in the agent's own _process, before the game's nodes: unpausing
		# here lets the rest of this frame run, which is the first stepped frame, with the
		# input queued while paused.
		_arm_step()
		active_frames += 1
		_apply_due_input()
	await step_finished


func _arm_step() -> void:
	_step_armed = true
	get_tree().paused = false
	_step_left -= 1


## At the start of each frame (or physics tick) of the step's kind: pause once its frames ran.
func _advance_step() -> void:
	if not _step_armed:
		_arm_step()
		return
	if _step_left <= 0:
		get_tree().paused = true
		_step_kind = ""
		step_finished.emit()
		return
	_step_left -= 1


# ---- input ----------------------------------------------------------------------------------


## Queues events ([code][[InputEvent, frames_after_previous, delay_ms, absolute_position,
## frame, after_a_tick], ...][/code]; delay_ms and frame are -1 when not given,
## absolute_position null; after_a_tick: not in the physics tick of the previous event) with
## [param batch] counting them ([code]applied[/code]), and applies what is due now.
func queue_input(items: Array, batch: Dictionary) -> void:
	var frame := active_frames
	var at_ms := Time.get_ticks_msec()
	for item: Array in items:
		var entry := {"event": item[0], "batch": batch, "abs_pos": item[3], "tick": item[5]}
		if item[2] >= 0:
			at_ms += int(item[2])
		if item[4] >= 0:
			frame = active_frames + int(item[4])
		frame += int(item[1])
		entry["frame"] = frame
		entry["ms"] = at_ms
		_pending_input.append(entry)
	if not get_tree().paused:
		_apply_due_input()


## Applies the queued events that are due, in order (a later one never overtakes an earlier
## one), and flushes them into Input so this frame's nodes see them at once.
func _apply_due_input() -> void:
	if _pending_input.is_empty():
		return
	var now := Time.get_ticks_msec()
	var applied := false
	while not _pending_input.is_empty():
		var entry: Dictionary = _pending_input[0]
		if active_frames < int(entry["frame"]) or now < int(entry["ms"]):
			break
		if entry["tick"] and active_ticks <= _last_input_tick:
			break
		_pending_input.pop_front()
		_last_input_tick = active_ticks
		var abs_pos: Variant = entry["abs_pos"]
		if abs_pos != null and DisplayServer.has_feature(DisplayServer.FEATURE_MOUSE):
			# On a real display Viewport.get_mouse_position() reads the pointer itself.
			Input.warp_mouse(abs_pos)
		Input.parse_input_event(entry["event"])
		applied = true
		var batch: Dictionary = entry["batch"]
		batch["applied"] = int(batch["applied"]) + 1
		batch["last_frame"] = active_frames
	if applied:
		Input.flush_buffered_events()
