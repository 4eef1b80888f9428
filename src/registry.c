#include "registry.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gd__fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int gd__fail(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return -1;
}

static int gd__cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Command names become tool names (MCP: [A-Za-z0-9_.-]{1,128}) and GDScript method suffixes. */
static bool gd__valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 64 || !(*s >= 'a' && *s <= 'z')) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
  return true;
}

/* Whether s is one key of the NULL-terminated list. */
static bool gd__one_of(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

/* The portability rules every tool schema keeps, so MCP clients that map schemas onto a
 * single-type dialect (Gemini's function declarations, OpenAI's strict mode) take them as they
 * are (the Inspector's --strict check): one "type" per schema (anyOf where a value takes several
 * shapes), and no schema that constrains nothing ({} accepts any value: say what it takes).
 * 0, or -1 with err naming the schema by its path. */
static int gd__portable(const json_t *schema, const char *path, char *err, size_t n) {
  if (!json_is_object(schema)) return gd__fail(err, n, "%s: a schema is an object", path);
  json_t *type = json_object_get(schema, "type");
  if (type && !json_is_string(type))
    return gd__fail(err, n, "%s: \"type\" must be one type name (use anyOf for several)", path);
  static const char *const constraining[] = {"type", "enum", "anyOf", "const", NULL};
  bool any = false;
  for (const char *const *k = constraining; *k; k++) any |= json_object_get(schema, *k) != NULL;
  if (!any)
    return gd__fail(err, n, "%s: the schema constrains nothing (give a type, an enum or anyOf of "
                            "the JSON shapes it takes)", path);
  char sub[512];
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(schema, "properties"), key, v) {
    snprintf(sub, sizeof sub, "%s.properties.%s", path, key);
    if (gd__portable(v, sub, err, n) != 0) return -1;
  }
  json_t *items = json_object_get(schema, "items");
  if (items) {
    snprintf(sub, sizeof sub, "%s.items", path);
    if (gd__portable(items, sub, err, n) != 0) return -1;
  }
  json_t *extra = json_object_get(schema, "additionalProperties");
  if (json_is_object(extra)) {
    snprintf(sub, sizeof sub, "%s.additionalProperties", path);
    if (gd__portable(extra, sub, err, n) != 0) return -1;
  }
  size_t i;
  json_array_foreach(json_object_get(schema, "anyOf"), i, v) {
    snprintf(sub, sizeof sub, "%s.anyOf[%zu]", path, i);
    if (gd__portable(v, sub, err, n) != 0) return -1;
  }
  return 0;
}

