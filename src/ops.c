#include "ops.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "limit.h"
#include "runtime.h"
#include "telemetry.h"

struct gd_ops_call {
  gd_ops *ops;
  const gd_command *cmd;
  const char *command;  /* the name sent: cmd->name unless forwarded under another */
  json_t *params;
  gd_ops_cb cb;   /* NULL once cancelled */
  void *ud;
  gd_runs target; /* where it is sent: the editor or a game (never the daemon) */
  int game;       /* the game it went to (target game) */
  void (*on_cancel)(void *ud); /* a daemon command's way to stop early, or NULL */
  void *cancel_ud;
  void (*on_progress)(const void *ud, char *buf, size_t n); /* its own progress text, or NULL */
  const void *progress_ud;
  bool sent;
  bool returned;  /* gd_ops_run has returned: inline completion no longer possible */
  bool done;      /* cb ran (or was due) while gd_ops_run was still running */
  bool forwarded; /* a part of a daemon command: counted in the daemon command's own outcome */
  bool counted;
  uint64_t started_ns;
};

static void gd__free(gd_ops_call *c) {
  json_decref(c->params);
  free(c);
}

static void gd__finish(gd_ops_call *c, const char *code, const char *msg, json_t *result,
                       const gd_bridge_timing *t) {
  if (c->ops->telemetry && !c->forwarded && !c->counted) {
    c->counted = true;
    double total = (double)(uv_hrtime() - c->started_ns) / 1e9;
    double editor = t && t->replied_ns >= t->sent_ns ? (double)(t->replied_ns - t->sent_ns) / 1e9 : -1;
    gd_telemetry_command(c->ops->telemetry, c->ops->project_name, c->cmd->name, code, total, editor);
  }
  if (c->cb) c->cb(c->ud, code, msg, result, t);
  if (c->returned) gd__free(c);
  else c->done = true;
}

void gd_ops_done(gd_ops_call *c, const char *code, const char *msg, json_t *result) {
  gd__finish(c, code, msg, result, NULL);
}

static void gd__replied(void *ud, const char *code, const char *msg, json_t *result,
                        const gd_bridge_timing *t) {
  gd_ops_call *c = ud;
  c->ops->commands_served++;
  if (!code && c->target == GD_RUNS_GAME && json_is_object(result)) {
    /* Which game answered, so an agent that let it default can address it next time. */
    if (!json_object_get(result, "game")) json_object_set_new(result, "game", json_integer(c->game));
    if (t && strcmp(c->command, "ping_game") == 0)
      json_object_set_new(result, "rtt_ms",
                          json_real((double)(t->replied_ns - t->sent_ns) / 1e6));
  }
  gd__finish(c, code, msg, result, t);
}

/* Sends c to the bridge b (the editor's or a game's) and reports a refusal. */
static void gd__send(gd_ops_call *c, gd_bridge *b, const char *who) {
  c->sent = true;
  int rc = gd_bridge_call(b, c->command, c->params, (uint64_t)c->cmd->timeout_ms, gd__replied, c);
  if (rc == 0) return;
  char why[256];
  if (rc == GD_BRIDGE_TOO_LARGE) {
    snprintf(why, sizeof why,
             "the request is %zu bytes as sent to the %s, over its inbound message limit of "
             "%zu bytes (max_message_bytes); send large content in parts",
             b->refused_bytes, who, b->hello.max_message_bytes);
    gd_limit_hit(GD_LIMIT_ADDON_MESSAGE_TOO_LARGE, "%s", why);
    gd__finish(c, GD_E_PAYLOAD_TOO_LARGE, why, NULL, NULL);
  } else if (rc == GD_BRIDGE_FULL) {
    snprintf(why, sizeof why,
             "%zu bytes of requests are still on their way to the %s, and this one (%zu bytes) "
             "would overflow its %zu-byte inbound buffer; retry shortly",
             b->pending_bytes, who, b->refused_bytes, b->hello.max_message_bytes);
    gd_limit_hit(GD_LIMIT_ADDON_BUFFER_FULL, "%s", why);
    gd__finish(c, GD_E_OVERLOADED, why, NULL, NULL);
  } else if (c->target == GD_RUNS_GAME) {
    gd__finish(c, GD_E_NOT_FOUND, "the game's runtime agent is no longer connected", NULL, NULL);
  } else {
    gd__finish(c, GD_E_EDITOR_UNAVAILABLE, "the editor's addon is not connected", NULL, NULL);
  }
}

static void gd__ready(void *ud, const char *code, const char *msg) {
  gd_ops_call *c = ud;
  if (code) {
    gd__finish(c, code, msg, NULL, NULL);
    return;
  }
  if (!c->cb) { /* cancelled while waiting: do not bother the editor */
    gd__finish(c, GD_E_FAILED, "cancelled", NULL, NULL);
    return;
  }
  gd__send(c, &c->ops->editor->bridge, "editor");
}

static gd_ops_call *gd__new(gd_ops *ops, const gd_command *cmd, json_t *params, gd_ops_cb cb,
                            void *ud) {
  gd_ops_call *c = calloc(1, sizeof *c);
  if (!c) {
    json_decref(params);
    cb(ud, GD_E_INTERNAL, "out of memory", NULL, NULL);
    return NULL;
  }
  *c = (gd_ops_call){.ops = ops, .cmd = cmd, .command = cmd->name, .params = params, .cb = cb,
                     .ud = ud, .started_ns = uv_hrtime()};
  return c;
}

