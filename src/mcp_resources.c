#include "mcp_resources.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "errors.h"
#include "install.h"
#include "jsonout.h"
#include "log.h"
#include "sandbox.h"

/* JSON-RPC codes (jsonrpc.org §5.1) and MCP's Resource not found (2025-11-25
 * server/resources "Error Handling"; 2026-07-28 answers -32602 instead, SEP-2164). */
#define GD_RPC_INVALID_PARAMS -32602
#define GD_RPC_INTERNAL -32603
#define GD_RPC_RESOURCE_NOT_FOUND -32002

#define GD_URI_PROJECT "godot://project"
#define GD_URI_SCENE "godot://scene/current"
#define GD_URI_OUTPUT "godot://output"
#define GD_URI_FILES "res://{path}"
/* godot://output reads the newest entries only: the whole stream is get_output's (paged). */
#define GD_OUTPUT_READ_ENTRIES 500
/* Caching hints of stateless answers (2026-07-28 server/utilities/caching): the lists are
 * fixed; a read's content changes with the editor, so it is not to be reused. */
#define GD_LIST_TTL_MS 300000
#define GD_URI_MAX 2048

/* One res:// subscription (or the project's watch of project.godot): an inotify watch of the
 * file's folder, since an atomic write (write_file, the editor's own saves) renames a new file
 * over the old one and a watch of the file itself would stay on the replaced inode. */
typedef struct gd_mcp_file_sub {
  struct gd_mcp_file_sub *next;
  gd_mcp *m;
  gd_mcp_session *s;   /* NULL once the subscription ended (its handle is closing) */
  uv_fs_event_t watch;
  unsigned what;       /* a GD_MCP_RES_* bit it updates instead of its own uri (project.godot) */
  bool pending;        /* an update of uri is due at the next tick */
  char name[NAME_MAX + 1]; /* the file's name in the watched folder */
  char uri[];          /* as the client subscribed it */
} gd_mcp_file_sub;

/* A resources/read that runs editor commands. */
typedef struct gd_mcp_read {
  struct gd_mcp_read *next;
  gd_mcp *m;
  json_t *id;
  gd_mcp_sink *sink;  /* NULL once answered or abandoned */
  gd_ops_call *op;
  unsigned what;      /* GD_MCP_RES_PROJECT or GD_MCP_RES_SCENE */
  bool stateless;
  int depth;          /* inside gd_ops_run, which may answer inline: not freed meanwhile */
  json_t *info;       /* godot://project: get_project_info's result, before get_status */
} gd_mcp_read;

static const struct {
  unsigned bit;
  const char *uri, *name, *title, *description;
} gd__fixed[] = {
    {GD_MCP_RES_PROJECT, GD_URI_PROJECT, "project", "The Godot project",
     "The project and the editor: name, Godot version, main scene, the scenes open and the one "
     "edited, the editor's state (as get_project_info and get_status)."},
    {GD_MCP_RES_SCENE, GD_URI_SCENE, "scene", "The edited scene's tree",
     "The edited scene's nodes: name, type, path (the node_path of node tools), script, "
     "children (get_scene_tree's result). Changes with every edit, undo and scene switch."},
    {GD_MCP_RES_OUTPUT, GD_URI_OUTPUT, "output", "Godot output (editor and games)",
     "The last entries of the one output stream of the editor and every game: prints, warnings, "
     "errors with file, line, function and backtrace, game start/exit/crash (as get_output)."},
};
#define GD_NFIXED (sizeof gd__fixed / sizeof *gd__fixed)

