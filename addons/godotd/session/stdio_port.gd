extends "../connection.gd"
## A headless session's wire (docs/session.md): JSON-RPC 2.0 requests, one per line, read from
## stdin on a thread of their own; responses and notifications printed on stdout, one per line.
## It stands in for the daemon's WebSocket in the runtime agent ([member game_agent.gd.port]): the
## agent polls it at the start of each frame and gets the game commands as bridge requests;
## the session's own methods (banner, ping, load_scene, quit) are answered here.

const Reply := preload("../reply.gd")

## Bytes per stdin read. A longer line arrives in pieces: the driver writes ASCII only (JSON
## with \u escapes), so a piece of exactly CHUNK - 1 characters is one that was cut.
const CHUNK := 65536
## JSON-RPC 2.0 error codes (jsonrpc.org/specification §5.1); everything else is -32000 with the
## godotd code in error.data.code.
const RPC_CODES := {
	"unknown_command": -32601,
	"invalid_params": -32602,
	"invalid_json": -32700,
	"internal": -32603,
	"bad_request": -32600,
}
const SERVER_ERROR := -32000

## The session script's own methods, answered by [method _local].
const LOCAL_METHODS: PackedStringArray = ["banner", "load_scene", "quit"]
## Session names of the game commands that differ from the agent's (ping goes the way of every
## game command, so it measures the same path).
const ALIASES := {"get_game_state": "get_state", "ping": "ping_game"}

## Emitted when quit was asked for (after its answer is out) or stdin ended.
signal quit_requested(exit_code: int)

var _thread := Thread.new()
var _mutex := Mutex.new()
var _lines: PackedStringArray = []
var _eof := false
var _eof_seen := false
var _game_methods: PackedStringArray = []


func _init(game_methods: PackedStringArray) -> void:
	super._init(func() -> Dictionary: return {})
	_game_methods = game_methods
	_thread.start(_read_stdin)


## Open while stdin is: answers still go out.
func is_open() -> bool:
	return true


## Whether stdin reached its end (the driver went away or closed it after quit).
func stdin_ended() -> bool:
	_mutex.lock()
	var ended := _eof
	_mutex.unlock()
	return ended


## Joins the reader once stdin ended (waits up to [param wait_ms] for that).
func finish(wait_ms: int) -> void:
	var deadline := Time.get_ticks_msec() + wait_ms
	while not stdin_ended() and Time.get_ticks_msec() < deadline:
		OS.delay_msec(5)
	if stdin_ended() and _thread.is_started():
		_thread.wait_to_finish()


func _read_stdin() -> void:
	var pending := ""
	while true:
		var piece := OS.read_string_from_stdin(CHUNK)
		if piece.length() == CHUNK - 1:
			pending += piece
			continue
		if piece.is_empty() and pending.is_empty():
			break
		var line := pending + piece
		pending = ""
		_mutex.lock()
		_lines.append(line)
		_mutex.unlock()
	_mutex.lock()
	_eof = true
	_mutex.unlock()


## Takes the lines that came in: session methods are answered now, game commands go to the
## agent as bridge requests ([signal message_received]).
func poll() -> void:
	_mutex.lock()
	var lines := _lines
	_lines = []
	var ended := _eof
	_mutex.unlock()
	for line in lines:
		_take(line)
	if ended and not _eof_seen:
		_eof_seen = true
		quit_requested.emit(0)


func _take(line: String) -> void:
	var received := Time.get_ticks_usec()
	var json := JSON.new()
	if json.parse(line) != OK or typeof(json.data) != TYPE_DICTIONARY:
		_reply_error(null, "invalid_json", "not a JSON-RPC request: %s" % json.get_error_message())
		return
	var message: Dictionary = json.data
	var raw_id: Variant = message.get("id")
	var method: Variant = message.get("method")
	var params: Variant = message.get("params", {})
	if typeof(method) != TYPE_STRING or typeof(raw_id) not in [TYPE_INT, TYPE_FLOAT] \
			or int(raw_id) <= 0:
		_reply_error(raw_id, "bad_request", "a request has a positive integer id and a method")
		return
	if params == null:
		params = {}
	if typeof(params) != TYPE_DICTIONARY:
		_reply_error(raw_id, "invalid_params", "params must be an object")
		return
	var id := int(raw_id)
	if method in LOCAL_METHODS:
		_local(id, method, params)
		return
	var command: String = ALIASES.get(method, method)
	if command not in _game_methods:
		_reply_error(id, "unknown_command", "a session has no method '%s' (see the banner's methods)"
				% method)
		return
	message_received.emit({"type": "request", "id": id, "command": command, "params": params},
			received)


