/* Unit tests for output: ids, the ring's overwrite and drop count, the filters of get_output
 * (since, source, game, least severity, regex), the limit keeping the newest, clear_output, and
 * listeners removing themselves while being called. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <regex.h>
#include <string.h>

#include "output.h"

static json_t *entry(const char *severity, const char *message) {
  return json_pack("{s:s, s:s, s:s}", "kind", "print", "severity", severity, "message", message);
}

static const char *msg_at(json_t *r, size_t i) {
  return json_string_value(json_object_get(json_array_get(json_object_get(r, "entries"), i), "message"));
}

static void test_ids_filters_and_limit(void **state) {
  (void)state;
  gd_output o;
  assert_int_equal(gd_output_init(&o, 100), 0);
  assert_int_equal(gd_output_add(&o, "editor", 0, entry("info", "editor hello")), 1);
  assert_int_equal(gd_output_add(&o, "game", 1, entry("warning", "g1 warn")), 2);
  assert_int_equal(gd_output_add(&o, "game", 2, entry("error", "g2 boom")), 3);
  assert_int_equal(gd_output_add(&o, "game", 1, entry("nonsense", "g1 print")), 4);
  assert_int_equal(gd_output_add(&o, "game", 1, json_string("not an object")), 0);

  gd_output_filter all = {0};
  json_t *r = gd_output_query(&o, &all, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 4);
  assert_int_equal(json_integer_value(json_object_get(r, "cursor")), 4);
  /* an unknown severity is stored as info; the source and game are set */
  json_t *last = json_array_get(json_object_get(r, "entries"), 3);
  assert_string_equal(json_string_value(json_object_get(last, "severity")), "info");
  assert_string_equal(json_string_value(json_object_get(last, "source")), "game");
  assert_int_equal(json_integer_value(json_object_get(last, "game")), 1);
  json_decref(r);

  gd_output_filter f = {.source = "game", .game = 1};
  r = gd_output_query(&o, &f, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 2);
  assert_string_equal(msg_at(r, 0), "g1 warn");
  json_decref(r);

  gd_output_filter sev = {.min_severity = GD_SEV_WARNING};
  r = gd_output_query(&o, &sev, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 2);
  json_decref(r);

  regex_t re;
  assert_int_equal(regcomp(&re, "^g[0-9] (boom|print)$", REG_EXTENDED | REG_NOSUB), 0);
  gd_output_filter pat = {.since = 3, .re = &re};
  r = gd_output_query(&o, &pat, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 1);
  assert_string_equal(msg_at(r, 0), "g1 print");
  json_decref(r);
  regfree(&re);

  /* the limit keeps the newest, oldest first */
  r = gd_output_query(&o, &all, 2);
  assert_string_equal(msg_at(r, 0), "g2 boom");
  assert_string_equal(msg_at(r, 1), "g1 print");
  json_decref(r);

  /* clear: nothing before the cursor comes back, ids go on */
  assert_int_equal(gd_output_clear(&o), 4);
  r = gd_output_query(&o, &all, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 0);
  assert_int_equal(json_integer_value(json_object_get(r, "cursor")), 4);
  json_decref(r);
  assert_int_equal(gd_output_add(&o, "editor", 0, entry("info", "after")), 5);
  assert_null(gd_output_get(&o, 4));
  assert_non_null(gd_output_get(&o, 5));
  gd_output_free(&o);
}

static void test_ring_drops_the_oldest(void **state) {
  (void)state;
  gd_output o;
  assert_int_equal(gd_output_init(&o, 3), 0);
  char m[16];
  for (int i = 1; i <= 5; i++) {
    snprintf(m, sizeof m, "m%d", i);
    gd_output_add(&o, "editor", 0, entry("info", m));
  }
  gd_output_filter f = {.since = 0};
  json_t *r = gd_output_query(&o, &f, 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 3);
  assert_string_equal(msg_at(r, 0), "m3");
  /* a reader at 0 missed m1 and m2 */
  assert_int_equal(json_integer_value(json_object_get(r, "dropped")), 2);
  json_decref(r);
  f.since = 3;
  r = gd_output_query(&o, &f, 0);
  assert_int_equal(json_integer_value(json_object_get(r, "dropped")), 0);
  assert_int_equal(json_array_size(json_object_get(r, "entries")), 2);
  json_decref(r);
  assert_int_equal(o.dropped, 2);
  gd_output_free(&o);
}

static int seen_a, seen_b;
static gd_output *the_out;

static void listener_a(gd_output_listener *l, json_t *e) {
  (void)e;
  seen_a++;
  gd_output_unlisten(the_out, l); /* once only */
}

static void listener_b(gd_output_listener *l, json_t *e) {
  (void)l;
  (void)e;
  seen_b++;
}

static void test_listeners(void **state) {
  (void)state;
  gd_output o;
  assert_int_equal(gd_output_init(&o, 10), 0);
  the_out = &o;
  gd_output_listener a = {.cb = listener_a}, b = {.cb = listener_b};
  gd_output_listen(&o, &b);
  gd_output_listen(&o, &a); /* called first, removes itself while being called */
  gd_output_add(&o, "editor", 0, entry("info", "one"));
  gd_output_add(&o, "editor", 0, entry("info", "two"));
  assert_int_equal(seen_a, 1);
  assert_int_equal(seen_b, 2);
  gd_output_unlisten(&o, &b);
  gd_output_add(&o, "editor", 0, entry("info", "three"));
  assert_int_equal(seen_b, 2);
  gd_output_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ids_filters_and_limit),
      cmocka_unit_test(test_ring_drops_the_oldest),
      cmocka_unit_test(test_listeners),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
