@tool
extends RefCounted
## The transport to the daemon: dials its WebSocket, says [code]hello[/code], waits for the
## [code]welcome[/code], reconnects with backoff, and moves JSON messages in and out.
##
## It knows nothing of commands or editor state: the hello's fields come from a callable the
## owner passes in, and every message after the welcome goes out through
## [signal message_received]. Drive it by calling [method poll] once per frame; it never blocks
## and uses no threads.

## Emitted once the daemon has welcomed this editor; requests may arrive from now on.
signal session_opened
## Emitted when a welcomed session ends (the daemon went away or closed the link).
signal session_closed
## Emitted for each message after the welcome, in arrival order. [param received_usec] is
## [method Time.get_ticks_usec] when it was taken off the socket.
signal message_received(message: Dictionary, received_usec: int)

## Where the connection is.
enum State {
	WAITING, ## Between attempts, until the next one is due.
	CONNECTING, ## TCP + WebSocket handshake in progress.
	AWAITING_WELCOME, ## hello sent; nothing else may be sent until the welcome.
	OPEN, ## Welcomed: requests in, responses and events out.
}

const ErrorCodes := preload("error_codes.gd")

## Protocol version sent in hello; the daemon rejects any other.
const PROTOCOL_VERSION := 1
## Environment variable the daemon sets to the bridge URL when it spawns the editor.
const URL_ENV := "GODOTD_URL"
## The daemon's default port and path, for an editor started by hand.
const DEFAULT_URL := "ws://127.0.0.1:8090/bridge"
## First reconnect delay: short, so a restarted daemon finds the editor again at once.
const BACKOFF_MIN_USEC := 250_000
## Longest reconnect delay: a daemon that comes back waits at most this long for its editor.
const BACKOFF_MAX_USEC := 3_000_000
## A WebSocket handshake that takes longer than this is stuck (the daemon is on loopback).
const CONNECT_TIMEOUT_USEC := 5_000_000
## The daemon answers hello at once; this long without a welcome means it is not listening.
const WELCOME_TIMEOUT_USEC := 5_000_000
## Messages handled per frame at most, so a burst of requests cannot stall the editor's frame.
const MAX_PACKETS_PER_FRAME := 64
## Time spent per frame taking messages off the socket and handling them, at most (µs): a few
## heavy requests in one frame must not freeze the editor either. The first message of a frame
## is always handled, however long it takes.
const MAX_USEC_PER_FRAME := 8_000
## Inbound buffer (bytes): every request not yet taken off the socket must fit in it together.
## Large enough for a 10 MiB file sent as base64 (13.4 MiB of JSON) with room beside it. A message
## over it would make the WebSocket close (1009) and end the session for every client, so hello
## states the limit ([constant MAX_MESSAGE_BYTES]) and the daemon refuses larger requests before
## sending them. Godot keeps these bytes in a ring buffer of the power of two above this size,
## whose write position cycles through all of it, so all of the ring becomes resident once that
## much has been received: just under 64 MiB keeps it at 64 MiB (exactly 64 MiB made it 128 MiB:
## the editor grew by 128 MiB after 200 MiB of requests, by 64 MiB with this size).
const INBOUND_BUFFER_BYTES := (64 << 20) - (64 << 10)
## The request size promised to the daemon in hello: the inbound buffer less a margin for the
## ring buffer's own bookkeeping.
const MAX_MESSAGE_BYTES := INBOUND_BUFFER_BYTES - (64 << 10)
## Responses queued but not yet written (bytes). Large scene trees and files read as base64 fit;
## a daemon that stops reading hits this cap, and responses become [code]overloaded[/code]
## errors instead. One response may have at most this less [constant OVERLOAD_RESERVE_BYTES]
## (see [method send_response]), which also keeps it under the daemon's 64 MiB message cap
## (src/server.h), over which the daemon would close the link.
const OUTBOUND_BUFFER_BYTES := 64 << 20
## The last part of the outbound buffer that only [code]overloaded[/code] errors may use. No
## request is taken off the socket while the rest is full, so at most one frame's requests
## ([constant MAX_PACKETS_PER_FRAME] small errors, ~15 KiB) ever need it.
const OVERLOAD_RESERVE_BYTES := 64 << 10
## Messages queued in either direction at most; with [constant MAX_PACKETS_PER_FRAME] drained
## per frame this is many frames of backlog.
const MAX_QUEUED_PACKETS := 4096
## At most one log line per this interval about overloaded answers: an editor that cannot
## send must not also flood its log.
const OVERLOAD_LOG_INTERVAL_USEC := 10_000_000
## Close code the daemon sends with a [code]reject[/code]; its reason says why.
const CLOSE_POLICY_VIOLATION := 1008
## Close code when this editor goes away (plugin disabled, editor quitting).
const CLOSE_GOING_AWAY := 1001
## Close code when even an [code]overloaded[/code] error cannot be queued.
const CLOSE_TRY_AGAIN_LATER := 1013

