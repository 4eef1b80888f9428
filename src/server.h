/* server: the one listening port — TCP connections, HTTP/1.1 framing, the WebSocket upgrade.
 *
 * Owns the listener, every client connection and its buffers, keep-alive and in-order
 * pipelining (one request handled at a time per connection, the rest queued, reading paused
 * when the queue is full), request size limits, idle timeouts, the Host/Origin checks that stop
 * DNS rebinding and cross-site requests on every route, the bearer token when one is required
 * (every route but /health, the /bridge upgrade included), the upgrade of `GET /bridge` into a
 * WebSocket link handed to the bridge (and of `GET /game` into one handed to the games hub), and streamed (chunked, e.g. Server-Sent Events) replies
 * with a bound on what a client leaves unread. HTTP requests go to the router; replies come back
 * through gd_reply_*. Calls: http, ws, auth, bridge (links), router (requests), errors, log,
 * jsonout, libuv.
 */
#ifndef GD_SERVER_H
#define GD_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "auth.h"
#include "bridge.h"
#include "game.h"
#include "http.h"

/* Limits, with the reason each has its value. */
#define GD_SERVER_MAX_CONNECTIONS 1024    /* agents + CI + the addon: a few; 1024 bounds a flood
                                             * (the fd limit is raised to fit: gd_server_listen) */
/* A flood of idle or slow connections must not lock real clients out (docs: README "Limits"):
 * at the cap the connection that has done nothing for longest (idle, or still sending its
 * headers) is closed to make room; a connection with a request in flight, a stream or a
 * WebSocket is never closed for room. */
#define GD_SERVER_HEADER_TIMEOUT_MS 5000  /* a request's line + headers, from its first byte:
                                           * loopback clients send them in one write */
#define GD_SERVER_BODY_STALL_MS 10000     /* a body that stops arriving for this long */
#define GD_SERVER_IDLE_SHORT_MS 5000      /* keep-alive of an idle connection near the cap */
#define GD_SERVER_NEAR_CAP (GD_SERVER_MAX_CONNECTIONS * 3 / 4)
#define GD_SERVER_LINGER_MS 2000          /* draining a refused upload after its answer */
#define GD_SERVER_LINGER_MAX_BYTES (64u << 20) /* ... at most this much of it */
#define GD_SERVER_LISTEN_BACKLOG 511      /* a burst of connects waits in the kernel, not in SYN
                                           * retries (1 s each) */
#define GD_SERVER_MAX_HEADER_BYTES 16384  /* like common proxies' 16 KiB request-header cap */
#define GD_SERVER_MAX_PIPELINE 64         /* queued requests per connection before reads pause */
#define GD_SERVER_MAX_QUEUED 4096         /* hard cap: above what one 64 KiB read can carry */
#define GD_SERVER_IDLE_TIMEOUT_MS 120000  /* an idle HTTP keep-alive connection is closed */

#define GD_SERVER_MAX_WS_MESSAGE (64u << 20) /* a scene tree or screenshot fits; a runaway doesn't */

typedef struct gd_router gd_router;
typedef struct gd_conn gd_conn;

typedef struct gd_server {
  uv_loop_t *loop;
  uv_tcp_t tcp;
  char host[64];
  int port;
  size_t max_body_bytes;
  gd_router *router;
  gd_bridge *bridge;
  gd_games *games;      /* where /game links go (games' runtime agents); NULL: not served */
  gd_conn *conns;
  unsigned nconns;
  unsigned max_conns;   /* GD_SERVER_MAX_CONNECTIONS, or less when the fd limit is lower */
  bool closing;
  bool loopback;        /* bound to a loopback address (gd_auth_loopback_address) */
  char token[GD_AUTH_TOKEN_MAX + 1]; /* "" → none required; see gd_server_require_token */
  char **allow_hosts;   /* extra Host names (gd_server_allow_host) */
  size_t n_allow_hosts;
  /* Other projects' links and tokens (gd_server_add_scope). */
  struct gd_server_scope *scopes;
  size_t nscopes;
  /* Told of every response's status as it goes out (metrics); may be NULL. */
  void (*on_response)(void *ud, const gd_http_request *req, int status);
  void *on_response_ud;
} gd_server;

/* Binds host:port (port 0 picks a free one; s->port holds the real one after) and listens.
 * 0 or a negative libuv error. */
int gd_server_listen(gd_server *s, uv_loop_t *loop, const char *host, int port,
                     size_t max_body_bytes, gd_router *router, gd_bridge *bridge);
/* Stops listening and closes every connection (WebSocket links with 1001). */
void gd_server_close(gd_server *s);

/* From now on every request but `/health` and `/livez` (any method; they tell readiness and
 * liveness and nothing else, for an orchestrator's probes) must carry `Authorization: Bearer <token>`: WebSocket upgrades of /bridge
 * included. Others get 401 `unauthorized` with `WWW-Authenticate: Bearer realm="godotd"`.
 * token is copied; NULL or "" requires none. Call after gd_server_listen, before the loop runs.
 * 0, or -EINVAL (longer than GD_AUTH_TOKEN_MAX). */
