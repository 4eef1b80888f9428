#include "mcp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "config.h"
#include "errors.h"
#include "jsonout.h"
#include "log.h"
#include "mcp_prompts.h"
#include "mcp_resources.h"

/* JSON-RPC 2.0 error codes (jsonrpc.org/specification §5.1). */
#define GD_RPC_PARSE -32700
#define GD_RPC_INVALID_REQUEST -32600
#define GD_RPC_METHOD_NOT_FOUND -32601
#define GD_RPC_INVALID_PARAMS -32602
#define GD_RPC_INTERNAL -32603
#define GD_RPC_UNSUPPORTED_VERSION -32022 /* 2026-07-28 UnsupportedProtocolVersionError */

static const char *const gd__versions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
/* RFC 5424 severities as MCP names them (server/utilities/logging), lowest first. */
static const char *const gd__levels[] = {"debug",    "info",  "notice", "warning",
                                         "error",    "critical", "alert", "emergency"};
#define GD_LEVEL_DEFAULT 3 /* warning: an editor crash is worth a message, a state change not */

/* Sent once per session (initialize; clients put it in the agent's context), so the
 * conventions every tool shares are stated here once instead of in each tool's schema. */
static const char *gd__instructions =
    "godotd drives a live Godot 4 editor (and the game it runs) for this project. Start with "
    "get_status (what is open) and get_scene_tree. Every edit goes through the editor's undo "
    "history: `undo` reverts the last one; `batch` runs several commands atomically (rolled back "
    "on the first failure); save_scene writes scene edits to the .tscn. The editor_* tools manage "
    "the editor process (status, start, stop, restart, logs) and work while it is down; other "
    "tools wait for it (starting it) or fail with a retryable error. When only some tools are "
    "listed, run_command runs any godotd command by name (docs/commands.md, GET /commands); in "
    "a session, enable_toolsets lists a category's tools (the whole list is sent again: for one "
    "or two calls run_command is cheaper).\n"
    "Conventions of every tool:\n"
    "- node_path: a node of the edited scene, relative to its root ('.' = the root), as "
    "get_scene_tree shows.\n"
    "- Tools that act on a running game: game omitted = the only or newest one "
    "(get_game_state lists them); a game node path is relative to the game's current scene, or "
    "absolute from /root.\n"
    "- Values (Variant JSON) are converted to the target's Godot type: Vector2/3 as [x, y(, z)] "
    "or {\"x\", \"y\"}; Color as \"#ff8800\", \"red\" or [r, g, b, a] (0..1); Rect2 as "
    "[x, y, w, h]; resources as res:// paths (or null); enums as an integer or a name; NodePath "
    "as a string; other types as tagged objects {\"$type\": \"Transform2D\", \"value\": ...} "
    "as results show them. A wrong value fails naming the expected type.\n"
    "- Lists: limit = most entries returned (truncated=true says more matched); filter = a "
    "case-insensitive substring, the cheapest way to narrow.\n"
    "- Paths are res:// (the project) or user://; nothing outside is reachable.\n"
    "- Input actions are Input Map action names; animations are \"name\" or \"library/name\"; "
    "class names are Godot's (case-sensitive) or a project's class_name.\n"
    "- Errors are isError results with structuredContent.error {code, message, retryable}.";

bool gd_mcp_version_supported(const char *v) {
  for (size_t i = 0; i < sizeof gd__versions / sizeof *gd__versions; i++)
    if (v && strcmp(v, gd__versions[i]) == 0) return true;
  return false;
}

json_t *gd_mcp_error(json_t *id, int code, const char *message) {
  return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                   "error", "code", code, "message", message);
}

json_t *gd_mcp_errorf(json_t *id, int code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return gd_mcp_error(id, code, msg);
}

static json_t *gd__server_info(void);

