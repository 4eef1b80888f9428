#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "errors.h"
#include "jsonout.h"
#include "limit.h"
#include "log.h"
#include "router.h"
#include "ws.h"

struct gd_conn {
  uv_tcp_t tcp;
  gd_bridge *link_bridge;  /* where an upgrade of this connection goes (its project's) */
  gd_games *link_games;
  uv_timer_t idle;  /* the connection's one deadline: headers, a stalled body, or idleness */
  uint64_t last_ms;      /* uv_now of the last byte read or reply finished */
  uint64_t req_begin_ms; /* uv_now when the request being read began */
  gd_server *srv;
  gd_conn *prev, *next;
  gd_http_parser parser;
  gd_http_request **queue; /* FIFO of parsed requests: queue[qhead .. qhead+qlen) */
  unsigned qcap, qhead, qlen;
  gd_reply *active;
  bool reading;
  bool closing;
  bool close_after_write;
  bool discard;     /* an error answered a request mid-body: what else arrives is dropped */
  bool lingering;   /* its answer is written and the write side shut: draining, then close */
  size_t discarded; /* bytes dropped while discarding */
  uv_shutdown_t shutdown;
  bool upgrading;   /* an upgrade request is queued: later bytes belong to the WebSocket */
  char *early;      /* bytes that arrived after the upgrade request, before the switch */
  size_t early_len;
  gd_ws *ws;
  gd_bridge_link link;
  unsigned writes;  /* uv_write requests in flight */
  int handles;      /* tcp + idle timer still open */
};

typedef struct {
  uv_write_t req;
  gd_conn *conn;
  char *buf;
} gd_write;

static void gd__conn_close(gd_conn *c);
static void gd__next_request(gd_conn *c);
static void gd__server_resume(gd_conn *c);
static void gd__arm(gd_conn *c);
static void gd__linger(gd_conn *c);

/* ---- writing ------------------------------------------------------------------------------ */

static void gd__write_done(uv_write_t *w, int status) {
  gd_write *wr = (gd_write *)w;
  gd_conn *c = wr->conn;
  free(wr->buf);
  free(wr);
  c->writes--;
  if (status < 0) {
    gd__conn_close(c);
    return;
  }
  if (c->close_after_write && c->writes == 0) {
    if (c->discard && !c->lingering) gd__linger(c);
    else if (!c->lingering) gd__conn_close(c);
  }
}

/* Queues len bytes (buf is taken: malloc'ed). 0 or -1 (connection closing). */
static int gd__write(gd_conn *c, char *buf, size_t len) {
  if (c->closing) {
    free(buf);
    return -1;
  }
  gd_write *wr = malloc(sizeof *wr);
  if (!wr) {
    free(buf);
    return -1;
  }
  wr->conn = c;
  wr->buf = buf;
  uv_buf_t b = uv_buf_init(buf, (unsigned)len);
  if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, gd__write_done) != 0) {
    free(buf);
    free(wr);
    gd__conn_close(c);
    return -1;
  }
  c->writes++;
  return 0;
}

/* ---- replies ------------------------------------------------------------------------------ */

static void gd__send_response(gd_conn *c, int status, const char *type, const char *body,
                              size_t body_len, const char *extra, bool keep_alive) {
  size_t len;
  char *out = gd_http_response_build(status, body ? type : NULL, extra, body, body_len,
                                     keep_alive, &len);
  if (!out) {
    gd__conn_close(c);
    return;
  }
  if (!keep_alive) c->close_after_write = true;
  gd__write(c, out, len);
}

/* Sends a whole response (body NULL: none) and frees r. */
static void gd__reply_body(gd_reply *r, int status, const char *type, const char *body,
                           size_t len, const char *extra_headers) {
  gd_conn *c = r->conn;
  r->gone_cb = NULL;
  if (c && c->srv->on_response) c->srv->on_response(c->srv->on_response_ud, r->req, status);
  if (c) {
    c->active = NULL; /* from here a close of c cannot reach r */
    bool keep = r->req->keep_alive && !c->srv->closing;
    gd__send_response(c, status, type, body, len, extra_headers, keep);
  }
  gd_http_request_free(r->req);
  free(r);
  if (c && !c->closing && !c->close_after_write) gd__next_request(c);
}

void gd_reply_bytes(gd_reply *r, int status, const char *content_type, const void *body,
                    size_t len, const char *extra_headers) {
  if (r->streaming) {
    gd_reply_stream_end(r);
    return;
  }
  gd__reply_body(r, status, content_type, body, len, extra_headers);
}

