@tool
extends "../handler.gd"
## Commands on the editor's undo history: undo, redo, and batch (steps that succeed or are
## rolled back together).
##
## The editor keeps one undo history per open scene and a global one (project settings, files,
## the input map, autoloads). EditorUndoRedoManager gives scripts each history's UndoRedo but not
## the editor's own "undo the newest across histories", so undo/redo here pick the history
## themselves (the one of godotd's newest action, or the one asked for) and step its UndoRedo.


## [code]undo[/code] [code]{history?}[/code]: undoes the newest action of the chosen history.
func cmd_undo(params: Dictionary) -> Dictionary:
	var chosen := _history(str(params.get("history", "auto")))
	if not chosen["ok"]:
		return chosen
	var id: int = chosen["result"]["id"]
	var history := undo_redo().get_history_undo_redo(id)
	if not history.has_undo():
		return fail(ErrorCodes.FAILED, "nothing to undo in the %s history" % _label(id))
	var name := history.get_current_action_name()
	if not history.undo():
		return fail(ErrorCodes.FAILED, "the editor could not undo '%s'" % name)
	return ok({"undone": name, "history": _label(id)})


## [code]redo[/code] [code]{history?}[/code]: redoes the newest undone action.
func cmd_redo(params: Dictionary) -> Dictionary:
	var chosen := _history(str(params.get("history", "auto")))
	if not chosen["ok"]:
		return chosen
	var id: int = chosen["result"]["id"]
	var history := undo_redo().get_history_undo_redo(id)
	if not history.has_redo():
		return fail(ErrorCodes.FAILED, "nothing to redo in the %s history" % _label(id))
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
		if history.has_undo() and history.undo():
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


static func _label(id: int) -> String:
	return "global" if id == EditorUndoRedoManager.GLOBAL_HISTORY else "scene"
