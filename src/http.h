/* http: HTTP/1.1 requests from bytes (over llhttp) and responses to bytes. No sockets.
 *
 * Owns the per-connection request parser — its limits (request line + headers, body), the
 * headers the daemon looks at, pipelining (several requests in one read, delivered in order),
 * and where a WebSocket upgrade request ends so the rest of the bytes can go to the WebSocket —
 * and the response builders (whole responses, and the head and chunks of streamed ones), which
 * always add the safety headers (no-store, nosniff) and never CORS headers. Also query-string
 * lookup. Calls only llhttp.
 */
#ifndef GD_HTTP_H
#define GD_HTTP_H

#include <llhttp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One parsed request; every pointer is owned by it (free with gd_http_request_free). */
typedef struct gd_http_request {
  char method[16];     /* "GET", "POST", ... */
  char *path;          /* raw (not percent-decoded) path without query, e.g. "/godot/get_status" */
  char *query;         /* raw query string without '?', or NULL when the target had no '?' */
  char *body;          /* never NULL: "" when there is no body; NUL-terminated after body_len */
  size_t body_len;
  /* Header values, NULL when absent; names matched case-insensitively, surrounding blanks
   * trimmed. A repeated Upgrade header is joined with ", "; any other of these repeated is a
   * parse error (RFC 9110 §5.3: they are not lists; two Hosts is a 400, RFC 9112 §3.2). */
  char *host, *origin, *content_type, *authorization, *upgrade, *sec_websocket_key,
      *sec_websocket_version, *expect;
  /* Accept (a list: repeats joined with ", "), and MCP's Mcp-Session-Id, MCP-Protocol-Version
   * and Last-Event-ID (single-valued). */
  char *accept, *mcp_session_id, *mcp_protocol_version, *last_event_id;
  /* MCP 2026-07-28's standard request headers (basic/transports/streamable-http). */
  char *mcp_method, *mcp_name;
  bool keep_alive;        /* llhttp_should_keep_alive: HTTP/1.1 unless "close", 1.0 only with
                             "keep-alive" */
  bool upgrade_websocket; /* a valid opening handshake (RFC 6455 §4.2.1): GET, HTTP/1.1+,
                             Upgrade has "websocket", Connection has "upgrade", a 16-byte base64
                             Sec-WebSocket-Key, Sec-WebSocket-Version 13 */
  unsigned http_major, http_minor;
} gd_http_request;

/* Frees req and everything it holds; NULL is fine. */
void gd_http_request_free(gd_http_request *req);

/* Called once per complete request, in order; takes ownership of req. It may not free the
 * parser it was called from. */
typedef void (*gd_http_request_cb)(void *ud, gd_http_request *req);

/* Negative results of gd_http_parser_feed (stable once returned). */
enum {
  GD_HTTP_ERR_PARSE = -1,             /* not HTTP/1.x, or a repeated single-valued header: 400 */
  GD_HTTP_ERR_BODY_TOO_LARGE = -2,    /* 413 */
  GD_HTTP_ERR_HEADERS_TOO_LARGE = -3, /* 431 */
  GD_HTTP_ERR_NOMEM = -4,
};

/* Per-connection parser; caller-owned and embeddable. Fields are private. */
typedef struct gd_http_parser {
  llhttp_t llhttp;
  size_t max_header_bytes, max_body_bytes;
  gd_http_request_cb cb;
  void (*continue_cb)(void *ud); /* see gd_http_parser_on_continue */
  void *ud;
  gd_http_request *req;      /* the request being parsed */
  char *url, *field, *value; /* pieces being accumulated (NUL-terminated) */
  size_t url_len, field_len, value_len;
  size_t url_cap, field_cap, value_cap;
  size_t body_cap;           /* bytes allocated for req->body */
  char *connection;          /* Connection header of req (for the upgrade check) */
  size_t header_bytes;       /* bytes of the current request line + headers so far */
  const char *chunk;         /* start of the bytes in the current llhttp_execute */
  int error;                 /* 0 or GD_HTTP_ERR_*, sticky */
  int paused_at;             /* why llhttp last paused: 1 headers complete, 2 message complete */
  bool in_body;              /* between headers-complete and message-complete */
  bool last_was_websocket;   /* the request delivered last was a WebSocket upgrade */
  bool upgraded;             /* a WebSocket upgrade request ended the HTTP part */
} gd_http_parser;

/* Prepares p for one connection's requests: request line + headers may take max_header_bytes
 * in total (raw bytes, counted like on the wire), a body max_body_bytes. cb receives each
 * request. 0 or -EINVAL (cb NULL or a zero limit). */
