@tool
extends "../handler.gd"
## Commands about the project's editor plugins: the addons with a
## [code]res://addons/<folder>/plugin.cfg[/code], and turning them on and off as
## Project Settings > Plugins does (project.godot's [code][editor_plugins] enabled[/code] follows).
##
## Enabling or disabling is one action of the editor's global undo history (undo turns the
## plugin back). godotd's own plugin is the bridge the commands come through: it cannot be
## disabled from here.

## Where plugins live.
const ADDONS_DIR := "res://addons"
## The file that makes a folder of ADDONS_DIR a plugin.
const CONFIG_FILE := "plugin.cfg"
## The plugin.cfg fields returned.
const FIELDS: PackedStringArray = ["name", "description", "author", "version", "script"]


## [code]list_plugins[/code]: every plugin under res://addons with its plugin.cfg fields and
## whether it is enabled.
func cmd_list_plugins(_params: Dictionary) -> Dictionary:
	var out: Array[Dictionary] = []
	var folders := DirAccess.get_directories_at(ADDONS_DIR)
	folders.sort()
	for folder: String in folders:
		if FileAccess.file_exists(_config_path(folder)):
			out.append(_describe(folder))
	return ok({"plugins": out})


## [code]get_plugin_info[/code] [code]{plugin}[/code]: one plugin's plugin.cfg fields and state.
func cmd_get_plugin_info(params: Dictionary) -> Dictionary:
	var found := _find(params["plugin"])
	if not found["ok"]:
		return found
	return ok(_describe(found["result"]["plugin"]))


## [code]enable_plugin[/code] [code]{plugin}[/code]: turns a plugin on, undoably; fails with
## the editor's reason when it cannot load the plugin's script.
func cmd_enable_plugin(params: Dictionary) -> Dictionary:
	var found := _find(params["plugin"])
	if not found["ok"]:
		return found
	var folder: String = found["result"]["plugin"]
	if EditorInterface.is_plugin_enabled(folder):
		return _done(folder, false)
	var shown := _shown_dialogs()
	EditorInterface.set_plugin_enabled(folder, true)
	if not EditorInterface.is_plugin_enabled(folder):
		var said := _new_dialog_texts(shown)
		ProjectSettings.save()
		return fail(ErrorCodes.FAILED, "the editor did not enable '%s': %s" % [folder,
				" ".join(said) if not said.is_empty()
				else "no reason shown (the editor log may tell; check_script checks its script)"])
	_record(folder, true)
	return _done(folder, true)


## [code]disable_plugin[/code] [code]{plugin}[/code]: turns a plugin off, undoably (never
## godotd's own plugin).
func cmd_disable_plugin(params: Dictionary) -> Dictionary:
	var found := _find(params["plugin"])
	if not found["ok"]:
		return found
	var folder: String = found["result"]["plugin"]
	if folder == _own_folder():
		return fail(ErrorCodes.FAILED,
				"'%s' is godotd's own plugin, the bridge these commands come through: disabling it would cut godotd off (use the editor's Project Settings > Plugins by hand)"
				% folder)
	if not EditorInterface.is_plugin_enabled(folder):
		return _done(folder, false)
	EditorInterface.set_plugin_enabled(folder, false)
	if EditorInterface.is_plugin_enabled(folder):
		return fail(ErrorCodes.FAILED, "the editor did not disable '%s'" % folder)
	_record(folder, false)
	return _done(folder, true)


# --------------------------------------------------------------------------------------------
# Internals