static json_t *gd__result(json_t *id, json_t *result, bool stateless) {
  if (stateless) {
    /* 2026-07-28: every result says it is complete and who answered (basic/index). */
    json_object_set_new(result, "resultType", json_string("complete"));
    json_t *meta = json_object_get(result, "_meta");
    if (!json_is_object(meta)) {
      meta = json_object();
      json_object_set_new(result, "_meta", meta);
    }
    json_object_set_new(meta, "io.modelcontextprotocol/serverInfo", gd__server_info());
  }
  return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

json_t *gd_mcp_result(json_t *id, json_t *result, bool stateless) {
  return gd__result(id, result, stateless);
}

static json_t *gd__notification(const char *method, json_t *params) {
  return json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params", params);
}

/* ---- toolsets ---------------------------------------------------------------------------- */

static int gd__category_index(const gd_registry *r, const char *name, size_t len) {
  for (size_t i = 0; i < r->ncategories && i < 64; i++)
    if (strlen(r->categories[i].name) == len && strncmp(r->categories[i].name, name, len) == 0)
      return (int)i;
  return -1;
}

int gd_mcp_parse_toolsets(const gd_mcp *m, const char *spec, gd_mcp_toolsets *out, char *err,
                          size_t n) {
  memset(out, 0, sizeof *out);
  if (!spec || !*spec) spec = "core";
  const char *p = spec;
  while (*p) {
    size_t len = strcspn(p, ",");
    if (len == 3 && strncmp(p, "all", 3) == 0) out->all = true;
    else if (len == 4 && strncmp(p, "core", 4) == 0) out->core = true;
    else if (len == 7 && strncmp(p, "grouped", 7) == 0) out->grouped = true;
    else if (len == 7 && strncmp(p, "outputs", 7) == 0) out->outputs = true;
    else if (len > 0) {
      int i = gd__category_index(m->ops->registry, p, len);
      if (i < 0) {
        snprintf(err, n, "unknown toolset '%.*s' (use core, all, grouped, outputs or a category)",
                 (int)len, p);
        return -1;
      }
      out->categories |= 1ull << i;
    }
    p += len;
    if (*p == ',') p++;
  }
  if (!out->all && !out->grouped && !out->categories) out->core = true; /* "outputs" alone */
  return 0;
}

static int gd__cmd_category(const gd_registry *r, const gd_command *c) {
  return gd__category_index(r, c->category, strlen(c->category));
}

static bool gd__cmd_listed(const gd_mcp *m, const gd_mcp_toolsets *t, const gd_command *c) {
  if (t->grouped) return false;
  if (t->all || (t->core && c->core)) return true;
  int i = gd__cmd_category(m->ops->registry, c);
  return i >= 0 && (t->categories & (1ull << i));
}

/* ---- tool definitions -------------------------------------------------------------------- */

typedef enum {
  GD_TOOL_COMMAND,
  GD_TOOL_GROUP,
  GD_TOOL_STATUS,
  GD_TOOL_START,
  GD_TOOL_STOP,
  GD_TOOL_RESTART,
  GD_TOOL_LOGS,
  GD_TOOL_RUN,
  GD_TOOL_ENABLE,
} gd__tool_kind;

typedef struct {
  gd__tool_kind kind;
  const gd_command *cmd; /* GD_TOOL_COMMAND */
  int category;          /* GD_TOOL_GROUP */
} gd__tool;

static const struct {
  const char *name;
  gd__tool_kind kind;
  const char *title, *description;
  bool read_only, destructive, idempotent;
} gd__builtin[] = {
    {"editor_status", GD_TOOL_STATUS, "Editor process status",
     "The editor process as the daemon supervises it: state (stopped, starting, connecting, "
     "ready, restarting, stopping, failed), pid, restarts, last exit, readiness. Answers even "
     "when the editor is down.",
     true, false, true},
    {"editor_start", GD_TOOL_START, "Start the editor",
     "Start the Godot editor if it is not running (clears a tripped crash-loop guard) and, by "
     "default, wait until it is ready.",
     false, false, true},
    {"editor_stop", GD_TOOL_STOP, "Stop the editor",
     "Stop the editor for good (quit through the addon, then SIGTERM, then SIGKILL) and any game "
     "it runs. Unsaved changes are lost. Other tools start it again when called.",
     false, true, true},
    {"editor_restart", GD_TOOL_RESTART, "Restart the editor",
     "Stop then start the editor (e.g. after changing a plugin or project settings that need a "
     "restart) and, by default, wait until it is ready. Unsaved changes are lost.",
     false, true, false},
    {"editor_logs", GD_TOOL_LOGS, "Editor and game output",
     "Lines the editor and the games it runs printed (stdout/stderr, script errors), oldest "
     "first, with increasing ids: pass the last id seen as since to get only new lines.",
     true, false, true},
    {"run_command", GD_TOOL_RUN, "Run any godotd command",
     "Run any godotd command by name with its params, including those not listed as tools "
     "(docs/commands.md lists them all; GET /commands on the daemon too). Same result and errors "
     "as the command's own tool.",
     false, false, false},
    {"enable_toolsets", GD_TOOL_ENABLE, "List more tools",
     "Add tool categories to this session's tool list (the client is told the list changed). "
     "Categories: see the enum. 'all' lists every command as a tool.",
     false, false, true},
};
#define GD_NBUILTIN (sizeof gd__builtin / sizeof *gd__builtin)

/* Every hint is stated, defaults included (server/tools ToolAnnotations): clients differ in
 * which defaults they assume. The title is the tool's own, not repeated here. */
static json_t *gd__annotations(bool ro, bool destructive, bool idem) {
  return json_pack("{s:b, s:b, s:b, s:b}", "readOnlyHint", ro, "destructiveHint", destructive,
                   "idempotentHint", idem, "openWorldHint", 0);
}

static json_t *gd__builtin_schema(const gd_mcp *m, gd__tool_kind k) {
  switch (k) {
  case GD_TOOL_START:
  case GD_TOOL_RESTART:
    return json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:i, s:i, s:s}}, s:b}", "type", "object",
                     "properties", "wait", "type", "boolean", "description",
                     "wait until the editor is ready (default true)", "timeout_ms", "type",
                     "integer", "minimum", 1, "maximum", 600000, "description",
                     "how long to wait (default: the daemon's --wait-ready-ms)",
                     "additionalProperties", 0);
  case GD_TOOL_LOGS:
    return json_pack("{s:s, s:{s:{s:s, s:i, s:s}, s:{s:s, s:i, s:i, s:s}}, s:b}", "type",
                     "object", "properties", "since", "type", "integer", "minimum", 0,
                     "description", "only lines with a larger id", "limit", "type", "integer",
                     "minimum", 1, "maximum", 10000, "description",
                     "most lines returned (default 200)", "additionalProperties", 0);
  case GD_TOOL_RUN:
    return json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[s], s:b}", "type", "object",
                     "properties", "command", "type", "string", "description",
                     "the command's name, e.g. create_node", "params", "type", "object",
                     "description", "the command's params", "required", "command",
                     "additionalProperties", 0);
  case GD_TOOL_ENABLE: {
    json_t *names = json_pack("[s]", "all");
    for (size_t i = 0; i < m->ops->registry->ncategories; i++)
      json_array_append_new(names, json_string(m->ops->registry->categories[i].name));
    return json_pack("{s:s, s:{s:{s:s, s:{s:s, s:o}, s:i}}, s:[s], s:b}", "type", "object",
                     "properties", "toolsets", "type", "array", "items", "type", "string", "enum",
                     names, "minItems", 1, "required", "toolsets", "additionalProperties", 0);
  }
  default:
    return json_pack("{s:s, s:{}, s:b}", "type", "object", "properties", "additionalProperties",
                     0);
  }
}

/* A failed call's structuredContent, {"error":{code, message, retryable?}}. */
static json_t *gd__error_schema(void) {
  return json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:[s,s]}}, s:[s]}", "type",
                   "object", "properties", "error", "type", "object", "properties", "code", "type",
                   "string", "message", "type", "string", "retryable", "type", "boolean",
                   "required", "code", "message", "required", "error");
}

/* A tool's outputSchema. With the "outputs" toolset: its result schema or the error shape
 * (isError results carry it too, and clients such as the TypeScript SDK 1.x validate them
 * against outputSchema). Otherwise {"type":"object"}: still a promise of structuredContent that
 * results and errors keep, at 17 bytes instead of ~600; the shapes are in docs/commands.md and
 * GET /commands. */
static json_t *gd__output_schema(const gd_mcp_toolsets *ts, const json_t *result) {
  if (!ts->outputs) return json_pack("{s:s}", "type", "object");
  json_t *ok = json_deep_copy(result);
  json_t *out = json_pack("{s:s, s:[o, o]}", "type", "object", "anyOf", ok, gd__error_schema());
  return out;
}

static json_t *gd__tool_json_own(const gd_mcp *m, const gd_mcp_toolsets *ts, const gd__tool *t);

