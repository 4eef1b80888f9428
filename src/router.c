#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "config.h"
#include "dashboard.h"
#include "errors.h"
#include "log.h"
#include "mcp_http.h"
#include "sandbox.h"
#include "telemetry.h"

/* Largest /logs page: keeps one answer under a few MiB even with 16 KiB lines. */
#define GD_ROUTER_LOGS_MAX 10000
#define GD_ROUTER_LOGS_DEFAULT 1000
/* An explicit timeout_ms in a body may not exceed this: a client bug must not park a request
 * (and its memory) for hours. */
#define GD_ROUTER_MAX_TIMEOUT_MS 600000

/* One HTTP command on its way to the editor (through ops). */
typedef struct {
  gd_reply *reply;
  const gd_command *cmd;
  bool scene_load; /* /scene/load: check the edited scene afterwards */
  char scene_path[1024];
} gd__call;

static bool gd__method(gd_reply *r, const char *want) {
  if (strcmp(r->req->method, want) == 0) return true;
  char allow[64];
  snprintf(allow, sizeof allow, "Allow: %s\r\n", want);
  gd_reply_json(r, 405,
                gd_error_json(GD_E_METHOD_NOT_ALLOWED, "%s %s: use %s", r->req->method,
                              r->req->path, want),
                allow);
  return false;
}

/* The body as a JSON object ({} when empty). NULL after answering 400. */
static json_t *gd__body(gd_reply *r) {
  const gd_http_request *q = r->req;
  size_t i = 0;
  while (i < q->body_len && (q->body[i] == ' ' || q->body[i] == '\n' || q->body[i] == '\r' ||
                             q->body[i] == '\t'))
    i++;
  if (i == q->body_len) return json_object();
  json_error_t err;
  json_t *j = json_loadb(q->body, q->body_len, 0, &err);
  if (!j) {
    gd_reply_error(r, GD_E_INVALID_JSON, "body is not valid JSON: %s (line %d, column %d)",
                   err.text, err.line, err.column);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    gd_reply_error(r, GD_E_INVALID_JSON, "body must be a JSON object");
    return NULL;
  }
  return j;
}

/* Reads an optional timeout_ms (positive integer) from body into *out. false after a 400. */
static bool gd__timeout(gd_reply *r, json_t *body, uint64_t *out) {
  json_t *t = json_object_get(body, "timeout_ms");
  if (!t) return true;
  if (!json_is_integer(t) || json_integer_value(t) <= 0 ||
      json_integer_value(t) > GD_ROUTER_MAX_TIMEOUT_MS) {
    gd_reply_error(r, GD_E_INVALID_PARAMS, "timeout_ms must be an integer from 1 to %d",
                   GD_ROUTER_MAX_TIMEOUT_MS);
    return false;
  }
  *out = (uint64_t)json_integer_value(t);
  json_object_del(body, "timeout_ms");
  return true;
}

/* ---- commands ----------------------------------------------------------------------------- */

/* Whether the client asked for an image as JSON (Accept names application/json and no image). */
static bool gd__wants_json(const gd_reply *r) {
  const char *a = r->req ? r->req->accept : NULL;
  return a && strstr(a, "application/json") && !strstr(a, "image/");
}

/* Answers a screenshot's result as the image itself (Content-Type image/png or image/jpeg; the
 * size and target in X-Image-* headers). false when data_base64 is not valid base64. */
static bool gd__reply_image(gd_reply *r, json_t *result, const char *extra) {
  const char *b64 = json_string_value(json_object_get(result, "data_base64"));
  size_t n = strlen(b64);
  if (n % 4) return false;
  unsigned char *bin = malloc(n / 4 * 3 + 1);
  if (!bin) return false;
  int len = EVP_DecodeBlock(bin, (const unsigned char *)b64, (int)n);
  if (len < 0) {
    free(bin);
    return false;
  }
  /* EVP_DecodeBlock counts the padding as zero bytes. */
  for (size_t i = n; i > 0 && b64[i - 1] == '='; i--) len--;
  const char *format = json_string_value(json_object_get(result, "format"));
  char headers[512];
  snprintf(headers, sizeof headers, "%sX-Image-Width: %lld\r\nX-Image-Height: %lld\r\nX-Image-Target: %s\r\n",
           extra ? extra : "", (long long)json_integer_value(json_object_get(result, "width")),
           (long long)json_integer_value(json_object_get(result, "height")),
           json_string_value(json_object_get(result, "target")) ?: "game");
  gd_reply_bytes(r, 200, format && strcmp(format, "jpg") == 0 ? "image/jpeg" : "image/png", bin,
                 (size_t)len, headers);
  free(bin);
  return true;
}

