@tool
extends "../handler.gd"
## Commands on resources: create_resource, get_resource, set_resource_properties,
## duplicate_resource, make_resource_unique, list_resource_types, get_resource_dependencies.
##
## A resource is addressed either by its file ([code]path[/code], res://…/.tres or .res) or as
## the value of a node's property in the edited scene ([code]node_path[/code] +
## [code]property[/code], e.g. a CollisionShape2D's shape).
##
## Files are written by ResourceSaver; the editor saves "backup then rename" (its
## filesystem/on_save/safe_save_on_backup_then_rename setting), so a file is never half written.
## Changes to a file go into the editor's project-wide undo history (create/duplicate: undo
## deletes the new file or puts the overwritten one back, through file.gd; property changes:
## undo restores the old values on the loaded resource and saves it again). Changes to a node's
## resource go into the edited scene's history like any property edit.

const FileHandler := preload("file.gd")
const ClassInfo := preload("classdb.gd")

## File extensions create/duplicate/set write (text and binary resources).
const SAVE_EXTENSIONS: PackedStringArray = ["tres", "res"]
## Items of an array value get_resource returns at most (a mesh's arrays can be huge).
const MAX_ITEMS_DEFAULT := 50
## Default number of names list_resource_types returns.
const LIMIT_DEFAULT := 200
## Properties every resource has that get_resource leaves out (the result says them otherwise).
const HIDDEN_PROPERTIES: PackedStringArray = ["resource_path", "script"]

var _files: RefCounted = null
## The error of the last [method save_resource] (undo/redo steps cannot return one).
var _save_error: Error = OK


# --------------------------------------------------------------------------------------------
# Commands


## [code]create_resource[/code] [code]{class, properties?, path?, overwrite?, node_path?,
## property?}[/code]: a new resource saved to a .tres/.res file, or assigned to a node's property.
func cmd_create_resource(params: Dictionary) -> Dictionary:
	var where := _mode(params)
	if not where["ok"]:
		return where
	var made := _instantiate(str(params["class"]))
	if not made["ok"]:
		return made
	var res: Resource = made["result"]["resource"]
	var applied := _apply(res, params.get("properties", {}))
	if not applied["ok"]:
		return applied
	var result := {"class": _class_of(res), "properties": applied["result"]["set"]}
	if where["result"]["file"]:
		var saved := _save_new(res, params["path"], params.get("overwrite", false),
				"Create resource %s" % params["path"])
		if not saved["ok"]:
			return saved
		result.merge(saved["result"])
		return ok(result)
	var slot := _node_slot(params["node_path"], params["property"], res)
	if not slot["ok"]:
		return slot
	var node: Node = slot["result"]["node"]
	var property: String = params["property"]
	var ur := begin_action("Create %s in %s.%s" % [result["class"], node.name, property], scene_root())
	ur.add_do_property(node, property, res)
	ur.add_do_reference(res)
	ur.add_undo_property(node, property, node.get(property))
	commit_action()
	result["node_path"] = path_of(node)
	result["property"] = property
	return ok(result)


## [code]get_resource[/code] [code]{path | node_path + property, filter?, max_items?}[/code]:
## the class and inspector-visible properties (JSON) of a resource file or a node's resource.
func cmd_get_resource(params: Dictionary) -> Dictionary:
	var found := _find(params, false)
	if not found["ok"]:
		return found
	var res: Resource = found["result"]["resource"]
	var filter: String = params.get("filter", "")
	var max_items: int = params.get("max_items", MAX_ITEMS_DEFAULT)
	var properties := {}
	var cut: Array[String] = []
	for p: Dictionary in res.get_property_list():
		var name: String = p["name"]
		var usage: int = p["usage"]
		if not usage & PROPERTY_USAGE_EDITOR or name in HIDDEN_PROPERTIES:
			continue
		if usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP):
			continue
		if not filter.is_empty() and not name.containsn(filter):
			continue
		var value: Variant = VariantJson.to_json(res.get(name))
		if typeof(value) == TYPE_ARRAY and (value as Array).size() > max_items:
			value = (value as Array).slice(0, max_items)
			cut.append(name)
		properties[name] = value
	var result := _describe(res, found["result"])
	result["properties"] = properties
	if not cut.is_empty():
		result["truncated_arrays"] = cut
	return ok(result)