bool gd_mcp_resources_method(const char *method) {
  static const char *const names[] = {"resources/list", "resources/templates/list",
                                      "resources/read", "resources/subscribe",
                                      "resources/unsubscribe"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (method && strcmp(method, names[i]) == 0) return true;
  return false;
}

static json_t *gd__error(json_t *id, int code, const char *uri, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A JSON-RPC error with data {"uri"} (SEP-2164: a client learns which resource failed). */
static json_t *gd__error(json_t *id, int code, const char *uri, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *err = gd_mcp_error(id, code, msg);
  if (uri) json_object_set_new(json_object_get(err, "error"), "data", json_pack("{s:s}", "uri", uri));
  return err;
}

static json_t *gd__not_found(json_t *id, const char *uri, bool stateless) {
  return gd__error(id, stateless ? GD_RPC_INVALID_PARAMS : GD_RPC_RESOURCE_NOT_FOUND, uri,
                   "Resource not found: %s (resources/list and resources/templates/list say "
                   "which exist)",
                   uri);
}

/* ---- MIME types ---------------------------------------------------------------------------- */

static const struct {
  const char *ext, *mime;
} gd__mimes[] = {
    {"gd", "text/x-gdscript"},   {"tscn", "text/x-godot-scene"}, {"tres", "text/x-godot-resource"},
    {"godot", "text/plain"},     {"cfg", "text/plain"},         {"import", "text/plain"},
    {"uid", "text/plain"},       {"gdshader", "text/plain"},    {"gdshaderinc", "text/plain"},
    {"shader", "text/plain"},    {"txt", "text/plain"},         {"log", "text/plain"},
    {"ini", "text/plain"},       {"md", "text/markdown"},       {"csv", "text/csv"},
    {"cs", "text/x-csharp"},     {"json", "application/json"},  {"xml", "application/xml"},
    {"html", "text/html"},       {"css", "text/css"},           {"js", "text/javascript"},
    {"yml", "application/yaml"}, {"yaml", "application/yaml"},  {"toml", "application/toml"},
    {"svg", "image/svg+xml"},    {"gltf", "model/gltf+json"},   {"obj", "model/obj"},
    {"png", "image/png"},        {"jpg", "image/jpeg"},         {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},      {"gif", "image/gif"},          {"bmp", "image/bmp"},
    {"tga", "image/x-tga"},      {"exr", "image/x-exr"},        {"hdr", "image/vnd.radiance"},
    {"ktx", "image/ktx"},        {"ogg", "audio/ogg"},          {"wav", "audio/wav"},
    {"mp3", "audio/mpeg"},       {"ogv", "video/ogg"},          {"webm", "video/webm"},
    {"ttf", "font/ttf"},         {"otf", "font/otf"},           {"woff", "font/woff"},
    {"woff2", "font/woff2"},     {"glb", "model/gltf-binary"},  {"fbx", "application/octet-stream"},
    {"blend", "application/x-blender"}, {"zip", "application/zip"},
    {"scn", "application/x-godot-scene"}, {"res", "application/x-godot-resource"},
};

const char *gd_mcp_mime_type(const char *name) {
  const char *slash = strrchr(name, '/');
  const char *base = slash ? slash + 1 : name;
  const char *dot = strrchr(base, '.');
  if (!dot || !dot[1]) return NULL;
  for (size_t i = 0; i < sizeof gd__mimes / sizeof *gd__mimes; i++)
    if (strcasecmp(dot + 1, gd__mimes[i].ext) == 0) return gd__mimes[i].mime;
  return NULL;
}

/* Whether content of this type is read as text (when it is valid UTF-8). */
static bool gd__textual(const char *mime) {
  return !mime || strncmp(mime, "text/", 5) == 0 || strcmp(mime, "application/json") == 0 ||
         strcmp(mime, "application/xml") == 0 || strcmp(mime, "application/yaml") == 0 ||
         strcmp(mime, "application/toml") == 0 || strcmp(mime, "image/svg+xml") == 0 ||
         strcmp(mime, "model/gltf+json") == 0 || strcmp(mime, "model/obj") == 0;
}

/* ---- res:// paths --------------------------------------------------------------------------- */

static int gd__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* uri with its %XX escapes decoded (a client that expands res://{path} by RFC 6570 encodes
 * '/' and spaces) into out. false when an escape is malformed or decodes to NUL. */
static bool gd__percent_decode(const char *uri, char *out, size_t n) {
  size_t k = 0;
  for (const char *p = uri; *p; p++) {
    int c = (unsigned char)*p;
    if (c == '%') {
      int hi = gd__hex(p[1]), lo = hi < 0 ? -1 : gd__hex(p[2]);
      if (lo < 0 || (hi == 0 && lo == 0)) return false;
      c = hi * 16 + lo;
      p += 2;
    }
    if (k + 1 >= n) return false;
    out[k++] = (char)c;
  }
  out[k] = '\0';
  return true;
}

/* Checks a res:// uri against the sandbox: its normalized form into norm and the file on disk
 * into abs. NULL when fine, else the error response. must_exist: the file itself. */
static json_t *gd__file_path(gd_mcp *m, json_t *id, const char *uri, bool must_exist, char *norm,
                             size_t nn, char *abs, size_t an) {
  char decoded[PATH_MAX + 8];
  if (!gd__percent_decode(uri, decoded, sizeof decoded))
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri, "%s: a malformed %%-escape or a path too long", uri);
  int rc = gd_sandbox_normalize(decoded, norm, nn);
  if (rc == GD_SANDBOX_OK) rc = gd_sandbox_resolve(m->ops->editor->cfg.project, norm, must_exist, abs, an);
  if (rc == GD_SANDBOX_OUTSIDE)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri,
                     "%s is outside the project: res:// paths cannot leave it (by .. or a "
                     "symbolic link)", uri);
  if (rc == GD_SANDBOX_MISSING)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri, "%s does not exist", norm);
  if (rc != GD_SANDBOX_OK)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri, "%s is not a usable res:// path", uri);
  return NULL;
}

