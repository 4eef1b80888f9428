/* sandbox: maps res:// paths to files inside the project and refuses escapes (user:// comes
 * with the file commands).
 *
 * Owns the rule every file-touching route follows: a res:// path resolves under the project
 * directory, `..` may not climb above it, and no symlink may lead outside it. Pure apart from
 * realpath(3) on the existing part of the path. Calls only libc.
 */
#ifndef GD_SANDBOX_H
#define GD_SANDBOX_H

#include <stddef.h>

enum {
  GD_SANDBOX_OK = 0,
  GD_SANDBOX_INVALID = -1, /* not a res:// path, empty, NUL, or too long */
  GD_SANDBOX_OUTSIDE = -2, /* escapes the project (.. or a symlink) */
  GD_SANDBOX_MISSING = -3, /* inside, but does not exist (only with must_exist) */
};

/* Normalizes res_path ("res://a/./b/../c.tscn" → "res://a/c.tscn") into norm (norm_size bytes)
 * without touching the disk. Returns GD_SANDBOX_OK, _INVALID or _OUTSIDE. */
int gd_sandbox_normalize(const char *res_path, char *norm, size_t norm_size);

/* Resolves res_path to an absolute file path under project_dir (absolute, no trailing slash)
 * into abs (abs_size bytes), following symlinks of the existing part and checking the result
 * stays inside the project. Returns a GD_SANDBOX_* code. */
int gd_sandbox_resolve(const char *project_dir, const char *res_path, int must_exist, char *abs,
                       size_t abs_size);

#endif