## [code]set_resource_properties[/code] [code]{path | node_path + property, properties}[/code]:
## sets properties (converted to each property's type) and saves a file resource; undoable.
func cmd_set_resource_properties(params: Dictionary) -> Dictionary:
	var found := _find(params, true)
	if not found["ok"]:
		return found
	var res: Resource = found["result"]["resource"]
	var values: Dictionary = params["properties"]
	if values.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "properties is empty: pass {name: value, ...}")
	var converted := _convert(res, values)
	if not converted["ok"]:
		return converted
	var new_values: Dictionary = converted["result"]["values"]
	var read_only := read_only_reason(res)
	if not read_only.is_empty():
		if found["result"].has("node"):
			read_only += ", or give the node its own copy first with make_resource_unique"
		return fail(ErrorCodes.FAILED, read_only)
	var old_values := {}
	for name: String in new_values:
		old_values[name] = res.get(name)
	var path: String = found["result"].get("path", "")
	if path.is_empty() and _is_file_path(res.resource_path):
		# A node's resource that lives in its own file: change and save the file.
		var writable := FileHandler.writable(res.resource_path)
		if not writable["ok"]:
			return writable
		if not res.resource_path.get_extension().to_lower() in SAVE_EXTENSIONS:
			return fail(ErrorCodes.INVALID_PARAMS,
					"%s.%s is the file '%s', which is not a .tres/.res file godotd writes; make_resource_unique gives the node its own copy"
					% [params["node_path"], params["property"], res.resource_path])
		path = res.resource_path
	var label := path if not path.is_empty() else "%s.%s" % [params["node_path"], params["property"]]
	var ur := begin_action("Set %s of %s" % [", ".join(new_values.keys()), label],
			null if not path.is_empty() else scene_root())
	for name: String in new_values:
		ur.add_do_property(res, name, new_values[name])
		ur.add_undo_property(res, name, old_values[name])
	if not path.is_empty():
		ur.add_do_method(self, "save_resource", res, path)
		ur.add_undo_method(self, "save_resource", res, path)
	_save_error = OK
	commit_action()
	if _save_error != OK:
		return fail(ErrorCodes.FAILED, "the values were set but '%s' could not be saved: %s (undo reverts them)"
				% [path, error_string(_save_error)])
	var result := _describe(res, found["result"])
	var now := {}
	for name: String in new_values:
		now[name] = VariantJson.to_json(res.get(name))
	result["properties"] = now
	return ok(result)


## [code]duplicate_resource[/code] [code]{path, to, deep?, overwrite?}[/code]: saves a copy of
## a resource file under a new path (with its own uid); undoable (undo deletes the copy).
func cmd_duplicate_resource(params: Dictionary) -> Dictionary:
	var found := _find({"path": params["path"]}, false)
	if not found["ok"]:
		return found
	var source: Resource = found["result"]["resource"]
	var copy := source.duplicate(params.get("deep", false))
	var saved := _save_new(copy, params["to"], params.get("overwrite", false),
			"Duplicate %s to %s" % [found["result"]["path"], params["to"]])
	if not saved["ok"]:
		return saved
	var result: Dictionary = saved["result"]
	result["class"] = _class_of(copy)
	result["from"] = found["result"]["path"]
	return ok(result)


## [code]make_resource_unique[/code] [code]{node_path, property, deep?}[/code]: gives the node
## its own copy of the resource in one of its properties (as the inspector's "Make Unique");
## undoable in the scene's history.
func cmd_make_resource_unique(params: Dictionary) -> Dictionary:
	var found := _find(params, false)
	if not found["ok"]:
		return found
	var res: Resource = found["result"]["resource"]
	var node: Node = found["result"]["node"]
	var property: String = params["property"]
	var foreign := foreign_node_reason(node)
	if not foreign.is_empty():
		return fail(ErrorCodes.FAILED, foreign)
	var copy := res.duplicate(params.get("deep", false))
	var ur := begin_action("Make %s.%s unique" % [node.name, property], scene_root())
	ur.add_do_property(node, property, copy)
	ur.add_do_reference(copy)
	ur.add_undo_property(node, property, res)
	ur.add_undo_reference(res)
	commit_action()
	var result := {"class": _class_of(copy), "node_path": path_of(node), "property": property}
	if _is_file_path(res.resource_path):
		result["was_path"] = res.resource_path
	return ok(result)


