/* Unit tests for ringlog: line splitting, chunking, wraparound, the JSON page, UTF-8 safety. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringlog.h"

static void entry_is(const gd_ringlog *r, uint64_t id, int stream, const char *line) {
  const gd_log_entry *e = gd_ringlog_get(r, id);
  assert_non_null(e);
  assert_int_equal(e->id, id);
  assert_int_equal(e->stream, stream);
  assert_int_equal(e->len, strlen(line));
  assert_memory_equal(e->line, line, e->len);
  assert_int_equal(e->line[e->len], '\0');
}

static void test_init_errors(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 0, 100), -EINVAL);
  assert_int_equal(gd_ringlog_init(&r, 10, 0), -EINVAL);
  gd_ringlog_free(&r); /* safe after a failed init */
  assert_int_equal(gd_ringlog_init(&r, 10, 100), 0);
  assert_int_equal(gd_ringlog_last_id(&r), 0);
  gd_ringlog_free(&r);
}

static void test_split_across_feeds(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 16, 100), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "hel", 3, 1), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "lo\nwor", 6, 2), 1);
  /* stderr's partial line is its own */
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDERR, "err", 3, 3), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "ld\n\nlast", 8, 4), 2);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDERR, "!\n", 2, 5), 1);
  entry_is(&r, 1, GD_STREAM_STDOUT, "hello");
  entry_is(&r, 2, GD_STREAM_STDOUT, "world");
  entry_is(&r, 3, GD_STREAM_STDOUT, ""); /* blank lines are kept */
  entry_is(&r, 4, GD_STREAM_STDERR, "err!");
  assert_int_equal(gd_ringlog_get(&r, 1)->ts_ms, 2);
  assert_int_equal(gd_ringlog_get(&r, 4)->ts_ms, 5);
  assert_int_equal(gd_ringlog_last_id(&r), 4);
  /* the partial "last" only appears on flush */
  gd_ringlog_flush(&r, GD_STREAM_STDOUT, 6);
  entry_is(&r, 5, GD_STREAM_STDOUT, "last");
  gd_ringlog_flush(&r, GD_STREAM_STDOUT, 7); /* nothing pending: no entry */
  assert_int_equal(gd_ringlog_last_id(&r), 5);
  /* invalid stream numbers are ignored */
  assert_int_equal(gd_ringlog_feed(&r, 7, "x\n", 2, 8), 0);
  assert_int_equal(gd_ringlog_add(&r, -1, "x", 1, 8), 0);
  gd_ringlog_free(&r);
}

static void test_crlf(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 16, 100), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "a\r\nb\r", 5, 1), 1);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "\nc\r\n", 4, 1), 2);
  entry_is(&r, 1, GD_STREAM_STDOUT, "a");
  entry_is(&r, 2, GD_STREAM_STDOUT, "b");
  entry_is(&r, 3, GD_STREAM_STDOUT, "c");
  gd_ringlog_feed(&r, GD_STREAM_STDOUT, "d\r", 2, 1);
  gd_ringlog_flush(&r, GD_STREAM_STDOUT, 1);
  entry_is(&r, 4, GD_STREAM_STDOUT, "d");
  gd_ringlog_free(&r);
}

static void test_long_line_chunks(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 16, 4), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "abcdefghij\n", 11, 1), 3);
  entry_is(&r, 1, GD_STREAM_STDOUT, "abcd");
  entry_is(&r, 2, GD_STREAM_STDOUT, "efgh");
  entry_is(&r, 3, GD_STREAM_STDOUT, "ij");
  /* exactly max bytes plus CRLF is one entry, even when split before the '\r' */
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "wxyz", 4, 1), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "\r", 1, 1), 0);
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, "\n", 1, 1), 1);
  entry_is(&r, 4, GD_STREAM_STDOUT, "wxyz");
  /* fed a byte at a time */
  const char *s = "0123456789\n";
  size_t added = 0;
  for (size_t i = 0; i < strlen(s); i++) added += gd_ringlog_feed(&r, GD_STREAM_STDERR, s + i, 1, 1);
  assert_int_equal(added, 3);
  entry_is(&r, 5, GD_STREAM_STDERR, "0123");
  entry_is(&r, 6, GD_STREAM_STDERR, "4567");
  entry_is(&r, 7, GD_STREAM_STDERR, "89");
  /* add() chunks too, and returns the first piece's id */
  assert_int_equal(gd_ringlog_add(&r, GD_STREAM_DAEMON, "123456", 6, 1), 8);
  entry_is(&r, 8, GD_STREAM_DAEMON, "1234");
  entry_is(&r, 9, GD_STREAM_DAEMON, "56");
  gd_ringlog_free(&r);
}

