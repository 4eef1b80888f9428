/* Unit tests for limit: the counters behind /status daemon.limits and their rate-limited log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "limit.h"
#include "log.h"

static int lines;
static char last[512];

static void sink(void *ud, int level, const char *line, size_t len) {
  (void)ud;
  if (level != GD_LOG_WARN) return;
  lines++;
  snprintf(last, sizeof last, "%.*s", (int)len, line);
}

static int setup(void **state) {
  (void)state;
  gd_limits_reset();
  lines = 0;
  last[0] = '\0';
  gd_log_set_sink(sink, NULL);
  return 0;
}

static void test_hit_counts_and_logs_the_reason(void **state) {
  (void)state;
  gd_limit_hit(GD_LIMIT_BODY_TOO_LARGE, "request of %d bytes from %s", 2000000, "127.0.0.1");
  assert_int_equal(gd_limit_count(GD_LIMIT_BODY_TOO_LARGE), 1);
  assert_int_equal(gd_limit_count(GD_LIMIT_HEADER_TIMEOUT), 0);
  assert_int_equal(lines, 1);
  assert_non_null(strstr(last, "limit body_too_large: request of 2000000 bytes from 127.0.0.1"));
}

static void test_a_flood_is_counted_but_logged_once_a_second(void **state) {
  (void)state;
  for (int i = 0; i < 1000; i++) gd_limit_hit(GD_LIMIT_IDLE_EVICTED, "connection %d", i);
  assert_int_equal(gd_limit_count(GD_LIMIT_IDLE_EVICTED), 1000);
  assert_int_equal(lines, 1);
  /* Another limit has its own allowance. */
  gd_limit_hit(GD_LIMIT_EDITOR_HUNG, "pid 1");
  assert_int_equal(lines, 2);
}

static void test_json_names_every_limit(void **state) {
  (void)state;
  gd_limit_hit(GD_LIMIT_ADDON_MESSAGE_TOO_LARGE, "x");
  gd_limit_hit(GD_LIMIT_ADDON_MESSAGE_TOO_LARGE, "y");
  json_t *o = gd_limits_json();
  assert_non_null(o);
  assert_int_equal(json_object_size(o), GD_LIMIT_COUNT);
  assert_int_equal(json_integer_value(json_object_get(o, "addon_message_too_large")), 2);
  assert_int_equal(json_integer_value(json_object_get(o, "import_deadline")), 0);
  for (int i = 0; i < GD_LIMIT_COUNT; i++)
    assert_non_null(json_object_get(o, gd_limit_name((gd_limit)i)));
  assert_string_equal(gd_limit_name(GD_LIMIT_COUNT), "unknown");
  json_decref(o);
  gd_limit_hit(GD_LIMIT_COUNT, "out of range is ignored");
  assert_int_equal(gd_limit_count(GD_LIMIT_COUNT), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_hit_counts_and_logs_the_reason, setup),
      cmocka_unit_test_setup(test_a_flood_is_counted_but_logged_once_a_second, setup),
      cmocka_unit_test_setup(test_json_names_every_limit, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
