/* Unit tests for sandbox: res:// normalization and resolution inside a real temp project. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"

static void norm_ok(const char *in, const char *want) {
  char out[PATH_MAX];
  assert_int_equal(gd_sandbox_normalize(in, out, sizeof out), GD_SANDBOX_OK);
  assert_string_equal(out, want);
}

static void test_normalize(void **state) {
  (void)state;
  norm_ok("res://main.tscn", "res://main.tscn");
  norm_ok("res://a/./b/../c.tscn", "res://a/c.tscn");
  norm_ok("res://a//b/", "res://a/b");
  norm_ok("res://", "res://");
  norm_ok("res://a/..", "res://");
  char out[PATH_MAX];
  assert_int_equal(gd_sandbox_normalize("res://../x", out, sizeof out), GD_SANDBOX_OUTSIDE);
  assert_int_equal(gd_sandbox_normalize("res://../../etc/passwd", out, sizeof out), GD_SANDBOX_OUTSIDE);
  assert_int_equal(gd_sandbox_normalize("res://a/../../b", out, sizeof out), GD_SANDBOX_OUTSIDE);
  assert_int_equal(gd_sandbox_normalize("/etc/passwd", out, sizeof out), GD_SANDBOX_INVALID);
  assert_int_equal(gd_sandbox_normalize("user://x", out, sizeof out), GD_SANDBOX_INVALID);
  assert_int_equal(gd_sandbox_normalize("res://a\\..\\b", out, sizeof out), GD_SANDBOX_INVALID);
  assert_int_equal(gd_sandbox_normalize(NULL, out, sizeof out), GD_SANDBOX_INVALID);
  /* too small an output buffer is an error, never a truncated path */
  char tiny[10];
  assert_int_equal(gd_sandbox_normalize("res://abcdefgh.tscn", tiny, sizeof tiny), GD_SANDBOX_INVALID);
}

static char root[PATH_MAX];

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/gd_sandbox_XXXXXX");
  if (!mkdtemp(root)) return -1;
  char p[PATH_MAX + 64];
  snprintf(p, sizeof p, "%s/scenes", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/scenes/a.tscn", root);
  FILE *f = fopen(p, "w");
  fputs("[gd_scene format=3]\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/escape", root);
  if (symlink("/etc", p) != 0) return -1;
  snprintf(p, sizeof p, "%s/inner", root);
  if (symlink("scenes", p) != 0) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_resolve(void **state) {
  (void)state;
  char abs[PATH_MAX], want[PATH_MAX + 32];
  assert_int_equal(gd_sandbox_resolve(root, "res://scenes/a.tscn", 1, abs, sizeof abs), GD_SANDBOX_OK);
  snprintf(want, sizeof want, "%s/scenes/a.tscn", root);
  assert_string_equal(abs, want);
  assert_int_equal(gd_sandbox_resolve(root, "res://scenes/missing.tscn", 1, abs, sizeof abs),
                   GD_SANDBOX_MISSING);
  assert_int_equal(gd_sandbox_resolve(root, "res://scenes/new/x.tscn", 0, abs, sizeof abs), GD_SANDBOX_OK);
  snprintf(want, sizeof want, "%s/scenes/new/x.tscn", root);
  assert_string_equal(abs, want);
  /* a symlink leading out of the project is refused, one staying inside is followed */
  assert_int_equal(gd_sandbox_resolve(root, "res://escape/passwd", 1, abs, sizeof abs), GD_SANDBOX_OUTSIDE);
  assert_int_equal(gd_sandbox_resolve(root, "res://escape/nothing", 0, abs, sizeof abs), GD_SANDBOX_OUTSIDE);
  assert_int_equal(gd_sandbox_resolve(root, "res://inner/a.tscn", 1, abs, sizeof abs), GD_SANDBOX_OK);
  assert_int_equal(gd_sandbox_resolve(root, "res://../../etc/passwd", 1, abs, sizeof abs), GD_SANDBOX_OUTSIDE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normalize),
      cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
