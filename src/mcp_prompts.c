#include "mcp_prompts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"

#define GD_RPC_INVALID_PARAMS -32602
#define GD_RPC_INTERNAL -32603
#define GD_PROMPT_ARGS_MAX 4
/* The list is fixed: a stateless client may keep it (2026-07-28 server/utilities/caching). */
#define GD_PROMPTS_TTL_MS 300000

typedef struct {
  const char *name, *description;
  bool required;
} gd__arg;

/* An argument's value: the client's string, NULL when absent or empty (clients that show a
 * form send "" for a field left blank). */
static const char *gd__val(json_t *args, const char *name) {
  const char *v = json_string_value(json_object_get(args, name));
  return v && *v ? v : NULL;
}

/* ---- the prompts ------------------------------------------------------------------------------ */

static void gd__create_scene(FILE *o, json_t *a) {
  const char *root = gd__val(a, "root_type"), *path = gd__val(a, "scene_path");
  const char *desc = gd__val(a, "description"); /* required: checked before rendering */
  fprintf(o, "Create a Godot scene in this project: %s\n\n", desc ? desc : "");
  fputs("Use the godotd tools and check each result before the next step:\n"
        "1. get_project_info and get_status: the project, its main scene, what is open. "
        "get_class_info when unsure of a node class's properties.\n", o);
  fprintf(o, "2. new_scene with root_type %s%s%s and scene_path %s%s%s.\n",
          root ? "\"" : "", root ? root : "the root that fits (Node2D, Node3D, Control for UI)",
          root ? "\"" : "", path ? "\"" : "",
          path ? path : "a res:// path that follows the project's layout (list_files shows it)",
          path ? "\"" : "");
  fputs("3. create_node for each node (parent_path '.' is the root; use the node_path it "
        "returns) with its properties; set_property for more, instantiate_scene to reuse a "
        "scene of the project.\n"
        "4. Behaviour: create_script (extends the node's class), write it with edit_script, "
        "check_script until it has no errors, then attach_script.\n"
        "5. get_scene_tree: compare the structure with the description; then save_scene.\n"
        "6. run_and_capture with the scene's scene_path and duration_ms 3000: its output must "
        "have no errors; fix and run again if it has.\n"
        "Finish with the scene's path and a one-line summary of its nodes.\n", o);
}

static void gd__fix_errors(FILE *o, json_t *a) {
  const char *path = gd__val(a, "path");
  fprintf(o, "Fix the GDScript errors of this project%s%s.\n\n", path ? " under " : "",
          path ? path : "");
  fprintf(o, "1. list_script_errors%s%s%s: each .gd file with parse or type errors (file, line, "
             "message).\n",
          path ? " with path \"" : "", path ? path : "", path ? "\"" : "");
  fputs("2. For each error: read_script around its line, fix the cause (not the symptom) with "
        "edit_script or replace_in_script; both answer with the file's errors, so you see at "
        "once whether it compiles. When a fix renames a function, a signal or a class_name, "
        "search_in_files finds the scripts that use it.\n"
        "3. list_script_errors again: it must report none.\n"
        "4. run_and_capture (the main scene, duration_ms 3000): fix the runtime errors among its "
        "entries (severity error, with file and line) the same way.\n"
        "Finish with what was wrong and how you fixed it, one line per error. `undo` reverts a "
        "change that made things worse.\n", o);
}

