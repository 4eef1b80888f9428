/* mcp: the Model Context Protocol server — JSON-RPC messages in, responses and notifications
 * out — independent of the transport (Streamable HTTP in mcp_http.c; stdio goes through the
 * stdio proxy, src/mcp_stdio.c, which speaks to /mcp).
 *
 * Owns MCP sessions (protocol version negotiated by initialize, log level, tool selection, the
 * stream their unsolicited notifications go to), the tool list built from the registry plus the
 * lifecycle tools, tools/call (through ops; structuredContent + a text block; failures as
 * isError results with the registry's error code), progress notifications while a call runs,
 * cancellation, logging/setLevel + notifications/message, ping, list_changed, and the stateless
 * 2026-07-28 revision (server/discover, per-request _meta) next to the legacy 2025-* ones.
 * Resources and their subscriptions are mcp_resources.c's, prompts mcp_prompts.c's: the
 * dispatch here hands them their methods.
 * Spec: modelcontextprotocol.io/specification/2025-11-25 (basic, server/tools, utilities) and
 * /2026-07-28. Calls ops (commands, status), supervisor (lifecycle), ringlog (logs), registry,
 * jsonout, mcp_resources, mcp_prompts.
 */
#ifndef GD_MCP_H
#define GD_MCP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ops.h"
#include "output.h"

#define GD_MCP_LATEST "2025-11-25"
#define GD_MCP_STATELESS "2026-07-28"
/* Sessions kept at most; the least recently used one is dropped past it. */
#define GD_MCP_MAX_SESSIONS 64
/* Tools per tools/list page. */
#define GD_MCP_PAGE_SIZE 100
/* A progress notification is sent this often while a call with a progressToken runs. */
#define GD_MCP_PROGRESS_MS 1000

typedef struct gd_mcp gd_mcp;
typedef struct gd_mcp_session gd_mcp_session;
typedef struct gd_mcp_sink gd_mcp_sink;

/* Where one incoming message's outcome goes; owned by the transport, which must keep it valid
 * until finish. */
struct gd_mcp_sink {
  /* A notification about this request (progress, list_changed, a log message); msg stolen. */
  void (*notify)(gd_mcp_sink *s, json_t *msg);
  /* The response (stolen), or NULL when there is none (the message was a notification or a
   * response, or the request was cancelled). Always called, exactly once, maybe inline. */
  void (*finish)(gd_mcp_sink *s, json_t *response);
};

/* Where a session's unsolicited notifications go (the HTTP GET stream, the stdio proxy). */
typedef struct gd_mcp_stream {
  void (*send)(struct gd_mcp_stream *st, json_t *msg); /* msg stolen */
} gd_mcp_stream;

/* Tool exposure for a session, parsed from a spec like "core", "all", "grouped" or
 * "core,node,scene" (core = the registry's core commands; a category name adds all of its
 * commands; grouped = one tool per category taking {command, params}). "outputs" adds each
 * tool's full outputSchema (the result's shape, or the error object) for clients that validate
 * structuredContent; without it every outputSchema is {"type":"object"}, which every result and
 * error admits, because the shapes are half of the list's bytes and no agent reads them. */
typedef struct gd_mcp_toolsets {
  bool all, core, grouped, outputs;
  uint64_t categories; /* bit i = the registry's category i */
} gd_mcp_toolsets;

struct gd_mcp_session {
  gd_mcp_session *next;
  char id[33];              /* Mcp-Session-Id: 128 random bits in hex */
  char version[16];         /* negotiated protocol version */
  int log_level;            /* index in the syslog-style levels; messages below are not sent */
  bool initialized;         /* notifications/initialized received */
  gd_mcp_toolsets tools;
  gd_mcp_stream *stream;    /* NULL when none is open */
  uint64_t last_used_ms;
  struct gd__mcp_call *calls; /* in-flight tools/call requests (for cancellation) */
  /* resources/subscribe (mcp_resources.c): the fixed resources as GD_MCP_RES_* bits, the
   * ones of them whose update is due at the next resource_timer tick, and the res:// files. */
  unsigned subscribed, updated;
  struct gd_mcp_file_sub *file_subs;
};

