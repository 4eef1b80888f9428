@tool
extends RefCounted
## Checks scene paths that arrive in command params: inside the project, a scene, existing.

const ErrorCodes := preload("error_codes.gd")
const Reply := preload("reply.gd")

## The only prefix accepted: commands address project files, never the host's file system.
const PROJECT_PREFIX := "res://"
## File extensions the editor opens as scenes (text and binary PackedScene).
const SCENE_EXTENSIONS: PackedStringArray = ["tscn", "scn"]


## Checks [param path] and normalizes it ("." and inner ".." segments folded away).
## Returns [code]Reply.ok({"path": normalized})[/code], or a Reply error:
## [code]invalid_params[/code] (empty, not a scene file), [code]outside_project[/code] (not
## [code]res://[/code], or ".." climbing above the project), [code]not_found[/code].
static func resolve(path: String) -> Dictionary:
	if path.is_empty():
		return Reply.error(ErrorCodes.INVALID_PARAMS, "scene_path is empty")
	if not path.begins_with(PROJECT_PREFIX):
		return Reply.error(ErrorCodes.OUTSIDE_PROJECT,
				"scene_path must start with %s, got '%s'" % [PROJECT_PREFIX, path])
	var segments: PackedStringArray = []
	for segment: String in path.substr(PROJECT_PREFIX.length()).split("/"):
		if segment.is_empty() or segment == ".":
			continue
		if segment == "..":
			if segments.is_empty():
				return Reply.error(ErrorCodes.OUTSIDE_PROJECT,
						"scene_path '%s' climbs out of the project" % path)
			segments.remove_at(segments.size() - 1)
			continue
		segments.append(segment)
	var normalized := PROJECT_PREFIX + "/".join(segments)
	if not normalized.get_extension().to_lower() in SCENE_EXTENSIONS:
		return Reply.error(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a scene file (.%s)" % [path, ", .".join(SCENE_EXTENSIONS)])
	if not FileAccess.file_exists(normalized):
		return Reply.error(ErrorCodes.NOT_FOUND, "no scene file at '%s'" % normalized)
	return Reply.ok({"path": normalized})
