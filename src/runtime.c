#include "runtime.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "ops.h"
#include "sandbox.h"
#include "testrun.h"

#define GD_GET_OUTPUT_LIMIT 500
#define GD_WAIT_OUTPUT_DEFAULT_MS 10000
#define GD_RUN_DURATION_DEFAULT_MS 3000
#define GD_RUN_TIMEOUT_DEFAULT_MS 60000
#define GD_RUN_MAX_ENTRIES 1000
/* After run_and_capture stops a game, how long it waits for the game's exit to be reported. */
#define GD_RUN_EXIT_WAIT_MS 5000
#define GD_GAME_STATE_TIMEOUT_MS 2000

static int64_t gd__int(json_t *params, const char *key, int64_t dflt) {
  json_t *v = json_object_get(params, key);
  return json_is_number(v) ? (int64_t)json_number_value(v) : dflt;
}

/* Compiles params[key] (a POSIX extended regex) into re. 1 compiled, 0 absent, -1 bad (err). */
static int gd__regex(json_t *params, const char *key, regex_t *re, char *err, size_t n) {
  const char *pat = json_string_value(json_object_get(params, key));
  if (!pat) return 0;
  int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
  if (rc == 0) return 1;
  char why[200];
  regerror(rc, re, why, sizeof why);
  snprintf(err, n, "%s is not a valid POSIX extended regular expression: %s", key, why);
  return -1;
}

/* The filter params of get_output / wait_for_output (source, game, severity). */
static void gd__filter(json_t *params, gd_output_filter *f) {
  memset(f, 0, sizeof *f);
  f->since = (uint64_t)gd__int(params, "since", 0);
  f->source = json_string_value(json_object_get(params, "source"));
  f->game = (int)gd__int(params, "game", 0);
  if (f->game > 0 && !f->source) f->source = "game";
  int sev = gd_output_severity(json_string_value(json_object_get(params, "severity")));
  f->min_severity = sev < 0 ? GD_SEV_INFO : sev;
}

/* ---- get_output / clear_output ------------------------------------------------------------- */

static void gd__get_output(gd_ops_call *c) {
  gd_ops *ops = gd_ops_call_ops(c);
  json_t *p = gd_ops_call_params(c);
  gd_output_filter f;
  gd__filter(p, &f);
  regex_t re;
  char err[300];
  int has = gd__regex(p, "pattern", &re, err, sizeof err);
  if (has < 0) {
    gd_ops_done(c, GD_E_INVALID_PARAMS, err, NULL);
    return;
  }
  if (has) f.re = &re;
  json_t *r = gd_output_query(ops->output, &f, (size_t)gd__int(p, "limit", GD_GET_OUTPUT_LIMIT));
  if (has) regfree(&re);
  gd_ops_done(c, NULL, NULL, r);
  json_decref(r);
}

static void gd__clear_output(gd_ops_call *c) {
  gd_ops *ops = gd_ops_call_ops(c);
  json_t *r = json_pack("{s:I}", "cursor", (json_int_t)gd_output_clear(ops->output));
  gd_ops_done(c, NULL, NULL, r);
  json_decref(r);
}

/* ---- wait_for_output ----------------------------------------------------------------------- */

typedef struct gd__wait {
  gd_output_listener listener;
  gd_ops_call *c;
  gd_output *out;
  gd_output_filter f;
  regex_t re;
  bool has_re;
  uv_timer_t timer;
  uint64_t timeout_ms;
  bool done;
} gd__wait;

static void gd__wait_closed(uv_handle_t *h) {
  gd__wait *w = h->data;
  if (w->has_re) regfree(&w->re);
  free(w);
}

static void gd__wait_end(gd__wait *w, const char *code, const char *msg, json_t *entry) {
  if (w->done) return;
  w->done = true;
  gd_output_unlisten(w->out, &w->listener);
  uv_timer_stop(&w->timer);
  if (entry) {
    json_t *r = json_pack("{s:O, s:O}", "entry", entry, "cursor", json_object_get(entry, "id"));
    gd_ops_done(w->c, NULL, NULL, r);
    json_decref(r);
  } else {
    gd_ops_done(w->c, code, msg, NULL);
  }
  uv_close((uv_handle_t *)&w->timer, gd__wait_closed);
}

