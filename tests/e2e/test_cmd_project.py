"""The project commands against the real editor: project.godot on disk as ground truth, undo
through the global history restoring the file, and structured errors."""

from __future__ import annotations

import pytest

from conftest import (editor_processes, pid_alive, project_setting, tree_names, tscn_nodes,
                      wait_for)

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"


def undo_global(shared) -> dict:
    return shared.command("undo", {"history": "global"})


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


# --------------------------------------------------------------------------------------------
# get_project_info, get_project_setting, list_project_settings


def test_get_project_info_matches_project_godot(shared):
    info = shared.command("get_project_info")
    p = shared.project
    assert info["name"] == project_setting(p, "application", "config/name") == "godotd demo"
    assert info["main_scene"] == project_setting(p, "application", "run/main_scene")
    assert info["renderer"] == project_setting(p, "rendering", "renderer/rendering_method")
    assert info["description"] == project_setting(p, "application", "config/description")
    assert info["icon"] == project_setting(p, "application", "config/icon")
    assert "4.6" in info["features"], info
    assert info["project_path"].rstrip("/") == str(p), info
    assert info["godot_version"].startswith("4.6"), info


def test_get_project_info_bad_params(shared):
    assert err(shared, "get_project_info", {"verbose": True}) == (400, "invalid_params")


def test_get_project_setting_values_and_defaults(shared):
    name = shared.command("get_project_setting", {"name": "application/config/name"})
    assert name["value"] == project_setting(shared.project, "application", "config/name")
    assert name["type"] == "String" and name["is_default"] is False, name
    # not in project.godot: the built-in default, typed
    width = shared.command("get_project_setting", {"name": "display/window/size/viewport_width"})
    assert project_setting(shared.project, "display", "window/size/viewport_width") is None
    assert width["value"] == 1152 and width["type"] == "int" and width["is_default"] is True, width
    assert width["default"] == 1152


def test_get_project_setting_errors(shared):
    assert err(shared, "get_project_setting", {"name": "no/such/setting"}) == (404, "not_found")
    assert err(shared, "get_project_setting", {}) == (400, "invalid_params")
    assert err(shared, "get_project_setting", {"name": 5}) == (400, "invalid_params")


def test_list_project_settings_prefix_limit_changed(shared):
    res = shared.command("list_project_settings", {"prefix": "application/config/"})
    names = {s["name"]: s for s in res["settings"]}
    assert names["application/config/name"]["value"] == "godotd demo"
    assert all(n.startswith("application/config/") for n in names), names
    assert res["total"] == len(res["settings"]) and res["truncated"] is False

    two = shared.command("list_project_settings", {"prefix": "display/", "limit": 2})
    assert len(two["settings"]) == 2 and two["truncated"] is True and two["total"] > 2, two

    changed = shared.command("list_project_settings", {"changed_only": True, "limit": 5000})
    got = {s["name"] for s in changed["settings"]}
    # every setting project.godot itself writes under these sections is "changed"
    for key in ("application/config/name", "application/run/main_scene",
                "rendering/renderer/rendering_method"):
        assert key in got, (key, sorted(got))
    assert "display/window/size/viewport_width" not in got


