@tool
extends Logger
## A Godot logger ([method OS.add_logger], Godot 4.5+) that turns what the engine prints into
## godotd's output entries (docs/protocol.md "Output"). Used by the editor addon (plugin.gd) and
## by the game's runtime agent (game_agent.gd).
##
## Godot calls a logger from any thread, so entries go into a queue under a mutex and the owner
## drains them from its main loop ([method drain]). An entry is
## [code]{t_ms, severity, kind, message, file, line, function, backtrace, origin?}[/code]:
## a print is [code]_log_message[/code] (kinds print / printerr); everything raised through
## [code]_err_print_error[/code] (push_error, push_warning, script errors, engine errors) comes
## to [code]_log_error[/code] only, once. The script location of push_error/push_warning and of
## an engine error raised from a script call is the top frame of the script backtrace; the
## engine's own C++ location is kept as [code]origin[/code].

## Entries kept at most until drained; more are counted as dropped.
const MAX_QUEUED := 20000
## Longest message kept (characters); longer ones are cut with an ellipsis.
const MAX_MESSAGE := 16384

## Called on the main thread, right after an error entry is queued, so the owner can send it at
## once (a crash may follow). Empty for none. It must not print (that would come back here).
var on_error: Callable
## Whether to leave out Godot's progress lines ("[ 42% ] step | item", "[ DONE ] step"): the
## editor prints thousands while it imports, which /logs keeps and the output stream need not.
var skip_progress: bool = false

var _mutex := Mutex.new()
var _queue: Array[Dictionary] = []
var _dropped := 0
var _ansi := RegEx.create_from_string("\u001b\\[[0-9;]*[A-Za-z]")
var _progress := RegEx.create_from_string("^\\[ *([0-9]+% |DONE )\\]")
# Set while on_error runs on the main thread: what it logs is queued, but does not call it again.
var _in_callback := false


## Takes the queued entries: [code]{"entries": [...], "dropped": n}[/code] (at most
## [param max_entries]; the rest stay queued).
func drain(max_entries: int = 2000) -> Dictionary:
	_mutex.lock()
	var out: Array[Dictionary] = []
	if _queue.size() <= max_entries:
		out = _queue
		_queue = []
	else:
		out = _queue.slice(0, max_entries)
		_queue = _queue.slice(max_entries)
	var dropped := _dropped
	_dropped = 0
	_mutex.unlock()
	return {"entries": out, "dropped": dropped}


## Whether entries are waiting.
func has_entries() -> bool:
	_mutex.lock()
	var any := not _queue.is_empty() or _dropped > 0
	_mutex.unlock()
	return any


func _log_message(message: String, error: bool) -> void:
	var text := _clean(message)
	if text.is_empty():
		return
	if skip_progress and _progress.search(text) != null:
		return
	_push({"severity": "error" if error else "info", "kind": "printerr" if error else "print",
			"message": text, "file": "", "line": 0, "function": "", "backtrace": []})


func _log_error(function: String, file: String, line: int, code: String, rationale: String,
		_editor_notify: bool, error_type: int, script_backtraces: Array[ScriptBacktrace]) -> void:
	var frames: Array[Dictionary] = []
	for bt: ScriptBacktrace in script_backtraces:
		for i in bt.get_frame_count():
			frames.append({"file": bt.get_frame_file(i), "line": bt.get_frame_line(i),
					"function": bt.get_frame_function(i)})
	var message := _clean(rationale if not rationale.is_empty() else code)
	var entry := {"severity": "warning" if error_type == ERROR_TYPE_WARNING else "error",
			"message": message, "file": file, "line": line, "function": function,
			"backtrace": frames}
	var from_script := file.begins_with("res://") or file.begins_with("user://")
	match error_type:
		ERROR_TYPE_SCRIPT:
			entry["kind"] = "script_error"
		ERROR_TYPE_SHADER:
			entry["kind"] = "shader_error"
		_:
			var pushed := function == "push_error" or function == "push_warning"
			if pushed:
				entry["kind"] = function
			else:
				entry["kind"] = "engine_warning" if error_type == ERROR_TYPE_WARNING else "engine_error"
			if not from_script:
				entry["origin"] = {"file": file, "line": line, "function": function}
				var top: Dictionary = frames[0] if not frames.is_empty() else {}
				entry["file"] = top.get("file", "")
				entry["line"] = top.get("line", 0)
				entry["function"] = top.get("function", "")
	_push(entry)


func _push(entry: Dictionary) -> void:
	entry["t_ms"] = int(Time.get_unix_time_from_system() * 1000.0)
	var urgent := false
	_mutex.lock()
	if _queue.size() >= MAX_QUEUED:
		_dropped += 1
	else:
		_queue.append(entry)
		urgent = entry["severity"] == "error"
	_mutex.unlock()
	if urgent and on_error.is_valid() and not _in_callback \
			and OS.get_thread_caller_id() == OS.get_main_thread_id():
		_in_callback = true
		on_error.call()
		_in_callback = false


## [param text] without ANSI escapes (print_rich) and its trailing newline, cut to MAX_MESSAGE.
func _clean(text: String) -> String:
	if text.contains("\u001b"):
		text = _ansi.sub(text, "", true)
	text = text.trim_suffix("\n")
	if text.length() > MAX_MESSAGE:
		text = text.left(MAX_MESSAGE) + "…"
	return text
