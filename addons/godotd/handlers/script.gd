@tool
extends "../handler.gd"
## Commands on GDScript files: create_script, read_script, edit_script, replace_in_script,
## check_script, list_script_errors, list_scripts, describe_script, attach_script,
## detach_script.
##
## Writes go through file.gd's atomic, undoable write (one action in the project-wide history)
## and make the editor see the new code: EditorFileSystem.update_file (class_name, type) and,
## for a loaded script, the new source plus reload() as the script editor does for a file
## changed on disk. The write commands also return the script's errors, so an agent sees at once
## whether its edit compiles.
##
## How errors are found (check_script, list_script_errors): Godot has no script API that returns
## parse errors (GDScript.reload() returns only an error code, and the editor's language server
## would need a socket and a port). But since 4.5 a Logger added with OS.add_logger() receives
## every engine error with its file and line, and GDScript.reload() reports each parse and
## analyzer error through it (all of them, "Parse Error: <message>" at the script's path and
## line; no column). So the source is compiled in-process into a separate GDScript object that
## carries the file's path (set_path_cache: relative preloads/extends resolve and class_name is
## not mistaken for a clash, while the loaded script and the resource cache stay untouched),
## with a Logger collecting the errors for the duration of reload(). It costs milliseconds,
## unlike a second headless Godot run with --check-only (a new process per check, ~0.25 s even
## for a tiny project, and it prints only text). The checker objects are kept per path for the
## addon's lifetime: freeing a GDScript clears GDScriptCache's entries for its path, which would
## drop the real script's. The engine still prints each error to the editor log as well.

const FileHandler := preload("file.gd")

## Extensions treated as scripts by read_script and the editing commands.
const SCRIPT_EXTENSIONS: PackedStringArray = ["gd"]
## Templates create_script knows.
const TEMPLATES: PackedStringArray = ["empty", "node_default"]
## Default and largest number of errors list_script_errors returns.
const ERRORS_LIMIT_DEFAULT := 100
const ERRORS_LIMIT_MAX := 2000
## Default and largest number of scripts list_scripts returns.
const SCRIPTS_LIMIT_DEFAULT := 500
const SCRIPTS_LIMIT_MAX := 5000
## Scripts one list_script_errors checks at most (a bound on its time).
const MAX_CHECKED_SCRIPTS := 5000
## Engine error type of script errors (Logger.ERROR_TYPE_SCRIPT).
const ERROR_TYPE_SCRIPT := 2
## Prefix of GDScript's compile errors, dropped from messages.
const PARSE_ERROR_PREFIX := "Parse Error: "


## Collects the script errors the engine reports while it is added with OS.add_logger().
class ErrorCatcher extends Logger:
	var _mutex := Mutex.new()
	var _errors: Array[Dictionary] = []

	func _log_error(function: String, file: String, line: int, code: String, rationale: String,
			_editor_notify: bool, error_type: int, _script_backtraces: Array[ScriptBacktrace]) -> void:
		if error_type != ERROR_TYPE_SCRIPT:
			return
		var message := code if rationale.is_empty() else rationale
		_mutex.lock()
		_errors.append({"file": file, "line": line, "message": message.trim_prefix(PARSE_ERROR_PREFIX),
				"function": function})
		_mutex.unlock()

	func _log_message(_message: String, _error: bool) -> void:
		pass

	func take() -> Array[Dictionary]:
		_mutex.lock()
		var out := _errors.duplicate()
		_errors.clear()
		_mutex.unlock()
		return out


var _files: RefCounted = null
## path -> the GDScript used to check that path (see the class doc: kept, never freed).
var _checkers: Dictionary = {}


# --------------------------------------------------------------------------------------------
# Commands


