/* libFuzzer target: WebSocket frames (ws.c over wslay), both as the server (masked frames from
 * the addon) and as a client. Byte 0 picks the side and the read size. Invariants: text handed
 * on is at most the message cap, on_close runs at most once, nothing is delivered after it. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "ws.h"

#define MAX_MESSAGE 4096

static int closes;

static void on_text(void *ud, const char *msg, size_t len) {
  (void)ud;
  (void)msg;
  assert(len <= MAX_MESSAGE);
  assert(closes == 0);
}

static void on_close(void *ud, uint16_t code) {
  (void)ud;
  (void)code;
  closes++;
  assert(closes == 1);
}

static int on_write(void *ud, const uint8_t *data, size_t len) {
  (void)ud;
  (void)data;
  (void)len;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  bool server = (data[0] & 1) == 0;
  size_t step = (size_t)(data[0] >> 1) + 1;
  closes = 0;
  gd_ws_callbacks cb = {.on_text = on_text, .on_close = on_close, .write = on_write};
  gd_ws *ws = gd_ws_new(server, &cb, NULL, MAX_MESSAGE);
  if (!ws) return 0;
  for (size_t off = 1; off < size; off += step) {
    size_t n = size - off < step ? size - off : step;
    if (gd_ws_feed(ws, data + off, n) < 0) break;
    if (off == 1 && size > 8) gd_ws_send_text(ws, "{\"type\":\"ping\"}", 15);
  }
  gd_ws_free(ws);
  return 0;
}
