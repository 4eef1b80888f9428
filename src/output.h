/* output: the one output stream of the editor and every game — print lines, warnings, errors
 * with file, line, function and script backtrace, and game start/exit/crash — as numbered
 * entries kept after a game exits (docs/protocol.md "Output").
 *
 * Owns a bounded ring of JSON entries (the oldest dropped when full), their ids (1, 2, ...,
 * never reused, so a cursor from get_output stays meaningful), the filters of get_output
 * (since, source, game, least severity, POSIX extended regex on the message) and the listeners
 * that see each new entry (wait_for_output, run_and_capture, MCP notifications). No clock and
 * no I/O: times come in the entries. Calls only jansson and libc.
 */
#ifndef GD_OUTPUT_H
#define GD_OUTPUT_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { GD_SEV_INFO = 0, GD_SEV_WARNING = 1, GD_SEV_ERROR = 2 };

/* Sees each new entry (borrowed, valid during the call). May remove itself (only itself). */
typedef struct gd_output_listener {
  void (*cb)(struct gd_output_listener *l, json_t *entry);
  void *ud;
  struct gd_output_listener *next;
} gd_output_listener;

typedef struct gd_output {
  json_t **ring;          /* capacity slots; id i lives in slot (i - 1) % capacity */
  size_t capacity, count;
  uint64_t next_id;       /* id of the next entry */
  uint64_t cleared_at;    /* ids up to this one were cleared by clear_output */
  uint64_t dropped;       /* entries overwritten because the ring was full */
  gd_output_listener *listeners;
  gd_output_listener *iter_next; /* the listener after the one being called (for removal) */
} gd_output;

/* What get_output and the waiters select. since: ids > since; source: NULL/"all", "editor" or
 * "game"; game: 0 = any, else that game's entries only; min_severity: GD_SEV_*; re: NULL or a
 * compiled regex the message must match. */
typedef struct gd_output_filter {
  uint64_t since;
  const char *source;
  int game;
  int min_severity;
  const regex_t *re;
} gd_output_filter;

/* Prepares o for capacity entries (> 0). 0 or -1 (out of memory). */
int gd_output_init(gd_output *o, size_t capacity);
void gd_output_free(gd_output *o);

/* Stores entry (stolen; a JSON object) after setting "id", "source" ("editor" or "game") and,
 * for a game, "game"; "severity" is normalised to info/warning/error (unknown → info). Then
 * every listener sees it. Returns the id, or 0 when entry is not an object. */
uint64_t gd_output_add(gd_output *o, const char *source, int game, json_t *entry);

/* Stores the entries of an "output" event's data ({"entries":[...], "dropped":N}, borrowed:
 * the entries are taken over) from source/game, skipping anything that is not an object with a
 * string message; an id or game they carry is replaced. Returns N (entries the sender dropped). */
int64_t gd_output_add_event(gd_output *o, const char *source, int game, json_t *data);

/* The entries selected by f, oldest first, at most limit of them (the newest when more match):
 *   {"entries":[...], "cursor":N, "dropped":N}
 * cursor is the newest id seen (pass it as since next time); dropped counts entries newer than
 * since that were overwritten (the ring was full) before this call. New reference. */
json_t *gd_output_query(const gd_output *o, const gd_output_filter *f, size_t limit);
/* Whether entry passes f. */
bool gd_output_match(const json_t *entry, const gd_output_filter *f);
/* Forgets every entry; returns the cursor (the last id given out). */
uint64_t gd_output_clear(gd_output *o);
/* The last id given out (0 before the first entry). */
uint64_t gd_output_last_id(const gd_output *o);
/* The entry with this id when still kept (borrowed), else NULL. */
json_t *gd_output_get(const gd_output *o, uint64_t id);

/* GD_SEV_* of a severity name, -1 when unknown. */
int gd_output_severity(const char *name);

void gd_output_listen(gd_output *o, gd_output_listener *l);
void gd_output_unlisten(gd_output *o, gd_output_listener *l);

#endif