## [code]create_script[/code] [code]{path, extends?, class_name?, template?, overwrite?}[/code]:
## writes a new .gd file from a template; undoable; the editor learns its class_name.
func cmd_create_script(params: Dictionary) -> Dictionary:
	var checked := _script_path(params["path"], true)
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	if FileAccess.file_exists(path) and not params.get("overwrite", false):
		return fail(ErrorCodes.FAILED, "'%s' exists; pass overwrite=true to replace it (or edit it with edit_script)" % path)
	var base: String = params.get("extends", "Node")
	var base_check := _check_base(base)
	if not base_check.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, base_check)
	var name: String = params.get("class_name", "")
	if not name.is_empty():
		if not name.is_valid_ascii_identifier():
			return fail(ErrorCodes.INVALID_PARAMS, "class_name '%s' is not a valid identifier" % name)
		if ClassDB.class_exists(name):
			return fail(ErrorCodes.INVALID_PARAMS, "class_name '%s' is a built-in class" % name)
		var other := _global_class_path(name)
		if not other.is_empty() and other != path:
			return fail(ErrorCodes.FAILED, "class_name '%s' is already used by %s" % [name, other])
	var extends_line := "extends %s" % (("\"%s\"" % base) if base.begins_with("res://") else base)
	var text := ""
	if not name.is_empty():
		text += "class_name %s\n" % name
	text += extends_line + "\n"
	if params.get("template", "node_default") == "node_default":
		text += "\n\n# Called when the node enters the scene tree for the first time.\n" \
				+ "func _ready() -> void:\n\tpass\n\n\n" \
				+ "# Called every frame. 'delta' is the elapsed time since the previous frame.\n" \
				+ "func _process(_delta: float) -> void:\n\tpass\n"
	var written := _write(path, text, "Create script %s" % path)
	if not written["ok"]:
		return written
	var result: Dictionary = written["result"]
	result["class_name"] = name
	result["extends"] = base
	return ok(result)


## [code]read_script[/code] [code]{path, start_line?, end_line?, line_numbers?}[/code]: a
## script's source or a 1-based inclusive line range, optionally with line numbers.
func cmd_read_script(params: Dictionary) -> Dictionary:
	var loaded := _read(params["path"])
	if not loaded["ok"]:
		return loaded
	var path: String = loaded["result"]["path"]
	var lines: PackedStringArray = loaded["result"]["lines"]
	var total := lines.size()
	var start: int = params.get("start_line", 1)
	var end: int = mini(params.get("end_line", total), total)
	if start > maxi(total, 1):
		return fail(ErrorCodes.INVALID_PARAMS, "start_line %d is past the end (%d lines)" % [start, total])
	if end < start - 1:
		return fail(ErrorCodes.INVALID_PARAMS, "end_line %d is before start_line %d" % [end, start])
	var out: PackedStringArray = []
	var numbered: bool = params.get("line_numbers", true)
	var width := str(maxi(end, 1)).length()
	for i in range(start - 1, end):
		out.append(("%*d| %s" % [width, i + 1, lines[i]]) if numbered else lines[i])
	var content := "\n".join(out)
	if not out.is_empty():
		content += "\n"
	return ok({"path": path, "content": content, "start_line": start, "end_line": end,
			"line_count": total})


## [code]edit_script[/code] [code]{path, start_line, end_line, text}[/code]: replaces lines
## start..end (1-based, inclusive; end = start - 1 inserts) with text; undoable; returns errors.
func cmd_edit_script(params: Dictionary) -> Dictionary:
	var loaded := _read(params["path"], true)
	if not loaded["ok"]:
		return loaded
	var path: String = loaded["result"]["path"]
	var lines: PackedStringArray = loaded["result"]["lines"]
	var total := lines.size()
	var start: int = params["start_line"]
	var end: int = params["end_line"]
	if start > total + 1:
		return fail(ErrorCodes.INVALID_PARAMS,
				"start_line %d is past the end: the file has %d lines (use %d to append)" % [start, total, total + 1])
	if end < start - 1 or end > total:
		return fail(ErrorCodes.INVALID_PARAMS,
				"end_line must be between start_line - 1 (insert) and %d, got %d" % [total, end])
	var text: String = params["text"]
	var added: PackedStringArray = []
	if not text.is_empty():
		added = text.trim_suffix("\n").split("\n")
	var out: PackedStringArray = lines.slice(0, start - 1)
	out.append_array(added)
	out.append_array(lines.slice(end))
	var written := _write(path, "\n".join(out) + "\n", "Edit script %s" % path)
	if not written["ok"]:
		return written
	var result: Dictionary = written["result"]
	result["line_count"] = out.size()
	result["replaced"] = end - start + 1
	result["inserted"] = added.size()
	return ok(result)


