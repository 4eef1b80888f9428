/* godot: finding the Godot binary the daemon runs, and its version.
 *
 * Owns the lookup order (--godot, $GODOT_BIN, the private install from scripts/install-godot,
 * then godot4/godot on PATH) and the private install's rendering environment (render.env beside
 * it). Runs `<bin> --version` synchronously: called once at start, before the event loop runs.
 */
#ifndef GD_GODOT_H
#define GD_GODOT_H

#include <limits.h>
#include <stddef.h>

typedef struct gd_godot_bin {
  char path[PATH_MAX];
  char version[128];   /* first line of `godot --version`, e.g. "4.6.3.stable.debian..." */
  const char *source;  /* "--godot", "GODOT_BIN", "private install" or "PATH" (static) */
  char render_env[PATH_MAX]; /* path of the private install's render.env, or "" */
} gd_godot_bin;

/* Finds Godot. cli_path may be NULL. 0, or -1 with the reason in err (err_size bytes). */
int gd_godot_find(const char *cli_path, gd_godot_bin *out, char *err, size_t err_size);
/* gd_godot_find without running `--version` (version stays ""): for a caller that learns the
 * version from Godot itself anyway (a session's banner) and should not pay a second start. */
int gd_godot_locate(const char *cli_path, gd_godot_bin *out, char *err, size_t err_size);

/* This process's environment without GODOTD_URL and GODOTD_TOKEN: for a Godot the daemon runs
 * that is not a game under godotd (a test runner, a headless session), so the runtime autoload
 * stays inert in it. A malloc'ed NULL-terminated array of borrowed strings (free the array
 * only); NULL on ENOMEM. */
char **gd_godot_plain_env(void);

/* Directory holding this executable (readlink /proc/self/exe), into out; 0 or -1. */
int gd_self_dir(char *out, size_t out_size);

#endif
