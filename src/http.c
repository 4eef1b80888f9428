#include "http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define gd__container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

enum { GD__PAUSED_HEADERS = 1, GD__PAUSED_MESSAGE = 2 };

/* Body bytes reserved up front from Content-Length; beyond this the buffer grows with the
 * bytes actually received. */
#define GD__BODY_PREALLOC (64u * 1024u)

/* ---- request parsing ---------------------------------------------------------------------- */

static gd_http_parser *gd__parser(llhttp_t *l) {
  return gd__container_of(l, gd_http_parser, llhttp);
}

/* Records err (the first one sticks) and returns the llhttp "stop" code for callbacks. */
static int gd__fail(gd_http_parser *p, int err) {
  if (!p->error) p->error = err;
  return HPE_USER;
}

/* Appends n bytes to a NUL-terminated growable buffer. 0 or -ENOMEM. */
static int gd__append(char **buf, size_t *len, size_t *cap, const char *data, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t want = *cap ? *cap : 64;
    while (want < *len + n + 1) want *= 2;
    char *grown = realloc(*buf, want);
    if (!grown) return -ENOMEM;
    *buf = grown;
    *cap = want;
  }
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

/* Counts header bytes up to the end of a piece llhttp handed over. Before the body, the
 * position in the current buffer is exact (everything since the buffer start is request line
 * or headers); inside a chunked body only trailer pieces are counted. */
static int gd__track(gd_http_parser *p, const char *at, size_t len) {
  size_t total;
  if (p->in_body) total = p->header_bytes += len;
  else total = p->header_bytes + (size_t)(at + len - p->chunk);
  return total > p->max_header_bytes ? gd__fail(p, GD_HTTP_ERR_HEADERS_TOO_LARGE) : 0;
}

static int gd__on_message_begin(llhttp_t *l) {
  gd_http_parser *p = gd__parser(l);
  gd_http_request_free(p->req);
  free(p->connection);
  p->connection = NULL;
  p->url_len = p->field_len = p->value_len = 0;
  p->body_cap = 0;
  p->req = calloc(1, sizeof *p->req);
  return p->req ? 0 : gd__fail(p, GD_HTTP_ERR_NOMEM);
}

static int gd__on_url(llhttp_t *l, const char *at, size_t len) {
  gd_http_parser *p = gd__parser(l);
  if (gd__track(p, at, len)) return HPE_USER;
  if (gd__append(&p->url, &p->url_len, &p->url_cap, at, len))
    return gd__fail(p, GD_HTTP_ERR_NOMEM);
  return 0;
}

static int gd__on_header_field(llhttp_t *l, const char *at, size_t len) {
  gd_http_parser *p = gd__parser(l);
  if (gd__track(p, at, len)) return HPE_USER;
  if (gd__append(&p->field, &p->field_len, &p->field_cap, at, len))
    return gd__fail(p, GD_HTTP_ERR_NOMEM);
  return 0;
}

static int gd__on_header_value(llhttp_t *l, const char *at, size_t len) {
  gd_http_parser *p = gd__parser(l);
  if (gd__track(p, at, len)) return HPE_USER;
  if (gd__append(&p->value, &p->value_len, &p->value_cap, at, len))
    return gd__fail(p, GD_HTTP_ERR_NOMEM);
  return 0;
}

