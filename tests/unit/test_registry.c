/* Unit tests for registry: loading the real schema/commands.json and validating params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "errors.h"
#include "registry.h"

static void test_load_real_registry(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  assert_int_equal(gd_registry_load(&r, GODOTD_SOURCE_ROOT "/schema/commands.json", err, sizeof err), 0);
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
  assert_int_equal(gd_registry_load(&r, GODOTD_SOURCE_ROOT "/schema/commands.json", err, sizeof err), 0);
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

static void test_bad_registry_files(void **state) {
  (void)state;
  gd_registry r;
  char err[256];
  const char *path = "/tmp/gd_registry_test.json";
  const char *bad[] = {
      "{",
      "{\"commands\": 3}",
      "{\"commands\": [{\"name\": \"a\"}]}",
      "{\"commands\": [{\"name\":\"a\",\"description\":\"d\",\"params\":{},\"timeout_ms\":1},"
      "{\"name\":\"a\",\"description\":\"d\",\"params\":{},\"timeout_ms\":1}]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    fputs(bad[i], f);
    fclose(f);
    err[0] = '\0';
    assert_int_equal(gd_registry_load(&r, path, err, sizeof err), -1);
    assert_true(err[0] != '\0');
  }
  remove(path);
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
      cmocka_unit_test(test_error_statuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
