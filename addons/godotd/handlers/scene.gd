@tool
extends "../handler.gd"
## Commands about scenes: open, create (new, inherited), save (as), close, reload, list the open
## ones, instance one scene in another, list a scene's dependencies, and the edited scene's tree.
##
## Whether an open scene has unsaved changes is not exposed to scripts; the editor shows it as
## "(*)" after the scene's tab title, which is where list_open_scenes and close_scene read it.

## Deepest max_depth accepted (the registry's maximum); deeper trees are cut there.
const MAX_DEPTH := 1000
## Nodes listed by one get_scene_tree at most, so one answer stays far below the outbound
## buffer; nodes past it are left out and their parent is marked [code]truncated[/code].
const MAX_TREE_NODES := 10000
## What the editor appends to the tab title of a scene with unsaved changes.
const UNSAVED_MARK := "(*)"
## The tab title of a tab without a scene (the editor's own English text).
const EMPTY_TAB_TITLE := "[empty]"
## Dependencies listed by one get_scene_dependencies at most.
const MAX_DEPENDENCIES := 5000


## [code]open_scene[/code] [code]{scene_path}[/code]: opens the scene (or switches to its tab)
## and succeeds only once it is the edited scene.
func cmd_open_scene(params: Dictionary) -> Dictionary:
	var checked := Paths.existing_scene(params["scene_path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	EditorInterface.open_scene_from_path(path)
	var edited := EditorState.edited_scene_path()
	if edited != path:
		return fail(ErrorCodes.FAILED,
				"the editor did not open '%s' (edited scene: '%s'); see the editor log"
				% [path, edited])
	return ok({"scene_path": path, "edited_scene": edited})


## [code]get_scene_tree[/code] [code]{max_depth?}[/code]: the edited scene's nodes as the Scene
## dock shows them (a sub-scene's own nodes only when its children are editable).
func cmd_get_scene_tree(params: Dictionary) -> Dictionary:
	var root := scene_root()
	var max_depth: int = params.get("max_depth", MAX_DEPTH)
	var budget: Array[int] = [MAX_TREE_NODES - 1]
	return ok({
		"scene_path": root.scene_file_path,
		"root": _describe(root, root, 0, max_depth, budget),
	})


## [code]save_scene[/code]: saves the edited scene to its file, and succeeds once the editor
## reports the file written.
func cmd_save_scene(_params: Dictionary) -> Dictionary:
	var root := scene_root()
	var path := root.scene_file_path
	if path.is_empty():
		return fail(ErrorCodes.FAILED, "the edited scene was never saved, so it has no file")
	# The thumbnail saved with a scene needs a renderer: a headless editor's dummy one fails
	# with an engine error, so save without it there.
	var with_preview := DisplayServer.get_name() != "headless"
	ctx.last_saved = ""
	EditorInterface.save_scene_as(path, with_preview)
	if ctx.last_saved != path:
		return fail(ErrorCodes.FAILED,
				"the editor did not save '%s'; see the editor log" % path)
	return ok({"scene_path": path})


## One node as {name, type, path, children} (+ instance, script, truncated when they apply).
## [param budget] holds the number of nodes that may still be listed.
func _describe(node: Node, root: Node, depth: int, max_depth: int,
		budget: Array[int]) -> Dictionary:
	var info := {
		"name": String(node.name),
		"type": node.get_class(),
		"path": String(root.get_path_to(node)),
	}
	if node != root and not node.scene_file_path.is_empty():
		info["instance"] = node.scene_file_path
	var node_script: Script = node.get_script()
	if node_script != null and not node_script.resource_path.is_empty():
		info["script"] = node_script.resource_path
	var children: Array[Dictionary] = []
	for child: Node in node.get_children():
		if not _in_scene(child, root):
			continue
		if depth >= max_depth or budget[0] <= 0:
			info["truncated"] = true
			break
		budget[0] -= 1
		children.append(_describe(child, root, depth + 1, max_depth, budget))
	info["children"] = children
	return info


## Whether [param node] belongs to the edited scene as the Scene dock shows it: owned by the
## root, or inside a sub-scene whose children were made editable.
static func _in_scene(node: Node, root: Node) -> bool:
	var owner := node.owner
	if owner == root:
		return true
	return owner != null and root.is_editable_instance(owner)


## [code]new_scene[/code] [code]{root_type, root_name?, scene_path?}[/code]: a new scene tab
## whose root is a new node of root_type; saved at once when scene_path is given.
func cmd_new_scene(params: Dictionary) -> Dictionary:
	var type: String = params["root_type"]
	if not ClassDB.class_exists(type) or not ClassDB.is_parent_class(type, "Node") \
			or not ClassDB.can_instantiate(type):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a Node class that can be created (e.g. Node2D, Node3D, Control)" % type)
	var name: String = params.get("root_name", type)
	if name.is_empty() or name.validate_node_name() != name:
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is not a valid node name (no . : @ / \" %% characters)" % name)
	var path := ""
	if params.has("scene_path"):
		var target := _scene_target(params["scene_path"])
		if not target["ok"]:
			return target
		path = target["result"]["path"]
		if FileAccess.file_exists(path):
			return fail(ErrorCodes.FAILED,
					"'%s' exists already; open it with open_scene or choose another path" % path)
	if not _press_new_scene_tab() or scene_root() != null:
		return fail(ErrorCodes.FAILED, "the editor did not open a new empty scene tab")
	var root: Node = ClassDB.instantiate(type)
	root.name = name
	EditorInterface.add_root_node(root)
	if scene_root() != root:
		root.free()
		return fail(ErrorCodes.FAILED, "the editor did not take the new root node; see the editor log")
	if not path.is_empty():
		var saved := _save_as(path)
		if not saved["ok"]:
			return saved
	return ok({"scene_path": path, "root_name": String(root.name), "root_type": root.get_class(),
			"edited_scene": EditorState.edited_scene_path()})


## [code]save_scene_as[/code] [code]{scene_path, overwrite?}[/code]: saves the edited scene to
## a new file (folders are created) and makes that its file.
func cmd_save_scene_as(params: Dictionary) -> Dictionary:
	var target := _scene_target(params["scene_path"])
	if not target["ok"]:
		return target
	var path: String = target["result"]["path"]
	var root := scene_root()
	if path != root.scene_file_path:
		for open_root: Node in EditorInterface.get_open_scene_roots():
			if open_root != root and open_root.scene_file_path == path:
				return fail(ErrorCodes.FAILED,
						"'%s' is open in another tab; close_scene it first (two tabs would share one file)"
						% path)
		if FileAccess.file_exists(path) and not params.get("overwrite", false):
			return fail(ErrorCodes.FAILED,
					"'%s' exists already; pass overwrite=true to replace it, or choose another path"
					% path)
		var cycle := _instanced_path_leading_to(root, path)
		if not cycle.is_empty():
			return fail(ErrorCodes.INVALID_PARAMS,
					"the edited scene uses '%s' (through '%s'), so saving it there would make the scene contain itself"
					% [path, cycle])
	var saved := _save_as(path)
	if not saved["ok"]:
		return saved
	return ok({"scene_path": path, "edited_scene": EditorState.edited_scene_path()})


## [code]close_scene[/code] [code]{scene_path?, discard?}[/code]: closes the edited (or the
## given open) scene; unsaved changes make it refuse unless discard is true.
func cmd_close_scene(params: Dictionary) -> Dictionary:
	var previous := EditorState.edited_scene_path()
	var path := previous
	if params.has("scene_path"):
		var checked := Paths.resolve(params["scene_path"], "scene_path")
		if not checked["ok"]:
			return checked
		path = checked["result"]["path"]
		if not path in EditorInterface.get_open_scenes():
			return fail(ErrorCodes.NOT_FOUND, "'%s' is not open (list_open_scenes shows the open ones)" % path)
	elif scene_root() == null:
		return fail(ErrorCodes.NO_SCENE, "no scene is open")
	if path != previous:
		EditorInterface.open_scene_from_path(path)
		if EditorState.edited_scene_path() != path:
			return fail(ErrorCodes.FAILED, "the editor did not switch to '%s'" % path)
	var unsaved: Variant = _unsaved_of(scene_root())
	if unsaved == true and not params.get("discard", false):
		if path != previous and not previous.is_empty():
			EditorInterface.open_scene_from_path(previous)
		return fail(ErrorCodes.FAILED,
				"'%s' has unsaved changes: save_scene first, or pass discard=true to lose them"
				% (path if not path.is_empty() else "the new scene"))
	if EditorInterface.close_scene() != OK:
		return fail(ErrorCodes.FAILED, "the editor did not close the scene")
	if path != previous and previous in EditorInterface.get_open_scenes():
		EditorInterface.open_scene_from_path(previous)
	return ok({"closed": path, "discarded": unsaved == true,
			"edited_scene": EditorState.edited_scene_path(),
			"open_scenes": Array(EditorInterface.get_open_scenes())})


## [code]list_open_scenes[/code]: the scenes open in the editor's tabs, which one is edited,
## and which have unsaved changes.
func cmd_list_open_scenes(_params: Dictionary) -> Dictionary:
	var edited := scene_root()
	var unsaved := _unsaved_flags()
	var scenes: Array[Dictionary] = []
	for root: Node in EditorInterface.get_open_scene_roots():
		scenes.append({
			"scene_path": root.scene_file_path,
			"root_name": String(root.name),
			"root_type": root.get_class(),
			"edited": root == edited,
			"unsaved": unsaved.get(root.get_instance_id()),
		})
	return ok({"scenes": scenes, "edited_scene": EditorState.edited_scene_path()})


## [code]instantiate_scene[/code] [code]{scene_path, parent_path?, name?, editable_children?}[/code]:
## adds an instance of a scene under a node of the edited scene, undoably.
func cmd_instantiate_scene(params: Dictionary) -> Dictionary:
	var checked := Paths.existing_scene(params["scene_path"])
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	var root := scene_root()
	var parent_path: String = params.get("parent_path", ".")
	var parent := node_at(parent_path)
	if parent == null:
		return missing_node(parent_path)
	if parent != root and not _in_scene(parent, root):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is inside an instanced scene; make its children editable or pick another parent"
				% parent_path)
	var edited := root.scene_file_path
	if not edited.is_empty() and (path == edited or edited in _dependency_paths(path, true)):
		return fail(ErrorCodes.INVALID_PARAMS,
				"'%s' is or contains the edited scene; instancing it would be cyclic" % path)
	var packed := ResourceLoader.load(path, "PackedScene") as PackedScene
	if packed == null or not packed.can_instantiate():
		return fail(ErrorCodes.FAILED, "'%s' does not load as a scene; see the editor log" % path)
	var node := packed.instantiate(PackedScene.GEN_EDIT_STATE_INSTANCE)
	if node == null:
		return fail(ErrorCodes.FAILED, "'%s' could not be instanced; see the editor log" % path)
	node.scene_file_path = path
	if params.has("name"):
		var name: String = params["name"]
		if name.is_empty() or name.validate_node_name() != name:
			node.free()
			return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a valid node name" % name)
		node.name = name
	var editable: bool = params.get("editable_children", false)
	var ur := begin_action("Instantiate %s" % path.get_file(), root)
	ur.add_do_method(parent, "add_child", node, true)
	ur.add_do_method(node, "set_owner", root)
	if editable:
		ur.add_do_method(root, "set_editable_instance", node, true)
	ur.add_do_reference(node)
	if editable:
		ur.add_undo_method(root, "set_editable_instance", node, false)
	ur.add_undo_method(parent, "remove_child", node)
	commit_action()
	return ok({"node_path": path_of(node), "name": String(node.name), "instance": path,
			"editable_children": root.is_editable_instance(node)})


## [code]new_inherited_scene[/code] [code]{base_path, scene_path}[/code]: a new scene that
## inherits the base scene, saved at scene_path and made the edited scene.
func cmd_new_inherited_scene(params: Dictionary) -> Dictionary:
	var base_checked := Paths.existing_scene(params["base_path"], "base_path")
	if not base_checked["ok"]:
		return base_checked
	var base: String = base_checked["result"]["path"]
	var target := _scene_target(params["scene_path"])
	if not target["ok"]:
		return target
	var path: String = target["result"]["path"]
	if path == base:
		return fail(ErrorCodes.INVALID_PARAMS, "scene_path must differ from base_path")
	if FileAccess.file_exists(path):
		return fail(ErrorCodes.FAILED,
				"'%s' exists already; open it with open_scene or choose another path" % path)
	EditorInterface.open_scene_from_path(base, true)
	var root := scene_root()
	if root == null or not root.scene_file_path.is_empty():
		return fail(ErrorCodes.FAILED, "the editor did not create a scene inheriting '%s'; see the editor log" % base)
	var saved := _save_as(path)
	if not saved["ok"]:
		return saved
	return ok({"scene_path": path, "base_path": base, "root_name": String(root.name),
			"root_type": root.get_class(), "edited_scene": EditorState.edited_scene_path()})


## [code]get_scene_dependencies[/code] [code]{scene_path?, recursive?}[/code]: the resources a
## scene (or any resource file) loads: scripts, textures, sub-scenes... (recursively on request).
func cmd_get_scene_dependencies(params: Dictionary) -> Dictionary:
	var path := ""
	if params.has("scene_path"):
		var checked := Paths.existing_file(params["scene_path"], "scene_path")
		if not checked["ok"]:
			return checked
		path = checked["result"]["path"]
	else:
		path = EditorState.edited_scene_path()
		if path.is_empty():
			return fail(ErrorCodes.INVALID_PARAMS,
					"pass scene_path (the edited scene has no file yet, or none is open)")
	var recursive: bool = params.get("recursive", false)
	var out: Array[Dictionary] = []
	var seen := {path: true}
	var queue: Array[Dictionary] = [{"path": path, "depth": 0}]
	var truncated := false
	while not queue.is_empty():
		var item: Dictionary = queue.pop_front()
		for dep: Dictionary in _dependencies_of(item["path"]):
			if seen.has(dep["path"]):
				continue
			seen[dep["path"]] = true
			if out.size() >= MAX_DEPENDENCIES:
				truncated = true
				break
			dep["from"] = item["path"]
			dep["depth"] = item["depth"] + 1
			out.append(dep)
			if recursive:
				queue.append({"path": dep["path"], "depth": item["depth"] + 1})
	return ok({"scene_path": path, "dependencies": out, "truncated": truncated})


## [code]reload_scene[/code] [code]{scene_path?, discard?}[/code]: reloads an open scene from
## its file (changes made on disk appear); unsaved changes make it refuse unless discard.
func cmd_reload_scene(params: Dictionary) -> Dictionary:
	var path := EditorState.edited_scene_path()
	if params.has("scene_path"):
		var checked := Paths.existing_scene(params["scene_path"])
		if not checked["ok"]:
			return checked
		path = checked["result"]["path"]
	elif scene_root() == null:
		return fail(ErrorCodes.NO_SCENE, "no scene is open")
	if path.is_empty():
		return fail(ErrorCodes.FAILED, "the edited scene was never saved, so there is no file to reload")
	var root: Node = null
	for open_root: Node in EditorInterface.get_open_scene_roots():
		if open_root.scene_file_path == path:
			root = open_root
	if root == null:
		return fail(ErrorCodes.NOT_FOUND, "'%s' is not open; open_scene loads it from disk" % path)
	var unsaved: Variant = _unsaved_flags().get(root.get_instance_id())
	if unsaved == true and not params.get("discard", false):
		return fail(ErrorCodes.FAILED,
				"'%s' has unsaved changes that a reload loses: save_scene first, or pass discard=true"
				% path)
	EditorInterface.reload_scene_from_path(path)
	var reloaded: Node = null
	for open_root: Node in EditorInterface.get_open_scene_roots():
		if open_root.scene_file_path == path:
			reloaded = open_root
	if reloaded == null or reloaded == root:
		return fail(ErrorCodes.FAILED, "the editor did not reload '%s'; see the editor log" % path)
	return ok({"scene_path": path, "edited_scene": EditorState.edited_scene_path(),
			"discarded": unsaved == true})


## Checks a path a scene will be written to: in the sandbox, a .tscn/.scn name, under res://.
func _scene_target(raw: String) -> Dictionary:
	var checked := Paths.resolve(raw, "scene_path")
	if not checked["ok"]:
		return checked
	var path: String = checked["result"]["path"]
	if not path.begins_with("res://"):
		return fail(ErrorCodes.INVALID_PARAMS, "scenes are saved inside the project (res://)")
	if not path.get_extension().to_lower() in Paths.SCENE_EXTENSIONS:
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is not a scene file name (.tscn, .scn)" % raw)
	if DirAccess.dir_exists_absolute(path):
		return fail(ErrorCodes.INVALID_PARAMS, "'%s' is a folder" % path)
	return checked


## The scene file through which the edited scene [param root] uses [param path] (an instanced
## or inherited scene that is it or depends on it), or "".
func _instanced_path_leading_to(root: Node, path: String) -> String:
	var used: Array[String] = []
	# The base of an inherited scene is not exposed to scripts: its saved file names it.
	var own := root.scene_file_path
	if not own.is_empty() and FileAccess.file_exists(own):
		for dep: Dictionary in _dependencies_of(own):
			if dep["path"].get_extension().to_lower() in Paths.SCENE_EXTENSIONS:
				used.append(dep["path"])
	for node: Node in root.find_children("*", "", true, false):
		var file := node.scene_file_path
		if not file.is_empty() and _in_scene(node, root) and not file in used:
			used.append(file)
	for scene: String in used:
		if scene == path or _dependency_paths(scene, true).has(path):
			return scene
	return ""


## Saves the edited scene to [param path] (creating its folders) and checks the editor did.
func _save_as(path: String) -> Dictionary:
	var dir := path.get_base_dir()
	var created := not DirAccess.dir_exists_absolute(dir)
	if created:
		var made := DirAccess.make_dir_recursive_absolute(dir)
		if made != OK:
			return fail(ErrorCodes.FAILED, "could not create '%s': %s" % [dir, error_string(made)])
	# As in save_scene: no thumbnail without a renderer.
	var with_preview := DisplayServer.get_name() != "headless"
	ctx.last_saved = ""
	EditorInterface.save_scene_as(path, with_preview)
	if ctx.last_saved != path:
		return fail(ErrorCodes.FAILED, "the editor did not save '%s'; see the editor log" % path)
	if created:
		EditorInterface.get_resource_filesystem().scan()
	return ok({"scene_path": path})


## Presses the scene tabs' "+" button (the editor's New Scene); false when it is not found.
func _press_new_scene_tab() -> bool:
	var tabs := _scene_tabs()
	if tabs == null:
		return false
	for node: Node in tabs.get_parent().find_children("*", "Button", true, false):
		var button := node as Button
		var parent := button.get_parent()
		if button.get_class() == "Button" and (parent is TabBar or parent.get_class() == "Control"):
			button.pressed.emit()
			return true
	return false


## The TabBar of the editor's scene tabs, or null.
func _scene_tabs() -> TabBar:
	for holder: Node in EditorInterface.get_base_control().find_children("*", "EditorSceneTabs", true, false):
		for bar: Node in holder.find_children("*", "TabBar", true, false):
			return bar as TabBar
	return null


## {root instance id: unsaved (bool)} for the open scenes, read from the tab titles; empty when
## the tabs cannot be matched to the scenes.
func _unsaved_flags() -> Dictionary:
	var tabs := _scene_tabs()
	var roots := EditorInterface.get_open_scene_roots()
	var out := {}
	if tabs == null:
		return out
	var titles: Array[String] = []
	for i in tabs.tab_count:
		var title := tabs.get_tab_title(i)
		if not title.begins_with(EMPTY_TAB_TITLE):
			titles.append(title)
	if titles.size() != roots.size():
		return {}
	for i in roots.size():
		out[roots[i].get_instance_id()] = titles[i].ends_with(UNSAVED_MARK)
	return out


## Whether the open scene of [param root] has unsaved changes; null when unknown.
func _unsaved_of(root: Node) -> Variant:
	if root == null:
		return null
	return _unsaved_flags().get(root.get_instance_id())


## The direct dependencies of [param path]: [{path, type, uid}].
static func _dependencies_of(path: String) -> Array[Dictionary]:
	var out: Array[Dictionary] = []
	for entry: String in ResourceLoader.get_dependencies(path):
		# "uid::type::path" (uid may be empty), or the older "path::type".
		var parts := entry.split("::")
		var dep_path := parts[parts.size() - 1]
		var uid := parts[0] if parts[0].begins_with("uid://") else ""
		var type := parts[1] if parts.size() >= 3 else ""
		if parts.size() == 2:
			dep_path = parts[0]
			type = parts[1]
		if dep_path.begins_with("uid://"):
			dep_path = EditorState.to_res_path(dep_path)
		if dep_path.is_empty() and not uid.is_empty():
			dep_path = EditorState.to_res_path(uid)
		if type.is_empty():
			# Some loaders leave the type out (scripts): the editor's file system knows it.
			type = EditorInterface.get_resource_filesystem().get_file_type(dep_path)
		out.append({"path": dep_path, "type": type, "uid": uid})
	return out


## Paths [param path] depends on (all levels when [param recursive]).
static func _dependency_paths(path: String, recursive: bool) -> Dictionary:
	var seen := {}
	var queue: Array[String] = [path]
	while not queue.is_empty():
		for dep: Dictionary in _dependencies_of(queue.pop_front()):
			if not seen.has(dep["path"]):
				seen[dep["path"]] = true
				if recursive:
					queue.append(dep["path"])
	return seen