static void gd__input_action(FILE *o, json_t *a) {
  const char *action = gd__val(a, "action"), *keys = gd__val(a, "keys");
  const char *node = gd__val(a, "node_path"), *does = gd__val(a, "behaviour");
  fprintf(o, "Add the input action \"%s\" to this project and wire it into the game.\n%s%s%s\n",
          action, does ? "When it is pressed: " : "", does ? does : "", does ? "\n" : "");
  fputs("1. list_actions: check the name is free (add_action refuses an existing one; "
        "add_key_event binds more keys to it).\n", o);
  fprintf(o, "2. add_action with action \"%s\" and events for %s%s: a key as {\"type\": \"key\", "
             "\"key\": \"W\", \"physical\": true} (Godot key names: \"Space\", \"Up\", \"Ctrl+S\"), "
             "a gamepad button as {\"type\": \"joypad_button\", \"button_index\": \"a\"}. It "
             "writes project.godot at once.\n",
          action, keys ? "the keys " : "the keys that fit the action (and a gamepad button)",
          keys ? keys : "");
  if (node)
    fprintf(o, "3. Wire it in the node \"%s\": get_node shows its script", node);
  else
    fputs("3. Wire it: find the node that should react (get_scene_tree, find_nodes); get_node "
          "shows its script", o);
  fprintf(o, " (none: create_script, then attach_script). read_script, then edit_script: "
             "react in _unhandled_input(event) with event.is_action_pressed(\"%s\"), or poll "
             "Input.is_action_pressed(\"%s\") (Input.get_axis for movement) in "
             "_physics_process. check_script must report no errors; then save_scene.\n",
          action, action);
  fprintf(o, "4. Try it: play, send_input with [{\"type\": \"action\", \"action\": \"%s\"}], then "
             "get_game_node (the property it changes) or get_output to see the effect; stop.\n"
             "Finish with the action's events and the code that handles it.\n",
          action);
}

static void gd__write_test(FILE *o, json_t *a) {
  const char *subject = gd__val(a, "subject"), *fw = gd__val(a, "framework");
  fprintf(o, "Write a test for %s, run it, and make it pass.\n\n", subject);
  if (fw)
    fprintf(o, "1. The framework is %s (list_files res://addons shows it is installed; "
               "run_tests answers not_found without one).\n", fw);
  else
    fputs("1. Find the framework: list_files res://addons shows gut or gdUnit4 (run_tests "
          "answers not_found without one).\n", o);
  fputs("2. Read what you test: read_script, or get_scene_tree after open_scene for a scene.\n"
        "3. create_script res://test/test_<name>.gd with template empty, extending GutTest "
        "(GUT) or GdUnitTestSuite (gdUnit4); one func test_<what>() per behaviour, asserting "
        "with assert_eq / assert_true (GUT) or assert_that(x).is_equal(y) (gdUnit4). "
        "check_script must report no errors.\n"
        "4. run_tests with paths [\"res://test/test_<name>.gd\"]: it answers the totals and each "
        "failure with its message, file and line.\n"
        "5. A failure means the test or the code is wrong: decide which, fix it with edit_script, "
        "run_tests again until it passes.\n"
        "Finish with the test file's path and the last run's totals.\n", o);
}

static const struct {
  const char *name, *title, *description;
  gd__arg args[GD_PROMPT_ARGS_MAX];
  void (*render)(FILE *o, json_t *args);
} gd__prompts[] = {
    {"create_scene",
     "Create a scene from a description",
     "Build a new scene in the editor from a description: nodes, properties, scripts; save it "
     "and run it once to check its output.",
     {{"description", "what the scene is and contains, e.g. 'a 2D player with a sprite, a "
                      "collision shape and WASD movement'", true},
      {"scene_path", "where to save it, e.g. res://scenes/player.tscn", false},
      {"root_type", "the root node's class, e.g. CharacterBody2D", false}},
     gd__create_scene},
    {"fix_script_errors",
     "Fix the project's script errors",
     "Find every GDScript parse and type error, fix each at its cause, and check the game runs "
     "without errors.",
     {{"path", "only under this folder, e.g. res://player (default: the whole project)", false}},
     gd__fix_errors},
    {"add_input_action",
     "Add an input action and wire it",
     "Create an Input Map action with its keys, handle it in a node's script, and try it in the "
     "running game.",
     {{"action", "the action's name, e.g. jump", true},
      {"keys", "the keys to bind, e.g. 'Space, W' (default: ones that fit)", false},
      {"node_path", "the node that reacts, relative to the edited scene's root", false},
      {"behaviour", "what pressing it does, e.g. 'the player jumps'", false}},
     gd__input_action},
    {"write_and_run_test",
     "Write and run a test",
     "Write a GUT or gdUnit4 test for a script or behaviour, run it headless with run_tests, and "
     "fix until it passes.",
     {{"subject", "what to test, e.g. res://player.gd's take_damage", true},
      {"framework", "gut or gdunit4 (default: the one the project has)", false}},
     gd__write_test},
};
#define GD_NPROMPTS (sizeof gd__prompts / sizeof *gd__prompts)