## [code]replace_in_script[/code] [code]{path, old, new, all?}[/code]: replaces an exact text
## that must occur once (or every occurrence with all); undoable; returns errors.
func cmd_replace_in_script(params: Dictionary) -> Dictionary:
	var loaded := _read(params["path"], true)
	if not loaded["ok"]:
		return loaded
	var path: String = loaded["result"]["path"]
	var text: String = loaded["result"]["text"]
	var old: String = params["old"]
	var count := text.count(old)
	if count == 0:
		return fail(ErrorCodes.FAILED,
				"the old text does not occur in '%s' (it must match exactly, whitespace and tabs included; see read_script)" % path)
	if count > 1 and not params.get("all", false):
		return fail(ErrorCodes.FAILED,
				"the old text occurs %d times in '%s': add surrounding lines to make it unique, or pass all=true" % [count, path])
	var written := _write(path, text.replace(old, params["new"]), "Replace in script %s" % path)
	if not written["ok"]:
		return written
	var result: Dictionary = written["result"]
	result["replacements"] = count
	return ok(result)


## [code]check_script[/code] [code]{path, source?}[/code]: compiles the file (or the given
## source as if it were that file) and lists its errors [{file, line, message}].
func cmd_check_script(params: Dictionary) -> Dictionary:
	var source: String
	var path: String
	if params.has("source"):
		var checked := _script_path(params["path"], false)
		if not checked["ok"]:
			return checked
		path = checked["result"]["path"]
		source = params["source"]
	else:
		var loaded := _read(params["path"])
		if not loaded["ok"]:
			return loaded
		path = loaded["result"]["path"]
		source = loaded["result"]["text"]
	var errors := check_source(path, source)
	return ok({"path": path, "ok": errors.is_empty(), "errors": errors})


## [code]list_script_errors[/code] [code]{path?, limit?}[/code]: checks every .gd file under a
## folder and lists the errors found.
func cmd_list_script_errors(params: Dictionary) -> Dictionary:
	var paths := _script_files(params.get("path", "res://"))
	if not paths["ok"]:
		return paths
	var limit: int = params.get("limit", ERRORS_LIMIT_DEFAULT)
	var errors: Array[Dictionary] = []
	var bad: Array[String] = []
	var truncated := false
	var files: Array = paths["result"]["files"]
	for path: String in files:
		var found := check_source(path, FileAccess.get_file_as_string(path))
		if found.is_empty():
			continue
		bad.append(path)
		for e: Dictionary in found:
			if errors.size() >= limit:
				truncated = true
				break
			errors.append(e)
	return ok({"checked": files.size(), "files_with_errors": bad, "errors": errors,
			"truncated": truncated or paths["result"]["truncated"]})


## [code]list_scripts[/code] [code]{path?, class_name?, limit?}[/code]: .gd files with their
## class_name and base (extends), from the editor's file system.
func cmd_list_scripts(params: Dictionary) -> Dictionary:
	var paths := _script_files(params.get("path", "res://"))
	if not paths["ok"]:
		return paths
	var want: String = params.get("class_name", "")
	var limit: int = params.get("limit", SCRIPTS_LIMIT_DEFAULT)
	var fs := EditorInterface.get_resource_filesystem()
	var scripts: Array[Dictionary] = []
	var truncated: bool = paths["result"]["truncated"]
	for path: String in paths["result"]["files"]:
		var name := ""
		var base := ""
		var dir := fs.get_filesystem_path(path.get_base_dir())
		var index := dir.find_file_index(path.get_file()) if dir != null else -1
		if index != -1:
			name = dir.get_file_script_class_name(index)
			base = dir.get_file_script_class_extends(index)
		else:
			# Not listed by the editor yet (its scan of a new folder is still to come).
			name = _declared(path, "class_name ")
		if base.is_empty():
			base = _declared(path, "extends ")
		if not want.is_empty() and name != want:
			continue
		if scripts.size() >= limit:
			truncated = true
			break
		scripts.append({"path": path, "class_name": name, "extends": base})
	return ok({"scripts": scripts, "count": scripts.size(), "truncated": truncated})


