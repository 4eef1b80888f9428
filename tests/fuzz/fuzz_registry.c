/* libFuzzer target: the registry's param validation (registry.c, gd_registry_validate), which
 * every command's params pass before they reach the editor. The real registry is loaded once;
 * bytes 0-1 pick the command, the rest is the params as JSON. Invariants: validation answers
 * 0 or -1, and a refusal always says why. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"

static gd_registry reg;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[512];
  const char *dir = getenv("GODOTD_REGISTRY");
  if (gd_registry_load(&reg, dir ? dir : GODOTD_SOURCE_ROOT "/schema/commands", err, sizeof err) != 0) {
    fprintf(stderr, "fuzz_registry: %s\n", err);
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const gd_command *cmd = &reg.commands[((size_t)data[0] << 8 | data[1]) % reg.count];
  json_t *params = json_loadb((const char *)data + 2, size - 2, JSON_DECODE_ANY, NULL);
  if (!params) return 0;
  char err[512];
  err[0] = '\0';
  int rc = gd_registry_validate(cmd, params, err, sizeof err);
  assert(rc == 0 || rc == -1);
  if (rc != 0) assert(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
  json_decref(params);
  return 0;
}