static void gd__wait_entry(gd_output_listener *l, json_t *entry) {
  gd__wait *w = l->ud;
  if (gd_output_match(entry, &w->f)) gd__wait_end(w, NULL, NULL, entry);
}

static void gd__wait_timeout(uv_timer_t *t) {
  gd__wait *w = t->data;
  char msg[200];
  snprintf(msg, sizeof msg, "no output entry matched within %llu ms",
           (unsigned long long)w->timeout_ms);
  gd__wait_end(w, GD_E_TIMEOUT, msg, NULL);
}

static void gd__wait_cancel(void *ud) { gd__wait_end(ud, GD_E_FAILED, "cancelled", NULL); }

static void gd__wait_for_output(gd_ops_call *c) {
  gd_ops *ops = gd_ops_call_ops(c);
  json_t *p = gd_ops_call_params(c);
  if (!json_object_get(p, "pattern") && !json_object_get(p, "severity")) {
    gd_ops_done(c, GD_E_INVALID_PARAMS, "give pattern, severity or both", NULL);
    return;
  }
  gd__wait *w = calloc(1, sizeof *w);
  if (!w) {
    gd_ops_done(c, GD_E_INTERNAL, "out of memory", NULL);
    return;
  }
  w->c = c;
  w->out = ops->output;
  gd__filter(p, &w->f);
  if (!json_object_get(p, "since")) w->f.since = gd_output_last_id(ops->output);
  char err[300];
  int has = gd__regex(p, "pattern", &w->re, err, sizeof err);
  if (has < 0) {
    free(w);
    gd_ops_done(c, GD_E_INVALID_PARAMS, err, NULL);
    return;
  }
  w->has_re = has == 1;
  if (w->has_re) w->f.re = &w->re;
  w->timeout_ms = (uint64_t)gd__int(p, "timeout_ms", GD_WAIT_OUTPUT_DEFAULT_MS);
  w->listener.cb = gd__wait_entry;
  w->listener.ud = w;
  uv_timer_init(ops->editor->loop, &w->timer);
  w->timer.data = w;
  gd_ops_mark_sent(c);
  /* An entry already kept after since answers at once. */
  json_t *found = gd_output_query(ops->output, &w->f, 0);
  json_t *first = json_array_get(json_object_get(found, "entries"), 0);
  if (first) {
    gd_output_listen(w->out, &w->listener); /* gd__wait_end unlistens */
    gd__wait_end(w, NULL, NULL, first);
    json_decref(found);
    return;
  }
  json_decref(found);
  gd_output_listen(w->out, &w->listener);
  uv_timer_start(&w->timer, gd__wait_timeout, w->timeout_ms, 0);
  gd_ops_on_cancel(c, gd__wait_cancel, w);
}

/* ---- get_game_state ------------------------------------------------------------------------ */

typedef struct gd__state {
  gd_ops_call *c;
  json_t *games; /* one object per game asked, filled in as they answer */
  int waiting;
} gd__state;

typedef struct gd__state_part {
  gd__state *s;
  json_t *game; /* borrowed from s->games */
} gd__state_part;

static void gd__state_finish(gd__state *s) {
  gd_ops *ops = gd_ops_call_ops(s->c);
  json_t *r = json_pack("{s:O, s:o, s:i}", "games", s->games, "exited",
                        gd_games_exited_json(ops->games), "running", (int)json_array_size(s->games));
  gd_ops_done(s->c, NULL, NULL, r);
  json_decref(r);
  json_decref(s->games);
  free(s);
}

static void gd__state_part_done(void *ud, const char *code, const char *msg, json_t *result,
                                const gd_bridge_timing *t) {
  (void)t;
  gd__state_part *part = ud;
  gd__state *s = part->s;
  if (code) {
    json_object_set_new(part->game, "responsive", json_false());
    json_t *err = gd_error_json(code, "%s", msg ? msg : code); /* {"error":{code, message}} */
    json_object_set(part->game, "error", json_object_get(err, "error"));
    json_decref(err);
  } else {
    json_object_update_missing(part->game, result);
    json_object_set_new(part->game, "responsive", json_true());
  }
  free(part);
  if (--s->waiting == 0) gd__state_finish(s);
}

