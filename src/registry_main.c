/* `godotd registry`: writes or checks the artefacts generated from the command registry — the
 * addon's copy (addons/godotd/commands.gen.json) and the reference (docs/commands.md) — so a
 * command is added in schema/commands/ and one handler file, and nothing drifts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "install.h"
#include "registry.h"

/* Compares want with the file at path; with write, replaces the file when it differs.
 * 0 when equal (or written), 1 when stale (check mode), -1 on an I/O error. */
static int gd__sync(const char *path, const char *want, int write) {
  size_t len = 0;
  char *have = gd_read_file(path, 64u << 20, &len);
  int same = have && len == strlen(want) && memcmp(have, want, len) == 0;
  free(have);
  if (same) return 0;
  if (!write) {
    fprintf(stderr, "godotd registry: %s is stale; run `godotd registry --write`\n", path);
    return 1;
  }
  int rc = gd_write_file_atomic(path, want, strlen(want), 0644);
  if (rc != 0) {
    fprintf(stderr, "godotd registry: cannot write %s: %s\n", path, strerror(-rc));
    return -1;
  }
  printf("wrote %s\n", path);
  return 0;
}

int gd_registry_main(int argc, char **argv) {
  const char *dir = GODOTD_SOURCE_ROOT "/schema/commands", *root = GODOTD_SOURCE_ROOT;
  int write = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--write") == 0) write = 1;
    else if (strcmp(argv[i], "--check") == 0) write = 0;
    else if (strcmp(argv[i], "--registry") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) root = argv[++i];
    else {
      fprintf(stderr, "usage: godotd registry [--check | --write] [--registry DIR] [--root DIR]\n");
      return 2;
    }
  }
  gd_registry r;
  char err[512];
  if (gd_registry_load(&r, dir, err, sizeof err) != 0) {
    fprintf(stderr, "godotd registry: %s\n", err);
    return 1;
  }
  json_t *copy = gd_registry_addon_copy(&r);
  char *json = json_dumps(copy, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  json_decref(copy);
  char *md = gd_registry_markdown(&r);
  int rc = 1;
  if (json && md) {
    size_t jl = strlen(json);
    char *jsonnl = malloc(jl + 2);
    if (jsonnl) {
      memcpy(jsonnl, json, jl);
      memcpy(jsonnl + jl, "\n", 2);
      char p1[4096], p2[4096];
      snprintf(p1, sizeof p1, "%s/addons/godotd/commands.gen.json", root);
      snprintf(p2, sizeof p2, "%s/docs/commands.md", root);
      int a = gd__sync(p1, jsonnl, write), b = gd__sync(p2, md, write);
      rc = a < 0 || b < 0 ? 1 : a || b ? 1 : 0;
      if (rc == 0 && !write) printf("registry: %zu commands, generated files up to date\n", r.count);
      free(jsonnl);
    }
  }
  free(json);
  free(md);
  gd_registry_free(&r);
  return rc;
}
