/* Unit tests for bridge.c's request size limits: a request over the addon's max_message_bytes,
 * or one that would not fit beside the requests in flight, is refused alone (nothing sent, no
 * callback, the session and the other calls kept), with a fake link in place of the server's
 * WebSocket and a real libuv loop for the request timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "errors.h"

typedef struct {
  char *sent[8];
  size_t nsent;
  int closes;
} fake_link;

static int fake_send(void *ctx, const char *text, size_t len) {
  fake_link *f = ctx;
  if (f->nsent < 8) f->sent[f->nsent++] = strndup(text, len);
  return 0;
}

static void fake_close(void *ctx, uint16_t code, const char *reason) {
  (void)code, (void)reason;
  ((fake_link *)ctx)->closes++;
}

typedef struct {
  int calls;
  char code[64];
  char msg[256];
} reply;

static void on_reply(void *ud, const char *code, const char *msg, json_t *result,
                     const gd_bridge_timing *t) {
  (void)result, (void)t;
  reply *r = ud;
  r->calls++;
  snprintf(r->code, sizeof r->code, "%s", code ? code : "ok");
  snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "");
}

typedef struct {
  uv_loop_t loop;
  gd_bridge bridge;
  gd_bridge_link link;
  fake_link fake;
} fixture;

static void free_sent(fake_link *f) {
  for (size_t i = 0; i < f->nsent; i++) free(f->sent[i]);
  f->nsent = 0;
}

/* Opens a link and sends hello (extra: more hello fields as JSON, "" for none). */
static void open_session(fixture *x, const char *extra) {
  memset(x, 0, sizeof *x);
  assert_int_equal(uv_loop_init(&x->loop), 0);
  gd_bridge_owner owner = {0};
  gd_bridge_init(&x->bridge, &x->loop, &owner);
  x->link.ctx = &x->fake;
  x->link.send = fake_send;
  x->link.close = fake_close;
  gd_bridge_link_open(&x->bridge, &x->link);
  char hello[512];
  snprintf(hello, sizeof hello,
           "{\"type\":\"hello\",\"protocol\":1,\"session\":\"s1\",\"editor_pid\":42%s}", extra);
  gd_bridge_link_text(&x->link, hello, strlen(hello));
  assert_true(gd_bridge_has_session(&x->bridge));
  free_sent(&x->fake); /* the welcome */
}

static void close_session(fixture *x) {
  gd_bridge_close(&x->bridge);
  uv_run(&x->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&x->loop), 0);
  free_sent(&x->fake);
}

static json_t *params_of(size_t content_bytes) {
  char *s = malloc(content_bytes + 1);
  memset(s, 'a', content_bytes);
  s[content_bytes] = '\0';
  json_t *p = json_pack("{s:s}", "content", s);
  free(s);
  return p;
}

static void test_hello_states_the_limit(void **state) {
  (void)state;
  fixture x;
  open_session(&x, ",\"max_message_bytes\":25165824");
  assert_int_equal(x.bridge.hello.max_message_bytes, 25165824);
  close_session(&x);
  /* An addon from before the field took 1 MiB at most. */
  open_session(&x, "");
  assert_int_equal(x.bridge.hello.max_message_bytes, GD_BRIDGE_DEFAULT_MAX_MESSAGE);
  close_session(&x);
}

static void test_oversized_request_fails_alone(void **state) {
  (void)state;
  fixture x;
  open_session(&x, ",\"max_message_bytes\":200");
  reply small = {0}, big = {0};
  assert_int_equal(gd_bridge_call(&x.bridge, "ping", NULL, 60000, on_reply, &small), 0);
  json_t *p = params_of(300);
  assert_int_equal(gd_bridge_call(&x.bridge, "write_file", p, 60000, on_reply, &big),
                   GD_BRIDGE_TOO_LARGE);
  json_decref(p);
  assert_true(x.bridge.refused_bytes > 300);
  /* Nothing of the big one went out, its callback never runs, the session and link stay. */
  assert_int_equal(x.fake.nsent, 1);
  assert_non_null(strstr(x.fake.sent[0], "\"ping\""));
  assert_int_equal(big.calls, 0);
  assert_true(gd_bridge_has_session(&x.bridge));
  assert_int_equal(x.fake.closes, 0);
  /* The small call still gets its answer. */
  const char *resp = "{\"type\":\"response\",\"id\":1,\"ok\":true,\"result\":{\"pong\":true}}";
  gd_bridge_link_text(&x.link, resp, strlen(resp));
  assert_int_equal(small.calls, 1);
  assert_string_equal(small.code, "ok");
  /* A request right at the limit is sent (nothing else in flight). */
  reply edge = {0};
  const char *envelope = "{\"type\":\"request\",\"id\":3,\"command\":\"write_file\","
                         "\"params\":{\"content\":\"\"}}";
  p = params_of(200 - strlen(envelope));
  assert_int_equal(gd_bridge_call(&x.bridge, "write_file", p, 60000, on_reply, &edge), 0);
  json_decref(p);
  assert_int_equal(x.fake.nsent, 2);
  assert_int_equal(strlen(x.fake.sent[1]), 200);
  close_session(&x);
  assert_int_equal(edge.calls, 1);
  assert_string_equal(edge.code, GD_E_EDITOR_UNAVAILABLE);
  assert_int_equal(big.calls, 0);
}

