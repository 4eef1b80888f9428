/* Unit tests for ws: the accept key, and a client and a server gd_ws wired through memory
 * (any split, big messages, limits, ping/pong, the close handshake, protocol errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

#define MAX_TEXTS 16

typedef struct peer {
  gd_ws *ws;
  uint8_t *out; /* bytes written, not yet delivered to the other side */
  size_t out_len, out_cap;
  char *texts[MAX_TEXTS];
  size_t text_lens[MAX_TEXTS];
  int ntexts;
  int closes;
  uint16_t close_code;
  bool fail_writes;
  bool echo;         /* answer each text with "echo:" + text from inside on_text */
  bool free_on_text; /* gd_ws_free from inside on_text */
} peer;

static int on_write(void *ud, const uint8_t *data, size_t len) {
  peer *p = ud;
  if (p->fail_writes) return -1;
  if (p->out_len + len > p->out_cap) {
    size_t cap = p->out_cap ? p->out_cap : 256;
    while (cap < p->out_len + len) cap *= 2;
    uint8_t *grown = realloc(p->out, cap);
    assert_non_null(grown);
    p->out = grown;
    p->out_cap = cap;
  }
  memcpy(p->out + p->out_len, data, len);
  p->out_len += len;
  return 0;
}

static void on_text(void *ud, const char *msg, size_t len) {
  peer *p = ud;
  assert_true(p->ntexts < MAX_TEXTS);
  char *copy = malloc(len + 1);
  assert_non_null(copy);
  memcpy(copy, msg, len);
  copy[len] = '\0';
  p->texts[p->ntexts] = copy;
  p->text_lens[p->ntexts++] = len;
  if (p->echo) {
    char reply[64];
    size_t n = (size_t)snprintf(reply, sizeof reply, "echo:%.*s", (int)len, msg);
    assert_int_equal(gd_ws_send_text(p->ws, reply, n), 0);
  }
  if (p->free_on_text) {
    gd_ws_free(p->ws);
    p->ws = NULL;
  }
}

static void on_close(void *ud, uint16_t code) {
  peer *p = ud;
  p->closes++;
  p->close_code = code;
}

static const gd_ws_callbacks callbacks = {.on_text = on_text, .on_close = on_close, .write = on_write};

static void peer_init(peer *p, bool server, size_t max) {
  memset(p, 0, sizeof *p);
  p->ws = gd_ws_new(server, &callbacks, p, max);
  assert_non_null(p->ws);
}

static void peer_free(peer *p) {
  gd_ws_free(p->ws);
  free(p->out);
  for (int i = 0; i < p->ntexts; i++) free(p->texts[i]);
}

/* Moves from's written bytes into to, step bytes per gd_ws_feed (0: all at once). */
static void deliver(peer *from, peer *to, size_t step) {
  uint8_t *buf = from->out;
  size_t len = from->out_len;
  from->out = NULL;
  from->out_len = from->out_cap = 0;
  for (size_t off = 0; off < len;) {
    size_t n = step && step < len - off ? step : len - off;
    if (to->ws) assert_int_equal(gd_ws_feed(to->ws, buf + off, n), 0);
    off += n;
  }
  free(buf);
}

/* Delivers both ways until neither side has anything to say. */
static void pump(peer *a, peer *b, size_t step) {
  while (a->out_len || b->out_len) {
    deliver(a, b, step);
    deliver(b, a, step);
  }
}

typedef struct {
  peer client, server;
} pair;

static int setup(void **state) {
  pair *p = calloc(1, sizeof *p);
  if (!p) return -1;
  peer_init(&p->client, false, 1 << 20);
  peer_init(&p->server, true, 1 << 20);
  *state = p;
  return 0;
}

static int teardown(void **state) {
  pair *p = *state;
  peer_free(&p->client);
  peer_free(&p->server);
  free(p);
  return 0;
}

