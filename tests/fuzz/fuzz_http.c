/* libFuzzer target: HTTP/1.1 request framing (http.c), as the server feeds it from a socket.
 * The input is parsed twice: in one read, and in reads of a size the first byte picks, so one
 * input also tests every way the bytes can be split. Invariants: both give the same requests and
 * the same error (the split must not change the verdict), a delivered body never exceeds the
 * body limit, a delivered request has a method and a path, and the parser never reports more
 * bytes used than it was given. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

#define MAX_HEADERS 4096
#define MAX_BODY 8192

typedef struct {
  unsigned requests;
  size_t body_bytes;
} outcome;

static void on_request(void *ud, gd_http_request *req) {
  outcome *o = ud;
  assert(req->body != NULL && req->body_len <= MAX_BODY && req->body[req->body_len] == '\0');
  assert(req->method[0] != '\0' && req->path != NULL);
  o->requests++;
  o->body_bytes += req->body_len;
  gd_http_request_free(req);
}

static void on_continue(void *ud) { (void)ud; }

/* Feeds data in reads of step bytes; returns the first error (0 for none). */
static ssize_t parse(const uint8_t *data, size_t size, size_t step, outcome *o) {
  gd_http_parser p;
  if (gd_http_parser_init(&p, MAX_HEADERS, MAX_BODY, on_request, o) != 0) return 0;
  gd_http_parser_on_continue(&p, on_continue);
  ssize_t err = 0;
  for (size_t off = 0; off < size; off += step) {
    size_t n = size - off < step ? size - off : step;
    ssize_t used = gd_http_parser_feed(&p, (const char *)data + off, n);
    if (used < 0) {
      err = used;
      break;
    }
    assert((size_t)used <= n);
    if (gd_http_parser_upgraded(&p)) break; /* the rest belongs to the WebSocket */
  }
  gd_http_parser_free(&p);
  return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t step = (size_t)(data[0] % 97) + 1;
  outcome whole = {0, 0}, split = {0, 0};
  ssize_t e1 = parse(data + 1, size - 1, size, &whole);
  ssize_t e2 = parse(data + 1, size - 1, step, &split);
  assert(e1 == e2);
  assert(whole.requests == split.requests && whole.body_bytes == split.body_bytes);
  return 0;
}