void gd_reply_json(gd_reply *r, int status, json_t *body, const char *extra_headers) {
  if (r->streaming) {
    json_decref(body);
    gd_reply_stream_end(r);
    return;
  }
  char *text = body && r->conn ? gd_json_dumps_out(body, JSON_COMPACT) : NULL;
  json_decref(body);
  gd__reply_body(r, status, "application/json", text, text ? strlen(text) : 0, extra_headers);
  free(text);
}

void gd_reply_on_gone(gd_reply *r, void (*cb)(void *ud), void *ud) {
  r->gone_cb = cb;
  r->gone_ud = ud;
}

/* Closes r's connection for a failure one of r's own calls reports (so r's gone callback does
 * not run: the caller learns from its -1). */
static void gd__stream_drop(gd_reply *r) {
  if (!r->conn) return;
  r->gone_cb = NULL;
  gd__conn_close(r->conn); /* sets r->conn = NULL */
}

/* Queues buf (taken, len bytes) on r's connection. 0, or -1 with the connection closed. */
static int gd__stream_send(gd_reply *r, char *buf, size_t len) {
  if (!buf) {
    gd__stream_drop(r);
    return -1;
  }
  if (!r->conn) {
    free(buf);
    return -1;
  }
  void (*cb)(void *) = r->gone_cb;
  r->gone_cb = NULL; /* a close inside gd__write is reported by the -1 */
  int rc = gd__write(r->conn, buf, len);
  if (rc != 0) gd__stream_drop(r); /* a lost piece would corrupt the stream's framing */
  if (r->conn) r->gone_cb = cb;
  return rc;
}

int gd_reply_stream_start(gd_reply *r, int status, const char *content_type,
                          const char *extra_headers) {
  gd_conn *c = r->conn;
  if (r->streaming) return -1;
  r->streaming = true;
  if (!c) return -1;
  if (c->srv->on_response) c->srv->on_response(c->srv->on_response_ud, r->req, status);
  const gd_http_request *q = r->req;
  r->chunked = q->http_major > 1 || (q->http_major == 1 && q->http_minor >= 1);
  r->stream_keep_alive = r->chunked && q->keep_alive && !c->srv->closing;
  size_t len = 0;
  char *head = gd_http_stream_head_build(status, content_type, extra_headers, r->chunked,
                                         r->stream_keep_alive, &len);
  return gd__stream_send(r, head, len);
}

int gd_reply_stream_write(gd_reply *r, const char *data, size_t len) {
  gd_conn *c = r->conn;
  if (!c || !r->streaming) return -1;
  if (len == 0) return 0; /* an empty chunk would end the body */
  size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
  if (queued + len > GD_SERVER_MAX_STREAM_BACKLOG) {
    gd_limit_hit(GD_LIMIT_STREAM_BACKLOG,
                 "a streaming client does not read (%zu bytes unsent), closing it", queued);
    gd__stream_drop(r);
    return -1;
  }
  size_t n = len;
  char *out = r->chunked ? gd_http_chunk_build(data, len, &n) : malloc(len);
  if (out && !r->chunked) memcpy(out, data, len);
  return gd__stream_send(r, out, n);
}

void gd_reply_stream_end(gd_reply *r) {
  gd_conn *c = r->conn;
  if (c && !r->streaming) {
    gd_reply_error(r, GD_E_INTERNAL, "the stream ended before it started");
    return;
  }
  r->gone_cb = NULL;
  if (c) {
    c->active = NULL; /* from here a close of c cannot reach r */
    if (r->chunked) {
      size_t n = 0;
      char *last = gd_http_chunk_build(NULL, 0, &n);
      if (!last || gd__write(c, last, n) != 0) gd__conn_close(c);
    }
    if (!c->closing) {
      if (!r->stream_keep_alive || c->srv->closing) {
        c->close_after_write = true;
        if (c->writes == 0) gd__conn_close(c);
      }
    }
  }
  gd_http_request_free(r->req);
  free(r);
  if (c && !c->closing && !c->close_after_write) {
    c->last_ms = uv_now(c->srv->loop);
    gd__next_request(c);
    gd__arm(c);
  }
}

void gd_reply_error(gd_reply *r, const char *code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  gd_reply_json(r, gd_error_http_status(code), gd_error_json(code, "%s", msg), NULL);
}

/* An error found before a request reached the router: answer and close. */
static void gd__fail_conn(gd_conn *c, const char *code, const char *msg, const char *extra) {
  json_t *body = gd_error_json(code, "%s", msg);
  char *text = body ? gd_json_dumps_out(body, JSON_COMPACT) : NULL;
  json_decref(body);
  /* Reading goes on, dropping what comes: a client still uploading the body we refused would
   * otherwise get a reset (unread data at close) that can destroy our answer in its kernel
   * before it reads it (RFC 9112 §9.6: close in stages). */
  c->discard = true;
  gd__send_response(c, gd_error_http_status(code), "application/json", text, text ? strlen(text) : 0, extra, false);
  free(text);
}

