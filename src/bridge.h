/* bridge: the daemon's side of the addon session (docs/protocol.md), for one editor.
 *
 * Owns the WebSocket links the server hands over from `/bridge`, the hello/welcome handshake,
 * the one active session, request ids, in-flight requests with their timeouts, and event
 * dispatch, and the liveness link: a second link the addon opens from a thread of its own, whose
 * beats keep coming while the editor's main thread is busy (an import), so the owner can tell
 * busy from hung. It never touches sockets itself: a link carries send/close functions from the
 * server. Asks its owner (the supervisor) whether to accept a hello, and tells it when a session
 * starts, ends, or sends an event. Calls jansson, libuv timers, log, errors, jsonout.
 */
#ifndef GD_BRIDGE_H
#define GD_BRIDGE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define GD_BRIDGE_PROTOCOL 1

typedef struct gd_bridge gd_bridge;

/* One WebSocket connection on /bridge. The server owns it and fills ctx/send/close; the
 * bridge keeps its own fields below. */
typedef struct gd_bridge_link {
  void *ctx;
  int (*send)(void *ctx, const char *text, size_t len);      /* 0 or <0 (link is gone) */
  void (*close)(void *ctx, uint16_t code, const char *reason);
  gd_bridge *bridge;
  bool liveness;               /* welcomed as the liveness channel (not the session) */
  struct gd_bridge_link *next; /* in the bridge's list of open links */
} gd_bridge_link;

/* The addon's hello (docs/protocol.md "Handshake"). */
typedef struct gd_bridge_hello {
  char session[65];
  char addon_version[33];
  char godot_version[129];
  char project_path[PATH_MAX];
  char readiness[17];
  char edited_scene[1024];
  char channel[16];  /* "" for the editor's session, "liveness", or "game" */
  int protocol;
  int editor_pid;
  int pid;           /* a game's own pid (channel "game"); 0 otherwise */
  json_t *raw;              /* the whole hello, borrowed: valid during accept and on_session only */
  size_t max_message_bytes; /* the addon's inbound message limit (GD_BRIDGE_DEFAULT_MAX_MESSAGE
                             * when its hello does not say) */
} gd_bridge_hello;

/* What an addon that does not state max_message_bytes takes: the 1 MiB inbound buffer of
 * addons before the field existed (an adopted editor may run one). */
#define GD_BRIDGE_DEFAULT_MAX_MESSAGE ((size_t)1 << 20)

/* Timing of one request: monotonic ns from uv_hrtime, and the addon's own handling time. */
typedef struct gd_bridge_timing {
  uint64_t sent_ns, replied_ns;
  int64_t handle_us; /* -1 when the addon did not say */
} gd_bridge_timing;

/* The outcome of a request. On success err_code is NULL and result is the addon's result
 * (borrowed for the call). On failure err_code is a GD_E_* code and err_message says why. */
typedef void (*gd_bridge_reply_cb)(void *ud, const char *err_code, const char *err_message,
                                   json_t *result, const gd_bridge_timing *t);

typedef struct gd_bridge_owner {
  void *ud;
  /* A hello arrived. Return 0 to make it the session (replacing any other), or -1 with a
   * reason in err to reject it. */
  int (*accept)(void *ud, const gd_bridge_hello *h, char *err, size_t err_size);
  void (*on_session)(void *ud, const gd_bridge_hello *h); /* welcome sent */
  void (*on_session_lost)(void *ud);                      /* the session's link closed */
  void (*on_event)(void *ud, const char *event, json_t *data); /* data borrowed */
  /* A beat on the liveness link (docs/protocol.md "Liveness"): {"type":"beat","seq","frames",
   * "main_idle_ms","busy":null|{"kind","files","first","for_ms"}}, borrowed. May be NULL. */
  void (*on_beat)(void *ud, json_t *beat);
  /* The liveness link closed (the addon's thread stopped, or the process is gone). May be NULL. */
  void (*on_liveness_lost)(void *ud);
  /* Any link of this bridge closed, welcomed or not, after the callbacks above; the bridge is
   * not touched after it returns (a game's bridge may be torn down from here). May be NULL. */
  void (*on_link_closed)(void *ud);
} gd_bridge_owner;