static void gd__call_replied(void *ud, const char *code, const char *msg, json_t *result,
                             const gd_bridge_timing *t) {
  gd__call *c = ud;
  /* Server-Timing (W3C): the round trip split into the daemon's own share, the editor's side
   * (socket + waiting for its frame + handler) and the handler alone, in ms. */
  char timing[160] = "";
  if (t) {
    double total = (double)(uv_hrtime() - c->reply->started_ns) / 1e6;
    double editor = (double)(t->replied_ns - t->sent_ns) / 1e6;
    if (t->handle_us >= 0)
      snprintf(timing, sizeof timing,
               "Server-Timing: daemon;dur=%.3f, editor;dur=%.3f, handler;dur=%.3f\r\n",
               total - editor, editor, (double)t->handle_us / 1e3);
    else
      snprintf(timing, sizeof timing, "Server-Timing: daemon;dur=%.3f, editor;dur=%.3f\r\n",
               total - editor, editor);
  }
  const char *extra = timing[0] ? timing : NULL;
  if (code) {
    json_t *err = gd_error_json(code, "%s: %s", c->cmd->name, msg ? msg : "failed");
    gd_reply_json(c->reply, gd_error_http_status(code), err, extra);
  } else if (c->scene_load) {
    const char *edited = json_string_value(json_object_get(result, "edited_scene"));
    if (!edited || strcmp(edited, c->scene_path) != 0)
      gd_reply_json(c->reply, 500,
                    gd_error_json(GD_E_FAILED, "opened %s but the edited scene is %s",
                                  c->scene_path, edited ? edited : "(none)"),
                    extra);
    else
      gd_reply_json(c->reply, 200,
                    json_pack("{s:s, s:s}", "scene_path", c->scene_path, "edited_scene", edited),
                    extra);
  } else if (json_is_string(json_object_get(result, "data_base64")) && !gd__wants_json(c->reply)) {
    if (!gd__reply_image(c->reply, result, extra))
      gd_reply_json(c->reply, 500,
                    gd_error_json(GD_E_INTERNAL, "%s: the image data is not valid base64",
                                  c->cmd->name),
                    extra);
  } else {
    gd_reply_json(c->reply, 200, json_incref(result), extra);
  }
  free(c);
}

/* Runs cmd with params (stolen) and answers r with its outcome. */
static void gd__run_command(gd_router *rt, gd_reply *r, const gd_command *cmd, json_t *params,
                            uint64_t wait_ms, const char *scene_path) {
  gd__call *c = calloc(1, sizeof *c);
  if (!c) {
    json_decref(params);
    gd_reply_error(r, GD_E_INTERNAL, "out of memory");
    return;
  }
  c->reply = r;
  c->cmd = cmd;
  if (scene_path) {
    c->scene_load = true;
    snprintf(c->scene_path, sizeof c->scene_path, "%s", scene_path);
  }
  gd_ops_run(rt->ops, cmd, params, wait_ms, gd__call_replied, c);
}

static void gd__godot_command(gd_router *rt, gd_reply *r, const char *name) {
  const gd_command *cmd = gd_registry_find(rt->ops->registry, name);
  if (!cmd) {
    gd_reply_error(r, GD_E_UNKNOWN_COMMAND, "no command '%s' (GET /commands lists them)", name);
    return;
  }
  if (!gd__method(r, "POST")) return;
  json_t *params = gd__body(r);
  if (!params) return;
  gd__run_command(rt, r, cmd, params, rt->ops->wait_ready_ms, NULL);
}

