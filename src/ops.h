/* ops: the operations every front end offers — running a registry command in the editor and
 * the daemon's status — independent of HTTP or MCP framing.
 *
 * Owns a command's way to the editor: param validation against the registry, waiting for the
 * readiness the command needs (starting a stopped editor), the bridge call with the command's
 * timeout, and the count of commands served; a game command's way to the game it names (the
 * newest running one by default); a daemon command's way to runtime.c. Front ends (router for
 * HTTP, mcp for MCP) call it; it calls registry, supervisor (waits), bridge, game and runtime,
 * never sockets.
 */
#ifndef GD_OPS_H
#define GD_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "bridge.h"
#include "game.h"
#include "output.h"
#include "registry.h"
#include "supervisor.h"

typedef struct gd_ops {
  gd_editor *editor;
  gd_games *games;          /* the running games (NULL: none served) */
  gd_output *output;        /* the output stream of the editor and the games */
  const gd_registry *registry;
  int port;
  uint64_t started_ms;      /* uv_now at daemon start */
  uint64_t wait_ready_ms;   /* how long a command waits for a (re)starting editor */
  uint64_t commands_served;
  struct gd_telemetry *telemetry; /* told of each command's outcome; may be NULL */
  const char *project_name;       /* the project label of its metrics and events */
} gd_ops;

/* Outcome of a command: code NULL and result (borrowed; incref to keep) on success, else a
 * GD_E_* code and message. t is NULL when the command never reached the editor. */
typedef void (*gd_ops_cb)(void *ud, const char *code, const char *msg, json_t *result,
                          const gd_bridge_timing *t);

typedef struct gd_ops_call gd_ops_call;

/* Runs cmd with params (stolen): validates them, waits up to wait_ms for the editor to be able
 * to take it (starting a stopped editor), then sends it with the command's timeout. cb runs
 * exactly once — inline (before this returns) when the params are invalid or the wait fails at
 * once, and then NULL is returned; otherwise later, and the call is returned so it can be
 * cancelled. */
gd_ops_call *gd_ops_run(gd_ops *ops, const gd_command *cmd, json_t *params, uint64_t wait_ms,
                        gd_ops_cb cb, void *ud);
/* Sends cmd (its schema, timeout and needs) as the request `command` (stolen params, not
 * validated again) to target: the editor (waiting up to wait_ms for it, as gd_ops_run) or the
 * game named by params' "game" (0/absent: the newest). For daemon commands that hand a part of
 * their work on (take_screenshot, run_and_capture). Same callback rules as gd_ops_run. */
gd_ops_call *gd_ops_forward(gd_ops *ops, const gd_command *cmd, const char *command,
                            json_t *params, gd_runs target, uint64_t wait_ms, gd_ops_cb cb,
                            void *ud);
/* A daemon command's completion (runtime.c): runs the caller's callback once (result borrowed). */
void gd_ops_done(gd_ops_call *c, const char *code, const char *msg, json_t *result);
/* What a daemon command runs when its caller cancels (stop waiting early); cb is not called
 * afterwards, but gd_ops_done must still be called once to free the call. */
void gd_ops_on_cancel(gd_ops_call *c, void (*hook)(void *ud), void *ud);
/* A daemon command's own account of what it is doing (e.g. the test runner's output so far),
 * used for MCP progress notifications instead of the generic one while the call runs. */
void gd_ops_on_progress(gd_ops_call *c, void (*describe)(const void *ud, char *buf, size_t n),
                        const void *ud);
/* Writes the call's own progress text into buf (n bytes): true, or false when it has none. */
bool gd_ops_call_progress(const gd_ops_call *c, char *buf, size_t n);
gd_ops *gd_ops_call_ops(const gd_ops_call *c);
const gd_command *gd_ops_call_command(const gd_ops_call *c);
/* The call's params (borrowed, validated against the command's schema). */
json_t *gd_ops_call_params(const gd_ops_call *c);
/* Counts a daemon command as having reached its target (gd_ops_call_sent). */
void gd_ops_mark_sent(gd_ops_call *c);
/* Forgets the caller: cb will not run. The editor may still execute the command (a request on
 * the wire cannot be taken back); its answer is dropped. */
void gd_ops_cancel(gd_ops_call *c);
/* Whether the command has been sent to the editor (false while waiting for readiness). */
bool gd_ops_call_sent(const gd_ops_call *c);

/* The /status body: the supervisor's view plus the daemon's (version, pid, port, uptime,
 * commands served, limits hit, addon sessions started) and session.max_message_bytes (the
 * largest request the addon takes). New reference. */
json_t *gd_ops_status(const gd_ops *ops);

#endif