struct gd_mcp {
  gd_ops *ops;
  gd_mcp_session *sessions;
  unsigned nsessions;
  gd_mcp_toolsets default_tools;
  struct gd__mcp_call *stateless_calls; /* in-flight calls without a session */
  gd_output_listener output_listener;   /* game lifecycle and error entries → log messages */
  gd_output *output;                    /* the stream behind the godot://output resource */
  uv_timer_t resource_timer;            /* coalesces resources/updated notifications */
  bool resource_timer_init;
  struct gd_mcp_read *reads;            /* resources/read requests waiting for the editor */
  /* The daemon's other projects, reached through every tool's optional "project" argument
   * (NULL: this endpoint has only its own). find_project gives a project's ops or NULL;
   * list_projects a new array of {name, state, default} for editor_status. When
   * advertise_project is set, tools/list shows the argument in each inputSchema. */
  gd_ops *(*find_project)(void *ud, const char *name);
  json_t *(*list_projects)(void *ud);
  void *projects_ud;
  bool advertise_project;
};

/* Sets up the server; default_toolsets as for gd_mcp_parse_toolsets (NULL = "core"). 0, or -1
 * with a message in err when the spec names an unknown toolset. */
int gd_mcp_init(gd_mcp *m, gd_ops *ops, const char *default_toolsets, char *err, size_t n);
/* Drops every session (their in-flight calls are forgotten). */
void gd_mcp_close(gd_mcp *m);
/* Parses a toolset spec (see gd_mcp_toolsets) against the registry's categories. 0 or -1. */
int gd_mcp_parse_toolsets(const gd_mcp *m, const char *spec, gd_mcp_toolsets *out, char *err,
                          size_t n);

/* Handles one JSON-RPC message (msg stolen) of session s (NULL: no session — initialize, or a
 * stateless 2026-07-28 request). The outcome goes to sink. created (may be NULL) receives the
 * session an initialize created. */
void gd_mcp_handle(gd_mcp *m, gd_mcp_session *s, json_t *msg, gd_mcp_sink *sink,
                   gd_mcp_session **created);
/* Forgets the in-flight request id (borrowed) of session s (NULL: stateless): its sink is
 * finished with no response (2026-07-28: a closed response stream cancels the request). */
void gd_mcp_cancel(gd_mcp *m, gd_mcp_session *s, json_t *id);
/* The session with this id, or NULL. Marks it used. */
gd_mcp_session *gd_mcp_session_find(gd_mcp *m, const char *id);
/* Ends a session: in-flight calls are forgotten, its stream is detached (not freed). */
void gd_mcp_session_end(gd_mcp *m, gd_mcp_session *s);
/* Attaches (or with NULL detaches) the stream of a session's unsolicited notifications. */
void gd_mcp_session_stream(gd_mcp_session *s, gd_mcp_stream *st);
/* Tells every session's stream that the editor changed state (notifications/message, info). */
void gd_mcp_editor_state(gd_mcp *m, const char *from, const char *to);

/* Subscribed resources (mcp_resources.h) get notifications/resources/updated at most every
 * GD_MCP_RESOURCE_UPDATE_MS while changes arrive (spec 2025-11-25 server/resources). */
#define GD_MCP_RESOURCE_UPDATE_MS 250
/* Sends the output stream's game start/exit/crash entries, games' warnings and errors, and the
 * editor's errors to every session as notifications/message (logger "godotd", data
 * {"event": "game_started"|"game_exited"|"game_crashed"|"output", "entry": {...}}; level info,
 * warning or error from the entry's severity, filtered by each session's logging/setLevel). */
void gd_mcp_watch_output(gd_mcp *m, gd_output *out);

/* Whether v is a protocol version this server speaks with initialize. */
bool gd_mcp_version_supported(const char *v);

/* A JSON-RPC error response (new reference). id borrowed (NULL → null). */
json_t *gd_mcp_error(json_t *id, int code, const char *message);
/* The same with a printf-style message (at most 511 bytes kept). */
json_t *gd_mcp_errorf(json_t *id, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A JSON-RPC result response (new reference): id borrowed, result stolen; stateless adds the
 * 2026-07-28 fields (resultType, _meta serverInfo). */
json_t *gd_mcp_result(json_t *id, json_t *result, bool stateless);

#endif