static int gd__parse_entry(gd_command *c, json_t *e, const char *category, const char *file,
                           char *err, size_t n) {
  memset(c, 0, sizeof *c);
  /* A misspelled key ("readonly") would read as false: refused. */
  static const char *const entry_keys[] = {"name", "description", "params", "result",
                                           "annotations", "timeout", "timeout_ms", "needs",
                                           "undo", "core", "runs", "addon", NULL};
  static const char *const annotation_keys[] = {"readOnly", "destructive", "idempotent", NULL};
  const char *key;
  json_t *val;
  json_object_foreach(e, key, val) if (!gd__one_of(key, entry_keys))
    return gd__fail(err, n, "%s: %s: unknown key \"%s\"", file,
                    json_string_value(json_object_get(e, "name")) ?: "(unnamed)", key);
  json_object_foreach(json_object_get(e, "annotations"), key, val) if (!gd__one_of(key, annotation_keys))
    return gd__fail(err, n, "%s: %s: unknown annotation \"%s\"", file,
                    json_string_value(json_object_get(e, "name")) ?: "(unnamed)", key);
  c->entry = e;
  c->category = category;
  c->name = json_string_value(json_object_get(e, "name"));
  c->description = json_string_value(json_object_get(e, "description"));
  c->params = json_object_get(e, "params");
  c->result = json_object_get(e, "result");
  if (!gd__valid_name(c->name))
    return gd__fail(err, n, "%s: a command needs a name of [a-z0-9_] starting with a letter", file);
  if (!c->description || !*c->description)
    return gd__fail(err, n, "%s: %s has no description", file, c->name);
  if (!json_is_object(c->params) ||
      strcmp(json_string_value(json_object_get(c->params, "type")) ?: "", "object") != 0)
    return gd__fail(err, n, "%s: %s: params must be a schema of type object", file, c->name);
  if (!json_is_object(c->result))
    return gd__fail(err, n, "%s: %s: result must be a schema", file, c->name);
  char where[160], why[512];
  snprintf(where, sizeof where, "%s.params", c->name);
  if (gd__portable(c->params, where, why, sizeof why) != 0)
    return gd__fail(err, n, "%s: %s", file, why);
  snprintf(where, sizeof where, "%s.result", c->name);
  if (gd__portable(c->result, where, why, sizeof why) != 0)
    return gd__fail(err, n, "%s: %s", file, why);
  json_t *a = json_object_get(e, "annotations");
  if (!json_is_object(a)) return gd__fail(err, n, "%s: %s has no annotations", file, c->name);
  c->read_only = json_is_true(json_object_get(a, "readOnly"));
  c->destructive = json_is_true(json_object_get(a, "destructive"));
  c->idempotent = json_is_true(json_object_get(a, "idempotent"));
  c->undo = json_is_true(json_object_get(e, "undo"));
  c->core = json_is_true(json_object_get(e, "core"));
  if (c->read_only && (c->destructive || c->undo))
    return gd__fail(err, n, "%s: %s is readOnly, so it cannot be destructive or undoable", file,
                    c->name);
  const char *t = json_string_value(json_object_get(e, "timeout"));
  json_t *tms = json_object_get(e, "timeout_ms");
  if (json_is_integer(tms) && json_integer_value(tms) > 0) c->timeout_ms = json_integer_value(tms);
  else if (t && strcmp(t, "fast") == 0) c->timeout_ms = GD_TIMEOUT_FAST_MS;
  else if (t && strcmp(t, "normal") == 0) c->timeout_ms = GD_TIMEOUT_NORMAL_MS;
  else if (t && strcmp(t, "slow") == 0) c->timeout_ms = GD_TIMEOUT_SLOW_MS;
  else
    return gd__fail(err, n, "%s: %s: timeout must be fast, normal or slow (or timeout_ms > 0)",
                    file, c->name);
  const char *runs = json_string_value(json_object_get(e, "runs"));
  if (!runs || strcmp(runs, "editor") == 0) c->runs = GD_RUNS_EDITOR;
  else if (strcmp(runs, "game") == 0) c->runs = GD_RUNS_GAME;
  else if (strcmp(runs, "daemon") == 0) c->runs = GD_RUNS_DAEMON;
  else return gd__fail(err, n, "%s: %s: runs must be editor, game or daemon", file, c->name);
  c->addon = json_is_true(json_object_get(e, "addon"));
  const char *needs = json_string_value(json_object_get(e, "needs"));
  if (!needs && c->runs != GD_RUNS_EDITOR) c->needs = GD_NEEDS_SESSION;
  else if (needs && strcmp(needs, "session") == 0) c->needs = GD_NEEDS_SESSION;
  else if (needs && strcmp(needs, "ready") == 0) c->needs = GD_NEEDS_READY;
  else if (needs && strcmp(needs, "scene") == 0) c->needs = GD_NEEDS_SCENE;
  else return gd__fail(err, n, "%s: %s: needs must be session, ready or scene", file, c->name);
  return 0;
}

