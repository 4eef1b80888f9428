@tool
extends "../handler.gd"
## Commands about the project's autoloads: the [code]autoload/<name>[/code] project settings
## (value [code]"*res://x.gd"[/code], the "*" making the node a global variable), their order
## (the order the game adds them to the root), as Project Settings > Globals > Autoload shows.
##
## Every change is one action of the editor's global undo history whose do and undo steps put
## the whole set of autoloads back to a snapshot, write project.godot and tell the editor's
## autoload panel (update_autoload + autoload_changed, as the panel does for its own edits), so
## the panel, GDScript's global names and the file on disk follow.

## The project-settings prefix of autoloads.
const PREFIX := "autoload/"
## godotd's own autoload, the runtime agent of games (installed by the daemon, first in the
## list, inert outside games run under godotd): left out of these commands, which neither list,
## move nor remove it, and refuse its name.
const RUNTIME_AUTOLOAD := "GodotdRuntime"
## The "*" before the path that makes an autoload a global variable (a "singleton").
const GLOBAL_MARK := "*"
## Words GDScript reserves (GDScriptLanguage::get_reserved_words in Godot 4.6): the editor
## refuses them as autoload names.
const RESERVED_WORDS: PackedStringArray = [
	"break", "continue", "elif", "else", "for", "if", "match", "pass", "return", "when", "while",
	"class", "class_name", "const", "enum", "extends", "func", "namespace", "signal", "static",
	"trait", "var", "await", "breakpoint", "self", "super", "yield", "and", "as", "in", "is",
	"not", "or", "false", "null", "true", "INF", "NAN", "PI", "TAU", "assert", "preload", "void",
]

## The result of the last write of project.godot by a do/undo step.
var _last_save: int = OK
## The editor's autoload panel (EditorAutoloadSettings), found once.
var _panel: Node = null


## [code]list_autoloads[/code]: every autoload in load order: name, path, global, index.
func cmd_list_autoloads(_params: Dictionary) -> Dictionary:
	var out: Array[Dictionary] = []
	var names := _ordered_names()
	for i: int in names.size():
		out.append(_describe(names[i], i))
	return ok({"autoloads": out})