## [code]describe_script[/code] [code]{path}[/code]: a script's class_name, base, @tool, and
## its own methods, signals, properties and constants.
func cmd_describe_script(params: Dictionary) -> Dictionary:
	var loaded := _read(params["path"])
	if not loaded["ok"]:
		return loaded
	var path: String = loaded["result"]["path"]
	var errors := check_source(path, loaded["result"]["text"])
	if not errors.is_empty():
		return fail(ErrorCodes.FAILED, "'%s' does not compile (%d errors; first: line %d: %s): see check_script"
				% [path, errors.size(), errors[0]["line"], errors[0]["message"]])
	var script := load(path) as Script
	if script == null:
		return fail(ErrorCodes.FAILED, "the editor could not load '%s'" % path)
	var base_script := script.get_base_script()
	var methods: Array[Dictionary] = []
	for m: Dictionary in script.get_script_method_list():
		if base_script != null and _has_method_named(base_script, m["name"]):
			continue
		var args: Array[String] = []
		for a: Dictionary in m["args"]:
			args.append(a["name"])
		methods.append({"name": m["name"], "args": args})
	var signals: Array[Dictionary] = []
	for s: Dictionary in script.get_script_signal_list():
		var args: Array[String] = []
		for a: Dictionary in s["args"]:
			args.append(a["name"])
		signals.append({"name": s["name"], "args": args})
	var properties: Array[Dictionary] = []
	for p: Dictionary in script.get_script_property_list():
		if p["usage"] & PROPERTY_USAGE_CATEGORY or p["usage"] & PROPERTY_USAGE_GROUP \
				or p["usage"] & PROPERTY_USAGE_SUBGROUP or str(p["name"]).ends_with(".gd"):
			continue
		properties.append({"name": p["name"], "type": type_string(p["type"]),
				"class": str(p["class_name"]), "exported": (p["usage"] & PROPERTY_USAGE_EDITOR) != 0})
	var constants := {}
	var constant_map := script.get_script_constant_map()
	for key: String in constant_map:
		var value: Variant = constant_map[key]
		if typeof(value) == TYPE_OBJECT:
			constants[key] = (value as Object).get_class() if value != null else null
		else:
			constants[key] = VariantJson.to_json(value)
	return ok({
		"path": path,
		"class_name": str(script.get_global_name()),
		"extends": base_script.resource_path if base_script != null else str(script.get_instance_base_type()),
		"tool": script.is_tool(),
		"methods": methods,
		"signals": signals,
		"properties": properties,
		"constants": constants,
	})


