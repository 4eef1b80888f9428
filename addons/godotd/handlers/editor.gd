@tool
extends "../handler.gd"
## Commands about the editor itself: ping, get_status, quit; the node selection, the main screen,
## the file system scan and reimport, editor settings, and the editor's open dialogs.

## Names of the main screens an agent may switch to (the editor's top bar; AssetLib only when the
## editor has it).
const MAIN_SCREENS: PackedStringArray = ["2D", "3D", "Script", "Game", "AssetLib"]
## Theme variation of the editor's main screen buttons (2D, 3D, Script, ...).
const MAIN_SCREEN_BUTTON_THEME := "MainScreenButton"
## Characters of a dialog's text returned by list_dialogs at most.
const MAX_DIALOG_TEXT := 2000

## The main screen buttons found last (see _main_screen_buttons) and their parent's child count.
var _screen_buttons: Array[Button] = []
var _screen_buttons_siblings := 0


## [code]ping[/code]: proves the editor's main thread runs (the daemon's heartbeat).
func cmd_ping(_params: Dictionary) -> Dictionary:
	return ok({"pong": true})


## [code]get_status[/code]: versions, project, readiness, open/edited scenes, the running game,
## and how the registry copy and the handler files match.
func cmd_get_status(_params: Dictionary) -> Dictionary:
	return ok({
		"godot_version": EditorState.godot_version(),
		"project_path": EditorState.project_path(),
		"editor_pid": OS.get_process_id(),
		"addon_version": ctx.addon_version,
		"readiness": EditorState.readiness(),
		"edited_scene": EditorState.edited_scene_path(),
		"open_scenes": Array(EditorInterface.get_open_scenes()),
		"playing": EditorState.is_playing(),
		"playing_scene": EditorState.playing_scene_path(),
		"registry": ctx.dispatcher.mismatches(),
		"main_screen": _main_screen(),
	})


## [code]quit[/code]: answers, then the plugin quits the editor on a later frame (so the answer
## is written first). Unsaved changes are not saved; the supervising daemon starts a new editor
## unless it is the one stopping this editor.
func cmd_quit(_params: Dictionary) -> Dictionary:
	ctx.request_quit.call()
	return ok({"quitting": true})


## [code]get_selection[/code]: the nodes selected in the Scene dock, as paths in the edited scene.
func cmd_get_selection(_params: Dictionary) -> Dictionary:
	return ok({"node_paths": _selected_paths(), "edited_scene": EditorState.edited_scene_path()})


## [code]set_selection[/code] [code]{node_paths}[/code]: replaces the Scene dock's selection
## (an empty list clears it); every path must exist, else nothing changes.
func cmd_set_selection(params: Dictionary) -> Dictionary:
	var nodes: Array[Node] = []
	for path: String in params["node_paths"]:
		var node := node_at(path)
		if node == null:
			return missing_node(path)
		if not _shown_in_scene_dock(node):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is inside an instanced scene whose children are not editable (the Scene dock does not show it); select the instance, or set_editable_children first"
					% path)
		nodes.append(node)
	var selection := EditorInterface.get_selection()
	selection.clear()
	for node: Node in nodes:
		selection.add_node(node)
	if nodes.size() == 1:
		EditorInterface.edit_node(nodes[0])
	return ok({"node_paths": _selected_paths()})


## [code]get_main_screen[/code]: the main screen shown now and the ones this editor has.
func cmd_get_main_screen(_params: Dictionary) -> Dictionary:
	return ok({"main_screen": _main_screen(), "available": Array(_main_screens())})


