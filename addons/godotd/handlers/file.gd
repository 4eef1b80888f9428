@tool
extends "../handler.gd"
## Commands on project files: read_file, write_file, list_files, make_dir, delete_file,
## move_file, copy_file, file_info, search_in_files, resolve_uid.
##
## Every path goes through paths.gd (res:// and user:// only, ".." and symbolic links cannot
## lead out). Writes never touch [code]res://.godot/[/code] (the editor's cache),
## [code]res://addons/godotd/[/code] (this addon) or [code]res://project.godot[/code] (the editor
## owns it and rewrites it; use the project settings commands): those get [code]forbidden[/code].
##
## A file is always written whole or not at all: the bytes go to a hidden temporary file in the
## same folder, which is then renamed over the target (rename(2) replaces atomically), so a
## failure never leaves a half-written file and no temporary file stays behind.
##
## Mutations are done at once (so their errors can be reported), then recorded as one action in
## the editor's project-wide undo history: undo puts back the recorded previous state of every
## path the command touched (content, existence, sidecars), redo the new one. After each change
## the editor is told (EditorFileSystem.update_file, or scan for folders) and a loaded script
## whose file changed is reloaded, so the running editor sees the new content.
##
## script.gd uses the static helpers and an instance of this handler for its own writes.

## Largest read (a whole file, or one offset/limit slice) returned in one answer: results travel
## as one JSON message; 16 MiB as base64 (21.3 MiB) leaves room in the addon's 64 MiB outbound
## buffer for other answers.
const MAX_READ_BYTES := 16 << 20
## Largest file write_file (and the script commands) write: a 10 MiB resource as base64 fits.
## Requests are also capped by the daemon's --max-body-bytes (32 MiB by default) and by the
## addon's inbound message limit, which the daemon answers with payload_too_large itself.
const MAX_WRITE_BYTES := 16 << 20
## Files larger than this are skipped when searching text (a search reads every file whole).
const SEARCH_MAX_FILE_BYTES := 4 << 20
## Largest file copy_file copies (it holds the bytes in memory and in the undo history).
const MAX_COPY_BYTES := 64 << 20
## A recursive delete keeps the folder's content for undo only up to this many bytes and files;
## a larger folder is deleted without undo (the result says so).
const MAX_UNDO_BYTES := 32 << 20
const MAX_UNDO_FILES := 2000
## Default and largest number of entries list_files returns.
const LIST_LIMIT_DEFAULT := 200
const LIST_LIMIT_MAX := 5000
## Default and largest number of matches search_in_files returns.
const SEARCH_LIMIT_DEFAULT := 100
const SEARCH_LIMIT_MAX := 1000
## A matching line is cut to this many characters in search results.
const SEARCH_LINE_CHARS := 300
## Files visited by one search_in_files at most (a bound on its time).
const SEARCH_MAX_FILES := 20000
## Files Godot keeps next to a file and that move/delete with it.
const SIDECARS: PackedStringArray = [".import", ".uid"]
## Paths (and everything below) no command may write.
const FORBIDDEN: PackedStringArray = ["res://.godot", "res://addons/godotd", "res://project.godot"]
## Name prefix of the temporary files of atomic writes (hidden: the editor's scan skips them).
const TEMP_PREFIX := ".godotd-tmp-"
## Text resources whose ext_resource lines move_file rewrites when a file they use moves.
const TEXT_RESOURCES: PackedStringArray = ["tscn", "tres"]

## Seconds between checks whether the editor's running scan ended, to scan again after it.
const SCAN_RETRY_S := 0.25

## A scan is due once the running one ends (see request_scan).
var _scan_queued := false


# --------------------------------------------------------------------------------------------
# Commands