/* Stores one header of interest. 0, or an llhttp stop code. */
static int gd__header(gd_http_parser *p, const char *name, const char *value) {
  static const struct {
    const char *name;
    size_t offset;
  } single[] = {
      {"host", offsetof(gd_http_request, host)},
      {"origin", offsetof(gd_http_request, origin)},
      {"content-type", offsetof(gd_http_request, content_type)},
      {"authorization", offsetof(gd_http_request, authorization)},
      {"sec-websocket-key", offsetof(gd_http_request, sec_websocket_key)},
      {"sec-websocket-version", offsetof(gd_http_request, sec_websocket_version)},
      {"expect", offsetof(gd_http_request, expect)},
      {"mcp-session-id", offsetof(gd_http_request, mcp_session_id)},
      {"mcp-method", offsetof(gd_http_request, mcp_method)},
      {"mcp-name", offsetof(gd_http_request, mcp_name)},
      {"mcp-protocol-version", offsetof(gd_http_request, mcp_protocol_version)},
      {"last-event-id", offsetof(gd_http_request, last_event_id)},
  };
  char **slot = NULL;
  bool list = false;
  if (strcasecmp(name, "upgrade") == 0) {
    slot = &p->req->upgrade;
    list = true;
  } else if (strcasecmp(name, "connection") == 0) {
    slot = &p->connection;
    list = true;
  } else if (strcasecmp(name, "accept") == 0) { /* a list (RFC 9110 §12.5.1): repeats join */
    slot = &p->req->accept;
    list = true;
  } else {
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
      if (strcasecmp(name, single[i].name) == 0) slot = (char **)((char *)p->req + single[i].offset);
  }
  if (!slot) return 0;
  if (*slot && !list) return gd__fail(p, GD_HTTP_ERR_PARSE);
  char *joined;
  if (*slot) {
    size_t a = strlen(*slot), b = strlen(value);
    joined = malloc(a + 2 + b + 1);
    if (joined) {
      memcpy(joined, *slot, a);
      memcpy(joined + a, ", ", 2);
      memcpy(joined + a + 2, value, b + 1);
    }
  } else {
    joined = strdup(value);
  }
  if (!joined) return gd__fail(p, GD_HTTP_ERR_NOMEM);
  free(*slot);
  *slot = joined;
  return 0;
}

static int gd__on_header_value_complete(llhttp_t *l) {
  gd_http_parser *p = gd__parser(l);
  int rc = 0;
  /* Trailers of a chunked body are ignored: a header after the body must not change what the
   * request's headers said (e.g. add an Authorization). */
  if (!p->in_body) {
    const char *name = p->field ? p->field : "";
    char *v = p->value ? p->value : "";
    size_t n = p->value_len;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (p->value) p->value[n] = '\0';
    rc = gd__header(p, name, v);
  }
  p->field_len = p->value_len = 0;
  if (p->field) p->field[0] = '\0';
  if (p->value) p->value[0] = '\0';
  return rc;
}

/* Whether a comma-separated header value lists token (case-insensitive, RFC 9110 §5.6.1). */
static bool gd__has_token(const char *list, const char *token) {
  size_t tlen = strlen(token);
  const char *s = list;
  while (s && *s) {
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    const char *end = s;
    while (*end && *end != ',') end++;
    const char *e = end;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if ((size_t)(e - s) == tlen && strncasecmp(s, token, tlen) == 0) return true;
    s = end;
  }
  return false;
}

/* RFC 6455 §4.2.1 item 5: base64 of 16 bytes, so 22 alphabet characters and "==". */
static bool gd__valid_ws_key(const char *key) {
  if (strlen(key) != 24 || strcmp(key + 22, "==") != 0) return false;
  for (int i = 0; i < 22; i++) {
    char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '+' || c == '/'))
      return false;
  }
  return true;
}

static int gd__on_headers_complete(llhttp_t *l) {
  gd_http_parser *p = gd__parser(l);
  gd_http_request *q = p->req;
  snprintf(q->method, sizeof q->method, "%s", llhttp_method_name(llhttp_get_method(l)));
  q->http_major = llhttp_get_http_major(l);
  q->http_minor = llhttp_get_http_minor(l);
  q->keep_alive = llhttp_should_keep_alive(l);

  const char *url = p->url ? p->url : "";
  size_t path_len = strcspn(url, "?#");
  q->path = strndup(url, path_len);
  if (!q->path) return gd__fail(p, GD_HTTP_ERR_NOMEM);
  if (url[path_len] == '?') {
    q->query = strndup(url + path_len + 1, strcspn(url + path_len + 1, "#"));
    if (!q->query) return gd__fail(p, GD_HTTP_ERR_NOMEM);
  }

  q->upgrade_websocket = l->upgrade && strcmp(q->method, "GET") == 0 &&
                         (q->http_major > 1 || (q->http_major == 1 && q->http_minor >= 1)) &&
                         q->upgrade && gd__has_token(q->upgrade, "websocket") &&
                         p->connection && gd__has_token(p->connection, "upgrade") &&
                         q->sec_websocket_key && gd__valid_ws_key(q->sec_websocket_key) &&
                         q->sec_websocket_version &&
                         strcmp(q->sec_websocket_version, "13") == 0;

  /* Pause so feed learns exactly where the headers ended and checks their size first: the
   * Content-Length verdict and 100-continue (gd__headers_done) come after, so a header section
   * over its limit is that error however the bytes were split. */
  p->paused_at = GD__PAUSED_HEADERS;
  return HPE_PAUSED;
}