static void gd__get_game_state(gd_ops_call *c) {
  gd_ops *ops = gd_ops_call_ops(c);
  int want = (int)gd__int(gd_ops_call_params(c), "game", 0);
  gd__state *s = calloc(1, sizeof *s);
  if (!s) {
    gd_ops_done(c, GD_E_INTERNAL, "out of memory", NULL);
    return;
  }
  s->c = c;
  s->games = json_array();
  s->waiting = 1; /* held until every request is out, so no answer finishes s early */
  if (want > 0) {
    const char *code;
    char err[256];
    if (!gd_games_find(ops->games, want, &code, err, sizeof err)) {
      json_decref(s->games);
      free(s);
      gd_ops_done(c, code, err, NULL);
      return;
    }
  }
  for (gd_game *g = ops->games->games; g; g = g->next) {
    if (!g->welcomed || g->ended || (want > 0 && g->id != want)) continue;
    json_t *gj = gd_game_json(g);
    json_array_insert_new(s->games, 0, gj); /* oldest first */
    gd__state_part *part = calloc(1, sizeof *part);
    if (!part) continue;
    part->s = s;
    part->game = gj;
    s->waiting++;
    if (gd_games_call(g, "get_state", NULL, GD_GAME_STATE_TIMEOUT_MS, gd__state_part_done,
                      part) != 0) {
      json_object_set_new(gj, "responsive", json_false());
      free(part);
      s->waiting--;
    }
  }
  gd_ops_mark_sent(c);
  if (--s->waiting == 0) gd__state_finish(s);
}

/* ---- take_screenshot ------------------------------------------------------------------------ */

static void gd__forwarded(void *ud, const char *code, const char *msg, json_t *result,
                          const gd_bridge_timing *t) {
  (void)t;
  gd_ops_done(ud, code, msg, result);
}

static void gd__forward_cancel(void *ud) {
  gd_ops_call *inner = ud;
  gd_ops_cancel(inner);
}

static void gd__take_screenshot(gd_ops_call *c, uint64_t wait_ms) {
  gd_ops *ops = gd_ops_call_ops(c);
  json_t *p = gd_ops_call_params(c);
  const char *target = json_string_value(json_object_get(p, "target"));
  bool game = !target || strcmp(target, "game") == 0;
  if (!game && json_object_get(p, "game")) {
    gd_ops_done(c, GD_E_INVALID_PARAMS, "game applies to target game only", NULL);
    return;
  }
  gd_ops_mark_sent(c);
  gd_ops_call *inner = gd_ops_forward(ops, gd_ops_call_command(c), "take_screenshot",
                                      json_deep_copy(p), game ? GD_RUNS_GAME : GD_RUNS_EDITOR,
                                      wait_ms, gd__forwarded, c);
  if (inner) gd_ops_on_cancel(c, gd__forward_cancel, inner);
}

/* ---- run_and_capture ------------------------------------------------------------------------ */

typedef struct gd__run {
  gd_output_listener listener;
  gd_ops_call *c;
  gd_ops *ops;
  uint64_t cursor0;      /* output entries after this one belong to the run */
  int game;              /* the game it started (0 until its game_started entry) */
  json_t *exit;          /* the game's game_exited / game_crashed entry, once seen */
  regex_t re;
  bool has_re;
  bool until_exit, stop_on_error;
  uint64_t limit_ms;     /* duration, or the timeout of until_exit / until_pattern */
  const char *ended_by;  /* why the run ended, once it did */
  char scene[1024];      /* res:// path, "" for the main scene */
  int pid;               /* the game process the daemon started */
  uint64_t started_ms;
  uv_timer_t timer;
  bool waiting_editor;   /* inside gd_editor_wait: r must outlive its callback */
  bool stopping, finished, cancelled;
  json_int_t max_entries;
} gd__run;

static void gd__run_closed(uv_handle_t *h) {
  gd__run *r = h->data;
  if (r->has_re) regfree(&r->re);
  json_decref(r->exit);
  free(r);
}

