/* backoff: the restart delay after a crash and the crash-loop guard that gives up.
 *
 * Owns two small caller-embedded state machines with no clock of their own: every time is a
 * millisecond count the caller passes in (any monotonic origin), so both are pure and testable.
 * gd_backoff doubles a delay from base to a cap; gd_crashguard remembers the most recent crash
 * times and trips when too many fall inside a sliding window. Calls nothing.
 */
#ifndef GD_BACKOFF_H
#define GD_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gd_backoff {
  uint64_t base_ms, max_ms, next_ms;
  unsigned attempts; /* delays handed out since the last reset */
} gd_backoff;

/* Starts at base_ms (clamped to max_ms). base_ms 0 means "restart at once", always. */
void gd_backoff_init(gd_backoff *b, uint64_t base_ms, uint64_t max_ms);
/* The delay to wait now: base, 2*base, 4*base ... capped at max_ms (no overflow for any
 * value), then advances. */
uint64_t gd_backoff_next(gd_backoff *b);
/* Back to base_ms, e.g. once a run stayed up long enough to count as healthy. */
void gd_backoff_reset(gd_backoff *b);

/* Crash times remembered; max_crashes is clamped to this. */
#define GD_CRASHGUARD_MAX 32

typedef struct gd_crashguard {
  uint64_t times[GD_CRASHGUARD_MAX]; /* ring of the most recent crash times, ms */
  unsigned head;                     /* next slot to write */
  unsigned len;                      /* slots in use, <= max_crashes */
  unsigned max_crashes;
  uint64_t window_ms;
} gd_crashguard;

/* max_crashes is clamped to [1, GD_CRASHGUARD_MAX]. */
void gd_crashguard_init(gd_crashguard *g, unsigned max_crashes, uint64_t window_ms);
/* Records a crash at now_ms. True ("tripped") when this makes max_crashes crashes within the
 * last window_ms, counting this one: a crash at t is within the window while now_ms - t <
 * window_ms. A time later than now_ms (clock stepped back) counts as within. */
bool gd_crashguard_record(gd_crashguard *g, uint64_t now_ms);
/* Remembered crashes within the window ending at now_ms (at most max_crashes). */
unsigned gd_crashguard_count(const gd_crashguard *g, uint64_t now_ms);
/* Forgets every crash (e.g. on an explicit start after the guard tripped). */
void gd_crashguard_reset(gd_crashguard *g);

#endif
