#include "ops.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "limit.h"

struct gd_ops_call {
  gd_ops *ops;
  const gd_command *cmd;
  json_t *params;
  gd_ops_cb cb;   /* NULL once cancelled */
  void *ud;
  bool sent;
  bool returned;  /* gd_ops_run has returned: inline completion no longer possible */
  bool done;      /* cb ran (or was due) while gd_ops_run was still running */
};

static void gd__free(gd_ops_call *c) {
  json_decref(c->params);
  free(c);
}

static void gd__finish(gd_ops_call *c, const char *code, const char *msg, json_t *result,
                       const gd_bridge_timing *t) {
  if (c->cb) c->cb(c->ud, code, msg, result, t);
  if (c->returned) gd__free(c);
  else c->done = true;
}

static void gd__replied(void *ud, const char *code, const char *msg, json_t *result,
                        const gd_bridge_timing *t) {
  gd_ops_call *c = ud;
  c->ops->commands_served++;
  gd__finish(c, code, msg, result, t);
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
  c->sent = true;
  gd_bridge *b = &c->ops->editor->bridge;
  int rc = gd_bridge_call(b, c->cmd->name, c->params, (uint64_t)c->cmd->timeout_ms, gd__replied, c);
  if (rc == 0) return;
  char why[256];
  if (rc == GD_BRIDGE_TOO_LARGE) {
    snprintf(why, sizeof why,
             "the request is %zu bytes as sent to the editor, over the addon's inbound "
             "message limit of %zu bytes (max_message_bytes); send large content in parts",
             b->refused_bytes, b->hello.max_message_bytes);
    gd_limit_hit(GD_LIMIT_ADDON_MESSAGE_TOO_LARGE, "%s", why);
    gd__finish(c, GD_E_PAYLOAD_TOO_LARGE, why, NULL, NULL);
  } else if (rc == GD_BRIDGE_FULL) {
    snprintf(why, sizeof why,
             "%zu bytes of requests are still on their way to the editor, and this one "
             "(%zu bytes) would overflow the addon's %zu-byte inbound buffer; retry shortly",
             b->pending_bytes, b->refused_bytes, b->hello.max_message_bytes);
    gd_limit_hit(GD_LIMIT_ADDON_BUFFER_FULL, "%s", why);
    gd__finish(c, GD_E_OVERLOADED, why, NULL, NULL);
  } else {
    gd__finish(c, GD_E_EDITOR_UNAVAILABLE, "the editor's addon is not connected", NULL, NULL);
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
  gd_ops_call *c = calloc(1, sizeof *c);
  if (!c) {
    json_decref(params);
    cb(ud, GD_E_INTERNAL, "out of memory", NULL, NULL);
    return NULL;
  }
  *c = (gd_ops_call){.ops = ops, .cmd = cmd, .params = params, .cb = cb, .ud = ud};
  gd_editor_wait(ops->editor, cmd->needs, wait_ms, true, gd__ready, c);
  if (c->done) { /* completed inline: the caller already has its answer */
    gd__free(c);
    return NULL;
  }
  c->returned = true;
  return c;
}

void gd_ops_cancel(gd_ops_call *c) {
  if (c) c->cb = NULL;
}

bool gd_ops_call_sent(const gd_ops_call *c) { return c && c->sent; }

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
  json_t *session = json_object_get(s, "session");
  if (json_is_object(session))
    json_object_set_new(session, "max_message_bytes",
                        json_integer((json_int_t)ops->editor->bridge.hello.max_message_bytes));
  return s;
}
