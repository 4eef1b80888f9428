/* ringlog: a bounded ring of output lines — Godot's stdout/stderr and the daemon's own log.
 *
 * Owns the entries (each line a malloc'ed copy, sanitized to valid UTF-8 so every consumer can
 * put it in JSON or a WebSocket text frame as is), the partial last line of each stream until
 * its newline arrives, and monotonically increasing ids so a client can poll "what is new since
 * id N" and learn when it fell behind (entries overwritten before it read them). When full, the
 * oldest entry is dropped. No clock and no I/O: times come from the caller, and an optional
 * callback sees each new entry (the supervisor appends it to a log file). Calls jansson and
 * lines (UTF-8 checks).
 */
#ifndef GD_RINGLOG_H
#define GD_RINGLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum { GD_STREAM_DAEMON = 0, GD_STREAM_STDOUT = 1, GD_STREAM_STDERR = 2 };
#define GD_STREAM_COUNT 3

typedef struct gd_log_entry {
  uint64_t id;    /* 1, 2, 3 ... never reused */
  int64_t ts_ms;  /* the now_ms given when the line was completed */
  int stream;     /* GD_STREAM_* */
  char *line;     /* valid UTF-8, NUL-terminated, no newline; owned by the ring */
  size_t len;     /* bytes in line, without the NUL */
} gd_log_entry;

/* Sees each new entry right after it is stored; e and its line are valid only during the call.
 * Must not call back into the same ring. */
typedef void (*gd_ringlog_line_cb)(void *ud, const gd_log_entry *e);

typedef struct gd_ringlog {
  gd_log_entry *entries; /* capacity slots; id i lives in slot (i - 1) % capacity */
  size_t capacity;
  size_t count;          /* slots in use */
  uint64_t next_id;      /* id the next entry gets */
  size_t max_line_bytes;
  struct {
    char *buf;           /* max_line_bytes + 1 bytes: room to see a trailing '\r' */
    size_t len;
  } partial[GD_STREAM_COUNT];
  gd_ringlog_line_cb cb;
  void *cb_ud;
} gd_ringlog;

/* Prepares r (caller-owned) for capacity_entries lines of at most max_line_bytes raw bytes
 * each. 0, -EINVAL (a zero size) or -ENOMEM. Free with gd_ringlog_free. */
int gd_ringlog_init(gd_ringlog *r, size_t capacity_entries, size_t max_line_bytes);
/* Frees every entry and pending partial line (without emitting them). Safe on a zeroed r. */
void gd_ringlog_free(gd_ringlog *r);
/* cb (NULL to remove) is called for each new entry, with ud. */
void gd_ringlog_set_line_cb(gd_ringlog *r, gd_ringlog_line_cb cb, void *ud);

/* Takes len raw bytes read from stream (GD_STREAM_*; anything else is ignored) and stores each
 * completed line: lines end at '\n', and one '\r' right before it is dropped. Bytes after the
 * last '\n' wait for the next call (one partial line per stream). A line longer than
 * max_line_bytes is stored in pieces of at most max_line_bytes, cut before a UTF-8 sequence
 * rather than inside it. Invalid UTF-8 is stored as U+FFFD. Returns the entries added (0 also
 * when out of memory: the line is then lost, never half-kept). */
size_t gd_ringlog_feed(gd_ringlog *r, int stream, const char *buf, size_t len, int64_t now_ms);
/* Stores stream's pending partial line, if any (the stream closed without a final '\n'). */
void gd_ringlog_flush(gd_ringlog *r, int stream, int64_t now_ms);
/* Stores one whole line (no splitting on '\n'; pieces as in feed if longer than
 * max_line_bytes). Returns the id of its (first) entry, or 0 when out of memory or the stream
 * is invalid. */
uint64_t gd_ringlog_add(gd_ringlog *r, int stream, const char *line, size_t len, int64_t now_ms);

/* The entries with id > since, oldest first, at most limit (0 = all kept), as a new reference:
 *   {"entries":[{"id":N,"ts_ms":N,"stream":"stdout"|"stderr"|"daemon","line":"..."}, ...],
 *    "next":N,        pass as since next time: the last id returned, or the last id stored
 *                     when nothing is newer (also when since is ahead, e.g. an old daemon's id)
 *    "first_id":N,    oldest id still kept (last id + 1 when the ring is empty)
 *    "truncated":B}   true when entries after since were already overwritten
 * NULL only when out of memory. */
json_t *gd_ringlog_to_json(const gd_ringlog *r, uint64_t since, size_t limit);
/* Id of the newest entry, 0 before the first. */
uint64_t gd_ringlog_last_id(const gd_ringlog *r);
/* Entry with this id if still kept, else NULL; valid until the next feed/add/flush. */
const gd_log_entry *gd_ringlog_get(const gd_ringlog *r, uint64_t id);
/* Name used in JSON for a GD_STREAM_* value ("daemon" for unknown values). */
const char *gd_ringlog_stream_name(int stream);

#endif