/* The caller's handle on c, or NULL when c already completed inline. */
static gd_ops_call *gd__returned(gd_ops_call *c) {
  if (c->done) { /* completed inline: the caller already has its answer */
    gd__free(c);
    return NULL;
  }
  c->returned = true;
  return c;
}

static void gd__start(gd_ops_call *c, gd_runs target, uint64_t wait_ms) {
  c->target = target;
  if (target == GD_RUNS_GAME) {
    const char *code = NULL;
    char err[256];
    int id = (int)json_integer_value(json_object_get(c->params, "game"));
    gd_game *g = c->ops->games ? gd_games_find(c->ops->games, id, &code, err, sizeof err) : NULL;
    if (!g) {
      gd__finish(c, code ? code : GD_E_NOT_FOUND, code ? err : "games are not served", NULL, NULL);
      return;
    }
    c->game = g->id;
    gd__send(c, &g->bridge, "game");
  } else {
    gd_editor_wait(c->ops->editor, c->cmd->needs, wait_ms, true, gd__ready, c);
  }
}

gd_ops_call *gd_ops_run(gd_ops *ops, const gd_command *cmd, json_t *params, uint64_t wait_ms,
                        gd_ops_cb cb, void *ud) {
  char err[512];
  if (gd_registry_validate(cmd, params, err, sizeof err) != 0) {
    json_decref(params);
    cb(ud, GD_E_INVALID_PARAMS, err, NULL, NULL);
    return NULL;
  }
  gd_ops_call *c = gd__new(ops, cmd, params, cb, ud);
  if (!c) return NULL;
  if (cmd->runs == GD_RUNS_DAEMON) gd_runtime_run(c, wait_ms);
  else gd__start(c, cmd->runs, wait_ms);
  return gd__returned(c);
}

gd_ops_call *gd_ops_forward(gd_ops *ops, const gd_command *cmd, const char *command,
                            json_t *params, gd_runs target, uint64_t wait_ms, gd_ops_cb cb,
                            void *ud) {
  gd_ops_call *c = gd__new(ops, cmd, params, cb, ud);
  if (!c) return NULL;
  c->command = command;
  c->forwarded = true;
  gd__start(c, target, wait_ms);
  return gd__returned(c);
}

void gd_ops_cancel(gd_ops_call *c) {
  if (!c) return;
  c->cb = NULL;
  void (*hook)(void *) = c->on_cancel;
  c->on_cancel = NULL;
  if (hook) hook(c->cancel_ud);
}

void gd_ops_on_cancel(gd_ops_call *c, void (*hook)(void *ud), void *ud) {
  c->on_cancel = hook;
  c->cancel_ud = ud;
}

void gd_ops_on_progress(gd_ops_call *c, void (*describe)(const void *ud, char *buf, size_t n),
                        const void *ud) {
  c->on_progress = describe;
  c->progress_ud = ud;
}

bool gd_ops_call_progress(const gd_ops_call *c, char *buf, size_t n) {
  if (!c || !c->on_progress || c->done) return false;
  c->on_progress(c->progress_ud, buf, n);
  return true;
}

bool gd_ops_call_sent(const gd_ops_call *c) { return c && c->sent; }
gd_ops *gd_ops_call_ops(const gd_ops_call *c) { return c->ops; }
const gd_command *gd_ops_call_command(const gd_ops_call *c) { return c->cmd; }
json_t *gd_ops_call_params(const gd_ops_call *c) { return c->params; }
void gd_ops_mark_sent(gd_ops_call *c) { c->sent = true; }

json_t *gd_ops_status(const gd_ops *ops) {
  json_t *s = gd_editor_status_json(ops->editor);
  uv_loop_t *loop = ops->editor->loop;
  json_object_set_new(s, "daemon",
                      json_pack("{s:s, s:i, s:i, s:I, s:I}", "version", GODOTD_VERSION, "pid",
                                (int)getpid(), "port", ops->port, "uptime_ms",
                                (json_int_t)(uv_now(loop) - ops->started_ms), "commands_served",
                                (json_int_t)ops->commands_served));
  json_t *daemon = json_object_get(s, "daemon");
  json_object_set_new(daemon, "limits", gd_limits_json());
  /* session.id survives a reconnect of the same editor; this count does not, so a client can
   * tell that a session stayed up (e.g. through a refused oversized request). */
  json_object_set_new(daemon, "sessions_started",
                      json_integer((json_int_t)ops->editor->bridge.sessions_started));
  if (ops->games) {
    json_t *games = json_array();
    for (gd_game *g = ops->games->games; g; g = g->next)
      if (g->welcomed && !g->ended) json_array_append_new(games, gd_game_json(g));
    json_object_set_new(s, "games", games);
  }
  if (ops->output)
    json_object_set_new(s, "output", json_pack("{s:I, s:I}", "last_id",
                                               (json_int_t)gd_output_last_id(ops->output),
                                               "dropped", (json_int_t)ops->output->dropped));
  json_t *session = json_object_get(s, "session");
  if (json_is_object(session))
    json_object_set_new(session, "max_message_bytes",
                        json_integer((json_int_t)ops->editor->bridge.hello.max_message_bytes));
  return s;
}
