/* Unit tests for rpcline, and for lines as a session reads the child with it: which stdout
 * lines are JSON-RPC messages, the diagnostic records of the others (severity, continuation
 * lines of an error, streams), caller request checks and error objects, and the framing a
 * session's stdout needs (a response far longer than the first buffer, split across reads,
 * CRLF, invalid UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "rpcline.h"

static json_t *msg(const char *line) { return gd_rpcline_message(line, strlen(line)); }

static void test_messages(void **state) {
  (void)state;
  json_t *m = msg("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"pong\":true}}");
  assert_non_null(m);
  assert_int_equal(json_integer_value(json_object_get(m, "id")), 3);
  json_decref(m);
  m = msg("  {\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601,\"message\":\"no\"}}");
  assert_non_null(m);
  json_decref(m);
  m = msg("{\"jsonrpc\":\"2.0\",\"method\":\"scene_changed\",\"params\":{}}");
  assert_non_null(m);
  json_decref(m);
  /* Everything else is a diagnostic: a game's own print of JSON, Godot's lines, near misses. */
  const char *not_messages[] = {
      "Godot Engine v4.6.3.stable - https://godotengine.org",
      "{\"score\": 10}",
      "{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":1}",
      "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":1}",
      "{\"jsonrpc\":\"2.0\",\"id\":1}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"x\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1} trailing",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":",
      "[1,2]",
      "",
  };
  for (size_t i = 0; i < sizeof not_messages / sizeof not_messages[0]; i++) {
    m = msg(not_messages[i]);
    if (m) fail_msg("taken as a message: %s", not_messages[i]);
  }
}

static const char *sev(json_t *rec) {
  return json_string_value(json_object_get(rec, "severity"));
}

static void test_records(void **state) {
  (void)state;
  gd_rpcline_state st = {0};
  json_t *r = gd_rpcline_record(&st, "stderr", "ERROR: boom", 1700000000123);
  assert_string_equal(sev(r), "error");
  assert_string_equal(json_string_value(json_object_get(r, "stream")), "stderr");
  assert_string_equal(json_string_value(json_object_get(r, "text")), "ERROR: boom");
  assert_int_equal(json_integer_value(json_object_get(r, "ts")), 1700000000123);
  json_decref(r);
  /* Godot's location and backtrace lines continue the error. */
  const char *cont[] = {"   at: push_error (core/variant/variant_utility.cpp:1024)",
                        "   GDScript backtrace (most recent call first):",
                        "       [0] _ready (res://bug.gd:4)"};
  for (size_t i = 0; i < 3; i++) {
    r = gd_rpcline_record(&st, "stderr", cont[i], 0);
    assert_string_equal(sev(r), "error");
    json_decref(r);
  }
  /* A stdout line in between does not end the stderr error's continuation... */
  r = gd_rpcline_record(&st, "stdout", "   indented print", 0);
  assert_string_equal(sev(r), "info");
  json_decref(r);
  r = gd_rpcline_record(&st, "stderr", "   more backtrace", 0);
  assert_string_equal(sev(r), "error");
  json_decref(r);
  /* ...an unindented line does. */
  r = gd_rpcline_record(&st, "stderr", "plain stderr text", 0);
  assert_string_equal(sev(r), "info");
  json_decref(r);
  r = gd_rpcline_record(&st, "stderr", "   indented, after info", 0);
  assert_string_equal(sev(r), "info");
  json_decref(r);
  r = gd_rpcline_record(&st, "stdout", "WARNING: careful", 0);
  assert_string_equal(sev(r), "warning");
  json_decref(r);
  r = gd_rpcline_record(&st, "stdout", "\tat: somewhere", 0);
  assert_string_equal(sev(r), "warning");
  json_decref(r);
  r = gd_rpcline_record(&st, "stdout", "SCRIPT ERROR: Invalid call", 0);
  assert_string_equal(sev(r), "error");
  json_decref(r);
  r = gd_rpcline_record(&st, "stdout", "USER ERROR: from push_error", 0);
  assert_string_equal(sev(r), "error");
  json_decref(r);
  /* Godot's colours go; the words stay (and still tell the severity). */
  r = gd_rpcline_record(&st, "import", "\x1b[92m[ DONE ]\x1b[39m \x1b[1mreimport\x1b[22m", 0);
  assert_string_equal(json_string_value(json_object_get(r, "text")), "[ DONE ] reimport");
  json_decref(r);
  r = gd_rpcline_record(&st, "stderr", "\x1b[1;31mERROR:\x1b[0m colored", 0);
  assert_string_equal(sev(r), "error");
  assert_string_equal(json_string_value(json_object_get(r, "text")), "ERROR: colored");
  json_decref(r);
  r = gd_rpcline_record(&st, "stdout", "cut \x1b[", 0); /* an unfinished sequence is kept */
  assert_string_equal(json_string_value(json_object_get(r, "text")), "cut \x1b[");
  json_decref(r);
}

static json_t *req(const char *line, int want) {
  json_t *out = NULL;
  assert_int_equal(gd_rpcline_request(line, strlen(line), &out), want);
  assert_non_null(out);
  return out;
}

static int err_code(json_t *resp) {
  return (int)json_integer_value(json_object_get(json_object_get(resp, "error"), "code"));
}

