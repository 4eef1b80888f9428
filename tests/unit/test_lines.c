/* Unit tests for lines: lines split across reads, CRLF, over-long lines cut (never inside a
 * UTF-8 sequence), invalid UTF-8 replaced, the last partial line on flush, and severities from
 * Godot's prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

static char got[16][256];
static size_t ngot;

static void keep(void *ud, const char *line, size_t len) {
  (void)ud;
  assert_int_equal(strlen(line), len);
  assert_true(ngot < 16);
  snprintf(got[ngot++], sizeof got[0], "%s", line);
}

static void test_partial_and_crlf(void **state) {
  (void)state;
  gd_lines l;
  ngot = 0;
  assert_int_equal(gd_lines_init(&l, 64, keep, NULL), 0);
  gd_lines_feed(&l, "hel", 3);
  assert_int_equal(ngot, 0);
  gd_lines_feed(&l, "lo\r\nwor", 7);
  gd_lines_feed(&l, "ld\n\nlast", 8);
  assert_int_equal(ngot, 3);
  assert_string_equal(got[0], "hello");
  assert_string_equal(got[1], "world");
  assert_string_equal(got[2], "");
  gd_lines_flush(&l);
  assert_int_equal(ngot, 4);
  assert_string_equal(got[3], "last");
  gd_lines_flush(&l); /* nothing left */
  assert_int_equal(ngot, 4);
  gd_lines_free(&l);
}

static void test_long_lines_and_utf8(void **state) {
  (void)state;
  gd_lines l;
  ngot = 0;
  assert_int_equal(gd_lines_init(&l, 8, keep, NULL), 0);
  gd_lines_feed(&l, "abcdefghijkl\n", 13); /* 8 + 4 */
  assert_int_equal(ngot, 2);
  assert_string_equal(got[0], "abcdefgh");
  assert_string_equal(got[1], "ijkl");
  /* "abcdef" then é (2 bytes) would end at 8: fine; "abcdefg" + é must not split é */
  gd_lines_feed(&l, "abcdefg\xC3\xA9xy\n", 12);
  assert_int_equal(ngot, 4);
  assert_string_equal(got[2], "abcdefg");
  assert_string_equal(got[3], "\xC3\xA9xy");
  /* invalid bytes become U+FFFD */
  gd_lines_feed(&l, "a\xFF" "b\n", 4);
  assert_string_equal(got[4], "a\xEF\xBF\xBD" "b");
  gd_lines_feed(&l, "\xED\xA0\x80\n", 4); /* a surrogate: not UTF-8 */
  assert_string_equal(got[5], "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  gd_lines_free(&l);
}

static void test_severity(void **state) {
  (void)state;
  assert_string_equal(gd_lines_severity("ERROR: boom"), "error");
  assert_string_equal(gd_lines_severity("SCRIPT ERROR: Invalid access"), "error");
  assert_string_equal(gd_lines_severity("USER ERROR: pushed"), "error");
  assert_string_equal(gd_lines_severity("handle_crash: Program crashed with signal 11"), "error");
  assert_string_equal(gd_lines_severity("WARNING: careful"), "warning");
  assert_string_equal(gd_lines_severity("  USER WARNING: pushed"), "warning");
  assert_string_equal(gd_lines_severity("   at: helper (res://bug.gd:10)"), "info");
  assert_string_equal(gd_lines_severity("hello"), "info");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_partial_and_crlf),
      cmocka_unit_test(test_long_lines_and_utf8),
      cmocka_unit_test(test_severity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
