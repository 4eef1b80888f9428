/* events: the daemon's event stream (GET /events, Server-Sent Events per the WHATWG HTML
 * standard §9.2) — editor state changes, exits and crashes, restarts, command completions and
 * log lines, numbered so a client resumes with Last-Event-ID.
 *
 * Owns a bounded ring of events already framed as SSE text ("id: N\nevent: TYPE\ndata:
 * {...}\n\n"), their ids (1, 2, ... never reused), the event types and the ?types= filter, the
 * replay of what a reconnecting client missed (or the news that it was dropped from the ring),
 * and the listeners that see each new event. No clock and no I/O. Calls jansson and libc.
 */
#ifndef GD_EVENTS_H
#define GD_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The event types, as spelled on the wire (event: NAME) and in ?types=. */
#define GD_EVENT_TYPES "state, exit, restart, command, log"
enum {
  GD_EVENT_STATE = 1u << 0,   /* {project, from, to} */
  GD_EVENT_EXIT = 1u << 1,    /* {project, pid, code, signal, reason, kind, crash} */
  GD_EVENT_RESTART = 1u << 2, /* {project, restarts, after} */
  GD_EVENT_COMMAND = 1u << 3, /* {project, command, outcome, duration_ms, transport} */
  GD_EVENT_LOG = 1u << 4,     /* {project, source, game?, severity, message} */
  GD_EVENT_ALL = (1u << 5) - 1,
};

typedef struct gd_events_listener {
  void (*cb)(struct gd_events_listener *l, const char *sse, size_t len);
  unsigned mask;          /* the types it wants */
  void *ud;
  struct gd_events_listener *next;
} gd_events_listener;

typedef struct gd_events {
  struct gd__event *ring; /* capacity slots; id i in slot (i - 1) % capacity */
  size_t capacity, count;
  uint64_t next_id;
  gd_events_listener *listeners;
  gd_events_listener *iter_next;
} gd_events;

/* Prepares ev for capacity events (> 0). 0 or -1 (ENOMEM). */
int gd_events_init(gd_events *ev, size_t capacity);
void gd_events_free(gd_events *ev);

/* Adds an event of type (one GD_EVENT_* bit) with data (stolen, an object; "type" and "ts_ms"
 * are set in it), then every listener whose mask has it sees it. The id, or 0 on ENOMEM. */
uint64_t gd_events_add(gd_events *ev, unsigned type, json_t *data, int64_t ts_ms);

/* The mask of a ?types= value: names separated by commas; NULL or "" means all. 0, or -1 with
 * the unknown name in err. */
int gd_events_parse_types(const char *spec, unsigned *mask, char *err, size_t err_size);
/* A type bit's name ("state", ...), or "?" */
const char *gd_events_type_name(unsigned type);

/* Hands each kept event with id > since whose type is in mask to cb, oldest first. *gap is set
 * when events after since were already dropped from the ring (the client missed some). Returns
 * how many were handed over. */
size_t gd_events_replay(const gd_events *ev, uint64_t since, unsigned mask,
                        void (*cb)(void *ud, const char *sse, size_t len), void *ud, bool *gap);

/* The id of the newest event (0: none yet), and of the oldest one still kept (the next id when
 * none is kept). */
uint64_t gd_events_last_id(const gd_events *ev);
uint64_t gd_events_oldest_id(const gd_events *ev);

/* Adds / removes a listener (not owned). A listener may remove itself from its callback. */
void gd_events_listen(gd_events *ev, gd_events_listener *l);
void gd_events_unlisten(gd_events *ev, gd_events_listener *l);

#endif
