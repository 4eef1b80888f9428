/* Unit tests for game.c: a game link's hello gets an id in its welcome, its output events land in
 * the output stream as source "game", and its end is told right — exited (it said "exiting"),
 * stopped (the editor said so), crashed (neither; with its last output) — with the exit code the
 * editor reports before or after the link closes. Fake links, a real libuv loop, the real bridge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "game.h"

typedef struct {
  char *sent[8];
  size_t nsent;
  int closes;
  gd_bridge_link link;
} fake;

static int fake_send(void *ctx, const char *text, size_t len) {
  fake *f = ctx;
  if (f->nsent < 8) f->sent[f->nsent++] = strndup(text, len);
  return 0;
}

static void fake_close(void *ctx, uint16_t code, const char *reason) {
  (void)code, (void)reason;
  ((fake *)ctx)->closes++;
}

static void fake_free(fake *f) {
  for (size_t i = 0; i < f->nsent; i++) free(f->sent[i]);
  f->nsent = 0;
}

#include <errno.h>
#include <signal.h>

/* A pid no process has now, so the hub's pidfd_open fails and its /proc read ends at once. */
static int free_pid(int from) {
  for (int pid = from;; pid++)
    if (kill(pid, 0) != 0 && errno == ESRCH) return pid;
}

static uv_loop_t loop;
static gd_output out;
static gd_games hub;

static int P1, P2, P3, P4, P5, P6;

static void setup_hub(void) {
  P1 = free_pid(3000001);
  P2 = free_pid(P1 + 1);
  P3 = free_pid(P2 + 1);
  P4 = free_pid(P3 + 1);
  P5 = free_pid(P4 + 1);
  P6 = free_pid(P5 + 1);
  assert_int_equal(uv_loop_init(&loop), 0);
  assert_int_equal(gd_output_init(&out, 100), 0);
  gd_games_init(&hub, &loop, &out);
}

static void teardown_hub(void) {
  gd_games_close(&hub);
  uv_run(&loop, UV_RUN_DEFAULT);
  gd_games_free(&hub);
  gd_output_free(&out);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Runs the loop's due timers (the /proc poll of a dropped game ends at once here: no such pid). */
static void settle(void) {
  for (int i = 0; i < 5; i++) uv_run(&loop, UV_RUN_NOWAIT);
}

static void say(fake *f, const char *text) { gd_bridge_link_text(&f->link, text, strlen(text)); }

/* Opens a game link and says hello as pid; returns the id from the welcome. */
static int open_game(fake *f, int pid) {
  memset(f, 0, sizeof *f);
  f->link.ctx = f;
  f->link.send = fake_send;
  f->link.close = fake_close;
  gd_games_link_open(&hub, &f->link);
  char hello[256];
  snprintf(hello, sizeof hello,
           "{\"type\":\"hello\",\"channel\":\"game\",\"protocol\":1,\"session\":\"g%d\",\"pid\":%d,"
           "\"scene\":\"res://main.tscn\",\"headless\":true,\"renderer\":\"dummy\"}",
           pid, pid);
  say(f, hello);
  assert_int_equal(f->nsent, 1);
  json_t *w = json_loads(f->sent[0], 0, NULL);
  assert_string_equal(json_string_value(json_object_get(w, "type")), "welcome");
  int id = (int)json_integer_value(json_object_get(w, "game"));
  json_decref(w);
  fake_free(f);
  return id;
}

/* The last entry of kind, or NULL. */
static json_t *last_of(const char *kind) {
  for (uint64_t i = gd_output_last_id(&out); i > 0; i--) {
    json_t *e = gd_output_get(&out, i);
    const char *k = json_string_value(json_object_get(e, "kind"));
    if (k && strcmp(k, kind) == 0) return e;
  }
  return NULL;
}

static void test_ids_output_and_a_clean_exit(void **state) {
  (void)state;
  setup_hub();
  fake a, b;
  int ida = open_game(&a, P1), idb = open_game(&b, P2);
  assert_true(ida > 0 && idb == ida + 1);
  assert_int_equal(gd_games_running(&hub), 2);
  const char *code = NULL;
  char err[256];
  assert_int_equal(gd_games_find(&hub, 0, &code, err, sizeof err)->id, idb); /* newest */
  assert_int_equal(gd_games_find(&hub, ida, &code, err, sizeof err)->pid, P1);
  say(&a, "{\"type\":\"event\",\"event\":\"output\",\"data\":{\"entries\":[{\"severity\":\"error\","
           "\"kind\":\"script_error\",\"message\":\"boom\",\"file\":\"res://a.gd\",\"line\":3},"
           "{\"no\":\"message\"}],\"dropped\":2}}");
  json_t *boom = last_of("script_error");
  assert_non_null(boom);
  assert_int_equal(json_integer_value(json_object_get(boom, "game")), ida);
  assert_string_equal(json_string_value(json_object_get(boom, "source")), "game");
  assert_non_null(last_of("dropped"));
  /* a says it exits, the editor reports code 3 before the link closes: reported at once */
  say(&a, "{\"type\":\"event\",\"event\":\"exiting\",\"data\":{}}");
  gd_games_editor_exit(&hub, P1, 3, false);
  gd_bridge_link_closed(&a.link);
  settle();
  json_t *ex = last_of("game_exited");
  assert_non_null(ex);
  assert_int_equal(json_integer_value(json_object_get(ex, "exit_code")), 3);
  assert_string_equal(json_string_value(json_object_get(ex, "by")), "self");
  assert_int_equal(gd_games_running(&hub), 1);
  assert_null(gd_games_find(&hub, ida, &code, err, sizeof err));
  assert_string_equal(code, GD_E_NOT_FOUND);
  assert_non_null(strstr(err, "exited"));
  gd_bridge_link_closed(&b.link);
  teardown_hub();
}

static void test_crash_and_stop(void **state) {
  (void)state;
  setup_hub();
  fake a, b;
  int ida = open_game(&a, P3);
  open_game(&b, P4);
  say(&a, "{\"type\":\"event\",\"event\":\"output\",\"data\":{\"entries\":[{\"severity\":\"info\","
           "\"kind\":\"print\",\"message\":\"about to crash\"}]}}");
  /* a's link drops without "exiting"; the editor's word (code 6) comes after: crashed */
  gd_bridge_link_closed(&a.link);
  settle();
  assert_null(last_of("game_crashed")); /* waiting for the editor */
  gd_games_editor_exit(&hub, P3, 6, false);
  json_t *crash = last_of("game_crashed");
  assert_non_null(crash);
  assert_int_equal(json_integer_value(json_object_get(crash, "game")), ida);
  assert_int_equal(json_integer_value(json_object_get(crash, "exit_code")), 6);
  json_t *tail = json_object_get(crash, "last_output");
  assert_int_equal(json_array_size(tail), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(tail, 0), "message")),
                      "about to crash");
  /* b: the editor stopped it (reported first), then its link drops: stopped, not a crash */
  gd_games_editor_exit(&hub, P4, -1, true);
  gd_bridge_link_closed(&b.link);
  settle();
  json_t *ex = last_of("game_exited");
  assert_non_null(ex);
  assert_string_equal(json_string_value(json_object_get(ex, "by")), "stopped");
  assert_true(json_is_null(json_object_get(ex, "exit_code")));
  json_t *exited = gd_games_exited_json(&hub);
  assert_int_equal(json_array_size(exited), 2);
  json_decref(exited);
  teardown_hub();
}

