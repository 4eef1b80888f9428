@tool
extends RefCounted
## Read-only views of the editor's state, shared by the plugin (events, hello) and the handlers.
##
## Every function is static and cheap enough to call once per frame.

## Readiness while the editor's file system scan / import runs.
const READINESS_IMPORTING := "importing"
## Readiness while a game started from the editor runs.
const READINESS_PLAYING := "playing"
## Readiness when no scene is open for editing.
const READINESS_NO_SCENE := "no_scene"
## Readiness when the editor can take any command.
const READINESS_READY := "ready"


## One of the [code]READINESS_*[/code] values. Importing wins over playing, playing over no_scene.
static func readiness() -> String:
	if EditorInterface.get_resource_filesystem().is_scanning():
		return READINESS_IMPORTING
	if EditorInterface.is_playing_scene():
		return READINESS_PLAYING
	if EditorInterface.get_edited_scene_root() == null:
		return READINESS_NO_SCENE
	return READINESS_READY


## The [code]res://[/code] path of the edited scene; "" when there is none or it was never saved.
static func edited_scene_path() -> String:
	var root: Node = EditorInterface.get_edited_scene_root()
	if root == null:
		return ""
	return root.scene_file_path


## Whether a game started from the editor runs.
static func is_playing() -> bool:
	return EditorInterface.is_playing_scene()


## The [code]res://[/code] path of the scene the running game started with; "" when none runs.
static func playing_scene_path() -> String:
	if not EditorInterface.is_playing_scene():
		return ""
	return to_res_path(EditorInterface.get_playing_scene())


## [param path] with a [code]uid://[/code] reference resolved to its [code]res://[/code] path.
static func to_res_path(path: String) -> String:
	if path.begins_with("uid://"):
		return ResourceUID.ensure_path(path)
	return path


## The Godot version as [code]godot --version[/code] prints it, e.g. "4.6.3.stable.debian".
static func godot_version() -> String:
	var info: Dictionary = Engine.get_version_info()
	var number := "%d.%d" % [info["major"], info["minor"]]
	var patch: int = info["patch"]
	if patch != 0:
		number += ".%d" % patch
	return "%s.%s.%s" % [number, info["status"], info["build"]]


## The project's absolute directory, with a trailing slash.
static func project_path() -> String:
	return ProjectSettings.globalize_path("res://")
