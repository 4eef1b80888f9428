#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gd__event {
  uint64_t id;
  unsigned type;
  char *sse;
  size_t len;
};

static const char *gd__names[] = {"state", "exit", "restart", "command", "log"};
#define GD__NTYPES (sizeof gd__names / sizeof gd__names[0])

int gd_events_init(gd_events *ev, size_t capacity) {
  memset(ev, 0, sizeof *ev);
  if (!capacity) return -1;
  ev->ring = calloc(capacity, sizeof *ev->ring);
  if (!ev->ring) return -1;
  ev->capacity = capacity;
  ev->next_id = 1;
  return 0;
}

void gd_events_free(gd_events *ev) {
  for (size_t i = 0; ev->ring && i < ev->capacity; i++) free(ev->ring[i].sse);
  free(ev->ring);
  memset(ev, 0, sizeof *ev);
}

const char *gd_events_type_name(unsigned type) {
  for (size_t i = 0; i < GD__NTYPES; i++)
    if (type == 1u << i) return gd__names[i];
  return "?";
}

int gd_events_parse_types(const char *spec, unsigned *mask, char *err, size_t err_size) {
  *mask = 0;
  if (!spec || !*spec) {
    *mask = GD_EVENT_ALL;
    return 0;
  }
  const char *p = spec;
  while (*p) {
    size_t n = strcspn(p, ",");
    size_t i;
    for (i = 0; i < GD__NTYPES; i++)
      if (strlen(gd__names[i]) == n && strncmp(p, gd__names[i], n) == 0) break;
    if (i == GD__NTYPES) {
      snprintf(err, err_size, "types: unknown event type '%.*s' (known: %s)", (int)(n > 64 ? 64 : n),
               p, GD_EVENT_TYPES);
      return -1;
    }
    *mask |= 1u << i;
    p += n;
    if (*p == ',') p++;
  }
  return 0;
}

uint64_t gd_events_add(gd_events *ev, unsigned type, json_t *data, int64_t ts_ms) {
  if (!json_is_object(data)) {
    json_decref(data);
    return 0;
  }
  json_object_set_new(data, "type", json_string(gd_events_type_name(type)));
  json_object_set_new(data, "ts_ms", json_integer(ts_ms));
  char *text = json_dumps(data, JSON_COMPACT);
  json_decref(data);
  if (!text) return 0;
  uint64_t id = ev->next_id;
  /* json_dumps escapes every newline, so one data: line carries the whole object. */
  size_t need = strlen(text) + 96;
  char *sse = malloc(need);
  if (!sse) {
    free(text);
    return 0;
  }
  int len = snprintf(sse, need, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id,
                     gd_events_type_name(type), text);
  free(text);
  struct gd__event *slot = &ev->ring[(id - 1) % ev->capacity];
  free(slot->sse);
  *slot = (struct gd__event){id, type, sse, (size_t)len};
  ev->next_id++;
  if (ev->count < ev->capacity) ev->count++;
  for (gd_events_listener *l = ev->listeners; l; l = ev->iter_next) {
    ev->iter_next = l->next;
    if (l->mask & type) l->cb(l, sse, (size_t)len);
  }
  ev->iter_next = NULL;
  return id;
}

size_t gd_events_replay(const gd_events *ev, uint64_t since, unsigned mask,
                        void (*cb)(void *ud, const char *sse, size_t len), void *ud, bool *gap) {
  uint64_t oldest = ev->next_id - ev->count; /* id of the oldest kept event */
  *gap = since + 1 < oldest;
  size_t n = 0;
  for (uint64_t id = since + 1 > oldest ? since + 1 : oldest; id < ev->next_id; id++) {
    const struct gd__event *e = &ev->ring[(id - 1) % ev->capacity];
    if (!(e->type & mask)) continue;
    cb(ud, e->sse, e->len);
    n++;
  }
  return n;
}

uint64_t gd_events_last_id(const gd_events *ev) { return ev->next_id - 1; }
uint64_t gd_events_oldest_id(const gd_events *ev) { return ev->next_id - ev->count; }

void gd_events_listen(gd_events *ev, gd_events_listener *l) {
  l->next = ev->listeners;
  ev->listeners = l;
}

void gd_events_unlisten(gd_events *ev, gd_events_listener *l) {
  for (gd_events_listener **p = &ev->listeners; *p; p = &(*p)->next)
    if (*p == l) {
      if (ev->iter_next == l) ev->iter_next = l->next;
      *p = l->next;
      return;
    }
}
