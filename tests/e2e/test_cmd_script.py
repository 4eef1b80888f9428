"""The script commands against the real editor: files on disk, undo, errors with real lines, the
editor seeing new code, and attaching scripts to nodes.
"""

from __future__ import annotations

import pytest

from conftest import wait_for, SHORT_DEADLINE_S

pytestmark = pytest.mark.shared


def undo(shared, history: str = "global") -> dict:
    return shared.command("undo", {"history": history})


def lines_of(shared, rel: str) -> list[str]:
    return (shared.project / rel).read_text().splitlines()


# --------------------------------------------------------------------------------------------
# create_script, list_scripts


def test_create_script_with_class_name_and_undo(shared):
    r = shared.command("create_script", {"path": "res://actors/enemy.gd", "extends": "CharacterBody2D",
                                         "class_name": "Enemy"})
    assert r["created"] is True and r["errors"] == [] and r["class_name"] == "Enemy"
    src = lines_of(shared, "actors/enemy.gd")
    assert src[:2] == ["class_name Enemy", "extends CharacterBody2D"]
    assert "func _ready() -> void:" in src and any(ln.startswith("func _process(") for ln in src)
    listed = shared.command("list_scripts", {"class_name": "Enemy"})["scripts"]
    assert listed == [{"path": "res://actors/enemy.gd", "class_name": "Enemy", "extends": "CharacterBody2D"}]
    # the editor registers the global class (after its scan of the new folder): a script using
    # it compiles
    wait_for(lambda: shared.command("check_script", {"path": "res://x.gd",
                                                     "source": "extends Node\nvar e: Enemy\n"})["ok"],
             SHORT_DEADLINE_S, what="the editor to register class_name Enemy")
    status, err = shared.command_error("create_script", {"path": "res://actors/enemy.gd"})
    assert (status, err["code"]) == (422, "failed")
    status, err = shared.command_error("create_script", {"path": "res://actors/other.gd", "class_name": "Enemy"})
    assert (status, err["code"]) == (422, "failed")
    undo(shared)
    assert not (shared.project / "actors").exists()
    assert shared.command("list_scripts", {"class_name": "Enemy"})["scripts"] == []


def test_create_script_empty_template_and_bad_params(shared):
    r = shared.command("create_script", {"path": "res://empty_one.gd", "template": "empty", "extends": "Resource"})
    assert (shared.project / "empty_one.gd").read_text() == "extends Resource\n"
    assert r["errors"] == []
    undo(shared)
    assert not (shared.project / "empty_one.gd").exists()
    for params, code in [({"path": "res://a.txt"}, "invalid_params"),
                         ({"path": "res://a.gd", "extends": "NoSuchClass"}, "invalid_params"),
                         ({"path": "res://a.gd", "class_name": "not valid"}, "invalid_params"),
                         ({"path": "res://a.gd", "template": "fancy"}, "invalid_params"),
                         ({"path": "res://../a.gd"}, "outside_project"),
                         ({"path": "res://addons/godotd/a.gd"}, "forbidden")]:
        status, err = shared.command_error("create_script", params)
        assert err["code"] == code, (params, err)
    assert not (shared.project / "a.gd").exists()


def test_list_scripts_matches_disk(shared):
    r = shared.command("list_scripts", {"limit": 5000})
    disk = sorted("res://" + str(p.relative_to(shared.project)) for p in shared.project.rglob("*.gd")
                  if not any(part.startswith(".") for part in p.relative_to(shared.project).parts))
    assert sorted(s["path"] for s in r["scripts"]) == disk
    main = next(s for s in r["scripts"] if s["path"] == "res://main.gd")
    assert main == {"path": "res://main.gd", "class_name": "", "extends": "Node2D"}
    status, err = shared.command_error("list_scripts", {"path": "res://nowhere"})
    assert (status, err["code"]) == (404, "not_found")


# --------------------------------------------------------------------------------------------
# read_script, edit_script, replace_in_script


def test_read_script_numbers_match_disk(shared):
    disk = lines_of(shared, "main.gd")
    r = shared.command("read_script", {"path": "res://main.gd"})
    assert r["line_count"] == len(disk)
    got = r["content"].splitlines()
    for i, line in enumerate(got):
        num, _, text = line.partition("| ")
        assert int(num) == i + 1 and text == disk[i], (line, disk[i])
    r = shared.command("read_script", {"path": "res://main.gd", "start_line": 3, "end_line": 4,
                                       "line_numbers": False})
    assert r["content"] == "\n".join(disk[2:4]) + "\n"
    status, err = shared.command_error("read_script", {"path": "res://main.gd", "start_line": 999})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("read_script", {"path": "res://missing.gd"})
    assert (status, err["code"]) == (404, "not_found")