/* A tool's definition as session toolsets ts list it; with several projects, its inputSchema
 * also names "project". */
static json_t *gd__tool_json(const gd_mcp *m, const gd_mcp_toolsets *ts, const gd__tool *t) {
  json_t *def = gd__tool_json_own(m, ts, t);
  if (!def || !m->advertise_project) return def;
  json_t *schema = json_deep_copy(json_object_get(def, "inputSchema"));
  json_t *props = json_object_get(schema, "properties");
  if (!props) json_object_set_new(schema, "properties", props = json_object());
  json_object_set_new(props, "project",
                      json_pack("{s:s, s:s}", "type", "string", "description",
                                "project name (editor_status lists them; default: the first)"));
  json_object_set_new(def, "inputSchema", schema);
  return def;
}

/* Commands have no title: one made from the name ("Create node") told a client nothing the
 * name does not, in 2.5 KB of the full list; clients show the name instead (server/tools). */
static json_t *gd__tool_json_own(const gd_mcp *m, const gd_mcp_toolsets *ts, const gd__tool *t) {
  const gd_registry *r = m->ops->registry;
  if (t->kind == GD_TOOL_COMMAND) {
    const gd_command *c = t->cmd;
    return json_pack("{s:s, s:s, s:O, s:o, s:o}", "name", c->name, "description",
                     c->description, "inputSchema", c->params, "outputSchema",
                     gd__output_schema(ts, c->result), "annotations",
                     gd__annotations(c->read_only, c->destructive, c->idempotent));
  }
  if (t->kind == GD_TOOL_GROUP) {
    const gd_category *cat = &r->categories[t->category];
    json_t *names = json_array();
    bool ro = true;
    for (size_t i = 0; i < r->count; i++)
      if (strcmp(r->commands[i].category, cat->name) == 0) {
        json_array_append_new(names, json_string(r->commands[i].name));
        ro = ro && r->commands[i].read_only;
      }
    char name[96], desc[512];
    snprintf(name, sizeof name, "%s_command", cat->name);
    snprintf(desc, sizeof desc,
             "%s Runs one command of this category: pass its name as command and its params "
             "(docs/commands.md documents each).",
             cat->description);
    return json_pack("{s:s, s:s, s:{s:s, s:{s:{s:s, s:o}, s:{s:s}}, s:[s], s:b}, s:{s:s}, s:o}",
                     "name", name, "description", desc, "inputSchema", "type",
                     "object", "properties", "command", "type", "string", "enum", names, "params",
                     "type", "object", "required", "command", "additionalProperties", 0,
                     "outputSchema", "type", "object",
                     "annotations", gd__annotations(ro, false, false));
  }
  for (size_t i = 0; i < GD_NBUILTIN; i++)
    if (gd__builtin[i].kind == t->kind)
      return json_pack("{s:s, s:s, s:s, s:o, s:{s:s}, s:o}", "name", gd__builtin[i].name, "title",
                       gd__builtin[i].title, "description", gd__builtin[i].description,
                       "inputSchema", gd__builtin_schema(m, t->kind), "outputSchema", "type",
                       "object", "annotations",
                       gd__annotations(gd__builtin[i].read_only, gd__builtin[i].destructive,
                                       gd__builtin[i].idempotent));
  return NULL;
}

/* The tools of a session, in a stable order: built-ins, then commands (or groups). Returns
 * the count; fills out (may be NULL) up to cap. */
static size_t gd__tools(const gd_mcp *m, const gd_mcp_toolsets *ts, gd__tool *out, size_t cap) {
  size_t k = 0;
  const gd_registry *r = m->ops->registry;
#define GD_PUT(...)                                 \
  do {                                              \
    if (out && k < cap) out[k] = (gd__tool)__VA_ARGS__; \
    k++;                                            \
  } while (0)
  for (size_t i = 0; i < GD_NBUILTIN; i++) {
    if ((gd__builtin[i].kind == GD_TOOL_RUN || gd__builtin[i].kind == GD_TOOL_ENABLE) && ts->all)
      continue;
    GD_PUT({gd__builtin[i].kind, NULL, 0});
  }
  if (ts->grouped) {
    for (size_t i = 0; i < r->ncategories && i < 64; i++) GD_PUT({GD_TOOL_GROUP, NULL, (int)i});
  } else {
    for (size_t i = 0; i < r->count; i++)
      if (gd__cmd_listed(m, ts, &r->commands[i])) GD_PUT({GD_TOOL_COMMAND, &r->commands[i], 0});
  }
#undef GD_PUT
  return k;
}

/* Finds the tool called name among the session's tools. */
static bool gd__find_tool(const gd_mcp *m, const gd_mcp_toolsets *ts, const char *name,
                          gd__tool *found) {
  const gd_registry *r = m->ops->registry;
  for (size_t i = 0; i < GD_NBUILTIN; i++)
    if (strcmp(gd__builtin[i].name, name) == 0) {
      if ((gd__builtin[i].kind == GD_TOOL_RUN || gd__builtin[i].kind == GD_TOOL_ENABLE) && ts->all)
        return false;
      *found = (gd__tool){gd__builtin[i].kind, NULL, 0};
      return true;
    }
  if (ts->grouped) {
    for (size_t i = 0; i < r->ncategories && i < 64; i++) {
      size_t l = strlen(r->categories[i].name);
      if (strncmp(name, r->categories[i].name, l) == 0 && strcmp(name + l, "_command") == 0) {
        *found = (gd__tool){GD_TOOL_GROUP, NULL, (int)i};
        return true;
      }
    }
    return false;
  }
  const gd_command *c = gd_registry_find(r, name);
  if (!c || !gd__cmd_listed(m, ts, c)) return false;
  *found = (gd__tool){GD_TOOL_COMMAND, c, 0};
  return true;
}

/* ---- sessions ---------------------------------------------------------------------------- */

int gd_mcp_init(gd_mcp *m, gd_ops *ops, const char *default_toolsets, char *err, size_t n) {
  memset(m, 0, sizeof *m);
  m->ops = ops;
  return gd_mcp_parse_toolsets(m, default_toolsets, &m->default_tools, err, n);
}

typedef struct gd__mcp_call gd__mcp_call;
static void gd__call_abandon(gd__mcp_call *c, json_t *response);