static void gd__scene_load(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "POST")) return;
  json_t *body = gd__body(r);
  if (!body) return;
  uint64_t wait_ms = rt->ops->wait_ready_ms;
  if (!gd__timeout(r, body, &wait_ms)) {
    json_decref(body);
    return;
  }
  json_t *sp = json_object_get(body, "scene_path");
  if (!json_is_string(sp)) {
    json_decref(body);
    gd_reply_error(r, GD_E_INVALID_PARAMS, "scene_path (a res:// string) is required");
    return;
  }
  char abs[PATH_MAX], norm[1024];
  const char *path = json_string_value(sp);
  int rc = gd_sandbox_normalize(path, norm, sizeof norm);
  if (rc == GD_SANDBOX_OK)
    rc = gd_sandbox_resolve(rt->ops->editor->cfg.project, norm, 1, abs, sizeof abs);
  const char *code = rc == GD_SANDBOX_OK        ? NULL
                     : rc == GD_SANDBOX_OUTSIDE ? GD_E_OUTSIDE_PROJECT
                     : rc == GD_SANDBOX_MISSING ? GD_E_NOT_FOUND
                                                : GD_E_INVALID_PARAMS;
  if (code) {
    gd_reply_error(r, code,
                   rc == GD_SANDBOX_OUTSIDE   ? "%s is outside the project"
                   : rc == GD_SANDBOX_MISSING ? "%s does not exist"
                                              : "%s is not a res:// path",
                   path);
    json_decref(body);
    return;
  }
  size_t nl = strlen(norm);
  if (nl < 6 || (strcmp(norm + nl - 5, ".tscn") != 0 && strcmp(norm + nl - 4, ".scn") != 0)) {
    gd_reply_error(r, GD_E_INVALID_PARAMS, "%s is not a scene (.tscn or .scn)", norm);
    json_decref(body);
    return;
  }
  json_decref(body);
  gd__run_command(rt, r, gd_registry_find(rt->ops->registry, "open_scene"),
                  json_pack("{s:s}", "scene_path", norm), wait_ms, norm);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

typedef struct {
  gd_router *rt;
  gd_reply *reply;
  uint64_t wait_ms;
  bool wait;
} gd__life;

static void gd__life_done(void *ud, const char *code, const char *msg) {
  gd__life *l = ud;
  if (code) gd_reply_error(l->reply, code, "%s", msg);
  else gd_reply_json(l->reply, 200, gd_ops_status(l->rt->ops), NULL);
  free(l);
}

static void gd__life_spawned(void *ud, const char *code, const char *msg) {
  gd__life *l = ud;
  if (code || !l->wait) {
    if (code) gd_reply_error(l->reply, code, "%s", msg);
    else gd_reply_json(l->reply, 202, gd_ops_status(l->rt->ops), NULL);
    free(l);
    return;
  }
  gd_editor_wait(l->rt->ops->editor, GD_NEEDS_READY, l->wait_ms, false, gd__life_done, l);
}

static gd__life *gd__life_new(gd_router *rt, gd_reply *r) {
  json_t *body = gd__body(r);
  if (!body) return NULL;
  gd__life *l = calloc(1, sizeof *l);
  l->rt = rt;
  l->reply = r;
  l->wait_ms = rt->ops->wait_ready_ms;
  if (!gd__timeout(r, body, &l->wait_ms)) {
    json_decref(body);
    free(l);
    return NULL;
  }
  json_t *w = json_object_get(body, "wait");
  if (w && !json_is_boolean(w)) {
    gd_reply_error(r, GD_E_INVALID_PARAMS, "wait must be a boolean");
    json_decref(body);
    free(l);
    return NULL;
  }
  l->wait = json_is_true(w);
  json_decref(body);
  return l;
}

static void gd__start(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "POST")) return;
  gd__life *l = gd__life_new(rt, r);
  if (!l) return;
  char err[256] = "";
  if (gd_editor_start(rt->ops->editor, err, sizeof err) != 0) gd__life_spawned(l, GD_E_EDITOR_UNAVAILABLE, err);
  else if (rt->ops->editor->state == GD_STATE_READY) gd__life_done(l, NULL, NULL);
  else gd__life_spawned(l, NULL, NULL);
}

static void gd__restart(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "POST")) return;
  gd__life *l = gd__life_new(rt, r);
  if (l) gd_editor_restart(rt->ops->editor, gd__life_spawned, l);
}

static void gd__stop(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "POST")) return;
  gd__life *l = gd__life_new(rt, r);
  if (l) gd_editor_stop(rt->ops->editor, gd__life_done, l);
}

/* ---- reads -------------------------------------------------------------------------------- */

static void gd__health(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  gd_editor *e = rt->ops->editor;
  bool ready = e->state == GD_STATE_READY;
  json_t *body = json_pack("{s:b, s:s}", "ready", ready, "state", gd_editor_state_name(e->state));
  if (!ready) {
    json_t *err = gd_error_json(e->state == GD_STATE_FAILED || e->state == GD_STATE_STOPPED
                                    ? GD_E_EDITOR_UNAVAILABLE
                                    : GD_E_NOT_READY,
                                "the editor is %s", gd_editor_state_name(e->state));
    json_object_update(body, err);
    json_decref(err);
  }
  gd_reply_json(r, ready ? 200 : 503, body, NULL);
}

