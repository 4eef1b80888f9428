#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int gd__level = GD_LOG_INFO;
static gd_log_sink gd__sink;
static void *gd__sink_ud;

void gd_log_init(void) {
  const char *env = getenv("GODOTD_LOG");
  if (!env) return;
  if (strcmp(env, "debug") == 0) gd__level = GD_LOG_DEBUG;
  else if (strcmp(env, "warn") == 0) gd__level = GD_LOG_WARN;
  else if (strcmp(env, "error") == 0) gd__level = GD_LOG_ERROR;
}

void gd_log_set_sink(gd_log_sink sink, void *ud) {
  gd__sink = sink;
  gd__sink_ud = ud;
}

void gd_log(int level, const char *fmt, ...) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (level < gd__level) return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ godotd %s: %.*s\n", tm.tm_year + 1900,
          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
          names[level], (int)len, line);
  if (gd__sink) gd__sink(gd__sink_ud, level, line, len);
}