static void gd__shutdown_done(uv_shutdown_t *req, int status) {
  (void)req;
  (void)status;
}

static void gd__linger_due(uv_timer_t *t) { gd__conn_close(t->data); }

/* The answer to a refused request is written: shut our write side (the client sees the end of
 * the answer) and keep draining what it still sends, for at most GD_SERVER_LINGER_MS or
 * GD_SERVER_LINGER_MAX_BYTES, then close. */
static void gd__linger(gd_conn *c) {
  c->lingering = true;
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, gd__shutdown_done) != 0) {
    gd__conn_close(c);
    return;
  }
  uv_timer_start(&c->idle, gd__linger_due, GD_SERVER_LINGER_MS, 0);
  if (!c->reading) gd__server_resume(c);
}

/* ---- origin / host checks ----------------------------------------------------------------- */

/* Whether a[0..len) is the port number port. */
static bool gd__port_is(const char *a, size_t len, int port) {
  if (len == 0 || len > 5) return false;
  int p = 0;
  for (size_t i = 0; i < len; i++) {
    if (a[i] < '0' || a[i] > '9') return false;
    p = p * 10 + (a[i] - '0');
  }
  return p == port;
}

/* host[:port] (len bytes) names name on port: a missing port means 80 (RFC 9110 §4.2.1), so a
 * bare name is another local web server's pages, not ours, unless we are on 80. */
static bool gd__authority_is(const char *a, size_t len, const char *name, int port) {
  size_t nl = strlen(name);
  if (len < nl || strncasecmp(a, name, nl) != 0) return false;
  if (len == nl) return port == 80;
  return a[nl] == ':' && gd__port_is(a + nl + 1, len - nl - 1, port);
}

/* host[:port] is an IP address literal (a.b.c.d or [v6]) on port. */
static bool gd__ip_authority(const char *a, size_t len, int port) {
  char host[64];
  size_t hl;
  const char *rest;
  if (len > 0 && a[0] == '[') {
    const char *close = memchr(a, ']', len);
    if (!close) return false;
    hl = (size_t)(close - a - 1);
    if (hl >= sizeof host) return false;
    memcpy(host, a + 1, hl);
    rest = close + 1;
  } else {
    const char *colon = memchr(a, ':', len);
    hl = colon ? (size_t)(colon - a) : len;
    if (hl >= sizeof host) return false;
    memcpy(host, a, hl);
    rest = a + hl;
  }
  host[hl] = '\0';
  size_t left = len - (size_t)(rest - a);
  bool port_ok = left == 0 ? port == 80 : rest[0] == ':' && gd__port_is(rest + 1, left - 1, port);
  unsigned char bin[16];
  return port_ok && (inet_pton(AF_INET, host, bin) == 1 || (a[0] == '[' && inet_pton(AF_INET6, host, bin) == 1));
}

/* host[:port] names this server: a loopback name on our port; when bound off loopback any IP
 * literal on our port; or a name given with gd_server_allow_host. */
static bool gd__our_authority(const gd_server *s, const char *a, size_t len) {
  static const char *names[] = {"127.0.0.1", "localhost", "[::1]"};
  for (size_t i = 0; i < 3; i++)
    if (gd__authority_is(a, len, names[i], s->port)) return true;
  if (!s->loopback && gd__ip_authority(a, len, s->port)) return true;
  for (size_t i = 0; i < s->n_allow_hosts; i++) {
    const char *h = s->allow_hosts[i];
    if (strchr(h, ':') && h[0] != '[' ? strlen(h) == len && strncasecmp(a, h, len) == 0
                                      : gd__authority_is(a, len, h, s->port))
      return true;
  }
  return false;
}

/* Returns NULL when allowed, else why not. Browsers send Origin on cross-site requests and
 * WebSockets; a rebinding attack shows in Host. The addon and CLI clients send neither. */
static const char *gd__check_origin(const gd_server *s, const gd_http_request *req) {
  if (req->host && !gd__our_authority(s, req->host, strlen(req->host)))
    return "Host is not this server (DNS rebinding protection; see --allow-host)";
  if (req->origin) {
    const char *o = req->origin;
    /* Only http: this server speaks no TLS, so an https origin is another server's page. */
    const char *auth = strncmp(o, "http://", 7) == 0 ? o + 7 : NULL;
    if (!auth || !gd__our_authority(s, auth, strlen(auth)))
      return "cross-origin requests are not allowed";
  }
  return NULL;
}

typedef struct gd_server_scope {
  char prefix[96];
  gd_bridge *bridge;
  gd_games *games;
  char token[GD_AUTH_TOKEN_MAX + 1];
} gd_server_scope;