/* GET /livez: the daemon itself answers (its event loop turns), whatever the editor is doing —
 * a liveness probe that restarting the editor, an import or a crash loop never fails. */
static void gd__livez(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  uv_loop_t *loop = rt->ops->editor->loop;
  gd_reply_json(r, 200,
                json_pack("{s:b, s:I, s:s, s:b, s:i}", "alive", 1, "uptime_ms",
                          (json_int_t)(uv_now(loop) - rt->ops->started_ms), "editor",
                          gd_editor_state_name(rt->ops->editor->state), "token_required",
                          rt->token_required, "projects", (int)rt->nprojects),
                NULL);
}

static void gd__logs(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  char val[32];
  uint64_t since = 0;
  size_t limit = GD_ROUTER_LOGS_DEFAULT;
  const char *q = r->req->query;
  if (q && gd_http_query_get(q, "since", val, sizeof val) == 0) {
    char *end;
    since = strtoull(val, &end, 10);
    if (*end || val[0] == '-') {
      gd_reply_error(r, GD_E_INVALID_PARAMS, "since must be a non-negative integer");
      return;
    }
  }
  if (q && gd_http_query_get(q, "limit", val, sizeof val) == 0) {
    char *end;
    long l = strtol(val, &end, 10);
    if (*end || l <= 0 || l > GD_ROUTER_LOGS_MAX) {
      gd_reply_error(r, GD_E_INVALID_PARAMS, "limit must be an integer from 1 to %d",
                     GD_ROUTER_LOGS_MAX);
      return;
    }
    limit = (size_t)l;
  }
  gd_reply_json(r, 200, gd_ringlog_to_json(&rt->ops->editor->logs, since, limit), NULL);
}

static void gd__commands(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  json_t *list = json_array();
  for (size_t i = 0; i < rt->ops->registry->count; i++) {
    const gd_command *c = &rt->ops->registry->commands[i];
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:s, s:O, s:O, s:{s:b, s:b, s:b}, s:b, s:s, s:I}", "name",
                        c->name, "category", c->category, "description", c->description, "params",
                        c->params, "result", c->result, "annotations", "readOnly", c->read_only,
                        "destructive", c->destructive, "idempotent", c->idempotent, "undo",
                        c->undo, "needs", gd_needs_name(c->needs), "timeout_ms",
                        (json_int_t)c->timeout_ms));
  }
  gd_reply_json(r, 200, json_pack("{s:o}", "commands", list), NULL);
}

/* ---- /metrics and /events ---------------------------------------------------------------- */

static void gd__metrics(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  char *text = gd_telemetry_render(rt->telemetry);
  if (!text) {
    gd_reply_error(r, GD_E_INTERNAL, "out of memory");
    return;
  }
  gd_reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text),
                 "Cache-Control: no-store\r\n");
  free(text);
}

/* Comments sent on a quiet stream, so proxies and clients see it is alive. */
#define GD_ROUTER_EVENTS_KEEPALIVE_MS 15000

typedef struct gd__event_stream {
  gd_reply *r;
  gd_events *events;
  gd_events_listener listener;
  uv_timer_t keepalive;
  bool ended;
} gd__event_stream;

static void gd__event_stream_closed(uv_handle_t *h) { free(h->data); }

static void gd__event_stream_end(gd__event_stream *st) {
  if (st->ended) return;
  st->ended = true;
  gd_events_unlisten(st->events, &st->listener);
  uv_timer_stop(&st->keepalive);
  gd_reply_stream_end(st->r);
  uv_close((uv_handle_t *)&st->keepalive, gd__event_stream_closed);
}

static void gd__event_stream_gone(void *ud) { gd__event_stream_end(ud); }

static void gd__event_stream_send(gd__event_stream *st, const char *sse, size_t len) {
  if (!st->ended && gd_reply_stream_write(st->r, sse, len) != 0) gd__event_stream_end(st);
}

static void gd__event_new(gd_events_listener *l, const char *sse, size_t len) {
  gd__event_stream_send(l->ud, sse, len);
}

static void gd__event_replayed(void *ud, const char *sse, size_t len) {
  gd__event_stream_send(ud, sse, len);
}

static void gd__event_keepalive(uv_timer_t *t) {
  static const char ping[] = ": keep-alive\n\n";
  gd__event_stream_send(t->data, ping, sizeof ping - 1);
}

