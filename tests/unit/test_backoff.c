/* Unit tests for backoff: the doubling restart delay and the crash-loop guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

static void test_backoff_sequence(void **state) {
  (void)state;
  gd_backoff b;
  gd_backoff_init(&b, 500, 30000);
  const uint64_t want[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    assert_int_equal(gd_backoff_next(&b), want[i]);
    assert_int_equal(b.attempts, i + 1);
  }
}

static void test_backoff_reset(void **state) {
  (void)state;
  gd_backoff b;
  gd_backoff_init(&b, 100, 1000);
  gd_backoff_next(&b);
  gd_backoff_next(&b);
  assert_int_equal(gd_backoff_next(&b), 400);
  gd_backoff_reset(&b);
  assert_int_equal(b.attempts, 0);
  assert_int_equal(gd_backoff_next(&b), 100);
  assert_int_equal(gd_backoff_next(&b), 200);
}

static void test_backoff_base_over_max(void **state) {
  (void)state;
  gd_backoff b;
  gd_backoff_init(&b, 5000, 1000);
  assert_int_equal(gd_backoff_next(&b), 1000);
  assert_int_equal(gd_backoff_next(&b), 1000);
}

static void test_backoff_zero_base(void **state) {
  (void)state;
  gd_backoff b;
  gd_backoff_init(&b, 0, 1000);
  assert_int_equal(gd_backoff_next(&b), 0);
  assert_int_equal(gd_backoff_next(&b), 0);
}

static void test_backoff_overflow(void **state) {
  (void)state;
  gd_backoff b;
  /* Doubling 2^63 + 1 would wrap to 2; it must stick at the cap instead. */
  gd_backoff_init(&b, (UINT64_C(1) << 63) + 1, UINT64_MAX);
  assert_true(gd_backoff_next(&b) == (UINT64_C(1) << 63) + 1);
  assert_true(gd_backoff_next(&b) == UINT64_MAX);
  assert_true(gd_backoff_next(&b) == UINT64_MAX);
  /* Many attempts never wrap below the cap. */
  gd_backoff_init(&b, 1, UINT64_MAX - 1);
  uint64_t prev = 0;
  for (int i = 0; i < 200; i++) {
    uint64_t d = gd_backoff_next(&b);
    assert_true(d >= prev);
    assert_true(d <= UINT64_MAX - 1);
    prev = d;
  }
  assert_true(prev == UINT64_MAX - 1);
}

static void test_crashguard_trips_at_n(void **state) {
  (void)state;
  gd_crashguard g;
  gd_crashguard_init(&g, 3, 60000);
  assert_false(gd_crashguard_record(&g, 1000));
  assert_false(gd_crashguard_record(&g, 2000));
  assert_int_equal(gd_crashguard_count(&g, 2000), 2);
  assert_true(gd_crashguard_record(&g, 3000));
  assert_int_equal(gd_crashguard_count(&g, 3000), 3);
}

static void test_crashguard_spread_out(void **state) {
  (void)state;
  gd_crashguard g;
  gd_crashguard_init(&g, 3, 60000);
  /* Three crashes, but never three inside one minute. */
  assert_false(gd_crashguard_record(&g, 0));
  assert_false(gd_crashguard_record(&g, 40000));
  assert_false(gd_crashguard_record(&g, 80000)); /* 0 is 80 s old now */
  assert_int_equal(gd_crashguard_count(&g, 80000), 2);
  assert_false(gd_crashguard_record(&g, 130000)); /* 40000 is 90 s old */
  assert_int_equal(gd_crashguard_count(&g, 130000), 2);
  /* A crash exactly window_ms old is outside the window. */
  gd_crashguard_init(&g, 2, 1000);
  assert_false(gd_crashguard_record(&g, 5000));
  assert_false(gd_crashguard_record(&g, 6000));
  assert_true(gd_crashguard_record(&g, 6999));
}

static void test_crashguard_count_decays(void **state) {
  (void)state;
  gd_crashguard g;
  gd_crashguard_init(&g, 5, 1000);
  gd_crashguard_record(&g, 100);
  gd_crashguard_record(&g, 600);
  assert_int_equal(gd_crashguard_count(&g, 700), 2);
  assert_int_equal(gd_crashguard_count(&g, 1100), 1);
  assert_int_equal(gd_crashguard_count(&g, 1600), 0);
}

static void test_crashguard_reset_and_clamp(void **state) {
  (void)state;
  gd_crashguard g;
  gd_crashguard_init(&g, 0, 1000); /* clamped to 1: every crash trips */
  assert_int_equal(g.max_crashes, 1);
  assert_true(gd_crashguard_record(&g, 10));
  gd_crashguard_reset(&g);
  assert_int_equal(gd_crashguard_count(&g, 10), 0);

  gd_crashguard_init(&g, 1000, 1000000); /* clamped to GD_CRASHGUARD_MAX */
  assert_int_equal(g.max_crashes, GD_CRASHGUARD_MAX);
  for (unsigned i = 0; i < GD_CRASHGUARD_MAX - 1; i++) assert_false(gd_crashguard_record(&g, i));
  assert_true(gd_crashguard_record(&g, 100));
  gd_crashguard_reset(&g);
  assert_false(gd_crashguard_record(&g, 101));
}

static void test_crashguard_overflow(void **state) {
  (void)state;
  gd_crashguard g;
  /* A huge window and huge times: no wrap-around in the age arithmetic. */
  gd_crashguard_init(&g, 2, UINT64_MAX);
  assert_false(gd_crashguard_record(&g, 0));
  assert_true(gd_crashguard_record(&g, UINT64_MAX - 1));
  gd_crashguard_init(&g, 2, 1000);
  assert_false(gd_crashguard_record(&g, UINT64_MAX - 5000));
  assert_false(gd_crashguard_record(&g, UINT64_MAX));
  assert_int_equal(gd_crashguard_count(&g, UINT64_MAX), 1);
  /* A clock stepped back: the "future" crash counts as recent. */
  gd_crashguard_init(&g, 2, 1000);
  assert_false(gd_crashguard_record(&g, 50000));
  assert_true(gd_crashguard_record(&g, 100));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backoff_sequence),
      cmocka_unit_test(test_backoff_reset),
      cmocka_unit_test(test_backoff_base_over_max),
      cmocka_unit_test(test_backoff_zero_base),
      cmocka_unit_test(test_backoff_overflow),
      cmocka_unit_test(test_crashguard_trips_at_n),
      cmocka_unit_test(test_crashguard_spread_out),
      cmocka_unit_test(test_crashguard_count_decays),
      cmocka_unit_test(test_crashguard_reset_and_clamp),
      cmocka_unit_test(test_crashguard_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
