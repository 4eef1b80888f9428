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

static uv_loop_t loop;
static gd_output out;
static gd_games hub;

static void setup_hub(void) {
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
  int ida = open_game(&a, 101), idb = open_game(&b, 102);
  assert_true(ida > 0 && idb == ida + 1);
  assert_int_equal(gd_games_running(&hub), 2);
  const char *code = NULL;
  char err[256];
  assert_int_equal(gd_games_find(&hub, 0, &code, err, sizeof err)->id, idb); /* newest */
  assert_int_equal(gd_games_find(&hub, ida, &code, err, sizeof err)->pid, 101);
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
  gd_games_editor_exit(&hub, 101, 3, false);
  gd_bridge_link_closed(&a.link);
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
  int ida = open_game(&a, 201);
  open_game(&b, 202);
  say(&a, "{\"type\":\"event\",\"event\":\"output\",\"data\":{\"entries\":[{\"severity\":\"info\","
           "\"kind\":\"print\",\"message\":\"about to crash\"}]}}");
  /* a's link drops without "exiting"; the editor's word (code 6) comes after: crashed */
  gd_bridge_link_closed(&a.link);
  assert_null(last_of("game_crashed")); /* waiting for the editor */
  gd_games_editor_exit(&hub, 201, 6, false);
  json_t *crash = last_of("game_crashed");
  assert_non_null(crash);
  assert_int_equal(json_integer_value(json_object_get(crash, "game")), ida);
  assert_int_equal(json_integer_value(json_object_get(crash, "exit_code")), 6);
  json_t *tail = json_object_get(crash, "last_output");
  assert_int_equal(json_array_size(tail), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(tail, 0), "message")),
                      "about to crash");
  /* b: the editor stopped it (reported first), then its link drops: stopped, not a crash */
  gd_games_editor_exit(&hub, 202, -1, true);
  gd_bridge_link_closed(&b.link);
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
  open_game(&a, 301);
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
  gd_games_editor_exit(&hub, 999, 1, false);
  json_t *early = last_of("game_crashed");
  assert_int_equal(json_integer_value(json_object_get(early, "pid")), 999);
  teardown_hub();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_output_and_a_clean_exit),
      cmocka_unit_test(test_crash_and_stop),
      cmocka_unit_test(test_no_word_from_the_editor_and_bad_hellos),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
