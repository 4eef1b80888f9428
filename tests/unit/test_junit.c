/* Unit tests for junit: the reports real GUT and gdUnit4 runs wrote (tests/data/test-reports,
 * from ../shared/fixtures), parsed to the totals and failures their README states, and reports
 * that are not JUnit refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "install.h"
#include "junit.h"

static json_t *parse_file(const char *name) {
  char path[1024], err[256] = "";
  snprintf(path, sizeof path, "%s/tests/data/test-reports/%s", GODOTD_SOURCE_ROOT, name);
  size_t len;
  char *xml = gd_read_file(path, 1 << 20, &len);
  assert_non_null(xml);
  json_t *r = gd_junit_parse(xml, len, err, sizeof err);
  free(xml);
  if (!r) fail_msg("%s: %s", name, err);
  return r;
}

static json_int_t total(json_t *r, const char *key) {
  return json_integer_value(json_object_get(json_object_get(r, "totals"), key));
}

static const char *field(json_t *f, const char *key) { return json_string_value(json_object_get(f, key)); }

static void test_gut(void **state) {
  (void)state;
  json_t *r = parse_file("gut-junit.xml");
  assert_int_equal(total(r, "tests"), 5);
  assert_int_equal(total(r, "passed"), 3);
  assert_int_equal(total(r, "failed"), 1);
  assert_int_equal(total(r, "errors"), 0);
  assert_int_equal(total(r, "skipped"), 1);
  assert_int_equal(json_array_size(json_object_get(r, "suites")), 2);
  json_t *failures = json_object_get(r, "failures");
  assert_int_equal(json_array_size(failures), 1);
  json_t *f = json_array_get(failures, 0);
  assert_string_equal(field(f, "suite"), "test/test_math.gd");
  assert_string_equal(field(f, "name"), "test_fails_on_purpose");
  assert_string_equal(field(f, "kind"), "failure");
  assert_string_equal(field(f, "message"), "[4] expected to equal [5]:  two times two is not five");
  assert_string_equal(field(f, "file"), "res://test/test_math.gd");
  assert_int_equal(json_integer_value(json_object_get(f, "line")), 7);
  json_decref(r);
}

static void test_gdunit4(void **state) {
  (void)state;
  json_t *r = parse_file("gdunit4-junit.xml");
  assert_int_equal(total(r, "tests"), 3);
  assert_int_equal(total(r, "passed"), 2);
  assert_int_equal(total(r, "failed"), 1);
  assert_int_equal(total(r, "skipped"), 0);
  json_t *f = json_array_get(json_object_get(r, "failures"), 0);
  assert_string_equal(field(f, "suite"), "math_test");
  assert_string_equal(field(f, "name"), "test_fails_on_purpose");
  assert_string_equal(field(f, "message"), "FAILED: res://test/math_test.gd:7");
  assert_non_null(strstr(field(f, "detail"), "Expecting:"));
  assert_string_equal(field(f, "file"), "res://test/math_test.gd");
  assert_int_equal(json_integer_value(json_object_get(f, "line")), 7);
  json_decref(r);
}

static void test_not_junit(void **state) {
  (void)state;
  char err[256];
  assert_null(gd_junit_parse("not xml", 7, err, sizeof err));
  assert_non_null(strstr(err, "XML"));
  const char *html = "<html><body/></html>";
  assert_null(gd_junit_parse(html, strlen(html), err, sizeof err));
  /* an external entity is not fetched or expanded */
  const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                    "<testsuite name=\"s\"><testcase name=\"c\"><failure message=\"&x;\"/></testcase></testsuite>";
  json_t *r = gd_junit_parse(xxe, strlen(xxe), err, sizeof err);
  if (r) { /* refusing the report is fine too: what matters is that /etc/passwd stays out */
    const char *msg = field(json_array_get(json_object_get(r, "failures"), 0), "message");
    assert_null(strstr(msg ? msg : "", "root:"));
    json_decref(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gut),
      cmocka_unit_test(test_gdunit4),
      cmocka_unit_test(test_not_junit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
