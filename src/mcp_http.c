#include "mcp_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "jsonout.h"
#include "log.h"

/* MCP's HTTP-level JSON-RPC errors (as the reference SDKs send them). */
#define GD_RPC_SERVER_ERROR -32000
#define GD_RPC_SESSION_NOT_FOUND -32001
/* 2026-07-28 (basic/index "Error Codes"). */
#define GD_RPC_HEADER_MISMATCH -32020

/* ---- SSE framing --------------------------------------------------------------------------- */

/* Writes msg (stolen) as one SSE "message" event. 0 or -1 (client gone). */
static int gd__sse_send(gd_reply *r, json_t *msg) {
  char *text = gd_json_dumps_out(msg, JSON_COMPACT);
  json_decref(msg);
  if (!text) return -1;
  size_t tl = strlen(text);
  char *ev = malloc(tl + 32);
  if (!ev) {
    free(text);
    return -1;
  }
  /* JSON from jansson has no raw newline, so one data: line carries it (SSE, WHATWG HTML §9.2). */
  int n = snprintf(ev, tl + 32, "event: message\ndata: %s\n\n", text);
  free(text);
  int rc = gd_reply_stream_write(r, ev, (size_t)n);
  free(ev);
  return rc;
}

static bool gd__has_token(const char *list, const char *token) {
  if (!list) return false;
  size_t tl = strlen(token);
  for (const char *p = list; (p = strcasestr(p, token)); p += tl) {
    char before = p == list ? ',' : p[-1];
    char after = p[tl];
    if ((before == ',' || before == ' ') && (after == '\0' || after == ',' || after == ';' || after == ' '))
      return true;
  }
  return false;
}

static bool gd__accepts(const char *accept, const char *type) {
  if (!accept) return false;
  if (gd__has_token(accept, type) || gd__has_token(accept, "*/*")) return true;
  return false;
}

/* ---- POST ---------------------------------------------------------------------------------- */

typedef struct {
  gd_mcp_sink sink;
  gd_reply *reply;
  gd_mcp *m;
  gd_mcp_session *created;
  bool sse_ok;    /* the client accepts text/event-stream */
  bool streaming; /* the SSE response has started */
  bool gone;
  bool is_request;
  bool stateless; /* a 2026-07-28 request: no session; errors map to HTTP statuses */
  json_t *id;     /* the request's id (for cancellation on a closed stream) */
  char toolsets[256];
} gd__post;

static void gd__post_gone(void *ud) {
  gd__post *p = ud;
  p->gone = true;
  /* Legacy: a disconnect is not a cancellation (2025-11-25 basic/transports), the call runs on
   * and its answer is dropped. 2026-07-28: closing the stream MUST cancel the request. */
  if (p->stateless && p->id) gd_mcp_cancel(p->m, NULL, p->id); /* finishes (frees) p */
}

static const char *gd__session_header(gd__post *p, char *buf, size_t n) {
  if (!p->created) return NULL;
  snprintf(buf, n, "Mcp-Session-Id: %s\r\n", p->created->id);
  return buf;
}

static void gd__post_notify(gd_mcp_sink *sink, json_t *msg) {
  gd__post *p = (gd__post *)sink;
  if (p->gone || !p->sse_ok) {
    json_decref(msg);
    return;
  }
  if (!p->streaming) {
    char hdr[96];
    p->streaming = true;
    char extra[160];
    snprintf(extra, sizeof extra, "X-Accel-Buffering: no\r\n%s",
             gd__session_header(p, hdr, sizeof hdr) ?: "");
    if (gd_reply_stream_start(p->reply, 200, "text/event-stream", extra) != 0) {
      p->gone = true;
      json_decref(msg);
      return;
    }
  }
  if (gd__sse_send(p->reply, msg) != 0) p->gone = true;
}

/* HTTP status of a 2026-07-28 error response (basic/transports/streamable-http). */
static int gd__modern_status(const json_t *response) {
  json_t *err = json_object_get(response, "error");
  if (!err) return 200;
  json_int_t code = json_integer_value(json_object_get(err, "code"));
  if (code == -32601) return 404;
  if (code == -32020 || code == -32021 || code == -32022 ||
      (code == -32602 && strstr(json_string_value(json_object_get(err, "message")) ?: "", "_meta")))
    return 400;
  return 200;
}