/* The rest of headers-complete, once feed has counted the header bytes: the Content-Length
 * verdict, the body buffer and the 100-continue invitation. 0 or a GD_HTTP_ERR_*. */
static int gd__headers_done(gd_http_parser *p) {
  llhttp_t *l = &p->llhttp;
  gd_http_request *q = p->req;
  if ((l->flags & F_CONTENT_LENGTH) && !(l->flags & F_CHUNKED)) {
    if (l->content_length > p->max_body_bytes) return GD_HTTP_ERR_BODY_TOO_LARGE;
    /* Reserve what was announced, but only up to GD__BODY_PREALLOC: a client announcing the
     * maximum and sending nothing must not pin that much memory per connection. */
    size_t want = (size_t)(l->content_length < GD__BODY_PREALLOC ? l->content_length
                                                                  : GD__BODY_PREALLOC) + 1;
    q->body = malloc(want);
    if (!q->body) return GD_HTTP_ERR_NOMEM;
    q->body[0] = '\0';
    p->body_cap = want;
  }
  if (q->expect && strcasecmp(q->expect, "100-continue") == 0 && p->continue_cb &&
      ((l->flags & F_CHUNKED) || ((l->flags & F_CONTENT_LENGTH) && l->content_length > 0)))
    p->continue_cb(p->ud);
  return 0;
}

static int gd__on_body(llhttp_t *l, const char *at, size_t len) {
  gd_http_parser *p = gd__parser(l);
  gd_http_request *q = p->req;
  if (len > p->max_body_bytes - q->body_len) return gd__fail(p, GD_HTTP_ERR_BODY_TOO_LARGE);
  if (gd__append(&q->body, &q->body_len, &p->body_cap, at, len))
    return gd__fail(p, GD_HTTP_ERR_NOMEM);
  return 0;
}

static int gd__on_message_complete(llhttp_t *l) {
  gd_http_parser *p = gd__parser(l);
  p->paused_at = GD__PAUSED_MESSAGE;
  return HPE_PAUSED;
}

static const llhttp_settings_t gd__settings = {
    .on_message_begin = gd__on_message_begin,
    .on_url = gd__on_url,
    .on_header_field = gd__on_header_field,
    .on_header_value = gd__on_header_value,
    .on_header_value_complete = gd__on_header_value_complete,
    .on_headers_complete = gd__on_headers_complete,
    .on_body = gd__on_body,
    .on_message_complete = gd__on_message_complete,
};

void gd_http_request_free(gd_http_request *req) {
  if (!req) return;
  free(req->path);
  free(req->query);
  free(req->body);
  free(req->host);
  free(req->origin);
  free(req->content_type);
  free(req->authorization);
  free(req->upgrade);
  free(req->sec_websocket_key);
  free(req->sec_websocket_version);
  free(req->expect);
  free(req->accept);
  free(req->mcp_session_id);
  free(req->mcp_method);
  free(req->mcp_name);
  free(req->mcp_protocol_version);
  free(req->last_event_id);
  free(req);
}

int gd_http_parser_init(gd_http_parser *p, size_t max_header_bytes, size_t max_body_bytes,
                        gd_http_request_cb cb, void *ud) {
  memset(p, 0, sizeof *p);
  if (!cb || max_header_bytes == 0 || max_body_bytes == 0 || max_body_bytes >= SIZE_MAX)
    return -EINVAL;
  llhttp_init(&p->llhttp, HTTP_REQUEST, &gd__settings);
  p->max_header_bytes = max_header_bytes;
  p->max_body_bytes = max_body_bytes;
  p->cb = cb;
  p->ud = ud;
  return 0;
}

void gd_http_parser_on_continue(gd_http_parser *p, void (*cb)(void *ud)) { p->continue_cb = cb; }

void gd_http_parser_free(gd_http_parser *p) {
  gd_http_request_free(p->req);
  free(p->url);
  free(p->field);
  free(p->value);
  free(p->connection);
  memset(p, 0, sizeof *p);
}