## [code]list_resource_types[/code] [code]{base?, filter?, limit?}[/code]: the Resource classes
## create_resource can make (and project class_name scripts extending Resource).
func cmd_list_resource_types(params: Dictionary) -> Dictionary:
	var base: String = params.get("base", "Resource")
	if not ClassDB.class_exists(base):
		return fail(ErrorCodes.NOT_FOUND, ClassInfo.unknown_class_message(base))
	if not ClassDB.is_parent_class(base, "Resource"):
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a Resource class" % base)
	var filter: String = params.get("filter", "")
	var names: Array[String] = []
	var candidates := ClassDB.get_inheriters_from_class(base)
	candidates.append(base)
	for c: String in candidates:
		if ClassDB.can_instantiate(c) and not _editor_only(c) and (filter.is_empty() or c.containsn(filter)):
			names.append(c)
	names.sort()
	var scripts: Array[Dictionary] = []
	for info: Dictionary in ProjectSettings.get_global_class_list():
		var name := str(info["class"])
		if not filter.is_empty() and not name.containsn(filter):
			continue
		if ClassDB.is_parent_class(_native_base(name), base) and not info.get("is_abstract", false):
			scripts.append({"class": name, "path": str(info["path"])})
	var limit: int = params.get("limit", LIMIT_DEFAULT)
	return ok({"types": names.slice(0, limit), "script_types": scripts,
			"count": mini(names.size(), limit), "total": names.size(), "truncated": names.size() > limit})


