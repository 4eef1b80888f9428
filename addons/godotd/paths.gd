@tool
extends RefCounted
## The file sandbox of every command that takes a path: only [code]res://[/code] (the project)
## and [code]user://[/code] (the project's user data) are reachable, ".." cannot climb out of
## them, and a symbolic link that leads outside is refused. A handler resolves every path
## through [method resolve] before touching the file system.

const ErrorCodes := preload("error_codes.gd")
const Reply := preload("reply.gd")

## The roots a command may address.
const ROOTS: PackedStringArray = ["res://", "user://"]
## Scene file extensions (text and binary PackedScene).
const SCENE_EXTENSIONS: PackedStringArray = ["tscn", "scn"]
## Symbolic links followed at most while checking one path (a loop ends here).
const MAX_LINKS := 16


## Checks and normalizes [param path] ("." and inner ".." folded away, no trailing slash).
## [param what] names the param in messages. Returns [code]Reply.ok({"path": normalized})[/code]
## or a Reply error: [code]invalid_params[/code] (empty), [code]outside_project[/code] (another
## scheme or an absolute path, ".." above the root, a symbolic link leading out).
static func resolve(path: String, what: String = "path") -> Dictionary:
	if path.is_empty():
		return Reply.error(ErrorCodes.INVALID_PARAMS, "%s is empty" % what)
	var root := ""
	for candidate: String in ROOTS:
		if path.begins_with(candidate):
			root = candidate
	if root.is_empty():
		return Reply.error(ErrorCodes.OUTSIDE_PROJECT,
				"%s must start with res:// or user://, got '%s'" % [what, path])
	var segments: PackedStringArray = []
	for segment: String in path.substr(root.length()).split("/"):
		if segment.is_empty() or segment == ".":
			continue
		if segment == "..":
			if segments.is_empty():
				return Reply.error(ErrorCodes.OUTSIDE_PROJECT,
						"%s '%s' climbs out of %s" % [what, path, root])
			segments.remove_at(segments.size() - 1)
			continue
		if segment.contains("\\") or segment.contains(":"):
			return Reply.error(ErrorCodes.INVALID_PARAMS,
					"%s '%s' has a segment with '\\' or ':'" % [what, path])
		segments.append(segment)
	var normalized := root + "/".join(segments)
	if _escapes(root, segments):
		return Reply.error(ErrorCodes.OUTSIDE_PROJECT,
				"%s '%s' goes through a symbolic link that leads out of %s" % [what, path, root])
	return Reply.ok({"path": normalized})


## Like [method resolve], and the file must exist.
static func existing_file(path: String, what: String = "path") -> Dictionary:
	var checked := resolve(path, what)
	if checked["ok"] and not FileAccess.file_exists(checked["result"]["path"]):
		return Reply.error(ErrorCodes.NOT_FOUND, "no file at '%s'" % checked["result"]["path"])
	return checked


## Like [method existing_file], and it must be a scene file.
static func existing_scene(path: String, what: String = "scene_path") -> Dictionary:
	var checked := resolve(path, what)
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if not normalized.get_extension().to_lower() in SCENE_EXTENSIONS:
		return Reply.error(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a scene file (.tscn, .scn)" % path)
	if not FileAccess.file_exists(normalized):
		return Reply.error(ErrorCodes.NOT_FOUND, "no scene file at '%s'" % normalized)
	return checked


## Whether following [param segments] below [param root] passes a symbolic link whose target is
## outside the root's directory on disk.
static func _escapes(root: String, segments: PackedStringArray) -> bool:
	var base := ProjectSettings.globalize_path(root).simplify_path()
	var current := base
	var links := 0
	for segment: String in segments:
		var dir := DirAccess.open(current)
		if dir == null:
			return false  # the rest does not exist yet: nothing to follow
		var next := current.path_join(segment)
		if dir.is_link(segment):
			links += 1
			if links > MAX_LINKS:
				return true
			var target := dir.read_link(segment)
			if not target.is_absolute_path():
				target = current.path_join(target)
			next = target.simplify_path()
			if not _inside(next, base):
				return true
		current = next
	return false


static func _inside(path: String, base: String) -> bool:
	return path == base or path.begins_with(base.trim_suffix("/") + "/")
