/* Tests of server over real loopback TCP, with a scripted router in place of the real one (no
 * Godot, no bridge): streamed (chunked) replies, keep-alive after a stream, the gone callback in
 * every order (client gone while pending, while streaming, after the end; the owner finishing in
 * the callback or later), the unread-backlog bound, HTTP/1.0 streams, the bearer token and the
 * Host checks, the connection cap's eviction order and the header deadline. One thread: the test's client sockets are non-blocking and the loop is pumped
 * while waiting for bytes. Run under ASan, a use-after-free or leak in any order shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "limit.h"
#include "router.h"
#include "server.h"

/* ---- the scripted router ------------------------------------------------------------------ */

static gd_reply *held;       /* a reply the router keeps unanswered or streaming */
static int gone_calls;       /* gone callbacks run */
static bool end_in_gone;     /* the gone callback finishes the reply itself */

static void on_gone(void *ud) {
  assert_ptr_equal(ud, &gone_calls);
  gone_calls++;
  assert_non_null(held);
  assert_null(held->conn);
  if (end_in_gone) {
    gd_reply_stream_end(held); /* only frees */
    held = NULL;
  }
}

void gd_router_handle(gd_router *rt, gd_reply *r) {
  (void)rt;
  const char *p = r->req->path;
  if (strcmp(p, "/json") == 0 || strcmp(p, "/health") == 0) {
    gd_reply_json(r, 200, json_pack("{s:s}", "path", p), NULL);
  } else if (strcmp(p, "/stream") == 0) { /* a whole stream at once */
    assert_int_equal(gd_reply_stream_start(r, 200, "text/event-stream", "X-A: 1\r\n"), 0);
    assert_int_equal(gd_reply_stream_write(r, "hello ", 6), 0);
    assert_int_equal(gd_reply_stream_write(r, "", 0), 0);
    assert_int_equal(gd_reply_stream_write(r, "world", 5), 0);
    gd_reply_stream_end(r);
  } else if (strcmp(p, "/hold") == 0) { /* a stream left open */
    held = r;
    gd_reply_on_gone(r, on_gone, &gone_calls);
    assert_int_equal(gd_reply_stream_start(r, 200, "text/event-stream", NULL), 0);
    assert_int_equal(gd_reply_stream_write(r, "first", 5), 0);
  } else if (strcmp(p, "/pending") == 0) { /* no answer yet */
    held = r;
    gd_reply_on_gone(r, on_gone, &gone_calls);
  } else if (strcmp(p, "/empty") == 0) { /* ended without being started */
    gd_reply_stream_end(r);
  } else {
    gd_reply_error(r, GD_E_NOT_FOUND, "no route %s", p);
  }
}

/* The bridge is not under test: /bridge upgrades here are refused before reaching it. */
void gd_bridge_link_open(gd_bridge *b, gd_bridge_link *link) {
  (void)b;
  (void)link;
  fail_msg("unexpected WebSocket link");
}
void gd_bridge_link_text(gd_bridge_link *link, const char *text, size_t len) {
  (void)link;
  (void)text;
  (void)len;
}
void gd_bridge_link_closed(gd_bridge_link *link) { (void)link; }
/* Nor are games: srv.games is NULL, so /game is refused like any other path. */
void gd_games_link_open(gd_games *h, gd_bridge_link *link) {
  (void)h;
  (void)link;
  fail_msg("unexpected game link");
}

/* ---- a client ----------------------------------------------------------------------------- */

static uv_loop_t loop;
static gd_server srv;

static void pump(int ms) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do {
    uv_run(&loop, UV_RUN_NOWAIT);
    usleep(500);
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static int dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  assert_true(rc == 0 || errno == EINPROGRESS);
  pump(5);
  return fd;
}

static void send_str(int fd, const char *s) {
  size_t len = strlen(s), off = 0;
  while (off < len) {
    ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      pump(1);
      continue;
    }
    assert_true(n > 0);
    off += (size_t)n;
  }
}

/* Reads into buf (NUL-terminated) until needle shows (or EOF when needle is NULL), pumping the
 * loop; fails after 5 s. Returns the bytes read; *eof tells whether the server closed. */
static size_t recv_until(int fd, char *buf, size_t cap, const char *needle, bool *eof) {
  size_t len = 0;
  buf[0] = '\0';
  if (eof) *eof = false;
  for (int i = 0; i < 5000; i++) {
    uv_run(&loop, UV_RUN_NOWAIT);
    ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n > 0) {
      len += (size_t)n;
      buf[len] = '\0';
      if (needle && strstr(buf, needle)) return len;
      continue;
    }
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      if (eof) *eof = true;
      return len;
    }
    usleep(1000);
  }
  fail_msg("timed out waiting for %s; have: %s", needle ? needle : "EOF", buf);
  return len;
}