def test_edit_script_replace_insert_and_undo(shared):
    shared.command("create_script", {"path": "res://edit_me.gd", "extends": "Node", "template": "empty"})
    shared.command("edit_script", {"path": "res://edit_me.gd", "start_line": 2, "end_line": 1,
                                   "text": "\nfunc a() -> int:\n\treturn 1\n"})
    assert lines_of(shared, "edit_me.gd") == ["extends Node", "", "func a() -> int:", "\treturn 1"]
    r = shared.command("edit_script", {"path": "res://edit_me.gd", "start_line": 4, "end_line": 4,
                                       "text": "\treturn 2"})
    assert r["replaced"] == 1 and r["line_count"] == 4 and r["errors"] == []
    assert lines_of(shared, "edit_me.gd")[3] == "\treturn 2"
    undo(shared)
    assert lines_of(shared, "edit_me.gd")[3] == "\treturn 1"
    for start, end in [(9, 9), (3, 9), (3, 1)]:
        status, err = shared.command_error("edit_script", {"path": "res://edit_me.gd", "start_line": start,
                                                           "end_line": end, "text": "x"})
        assert (status, err["code"]) == (400, "invalid_params"), (start, end, err)
    assert lines_of(shared, "edit_me.gd")[3] == "\treturn 1"


def test_replace_in_script(shared):
    shared.command("write_file", {"path": "res://rep.gd", "content": "extends Node\nvar a := 1\nvar b := 1\n"})
    status, err = shared.command_error("replace_in_script", {"path": "res://rep.gd", "old": ":= 1", "new": ":= 2"})
    assert (status, err["code"]) == (422, "failed") and "2 times" in err["message"]
    status, err = shared.command_error("replace_in_script", {"path": "res://rep.gd", "old": "var c", "new": "x"})
    assert (status, err["code"]) == (422, "failed")
    r = shared.command("replace_in_script", {"path": "res://rep.gd", "old": "var b := 1", "new": "var b := 5"})
    assert r["replacements"] == 1 and r["errors"] == []
    assert lines_of(shared, "rep.gd") == ["extends Node", "var a := 1", "var b := 5"]
    r = shared.command("replace_in_script", {"path": "res://rep.gd", "old": "var", "new": "const", "all": True})
    assert r["replacements"] == 2
    assert lines_of(shared, "rep.gd") == ["extends Node", "const a := 1", "const b := 5"]
    undo(shared)
    assert lines_of(shared, "rep.gd") == ["extends Node", "var a := 1", "var b := 5"]
    status, err = shared.command_error("replace_in_script", {"path": "res://rep.gd", "old": "", "new": "x"})
    assert (status, err["code"]) == (400, "invalid_params")


def test_script_write_size_cap(shared):
    # The request is small, the result over the 16 MiB write cap: refused by the handler.
    shared.command("write_file", {"path": "res://cap.gd", "content": "extends Node\n# " + "x" * 170000 + "\n"})
    before = (shared.project / "cap.gd").read_bytes()
    status, err = shared.command_error("replace_in_script", {"path": "res://cap.gd", "old": "x",
                                                             "new": "y" * 100, "all": True})
    assert (status, err["code"]) == (413, "payload_too_large"), err
    assert (shared.project / "cap.gd").read_bytes() == before
    assert list(shared.project.rglob(".godotd-tmp-*")) == []


# --------------------------------------------------------------------------------------------
# check_script, list_script_errors, and the editor seeing new code


