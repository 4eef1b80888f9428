/* project: one Godot project under the daemon — its editor (supervisor), output stream, games,
 * command path (ops), MCP endpoint and HTTP routes, each its own, so one project's crash, hang or
 * restart never touches another's requests (README "Several projects").
 *
 * Owns the per-project parts and their wiring to each other, the project's name (from the
 * config, else the folder's name: [A-Za-z0-9._-], unique in the daemon), its instance lock and
 * daemon.json, its token, and the project list's spec: `--project` flags and `--config FILE`
 * (JSON: {"projects": [{"path", "name"?, "display"?, "autostart"?, "token_file"?, and the serve
 * timeouts by their option names with _ for -}]}). The daemon-wide parts (server, telemetry,
 * registry) are the caller's: main wires them. Calls supervisor, output, game, ops, mcp, router,
 * instance, auth, jansson, libuv.
 */
#ifndef GD_PROJECT_H
#define GD_PROJECT_H

#include <jansson.h>
#include <stdbool.h>

#include "game.h"
#include "mcp.h"
#include "ops.h"
#include "output.h"
#include "router.h"
#include "supervisor.h"

#define GD_PROJECT_NAME_MAX 64
#define GD_PROJECTS_MAX 64 /* per daemon, removed ones included (their memory is kept) */

typedef struct gd_project {
  char name[GD_PROJECT_NAME_MAX];
  gd_editor editor;
  gd_output output;
  gd_games games;
  gd_ops ops;
  gd_mcp mcp;
  gd_router router;
  int lock_fd;
  bool autostart;
  bool is_default;       /* the daemon's first project: its routes answer without the prefix */
  bool removed;          /* DELETE /projects/<name>: stopped, unrouted, kept in memory */
  char route_prefix[GD_PROJECT_NAME_MAX + 16]; /* "/projects/<name>" */
  void *owner;           /* the daemon */
} gd_project;

/* One project as the command line or config names it; cfg holds the serve defaults already. */
typedef struct gd_project_spec {
  char name[GD_PROJECT_NAME_MAX]; /* "" → the folder's name */
  char path[PATH_MAX];
  char token_file[PATH_MAX];      /* "" → <project>/.godot/godotd/token */
  gd_editor_config cfg;           /* project, display, timeouts (bridge_url/token filled later) */
  bool autostart;
} gd_project_spec;

/* Whether name is a usable project name: 1 to GD_PROJECT_NAME_MAX-1 of [A-Za-z0-9._-], not "."
 * or "..". */
bool gd_project_name_ok(const char *name);
/* The spec's name: its own, else the project folder's name with other characters as '-'. */
void gd_project_default_name(const char *path, char *out, size_t n);

/* Applies one project object of a config file (or a POST /projects body) onto spec, whose cfg
 * holds the defaults: path (required), name, display ("headless" | "xvfb" | "current"),
 * autostart, token_file, log_file, and the timeouts (ready_timeout_ms, heartbeat_ms,
 * heartbeat_timeout_ms, import_deadline_ms, stop_timeout_ms, crash_max, crash_window_ms,
 * backoff_base_ms, backoff_max_ms). 0, or -1 with the reason in err (unknown key, wrong type,
 * no path). Pure. */
int gd_project_spec_from_json(json_t *obj, gd_project_spec *spec, char *err, size_t n);

/* Opens p: checks the project (realpath, project.godot), takes its instance lock, reads or
 * makes its token, sets up its editor (its addon dials ws_base + "/bridge" for the default
 * project, ws_base + "/projects/<name>/bridge" for the others; the default one also keeps the
 * daemon's own log lines), output, games, ops, MCP (toolsets: as --toolsets) and router. registry is shared. 0, or -1 with the reason in err
 * (3 in *exit_code for a project another daemon serves, 2 otherwise). No process yet. */
int gd_project_open(gd_project *p, uv_loop_t *loop, const gd_project_spec *spec,
                    const gd_registry *reg, const char *toolsets, const char *ws_base,
                    bool is_default, char *err, size_t n, int *exit_code);
/* Writes daemon.json (port) and adopts or starts the editor (autostart). */
void gd_project_run(gd_project *p, int port);
/* Closes p's handles, sessions and games (the editor must be stopped); releases its lock and
 * daemon.json. p stays allocated. */
void gd_project_close(gd_project *p);

#endif
