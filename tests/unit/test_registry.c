/* Unit tests for registry: loading the real schema/commands/ and validating params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "registry.h"

static void test_load_real_registry(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  assert_int_equal(gd_registry_load(&r, GODOTD_SOURCE_ROOT "/schema/commands", err, sizeof err), 0);
  const char *names[] = {"ping", "get_status", "open_scene", "get_scene_tree", "save_scene", "play", "stop", "quit"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) assert_non_null(gd_registry_find(&r, names[i]));
  assert_null(gd_registry_find(&r, "rm_rf"));
  assert_int_equal(gd_registry_find(&r, "ping")->needs, GD_NEEDS_SESSION);
  assert_int_equal(gd_registry_find(&r, "open_scene")->needs, GD_NEEDS_READY);
  gd_registry_free(&r);
}

static void test_validate(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  assert_int_equal(gd_registry_load(&r, GODOTD_SOURCE_ROOT "/schema/commands", err, sizeof err), 0);
  const gd_command *open = gd_registry_find(&r, "open_scene");
  const gd_command *tree = gd_registry_find(&r, "get_scene_tree");
  json_t *p = json_pack("{s:s}", "scene_path", "res://a.tscn");
  assert_int_equal(gd_registry_validate(open, p, err, sizeof err), 0);
  json_decref(p);
  p = json_object();
  assert_int_equal(gd_registry_validate(open, p, err, sizeof err), -1);
  assert_non_null(strstr(err, "scene_path"));
  json_decref(p);
  p = json_pack("{s:i}", "scene_path", 3);
  assert_int_equal(gd_registry_validate(open, p, err, sizeof err), -1);
  assert_non_null(strstr(err, "must be string"));
  assert_non_null(strstr(err, "scene_path"));
  json_decref(p);
  p = json_pack("{s:s, s:b}", "scene_path", "res://a.tscn", "bogus", 1);
  assert_int_equal(gd_registry_validate(open, p, err, sizeof err), -1);
  assert_non_null(strstr(err, "bogus"));
  json_decref(p);
  p = json_pack("{s:i}", "max_depth", -1);
  assert_int_equal(gd_registry_validate(tree, p, err, sizeof err), -1);
  json_decref(p);
  p = json_pack("{s:i}", "max_depth", 3);
  assert_int_equal(gd_registry_validate(tree, p, err, sizeof err), 0);
  json_decref(p);
  p = json_array();
  assert_int_equal(gd_registry_validate(tree, p, err, sizeof err), -1);
  json_decref(p);
  gd_registry_free(&r);
}

/* Each bad file alone in a registry directory must be refused with a message. */
static void test_bad_registry_files(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  char dir[] = "/tmp/gd_registry_testXXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[300];
  snprintf(path, sizeof path, "%s/node.json", dir);
#define GOOD_ENTRY "{\"name\":\"a\",\"description\":\"d\",\"params\":{\"type\":\"object\"}," \
                   "\"result\":{\"type\":\"object\"},\"annotations\":{},\"timeout\":\"fast\",\"needs\":\"ready\"}"
#define ENTRY_WITH(params, extra) "{\"category\": \"node\", \"description\": \"x\", \"commands\": [{\"name\":\"a\"," \
  "\"description\":\"d\",\"params\":" params ",\"result\":{\"type\":\"object\"},\"annotations\":{}," \
  "\"timeout\":\"fast\",\"needs\":\"ready\"" extra "}]}"
  const char *bad[] = {
      "{",
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": 3}",
      "{\"category\": \"other\", \"description\": \"x\", \"commands\": []}",
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": [{\"name\": \"a\"}]}",
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": [" GOOD_ENTRY "," GOOD_ENTRY "]}",
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": [{\"name\":\"Bad-Name\","
      "\"description\":\"d\",\"params\":{\"type\":\"object\"},\"result\":{},\"annotations\":{},"
      "\"timeout\":\"fast\",\"needs\":\"ready\"}]}",
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": [{\"name\":\"a\","
      "\"description\":\"d\",\"params\":{\"type\":\"object\"},\"result\":{},\"annotations\":{},"
      "\"timeout\":\"forever\",\"needs\":\"ready\"}]}",
      /* Portability: a type array, a schema that constrains nothing, deep inside too. */
      ENTRY_WITH("{\"type\":\"object\",\"properties\":{\"t\":{\"type\":[\"integer\",\"string\"]}}}", ""),
      ENTRY_WITH("{\"type\":\"object\",\"properties\":{\"v\":{\"description\":\"anything\"}}}", ""),
      ENTRY_WITH("{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{}}}}", ""),
      ENTRY_WITH("{\"type\":\"object\",\"properties\":{\"v\":{\"anyOf\":[{\"type\":\"string\"},{}]}}}", ""),
      /* A misspelled key must not read as false. */
      ENTRY_WITH("{\"type\":\"object\"}", ",\"readonly\":true"),
      "{\"category\": \"node\", \"description\": \"x\", \"commands\": [{\"name\":\"a\","
      "\"description\":\"d\",\"params\":{\"type\":\"object\"},\"result\":{\"type\":\"object\"},"
      "\"annotations\":{\"readonly\":true},\"timeout\":\"fast\",\"needs\":\"ready\"}]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    fputs(bad[i], f);
    fclose(f);
    err[0] = '\0';
    assert_int_equal(gd_registry_load(&r, dir, err, sizeof err), -1);
    assert_true(err[0] != '\0');
  }
  FILE *f = fopen(path, "w");
  fputs("{\"category\": \"node\", \"description\": \"x\", \"commands\": [" GOOD_ENTRY "]}", f);
  fclose(f);
  assert_int_equal(gd_registry_load(&r, dir, err, sizeof err), 0);
  assert_int_equal(r.count, 1);
  assert_int_equal(r.commands[0].timeout_ms, GD_TIMEOUT_FAST_MS);
  gd_registry_free(&r);
  remove(path);
  rmdir(dir);
}