/* GET /events[?types=a,b][&since=N]: Server-Sent Events (WHATWG HTML §9.2). A reconnecting
 * client's Last-Event-ID (or since=N) replays what it missed from the ring, and a "gap" event
 * says when some of that was already dropped; without either the stream starts from now. */
static void gd__events(gd_router *rt, gd_reply *r) {
  if (!gd__method(r, "GET")) return;
  char val[256], err[200];
  unsigned mask = GD_EVENT_ALL;
  const char *q = r->req->query;
  if (q && gd_http_query_get(q, "types", val, sizeof val) == 0 &&
      gd_events_parse_types(val, &mask, err, sizeof err) != 0) {
    gd_reply_error(r, GD_E_INVALID_PARAMS, "%s", err);
    return;
  }
  bool resume = false;
  uint64_t since = 0;
  const char *from = r->req->last_event_id;
  if (!from && q && gd_http_query_get(q, "since", val, sizeof val) == 0) from = val;
  if (from) {
    char *end;
    since = strtoull(from, &end, 10);
    if (*end || from[0] == '-' || !from[0]) {
      gd_reply_error(r, GD_E_INVALID_PARAMS, "Last-Event-ID / since must be an event id (an integer)");
      return;
    }
    resume = true;
  }
  gd__event_stream *st = calloc(1, sizeof *st);
  if (!st) {
    gd_reply_error(r, GD_E_INTERNAL, "out of memory");
    return;
  }
  st->r = r;
  st->events = &rt->telemetry->events;
  if (gd_reply_stream_start(r, 200, "text/event-stream",
                            "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n") != 0) {
    gd_reply_stream_end(r);
    free(st);
    return;
  }
  uv_timer_init(rt->ops->editor->loop, &st->keepalive);
  st->keepalive.data = st;
  char head[128];
  int n = snprintf(head, sizeof head, ": godotd events (last id %llu)\nretry: 2000\n\n",
                   (unsigned long long)gd_events_last_id(st->events));
  gd__event_stream_send(st, head, (size_t)n);
  if (resume && !st->ended) {
    bool gap = false;
    char note[200];
    uint64_t oldest = gd_events_oldest_id(st->events);
    if (since + 1 < oldest) {
      n = snprintf(note, sizeof note,
                   "event: gap\ndata: {\"type\":\"gap\",\"after\":%llu,\"resumed_at\":%llu}\n\n",
                   (unsigned long long)since, (unsigned long long)oldest);
      gd__event_stream_send(st, note, (size_t)n);
    }
    gd_events_replay(st->events, since, mask, gd__event_replayed, st, &gap);
  }
  if (st->ended) return; /* freed when its timer handle closes */
  st->listener.cb = gd__event_new;
  st->listener.mask = mask;
  st->listener.ud = st;
  gd_events_listen(st->events, &st->listener);
  gd_reply_on_gone(r, gd__event_stream_gone, st);
  uv_timer_start(&st->keepalive, gd__event_keepalive, GD_ROUTER_EVENTS_KEEPALIVE_MS,
                 GD_ROUTER_EVENTS_KEEPALIVE_MS);
}

/* The dashboard's page and files. Locked down: only this origin's scripts, styles and fetches;
 * never framed. */
#define GD_ROUTER_DASHBOARD_HEADERS                                                          \
  "Content-Security-Policy: default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " \
  "base-uri 'none'; form-action 'none'\r\nCache-Control: no-cache\r\n"

static bool gd__dashboard(gd_reply *r, const char *path) {
  for (const gd_dashboard_asset *a = gd_dashboard_assets; a->path; a++)
    if (strcmp(a->path, path) == 0) {
      gd_reply_bytes(r, 200, a->content_type, a->data, a->len, GD_ROUTER_DASHBOARD_HEADERS);
      return true;
    }
  return false;
}

static void gd__index(gd_router *rt, gd_reply *r) {
  (void)rt;
  if (!gd__method(r, "GET")) return;
  /* A browser gets the dashboard; API clients (curl's Accept: * / *) the list of endpoints. */
  const char *accept = r->req->accept;
  if (accept && strstr(accept, "text/html") && gd__dashboard(r, "/")) return;
  gd_reply_json(r, 200,
                json_pack("{s:s, s:s, s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s]}", "name", "godotd", "version",
                          GODOTD_VERSION, "endpoints", "GET /health", "GET /livez", "GET /projects", "GET /status",
                          "POST /start", "POST /stop", "POST /restart", "POST /scene/load",
                          "POST /godot/<command>", "GET /commands", "GET /logs?since=N&limit=M", "GET /metrics", "GET /events?types=...",
                          "POST|GET|DELETE /mcp (Model Context Protocol, Streamable HTTP)"),
                NULL);
}

