/* libFuzzer target: HTTP/1.1 request framing (http.c), as the server feeds it from a socket.
 * The first byte picks the read size, so one input also tests every way the bytes can be split
 * across reads. Invariants: a delivered body never exceeds the body limit, a delivered request
 * has a method and a path, and the parser never reports more bytes used than it was given. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

#define MAX_HEADERS 4096
#define MAX_BODY 8192

static void on_request(void *ud, gd_http_request *req) {
  (void)ud;
  assert(req->body != NULL && req->body_len <= MAX_BODY && req->body[req->body_len] == '\0');
  assert(req->method[0] != '\0' && req->path != NULL);
  gd_http_request_free(req);
}

static void on_continue(void *ud) { (void)ud; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t step = (size_t)(data[0] % 97) + 1;
  gd_http_parser p;
  if (gd_http_parser_init(&p, MAX_HEADERS, MAX_BODY, on_request, NULL) != 0) return 0;
  gd_http_parser_on_continue(&p, on_continue);
  for (size_t off = 1; off < size; off += step) {
    size_t n = size - off < step ? size - off : step;
    ssize_t used = gd_http_parser_feed(&p, (const char *)data + off, n);
    if (used < 0) break;
    assert((size_t)used <= n);
    if (gd_http_parser_upgraded(&p)) break; /* the rest belongs to the WebSocket */
  }
  gd_http_parser_free(&p);
  return 0;
}
