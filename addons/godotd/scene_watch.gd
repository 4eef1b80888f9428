@tool
extends RefCounted
## Notices when the edited scene's content or the set of open scenes changes, for the
## [code]scene_edited[/code] event (docs/protocol.md "Events"): the daemon tells MCP clients
## subscribed to godot://scene/current and godot://project that those resources changed.
##
## Driven by signals, not by comparing trees: the undo history changes with every edit (every
## godotd edit and every edit made by hand goes through it), undo and redo change its version,
## and the plugin's signals say when another scene is edited, one is closed or saved. The
## plugin polls [method take] from its _process and sends at most one event per frame.

## No change since the last [method take].
const NONE := 0
## The edited scene's content changed (an edit, undo, redo).
const CONTENT := 1
## The scenes open in tabs or the edited one changed (and maybe the content too).
const TABS := 2

var _plugin: EditorPlugin
var _undo_redo: EditorUndoRedoManager
var _change := NONE


func _init(plugin: EditorPlugin) -> void:
	_plugin = plugin
	_undo_redo = plugin.get_undo_redo()
	_undo_redo.history_changed.connect(_on_content)
	_undo_redo.version_changed.connect(_on_content)
	plugin.scene_changed.connect(_on_scene_changed)
	plugin.scene_closed.connect(_on_tabs)
	plugin.scene_saved.connect(_on_tabs)


## Disconnects from the editor (the undo manager outlives a disabled plugin).
func stop() -> void:
	if _undo_redo != null:
		if _undo_redo.history_changed.is_connected(_on_content):
			_undo_redo.history_changed.disconnect(_on_content)
		if _undo_redo.version_changed.is_connected(_on_content):
			_undo_redo.version_changed.disconnect(_on_content)
	_undo_redo = null
	_plugin = null


## The strongest change seen since the last call ([constant NONE], [constant CONTENT] or
## [constant TABS]), and forgets it.
func take() -> int:
	var change := _change
	_change = NONE
	return change


func _on_content() -> void:
	_change = maxi(_change, CONTENT)


func _on_scene_changed(_root: Node) -> void:
	_change = TABS


func _on_tabs(_path: String) -> void:
	_change = TABS
