@tool
extends "../handler.gd"
## Commands about the project: its settings (project.godot), its name, main scene and features.
##
## Changes go through the editor's global undo history, and project.godot is written both when
## a change is made and when it is undone or redone, so the file on disk always matches.

## The project setting naming the main scene.
const MAIN_SCENE_SETTING := "application/run/main_scene"
## The project setting naming the renderer.
const RENDERER_SETTING := "rendering/renderer/rendering_method"
## Entries list_project_settings returns when no limit is given.
const DEFAULT_LIST_LIMIT := 100
## Property usage bits that mark a heading, not a setting.
const NOT_A_SETTING := PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP

## The result of the last write of project.godot by a do/undo step.
var _last_save: int = OK


## [code]get_project_setting[/code] [code]{name}[/code]: one setting's value, type and default.
func cmd_get_project_setting(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	if not ProjectSettings.has_setting(name):
		return _missing_setting(name)
	var value: Variant = ProjectSettings.get_setting(name)
	var out := {"name": name, "value": VariantJson.to_json(value), "type": type_string(typeof(value))}
	if ProjectSettings.property_can_revert(name):
		var default: Variant = ProjectSettings.property_get_revert(name)
		out["default"] = VariantJson.to_json(default)
		out["is_default"] = _equal(default, value)
	else:
		out["default"] = null
		out["is_default"] = false
	return ok(out)


## [code]set_project_setting[/code] [code]{name, value, create?}[/code]: changes (or with
## null removes) a setting, undoably, and writes project.godot.
func cmd_set_project_setting(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var exists := ProjectSettings.has_setting(name)
	if not exists and not params.get("create", false):
		return _missing_setting(name, " (pass create=true to add a custom setting)")
	var bad_name := _name_problem(name)
	if not bad_name.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, bad_name)
	var previous: Variant = ProjectSettings.get_setting(name) if exists else null
	var value: Variant = null
	if params["value"] == null and exists and ProjectSettings.property_can_revert(name):
		# Erasing a built-in setting would drop it (and its default) from the editor until a
		# restart: set it to its default instead, which project.godot leaves out.
		value = ProjectSettings.property_get_revert(name)
	elif params["value"] != null:
		var converted := VariantJson.from_json(params["value"], typeof(previous) if exists else TYPE_NIL)
		if not converted["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "value for '%s' (a %s): %s"
					% [name, type_string(typeof(previous)), converted["message"]])
		value = converted["value"]
	var outcome := _change(name, value, "Set project setting %s" % name)
	if not outcome["ok"]:
		return outcome
	return ok({
		"name": name,
		"value": VariantJson.to_json(ProjectSettings.get_setting(name)) if ProjectSettings.has_setting(name) else null,
		"previous": VariantJson.to_json(previous),
		"type": type_string(typeof(value)) if value != null else "Nil",
		"is_default": ProjectSettings.has_setting(name) and ProjectSettings.property_can_revert(name)
				and _equal(ProjectSettings.get_setting(name), ProjectSettings.property_get_revert(name)),
	})


## [code]list_project_settings[/code] [code]{prefix?, changed_only?, limit?}[/code]: settings
## whose name starts with the prefix, with values and types.
func cmd_list_project_settings(params: Dictionary) -> Dictionary:
	var prefix: String = params.get("prefix", "")
	var changed_only: bool = params.get("changed_only", false)
	var limit: int = params.get("limit", DEFAULT_LIST_LIMIT)
	var settings: Array[Dictionary] = []
	var total := 0
	for info: Dictionary in ProjectSettings.get_property_list():
		var name: String = info["name"]
		var usage: int = info["usage"]
		if usage & NOT_A_SETTING or not name.begins_with(prefix) or not name.contains("/"):
			continue
		if prefix.is_empty() and not usage & PROPERTY_USAGE_EDITOR:
			continue  # internal settings only when asked for by prefix
		var value: Variant = ProjectSettings.get_setting(name)
		if changed_only and ProjectSettings.property_can_revert(name):
			var default: Variant = ProjectSettings.property_get_revert(name)
			if _equal(default, value):
				continue
		total += 1
		if settings.size() < limit:
			settings.append({"name": name, "value": VariantJson.to_json(value),
					"type": type_string(typeof(value))})
	return ok({"settings": settings, "total": total, "truncated": total > settings.size()})


## [code]get_project_info[/code]: name, description, version, main scene, features, renderer.
func cmd_get_project_info(_params: Dictionary) -> Dictionary:
	var main: String = ProjectSettings.get_setting(MAIN_SCENE_SETTING, "")
	return ok({
		"name": str(ProjectSettings.get_setting("application/config/name", "")),
		"description": str(ProjectSettings.get_setting("application/config/description", "")),
		"version": str(ProjectSettings.get_setting("application/config/version", "")),
		"main_scene": EditorState.to_res_path(main) if not main.is_empty() else "",
		"features": Array(ProjectSettings.get_setting("application/config/features", PackedStringArray())),
		"renderer": str(ProjectSettings.get_setting(RENDERER_SETTING, "")),
		"icon": str(ProjectSettings.get_setting("application/config/icon", "")),
		"project_path": EditorState.project_path(),
		"godot_version": EditorState.godot_version(),
	})


## [code]set_main_scene[/code] [code]{scene_path}[/code]: sets application/run/main_scene,
## undoably, and writes project.godot.
func cmd_set_main_scene(params: Dictionary) -> Dictionary:
	var checked := Paths.existing_scene(params["scene_path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	if not path.begins_with("res://"):
		return fail(ErrorCodes.INVALID_PARAMS, "the main scene must be inside the project (res://)")
	var previous: String = ProjectSettings.get_setting(MAIN_SCENE_SETTING, "")
	var outcome := _change(MAIN_SCENE_SETTING, path, "Set main scene %s" % path)
	if not outcome["ok"]:
		return outcome
	return ok({"main_scene": path, "previous": EditorState.to_res_path(previous)})


## [code]reload_project[/code] [code]{save?}[/code]: answers, then the editor reloads the project
## (Godot's restart_editor); the plugin hands the restart to the daemon, which starts the new
## editor itself.
func cmd_reload_project(params: Dictionary) -> Dictionary:
	var save: bool = params.get("save", true)
	var saved: Array[String] = []
	var new_scenes := 0
	for root: Node in EditorInterface.get_open_scene_roots():
		if root.scene_file_path.is_empty():
			new_scenes += 1
		elif save:
			saved.append(root.scene_file_path)
	if save:
		EditorInterface.save_all_scenes()
	ctx.request_quit.call(true)
	return ok({"reloading": true, "saved_scenes": saved, "unsaved_new_scenes": new_scenes,
			"editor_pid": OS.get_process_id()})


## Sets [param name] to [param value] (null removes it) in an undoable action whose do and
## undo both write project.godot. Fails when the first write fails (nothing changed then).
func _change(name: String, value: Variant, action: String) -> Dictionary:
	var exists := ProjectSettings.has_setting(name)
	var previous: Variant = ProjectSettings.get_setting(name) if exists else null
	var ur := begin_action(action)
	ur.add_do_method(self, "_apply_setting", name, value)
	ur.add_undo_method(self, "_apply_setting", name, previous)
	commit_action()
	if _last_save != OK:
		return fail(ErrorCodes.FAILED, "could not write project.godot: %s (the setting is changed in the editor; undo reverts it)"
				% error_string(_last_save))
	return ok()



## Do/undo step: sets (or with null removes) a setting and saves project.godot.
func _apply_setting(name: String, value: Variant) -> void:
	ProjectSettings.set_setting(name, value)
	_last_save = ProjectSettings.save()


func _missing_setting(name: String, hint: String = "") -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND,
			"no project setting '%s'%s; list_project_settings with a prefix shows the names"
			% [name, hint])


## Whether two setting values are the same value of the same type.
static func _equal(a: Variant, b: Variant) -> bool:
	return typeof(a) == typeof(b) and a == b


## Why [param name] cannot be a setting name, or "".
static func _name_problem(name: String) -> String:
	if not name.contains("/") or name.begins_with("/") or name.ends_with("/"):
		return "a setting name has the form section/key, e.g. \"application/config/name\""
	for bad: String in ["=", "[", "]", "\"", "\n", " "]:
		if name.contains(bad):
			return "a setting name cannot contain '%s'" % bad.c_escape()
	return ""