## The folder name of the plugin [param plugin] names (a folder name under res://addons or the
## res:// path of its plugin.cfg), or not_found / invalid_params.
func _find(plugin: String) -> Dictionary:
	var folder := plugin
	if plugin.begins_with("res://"):
		var checked := Paths.resolve(plugin, "plugin")
		if not checked["ok"]:
			return checked
		var path: String = checked["result"]["path"]
		var rest := path.trim_prefix(ADDONS_DIR + "/")
		if rest == path or rest.get_slice_count("/") != 2 or rest.get_file() != CONFIG_FILE:
			return fail(ErrorCodes.INVALID_PARAMS,
					"plugin is a folder name under %s or %s/<folder>/%s, got '%s'" % [ADDONS_DIR, ADDONS_DIR, CONFIG_FILE, plugin])
		folder = rest.get_slice("/", 0)
	if folder.is_empty() or folder.contains("/") or folder.contains("\\") or folder == "." or folder == "..":
		return fail(ErrorCodes.INVALID_PARAMS, "plugin is the plugin's folder name under %s, e.g. \"godotd\"" % ADDONS_DIR)
	if not FileAccess.file_exists(_config_path(folder)):
		return fail(ErrorCodes.NOT_FOUND, "no plugin '%s' (no %s); list_plugins shows them" % [folder, _config_path(folder)])
	return ok({"plugin": folder})


static func _config_path(folder: String) -> String:
	return ADDONS_DIR.path_join(folder).path_join(CONFIG_FILE)


## One plugin as the commands return it.
func _describe(folder: String) -> Dictionary:
	var out := {"plugin": folder, "config_path": _config_path(folder),
			"enabled": EditorInterface.is_plugin_enabled(folder), "godotd": folder == _own_folder()}
	var cfg := ConfigFile.new()
	var err := cfg.load(_config_path(folder))
	for field: String in FIELDS:
		out[field] = str(cfg.get_value("plugin", field, "")) if err == OK else ""
	if err != OK:
		out["error"] = "plugin.cfg does not parse: %s" % error_string(err)
	elif not str(out["script"]).is_empty():
		var script: String = out["script"]
		if not script.begins_with("res://"):
			script = ADDONS_DIR.path_join(folder).path_join(script)
		out["script"] = script
	return out


func _done(folder: String, changed: bool) -> Dictionary:
	return ok({"plugin": folder, "enabled": EditorInterface.is_plugin_enabled(folder), "changed": changed})


## Records the change just made (enabled = [param enabled]) as an undoable action of the global
## history, without running it again.
func _record(folder: String, enabled: bool) -> void:
	ProjectSettings.save()
	var action := "%s plugin %s" % ["Enable" if enabled else "Disable", folder]
	var manager := begin_action(action, null, false)
	manager.add_do_method(self, "_set_enabled", folder, enabled)
	manager.add_undo_method(self, "_set_enabled", folder, not enabled)
	commit_action(false)


## Do/undo step: turns the plugin on or off and writes project.godot.
func _set_enabled(folder: String, enabled: bool) -> void:
	if folder != _own_folder() and EditorInterface.is_plugin_enabled(folder) != enabled:
		EditorInterface.set_plugin_enabled(folder, enabled)
	ProjectSettings.save()


## The folder of godotd's own plugin under res://addons.
func _own_folder() -> String:
	var path: String = get_script().resource_path
	return path.trim_prefix(ADDONS_DIR + "/").get_slice("/", 0)


## The editor's shown AcceptDialogs: instance id → text.
func _shown_dialogs() -> Dictionary:
	var out := {}
	var root := (Engine.get_main_loop() as SceneTree).root
	for node: Node in root.find_children("*", "AcceptDialog", true, false):
		var dialog := node as AcceptDialog
		if dialog.visible:
			out[dialog.get_instance_id()] = dialog.dialog_text
	return out


## Texts of the dialogs shown since [param before] (from [method _shown_dialogs]); closes them
## (their text is in the answer).
func _new_dialog_texts(before: Dictionary) -> PackedStringArray:
	var out: PackedStringArray = []
	var now := _shown_dialogs()
	for id: int in now:
		if before.get(id, null) != now[id]:
			out.append(str(now[id]).strip_edges())
			var dialog := instance_from_id(id) as AcceptDialog
			if dialog != null:
				dialog.hide()
	return out