static void test_no_word_from_the_editor_and_bad_hellos(void **state) {
  (void)state;
  setup_hub();
  fake a;
  open_game(&a, P5);
  gd_bridge_link_closed(&a.link);
  uv_run(&loop, UV_RUN_DEFAULT); /* the wait for the editor's exit code runs out */
  json_t *crash = last_of("game_crashed");
  assert_non_null(crash);
  assert_true(json_is_null(json_object_get(crash, "exit_code")));
  /* a hello without pid, and the editor's kind of hello, are rejected */
  fake c;
  memset(&c, 0, sizeof c);
  c.link.ctx = &c;
  c.link.send = fake_send;
  c.link.close = fake_close;
  gd_games_link_open(&hub, &c.link);
  say(&c, "{\"type\":\"hello\",\"channel\":\"game\",\"protocol\":1,\"session\":\"x\"}");
  assert_int_equal(c.closes, 1);
  gd_bridge_link_closed(&c.link);
  fake_free(&c);
  gd_games_link_open(&hub, &c.link);
  say(&c, "{\"type\":\"hello\",\"protocol\":1,\"session\":\"x\",\"editor_pid\":5}");
  assert_int_equal(c.closes, 2);
  gd_bridge_link_closed(&c.link);
  fake_free(&c);
  assert_int_equal(gd_games_running(&hub), 0);
  /* an exit of a game that never connected, not stopped, non-zero: still reported */
  gd_games_editor_exit(&hub, P6, 1, false);
  json_t *early = last_of("game_crashed");
  assert_int_equal(json_integer_value(json_object_get(early, "pid")), P6);
  teardown_hub();
}

static void test_zombie_status(void **state) {
  (void)state;
  /* /proc/PID/stat of a zombie killed by SIGABRT (status 6) and of one that exited 3 (768);
   * the command name may hold spaces and parentheses. */
  char stat[1024];
  const char *tail = " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0";
  int status = -1;
  snprintf(stat, sizeof stat, "4321 (godot (x) y) Z 1%s 6", tail);
  assert_int_equal(gd_games_parse_zombie(stat, &status), 1);
  assert_int_equal(status, 6);
  snprintf(stat, sizeof stat, "4321 (godot) Z 1%s 768", tail);
  assert_int_equal(gd_games_parse_zombie(stat, &status), 1);
  assert_int_equal(status, 768);
  snprintf(stat, sizeof stat, "4321 (godot) S 1%s 0", tail);
  assert_int_equal(gd_games_parse_zombie(stat, &status), 0);
  assert_int_equal(gd_games_parse_zombie("4321 (godot) Z 1 2", &status), -1);
  assert_int_equal(gd_games_parse_zombie("garbage", &status), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_output_and_a_clean_exit),
      cmocka_unit_test(test_crash_and_stop),
      cmocka_unit_test(test_no_word_from_the_editor_and_bad_hellos),
      cmocka_unit_test(test_zombie_status),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