int gd_server_add_scope(gd_server *s, const char *prefix, gd_bridge *bridge, gd_games *games,
                        const char *token) {
  if (strlen(prefix) >= sizeof s->scopes[0].prefix || (token && strlen(token) > GD_AUTH_TOKEN_MAX))
    return -EINVAL;
  gd_server_scope *grown = realloc(s->scopes, (s->nscopes + 1) * sizeof *grown);
  if (!grown) return -ENOMEM;
  s->scopes = grown;
  gd_server_scope *sc = &s->scopes[s->nscopes++];
  memset(sc, 0, sizeof *sc);
  snprintf(sc->prefix, sizeof sc->prefix, "%s", prefix);
  snprintf(sc->token, sizeof sc->token, "%s", token ? token : "");
  sc->bridge = bridge;
  sc->games = games;
  return 0;
}

void gd_server_remove_scope(gd_server *s, const char *prefix) {
  for (size_t i = 0; i < s->nscopes; i++)
    if (strcmp(s->scopes[i].prefix, prefix) == 0) {
      memmove(&s->scopes[i], &s->scopes[i + 1], (s->nscopes - i - 1) * sizeof s->scopes[0]);
      s->nscopes--;
      return;
    }
}

/* The scope whose prefix path is under ("<prefix>" or "<prefix>/..."), and the rest in *rest. */
static const gd_server_scope *gd__scope_of(const gd_server *s, const char *path, const char **rest) {
  for (size_t i = 0; i < s->nscopes; i++) {
    size_t n = strlen(s->scopes[i].prefix);
    if (strncmp(path, s->scopes[i].prefix, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
      if (rest) *rest = path + n;
      return &s->scopes[i];
    }
  }
  return NULL;
}

/* Whether req may pass the token check: none required, the probes (/health, /livez: they tell
 * readiness and liveness and nothing else, and an orchestrator's probe carries no secret), the
 * dashboard's static files (GET / from a browser, and /dashboard/...: no data in them; the page
 * asks for the token and sends it with every request it makes), or the right bearer token. */
static bool gd__authorized(const gd_server *s, const gd_http_request *req) {
  const char *p = req->path;
  if (!s->token[0] || strcmp(p, "/health") == 0 || strcmp(p, "/livez") == 0) return true;
  bool page = strcmp(p, "/") == 0 && req->accept && strstr(req->accept, "text/html");
  if (strcmp(req->method, "GET") == 0 && (page || strncmp(p, "/dashboard/", 11) == 0)) return true;
  /* A project's own token opens that project's routes (and its addon's and games' links). */
  const gd_server_scope *sc = gd__scope_of(s, p, NULL);
  if (sc && sc->token[0] && gd_auth_bearer_ok(req->authorization, sc->token)) return true;
  return gd_auth_bearer_ok(req->authorization, s->token);
}

#define GD__WWW_AUTHENTICATE "WWW-Authenticate: Bearer realm=\"godotd\"\r\n"

/* ---- WebSocket ---------------------------------------------------------------------------- */

static int gd__ws_write(void *ud, const uint8_t *data, size_t len) {
  gd_conn *c = ud;
  char *copy = malloc(len);
  if (!copy) return -1;
  memcpy(copy, data, len);
  return gd__write(c, copy, len);
}

static void gd__ws_text(void *ud, const char *msg, size_t len) {
  gd_conn *c = ud;
  gd_bridge_link_text(&c->link, msg, len);
}

static void gd__ws_on_close(void *ud, uint16_t code) {
  gd_conn *c = ud;
  gd_debug("server: WebSocket closed by peer (%u)", code);
  c->close_after_write = true;
  if (c->writes == 0) gd__conn_close(c);
}

static int gd__link_send(void *ctx, const char *text, size_t len) {
  gd_conn *c = ctx;
  if (c->closing || !c->ws) return -1;
  return gd_ws_send_text(c->ws, text, len);
}

static void gd__link_close(void *ctx, uint16_t code, const char *reason) {
  gd_conn *c = ctx;
  if (c->closing || !c->ws) return;
  gd_ws_close(c->ws, code, reason);
  c->close_after_write = true;
  if (c->writes == 0) gd__conn_close(c);
}

static void gd__upgrade(gd_conn *c, gd_http_request *req, bool game) {
  char accept[29];
  if (gd_ws_accept_key(req->sec_websocket_key, accept) != 0) {
    gd__fail_conn(c, GD_E_INVALID_PARAMS, "bad Sec-WebSocket-Key", NULL);
    gd_http_request_free(req);
    return;
  }
  char *resp = malloc(256);
  if (!resp) {
    gd_http_request_free(req);
    gd__conn_close(c);
    return;
  }
  int n = snprintf(resp, 256,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                   accept);
  gd_http_request_free(req);
  gd_ws_callbacks cb = {.on_text = gd__ws_text, .on_close = gd__ws_on_close, .write = gd__ws_write};
  c->ws = gd_ws_new(true, &cb, c, GD_SERVER_MAX_WS_MESSAGE);
  if (!c->ws || gd__write(c, resp, (size_t)n) != 0) {
    gd__conn_close(c);
    return;
  }
  uv_timer_stop(&c->idle); /* the bridge's heartbeat watches this link instead (gd__arm too) */
  c->link.ctx = c;
  c->link.send = gd__link_send;
  c->link.close = gd__link_close;
  if (game) gd_games_link_open(c->link_games, &c->link);
  else gd_bridge_link_open(c->link_bridge, &c->link);
  if (c->early_len) {
    char *early = c->early;
    size_t len = c->early_len;
    c->early = NULL;
    c->early_len = 0;
    if (gd_ws_feed(c->ws, (const uint8_t *)early, len) < 0) gd__conn_close(c);
    free(early);
  }
}

/* ---- requests ----------------------------------------------------------------------------- */

static void gd__next_request(gd_conn *c) {
  while (!c->active && c->qlen && !c->closing && !c->close_after_write) {
    gd_http_request *req = c->queue[c->qhead++];
    if (--c->qlen == 0) c->qhead = 0;
    const char *why = gd__check_origin(c->srv, req);
    if (why) {
      gd_warn("server: %s %s refused: %s (Host %s, Origin %s)", req->method, req->path, why,
              req->host ? req->host : "-", req->origin ? req->origin : "-");
      gd__fail_conn(c, GD_E_FORBIDDEN, why, NULL);
      gd_http_request_free(req);
      return;
    }
    bool authorized = gd__authorized(c->srv, req);
    if (!authorized) {
      gd_warn("server: %s %s refused: %s bearer token", req->method, req->path,
              req->authorization ? "wrong" : "no");
      if (req->upgrade_websocket) { /* the rest of the bytes would be WebSocket frames */
        gd__fail_conn(c, GD_E_UNAUTHORIZED, "a bearer token is required (Authorization: Bearer)",
                      GD__WWW_AUTHENTICATE);
        gd_http_request_free(req);
        return;
      }
    }
    if (req->upgrade_websocket) {
      const char *rest = req->path;
      const gd_server_scope *sc = gd__scope_of(c->srv, req->path, &rest);
      gd_games *games = sc ? sc->games : c->srv->games;
      bool game = strcmp(rest, "/game") == 0 && games;
      c->link_bridge = sc ? sc->bridge : c->srv->bridge;
      c->link_games = games;
      if (strcmp(rest, "/bridge") != 0 && !game) {
        gd__fail_conn(c, GD_E_NOT_FOUND,
                      "WebSocket upgrades are served on /bridge (the editor) and /game (games), "
                      "and on /projects/<name>/bridge and /game, only",
                      NULL);
        gd_http_request_free(req);
        return;
      }
      gd__upgrade(c, req, game);
      return;
    }
    gd_reply *r = calloc(1, sizeof *r);
    if (!r) {
      gd_http_request_free(req);
      gd__conn_close(c);
      return;
    }
    r->conn = c;
    r->req = req;
    r->started_ns = uv_hrtime();
    c->active = r;
    if (!authorized) {
      gd_reply_json(r, 401,
                    gd_error_json(GD_E_UNAUTHORIZED, "%s",
                                  req->authorization
                                      ? "wrong bearer token"
                                      : "a bearer token is required: Authorization: Bearer "
                                        "<token> (godotd token --project PATH prints it)"),
                    GD__WWW_AUTHENTICATE);
      continue;
    }
    gd_router_handle(c->srv->router, r);
  }
  if (!c->reading && !c->closing && !c->upgrading && !c->ws && c->qlen < GD_SERVER_MAX_PIPELINE / 2 &&
      !c->close_after_write) {
    gd__server_resume(c);
  }
}

static void gd__on_request(void *ud, gd_http_request *req) {
  gd_conn *c = ud;
  if (c->closing || c->close_after_write) {
    /* The rest of a pipelined buffer after an error or a close: nobody will answer it. */
    gd_http_request_free(req);
    return;
  }
  /* Reads pause at GD_SERVER_MAX_PIPELINE queued, but one read may carry many more; the
   * queue grows for those, up to a cap no honest client reaches. */
  if (c->qhead + c->qlen == c->qcap) {
    if (c->qhead > 0) {
      memmove(c->queue, c->queue + c->qhead, c->qlen * sizeof *c->queue);
      c->qhead = 0;
    } else {
      unsigned ncap = c->qcap ? c->qcap * 2 : 16;
      gd_http_request **nq = ncap <= GD_SERVER_MAX_QUEUED ? realloc(c->queue, ncap * sizeof *nq) : NULL;
      if (!nq) {
        gd_http_request_free(req);
        gd_limit_hit(GD_LIMIT_PIPELINE_FULL,
                     "over %d pipelined requests on one connection, closing it",
                     GD_SERVER_MAX_QUEUED);
        gd__conn_close(c);
        return;
      }
      c->queue = nq;
      c->qcap = ncap;
    }
  }
  if (req->upgrade_websocket) c->upgrading = true;
  c->queue[c->qhead + c->qlen++] = req;
}

/* curl and others wait about a second for this before sending a body over 1 KiB. */
static void gd__on_continue(void *ud) {
  gd_conn *c = ud;
  static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
  char *copy = malloc(sizeof msg - 1);
  if (!copy) return;
  memcpy(copy, msg, sizeof msg - 1);
  gd__write(c, copy, sizeof msg - 1);
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char slab[65536]; /* one read at a time on this single-threaded loop */
  *buf = uv_buf_init(slab, sizeof slab);
}

static void gd__on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd_conn *c = s->data;
  if (n < 0) {
    gd__conn_close(c);
    return;
  }
  if (n == 0) return;
  if (c->discard) {
    c->discarded += (size_t)n;
    if (c->discarded > GD_SERVER_LINGER_MAX_BYTES) gd__conn_close(c);
    return;
  }
  if (c->ws) {
    if (gd_ws_feed(c->ws, (const uint8_t *)buf->base, (size_t)n) < 0) gd__conn_close(c);
    return;
  }
  if (c->upgrading) {
    char *grown = c->early_len + (size_t)n <= GD_SERVER_MAX_WS_MESSAGE
                      ? realloc(c->early, c->early_len + (size_t)n)
                      : NULL;
    if (!grown) {
      gd__conn_close(c);
      return;
    }
    c->early = grown;
    memcpy(c->early + c->early_len, buf->base, (size_t)n);
    c->early_len += (size_t)n;
    return;
  }
  c->last_ms = uv_now(c->srv->loop);
  if (!c->parser.req) c->req_begin_ms = c->last_ms; /* these bytes begin a request */
  ssize_t used = gd_http_parser_feed(&c->parser, buf->base, (size_t)n);
  if (used < 0) {
    if (used == GD_HTTP_ERR_BODY_TOO_LARGE) {
      gd_limit_hit(GD_LIMIT_BODY_TOO_LARGE, "a request body over --max-body-bytes (%zu bytes)",
                   c->srv->max_body_bytes);
      char why[128];
      snprintf(why, sizeof why, "request body over the limit of %zu bytes (--max-body-bytes)",
               c->srv->max_body_bytes);
      gd__fail_conn(c, GD_E_PAYLOAD_TOO_LARGE, why, NULL);
    } else if (used == GD_HTTP_ERR_HEADERS_TOO_LARGE) {
      gd_limit_hit(GD_LIMIT_HEADERS_TOO_LARGE, "request headers over %d bytes",
                   GD_SERVER_MAX_HEADER_BYTES);
      gd__fail_conn(c, GD_E_HEADERS_TOO_LARGE, "request headers over 16 KiB", NULL);
    } else
      gd__fail_conn(c, GD_E_BAD_REQUEST, "malformed HTTP request", NULL);
    return;
  }
  if (c->upgrading && (size_t)used < (size_t)n) {
    c->early_len = (size_t)n - (size_t)used;
    c->early = malloc(c->early_len);
    if (c->early) memcpy(c->early, buf->base + used, c->early_len);
  }
  if (c->qlen >= GD_SERVER_MAX_PIPELINE && !c->upgrading) {
    uv_read_stop(s);
    c->reading = false;
  }
  gd__next_request(c);
  if (!c->closing) gd__arm(c);
}