int gd_http_parser_init(gd_http_parser *p, size_t max_header_bytes, size_t max_body_bytes,
                        gd_http_request_cb cb, void *ud);
/* cb(ud) runs when a request's headers say "Expect: 100-continue" and its announced body is
 * within the limit, so the owner can send "100 Continue" before the client sends the body
 * (RFC 9110 §10.1.1); over the limit, feed returns BODY_TOO_LARGE instead. */
void gd_http_parser_on_continue(gd_http_parser *p, void (*cb)(void *ud));
/* Frees a request in progress. Safe on a zeroed p. */
void gd_http_parser_free(gd_http_parser *p);
/* Feeds len bytes of the connection (any split: a request may arrive a byte at a time) and
 * calls cb once per complete request, in order (pipelined requests in one buffer → several
 * calls). Returns the bytes consumed: len, except after a WebSocket upgrade request
 * (req->upgrade_websocket), where parsing stops and it returns the offset just past that
 * request: the rest belongs to the WebSocket; later calls then consume nothing (return 0).
 * An upgrade request that is not a valid WebSocket one is delivered as an ordinary request
 * and parsing goes on. Returns a GD_HTTP_ERR_* on error, and the same error on every later
 * call; requests completed earlier in the same buffer were delivered already.
 * BODY_TOO_LARGE comes from Content-Length as soon as the headers end, before any body byte,
 * or when a chunked body grows past the limit; headers over their limit are HEADERS_TOO_LARGE
 * even when their Content-Length is over too. */
ssize_t gd_http_parser_feed(gd_http_parser *p, const char *buf, size_t len);
/* True once a WebSocket upgrade request ended the HTTP part of the connection. */
bool gd_http_parser_upgraded(const gd_http_parser *p);

/* Reason phrase for status (RFC 9110 §15), "Unknown" for codes not listed. */
const char *gd_http_status_reason(int status);

/* Builds a whole response in one malloc'ed buffer of *out_len bytes (also NUL-terminated):
 *   HTTP/1.1 <status> <reason>
 *   Content-Type: <content_type>      when content_type and body_len > 0
 *   Content-Length: <body_len>
 *   Connection: keep-alive | close
 *   Cache-Control: no-store
 *   X-Content-Type-Options: nosniff
 *   <extra_headers verbatim: each "Name: value\r\n"; NULL for none>
 *   <blank line><body>
 * 1xx, 204 and 304 get neither Content-Length nor body (RFC 9110 §8.6), and 101 no Connection
 * header either (extra_headers carries "Connection: Upgrade"). Never any CORS header. A
 * content_type containing CR or LF is left out. NULL only when out of memory. */
char *gd_http_response_build(int status, const char *content_type, const char *extra_headers,
                             const char *body, size_t body_len, bool keep_alive,
                             size_t *out_len);

/* Builds the head of a streamed response (status line and headers through the blank line), the
 * same headers as gd_http_response_build but with "Transfer-Encoding: chunked" instead of
 * Content-Length when chunked (HTTP/1.1 clients), else no framing header and "Connection:
 * close" (an HTTP/1.0 client: the body ends when the connection closes, RFC 9112 §6.3). Body
 * bytes follow as gd_http_chunk_build chunks (chunked) or raw. Malloc'ed, NUL-terminated, of
 * *out_len bytes; NULL only when out of memory. A content_type containing CR or LF is left out. */
char *gd_http_stream_head_build(int status, const char *content_type, const char *extra_headers,
                                bool chunked, bool keep_alive, size_t *out_len);

/* Frames len bytes of data as one chunk of a chunked body (RFC 9112 §7.1): "<hex len>\r\n"
 * data "\r\n". len 0 gives the last chunk, "0\r\n\r\n", which ends the body. Malloc'ed,
 * NUL-terminated, *out_len bytes; NULL only when out of memory. */
char *gd_http_chunk_build(const char *data, size_t len, size_t *out_len);

/* Looks key up in a raw query string ("a=1&b=x%20y"; key compared after decoding) and writes
 * the first match's value, decoded (%XX and '+' → space), NUL-terminated, into out. A key
 * without '=' has the value "". 0, -ENOENT (absent, or query NULL), -ENOSPC (value does not fit
 * out_size), -EINVAL (bad %-escape or an encoded NUL in the value). */
int gd_http_query_get(const char *query, const char *key, char *out, size_t out_size);

#endif
