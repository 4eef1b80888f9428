@tool
extends "../handler.gd"
## Commands on the nodes of the edited scene: inspect, create, delete, rename, move, duplicate,
## properties (typed through variant_json.gd), groups, signals, transforms, metadata, and calling
## methods. Node paths are relative to the scene root ("." for the root), as get_scene_tree
## shows them. Every mutation is one undoable action in the scene's history (except call_method).

## Nodes listed by one find_nodes at most (its limit's maximum).
const MAX_FIND := 1000
## Methods call_method refuses: they free nodes, change scripts or the tree behind the undo
## history's back, leave orphan nodes, or call anything by name (which would get around this
## list; see also [constant FORBIDDEN_SUFFIXES]).
const FORBIDDEN_METHODS: PackedStringArray = [
	"free", "queue_free", "set_script", "call", "callv", "call_deferred", "callp", "set",
	"set_deferred", "set_indexed", "propagate_call", "propagate_notification", "notification",
	"replace_by", "remove_child", "add_child", "add_sibling", "reparent", "move_child",
	"set_owner", "set_name", "request_ready", "set_multiplayer_authority", "emit_signal",
	"connect", "disconnect", "set_meta", "remove_meta", "add_to_group", "remove_from_group",
	"set_block_signals", "set_editable_instance", "set_scene_instance_load_placeholder",
	"print_tree", "print_tree_pretty", "set_process_mode", "cancel_free", "duplicate",
	"set_scene_file_path", "set_unique_name_in_owner", "add_user_signal", "rpc", "rpc_id",
	"rpc_config", "create_trimesh_collision", "create_convex_collision",
	"create_multiple_convex_collisions", "create_debug_tangents",
]
## Method name endings call_method refuses: Node's thread-group and thread-safe variants call,
## set or notify by name (call_thread_safe("queue_free") would free the node).
const FORBIDDEN_SUFFIXES: PackedStringArray = ["_thread_safe", "_thread_group"]
## Properties set_property leaves to other commands (they change identity, not state).
const RESERVED_PROPERTIES := {
	"script": "attach_script / detach_script",
	"name": "rename_node",
	"unique_name_in_owner": "set_unique_name",
	"owner": "nothing: create_node, reparent_node and duplicate_node keep owners right",
	"scene_file_path": "instantiate_scene (a node cannot become an instance in place)",
}


# --------------------------------------------------------------------------------------------
# Inspecting and finding


## [code]get_node[/code] [code]{node_path}[/code]: class, path, parent, index, children names,
## script, groups, instanced scene, unique name flag, and where the node comes from (own).
func cmd_get_node(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var root := scene_root()
	var children: Array[String] = []
	for child: Node in node.get_children():
		if _in_scene(child, root):
			children.append(String(child.name))
	var info := {
		"node_path": path_of(node),
		"name": String(node.name),
		"type": node.get_class(),
		"parent": path_of(node.get_parent()) if node != root else "",
		"index": node.get_index() if node != root else 0,
		"children": children,
		"groups": _groups_of(node),
		"unique_name": node.unique_name_in_owner,
		"script": "",
		"instance": "",
		"editable": _in_scene(node, root) or node == root,
	}
	var script: Script = node.get_script()
	if script != null:
		info["script"] = script.resource_path
	if node != root and not node.scene_file_path.is_empty():
		info["instance"] = node.scene_file_path
		info["editable_children"] = root.is_editable_instance(node)
	var base_path := _base_scene_path()
	if node == root and not base_path.is_empty():
		info["inherits"] = base_path
	info["own"] = true
	if node != root and node.owner != root and node.owner != null:
		info["own"] = false
		info["from_scene"] = node.owner.scene_file_path
	elif node != root and not base_path.is_empty() and _state_index(_base_state(), path_of(node)) >= 0:
		info["own"] = false
		info["from_scene"] = base_path
	return ok(info)


## [code]find_nodes[/code] [code]{type?, name?, group?, root_path?, limit?}[/code]: nodes of the
## edited scene matching every filter given (class via is_class, name glob, group).
func cmd_find_nodes(params: Dictionary) -> Dictionary:
	var start_path: String = params.get("root_path", ".")
	var start := node_at(start_path)
	if start == null:
		return missing_node(start_path)
	var type: String = params.get("type", "")
	if not type.is_empty() and not ClassDB.class_exists(type) and not _script_class_exists(type):
		return fail(ErrorCodes.INVALID_PARAMS,
				"unknown class '%s' (a Godot class such as Sprite2D, or a class_name)" % type)
	var pattern: String = params.get("name", "")
	var group: String = params.get("group", "")
	var limit: int = mini(params.get("limit", 100), MAX_FIND)
	var root := scene_root()
	var found: Array[Dictionary] = []
	var truncated := false
	var queue: Array[Node] = [start]
	while not queue.is_empty():
		var node: Node = queue.pop_front()
		if _matches(node, type, pattern, group):
			if found.size() >= limit:
				truncated = true
				break
			found.append({"path": path_of(node), "name": String(node.name),
					"type": node.get_class()})
		for child: Node in node.get_children():
			if _in_scene(child, root):
				queue.append(child)
	return ok({"nodes": found, "count": found.size(), "truncated": truncated})


# --------------------------------------------------------------------------------------------
# Creating, deleting, renaming, moving


## [code]create_node[/code] [code]{parent_path, type, name?, properties?, index?}[/code]: adds a
## new node of an instantiable Node class (or a class_name script) under the parent.
func cmd_create_node(params: Dictionary) -> Dictionary:
	var parent: Variant = _editable_node(params["parent_path"])
	if parent is Dictionary:
		return parent
	var type: String = params["type"]
	var made := _instantiate(type)
	if not made["ok"]:
		return made
	var node: Node = made["result"]["node"]
	var name: String = params.get("name", type)
	var bad_name := _name_problem(name)
	if not bad_name.is_empty():
		node.free()
		return fail(ErrorCodes.INVALID_PARAMS, bad_name)
	node.name = name
	var props: Dictionary = params.get("properties", {})
	for key: String in props:
		var converted := _convert_for(node, key, props[key])
		if not converted["ok"]:
			node.free()
			return converted
		node.set(key, converted["result"]["value"])
	var parent_node: Node = parent
	var count := parent_node.get_child_count()
	var index: int = params.get("index", -1)
	if index > count:
		node.free()
		return fail(ErrorCodes.INVALID_PARAMS,
				"index %d is past the parent's %d children (use -1 or omit for last)" % [index, count])
	var root := scene_root()
	var ur := begin_action("Create node %s" % name, root)
	ur.add_do_method(parent_node, "add_child", node, true)
	if index >= 0:
		ur.add_do_method(parent_node, "move_child", node, index)
	ur.add_do_method(node, "set_owner", root)
	ur.add_do_reference(node)
	ur.add_undo_method(parent_node, "remove_child", node)
	commit_action()
	return ok({"node_path": path_of(node), "name": String(node.name), "type": node.get_class()})


## [code]delete_node[/code] [code]{node_path}[/code]: removes the node and its children (kept for
## undo). The scene root cannot be deleted.
func cmd_delete_node(params: Dictionary) -> Dictionary:
	var found: Variant = _own_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	var root := scene_root()
	var parent := node.get_parent()
	var path := path_of(node)
	var ur := begin_action("Delete node %s" % node.name, root)
	ur.add_do_method(parent, "remove_child", node)
	ur.add_undo_method(parent, "add_child", node, true)
	ur.add_undo_method(parent, "move_child", node, node.get_index())
	_undo_owners(ur, node, root)
	ur.add_undo_reference(node)
	commit_action()
	return ok({"deleted": path})


## [code]rename_node[/code] [code]{node_path, new_name}[/code]: renames; fails on invalid
## characters or a sibling with that name. Returns the new path.
func cmd_rename_node(params: Dictionary) -> Dictionary:
	var found: Variant = _own_node(params["node_path"], true)
	if found is Dictionary:
		return found
	var node: Node = found
	var new_name: String = params["new_name"]
	var bad_name := _name_problem(new_name)
	if not bad_name.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, bad_name)
	var old_path := path_of(node)
	var parent := node.get_parent()
	if node != scene_root() and String(node.name) != new_name \
			and parent.get_node_or_null(NodePath(new_name)) != null:
		return fail(ErrorCodes.FAILED, "'%s' already has a child named '%s'"
				% [path_of(parent), new_name])
	var ur := begin_action("Rename node %s" % node.name, scene_root())
	ur.add_do_method(node, "set_name", new_name)
	var retargeted := []
	if node != scene_root():
		retargeted = _retarget_paths(ur, node, str(parent.get_path()) + "/" + new_name)
	ur.add_undo_method(node, "set_name", String(node.name))
	commit_action()
	var out := {"node_path": path_of(node), "old_path": old_path, "name": String(node.name)}
	if not retargeted.is_empty():
		out["retargeted"] = _retargeted(retargeted)
	return ok(out)