## [code]get_resource_dependencies[/code] [code]{path}[/code]: the files a resource or scene
## file loads (path, type, uid), and whether each exists.
func cmd_get_resource_dependencies(params: Dictionary) -> Dictionary:
	var checked := Paths.existing_file(params["path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	if not ResourceLoader.exists(path):
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a resource Godot can load" % path)
	var deps: Array[Dictionary] = []
	for entry: String in ResourceLoader.get_dependencies(path):
		# "uid://…::Type::res://path", or "res://path::Type" in older formats
		var parts := entry.split("::")
		var dep := {}
		for part: String in parts:
			if part.begins_with("uid://"):
				dep["uid"] = part
			elif part.begins_with("res://") or part.begins_with("user://"):
				dep["path"] = part
			elif not part.is_empty():
				dep["type"] = part
		if not dep.has("path") and dep.has("uid"):
			dep["path"] = ResourceUID.ensure_path(str(dep["uid"]))
		dep["exists"] = dep.has("path") and ResourceLoader.exists(str(dep["path"]))
		deps.append(dep)
	return ok({"path": path, "dependencies": deps, "count": deps.size()})


# --------------------------------------------------------------------------------------------
# Undo/redo steps


## Saves [param res] to [param path] and tells the editor; the error goes to _save_error.
## A do/undo method of set_resource_properties.
func save_resource(res: Resource, path: String) -> void:
	var err := ResourceSaver.save(res, path)
	if err != OK:
		_save_error = err
		push_error("godotd: cannot save %s: %s" % [path, error_string(err)])
	if path.begins_with("res://"):
		EditorInterface.get_resource_filesystem().update_file(path)


# --------------------------------------------------------------------------------------------
# Internals


## Checks that params name a file (path) or a node slot (node_path + property), not both:
## Reply.ok({"file": bool}).
func _mode(params: Dictionary) -> Dictionary:
	var has_path := params.has("path")
	var has_node := params.has("node_path") or params.has("property")
	if has_path == has_node:
		return fail(ErrorCodes.INVALID_PARAMS,
				"pass either path (a res:// .tres/.res file) or node_path + property (a node's resource)")
	if has_node and not (params.has("node_path") and params.has("property")):
		return fail(ErrorCodes.INVALID_PARAMS, "node_path and property go together")
	if has_node and scene_root() == null:
		return fail(ErrorCodes.NO_SCENE, "no scene is open: open one with open_scene to reach its nodes")
	return ok({"file": has_path})


## The resource params address: Reply.ok({resource, path} or {resource, node, property}).
## [param for_write]: a file must be a .tres/.res the editor may write.
func _find(params: Dictionary, for_write: bool) -> Dictionary:
	var where := _mode(params)
	if not where["ok"]:
		return where
	if where["result"]["file"]:
		var checked := FileHandler.writable(params["path"]) if for_write else Paths.resolve(params["path"])
		if not checked["ok"]:
			return checked
		var path: String = checked["result"]["path"]
		if not FileAccess.file_exists(path):
			return fail(ErrorCodes.NOT_FOUND, "no file at '%s'" % path)
		if for_write and not path.get_extension().to_lower() in SAVE_EXTENSIONS:
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is not a .tres/.res resource file (imported files and scenes are changed by other means)" % path)
		if not ResourceLoader.exists(path):
			return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a resource Godot can load" % path)
		var res := ResourceLoader.load(path)
		if res == null:
			return fail(ErrorCodes.FAILED, "'%s' could not be loaded (see the editor log)" % path)
		return ok({"resource": res, "path": path})
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var property: String = params["property"]
	if not _has_property(node, property):
		return fail(ErrorCodes.NOT_FOUND, "%s '%s' has no property '%s'" % [node.get_class(), params["node_path"], property])
	var value: Variant = node.get(property)
	if not value is Resource:
		return fail(ErrorCodes.NOT_FOUND, "%s.%s holds no resource (it is %s): create one with create_resource"
				% [params["node_path"], property, "null" if value == null else type_string(typeof(value))])
	return ok({"resource": value, "node": node, "property": property})


## A new instance of a Resource class or of a class_name script extending one:
## Reply.ok({resource}) or not_found / invalid_params.
func _instantiate(name: String) -> Dictionary:
	var script_path := ""
	var native := name
	if not ClassDB.class_exists(name):
		for info: Dictionary in ProjectSettings.get_global_class_list():
			if str(info["class"]) == name:
				script_path = str(info["path"])
		if script_path.is_empty():
			return fail(ErrorCodes.NOT_FOUND, ClassInfo.unknown_class_message(name))
		native = _native_base(name)
	if not ClassDB.is_parent_class(native, "Resource"):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a Resource class (nodes are made with create_node)" % name)
	if not ClassDB.can_instantiate(native):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is abstract and cannot be instantiated: pick a subclass (list_resource_types base=%s)"
				% [native, native])
	if _editor_only(native):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is an editor-only class: a game cannot load a file of it (list_resource_types lists the others)"
				% native)
	var res: Resource = ClassDB.instantiate(native)
	if res == null:
		return fail(ErrorCodes.FAILED, "the engine did not instantiate '%s'" % native)
	if not script_path.is_empty():
		# (can_instantiate() is false in the editor for scripts without @tool: not checked.)
		var script: Script = load(script_path)
		if script == null:
			return fail(ErrorCodes.FAILED, "the script '%s' of class '%s' cannot be loaded" % [script_path, name])
		res.set_script(script)
	return ok({"resource": res})


