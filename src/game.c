#include "game.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "log.h"

/* Lines of a crashed game's own output kept in its game_crashed entry. */
#define GD_CRASH_TAIL 20

static int64_t gd__unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gd_games_init(gd_games *h, uv_loop_t *loop, gd_output *out) {
  memset(h, 0, sizeof *h);
  h->loop = loop;
  h->out = out;
  h->next_id = 1;
  h->exited = json_array();
}

/* Stores entry (borrowed: the stream takes its own reference) and tells the owner. */
static void gd__lifecycle(gd_games *h, json_t *entry, int game) {
  gd_output_add(h->out, "game", game, json_incref(entry));
  if (h->on_lifecycle) h->on_lifecycle(h->on_lifecycle_ud, entry);
}

static void gd__unlink(gd_games *h, gd_game *g) {
  for (gd_game **pp = &h->games; *pp; pp = &(*pp)->next)
    if (*pp == g) {
      *pp = g->next;
      return;
    }
}

static void gd__game_freed(uv_handle_t *t) {
  gd_game *g = t->data;
  json_decref(g->commands);
  free(g);
}

/* The last GD_CRASH_TAIL entries of game id (oldest first). */
static json_t *gd__tail(gd_games *h, int id) {
  json_t *tail = json_array();
  uint64_t last = gd_output_last_id(h->out);
  for (uint64_t i = last; i > 0 && last - i < 5000 && json_array_size(tail) < GD_CRASH_TAIL; i--) {
    json_t *e = gd_output_get(h->out, i);
    if (!e) break;
    if (json_integer_value(json_object_get(e, "game")) != id) continue;
    const char *kind = json_string_value(json_object_get(e, "kind"));
    if (kind && strncmp(kind, "game_", 5) == 0) continue;
    json_array_insert(tail, 0, e);
  }
  return tail;
}

/* Reports the game's end once: game_exited or game_crashed, then frees it. */
static void gd__finalize(gd_game *g) {
  if (g->finalized) return;
  g->finalized = true;
  gd_games *h = g->hub;
  uv_timer_stop(&g->finalize);
  if (g->welcomed) {
    bool crashed = !g->exiting && !g->exit.stopped;
    const char *by = g->exiting ? "self" : g->exit.stopped ? "stopped" : "crash";
    char msg[1400];
    int n = snprintf(msg, sizeof msg, "game %d (%s, pid %d) ", g->id, g->scene[0] ? g->scene : "?",
                     g->pid);
    if (crashed)
      snprintf(msg + n, sizeof msg - (size_t)n, "crashed%s", g->exit.known && g->exit.code >= 0 ? "" : ": its runtime agent's connection dropped without an exit");
    else
      snprintf(msg + n, sizeof msg - (size_t)n, "%s", g->exit.stopped && !g->exiting ? "was stopped" : "exited");
    if (g->exit.known && g->exit.code >= 0) {
      size_t l = strlen(msg);
      snprintf(msg + l, sizeof msg - l, " with exit code %d", g->exit.code);
    }
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:I}", "kind",
                          crashed ? "game_crashed" : "game_exited", "severity",
                          crashed ? "error" : (g->exit.known && g->exit.code > 0 && !g->exit.stopped) ? "warning" : "info",
                          "message", msg, "t_ms", (json_int_t)g->ended_unix_ms, "pid", g->pid,
                          "scene", g->scene, "by", by, "duration_ms",
                          (json_int_t)(g->ended_unix_ms - g->started_unix_ms));
    json_object_set_new(e, "exit_code",
                        g->exit.known && g->exit.code >= 0 ? json_integer(g->exit.code) : json_null());
    if (crashed) json_object_set_new(e, "last_output", gd__tail(h, g->id));
    gd_info("game: %s", msg);
    json_t *summary = json_pack("{s:i, s:i, s:s, s:s, s:O, s:b, s:I}", "id", g->id, "pid", g->pid,
                                "scene", g->scene, "by", by, "exit_code",
                                json_object_get(e, "exit_code"), "crashed", crashed,
                                "exited_unix_ms", (json_int_t)g->ended_unix_ms);
    json_array_append_new(h->exited, summary);
    while (json_array_size(h->exited) > GD_GAMES_KEEP_EXITED) json_array_remove(h->exited, 0);
    gd__lifecycle(h, e, g->id);
    json_decref(e);
  }
  gd__unlink(h, g);
  gd_bridge_close(&g->bridge);
  uv_close((uv_handle_t *)&g->finalize, gd__game_freed);
}