/* resources/read of a project file: the bytes as they are on disk, text when the type is
 * textual and the bytes valid UTF-8, else base64. */
static json_t *gd__read_file(gd_mcp *m, json_t *id, const char *uri, bool stateless) {
  char norm[PATH_MAX + 8], abs[PATH_MAX];
  json_t *bad = gd__file_path(m, id, uri, true, norm, sizeof norm, abs, sizeof abs);
  if (bad) return bad;
  struct stat st;
  if (stat(abs, &st) != 0)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri, "%s: %s", norm, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri,
                     "%s is not a file (a folder: list_files lists it)", norm);
  if ((size_t)st.st_size > GD_MCP_RESOURCE_MAX_BYTES)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri,
                     "%s is %lld bytes, over the %zu MiB a resource read returns (read_file "
                     "reads it in slices)",
                     norm, (long long)st.st_size, GD_MCP_RESOURCE_MAX_BYTES >> 20);
  /* A synchronous read, as the test runner's report: at most 16 MiB of a local file. */
  size_t len = 0;
  char *data = gd_read_file(abs, GD_MCP_RESOURCE_MAX_BYTES, &len);
  if (!data)
    return gd__error(id, errno == EFBIG ? GD_RPC_INVALID_PARAMS : GD_RPC_INTERNAL, uri,
                     "%s cannot be read: %s", norm,
                     errno == EFBIG ? "it grew over the resource size cap" : strerror(errno));
  const char *mime = gd_mcp_mime_type(norm);
  json_t *text = gd__textual(mime) ? json_stringn(data, len) : NULL; /* NULL: not UTF-8 */
  json_t *content = json_pack("{s:s, s:s}", "uri", uri, "mimeType",
                              mime ? mime : text ? "text/plain" : "application/octet-stream");
  if (text) {
    json_object_set_new(content, "text", text);
  } else {
    char *b64 = malloc(4 * ((len + 2) / 3) + 1);
    if (!b64) {
      free(data);
      json_decref(content);
      return gd__error(id, GD_RPC_INTERNAL, uri, "out of memory");
    }
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
    json_object_set_new(content, "blob", json_string(b64));
    free(b64);
  }
  free(data);
  json_t *r = json_pack("{s:[o]}", "contents", content);
  if (stateless) {
    json_object_set_new(r, "ttlMs", json_integer(0));
    json_object_set_new(r, "cacheScope", json_string("private"));
  }
  return gd_mcp_result(id, r, stateless);
}

/* ---- reads through editor commands --------------------------------------------------------- */

static void gd__read_free(gd_mcp_read *r) {
  json_decref(r->id);
  json_decref(r->info);
  free(r);
}