## [code]reparent_node[/code] [code]{node_path, new_parent_path, keep_global_transform?, index?}
## [/code]: moves the node (with its children) under another parent.
func cmd_reparent_node(params: Dictionary) -> Dictionary:
	var found: Variant = _own_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	var target: Variant = _editable_node(params["new_parent_path"])
	if target is Dictionary:
		return target
	var new_parent: Node = target
	if new_parent == node or node.is_ancestor_of(new_parent):
		return fail(ErrorCodes.INVALID_PARAMS,
				"cannot move '%s' under itself or one of its descendants" % path_of(node))
	var old_parent := node.get_parent()
	if new_parent != old_parent and new_parent.get_node_or_null(NodePath(String(node.name))) != null:
		return fail(ErrorCodes.FAILED, "'%s' already has a child named '%s': rename one first"
				% [path_of(new_parent), node.name])
	var keep: bool = params.get("keep_global_transform", true)
	var index: int = params.get("index", -1)
	var count := new_parent.get_child_count() - (1 if new_parent == old_parent else 0)
	if index > count:
		return fail(ErrorCodes.INVALID_PARAMS,
				"index %d is past the new parent's %d children" % [index, count])
	var root := scene_root()
	var ur := begin_action("Reparent node %s" % node.name, root)
	ur.add_do_method(node, "reparent", new_parent, keep)
	if index >= 0:
		ur.add_do_method(new_parent, "move_child", node, index)
	_do_owners(ur, node, root)
	var retargeted := _retarget_paths(ur, node, str(new_parent.get_path()) + "/" + String(node.name))
	ur.add_undo_method(node, "reparent", old_parent, false)
	ur.add_undo_method(old_parent, "move_child", node, node.get_index())
	_undo_owners(ur, node, root)
	# reparent() back without keep_global_transform, then the old local transform itself
	var kept: Array[String] = ["transform"]
	if node is Control:
		kept = ["position", "rotation", "scale"]
	for prop: String in kept:
		if prop in node:
			ur.add_undo_property(node, prop, node.get(prop))
	commit_action()
	var out := {"node_path": path_of(node), "parent": path_of(node.get_parent()),
			"index": node.get_index()}
	if not retargeted.is_empty():
		out["retargeted"] = _retargeted(retargeted)
	return ok(out)


## [code]duplicate_node[/code] [code]{node_path, name?, parent_path?}[/code]: copies the node
## with its children, script, groups and signals; the copy is owned by the scene.
func cmd_duplicate_node(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	var parent := node.get_parent()
	if params.has("parent_path"):
		var target: Variant = _editable_node(params["parent_path"])
		if target is Dictionary:
			return target
		parent = target
	var name: String = params.get("name", String(node.name))
	var bad_name := _name_problem(name)
	if not bad_name.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, bad_name)
	if params.has("name") and parent.get_node_or_null(NodePath(name)) != null:
		return fail(ErrorCodes.FAILED, "'%s' already has a child named '%s'"
				% [path_of(parent), name])
	var copy := node.duplicate()
	if copy == null:
		return fail(ErrorCodes.FAILED, "the editor could not duplicate '%s'" % path_of(node))
	copy.name = name
	var root := scene_root()
	var ur := begin_action("Duplicate node %s" % node.name, root)
	ur.add_do_method(parent, "add_child", copy, true)
	if parent == node.get_parent():
		ur.add_do_method(parent, "move_child", copy, node.get_index() + 1)
	# the copy belongs to this scene: so do the nodes that came with it from the same scene
	# (the original's own owner, a sub-scene's when it is a node of an editable instance)
	var owned := _owned_subtree(node, root)
	if node.owner != root:
		owned = _owned_subtree(node, node.owner)
	for original: Node in owned:
		var twin := copy.get_node_or_null(node.get_path_to(original))
		if twin != null:
			ur.add_do_method(twin, "set_owner", root)
	ur.add_do_reference(copy)
	ur.add_undo_method(parent, "remove_child", copy)
	commit_action()
	return ok({"node_path": path_of(copy), "name": String(copy.name), "source": path_of(node)})


## [code]move_node[/code] [code]{node_path, index}[/code]: moves the node among its siblings.
func cmd_move_node(params: Dictionary) -> Dictionary:
	var found: Variant = _own_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	var parent := node.get_parent()
	var index: int = params["index"]
	var last := parent.get_child_count() - 1
	if index < 0:
		index = last
	if index > last:
		return fail(ErrorCodes.INVALID_PARAMS,
				"index %d is out of range: '%s' has %d children (0..%d, -1 = last)"
				% [index, path_of(parent), last + 1, last])
	var ur := begin_action("Move node %s" % node.name, scene_root())
	ur.add_do_method(parent, "move_child", node, index)
	ur.add_undo_method(parent, "move_child", node, node.get_index())
	commit_action()
	var siblings: Array[String] = []
	for child: Node in parent.get_children():
		siblings.append(String(child.name))
	return ok({"node_path": path_of(node), "index": node.get_index(), "siblings": siblings})


## [code]set_unique_name[/code] [code]{node_path, unique}[/code]: marks the node as scene-unique
## (reachable as %Name from scripts) or clears the mark.
func cmd_set_unique_name(params: Dictionary) -> Dictionary:
	var found: Variant = _own_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	var unique: bool = params["unique"]
	if unique and not node.unique_name_in_owner:
		for other: Node in _owned_subtree(scene_root(), scene_root()):
			if other != node and other.unique_name_in_owner and other.name == node.name:
				return fail(ErrorCodes.FAILED, "'%s' already has the unique name %%%s: rename one"
						% [path_of(other), node.name])
	var ur := begin_action("Set unique name %s" % node.name, scene_root())
	ur.add_do_property(node, "unique_name_in_owner", unique)
	ur.add_undo_property(node, "unique_name_in_owner", node.unique_name_in_owner)
	commit_action()
	return ok({"node_path": path_of(node), "unique": node.unique_name_in_owner,
			"access": ("%" + String(node.name)) if node.unique_name_in_owner else ""})