static void test_chunk_keeps_utf8_whole(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 16, 4), 0);
  /* "abc€d": the 3-byte euro sign would straddle the 4-byte cut */
  const char *s = "abc\xE2\x82\xAC" "d\n";
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDOUT, s, strlen(s), 1), 2);
  entry_is(&r, 1, GD_STREAM_STDOUT, "abc");
  entry_is(&r, 2, GD_STREAM_STDOUT, "\xE2\x82\xAC" "d");
  gd_ringlog_free(&r);
}

static void test_wraparound_keeps_newest(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 3, 100), 0);
  char line[16];
  for (int i = 1; i <= 7; i++) {
    int n = snprintf(line, sizeof line, "line %d", i);
    assert_int_equal(gd_ringlog_add(&r, GD_STREAM_STDOUT, line, (size_t)n, i), (uint64_t)i);
  }
  assert_int_equal(gd_ringlog_last_id(&r), 7);
  assert_null(gd_ringlog_get(&r, 4));
  assert_null(gd_ringlog_get(&r, 8));
  assert_null(gd_ringlog_get(&r, 0));
  entry_is(&r, 5, GD_STREAM_STDOUT, "line 5");
  entry_is(&r, 6, GD_STREAM_STDOUT, "line 6");
  entry_is(&r, 7, GD_STREAM_STDOUT, "line 7");
  gd_ringlog_free(&r);
}

static json_t *page(const gd_ringlog *r, uint64_t since, size_t limit) {
  json_t *j = gd_ringlog_to_json(r, since, limit);
  assert_non_null(j);
  assert_true(json_is_array(json_object_get(j, "entries")));
  return j;
}

static uint64_t jint(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  assert_true(json_is_integer(v));
  return (uint64_t)json_integer_value(v);
}

static void test_json_since_limit_next(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 5, 100), 0);

  json_t *j = page(&r, 0, 10); /* empty ring */
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
  assert_int_equal(jint(j, "next"), 0);
  assert_int_equal(jint(j, "first_id"), 1);
  assert_false(json_is_true(json_object_get(j, "truncated")));
  json_decref(j);

  gd_ringlog_feed(&r, GD_STREAM_STDOUT, "a\nb\n", 4, 100);
  gd_ringlog_feed(&r, GD_STREAM_STDERR, "c\n", 2, 200);
  gd_ringlog_add(&r, GD_STREAM_DAEMON, "d", 1, 300);

  j = page(&r, 0, 2);
  json_t *es = json_object_get(j, "entries");
  assert_int_equal(json_array_size(es), 2);
  json_t *e0 = json_array_get(es, 0);
  assert_int_equal(jint(e0, "id"), 1);
  assert_int_equal(jint(e0, "ts_ms"), 100);
  assert_string_equal(json_string_value(json_object_get(e0, "stream")), "stdout");
  assert_string_equal(json_string_value(json_object_get(e0, "line")), "a");
  assert_int_equal(jint(j, "next"), 2);
  assert_int_equal(jint(j, "first_id"), 1);
  assert_false(json_is_true(json_object_get(j, "truncated")));
  json_decref(j);

  j = page(&r, 2, 0); /* limit 0 = all */
  es = json_object_get(j, "entries");
  assert_int_equal(json_array_size(es), 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(es, 0), "stream")),
                      "stderr");
  assert_string_equal(json_string_value(json_object_get(json_array_get(es, 1), "stream")),
                      "daemon");
  assert_int_equal(jint(j, "next"), 4);
  json_decref(j);

  j = page(&r, 4, 10); /* caught up */
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
  assert_int_equal(jint(j, "next"), 4);
  json_decref(j);

  j = page(&r, 999, 10); /* an id from an older daemon: start over from the current end */
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
  assert_int_equal(jint(j, "next"), 4);
  json_decref(j);

  /* overwrite: 9 entries through a 5-slot ring keeps 5..9 */
  for (int i = 0; i < 5; i++) gd_ringlog_add(&r, GD_STREAM_STDOUT, "x", 1, 400);
  j = page(&r, 2, 3);
  es = json_object_get(j, "entries");
  assert_int_equal(json_array_size(es), 3);
  assert_int_equal(jint(json_array_get(es, 0), "id"), 5);
  assert_int_equal(jint(j, "first_id"), 5);
  assert_int_equal(jint(j, "next"), 7);
  assert_true(json_is_true(json_object_get(j, "truncated")));
  json_decref(j);

  j = page(&r, 4, 10); /* 5 is the oldest kept: nothing after 4 was lost */
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 5);
  assert_false(json_is_true(json_object_get(j, "truncated")));
  assert_int_equal(jint(j, "next"), 9);
  json_decref(j);

  j = page(&r, UINT64_MAX, 10);
  assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
  assert_false(json_is_true(json_object_get(j, "truncated")));
  json_decref(j);
  gd_ringlog_free(&r);
}