/* Answers r (response stolen; NULL: none) and unlinks it; freed once no callback can come. */
static void gd__read_answer(gd_mcp_read *r, json_t *response) {
  if (!r->sink) {
    json_decref(response);
    return;
  }
  for (gd_mcp_read **pp = &r->m->reads; *pp; pp = &(*pp)->next)
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  gd_mcp_sink *sink = r->sink;
  r->sink = NULL;
  sink->finish(sink, response);
}

static json_t *gd__text_result(gd_mcp_read *r, const char *uri, json_t *body) {
  char *text = gd_json_dumps_out(body, JSON_COMPACT);
  json_t *res = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                          "application/json", "text", text ? text : "{}");
  free(text);
  if (r->stateless) {
    json_object_set_new(res, "ttlMs", json_integer(0));
    json_object_set_new(res, "cacheScope", json_string("private"));
  }
  return gd_mcp_result(r->id, res, r->stateless);
}

static void gd__read_step(gd_mcp_read *r, const char *command);

static void gd__read_done(void *ud, const char *code, const char *msg, json_t *result,
                          const gd_bridge_timing *t) {
  (void)t;
  gd_mcp_read *r = ud;
  r->op = NULL;
  const char *uri = r->what == GD_MCP_RES_PROJECT ? GD_URI_PROJECT : GD_URI_SCENE;
  if (code) {
    json_t *err = gd__error(r->id, GD_RPC_INTERNAL, uri, "%s: %s (%s)", uri, msg ? msg : "failed", code);
    json_t *data = json_object_get(json_object_get(err, "error"), "data");
    json_object_set_new(data, "code", json_string(code));
    json_object_set_new(data, "retryable", json_boolean(gd_error_retryable(code)));
    gd__read_answer(r, err);
  } else if (r->what == GD_MCP_RES_SCENE) {
    gd__read_answer(r, gd__text_result(r, uri, result));
  } else if (!r->info) { /* the project's first half: then what the editor has open */
    r->info = json_incref(result);
    gd__read_step(r, "get_status");
  } else {
    json_t *body = json_deep_copy(r->info);
    static const char *const from_status[] = {"edited_scene", "open_scenes"};
    for (size_t i = 0; i < sizeof from_status / sizeof *from_status; i++) {
      json_t *v = json_object_get(result, from_status[i]);
      if (v) json_object_set(body, from_status[i], v);
    }
    json_t *editor = json_pack("{s:s}", "state", gd_editor_state_name(r->m->ops->editor->state));
    static const char *const editor_fields[] = {"readiness", "playing", "playing_scene",
                                                "main_screen", "addon_version"};
    for (size_t i = 0; i < sizeof editor_fields / sizeof *editor_fields; i++) {
      json_t *v = json_object_get(result, editor_fields[i]);
      if (v) json_object_set(editor, editor_fields[i], v);
    }
    json_object_set_new(body, "editor", editor);
    gd__read_answer(r, gd__text_result(r, uri, body));
    json_decref(body);
  }
  if (!r->sink && r->depth == 0 && !r->op) gd__read_free(r);
}

static void gd__read_step(gd_mcp_read *r, const char *command) {
  const gd_command *cmd = gd_registry_find(r->m->ops->registry, command);
  if (!cmd) {
    gd__read_answer(r, gd__error(r->id, GD_RPC_INTERNAL, NULL, "no %s command in the registry", command));
    return;
  }
  r->depth++;
  gd_ops_call *op = gd_ops_run(r->m->ops, cmd, json_object(), r->m->ops->wait_ready_ms,
                               gd__read_done, r);
  r->depth--;
  if (op) r->op = op;
}

static void gd__read_editor(gd_mcp *m, json_t *id, gd_mcp_sink *sink, unsigned what,
                            bool stateless) {
  gd_mcp_read *r = calloc(1, sizeof *r);
  if (!r) {
    sink->finish(sink, gd_mcp_error(id, GD_RPC_INTERNAL, "out of memory"));
    return;
  }
  r->m = m;
  r->id = json_incref(id);
  r->sink = sink;
  r->what = what;
  r->stateless = stateless;
  r->next = m->reads;
  m->reads = r;
  gd__read_step(r, what == GD_MCP_RES_PROJECT ? "get_project_info" : "get_scene_tree");
  if (!r->sink && !r->op) gd__read_free(r); /* answered inline */
}