static void gd__server_resume(gd_conn *c) {
  if (uv_read_start((uv_stream_t *)&c->tcp, gd__alloc, gd__on_read) == 0) c->reading = true;
}

/* ---- connection lifecycle ----------------------------------------------------------------- */

static void gd__conn_freed(uv_handle_t *h) {
  gd_conn *c = h->data;
  if (--c->handles > 0) return;
  gd_http_parser_free(&c->parser);
  free(c->queue);
  free(c->early);
  free(c);
}

static void gd__conn_close(gd_conn *c) {
  if (c->closing) return;
  c->closing = true;
  if (c->ws) {
    gd_bridge_link_closed(&c->link);
    gd_ws_free(c->ws);
    c->ws = NULL;
  }
  if (c->active) {
    gd_reply *a = c->active;
    a->conn = NULL; /* the router answers later; the reply then only frees */
    c->active = NULL;
    void (*cb)(void *) = a->gone_cb;
    a->gone_cb = NULL;
    if (cb) cb(a->gone_ud); /* may finish (and free) a */
  }
  while (c->qlen) {
    gd_http_request_free(c->queue[c->qhead++]);
    c->qlen--;
  }
  c->qhead = 0;
  gd_server *s = c->srv;
  if (c->prev) c->prev->next = c->next;
  else s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  s->nconns--;
  uv_close((uv_handle_t *)&c->idle, gd__conn_freed);
  uv_close((uv_handle_t *)&c->tcp, gd__conn_freed);
}

