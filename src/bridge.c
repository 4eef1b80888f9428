#include "bridge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "jsonout.h"
#include "log.h"

struct gd_bridge_pending {
  uv_timer_t timer; /* first: the handle's data points back at us */
  gd_bridge *bridge;
  uint64_t id;
  gd_bridge_reply_cb cb;
  void *ud;
  gd_bridge_timing timing;
  size_t bytes; /* the request's size, counted in bridge->pending_bytes until it ends */
  uint64_t timeout_ms;
  bool done;
  bool send_failed;
  gd_bridge_pending *next;
};

void gd_bridge_init(gd_bridge *b, uv_loop_t *loop, const gd_bridge_owner *owner) {
  memset(b, 0, sizeof *b);
  b->loop = loop;
  b->owner = *owner;
  b->next_id = 1;
  b->liveness_ms = 1000;
}

static void gd__pending_closed(uv_handle_t *h) { free(h->data); }

/* Unlinks p, stops its timer, and runs its callback once. */
static void gd__pending_finish(gd_bridge_pending *p, const char *code, const char *msg,
                               json_t *result) {
  gd_bridge *b = p->bridge;
  for (gd_bridge_pending **pp = &b->pending; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  p->done = true;
  b->pending_bytes -= p->bytes;
  p->timing.replied_ns = uv_hrtime();
  /* Close before the callback, which may tear the loop down; p is freed on a later turn. */
  uv_close((uv_handle_t *)&p->timer, gd__pending_closed);
  p->cb(p->ud, code, msg, result, &p->timing);
}

static void gd__fail_all(gd_bridge *b, const char *code, const char *msg) {
  while (b->pending) gd__pending_finish(b->pending, code, msg, NULL);
}

void gd_bridge_close(gd_bridge *b) {
  gd__fail_all(b, GD_E_EDITOR_UNAVAILABLE, "the daemon is shutting down");
  json_decref(b->welcome_extra);
  b->welcome_extra = NULL;
  for (gd_bridge_link *l = b->links; l; l = l->next) l->close(l->ctx, 1001, "daemon stopping");
}

void gd_bridge_link_open(gd_bridge *b, gd_bridge_link *link) {
  link->bridge = b;
  link->next = b->links;
  b->links = link;
}

static void gd__end_session(gd_bridge *b, const char *why) {
  if (!b->session) return;
  gd_info("bridge: session %s ended (%s)", b->hello.session, why);
  b->session = NULL;
  gd__fail_all(b, GD_E_EDITOR_UNAVAILABLE, why);
  if (b->owner.on_session_lost) b->owner.on_session_lost(b->owner.ud);
}

void gd_bridge_link_closed(gd_bridge_link *link) {
  gd_bridge *b = link->bridge;
  if (!b) return;
  for (gd_bridge_link **pp = &b->links; *pp; pp = &(*pp)->next)
    if (*pp == link) {
      *pp = link->next;
      break;
    }
  link->bridge = NULL;
  if (b->session == link) gd__end_session(b, "the addon's connection closed");
  if (b->liveness == link) {
    b->liveness = NULL;
    gd_info("bridge: liveness channel closed");
    if (b->owner.on_liveness_lost) b->owner.on_liveness_lost(b->owner.ud);
  }
  if (b->owner.on_link_closed) b->owner.on_link_closed(b->owner.ud);
}

void gd_bridge_drop_session(gd_bridge *b, const char *reason) {
  gd_bridge_link *live = b->liveness;
  if (live) { /* the editor is gone: its liveness channel goes with the session */
    b->liveness = NULL;
    live->liveness = false;
    if (b->owner.on_liveness_lost) b->owner.on_liveness_lost(b->owner.ud);
    live->close(live->ctx, 1001, reason);
  }
  gd_bridge_link *link = b->session;
  if (!link) return;
  gd__end_session(b, reason);
  link->close(link->ctx, 1001, reason);
}

bool gd_bridge_has_session(const gd_bridge *b) { return b->session != NULL; }

bool gd_bridge_has_liveness(const gd_bridge *b) { return b->liveness != NULL; }

static void gd__copy(char *dst, size_t size, json_t *v) {
  const char *s = json_string_value(v);
  snprintf(dst, size, "%s", s ? s : "");
}

void gd_bridge_note(gd_bridge *b, const char *readiness, const char *edited_scene) {
  if (readiness) snprintf(b->hello.readiness, sizeof b->hello.readiness, "%s", readiness);
  if (edited_scene) snprintf(b->hello.edited_scene, sizeof b->hello.edited_scene, "%s", edited_scene);
}

static int gd__send_json(gd_bridge_link *link, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  if (!text) return -1;
  int rc = link->send(link->ctx, text, strlen(text));
  free(text);
  return rc;
}

static void gd__reject(gd_bridge_link *link, const char *code, const char *msg) {
  gd_warn("bridge: rejecting addon link: %s", msg);
  json_t *m = json_pack("{s:s, s:{s:s, s:s}}", "type", "reject", "error", "code", code,
                        "message", msg);
  if (m) gd__send_json(link, m);
  json_decref(m);
  link->close(link->ctx, 1008, msg);
}

/* The liveness hello (same checks as the session's): the link carries beats only, and replaces
 * any earlier liveness link (one per editor, like the session). */
static void gd__on_liveness_hello(gd_bridge_link *link, const gd_bridge_hello *h) {
  gd_bridge *b = link->bridge;
  if (link == b->session) {
    gd__reject(link, GD_E_INVALID_PARAMS, "the session link cannot become the liveness channel");
    return;
  }
  json_t *welcome = json_pack("{s:s, s:i, s:s, s:s, s:I}", "type", "welcome", "protocol",
                              GD_BRIDGE_PROTOCOL, "daemon_version", GODOTD_VERSION, "channel",
                              "liveness", "liveness_ms", (json_int_t)b->liveness_ms);
  int rc = welcome ? gd__send_json(link, welcome) : -1;
  json_decref(welcome);
  if (rc != 0) return;
  if (b->liveness && b->liveness != link) {
    gd_bridge_link *old = b->liveness;
    old->liveness = false;
    b->liveness = NULL; /* its close must not report the new channel lost */
    old->close(old->ctx, 1001, "replaced by a newer liveness connection");
  }
  link->liveness = true;
  b->liveness = link;
  gd_info("bridge: liveness channel from editor pid %d (beat every %llu ms)", h->editor_pid,
          (unsigned long long)b->liveness_ms);
}

static void gd__on_hello(gd_bridge_link *link, json_t *msg) {
  gd_bridge *b = link->bridge;
  gd_bridge_hello h;
  memset(&h, 0, sizeof h);
  h.protocol = (int)json_integer_value(json_object_get(msg, "protocol"));
  h.editor_pid = (int)json_integer_value(json_object_get(msg, "editor_pid"));
  h.pid = (int)json_integer_value(json_object_get(msg, "pid"));
  h.raw = msg;
  gd__copy(h.channel, sizeof h.channel, json_object_get(msg, "channel"));
  gd__copy(h.session, sizeof h.session, json_object_get(msg, "session"));
  gd__copy(h.addon_version, sizeof h.addon_version, json_object_get(msg, "addon_version"));
  gd__copy(h.godot_version, sizeof h.godot_version, json_object_get(msg, "godot_version"));
  gd__copy(h.project_path, sizeof h.project_path, json_object_get(msg, "project_path"));
  gd__copy(h.readiness, sizeof h.readiness, json_object_get(msg, "readiness"));
  gd__copy(h.edited_scene, sizeof h.edited_scene, json_object_get(msg, "edited_scene"));
  json_int_t max_msg = json_integer_value(json_object_get(msg, "max_message_bytes"));
  h.max_message_bytes = max_msg > 0 ? (size_t)max_msg : GD_BRIDGE_DEFAULT_MAX_MESSAGE;
  if (h.protocol != GD_BRIDGE_PROTOCOL) {
    char why[128];
    snprintf(why, sizeof why, "protocol %d is not supported (daemon speaks %d)", h.protocol,
             GD_BRIDGE_PROTOCOL);
    gd__reject(link, "protocol_mismatch", why);
    return;
  }
  bool game = strcmp(h.channel, "game") == 0;
  if (!h.session[0] || (game ? h.pid <= 0 : h.editor_pid <= 0)) {
    gd__reject(link, GD_E_INVALID_PARAMS,
               game ? "a game's hello needs session and pid" : "hello needs session and editor_pid");
    return;
  }
  char err[256] = "";
  if (b->owner.accept && b->owner.accept(b->owner.ud, &h, err, sizeof err) != 0) {
    gd__reject(link, GD_E_FORBIDDEN, err[0] ? err : "not accepted");
    return;
  }
  if (strcmp(h.channel, "liveness") == 0) {
    gd__on_liveness_hello(link, &h);
    return;
  }
  if (link->liveness) {
    gd__reject(link, GD_E_INVALID_PARAMS, "a liveness link cannot become the session");
    return;
  }
  if (b->session && b->session != link) {
    gd_bridge_link *old = b->session;
    gd__end_session(b, "replaced by a newer connection");
    old->close(old->ctx, 1001, "replaced by a newer connection");
  }
  json_t *welcome = json_pack("{s:s, s:i, s:s}", "type", "welcome", "protocol",
                              GD_BRIDGE_PROTOCOL, "daemon_version", GODOTD_VERSION);
  if (welcome && b->welcome_extra) json_object_update(welcome, b->welcome_extra);
  int rc = welcome ? gd__send_json(link, welcome) : -1;
  json_decref(welcome);
  if (rc != 0) return;
  b->session = link;
  b->hello = h;
  b->sessions_started++;
  gd_info("bridge: session %s from editor pid %d (addon %s, Godot %s, readiness %s)", h.session,
          h.editor_pid, h.addon_version, h.godot_version, h.readiness);
  if (b->owner.on_session) b->owner.on_session(b->owner.ud, &b->hello);
  b->hello.raw = NULL;
}

static void gd__on_response(gd_bridge *b, json_t *msg) {
  json_int_t id = json_integer_value(json_object_get(msg, "id"));
  gd_bridge_pending *p = b->pending;
  while (p && p->id != (uint64_t)id) p = p->next;
  if (!p) {
    gd_debug("bridge: response for unknown or expired id %lld", (long long)id);
    return;
  }
  json_t *timing = json_object_get(msg, "timing");
  json_t *hu = json_object_get(timing, "handle_us");
  p->timing.handle_us = json_is_integer(hu) ? json_integer_value(hu) : -1;
  if (json_is_true(json_object_get(msg, "ok"))) {
    json_t *result = json_object_get(msg, "result");
    gd_json_tidy_float32(result); /* Godot's float32 reals as Godot prints them (jsonout.h) */
    json_t *empty = result ? NULL : json_object();
    gd__pending_finish(p, NULL, NULL, result ? result : empty);
    json_decref(empty);
    return;
  }
  json_t *err = json_object_get(msg, "error");
  const char *code = json_string_value(json_object_get(err, "code"));
  const char *text = json_string_value(json_object_get(err, "message"));
  gd__pending_finish(p, code ? code : GD_E_FAILED, text ? text : "the addon gave no reason", NULL);
}

char *gd_bridge_json_repair(const char *text, size_t len, size_t *out_len) {
  /* Worst case every byte becomes \u00XX (6 bytes). */
  char *out = len <= (SIZE_MAX - 1) / 6 ? malloc(len * 6 + 1) : NULL;
  if (!out) return NULL;
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (in_string && c == '\\' && i + 1 < len) {
      char next = text[i + 1];
      if (next == 'v' || next == 'a' || next == '0') { /* not JSON escapes: \u000b \u0007 \u0000 */
        unsigned v = next == 'v' ? 0x0b : next == 'a' ? 0x07 : 0;
        n += (size_t)sprintf(out + n, "\\u%04x", v);
      } else {
        out[n++] = '\\';
        out[n++] = next;
      }
      i++;
      continue;
    }
    if (c == '"') in_string = !in_string;
    if (in_string && c < 0x20) {
      out[n++] = '\\';
      out[n++] = 'u';
      out[n++] = '0';
      out[n++] = '0';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
      continue;
    }
    out[n++] = (char)c;
  }
  out[n] = '\0';
  *out_len = n;
  return out;
}