/* ---- subscriptions ------------------------------------------------------------------------- */

/* Sends every session's due updates; whether any was. */
static bool gd__flush(gd_mcp *m) {
  bool sent = false;
  for (gd_mcp_session *s = m->sessions; s; s = s->next) {
    unsigned due = s->updated & s->subscribed;
    s->updated = 0;
    for (size_t i = 0; i < GD_NFIXED; i++)
      if ((due & gd__fixed[i].bit) && s->stream) {
        s->stream->send(s->stream, json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "method",
                                             "notifications/resources/updated", "params", "uri",
                                             gd__fixed[i].uri));
        sent = true;
      }
    for (gd_mcp_file_sub *f = s->file_subs; f; f = f->next) {
      if (!f->pending) continue;
      f->pending = false;
      if (s->stream) {
        s->stream->send(s->stream, json_pack("{s:s, s:s, s:{s:s}}", "jsonrpc", "2.0", "method",
                                             "notifications/resources/updated", "params", "uri",
                                             f->uri));
        sent = true;
      }
    }
  }
  return sent;
}

/* The end of a quiet window: what changed during it is sent, and a new window starts if so. */
static void gd__tick(uv_timer_t *t) {
  gd_mcp *m = t->data;
  if (gd__flush(m)) uv_timer_start(t, gd__tick, GD_MCP_RESOURCE_UPDATE_MS, 0);
}

/* Something changed: outside a quiet window it is told at once (an agent waiting for its edit
 * to show should not wait out a timer), and a window of GD_MCP_RESOURCE_UPDATE_MS opens; changes
 * inside one wait for its end, so a burst costs one notification a window. */
static void gd__due(gd_mcp *m) {
  if (!m->resource_timer_init || uv_is_active((uv_handle_t *)&m->resource_timer)) return;
  if (gd__flush(m)) uv_timer_start(&m->resource_timer, gd__tick, GD_MCP_RESOURCE_UPDATE_MS, 0);
}

void gd_mcp_resources_init(gd_mcp *m) {
  if (m->resource_timer_init) return;
  uv_timer_init(m->ops->editor->loop, &m->resource_timer);
  m->resource_timer.data = m;
  m->resource_timer_init = true;
}

void gd_mcp_resources_changed(gd_mcp *m, unsigned what) {
  bool due = false;
  for (gd_mcp_session *s = m->sessions; s; s = s->next)
    if (s->subscribed & what) {
      s->updated |= s->subscribed & what;
      due = true;
    }
  if (due) gd__due(m);
}

void gd_mcp_resources_scene_edited(gd_mcp *m, json_t *data) {
  gd_mcp_resources_changed(m, GD_MCP_RES_SCENE | (json_is_true(json_object_get(data, "tabs"))
                                                      ? GD_MCP_RES_PROJECT
                                                      : 0));
}

static void gd__file_event(uv_fs_event_t *h, const char *filename, int events, int status) {
  (void)events;
  gd_mcp_file_sub *f = h->data;
  if (!f->s || status < 0 || !filename || strcmp(filename, f->name) != 0) return;
  if (f->what) f->s->updated |= f->what;
  else f->pending = true;
  gd__due(f->m);
}

static void gd__file_sub_closed(uv_handle_t *h) { free(h->data); }

/* Ends subscription f (already unlinked from its session). */
static void gd__file_sub_drop(gd_mcp_file_sub *f) {
  f->s = NULL;
  uv_close((uv_handle_t *)&f->watch, gd__file_sub_closed);
}

/* Watches file abs for session s (uri: what its updates name; what: a fixed resource bit
 * instead). NULL, or why not (static). */
