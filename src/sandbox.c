#include "sandbox.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GD_RES "res://"

int gd_sandbox_normalize(const char *res_path, char *norm, size_t norm_size) {
  if (!res_path || strncmp(res_path, GD_RES, 6) != 0) return GD_SANDBOX_INVALID;
  const char *rest = res_path + 6;
  size_t rl = strlen(rest);
  if (rl >= PATH_MAX || norm_size < 7) return GD_SANDBOX_INVALID;
  /* Segments kept so far, as offsets into out after "res://". */
  char out[PATH_MAX + 8];
  size_t starts[PATH_MAX / 2];
  size_t depth = 0, len = 0;
  const char *p = rest;
  while (*p) {
    const char *end = strchr(p, '/');
    size_t seg = end ? (size_t)(end - p) : strlen(p);
    if (seg == 0 || (seg == 1 && p[0] == '.')) {
      /* "//" and "." add nothing */
    } else if (seg == 2 && p[0] == '.' && p[1] == '.') {
      if (depth == 0) return GD_SANDBOX_OUTSIDE;
      len = starts[--depth];
    } else {
      if (memchr(p, '\\', seg)) return GD_SANDBOX_INVALID;
      starts[depth++] = len;
      if (len) out[len++] = '/';
      memcpy(out + len, p, seg);
      len += seg;
    }
    p = end ? end + 1 : p + seg;
  }
  /* starts[] holds the offset before the separator, so a pop leaves no trailing '/'. */
  out[len] = '\0';
  if (6 + len + 1 > norm_size) return GD_SANDBOX_INVALID;
  snprintf(norm, norm_size, GD_RES "%s", out);
  return GD_SANDBOX_OK;
}

static int gd__inside(const char *root, const char *path) {
  size_t rl = strlen(root);
  return strncmp(root, path, rl) == 0 && (path[rl] == '\0' || path[rl] == '/');
}

int gd_sandbox_resolve(const char *project_dir, const char *res_path, int must_exist, char *abs,
                       size_t abs_size) {
  char norm[PATH_MAX + 8];
  int rc = gd_sandbox_normalize(res_path, norm, sizeof norm);
  if (rc != GD_SANDBOX_OK) return rc;
  char root[PATH_MAX];
  if (!realpath(project_dir, root)) return GD_SANDBOX_INVALID;
  char joined[2 * PATH_MAX + 2];
  snprintf(joined, sizeof joined, "%s/%s", root, norm + 6);
  if (strlen(joined) >= PATH_MAX) return GD_SANDBOX_INVALID;

  /* Resolve the longest existing prefix through realpath, so a symlink anywhere on the way is
   * judged by where it really leads; the missing tail can hold no symlink. */
  char probe[2 * PATH_MAX + 2];
  snprintf(probe, sizeof probe, "%s", joined);
  char *tail = NULL;
  char real[PATH_MAX];
  for (;;) {
    if (realpath(probe, real)) break;
    if (errno != ENOENT && errno != ENOTDIR) return GD_SANDBOX_INVALID;
    char *slash = strrchr(probe, '/');
    if (!slash || slash == probe) return GD_SANDBOX_INVALID;
    *slash = '\0';
    tail = joined + (slash - probe);
  }
  if (!gd__inside(root, real)) return GD_SANDBOX_OUTSIDE;
  if (tail && must_exist) return GD_SANDBOX_MISSING;
  if ((size_t)snprintf(abs, abs_size, "%s%s", real, tail ? tail : "") >= abs_size)
    return GD_SANDBOX_INVALID;
  return GD_SANDBOX_OK;
}