gd_mcp_session *gd_mcp_session_find(gd_mcp *m, const char *id) {
  for (gd_mcp_session *s = m->sessions; s; s = s->next)
    if (strcmp(s->id, id) == 0) {
      s->last_used_ms = uv_now(m->ops->editor->loop);
      return s;
    }
  return NULL;
}

void gd_mcp_session_stream(gd_mcp_session *s, gd_mcp_stream *st) { s->stream = st; }

static void gd__session_free(gd_mcp *m, gd_mcp_session *s) {
  while (s->calls) gd__call_abandon(s->calls, NULL);
  gd_mcp_resources_session_end(s);
  for (gd_mcp_session **pp = &m->sessions; *pp; pp = &(*pp)->next)
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  m->nsessions--;
  free(s);
}

void gd_mcp_session_end(gd_mcp *m, gd_mcp_session *s) { gd__session_free(m, s); }

static gd_mcp_session *gd__session_new(gd_mcp *m) {
  if (m->nsessions >= GD_MCP_MAX_SESSIONS) { /* drop the least recently used idle one */
    gd_mcp_session *lru = NULL;
    for (gd_mcp_session *s = m->sessions; s; s = s->next)
      if (!s->calls && !s->stream && (!lru || s->last_used_ms < lru->last_used_ms)) lru = s;
    if (!lru) return NULL;
    gd_info("mcp: dropping idle session %s (more than %d sessions)", lru->id, GD_MCP_MAX_SESSIONS);
    gd__session_free(m, lru);
  }
  gd_mcp_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  unsigned char raw[16];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
    free(s);
    return NULL;
  }
  for (size_t i = 0; i < sizeof raw; i++) snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
  s->log_level = GD_LEVEL_DEFAULT;
  s->tools = m->default_tools;
  s->last_used_ms = uv_now(m->ops->editor->loop);
  s->next = m->sessions;
  m->sessions = s;
  m->nsessions++;
  return s;
}

void gd_mcp_close(gd_mcp *m) {
  while (m->sessions) gd__session_free(m, m->sessions);
  gd_mcp_resources_close(m);
  while (m->stateless_calls) gd__call_abandon(m->stateless_calls, NULL);
}

static void gd__log_to(gd_mcp_session *s, int level, json_t *data) {
  if (level < s->log_level || !s->stream) {
    json_decref(data);
    return;
  }
  s->stream->send(s->stream, gd__notification("notifications/message",
                                              json_pack("{s:s, s:s, s:o}", "level",
                                                        gd__levels[level], "logger", "godotd",
                                                        "data", data)));
}

void gd_mcp_editor_state(gd_mcp *m, const char *from, const char *to) {
  int level = strcmp(to, "failed") == 0       ? 4
              : strcmp(to, "restarting") == 0 ? 3
                                              : 1;
  for (gd_mcp_session *s = m->sessions; s; s = s->next)
    gd__log_to(s, level, json_pack("{s:s, s:s, s:s}", "event", "editor_state", "from", from, "to", to));
  gd_mcp_resources_changed(m, GD_MCP_RES_PROJECT); /* godot://project shows the state */
}

static void gd__output_entry(gd_output_listener *l, json_t *e) {
  gd_mcp *m = l->ud;
  gd_mcp_resources_changed(m, GD_MCP_RES_OUTPUT);
  const char *kind = json_string_value(json_object_get(e, "kind"));
  const char *source = json_string_value(json_object_get(e, "source"));
  int sev = gd_output_severity(json_string_value(json_object_get(e, "severity")));
  bool lifecycle = kind && strncmp(kind, "game_", 5) == 0;
  bool game = source && strcmp(source, "game") == 0;
  /* Prints are for get_output; an editor warning at start-up is not worth a message either. */
  if (!lifecycle && sev < (game ? GD_SEV_WARNING : GD_SEV_ERROR)) return;
  int level = sev == GD_SEV_ERROR ? 4 : sev == GD_SEV_WARNING ? 3 : 1;
  for (gd_mcp_session *s = m->sessions; s; s = s->next)
    gd__log_to(s, level, json_pack("{s:s, s:O}", "event", lifecycle ? kind : "output", "entry", e));
}

void gd_mcp_watch_output(gd_mcp *m, gd_output *out) {
  m->output = out;
  gd_mcp_resources_init(m);
  m->output_listener.cb = gd__output_entry;
  m->output_listener.ud = m;
  gd_output_listen(out, &m->output_listener);
}

/* ---- tools/call -------------------------------------------------------------------------- */

struct gd__mcp_call {
  gd__mcp_call *next;
  gd_mcp *m;
  gd_mcp_session *s;        /* NULL: stateless */
  json_t *id;
  json_t *progress_token;   /* NULL when the client asked for no progress */
  gd_mcp_sink *sink;        /* NULL once answered or abandoned */
  gd_ops_call *op;
  gd_ops *ops;              /* the project it runs on (the "project" argument; else m->ops) */
  gd__tool tool;
  const gd_command *cmd;    /* the command run (also through run_command / a group tool) */
  bool stateless;
  bool lifecycle_pending;   /* a supervisor callback will still come */
  bool in_ops_run;          /* inside gd_ops_run, which may answer inline: not freed meanwhile */
  bool wait;                /* lifecycle: wait until ready */
  uint64_t wait_ms;
  uv_timer_t timer;
  bool timer_started;
  uint64_t started_ms;
  double progress;
};

static gd__mcp_call **gd__calls_of(gd__mcp_call *c) {
  return c->s ? &c->s->calls : &c->m->stateless_calls;
}

static void gd__call_timer_closed(uv_handle_t *h) { free(h->data); }

/* Frees c once nothing can call back into it any more. */
static void gd__call_release(gd__mcp_call *c) {
  if (c->sink || c->lifecycle_pending || c->in_ops_run) return;
  json_decref(c->id);
  json_decref(c->progress_token);
  c->id = c->progress_token = NULL;
  if (c->timer_started) {
    c->timer_started = false;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, gd__call_timer_closed);
  } else {
    free(c);
  }
}