/* The id of a request's response that could not be parsed at all ("id":N near the start, as the
 * addon writes it), or 0: its caller then gets an error at once instead of its timeout. */
static uint64_t gd__salvage_id(const char *text, size_t len) {
  const char *p = memmem(text, len < 256 ? len : 256, "\"id\":", 5);
  if (!p) return 0;
  char *end;
  unsigned long long id = strtoull(p + 5, &end, 10);
  return end != p + 5 ? (uint64_t)id : 0;
}

void gd_bridge_link_text(gd_bridge_link *link, const char *text, size_t len) {
  gd_bridge *b = link->bridge;
  if (!b) return;
  json_error_t jerr;
  json_t *msg = json_loadb(text, len, 0, &jerr);
  if (!msg) {
    /* Godot's JSON.stringify writes some control characters of a string as \v or raw bytes,
     * which JSON does not allow (a text file with a vertical tab, read by read_file). */
    size_t fixed_len;
    char *fixed = gd_bridge_json_repair(text, len, &fixed_len);
    if (fixed) msg = json_loadb(fixed, fixed_len, 0, &jerr);
    free(fixed);
    if (!msg && link == b->session) {
      uint64_t id = gd__salvage_id(text, len);
      gd_bridge_pending *p = b->pending;
      while (id && p && p->id != id) p = p->next;
      if (id && p) {
        gd_warn("bridge: the answer to request %llu is not valid JSON (%s)", (unsigned long long)id,
                jerr.text);
        gd__pending_finish(p, GD_E_INTERNAL, "the editor's answer was not valid JSON", NULL);
        return;
      }
    }
  }
  const char *type = json_string_value(json_object_get(msg, "type"));
  if (!json_is_object(msg) || !type) {
    gd_warn("bridge: dropping a message that is not a typed JSON object (%s)", jerr.text);
    json_decref(msg);
    return;
  }
  if (strcmp(type, "hello") == 0) {
    gd__on_hello(link, msg);
  } else if (link == b->liveness) {
    if (strcmp(type, "beat") == 0 && b->owner.on_beat) b->owner.on_beat(b->owner.ud, msg);
  } else if (link != b->session) {
    gd_warn("bridge: '%s' before the handshake, ignored", type);
  } else if (strcmp(type, "response") == 0) {
    gd__on_response(b, msg);
  } else if (strcmp(type, "event") == 0) {
    const char *event = json_string_value(json_object_get(msg, "event"));
    json_t *data = json_object_get(msg, "data");
    if (event && b->owner.on_event) b->owner.on_event(b->owner.ud, event, data ? data : msg);
  } else {
    gd_debug("bridge: unknown message type '%s'", type);
  }
  json_decref(msg);
}

