/* Unit tests for auth: token generation, the token file (creation, reuse, refusals), the
 * constant-time comparison, the Bearer header check and loopback addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/godotd-test-auth-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(chmod(path, mode), 0);
}

static void test_generate_format(void **state) {
  (void)state;
  char a[GD_AUTH_TOKEN_HEX + 1], b[GD_AUTH_TOKEN_HEX + 1];
  assert_int_equal(gd_auth_token_generate(a), 0);
  assert_int_equal(gd_auth_token_generate(b), 0);
  assert_int_equal(strlen(a), 64);
  assert_int_equal(strspn(a, "0123456789abcdef"), 64);
  assert_string_not_equal(a, b);
}

static void test_path(void **state) {
  (void)state;
  char p[64];
  assert_int_equal(gd_auth_token_path("/p/q", p, sizeof p), 0);
  assert_string_equal(p, "/p/q/.godot/godotd/token");
  assert_int_equal(gd_auth_token_path("/a/very/long/project/path/indeed", p, 20), -ENAMETOOLONG);
}

static void test_create_then_reuse(void **state) {
  (void)state;
  char path[PATH_MAX], t1[GD_AUTH_TOKEN_MAX + 1], t2[GD_AUTH_TOKEN_MAX + 1], err[512];
  snprintf(path, sizeof path, "%s/token", dir);
  bool created = false;
  /* missing and not to be created: an error */
  assert_int_equal(gd_auth_token_load(path, false, t1, sizeof t1, &created, err, sizeof err), -1);
  assert_non_null(strstr(err, "No such file"));
  assert_int_equal(gd_auth_token_load(path, true, t1, sizeof t1, &created, err, sizeof err), 0);
  assert_true(created);
  assert_int_equal(strlen(t1), 64);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_size, 65); /* the token and a newline */
  assert_int_equal(gd_auth_token_load(path, true, t2, sizeof t2, &created, err, sizeof err), 0);
  assert_false(created);
  assert_string_equal(t1, t2);
  /* no staging file is left behind */
  char cmd[PATH_MAX + 64];
  snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_project_token_makes_dirs(void **state) {
  (void)state;
  char t1[GD_AUTH_TOKEN_MAX + 1], t2[GD_AUTH_TOKEN_MAX + 1], err[512], path[PATH_MAX];
  assert_int_equal(gd_auth_project_token(dir, NULL, t1, sizeof t1, err, sizeof err), 0);
  assert_int_equal(gd_auth_token_path(dir, path, sizeof path), 0);
  assert_int_equal(access(path, R_OK), 0);
  assert_int_equal(gd_auth_token_load(path, false, t2, sizeof t2, NULL, err, sizeof err), 0);
  assert_string_equal(t1, t2);
}

static void test_open_mode_refused(void **state) {
  (void)state;
  char path[PATH_MAX], t[GD_AUTH_TOKEN_MAX + 1], err[512];
  snprintf(path, sizeof path, "%s/token", dir);
  const mode_t modes[] = {0644, 0640, 0604, 0660, 0602};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    write_file(path, "0123456789abcdef0123456789abcdef\n", modes[i]);
    err[0] = '\0';
    assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod 600"));
    /* refused, not replaced */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, modes[i]);
  }
  assert_int_equal(chmod(path, 0600), 0);
  assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), 0);
  assert_string_equal(t, "0123456789abcdef0123456789abcdef");
  assert_int_equal(chmod(path, 0400), 0); /* read-only for the owner is fine */
  assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), 0);
}

