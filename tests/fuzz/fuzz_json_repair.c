/* libFuzzer target: the bridge's repair of JSON that Godot's JSON.stringify wrote with control
 * characters JSON forbids (bridge.c, gd_bridge_json_repair). Invariants: valid JSON comes out
 * byte for byte unchanged; the output never holds a raw control character inside a string; its
 * length is what it says. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t n = 0;
  char *out = gd_bridge_json_repair((const char *)data, size, &n);
  if (!out) return 0;
  assert(strlen(out) <= n && n <= size * 6);
  json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  if (in && memchr(data, '\0', size) == NULL) {
    assert(n == size && memcmp(out, data, size) == 0);
  }
  json_decref(in);
  free(out);
  return 0;
}