## [code]get_autoload[/code] [code]{name}[/code]: one autoload's path, global flag, index, type.
func cmd_get_autoload(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	if not _exists(name):
		return _missing(name)
	var entry := _describe(name, _ordered_names().find(name))
	entry["type"] = _resource_type(entry["path"])
	entry["exists"] = FileAccess.file_exists(entry["path"])
	return ok(entry)


## [code]add_autoload[/code] [code]{name, path, global?}[/code]: adds an autoload at the end
## of the list, undoably, and writes project.godot.
func cmd_add_autoload(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var global: bool = params.get("global", true)
	if _exists(name):
		return fail(ErrorCodes.INVALID_PARAMS,
				"an autoload named '%s' exists already (set_autoload_path changes its path, rename_autoload its name)"
				% name)
	var bad_name := _name_problem(name)
	if not bad_name.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' cannot be an autoload name: %s" % [name, bad_name])
	var checked := _autoload_file(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var after := _snapshot()
	after[name] = {"value": _value(path, global), "order": -1}
	var outcome := _change(after, "Add autoload %s" % name)
	if not outcome["ok"]:
		return outcome
	return ok(_describe(name, _ordered_names().find(name)))


## [code]remove_autoload[/code] [code]{name}[/code]: removes an autoload, undoably, and writes
## project.godot (the script or scene file stays).
func cmd_remove_autoload(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	if not _exists(name):
		return _missing(name)
	var removed := _describe(name, _ordered_names().find(name))
	var after := _snapshot()
	after.erase(name)
	var outcome := _change(after, "Remove autoload %s" % name)
	if not outcome["ok"]:
		return outcome
	return ok({"removed": removed, "autoloads": _ordered_names()})


## [code]rename_autoload[/code] [code]{name, new_name}[/code]: renames an autoload keeping its
## path, global flag and place in the order, undoably.
func cmd_rename_autoload(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var new_name: String = params["new_name"]
	if not _exists(name):
		return _missing(name)
	if new_name == name:
		return fail(ErrorCodes.INVALID_PARAMS, "new_name is the autoload's name already")
	if _exists(new_name):
		return fail(ErrorCodes.INVALID_PARAMS, "an autoload named '%s' exists already" % new_name)
	var bad_name := _name_problem(new_name)
	if not bad_name.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' cannot be an autoload name: %s" % [new_name, bad_name])
	var after := _snapshot()
	after[new_name] = after[name]
	after.erase(name)
	var outcome := _change(after, "Rename autoload %s to %s" % [name, new_name])
	if not outcome["ok"]:
		return outcome
	var entry := _describe(new_name, _ordered_names().find(new_name))
	entry["previous_name"] = name
	return ok(entry)


## [code]set_autoload_path[/code] [code]{name, path?, global?}[/code]: points an autoload at
## another script or scene and/or toggles its global variable, undoably.
func cmd_set_autoload_path(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	if not _exists(name):
		return _missing(name)
	if not params.has("path") and not params.has("global"):
		return fail(ErrorCodes.INVALID_PARAMS, "pass path and/or global")
	var before := _describe(name, _ordered_names().find(name))
	var path: String = before["path"]
	if params.has("path"):
		var checked := _autoload_file(params["path"])
		if not checked["ok"]:
			return checked
		path = checked["result"]["path"]
	var global: bool = params.get("global", before["global"])
	var after := _snapshot()
	after[name] = {"value": _value(path, global), "order": after[name]["order"]}
	var outcome := _change(after, "Set autoload %s path" % name)
	if not outcome["ok"]:
		return outcome
	var entry := _describe(name, before["index"])
	entry["previous_path"] = before["path"]
	entry["previous_global"] = before["global"]
	return ok(entry)


## [code]move_autoload[/code] [code]{name, index}[/code]: moves an autoload to a place in the
## load order (0 = first; past the end = last), undoably.
func cmd_move_autoload(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	if not _exists(name):
		return _missing(name)
	var names := _ordered_names()
	var previous := names.find(name)
	var index: int = mini(params["index"], names.size() - 1)
	var before := _snapshot()
	var orders: Array[int] = []
	for n: String in names:
		orders.append(before[n]["order"])
	orders.sort()
	names.remove_at(previous)
	names.insert(index, name)
	var after := before.duplicate(true)
	for i: int in names.size():
		after[names[i]]["order"] = orders[i]
	if index != previous:
		var outcome := _change(after, "Move autoload %s" % name)
		if not outcome["ok"]:
			return outcome
	return ok({"name": name, "index": index, "previous_index": previous,
			"autoloads": _ordered_names()})


# --------------------------------------------------------------------------------------------
# Internals


## The autoload names, in load order.
func _ordered_names() -> Array[String]:
	var pairs: Array = []
	for info: Dictionary in ProjectSettings.get_property_list():
		var key: String = info["name"]
		if key.begins_with(PREFIX) and key.length() > PREFIX.length() \
				and key != PREFIX + RUNTIME_AUTOLOAD:
			pairs.append([ProjectSettings.get_order(key), key.substr(PREFIX.length())])
	pairs.sort_custom(func(a: Array, b: Array) -> bool: return a[0] < b[0])
	var out: Array[String] = []
	for pair: Array in pairs:
		out.append(pair[1])
	return out


func _exists(name: String) -> bool:
	return name != RUNTIME_AUTOLOAD and not name.is_empty() and not name.contains("/") and ProjectSettings.has_setting(PREFIX + name)


## One autoload as the commands return it.
func _describe(name: String, index: int) -> Dictionary:
	var value := str(ProjectSettings.get_setting(PREFIX + name, ""))
	var global := value.begins_with(GLOBAL_MARK)
	return {
		"name": name,
		"path": EditorState.to_res_path(value.trim_prefix(GLOBAL_MARK)),
		"global": global,
		"index": index,
	}


## The setting's value for [param path], with the "*" when [param global].
static func _value(path: String, global: bool) -> String:
	return (GLOBAL_MARK if global else "") + path


## Every autoload: name → {value, order}.
func _snapshot() -> Dictionary:
	var out := {}
	for name: String in _ordered_names():
		out[name] = {"value": str(ProjectSettings.get_setting(PREFIX + name)),
				"order": ProjectSettings.get_order(PREFIX + name)}
	return out


## Puts the autoloads to [param after] in one undoable action whose do and undo both write
## project.godot.
func _change(after: Dictionary, action: String) -> Dictionary:
	var before := _snapshot()
	var ur := begin_action(action)
	ur.add_do_method(self, "_apply", after)
	ur.add_undo_method(self, "_apply", before)
	commit_action()
	if _last_save != OK:
		return fail(ErrorCodes.FAILED, "could not write project.godot: %s (the autoloads are changed in the editor; undo reverts them)"
				% error_string(_last_save))
	return ok()


## Do/undo step: makes the autoloads exactly [param state] (name → {value, order}; order -1 =
## after all others), writes project.godot and refreshes the editor's autoload panel.
func _apply(state: Dictionary) -> void:
	for name: String in _ordered_names():
		if not state.has(name):
			ProjectSettings.set_setting(PREFIX + name, null)
	for name: String in state:
		var entry: Dictionary = state[name]
		ProjectSettings.set_setting(PREFIX + name, entry["value"])
		if entry["order"] >= 0:
			ProjectSettings.set_order(PREFIX + name, entry["order"])
	_last_save = ProjectSettings.save()
	var panel := _autoload_panel()
	if panel != null:
		panel.call("update_autoload")
		panel.emit_signal("autoload_changed")


## The editor's EditorAutoloadSettings (in the Project Settings dialog), or null.
func _autoload_panel() -> Node:
	if _panel != null and is_instance_valid(_panel):
		return _panel
	var found := EditorInterface.get_base_control().find_children("*", "EditorAutoloadSettings", true, false)
	if found.is_empty():
		found = (Engine.get_main_loop() as SceneTree).root.find_children("*", "EditorAutoloadSettings", true, false)
	_panel = found[0] if not found.is_empty() else null
	return _panel


## Checks that [param path] is an existing script or scene inside res://.
func _autoload_file(path: String) -> Dictionary:
	var checked := Paths.resolve(EditorState.to_res_path(path))
	if not checked["ok"]:
		return checked
	var normalized: String = checked["result"]["path"]
	if not normalized.begins_with("res://"):
		return fail(ErrorCodes.OUTSIDE_PROJECT, "an autoload must be a file inside the project (res://), got '%s'" % path)
	if not FileAccess.file_exists(normalized):
		return fail(ErrorCodes.NOT_FOUND, "no file at '%s'" % normalized)
	var type := _resource_type(normalized)
	if type != "script" and type != "scene":
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a script or a scene (an autoload is a Node script or a .tscn/.scn)" % normalized)
	if type == "script":
		var script := ResourceLoader.load(normalized) as Script
		var base := script.get_instance_base_type() if script != null else &""
		if not String(base).is_empty() and not ClassDB.is_parent_class(base, "Node"):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' extends %s, not a Node: an autoload script must extend Node (or a Node class)"
					% [normalized, base])
	return checked


## "script", "scene" or "" for the file at [param path], by its extension.
static func _resource_type(path: String) -> String:
	var ext := path.get_extension().to_lower()
	if ext in ResourceLoader.get_recognized_extensions_for_type("PackedScene"):
		return "scene"
	if ext in ResourceLoader.get_recognized_extensions_for_type("Script"):
		return "script"
	return ""


func _missing(name: String) -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND, "no autoload named '%s'; list_autoloads shows them" % name)


## Why [param name] cannot name an autoload (the editor's rules), or "".
func _name_problem(name: String) -> String:
	if name == RUNTIME_AUTOLOAD:
		return "it is godotd's own autoload (the runtime agent of games run under godotd)"
	if not name.is_valid_unicode_identifier():
		return "it must be a valid identifier (letters, digits, _; not starting with a digit)"
	if ClassDB.class_exists(name):
		return "it is the name of an engine class"
	for info: Dictionary in ProjectSettings.get_global_class_list():
		if info["class"] == name:
			return "it is the class_name of %s" % info["path"]
	for t: int in TYPE_MAX:
		if type_string(t) == name:
			return "it is the name of a built-in type"
	if Engine.has_singleton(name):
		return "it is the name of an engine singleton"
	if name in RESERVED_WORDS:
		return "it is a GDScript keyword"
	if _is_global_constant(name):
		return "it is the name of a global constant"
	return ""


## Whether [param name] is a constant of @GlobalScope (KEY_A, OK, SIDE_LEFT, ...): a probe
## script that uses it as a constant compiles. Its parse error is kept out of the log.
static func _is_global_constant(name: String) -> bool:
	if name != name.to_upper():
		return false  # every global constant is in upper case
	var probe := GDScript.new()
	probe.source_code = "extends RefCounted\nconst _PROBE = %s\n" % name
	var printing := Engine.print_error_messages
	Engine.print_error_messages = false
	var err := probe.reload()
	Engine.print_error_messages = printing
	return err == OK
