#include "lines.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int gd_lines_init(gd_lines *l, size_t max, gd_lines_cb cb, void *ud) {
  memset(l, 0, sizeof *l);
  if (max < 4) return -1;
  l->cap = max < GD_LINES_FIRST_CAP ? max : GD_LINES_FIRST_CAP;
  l->buf = malloc(l->cap + 1);
  if (!l->buf) return -1;
  l->max = max;
  l->cb = cb;
  l->ud = ud;
  return 0;
}

void gd_lines_free(gd_lines *l) {
  free(l->buf);
  memset(l, 0, sizeof *l);
}

size_t gd_lines_utf8_seq(const unsigned char *s, size_t avail) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (avail < n || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* gd_lines_utf8_copy, with NUL bytes replaced too when nul is set. */
static char *gd__copy(const char *s, size_t len, size_t *out_len, bool nul) {
  const unsigned char *u = (const unsigned char *)s;
  size_t need = 0;
  for (size_t i = 0; i < len;) {
    size_t n = u[i] || !nul ? gd_lines_utf8_seq(u + i, len - i) : 0;
    need += n ? n : 3;
    i += n ? n : 1;
  }
  char *out = malloc(need + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    size_t n = u[i] || !nul ? gd_lines_utf8_seq(u + i, len - i) : 0;
    if (n) {
      memcpy(out + o, s + i, n);
      o += n;
      i += n;
    } else {
      memcpy(out + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    }
  }
  out[o] = '\0';
  *out_len = o;
  return out;
}

char *gd_lines_utf8_copy(const char *s, size_t len, size_t *out_len) {
  return gd__copy(s, len, out_len, false);
}

/* Hands s (len bytes) to the callback, invalid UTF-8 replaced by U+FFFD. */
static void gd__emit(gd_lines *l, const char *s, size_t len) {
  if (len && s[len - 1] == '\r') len--;
  const unsigned char *u = (const unsigned char *)s;
  bool clean = true;
  for (size_t i = 0; i < len && clean;) {
    size_t n = u[i] ? gd_lines_utf8_seq(u + i, len - i) : 0;
    clean = n != 0;
    i += n;
  }
  if (clean) {
    char save = l->buf[len];
    if (s == l->buf) l->buf[len] = '\0';
    l->cb(l->ud, s, len);
    if (s == l->buf) l->buf[len] = save;
    return;
  }
  size_t o;
  char *out = gd__copy(s, len, &o, true);
  if (!out) return;
  l->cb(l->ud, out, o);
  free(out);
}

/* Where to cut a full buffer of max bytes: before a UTF-8 sequence the end would split. */
static size_t gd__cut(const char *s, size_t max) {
  const unsigned char *u = (const unsigned char *)s;
  size_t p = max - 1;
  while (p > 0 && (u[p] & 0xC0) == 0x80 && max - p < 4) p--;
  size_t want = u[p] >= 0xF0 ? 4 : u[p] >= 0xE0 ? 3 : u[p] >= 0xC0 ? 2 : 1;
  return p > 0 && want > max - p ? p : max;
}

/* Room for want bytes of partial line (want <= max): the buffer grows by doubling, so a
 * session's 64 MiB line limit costs nothing until a line that long comes. */
static bool gd__room(gd_lines *l, size_t want) {
  if (want <= l->cap) return true;
  size_t cap = l->cap;
  while (cap < want) cap = cap > l->max / 2 ? l->max : cap * 2;
  char *grown = realloc(l->buf, cap + 1);
  if (!grown) return false;
  l->buf = grown;
  l->cap = cap;
  return true;
}

void gd_lines_feed(gd_lines *l, const char *bytes, size_t n) {
  while (n > 0) {
    const char *nl = memchr(bytes, '\n', n);
    size_t take = nl ? (size_t)(nl - bytes) : n;
    while (take > 0) {
      if (l->len == l->max) {
        size_t cut = gd__cut(l->buf, l->max);
        gd__emit(l, l->buf, cut);
        memmove(l->buf, l->buf + cut, l->len - cut);
        l->len -= cut;
      }
      size_t chunk = l->max - l->len < take ? l->max - l->len : take;
      if (!gd__room(l, l->len + chunk)) {
        /* Out of memory: the line is cut where the buffer ends instead. */
        chunk = l->cap - l->len < chunk ? l->cap - l->len : chunk;
        if (chunk == 0) {
          gd__emit(l, l->buf, l->len);
          l->len = 0;
          continue;
        }
      }
      memcpy(l->buf + l->len, bytes, chunk);
      l->len += chunk;
      bytes += chunk;
      n -= chunk;
      take -= chunk;
    }
    if (!nl) return;
    gd__emit(l, l->buf, l->len);
    l->len = 0;
    bytes++;
    n--;
  }
}

void gd_lines_flush(gd_lines *l) {
  if (!l->len) return;
  gd__emit(l, l->buf, l->len);
  l->len = 0;
}

static bool gd__starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *gd_lines_severity(const char *line) {
  while (*line == ' ' || *line == '\t') line++;
  if (gd__starts(line, "ERROR:") || gd__starts(line, "SCRIPT ERROR:") ||
      gd__starts(line, "USER ERROR:") || gd__starts(line, "FATAL:") ||
      gd__starts(line, "SHADER ERROR:") || strstr(line, "Program crashed with signal"))
    return "error";
  if (gd__starts(line, "WARNING:") || gd__starts(line, "USER WARNING:") ||
      gd__starts(line, "SCRIPT WARNING:"))
    return "warning";
  return "info";
}