/* What a connection is waiting for, and so which deadline applies. */
typedef enum {
  GD__WAIT_NONE,    /* a request in flight, a stream or a WebSocket: no deadline here */
  GD__WAIT_HEADERS, /* a request began and its headers are not complete */
  GD__WAIT_BODY,    /* its body is arriving */
  GD__WAIT_IDLE,    /* nothing: between requests, or never sent a byte */
} gd__wait;

static gd__wait gd__waiting_for(const gd_conn *c) {
  if (c->closing || c->ws || c->upgrading || c->active || c->qlen || c->close_after_write)
    return GD__WAIT_NONE;
  if (c->parser.req) return c->parser.in_body ? GD__WAIT_BODY : GD__WAIT_HEADERS;
  return GD__WAIT_IDLE;
}

static bool gd__near_cap(const gd_server *s) {
  return s->nconns > (s->max_conns ? s->max_conns : GD_SERVER_MAX_CONNECTIONS) * 3 / 4;
}

/* When the connection's deadline falls (uv_now ms), or 0 for none. */
static uint64_t gd__deadline(const gd_conn *c, gd__wait w) {
  switch (w) {
  case GD__WAIT_HEADERS: return c->req_begin_ms + GD_SERVER_HEADER_TIMEOUT_MS;
  case GD__WAIT_BODY: return c->last_ms + GD_SERVER_BODY_STALL_MS;
  case GD__WAIT_IDLE:
    return c->last_ms + (gd__near_cap(c->srv) ? GD_SERVER_IDLE_SHORT_MS : GD_SERVER_IDLE_TIMEOUT_MS);
  default: return 0;
  }
}

