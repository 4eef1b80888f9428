#include "log.h"

#include "lines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int gd__level = GD_LOG_INFO;
static gd_log_sink gd__sink;
static void *gd__sink_ud;
static int gd__format = GD_LOG_TEXT;
static void (*gd__writer)(int level, const char *line, size_t len);
static const char *gd__field_name, *gd__field_value;

void gd_log_set_format(int format) {
  gd__format = format;
  gd__writer = NULL;
}

void gd_log_set_writer(void (*writer)(int level, const char *line, size_t len)) {
  gd__writer = writer;
}

void gd_log_set_field(const char *name, const char *value) {
  gd__field_name = name;
  gd__field_value = value;
}

/* s as the inside of a JSON string (RFC 8259 §7) on f. */
static void gd__json_str(FILE *f, const char *s, size_t len) {
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80) {
      /* Invalid UTF-8 would make the line no JSON at all: U+FFFD for each bad byte. */
      size_t n = gd_lines_utf8_seq((const unsigned char *)s + i, len - i);
      if (n) fwrite(s + i, 1, n, f);
      else fputs("\\ufffd", f);
      i += n ? n : 1;
      continue;
    }
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
    i++;
  }
}

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

  if (gd__writer) {
    gd__writer(level, line, len);
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[96];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
    if (gd__format == GD_LOG_JSON) {
      flockfile(stderr);
      fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", when, names[level]);
      gd__json_str(stderr, line, len);
      fputc('"', stderr);
      if (gd__field_name && gd__field_value && gd__field_value[0]) {
        fprintf(stderr, ",\"%s\":\"", gd__field_name);
        gd__json_str(stderr, gd__field_value, strlen(gd__field_value));
        fputc('"', stderr);
      }
      fputs("}\n", stderr);
      funlockfile(stderr);
    } else {
      fprintf(stderr, "%s godotd %s: %.*s\n", when, names[level], (int)len, line);
    }
  }
  if (gd__sink) gd__sink(gd__sink_ud, level, line, len);
}
