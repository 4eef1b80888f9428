/* Unit tests for install: enabling the plugin in project.godot text, and the on-disk install
 * (idempotent, atomic, other plugins kept). */
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

#include "install.h"

static void enable_is(const char *in, const char *want) {
  char *out = gd_install_enable_plugin(in);
  assert_non_null(out);
  assert_string_equal(out, want);
  /* idempotent: enabling again changes nothing */
  char *again = gd_install_enable_plugin(out);
  assert_string_equal(again, out);
  free(again);
  free(out);
}

static void autoload_is(const char *in, const char *want) {
  char *out = gd_install_add_autoload(in);
  assert_non_null(out);
  assert_string_equal(out, want);
  char *again = gd_install_add_autoload(out); /* idempotent */
  assert_string_equal(again, out);
  free(again);
  free(out);
}

#define AGENT "GodotdRuntime=\"*res://addons/godotd/runtime/agent.gd\""

static void test_autoload(void **state) {
  (void)state;
  /* no section: appended */
  autoload_is("config_version=5\n", "config_version=5\n\n[autoload]\n\n" AGENT "\n");
  /* first in an existing section, the game's own autoloads kept after it */
  autoload_is("[autoload]\n\nGame=\"*res://game.gd\"\n\n[rendering]\nx=1\n",
              "[autoload]\n\n" AGENT "\n\nGame=\"*res://game.gd\"\n\n[rendering]\nx=1\n");
  /* an older path of ours is replaced where it stands */
  autoload_is("[autoload]\n\nA=\"*res://a.gd\"\nGodotdRuntime=\"*res://old.gd\"\n",
              "[autoload]\n\nA=\"*res://a.gd\"\n" AGENT "\n");
}

static void test_game_view(void **state) {
  (void)state;
  char *a = gd_install_game_view_defaults("");
  assert_string_equal(a, "[game_view]\n\nembed_on_play=false\n");
  char *b = gd_install_game_view_defaults("[game_view]\n\nembed_on_play=true\nselect_mode=1\n\n[x]\ny=1\n");
  assert_string_equal(b, "[game_view]\n\nembed_on_play=false\nselect_mode=1\n\n[x]\ny=1\n");
  char *c = gd_install_game_view_defaults("[x]\ny=1\n\n[game_view]\n\nselect_mode=1\n");
  assert_string_equal(c, "[x]\ny=1\n\n[game_view]\nembed_on_play=false\n\nselect_mode=1\n");
  char *again = gd_install_game_view_defaults(c);
  assert_string_equal(again, c);
  free(a), free(b), free(c), free(again);
}

static void test_enable_no_section(void **state) {
  (void)state;
  enable_is("config_version=5\n\n[application]\n\nconfig/name=\"x\"\n",
            "config_version=5\n\n[application]\n\nconfig/name=\"x\"\n\n"
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n");
  enable_is("config_version=5",
            "config_version=5\n\n[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n");
}

static void test_enable_keeps_others(void **state) {
  (void)state;
  enable_is("[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/gut/plugin.cfg\")\n\n[rendering]\nx=1\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/gut/plugin.cfg\", "
            "\"res://addons/godotd/plugin.cfg\")\n\n[rendering]\nx=1\n");
  enable_is("[editor_plugins]\n\nenabled=PackedStringArray()\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n");
}

static void test_enable_section_without_key(void **state) {
  (void)state;
  enable_is("[editor_plugins]\n[rendering]\nx=1\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n[rendering]\nx=1\n");
  /* an enabled= in a later section is not ours to touch */
  enable_is("[editor_plugins]\n[other]\nenabled=PackedStringArray()\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n"
            "[other]\nenabled=PackedStringArray()\n");
}

static void test_enable_present_or_odd(void **state) {
  (void)state;
  /* already enabled: the text comes back as it was */
  enable_is("[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n");
  /* a value of a form not understood is replaced by ours alone, where it stands */
  enable_is("[editor_plugins]\n\nenabled=[\"x\"]\n[rendering]\nx=1\n",
            "[editor_plugins]\n\nenabled=PackedStringArray(\"res://addons/godotd/plugin.cfg\")\n"
            "[rendering]\nx=1\n");
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_install_on_disk(void **state) {
  (void)state;
  char root[] = "/tmp/gd_install_XXXXXX";
  assert_non_null(mkdtemp(root));
  char p[PATH_MAX * 3], addon[PATH_MAX], proj[PATH_MAX];
  snprintf(addon, sizeof addon, "%s/addon", root);
  snprintf(proj, sizeof proj, "%s/proj", root);
  mkdir(addon, 0755);
  mkdir(proj, 0755);
  snprintf(p, sizeof p, "%s/handlers", addon);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/plugin.cfg", addon);
  write_file(p, "[plugin]\nname=\"godotd\"\n");
  snprintf(p, sizeof p, "%s/handlers/scene.gd", addon);
  write_file(p, "extends RefCounted\n");

  char err[256];
  /* no project.godot: refused, nothing written */
  assert_int_equal(gd_install_addon(proj, addon, err, sizeof err), -1);
  assert_non_null(strstr(err, "project.godot"));
  snprintf(p, sizeof p, "%s/project.godot", proj);
  write_file(p, "config_version=5\n");

  assert_int_equal(gd_install_addon(proj, addon, err, sizeof err), 3); /* 2 files + project.godot */
  assert_int_equal(gd_install_addon(proj, addon, err, sizeof err), 0); /* nothing changed */
  size_t len;
  char *text = gd_read_file(p, 1 << 20, &len);
  assert_non_null(strstr(text, "res://addons/godotd/plugin.cfg"));
  free(text);
  snprintf(p, sizeof p, "%s/addons/godotd/handlers/scene.gd", proj);
  text = gd_read_file(p, 1 << 20, &len);
  assert_string_equal(text, "extends RefCounted\n");
  free(text);

  /* an updated addon file is rewritten, and no temp file is left behind */
  snprintf(p, sizeof p, "%s/handlers/scene.gd", addon);
  write_file(p, "extends RefCounted\n# v2\n");
  assert_int_equal(gd_install_addon(proj, addon, err, sizeof err), 1);
  char cmd[PATH_MAX * 2];
  snprintf(cmd, sizeof cmd, "find '%s' -name '*godotd-tmp*' | grep -q .", proj);
  assert_int_not_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enable_no_section),
      cmocka_unit_test(test_autoload),
      cmocka_unit_test(test_game_view),
      cmocka_unit_test(test_enable_keeps_others),
      cmocka_unit_test(test_enable_section_without_key),
      cmocka_unit_test(test_enable_present_or_odd),
      cmocka_unit_test(test_install_on_disk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