## The agent's answer, as a JSON-RPC response line.
func send_response(response: Dictionary) -> void:
	if response.get("ok", false):
		_print({"jsonrpc": "2.0", "id": response["id"], "result": response.get("result", {})})
	else:
		var error: Dictionary = response.get("error", {})
		_reply_error(response["id"], str(error.get("code", "internal")),
				str(error.get("message", "the request failed")))


## The agent's events: a scene change becomes a notification; output is not collected in a
## session (the game's own lines are the driver's diagnostics).
func send_message(message: Dictionary) -> Error:
	if message.get("type") == "event" and message.get("event") == "scene_changed":
		_print({"jsonrpc": "2.0", "method": "scene_changed", "params": message.get("data", {})})
	return OK


func flush() -> void:
	pass


func close(_reason: String) -> void:
	pass


func _local(id: int, method: String, params: Dictionary) -> void:
	match method:
		"banner":
			_print({"jsonrpc": "2.0", "id": id, "result": banner()})
		"load_scene":
			var outcome := _load_scene(params)
			if outcome.get("ok", false):
				_print({"jsonrpc": "2.0", "id": id, "result": outcome["result"]})
			else:
				_reply_error(id, outcome["error"]["code"], outcome["error"]["message"])
		"quit":
			var code: int = int(params.get("exit_code", 0)) if typeof(params.get("exit_code")) \
					in [TYPE_INT, TYPE_FLOAT] else 0
			_print({"jsonrpc": "2.0", "id": id, "result": {"quitting": true, "exit_code": code}})
			quit_requested.emit(code)


## What the driver keeps about this Godot: engine, process, what it can do.
func banner() -> Dictionary:
	var methods: PackedStringArray = LOCAL_METHODS.duplicate()
	for name in _game_methods:
		var alias: Variant = ALIASES.find_key(name)
		methods.append(alias if alias != null else name)
	var renderer := RenderingServer.get_current_rendering_driver_name()
	var headless := DisplayServer.get_name() == "headless"
	var can_draw := not headless and renderer not in ["dummy", ""]
	if not can_draw:
		methods.remove_at(methods.find("take_screenshot"))
	var info := Engine.get_version_info()
	return {
		"protocol": 1,
		"engine": {"name": "Godot", "version": str(info.get("string", "")),
				"major": info.get("major", 0), "minor": info.get("minor", 0),
				"patch": info.get("patch", 0), "status": str(info.get("status", ""))},
		"pid": OS.get_process_id(),
		"project_path": ProjectSettings.globalize_path("res://"),
		"headless": headless,
		"renderer": renderer,
		"methods": methods,
		"capabilities": {"screenshot": can_draw, "input": true, "step": true,
				"max_message_bytes": MAX_MESSAGE_BYTES},
	}


## load_scene {scene_path}: the scene instantiated as the current scene (the previous one
## freed), its _ready run by the time the answer goes out.
func _load_scene(params: Dictionary) -> Dictionary:
	var path: Variant = params.get("scene_path")
	if typeof(path) != TYPE_STRING or not str(path).begins_with("res://") \
			or ".." in str(path):
		return Reply.error(ErrorCodes.INVALID_PARAMS,
				"scene_path: a res:// path of a scene inside the project")
	if not ResourceLoader.exists(path, "PackedScene"):
		return Reply.error(ErrorCodes.NOT_FOUND, "no scene at %s" % path)
	var packed := ResourceLoader.load(path, "PackedScene") as PackedScene
	if packed == null or not packed.can_instantiate():
		return Reply.error(ErrorCodes.FAILED, "%s could not be loaded as a scene" % path)
	var tree := Engine.get_main_loop() as SceneTree
	var scene := packed.instantiate()
	var old := tree.current_scene
	if old != null:
		tree.root.remove_child(old)
		old.queue_free()
	tree.root.add_child(scene)
	tree.current_scene = scene
	return Reply.ok({"scene_path": path, "root": str(scene.name), "class": scene.get_class(),
			"children": scene.get_child_count()})


func _reply_error(id: Variant, code: String, message: String) -> void:
	var reply_id: Variant = int(id) if typeof(id) in [TYPE_INT, TYPE_FLOAT] else null
	_print({"jsonrpc": "2.0", "id": reply_id, "error": {"code": RPC_CODES.get(code, SERVER_ERROR),
			"message": message, "data": {"code": code}}})


## One message per line on stdout; one too large for the driver's line limit is replaced by a
## payload_too_large error with the same id.
func _print(message: Dictionary) -> void:
	var text := JSON.stringify(message, "", true, true)
	if text.length() > MAX_MESSAGE_BYTES and message.has("id"):
		text = JSON.stringify({"jsonrpc": "2.0", "id": message["id"], "error": {
				"code": SERVER_ERROR, "message": ("the answer is %d characters as JSON; a session "
				+ "sends at most %d per message: ask for less") % [text.length(), MAX_MESSAGE_BYTES],
				"data": {"code": "payload_too_large"}}})
	print(text)