bool gd_http_parser_upgraded(const gd_http_parser *p) {
  return p->upgraded;
}

/* Hands the finished request to the callback. 0 or GD_HTTP_ERR_NOMEM. */
static int gd__deliver(gd_http_parser *p) {
  gd_http_request *q = p->req;
  if (!q->body && !(q->body = calloc(1, 1))) return GD_HTTP_ERR_NOMEM;
  p->req = NULL;
  free(p->connection);
  p->connection = NULL;
  p->last_was_websocket = q->upgrade_websocket;
  p->cb(p->ud, q);
  return 0;
}

static ssize_t gd__error(gd_http_parser *p, int err) {
  if (!p->error) p->error = err;
  return p->error;
}

ssize_t gd_http_parser_feed(gd_http_parser *p, const char *buf, size_t len) {
  if (p->error) return p->error;
  if (p->upgraded || len == 0) return 0;
  size_t off = 0;
  bool again = false;
  /* llhttp pauses at each headers-complete and message-complete; after a pause it may have a
   * callback left to run even with no bytes left, hence `again`. */
  while (off < len || again) {
    again = false;
    p->chunk = buf + off;
    p->paused_at = 0;
    llhttp_errno_t e = llhttp_execute(&p->llhttp, buf + off, len - off);
    if (p->error) return p->error;
    if (e == HPE_OK) {
      if (!p->in_body) {
        p->header_bytes += len - off;
        if (p->header_bytes > p->max_header_bytes)
          return gd__error(p, GD_HTTP_ERR_HEADERS_TOO_LARGE);
      }
      break;
    }
    const char *pos = llhttp_get_error_pos(&p->llhttp);
    size_t used = pos ? (size_t)(pos - (buf + off)) : 0;
    off += used;
    if (e == HPE_PAUSED && p->paused_at == GD__PAUSED_HEADERS) {
      p->header_bytes += used;
      if (p->header_bytes > p->max_header_bytes)
        return gd__error(p, GD_HTTP_ERR_HEADERS_TOO_LARGE);
      int rc = gd__headers_done(p);
      if (rc) return gd__error(p, rc);
      p->in_body = true;
      llhttp_resume(&p->llhttp);
      again = true;
    } else if (e == HPE_PAUSED && p->paused_at == GD__PAUSED_MESSAGE) {
      p->in_body = false;
      p->header_bytes = 0;
      int rc = gd__deliver(p);
      if (rc) return gd__error(p, rc);
      llhttp_resume(&p->llhttp);
      again = true;
    } else if (e == HPE_PAUSED_UPGRADE) {
      if (p->last_was_websocket) {
        p->upgraded = true;
        return (ssize_t)off;
      }
      /* Another protocol (or a bad handshake) the daemon does not speak: the request was
       * delivered as plain HTTP, so keep parsing HTTP (RFC 9110 §7.8 lets a server ignore
       * Upgrade). */
      llhttp_resume_after_upgrade(&p->llhttp);
      again = true;
    } else {
      return gd__error(p, GD_HTTP_ERR_PARSE);
    }
  }
  return (ssize_t)len;
}

/* ---- responses ---------------------------------------------------------------------------- */

const char *gd_http_status_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 426: return "Upgrade Required";
  case 428: return "Precondition Required";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  default: return "Unknown";
  }
}

/* Writes the status line and headers (through the blank line) into out (cap bytes, enough for
 * them); framing is "Content-Length: <n>" (n >= 0), "Transfer-Encoding: chunked" (-1) or none
 * (-2: the body ends when the connection closes). Returns the length. */
static size_t gd__head(char *out, size_t cap, int status, const char *content_type,
                       const char *extra_headers, long long framing, bool keep_alive) {
  int n = snprintf(out, cap, "HTTP/1.1 %d %s\r\n", status, gd_http_status_reason(status));
  if (content_type) n += snprintf(out + n, cap - (size_t)n, "Content-Type: %s\r\n", content_type);
  if (framing >= 0) n += snprintf(out + n, cap - (size_t)n, "Content-Length: %lld\r\n", framing);
  else if (framing == -1) n += snprintf(out + n, cap - (size_t)n, "Transfer-Encoding: chunked\r\n");
  if (status != 101)
    n += snprintf(out + n, cap - (size_t)n, "Connection: %s\r\n",
                  keep_alive ? "keep-alive" : "close");
  n += snprintf(out + n, cap - (size_t)n,
                "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s\r\n",
                extra_headers ? extra_headers : "");
  return (size_t)n;
}