typedef struct gd_bridge_pending gd_bridge_pending;

struct gd_bridge {
  uv_loop_t *loop;
  gd_bridge_owner owner;
  gd_bridge_link *links;    /* every open link, session or not */
  gd_bridge_link *session;  /* the accepted one, or NULL */
  gd_bridge_hello hello;    /* valid while session != NULL */
  gd_bridge_link *liveness; /* the welcomed liveness link, or NULL */
  uint64_t liveness_ms;     /* beat interval asked of the addon in the liveness welcome */
  gd_bridge_pending *pending;
  uint64_t next_id;
  uint64_t sessions_started;
  size_t pending_bytes;     /* bytes of requests sent and not yet answered */
  size_t refused_bytes;     /* size of the last request gd_bridge_call refused (for messages) */
  json_t *welcome_extra;    /* owned; fields added to the session's welcome (a game's id), or NULL */
};

/* gd_bridge_call's refusals, besides -1 (no session). The callback is not called for either. */
#define GD_BRIDGE_TOO_LARGE (-2) /* over the addon's max_message_bytes: never sendable */
#define GD_BRIDGE_FULL (-3)      /* with the requests in flight it would overflow the addon's
                                  * inbound buffer now: retry later */

void gd_bridge_init(gd_bridge *b, uv_loop_t *loop, const gd_bridge_owner *owner);
/* Fails every pending request (editor_unavailable) and closes every link. */
void gd_bridge_close(gd_bridge *b);

/* Server side: a link opened, got a text message, or closed (after which it is not touched). */
void gd_bridge_link_open(gd_bridge *b, gd_bridge_link *link);
void gd_bridge_link_text(gd_bridge_link *link, const char *text, size_t len);
void gd_bridge_link_closed(gd_bridge_link *link);

bool gd_bridge_has_session(const gd_bridge *b);
/* Whether a liveness link is welcomed (the addon beats from its own thread). */
bool gd_bridge_has_liveness(const gd_bridge *b);
/* Updates the remembered readiness / edited scene (events keep hello's copy current). */
void gd_bridge_note(gd_bridge *b, const char *readiness, const char *edited_scene);

/* Sends {"type":"request","id","command","params"} on the session. params is borrowed (NULL
 * means {}). cb runs exactly once, later (never from inside this call): with the response, with
 * GD_E_TIMEOUT after timeout_ms, or with GD_E_EDITOR_UNAVAILABLE when the session ends first.
 * Returns 0, or -1 when there is no session, GD_BRIDGE_TOO_LARGE when the serialized request is
 * over the addon's stated max_message_bytes, GD_BRIDGE_FULL when it fits alone but not beside
 * the requests still unanswered (b->refused_bytes then holds its size): cb is not called. A
 * message over the addon's limit would make it close the connection (WebSocket 1009), failing
 * every client's calls, so it is refused here, before sending (docs/protocol.md). */
int gd_bridge_call(gd_bridge *b, const char *command, json_t *params, uint64_t timeout_ms,
                   gd_bridge_reply_cb cb, void *ud);

/* A copy of JSON text (len bytes) with what Godot's JSON.stringify writes inside strings but JSON
 * forbids made valid: raw control characters become \u00XX, and the escapes \v, \a, \0 become
 * \u000b, \u0007, \u0000 (RFC 8259 §7). NUL-terminated, length in *out_len; the caller frees
 * it. NULL when out of memory. Valid JSON comes out unchanged. */
char *gd_bridge_json_repair(const char *text, size_t len, size_t *out_len);

/* Drops the session as if its link closed: fails in-flight requests and closes the link, and
 * closes the liveness link too.
 * Used when the editor is killed. */
void gd_bridge_drop_session(gd_bridge *b, const char *reason);

#endif