static void gd__run_answer(gd__run *r) {
  if (r->finished) return;
  r->finished = true;
  gd_output_unlisten(r->ops->output, &r->listener);
  uv_timer_stop(&r->timer);
  gd_output_filter f = {.since = r->cursor0, .source = "game", .game = r->game};
  json_t *q = r->game ? gd_output_query(r->ops->output, &f, 0) : NULL;
  json_t *all = q ? json_object_get(q, "entries") : NULL;
  json_int_t counts[3] = {0, 0, 0};
  json_t *entries = json_array();
  size_t i;
  json_t *e;
  size_t n = json_array_size(all);
  json_array_foreach(all, i, e) {
    int sev = gd_output_severity(json_string_value(json_object_get(e, "severity")));
    counts[sev < 0 ? 0 : sev]++;
    if (n - i <= (size_t)r->max_entries) json_array_append(entries, e);
  }
  json_t *exit = json_null();
  if (r->exit)
    exit = json_pack("{s:O, s:O, s:O, s:b, s:O}", "code", json_object_get(r->exit, "exit_code") ?: json_null(),
                     "signal", json_object_get(r->exit, "signal") ?: json_null(),
                     "by", json_object_get(r->exit, "by") ?: json_null(), "crashed",
                     strcmp(json_string_value(json_object_get(r->exit, "kind")) ?: "", "game_crashed") == 0,
                     "message", json_object_get(r->exit, "message") ?: json_null());
  if (!r->game && r->exit) { /* no agent: what the process printed is in its end entry */
    json_t *early = json_object_get(r->exit, "last_output");
    json_array_extend(entries, early);
    json_array_foreach(early, i, e) {
      int sev = gd_output_severity(json_string_value(json_object_get(e, "severity")));
      counts[sev < 0 ? 0 : sev]++;
    }
    json_array_append(entries, r->exit);
  }
  json_t *res = json_pack("{s:i, s:i, s:s, s:o, s:{s:I, s:I, s:I}, s:s, s:o, s:I, s:b}", "game", r->game,
                          "pid", r->pid, "scene", r->scene[0] ? r->scene : "(main scene)", "entries", entries, "counts", "info", counts[0],
                          "warning", counts[1], "error", counts[2], "ended_by",
                          r->ended_by ? r->ended_by : "timeout", "exit", exit, "duration_ms",
                          (json_int_t)(uv_now(r->ops->editor->loop) - r->started_ms),
                          "truncated", n > (size_t)r->max_entries);
  json_decref(q);
  if (!r->game)
    json_object_set_new(res, "note",
                        json_string("no runtime agent connected from the game (is the "
                                    "GodotdRuntime autoload in project.godot?): see /logs"));
  gd_ops_done(r->c, NULL, NULL, res);
  json_decref(res);
  uv_close((uv_handle_t *)&r->timer, gd__run_closed);
}

static void gd__run_fail(gd__run *r, const char *code, const char *msg) {
  if (r->finished) return;
  r->finished = true;
  gd_output_unlisten(r->ops->output, &r->listener);
  uv_timer_stop(&r->timer);
  gd_ops_done(r->c, code, msg, NULL);
  uv_close((uv_handle_t *)&r->timer, gd__run_closed);
}

static void gd__run_exit_wait_over(uv_timer_t *t) { gd__run_answer(t->data); }

/* The run is over (ended_by set): stop a game still running, then answer once its exit is in. */
static void gd__run_end(gd__run *r, const char *why) {
  if (r->stopping || r->finished) return;
  r->ended_by = why;
  r->stopping = true;
  if (r->exit) {
    gd__run_answer(r);
    return;
  }
  uv_timer_stop(&r->timer);
  uv_timer_start(&r->timer, gd__run_exit_wait_over, GD_RUN_EXIT_WAIT_MS, 0);
  if (!r->pid || !gd_games_stop_launched(r->ops->games, r->pid)) gd__run_answer(r);
}

static void gd__run_timer(uv_timer_t *t) {
  gd__run *r = t->data;
  gd__run_end(r, r->until_exit || r->has_re ? "timeout" : "duration");
}

