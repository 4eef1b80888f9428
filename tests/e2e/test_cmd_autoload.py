"""The autoload commands against the real editor: project.godot's [autoload] section on disk as
ground truth (values, "*" for global, order), undo through the global history restoring it, the
editor's own name rules, and structured errors."""

from __future__ import annotations

import pytest

from conftest import wait_for

pytestmark = pytest.mark.shared

SCRIPT = "res://globals/game.gd"
OTHER = "res://globals/audio.gd"
SCENE = "res://level.tscn"


RUNTIME = ("GodotdRuntime", "*res://addons/godotd/runtime/agent.gd")


def autoloads_on_disk(project) -> list[tuple[str, str]]:
    """project.godot's [autoload] entries in file order: (name, value without quotes), without
    godotd's own runtime agent, which must stay first and untouched (checked here)."""
    out, section = [], None
    for line in (project / "project.godot").read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "autoload" and "=" in line:
            key, value = line.split("=", 1)
            out.append((key, value.strip().strip('"')))
    assert out and out[0] == RUNTIME, f"godotd's runtime autoload is not first: {out}"
    return out[1:]


def undo_global(shared) -> dict:
    return shared.command("undo", {"history": "global"})


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


@pytest.fixture(scope="module", autouse=True)
def scripts(shared):
    d = shared.project / "globals"
    d.mkdir(exist_ok=True)
    (d / "game.gd").write_text("extends Node\n\nvar score := 0\n")
    (d / "audio.gd").write_text("extends Node\n\nfunc beep() -> void:\n\tpass\n")
    (d / "data.gd").write_text("extends Resource\n")
    (d / "notes.txt").write_text("not a script\n")
    yield
    assert autoloads_on_disk(shared.project) == [], "a test left an autoload behind"


# --------------------------------------------------------------------------------------------
# add, list, get (+ undo)


def test_add_list_get_and_undo(shared):
    p = shared.project
    assert shared.command("list_autoloads") == {"autoloads": []}
    res = shared.command("add_autoload", {"name": "Game", "path": SCRIPT})
    assert res == {"name": "Game", "path": SCRIPT, "global": True, "index": 0}, res
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT)]
    got = shared.command("get_autoload", {"name": "Game"})
    assert got["path"] == SCRIPT and got["type"] == "script" and got["exists"] is True, got
    # not global: no "*"; a scene works too
    shared.command("add_autoload", {"name": "Audio", "path": OTHER, "global": False})
    shared.command("add_autoload", {"name": "Hud", "path": SCENE})
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT), ("Audio", OTHER), ("Hud", "*" + SCENE)]
    listed = shared.command("list_autoloads")["autoloads"]
    assert [(a["name"], a["global"], a["index"]) for a in listed] == \
        [("Game", True, 0), ("Audio", False, 1), ("Hud", True, 2)], listed
    assert shared.command("get_autoload", {"name": "Hud"})["type"] == "scene"
    for _ in range(3):
        undo_global(shared)
    assert autoloads_on_disk(p) == []
    assert shared.command("list_autoloads") == {"autoloads": []}
    assert err(shared, "get_autoload", {"name": "Game"}) == (404, "not_found")
    # redo brings it back at its place, undo removes it again
    shared.command("redo", {"history": "global"})
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT)]
    undo_global(shared)
    assert autoloads_on_disk(p) == []


def test_add_autoload_is_a_global_name_for_scripts(shared):
    # the editor registers the global name (and drops it on undo): a script using it parses
    (shared.project / "globals" / "user.gd").write_text(
        "extends Node\n\nfunc _ready() -> void:\n\tGame.score += 1\n")
    user = {"path": "res://globals/user.gd"}
    assert shared.command("check_script", user)["ok"] is False
    shared.command("add_autoload", {"name": "Game", "path": SCRIPT})
    try:
        check = shared.command("check_script", user)
        assert check["ok"] is True, check
    finally:
        undo_global(shared)
    assert autoloads_on_disk(shared.project) == []
    assert shared.command("check_script", user)["ok"] is False


def test_add_autoload_upper_case_name_that_is_no_constant(shared):
    # the global-constant check compiles a probe; it must not leave parse errors in the log
    since = shared.last_log_id()
    res = shared.command("add_autoload", {"name": "SFX_BUS", "path": OTHER})
    assert res["name"] == "SFX_BUS", res
    assert autoloads_on_disk(shared.project) == [("SFX_BUS", "*" + OTHER)]
    undo_global(shared)
    assert autoloads_on_disk(shared.project) == []
    noise = [e["line"] for e in shared.all_logs(since) if "SFX_BUS" in e["line"]]
    assert noise == [], noise


