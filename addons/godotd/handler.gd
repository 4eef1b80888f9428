@tool
extends RefCounted
## Base of every [code]handlers/<category>.gd[/code]: a handler file implements the commands of
## its category in [code]schema/commands/<category>.json[/code], one method per command named
## [code]cmd_<name>(params: Dictionary) -> Dictionary[/code], returning [method ok] or
## [method fail]. The dispatcher has already checked the params against the registry schema
## (integers are ints) and, for [code]needs: scene[/code], that a scene is open.
##
## Mutating commands go through the editor's undo history: [method begin_action], then
## [code]add_do_*[/code] / [code]add_undo_*[/code] on the returned EditorUndoRedoManager, then
## [method commit_action] (which runs the do side). Then [code]undo[/code] reverts them and
## [code]batch[/code] can roll them back.

const EditorState := preload("editor_state.gd")
const ErrorCodes := preload("error_codes.gd")
const Paths := preload("paths.gd")
const Reply := preload("reply.gd")
const VariantJson := preload("variant_json.gd")

## The shared context.gd (plugin, dispatcher, action log); set before any command runs.
var ctx: RefCounted

var _action_name: String = ""
var _versions: Dictionary = {}


## A success with [param result] as the command's result object.
func ok(result: Dictionary = {}) -> Dictionary:
	return Reply.ok(result)


## A failure: [param code] from error_codes.gd, [param message] telling an agent what to do.
func fail(code: String, message: String) -> Dictionary:
	return Reply.error(code, message)


## The edited scene's root, or null.
func scene_root() -> Node:
	return EditorInterface.get_edited_scene_root()


## The node at [param path] in the edited scene: relative to the scene root ("" or "." is the
## root; the root's own name also works as a first segment), or null when there is none.
func node_at(path: String) -> Node:
	var root := scene_root()
	if root == null:
		return null
	if path.is_empty() or path == "." or path == str(root.name):
		return root
	if path.begins_with(str(root.name) + "/"):
		path = path.substr(str(root.name).length() + 1)
	if path.begins_with("/"):
		return null
	return root.get_node_or_null(NodePath(path))


## The not_found failure for a node path, naming what exists to help the next try.
func missing_node(path: String) -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND,
			"no node at '%s' in the edited scene (paths are relative to the scene root; see get_scene_tree)"
			% path)


## [param node]'s path relative to the edited scene's root ("." for the root).
func path_of(node: Node) -> String:
	var root := scene_root()
	if root == null or node == null:
		return ""
	return str(root.get_path_to(node))


## The editor's undo/redo manager.
func undo_redo() -> EditorUndoRedoManager:
	return ctx.plugin.get_undo_redo()


## Starts an undoable action named [param name]. [param context] decides its history: a node of
## the edited scene → that scene's; null → the history of the objects the do methods touch
## (project-wide for settings, files, the input map). Add do/undo steps to the returned manager,
## then call [method commit_action]. [param mark_unsaved] false for changes that are on disk
## already (files, project.godot written by the do step), so the editor does not ask to save them.
func begin_action(name: String, context: Object = null, mark_unsaved: bool = true) -> EditorUndoRedoManager:
	var manager := undo_redo()
	_action_name = name
	_versions = _history_versions()
	manager.create_action(name, UndoRedo.MERGE_DISABLE, context, false, mark_unsaved)
	return manager


## Commits the action begun by [method begin_action] and records which history it went into
## (for undo and batch). [param execute] false when the change is made already (its do steps
## then only run on redo).
func commit_action(execute: bool = true) -> void:
	undo_redo().commit_action(execute)
	var after := _history_versions()
	for id: int in after:
		if after[id] != _versions.get(id, -1):
			ctx.note_action(id, _action_name)
			return
	ctx.note_action(EditorUndoRedoManager.GLOBAL_HISTORY, _action_name)


## Versions of the histories an action can land in: the edited scene's and the global one.
func _history_versions() -> Dictionary:
	var manager := undo_redo()
	var out := {}
	var ids: Array[int] = [EditorUndoRedoManager.GLOBAL_HISTORY]
	var root := scene_root()
	if root != null:
		ids.append(manager.get_object_history_id(root))
	for id: int in ids:
		out[id] = manager.get_history_undo_redo(id).get_version()
	return out