/* The schema subset beyond flat objects: enum, nested items, integer-valued reals, lengths. */
static void test_schema_subset(void **state) {
  (void)state;
  json_error_t je;
  json_t *schema = json_loads(
      "{\"type\":\"object\",\"properties\":{"
      "\"mode\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]},"
      "\"n\":{\"type\":\"integer\",\"minimum\":1},"
      "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":3},"
      "\"v\":{\"type\":[\"string\",\"null\"]},"
      "\"track\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":0},{\"type\":\"string\"}]},"
      "\"list\":{\"type\":\"array\",\"maxItems\":2,\"items\":{\"type\":\"object\","
      "\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"],"
      "\"additionalProperties\":false}}},\"additionalProperties\":false}",
      0, &je);
  assert_non_null(schema);
  struct {
    const char *json;
    int ok;
    const char *needle;
  } cases[] = {
      {"{\"mode\":\"a\"}", 1, NULL},
      {"{\"mode\":\"c\"}", 0, "mode must be one of"},
      {"{\"n\":2.0}", 1, NULL},
      {"{\"n\":2.5}", 0, "n must be integer"},
      {"{\"n\":0}", 0, "n must be >= 1"},
      {"{\"name\":\"\"}", 0, "at least 1"},
      {"{\"name\":\"\u00e9\u00e9\u00e9\"}", 1, NULL},
      {"{\"name\":\"abcd\"}", 0, "at most 3"},
      {"{\"v\":null}", 1, NULL},
      {"{\"v\":1}", 0, "v must be string or null"},
      {"{\"list\":[{\"command\":\"x\"}]}", 1, NULL},
      {"{\"list\":[{\"command\":\"x\"},{}]}", 0, "list[1]: 'command' is required"},
      {"{\"list\":[{\"command\":3}]}", 0, "list[0].command must be string"},
      {"{\"list\":[{\"command\":\"x\",\"z\":1}]}", 0, "unknown key 'z'"},
      {"{\"list\":[{},{},{}]}", 0, "at most 2 items"},
      /* anyOf: any branch that takes the value; none → the shapes it takes. */
      {"{\"track\":3}", 1, NULL},
      {"{\"track\":\"Sprite2D:position\"}", 1, NULL},
      {"{\"track\":-1}", 0, "track must be integer or string, got integer"},
      {"{\"track\":[1]}", 0, "track must be integer or string, got array"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *v = json_loads(cases[i].json, 0, &je);
    assert_non_null(v);
    char err[256] = "";
    int rc = gd_schema_validate(schema, v, "", err, sizeof err);
    if (cases[i].ok) {
      assert_int_equal(rc, 0);
    } else {
      assert_int_equal(rc, -1);
      if (!strstr(err, cases[i].needle)) fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].needle);
    }
    json_decref(v);
  }
  json_decref(schema);
}

/* The docs carry every command; the addon's copy exactly those the editor runs (runs editor,
 * or a daemon/game command with an editor part: "addon": true). */
static void test_generated(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  assert_int_equal(gd_registry_load(&r, GODOTD_SOURCE_ROOT "/schema/commands", err, sizeof err), 0);
  json_t *copy = gd_registry_addon_copy(&r);
  size_t editor = 0, game = 0, daemon = 0;
  for (size_t i = 0; i < r.count; i++) {
    const gd_command *c = &r.commands[i];
    editor += c->runs == GD_RUNS_EDITOR || c->addon;
    game += c->runs == GD_RUNS_GAME;
    daemon += c->runs == GD_RUNS_DAEMON;
  }
  assert_true(game > 0 && daemon > 0);
  assert_int_equal(json_array_size(json_object_get(copy, "commands")), editor);
  const gd_command *shot = gd_registry_find(&r, "take_screenshot");
  assert_non_null(shot);
  assert_true(shot->runs == GD_RUNS_DAEMON && shot->addon);
  assert_int_equal(gd_registry_find(&r, "get_game_tree")->runs, GD_RUNS_GAME);
  json_decref(copy);
  char *md = gd_registry_markdown(&r);
  assert_non_null(md);
  for (size_t i = 0; i < r.count; i++) {
    char heading[128];
    snprintf(heading, sizeof heading, "### `%s`", r.commands[i].name);
    assert_non_null(strstr(md, heading));
  }
  free(md);
  gd_registry_free(&r);
}

static void test_error_statuses(void **state) {
  (void)state;
  assert_int_equal(gd_error_http_status(GD_E_INVALID_JSON), 400);
  assert_int_equal(gd_error_http_status(GD_E_PAYLOAD_TOO_LARGE), 413);
  assert_int_equal(gd_error_http_status(GD_E_OUTSIDE_PROJECT), 403);
  assert_int_equal(gd_error_http_status(GD_E_NOT_READY), 503);
  assert_int_equal(gd_error_http_status("no_such_code"), 500);
  json_t *e = gd_error_json(GD_E_NOT_READY, "x %d", 7);
  assert_string_equal(json_string_value(json_object_get(json_object_get(e, "error"), "message")), "x 7");
  assert_true(json_is_true(json_object_get(json_object_get(e, "error"), "retryable")));
  json_decref(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_real_registry),
      cmocka_unit_test(test_validate),
      cmocka_unit_test(test_bad_registry_files),
      cmocka_unit_test(test_schema_subset),
      cmocka_unit_test(test_generated),
      cmocka_unit_test(test_error_statuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
