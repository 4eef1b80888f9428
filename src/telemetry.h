/* telemetry: the daemon's account of itself for the people who operate it — Prometheus metrics
 * (GET /metrics) and the live event stream (GET /events), per project.
 *
 * Owns the metric families and their names (Prometheus conventions: godotd_ prefix, base units,
 * counters in _total, process_* as the client libraries name them), the event ring, the hooks
 * the daemon's parts call when something happens (a state change, an editor's exit, a
 * heartbeat answer, a command's completion, an HTTP response, an output entry), the bounded
 * classification of why an editor exited, and the gauges read at scrape time (editor state,
 * uptime, restarts, connections, MCP sessions, dropped log lines, RSS, CPU). Called by main
 * (wiring), ops, server and the supervisor's hooks; calls metrics, events, output, limit,
 * supervisor (read only), jansson, libuv.
 */
#ifndef GD_TELEMETRY_H
#define GD_TELEMETRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "metrics.h"
#include "output.h"
#include "supervisor.h"

#define GD_TELEMETRY_MAX_PROJECTS 64
#define GD_TELEMETRY_EVENTS 4096 /* events kept for Last-Event-ID resumes */

typedef struct gd_telemetry gd_telemetry;

typedef struct gd_telemetry_project {
  char name[128];
  gd_editor *editor;
  gd_output *output;
  gd_output_listener listener; /* its output entries become log events */
  gd_telemetry *t;
} gd_telemetry_project;

struct gd_telemetry {
  gd_metrics metrics;
  gd_events events;
  gd_metric *info, *up, *state, *restarts, *crashes, *exits, *ready, *uptime, *heartbeat,
      *commands, *duration, *http, *connections, *mcp_sessions, *bridge_sessions, *dropped,
      *limits, *rss, *cpu, *start_time, *fds;
  gd_telemetry_project projects[GD_TELEMETRY_MAX_PROJECTS];
  size_t nprojects;
  unsigned (*open_connections)(void *ud); /* the server's count, read at scrape time */
  unsigned (*open_mcp_sessions)(void *ud);
  void *counts_ud;
  int64_t started_unix_ms;
};

/* Prepares t (metric families and the event ring). 0, or -1 on ENOMEM. */
int gd_telemetry_init(gd_telemetry *t);
void gd_telemetry_free(gd_telemetry *t);

/* Registers a project (name copied; editor and output borrowed, may be NULL): its metrics carry
 * project="name", its output entries become log events. The project, or NULL when full. */
gd_telemetry_project *gd_telemetry_add_project(gd_telemetry *t, const char *name, gd_editor *editor,
                                               gd_output *output);
/* Forgets a removed project: its series go, its output is no longer followed. */
void gd_telemetry_remove_project(gd_telemetry *t, const gd_editor *editor);
/* The project's name for an editor, or "" when it is not registered. */
const char *gd_telemetry_project_of(const gd_telemetry *t, const gd_editor *editor);

/* An editor's state changed (a state event; a restart event on RESTARTING → STARTING; the
 * time to ready observed on → READY). */
void gd_telemetry_state(gd_telemetry *t, gd_editor *e, gd_state from, gd_state to);
/* An editor's process is gone: code/signal as reaped, reason as /status says it, crash when
 * nobody asked for it (not a stop, not a requested restart). An exit event; crashes counted by
 * kind (gd_telemetry_exit_kind). */
void gd_telemetry_exit(gd_telemetry *t, gd_editor *e, int pid, int code, int sig,
                       const char *reason, bool crash);
/* A heartbeat ping's round trip (seconds). */
void gd_telemetry_heartbeat(gd_telemetry *t, gd_editor *e, double rtt_s);
/* A command finished: outcome "ok" or its error code; total and editor (the bridge round trip;
 * < 0 when it never went to the editor or a game) in seconds. A command event. */
void gd_telemetry_command(gd_telemetry *t, const char *project, const char *command,
                          const char *code, double total_s, double editor_s);
/* An HTTP response went out (any route; WebSocket upgrades included). */
void gd_telemetry_http(gd_telemetry *t, const char *method, const char *path, int status);

/* The bounded kind of an exit, for metric labels: "hung" (heartbeat, liveness), "not_ready",
 * "import_deadline", "restart_requested", "display" (Xvfb), "start_failed", "signal",
 * "error_exit", "exit". Pure. */
const char *gd_telemetry_exit_kind(const char *reason, int code, int sig);
/* The route label of a path: the route's pattern ("/godot/{command}", "/projects/{name}/...")
 * for known routes, else "other" (unbounded paths must not make unbounded series). Pure. */
const char *gd_telemetry_route(const char *path);

/* The Prometheus text of every metric, the scrape-time gauges refreshed first. Malloc'ed;
 * NULL on ENOMEM. */
char *gd_telemetry_render(gd_telemetry *t);

#endif
