/* registry: the command registry loaded from schema/commands.json, the single list of addon
 * commands the daemon routes (HTTP `POST /godot/<command>`, later MCP tools).
 *
 * Owns the parsed entries and the param validation against each entry's JSON Schema subset
 * (type, properties, required, additionalProperties, minimum, maximum), so bad params get a
 * structured error even while the editor is down. Calls only jansson.
 */
#ifndef GD_REGISTRY_H
#define GD_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* What a command needs before it may be sent to the addon. */
typedef enum {
  GD_NEEDS_SESSION = 0, /* any attached addon, even while importing */
  GD_NEEDS_READY,       /* the editor is ready (not importing) */
} gd_needs;

typedef struct gd_command {
  const char *name;        /* borrowed from the registry's JSON */
  const char *description;
  json_t *params;          /* JSON Schema, borrowed */
  int64_t timeout_ms;
  gd_needs needs;
} gd_command;

typedef struct gd_registry {
  json_t *root;
  gd_command *commands;
  size_t count;
} gd_registry;

/* Loads and checks the registry file. 0, or -1 with a message in err (err_size bytes). */
int gd_registry_load(gd_registry *r, const char *path, char *err, size_t err_size);
void gd_registry_free(gd_registry *r);
/* The entry named name, or NULL. */
const gd_command *gd_registry_find(const gd_registry *r, const char *name);
/* Checks params against the entry's schema. 0, or -1 with a message in err naming the param. */
int gd_registry_validate(const gd_command *c, const json_t *params, char *err, size_t err_size);

#endif