static void test_bad_contents_refused(void **state) {
  (void)state;
  char path[PATH_MAX], t[GD_AUTH_TOKEN_MAX + 1], err[512];
  snprintf(path, sizeof path, "%s/token", dir);
  const char *bad[] = {"", "\n", "short\n", "has a space in the middle of it\n",
                       "0123456789abcdef\n0123456789abcdef\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file(path, bad[i], 0600);
    assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not hold a token"));
  }
  char big[GD_AUTH_TOKEN_MAX + 3];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  write_file(path, big, 0600);
  assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), -1);
  /* a user's own token without a newline, or with CRLF, is fine */
  write_file(path, "my-own-Token_1234567", 0600);
  assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), 0);
  assert_string_equal(t, "my-own-Token_1234567");
  write_file(path, "my-own-Token_1234567\r\n", 0600);
  assert_int_equal(gd_auth_token_load(path, true, t, sizeof t, NULL, err, sizeof err), 0);
  assert_string_equal(t, "my-own-Token_1234567");
  /* a directory is not a token file */
  assert_int_equal(gd_auth_token_load(dir, true, t, sizeof t, NULL, err, sizeof err), -1);
}

static void test_equal(void **state) {
  (void)state;
  assert_true(gd_auth_equal("abc", 3, "abc", 3));
  assert_false(gd_auth_equal("abd", 3, "abc", 3));
  assert_false(gd_auth_equal("xbc", 3, "abc", 3));
  assert_false(gd_auth_equal("ab", 2, "abc", 3));
  assert_false(gd_auth_equal("abcd", 4, "abc", 3));
  assert_false(gd_auth_equal("", 0, "abc", 3));
  assert_true(gd_auth_equal("", 0, "", 0));
  assert_false(gd_auth_equal("a", 1, "", 0));
  /* a prefix followed by NUL is still a mismatch */
  assert_false(gd_auth_equal("abc\0", 4, "abc", 3));
  char t[GD_AUTH_TOKEN_HEX + 1], u[GD_AUTH_TOKEN_HEX + 1];
  assert_int_equal(gd_auth_token_generate(t), 0);
  memcpy(u, t, sizeof u);
  assert_true(gd_auth_equal(u, 64, t, 64));
  for (int i = 0; i < 64; i++) {
    u[i] ^= 1;
    assert_false(gd_auth_equal(u, 64, t, 64));
    u[i] ^= 1;
  }
}

static void test_bearer(void **state) {
  (void)state;
  const char *tok = "0123456789abcdef0123";
  assert_true(gd_auth_bearer_ok("Bearer 0123456789abcdef0123", tok));
  assert_true(gd_auth_bearer_ok("bearer 0123456789abcdef0123", tok));
  assert_true(gd_auth_bearer_ok("BEARER \t 0123456789abcdef0123", tok));
  assert_false(gd_auth_bearer_ok(NULL, tok));
  assert_false(gd_auth_bearer_ok("", tok));
  assert_false(gd_auth_bearer_ok("Bearer", tok));
  assert_false(gd_auth_bearer_ok("Bearer ", tok));
  assert_false(gd_auth_bearer_ok("Bearer0123456789abcdef0123", tok));
  assert_false(gd_auth_bearer_ok("Basic 0123456789abcdef0123", tok));
  assert_false(gd_auth_bearer_ok("Bearer 0123456789abcdef012", tok));
  assert_false(gd_auth_bearer_ok("Bearer 0123456789abcdef01234", tok));
  assert_false(gd_auth_bearer_ok("Bearer 0123456789ABCDEF0123", tok)); /* tokens are exact */
  assert_false(gd_auth_bearer_ok("Bearer x", ""));                    /* no token: nothing ok */
  assert_false(gd_auth_bearer_ok("Bearer x", NULL));
}

static void test_loopback(void **state) {
  (void)state;
  const char *yes[] = {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost",
                       "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"};
  const char *no[] = {"0.0.0.0", "::", "10.0.0.1", "192.168.1.5", "::ffff:10.0.0.1", "fe80::1",
                      "example.com", "", "127.0.0.1:80", "[::1]", NULL};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    assert_true(gd_auth_loopback_address(yes[i]));
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) assert_false(gd_auth_loopback_address(no[i]));
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generate_format),
      cmocka_unit_test(test_path),
      T(test_create_then_reuse),
      T(test_project_token_makes_dirs),
      T(test_open_mode_refused),
      T(test_bad_contents_refused),
      cmocka_unit_test(test_equal),
      cmocka_unit_test(test_bearer),
      cmocka_unit_test(test_loopback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