## [code]set_main_screen[/code] [code]{name}[/code]: switches the editor's main screen (2D, 3D,
## Script, Game, AssetLib).
func cmd_set_main_screen(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var available := _main_screens()
	if not name in available:
		return fail(ErrorCodes.NOT_FOUND, "this editor has no '%s' screen (it has: %s)"
				% [name, ", ".join(available)])
	EditorInterface.set_main_screen_editor(name)
	var now := _main_screen()
	if now != name:
		return fail(ErrorCodes.FAILED, "the editor stayed on '%s'" % now)
	return ok({"main_screen": now, "available": Array(available)})


## [code]scan_filesystem[/code]: starts the editor's scan of the project's files (new, changed
## and deleted files, imports) and reports whether it still runs.
func cmd_scan_filesystem(_params: Dictionary) -> Dictionary:
	var fs := EditorInterface.get_resource_filesystem()
	if fs.is_scanning():
		return ok({"started": false, "scanning": true, "progress": fs.get_scanning_progress()})
	fs.scan()
	return ok({"started": true, "scanning": fs.is_scanning(),
			"progress": fs.get_scanning_progress() if fs.is_scanning() else 1.0})


## [code]reimport_files[/code] [code]{paths}[/code]: imports the files again with the settings
## of their .import files (waits until done).
func cmd_reimport_files(params: Dictionary) -> Dictionary:
	var paths: PackedStringArray = []
	for raw: String in params["paths"]:
		var checked := Paths.existing_file(raw)
		if not checked["ok"]:
			return checked
		var path: String = checked["result"]["path"]
		if not path.begins_with("res://") or not FileAccess.file_exists(path + ".import"):
			return fail(ErrorCodes.INVALID_PARAMS,
					"'%s' is not an imported file (it has no .import file next to it)" % path)
		if not path in paths:
			paths.append(path)
	var fs := EditorInterface.get_resource_filesystem()
	if fs.is_scanning():
		return fail(ErrorCodes.FAILED,
				"the editor is scanning the project's files; retry once get_status says ready")
	fs.reimport_files(paths)
	return ok({"reimported": Array(paths)})


## [code]get_editor_setting[/code] [code]{name}[/code]: one editor setting's value and type.
func cmd_get_editor_setting(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var settings := EditorInterface.get_editor_settings()
	if not settings.has_setting(name):
		return _missing_editor_setting(name)
	var value: Variant = settings.get_setting(name)
	return ok({"name": name, "value": VariantJson.to_json(value), "type": type_string(typeof(value))})


## [code]set_editor_setting[/code] [code]{name, value}[/code]: changes an existing editor
## setting, undoably (global history).
func cmd_set_editor_setting(params: Dictionary) -> Dictionary:
	var name: String = params["name"]
	var settings := EditorInterface.get_editor_settings()
	if not settings.has_setting(name):
		return _missing_editor_setting(name)
	var previous: Variant = settings.get_setting(name)
	var converted := VariantJson.from_json(params["value"], typeof(previous))
	if not converted["ok"]:
		return fail(ErrorCodes.INVALID_PARAMS, "value for '%s' (a %s): %s"
				% [name, type_string(typeof(previous)), converted["message"]])
	var ur := begin_action("Set editor setting %s" % name)
	ur.add_do_method(self, "_apply_editor_setting", name, converted["value"])
	ur.add_undo_method(self, "_apply_editor_setting", name, previous)
	commit_action()
	return ok({"name": name, "value": VariantJson.to_json(settings.get_setting(name)),
			"previous": VariantJson.to_json(previous)})


## [code]list_dialogs[/code]: the editor's dialogs now shown (errors, confirmations, file
## dialogs): id, class, title, text, buttons.
func cmd_list_dialogs(_params: Dictionary) -> Dictionary:
	var dialogs: Array[Dictionary] = []
	for dialog: AcceptDialog in _visible_dialogs():
		dialogs.append(_describe_dialog(dialog))
	return ok({"dialogs": dialogs})


## [code]dismiss_dialog[/code] [code]{id?, title?, action?, button?}[/code]: presses a shown
## dialog's OK (confirm), Cancel (cancel) or a named button.
func cmd_dismiss_dialog(params: Dictionary) -> Dictionary:
	if not params.has("id") and not params.has("title"):
		return fail(ErrorCodes.INVALID_PARAMS, "pass id or title (see list_dialogs)")
	var found: AcceptDialog = null
	for dialog: AcceptDialog in _visible_dialogs():
		if params.has("id") and str(dialog.get_instance_id()) != str(params["id"]):
			continue
		if params.has("title") and dialog.title != params["title"]:
			continue
		found = dialog
		break
	if found == null:
		return fail(ErrorCodes.NOT_FOUND, "no shown dialog matches; list_dialogs shows them")
	var action: String = params.get("action", "confirm")
	var info := _describe_dialog(found)
	match action:
		"confirm":
			found.get_ok_button().pressed.emit()
		"cancel":
			if found is ConfirmationDialog:
				(found as ConfirmationDialog).get_cancel_button().pressed.emit()
			else:
				found.canceled.emit()
		"button":
			if not params.has("button"):
				return fail(ErrorCodes.INVALID_PARAMS, "action 'button' needs button (its text)")
			var button := _dialog_button(found, params["button"])
			if button == null:
				return fail(ErrorCodes.NOT_FOUND, "the dialog has no button '%s' (it has: %s)"
						% [params["button"], ", ".join(info["buttons"].map(
						func(b: Dictionary) -> String: return b["text"]))])
			button.pressed.emit()
	if found.visible and action != "button":
		found.hide()
	return ok({"dismissed": info, "action": action, "still_visible": found.visible})


## Do/undo step of set_editor_setting.
func _apply_editor_setting(name: String, value: Variant) -> void:
	var settings := EditorInterface.get_editor_settings()
	settings.set_setting(name, value)
	settings.mark_setting_changed(name)


func _missing_editor_setting(name: String) -> Dictionary:
	return fail(ErrorCodes.NOT_FOUND,
			"no editor setting '%s' (names look like \"text_editor/behavior/indent/size\")" % name)


## Whether the Scene dock shows [param node] of the edited scene: the root, a node it owns, or
## a node of an instance whose children are editable.
func _shown_in_scene_dock(node: Node) -> bool:
	var root := scene_root()
	if node == root or node.owner == root:
		return true
	return node.owner != null and root.is_editable_instance(node.owner)


## Paths (relative to the edited scene's root) of the selected nodes, in selection order.
func _selected_paths() -> Array[String]:
	var out: Array[String] = []
	if scene_root() == null:
		return out
	for node: Node in EditorInterface.get_selection().get_selected_nodes():
		if node == scene_root() or scene_root().is_ancestor_of(node):
			out.append(path_of(node))
	return out


## The editor's main screen buttons (2D, 3D, Script, ...), found once (the editor keeps them;
## a plugin that adds or removes a screen makes the next call look again).
func _main_screen_buttons() -> Array[Button]:
	if not _screen_buttons.is_empty() and _screen_buttons.all(
			func(b: Button) -> bool: return is_instance_valid(b) and b.is_inside_tree()):
		var parent := _screen_buttons[0].get_parent()
		if parent != null and parent.get_child_count() == _screen_buttons_siblings:
			return _screen_buttons
	var out: Array[Button] = []
	for node: Node in EditorInterface.get_base_control().find_children("*", "Button", true, false):
		var button := node as Button
		if button.theme_type_variation == MAIN_SCREEN_BUTTON_THEME and button.toggle_mode:
			out.append(button)
	_screen_buttons = out
	if not out.is_empty():
		_screen_buttons_siblings = out[0].get_parent().get_child_count()
	return out


## Names of the main screens this editor has.
func _main_screens() -> PackedStringArray:
	var out: PackedStringArray = []
	for button: Button in _main_screen_buttons():
		out.append(String(button.name))
	return out


## The main screen shown now ("" when unknown).
func _main_screen() -> String:
	for button: Button in _main_screen_buttons():
		if button.button_pressed:
			return String(button.name)
	return ""


## The editor's shown AcceptDialogs (and subclasses), in tree order.
func _visible_dialogs() -> Array[AcceptDialog]:
	var out: Array[AcceptDialog] = []
	var root := EditorInterface.get_base_control().get_tree().root
	for node: Node in root.find_children("*", "AcceptDialog", true, false):
		var dialog := node as AcceptDialog
		if dialog.visible:
			out.append(dialog)
	return out


func _describe_dialog(dialog: AcceptDialog) -> Dictionary:
	var buttons: Array[Dictionary] = []
	var ok_button := dialog.get_ok_button()
	var cancel_button: Button = null
	if dialog is ConfirmationDialog:
		cancel_button = (dialog as ConfirmationDialog).get_cancel_button()
	for child: Node in ok_button.get_parent().get_children():
		var button := child as Button
		if button == null or not button.visible:
			continue
		var kind := "custom"
		if button == ok_button:
			kind = "confirm"
		elif button == cancel_button:
			kind = "cancel"
		buttons.append({"text": button.text, "action": kind})
	var text := dialog.dialog_text
	if text.length() > MAX_DIALOG_TEXT:
		text = text.left(MAX_DIALOG_TEXT) + "…"
	return {
		"id": str(dialog.get_instance_id()),
		"class": dialog.get_class(),
		"title": dialog.title,
		"text": text,
		"buttons": buttons,
		"exclusive": dialog.exclusive,
	}


## The shown button of [param dialog] whose text is [param text], or null.
static func _dialog_button(dialog: AcceptDialog, text: String) -> Button:
	for child: Node in dialog.get_ok_button().get_parent().get_children():
		var button := child as Button
		if button != null and button.visible and button.text == text:
			return button
	return null