static void gd__finalize_timer(uv_timer_t *t) { gd__finalize(t->data); }

/* An exit the editor reported before this game's record knew its pid. */
static void gd__take_note(gd_game *g) {
  gd_games *h = g->hub;
  for (size_t i = 0; i < sizeof h->notes / sizeof h->notes[0]; i++)
    if (h->notes[i].pid == g->pid && g->pid > 0) {
      g->exit.known = true;
      g->exit.code = h->notes[i].code;
      g->exit.stopped = h->notes[i].stopped;
      h->notes[i].pid = 0;
    }
}

static int gd__accept(void *ud, const gd_bridge_hello *h, char *err, size_t err_size) {
  gd_game *g = ud;
  if (strcmp(h->channel, "game") != 0) {
    snprintf(err, err_size, "/game takes a game's runtime agent (hello channel \"game\")");
    return -1;
  }
  if (g->welcomed) {
    snprintf(err, err_size, "this link already said hello");
    return -1;
  }
  g->id = g->hub->next_id++;
  g->bridge.welcome_extra = json_pack("{s:s, s:i}", "channel", "game", "game", g->id);
  return 0;
}

static void gd__on_session(void *ud, const gd_bridge_hello *h) {
  gd_game *g = ud;
  g->welcomed = true;
  g->pid = h->pid;
  g->editor_pid = h->editor_pid;
  snprintf(g->session, sizeof g->session, "%s", h->session);
  json_t *raw = h->raw; /* the game-only fields of its hello */
  const char *s = json_string_value(json_object_get(raw, "scene"));
  snprintf(g->scene, sizeof g->scene, "%s", s ? s : "");
  s = json_string_value(json_object_get(raw, "renderer"));
  snprintf(g->renderer, sizeof g->renderer, "%s", s ? s : "");
  g->headless = json_is_true(json_object_get(raw, "headless"));
  json_t *cmds = json_object_get(raw, "commands");
  if (json_is_array(cmds)) g->commands = json_incref(cmds);
  g->started_unix_ms = gd__unix_ms();
  g->started_ms = uv_now(g->hub->loop);
  gd__take_note(g);
  char msg[1200];
  snprintf(msg, sizeof msg, "game %d started: %s (pid %d)", g->id, g->scene[0] ? g->scene : "?",
           g->pid);
  gd_info("game: %s", msg);
  json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:b, s:s}", "kind", "game_started",
                        "severity", "info", "message", msg, "t_ms", (json_int_t)g->started_unix_ms,
                        "pid", g->pid, "scene", g->scene, "headless", g->headless, "renderer",
                        g->renderer);
  gd__lifecycle(g->hub, e, g->id);
  json_decref(e);
}

static void gd__on_session_lost(void *ud) {
  gd_game *g = ud;
  g->ended = true;
  g->ended_unix_ms = gd__unix_ms();
}

static void gd__add_output(gd_game *g, json_t *data) {
  json_t *entries = json_object_get(data, "entries");
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    if (!json_is_object(e) || !json_is_string(json_object_get(e, "message"))) continue;
    json_object_del(e, "id");
    json_object_del(e, "game");
    gd_output_add(g->hub->out, "game", g->id, json_incref(e));
  }
  json_int_t dropped = json_integer_value(json_object_get(data, "dropped"));
  if (dropped > 0) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "%lld output entries of game %d were dropped inside the game (it printed faster "
             "than they could be sent)",
             (long long)dropped, g->id);
    gd_output_add(g->hub->out, "game", g->id,
                  json_pack("{s:s, s:s, s:s, s:I}", "kind", "dropped", "severity", "warning",
                            "message", msg, "t_ms", (json_int_t)gd__unix_ms()));
  }
}

static void gd__on_event(void *ud, const char *event, json_t *data) {
  gd_game *g = ud;
  if (strcmp(event, "output") == 0) {
    gd__add_output(g, data);
  } else if (strcmp(event, "exiting") == 0) {
    g->exiting = true;
  } else if (strcmp(event, "scene_changed") == 0) {
    const char *s = json_string_value(json_object_get(data, "scene"));
    snprintf(g->scene, sizeof g->scene, "%s", s ? s : "");
  }
}

static void gd__on_link_closed(void *ud) {
  gd_game *g = ud;
  if (!g->welcomed) { /* never said hello (or was rejected): nothing to report */
    gd__finalize(g);
    return;
  }
  if (!g->ended) {
    g->ended = true;
    g->ended_unix_ms = gd__unix_ms();
  }
  if (g->exit.known || g->hub->closing) gd__finalize(g);
  else uv_timer_start(&g->finalize, gd__finalize_timer, GD_GAMES_EXIT_WAIT_MS, 0);
}