## The bridge URL, from [constant URL_ENV] or [constant DEFAULT_URL].
var url: String = DEFAULT_URL
## The daemon's last welcome (a game's id is in it).
var welcome: Dictionary = {}
## Whether to say nothing on a successful connect (a game's output should be the game's own).
var quiet: bool = false

var _hello_fields: Callable
var _peer: WebSocketPeer = null
var _state: State = State.WAITING
var _state_since_usec: int = 0
var _next_attempt_usec: int = 0
var _backoff_usec: int = BACKOFF_MIN_USEC
var _quiet_failures: bool = false
var _reject_logged: bool = false
var _overloaded_count: int = 0
var _overloaded_logged_usec: int = 0


## [param hello_fields] is called before each hello and returns the fields that describe the
## editor (session, versions, readiness, ...); [code]type[/code] and [code]protocol[/code] are
## added here.
func _init(hello_fields: Callable) -> void:
	_hello_fields = hello_fields
	var from_env := OS.get_environment(URL_ENV)
	if not from_env.is_empty():
		url = from_env


## Whether the daemon has welcomed this editor on the current connection.
func is_open() -> bool:
	return _state == State.OPEN


## Advances the connection: dials when due, completes the handshake, and emits
## [signal message_received] for up to [constant MAX_PACKETS_PER_FRAME] messages.
func poll() -> void:
	var now := Time.get_ticks_usec()
	if _state == State.WAITING:
		if now >= _next_attempt_usec:
			_dial(now)
		return
	_peer.poll()
	var ready_state := _peer.get_ready_state()
	if ready_state == WebSocketPeer.STATE_CLOSED or ready_state == WebSocketPeer.STATE_CLOSING:
		if _state == State.AWAITING_WELCOME and _peer.get_close_code() == CLOSE_POLICY_VIOLATION:
			# The reject message that came just before this close cannot be read any more
			# (a closing WebSocketPeer hands out no packets); its reason is in the close frame.
			_rejected(_peer.get_close_reason())
		else:
			_lost("closed (code %d%s)" % [_peer.get_close_code(), _reason_suffix()])
		return
	match _state:
		State.CONNECTING:
			if ready_state == WebSocketPeer.STATE_OPEN:
				_send_hello(now)
			elif now - _state_since_usec > CONNECT_TIMEOUT_USEC:
				_lost("handshake timed out")
		State.AWAITING_WELCOME:
			_read_welcome(now)
		State.OPEN:
			_read_messages()


## Queues [param message] as one JSON text frame. Returns OK, or an error when the session is not
## open or the outbound buffer cannot take it (nothing is queued then).
func send_message(message: Dictionary) -> Error:
	if _state != State.OPEN:
		return ERR_UNAVAILABLE
	return _send_json(message, OUTBOUND_BUFFER_BYTES - OVERLOAD_RESERVE_BYTES)


## Queues a response. A response too large for the outbound buffer even when it is empty is
## answered with a [code]payload_too_large[/code] error instead: [code]overloaded[/code] would
## invite the same request again. When the buffer cannot take it now, queues an
## [code]overloaded[/code] error response with the same id instead; when even that fails, drops
## the connection so the daemon fails the request at once rather than at its timeout.
func send_response(response: Dictionary) -> void:
	if _state != State.OPEN:
		return
	var cap := OUTBOUND_BUFFER_BYTES - OVERLOAD_RESERVE_BYTES
	var bytes := _encode(response)
	if bytes.size() > cap:
		var why := ("the answer is %d bytes as JSON; the editor's addon sends at most %d bytes "
				+ "per message: ask for less (e.g. a slice)") % [bytes.size(), cap]
		printerr("godotd: limit outbound_message_too_large: " + why)
		bytes = _encode(_error_response(response, ErrorCodes.PAYLOAD_TOO_LARGE, why))
	var err := _send_bytes(bytes, cap)
	if err == OK:
		return
	if err != ERR_OUT_OF_MEMORY:
		_lost("sending failed (%s)" % error_string(err))
		return
	var overloaded := _error_response(response, ErrorCodes.OVERLOADED,
			"the editor's outbound buffer is full (%d bytes queued); retry later"
			% _peer.get_current_outbound_buffered_amount())
	_overloaded_count += 1
	var now := Time.get_ticks_usec()
	if _overloaded_logged_usec == 0 or now - _overloaded_logged_usec >= OVERLOAD_LOG_INTERVAL_USEC:
		printerr("godotd: outbound buffer full (the daemon is not reading): "
				+ "%d responses answered 'overloaded'" % _overloaded_count)
		_overloaded_count = 0
		_overloaded_logged_usec = now
	if _send_json(overloaded, OUTBOUND_BUFFER_BYTES) != OK and _state == State.OPEN:
		_peer.close(CLOSE_TRY_AGAIN_LATER, "outbound buffer full")
		_lost("outbound buffer full")