static void gd__post_finish(gd_mcp_sink *sink, json_t *response) {
  gd__post *p = (gd__post *)sink;
  char hdr[96];
  json_decref(p->id);
  p->id = NULL;
  if (p->created && p->toolsets[0]) {
    char err[256];
    if (gd_mcp_parse_toolsets(p->m, p->toolsets, &p->created->tools, err, sizeof err) != 0)
      gd_warn("mcp: %s", err); /* checked before; cannot happen */
  }
  if (p->streaming) {
    if (response && !p->gone) gd__sse_send(p->reply, response);
    else json_decref(response);
    gd_reply_stream_end(p->reply);
  } else if (response) {
    int status = p->stateless ? gd__modern_status(response) : 200;
    gd_reply_json(p->reply, status, response, gd__session_header(p, hdr, sizeof hdr));
  } else if (p->is_request && p->sse_ok && !p->gone) {
    /* A cancelled request gets no response: close an empty event stream. */
    gd_reply_stream_start(p->reply, 200, "text/event-stream", NULL); /* -1: gone; end frees */
    gd_reply_stream_end(p->reply);
  } else {
    gd_reply_json(p->reply, 202, NULL, NULL);
  }
  free(p);
}

static void gd__rpc_error_id(gd_reply *r, int status, json_t *id, int code, const char *message) {
  gd_reply_json(r, status, gd_mcp_error(id, code, message), NULL);
}

static void gd__rpc_error(gd_reply *r, int status, int code, const char *message) {
  gd__rpc_error_id(r, status, NULL, code, message);
}

/* A header's value without surrounding blanks, in buf. */
static const char *gd__trim(const char *v, char *buf, size_t n) {
  if (!v) return NULL;
  while (*v == ' ' || *v == '\t') v++;
  snprintf(buf, n, "%s", v);
  size_t l = strlen(buf);
  while (l && (buf[l - 1] == ' ' || buf[l - 1] == '\t')) buf[--l] = '\0';
  return buf;
}

/* Decodes an "=?base64?...?=" header value (basic/transports: non-ASCII names) into buf. */
static const char *gd__header_text(const char *v, char *buf, size_t n) {
  size_t l = v ? strlen(v) : 0;
  if (l < 12 || strncmp(v, "=?base64?", 9) != 0 || strcmp(v + l - 2, "?=") != 0) return v;
  size_t in = l - 11;
  if (in % 4 || (in / 4) * 3 + 1 > n) return v;
  int out = EVP_DecodeBlock((unsigned char *)buf, (const unsigned char *)v + 9, (int)in);
  if (out < 0) return v;
  while (in && v[9 + in - 1] == '=') {
    in--;
    out--;
  }
  buf[out] = '\0';
  return buf;
}

/* 2026-07-28 standard headers (SEP-2243): MCP-Protocol-Version, Mcp-Method and Mcp-Name (the
 * params.name of tools/call and prompts/get, the params.uri of resources/read) must be present
 * and equal the body's. NULL when fine, else why. */
static const char *gd__modern_headers(const gd_http_request *q, json_t *msg, const char *meta_version) {
  char a[128], b[256], c[512];
  const char *v = gd__trim(q->mcp_protocol_version, a, sizeof a);
  if (!v) return "the MCP-Protocol-Version header is required";
  if (!meta_version || strcmp(v, meta_version) != 0)
    return "the MCP-Protocol-Version header must equal _meta io.modelcontextprotocol/protocolVersion";
  const char *method = json_string_value(json_object_get(msg, "method"));
  const char *hm = gd__trim(q->mcp_method, b, sizeof b);
  if (!hm) return "the Mcp-Method header is required";
  if (!method || strcmp(hm, method) != 0) return "the Mcp-Method header must equal the body's method";
  const char *key = !method                                ? NULL
                    : strcmp(method, "tools/call") == 0     ? "name"
                    : strcmp(method, "prompts/get") == 0    ? "name"
                    : strcmp(method, "resources/read") == 0 ? "uri"
                                                            : NULL;
  if (key) {
    const char *name = json_string_value(json_object_get(json_object_get(msg, "params"), key));
    char d[512];
    const char *hn = gd__trim(q->mcp_name, c, sizeof c);
    if (!hn) return strcmp(key, "uri") == 0 ? "the Mcp-Name header is required for resources/read"
                                            : "the Mcp-Name header is required for tools/call and prompts/get";
    hn = gd__header_text(hn, d, sizeof d);
    if (!name || strcmp(hn, name) != 0)
      return strcmp(key, "uri") == 0 ? "the Mcp-Name header must equal params.uri"
                                     : "the Mcp-Name header must equal params.name";
  }
  return NULL;
}

