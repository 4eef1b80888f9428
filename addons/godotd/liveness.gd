@tool
extends RefCounted
## The liveness channel: a second WebSocket to the daemon, owned by a thread of its own, that
## sends a beat every interval whatever the editor's main thread is doing.
##
## The session ([code]connection.gd[/code]) is polled from the main thread, so it falls silent
## while the main thread is inside a long operation: the first import of a project with large
## assets, a reimport, a file system scan. Without this channel the daemon cannot tell that from a
## hung editor and kills an editor that is merely busy, again and again. Beats come from this
## thread as long as the process runs (a SIGSTOPped or dead process sends none), and each says how
## far the main thread got: its frame counter, how long since its last frame, and what it said it
## was busy with before it went in ([method set_busy]). The daemon decides; this only reports
## (docs/protocol.md "Liveness").
##
## Thread safety: the thread touches only its own [WebSocketPeer], the fields under
## [member _mutex] and two read-only getters (the frame counter, the scan flag); the main thread
## calls [method note_frame], [method set_busy], [method clear_busy] and [method stop].

## Beat interval until the daemon's welcome says its own ([code]liveness_ms[/code]).
const DEFAULT_BEAT_MSEC := 1000
## The thread's sleep between polls: short enough that the welcome and the beats go out on time,
## long enough to cost nothing measurable.
const TICK_MSEC := 20
## Reconnect delays, as the session's (connection.gd): the daemon may restart at any time.
const BACKOFF_MIN_USEC := 250_000
const BACKOFF_MAX_USEC := 3_000_000
## A handshake or welcome that takes longer than this is stuck (the daemon is on loopback).
const HANDSHAKE_TIMEOUT_USEC := 5_000_000
## The channel receives only the welcome: a small inbound buffer is plenty.
const INBOUND_BUFFER_BYTES := 64 << 10
## Close code when this editor goes away.
const CLOSE_GOING_AWAY := 1001

## Where the thread's connection is.
enum Phase {
	DIALING, ## TCP + WebSocket handshake in progress.
	HELLO_SENT, ## hello sent, waiting for the welcome.
	BEATING, ## welcomed: a beat every interval.
}

var _url: String
var _hello: Dictionary
var _thread: Thread = null
var _mutex := Mutex.new()
# Shared with the main thread (under _mutex):
var _stop_requested: bool = false
var _last_frame_usec: int = 0
var _busy: Dictionary = {}


## [param url] is the session's URL ([code]GODOTD_URL[/code]); [param hello] the fields that
## identify this editor ([code]session[/code], [code]editor_pid[/code]).
func _init(url: String, hello: Dictionary) -> void:
	_url = url
	_hello = hello.duplicate()
	_hello["type"] = "hello"
	_hello["channel"] = "liveness"
	_last_frame_usec = Time.get_ticks_usec()


## Starts the thread (once).
func start() -> void:
	if _thread != null:
		return
	_thread = Thread.new()
	_thread.start(_run)


## Stops the thread and waits for it (at most one tick plus a close).
func stop() -> void:
	if _thread == null:
		return
	_mutex.lock()
	_stop_requested = true
	_mutex.unlock()
	_thread.wait_to_finish()
	_thread = null


## Called by the main thread every frame: the main thread runs.
func note_frame() -> void:
	_mutex.lock()
	_last_frame_usec = Time.get_ticks_usec()
	_mutex.unlock()


## Called by the main thread just before a long operation that blocks it (an import of
## [param files] files): beats then report it until [method clear_busy].
func set_busy(kind: String, files: PackedStringArray) -> void:
	_mutex.lock()
	_busy = {
		"kind": kind,
		"since_usec": Time.get_ticks_usec(),
		"files": files.size(),
		"first": files[0] if files.size() > 0 else "",
	}
	_mutex.unlock()


## The long operation announced by [method set_busy] is over. The main thread runs again (it
## is calling this), though its next frame may still be a while off.
func clear_busy() -> void:
	_mutex.lock()
	_busy = {}
	_last_frame_usec = Time.get_ticks_usec()
	_mutex.unlock()