def test_list_project_settings_bad_params(shared):
    assert err(shared, "list_project_settings", {"limit": 0}) == (400, "invalid_params")
    assert err(shared, "list_project_settings", {"prefix": 3}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# set_project_setting, set_main_scene (project.godot on disk, undo)


def test_set_project_setting_writes_project_godot_and_undoes(shared):
    p = shared.project
    res = shared.command("set_project_setting",
                         {"name": "display/window/size/viewport_width", "value": 640})
    assert res["value"] == 640 and res["previous"] == 1152 and res["type"] == "int", res
    assert project_setting(p, "display", "window/size/viewport_width") == "640"
    assert shared.command("get_project_setting",
                          {"name": "display/window/size/viewport_width"})["value"] == 640
    undone = undo_global(shared)
    assert undone["history"] == "global", undone
    assert project_setting(p, "display", "window/size/viewport_width") is None
    assert shared.command("get_project_setting",
                          {"name": "display/window/size/viewport_width"})["value"] == 1152
    shared.command("redo", {"history": "global"})
    assert project_setting(p, "display", "window/size/viewport_width") == "640"
    undo_global(shared)


def test_set_project_setting_null_resets_a_builtin_to_its_default(shared):
    p = shared.project
    w = "display/window/size/viewport_width"
    shared.command("set_project_setting", {"name": w, "value": 700})
    assert project_setting(p, "display", "window/size/viewport_width") == "700"
    res = shared.command("set_project_setting", {"name": w, "value": None})
    assert res["value"] == 1152 and res["previous"] == 700 and res["is_default"] is True, res
    # the setting still exists (with its default), and project.godot leaves it out
    got = shared.command("get_project_setting", {"name": w})
    assert got["value"] == 1152 and got["default"] == 1152 and got["is_default"] is True, got
    assert project_setting(p, "display", "window/size/viewport_width") is None
    undo_global(shared)
    assert project_setting(p, "display", "window/size/viewport_width") == "700"
    undo_global(shared)
    assert project_setting(p, "display", "window/size/viewport_width") is None
    assert shared.command("get_project_setting", {"name": w})["default"] == 1152


def test_set_project_setting_string_and_typed_value(shared):
    p = shared.project
    shared.command("set_project_setting", {"name": "application/config/name", "value": "Renamed"})
    assert project_setting(p, "application", "config/name") == "Renamed"
    assert shared.command("get_project_info")["name"] == "Renamed"
    undo_global(shared)
    assert project_setting(p, "application", "config/name") == "godotd demo"
    # an int setting that project.godot does not set yet
    shared.command("set_project_setting", {"name": "display/window/size/window_width_override",
                                           "value": 800})
    assert project_setting(p, "display", "window/size/window_width_override") == "800"
    undo_global(shared)


def test_set_project_setting_create_custom_and_remove(shared):
    p = shared.project
    name = "godotd_tests/answer"
    assert err(shared, "set_project_setting", {"name": name, "value": 42}) == (404, "not_found")
    res = shared.command("set_project_setting", {"name": name, "value": 42, "create": True})
    assert res["previous"] is None and res["value"] == 42, res
    assert project_setting(p, "godotd_tests", "answer") == "42"
    # null removes it again (undoably)
    shared.command("set_project_setting", {"name": name, "value": None})
    assert project_setting(p, "godotd_tests", "answer") is None
    assert err(shared, "get_project_setting", {"name": name}) == (404, "not_found")
    undo_global(shared)
    assert project_setting(p, "godotd_tests", "answer") == "42"
    undo_global(shared)
    assert project_setting(p, "godotd_tests", "answer") is None
    assert err(shared, "get_project_setting", {"name": name}) == (404, "not_found")


def test_set_project_setting_errors(shared):
    assert err(shared, "set_project_setting",
               {"name": "display/window/size/viewport_width", "value": "wide"}) == (400, "invalid_params")
    assert err(shared, "set_project_setting", {"name": "nosection", "value": 1, "create": True}) \
        == (400, "invalid_params")
    assert err(shared, "set_project_setting", {"name": "application/config/name"}) == (400, "invalid_params")
    # nothing was written by the refused calls
    assert project_setting(shared.project, "display", "window/size/viewport_width") is None


def test_set_main_scene_and_undo(shared):
    p = shared.project
    res = shared.command("set_main_scene", {"scene_path": LEVEL})
    assert res == {"main_scene": LEVEL, "previous": MAIN}, res
    assert project_setting(p, "application", "run/main_scene") == LEVEL
    assert shared.command("get_project_info")["main_scene"] == LEVEL
    undo_global(shared)
    assert project_setting(p, "application", "run/main_scene") == MAIN
    assert shared.command("get_project_info")["main_scene"] == MAIN


def test_set_main_scene_errors(shared):
    assert err(shared, "set_main_scene", {"scene_path": "res://nope.tscn"}) == (404, "not_found")
    assert err(shared, "set_main_scene", {"scene_path": "res://main.gd"}) == (400, "invalid_params")
    assert err(shared, "set_main_scene", {"scene_path": "res://../x.tscn"}) == (403, "outside_project")
    assert project_setting(shared.project, "application", "run/main_scene") == MAIN


# --------------------------------------------------------------------------------------------
# reload_project: last in this module, since it replaces the shared editor.


def test_reload_project_bad_params(shared):
    assert err(shared, "reload_project", {"save": "yes"}) == (400, "invalid_params")
    assert err(shared, "reload_project", {"force": True}) == (400, "invalid_params")


def test_reload_project_saves_restarts_supervised_and_rereads_project_godot(shared):
    p = shared.project
    before = shared.status()
    old_pid = before["pid"]
    shared.command("open_scene", {"scene_path": MAIN})
    shared.command("create_node", {"type": "Node2D", "name": "SavedByReload", "parent_path": "."})
    # A setting written behind the editor's back: only a reloaded editor reads it.
    with open(p / "project.godot", "a", encoding="utf-8") as f:
        f.write("\n[godotd_test]\n\nreloaded=true\n")

    result = shared.command("reload_project")
    assert result["reloading"] is True and result["editor_pid"] == old_pid, result
    assert MAIN in result["saved_scenes"], result
    # Saved before the answer: the node is on disk whether or not the reload happened yet.
    assert "SavedByReload" in tscn_nodes(p / "main.tscn")

    st = shared.wait_state(lambda s: s["ready"] and s["pid"] not in (None, old_pid), 120,
                           "a new ready editor after reload_project")
    assert st["restarts"] == before["restarts"] + 1, st
    assert "restart requested" in st["last_exit"]["reason"], st["last_exit"]
    assert st["crashes_recent"] == before["crashes_recent"], st
    assert not pid_alive(old_pid)
    # Godot's own restart was handed to the daemon: one editor, the supervised one.
    wait_for(lambda: editor_processes(p) == [st["pid"]], 30, what="only the supervised editor")
    assert shared.command("get_project_setting", {"name": "godotd_test/reloaded"})["value"] is True
    assert shared.command("get_status")["editor_pid"] == st["pid"]


def test_reload_project_without_save_discards_scene_changes(shared):
    old_pid = shared.status()["pid"]
    shared.command("open_scene", {"scene_path": MAIN})
    shared.command("create_node", {"type": "Node2D", "name": "DiscardedByReload", "parent_path": "."})
    result = shared.command("reload_project", {"save": False})
    assert result["saved_scenes"] == [], result
    shared.wait_state(lambda s: s["ready"] and s["pid"] not in (None, old_pid), 120,
                      "a new ready editor after reload_project")
    assert "DiscardedByReload" not in tscn_nodes(shared.project / "main.tscn")
    shared.command("open_scene", {"scene_path": MAIN})
    names = tree_names(shared.command("get_scene_tree")["root"])
    assert "DiscardedByReload" not in names.values(), names
