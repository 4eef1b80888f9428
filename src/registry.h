/* registry: the command registry, loaded from schema/commands/<category>.json — the single source
 * of truth for the addon's dispatch table (a generated copy ships in the addon), the HTTP
 * `POST /godot/<command>` routes, the MCP tool list and docs/commands.md.
 *
 * Owns the parsed entries, the param validation against each entry's JSON Schema (a draft
 * 2020-12 subset: type, anyOf, enum, properties, required, additionalProperties, minimum,
 * maximum, minLength, maxLength, items, minItems, maxItems), so bad params get a structured
 * error even while the editor is down, the portability rules tool schemas keep (one type per
 * schema, no schema that constrains nothing; no unknown entry keys), and the generated
 * artefacts (addon copy, markdown reference).
 * Calls only jansson and libc.
 */
#ifndef GD_REGISTRY_H
#define GD_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a command needs before it may be sent to the addon. */
typedef enum {
  GD_NEEDS_SESSION = 0, /* any attached addon, even while importing */
  GD_NEEDS_READY,       /* the editor is ready (not importing) */
  GD_NEEDS_SCENE,       /* ready, and an edited scene (the addon answers no_scene otherwise) */
} gd_needs;

/* Where a command runs: in the editor's addon (the default), in a running game's runtime agent
 * (addons/godotd/runtime/), or in the daemon itself (the output stream, run_and_capture, and
 * commands that pick a target such as take_screenshot). */
typedef enum {
  GD_RUNS_EDITOR = 0,
  GD_RUNS_GAME,
  GD_RUNS_DAEMON,
} gd_runs;

/* Timeout classes (ms): "fast" answers within a frame or two, "normal" may load or save a
 * scene, "slow" scans/imports or runs a batch. An entry may give timeout_ms instead. */
#define GD_TIMEOUT_FAST_MS 5000
#define GD_TIMEOUT_NORMAL_MS 30000
#define GD_TIMEOUT_SLOW_MS 120000

typedef struct gd_command {
  const char *name;        /* every pointer borrowed from the registry's JSON */
  const char *category;
  const char *description;
  json_t *params;          /* JSON Schema of the params object */
  json_t *result;          /* JSON Schema of the result object */
  json_t *entry;           /* the whole entry */
  bool read_only, destructive, idempotent;
  bool undo;               /* records an action in the editor's undo history */
  bool core;               /* in the default MCP tool set */
  int64_t timeout_ms;
  gd_needs needs;          /* for GD_RUNS_EDITOR (and "addon" parts); session otherwise */
  gd_runs runs;
  bool addon;              /* a daemon command whose editor part the addon implements too */
} gd_command;

typedef struct gd_category {
  const char *name;
  const char *description;
} gd_category;

typedef struct gd_registry {
  json_t *files;           /* array of the parsed files, owning everything borrowed */
  gd_command *commands;    /* sorted by category file name, then file order */
  size_t count;
  gd_category *categories;
  size_t ncategories;
} gd_registry;

/* Loads every *.json in dir (one category per file, files in name order) and checks each
 * entry. 0, or -1 with a message in err (err_size bytes) naming the file and command. */
int gd_registry_load(gd_registry *r, const char *dir, char *err, size_t err_size);
void gd_registry_free(gd_registry *r);
/* The entry named name, or NULL. */
const gd_command *gd_registry_find(const gd_registry *r, const char *name);
/* Checks params against the entry's schema. 0, or -1 with a message in err naming the param
 * by its JSON path (e.g. "commands[2].command"). */
int gd_registry_validate(const gd_command *c, const json_t *params, char *err, size_t err_size);
/* Checks value against schema (the subset above); where names the value in messages. */
int gd_schema_validate(const json_t *schema, const json_t *value, const char *where, char *err,
                       size_t err_size);

/* The copy the addon ships (addons/godotd/commands.gen.json): {"version":1,"commands":[{name,
 * category, params, needs, undo, readOnly}]}. New reference, caller owns. */
json_t *gd_registry_addon_copy(const gd_registry *r);
/* docs/commands.md text; malloc'ed, caller frees; NULL on ENOMEM. */
char *gd_registry_markdown(const gd_registry *r);
/* `godotd registry [--check|--write]` (src/registry_main.c): exit status 0 when the generated
 * files match the registry (or were rewritten). */
int gd_registry_main(int argc, char **argv);
/* The runs value's registry spelling ("editor", "game", "daemon"). */
const char *gd_runs_name(gd_runs r);
/* The needs value's registry spelling ("session", "ready", "scene"). */
const char *gd_needs_name(gd_needs n);

#endif