/* Answers (response stolen; NULL = no answer) and unlinks c from its list. */
static void gd__call_answer(gd__mcp_call *c, json_t *response) {
  if (!c->sink) {
    json_decref(response);
    return;
  }
  for (gd__mcp_call **pp = gd__calls_of(c); *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  gd_mcp_sink *sink = c->sink;
  c->sink = NULL;
  if (c->timer_started) uv_timer_stop(&c->timer);
  sink->finish(sink, response);
}

static void gd__call_abandon(gd__mcp_call *c, json_t *response) {
  gd_ops_cancel(c->op);
  c->op = NULL;
  gd__call_answer(c, response);
  gd__call_release(c);
}

/* A tools/call result: structuredContent plus the same JSON as a text block (clients that only
 * read content see it too). */
static json_t *gd__tool_result(json_t *structured, bool is_error) {
  char *text = gd_json_dumps_out(structured, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_t *r = json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                        text ? text : "{}", "structuredContent", structured, "isError", is_error);
  free(text);
  json_decref(structured);
  return r;
}

/* A screenshot's result (data_base64 + format): an image content block (MCP 2025-11-25
 * server/tools "Image Content"), and the rest (size, target) as structuredContent and text. */
static json_t *gd__image_result(json_t *result) {
  json_t *rest = json_deep_copy(result);
  json_object_del(rest, "data_base64");
  const char *format = json_string_value(json_object_get(result, "format"));
  json_t *r = gd__tool_result(rest, false);
  json_t *image = json_pack("{s:s, s:O, s:s}", "type", "image", "data",
                            json_object_get(result, "data_base64"), "mimeType",
                            format && strcmp(format, "jpg") == 0 ? "image/jpeg" : "image/png");
  json_array_insert_new(json_object_get(r, "content"), 0, image);
  return r;
}

static json_t *gd__tool_error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *gd__tool_error(const char *code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *err = gd_error_json(code, "%s", msg); /* {"error":{code, message, retryable?}} */
  json_t *r = gd__tool_result(err, true);
  /* The text block says it plainly for clients that show only text. */
  char text[1200];
  snprintf(text, sizeof text, "Error %s: %s", code, msg);
  json_object_set_new(json_array_get(json_object_get(r, "content"), 0), "text", json_string(text));
  return r;
}

static void gd__call_finish_result(gd__mcp_call *c, json_t *tool_result) {
  gd__call_answer(c, gd__result(c->id, tool_result, c->stateless));
  gd__call_release(c);
}

static void gd__command_done(void *ud, const char *code, const char *msg, json_t *result,
                             const gd_bridge_timing *t) {
  (void)t;
  gd__mcp_call *c = ud;
  c->op = NULL;
  if (code) gd__call_finish_result(c, gd__tool_error(code, "%s: %s", c->cmd->name, msg ? msg : "failed"));
  else if (json_is_string(json_object_get(result, "data_base64")))
    gd__call_finish_result(c, gd__image_result(result));
  else gd__call_finish_result(c, gd__tool_result(json_incref(result), false));
}

static void gd__progress_tick(uv_timer_t *h) {
  gd__mcp_call *c = h->data;
  if (!c->sink || !c->progress_token) return;
  gd_editor *e = c->ops->editor;
  uint64_t elapsed = uv_now(e->loop) - c->started_ms;
  char msg[256];
  /* A daemon command may say what it is doing (run_tests: the runner's output so far). */
  if (!gd_ops_call_progress(c->op, msg, sizeof msg)) {
    if (c->op && gd_ops_call_sent(c->op))
      snprintf(msg, sizeof msg, "running in the editor (%.1f s)", (double)elapsed / 1000.0);
    else
      snprintf(msg, sizeof msg, "waiting for the editor (%s, %.1f s)",
               gd_editor_state_name(e->state), (double)elapsed / 1000.0);
  }
  c->progress += 1;
  c->sink->notify(c->sink, gd__notification("notifications/progress",
                                            json_pack("{s:O, s:f, s:s}", "progressToken",
                                                      c->progress_token, "progress", c->progress,
                                                      "message", msg)));
}

static void gd__run(gd__mcp_call *c, const gd_command *cmd, json_t *args) {
  c->cmd = cmd;
  char err[512];
  if (gd_registry_validate(cmd, args, err, sizeof err) != 0) {
    json_decref(args);
    gd__call_finish_result(c, gd__tool_error(GD_E_INVALID_PARAMS, "%s: %s", cmd->name, err));
    return;
  }
  if (c->progress_token) {
    uv_timer_init(c->m->ops->editor->loop, &c->timer);
    c->timer.data = c;
    c->timer_started = true;
    uv_timer_start(&c->timer, gd__progress_tick, GD_MCP_PROGRESS_MS, GD_MCP_PROGRESS_MS);
  }
  /* gd_ops_run answers inline when the editor cannot take the command at once (a failed or
   * stopped one): gd__command_done then runs before it returns, and c must outlive that. */
  c->in_ops_run = true;
  gd_ops_call *op = gd_ops_run(c->ops, cmd, args, c->ops->wait_ready_ms, gd__command_done, c);
  c->in_ops_run = false;
  if (op) c->op = op;
  else gd__call_release(c);
}

/* Lifecycle tools: the supervisor calls back once; c stays alive until then. */
/* editor_status's answer: the project's /status, plus the daemon's projects when it has several
 * (the names a tool's "project" argument takes). */
static json_t *gd__status(gd__mcp_call *c) {
  json_t *st = gd_ops_status(c->ops);
  if (c->m->list_projects && st) {
    json_t *list = c->m->list_projects(c->m->projects_ud);
    if (json_array_size(list) > 1) json_object_set_new(st, "projects", list);
    else json_decref(list);
  }
  return st;
}

static void gd__life_done(void *ud, const char *code, const char *msg) {
  gd__mcp_call *c = ud;
  c->lifecycle_pending = false;
  if (!c->sink) {
    gd__call_release(c);
    return;
  }
  if (code) gd__call_finish_result(c, gd__tool_error(code, "%s", msg));
  else gd__call_finish_result(c, gd__tool_result(gd__status(c), false));
}

static void gd__life_spawned(void *ud, const char *code, const char *msg) {
  gd__mcp_call *c = ud;
  if (code || !c->wait || !c->sink) {
    gd__life_done(c, code, msg);
    return;
  }
  gd_editor_wait(c->ops->editor, GD_NEEDS_READY, c->wait_ms, false, gd__life_done, c);
}

static int64_t gd__int_arg(json_t *args, const char *key, int64_t dflt) {
  json_t *v = json_object_get(args, key);
  return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static void gd__list_changed(gd__mcp_call *c) {
  json_t *note = gd__notification("notifications/tools/list_changed", json_object());
  if (c->s && c->s->stream) c->s->stream->send(c->s->stream, note);
  else if (c->sink) c->sink->notify(c->sink, note);
  else json_decref(note);
}

static void gd__call_builtin(gd__mcp_call *c, json_t *args) {
  gd_mcp *m = c->m;
  gd_editor *e = c->ops->editor;
  char err[512];
  json_t *def = gd__tool_json(m, &m->default_tools, &c->tool);
  int bad = gd_schema_validate(json_object_get(def, "inputSchema"), args, "", err, sizeof err);
  json_decref(def);
  if (bad) {
    json_decref(args);
    gd__call_finish_result(c, gd__tool_error(GD_E_INVALID_PARAMS, "%s", err));
    return;
  }
  c->wait = !json_is_false(json_object_get(args, "wait"));
  c->wait_ms = (uint64_t)gd__int_arg(args, "timeout_ms", (int64_t)c->ops->wait_ready_ms);
  switch (c->tool.kind) {
  case GD_TOOL_STATUS:
    gd__call_finish_result(c, gd__tool_result(gd__status(c), false));
    break;
  case GD_TOOL_START: {
    char why[256] = "";
    c->lifecycle_pending = true;
    if (gd_editor_start(e, why, sizeof why) != 0) gd__life_done(c, GD_E_EDITOR_UNAVAILABLE, why);
    else if (e->state == GD_STATE_READY || !c->wait) gd__life_done(c, NULL, NULL);
    else gd_editor_wait(e, GD_NEEDS_READY, c->wait_ms, false, gd__life_done, c);
    break;
  }
  case GD_TOOL_STOP:
    c->lifecycle_pending = true;
    gd_editor_stop(e, gd__life_done, c);
    break;
  case GD_TOOL_RESTART:
    c->lifecycle_pending = true;
    gd_editor_restart(e, gd__life_spawned, c);
    break;
  case GD_TOOL_LOGS: {
    uint64_t since = (uint64_t)gd__int_arg(args, "since", 0);
    size_t limit = (size_t)gd__int_arg(args, "limit", 200);
    gd__call_finish_result(c, gd__tool_result(gd_ringlog_to_json(&e->logs, since, limit), false));
    break;
  }
  case GD_TOOL_RUN: {
    const char *name = json_string_value(json_object_get(args, "command"));
    const gd_command *cmd = gd_registry_find(m->ops->registry, name);
    if (!cmd) {
      gd__call_finish_result(c, gd__tool_error(GD_E_UNKNOWN_COMMAND,
                                               "no command '%s' (docs/commands.md lists them)", name));
      break;
    }
    json_t *params = json_object_get(args, "params");
    gd__run(c, cmd, params ? json_incref(params) : json_object());
    break;
  }
  case GD_TOOL_ENABLE: {
    gd_mcp_toolsets add = {0};
    gd_mcp_toolsets *ts = c->s ? &c->s->tools : NULL;
    json_t *list = json_object_get(args, "toolsets");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
      gd_mcp_toolsets one;
      if (gd_mcp_parse_toolsets(m, json_string_value(v), &one, err, sizeof err) != 0) {
        json_decref(args);
        gd__call_finish_result(c, gd__tool_error(GD_E_INVALID_PARAMS, "%s", err));
        return;
      }
      add.all |= one.all;
      add.categories |= one.categories;
    }
    if (!ts) {
      gd__call_finish_result(c, gd__tool_error(GD_E_BAD_REQUEST,
                                               "stateless requests have no session to change: "
                                               "pass toolsets in the endpoint's query instead"));
      break;
    }
    gd_mcp_toolsets before = *ts;
    ts->all |= add.all;
    ts->categories |= add.categories;
    if (ts->all || ts->categories) ts->grouped = false;
    bool changed = memcmp(&before, ts, sizeof before) != 0;
    if (changed) gd__list_changed(c);
    gd__call_finish_result(c, gd__tool_result(json_pack("{s:b, s:I}", "changed", changed, "tools",
                                                        (json_int_t)gd__tools(m, ts, NULL, 0)),
                                              false));
    break;
  }
  default:
    gd__call_finish_result(c, gd__tool_error(GD_E_INTERNAL, "unhandled tool"));
  }
  json_decref(args);
}

static void gd__tools_call(gd_mcp *m, gd_mcp_session *s, json_t *id, json_t *params,
                           gd_mcp_sink *sink, bool stateless) {
  const char *name = json_string_value(json_object_get(params, "name"));
  json_t *args = json_object_get(params, "arguments");
  if (!name) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "tools/call needs params.name"));
    return;
  }
  if (args && !json_is_object(args)) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "arguments must be an object"));
    return;
  }
  gd__tool tool;
  const gd_mcp_toolsets *ts = s ? &s->tools : &m->default_tools;
  if (!gd__find_tool(m, ts, name, &tool)) {
    /* A registry command left out of this session's tool list still exists and runs: the list
     * is trimmed for clients with tool caps, and a model that names a command from a
     * description (new_scene → close_scene) should get its result, not a protocol error. */
    const gd_command *cmd = gd_registry_find(m->ops->registry, name);
    if (!cmd) {
      sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "Unknown tool: %s", name));
      return;
    }
    tool = (gd__tool){GD_TOOL_COMMAND, cmd, 0};
  }
  gd__mcp_call *c = calloc(1, sizeof *c);
  if (!c) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INTERNAL, "out of memory"));
    return;
  }
  c->m = m;
  c->s = s;
  c->id = json_incref(id);
  c->sink = sink;
  c->tool = tool;
  c->stateless = stateless;
  c->ops = m->ops;
  c->started_ms = uv_now(m->ops->editor->loop);
  json_t *token = json_object_get(json_object_get(params, "_meta"), "progressToken");
  if (json_is_string(token) || json_is_integer(token)) c->progress_token = json_incref(token);
  gd__mcp_call **list = gd__calls_of(c);
  c->next = *list;
  *list = c;
  json_t *a = args ? json_incref(args) : json_object();
  if (json_object_get(a, "project")) { /* the client's object stays as it was */
    json_t *copy = json_copy(a);
    json_decref(a);
    a = copy;
  }
  /* Every tool takes "project" (the daemon's projects; editor_status lists them): it picks the
   * project and is not one of the tool's own arguments. */
  json_t *project = json_object_get(a, "project");
  if (project) {
    gd_ops *ops = json_is_string(project) && m->find_project
                      ? m->find_project(m->projects_ud, json_string_value(project))
                      : NULL;
    if (!ops && json_is_string(project) && !m->find_project &&
        strcmp(json_string_value(project), m->ops->project_name ? m->ops->project_name : "") == 0)
      ops = m->ops;
    if (!ops) {
      char what[160];
      snprintf(what, sizeof what, "%s", json_is_string(project) ? json_string_value(project) : "(not a string)");
      json_decref(a);
      gd__call_finish_result(c, gd__tool_error(GD_E_NOT_FOUND,
                                               "no project '%s' (editor_status lists them)", what));
      return;
    }
    c->ops = ops;
    json_object_del(a, "project");
  }
  c->started_ms = uv_now(c->ops->editor->loop);
  if (tool.kind == GD_TOOL_COMMAND) {
    gd__run(c, tool.cmd, a);
  } else if (tool.kind == GD_TOOL_GROUP) {
    const char *cmd_name = json_string_value(json_object_get(a, "command"));
    const gd_command *cmd = cmd_name ? gd_registry_find(m->ops->registry, cmd_name) : NULL;
    const char *cat = m->ops->registry->categories[tool.category].name;
    json_t *p = json_object_get(a, "params");
    if (!cmd || strcmp(cmd->category, cat) != 0) {
      gd__call_finish_result(c, gd__tool_error(GD_E_INVALID_PARAMS,
                                               "command must name a %s command, got '%s'", cat,
                                               cmd_name ? cmd_name : "(none)"));
    } else if (p && !json_is_object(p)) {
      gd__call_finish_result(c, gd__tool_error(GD_E_INVALID_PARAMS, "params must be an object"));
    } else {
      gd__run(c, cmd, p ? json_incref(p) : json_object());
    }
    json_decref(a);
  } else {
    gd__call_builtin(c, a);
  }
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static void gd__tools_list(gd_mcp *m, gd_mcp_session *s, json_t *id, json_t *params,
                           gd_mcp_sink *sink, bool stateless) {
  const gd_mcp_toolsets *ts = s ? &s->tools : &m->default_tools;
  size_t total = gd__tools(m, ts, NULL, 0);
  gd__tool *tools = calloc(total ? total : 1, sizeof *tools);
  if (!tools) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INTERNAL, "out of memory"));
    return;
  }
  gd__tools(m, ts, tools, total);
  if (stateless) { /* no session to add tools to, and the revision forbids lists that vary
                    * per connection (2026-07-28 server/tools): enable_toolsets is not offered */
    size_t k = 0;
    for (size_t i = 0; i < total; i++)
      if (tools[i].kind != GD_TOOL_ENABLE) tools[k++] = tools[i];
    total = k;
  }
  size_t start = 0;
  json_t *cursor = json_object_get(params, "cursor");
  if (cursor) {
    const char *cs = json_string_value(cursor);
    char *end = NULL;
    unsigned long v = cs && strncmp(cs, "o:", 2) == 0 ? strtoul(cs + 2, &end, 10) : 0;
    if (!cs || !end || *end || v == 0 || v >= total) {
      free(tools);
      sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "invalid cursor"));
      return;
    }
    start = v;
  }
  json_t *list = json_array();
  size_t stop = start + GD_MCP_PAGE_SIZE < total ? start + GD_MCP_PAGE_SIZE : total;
  for (size_t i = start; i < stop; i++)
    json_array_append_new(list, gd__tool_json(m, ts, &tools[i]));
  free(tools);
  json_t *result = json_pack("{s:o}", "tools", list);
  if (stateless) { /* caching hints (2026-07-28 server/utilities/caching): the list is fixed */
    json_object_set_new(result, "ttlMs", json_integer(60000));
    json_object_set_new(result, "cacheScope", json_string("public"));
  }
  if (stop < total) {
    char next[32];
    snprintf(next, sizeof next, "o:%zu", stop);
    json_object_set_new(result, "nextCursor", json_string(next));
  }
  sink->finish(sink, gd__result(id, result, stateless));
}