static void test_requests(void **state) {
  (void)state;
  json_t *r = req("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"ping\"}", 0);
  assert_string_equal(json_string_value(json_object_get(r, "id")), "a-1");
  assert_string_equal(json_string_value(json_object_get(r, "method")), "ping");
  assert_true(json_is_object(json_object_get(r, "params")));
  json_decref(r);
  r = req("{\"method\":\"load_scene\",\"params\":{\"scene_path\":\"res://a.tscn\"}}", 0);
  assert_null(json_object_get(r, "id"));
  json_decref(r);
  r = req("{\"id\":1.5,\"method\":\"x\",\"params\":null}", 0);
  assert_true(json_is_real(json_object_get(r, "id")));
  json_decref(r);

  r = req("{not json", -1);
  assert_int_equal(err_code(r), GD_RPCLINE_PARSE_ERROR);
  assert_true(json_is_null(json_object_get(r, "id")));
  json_decref(r);
  r = req("{\"id\":9,\"method\":\"x\",\"params\":[1]}", -1);
  assert_int_equal(err_code(r), GD_RPCLINE_INVALID_REQUEST);
  assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
  json_decref(r);
  r = req("{\"id\":9,\"jsonrpc\":\"1.0\",\"method\":\"x\"}", -1);
  assert_int_equal(err_code(r), GD_RPCLINE_INVALID_REQUEST);
  json_decref(r);
  r = req("{\"id\":{},\"method\":\"x\"}", -1);
  assert_true(json_is_null(json_object_get(r, "id")));
  json_decref(r);
  r = req("{\"id\":2,\"method\":\"\"}", -1);
  assert_int_equal(err_code(r), GD_RPCLINE_INVALID_REQUEST);
  json_decref(r);
  r = req("[{\"id\":2,\"method\":\"ping\"}]", -1);
  assert_int_equal(err_code(r), GD_RPCLINE_INVALID_REQUEST);
  json_decref(r);
}

static void test_errors(void **state) {
  (void)state;
  json_t *id = json_integer(5);
  json_t *extra = json_pack("{s:i}", "exit_code", 134);
  json_t *e = gd_rpcline_error(id, "unknown_command", "no such method", NULL);
  assert_int_equal(err_code(e), GD_RPCLINE_METHOD_NOT_FOUND);
  json_decref(e);
  e = gd_rpcline_error(id, "invalid_params", "bad", NULL);
  assert_int_equal(err_code(e), GD_RPCLINE_INVALID_PARAMS);
  json_decref(e);
  e = gd_rpcline_error(id, "session_ended", "godot exited", extra);
  assert_int_equal(err_code(e), GD_RPCLINE_SERVER_ERROR);
  json_t *data = json_object_get(json_object_get(e, "error"), "data");
  assert_string_equal(json_string_value(json_object_get(data, "code")), "session_ended");
  assert_int_equal(json_integer_value(json_object_get(data, "exit_code")), 134);
  assert_int_equal(json_integer_value(json_object_get(e, "id")), 5);
  json_decref(e);
  e = gd_rpcline_result(id, json_pack("{s:b}", "pong", 1));
  assert_true(json_is_true(json_object_get(json_object_get(e, "result"), "pong")));
  json_decref(e);
  json_decref(extra);
  json_decref(id);
}

/* ---- framing of a session's stdout (lines.c as the session uses it) ---- */

static size_t nlines, last_len;
static int messages;
static char first[128];

static void on_line(void *ud, const char *line, size_t len) {
  (void)ud;
  assert_int_equal(strlen(line), len);
  if (nlines++ == 0) snprintf(first, sizeof first, "%s", line);
  last_len = len;
  json_t *m = gd_rpcline_message(line, len);
  if (m) messages++;
  json_decref(m);
}

static void test_long_response_framing(void **state) {
  (void)state;
  /* A 1 MiB response (a screenshot's base64) arrives in 7-byte reads, after a line with a
   * CRLF and invalid UTF-8; the buffer grows past its first 4 KiB and the line stays whole. */
  size_t big = 1 << 20;
  char *line = malloc(big + 64);
  int n = snprintf(line, 64, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"d\":\"");
  memset(line + n, 'A', big);
  strcpy(line + n + big, "\"}}\n");
  size_t total = strlen(line);
  gd_lines l;
  nlines = 0;
  messages = 0;
  assert_int_equal(gd_lines_init(&l, 64u << 20, on_line, NULL), 0);
  assert_true(l.cap <= GD_LINES_FIRST_CAP);
  gd_lines_feed(&l, "bad \xff\0byte\r\n", 12);
  assert_string_equal(first, "bad \xEF\xBF\xBD\xEF\xBF\xBD" "byte");
  for (size_t i = 0; i < total; i += 7) gd_lines_feed(&l, line + i, total - i < 7 ? total - i : 7);
  assert_int_equal(nlines, 2);
  assert_int_equal(messages, 1);
  assert_int_equal(last_len, total - 1);
  /* Two messages in one read, then a line over the limit is cut, not kept whole. */
  gd_lines_free(&l);
  assert_int_equal(gd_lines_init(&l, 64, on_line, NULL), 0);
  nlines = 0;
  messages = 0;
  const char *two = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":2}\n";
  gd_lines_feed(&l, two, strlen(two));
  assert_int_equal(messages, 2);
  memset(line, 'x', 200);
  gd_lines_feed(&l, line, 200);
  assert_int_equal(nlines, 2 + 3);
  gd_lines_feed(&l, "\n", 1);
  assert_int_equal(nlines, 2 + 4);
  assert_int_equal(last_len, 200 - 3 * 64);
  gd_lines_free(&l);
  free(line);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_messages),
      cmocka_unit_test(test_records),
      cmocka_unit_test(test_requests),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_long_response_framing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
