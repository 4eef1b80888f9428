/* session: a headless Godot driven by newline-delimited JSON-RPC 2.0 over its stdin and stdout,
 * without an editor (docs/session.md) — the library behind `godotd session`.
 *
 * Owns one child `godot --headless --path PROJECT --script res://addons/godotd/session/session.gd`
 * in a process group of its own: the request ids (1, 2, ... per session) and the match of each
 * response to its request, the banner (the first request; kept for describe), the diagnostic
 * record every other stdout line and every stderr line becomes (rpcline.h), the heartbeat
 * (a probe when stdout has been quiet for half the interval, a record when it stayed quiet for
 * the whole of it), the end (requests in flight fail with session_ended and the exit status),
 * and the stop (a quit request, then SIGTERM, then SIGKILL to the group). Also answers
 * describe and run_tests (testrun.h: in a Godot process of its own) itself, and checks the
 * params of the registry's game commands before they are sent. Single-threaded on the caller's
 * libuv loop; the caller ignores SIGPIPE. Calls rpcline, lines, registry, testrun, install,
 * godot, log, jansson, libuv.
 */
#ifndef GD_SESSION_H
#define GD_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "registry.h"

/* The session script, shipped with the addon (addons/godotd/session/session.gd). */
#define GD_SESSION_SCRIPT "res://addons/godotd/session/session.gd"
/* The wire's version, in the banner (docs/session.md). */
#define GD_SESSION_PROTOCOL 1
/* Longest stdout line taken whole: the addon's largest message (connection.gd) plus room. */
#define GD_SESSION_LINE_MAX ((size_t)68 << 20)
#define GD_SESSION_QUIT_GRACE_MS 5000 /* quit request → SIGTERM */
#define GD_SESSION_TERM_GRACE_MS 2000 /* SIGTERM → SIGKILL */

typedef struct gd_session gd_session;

typedef struct gd_session_opts {
  const char *godot;               /* the Godot binary */
  const char *project;             /* the project folder (holds project.godot) */
  const char *addon_dir;           /* copied into the project first (install.h); NULL: not */
  const char *const *extra_args;   /* more Godot arguments, NULL-terminated; may be NULL */
  uint64_t heartbeat_ms;           /* 0: no heartbeat */
  uint64_t quit_grace_ms;          /* 0: GD_SESSION_QUIT_GRACE_MS */
  const gd_registry *registry;     /* params of its commands are checked; may be NULL */
} gd_session_opts;

/* Each call's JSON is borrowed (valid during the call). */
typedef struct gd_session_cbs {
  /* A diagnostic record {ts, severity, stream: stdout|stderr|heartbeat, text}. */
  void (*diagnostic)(void *ud, json_t *record);
  /* The banner's result {protocol, engine{...}, pid, headless, renderer, methods, ...}. */
  void (*banner)(void *ud, json_t *banner);
  /* A notification the session script sent ({method, params}). May be NULL. */
  void (*notification)(void *ud, const char *method, json_t *params);
  /* The child is gone and every request has had its answer: {exit_code (null when killed),
   * signal (null or its number), signal_name, by ("exit" | "quit" | "sigterm" | "sigkill"),
   * uptime_ms}. The last call; the session frees itself after it returns. */
  void (*exited)(void *ud, json_t *status);
} gd_session_cbs;

/* A request's outcome: code NULL and result, or a GD_E_* code (errors.h; session_ended when the
 * child died or was stopped first), message and data (extra fields for the error object, e.g.
 * {exit_code, signal}; may be NULL). result/data borrowed. */
typedef void (*gd_session_reply_cb)(void *ud, const char *code, const char *message,
                                    json_t *result_or_data);

/* Starts the child (the addon copied first when addon_dir is set) and sends the banner request.
 * opts is copied. NULL with the reason in err (err_size bytes) when the project or the binary
 * is unusable or the spawn failed; no callback has run then. */
gd_session *gd_session_start(uv_loop_t *loop, const gd_session_opts *opts,
                             const gd_session_cbs *cbs, void *ud, char *err, size_t err_size);

/* Sends {method, params} (params borrowed, an object or NULL). describe and run_tests are
 * answered here; quit stops the session (graceful first) and answers with the exit status.
 * cb runs exactly once, maybe inline (bad params, unknown session state, session ended).
 * Returns the request's id on the wire, or 0 when it was answered inline or locally. */
int64_t gd_session_request(gd_session *s, const char *method, json_t *params,
                           gd_session_reply_cb cb, void *ud);

/* Stops the child: a quit request, SIGTERM to its group after quit_grace_ms, SIGKILL after
 * GD_SESSION_TERM_GRACE_MS more. cbs.exited follows. Nothing when already stopping. */
void gd_session_stop(gd_session *s);

/* Imports the project's assets the way the editor would (`godot --headless --path project
 * --import`), before a session whose project was never opened by an editor: without it a fresh
 * checkout's textures and other imported resources do not load ("No loader found"). Blocks until
 * Godot exits (the caller has no loop running yet); each output line (stdout and stderr merged)
 * goes to line (may be NULL). The exit code, or -1 when it could not run or was killed. */
int gd_session_import(const char *godot, const char *project,
                      void (*line)(void *ud, const char *text), void *ud);
/* Whether project was never imported (no .godot/imported/): what --import auto goes by. */
bool gd_session_needs_import(const char *project);

/* {command (argv array), pid, project, started_unix_ms, uptime_ms, state ("starting" |
 * "running" | "stopping" | "exited"), banner (null until it came), heartbeat {interval_ms,
 * probe, quiet_ms, records}, in_flight, requests, diagnostics}. New reference. */
json_t *gd_session_describe(const gd_session *s);

#endif
