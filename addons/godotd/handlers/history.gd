@tool
extends "../handler.gd"
## Commands on the editor's undo history: undo, redo, and batch (steps that succeed or are
## rolled back together).
##
## The editor keeps one undo history per open scene and a global one (project settings, files,
## the input map, autoloads). EditorUndoRedoManager gives scripts each history's UndoRedo but no
## undo call of its own, and stepping a history's UndoRedo directly desyncs the editor's
## bookkeeping ("Inconsistent redo history" on the next save). So undo/redo press the editor's
## own shortcut (Ctrl+Z / Ctrl+Shift+Z pushed into the editor's viewport) and check which
## history moved; only when that is not the history asked for (or nothing moved) do they step
## that history's UndoRedo themselves.


## [code]undo[/code] [code]{history?}[/code]: undoes the newest action of the chosen history.
func cmd_undo(params: Dictionary) -> Dictionary:
	var which := str(params.get("history", "auto"))
	var chosen := _history(which)
	if not chosen["ok"]:
		return chosen
	var id: int = chosen["result"]["id"]
	var history := undo_redo().get_history_undo_redo(id)
	if not history.has_undo():
		return fail(ErrorCodes.FAILED, "nothing to undo in the %s history" % _label(id))
	var name := history.get_current_action_name()
	# The editor's own Ctrl+Z keeps its bookkeeping across histories right; stepping a history's
	# UndoRedo directly (the fallback below) leaves "Inconsistent redo history" behind.
	var moved := _editor_shortcut(false)
	if moved == id or (which == "auto" and moved != EditorUndoRedoManager.INVALID_HISTORY):
		return ok({"undone": name if moved == id else "(the editor's newest action)",
				"history": _label(moved)})
	if moved != EditorUndoRedoManager.INVALID_HISTORY:
		_editor_shortcut(true)  # it stepped another history: put that back
	if not history.undo():
		return fail(ErrorCodes.FAILED, "the editor could not undo '%s'" % name)
	return ok({"undone": name, "history": _label(id)})


## [code]redo[/code] [code]{history?}[/code]: redoes the newest undone action.
func cmd_redo(params: Dictionary) -> Dictionary:
	var which := str(params.get("history", "auto"))
	var chosen := _history(which)
	if not chosen["ok"]:
		return chosen
	var id: int = chosen["result"]["id"]
	var history := undo_redo().get_history_undo_redo(id)
	if not history.has_redo():
		return fail(ErrorCodes.FAILED, "nothing to redo in the %s history" % _label(id))
	var moved := _editor_shortcut(true)
	if moved == id or (which == "auto" and moved != EditorUndoRedoManager.INVALID_HISTORY):
		var stepped := undo_redo().get_history_undo_redo(moved)
		return ok({"redone": stepped.get_current_action_name(), "history": _label(moved)})
	if moved != EditorUndoRedoManager.INVALID_HISTORY:
		_editor_shortcut(false)  # it stepped another history: put that back
	if not history.redo():
		return fail(ErrorCodes.FAILED, "the editor could not redo")
	return ok({"redone": history.get_current_action_name(), "history": _label(id)})


## [code]batch[/code] [code]{commands: [{command, params?}]}[/code]: runs the steps in order;
## on the first failure undoes every action the earlier steps made (newest first) and fails
## with the step's index and error. Steps must be read-only or undoable (registry "undo").
func cmd_batch(params: Dictionary) -> Dictionary:
	var steps: Array = params["commands"]
	for i in steps.size():
		var name := str(steps[i]["command"])
		var spec: Dictionary = ctx.dispatcher.spec_of(name)
		if spec.is_empty():
			return fail(ErrorCodes.INVALID_PARAMS, "step %d: unknown command '%s'" % [i, name])
		if name in ["batch", "undo", "redo"] or not (spec.get("readOnly", false) or spec.get("undo", false)):
			return fail(ErrorCodes.INVALID_PARAMS,
					"step %d: '%s' cannot be batched: it is neither read-only nor undoable" % [i, name])
	var first_action: int = ctx.actions.size()
	var results := []
	for i in steps.size():
		var step: Dictionary = steps[i]
		var outcome: Dictionary = ctx.dispatcher.call_command(str(step["command"]), step.get("params", {}))
		if not outcome["ok"]:
			var undone := _roll_back(first_action)
			var error: Dictionary = outcome["error"]
			return fail(str(error["code"]), "step %d (%s) failed: %s; %d earlier action(s) were undone"
					% [i, step["command"], error["message"], undone])
		results.append(outcome["result"])
	return ok({"results": results, "count": results.size()})


## Undoes the actions recorded from index [param first] on, newest first; returns how many.
func _roll_back(first: int) -> int:
	var count := 0
	while ctx.actions.size() > first:
		var action: Dictionary = ctx.actions.pop_back()
		var history := undo_redo().get_history_undo_redo(action["history"])
		if not history.has_undo():
			continue
		# Our action is the editor's newest: its own undo takes it back, bookkeeping included.
		if _editor_shortcut(false) == action["history"] or history.undo():
			count += 1
	return count


func _history(which: String) -> Dictionary:
	var root := scene_root()
	var scene_id := EditorUndoRedoManager.INVALID_HISTORY
	if root != null:
		scene_id = undo_redo().get_object_history_id(root)
	match which:
		"global":
			return ok({"id": EditorUndoRedoManager.GLOBAL_HISTORY})
		"scene":
			if root == null:
				return fail(ErrorCodes.NO_SCENE, "no scene is open, so there is no scene history")
			return ok({"id": scene_id})
	# auto: the history of godotd's newest action, if it is the edited scene's or the global one.
	if not ctx.actions.is_empty():
		var last: int = ctx.actions.back()["history"]
		if last == EditorUndoRedoManager.GLOBAL_HISTORY or last == scene_id:
			return ok({"id": last})
	if root != null:
		return ok({"id": scene_id})
	return ok({"id": EditorUndoRedoManager.GLOBAL_HISTORY})


## Sends the editor's undo (or redo) shortcut, as a user's Ctrl+Z (Ctrl+Shift+Z), and returns
## the id of the history it stepped, or INVALID_HISTORY when nothing moved (then the caller
## steps the history itself).
func _editor_shortcut(redo: bool) -> int:
	var before := _history_versions()
	var key := InputEventKey.new()
	key.keycode = KEY_Z
	key.command_or_control_autoremap = true
	key.shift_pressed = redo
	key.pressed = true
	EditorInterface.get_base_control().get_viewport().push_input(key)
	var release := key.duplicate()
	release.pressed = false
	EditorInterface.get_base_control().get_viewport().push_input(release)
	var after := _history_versions()
	for id: int in after:
		if after[id] != before.get(id, after[id]):
			return id
	return EditorUndoRedoManager.INVALID_HISTORY


static func _label(id: int) -> String:
	return "global" if id == EditorUndoRedoManager.GLOBAL_HISTORY else "scene"
