/* libFuzzer target: a headless session's line handling (rpcline.c over lines.c). Bytes go
 * through the framing in random-sized reads; each line is classified and recorded, and
 * checked as a caller's request. Invariants: every line handed over is NUL-terminated valid
 * UTF-8 of the stated length; a line taken as a message is a JSON-RPC 2.0 object; a record
 * always serialises; a checked request is either {method, params: object} or an error
 * response with an integer code. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "rpcline.h"

static gd_rpcline_state st;

static void on_line(void *ud, const char *line, size_t len) {
  (void)ud;
  assert(strlen(line) == len);
  for (size_t i = 0; i < len;) {
    size_t n = gd_lines_utf8_seq((const unsigned char *)line + i, len - i);
    assert(n > 0);
    i += n;
  }
  json_t *m = gd_rpcline_message(line, len);
  if (m) {
    assert(json_is_object(m));
    assert(strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0") == 0);
    json_decref(m);
  } else {
    json_t *r = gd_rpcline_record(&st, (len & 1) ? "stderr" : "stdout", line, 0);
    char *s = json_dumps(r, JSON_COMPACT);
    assert(s);
    free(s);
    json_decref(r);
  }
  json_t *out = NULL;
  if (gd_rpcline_request(line, len, &out) == 0) {
    assert(json_is_string(json_object_get(out, "method")));
    assert(json_is_object(json_object_get(out, "params")));
  } else {
    assert(json_is_integer(json_object_get(json_object_get(out, "error"), "code")));
  }
  json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gd_lines l;
  memset(&st, 0, sizeof st);
  if (gd_lines_init(&l, 257, on_line, NULL) != 0) return 0;
  size_t i = 0;
  while (i < size) {
    size_t step = 1 + (data[i] % 61);
    if (step > size - i) step = size - i;
    gd_lines_feed(&l, (const char *)data + i, step);
    i += step;
  }
  gd_lines_flush(&l);
  gd_lines_free(&l);
  return 0;
}