## [code]attach_script[/code] [code]{node_path, script_path}[/code]: sets a node's script in the
## edited scene; undoable (scene history). Save the scene to keep it.
func cmd_attach_script(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var loaded := _read(params["script_path"])
	if not loaded["ok"]:
		return loaded
	var path: String = loaded["result"]["path"]
	var errors := check_source(path, loaded["result"]["text"])
	if not errors.is_empty():
		return fail(ErrorCodes.FAILED, "'%s' does not compile (line %d: %s): fix it first (check_script)"
				% [path, errors[0]["line"], errors[0]["message"]])
	var script := load(path) as Script
	if script == null:
		return fail(ErrorCodes.FAILED, "the editor could not load '%s'" % path)
	var base := str(script.get_instance_base_type())
	if not base.is_empty() and not node.is_class(base):
		return fail(ErrorCodes.FAILED, "'%s' extends %s, but node '%s' is a %s"
				% [path, base, params["node_path"], node.get_class()])
	var ur := begin_action("Attach script %s to %s" % [path.get_file(), node.name], scene_root())
	ur.add_do_property(node, "script", script)
	ur.add_undo_property(node, "script", node.get_script())
	commit_action()
	return ok({"node_path": path_of(node), "script_path": path})


## [code]detach_script[/code] [code]{node_path}[/code]: removes a node's script in the edited
## scene; undoable (scene history).
func cmd_detach_script(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var old: Script = node.get_script()
	if old == null:
		return fail(ErrorCodes.FAILED, "node '%s' has no script" % params["node_path"])
	var ur := begin_action("Detach script from %s" % node.name, scene_root())
	ur.add_do_property(node, "script", null)
	ur.add_undo_property(node, "script", old)
	commit_action()
	return ok({"node_path": path_of(node), "detached": old.resource_path})


# --------------------------------------------------------------------------------------------
# Helpers


## The errors of [param source] compiled as the script at [param path]: [{file, line, message}],
## empty when it compiles. See the class doc for how.
func check_source(path: String, source: String) -> Array[Dictionary]:
	var checker: GDScript = _checkers.get(path)
	if checker == null:
		checker = GDScript.new()
		checker.set_path_cache(path)
		_checkers[path] = checker
	checker.source_code = source
	var catcher := ErrorCatcher.new()
	OS.add_logger(catcher)
	var err := checker.reload()
	OS.remove_logger(catcher)
	var out: Array[Dictionary] = []
	var seen := {}
	for e: Dictionary in catcher.take():
		var file: String = e["file"]
		if file.is_empty() or not (file.begins_with("res://") or file.begins_with("user://")):
			file = path
		var key := "%s:%d:%s" % [file, e["line"], e["message"]]
		if seen.has(key):
			continue
		seen[key] = true
		out.append({"file": file, "line": e["line"], "message": e["message"]})
	if err != OK and out.is_empty():
		out.append({"file": path, "line": 0,
				"message": "the script does not compile (%s); see the editor log" % error_string(err)})
	return out


## The file handler, for its atomic undoable writes.
func _file_ops() -> RefCounted:
	if _files == null:
		_files = FileHandler.new()
		_files.set("ctx", ctx)
	return _files


## Checks a script path (resolved, .gd; [param for_write]: not forbidden).
func _script_path(path: String, for_write: bool) -> Dictionary:
	var checked := FileHandler.writable(path) if for_write else Paths.resolve(path)
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if not normalized.get_extension().to_lower() in SCRIPT_EXTENSIONS:
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a GDScript file (.gd)" % normalized)
	return checked


## Reads an existing script: {path, text, lines}. [param for_write] also checks it is writable.
func _read(path: String, for_write: bool = false) -> Dictionary:
	var checked := _script_path(path, for_write)
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if not FileAccess.file_exists(normalized):
		return fail(ErrorCodes.NOT_FOUND, "no script at '%s' (see list_scripts)" % normalized)
	if FileAccess.get_size(normalized) > FileHandler.MAX_READ_BYTES:
		return fail(ErrorCodes.PAYLOAD_TOO_LARGE, "'%s' is larger than %d bytes" % [normalized, FileHandler.MAX_READ_BYTES])
	var text := FileAccess.get_file_as_string(normalized)
	var lines := text.split("\n")
	if text.ends_with("\n") or text.is_empty():
		lines.remove_at(lines.size() - 1)
	return ok({"path": normalized, "text": text, "lines": lines})


## Writes [param text] to a script through file.gd (atomic, undoable, editor told and the loaded
## script reloaded) and adds its errors: Reply.ok({path, bytes, created, errors}).
func _write(path: String, text: String, action: String) -> Dictionary:
	var written: Dictionary = _file_ops().write_undoable(path, text.to_utf8_buffer(), action, true)
	if not written["ok"]:
		return written
	var result: Dictionary = written["result"]
	result["errors"] = check_source(path, text)
	return ok(result)


## "" when [param base] can be extended (a native class, a global class_name, or a res:// script
## path), else why not.
static func _check_base(base: String) -> String:
	if base.begins_with("res://"):
		var checked := Paths.resolve(base, "extends")
		if not checked["ok"]:
			return checked["error"]["message"]
		if not FileAccess.file_exists(checked["result"]["path"]):
			return "extends: no script at '%s'" % base
		return ""
	if ClassDB.class_exists(base):
		return "" if ClassDB.can_instantiate(base) or ClassDB.is_parent_class(base, "Object") else \
				"extends: '%s' cannot be extended" % base
	if not _global_class_path(base).is_empty():
		return ""
	return "extends: '%s' is neither a Godot class, a class_name of this project, nor a res:// script path" % base


## The script path of the global class [param name], or "".
static func _global_class_path(name: String) -> String:
	for entry: Dictionary in ProjectSettings.get_global_class_list():
		if str(entry["class"]) == name:
			return str(entry["path"])
	return ""


## What the script at [param path] declares after [param keyword] ("extends ", "class_name ")
## in its first lines, or "".
static func _declared(path: String, keyword: String) -> String:
	var f := FileAccess.open(path, FileAccess.READ)
	if f == null:
		return ""
	for i in 50:
		if f.eof_reached():
			break
		var line := f.get_line().strip_edges()
		if line.begins_with(keyword):
			return line.substr(keyword.length()).split("#")[0].strip_edges().trim_prefix("\"").trim_suffix("\"")
	return ""


## The .gd files under a folder (hidden folders skipped), sorted: Reply.ok({files, truncated}).
func _script_files(folder: String) -> Dictionary:
	var checked := Paths.resolve(folder)
	if not checked["ok"]:
		return checked
	var root: String = checked["result"]["path"]
	if not DirAccess.dir_exists_absolute(root):
		return fail(ErrorCodes.NOT_FOUND, "no folder at '%s'" % root)
	var entries: Array[Dictionary] = []
	var state := {"truncated": false}
	_file_ops()._list(root, root, "*.gd", true, "files", false, MAX_CHECKED_SCRIPTS, entries, state)
	var files: Array[String] = []
	for e: Dictionary in entries:
		files.append(e["path"])
	return ok({"files": files, "truncated": state["truncated"]})


static func _has_method_named(script: Script, name: String) -> bool:
	for m: Dictionary in script.get_script_method_list():
		if m["name"] == name:
			return true
	return false
