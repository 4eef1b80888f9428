#include "output.h"

#include <stdlib.h>
#include <string.h>

static const char *const gd__sev_names[] = {"info", "warning", "error"};

int gd_output_severity(const char *name) {
  for (int i = 0; name && i < 3; i++)
    if (strcmp(name, gd__sev_names[i]) == 0) return i;
  return -1;
}

int gd_output_init(gd_output *o, size_t capacity) {
  memset(o, 0, sizeof *o);
  if (!capacity) return -1;
  o->ring = calloc(capacity, sizeof *o->ring);
  if (!o->ring) return -1;
  o->capacity = capacity;
  o->next_id = 1;
  return 0;
}

void gd_output_free(gd_output *o) {
  if (o->ring)
    for (size_t i = 0; i < o->capacity; i++) json_decref(o->ring[i]);
  free(o->ring);
  memset(o, 0, sizeof *o);
}

uint64_t gd_output_last_id(const gd_output *o) { return o->next_id - 1; }

json_t *gd_output_get(const gd_output *o, uint64_t id) {
  uint64_t last = gd_output_last_id(o);
  if (id == 0 || id > last || id <= o->cleared_at || last - id >= o->count) return NULL;
  return o->ring[(id - 1) % o->capacity];
}

uint64_t gd_output_add(gd_output *o, const char *source, int game, json_t *entry) {
  if (!json_is_object(entry)) {
    json_decref(entry);
    return 0;
  }
  uint64_t id = o->next_id++;
  json_object_set_new(entry, "id", json_integer((json_int_t)id));
  json_object_set_new(entry, "source", json_string(source));
  if (game > 0) json_object_set_new(entry, "game", json_integer(game));
  int sev = gd_output_severity(json_string_value(json_object_get(entry, "severity")));
  json_object_set_new(entry, "severity", json_string(gd__sev_names[sev < 0 ? 0 : sev]));
  json_t **slot = &o->ring[(id - 1) % o->capacity];
  if (*slot) {
    json_decref(*slot);
    o->dropped++;
  } else {
    o->count++;
  }
  *slot = entry;
  for (gd_output_listener *l = o->listeners; l; l = o->iter_next) {
    o->iter_next = l->next;
    l->cb(l, entry);
  }
  o->iter_next = NULL;
  return id;
}

int64_t gd_output_add_event(gd_output *o, const char *source, int game, json_t *data) {
  json_t *entries = json_object_get(data, "entries");
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    if (!json_is_object(e) || !json_is_string(json_object_get(e, "message"))) continue;
    json_object_del(e, "id");
    json_object_del(e, "game");
    gd_output_add(o, source, game, json_incref(e));
  }
  return json_integer_value(json_object_get(data, "dropped"));
}

bool gd_output_match(const json_t *e, const gd_output_filter *f) {
  if ((uint64_t)json_integer_value(json_object_get(e, "id")) <= f->since) return false;
  const char *src = json_string_value(json_object_get(e, "source"));
  if (f->source && strcmp(f->source, "all") != 0 && (!src || strcmp(src, f->source) != 0))
    return false;
  if (f->game > 0 && json_integer_value(json_object_get(e, "game")) != f->game) return false;
  if (gd_output_severity(json_string_value(json_object_get(e, "severity"))) < f->min_severity)
    return false;
  if (f->re) {
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (regexec(f->re, msg ? msg : "", 0, NULL, 0) != 0) return false;
  }
  return true;
}

json_t *gd_output_query(const gd_output *o, const gd_output_filter *f, size_t limit) {
  uint64_t last = gd_output_last_id(o);
  uint64_t first = last - o->count + 1; /* oldest kept */
  if (first <= o->cleared_at) first = o->cleared_at + 1;
  uint64_t dropped = 0;
  if (f->since + 1 < first && last >= first) {
    uint64_t from = f->since > o->cleared_at ? f->since : o->cleared_at;
    dropped = first - from - 1;
  }
  json_t *entries = json_array();
  for (uint64_t id = last; id >= first && id > f->since && id > 0; id--) {
    json_t *e = o->ring[(id - 1) % o->capacity];
    if (!e || !gd_output_match(e, f)) continue;
    json_array_append(entries, e);
    if (limit && json_array_size(entries) >= limit) break;
  }
  /* Collected newest first so the limit keeps the newest: reverse into oldest first. */
  size_t n = json_array_size(entries);
  json_t *ordered = json_array();
  for (size_t i = n; i > 0; i--) json_array_append(ordered, json_array_get(entries, i - 1));
  json_decref(entries);
  uint64_t cursor = last > f->since ? last : f->since;
  return json_pack("{s:o, s:I, s:I}", "entries", ordered, "cursor", (json_int_t)cursor, "dropped",
                   (json_int_t)dropped);
}

uint64_t gd_output_clear(gd_output *o) {
  for (size_t i = 0; i < o->capacity; i++) {
    json_decref(o->ring[i]);
    o->ring[i] = NULL;
  }
  o->count = 0;
  o->cleared_at = gd_output_last_id(o);
  return o->cleared_at;
}

void gd_output_listen(gd_output *o, gd_output_listener *l) {
  l->next = o->listeners;
  o->listeners = l;
}

void gd_output_unlisten(gd_output *o, gd_output_listener *l) {
  for (gd_output_listener **pp = &o->listeners; *pp; pp = &(*pp)->next)
    if (*pp == l) {
      if (o->iter_next == l) o->iter_next = l->next;
      *pp = l->next;
      return;
    }
}