static void gd__run_entry(gd_output_listener *l, json_t *e) {
  gd__run *r = l->ud;
  const char *kind = json_string_value(json_object_get(e, "kind"));
  int game = (int)json_integer_value(json_object_get(e, "game"));
  int pid = (int)json_integer_value(json_object_get(e, "pid"));
  bool end = kind && (strcmp(kind, "game_exited") == 0 || strcmp(kind, "game_crashed") == 0);
  if (!r->pid) return;
  if (!r->game && kind && strcmp(kind, "game_started") == 0 && pid == r->pid) {
    r->game = game;
    if (!r->scene[0])
      snprintf(r->scene, sizeof r->scene, "%s", json_string_value(json_object_get(e, "scene")) ?: "");
  }
  /* A process whose agent never connected ends with an entry of game 0 and its pid. */
  bool ours = (r->game && game == r->game) || (end && !game && pid == r->pid);
  if (!ours) return;
  if (end) {
    r->exit = json_incref(e);
    if (!r->stopping) r->ended_by = "exit";
    r->stopping = true;
    gd__run_answer(r);
    return;
  }
  if (r->stopping) return;
  if (r->has_re) {
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (regexec(&r->re, msg ? msg : "", 0, NULL, 0) == 0) {
      gd__run_end(r, "pattern");
      return;
    }
  }
  if (r->stop_on_error &&
      gd_output_severity(json_string_value(json_object_get(e, "severity"))) == GD_SEV_ERROR)
    gd__run_end(r, "error");
}

/* The editor is ready (its imports done, so the game finds its resources): start the game. */
static void gd__run_ready(void *ud, const char *code, const char *msg) {
  gd__run *r = ud;
  r->waiting_editor = false;
  if (r->cancelled) {
    gd__run_fail(r, GD_E_FAILED, "cancelled");
    return;
  }
  if (code) {
    gd__run_fail(r, code, msg ? msg : "the editor is not ready");
    return;
  }
  gd_godot_cmdline cmd;
  gd_editor_cmdline(r->ops->editor, false, r->scene, &cmd);
  char err[256];
  r->pid = gd_games_launch(r->ops->games, cmd.args[0], cmd.args, cmd.env,
                           r->ops->editor->cfg.project, err, sizeof err);
  gd_godot_cmdline_free(&cmd);
  if (r->pid < 0) {
    r->pid = 0;
    gd__run_fail(r, GD_E_FAILED, err);
    return;
  }
  r->started_ms = uv_now(r->ops->editor->loop);
  uv_timer_start(&r->timer, gd__run_timer, r->limit_ms, 0);
}

static void gd__run_cancel(void *ud) {
  gd__run *r = ud;
  r->cancelled = true;
  if (!r->waiting_editor) gd__run_end(r, "cancelled");
}