/* Requests in flight share the addon's inbound buffer: one that fits alone but not beside them
 * is refused as full, and goes through once they are answered. */
static void test_request_beside_those_in_flight(void **state) {
  (void)state;
  fixture x;
  open_session(&x, ",\"max_message_bytes\":300");
  reply first = {0}, second = {0};
  json_t *p = params_of(150);
  assert_int_equal(gd_bridge_call(&x.bridge, "write_file", p, 60000, on_reply, &first), 0);
  assert_int_equal(gd_bridge_call(&x.bridge, "write_file", p, 60000, on_reply, &second),
                   GD_BRIDGE_FULL);
  assert_int_equal(x.fake.nsent, 1);
  const char *resp = "{\"type\":\"response\",\"id\":1,\"ok\":true,\"result\":{}}";
  gd_bridge_link_text(&x.link, resp, strlen(resp));
  assert_int_equal(first.calls, 1);
  assert_int_equal(x.bridge.pending_bytes, 0);
  assert_int_equal(gd_bridge_call(&x.bridge, "write_file", p, 60000, on_reply, &second), 0);
  json_decref(p);
  assert_int_equal(x.fake.nsent, 2);
  assert_true(gd_bridge_has_session(&x.bridge));
  close_session(&x);
  assert_int_equal(second.calls, 1);
}

/* The timeout's message names the command's timeout (uv_timer_start resets the repeat value
 * that once carried it, so it used to say "0 ms"). */
static void test_timeout_names_its_duration(void **state) {
  (void)state;
  fixture x;
  open_session(&x, "");
  reply r = {0};
  assert_int_equal(gd_bridge_call(&x.bridge, "ping", NULL, 5, on_reply, &r), 0);
  uv_run(&x.loop, UV_RUN_DEFAULT);
  assert_int_equal(r.calls, 1);
  assert_string_equal(r.code, GD_E_TIMEOUT);
  assert_string_equal(r.msg, "the editor did not answer within 5 ms");
  assert_true(gd_bridge_has_session(&x.bridge));
  close_session(&x);
}

static void repaired(const char *in, const char *want) {
  size_t n;
  char *out = gd_bridge_json_repair(in, strlen(in), &n);
  assert_non_null(out);
  assert_string_equal(out, want);
  assert_int_equal(n, strlen(want));
  json_t *j = json_loads(out, JSON_ALLOW_NUL, NULL);
  assert_non_null(j);
  json_decref(j);
  free(out);
}

static void test_json_repair(void **state) {
  (void)state;
  /* What Godot's JSON.stringify writes for a vertical tab and other control characters. */
  repaired("{\"s\":\"a\\vb\"}", "{\"s\":\"a\\u000bb\"}");
  repaired("{\"s\":\"a\x01" "b\x1f\"}", "{\"s\":\"a\\u0001b\\u001f\"}");
  repaired("{\"s\":\"\\a\\0\"}", "{\"s\":\"\\u0007\\u0000\"}");
  /* Valid JSON is untouched: escapes, quotes in strings, control characters outside strings. */
  repaired("{\"s\":\"q\\\"\\\\v\\n\\u0001\",\n\t\"n\":1}",
           "{\"s\":\"q\\\"\\\\v\\n\\u0001\",\n\t\"n\":1}");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hello_states_the_limit),
      cmocka_unit_test(test_oversized_request_fails_alone),
      cmocka_unit_test(test_request_beside_those_in_flight),
      cmocka_unit_test(test_timeout_names_its_duration),
      cmocka_unit_test(test_json_repair),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
