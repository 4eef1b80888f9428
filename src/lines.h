/* lines: a child process's output as lines — the framing every reader of Godot's stdout and
 * stderr needs (games the daemon starts, test runners, headless sessions).
 *
 * Owns one stream's partial line between reads, the cut of an over-long line into pieces of at
 * most max bytes (never inside a UTF-8 sequence that looks whole), the dropping of the '\r' of
 * CRLF, the replacement of invalid UTF-8 and of NUL bytes by U+FFFD (so every line can go into
 * JSON and C strings as is), and
 * the severity Godot's own prefixes give a line. No I/O: bytes in, lines out through a callback.
 * Calls only libc.
 */
#ifndef GD_LINES_H
#define GD_LINES_H

#include <stddef.h>

/* Gets each line (NUL-terminated valid UTF-8, no newline; valid during the call). */
typedef void (*gd_lines_cb)(void *ud, const char *line, size_t len);

/* Bytes a stream's buffer starts with (it grows up to max as long lines need). */
#define GD_LINES_FIRST_CAP 4096

typedef struct gd_lines {
  char *buf;          /* cap + 1 bytes: the partial line */
  size_t len, cap, max;
  gd_lines_cb cb;
  void *ud;
} gd_lines;

/* Prepares l for lines of at most max bytes (> 3). 0, or -1 when out of memory. */
int gd_lines_init(gd_lines *l, size_t max, gd_lines_cb cb, void *ud);
void gd_lines_free(gd_lines *l);
/* Takes n bytes: calls cb for each line they complete (at '\n', or every max bytes). */
void gd_lines_feed(gd_lines *l, const char *bytes, size_t n);
/* The partial line, if any, as a line (the stream ended without a final newline). */
void gd_lines_flush(gd_lines *l);

/* Length of the valid UTF-8 sequence at s (avail > 0 bytes; RFC 3629 §4: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 when the bytes there are not one. */
size_t gd_lines_utf8_seq(const unsigned char *s, size_t avail);

/* A NUL-terminated copy of s (len bytes) with each byte that is not part of valid UTF-8
 * replaced by U+FFFD (a NUL byte is kept: U+0000 is valid); its length in *out_len. Malloc'ed;
 * NULL when out of memory. Lines handed to a gd_lines_cb have NUL replaced too. */
char *gd_lines_utf8_copy(const char *s, size_t len, size_t *out_len);

/* "error", "warning" or "info" from the prefix Godot prints (ERROR:, SCRIPT ERROR:, USER ERROR:,
 * FATAL:, the crash handler's lines; WARNING:, USER WARNING:). */
const char *gd_lines_severity(const char *line);

#endif
