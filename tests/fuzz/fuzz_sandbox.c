/* libFuzzer target: the sandbox's res:// path normalisation (sandbox.c). Invariants: a path it
 * accepts starts with res://, has no "." or ".." segment and no empty segment, and
 * normalising it again gives the same path (idempotent). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = malloc(size + 1);
  if (!in) return 0;
  memcpy(in, data, size);
  in[size] = '\0';
  char norm[4096], again[4096];
  int rc = gd_sandbox_normalize(in, norm, sizeof norm);
  if (rc == GD_SANDBOX_OK) {
    assert(strncmp(norm, "res://", 6) == 0);
    const char *rest = strstr(norm, "://") + 3;
    assert(strstr(rest, "/../") == NULL && strncmp(rest, "../", 3) != 0 && strcmp(rest, "..") != 0);
    assert(strstr(rest, "/./") == NULL && strncmp(rest, "./", 2) != 0);
    assert(strstr(rest, "//") == NULL);
    size_t n = strlen(rest);
    assert(!(n >= 3 && strcmp(rest + n - 3, "/..") == 0));
    assert(gd_sandbox_normalize(norm, again, sizeof again) == GD_SANDBOX_OK);
    assert(strcmp(norm, again) == 0);
  } else {
    assert(rc == GD_SANDBOX_INVALID || rc == GD_SANDBOX_OUTSIDE);
  }
  free(in);
  return 0;
}
