/* install: puts the godotd addon into a Godot project and enables it, before the editor starts.
 *
 * Owns the copy of addons/godotd/ into <project>/addons/godotd/, the `[editor_plugins]` entry
 * of project.godot, the runtime agent's `[autoload]` entry, and that games the editor plays get
 * their own window (the Game view's project metadata). Idempotent: files already identical are not rewritten; every write is
 * atomic (temp file in the same directory, fsync, rename), so an interrupted install never
 * leaves a half-written file. Calls only libc.
 */
#ifndef GD_INSTALL_H
#define GD_INSTALL_H

#include <stddef.h>

#define GD_PLUGIN_CFG "res://addons/godotd/plugin.cfg"

/* Copies addon_dir's files (recursively) into project_dir/addons/godotd and enables the plugin.
 * Returns the number of files written (0 when all was up to date), or -1 with the reason in err. */
int gd_install_addon(const char *project_dir, const char *addon_dir, char *err, size_t err_size);

/* Copies addon_dir's files (recursively) into project_dir/addons/godotd and nothing else
 * (project.godot untouched: a headless session runs the addon's scripts without enabling the
 * plugin). Files written, or -1 with the reason in err. */
int gd_install_addon_files(const char *project_dir, const char *addon_dir, char *err,
                           size_t err_size);

/* Returns project.godot's text (text, NUL-terminated) with GD_PLUGIN_CFG in
 * [editor_plugins] enabled, as a malloc'ed string the caller frees; NULL on ENOMEM. Pure: exposed
 * for unit tests. */
char *gd_install_enable_plugin(const char *text);

/* Creates dir and its missing parents (mode 0755). 0, or -1 with errno set. */
int gd_install_mkdirs(const char *dir);

/* The autoload of the runtime agent, active only in games launched under godotd (the agent
 * checks GODOTD_URL and the editor feature; it is inert in exported builds). */
#define GD_RUNTIME_AUTOLOAD "GodotdRuntime"
#define GD_RUNTIME_SCRIPT "res://addons/godotd/runtime/agent.gd"
/* project.godot text with GD_RUNTIME_AUTOLOAD="*GD_RUNTIME_SCRIPT" first in [autoload] (added,
 * or an older value of ours replaced), everything else as it was. Malloc'ed; NULL on ENOMEM. */
char *gd_install_add_autoload(const char *text);

/* .godot/editor/project_metadata.cfg text with [game_view] embed_on_play=false (added, or its
 * value replaced): Godot 4.4+ embeds a game it plays into the editor's Game view, sized to the
 * view (the project's 640x360 became 599x337 under Xvfb); a game godotd plays gets its own window
 * at the project's size, so its pixels and mouse coordinates are the game's own. The Game view
 * reads this when the editor starts (the editor setting run/window_placement/game_embed_mode,
 * when not 0, overrides it). Malloc'ed; NULL on ENOMEM. */
char *gd_install_game_view_defaults(const char *text);

/* Writes len bytes to path atomically (temp + fsync + rename). 0, or -errno. */
int gd_write_file_atomic(const char *path, const void *data, size_t len, int mode);

/* Reads a whole file into a malloc'ed NUL-terminated buffer (*len without the NUL); NULL on error
 * (errno set). max caps the size (EFBIG past it). */
char *gd_read_file(const char *path, size_t max, size_t *len);

#endif