static void gd__deadline_due(uv_timer_t *t) {
  gd_conn *c = t->data;
  gd__wait w = gd__waiting_for(c);
  uint64_t due = gd__deadline(c, w), now = uv_now(c->srv->loop);
  if (!due) return;
  if (now < due) { /* the deadline moved meanwhile (a shorter idle near the cap moves back) */
    uv_timer_start(&c->idle, gd__deadline_due, due - now, 0);
    return;
  }
  if (w == GD__WAIT_HEADERS)
    gd_limit_hit(GD_LIMIT_HEADER_TIMEOUT, "request headers not complete within %d ms, closing",
                 GD_SERVER_HEADER_TIMEOUT_MS);
  else if (w == GD__WAIT_BODY)
    gd_limit_hit(GD_LIMIT_BODY_STALLED, "no byte of a request body for %d ms, closing",
                 GD_SERVER_BODY_STALL_MS);
  else if (now - c->last_ms < GD_SERVER_IDLE_TIMEOUT_MS)
    gd_limit_hit(GD_LIMIT_IDLE_CLOSED, "idle for %d ms with %u connections open, closing",
                 GD_SERVER_IDLE_SHORT_MS, c->srv->nconns);
  gd__conn_close(c);
}

/* (Re)starts the connection's one timer for the deadline that applies now. Cheap: called after
 * every read and every finished reply. */
static void gd__arm(gd_conn *c) {
  if (c->closing) return;
  uint64_t due = gd__deadline(c, gd__waiting_for(c)), now = uv_now(c->srv->loop);
  if (!due) {
    uv_timer_stop(&c->idle);
    return;
  }
  uv_timer_start(&c->idle, gd__deadline_due, due > now ? due - now : 0, 0);
}

/* At the cap: the connection that has done nothing for longest, idle or still sending its
 * headers (a slow client), or NULL when every other one is busy. */
static gd_conn *gd__eviction_victim(gd_server *s, const gd_conn *except) {
  gd_conn *victim = NULL;
  uint64_t oldest = UINT64_MAX;
  for (gd_conn *v = s->conns; v; v = v->next) {
    if (v == except) continue;
    gd__wait w = gd__waiting_for(v);
    uint64_t since = w == GD__WAIT_IDLE ? v->last_ms : w == GD__WAIT_HEADERS ? v->req_begin_ms : UINT64_MAX;
    if (since < oldest) {
      oldest = since;
      victim = v;
    }
  }
  return victim;
}