/* A raw frame; mask_key NULL for an unmasked one. Returns its length. */
static size_t frame(uint8_t *out, bool fin, uint8_t opcode, const void *payload, size_t len,
                    const uint8_t *mask_key) {
  size_t o = 0;
  out[o++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
  uint8_t m = mask_key ? 0x80 : 0;
  if (len < 126) {
    out[o++] = (uint8_t)(m | len);
  } else {
    out[o++] = m | 126;
    out[o++] = (uint8_t)(len >> 8);
    out[o++] = (uint8_t)len;
  }
  if (mask_key) {
    memcpy(out + o, mask_key, 4);
    o += 4;
  }
  for (size_t i = 0; i < len; i++)
    out[o + i] = ((const uint8_t *)payload)[i] ^ (mask_key ? mask_key[i % 4] : 0);
  return o + len;
}

/* The close code in an unmasked close frame that starts p's output (server side). */
static uint16_t written_close_code(const peer *p) {
  assert_true(p->out_len >= 4);
  assert_int_equal(p->out[0], 0x88); /* FIN + close */
  assert_true((p->out[1] & 0x7f) >= 2);
  return (uint16_t)(p->out[2] << 8 | p->out[3]);
}

static void test_accept_key(void **state) {
  (void)state;
  char out[29];
  assert_int_equal(gd_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
  /* RFC 6455 §1.3 (28 characters: base64 of a 20-byte SHA-1) */
  assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert_int_equal(gd_ws_accept_key("x3JJHMbDL1EzLkh9GBhXDw==", out), 0);
  assert_string_equal(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  assert_int_equal(gd_ws_accept_key(NULL, out), -EINVAL);
  assert_int_equal(gd_ws_accept_key("", out), -EINVAL);
  char big[300];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(gd_ws_accept_key(big, out), -EINVAL);
}

static void test_new_needs_write(void **state) {
  (void)state;
  gd_ws_callbacks cb = {.on_text = on_text};
  assert_null(gd_ws_new(true, &cb, NULL, 0));
  assert_null(gd_ws_new(true, NULL, NULL, 0));
}

static void test_exchange_text(void **state) {
  pair *p = *state;
  assert_int_equal(gd_ws_send_text(p->client.ws, "hello", 5), 0);
  /* client frames are masked: the payload is not in clear on the wire */
  assert_true(p->client.out_len == 2 + 4 + 5);
  assert_int_equal(p->client.out[1] & 0x80, 0x80);
  pump(&p->client, &p->server, 0);
  assert_int_equal(p->server.ntexts, 1);
  assert_string_equal(p->server.texts[0], "hello");

  assert_int_equal(gd_ws_send_text(p->server.ws, "{\"id\":1}", 8), 0);
  assert_int_equal(p->server.out[1] & 0x80, 0); /* server frames are not */
  assert_int_equal(gd_ws_send_text(p->server.ws, "", 0), 0);
  pump(&p->client, &p->server, 0);
  assert_int_equal(p->client.ntexts, 2);
  assert_string_equal(p->client.texts[0], "{\"id\":1}");
  assert_int_equal(p->client.text_lens[1], 0);
  assert_false(gd_ws_is_closed(p->client.ws));
  assert_false(gd_ws_want_write(p->client.ws));
  assert_int_equal(p->client.closes + p->server.closes, 0);
}

static void test_one_byte_at_a_time(void **state) {
  pair *p = *state;
  p->server.echo = true; /* replies from inside on_text */
  assert_int_equal(gd_ws_send_text(p->client.ws, "abc", 3), 0);
  assert_int_equal(gd_ws_send_text(p->client.ws, "d\xC3\xA9" "f", 4), 0);
  assert_int_equal(gd_ws_send_ping(p->client.ws), 0);
  assert_int_equal(gd_ws_send_text(p->client.ws, "ghi", 3), 0);
  pump(&p->client, &p->server, 1);
  assert_int_equal(p->server.ntexts, 3);
  assert_string_equal(p->server.texts[0], "abc");
  assert_string_equal(p->server.texts[1], "d\xC3\xA9" "f");
  assert_string_equal(p->server.texts[2], "ghi");
  assert_int_equal(p->client.ntexts, 3);
  assert_string_equal(p->client.texts[0], "echo:abc");
  assert_string_equal(p->client.texts[2], "echo:ghi");
  assert_int_equal(gd_ws_pongs(p->client.ws), 1);
}

static void test_fragmented_message(void **state) {
  pair *p = *state;
  static const uint8_t key[4] = {1, 2, 3, 4};
  uint8_t buf[128];
  size_t n = frame(buf, false, 0x1, "hel", 3, key);       /* text, not final */
  n += frame(buf + n, true, 0x9, "p", 1, key);            /* a ping in between (§5.4) */
  n += frame(buf + n, false, 0x0, "l", 1, key);           /* continuation */
  n += frame(buf + n, true, 0x0, "o", 1, key);            /* final continuation */
  for (size_t i = 0; i < n; i++) assert_int_equal(gd_ws_feed(p->server.ws, buf + i, 1), 0);
  assert_int_equal(p->server.ntexts, 1);
  assert_string_equal(p->server.texts[0], "hello");
  /* the pong echoes the ping's payload, unmasked */
  assert_int_equal(p->server.out_len, 3);
  assert_int_equal(p->server.out[0], 0x8a);
  assert_int_equal(p->server.out[1], 1);
  assert_int_equal(p->server.out[2], 'p');
}

static void test_100k_message(void **state) {
  pair *p = *state;
  size_t len = 100 * 1024;
  char *big = malloc(len);
  assert_non_null(big);
  for (size_t i = 0; i < len; i++) big[i] = (char)('a' + i % 26);
  assert_int_equal(gd_ws_send_text(p->client.ws, big, len), 0);
  pump(&p->client, &p->server, 1);
  assert_int_equal(p->server.ntexts, 1);
  assert_int_equal(p->server.text_lens[0], len);
  assert_memory_equal(p->server.texts[0], big, len);

  assert_int_equal(gd_ws_send_text(p->server.ws, big, len), 0);
  pump(&p->client, &p->server, 1500);
  assert_int_equal(p->client.ntexts, 1);
  assert_int_equal(p->client.text_lens[0], len);
  assert_memory_equal(p->client.texts[0], big, len);
  free(big);
}

static void test_oversize_closes_1009(void **state) {
  (void)state;
  peer client, server;
  peer_init(&client, false, 0);
  peer_init(&server, true, 1024);
  char msg[2000];
  memset(msg, 'x', sizeof msg);
  assert_int_equal(gd_ws_send_text(client.ws, msg, 1024), 0); /* exactly the limit: fine */
  deliver(&client, &server, 0);
  assert_int_equal(server.ntexts, 1);
  assert_int_equal(gd_ws_send_text(client.ws, msg, sizeof msg), 0);
  deliver(&client, &server, 7);
  assert_int_equal(server.ntexts, 1);
  assert_int_equal(server.closes, 1);
  assert_int_equal(server.close_code, 1009);
  assert_int_equal(written_close_code(&server), 1009);
  pump(&client, &server, 0);
  assert_int_equal(client.closes, 1);
  assert_int_equal(client.close_code, 1009);
  assert_true(gd_ws_is_closed(server.ws));
  assert_true(gd_ws_is_closed(client.ws));
  assert_int_equal(server.closes, 1); /* at most once */
  assert_int_equal(gd_ws_send_text(server.ws, "late", 4), -EPIPE);
  peer_free(&client);
  peer_free(&server);
}

static void test_ping_pong(void **state) {
  pair *p = *state;
  assert_int_equal(gd_ws_pongs(p->client.ws), 0);
  assert_int_equal(gd_ws_send_ping(p->client.ws), 0);
  assert_int_equal(p->client.out[0], 0x89);
  pump(&p->client, &p->server, 0);
  assert_int_equal(gd_ws_pongs(p->client.ws), 1);
  assert_int_equal(gd_ws_send_ping(p->server.ws), 0);
  assert_int_equal(gd_ws_send_ping(p->server.ws), 0);
  pump(&p->client, &p->server, 0);
  assert_int_equal(gd_ws_pongs(p->server.ws), 2);
  assert_int_equal(p->client.ntexts + p->server.ntexts, 0);
}

static void test_close_handshake(void **state) {
  pair *p = *state;
  assert_int_equal(gd_ws_close(p->client.ws, 1000, "bye"), 0);
  assert_false(gd_ws_is_closed(p->client.ws)); /* sent, not answered yet */
  assert_int_equal(gd_ws_send_text(p->client.ws, "after", 5), -EPIPE);
  assert_int_equal(gd_ws_close(p->client.ws, 1000, NULL), -EPIPE);
  deliver(&p->client, &p->server, 0);
  assert_int_equal(p->server.closes, 1);
  assert_int_equal(p->server.close_code, 1000);
  assert_true(gd_ws_is_closed(p->server.ws)); /* received and answered */
  assert_int_equal(written_close_code(&p->server), 1000);
  deliver(&p->server, &p->client, 0);
  assert_int_equal(p->client.closes, 1);
  assert_int_equal(p->client.close_code, 1000);
  assert_true(gd_ws_is_closed(p->client.ws));
  assert_false(gd_ws_want_write(p->client.ws));
  assert_false(gd_ws_want_write(p->server.ws));
  assert_int_equal(p->client.out_len + p->server.out_len, 0);
  /* bytes after the close are ignored */
  assert_int_equal(gd_ws_feed(p->client.ws, (const uint8_t *)"\x81\x01x", 3), 0);
  assert_int_equal(p->client.ntexts, 0);

  char reason[130];
  memset(reason, 'r', sizeof reason - 1);
  reason[sizeof reason - 1] = '\0';
  peer c;
  peer_init(&c, false, 0);
  /* a reason over 123 bytes is cut to fit the 125-byte control frame: 2 + 4 (mask) + 2 + 123 */
  assert_int_equal(gd_ws_close(c.ws, 1000, reason), 0);
  assert_int_equal(c.out_len, 2 + 4 + 2 + 123);
  peer_free(&c);
  /* ... and never inside a UTF-8 sequence: 122 bytes + "é" (2 bytes) keeps only the 122 */
  memset(reason, 'r', 122);
  memcpy(reason + 122, "\xc3\xa9", 3);
  peer_init(&c, false, 0);
  assert_int_equal(gd_ws_close(c.ws, 1000, reason), 0);
  assert_int_equal(c.out_len, 2 + 4 + 2 + 122);
  peer_free(&c);
}

static void test_close_without_code(void **state) {
  pair *p = *state;
  assert_int_equal(gd_ws_close(p->server.ws, 0, NULL), 0);
  pump(&p->client, &p->server, 0);
  assert_int_equal(p->client.close_code, 1005); /* RFC 6455 §7.1.5 */
  assert_int_equal(p->server.close_code, 1005);
  assert_true(gd_ws_is_closed(p->client.ws));
  assert_true(gd_ws_is_closed(p->server.ws));
}

static void test_unmasked_client_frame_rejected(void **state) {
  pair *p = *state;
  uint8_t buf[16];
  size_t n = frame(buf, true, 0x1, "hello", 5, NULL);
  assert_int_equal(gd_ws_feed(p->server.ws, buf, n), 0);
  assert_int_equal(p->server.ntexts, 0);
  assert_int_equal(p->server.closes, 1);
  assert_int_equal(p->server.close_code, 1002);
  assert_int_equal(written_close_code(&p->server), 1002);
  assert_true(gd_ws_is_closed(p->server.ws));
}

static void test_masked_server_frame_rejected(void **state) {
  pair *p = *state;
  static const uint8_t key[4] = {9, 9, 9, 9};
  uint8_t buf[16];
  size_t n = frame(buf, true, 0x1, "hi", 2, key);
  assert_int_equal(gd_ws_feed(p->client.ws, buf, n), 0);
  assert_int_equal(p->client.ntexts, 0);
  assert_int_equal(p->client.close_code, 1002);
}

static void test_binary_closes_1003(void **state) {
  pair *p = *state;
  static const uint8_t key[4] = {5, 6, 7, 8};
  uint8_t buf[16];
  size_t n = frame(buf, true, 0x2, "\x00\x01", 2, key);
  assert_int_equal(gd_ws_feed(p->server.ws, buf, n), 0);
  assert_int_equal(p->server.ntexts, 0);
  assert_int_equal(p->server.close_code, 1003);
  assert_int_equal(written_close_code(&p->server), 1003);
}

static void test_invalid_utf8_closes_1007(void **state) {
  pair *p = *state;
  static const uint8_t key[4] = {5, 6, 7, 8};
  uint8_t buf[16];
  size_t n = frame(buf, true, 0x1, "a\xFF", 2, key);
  assert_int_equal(gd_ws_feed(p->server.ws, buf, n), 0);
  assert_int_equal(p->server.ntexts, 0);
  assert_int_equal(p->server.close_code, 1007);
}

static void test_free_inside_callback(void **state) {
  pair *p = *state;
  p->server.free_on_text = true;
  assert_int_equal(gd_ws_send_text(p->client.ws, "one", 3), 0);
  assert_int_equal(gd_ws_send_text(p->client.ws, "two", 3), 0);
  deliver(&p->client, &p->server, 0); /* frees the server inside on_text */
  assert_null(p->server.ws);
  assert_int_equal(p->server.ntexts, 1); /* no callback after the free */
}

static void test_write_failure_is_fatal(void **state) {
  pair *p = *state;
  p->server.fail_writes = true;
  assert_int_equal(gd_ws_send_text(p->server.ws, "x", 1), -EIO);
  assert_true(gd_ws_is_closed(p->server.ws));
  assert_int_equal(gd_ws_send_text(p->server.ws, "x", 1), -EPIPE);
  assert_int_equal(gd_ws_feed(p->server.ws, (const uint8_t *)"x", 1), -EPIPE);

  /* a pong that cannot be written fails the feed */
  p->client.fail_writes = false;
  peer s;
  peer_init(&s, true, 0);
  s.fail_writes = true;
  static const uint8_t key[4] = {1, 1, 1, 1};
  uint8_t buf[16];
  size_t n = frame(buf, true, 0x9, "", 0, key);
  assert_int_equal(gd_ws_feed(s.ws, buf, n), -EIO);
  assert_int_equal(s.closes, 1);
  assert_int_equal(s.close_code, 1006);
  peer_free(&s);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accept_key),
      cmocka_unit_test(test_new_needs_write),
      T(test_exchange_text),
      T(test_one_byte_at_a_time),
      T(test_fragmented_message),
      T(test_100k_message),
      cmocka_unit_test(test_oversize_closes_1009),
      T(test_ping_pong),
      T(test_close_handshake),
      T(test_close_without_code),
      T(test_unmasked_client_frame_rejected),
      T(test_masked_server_frame_rejected),
      T(test_binary_closes_1003),
      T(test_invalid_utf8_closes_1007),
      T(test_free_inside_callback),
      T(test_write_failure_is_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