static json_t *gd__capabilities(void) {
  return json_pack("{s:{s:b}, s:{}, s:{s:b, s:b}, s:{s:b}}", "tools", "listChanged", 1, "logging",
                   "resources", "subscribe", 1, "listChanged", 0, "prompts", "listChanged", 0);
}

static json_t *gd__server_info(void) {
  return json_pack("{s:s, s:s, s:s}", "name", "godotd", "title", "godotd (Godot editor)",
                   "version", GODOTD_VERSION);
}

static void gd__initialize(gd_mcp *m, json_t *id, json_t *params, gd_mcp_sink *sink,
                           gd_mcp_session **created) {
  const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
  if (!asked) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "initialize needs protocolVersion"));
    return;
  }
  gd_mcp_session *s = gd__session_new(m);
  if (!s) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INTERNAL, "too many active sessions"));
    return;
  }
  /* Version negotiation (basic/lifecycle): echo a supported version, else offer the latest. */
  snprintf(s->version, sizeof s->version, "%s", gd_mcp_version_supported(asked) ? asked : GD_MCP_LATEST);
  if (created) *created = s;
  json_t *result = json_pack("{s:s, s:o, s:o, s:s}", "protocolVersion", s->version,
                             "capabilities", gd__capabilities(), "serverInfo", gd__server_info(),
                             "instructions", gd__instructions);
  sink->finish(sink, gd__result(id, result, false));
}