static const char *gd__watch(gd_mcp *m, gd_mcp_session *s, const char *uri, const char *abs,
                             unsigned what) {
  const char *slash = strrchr(abs, '/');
  if (!slash || strlen(slash + 1) > NAME_MAX) return "not a file path";
  gd_mcp_file_sub *f = calloc(1, sizeof *f + strlen(uri) + 1);
  if (!f) return "out of memory";
  f->m = m;
  f->s = s;
  f->what = what;
  snprintf(f->name, sizeof f->name, "%s", slash + 1);
  strcpy(f->uri, uri);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", slash == abs ? 1 : (int)(slash - abs), abs);
  uv_fs_event_init(m->ops->editor->loop, &f->watch);
  f->watch.data = f;
  int rc = uv_fs_event_start(&f->watch, gd__file_event, dir, 0);
  if (rc != 0) {
    gd__file_sub_drop(f);
    if (rc == UV_ENOENT || rc == UV_ENOTDIR) return "its folder does not exist";
    /* Not the client's doing (e.g. ENOSPC: fs.inotify.max_user_watches reached). */
    gd_warn("mcp: cannot watch %s for %s: %s", dir, uri, uv_strerror(rc));
    return uv_strerror(rc);
  }
  f->next = s->file_subs;
  s->file_subs = f;
  return NULL;
}

/* Removes s's subscriptions that match uri (NULL: what) — or with both NULL/0, all. */
static void gd__unwatch(gd_mcp_session *s, const char *uri, unsigned what) {
  for (gd_mcp_file_sub **pp = &s->file_subs; *pp;) {
    gd_mcp_file_sub *f = *pp;
    bool match = (!uri && !what) || (uri && !f->what && strcmp(f->uri, uri) == 0) ||
                 (what && f->what == what);
    if (match) {
      *pp = f->next;
      gd__file_sub_drop(f);
    } else {
      pp = &f->next;
    }
  }
}

void gd_mcp_resources_session_end(gd_mcp_session *s) {
  gd__unwatch(s, NULL, 0);
  s->subscribed = s->updated = 0;
}

static json_t *gd__subscribe(gd_mcp *m, gd_mcp_session *s, json_t *id, const char *uri, bool on) {
  for (size_t i = 0; i < GD_NFIXED; i++) {
    if (strcmp(uri, gd__fixed[i].uri) != 0) continue;
    unsigned bit = gd__fixed[i].bit;
    if (bit == GD_MCP_RES_OUTPUT && !m->output) break;
    if (on && !(s->subscribed & bit) && bit == GD_MCP_RES_PROJECT) {
      /* The main scene and the name live in project.godot, which set_project_setting (or a
       * person) may write without an editor event. */
      char abs[PATH_MAX];
      if (gd_sandbox_resolve(m->ops->editor->cfg.project, "res://project.godot", 0, abs,
                             sizeof abs) == GD_SANDBOX_OK)
        gd__watch(m, s, uri, abs, GD_MCP_RES_PROJECT); /* best effort: editor events still come */
    } else if (!on && (s->subscribed & bit) && bit == GD_MCP_RES_PROJECT) {
      gd__unwatch(s, NULL, GD_MCP_RES_PROJECT);
    }
    if (on) {
      s->subscribed |= bit;
    } else {
      s->subscribed &= ~bit;
      s->updated &= ~bit;
    }
    return gd_mcp_result(id, json_object(), false);
  }
  if (strncmp(uri, "res://", 6) != 0) return gd__not_found(id, uri, false);
  char norm[PATH_MAX + 8], abs[PATH_MAX];
  json_t *bad = gd__file_path(m, id, uri, false, norm, sizeof norm, abs, sizeof abs);
  if (bad) return bad;
  if (!on) {
    gd__unwatch(s, uri, 0);
    return gd_mcp_result(id, json_object(), false);
  }
  size_t n = 0;
  for (gd_mcp_file_sub *f = s->file_subs; f; f = f->next) {
    if (!f->what && strcmp(f->uri, uri) == 0) return gd_mcp_result(id, json_object(), false);
    if (!f->what) n++;
  }
  if (n >= GD_MCP_MAX_FILE_SUBS)
    return gd__error(id, GD_RPC_INVALID_PARAMS, uri,
                     "at most %d res:// subscriptions per session: unsubscribe one first",
                     GD_MCP_MAX_FILE_SUBS);
  const char *why = gd__watch(m, s, uri, abs, 0);
  if (why) return gd__error(id, GD_RPC_INVALID_PARAMS, uri, "cannot watch %s: %s", norm, why);
  return gd_mcp_result(id, json_object(), false);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static json_t *gd__list(bool stateless) {
  json_t *list = json_array();
  for (size_t i = 0; i < GD_NFIXED; i++)
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "uri", gd__fixed[i].uri,
                                          "name", gd__fixed[i].name, "title", gd__fixed[i].title,
                                          "description", gd__fixed[i].description, "mimeType",
                                          "application/json"));
  json_t *r = json_pack("{s:o}", "resources", list);
  if (stateless) {
    json_object_set_new(r, "ttlMs", json_integer(GD_LIST_TTL_MS));
    json_object_set_new(r, "cacheScope", json_string("public"));
  }
  return r;
}

