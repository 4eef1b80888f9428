/* limit: process-wide counters of every limit the daemon enforces, and the one way to report a
 * hit (a warning log line with the reason, and the counter).
 *
 * A limit fails only the client or request that broke it (the Redis rule: close or refuse that
 * one, log why, count it); this module is where the counting and logging happen, so /status (and
 * /metrics later) show how often each limit bit. Owns a fixed array of counters, one per entry of
 * GD_LIMITS; no allocation, no locks (the daemon is single-threaded). Calls log, jansson.
 */
#ifndef GD_LIMIT_H
#define GD_LIMIT_H

#include <jansson.h>
#include <stdint.h>

/* X(enum suffix, name in /status, what a hit means). Add a limit here and nowhere else. */
#define GD_LIMITS(X)                                                                               \
  X(BODY_TOO_LARGE, "body_too_large", "an HTTP request body over --max-body-bytes (413)")         \
  X(HEADERS_TOO_LARGE, "headers_too_large", "request headers over the header cap (431)")          \
  X(HEADER_TIMEOUT, "header_timeout", "request headers not complete within the header deadline")  \
  X(IDLE_CLOSED, "idle_closed", "an idle connection closed early: the server is near its cap")    \
  X(BODY_STALLED, "body_stalled", "a request body that stopped arriving (no byte for 10 s)")       \
  X(IDLE_EVICTED, "idle_evicted", "an idle connection closed to make room at the connection cap") \
  X(CONNECTION_REFUSED, "connections_refused", "a connection refused at the cap, none idle")      \
  X(PIPELINE_FULL, "pipeline_full", "a connection queued too many requests")                      \
  X(STREAM_BACKLOG, "stream_backlog", "a streamed reply's client stopped reading")                \
  X(ADDON_MESSAGE_TOO_LARGE, "addon_message_too_large",                                            \
    "a request over the addon's inbound message limit, refused with 413 before sending")          \
  X(ADDON_BUFFER_FULL, "addon_buffer_full",                                                        \
    "a request that would overflow the addon's inbound buffer beside those in flight (503)")      \
  X(EDITOR_HUNG, "editor_hung", "the editor killed for not answering (heartbeat or liveness)")    \
  X(IMPORT_DEADLINE, "import_deadline", "the editor killed for an import over --import-deadline-ms")

typedef enum {
#define GD__LIMIT_ENUM(id, name, what) GD_LIMIT_##id,
  GD_LIMITS(GD__LIMIT_ENUM)
#undef GD__LIMIT_ENUM
  GD_LIMIT_COUNT
} gd_limit;

/* Counts one hit of `which` and logs a warning "limit <name>: <reason>" (printf-style). At most
 * one log line per limit per second is written, with the number of hits folded into it, so a
 * flood of hits cannot flood the log; the counter always counts. */
void gd_limit_hit(gd_limit which, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hits of `which` since the daemon started. */
uint64_t gd_limit_count(gd_limit which);
/* The name in /status ("body_too_large"...), or "unknown". */
const char *gd_limit_name(gd_limit which);
/* New reference to {"<name>": count, ...} for every limit (zeros included). */
json_t *gd_limits_json(void);
/* Zeroes every counter (unit tests). */
void gd_limits_reset(void);

#endif