static void gd__discover(json_t *id, gd_mcp_sink *sink) {
  json_t *versions = json_pack("[s]", GD_MCP_STATELESS);
  for (size_t i = 0; i < sizeof gd__versions / sizeof *gd__versions; i++)
    json_array_append_new(versions, json_string(gd__versions[i]));
  json_t *caps = json_pack("{s:{}, s:{}, s:{}}", "tools", "resources", "prompts");
  json_t *result = json_pack("{s:o, s:o, s:o, s:s, s:i, s:s}", "supportedVersions", versions,
                             "capabilities", caps, "serverInfo", gd__server_info(),
                             "instructions", gd__instructions, "ttlMs", 300000, "cacheScope",
                             "public");
  sink->finish(sink, gd__result(id, result, true));
}

static void gd__cancelled(gd_mcp *m, gd_mcp_session *s, json_t *params) {
  json_t *rid = json_object_get(params, "requestId");
  if (!rid) return;
  gd__mcp_call *list = s ? s->calls : m->stateless_calls;
  for (gd__mcp_call *c = list; c; c = c->next)
    if (json_equal(c->id, rid)) {
      gd_info("mcp: request %s cancelled by the client",
              json_is_string(rid) ? json_string_value(rid) : "(number)");
      gd__call_abandon(c, NULL); /* a cancelled request gets no response */
      return;
    }
}

