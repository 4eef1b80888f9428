/* Unit tests for metrics and events: the exposition text (help and type lines, labels and
 * their escaping, histograms' cumulative buckets, _sum and _count, number spelling), and the
 * event ring (ids, SSE framing, ?types= parsing, replay after an id, the gap once events were
 * dropped, listeners that remove themselves). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "metrics.h"

static void test_render(void **state) {
  (void)state;
  gd_metrics ms = {0};
  gd_metric *c = gd_metrics_add(&ms, "x_total", "things\nseen \\ here", GD_METRIC_COUNTER, NULL, 0);
  gd_metric *g = gd_metrics_add(&ms, "x_bytes", "a gauge", GD_METRIC_GAUGE, NULL, 0);
  const double b[] = {0.01, 0.1, 1};
  gd_metric *h = gd_metrics_add(&ms, "x_seconds", "a histogram", GD_METRIC_HISTOGRAM, b, 3);
  char l[256];
  gd_metric_inc(c, gd_metrics_labels(l, sizeof l, "project", "a\"b\\c\nd", "outcome", "ok", NULL), 2);
  gd_metric_inc(c, l, 1);
  assert_string_equal(l, "project=\"a\\\"b\\\\c\\nd\",outcome=\"ok\"");
  assert_true(gd_metric_get(c, l) == 3);
  gd_metric_set(g, "", 1048576);
  gd_metric_observe(h, "p=\"1\"", 0.005);
  gd_metric_observe(h, "p=\"1\"", 0.5);
  gd_metric_observe(h, "p=\"1\"", 7);
  char *text = gd_metrics_render(&ms);
  assert_non_null(text);
  const char *want =
      "# HELP x_total things\\nseen \\\\ here\n"
      "# TYPE x_total counter\n"
      "x_total{project=\"a\\\"b\\\\c\\nd\",outcome=\"ok\"} 3\n"
      "# HELP x_bytes a gauge\n"
      "# TYPE x_bytes gauge\n"
      "x_bytes 1048576\n"
      "# HELP x_seconds a histogram\n"
      "# TYPE x_seconds histogram\n"
      "x_seconds_bucket{p=\"1\",le=\"0.01\"} 1\n"
      "x_seconds_bucket{p=\"1\",le=\"0.1\"} 1\n"
      "x_seconds_bucket{p=\"1\",le=\"1\"} 2\n"
      "x_seconds_bucket{p=\"1\",le=\"+Inf\"} 3\n"
      "x_seconds_sum{p=\"1\"} 7.505\n"
      "x_seconds_count{p=\"1\"} 3\n";
  assert_string_equal(text, want);
  free(text);
  gd_metric_clear(c);
  assert_true(gd_metric_get(c, l) == 0);
  gd_metrics_free(&ms);
}

static void test_labels_cut_at_a_pair(void **state) {
  (void)state;
  char l[16];
  gd_metrics_labels(l, sizeof l, "a", "1", "b", "a-long-value", NULL);
  assert_string_equal(l, "a=\"1\"");
}

static char seen[8][256];
static size_t nseen;

static void keep(void *ud, const char *sse, size_t len) {
  (void)ud;
  assert_int_equal(strlen(sse), len);
  if (nseen < 8) snprintf(seen[nseen], sizeof seen[0], "%s", sse);
  nseen++;
}

static size_t heard;
static void on_event(gd_events_listener *l, const char *sse, size_t len) {
  (void)sse;
  (void)len;
  heard++;
  gd_events_unlisten(l->ud, l); /* removes itself */
}

static void test_events(void **state) {
  (void)state;
  gd_events ev;
  assert_int_equal(gd_events_init(&ev, 3), 0);
  unsigned mask;
  char err[128];
  assert_int_equal(gd_events_parse_types("exit,restart", &mask, err, sizeof err), 0);
  assert_int_equal(mask, GD_EVENT_EXIT | GD_EVENT_RESTART);
  assert_int_equal(gd_events_parse_types(NULL, &mask, err, sizeof err), 0);
  assert_int_equal(mask, GD_EVENT_ALL);
  assert_int_equal(gd_events_parse_types("exit,nope", &mask, err, sizeof err), -1);
  assert_non_null(strstr(err, "'nope'"));

  gd_events_listener l = {.cb = on_event, .mask = GD_EVENT_EXIT};
  l.ud = &ev;
  gd_events_listen(&ev, &l);
  assert_int_equal(gd_events_add(&ev, GD_EVENT_STATE, json_pack("{s:s}", "to", "ready"), 5), 1);
  assert_int_equal(heard, 0);
  assert_int_equal(gd_events_add(&ev, GD_EVENT_EXIT, json_pack("{s:i}", "pid", 7), 6), 2);
  assert_int_equal(heard, 1);
  assert_int_equal(gd_events_add(&ev, GD_EVENT_EXIT, json_pack("{s:i}", "pid", 8), 7), 3);
  assert_int_equal(heard, 1); /* it removed itself */

  bool gap = true;
  nseen = 0;
  assert_int_equal(gd_events_replay(&ev, 0, GD_EVENT_ALL, keep, NULL, &gap), 3);
  assert_false(gap);
  assert_string_equal(seen[0],
                      "id: 1\nevent: state\ndata: {\"to\":\"ready\",\"type\":\"state\",\"ts_ms\":5}\n\n");
  nseen = 0;
  assert_int_equal(gd_events_replay(&ev, 1, GD_EVENT_EXIT, keep, NULL, &gap), 2);
  assert_non_null(strstr(seen[1], "id: 3\n"));
  /* Two more: ids 1 and 2 fall out of the 3-slot ring. */
  gd_events_add(&ev, GD_EVENT_RESTART, json_object(), 8);
  gd_events_add(&ev, GD_EVENT_LOG, json_object(), 9);
  assert_int_equal(gd_events_oldest_id(&ev), 3);
  assert_int_equal(gd_events_last_id(&ev), 5);
  nseen = 0;
  assert_int_equal(gd_events_replay(&ev, 1, GD_EVENT_ALL, keep, NULL, &gap), 3);
  assert_true(gap);
  assert_non_null(strstr(seen[0], "id: 3\n"));
  assert_int_equal(gd_events_replay(&ev, 2, GD_EVENT_ALL, keep, NULL, &gap), 3);
  assert_false(gap); /* nothing after 2 was lost */
  assert_int_equal(gd_events_add(&ev, GD_EVENT_LOG, json_string("not an object"), 1), 0);
  gd_events_free(&ev);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render),
      cmocka_unit_test(test_labels_cut_at_a_pair),
      cmocka_unit_test(test_events),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