static json_t *gd__templates(bool stateless) {
  json_t *r = json_pack(
      "{s:[{s:s, s:s, s:s, s:s}]}", "resourceTemplates", "uriTemplate", GD_URI_FILES, "name",
      "file", "title", "A project file",
      "description",
      "A file of the project by its res:// path, as it is on disk (no editor needed): text, or a "
      "base64 blob for binary content, mimeType by extension, at most 16 MiB. Subscribe to be "
      "told when it is written.");
  if (stateless) {
    json_object_set_new(r, "ttlMs", json_integer(GD_LIST_TTL_MS));
    json_object_set_new(r, "cacheScope", json_string("public"));
  }
  return r;
}

void gd_mcp_resources_handle(gd_mcp *m, gd_mcp_session *s, const char *method, json_t *id,
                             json_t *params, gd_mcp_sink *sink, bool stateless) {
  if (strcmp(method, "resources/list") == 0) {
    sink->finish(sink, gd_mcp_result(id, gd__list(stateless), stateless));
    return;
  }
  if (strcmp(method, "resources/templates/list") == 0) {
    sink->finish(sink, gd_mcp_result(id, gd__templates(stateless), stateless));
    return;
  }
  const char *uri = json_string_value(json_object_get(params, "uri"));
  if (!uri || !*uri || strlen(uri) > GD_URI_MAX) {
    sink->finish(sink, gd_mcp_error(id, GD_RPC_INVALID_PARAMS,
                                    "params.uri (a resource URI string) is required"));
    return;
  }
  if (strcmp(method, "resources/read") != 0) { /* subscribe, unsubscribe */
    /* 2026-07-28 has no resources/subscribe (a stateless server keeps no subscriptions). */
    sink->finish(sink, s ? gd__subscribe(m, s, id, uri, strcmp(method, "resources/subscribe") == 0)
                         : gd_mcp_error(id, -32601, "Method not found: resources/subscribe and "
                                                    "unsubscribe need a session (initialize)"));
    return;
  }
  if (strcmp(uri, GD_URI_PROJECT) == 0) {
    gd__read_editor(m, id, sink, GD_MCP_RES_PROJECT, stateless);
  } else if (strcmp(uri, GD_URI_SCENE) == 0) {
    gd__read_editor(m, id, sink, GD_MCP_RES_SCENE, stateless);
  } else if (strcmp(uri, GD_URI_OUTPUT) == 0 && m->output) {
    gd_output_filter f = {0};
    json_t *q = gd_output_query(m->output, &f, GD_OUTPUT_READ_ENTRIES);
    gd_mcp_read r = {.id = id, .stateless = stateless};
    sink->finish(sink, gd__text_result(&r, uri, q));
    json_decref(q);
  } else if (strncmp(uri, "res://", 6) == 0) {
    sink->finish(sink, gd__read_file(m, id, uri, stateless));
  } else {
    sink->finish(sink, gd__not_found(id, uri, stateless));
  }
}

void gd_mcp_resources_close(gd_mcp *m) {
  while (m->reads) {
    gd_mcp_read *r = m->reads;
    gd_ops_cancel(r->op);
    r->op = NULL;
    gd__read_answer(r, NULL); /* unlinks r */
    if (r->depth == 0) gd__read_free(r);
  }
  if (m->resource_timer_init) uv_timer_stop(&m->resource_timer);
}
