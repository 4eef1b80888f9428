"""undo / redo / batch against the real editor: effects on disk, and the editor's own undo
bookkeeping left consistent (no "Inconsistent redo history" from the engine afterwards)."""

from __future__ import annotations

import pytest

from conftest import tscn_nodes

pytestmark = pytest.mark.shared


def engine_errors(d) -> list[str]:
    return [e["line"] for e in d.all_logs() if "Inconsistent redo history" in e["line"]
            or "history mismatch" in e["line"]]


def test_undo_redo_through_the_editor(shared):
    shared.command("open_scene", {"scene_path": "res://main.tscn"})
    tscn = shared.project / "main.tscn"
    shared.command("create_node", {"parent_path": ".", "type": "Node2D", "name": "HistA"})
    shared.command("save_scene")
    assert "HistA" in tscn_nodes(tscn)
    res = shared.command("undo")
    assert res["history"] == "scene" and "HistA" in res["undone"]
    shared.command("save_scene")
    assert "HistA" not in tscn_nodes(tscn)
    res = shared.command("redo")
    assert res["history"] == "scene"
    shared.command("save_scene")
    assert "HistA" in tscn_nodes(tscn)
    shared.command("undo", {"history": "scene"})
    shared.command("save_scene")
    assert "HistA" not in tscn_nodes(tscn)
    assert engine_errors(shared) == []


def test_batch_rolls_back_and_refuses_unbatchable(shared):
    shared.command("open_scene", {"scene_path": "res://main.tscn"})
    tscn = shared.project / "main.tscn"
    before = tscn_nodes(tscn)
    status, err = shared.command_error("batch", {"commands": [
        {"command": "create_node", "params": {"parent_path": ".", "type": "Node2D", "name": "HistB"}},
        {"command": "create_node", "params": {"parent_path": "HistB", "type": "Sprite2D", "name": "S"}},
        {"command": "get_node", "params": {"node_path": "NoSuchNode"}},
    ]})
    assert status == 404 and "step 2" in err["message"] and "2 earlier" in err["message"], err
    shared.command("save_scene")
    assert tscn_nodes(tscn) == before
    status, err = shared.command_error("batch", {"commands": [{"command": "save_scene"}]})
    assert status == 400 and "cannot be batched" in err["message"]
    status, err = shared.command_error("batch", {"commands": []})
    assert status == 400 and err["code"] == "invalid_params"
    res = shared.command("batch", {"commands": [
        {"command": "create_node", "params": {"parent_path": ".", "type": "Node2D", "name": "HistC"}},
        {"command": "get_node", "params": {"node_path": "HistC"}},
    ]})
    assert res["count"] == 2 and len(res["results"]) == 2
    shared.command("save_scene")
    assert "HistC" in tscn_nodes(tscn)
    assert engine_errors(shared) == []


def test_undo_bad_params_and_nothing_to_undo(shared):
    status, err = shared.command_error("undo", {"history": "sideways"})
    assert status == 400 and err["code"] == "invalid_params"
    status, err = shared.command_error("redo", {"history": "global", "extra": 1})
    assert status == 400
