/* server: the one listening port — TCP connections, HTTP/1.1 framing, the WebSocket upgrade.
 *
 * Owns the listener, every client connection and its buffers, keep-alive and in-order
 * pipelining (one request handled at a time per connection, the rest queued, reading paused
 * when the queue is full), request size limits, idle timeouts, the Host/Origin checks that stop
 * DNS rebinding and cross-site requests on every route, and the upgrade of `GET /bridge` into a
 * WebSocket link handed to the bridge. HTTP requests go to the router; replies come back through
 * gd_reply_*. Calls: http, ws, bridge (links), router (requests), errors, log, libuv.
 */
#ifndef GD_SERVER_H
#define GD_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "bridge.h"
#include "http.h"

/* Limits, with the reason each has its value. */
#define GD_SERVER_MAX_CONNECTIONS 256     /* agents + CI + the addon: a few; 256 bounds a flood */
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
  gd_conn *conns;
  unsigned nconns;
  bool closing;
} gd_server;

/* Binds host:port (port 0 picks a free one; s->port holds the real one after) and listens.
 * 0 or a negative libuv error. */
int gd_server_listen(gd_server *s, uv_loop_t *loop, const char *host, int port,
                     size_t max_body_bytes, gd_router *router, gd_bridge *bridge);
/* Stops listening and closes every connection (WebSocket links with 1001). */
void gd_server_close(gd_server *s);

/* One HTTP request being answered. Owned by the server; valid until one gd_reply_* call, which
 * must happen exactly once (even when the client has gone: then it only frees). */
typedef struct gd_reply {
  gd_conn *conn;             /* NULL once the client has gone */
  gd_http_request *req;
  uint64_t started_ns;       /* uv_hrtime() when the request was dispatched */
} gd_reply;

/* Answers with status and body (stolen; NULL → no body). extra_headers: "Name: v\r\n"... or NULL. */
void gd_reply_json(gd_reply *r, int status, json_t *body, const char *extra_headers);
/* Answers {"error":{"code","message"}} with the code's status (errors.h). */
void gd_reply_error(gd_reply *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