void gd_games_link_open(gd_games *h, gd_bridge_link *link) {
  gd_game *g = calloc(1, sizeof *g);
  if (!g) {
    link->close(link->ctx, 1011, "out of memory");
    return;
  }
  g->hub = h;
  g->exit.code = -1;
  gd_bridge_owner owner = {.ud = g,
                           .accept = gd__accept,
                           .on_session = gd__on_session,
                           .on_session_lost = gd__on_session_lost,
                           .on_event = gd__on_event,
                           .on_link_closed = gd__on_link_closed};
  gd_bridge_init(&g->bridge, h->loop, &owner);
  uv_timer_init(h->loop, &g->finalize);
  g->finalize.data = g;
  g->next = h->games;
  h->games = g;
  gd_bridge_link_open(&g->bridge, link);
}

void gd_games_editor_exit(gd_games *h, int pid, int code, bool stopped) {
  for (gd_game *g = h->games; g; g = g->next)
    if (g->pid == pid && !g->finalized) {
      g->exit.known = true;
      g->exit.code = code;
      g->exit.stopped = stopped;
      if (g->ended) gd__finalize(g);
      return;
    }
  /* Not known (yet): the game may not have said hello, or never will (it died at start). */
  size_t slot = 0;
  for (size_t i = 0; i < sizeof h->notes / sizeof h->notes[0]; i++)
    if (h->notes[i].at_ms < h->notes[slot].at_ms) slot = i;
  h->notes[slot] = (gd_games_exit_note){.pid = pid, .code = code, .stopped = stopped,
                                        .at_ms = uv_now(h->loop) + 1};
  if (!stopped && code != 0) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "a game process (pid %d) ended with exit code %d before its runtime agent "
             "connected (see /logs for what it printed)",
             pid, code);
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:s}", "kind", "game_crashed",
                          "severity", "error", "message", msg, "t_ms", (json_int_t)gd__unix_ms(),
                          "pid", pid, "exit_code", code, "by", "crash");
    gd__lifecycle(h, e, 0);
    json_decref(e);
  }
}

gd_game *gd_games_find(gd_games *h, int id, const char **code, char *err, size_t n) {
  for (gd_game *g = h->games; g; g = g->next) {
    if (!g->welcomed || g->ended) continue;
    if (id == 0 || g->id == id) return g;
  }
  *code = GD_E_NOT_FOUND;
  if (id > 0) {
    size_t i;
    json_t *x;
    json_array_foreach(h->exited, i, x) if (json_integer_value(json_object_get(x, "id")) == id) {
      snprintf(err, n, "game %d is no longer running (it %s); see get_game_state", id,
               json_is_true(json_object_get(x, "crashed")) ? "crashed" : "exited");
      return NULL;
    }
    snprintf(err, n, "no running game has id %d; see get_game_state", id);
  } else {
    snprintf(err, n,
             "no game is running under godotd; start one with play (or run_and_capture), and "
             "check get_game_state");
  }
  return NULL;
}

int gd_games_running(const gd_games *h) {
  int n = 0;
  for (const gd_game *g = h->games; g; g = g->next) n += g->welcomed && !g->ended;
  return n;
}

int gd_games_call(gd_game *g, const char *command, json_t *params, uint64_t timeout_ms,
                  gd_bridge_reply_cb cb, void *ud) {
  return gd_bridge_call(&g->bridge, command, params, timeout_ms, cb, ud);
}

json_t *gd_game_json(const gd_game *g) {
  return json_pack("{s:i, s:i, s:i, s:s, s:b, s:s, s:I, s:I}", "id", g->id, "pid", g->pid,
                   "editor_pid", g->editor_pid, "scene", g->scene, "headless", g->headless,
                   "renderer", g->renderer, "started_unix_ms", (json_int_t)g->started_unix_ms,
                   "uptime_ms", (json_int_t)(uv_now(g->hub->loop) - g->started_ms));
}

json_t *gd_games_exited_json(const gd_games *h) { return json_deep_copy(h->exited); }

void gd_games_close(gd_games *h) {
  h->closing = true;
  for (gd_game *g = h->games; g; g = g->next) gd_bridge_drop_session(&g->bridge, "daemon stopping");
}

void gd_games_free(gd_games *h) {
  json_decref(h->exited);
  h->exited = NULL;
}