void gd_mcp_cancel(gd_mcp *m, gd_mcp_session *s, json_t *id) {
  for (gd__mcp_call *c = s ? s->calls : m->stateless_calls; c; c = c->next)
    if (json_equal(c->id, id)) {
      gd__call_abandon(c, NULL);
      return;
    }
}

/* The protocol version a stateless request asks for in _meta, or NULL. */
static const char *gd__meta_version(json_t *params) {
  return json_string_value(json_object_get(json_object_get(params, "_meta"),
                                           "io.modelcontextprotocol/protocolVersion"));
}

void gd_mcp_handle(gd_mcp *m, gd_mcp_session *s, json_t *msg, gd_mcp_sink *sink,
                   gd_mcp_session **created) {
  if (!json_is_object(msg)) {
    sink->finish(sink, gd_mcp_errorf(NULL, GD_RPC_INVALID_REQUEST, "a message must be a JSON object"));
    json_decref(msg);
    return;
  }
  json_t *id = json_object_get(msg, "id");
  const char *method = json_string_value(json_object_get(msg, "method"));
  json_t *params = json_object_get(msg, "params");
  const char *jsonrpc = json_string_value(json_object_get(msg, "jsonrpc"));
  if (!jsonrpc || strcmp(jsonrpc, "2.0") != 0) {
    sink->finish(sink, id ? gd_mcp_errorf(id, GD_RPC_INVALID_REQUEST, "jsonrpc must be \"2.0\"") : NULL);
    json_decref(msg);
    return;
  }
  if (!method) { /* a response to a request of ours (we send none) or garbage */
    if (json_object_get(msg, "result") || json_object_get(msg, "error")) sink->finish(sink, NULL);
    else sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_REQUEST, "a request needs a method"));
    json_decref(msg);
    return;
  }
  if (params && !json_is_object(params)) {
    sink->finish(sink, id ? gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "params must be an object") : NULL);
    json_decref(msg);
    return;
  }
  bool notification = id == NULL;
  if (!notification && !json_is_string(id) && !json_is_integer(id)) {
    sink->finish(sink, gd_mcp_errorf(NULL, GD_RPC_INVALID_REQUEST, "id must be a string or an integer"));
    json_decref(msg);
    return;
  }
  if (notification) {
    if (strcmp(method, "notifications/initialized") == 0 && s) s->initialized = true;
    else if (strcmp(method, "notifications/cancelled") == 0) gd__cancelled(m, s, params);
    sink->finish(sink, NULL); /* unknown notifications are ignored (JSON-RPC: no answer) */
    json_decref(msg);
    return;
  }
  const char *meta_version = gd__meta_version(params);
  /* Modern (2026-07-28) when the request names a version in _meta, even for "initialize". */
  bool stateless = !s && (meta_version || strcmp(method, "initialize") != 0);
  if (stateless) {
    /* 2026-07-28: every request names its version in _meta; there is no session. */
    if (!meta_version || strcmp(meta_version, GD_MCP_STATELESS) != 0) {
      json_t *err = gd_mcp_errorf(id, meta_version ? GD_RPC_UNSUPPORTED_VERSION : GD_RPC_INVALID_PARAMS,
                               meta_version ? "Unsupported protocol version: %s"
                                            : "Unsupported protocol version: %s (no session: send "
                                              "initialize first, or _meta "
                                              "io.modelcontextprotocol/protocolVersion)",
                               meta_version ? meta_version : "none");
      json_object_set_new(json_object_get(err, "error"), "data",
                          json_pack("{s:[s,s,s,s], s:s?}", "supported", GD_MCP_STATELESS,
                                    gd__versions[0], gd__versions[1], gd__versions[2],
                                    "requested", meta_version));
      sink->finish(sink, err);
      json_decref(msg);
      return;
    }
    json_t *meta = json_object_get(params, "_meta");
    if (!json_is_object(json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"))) {
      sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS,
                                    "_meta io.modelcontextprotocol/clientCapabilities is required"));
      json_decref(msg);
      return;
    }
  }
  /* 2026-07-28 keeps no subscriptions: resources/subscribe is a session's. */
  if (stateless && strcmp(method, "server/discover") != 0 && strcmp(method, "tools/list") != 0 &&
      strcmp(method, "tools/call") != 0 && !gd_mcp_prompts_method(method) &&
      strcmp(method, "resources/list") != 0 && strcmp(method, "resources/templates/list") != 0 &&
      strcmp(method, "resources/read") != 0) {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_METHOD_NOT_FOUND, "Method not found: %s", method));
  } else if (strcmp(method, "initialize") == 0) {
    if (s) sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_REQUEST, "this session is already initialized"));
    else gd__initialize(m, id, params, sink, created);
  } else if (strcmp(method, "server/discover") == 0) {
    gd__discover(id, sink);
  } else if (strcmp(method, "ping") == 0) {
    sink->finish(sink, gd__result(id, json_object(), stateless));
  } else if (strcmp(method, "tools/list") == 0) {
    gd__tools_list(m, s, id, params, sink, stateless);
  } else if (strcmp(method, "tools/call") == 0) {
    gd__tools_call(m, s, id, params, sink, stateless);
  } else if (gd_mcp_resources_method(method)) {
    gd_mcp_resources_handle(m, s, method, id, params, sink, stateless);
  } else if (gd_mcp_prompts_method(method)) {
    sink->finish(sink, gd_mcp_prompts_answer(method, id, params, stateless));
  } else if (strcmp(method, "logging/setLevel") == 0 && s) {
    const char *level = json_string_value(json_object_get(params, "level"));
    int found = -1;
    for (int i = 0; level && i < 8; i++)
      if (strcmp(level, gd__levels[i]) == 0) found = i;
    if (found < 0) {
      sink->finish(sink, gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS,
                                    "level must be one of debug, info, notice, warning, error, "
                                    "critical, alert, emergency"));
    } else {
      s->log_level = found;
      sink->finish(sink, gd__result(id, json_object(), false));
    }
  } else {
    sink->finish(sink, gd_mcp_errorf(id, GD_RPC_METHOD_NOT_FOUND, "Method not found: %s", method));
  }
  json_decref(msg);
}
