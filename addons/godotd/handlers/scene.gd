@tool
extends "../handler.gd"
## Commands about the edited scene: open_scene, get_scene_tree, save_scene.

## Deepest max_depth accepted (the registry's maximum); deeper trees are cut there.
const MAX_DEPTH := 1000
## Nodes listed by one get_scene_tree at most, so one answer stays far below the outbound
## buffer; nodes past it are left out and their parent is marked [code]truncated[/code].
const MAX_TREE_NODES := 10000


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