@pytest.mark.parametrize("name,why", [
    ("1Game", "identifier"), ("My Game", "identifier"), ("Node", "engine class"),
    ("Vector2", "built-in type"), ("int", "built-in type"), ("Input", "engine class"),
    ("KEY_A", "global constant"), ("OK", "global constant"), ("self", "keyword"),
    ("PI", "keyword"),
])
def test_add_autoload_refuses_names_the_editor_refuses(shared, name, why):
    status, error = shared.command_error("add_autoload", {"name": name, "path": SCRIPT})
    assert (status, error["code"]) == (400, "invalid_params"), error
    assert why.split()[-1] in error["message"], error
    assert autoloads_on_disk(shared.project) == []


def test_add_autoload_refuses_a_class_name_and_an_existing_autoload(shared):
    (shared.project / "globals" / "named.gd").write_text("class_name ScoreBoard\nextends Node\n")
    shared.command("scan_filesystem")
    wait_for(lambda: shared.command("get_status")["readiness"] != "importing", 60, 0.2, "scan")
    status, error = shared.command_error("add_autoload", {"name": "ScoreBoard", "path": SCRIPT})
    assert (status, error["code"]) == (400, "invalid_params") and "class_name" in error["message"], error
    shared.command("add_autoload", {"name": "Game", "path": SCRIPT})
    try:
        assert err(shared, "add_autoload", {"name": "Game", "path": OTHER}) == (400, "invalid_params")
        assert autoloads_on_disk(shared.project) == [("Game", "*" + SCRIPT)]
    finally:
        undo_global(shared)


def test_add_autoload_path_errors(shared):
    assert err(shared, "add_autoload", {"name": "Game", "path": "res://globals/nope.gd"}) == (404, "not_found")
    assert err(shared, "add_autoload", {"name": "Game", "path": "res://../outside.gd"}) == (403, "outside_project")
    assert err(shared, "add_autoload", {"name": "Game", "path": "/etc/passwd"}) == (403, "outside_project")
    assert err(shared, "add_autoload", {"name": "Game", "path": "user://x.gd"}) == (403, "outside_project")
    assert err(shared, "add_autoload", {"name": "Game", "path": "res://globals/notes.txt"}) == (400, "invalid_params")
    # a script that does not extend Node cannot be an autoload
    assert err(shared, "add_autoload", {"name": "Game", "path": "res://globals/data.gd"}) == (400, "invalid_params")
    assert err(shared, "add_autoload", {"name": "Game"}) == (400, "invalid_params")
    assert err(shared, "add_autoload", {"name": "Game", "path": SCRIPT, "global": "yes"}) == (400, "invalid_params")
    assert autoloads_on_disk(shared.project) == []


def test_list_and_get_autoload_bad_params(shared):
    assert err(shared, "list_autoloads", {"x": 1}) == (400, "invalid_params")
    assert err(shared, "get_autoload", {}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# remove, rename, set path, move


@pytest.fixture
def three(shared):
    for name, path in (("Game", SCRIPT), ("Audio", OTHER), ("Hud", SCENE)):
        shared.command("add_autoload", {"name": name, "path": path})
    yield
    for entry in shared.command("list_autoloads")["autoloads"]:
        shared.command("remove_autoload", {"name": entry["name"]})
    assert autoloads_on_disk(shared.project) == []


def test_remove_autoload_and_undo_keeps_its_place(shared, three):
    p = shared.project
    res = shared.command("remove_autoload", {"name": "Audio"})
    assert res["removed"] == {"name": "Audio", "path": OTHER, "global": True, "index": 1}, res
    assert res["autoloads"] == ["Game", "Hud"]
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT), ("Hud", "*" + SCENE)]
    assert (p / "globals" / "audio.gd").is_file()  # the file stays
    undo_global(shared)
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT), ("Audio", "*" + OTHER), ("Hud", "*" + SCENE)]
    assert err(shared, "remove_autoload", {"name": "Nope"}) == (404, "not_found")
    assert err(shared, "remove_autoload", {"name": ""}) == (400, "invalid_params")


