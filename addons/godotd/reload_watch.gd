@tool
extends Node
## Hands a project reload (Project > Reload Current Project, or the reload_project command) to
## the godotd daemon that supervises this editor, so the new editor is the daemon's child and
## never a second, unsupervised one. The quit command uses its marker too.
##
## Godot reloads by quitting with "restart on exit" set (OS.set_restart_on_exit): the old
## process starts the new one as it ends. It unloads editor plugins before it sets that flag
## (EditorNode::_restart_editor), so the plugin cannot see it; this node, a child of the root
## window, leaves the tree at shutdown after the flag is set. When a live daemon supervises the
## editor it clears the flag and leaves a marker file; the daemon sees the marker when the
## process exits and starts the new editor at once (src/supervisor.c).

## The node's name under the root window (one watcher per editor, however often the plugin is
## enabled).
const NODE_NAME := &"GodotdReloadWatch"
## The marker the daemon looks for (its path is fixed on both sides).
const MARKER_PATH := "res://.godot/godotd/reload_requested"
## Written by the daemon while it runs: {"pid": …, "port": …}.
const DAEMON_FILE := "res://.godot/godotd/daemon.json"


func _exit_tree() -> void:
	if not OS.is_restart_on_exit_set():
		return
	if ask_daemon_to_restart():
		OS.set_restart_on_exit(false)
		print("godotd: reload handed to the daemon")


## Leaves the marker that makes the supervising daemon start a new editor as soon as this one
## exits (not counted as a crash). False when no live daemon supervises this editor or the
## marker cannot be written (then nobody restarts it but Godot itself).
static func ask_daemon_to_restart() -> bool:
	if OS.get_environment("GODOTD_URL").is_empty() or not _daemon_alive():
		return false
	var marker := FileAccess.open(ProjectSettings.globalize_path(MARKER_PATH), FileAccess.WRITE)
	if marker == null:
		printerr("godotd: cannot write the restart marker: %s"
				% error_string(FileAccess.get_open_error()))
		return false
	marker.store_string(str(OS.get_process_id()))
	marker.close()
	return true


## Whether the daemon named in daemon.json runs (it removes the file when it exits cleanly; a
## killed one leaves it, so its pid is checked in /proc where there is one).
static func _daemon_alive() -> bool:
	var path := ProjectSettings.globalize_path(DAEMON_FILE)
	if not FileAccess.file_exists(path):
		return false
	var info: Variant = JSON.parse_string(FileAccess.get_file_as_string(path))
	if not info is Dictionary or not (info as Dictionary).get("pid") is float:
		return false
	var pid := int((info as Dictionary)["pid"])
	if not DirAccess.dir_exists_absolute("/proc/self"):
		return true
	return DirAccess.dir_exists_absolute("/proc/%d" % pid)
