@tool
extends EditorPlugin
## Registers the slow importer, and hangs the editor's main thread (an infinite loop, as a buggy
## tool script would) while [constant HANG_FLAG] exists once the first scan is over.

## While this file exists, the main thread loops in [method _process] and never returns.
const HANG_FLAG := "res://hang.flag"

var _importer: EditorImportPlugin


func _enter_tree() -> void:
	_importer = preload("slow_importer.gd").new()
	add_import_plugin(_importer)


func _exit_tree() -> void:
	remove_import_plugin(_importer)


func _process(_delta: float) -> void:
	if EditorInterface.get_resource_filesystem().is_scanning():
		return
	if FileAccess.file_exists(HANG_FLAG):
		print("busy_fixtures: hanging the main thread while %s exists" % HANG_FLAG)
		while FileAccess.file_exists(HANG_FLAG):
			pass