## [code]set_editable_children[/code] [code]{node_path, editable}[/code]: shows (or hides) the own
## nodes of an instanced sub-scene so they can be edited in this scene.
func cmd_set_editable_children(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"], false)
	if found is Dictionary:
		return found
	var node: Node = found
	if node.scene_file_path.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is not an instanced scene (only instances have editable children)"
				% path_of(node))
	var root := scene_root()
	var editable: bool = params["editable"]
	var ur := begin_action("Editable children %s" % node.name, root)
	ur.add_do_method(root, "set_editable_instance", node, editable)
	ur.add_undo_method(root, "set_editable_instance", node, root.is_editable_instance(node))
	commit_action()
	var children: Array[String] = []
	if root.is_editable_instance(node):
		for child: Node in node.get_children():
			children.append(path_of(child))
	return ok({"node_path": path_of(node), "editable": root.is_editable_instance(node),
			"children": children})


# --------------------------------------------------------------------------------------------
# Properties


## [code]get_properties[/code] [code]{node_path, prefix?, non_default?, limit?}[/code]: the
## inspector-visible properties with their types and JSON values.
func cmd_get_properties(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var prefix: String = params.get("prefix", "")
	var non_default: bool = params.get("non_default", false)
	var limit: int = params.get("limit", 500)
	var out: Array[Dictionary] = []
	var truncated := false
	for info: Dictionary in node.get_property_list():
		var usage: int = info["usage"]
		if usage & PROPERTY_USAGE_EDITOR == 0 or usage & (PROPERTY_USAGE_CATEGORY
				| PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP) != 0:
			continue
		var name: String = info["name"]
		if not name.begins_with(prefix):
			continue
		var value: Variant = node.get(name)
		if non_default and _is_default(node, name, value):
			continue
		if out.size() >= limit:
			truncated = true
			break
		out.append({"name": name, "type": _type_name(info), "value": VariantJson.to_json(value)})
	return ok({"node_path": path_of(node), "properties": out, "count": out.size(),
			"truncated": truncated})


## [code]get_property[/code] [code]{node_path, property}[/code]: one property's value, type and
## the forms set_property accepts for it.
func cmd_get_property(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var name: String = params["property"]
	var info := _property_info(node, name)
	if info.is_empty():
		return _missing_property(node, name)
	var out := {"node_path": path_of(node), "property": name, "type": _type_name(info),
			"value": VariantJson.to_json(node.get(name)),
			"default": VariantJson.to_json(_default_of(node, name)),
			"accepts": _accepted_forms(info)}
	return ok(out)


## [code]set_property[/code] [code]{node_path, property, value}[/code]: converts the JSON value to
## the property's type and sets it (undoable). Returns the value the node now has.
func cmd_set_property(params: Dictionary) -> Dictionary:
	var name: String = params["property"]
	var outcome := _set_many(params["node_path"], {name: params.get("value")}, "Set %s" % name)
	if not outcome["ok"]:
		return outcome
	var result: Dictionary = outcome["result"]
	return ok({"node_path": result["node_path"], "property": name, "value": result["values"][name]})


## [code]set_properties[/code] [code]{node_path, properties}[/code]: sets several properties in
## one undoable action; nothing changes if any value does not convert.
func cmd_set_properties(params: Dictionary) -> Dictionary:
	var props: Dictionary = params["properties"]
	if props.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "properties is empty")
	return _set_many(params["node_path"], props, "Set %d properties" % props.size())


## [code]reset_property[/code] [code]{node_path, property}[/code]: puts the property back to its
## default (the script's default for script variables, else the class default).
func cmd_reset_property(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var name: String = params["property"]
	var info := _property_info(node, name)
	if info.is_empty():
		return _missing_property(node, name)
	if RESERVED_PROPERTIES.has(name):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is changed with %s" % [name, RESERVED_PROPERTIES[name]])
	var value: Variant = _default_of(node, name)
	var ur := begin_action("Reset %s" % name, scene_root())
	ur.add_do_property(node, name, value)
	ur.add_undo_property(node, name, node.get(name))
	commit_action()
	return ok({"node_path": path_of(node), "property": name,
			"value": VariantJson.to_json(node.get(name))})


# --------------------------------------------------------------------------------------------
# Groups


## [code]add_to_group[/code] [code]{node_path, group}[/code]: adds the node to a group that is
## saved with the scene.
func cmd_add_to_group(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var group: String = params["group"]
	if group.strip_edges() != group or group.begins_with("_"):
		return fail(ErrorCodes.INVALID_PARAMS,
				"group names may not start with '_' (engine-internal) or have outer spaces")
	var added := not node.is_in_group(group)
	if added:
		var ur := begin_action("Add %s to group %s" % [node.name, group], scene_root())
		ur.add_do_method(node, "add_to_group", group, true)
		ur.add_undo_method(node, "remove_from_group", group)
		commit_action()
	return ok({"node_path": path_of(node), "groups": _groups_of(node), "changed": added})


## [code]remove_from_group[/code] [code]{node_path, group}[/code]: takes the node out of a group.
func cmd_remove_from_group(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var group: String = params["group"]
	if not node.is_in_group(group):
		return fail(ErrorCodes.NOT_FOUND, "'%s' is not in group '%s' (its groups: %s)"
				% [path_of(node), group, ", ".join(_groups_of(node))])
	var ur := begin_action("Remove %s from group %s" % [node.name, group], scene_root())
	ur.add_do_method(node, "remove_from_group", group)
	ur.add_undo_method(node, "add_to_group", group, true)
	commit_action()
	return ok({"node_path": path_of(node), "groups": _groups_of(node)})


## [code]list_groups[/code] [code]{node_path?}[/code]: the groups used in the edited scene with
## their member paths (or only the given node's subtree).
func cmd_list_groups(params: Dictionary) -> Dictionary:
	var start_path: String = params.get("node_path", ".")
	var start := node_at(start_path)
	if start == null:
		return missing_node(start_path)
	var members := {}
	for node: Node in _scene_subtree(start):
		for group: String in _groups_of(node):
			if not members.has(group):
				members[group] = []
			members[group].append(path_of(node))
	var groups: Array[Dictionary] = []
	var names := members.keys()
	names.sort()
	for group: String in names:
		groups.append({"name": group, "nodes": members[group]})
	return ok({"groups": groups, "count": groups.size()})


# --------------------------------------------------------------------------------------------
# Signals


## [code]list_signals[/code] [code]{node_path, builtin?}[/code]: the signals the node can emit
## (script signals first), with argument names and types.
func cmd_list_signals(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var builtin: bool = params.get("builtin", true)
	var script_names := {}
	var script: Script = node.get_script()
	if script != null:
		for info: Dictionary in script.get_script_signal_list():
			script_names[info["name"]] = true
	var out: Array[Dictionary] = []
	for info: Dictionary in node.get_signal_list():
		var from_script := script_names.has(info["name"])
		if not from_script and not builtin:
			continue
		var args: Array[String] = []
		for arg: Dictionary in info["args"]:
			args.append("%s: %s" % [arg["name"], _type_name(arg)])
		var entry := {"name": String(info["name"]), "args": args,
				"source": "script" if from_script else "class"}
		if from_script:
			out.push_front(entry)
		else:
			out.append(entry)
	return ok({"node_path": path_of(node), "signals": out, "count": out.size()})


## [code]list_connections[/code] [code]{node_path?, signal?}[/code]: the saved (persistent)
## signal connections between nodes of the edited scene, from or to the node if given.
func cmd_list_connections(params: Dictionary) -> Dictionary:
	var only: Node = null
	if params.has("node_path"):
		only = node_at(params["node_path"])
		if only == null:
			return missing_node(params["node_path"])
	var signal_filter: String = params.get("signal", "")
	var out: Array[Dictionary] = []
	for node: Node in _scene_subtree(scene_root()):
		for sig: Dictionary in node.get_signal_list():
			if not signal_filter.is_empty() and sig["name"] != signal_filter:
				continue
			for conn: Dictionary in node.get_signal_connection_list(sig["name"]):
				var flags: int = conn["flags"]
				if flags & CONNECT_PERSIST == 0:
					continue
				var callable: Callable = conn["callable"]
				var target := callable.get_object() as Node
				if target == null or not (target == scene_root() or scene_root().is_ancestor_of(target)):
					continue
				if only != null and node != only and target != only:
					continue
				out.append(_connection_info(node, String(sig["name"]), callable, flags))
	return ok({"connections": out, "count": out.size()})


## [code]connect_signal[/code] [code]{node_path, signal, target_path, method, binds?, deferred?,
## one_shot?}[/code]: connects a signal to a method of a node, saved with the scene.
func cmd_connect_signal(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var target: Variant = _editable_node(params["target_path"])
	if target is Dictionary:
		return target
	var target_node: Node = target
	var sig: String = params["signal"]
	var method: String = params["method"]
	if not node.has_signal(sig):
		return fail(ErrorCodes.NOT_FOUND, "%s '%s' has no signal '%s' (see list_signals)"
				% [node.get_class(), path_of(node), sig])
	if not _has_method(target_node, method):
		return fail(ErrorCodes.NOT_FOUND,
				"'%s' has no method '%s': add it to its script first (edit_script), then connect"
				% [path_of(target_node), method])
	if _find_connection(node, sig, target_node, method).size() > 0:
		return fail(ErrorCodes.FAILED, "'%s'.%s is already connected to '%s'.%s"
				% [path_of(node), sig, path_of(target_node), method])
	var callable := Callable(target_node, method)
	var binds: Array = params.get("binds", [])
	if not binds.is_empty():
		callable = callable.bindv(VariantJson.from_json(binds, TYPE_NIL)["value"])
	var flags := CONNECT_PERSIST
	if params.get("deferred", false):
		flags |= CONNECT_DEFERRED
	if params.get("one_shot", false):
		flags |= CONNECT_ONE_SHOT
	var ur := begin_action("Connect %s" % sig, scene_root())
	ur.add_do_method(node, "connect", sig, callable, flags)
	ur.add_undo_method(node, "disconnect", sig, callable)
	commit_action()
	if not node.is_connected(sig, callable):
		return fail(ErrorCodes.FAILED, "the editor did not connect the signal; see the editor log")
	return ok(_connection_info(node, sig, callable, flags))


## [code]disconnect_signal[/code] [code]{node_path, signal, target_path, method}[/code]: removes a
## connection (undo restores it with its flags and binds).
func cmd_disconnect_signal(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var target := node_at(params["target_path"])
	if target == null:
		return missing_node(params["target_path"])
	var sig: String = params["signal"]
	var conn := _find_connection(node, sig, target, params["method"])
	if conn.is_empty():
		return fail(ErrorCodes.NOT_FOUND, "'%s'.%s is not connected to '%s'.%s (see list_connections)"
				% [path_of(node), sig, path_of(target), params["method"]])
	var callable: Callable = conn["callable"]
	var ur := begin_action("Disconnect %s" % sig, scene_root())
	ur.add_do_method(node, "disconnect", sig, callable)
	ur.add_undo_method(node, "connect", sig, callable, conn["flags"])
	commit_action()
	return ok({"disconnected": true, "source": path_of(node), "signal": sig,
			"target": path_of(target), "method": params["method"]})


# --------------------------------------------------------------------------------------------
# Methods, transforms, metadata


## [code]call_method[/code] [code]{node_path, method, args?}[/code]: calls a method in the
## editor with JSON args converted to its argument types; not undoable.
func cmd_call_method(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var method: String = params["method"]
	if method in FORBIDDEN_METHODS or method.begins_with("_") \
			or Array(FORBIDDEN_SUFFIXES).any(func(end: String) -> bool: return method.ends_with(end)):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' may not be called through call_method (it would bypass undo or free nodes); use the node commands instead"
				% method)
	var script: Script = node.get_script()
	var info := {}
	for candidate: Dictionary in node.get_method_list():
		if candidate["name"] == method:
			info = candidate
	if info.is_empty():
		return fail(ErrorCodes.NOT_FOUND, "%s '%s' has no method '%s'"
				% [node.get_class(), path_of(node), method])
	if script != null and not ClassDB.class_has_method(node.get_class(), method) \
			and not script.is_tool():
		return fail(ErrorCodes.FAILED,
				"'%s' comes from a script that is not @tool, so it does not run in the editor"
				% method)
	var args: Array = params.get("args", [])
	var arg_infos: Array = info["args"]
	var required: int = arg_infos.size() - (info["default_args"] as Array).size()
	var vararg: bool = int(info["flags"]) & METHOD_FLAG_VARARG != 0
	if args.size() < required or (args.size() > arg_infos.size() and not vararg):
		return fail(ErrorCodes.INVALID_PARAMS, "%s takes %d to %d argument(s) (%s), got %d"
				% [method, required, arg_infos.size(), ", ".join(arg_infos.map(
					func(a: Dictionary) -> String: return "%s: %s" % [a["name"], _type_name(a)])),
				args.size()])
	var converted := []
	for i in args.size():
		var type := TYPE_NIL
		var hint := ""
		if i < arg_infos.size():
			type = arg_infos[i]["type"]
			hint = arg_infos[i]["class_name"]
		var value := VariantJson.from_json(args[i], type, hint)
		if not value["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "argument %d of %s: %s" % [i, method, value["message"]])
		converted.append(value["value"])
	var result: Variant = node.callv(method, converted)
	return ok({"node_path": path_of(node), "method": method, "result": VariantJson.to_json(result)})


## [code]get_node_transform[/code] [code]{node_path}[/code]: position, rotation (degrees), scale
## of a Node2D, Node3D or Control, locally and globally.
func cmd_get_node_transform(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	if not (node is Node2D or node is Node3D or node is Control):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is a %s: only Node2D, Node3D and Control nodes have a transform"
				% [path_of(node), node.get_class()])
	return ok(_transform_info(node))


## [code]set_node_transform[/code] [code]{node_path, position?, rotation_degrees?, scale?,
## space?}[/code]: sets parts of the transform, locally or globally, in one undoable action.
func cmd_set_node_transform(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var is_3d := node is Node3D
	if not (node is Node2D or is_3d or node is Control):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is a %s: only Node2D, Node3D and Control nodes have a transform"
				% [path_of(node), node.get_class()])
	var vtype := TYPE_VECTOR3 if is_3d else TYPE_VECTOR2
	var parts := {}
	for key: String in ["position", "scale", "rotation_degrees"]:
		if not params.has(key):
			continue
		var type := vtype
		if key == "rotation_degrees" and not is_3d:
			type = TYPE_FLOAT
		var converted := VariantJson.from_json(params[key], type)
		if not converted["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "%s: %s (%s)" % [key, converted["message"],
					"a number of degrees" if type == TYPE_FLOAT else _forms_of(type)])
		parts[key] = converted["value"]
	if parts.is_empty():
		return fail(ErrorCodes.INVALID_PARAMS, "give at least one of position, rotation_degrees, scale")
	var global: bool = params.get("space", "local") == "global"
	var ur := begin_action("Set transform %s" % node.name, scene_root())
	if node is Control:
		var control: Control = node
		for key: String in parts:
			var prop: String = ("global_position" if global and key == "position" else key)
			if key == "rotation_degrees":
				prop = "rotation_degrees"
			ur.add_do_property(control, prop, parts[key])
		ur.add_undo_property(control, "position", control.position)
		ur.add_undo_property(control, "rotation", control.rotation)
		ur.add_undo_property(control, "scale", control.scale)
	elif global:
		ur.add_do_property(node, "transform", _local_from_global(node, parts))
		ur.add_undo_property(node, "transform", node.get("transform"))
	else:
		for key: String in parts:
			ur.add_do_property(node, key, parts[key])
		ur.add_undo_property(node, "transform", node.get("transform"))
	commit_action()
	return ok(_transform_info(node))


## [code]get_node_meta[/code] [code]{node_path, key?}[/code]: the node's metadata (all entries,
## or one).
func cmd_get_node_meta(params: Dictionary) -> Dictionary:
	var node := node_at(params["node_path"])
	if node == null:
		return missing_node(params["node_path"])
	var meta := {}
	if params.has("key"):
		var key: String = params["key"]
		if not node.has_meta(key):
			return fail(ErrorCodes.NOT_FOUND, "'%s' has no metadata '%s' (keys: %s)"
					% [path_of(node), key, ", ".join(node.get_meta_list())])
		meta[key] = VariantJson.to_json(node.get_meta(key))
	else:
		for key: StringName in node.get_meta_list():
			meta[String(key)] = VariantJson.to_json(node.get_meta(key))
	return ok({"node_path": path_of(node), "meta": meta})


## [code]set_node_meta[/code] [code]{node_path, key, value?, remove?}[/code]: sets (or removes)
## one metadata entry, saved with the scene.
func cmd_set_node_meta(params: Dictionary) -> Dictionary:
	var found: Variant = _editable_node(params["node_path"])
	if found is Dictionary:
		return found
	var node: Node = found
	var key: String = params["key"]
	if not key.is_valid_ascii_identifier():
		return fail(ErrorCodes.INVALID_PARAMS,
				"metadata key '%s' must be an identifier (letters, digits, _)" % key)
	var remove: bool = params.get("remove", false)
	if remove and not node.has_meta(key):
		return fail(ErrorCodes.NOT_FOUND, "'%s' has no metadata '%s'" % [path_of(node), key])
	if not remove and (not params.has("value") or params["value"] == null):
		return fail(ErrorCodes.INVALID_PARAMS, "give value (not null), or remove: true")
	var ur := begin_action("Set meta %s" % key, scene_root())
	if remove:
		ur.add_do_method(node, "remove_meta", key)
	else:
		var converted := VariantJson.from_json(params["value"], TYPE_NIL)
		if not converted["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "value: " + converted["message"])
		ur.add_do_method(node, "set_meta", key, converted["value"])
	if node.has_meta(key):
		ur.add_undo_method(node, "set_meta", key, node.get_meta(key))
	else:
		ur.add_undo_method(node, "remove_meta", key)
	commit_action()
	return ok({"node_path": path_of(node), "key": key, "removed": remove,
			"value": VariantJson.to_json(node.get_meta(key) if node.has_meta(key) else null)})


# --------------------------------------------------------------------------------------------
# Helpers


## The node at [param path] if it may be edited in this scene: not inside a non-editable
## instance, and (unless [param root_ok]) not the root. Else a failure Dictionary.
func _editable_node(path: String, root_ok: bool = true) -> Variant:
	var node := node_at(path)
	if node == null:
		return missing_node(path)
	var root := scene_root()
	if node == root:
		if root_ok:
			return node
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is the scene root: this command needs one of its descendants" % path)
	if not _in_scene(node, root):
		return fail(ErrorCodes.FAILED,
				"'%s' belongs to an instanced scene whose children are not editable here (set_editable_children, or open that scene)"
				% path)
	return node


## Like [method _editable_node], for changes a scene file can only record for the scene's own
## nodes (delete, rename, reparent, reorder, unique name). A node of an instanced sub-scene (even
## with editable children) or one the scene inherits from its base scene is refused, as the
## Scene dock refuses it: the change would be lost or break the saved scene.
func _own_node(path: String, root_ok: bool = true) -> Variant:
	var found: Variant = _editable_node(path, root_ok)
	if found is Dictionary:
		return found
	var node: Node = found
	var root := scene_root()
	if node == root:
		return node
	if node.owner != root:
		return fail(ErrorCodes.FAILED,
				"'%s' is a node of the instanced scene %s: it can be edited here (properties, groups, children) but not deleted, renamed, moved or reparented; open %s to change its structure"
				% [path, node.owner.scene_file_path, node.owner.scene_file_path])
	var base := _base_state()
	if base != null and _state_index(base, path_of(node)) >= 0:
		return fail(ErrorCodes.FAILED,
				"'%s' comes from the base scene this scene inherits (%s): it cannot be deleted, renamed, moved or reparented here; open the base scene to change its structure"
				% [path, _base_scene_path()])
	return node


## The SceneState of the scene the edited scene inherits from (its root instances a base
## scene), or null when it inherits none or is not saved yet.
func _base_state() -> SceneState:
	var base_path := _base_scene_path()
	if base_path.is_empty():
		return null
	var packed := load(base_path) as PackedScene
	return packed.get_state() if packed != null else null


## The path of the scene the edited scene inherits from, or "".
func _base_scene_path() -> String:
	var own := scene_root().scene_file_path
	if own.is_empty() or not ResourceLoader.exists(own):
		return ""
	var packed := load(own) as PackedScene
	if packed == null or packed.get_state().get_node_count() == 0:
		return ""
	var base := packed.get_state().get_node_instance(0)
	return base.resource_path if base != null else ""


## The index of the node at [param path] ("." for the root) in [param state], or -1.
static func _state_index(state: SceneState, path: String) -> int:
	for i in state.get_node_count():
		var at := str(state.get_node_path(i))
		if at.begins_with("./"):
			at = at.substr(2)
		if at == path:
			return i
	return -1


## Whether [param node] belongs to the edited scene as the Scene dock shows it.
static func _in_scene(node: Node, root: Node) -> bool:
	if node == root:
		return true
	var owner := node.owner
	if owner == root:
		return true
	return owner != null and root.is_editable_instance(owner)


## [param start] and its descendants that belong to the scene, depth first.
func _scene_subtree(start: Node) -> Array[Node]:
	var out: Array[Node] = [start]
	var root := scene_root()
	var i := 0
	while i < out.size():
		for child: Node in out[i].get_children():
			if _in_scene(child, root):
				out.append(child)
		i += 1
	return out


## [param node] and its descendants whose owner is [param root].
static func _owned_subtree(node: Node, root: Node) -> Array[Node]:
	var out: Array[Node] = []
	if node.owner == root:
		out.append(node)
	for child: Node in node.get_children():
		out.append_array(_owned_subtree(child, root))
	return out


## Undo steps giving the subtree's scene-owned nodes their owner back (a removed node loses it).
func _undo_owners(ur: EditorUndoRedoManager, node: Node, root: Node) -> void:
	for owned: Node in _owned_subtree(node, root):
		ur.add_undo_method(owned, "set_owner", root)


func _do_owners(ur: EditorUndoRedoManager, node: Node, root: Node) -> void:
	for owned: Node in _owned_subtree(node, root):
		ur.add_do_method(owned, "set_owner", root)


## Do/undo steps that keep the scene's NodePath properties (RemoteTransform2D.remote_path,
## AnimationPlayer.root_node, @export NodePath variables...) pointing at the same nodes once
## [param moved] has the absolute path [param new_path] (rename, reparent), as the Scene dock
## does. Paths between two nodes that move together, absolute and %unique paths stay as they are.
## Returns the changed properties as [node, property] pairs (see [method _retargeted]).
func _retarget_paths(ur: EditorUndoRedoManager, moved: Node, new_path: String) -> Array:
	var old_prefix := str(moved.get_path())
	var changed := []
	for node: Node in _scene_subtree(scene_root()):
		for info: Dictionary in node.get_property_list():
			if info["type"] != TYPE_NODE_PATH or int(info["usage"]) & PROPERTY_USAGE_STORAGE == 0:
				continue
			var prop: String = info["name"]
			var path: NodePath = node.get(prop)
			if path.is_empty() or path.is_absolute() or str(path).begins_with("%"):
				continue
			var target := node.get_node_or_null(path)
			if target == null:
				continue
			var from_moves := node == moved or moved.is_ancestor_of(node)
			if from_moves == (target == moved or moved.is_ancestor_of(target)):
				continue
			var relative := _relative_path(_path_after(node, moved, old_prefix, new_path),
					_path_after(target, moved, old_prefix, new_path))
			if path.get_subname_count() > 0:
				relative += ":" + path.get_concatenated_subnames()
			if relative == str(path):
				continue
			ur.add_do_property(node, prop, NodePath(relative))
			ur.add_undo_property(node, prop, path)
			changed.append([node, prop])
	return changed


## The pairs from [method _retarget_paths] as "node_path:property", with the paths of now.
func _retargeted(pairs: Array) -> Array[String]:
	var out: Array[String] = []
	for pair: Array in pairs:
		out.append("%s:%s" % [path_of(pair[0]), pair[1]])
	return out


static func _path_after(node: Node, moved: Node, old_prefix: String, new_prefix: String) -> String:
	var path := str(node.get_path())
	if node == moved or moved.is_ancestor_of(node):
		return new_prefix + path.substr(old_prefix.length())
	return path


## The relative path from absolute path [param from] to absolute path [param to].
static func _relative_path(from: String, to: String) -> String:
	var a := from.split("/", false)
	var b := to.split("/", false)
	var common := 0
	while common < a.size() and common < b.size() and a[common] == b[common]:
		common += 1
	var parts: PackedStringArray = []
	for i in a.size() - common:
		parts.append("..")
	for i in range(common, b.size()):
		parts.append(b[i])
	return "/".join(parts) if not parts.is_empty() else "."


## Why [param name] cannot be a node name, or "".
static func _name_problem(name: String) -> String:
	if name.strip_edges().is_empty():
		return "a node name may not be empty"
	if name.validate_node_name() != name or name.begins_with("@"):
		return "'%s' is not a valid node name (no . : @ / \" %% and no leading @)" % name
	return ""


## A new node of [param type]: an instantiable Node class, or a class_name script extending one.
func _instantiate(type: String) -> Dictionary:
	if ClassDB.class_exists(type):
		if not ClassDB.is_parent_class(type, "Node"):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is not a Node class (it is a %s); create nodes such as Node2D, Sprite2D, Label"
					% [type, ClassDB.get_parent_class(type)])
		if not ClassDB.can_instantiate(type) or not ClassDB.is_class_enabled(type):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is abstract or disabled and cannot be created; pick a concrete subclass (%s)"
					% [type, ", ".join(_concrete_subclasses(type))])
		if ClassDB.class_get_api_type(type) in [ClassDB.API_EDITOR, ClassDB.API_EDITOR_EXTENSION]:
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is an editor class: it does not exist in an exported game, so a scene may not contain it"
					% type)
		return ok({"node": ClassDB.instantiate(type)})
	for info: Dictionary in ProjectSettings.get_global_class_list():
		if info["class"] == type:
			var script: Script = load(info["path"])
			var base := script.get_instance_base_type() if script != null else &""
			if base.is_empty() or not ClassDB.is_parent_class(base, "Node"):
				return fail(ErrorCodes.INVALID_PARAMS, "class '%s' (%s) does not extend Node"
						% [type, info["path"]])
			var node: Node = ClassDB.instantiate(base)
			node.set_script(script)
			return ok({"node": node})
	return fail(ErrorCodes.INVALID_PARAMS,
			"unknown class '%s' (a Godot Node class such as Node2D, Sprite2D, CharacterBody2D, or a class_name)"
			% type)


static func _concrete_subclasses(type: String) -> PackedStringArray:
	var out: PackedStringArray = []
	for sub: String in ClassDB.get_inheriters_from_class(type):
		if ClassDB.can_instantiate(sub) and ClassDB.get_parent_class(sub) == type:
			out.append(sub)
		if out.size() >= 6:
			break
	return out


static func _script_class_exists(type: String) -> bool:
	for info: Dictionary in ProjectSettings.get_global_class_list():
		if info["class"] == type:
			return true
	return false


static func _matches(node: Node, type: String, pattern: String, group: String) -> bool:
	if not type.is_empty() and not node.is_class(type):
		var script: Script = node.get_script()
		if script == null or script.get_global_name() != type:
			return false
	if not pattern.is_empty() and not String(node.name).match(pattern):
		return false
	if not group.is_empty() and not node.is_in_group(group):
		return false
	return true


## The node's groups, without the engine's internal ones ("_" prefix).
static func _groups_of(node: Node) -> Array[String]:
	var out: Array[String] = []
	for group: StringName in node.get_groups():
		if not String(group).begins_with("_"):
			out.append(String(group))
	out.sort()
	return out


## The property-list entry of [param name] on [param node], or {}.
static func _property_info(node: Object, name: String) -> Dictionary:
	for info: Dictionary in node.get_property_list():
		if info["name"] == name and info["usage"] & (PROPERTY_USAGE_CATEGORY
				| PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP) == 0:
			return info
	return {}


func _missing_property(node: Node, name: String) -> Dictionary:
	var close: Array[String] = []
	for info: Dictionary in node.get_property_list():
		var other: String = info["name"]
		if info["usage"] & PROPERTY_USAGE_EDITOR != 0 and (other.similarity(name) > 0.6
				or other.contains(name)):
			close.append(other)
	var where := path_of(node) if node.is_inside_tree() else String(node.name)
	return fail(ErrorCodes.NOT_FOUND, "%s '%s' has no property '%s'%s (see get_properties)"
			% [node.get_class(), where, name,
			("; did you mean " + ", ".join(close.slice(0, 5)) + "?") if not close.is_empty() else ""])


## The JSON [param value] converted for property [param name] of [param node], as
## ok({"value"}) or a failure naming the expected type and the forms it accepts.
func _convert_for(node: Node, name: String, value: Variant) -> Dictionary:
	if RESERVED_PROPERTIES.has(name):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is changed with %s, not set_property" % [name, RESERVED_PROPERTIES[name]])
	var info := _property_info(node, name)
	if info.is_empty():
		return _missing_property(node, name)
	var type: int = info["type"]
	var hint: int = info["hint"]
	var hint_string: String = info["hint_string"]
	if type == TYPE_INT and typeof(value) == TYPE_STRING and hint == PROPERTY_HINT_ENUM:
		var parsed := _enum_value(hint_string, value)
		if parsed >= -0x7fffffff:
			return ok({"value": parsed})
	if type == TYPE_OBJECT and hint == PROPERTY_HINT_NODE_TYPE:
		if value == null:
			return ok({"value": null})
		var target := node_at(str(value)) if typeof(value) == TYPE_STRING else null
		if target == null:
			return fail(ErrorCodes.INVALID_PARAMS, "%s expects a node path of the edited scene, got %s"
					% [name, JSON.stringify(value)])
		if not hint_string.is_empty() and not _is_a(target, hint_string):
			return fail(ErrorCodes.INVALID_PARAMS, "%s takes a %s: '%s' is a %s"
					% [name, hint_string, value, target.get_class()])
		return ok({"value": target})
	if type == TYPE_ARRAY and typeof(value) == TYPE_ARRAY:
		var current: Variant = node.get(name)
		if typeof(current) == TYPE_ARRAY and (current as Array).is_typed():
			return _typed_array(node, name, current, value)
	var classes := hint_string.split(",", false) if hint == PROPERTY_HINT_RESOURCE_TYPE \
			else PackedStringArray()
	var converted := VariantJson.from_json(value, type,
			classes[0] if classes.size() == 1 else "")
	if converted["ok"] and classes.size() > 1 and converted["value"] != null:
		var res: Object = converted["value"]
		if not Array(classes).any(func(c: String) -> bool: return res.is_class(c)):
			converted = {"ok": false, "message": "'%s' is a %s" % [value, res.get_class()]}
	if not converted["ok"]:
		var hint_new := ""
		if type == TYPE_OBJECT and typeof(value) == TYPE_STRING and ClassDB.class_exists(value) \
				and ClassDB.is_parent_class(value, "Resource"):
			hint_new = ". To give it a new %s, use create_resource {class: \"%s\", node_path, property: \"%s\"}" \
					% [value, value, name]
		return fail(ErrorCodes.INVALID_PARAMS, "%s of %s is a %s: %s. Accepted: %s%s"
				% [name, node.get_class(), _type_name(info), converted["message"],
				_accepted_forms(info), hint_new])
	return ok({"value": converted["value"]})


## [param items] as an array typed like [param like] (Array[int], Array[Vector2], Array[Node],
## Array[Texture2D]...): each element converted to the element type, nodes given by their path
## in the edited scene, resources by res:// path. A plain array would not be assigned at all.
func _typed_array(node: Node, name: String, like: Array, items: Array) -> Dictionary:
	var builtin := like.get_typed_builtin()
	var cls := String(like.get_typed_class_name())
	var script: Script = like.get_typed_script()
	var element := type_string(builtin)
	if builtin == TYPE_OBJECT:
		element = script.get_global_name() if script != null and not script.get_global_name().is_empty() \
				else cls
	var out := []
	for i in items.size():
		var item: Variant = items[i]
		var converted := {}
		if builtin == TYPE_OBJECT and ClassDB.is_parent_class(cls, "Node"):
			var target := node_at(item) if typeof(item) == TYPE_STRING else null
			if target == null:
				converted = {"ok": false, "message": "%s is not the path of a node of the edited scene"
						% JSON.stringify(item)}
			elif not target.is_class(cls) or (script != null and not _extends_script(target, script)):
				converted = {"ok": false, "message": "'%s' is a %s, not a %s"
						% [item, target.get_class(), element]}
			else:
				converted = {"ok": true, "value": target}
		else:
			converted = VariantJson.from_json(item, builtin, cls)
			if converted["ok"] and script != null and converted["value"] != null \
					and not _extends_script(converted["value"], script):
				converted = {"ok": false, "message": "%s is not a %s" % [JSON.stringify(item), element]}
		if not converted["ok"]:
			return fail(ErrorCodes.INVALID_PARAMS, "%s of %s is an Array[%s]: element %d: %s"
					% [name, node.get_class(), element, i, converted["message"]])
		out.append(converted["value"])
	return ok({"value": Array(out, builtin, StringName(cls), script)})


## Whether [param object] is a [param cls]: a native class or a script's class_name.
static func _is_a(object: Object, cls: String) -> bool:
	if ClassDB.class_exists(cls):
		return object.is_class(cls)
	var script: Script = object.get_script()
	while script != null:
		if script.get_global_name() == cls:
			return true
		script = script.get_base_script()
	return false


static func _extends_script(object: Object, script: Script) -> bool:
	var own: Script = object.get_script()
	while own != null:
		if own == script:
			return true
		own = own.get_base_script()
	return false


## The value of an enum entry named [param text] in "A,B:5,C" hint strings, or a huge negative.
static func _enum_value(hint_string: String, text: String) -> int:
	var next := 0
	for item: String in hint_string.split(","):
		var parts := item.split(":")
		var value := int(parts[1]) if parts.size() > 1 else next
		if parts[0].strip_edges().to_lower() == text.strip_edges().to_lower():
			return value
		next = value + 1
	return -0x7fffffffffffffff


## Converts and sets [param values] on the node at [param path] as one undoable action.
func _set_many(path: String, values: Dictionary, action: String) -> Dictionary:
	var found: Variant = _editable_node(path)
	if found is Dictionary:
		return found
	var node: Node = found
	var converted := {}
	for key: String in values:
		var one := _convert_for(node, key, values[key])
		if not one["ok"]:
			return one
		converted[key] = one["result"]["value"]
	var ur := begin_action(action, scene_root())
	for key: String in converted:
		ur.add_do_property(node, key, converted[key])
		ur.add_undo_property(node, key, node.get(key))
	commit_action()
	var now := {}
	for key: String in converted:
		now[key] = VariantJson.to_json(node.get(key))
	return ok({"node_path": path_of(node), "values": now})


## The default value of a property as the inspector's revert button sees it: the value the
## scene it comes from gives it (for an instance, a node of an editable instance, or a node the
## scene inherits), else the script's default for script variables, else the class's.
func _default_of(node: Node, name: String) -> Variant:
	var from_scene := _scene_default(node, name)
	if not from_scene.is_empty():
		return from_scene[0]
	var script: Script = node.get_script()
	if script != null:
		for info: Dictionary in script.get_script_property_list():
			if info["name"] == name:
				return _script_default(script, name)
	return ClassDB.class_get_property_default_value(node.get_class(), name)


## [value] when the scene [param node] comes from sets [param name], else [].
func _scene_default(node: Node, name: String) -> Array:
	var root := scene_root()
	var state: SceneState = null
	var path := ""
	if node != root and not node.scene_file_path.is_empty():
		state = _packed_state(node.scene_file_path)
		path = "."
	elif node != root and node.owner != null and node.owner != root:
		state = _packed_state(node.owner.scene_file_path)
		path = str(node.owner.get_path_to(node))
	else:
		state = _base_state()
		path = path_of(node)
	if state == null:
		return []
	var index := _state_index(state, path)
	if index < 0:
		return []
	for p in state.get_node_property_count(index):
		if state.get_node_property_name(index, p) == name:
			return [state.get_node_property_value(index, p)]
	return []


static func _packed_state(path: String) -> SceneState:
	if path.is_empty() or not ResourceLoader.exists(path):
		return null
	var packed := load(path) as PackedScene
	return packed.get_state() if packed != null else null


## A script variable's initial value. Godot caches a @tool script's defaults only once the
## inspector has updated its exports, so a missing one is read from a fresh instance.
static func _script_default(script: Script, name: String) -> Variant:
	var value: Variant = script.get_property_default_value(name)
	var base := script.get_instance_base_type()
	if value != null or not script.can_instantiate() or not ClassDB.can_instantiate(base) \
			or not ClassDB.is_parent_class(base, "Node"):
		return value
	var probe: Node = ClassDB.instantiate(base)
	probe.set_script(script)
	value = probe.get(name)
	probe.free()
	return value


func _is_default(node: Node, name: String, value: Variant) -> bool:
	var default: Variant = _default_of(node, name)
	if typeof(default) != typeof(value):
		return default == null and value == null
	if typeof(value) == TYPE_FLOAT:
		return is_equal_approx(value, default)
	return value == default


## A property's or argument's type as a name: the class for objects, the enum/hint otherwise.
static func _type_name(info: Dictionary) -> String:
	var type: int = info["type"]
	if type == TYPE_OBJECT:
		var hint_string: String = info.get("hint_string", "")
		if int(info.get("hint", 0)) in [PROPERTY_HINT_RESOURCE_TYPE, PROPERTY_HINT_NODE_TYPE] \
				and not hint_string.is_empty():
			return hint_string
		var cls: String = info.get("class_name", "")
		return cls if not cls.is_empty() else "Object"
	if type == TYPE_NIL:
		return "Variant"
	if type == TYPE_INT and int(info.get("hint", 0)) == PROPERTY_HINT_ENUM:
		return "int (enum %s)" % info.get("hint_string", "")
	return type_string(type)


## The JSON forms set_property accepts for a property described by [param info].
static func _accepted_forms(info: Dictionary) -> String:
	var type: int = info["type"]
	if type == TYPE_OBJECT:
		if int(info["hint"]) == PROPERTY_HINT_NODE_TYPE:
			return "a node path of the edited scene, or null"
		return "a res:// path of a %s resource, {\"path\": \"res://...\"}, or null" \
				% _type_name(info)
	if type == TYPE_INT and int(info["hint"]) == PROPERTY_HINT_ENUM:
		return "an integer, or one of the names %s" % info["hint_string"]
	return _forms_of(type)


static func _forms_of(type: int) -> String:
	match type:
		TYPE_BOOL:
			return "true or false"
		TYPE_INT:
			return "an integer"
		TYPE_FLOAT:
			return "a number"
		TYPE_STRING, TYPE_STRING_NAME:
			return "a string"
		TYPE_NODE_PATH:
			return "a node path string relative to this node (e.g. \"../Player\")"
		TYPE_VECTOR2, TYPE_VECTOR2I:
			return "{\"x\": 1, \"y\": 2}, [1, 2], or \"Vector2(1, 2)\""
		TYPE_VECTOR3, TYPE_VECTOR3I:
			return "{\"x\": 1, \"y\": 2, \"z\": 3}, [1, 2, 3], or \"Vector3(1, 2, 3)\""
		TYPE_VECTOR4, TYPE_VECTOR4I, TYPE_QUATERNION:
			return "{\"x\", \"y\", \"z\", \"w\"} or an array of 4 numbers"
		TYPE_COLOR:
			return "\"#ff8800\", a name (\"red\"), [r, g, b(, a)] in 0..1, or {\"r\", \"g\", \"b\", \"a\"}"
		TYPE_RECT2, TYPE_RECT2I:
			return "{\"position\": [x, y], \"size\": [w, h]} or [x, y, w, h]"
		TYPE_TRANSFORM2D:
			return "{\"origin\": [x, y], \"rotation\": radians, \"scale\": [sx, sy]} or {\"x\", \"y\", \"origin\"}"
		TYPE_TRANSFORM3D:
			return "{\"origin\": [x, y, z], \"rotation\": [rx, ry, rz] radians, \"scale\": [...]} or {\"basis\", \"origin\"}"
		TYPE_BASIS:
			return "{\"x\": [..], \"y\": [..], \"z\": [..]}"
		TYPE_AABB:
			return "{\"position\": [x, y, z], \"size\": [w, h, d]}"
		TYPE_ARRAY:
			return "a JSON array"
		TYPE_DICTIONARY:
			return "a JSON object"
	if type >= TYPE_PACKED_BYTE_ARRAY and type < TYPE_MAX:
		return "a JSON array of elements"
	return "a %s as a tagged object {\"$type\": \"%s\", ...}" % [type_string(type), type_string(type)]


func _has_method(node: Node, method: String) -> bool:
	if node.has_method(method):
		return true
	var script: Script = node.get_script()
	while script != null:
		for info: Dictionary in script.get_script_method_list():
			if info["name"] == method:
				return true
		script = script.get_base_script()
	return false


## The connection of [param sig] on [param node] to [param method] of [param target], or {}.
static func _find_connection(node: Node, sig: String, target: Node, method: String) -> Dictionary:
	if not node.has_signal(sig):
		return {}
	for conn: Dictionary in node.get_signal_connection_list(sig):
		var callable: Callable = conn["callable"]
		if callable.get_object() == target and String(callable.get_method()) == method:
			return conn
	return {}


func _connection_info(node: Node, sig: String, callable: Callable, flags: int) -> Dictionary:
	var out := {"source": path_of(node), "signal": sig,
			"target": path_of(callable.get_object() as Node),
			"method": String(callable.get_method()),
			"deferred": flags & CONNECT_DEFERRED != 0, "one_shot": flags & CONNECT_ONE_SHOT != 0}
	var binds := callable.get_bound_arguments()
	if not binds.is_empty():
		out["binds"] = VariantJson.to_json(binds)
	return out


func _transform_info(node: Node) -> Dictionary:
	var out := {"node_path": path_of(node)}
	if node is Node3D:
		var n3: Node3D = node
		out["kind"] = "3d"
		out["local"] = {"position": VariantJson.to_json(n3.position),
				"rotation_degrees": VariantJson.to_json(n3.rotation_degrees),
				"scale": VariantJson.to_json(n3.scale)}
		var g: Transform3D = n3.global_transform
		out["global"] = {"position": VariantJson.to_json(g.origin),
				"rotation_degrees": VariantJson.to_json(_degrees3(g.basis.get_euler())),
				"scale": VariantJson.to_json(g.basis.get_scale())}
	elif node is Node2D:
		var n2: Node2D = node
		out["kind"] = "2d"
		out["local"] = {"position": VariantJson.to_json(n2.position),
				"rotation_degrees": n2.rotation_degrees, "scale": VariantJson.to_json(n2.scale)}
		var g2: Transform2D = n2.global_transform
		out["global"] = {"position": VariantJson.to_json(g2.origin),
				"rotation_degrees": rad_to_deg(g2.get_rotation()),
				"scale": VariantJson.to_json(g2.get_scale())}
	else:
		var c: Control = node
		out["kind"] = "control"
		out["local"] = {"position": VariantJson.to_json(c.position),
				"rotation_degrees": c.rotation_degrees, "scale": VariantJson.to_json(c.scale),
				"size": VariantJson.to_json(c.size)}
		out["global"] = {"position": VariantJson.to_json(c.global_position)}
	return out


static func _degrees3(radians: Vector3) -> Vector3:
	return Vector3(rad_to_deg(radians.x), rad_to_deg(radians.y), rad_to_deg(radians.z))


## The local transform that gives [param node] the global position/rotation/scale in
## [param parts] (missing parts keep their current global values).
static func _local_from_global(node: Node, parts: Dictionary) -> Variant:
	if node is Node3D:
		var n3: Node3D = node
		var g: Transform3D = n3.global_transform
		var pos: Vector3 = parts.get("position", g.origin)
		var rot: Vector3 = g.basis.get_euler()
		if parts.has("rotation_degrees"):
			var d: Vector3 = parts["rotation_degrees"]
			rot = Vector3(deg_to_rad(d.x), deg_to_rad(d.y), deg_to_rad(d.z))
		var scl: Vector3 = parts.get("scale", g.basis.get_scale())
		var wanted := Transform3D(Basis.from_euler(rot) * Basis.from_scale(scl), pos)
		var parent3 := n3.get_parent() as Node3D
		return parent3.global_transform.affine_inverse() * wanted if parent3 != null else wanted
	var n2: Node2D = node
	var g2: Transform2D = n2.global_transform
	var rot2: float = deg_to_rad(parts["rotation_degrees"]) if parts.has("rotation_degrees") \
			else g2.get_rotation()
	var wanted2 := Transform2D(rot2, parts.get("scale", g2.get_scale()), g2.get_skew(),
			parts.get("position", g2.origin))
	var parent2 := n2.get_parent() as CanvasItem
	if parent2 == null:
		return wanted2
	return parent2.get_global_transform().affine_inverse() * wanted2
