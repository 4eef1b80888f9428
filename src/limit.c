#include "limit.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *const gd__names[] = {
#define GD__LIMIT_NAME(id, name, what) name,
    GD_LIMITS(GD__LIMIT_NAME)
#undef GD__LIMIT_NAME
};

static uint64_t gd__counts[GD_LIMIT_COUNT];
/* Per limit: when a line was last logged (monotonic s) and the hits not logged since. */
static int64_t gd__logged_s[GD_LIMIT_COUNT];
static uint64_t gd__unlogged[GD_LIMIT_COUNT];

static int64_t gd__now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec;
}

void gd_limit_hit(gd_limit which, const char *fmt, ...) {
  if ((unsigned)which >= GD_LIMIT_COUNT) return;
  gd__counts[which]++;
  int64_t now = gd__now_s();
  if (gd__logged_s[which] && now - gd__logged_s[which] < 1) {
    gd__unlogged[which]++;
    return;
  }
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (gd__unlogged[which])
    gd_warn("limit %s: %s (and %llu more hits in the last second)", gd__names[which], reason,
            (unsigned long long)gd__unlogged[which]);
  else
    gd_warn("limit %s: %s", gd__names[which], reason);
  gd__logged_s[which] = now;
  gd__unlogged[which] = 0;
}

uint64_t gd_limit_count(gd_limit which) {
  return (unsigned)which < GD_LIMIT_COUNT ? gd__counts[which] : 0;
}

const char *gd_limit_name(gd_limit which) {
  return (unsigned)which < GD_LIMIT_COUNT ? gd__names[which] : "unknown";
}

json_t *gd_limits_json(void) {
  json_t *o = json_object();
  for (int i = 0; o && i < GD_LIMIT_COUNT; i++)
    json_object_set_new(o, gd__names[i], json_integer((json_int_t)gd__counts[i]));
  return o;
}

void gd_limits_reset(void) {
  for (int i = 0; i < GD_LIMIT_COUNT; i++) gd__counts[i] = gd__unlogged[i] = 0, gd__logged_s[i] = 0;
}