func _run() -> void:
	var peer: WebSocketPeer = null
	var phase := Phase.DIALING
	var since_usec := 0
	var next_attempt_usec := 0
	var backoff_usec := BACKOFF_MIN_USEC
	var beat_usec := DEFAULT_BEAT_MSEC * 1000
	var next_beat_usec := 0
	var seq := 0
	while not _should_stop():
		OS.delay_msec(TICK_MSEC)
		var now := Time.get_ticks_usec()
		if peer == null:
			if now < next_attempt_usec:
				continue
			peer = _dial()
			phase = Phase.DIALING
			since_usec = now
			if peer == null:
				next_attempt_usec = now + backoff_usec
				backoff_usec = mini(backoff_usec * 2, BACKOFF_MAX_USEC)
				continue
		peer.poll()
		var state := peer.get_ready_state()
		var lost := state == WebSocketPeer.STATE_CLOSED or state == WebSocketPeer.STATE_CLOSING
		if not lost and phase == Phase.DIALING and state == WebSocketPeer.STATE_OPEN:
			lost = peer.send_text(JSON.stringify(_hello)) != OK
			phase = Phase.HELLO_SENT
		if not lost and phase == Phase.HELLO_SENT:
			while peer.get_available_packet_count() > 0:
				var message: Variant = JSON.parse_string(peer.get_packet().get_string_from_utf8())
				if not message is Dictionary:
					continue
				var dict: Dictionary = message
				if dict.get("type") == "welcome":
					phase = Phase.BEATING
					backoff_usec = BACKOFF_MIN_USEC
					var ms: Variant = dict.get("liveness_ms")
					if ms is float and float(ms) >= 10.0:
						beat_usec = int(ms) * 1000
					next_beat_usec = now
				elif dict.get("type") == "reject":
					# A daemon that refuses now (e.g. another editor's) refuses a retry too.
					backoff_usec = BACKOFF_MAX_USEC
					lost = true
				break
		if not lost and phase != Phase.BEATING and now - since_usec > HANDSHAKE_TIMEOUT_USEC:
			lost = true
		if not lost and phase == Phase.BEATING:
			# Drain anything else the daemon sends, so the inbound buffer never fills.
			while peer.get_available_packet_count() > 0:
				peer.get_packet()
			if now >= next_beat_usec:
				seq += 1
				lost = peer.send_text(JSON.stringify(_beat(seq, now))) != OK
				next_beat_usec = now + beat_usec
		if lost:
			peer = null
			next_attempt_usec = now + backoff_usec
			backoff_usec = mini(backoff_usec * 2, BACKOFF_MAX_USEC)
	if peer != null and peer.get_ready_state() == WebSocketPeer.STATE_OPEN:
		peer.close(CLOSE_GOING_AWAY, "the editor is going away")
		peer.poll()


func _should_stop() -> bool:
	_mutex.lock()
	var stop_requested := _stop_requested
	_mutex.unlock()
	return stop_requested


func _dial() -> WebSocketPeer:
	var peer := WebSocketPeer.new()
	peer.inbound_buffer_size = INBOUND_BUFFER_BYTES
	var token := OS.get_environment("GODOTD_TOKEN")
	if not token.is_empty():
		peer.handshake_headers = PackedStringArray(["Authorization: Bearer " + token])
	if peer.connect_to_url(_url) != OK:
		return null
	return peer


## One beat: what the main thread last said, read under the lock, and whether the editor's file
## system scan runs now. The scan's flag is read from this thread (a plain getter): the main
## thread may go from the scan into its import without another frame, and must stop counting as
## busy the moment the scan ends, even when it then hangs in something else.
func _beat(seq: int, now: int) -> Dictionary:
	var scanning := EditorInterface.get_resource_filesystem().is_scanning()
	_mutex.lock()
	var idle_usec := now - _last_frame_usec
	var busy: Variant = null
	if not _busy.is_empty():
		busy = {
			"kind": _busy["kind"],
			"for_ms": (now - int(_busy["since_usec"])) / 1000,
			"files": _busy.get("files", 0),
			"first": _busy.get("first", ""),
		}
	elif scanning:
		# How long the scan has run is not known here: the daemon counts from this beat.
		busy = {"kind": "scan", "for_ms": 0, "files": 0, "first": ""}
	_mutex.unlock()
	return {
		"type": "beat",
		"seq": seq,
		"frames": Engine.get_process_frames(),
		"main_idle_ms": maxi(idle_usec, 0) / 1000,
		"busy": busy,
	}
