#include "ringlog.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

/* Where to cut s (len > max bytes) so the piece has at most max bytes: before the UTF-8
 * sequence that straddles max, if the bytes there look like one. */
static size_t gd__cut(const char *s, size_t max) {
  size_t cut = max;
  while (cut > 0 && max - cut < 3 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  if (cut == 0 || ((unsigned char)s[cut] & 0xC0) == 0x80) return max;
  return cut;
}

static bool gd__valid_stream(int stream) {
  return stream >= 0 && stream < GD_STREAM_COUNT;
}

int gd_ringlog_init(gd_ringlog *r, size_t capacity_entries, size_t max_line_bytes) {
  memset(r, 0, sizeof *r);
  if (capacity_entries == 0 || max_line_bytes == 0 || max_line_bytes >= SIZE_MAX / 2)
    return -EINVAL;
  r->entries = calloc(capacity_entries, sizeof *r->entries);
  if (!r->entries) return -ENOMEM;
  r->capacity = capacity_entries;
  r->max_line_bytes = max_line_bytes;
  r->next_id = 1;
  for (int s = 0; s < GD_STREAM_COUNT; s++) {
    r->partial[s].buf = malloc(max_line_bytes + 1);
    if (!r->partial[s].buf) {
      gd_ringlog_free(r);
      return -ENOMEM;
    }
  }
  return 0;
}

void gd_ringlog_free(gd_ringlog *r) {
  if (r->entries)
    for (size_t i = 0; i < r->capacity; i++) free(r->entries[i].line);
  free(r->entries);
  for (int s = 0; s < GD_STREAM_COUNT; s++) free(r->partial[s].buf);
  memset(r, 0, sizeof *r);
}

void gd_ringlog_set_line_cb(gd_ringlog *r, gd_ringlog_line_cb cb, void *ud) {
  r->cb = cb;
  r->cb_ud = ud;
}

/* Stores one entry of at most max_line_bytes raw bytes. Its id, or 0 when out of memory. */
static uint64_t gd__store(gd_ringlog *r, int stream, const char *line, size_t len,
                          int64_t now_ms) {
  size_t clean_len;
  char *clean = gd_lines_utf8_copy(line, len, &clean_len);
  if (!clean) return 0;
  gd_log_entry *e = &r->entries[(r->next_id - 1) % r->capacity];
  if (r->count == r->capacity) free(e->line);
  else r->count++;
  e->id = r->next_id++;
  e->ts_ms = now_ms;
  e->stream = stream;
  e->line = clean;
  e->len = clean_len;
  if (r->cb) r->cb(r->cb_ud, e);
  return e->id;
}

/* Stores a line in pieces of at most max_line_bytes; *added counts the entries stored.
 * The id of the first piece, or 0. */
static uint64_t gd__emit(gd_ringlog *r, int stream, const char *line, size_t len,
                         int64_t now_ms, size_t *added) {
  uint64_t first = 0;
  do {
    size_t n = len > r->max_line_bytes ? gd__cut(line, r->max_line_bytes) : len;
    uint64_t id = gd__store(r, stream, line, n, now_ms);
    if (!id) break;
    if (!first) first = id;
    (*added)++;
    line += n;
    len -= n;
  } while (len > 0);
  return first;
}

size_t gd_ringlog_feed(gd_ringlog *r, int stream, const char *buf, size_t len, int64_t now_ms) {
  if (!gd__valid_stream(stream)) return 0;
  char *pbuf = r->partial[stream].buf;
  size_t *plen = &r->partial[stream].len;
  size_t room = r->max_line_bytes + 1;
  size_t added = 0;
  while (len > 0) {
    const char *nl = memchr(buf, '\n', len);
    size_t seg = nl ? (size_t)(nl - buf) : len;
    const char *p = buf;
    size_t left = seg;
    while (left > 0) {
      if (*plen == room) {
        /* Full with more to come: store a piece, keep the rest (a cut UTF-8 sequence). */
        size_t cut = gd__cut(pbuf, r->max_line_bytes);
        gd__emit(r, stream, pbuf, cut, now_ms, &added);
        memmove(pbuf, pbuf + cut, *plen - cut);
        *plen -= cut;
      }
      size_t n = left < room - *plen ? left : room - *plen;
      memcpy(pbuf + *plen, p, n);
      *plen += n;
      p += n;
      left -= n;
    }
    if (!nl) break;
    size_t line_len = *plen;
    if (line_len > 0 && pbuf[line_len - 1] == '\r') line_len--;
    gd__emit(r, stream, pbuf, line_len, now_ms, &added);
    *plen = 0;
    buf += seg + 1;
    len -= seg + 1;
  }
  return added;
}

void gd_ringlog_flush(gd_ringlog *r, int stream, int64_t now_ms) {
  if (!gd__valid_stream(stream) || r->partial[stream].len == 0) return;
  size_t len = r->partial[stream].len;
  if (r->partial[stream].buf[len - 1] == '\r') len--;
  size_t added = 0;
  gd__emit(r, stream, r->partial[stream].buf, len, now_ms, &added);
  r->partial[stream].len = 0;
}

uint64_t gd_ringlog_add(gd_ringlog *r, int stream, const char *line, size_t len, int64_t now_ms) {
  if (!gd__valid_stream(stream)) return 0;
  size_t added = 0;
  return gd__emit(r, stream, line, len, now_ms, &added);
}

uint64_t gd_ringlog_last_id(const gd_ringlog *r) {
  return r->next_id ? r->next_id - 1 : 0;
}

const gd_log_entry *gd_ringlog_get(const gd_ringlog *r, uint64_t id) {
  if (id == 0 || id >= r->next_id || r->next_id - id > r->count) return NULL;
  return &r->entries[(id - 1) % r->capacity];
}

const char *gd_ringlog_stream_name(int stream) {
  switch (stream) {
  case GD_STREAM_STDOUT: return "stdout";
  case GD_STREAM_STDERR: return "stderr";
  default: return "daemon";
  }
}

json_t *gd_ringlog_to_json(const gd_ringlog *r, uint64_t since, size_t limit) {
  uint64_t last = gd_ringlog_last_id(r);
  uint64_t first = last + 1 - r->count;
  json_t *list = json_array();
  if (!list) return NULL;
  uint64_t next = since < last ? since : last;
  if (since < last) {
    uint64_t id = since + 1 > first ? since + 1 : first;
    for (size_t n = 0; id <= last && (limit == 0 || n < limit); id++, n++) {
      const gd_log_entry *e = gd_ringlog_get(r, id);
      if (!e) break; /* cannot happen: first <= id <= last */
      json_t *o = json_pack("{s:I,s:I,s:s,s:s%}", "id", (json_int_t)e->id, "ts_ms",
                            (json_int_t)e->ts_ms, "stream", gd_ringlog_stream_name(e->stream),
                            "line", e->line, e->len);
      if (!o || json_array_append_new(list, o) != 0) {
        json_decref(list);
        return NULL;
      }
      next = id;
    }
  }
  return json_pack("{s:o,s:I,s:I,s:b}", "entries", list, "next", (json_int_t)next, "first_id",
                   (json_int_t)first, "truncated", since < first - 1);
}