int gd_registry_load(gd_registry *r, const char *dir, char *err, size_t n) {
  memset(r, 0, sizeof *r);
  r->files = json_array();
  DIR *d = opendir(dir);
  if (!d) return gd__fail(err, n, "%s: cannot open the registry directory", dir);
  char **names = NULL;
  size_t nnames = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l < 6 || de->d_name[0] == '.' || strcmp(de->d_name + l - 5, ".json") != 0) continue;
    char **grown = realloc(names, (nnames + 1) * sizeof *names);
    if (!grown) break;
    names = grown;
    names[nnames++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, nnames, sizeof *names, gd__cmp_str);
  int rc = 0;
  size_t total = 0;
  for (size_t i = 0; i < nnames && rc == 0; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    json_error_t jerr;
    json_t *f = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!f) {
      rc = gd__fail(err, n, "%s:%d: %s", path, jerr.line, jerr.text);
      break;
    }
    json_array_append_new(r->files, f);
    json_t *cmds = json_object_get(f, "commands");
    const char *cat = json_string_value(json_object_get(f, "category"));
    size_t stem = strlen(names[i]) - 5;
    if (!cat || strlen(cat) != stem || strncmp(cat, names[i], stem) != 0 || !gd__valid_name(cat))
      rc = gd__fail(err, n, "%s: \"category\" must be the file's name without .json", path);
    else if (!json_is_string(json_object_get(f, "description")))
      rc = gd__fail(err, n, "%s: the category needs a description", path);
    else if (!json_is_array(cmds))
      rc = gd__fail(err, n, "%s: \"commands\" must be an array", path);
    else total += json_array_size(cmds);
  }
  for (size_t i = 0; i < nnames; i++) free(names[i]);
  free(names);
  if (rc != 0) goto fail;
  if (nnames == 0) {
    gd__fail(err, n, "%s: no *.json category files", dir);
    goto fail;
  }
  r->commands = calloc(total ? total : 1, sizeof *r->commands);
  r->categories = calloc(json_array_size(r->files), sizeof *r->categories);
  if (!r->commands || !r->categories) {
    gd__fail(err, n, "out of memory");
    goto fail;
  }
  size_t fi;
  json_t *f;
  json_array_foreach(r->files, fi, f) {
    const char *cat = json_string_value(json_object_get(f, "category"));
    r->categories[r->ncategories++] =
        (gd_category){cat, json_string_value(json_object_get(f, "description"))};
    size_t ci;
    json_t *e;
    json_array_foreach(json_object_get(f, "commands"), ci, e) {
      gd_command *c = &r->commands[r->count];
      if (gd__parse_entry(c, e, cat, cat, err, n) != 0) goto fail;
      if (gd_registry_find(r, c->name)) {
        gd__fail(err, n, "%s: command %s is listed twice", cat, c->name);
        goto fail;
      }
      r->count++;
    }
  }
  return 0;
fail:
  gd_registry_free(r);
  return -1;
}

void gd_registry_free(gd_registry *r) {
  free(r->commands);
  free(r->categories);
  json_decref(r->files);
  memset(r, 0, sizeof *r);
}

const gd_command *gd_registry_find(const gd_registry *r, const char *name) {
  for (size_t i = 0; i < r->count; i++)
    if (strcmp(r->commands[i].name, name) == 0) return &r->commands[i];
  return NULL;
}

const char *gd_runs_name(gd_runs r) {
  return r == GD_RUNS_GAME ? "game" : r == GD_RUNS_DAEMON ? "daemon" : "editor";
}

const char *gd_needs_name(gd_needs n) {
  return n == GD_NEEDS_SESSION ? "session" : n == GD_NEEDS_READY ? "ready" : "scene";
}

/* ---- validation ----------------------------------------------------------------------------- */

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

/* JSON Schema: "integer" matches any number with a zero fractional part (1.0 included). */
static bool gd__type_is(const char *want, const json_t *v) {
  if (strcmp(want, "number") == 0) return json_is_number(v);
  if (strcmp(want, "integer") == 0)
    return json_is_integer(v) || (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
                                  fabs(json_real_value(v)) < 9007199254740992.0);
  return strcmp(want, gd__json_type_name(v)) == 0;
}

static bool gd__type_ok(const json_t *type, const json_t *v, char *names, size_t n) {
  if (!type) return true;
  if (json_is_string(type)) {
    snprintf(names, n, "%s", json_string_value(type));
    return gd__type_is(json_string_value(type), v);
  }
  names[0] = '\0';
  size_t i;
  json_t *t;
  json_array_foreach(type, i, t) {
    size_t l = strlen(names);
    snprintf(names + l, n - l, "%s%s", i ? " or " : "", json_string_value(t) ?: "?");
    if (json_is_string(t) && gd__type_is(json_string_value(t), v)) return true;
  }
  return false;
}

/* Number of Unicode code points (minLength/maxLength count characters, not bytes). */
static size_t gd__utf8_len(const char *s) {
  size_t k = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) k++;
  return k;
}