## Writes what is queued to the socket now (before a crash or an exit, when no later frame
## will).
func flush() -> void:
	if _peer != null:
		_peer.poll()


## Closes the connection for good (the owner stops polling afterwards).
func close(reason: String) -> void:
	if _peer != null and _peer.get_ready_state() == WebSocketPeer.STATE_OPEN:
		_peer.close(CLOSE_GOING_AWAY, reason)
		_peer.poll()
	var was_open := _state == State.OPEN
	_peer = null
	_state = State.WAITING
	_next_attempt_usec = 0
	if was_open:
		session_closed.emit()


func _dial(now: int) -> void:
	# A fresh peer each attempt: a WebSocketPeer that failed or closed is not reused.
	_peer = WebSocketPeer.new()
	_peer.inbound_buffer_size = INBOUND_BUFFER_BYTES
	_peer.outbound_buffer_size = OUTBOUND_BUFFER_BYTES
	_peer.max_queued_packets = MAX_QUEUED_PACKETS
	# The daemon may require its bearer token on every route, /bridge included (GODOTD_TOKEN is
	# set by the supervisor that started this editor).
	var token := OS.get_environment("GODOTD_TOKEN")
	if not token.is_empty():
		_peer.handshake_headers = PackedStringArray(["Authorization: Bearer " + token])
	var err := _peer.connect_to_url(url)
	if err != OK:
		_lost("cannot dial (%s)" % error_string(err))
		return
	_peer.set_no_delay(true)
	_overloaded_count = 0
	_set_state(State.CONNECTING, now)


func _send_hello(now: int) -> void:
	var hello: Dictionary = _hello_fields.call()
	hello["type"] = "hello"
	hello["protocol"] = PROTOCOL_VERSION
	hello["max_message_bytes"] = MAX_MESSAGE_BYTES
	if _send_json(hello, OUTBOUND_BUFFER_BYTES) != OK:
		_lost("cannot send hello")
		return
	_set_state(State.AWAITING_WELCOME, now)


func _read_welcome(now: int) -> void:
	while _peer.get_available_packet_count() > 0:
		var message: Variant = _next_message()
		if message == null:
			continue
		var dict: Dictionary = message
		match dict.get("type"):
			"welcome":
				if not _speaks_our_protocol(dict):
					_peer.close()
					_rejected("its welcome speaks protocol %s" % str(dict.get("protocol")))
					return
				_backoff_usec = BACKOFF_MIN_USEC
				_quiet_failures = false
				_reject_logged = false
				welcome = dict
				if not quiet:
					print("godotd: connected to %s (daemon %s)"
							% [url, str(dict.get("daemon_version", "?"))])
				_set_state(State.OPEN, now)
				session_opened.emit()
				_read_messages()
				return
			"reject":
				var why := ""
				if dict.get("error") is Dictionary:
					var error: Dictionary = dict["error"]
					why = "%s: %s" % [str(error.get("code", "")), str(error.get("message", ""))]
				_peer.close()
				_rejected(why)
				return
	if now - _state_since_usec > WELCOME_TIMEOUT_USEC:
		_lost("no welcome within %.1f s" % (WELCOME_TIMEOUT_USEC / 1e6))