static void gd__pending_timeout(uv_timer_t *t) {
  gd_bridge_pending *p = t->data;
  if (p->send_failed) {
    gd__pending_finish(p, GD_E_EDITOR_UNAVAILABLE, "the addon's connection is gone", NULL);
    return;
  }
  char msg[128];
  snprintf(msg, sizeof msg, "the editor did not answer within %llu ms",
           (unsigned long long)p->timeout_ms);
  gd__pending_finish(p, GD_E_TIMEOUT, msg, NULL);
}

int gd_bridge_call(gd_bridge *b, const char *command, json_t *params, uint64_t timeout_ms,
                   gd_bridge_reply_cb cb, void *ud) {
  if (!b->session) return -1;
  uint64_t id = b->next_id;
  json_t *msg = params ? json_pack("{s:s, s:I, s:s, s:O}", "type", "request", "id",
                                   (json_int_t)id, "command", command, "params", params)
                       : json_pack("{s:s, s:I, s:s, s:o}", "type", "request", "id",
                                   (json_int_t)id, "command", command, "params", json_object());
  char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
  json_decref(msg);
  if (!text) return -1;
  size_t len = strlen(text);
  size_t limit = b->hello.max_message_bytes;
  if (len > limit || b->pending_bytes + len > limit) {
    free(text);
    b->refused_bytes = len;
    return len > limit ? GD_BRIDGE_TOO_LARGE : GD_BRIDGE_FULL;
  }
  gd_bridge_pending *p = calloc(1, sizeof *p);
  if (!p) {
    free(text);
    return -1;
  }
  b->next_id++;
  p->bridge = b;
  p->id = id;
  p->cb = cb;
  p->ud = ud;
  p->bytes = len;
  b->pending_bytes += len;
  p->timing.handle_us = -1;
  uv_timer_init(b->loop, &p->timer);
  p->timer.data = p;
  p->next = b->pending;
  b->pending = p;
  p->timeout_ms = timeout_ms;
  uv_timer_start(&p->timer, gd__pending_timeout, timeout_ms, 0);
  p->timing.sent_ns = uv_hrtime();
  if (b->session->send(b->session->ctx, text, len) != 0) {
    /* The link is gone: answer on the next loop turn through a zero timeout, never inline. */
    p->send_failed = true;
    uv_timer_start(&p->timer, gd__pending_timeout, 0, 0);
  }
  free(text);
  return 0;
}