static void gd__on_connection(uv_stream_t *server, int status) {
  gd_server *s = server->data;
  if (status < 0) return;
  gd_conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->srv = s;
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->idle);
  c->tcp.data = c->idle.data = c;
  c->handles = 2;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
    gd__conn_close(c);
    return;
  }
  c->last_ms = c->req_begin_ms = uv_now(s->loop);
  if (s->nconns > s->max_conns) {
    gd_conn *victim = gd__eviction_victim(s, c);
    if (!victim) {
      gd_limit_hit(GD_LIMIT_CONNECTION_REFUSED,
                   "%u connections open, all busy: refusing a new one", s->max_conns);
      gd__conn_close(c);
      return;
    }
    gd_limit_hit(GD_LIMIT_IDLE_EVICTED,
                 "%u connections open: closing one %s for %llu ms to make room", s->max_conns,
                 gd__waiting_for(victim) == GD__WAIT_IDLE ? "idle" : "still sending its headers",
                 (unsigned long long)(c->last_ms - (gd__waiting_for(victim) == GD__WAIT_IDLE
                                                         ? victim->last_ms
                                                         : victim->req_begin_ms)));
    gd__conn_close(victim);
  }
  uv_tcp_nodelay(&c->tcp, 1);
  if (gd_http_parser_init(&c->parser, GD_SERVER_MAX_HEADER_BYTES, s->max_body_bytes,
                          gd__on_request, c) != 0) {
    gd__conn_close(c);
    return;
  }
  gd_http_parser_on_continue(&c->parser, gd__on_continue);
  gd__arm(c);
  gd__server_resume(c);
}

int gd_server_listen(gd_server *s, uv_loop_t *loop, const char *host, int port,
                     size_t max_body_bytes, gd_router *router, gd_bridge *bridge) {
  memset(s, 0, sizeof *s);
  s->loop = loop;
  s->router = router;
  s->bridge = bridge;
  s->max_body_bytes = max_body_bytes;
  snprintf(s->host, sizeof s->host, "%s", host);
  s->loopback = gd_auth_loopback_address(host);
  struct sockaddr_storage addr;
  int rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&addr);
  if (rc != 0) rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr);
  if (rc != 0) return rc;
  uv_tcp_init(loop, &s->tcp);
  s->tcp.data = s;
  /* Every connection is a descriptor: raise the soft limit as far as the hard one allows, and
   * keep the cap under what is left after the editor's pipes and the files the daemon opens. */
  struct rlimit rl;
  s->max_conns = GD_SERVER_MAX_CONNECTIONS;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)GD_SERVER_MAX_CONNECTIONS + 64) {
      s->max_conns = rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
      gd_warn("server: the open-file limit is %llu: at most %u connections",
              (unsigned long long)rl.rlim_cur, s->max_conns);
    }
  }
  rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->tcp, GD_SERVER_LISTEN_BACKLOG, gd__on_connection);
  if (rc != 0) {
    uv_close((uv_handle_t *)&s->tcp, NULL);
    return rc;
  }
  struct sockaddr_storage bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&bound, &len);
  s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
  return 0;
}

int gd_server_require_token(gd_server *s, const char *token) {
  if (token && strlen(token) > GD_AUTH_TOKEN_MAX) return -EINVAL;
  snprintf(s->token, sizeof s->token, "%s", token ? token : "");
  return 0;
}

int gd_server_allow_host(gd_server *s, const char *name) {
  char **grown = realloc(s->allow_hosts, (s->n_allow_hosts + 1) * sizeof *grown);
  if (!grown) return -ENOMEM;
  s->allow_hosts = grown;
  if (!(s->allow_hosts[s->n_allow_hosts] = strdup(name))) return -ENOMEM;
  s->n_allow_hosts++;
  return 0;
}

void gd_server_close(gd_server *s) {
  for (size_t i = 0; i < s->n_allow_hosts; i++) free(s->allow_hosts[i]);
  free(s->allow_hosts);
  free(s->scopes);
  s->scopes = NULL;
  s->nscopes = 0;
  s->allow_hosts = NULL;
  s->n_allow_hosts = 0;
  s->closing = true;
  if (!uv_is_closing((uv_handle_t *)&s->tcp)) uv_close((uv_handle_t *)&s->tcp, NULL);
  while (s->conns) {
    gd_conn *c = s->conns;
    if (c->ws) gd_ws_close(c->ws, 1001, "daemon stopping");
    gd__conn_close(c);
  }
}