static void gd__handle_post(gd_mcp *m, gd_reply *r) {
  const gd_http_request *q = r->req;
  if (!q->content_type || strncasecmp(q->content_type, "application/json", 16) != 0) {
    gd__rpc_error(r, 415, GD_RPC_SERVER_ERROR,
                  "Unsupported Media Type: Content-Type must be application/json");
    return;
  }
  if (!gd__accepts(q->accept, "application/json") || !gd__accepts(q->accept, "text/event-stream")) {
    gd__rpc_error(r, 406, GD_RPC_SERVER_ERROR,
                  "Not Acceptable: Accept must list application/json and text/event-stream");
    return;
  }
  json_error_t jerr;
  json_t *msg = json_loadb(q->body, q->body_len, 0, &jerr);
  if (!msg) {
    char text[256];
    snprintf(text, sizeof text, "Parse error: %s (line %d, column %d)", jerr.text, jerr.line,
             jerr.column);
    gd__rpc_error(r, 400, -32700, text);
    return;
  }
  if (json_is_array(msg)) {
    json_decref(msg);
    gd__rpc_error(r, 400, -32600,
                  "Invalid Request: JSON-RPC batches are not supported; send one message per POST");
    return;
  }
  const char *method = json_string_value(json_object_get(msg, "method"));
  bool initialize = method && strcmp(method, "initialize") == 0;
  const char *meta_version = json_string_value(json_object_get(
      json_object_get(json_object_get(msg, "params"), "_meta"), "io.modelcontextprotocol/protocolVersion"));
  gd_mcp_session *s = NULL;
  if (q->mcp_session_id && !initialize && !meta_version) { /* modern requests ignore it */
    s = gd_mcp_session_find(m, q->mcp_session_id);
    if (!s) {
      json_decref(msg);
      gd__rpc_error(r, 404, GD_RPC_SESSION_NOT_FOUND,
                    "Session not found: it ended or the daemon restarted; initialize again");
      return;
    }
    if (q->mcp_protocol_version && !gd_mcp_version_supported(q->mcp_protocol_version)) {
      json_decref(msg);
      gd__rpc_error(r, 400, GD_RPC_SERVER_ERROR, "Bad Request: unsupported MCP-Protocol-Version");
      return;
    }
  }
  char hv[64];
  const char *header_version = gd__trim(q->mcp_protocol_version, hv, sizeof hv);
  bool modern = !s && (meta_version || (!q->mcp_session_id && header_version &&
                                        strcmp(header_version, GD_MCP_STATELESS) == 0));
  json_t *id = json_object_get(msg, "id");
  if (modern) {
    const char *why = gd__modern_headers(q, msg, meta_version);
    if (why && meta_version) {
      gd__rpc_error_id(r, 400, id, GD_RPC_HEADER_MISMATCH, why);
      json_decref(msg);
      return;
    }
    if (!meta_version) { /* checked by mcp too; answered here with the HTTP status */
      gd__rpc_error_id(r, 400, id, -32602,
                       "Invalid params: _meta io.modelcontextprotocol/protocolVersion is required");
      json_decref(msg);
      return;
    }
  } else if (!initialize && !s) {
    json_decref(msg);
    gd__rpc_error(r, 400, GD_RPC_SERVER_ERROR,
                  "Bad Request: Mcp-Session-Id header is required (initialize first), or a "
                  "2026-07-28 request with _meta io.modelcontextprotocol/protocolVersion");
    return;
  }
  gd__post *p = calloc(1, sizeof *p);
  if (!p) {
    json_decref(msg);
    gd__rpc_error(r, 500, -32603, "out of memory");
    return;
  }
  p->sink.notify = gd__post_notify;
  p->sink.finish = gd__post_finish;
  p->reply = r;
  p->m = m;
  p->sse_ok = gd__accepts(q->accept, "text/event-stream");
  p->is_request = id != NULL && method != NULL;
  p->stateless = modern;
  p->id = id ? json_incref(id) : NULL;
  if (initialize && !modern && q->query) {
    if (gd_http_query_get(q->query, "toolsets", p->toolsets, sizeof p->toolsets) == 0) {
      gd_mcp_toolsets check;
      char err[256];
      if (gd_mcp_parse_toolsets(m, p->toolsets, &check, err, sizeof err) != 0) {
        json_decref(p->id);
        free(p);
        json_decref(msg);
        gd__rpc_error(r, 400, GD_RPC_SERVER_ERROR, err);
        return;
      }
    }
  }
  gd_reply_on_gone(r, gd__post_gone, p);
  gd_mcp_handle(m, s, msg, &p->sink, &p->created);
}

/* ---- GET: a session's stream --------------------------------------------------------------- */