## [code]read_file[/code] [code]{path, offset?, limit?, unit?, encoding?}[/code]: a file's text
## (or base64), whole or a slice of lines (0-based) or bytes.
func cmd_read_file(params: Dictionary) -> Dictionary:
	var checked := existing_regular_file(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var encoding: String = params.get("encoding", "text")
	# base64 content is bytes: offset/limit count bytes then.
	var unit: String = "bytes" if encoding == "base64" else params.get("unit", "lines")
	var offset: int = params.get("offset", 0)
	var size := FileAccess.get_size(path)
	var result := {"path": path, "encoding": encoding, "size": size, "offset": offset}
	var data: PackedByteArray
	if unit == "bytes":
		var count: int = mini(params.get("limit", size - offset), maxi(size - offset, 0))
		if count > MAX_READ_BYTES:
			return _too_large_read(path, size)
		var f := FileAccess.open(path, FileAccess.READ)
		if f == null:
			return fail(ErrorCodes.FAILED, "cannot open '%s': %s" % [path, error_string(FileAccess.get_open_error())])
		f.seek(offset)
		data = f.get_buffer(count) if count > 0 else PackedByteArray()
		result["count"] = data.size()
		result["eof"] = offset + data.size() >= size
	else:
		var sliced := _read_lines(path, size, offset, params.get("limit", -1))
		if not sliced["ok"]:
			return sliced
		data = sliced["result"]["data"]
		result["count"] = sliced["result"]["count"]
		result["eof"] = sliced["result"]["eof"]
		if sliced["result"]["total_lines"] >= 0:
			result["total_lines"] = sliced["result"]["total_lines"]
	if not result["eof"]:
		result["next_offset"] = offset + int(result["count"])
	if encoding == "base64":
		result["content"] = Marshalls.raw_to_base64(data)
	else:
		if is_binary(data):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is binary (it has NUL bytes): read it with encoding=base64" % path)
		result["content"] = data.get_string_from_utf8()
	return ok(result)


## [code]write_file[/code] [code]{path, content, encoding?, create_dirs?, overwrite?}[/code]:
## writes a whole file atomically; undoable (undo restores the old content or deletes the file).
func cmd_write_file(params: Dictionary) -> Dictionary:
	var checked := writable(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var data: PackedByteArray
	var content: String = params["content"]
	if params.get("encoding", "text") == "base64":
		data = Marshalls.base64_to_raw(content)
		if data.is_empty() and not content.strip_edges().is_empty():
			return fail(ErrorCodes.INVALID_PARAMS, "content is not valid base64")
	else:
		data = content.to_utf8_buffer()
	if FileAccess.file_exists(path) and not params.get("overwrite", true):
		return fail(ErrorCodes.FAILED, "'%s' exists; pass overwrite=true to replace it" % path)
	return write_undoable(path, data, "Write %s" % path, params.get("create_dirs", true))


## [code]list_files[/code] [code]{path?, pattern?, recursive?, type?, include_sidecars?,
## limit?}[/code]: files and folders under a folder, sorted, hidden ones and .godot skipped.
func cmd_list_files(params: Dictionary) -> Dictionary:
	var checked := Paths.resolve(params.get("path", "res://"))
	if not checked["ok"]:
		return checked
	var root: String = checked["result"]["path"]
	if not DirAccess.dir_exists_absolute(root):
		return fail(ErrorCodes.NOT_FOUND, "no folder at '%s'" % root)
	var pattern: String = params.get("pattern", "*")
	var kind: String = params.get("type", "all")
	var limit: int = params.get("limit", LIST_LIMIT_DEFAULT)
	var entries: Array[Dictionary] = []
	var state := {"truncated": false}
	_list(root, root, pattern, params.get("recursive", false), kind,
			params.get("include_sidecars", false), limit, entries, state)
	return ok({"path": root, "entries": entries, "count": entries.size(),
			"truncated": state["truncated"]})


## [code]make_dir[/code] [code]{path}[/code]: creates a folder and its missing parents;
## undoable (undo removes the folders it created, if still empty).
func cmd_make_dir(params: Dictionary) -> Dictionary:
	var checked := writable(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	if FileAccess.file_exists(path):
		return fail(ErrorCodes.FAILED, "'%s' is a file" % path)
	if DirAccess.dir_exists_absolute(path):
		return ok({"path": path, "created": false})
	var made := missing_dirs(path)
	var before: Array[Dictionary] = []
	var after: Array[Dictionary] = []
	for dir: String in made:
		before.append({"path": dir, "kind": "none"})
		after.append({"path": dir, "kind": "dir"})
	var failed := apply_states(after)
	if not failed.is_empty():
		apply_states(before)
		return fail(ErrorCodes.FAILED, "cannot create '%s': %s" % [path, failed])
	record("Make folder %s" % path, before, after)
	return ok({"path": path, "created": true})


## [code]delete_file[/code] [code]{path, recursive?}[/code]: deletes a file (with its .import
## and .uid sidecars) or, with recursive, a folder; undoable unless the folder is too large.
func cmd_delete_file(params: Dictionary) -> Dictionary:
	var checked := writable(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var before: Array[Dictionary] = []
	var after: Array[Dictionary] = []
	var deleted: Array[String] = []
	if FileAccess.file_exists(path):
		for p: String in with_sidecars(path):
			if FileAccess.file_exists(p):
				before.append(snapshot(p))
				after.append({"path": p, "kind": "none"})
				deleted.append(p)
	elif DirAccess.dir_exists_absolute(path):
		if not params.get("recursive", false):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is a folder: pass recursive=true to delete it with everything in it" % path)
		var files: Array[String] = []
		var dirs: Array[String] = [path]
		_tree(path, files, dirs)
		var total := 0
		for p: String in files:
			total += FileAccess.get_size(p)
		if total > MAX_UNDO_BYTES or files.size() > MAX_UNDO_FILES:
			var failed_big := _remove_tree(files, dirs)
			_notify([{"path": path, "kind": "dir"}])
			if not failed_big.is_empty():
				return fail(ErrorCodes.FAILED, "could not delete all of '%s': %s" % [path, failed_big])
			return ok({"path": path, "deleted": files.size(), "undoable": false})
		for dir: String in dirs:
			before.append({"path": dir, "kind": "dir"})
			after.append({"path": dir, "kind": "none"})
		for p: String in files:
			before.append(snapshot(p))
			after.append({"path": p, "kind": "none"})
		deleted = files
	else:
		return fail(ErrorCodes.NOT_FOUND, "nothing at '%s'" % path)
	var failed := apply_states(after)
	if not failed.is_empty():
		apply_states(before)
		return fail(ErrorCodes.FAILED, "cannot delete '%s': %s" % [path, failed])
	record("Delete %s" % path, before, after)
	return ok({"path": path, "deleted": deleted.size(), "undoable": true})


## [code]move_file[/code] [code]{from, to, overwrite?, create_dirs?}[/code]: moves or renames a
## file or folder the way the FileSystem dock does; undoable.
func cmd_move_file(params: Dictionary) -> Dictionary:
	var source := writable(params["from"], "from")
	if not source["ok"]:
		return source
	var target := writable(params["to"], "to")
	if not target["ok"]:
		return target
	var from: String = source["result"]["path"]
	var to: String = target["result"]["path"]
	var is_file := FileAccess.file_exists(from)
	if not is_file and not DirAccess.dir_exists_absolute(from):
		return fail(ErrorCodes.NOT_FOUND, "nothing at '%s'" % from)
	if from == to:
		return fail(ErrorCodes.INVALID_PARAMS, "from and to are the same path")
	if not is_file and (to + "/").begins_with(from + "/"):
		return fail(ErrorCodes.INVALID_PARAMS, "cannot move a folder into itself")
	if DirAccess.dir_exists_absolute(to):
		return fail(ErrorCodes.FAILED,
				"'%s' is an existing folder: give the full new path (e.g. '%s')" % [to, to.path_join(from.get_file())])
	var replaced: Array[Dictionary] = []
	if FileAccess.file_exists(to):
		if not params.get("overwrite", false) or not is_file:
			return fail(ErrorCodes.FAILED, "'%s' exists; pass overwrite=true to replace it" % to)
		for p: String in with_sidecars(to):
			if FileAccess.file_exists(p):
				replaced.append(snapshot(p))
	var parent := to.get_base_dir()
	var made: Array[String] = []
	if not DirAccess.dir_exists_absolute(parent):
		if not params.get("create_dirs", true):
			return fail(ErrorCodes.NOT_FOUND, "no folder '%s'; pass create_dirs=true" % parent)
		made = missing_dirs(parent)
	# Text resources that name the moved paths in ext_resource lines get the new path.
	var owners_before: Array[Dictionary] = []
	var owners_after: Array[Dictionary] = []
	_rewrite_owners(from, to, is_file, owners_before, owners_after)
	var made_before: Array[Dictionary] = []
	var made_after: Array[Dictionary] = []
	for dir: String in made:
		made_before.append({"path": dir, "kind": "none"})
		made_after.append({"path": dir, "kind": "dir"})
	var removed: Array[Dictionary] = []
	for s: Dictionary in replaced:
		removed.append({"path": s["path"], "kind": "none"})
	var failed := apply_states(made_after + removed)
	if failed.is_empty():
		failed = move_path(from, to)
	if not failed.is_empty():
		apply_states(replaced + made_before)
		return fail(ErrorCodes.FAILED, "cannot move '%s' to '%s': %s" % [from, to, failed])
	apply_states(owners_after)
	var manager := begin_action("Move %s to %s" % [from, to], null, false)
	manager.add_do_method(self, "apply_states", made_after + removed)
	manager.add_do_method(self, "move_path", from, to)
	manager.add_do_method(self, "apply_states", owners_after)
	manager.add_undo_method(self, "apply_states", owners_before)
	manager.add_undo_method(self, "move_path", to, from)
	manager.add_undo_method(self, "apply_states", replaced + made_before)
	commit_action(false)
	var owners: Array[String] = []
	for s: Dictionary in owners_after:
		owners.append(s["path"])
	return ok({"from": from, "to": to, "updated_owners": owners, "undoable": true})


## [code]copy_file[/code] [code]{from, to, overwrite?, create_dirs?}[/code]: copies a file
## (a text scene/resource gets a fresh uid); undoable.
func cmd_copy_file(params: Dictionary) -> Dictionary:
	var source := existing_regular_file(params["from"], "from")
	if not source["ok"]:
		return source
	var target := writable(params["to"], "to")
	if not target["ok"]:
		return target
	var from: String = source["result"]["path"]
	var to: String = target["result"]["path"]
	if from == to:
		return fail(ErrorCodes.INVALID_PARAMS, "from and to are the same path")
	if DirAccess.dir_exists_absolute(to):
		return fail(ErrorCodes.FAILED,
				"'%s' is an existing folder: give the full new path (e.g. '%s')" % [to, to.path_join(from.get_file())])
	if FileAccess.file_exists(to) and not params.get("overwrite", false):
		return fail(ErrorCodes.FAILED, "'%s' exists; pass overwrite=true to replace it" % to)
	if FileAccess.get_size(from) > MAX_COPY_BYTES:
		return fail(ErrorCodes.PAYLOAD_TOO_LARGE,
				"'%s' is larger than %d bytes, the most copy_file copies" % [from, MAX_COPY_BYTES])
	var data := FileAccess.get_file_as_bytes(from)
	if to.begins_with("res://") and from.get_extension().to_lower() in TEXT_RESOURCES:
		data = _with_new_uid(data)
	var outcome := write_undoable(to, data, "Copy %s to %s" % [from, to], params.get("create_dirs", true),
			SIZE_UNCHECKED)
	if not outcome["ok"]:
		return outcome
	return ok({"from": from, "to": to, "bytes": data.size(), "undoable": true})


## [code]file_info[/code] [code]{path}[/code]: kind, size, modified time, resource type (from
## the editor's file system), uid, and the absolute path on disk.
func cmd_file_info(params: Dictionary) -> Dictionary:
	var checked := Paths.resolve(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var info := {"path": path, "absolute_path": ProjectSettings.globalize_path(path)}
	if FileAccess.file_exists(path):
		info["kind"] = "file"
		info["size"] = FileAccess.get_size(path)
		info["modified"] = FileAccess.get_modified_time(path)
		info["type"] = ""
		info["uid"] = ""
		if path.begins_with("res://"):
			info["type"] = EditorInterface.get_resource_filesystem().get_file_type(path)
			var uid := ResourceLoader.get_resource_uid(path)
			if uid != ResourceUID.INVALID_ID:
				info["uid"] = ResourceUID.id_to_text(uid)
		info["sidecars"] = Array(with_sidecars(path).slice(1)).filter(
				func(p: String) -> bool: return FileAccess.file_exists(p))
	elif DirAccess.dir_exists_absolute(path):
		info["kind"] = "dir"
		info["modified"] = FileAccess.get_modified_time(path)
	else:
		return fail(ErrorCodes.NOT_FOUND, "nothing at '%s'" % path)
	return ok(info)


## [code]search_in_files[/code] [code]{query, path?, glob?, regex?, case_sensitive?,
## limit?}[/code]: lines of text files that contain the query (or match the regex).
func cmd_search_in_files(params: Dictionary) -> Dictionary:
	var checked := Paths.resolve(params.get("path", "res://"))
	if not checked["ok"]:
		return checked
	var root: String = checked["result"]["path"]
	if not DirAccess.dir_exists_absolute(root):
		return fail(ErrorCodes.NOT_FOUND, "no folder at '%s'" % root)
	var query: String = params["query"]
	var case_sensitive: bool = params.get("case_sensitive", true)
	var regex: RegEx = null
	if params.get("regex", false):
		regex = RegEx.new()
		if regex.compile(query if case_sensitive else "(?i)" + query) != OK:
			return fail(ErrorCodes.INVALID_PARAMS, "query is not a valid regular expression")
	elif not case_sensitive:
		query = query.to_lower()
	var limit: int = params.get("limit", SEARCH_LIMIT_DEFAULT)
	var entries: Array[Dictionary] = []
	var state := {"truncated": false}
	_list(root, root, params.get("glob", "*"), true, "files", false, SEARCH_MAX_FILES, entries, state)
	var matches: Array[Dictionary] = []
	var searched := 0
	var truncated := false
	for entry: Dictionary in entries:
		var path: String = entry["path"]
		if FileAccess.get_size(path) > SEARCH_MAX_FILE_BYTES:
			continue
		var data := FileAccess.get_file_as_bytes(path)
		if is_binary(data):
			continue
		searched += 1
		var lines := data.get_string_from_utf8().split("\n")
		for i in lines.size():
			var line := lines[i]
			var hit: bool
			if regex != null:
				hit = regex.search(line) != null
			elif case_sensitive:
				hit = line.contains(query)
			else:
				hit = line.to_lower().contains(query)
			if not hit:
				continue
			if matches.size() >= limit:
				truncated = true
				break
			matches.append({"path": path, "line": i + 1,
					"text": line.strip_edges(false, true).left(SEARCH_LINE_CHARS)})
		if truncated:
			break
	return ok({"matches": matches, "count": matches.size(), "files_searched": searched,
			"truncated": truncated or state["truncated"]})


## [code]resolve_uid[/code] [code]{uid}[/code]: the res:// path a uid:// id stands for.
func cmd_resolve_uid(params: Dictionary) -> Dictionary:
	var text: String = params["uid"]
	if not text.begins_with("uid://"):
		return fail(ErrorCodes.INVALID_PARAMS, "uid must look like uid://abc123, got '%s'" % text)
	var id := ResourceUID.text_to_id(text)
	if id == ResourceUID.INVALID_ID or not ResourceUID.has_id(id):
		return fail(ErrorCodes.NOT_FOUND, "the editor knows no resource with uid '%s'" % text)
	var path := ResourceUID.get_id_path(id)
	return ok({"uid": text, "path": path, "exists": FileAccess.file_exists(path)})


# --------------------------------------------------------------------------------------------
# Shared helpers (script.gd uses them too)

## Pass as size_cap to [method write_undoable] to skip the MAX_WRITE_BYTES check.
const SIZE_UNCHECKED := -1


## Like Paths.resolve, and the path may be written: not a root, not under FORBIDDEN.
static func writable(path: String, what: String = "path") -> Dictionary:
	var checked := Paths.resolve(path, what)
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if normalized in Paths.ROOTS:
		return Reply.error(ErrorCodes.FORBIDDEN, "%s '%s' is a root folder" % [what, normalized])
	for prefix: String in FORBIDDEN:
		if normalized == prefix or normalized.begins_with(prefix + "/"):
			return Reply.error(ErrorCodes.FORBIDDEN,
					"%s '%s' is under %s, which godotd does not write (the editor's cache, this addon, or project.godot: use the project settings commands)"
					% [what, normalized, prefix])
	if normalized.get_file().begins_with(TEMP_PREFIX):
		return Reply.error(ErrorCodes.FORBIDDEN, "%s '%s' is a godotd temporary file name" % [what, normalized])
	return checked


## Like Paths.existing_file, and it is a file (a folder gets invalid_params).
static func existing_regular_file(path: String, what: String = "path") -> Dictionary:
	var checked := Paths.resolve(path, what)
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if DirAccess.dir_exists_absolute(normalized):
		return Reply.error(ErrorCodes.INVALID_PARAMS, "'%s' is a folder (see list_files)" % normalized)
	if not FileAccess.file_exists(normalized):
		return Reply.error(ErrorCodes.NOT_FOUND, "no file at '%s'" % normalized)
	return checked


## Whether [param data] looks binary (has a NUL byte).
static func is_binary(data: PackedByteArray) -> bool:
	return data.find(0) != -1


## [param path] and its sidecar files (path.import, path.uid).
static func with_sidecars(path: String) -> PackedStringArray:
	var out: PackedStringArray = [path]
	for suffix: String in SIDECARS:
		out.append(path + suffix)
	return out


## The folders that must be created for [param dir] to exist, outermost first.
static func missing_dirs(dir: String) -> Array[String]:
	var out: Array[String] = []
	var current := dir
	while not DirAccess.dir_exists_absolute(current) and not current in Paths.ROOTS:
		out.push_front(current)
		var parent := current.get_base_dir()
		if parent == current:
			break
		current = parent
	return out


## The state of [param path] now: {"path", "kind": "file" (with "data") | "dir" | "none"}.
static func snapshot(path: String) -> Dictionary:
	if FileAccess.file_exists(path):
		return {"path": path, "kind": "file", "data": FileAccess.get_file_as_bytes(path)}
	if DirAccess.dir_exists_absolute(path):
		return {"path": path, "kind": "dir"}
	return {"path": path, "kind": "none"}


## Writes [param data] to [param path] atomically (a hidden temporary file in the same folder,
## renamed over the target), keeping the target's permissions. The folder must exist.
static func write_atomic(path: String, data: PackedByteArray) -> Error:
	var temp := path.get_base_dir().path_join("%s%s.%d" % [TEMP_PREFIX, path.get_file(), randi()])
	var f := FileAccess.open(temp, FileAccess.WRITE)
	if f == null:
		return FileAccess.get_open_error()
	f.store_buffer(data)
	var err := f.get_error()
	f.close()
	if err == OK and FileAccess.file_exists(path):
		var mode := FileAccess.get_unix_permissions(path)
		if mode != 0:
			FileAccess.set_unix_permissions(temp, mode)
	if err == OK:
		err = DirAccess.rename_absolute(temp, path)
	if err != OK and FileAccess.file_exists(temp):
		DirAccess.remove_absolute(temp)
	return err


## Makes a loaded script whose file changed use the new source (as the script editor does when
## it reloads a script changed on disk), including its open script editor tab.
static func reload_script(path: String) -> void:
	if not ResourceLoader.has_cached(path):
		return
	var script := ResourceLoader.get_cached_ref(path) as Script
	if script == null:
		return
	var text := FileAccess.get_file_as_string(path)
	if script.source_code != text:
		script.source_code = text
		script.reload(true)
	var editor := EditorInterface.get_script_editor()
	if editor == null:
		return
	var scripts := editor.get_open_scripts()
	var tabs := editor.get_open_script_editors()
	# The two lists line up only while every open tab is a script (no text files).
	if scripts.size() != tabs.size():
		return
	for i in scripts.size():
		if scripts[i] == script:
			var code := tabs[i].get_base_editor() as TextEdit
			if code != null and code.text != text:
				code.text = text
				code.tag_saved_version()


## Puts every path of [param states] (from [method snapshot]) in its recorded state: folders
## created first, files written, then what must not exist removed (deepest first). Tells the
## editor. Returns "" or what failed. The do/undo method of every file action.
func apply_states(states: Array) -> String:
	var errors: PackedStringArray = []
	var dirs: Array = states.filter(func(s: Dictionary) -> bool: return s["kind"] == "dir")
	dirs.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return a["path"].length() < b["path"].length())
	for s: Dictionary in dirs:
		if not DirAccess.dir_exists_absolute(s["path"]):
			var err := DirAccess.make_dir_recursive_absolute(s["path"])
			if err != OK:
				errors.append("%s: %s" % [s["path"], error_string(err)])
	for s: Dictionary in states:
		if s["kind"] == "file":
			var err := write_atomic(s["path"], s["data"])
			if err != OK:
				errors.append("%s: %s" % [s["path"], error_string(err)])
	var gone: Array = states.filter(func(s: Dictionary) -> bool: return s["kind"] == "none")
	gone.sort_custom(func(a: Dictionary, b: Dictionary) -> bool: return a["path"].length() > b["path"].length())
	for s: Dictionary in gone:
		var p: String = s["path"]
		if FileAccess.file_exists(p) or DirAccess.dir_exists_absolute(p):
			var err := DirAccess.remove_absolute(p)
			if err != OK:
				errors.append("%s: %s" % [p, error_string(err)])
	_notify(states)
	return "; ".join(errors)


## Writes [param data] to [param path] as one undoable action named [param action]: the old
## content (or absence, with the .uid the editor may add) comes back on undo. Creates missing
## folders when [param create_dirs]. Returns Reply.ok({path, bytes, created}) or an error.
func write_undoable(path: String, data: PackedByteArray, action: String, create_dirs: bool,
		size_cap: int = MAX_WRITE_BYTES) -> Dictionary:
	if size_cap != SIZE_UNCHECKED and data.size() > size_cap:
		return fail(ErrorCodes.PAYLOAD_TOO_LARGE,
				"%d bytes is more than the %d a write may have" % [data.size(), size_cap])
	if DirAccess.dir_exists_absolute(path):
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is a folder" % path)
	var parent := path.get_base_dir()
	var before: Array[Dictionary] = []
	var after: Array[Dictionary] = []
	if not DirAccess.dir_exists_absolute(parent):
		if not create_dirs:
			return fail(ErrorCodes.NOT_FOUND, "no folder '%s'; pass create_dirs=true" % parent)
		for dir: String in missing_dirs(parent):
			before.append({"path": dir, "kind": "none"})
			after.append({"path": dir, "kind": "dir"})
	var existed := FileAccess.file_exists(path)
	before.append(snapshot(path))
	if not existed:
		for p: String in with_sidecars(path).slice(1):
			before.append(snapshot(p))
	after.append({"path": path, "kind": "file", "data": data})
	var failed := apply_states(after)
	if not failed.is_empty():
		apply_states(before)
		return fail(ErrorCodes.FAILED, "cannot write '%s': %s" % [path, failed])
	record(action, before, after)
	return ok({"path": path, "bytes": data.size(), "created": not existed})


## Records an already-done change as one action of the project-wide undo history: undo applies
## [param before], redo [param after].
func record(action: String, before: Array, after: Array) -> void:
	var manager := begin_action(action, null, false)
	manager.add_do_method(self, "apply_states", after)
	manager.add_undo_method(self, "apply_states", before)
	commit_action(false)


## Moves [param from] (a file with its sidecars, or a folder) to [param to] as the FileSystem
## dock does: rename, loaded resource and edited scene paths, main scene and autoload settings,
## then the editor's file system. Returns "" or what failed. Do/undo method of move_file.
func move_path(from: String, to: String) -> String:
	var is_file := FileAccess.file_exists(from)
	var err := DirAccess.rename_absolute(from, to)
	if err != OK:
		return "%s: %s" % [from, error_string(err)]
	if is_file:
		for suffix: String in SIDECARS:
			if FileAccess.file_exists(from + suffix):
				DirAccess.rename_absolute(from + suffix, to + suffix)
	# Loaded resources keep working under the new path (scripts attached to nodes, ...).
	if is_file and ResourceLoader.has_cached(from):
		var res := ResourceLoader.get_cached_ref(from)
		if res != null:
			res.take_over_path(to)
	var root := EditorInterface.get_edited_scene_root()
	if root != null and _renamed(root.scene_file_path, from, to, is_file) != "":
		root.scene_file_path = _renamed(root.scene_file_path, from, to, is_file)
	_move_settings(from, to, is_file)
	var fs := EditorInterface.get_resource_filesystem()
	if is_file and from.begins_with("res://"):
		fs.update_file(from)
		fs.update_file(to)
	# The uid now stands for the new path (update_file of the old path dropped it; the scan
	# would add it back only later).
	if is_file and to.begins_with("res://"):
		var uid := ResourceLoader.get_resource_uid(to)
		if uid != ResourceUID.INVALID_ID:
			if ResourceUID.has_id(uid):
				ResourceUID.set_id(uid, to)
			else:
				ResourceUID.add_id(uid, to)
	# Then a scan, as the dock does (new folders, files under a moved folder).
	if from.begins_with("res://") or to.begins_with("res://"):
		request_scan()
	return ""


## Makes the editor scan the project's files, as the FileSystem dock does after a change. The
## editor ignores scan() while a scan runs (and that scan may have passed the changed folder
## already), so then another scan is made once it has ended.
func request_scan() -> void:
	var fs := EditorInterface.get_resource_filesystem()
	if fs.is_scanning():
		_queue_scan()
		return
	fs.scan()
	if not fs.is_scanning():
		# Ignored (the previous scan's thread was not joined yet) or done at once: once more.
		_queue_scan()


func _queue_scan() -> void:
	if _scan_queued:
		return
	_scan_queued = true
	(Engine.get_main_loop() as SceneTree).create_timer(SCAN_RETRY_S).timeout.connect(_queued_scan)


func _queued_scan() -> void:
	var fs := EditorInterface.get_resource_filesystem()
	if fs.is_scanning():
		(Engine.get_main_loop() as SceneTree).create_timer(SCAN_RETRY_S).timeout.connect(_queued_scan)
		return
	_scan_queued = false
	fs.scan()


# --------------------------------------------------------------------------------------------
# Internals



## Tells the editor about changed paths: update_file for files, a scan for folders, and reloads
## loaded scripts whose file changed.
func _notify(states: Array) -> void:
	var fs := EditorInterface.get_resource_filesystem()
	var rescan := false
	var seen := {}
	for s: Dictionary in states:
		var p: String = s["path"]
		if not p.begins_with("res://"):
			continue
		if s["kind"] == "dir" or DirAccess.dir_exists_absolute(p):
			rescan = true
			continue
		for suffix: String in SIDECARS:
			if p.ends_with(suffix):
				p = p.trim_suffix(suffix)
		if seen.has(p):
			continue
		seen[p] = true
		if s["kind"] == "none" and not FileAccess.file_exists(p) and not _known(p):
			# A folder or a file the editor never listed: a scan sorts it out.
			rescan = rescan or p.get_extension().is_empty()
			continue
		fs.update_file(p)
		if FileAccess.file_exists(p):
			reload_script(p)
			# update_file skips a file in a folder the editor does not list yet: scan.
			if fs.get_filesystem_path(p.get_base_dir()) == null:
				rescan = true
	if rescan:
		request_scan()


## Whether the editor's file system lists the file [param path].
static func _known(path: String) -> bool:
	var dir := EditorInterface.get_resource_filesystem().get_filesystem_path(path.get_base_dir())
	return dir != null and dir.find_file_index(path.get_file()) != -1


## The path [param path] gets when [param from] moves to [param to], or "" if unaffected.
static func _renamed(path: String, from: String, to: String, is_file: bool) -> String:
	if path == from:
		return to
	if not is_file and path.begins_with(from + "/"):
		return to + path.substr(from.length())
	return ""


## Points the main scene and autoloads at the moved path (as the FileSystem dock does).
static func _move_settings(from: String, to: String, is_file: bool) -> void:
	var changed := false
	var main := str(ProjectSettings.get_setting("application/run/main_scene", ""))
	if _renamed(main, from, to, is_file) != "":
		ProjectSettings.set_setting("application/run/main_scene", _renamed(main, from, to, is_file))
		changed = true
	for prop: Dictionary in ProjectSettings.get_property_list():
		var key: String = prop["name"]
		if not key.begins_with("autoload/"):
			continue
		var value := str(ProjectSettings.get_setting(key))
		var star := "*" if value.begins_with("*") else ""
		var moved := _renamed(value.trim_prefix("*"), from, to, is_file)
		if moved != "":
			ProjectSettings.set_setting(key, star + moved)
			changed = true
	if changed:
		ProjectSettings.save()


## Fills [param before]/[param after] with the text resources (.tscn/.tres) whose ext_resource
## lines name [param from] (or a file under it), and their content with the new path.
func _rewrite_owners(from: String, to: String, is_file: bool, before: Array[Dictionary],
		after: Array[Dictionary]) -> void:
	if not from.begins_with("res://"):
		return
	var entries: Array[Dictionary] = []
	var state := {"truncated": false}
	_list("res://", "res://", "*", true, "files", false, SEARCH_MAX_FILES, entries, state)
	var needle := 'path="%s%s' % [from, "\"" if is_file else "/"]
	for entry: Dictionary in entries:
		var p: String = entry["path"]
		if not p.get_extension().to_lower() in TEXT_RESOURCES or _renamed(p, from, to, is_file) != "":
			continue
		if FileAccess.get_size(p) > SEARCH_MAX_FILE_BYTES:
			continue
		var text := FileAccess.get_file_as_string(p)
		if not text.contains(needle):
			continue
		var lines := text.split("\n")
		for i in lines.size():
			if lines[i].begins_with("[ext_resource") and lines[i].contains(needle):
				lines[i] = lines[i].replace('path="%s' % from, 'path="%s' % to)
		before.append({"path": p, "kind": "file", "data": text.to_utf8_buffer()})
		after.append({"path": p, "kind": "file", "data": "\n".join(lines).to_utf8_buffer()})


## [param data] (a text scene/resource) with a new uid in its header line, so a copy does not
## claim the original's uid.
static func _with_new_uid(data: PackedByteArray) -> PackedByteArray:
	var text := data.get_string_from_utf8()
	var end := text.find("\n")
	if end == -1:
		end = text.length()
	var at := text.find(' uid="uid://')
	if at == -1 or at > end:
		return data
	var value_start := at + ' uid="'.length()
	var close := text.find("\"", value_start)
	if close == -1 or close > end:
		return data
	var fresh := ResourceUID.id_to_text(ResourceUID.create_id())
	return (text.substr(0, value_start) + fresh + text.substr(close)).to_utf8_buffer()


## Lines [param offset].. of a file, at most [param limit] (-1: to the end), as
## {data, count, eof, total_lines (-1 when not counted)}; files over MAX_READ_BYTES are
## streamed and only the slice is kept.
func _read_lines(path: String, size: int, offset: int, limit: int) -> Dictionary:
	if size <= MAX_READ_BYTES:
		var data_all := FileAccess.get_file_as_bytes(path)
		if is_binary(data_all):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is binary (it has NUL bytes): read it with encoding=base64" % path)
		var text := data_all.get_string_from_utf8()
		var lines := text.split("\n")
		var trailing := text.ends_with("\n")
		if trailing or text.is_empty():
			lines.remove_at(lines.size() - 1)
		var total := lines.size()
		var start := mini(offset, total)
		var end := total if limit < 0 else mini(start + limit, total)
		var part := "\n".join(lines.slice(start, end))
		if end > start and (end < total or trailing):
			part += "\n"
		return ok({"data": part.to_utf8_buffer(), "count": end - start, "eof": end >= total,
				"total_lines": total})
	if limit < 0:
		return _too_large_read(path, size)
	var f := FileAccess.open(path, FileAccess.READ)
	if f == null:
		return fail(ErrorCodes.FAILED, "cannot open '%s': %s" % [path, error_string(FileAccess.get_open_error())])
	var index := 0
	var kept: PackedStringArray = []
	var bytes := 0
	while not f.eof_reached() and index < offset + limit:
		var line := f.get_line()
		if f.eof_reached() and line.is_empty():
			break
		if index >= offset:
			kept.append(line)
			bytes += line.length() + 1
			if bytes > MAX_READ_BYTES:
				return _too_large_read(path, size)
		index += 1
	var part := "\n".join(kept) + ("\n" if not kept.is_empty() else "")
	return ok({"data": part.to_utf8_buffer(), "count": kept.size(), "eof": f.eof_reached(),
			"total_lines": -1})


func _too_large_read(path: String, size: int) -> Dictionary:
	return fail(ErrorCodes.PAYLOAD_TOO_LARGE,
			"'%s' has %d bytes; one read returns at most %d: pass offset and limit (lines, or unit=bytes)"
			% [path, size, MAX_READ_BYTES])


## Appends to [param out] the entries under [param dir] whose name (or path relative to
## [param root], when the pattern has a "/") matches [param pattern], sorted, folders before
## their content; stops at [param limit] (state.truncated). Skips hidden names (.godot, ...),
## sidecars unless asked, and symbolic links leading out of the sandbox.
func _list(root: String, dir: String, pattern: String, recursive: bool, kind: String,
		sidecars: bool, limit: int, out: Array[Dictionary], state: Dictionary) -> void:
	var access := DirAccess.open(dir)
	if access == null:
		return
	access.include_hidden = false
	var names: Array[String] = []
	for name: String in access.get_directories():
		names.append(name + "/")
	for name: String in access.get_files():
		names.append(name)
	names.sort()
	for entry: String in names:
		if state["truncated"]:
			return
		var is_dir := entry.ends_with("/")
		var name := entry.trim_suffix("/")
		if name.begins_with("."):
			continue
		var path := dir.path_join(name)
		if not is_dir and not sidecars and (name.ends_with(".import") or name.ends_with(".uid")):
			continue
		if access.is_link(name) and not Paths.resolve(path)["ok"]:
			continue
		var relative := path.substr(root.length()).trim_prefix("/")
		var matched := (relative if pattern.contains("/") else name).match(pattern)
		if matched and (kind == "all" or (kind == "dirs") == is_dir):
			if out.size() >= limit:
				state["truncated"] = true
				return
			var item := {"path": path, "type": "dir" if is_dir else "file"}
			if not is_dir:
				item["size"] = FileAccess.get_size(path)
			out.append(item)
		if is_dir and recursive and not access.is_link(name):
			_list(root, path, pattern, recursive, kind, sidecars, limit, out, state)


## Every file (into [param files]) and folder (into [param dirs]) under [param dir], symbolic
## links counted as files (removed, never followed).
static func _tree(dir: String, files: Array[String], dirs: Array[String]) -> void:
	var access := DirAccess.open(dir)
	if access == null:
		return
	access.include_hidden = true
	for name: String in access.get_files():
		files.append(dir.path_join(name))
	for name: String in access.get_directories():
		var path := dir.path_join(name)
		if access.is_link(name):
			files.append(path)
			continue
		dirs.append(path)
		_tree(path, files, dirs)


## Removes [param files], then [param dirs] deepest first; returns "" or what failed.
static func _remove_tree(files: Array[String], dirs: Array[String]) -> String:
	var errors: PackedStringArray = []
	for p: String in files:
		if DirAccess.remove_absolute(p) != OK:
			errors.append(p)
	var sorted := dirs.duplicate()
	sorted.sort_custom(func(a: String, b: String) -> bool: return a.length() > b.length())
	for p: String in sorted:
		if DirAccess.remove_absolute(p) != OK:
			errors.append(p)
	return ", ".join(errors)