static void gd__run_and_capture(gd_ops_call *c, uint64_t wait_ms) {
  gd_ops *ops = gd_ops_call_ops(c);
  json_t *p = gd_ops_call_params(c);
  gd__run *r = calloc(1, sizeof *r);
  if (!r) {
    gd_ops_done(c, GD_E_INTERNAL, "out of memory", NULL);
    return;
  }
  const char *scene = json_string_value(json_object_get(p, "scene_path"));
  if (scene) {
    char norm[1024], abs[PATH_MAX];
    int rc = gd_sandbox_normalize(scene, norm, sizeof norm);
    if (rc == GD_SANDBOX_OK)
      rc = gd_sandbox_resolve(ops->editor->cfg.project, norm, 1, abs, sizeof abs);
    size_t n = strlen(norm);
    if (rc != GD_SANDBOX_OK || n < 6 ||
        (strcmp(norm + n - 5, ".tscn") != 0 && strcmp(norm + n - 4, ".scn") != 0)) {
      free(r);
      gd_ops_done(c,
                  rc == GD_SANDBOX_OUTSIDE   ? GD_E_OUTSIDE_PROJECT
                  : rc == GD_SANDBOX_MISSING ? GD_E_NOT_FOUND
                                             : GD_E_INVALID_PARAMS,
                  rc == GD_SANDBOX_MISSING   ? "scene_path: no such scene file"
                  : rc == GD_SANDBOX_OUTSIDE ? "scene_path is outside the project"
                                             : "scene_path must be a res:// .tscn or .scn file",
                  NULL);
      return;
    }
    snprintf(r->scene, sizeof r->scene, "%s", norm);
  }
  r->c = c;
  r->ops = ops;
  char err[300];
  int has = gd__regex(p, "until_pattern", &r->re, err, sizeof err);
  if (has < 0) {
    free(r);
    gd_ops_done(c, GD_E_INVALID_PARAMS, err, NULL);
    return;
  }
  r->has_re = has == 1;
  r->until_exit = json_is_true(json_object_get(p, "until_exit"));
  r->stop_on_error = json_is_true(json_object_get(p, "stop_on_error"));
  if (json_object_get(p, "duration_ms") && (r->until_exit || r->has_re)) {
    if (r->has_re) regfree(&r->re);
    free(r);
    gd_ops_done(c, GD_E_INVALID_PARAMS,
                "duration_ms cannot be combined with until_exit or until_pattern (use timeout_ms "
                "to bound those)",
                NULL);
    return;
  }
  r->limit_ms = (uint64_t)(r->until_exit || r->has_re
                               ? gd__int(p, "timeout_ms", GD_RUN_TIMEOUT_DEFAULT_MS)
                               : gd__int(p, "duration_ms", GD_RUN_DURATION_DEFAULT_MS));
  r->max_entries = gd__int(p, "max_entries", GD_RUN_MAX_ENTRIES);
  r->cursor0 = gd_output_last_id(ops->output);
  r->started_ms = uv_now(ops->editor->loop);
  uv_timer_init(ops->editor->loop, &r->timer);
  r->timer.data = r;
  r->listener.cb = gd__run_entry;
  r->listener.ud = r;
  gd_output_listen(ops->output, &r->listener);
  gd_ops_on_cancel(c, gd__run_cancel, r);
  gd_ops_mark_sent(c);
  r->waiting_editor = true;
  gd_editor_wait(ops->editor, GD_NEEDS_READY, wait_ms, true, gd__run_ready, r);
}

/* ---- run_tests ----------------------------------------------------------------------------- */

static void gd__tests_done(void *ud, const char *code, const char *msg, json_t *result) {
  gd_ops_done(ud, code, msg, result);
}

static void gd__tests_cancel(void *ud) {
  gd_testrun_cancel(ud);
}

static void gd__tests_progress(const void *ud, char *buf, size_t n) {
  gd_testrun_progress(ud, buf, n);
}

static void gd__run_tests(gd_ops_call *c) {
  gd_ops *ops = gd_ops_call_ops(c);
  gd_ops_mark_sent(c);
  gd_testrun *t = gd_testrun_start(ops->editor->loop, ops->editor->cfg.godot.path,
                                   ops->editor->cfg.project, gd_ops_call_params(c),
                                   gd__tests_done, c);
  if (t) {
    gd_ops_on_cancel(c, gd__tests_cancel, t);
    gd_ops_on_progress(c, gd__tests_progress, t);
  }
}

/* ---- dispatch ------------------------------------------------------------------------------ */

void gd_runtime_run(gd_ops_call *c, uint64_t wait_ms) {
  const char *name = gd_ops_call_command(c)->name;
  gd_ops *ops = gd_ops_call_ops(c);
  if (!ops->output || !ops->games) {
    gd_ops_done(c, GD_E_INTERNAL, "the output stream and games are not set up", NULL);
    return;
  }
  if (strcmp(name, "get_output") == 0) gd__get_output(c);
  else if (strcmp(name, "clear_output") == 0) gd__clear_output(c);
  else if (strcmp(name, "wait_for_output") == 0) gd__wait_for_output(c);
  else if (strcmp(name, "get_game_state") == 0) gd__get_game_state(c);
  else if (strcmp(name, "take_screenshot") == 0) gd__take_screenshot(c, wait_ms);
  else if (strcmp(name, "run_and_capture") == 0) gd__run_and_capture(c, wait_ms);
  else if (strcmp(name, "run_tests") == 0) gd__run_tests(c);
  else gd_ops_done(c, GD_E_UNKNOWN_COMMAND, "no daemon handler for this command", NULL);
}
