/* Unit tests for jsonout: float32 values from the editor print as Godot shows them, doubles an
 * agent sent come back as written, and nothing else changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

/* Parses text as the bridge does, tidies, and dumps as a client would get it. */
static void tidy_to(const char *in, const char *want) {
  json_t *j = json_loads(in, JSON_DECODE_ANY, NULL);
  assert_non_null(j);
  gd_json_tidy_float32(j);
  char *out = gd_json_dumps_out(j, JSON_COMPACT | JSON_ENCODE_ANY);
  assert_non_null(out);
  assert_string_equal(out, want);
  free(out);
  json_decref(j);
}

static void dump_to(const char *in, const char *want) {
  json_t *j = json_loads(in, JSON_DECODE_ANY, NULL);
  assert_non_null(j);
  char *out = gd_json_dumps_out(j, JSON_COMPACT | JSON_ENCODE_ANY);
  assert_string_equal(out, want);
  free(out);
  json_decref(j);
}

static void test_float32_values_print_as_godot_writes_them(void **state) {
  (void)state;
  /* What Godot sends for Vector2(0.8, 0.1), rotation 0.3 and Color(0.1, 0.2, 0.3). */
  tidy_to("{\"x\":0.80000001192092896,\"y\":0.10000000149011612}", "{\"x\":0.8,\"y\":0.1}");
  tidy_to("[0.30000001192092896,0.20000000298023224]", "[0.3,0.2]");
  tidy_to("{\"a\":{\"b\":[{\"c\":-2.5999999046325684}]}}", "{\"a\":{\"b\":[{\"c\":-2.6}]}}");
  /* A float32 that needs 8 digits keeps them. */
  tidy_to("0.123456791043281555", "0.12345679");
}

static void test_float32_tidy_is_exact_for_float32(void **state) {
  (void)state;
  /* Setting the printed value back gives the same float32, for a sweep of values. */
  for (int i = 1; i < 20000; i++) {
    float f = (float)i * 0.0137f - 97.3f;
    if ((double)f == (double)(long)f) continue;
    json_t *j = json_real((double)f);
    gd_json_tidy_float32(j);
    char *out = gd_json_dumps_out(j, JSON_ENCODE_ANY);
    assert_true(strtof(out, NULL) == f);
    free(out);
    json_decref(j);
  }
}

static void test_other_values_are_left_alone(void **state) {
  (void)state;
  /* Doubles beyond float32 precision, integers, large float32-exact integers as reals. */
  tidy_to("0.1", "0.1");
  tidy_to("3.141592653589793", "3.141592653589793");
  tidy_to("[1,2.0,1795422896128.0,-0.0]", "[1,2.0,1795422896128.0,-0.0]");
  tidy_to("{\"s\":\"0.80000001192092896\",\"t\":true,\"n\":null}",
          "{\"s\":\"0.80000001192092896\",\"t\":true,\"n\":null}");
}

static void test_client_dumps_print_what_was_sent(void **state) {
  (void)state;
  dump_to("0.1", "0.1");
  dump_to("[0.3,1e-7,123456.789,2.5e+20]", "[0.3,1e-7,123456.789,2.5e20]");
  dump_to("0.123456789012345", "0.123456789012345");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_float32_values_print_as_godot_writes_them),
      cmocka_unit_test(test_float32_tidy_is_exact_for_float32),
      cmocka_unit_test(test_other_values_are_left_alone),
      cmocka_unit_test(test_client_dumps_print_what_was_sent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
