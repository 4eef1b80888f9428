#include "registry.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gd_registry_load(gd_registry *r, const char *path, char *err, size_t err_size) {
  memset(r, 0, sizeof *r);
  json_error_t jerr;
  r->root = json_load_file(path, 0, &jerr);
  if (!r->root) {
    snprintf(err, err_size, "%s:%d: %s", path, jerr.line, jerr.text);
    return -1;
  }
  json_t *list = json_object_get(r->root, "commands");
  if (!json_is_array(list)) {
    snprintf(err, err_size, "%s: \"commands\" must be an array", path);
    goto fail;
  }
  r->count = json_array_size(list);
  r->commands = calloc(r->count ? r->count : 1, sizeof *r->commands);
  if (!r->commands) {
    snprintf(err, err_size, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < r->count; i++) {
    json_t *e = json_array_get(list, i);
    gd_command *c = &r->commands[i];
    c->name = json_string_value(json_object_get(e, "name"));
    c->description = json_string_value(json_object_get(e, "description"));
    c->params = json_object_get(e, "params");
    c->timeout_ms = json_integer_value(json_object_get(e, "timeout_ms"));
    const char *needs = json_string_value(json_object_get(e, "needs"));
    c->needs = needs && strcmp(needs, "session") == 0 ? GD_NEEDS_SESSION : GD_NEEDS_READY;
    if (!c->name || !c->description || !json_is_object(c->params) || c->timeout_ms <= 0) {
      snprintf(err, err_size, "%s: command #%zu needs name, description, params, timeout_ms > 0",
               path, i);
      goto fail;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(r->commands[j].name, c->name) == 0) {
        snprintf(err, err_size, "%s: command %s is listed twice", path, c->name);
        goto fail;
      }
  }
  return 0;
fail:
  gd_registry_free(r);
  return -1;
}

void gd_registry_free(gd_registry *r) {
  free(r->commands);
  json_decref(r->root);
  memset(r, 0, sizeof *r);
}

const gd_command *gd_registry_find(const gd_registry *r, const char *name) {
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->commands[i].name, name) == 0) return &r->commands[i];
  return NULL;
}

static const char *gd__json_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "number";
  case JSON_TRUE:
  case JSON_FALSE: return "boolean";
  default: return "null";
  }
}

static int gd__type_ok(const char *want, const json_t *v) {
  if (!want) return 1;
  if (strcmp(want, "number") == 0) return json_is_number(v);
  return strcmp(want, gd__json_type_name(v)) == 0;
}

int gd_registry_validate(const gd_command *c, const json_t *params, char *err, size_t err_size) {
  if (!json_is_object(params)) {
    snprintf(err, err_size, "params must be a JSON object, got %s", gd__json_type_name(params));
    return -1;
  }
  json_t *props = json_object_get(c->params, "properties");
  json_t *req;
  size_t i;
  json_array_foreach(json_object_get(c->params, "required"), i, req) {
    const char *name = json_string_value(req);
    if (name && !json_object_get(params, name)) {
      snprintf(err, err_size, "missing required param '%s'", name);
      return -1;
    }
  }
  bool closed = json_is_false(json_object_get(c->params, "additionalProperties"));
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)params, key, val) {
    json_t *schema = json_object_get(props, key);
    if (!schema) {
      if (closed) {
        snprintf(err, err_size, "unknown param '%s' for %s", key, c->name);
        return -1;
      }
      continue;
    }
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (!gd__type_ok(type, val)) {
      snprintf(err, err_size, "param '%s' must be %s, got %s", key, type,
               gd__json_type_name(val));
      return -1;
    }
    json_t *min = json_object_get(schema, "minimum"), *max = json_object_get(schema, "maximum");
    if (json_is_number(val) && ((min && json_number_value(val) < json_number_value(min)) ||
                                (max && json_number_value(val) > json_number_value(max)))) {
      snprintf(err, err_size, "param '%s' is out of range", key);
      return -1;
    }
  }
  return 0;
}