def test_rename_autoload_keeps_path_and_order(shared, three):
    p = shared.project
    res = shared.command("rename_autoload", {"name": "Audio", "new_name": "Sound"})
    assert res == {"name": "Sound", "path": OTHER, "global": True, "index": 1,
                   "previous_name": "Audio"}, res
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT), ("Sound", "*" + OTHER), ("Hud", "*" + SCENE)]
    assert err(shared, "get_autoload", {"name": "Audio"}) == (404, "not_found")
    undo_global(shared)
    assert autoloads_on_disk(p) == [("Game", "*" + SCRIPT), ("Audio", "*" + OTHER), ("Hud", "*" + SCENE)]
    assert err(shared, "rename_autoload", {"name": "Audio", "new_name": "Game"}) == (400, "invalid_params")
    assert err(shared, "rename_autoload", {"name": "Audio", "new_name": "Node2D"}) == (400, "invalid_params")
    assert err(shared, "rename_autoload", {"name": "Audio", "new_name": "a-b"}) == (400, "invalid_params")
    assert err(shared, "rename_autoload", {"name": "Nope", "new_name": "Other"}) == (404, "not_found")
    assert autoloads_on_disk(p)[1] == ("Audio", "*" + OTHER)


def test_set_autoload_path_and_global(shared, three):
    p = shared.project
    res = shared.command("set_autoload_path", {"name": "Game", "path": OTHER})
    assert res["path"] == OTHER and res["previous_path"] == SCRIPT and res["index"] == 0, res
    assert autoloads_on_disk(p)[0] == ("Game", "*" + OTHER)
    res = shared.command("set_autoload_path", {"name": "Game", "global": False})
    assert res["global"] is False and res["previous_global"] is True and res["path"] == OTHER, res
    assert autoloads_on_disk(p)[0] == ("Game", OTHER)
    undo_global(shared)
    assert autoloads_on_disk(p)[0] == ("Game", "*" + OTHER)
    undo_global(shared)
    assert autoloads_on_disk(p)[0] == ("Game", "*" + SCRIPT)
    assert err(shared, "set_autoload_path", {"name": "Game"}) == (400, "invalid_params")
    assert err(shared, "set_autoload_path", {"name": "Game", "path": "res://nope.gd"}) == (404, "not_found")
    assert err(shared, "set_autoload_path", {"name": "Game", "path": "res://../x.gd"}) == (403, "outside_project")
    assert err(shared, "set_autoload_path", {"name": "Nope", "path": OTHER}) == (404, "not_found")
    assert autoloads_on_disk(p)[0] == ("Game", "*" + SCRIPT)


def test_move_autoload_orders_project_godot(shared, three):
    p = shared.project
    res = shared.command("move_autoload", {"name": "Hud", "index": 0})
    assert res == {"name": "Hud", "index": 0, "previous_index": 2,
                   "autoloads": ["Hud", "Game", "Audio"]}, res
    assert [n for n, _ in autoloads_on_disk(p)] == ["Hud", "Game", "Audio"]
    listed = shared.command("list_autoloads")["autoloads"]
    assert [(a["name"], a["index"]) for a in listed] == [("Hud", 0), ("Game", 1), ("Audio", 2)]
    # past the end = last
    res = shared.command("move_autoload", {"name": "Hud", "index": 99})
    assert res["autoloads"] == ["Game", "Audio", "Hud"] and res["index"] == 2, res
    assert [n for n, _ in autoloads_on_disk(p)] == ["Game", "Audio", "Hud"]
    undo_global(shared)
    assert [n for n, _ in autoloads_on_disk(p)] == ["Hud", "Game", "Audio"]
    undo_global(shared)
    assert [n for n, _ in autoloads_on_disk(p)] == ["Game", "Audio", "Hud"]
    # a new autoload goes last, after the moved ones
    shared.command("move_autoload", {"name": "Game", "index": 2})
    shared.command("add_autoload", {"name": "Score", "path": SCRIPT, "global": False})
    assert [n for n, _ in autoloads_on_disk(p)] == ["Audio", "Hud", "Game", "Score"]
    assert err(shared, "move_autoload", {"name": "Hud", "index": -1}) == (400, "invalid_params")
    assert err(shared, "move_autoload", {"name": "Nope", "index": 0}) == (404, "not_found")
    assert err(shared, "move_autoload", {"name": "Hud"}) == (400, "invalid_params")


def test_godotds_runtime_autoload_is_left_alone(shared):
    """The runtime agent's autoload is godotd's: not listed, not removable, its name refused."""
    assert all(a["name"] != RUNTIME[0] for a in shared.command("list_autoloads")["autoloads"])
    assert err(shared, "remove_autoload", {"name": RUNTIME[0]}) == (404, "not_found")
    assert err(shared, "get_autoload", {"name": RUNTIME[0]}) == (404, "not_found")
    assert err(shared, "add_autoload", {"name": RUNTIME[0], "path": SCRIPT}) == (400, "invalid_params")
    assert autoloads_on_disk(shared.project) == []  # and it is still first on disk (checked there)