## Converts JSON [param values] to the types of [param res]'s properties:
## Reply.ok({"values": {name: Variant}}) or invalid_params naming the property.
func _convert(res: Resource, values: Dictionary) -> Dictionary:
	var infos := {}
	for p: Dictionary in res.get_property_list():
		var usage: int = p["usage"]
		if not usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP):
			infos[str(p["name"])] = p
	var out := {}
	for key: Variant in values:
		var name := str(key)
		if not infos.has(name) or name in HIDDEN_PROPERTIES:
			return fail(ErrorCodes.INVALID_PARAMS, "%s has no property '%s'%s" % [_class_of(res), name, _close(name, infos.keys())])
		var info: Dictionary = infos[name]
		var hint := ""
		if int(info["hint"]) == PROPERTY_HINT_RESOURCE_TYPE and not str(info["hint_string"]).contains(","):
			hint = str(info["hint_string"])
		var converted := VariantJson.from_json(values[key], int(info["type"]), hint)
		if not converted["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "property '%s' (%s): %s" % [name, ClassInfo.type_name(info), converted["message"]])
		out[name] = converted["value"]
	return ok({"values": out})


## Sets [param values] (JSON) on the new resource [param res]:
## Reply.ok({"set": {name: JSON value as read back}}).
func _apply(res: Resource, values: Dictionary) -> Dictionary:
	var converted := _convert(res, values)
	if not converted["ok"]:
		return converted
	var now := {}
	var typed: Dictionary = converted["result"]["values"]
	for name: String in typed:
		res.set(name, typed[name])
		now[name] = VariantJson.to_json(res.get(name))
	return ok({"set": now})


## Saves the new resource [param res] to the file [param raw_path] as one undoable action of
## the project-wide history: Reply.ok({path, uid, created}).
func _save_new(res: Resource, raw_path: String, overwrite: bool, action: String) -> Dictionary:
	var checked := FileHandler.writable(raw_path)
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var ext := path.get_extension().to_lower()
	if not ext in SAVE_EXTENSIONS:
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' must end in .tres (text) or .res (binary)" % path)
	if DirAccess.dir_exists_absolute(path):
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is a folder" % path)
	var existed := FileAccess.file_exists(path)
	if existed and not overwrite:
		return fail(ErrorCodes.FAILED, "'%s' exists; pass overwrite=true to replace it" % path)
	var files := _file_ops()
	var before: Array[Dictionary] = []
	var after: Array[Dictionary] = []
	for dir: String in FileHandler.missing_dirs(path.get_base_dir()):
		before.append({"path": dir, "kind": "none"})
		after.append({"path": dir, "kind": "dir"})
		var made := DirAccess.make_dir_recursive_absolute(dir)
		if made != OK:
			files.apply_states(before)
			return fail(ErrorCodes.FAILED, "cannot create the folder '%s': %s" % [dir, error_string(made)])
	before.append(FileHandler.snapshot(path))
	if not existed:
		for p: String in FileHandler.with_sidecars(path).slice(1):
			before.append(FileHandler.snapshot(p))
	var err := ResourceSaver.save(res, path)
	if err != OK:
		files.apply_states(before)
		return fail(ErrorCodes.FAILED, "ResourceSaver could not write '%s': %s" % [path, error_string(err)])
	res.take_over_path(path)
	after.append(FileHandler.snapshot(path))
	files.apply_states(after)  # tells the editor's file system
	files.record(action, before, after)
	var result := {"path": path, "created": not existed}
	var uid := ResourceLoader.get_resource_uid(path)
	if uid != ResourceUID.INVALID_ID:
		result["uid"] = ResourceUID.id_to_text(uid)
	return ok(result)


## Checks that [param node] has an Object property [param property] that accepts [param res]:
## Reply.ok({node}).
func _node_slot(node_path: String, property: String, res: Resource) -> Dictionary:
	var node := node_at(node_path)
	if node == null:
		return missing_node(node_path)
	var foreign := foreign_node_reason(node)
	if not foreign.is_empty():
		return fail(ErrorCodes.FAILED, foreign)
	for p: Dictionary in node.get_property_list():
		if str(p["name"]) != property:
			continue
		if int(p["type"]) != TYPE_OBJECT:
			return fail(ErrorCodes.INVALID_PARAMS, "%s.%s is a %s, not a resource property"
					% [node_path, property, ClassInfo.type_name(p)])
		var accepted := str(p["hint_string"])
		if int(p["hint"]) == PROPERTY_HINT_RESOURCE_TYPE and not accepted.is_empty():
			var fits := false
			for cls: String in accepted.split(","):
				if res.is_class(cls.strip_edges()):
					fits = true
			if not fits:
				return fail(ErrorCodes.INVALID_PARAMS, "%s.%s takes a %s, not a %s"
						% [node_path, property, accepted, _class_of(res)])
		return ok({"node": node})
	return fail(ErrorCodes.NOT_FOUND, "%s '%s' has no property '%s'" % [node.get_class(), node_path, property])


## {class, path?, uid?, script?, node_path?, property?} of a found resource.
func _describe(res: Resource, found: Dictionary) -> Dictionary:
	var out := {"class": _class_of(res)}
	if found.has("path"):
		out["path"] = found["path"]
		var uid := ResourceLoader.get_resource_uid(found["path"])
		if uid != ResourceUID.INVALID_ID:
			out["uid"] = ResourceUID.id_to_text(uid)
	else:
		out["node_path"] = path_of(found["node"])
		out["property"] = found["property"]
		if _is_file_path(res.resource_path):
			out["path"] = res.resource_path
	var script: Script = res.get_script()
	if script != null and not script.resource_path.is_empty():
		out["script"] = script.resource_path
	return out


## The class name of [param res]: its script's class_name, else the native class.
static func _class_of(res: Resource) -> String:
	var script: Script = res.get_script()
	if script != null:
		var name := str(script.get_global_name())
		if not name.is_empty():
			return name
	return res.get_class()


## Why [param res] cannot be changed from the edited scene (as the editor's inspector treats it
## as read-only), or "": a sub-resource of another scene (an instanced or inherited scene's
## resource: the change would be saved nowhere, yet leak into that scene's other users), or an
## imported file's resource (reimport overwrites it).
static func read_only_reason(res: Resource) -> String:
	var path := res.resource_path
	if path.is_empty():
		return ""
	var root := EditorInterface.get_edited_scene_root()
	var edited := root.scene_file_path if root != null else ""
	var cut := path.find("::")
	if cut == -1:
		if FileAccess.file_exists(path + ".import"):
			return "%s comes from the imported file '%s' (changes are lost on reimport; change the import settings, or duplicate_resource it to a .tres)" % [res.get_class(), path]
		return ""
	var base := path.substr(0, cut)
	if FileAccess.file_exists(base + ".import"):
		return "%s is part of the imported file '%s' (changes are lost on reimport; change the import settings instead)" % [res.get_class(), base]
	if base.get_extension().to_lower() in Paths.SCENE_EXTENSIONS and base != edited:
		return "%s belongs to the scene '%s' (an instanced or inherited scene): a change here is saved nowhere; open '%s' and change it there" % [res.get_class(), base, base]
	return ""


## Why a property of [param node] cannot be changed in the edited scene, or "": a node inside an
## instanced scene whose children are not editable here (its changes are not saved).
static func foreign_node_reason(node: Node) -> String:
	var root := EditorInterface.get_edited_scene_root()
	if root == null or node == root or node.owner == root or node.owner == null \
			or root.is_editable_instance(node.owner):
		return ""
	var from := node.owner.scene_file_path
	return "'%s' belongs to the instanced scene '%s' whose children are not editable here, so a change would not be saved; open '%s' (or set_editable_children on '%s')" \
			% [str(root.get_path_to(node)), from, from, str(root.get_path_to(node.owner))]


## Whether [param path] is a resource's own file (not "" and not a scene's "::" sub-resource).
static func _is_file_path(path: String) -> bool:
	return not path.is_empty() and not path.contains("::")


static func _has_property(object: Object, property: String) -> bool:
	for p: Dictionary in object.get_property_list():
		if str(p["name"]) == property:
			return true
	return false


## Whether [param native] exists only in the editor (EditorSettings, editor plugins' helpers).
static func _editor_only(native: String) -> bool:
	var api := ClassDB.class_get_api_type(native)
	return api == ClassDB.API_EDITOR or api == ClassDB.API_EDITOR_EXTENSION


## The native class a class_name script class finally extends.
static func _native_base(name: String) -> String:
	var current := name
	for i in 64:
		if ClassDB.class_exists(current):
			return current
		var base := ""
		for info: Dictionary in ProjectSettings.get_global_class_list():
			if str(info["class"]) == current:
				base = str(info["base"])
		if base.is_empty():
			break
		current = base
	return "Object"


## "; similar: a, b" for [param name] among [param names], or "".
static func _close(name: String, names: Array) -> String:
	var close: PackedStringArray = []
	for n: Variant in names:
		var s := str(n)
		if s.similarity(name) >= 0.5 or s.containsn(name) or name.containsn(s):
			close.append(s)
	if close.is_empty():
		return " (get_resource or list_class_properties lists them)"
	return "; similar: %s" % ", ".join(close.slice(0, 5))


## The file handler, for its undoable file actions.
func _file_ops() -> RefCounted:
	if _files == null:
		_files = FileHandler.new()
		_files.set("ctx", ctx)
	return _files