/* GET /projects: every project this daemon serves; POST /projects adds one. */
static void gd__projects(gd_router *rt, gd_reply *r) {
  if (strcmp(r->req->method, "POST") == 0 && rt->add_project) {
    json_t *body = gd__body(r);
    if (!body) return;
    rt->add_project(rt->admin_ud, body, r);
    json_decref(body);
    return;
  }
  if (!gd__method(r, "GET")) return;
  json_t *list = json_array();
  for (size_t i = 0; i < rt->nprojects; i++) {
    gd_router *p = rt->projects[i];
    gd_editor *e = p->ops->editor;
    json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:s, s:b, s:o, s:i}", "name", p->name,
                                          "path", e->cfg.project, "default", i == 0, "state",
                                          gd_editor_state_name(e->state), "ready",
                                          e->state == GD_STATE_READY, "pid",
                                          e->pid > 0 ? json_integer(e->pid) : json_null(),
                                          "restarts", (int)e->restarts));
  }
  gd_reply_json(r, 200, json_pack("{s:o}", "projects", list), NULL);
}

/* A project's own routes (under /projects/<name>/, or bare for the default project). */
static void gd__dispatch(gd_router *rt, gd_reply *r, const char *p) {
  if (strncmp(p, "/godot/", 7) == 0 && p[7]) gd__godot_command(rt, r, p + 7);
  else if (strcmp(p, "/health") == 0) gd__health(rt, r);
  else if (strcmp(p, "/status") == 0) {
    if (gd__method(r, "GET")) gd_reply_json(r, 200, gd_ops_status(rt->ops), NULL);
  } else if (strcmp(p, "/start") == 0) gd__start(rt, r);
  else if (strcmp(p, "/stop") == 0) gd__stop(rt, r);
  else if (strcmp(p, "/restart") == 0) gd__restart(rt, r);
  else if (strcmp(p, "/scene/load") == 0) gd__scene_load(rt, r);
  else if (strcmp(p, "/logs") == 0) gd__logs(rt, r);
  else if (strcmp(p, "/mcp") == 0) gd_mcp_http_handle(rt->mcp, r);
  else if (strcmp(p, "/commands") == 0) gd__commands(rt, r);
  else gd_reply_error(r, GD_E_NOT_FOUND, "no route %s %s", r->req->method, r->req->path);
}

void gd_router_handle(gd_router *rt, gd_reply *r) {
  const char *p = r->req->path;
  gd_debug("router: %s %s", r->req->method, p);
  if (strcmp(p, "/livez") == 0) gd__livez(rt, r);
  else if (strcmp(p, "/metrics") == 0 && rt->telemetry) gd__metrics(rt, r);
  else if (strcmp(p, "/events") == 0 && rt->telemetry) gd__events(rt, r);
  else if (strcmp(p, "/projects") == 0) gd__projects(rt, r);
  else if (strncmp(p, "/projects/", 10) == 0) {
    const char *name = p + 10, *slash = strchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : strlen(name);
    for (size_t i = 0; i < rt->nprojects; i++)
      if (strlen(rt->projects[i]->name) == len && strncmp(rt->projects[i]->name, name, len) == 0) {
        if (slash) gd__dispatch(rt->projects[i], r, slash);
        else if (strcmp(r->req->method, "DELETE") == 0 && rt->remove_project)
          rt->remove_project(rt->admin_ud, rt->projects[i]->name, r);
        else gd_reply_error(r, GD_E_NOT_FOUND, "no route %s %s (try %s/status)", r->req->method, p, p);
        return;
      }
    gd_reply_error(r, GD_E_NOT_FOUND, "no project '%.*s' (GET /projects lists them)",
                   (int)(len > 128 ? 128 : len), name);
  } else if (strcmp(p, "/") == 0) gd__index(rt, r);
  else if (strncmp(p, "/dashboard/", 11) == 0) {
    if (gd__method(r, "GET") && !gd__dashboard(r, p))
      gd_reply_error(r, GD_E_NOT_FOUND, "no dashboard file %s", p);
  } else gd__dispatch(rt->nprojects ? rt->projects[0] : rt, r, p);
}