static void test_invalid_utf8_is_safe(void **state) {
  (void)state;
  gd_ringlog r;
  assert_int_equal(gd_ringlog_init(&r, 8, 100), 0);
  /* a stray continuation byte, a truncated sequence, an overlong '/', a surrogate, 0xFF, and
   * an embedded NUL, next to valid two- and four-byte characters */
  const char bad[] = "a\x80" "b\xC3" "c\xC0\xAF" "d\xED\xA0\x80" "e\xFF" "f\0g \xC3\xA9 \xF0\x9F\x98\x80\n";
  assert_int_equal(gd_ringlog_feed(&r, GD_STREAM_STDERR, bad, sizeof bad - 1, 1), 1);
  const gd_log_entry *e = gd_ringlog_get(&r, 1);
  assert_non_null(e);
  const char want[] = "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD"
                      "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "e\xEF\xBF\xBD" "f\0g \xC3\xA9 \xF0\x9F\x98\x80";
  assert_int_equal(e->len, sizeof want - 1);
  assert_memory_equal(e->line, want, sizeof want - 1);

  json_t *j = gd_ringlog_to_json(&r, 0, 10);
  assert_non_null(j);
  json_t *line = json_object_get(json_array_get(json_object_get(j, "entries"), 0), "line");
  assert_true(json_is_string(line));
  assert_int_equal(json_string_length(line), sizeof want - 1);
  char *text = json_dumps(j, 0);
  assert_non_null(text);
  free(text);
  json_decref(j);
  gd_ringlog_free(&r);
}

typedef struct {
  int calls;
  uint64_t last_id;
  char last_line[32];
  int last_stream;
} cb_seen;

static void on_line(void *ud, const gd_log_entry *e) {
  cb_seen *s = ud;
  s->calls++;
  s->last_id = e->id;
  s->last_stream = e->stream;
  snprintf(s->last_line, sizeof s->last_line, "%.*s", (int)e->len, e->line);
}

static void test_line_cb(void **state) {
  (void)state;
  gd_ringlog r;
  cb_seen seen = {0};
  assert_int_equal(gd_ringlog_init(&r, 2, 100), 0);
  gd_ringlog_set_line_cb(&r, on_line, &seen);
  gd_ringlog_feed(&r, GD_STREAM_STDOUT, "one\ntwo\nthr", 11, 1);
  assert_int_equal(seen.calls, 2);
  assert_string_equal(seen.last_line, "two");
  gd_ringlog_flush(&r, GD_STREAM_STDOUT, 2);
  assert_int_equal(seen.calls, 3);
  assert_int_equal(seen.last_id, 3);
  assert_string_equal(seen.last_line, "thr");
  gd_ringlog_add(&r, GD_STREAM_DAEMON, "daemon says", 11, 3);
  assert_int_equal(seen.calls, 4);
  assert_int_equal(seen.last_stream, GD_STREAM_DAEMON);
  gd_ringlog_set_line_cb(&r, NULL, NULL);
  gd_ringlog_add(&r, GD_STREAM_DAEMON, "quiet", 5, 4);
  assert_int_equal(seen.calls, 4);
  gd_ringlog_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_errors),
      cmocka_unit_test(test_split_across_feeds),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_long_line_chunks),
      cmocka_unit_test(test_chunk_keeps_utf8_whole),
      cmocka_unit_test(test_wraparound_keeps_newest),
      cmocka_unit_test(test_json_since_limit_next),
      cmocka_unit_test(test_invalid_utf8_is_safe),
      cmocka_unit_test(test_line_cb),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