int gd_schema_validate(const json_t *schema, const json_t *v, const char *where, char *err,
                       size_t n) {
  if (!json_is_object(schema)) return 0;
  /* anyOf: the value takes one of several shapes (a Variant: any JSON value the property's Godot
   * type converts from; an id that is a number or a name). */
  json_t *any = json_object_get(schema, "anyOf");
  if (json_is_array(any) && json_array_size(any) > 0) {
    size_t i;
    json_t *branch;
    json_array_foreach(any, i, branch) {
      char why[512];
      if (gd_schema_validate(branch, v, where, why, sizeof why) == 0) goto rest;
    }
    char names[160] = "";
    json_array_foreach(any, i, branch) {
      const char *t = json_string_value(json_object_get(branch, "type"));
      size_t l = strlen(names);
      snprintf(names + l, sizeof names - l, "%s%s", i ? " or " : "", t ? t : "a listed shape");
    }
    return gd__fail(err, n, "%s must be %s, got %s", *where ? where : "the value", names,
                    gd__json_type_name(v));
  }
rest:;
  char types[96];
  if (!gd__type_ok(json_object_get(schema, "type"), v, types, sizeof types))
    return gd__fail(err, n, "%s must be %s, got %s", where, types, gd__json_type_name(v));
  json_t *en = json_object_get(schema, "enum");
  if (json_is_array(en)) {
    size_t i;
    json_t *x;
    bool found = false;
    json_array_foreach(en, i, x) if (json_equal(x, (json_t *)v)) found = true;
    if (!found) {
      char *allowed = json_dumps(en, JSON_COMPACT);
      gd__fail(err, n, "%s must be one of %s", where, allowed ? allowed : "the listed values");
      free(allowed);
      return -1;
    }
  }
  if (json_is_number(v)) {
    json_t *mn = json_object_get(schema, "minimum"), *mx = json_object_get(schema, "maximum");
    double d = json_number_value(v);
    if (json_is_number(mn) && d < json_number_value(mn))
      return gd__fail(err, n, "%s must be >= %g", where, json_number_value(mn));
    if (json_is_number(mx) && d > json_number_value(mx))
      return gd__fail(err, n, "%s must be <= %g", where, json_number_value(mx));
  }
  if (json_is_string(v)) {
    size_t l = gd__utf8_len(json_string_value(v));
    json_t *mn = json_object_get(schema, "minLength"), *mx = json_object_get(schema, "maxLength");
    if (json_is_integer(mn) && l < (size_t)json_integer_value(mn))
      return gd__fail(err, n, "%s must have at least %lld characters", where,
                      (long long)json_integer_value(mn));
    if (json_is_integer(mx) && l > (size_t)json_integer_value(mx))
      return gd__fail(err, n, "%s must have at most %lld characters", where,
                      (long long)json_integer_value(mx));
  }
  if (json_is_array(v)) {
    size_t l = json_array_size(v);
    json_t *mn = json_object_get(schema, "minItems"), *mx = json_object_get(schema, "maxItems");
    if (json_is_integer(mn) && l < (size_t)json_integer_value(mn))
      return gd__fail(err, n, "%s must have at least %lld items", where,
                      (long long)json_integer_value(mn));
    if (json_is_integer(mx) && l > (size_t)json_integer_value(mx))
      return gd__fail(err, n, "%s must have at most %lld items", where,
                      (long long)json_integer_value(mx));
    json_t *items = json_object_get(schema, "items");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      char sub[256];
      snprintf(sub, sizeof sub, "%s[%zu]", where, i);
      if (gd_schema_validate(items, x, sub, err, n) != 0) return -1;
    }
  }
  if (json_is_object(v)) {
    json_t *props = json_object_get(schema, "properties");
    size_t i;
    json_t *req;
    json_array_foreach(json_object_get(schema, "required"), i, req) {
      const char *name = json_string_value(req);
      if (name && !json_object_get(v, name))
        return gd__fail(err, n, "%s%s'%s' is required", *where ? where : "", *where ? ": " : "",
                        name);
    }
    bool closed = json_is_false(json_object_get(schema, "additionalProperties"));
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
      char sub[256];
      snprintf(sub, sizeof sub, "%s%s%s", where, *where ? "." : "", key);
      json_t *ps = json_object_get(props, key);
      if (!ps) {
        if (closed) {
          if (!*where) return gd__fail(err, n, "unknown param '%s'", key);
          return gd__fail(err, n, "%s: unknown key '%s'", where, key);
        }
        continue;
      }
      if (gd_schema_validate(ps, val, sub, err, n) != 0) return -1;
    }
  }
  return 0;
}

int gd_registry_validate(const gd_command *c, const json_t *params, char *err, size_t n) {
  if (!json_is_object(params))
    return gd__fail(err, n, "params must be a JSON object, got %s", gd__json_type_name(params));
  return gd_schema_validate(c->params, params, "", err, n);
}

/* ---- generated artefacts -------------------------------------------------------------------- */