static const char *get(const char *path, const char *headers, char *line, size_t size) {
  snprintf(line, size, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n", path, srv.port,
           headers ? headers : "");
  return line;
}

static int setup(void **state) {
  (void)state;
  held = NULL;
  gone_calls = 0;
  end_in_gone = false;
  if (uv_loop_init(&loop) != 0) return -1;
  return gd_server_listen(&srv, &loop, "127.0.0.1", 0, 1 << 20, NULL, NULL);
}

static int teardown(void **state) {
  (void)state;
  gd_server_close(&srv);
  if (held) { /* the owner finishes what the server's close left */
    gd_reply_stream_end(held);
    held = NULL;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? 0 : -1;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_stream_then_keep_alive(void **state) {
  (void)state;
  char req[512], buf[8192];
  int fd = dial();
  /* two pipelined requests: the stream, then a plain one on the same connection */
  char two[1024];
  snprintf(two, sizeof two, "%s%s", get("/stream", NULL, req, sizeof req),
           get("/json", NULL, req + 256, sizeof req - 256));
  send_str(fd, two);
  recv_until(fd, buf, sizeof buf, "{\"path\":\"/json\"}", NULL);
  const char *want = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-A: 1\r\n\r\n"
                     "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
  assert_true(strncmp(buf, want, strlen(want)) == 0);
  close(fd);
  pump(10);
  assert_int_equal(gone_calls, 0); /* finished replies never call back */
}

static void test_gone_while_streaming_end_in_callback(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  end_in_gone = true;
  send_str(fd, get("/hold", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "5\r\nfirst\r\n", NULL);
  assert_non_null(held);
  pump(50); /* no idle timeout, no callback while the client is there */
  assert_int_equal(gone_calls, 0);
  close(fd);
  pump(20);
  assert_int_equal(gone_calls, 1);
  assert_null(held);
}

static void test_gone_while_streaming_end_later(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  send_str(fd, get("/hold", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "first", NULL);
  close(fd);
  pump(20);
  assert_int_equal(gone_calls, 1);
  assert_non_null(held);
  assert_int_equal(gd_reply_stream_write(held, "late", 4), -1);
  gd_reply_stream_end(held); /* only frees */
  held = NULL;
  pump(5);
  assert_int_equal(gone_calls, 1);
}

static void test_end_then_client_gone(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  send_str(fd, get("/hold", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "first", NULL);
  assert_int_equal(gd_reply_stream_write(held, "second", 6), 0);
  gd_reply_stream_end(held);
  held = NULL;
  recv_until(fd, buf, sizeof buf, "0\r\n\r\n", NULL);
  assert_non_null(strstr(buf, "6\r\nsecond\r\n0\r\n\r\n"));
  close(fd);
  pump(20);
  assert_int_equal(gone_calls, 0);
}

static void test_gone_while_pending(void **state) {
  (void)state;
  char req[256];
  int fd = dial();
  send_str(fd, get("/pending", NULL, req, sizeof req));
  pump(20);
  assert_non_null(held);
  close(fd);
  pump(20);
  assert_int_equal(gone_calls, 1);
  gd_reply_json(held, 200, json_object(), NULL); /* only frees */
  held = NULL;
}

static void test_daemon_close_calls_back(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  send_str(fd, get("/hold", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "first", NULL);
  gd_server_close(&srv); /* the daemon stopping: the owner hears of it */
  assert_int_equal(gone_calls, 1);
  assert_non_null(held); /* teardown finishes it */
  close(fd);
}

static void test_backlog_bound(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  int small = 4096; /* a client that reads nothing, with a small receive window */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  send_str(fd, get("/hold", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "first", NULL);
  static char chunk[64 * 1024];
  memset(chunk, 'x', sizeof chunk);
  int rc = 0;
  size_t written = 0;
  for (int i = 0; i < 1000 && rc == 0; i++) {
    rc = gd_reply_stream_write(held, chunk, sizeof chunk);
    if (rc == 0) written += sizeof chunk;
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  assert_int_equal(rc, -1);
  assert_true(written >= GD_SERVER_MAX_STREAM_BACKLOG - sizeof chunk);
  assert_true(written < GD_SERVER_MAX_STREAM_BACKLOG + (4u << 20)); /* + kernel buffers */
  assert_null(held->conn);
  assert_int_equal(gone_calls, 0); /* the -1 told the owner; no callback as well */
  assert_int_equal(gd_reply_stream_write(held, "x", 1), -1);
  gd_reply_stream_end(held);
  held = NULL;
  close(fd);
  pump(10);
}

static void test_http10_stream_raw_until_close(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  snprintf(req, sizeof req, "GET /stream HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n\r\n", srv.port);
  send_str(fd, req);
  bool eof;
  size_t n = recv_until(fd, buf, sizeof buf, NULL, &eof);
  assert_true(eof);
  assert_null(strstr(buf, "Transfer-Encoding"));
  assert_non_null(strstr(buf, "Connection: close\r\n"));
  assert_true(n > 11 && strcmp(buf + n - 11, "hello world") == 0);
  close(fd);
}

static void test_end_without_start(void **state) {
  (void)state;
  char req[256], buf[4096];
  int fd = dial();
  send_str(fd, get("/empty", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "}}", NULL);
  assert_true(strncmp(buf, "HTTP/1.1 500", 12) == 0);
  close(fd);
}

static void test_token(void **state) {
  (void)state;
  char req[512], buf[4096];
  assert_int_equal(gd_server_require_token(&srv, "s3cret-token-0123456789"), 0);
  int fd = dial();
  send_str(fd, get("/json", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "}}", NULL);
  assert_true(strncmp(buf, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0);
  assert_non_null(strstr(buf, "WWW-Authenticate: Bearer realm=\"godotd\"\r\n"));
  assert_non_null(strstr(buf, "\"code\":\"unauthorized\""));
  /* the connection goes on: wrong token, then the right one, then /health without any */
  send_str(fd, get("/json", "Authorization: Bearer s3cret-token-012345678\r\n", req, sizeof req));
  recv_until(fd, buf, sizeof buf, "}}", NULL);
  assert_true(strncmp(buf, "HTTP/1.1 401", 12) == 0);
  assert_non_null(strstr(buf, "wrong bearer token"));
  send_str(fd, get("/json", "Authorization: bearer s3cret-token-0123456789\r\n", req, sizeof req));
  recv_until(fd, buf, sizeof buf, "\"/json\"}", NULL);
  assert_true(strncmp(buf, "HTTP/1.1 200", 12) == 0);
  send_str(fd, get("/health", NULL, req, sizeof req));
  recv_until(fd, buf, sizeof buf, "\"/health\"}", NULL);
  assert_true(strncmp(buf, "HTTP/1.1 200", 12) == 0);
  /* a /bridge upgrade without the token: 401 and closed */
  send_str(fd, get("/bridge",
                   "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
                   req, sizeof req));
  bool eof;
  recv_until(fd, buf, sizeof buf, NULL, &eof);
  assert_true(eof);
  assert_true(strncmp(buf, "HTTP/1.1 401", 12) == 0);
  assert_non_null(strstr(buf, "WWW-Authenticate: Bearer"));
  close(fd);
  /* a bad Host is refused before the token is even looked at */
  fd = dial();
  snprintf(req, sizeof req, "GET /mcp HTTP/1.1\r\nHost: evil.example:%d\r\n\r\n", srv.port);
  send_str(fd, req);
  recv_until(fd, buf, sizeof buf, NULL, &eof);
  assert_true(strncmp(buf, "HTTP/1.1 403", 12) == 0);
  close(fd);
}

/* Status of GET /json with this Host (and Origin, when not NULL). */
static int host_status(const char *host, const char *origin) {
  char req[512], buf[4096];
  int fd = dial();
  snprintf(req, sizeof req, "GET /json HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", host,
           origin ? "Origin: " : "", origin ? origin : "", origin ? "\r\n" : "");
  send_str(fd, req);
  recv_until(fd, buf, sizeof buf, "}", NULL);
  close(fd);
  return atoi(buf + 9);
}

static void test_hosts(void **state) {
  (void)state;
  char h[128], o[160];
  int port = srv.port;
  snprintf(h, sizeof h, "localhost:%d", port);
  assert_int_equal(host_status(h, NULL), 200);
  snprintf(h, sizeof h, "[::1]:%d", port);
  assert_int_equal(host_status(h, NULL), 200);
  snprintf(h, sizeof h, "192.168.1.5:%d", port); /* on loopback: IP literals are not ours */
  assert_int_equal(host_status(h, NULL), 403);
  snprintf(h, sizeof h, "godot.lan:%d", port);
  assert_int_equal(host_status(h, NULL), 403);
  snprintf(h, sizeof h, "127.0.0.1:%d0", port);
  assert_int_equal(host_status(h, NULL), 403);

  assert_int_equal(gd_server_allow_host(&srv, "Godot.LAN"), 0);
  assert_int_equal(gd_server_allow_host(&srv, "proxy.example:443"), 0);
  snprintf(h, sizeof h, "godot.lan:%d", port);
  snprintf(o, sizeof o, "http://godot.lan:%d", port);
  assert_int_equal(host_status(h, o), 200);
  assert_int_equal(host_status("godot.lan", NULL), 403); /* port 80: another server */
  assert_int_equal(host_status("proxy.example:443", NULL), 200);
  assert_int_equal(host_status("proxy.example", NULL), 403);

  srv.loopback = false; /* as when bound to 0.0.0.0: any IP literal on our port */
  snprintf(h, sizeof h, "192.168.1.5:%d", port);
  snprintf(o, sizeof o, "http://192.168.1.5:%d", port);
  assert_int_equal(host_status(h, o), 200);
  snprintf(h, sizeof h, "[fe80::1]:%d", port);
  assert_int_equal(host_status(h, NULL), 200);
  snprintf(h, sizeof h, "192.168.1.5:%d", port + 1);
  assert_int_equal(host_status(h, NULL), 403);
  snprintf(h, sizeof h, "evil.example:%d", port);
  assert_int_equal(host_status(h, NULL), 403);
  snprintf(h, sizeof h, "1.2.3.4.evil.example:%d", port);
  assert_int_equal(host_status(h, NULL), 403);
}

/* Whether the server closed fd (EOF or reset), pumping the loop for up to ms. */
static bool closed_within(int fd, int ms) {
  for (int i = 0; i < ms; i++) {
    uv_run(&loop, UV_RUN_NOWAIT);
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    usleep(1000);
  }
  return false;
}

static void test_cap_evicts_the_longest_idle_never_a_busy_one(void **state) {
  (void)state;
  gd_limits_reset();
  srv.max_conns = 4;
  char req[256], buf[4096];
  int busy = dial(); /* the oldest, but with a request in flight */
  send_str(busy, get("/pending", NULL, req, sizeof req));
  pump(20);
  assert_non_null(held);
  int idle1 = dial();
  pump(20);
  int slow = dial(); /* begins its headers, never ends them */
  send_str(slow, "GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  pump(20);
  int idle2 = dial();
  pump(20);
  /* The 5th connection makes room: idle1 has done nothing for longest. */
  int fresh = dial();
  assert_true(closed_within(idle1, 500));
  assert_int_equal(gd_limit_count(GD_LIMIT_IDLE_EVICTED), 1);
  send_str(fresh, get("/json", NULL, req, sizeof req));
  recv_until(fresh, buf, sizeof buf, "{\"path\":\"/json\"}", NULL);
  /* Then the slow one (its request began before idle2 connected), never the busy one. */
  int fresh2 = dial();
  assert_true(closed_within(slow, 500));
  assert_false(closed_within(busy, 50));
  assert_false(closed_within(idle2, 50));
  assert_int_equal(gd_limit_count(GD_LIMIT_IDLE_EVICTED), 2);
  gd_reply_json(held, 200, json_pack("{s:b}", "done", 1), NULL);
  held = NULL;
  recv_until(busy, buf, sizeof buf, "{\"done\":true}", NULL);
  int fds[] = {busy, idle1, slow, idle2, fresh, fresh2};
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) close(fds[i]);
}

static void test_headers_must_complete_in_time(void **state) {
  (void)state;
  gd_limits_reset();
  char req[256], buf[4096];
  int slow = dial();
  int ok = dial();
  send_str(slow, "GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  /* Dripping bytes does not extend the deadline: it runs from the request's first byte. */
  for (int i = 0; i < 4; i++) {
    pump(1000);
    send_str(slow, "X-Drip: 1\r\n");
  }
  assert_true(closed_within(slow, GD_SERVER_HEADER_TIMEOUT_MS));
  assert_int_equal(gd_limit_count(GD_LIMIT_HEADER_TIMEOUT), 1);
  /* An idle keep-alive connection is not subject to it. */
  send_str(ok, get("/json", NULL, req, sizeof req));
  recv_until(ok, buf, sizeof buf, "{\"path\":\"/json\"}", NULL);
  close(slow);
  close(ok);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_stream_then_keep_alive),
      T(test_gone_while_streaming_end_in_callback),
      T(test_gone_while_streaming_end_later),
      T(test_end_then_client_gone),
      T(test_gone_while_pending),
      T(test_daemon_close_calls_back),
      T(test_backlog_bound),
      T(test_http10_stream_raw_until_close),
      T(test_end_without_start),
      T(test_token),
      T(test_hosts),
      T(test_cap_evicts_the_longest_idle_never_a_busy_one),
      T(test_headers_must_complete_in_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
