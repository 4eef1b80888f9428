#include "backoff.h"

#include <string.h>

void gd_backoff_init(gd_backoff *b, uint64_t base_ms, uint64_t max_ms) {
  b->base_ms = base_ms < max_ms ? base_ms : max_ms;
  b->max_ms = max_ms;
  gd_backoff_reset(b);
}

uint64_t gd_backoff_next(gd_backoff *b) {
  uint64_t delay = b->next_ms;
  /* Doubling past max_ms / 2 would reach the cap anyway; comparing first avoids wrapping. */
  b->next_ms = b->next_ms > b->max_ms / 2 ? b->max_ms : b->next_ms * 2;
  if (b->attempts < ~0u) b->attempts++;
  return delay;
}

void gd_backoff_reset(gd_backoff *b) {
  b->next_ms = b->base_ms;
  b->attempts = 0;
}

void gd_crashguard_init(gd_crashguard *g, unsigned max_crashes, uint64_t window_ms) {
  memset(g, 0, sizeof *g);
  if (max_crashes < 1) max_crashes = 1;
  if (max_crashes > GD_CRASHGUARD_MAX) max_crashes = GD_CRASHGUARD_MAX;
  g->max_crashes = max_crashes;
  g->window_ms = window_ms;
}

static bool gd__within(const gd_crashguard *g, uint64_t t, uint64_t now_ms) {
  return t >= now_ms || now_ms - t < g->window_ms;
}

bool gd_crashguard_record(gd_crashguard *g, uint64_t now_ms) {
  g->times[g->head] = now_ms;
  g->head = (g->head + 1) % g->max_crashes;
  if (g->len < g->max_crashes) g->len++;
  return gd_crashguard_count(g, now_ms) >= g->max_crashes;
}

unsigned gd_crashguard_count(const gd_crashguard *g, uint64_t now_ms) {
  unsigned n = 0;
  for (unsigned i = 0; i < g->len; i++)
    if (gd__within(g, g->times[i], now_ms)) n++;
  return n;
}

void gd_crashguard_reset(gd_crashguard *g) {
  g->head = 0;
  g->len = 0;
}
