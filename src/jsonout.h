/* jsonout: how numbers leave the daemon, so agents read 0.3 where Godot's inspector shows 0.3.
 *
 * Owns two rules. (1) Values from the editor that are exactly a float32 (Godot stores most
 * reals as 32-bit: positions, colors, rotations) are replaced by the shortest decimal that gives
 * the same float32, as Godot writes them into .tscn files; setting such a value back yields the
 * identical float32. (2) JSON written to clients (HTTP bodies, MCP messages) prints reals with
 * GD_JSON_REAL_DIGITS significant digits instead of jansson's 17, which turns 0.1 into
 * 0.10000000000000001. Messages to the addon keep 17 digits (lossless). Calls only jansson.
 */
#ifndef GD_JSONOUT_H
#define GD_JSONOUT_H

#include <jansson.h>

/* 16 digits: every decimal of up to 15 digits an agent sent comes back as it was written. */
#define GD_JSON_REAL_DIGITS 16

/* Rule (1) on every real in j, in place (objects and arrays recursively). Only non-integral
 * reals are touched: a float32 with a fraction is below 2^23, so large doubles (timestamps)
 * that happen to be float32-exact keep their value. j may be NULL. */
void gd_json_tidy_float32(json_t *j);

/* json_dumps(j, flags) with rule (2). Returns malloc'd text (free()), NULL on failure. */
char *gd_json_dumps_out(const json_t *j, size_t flags);

#endif