typedef struct {
  gd_mcp_stream stream;
  gd_reply *reply;
  gd_mcp *m;
  gd_mcp_session *s;
  uv_timer_t keepalive;
  bool ended;
} gd__get;

static void gd__get_closed(uv_handle_t *h) { free(h->data); }

/* Ends the stream: detaches it from its session and finishes the reply. */
static void gd__get_end(gd__get *g) {
  if (g->ended) return;
  g->ended = true;
  if (g->s && g->s->stream == &g->stream) gd_mcp_session_stream(g->s, NULL);
  uv_timer_stop(&g->keepalive);
  gd_reply_stream_end(g->reply);
  uv_close((uv_handle_t *)&g->keepalive, gd__get_closed);
}

static void gd__get_send(gd_mcp_stream *st, json_t *msg) {
  gd__get *g = (gd__get *)st;
  if (gd__sse_send(g->reply, msg) != 0) gd__get_end(g);
}

static void gd__get_keepalive(uv_timer_t *t) {
  gd__get *g = t->data;
  static const char ping[] = ": keep-alive\n\n";
  if (gd_reply_stream_write(g->reply, ping, sizeof ping - 1) != 0) gd__get_end(g);
}

static void gd__get_gone(void *ud) { gd__get_end(ud); }

static void gd__handle_get(gd_mcp *m, gd_reply *r) {
  const gd_http_request *q = r->req;
  if (!gd__accepts(q->accept, "text/event-stream")) {
    gd__rpc_error(r, 406, GD_RPC_SERVER_ERROR, "Not Acceptable: Accept must list text/event-stream");
    return;
  }
  if (!q->mcp_session_id) {
    /* Stateless clients have no stream to open (2026-07-28 removed it). */
    gd_reply_json(r, 405, gd_mcp_error(NULL, GD_RPC_SERVER_ERROR,
                                       "Method Not Allowed: GET /mcp needs an Mcp-Session-Id"),
                  "Allow: POST, DELETE\r\n");
    return;
  }
  gd_mcp_session *s = gd_mcp_session_find(m, q->mcp_session_id);
  if (!s) {
    gd__rpc_error(r, 404, GD_RPC_SESSION_NOT_FOUND, "Session not found");
    return;
  }
  gd__get *g = calloc(1, sizeof *g);
  if (!g) {
    gd__rpc_error(r, 500, -32603, "out of memory");
    return;
  }
  g->stream.send = gd__get_send;
  g->reply = r;
  g->m = m;
  g->s = s;
  uv_timer_init(m->ops->editor->loop, &g->keepalive);
  g->keepalive.data = g;
  if (s->stream) gd__get_end((gd__get *)s->stream); /* one stream per session: the newest wins */
  gd_reply_on_gone(r, gd__get_gone, g);
  if (gd_reply_stream_start(r, 200, "text/event-stream", NULL) != 0) {
    gd__get_end(g);
    return;
  }
  gd_mcp_session_stream(s, &g->stream);
  uv_timer_start(&g->keepalive, gd__get_keepalive, GD_MCP_KEEPALIVE_MS, GD_MCP_KEEPALIVE_MS);
}

/* ---- DELETE -------------------------------------------------------------------------------- */

static void gd__delete(gd_mcp *m, gd_reply *r) {
  const char *id = r->req->mcp_session_id;
  if (!id) {
    gd__rpc_error(r, 400, GD_RPC_SERVER_ERROR, "Bad Request: Mcp-Session-Id header is required");
    return;
  }
  gd_mcp_session *s = gd_mcp_session_find(m, id);
  if (!s) {
    gd__rpc_error(r, 404, GD_RPC_SESSION_NOT_FOUND, "Session not found");
    return;
  }
  if (s->stream) gd__get_end((gd__get *)s->stream);
  gd_mcp_session_end(m, s);
  gd_reply_json(r, 200, json_object(), NULL);
}

void gd_mcp_http_close(gd_mcp *m) {
  for (gd_mcp_session *s = m->sessions; s; s = s->next)
    if (s->stream) gd__get_end((gd__get *)s->stream);
  gd_mcp_close(m);
}

void gd_mcp_http_handle(gd_mcp *m, gd_reply *r) {
  const char *method = r->req->method;
  if (strcmp(method, "POST") == 0) gd__handle_post(m, r);
  else if (strcmp(method, "GET") == 0) gd__handle_get(m, r);
  else if (strcmp(method, "DELETE") == 0) gd__delete(m, r);
  else
    gd_reply_json(r, 405, gd_mcp_error(NULL, GD_RPC_SERVER_ERROR, "Method Not Allowed"),
                  "Allow: GET, POST, DELETE\r\n");
}