def test_check_script_reports_real_line_then_empty(shared):
    shared.command("create_script", {"path": "res://broken.gd", "extends": "Node"})
    assert shared.command("check_script", {"path": "res://broken.gd"}) == {
        "path": "res://broken.gd", "ok": True, "errors": []}
    src = lines_of(shared, "broken.gd")
    ready = src.index("func _ready() -> void:") + 1  # 1-based line of the func
    r = shared.command("edit_script", {"path": "res://broken.gd", "start_line": ready + 1, "end_line": ready + 1,
                                       "text": "\tvar n: int = undefined_name + 1"})
    assert r["errors"], r
    c = shared.command("check_script", {"path": "res://broken.gd"})
    assert c["ok"] is False
    assert [(e["file"], e["line"]) for e in c["errors"]] == [("res://broken.gd", ready + 1)], c
    assert "undefined_name" in c["errors"][0]["message"]
    listed = shared.command("list_script_errors", {})
    assert listed["files_with_errors"] == ["res://broken.gd"], listed
    assert listed["errors"][0]["line"] == ready + 1 and listed["checked"] >= 2
    # unsaved source is checked as if it were the file; the file is untouched
    s = shared.command("check_script", {"path": "res://broken.gd", "source": "extends Node\n\nfunc f(:\n"})
    assert [e["line"] for e in s["errors"]] == [3]
    shared.command("replace_in_script", {"path": "res://broken.gd", "old": "undefined_name + 1", "new": "1"})
    assert shared.command("check_script", {"path": "res://broken.gd"})["errors"] == []
    assert shared.command("list_script_errors", {})["errors"] == []
    status, err = shared.command_error("check_script", {"path": "res://nope.gd"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("list_script_errors", {"limit": 0})
    assert (status, err["code"]) == (400, "invalid_params")


def test_editor_sees_new_code(shared):
    shared.command("create_script", {"path": "res://live.gd", "extends": "Node", "template": "empty"})
    d = shared.command("describe_script", {"path": "res://live.gd"})
    assert d["methods"] == [] and d["extends"] == "Node"
    shared.command("edit_script", {"path": "res://live.gd", "start_line": 2, "end_line": 1,
                                   "text": "signal hit(amount: int)\n@export var speed: float = 2.5\nconst MAX := 3\n"
                                           "func jump(height: float) -> void:\n\tpass"})
    d = shared.command("describe_script", {"path": "res://live.gd"})
    assert d["methods"] == [{"name": "jump", "args": ["height"]}]
    assert d["signals"] == [{"name": "hit", "args": ["amount"]}]
    assert {"name": "speed", "type": "float", "class": "", "exported": True} in d["properties"]
    assert d["constants"] == {"MAX": 3}
    shared.command("replace_in_script", {"path": "res://live.gd", "old": "func jump", "new": "func leap"})
    d = shared.command("describe_script", {"path": "res://live.gd"})
    assert [m["name"] for m in d["methods"]] == ["leap"]
    undo(shared)
    assert [m["name"] for m in shared.command("describe_script", {"path": "res://live.gd"})["methods"]] == ["jump"]
    status, err = shared.command_error("describe_script", {"path": "res://missing.gd"})
    assert (status, err["code"]) == (404, "not_found")


# --------------------------------------------------------------------------------------------
# attach_script, detach_script


def _node(tree: dict, path: str) -> dict:
    stack = [tree["root"]]
    while stack:
        n = stack.pop()
        if n["path"] == path:
            return n
        stack += n.get("children", [])
    raise AssertionError(f"no node {path}")


def test_attach_and_detach_script_with_undo(shared):
    shared.command("open_scene", {"scene_path": "res://main.tscn"})
    shared.command("create_script", {"path": "res://label_script.gd", "extends": "Label"})
    r = shared.command("attach_script", {"node_path": "Label", "script_path": "res://label_script.gd"})
    assert r == {"node_path": "Label", "script_path": "res://label_script.gd"}
    assert _node(shared.command("get_scene_tree"), "Label").get("script") == "res://label_script.gd"
    undo(shared, "scene")
    assert "script" not in _node(shared.command("get_scene_tree"), "Label")
    status, err = shared.command_error("attach_script", {"node_path": "Timer", "script_path": "res://label_script.gd"})
    assert (status, err["code"]) == (422, "failed")
    status, err = shared.command_error("attach_script", {"node_path": "Nope", "script_path": "res://label_script.gd"})
    assert (status, err["code"]) == (404, "not_found")
    r = shared.command("detach_script", {"node_path": "."})
    assert r == {"node_path": ".", "detached": "res://main.gd"}
    assert "script" not in shared.command("get_scene_tree", {"max_depth": 0})["root"]
    undo(shared, "scene")
    assert shared.command("get_scene_tree", {"max_depth": 0})["root"]["script"] == "res://main.gd"
    status, err = shared.command_error("detach_script", {"node_path": "Timer"})
    assert (status, err["code"]) == (422, "failed")