char *gd_http_response_build(int status, const char *content_type, const char *extra_headers,
                             const char *body, size_t body_len, bool keep_alive,
                             size_t *out_len) {
  bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (no_body || !body) body_len = 0;
  if (content_type && (body_len == 0 || strpbrk(content_type, "\r\n"))) content_type = NULL;
  if (!extra_headers) extra_headers = "";
  size_t cap = 256 + strlen(extra_headers) + (content_type ? strlen(content_type) : 0) + body_len;
  char *out = malloc(cap);
  if (!out) return NULL;
  size_t n = gd__head(out, cap, status, content_type, extra_headers,
                      no_body ? -2 : (long long)body_len, keep_alive);
  if (body_len) memcpy(out + n, body, body_len);
  size_t total = n + body_len;
  out[total] = '\0';
  if (out_len) *out_len = total;
  return out;
}

char *gd_http_stream_head_build(int status, const char *content_type, const char *extra_headers,
                                bool chunked, bool keep_alive, size_t *out_len) {
  if (content_type && strpbrk(content_type, "\r\n")) content_type = NULL;
  if (!extra_headers) extra_headers = "";
  size_t cap = 256 + strlen(extra_headers) + (content_type ? strlen(content_type) : 0);
  char *out = malloc(cap);
  if (!out) return NULL;
  size_t n = gd__head(out, cap, status, content_type, extra_headers, chunked ? -1 : -2,
                      chunked && keep_alive);
  if (out_len) *out_len = n;
  return out;
}

char *gd_http_chunk_build(const char *data, size_t len, size_t *out_len) {
  char *out = malloc(len + 24); /* 16 hex digits, 2 CRLFs, NUL */
  if (!out) return NULL;
  int n = snprintf(out, 24, "%zx\r\n", len);
  if (len) memcpy(out + n, data, len);
  memcpy(out + (size_t)n + len, "\r\n", 3);
  if (out_len) *out_len = (size_t)n + len + 2;
  return out;
}

/* ---- query strings ------------------------------------------------------------------------ */

static int gd__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes the byte at s[*i] (advancing *i): '+' is a space, %XX a byte. The byte, or -1. */
static int gd__decode_byte(const char *s, size_t len, size_t *i) {
  char c = s[*i];
  if (c == '+') {
    (*i)++;
    return ' ';
  }
  if (c != '%') {
    (*i)++;
    return (unsigned char)c;
  }
  int hi = *i + 1 < len ? gd__hex(s[*i + 1]) : -1;
  int lo = *i + 2 < len ? gd__hex(s[*i + 2]) : -1;
  if (hi < 0 || lo < 0) return -1;
  *i += 3;
  return hi * 16 + lo;
}

/* Whether the encoded s (len bytes) decodes to exactly key. */
static bool gd__key_equals(const char *s, size_t len, const char *key) {
  size_t i = 0, k = 0;
  while (i < len) {
    int c = gd__decode_byte(s, len, &i);
    if (c < 0 || key[k] == '\0' || (unsigned char)key[k] != c) return false;
    k++;
  }
  return key[k] == '\0';
}

int gd_http_query_get(const char *query, const char *key, char *out, size_t out_size) {
  if (!query || !key) return -ENOENT;
  const char *s = query;
  while (*s) {
    size_t pair = strcspn(s, "&");
    size_t klen = strcspn(s, "=&");
    if (pair > 0 && gd__key_equals(s, klen, key)) {
      const char *v = klen < pair ? s + klen + 1 : s + pair;
      size_t vlen = (size_t)(s + pair - v);
      size_t o = 0;
      for (size_t i = 0; i < vlen;) {
        int c = gd__decode_byte(v, vlen, &i);
        if (c <= 0) return -EINVAL;
        if (o + 1 >= out_size) return -ENOSPC;
        out[o++] = (char)c;
      }
      if (out_size == 0) return -ENOSPC;
      out[o] = '\0';
      return 0;
    }
    s += pair;
    if (*s == '&') s++;
  }
  return -ENOENT;
}
