/* runtime: the daemon's own commands (registry entries with "runs": "daemon") — the output
 * stream (get_output, clear_output, wait_for_output), run_and_capture, get_game_state and
 * take_screenshot, which picks its target (a game's runtime agent or the editor's addon).
 *
 * Owns each such call from its params to its one answer through gd_ops_done, the waits on the
 * output stream and the timers they need. Calls ops (forwarding to the editor or a game), output,
 * game, registry, errors, libuv, jansson, and POSIX regex.
 */
#ifndef GD_RUNTIME_H
#define GD_RUNTIME_H

#include <stdint.h>

typedef struct gd_ops_call gd_ops_call;

/* Runs the daemon command of c (its params already validated); answers with gd_ops_done, inline
 * or later. wait_ms: how long a part that needs the editor waits for it to be ready. */
void gd_runtime_run(gd_ops_call *c, uint64_t wait_ms);

#endif