## Emits up to [constant MAX_PACKETS_PER_FRAME] messages, for up to
## [constant MAX_USEC_PER_FRAME] (their handling included: the signal is handled at once); the
## rest wait for the next frame. Takes none while the outbound buffer is full (the daemon is not
## reading): requests then wait in the socket instead of being answered with errors, and every
## request taken is answered.
func _read_messages() -> void:
	var handled := 0
	var full_at := OUTBOUND_BUFFER_BYTES - OVERLOAD_RESERVE_BYTES
	var frame_start_usec := Time.get_ticks_usec()
	while handled < MAX_PACKETS_PER_FRAME and _state == State.OPEN \
			and (handled == 0 or Time.get_ticks_usec() - frame_start_usec < MAX_USEC_PER_FRAME) \
			and _peer.get_available_packet_count() > 0 \
			and _peer.get_current_outbound_buffered_amount() < full_at:
		handled += 1
		var received_usec := Time.get_ticks_usec()
		var message: Variant = _next_message()
		if message != null:
			message_received.emit(message, received_usec)


## The next packet as a Dictionary, or null (after a log line) when it is not a JSON object.
func _next_message() -> Variant:
	var packet := _peer.get_packet()
	if not _peer.was_string_packet():
		printerr("godotd: ignoring a binary frame of %d bytes" % packet.size())
		return null
	var json := JSON.new()
	if json.parse(packet.get_string_from_utf8()) != OK:
		printerr("godotd: ignoring a frame that is not JSON: %s (line %d)"
				% [json.get_error_message(), json.get_error_line()])
		return null
	if typeof(json.data) != TYPE_DICTIONARY:
		printerr("godotd: ignoring a JSON frame that is not an object")
		return null
	return json.data


## Queues [param message] if the outbound buffer then holds at most [param limit] bytes.
## OK, ERR_OUT_OF_MEMORY when it would not, another error when the link failed.
func _send_json(message: Dictionary, limit: int) -> Error:
	return _send_bytes(_encode(message), limit)


## [param message] as the UTF-8 JSON text that goes on the wire.
static func _encode(message: Dictionary) -> PackedByteArray:
	# full_precision: 17 digits, so doubles reach the daemon unchanged (the default 14 loses
	# digits) and float32 values arrive exact, which the daemon prints short (src/jsonout.h).
	return JSON.stringify(message, "", true, true).to_utf8_buffer()


## The error response (with [param code] and [param message]) that takes the place of
## [param response]: same id and timing.
static func _error_response(response: Dictionary, code: String, message: String) -> Dictionary:
	return {
		"type": "response",
		"id": response.get("id", 0),
		"ok": false,
		"error": {"code": code, "message": message},
		"timing": response.get("timing", {}),
	}


## [method _send_json] for a message already encoded.
func _send_bytes(bytes: PackedByteArray, limit: int) -> Error:
	if _peer.get_ready_state() != WebSocketPeer.STATE_OPEN:
		return ERR_CONNECTION_ERROR
	# Check the cap here: WebSocketPeer.send() prints an engine error when it refuses.
	if _peer.get_current_outbound_buffered_amount() + bytes.size() > limit:
		return ERR_OUT_OF_MEMORY
	return _peer.send(bytes, WebSocketPeer.WRITE_MODE_TEXT)


static func _speaks_our_protocol(welcome: Dictionary) -> bool:
	if typeof(welcome.get("protocol")) != TYPE_FLOAT:
		return false
	var protocol: float = welcome["protocol"]
	return protocol == PROTOCOL_VERSION


func _rejected(why: String) -> void:
	if not _reject_logged:
		# Once until the next welcome: retries every few seconds must not flood the log.
		printerr("godotd: the daemon at %s rejected this editor (%s); retrying quietly"
				% [url, why])
		_reject_logged = true
	# Retrying at once cannot help (e.g. a protocol mismatch): wait the longest delay.
	_backoff_usec = BACKOFF_MAX_USEC
	_quiet_failures = true
	_lost("rejected")


func _lost(why: String) -> void:
	var was_open := _state == State.OPEN
	if was_open:
		print("godotd: connection to %s lost: %s; reconnecting" % [url, why])
	elif not _quiet_failures:
		# Logged once per run of failures: an editor without a daemon must not flood its log.
		print("godotd: cannot reach %s: %s; retrying quietly" % [url, why])
	_quiet_failures = true
	_peer = null
	var now := Time.get_ticks_usec()
	_set_state(State.WAITING, now)
	_next_attempt_usec = now + _backoff_usec
	_backoff_usec = mini(_backoff_usec * 2, BACKOFF_MAX_USEC)
	if was_open:
		session_closed.emit()


func _set_state(state: State, now: int) -> void:
	_state = state
	_state_since_usec = now


func _reason_suffix() -> String:
	var reason := _peer.get_close_reason()
	return "" if reason.is_empty() else ", " + reason