int gd_server_require_token(gd_server *s, const char *token);
/* Also accepts name in Host (and Origin) headers: "NAME" matches NAME on this server's port,
 * "NAME:PORT" matches exactly (e.g. behind a proxy); case-insensitive. Loopback names
 * (127.0.0.1, localhost, [::1]) on our port are always accepted, and when bound off loopback,
 * any IP literal on our port too (DNS rebinding needs a DNS name); other names only through
 * this. 0 or -ENOMEM; freed by gd_server_close. */
int gd_server_allow_host(gd_server *s, const char *name);

/* A project of its own under prefix ("/projects/<name>"): WebSocket upgrades of prefix/bridge
 * go to bridge and of prefix/game to games, and when a token is required, token (copied) is
 * accepted for requests under prefix (the default token, gd_server_require_token, is accepted
 * everywhere). 0, or -ENOMEM / -EINVAL (a token too long). */
int gd_server_add_scope(gd_server *s, const char *prefix, gd_bridge *bridge, gd_games *games,
                        const char *token);
/* Forgets prefix's scope (its links are the caller's to close). */
void gd_server_remove_scope(gd_server *s, const char *prefix);

/* One HTTP request being answered. Owned by the server; valid until it is finished by one call
 * of gd_reply_json, gd_reply_error or gd_reply_stream_end, which must happen exactly once (even
 * when the client has gone: then it only frees). */
typedef struct gd_reply {
  gd_conn *conn;             /* NULL once the client has gone */
  gd_http_request *req;
  uint64_t started_ns;       /* uv_hrtime() when the request was dispatched */
  bool streaming;            /* gd_reply_stream_start was called */
  bool chunked;              /* the stream is chunked (HTTP/1.1); else raw until close (1.0) */
  bool stream_keep_alive;    /* the stream's head said keep-alive */
  void (*gone_cb)(void *ud); /* see gd_reply_on_gone */
  void *gone_ud;
} gd_reply;

/* Answers with status and body (stolen; NULL → no body). extra_headers: "Name: v\r\n"... or NULL.
 * On a streamed reply (gd_reply_stream_start was called) it drops body and acts as
 * gd_reply_stream_end. */
void gd_reply_json(gd_reply *r, int status, json_t *body, const char *extra_headers);
/* Answers with status and len bytes of body (copied) of content_type, e.g. image/png. */
void gd_reply_bytes(gd_reply *r, int status, const char *content_type, const void *body,
                    size_t len, const char *extra_headers);
/* Answers {"error":{"code","message"}} with the code's status (errors.h). */
void gd_reply_error(gd_reply *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Unsent bytes of a streamed reply above which the client is deemed stuck and dropped: a client
 * that does not read must not grow the daemon's memory (8 MiB: minutes of events for a reader
 * that is merely slow). */
#define GD_SERVER_MAX_STREAM_BACKLOG (8u << 20)

/* Starts a streamed response (e.g. Server-Sent Events): the status line and headers — the
 * usual safety headers, "Content-Type: content_type", extra_headers ("Name: v\r\n"... or NULL)
 * and "Transfer-Encoding: chunked" (an HTTP/1.0 client gets the raw body, ended by closing the
 * connection). Body bytes follow with gd_reply_stream_write. The connection's idle timeout does
 * not apply while the stream is open. r stays valid until gd_reply_stream_end, which must then
 * be called exactly once instead of gd_reply_json. 0, or -1 when the client has gone (the owner
 * still calls gd_reply_stream_end, which then only frees). */
int gd_reply_stream_start(gd_reply *r, int status, const char *content_type,
                          const char *extra_headers);
/* Writes len bytes (copied) as one chunk; len 0 writes nothing. Writes go out in order. 0, or
 * -1 when the client has gone, when the stream was not started, or when more than
 * GD_SERVER_MAX_STREAM_BACKLOG bytes would be waiting unread (then the connection is closed).
 * A -1 is final: later writes fail too; finish with gd_reply_stream_end. */
int gd_reply_stream_write(gd_reply *r, const char *data, size_t len);
/* Ends the stream (the last chunk) and finishes the reply like gd_reply_json: keep-alive and the
 * next pipelined request go on. After the client has gone it only frees. Frees r. Called without
 * gd_reply_stream_start on a live client, it answers 500 `internal` instead. */
void gd_reply_stream_end(gd_reply *r);
/* Registers cb(ud) (replacing any earlier one; NULL cb removes it), run at most once when the
 * client's connection closes while r is unanswered or streaming — read EOF or error, a failed
 * write, the daemon closing — so the owner of a long-lived stream or a pending call can drop
 * it. Not run for a close that one of r's own gd_reply_stream_* calls reports with -1 (the
 * owner learns from that), and never after r is finished. r->conn is NULL when cb runs; the
 * owner must still finish r exactly once (gd_reply_json / gd_reply_error / gd_reply_stream_end,
 * which then only free), in cb or later. */
void gd_reply_on_gone(gd_reply *r, void (*cb)(void *ud), void *ud);

#endif