json_t *gd_registry_addon_copy(const gd_registry *r) {
  json_t *list = json_array();
  for (size_t i = 0; i < r->count; i++) {
    const gd_command *c = &r->commands[i];
    if (c->runs != GD_RUNS_EDITOR && !c->addon) continue; /* the addon never sees it */
    json_array_append_new(list, json_pack("{s:s, s:s, s:O, s:s, s:b, s:b}", "name", c->name,
                                          "category", c->category, "params", c->params, "needs",
                                          gd_needs_name(c->needs), "undo", c->undo, "readOnly",
                                          c->read_only));
  }
  return json_pack("{s:s, s:i, s:o}", "$comment",
                   "Generated from schema/commands/*.json by `godotd registry --write`; do not edit.",
                   "version", 1, "commands", list);
}

static void gd__md_schema(FILE *o, const json_t *schema) {
  json_t *props = json_object_get(schema, "properties");
  if (!json_is_object(props) || json_object_size(props) == 0) {
    fputs("No params.\n\n", o);
    return;
  }
  fputs("| param | type | required | description |\n|---|---|---|---|\n", o);
  const char *key;
  json_t *p;
  json_object_foreach(props, key, p) {
    bool required = false;
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(schema, "required"), i, q)
        if (json_is_string(q) && strcmp(json_string_value(q), key) == 0) required = true;
    json_t *t = json_object_get(p, "type");
    char *type = t ? json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("any");
    if (type && type[0] == '"') { /* a plain type name without its quotes */
      memmove(type, type + 1, strlen(type));
      type[strlen(type) - 1] = '\0';
    }
    json_t *any = json_object_get(p, "anyOf");
    if (!t && json_array_size(any) > 0 && json_array_size(any) < 6) { /* 6: any JSON value */
      char joined[128] = "";
      size_t k;
      json_t *b;
      json_array_foreach(any, k, b) {
        size_t l = strlen(joined);
        snprintf(joined + l, sizeof joined - l, "%s%s", k ? " or " : "",
                 json_string_value(json_object_get(b, "type")) ?: "?");
      }
      free(type);
      type = strdup(joined);
    }
    json_t *en = json_object_get(p, "enum");
    char *enums = en ? json_dumps(en, JSON_COMPACT) : NULL;
    fprintf(o, "| `%s` | %s%s%s | %s | %s |\n", key, type ? type : "?", enums ? " " : "",
            enums ? enums : "", required ? "yes" : "", json_string_value(json_object_get(p, "description")) ?: "");
    free(type);
    free(enums);
  }
  fputc('\n', o);
}

char *gd_registry_markdown(const gd_registry *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  if (!o) return NULL;
  fprintf(o, "# godotd commands\n\nGenerated from `schema/commands/*.json` by `godotd registry "
             "--write`; do not edit. %zu commands in %zu categories. Each is `POST /godot/<name>` "
             "over HTTP and an MCP tool of the same name.\n\n",
          r->count, r->ncategories);
  fputs("Columns: **needs** is what the editor must be before the command runs (session: the "
        "addon is connected; ready: not importing; scene: ready with an edited scene). **undo**: "
        "the command records an action in the editor's undo history, so `undo` reverts it and "
        "`batch` may roll it back.\n\n",
        o);
  for (size_t k = 0; k < r->ncategories; k++) {
    fprintf(o, "- [%s](#%s) — %s\n", r->categories[k].name, r->categories[k].name,
            r->categories[k].description);
  }
  fputc('\n', o);
  for (size_t k = 0; k < r->ncategories; k++) {
    fprintf(o, "## %s\n\n%s\n\n", r->categories[k].name, r->categories[k].description);
    for (size_t i = 0; i < r->count; i++) {
      const gd_command *c = &r->commands[i];
      if (strcmp(c->category, r->categories[k].name) != 0) continue;
      fprintf(o, "### `%s`\n\n%s\n\n", c->name, c->description);
      if (c->runs == GD_RUNS_EDITOR)
        fprintf(o, "needs: %s · ", gd_needs_name(c->needs));
      else
        fprintf(o, "runs in: %s · ", c->runs == GD_RUNS_GAME ? "the running game" : "the daemon");
      fprintf(o, "timeout: %lld ms · %s%s%s%s%s\n\n",
              (long long)c->timeout_ms, c->read_only ? "read-only" : "mutating",
              c->destructive ? " · destructive" : "", c->idempotent ? " · idempotent" : "",
              c->undo ? " · undo" : "", c->core ? " · core tool" : "");
      gd__md_schema(o, c->params);
    }
  }
  if (fclose(o) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