bool gd_mcp_prompts_method(const char *method) {
  return method && (strcmp(method, "prompts/list") == 0 || strcmp(method, "prompts/get") == 0);
}

static json_t *gd__list(bool stateless) {
  json_t *list = json_array();
  for (size_t i = 0; i < GD_NPROMPTS; i++) {
    json_t *args = json_array();
    for (size_t k = 0; k < GD_PROMPT_ARGS_MAX && gd__prompts[i].args[k].name; k++)
      json_array_append_new(args, json_pack("{s:s, s:s, s:b}", "name", gd__prompts[i].args[k].name,
                                            "description", gd__prompts[i].args[k].description,
                                            "required", gd__prompts[i].args[k].required));
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "name", gd__prompts[i].name,
                                          "title", gd__prompts[i].title, "description",
                                          gd__prompts[i].description, "arguments", args));
  }
  json_t *r = json_pack("{s:o}", "prompts", list);
  if (stateless) {
    json_object_set_new(r, "ttlMs", json_integer(GD_PROMPTS_TTL_MS));
    json_object_set_new(r, "cacheScope", json_string("public"));
  }
  return r;
}

static json_t *gd__get(json_t *id, json_t *params, bool stateless) {
  const char *name = json_string_value(json_object_get(params, "name"));
  if (!name) return gd_mcp_error(id, GD_RPC_INVALID_PARAMS, "prompts/get needs params.name");
  size_t i = 0;
  while (i < GD_NPROMPTS && strcmp(gd__prompts[i].name, name) != 0) i++;
  if (i == GD_NPROMPTS)
    return gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "Unknown prompt: %s (prompts/list lists them)", name);
  json_t *args = json_object_get(params, "arguments");
  if (args && !json_is_object(args))
    return gd_mcp_error(id, GD_RPC_INVALID_PARAMS, "arguments must be an object of strings");
  const char *key;
  json_t *v;
  json_object_foreach(args, key, v) {
    size_t k = 0;
    while (k < GD_PROMPT_ARGS_MAX && gd__prompts[i].args[k].name &&
           strcmp(gd__prompts[i].args[k].name, key) != 0)
      k++;
    if (k == GD_PROMPT_ARGS_MAX || !gd__prompts[i].args[k].name)
      return gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS,
                           "prompt %s has no argument '%s' (prompts/list shows its arguments)",
                           name, key);
    if (!json_is_string(v))
      return gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "prompt %s: argument '%s' must be a string",
                           name, key);
  }
  for (size_t k = 0; k < GD_PROMPT_ARGS_MAX && gd__prompts[i].args[k].name; k++)
    if (gd__prompts[i].args[k].required && !gd__val(args, gd__prompts[i].args[k].name))
      return gd_mcp_errorf(id, GD_RPC_INVALID_PARAMS, "prompt %s needs the argument '%s'", name,
                           gd__prompts[i].args[k].name);
  char *text = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&text, &len);
  if (!o) return gd_mcp_error(id, GD_RPC_INTERNAL, "out of memory");
  gd__prompts[i].render(o, args);
  if (fclose(o) != 0 || !text) {
    free(text);
    return gd_mcp_error(id, GD_RPC_INTERNAL, "out of memory");
  }
  json_t *r = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "description", gd__prompts[i].description,
                        "messages", "role", "user", "content", "type", "text", "text", text);
  free(text);
  if (!r) return gd_mcp_error(id, GD_RPC_INVALID_PARAMS, "an argument is not valid UTF-8");
  return gd_mcp_result(id, r, stateless);
}

json_t *gd_mcp_prompts_answer(const char *method, json_t *id, json_t *params, bool stateless) {
  if (strcmp(method, "prompts/list") == 0) return gd_mcp_result(id, gd__list(stateless), stateless);
  return gd__get(id, params, stateless);
}
