"""The node commands against the real editor: the demo's scenes as ground truth (.tscn files),
changes saved to disk, undo restoring them, typed property values, and structured errors.
"""

from __future__ import annotations

import re

import pytest

from conftest import tscn_nodes, tree_nodes, wait_for, SHORT_DEADLINE_S

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"


def open_scene(shared, scene: str) -> None:
    assert shared.command("open_scene", {"scene_path": scene})["edited_scene"] == scene


def undo(shared) -> dict:
    return shared.command("undo", {"history": "scene"})


def save(shared, scene: str) -> str:
    """Saves the edited scene and returns its .tscn text from disk."""
    assert shared.command("save_scene")["scene_path"] == scene
    return (shared.project / scene.removeprefix("res://")).read_text()


def section(text: str, name: str, parent: str | None) -> list[str]:
    """The lines of the [node] section named ``name`` under ``parent`` (None = the root)."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("["):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', line))
            inside = line.startswith("[node ") and attrs.get("name") == name and attrs.get("parent") == parent
            if inside:
                out.append(line)
            continue
        if inside and line.strip():
            out.append(line)
    assert out, f"no [node name={name} parent={parent}] in:\n{text}"
    return out


def err(shared, name: str, params: dict) -> tuple[int, str, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"], error["message"]


def tree(shared) -> dict[str, str]:
    return tree_nodes(shared.command("get_scene_tree")["root"])


# --------------------------------------------------------------------------------------------
# get_node, find_nodes


def test_get_node_matches_tscn(shared):
    open_scene(shared, MAIN)
    expected = tscn_nodes(shared.project / "main.tscn")
    for path, cls in expected.items():
        info = shared.command("get_node", {"node_path": path})
        assert info["node_path"] == path and info["type"] == cls, (path, info)
    root = shared.command("get_node", {"node_path": "."})
    assert root["script"] == "res://main.gd" and root["parent"] == ""
    assert root["children"] == ["Sprite2D", "Label", "Timer", "Player"]
    player = shared.command("get_node", {"node_path": "Player"})
    assert player["instance"] == "res://player.tscn" and player["editable_children"] is False
    assert player["index"] == 3 and player["children"] == []
    inner = shared.command("get_node", {"node_path": "Player/Sprite2D"})
    assert inner["editable"] is False
    assert err(shared, "get_node", {"node_path": "Nope"})[:2] == (404, "not_found")
    assert err(shared, "get_node", {})[:2] == (400, "invalid_params")
    assert err(shared, "get_node", {"node_path": 3})[:2] == (400, "invalid_params")


def test_find_nodes(shared):
    open_scene(shared, MAIN)
    found = shared.command("find_nodes", {"type": "Node2D"})
    assert sorted(n["path"] for n in found["nodes"]) == [".", "Player", "Sprite2D"]
    assert found["truncated"] is False
    assert [n["path"] for n in shared.command("find_nodes", {"name": "*2D"})["nodes"]] == ["Sprite2D"]
    assert [n["type"] for n in shared.command("find_nodes", {"type": "CanvasItem", "name": "L*"})["nodes"]] == ["Label"]
    limited = shared.command("find_nodes", {"limit": 2})
    assert limited["count"] == 2 and limited["truncated"] is True
    assert err(shared, "find_nodes", {"type": "NoSuchClass"})[:2] == (400, "invalid_params")
    assert err(shared, "find_nodes", {"root_path": "Nope"})[:2] == (404, "not_found")
    assert err(shared, "find_nodes", {"limit": 0})[:2] == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# create_node, delete_node, rename_node, move_node, duplicate_node, reparent_node


def test_create_node_saved_and_undone(shared):
    open_scene(shared, MAIN)
    r = shared.command("create_node", {"parent_path": ".", "type": "Sprite2D", "name": "Coin",
                                       "properties": {"position": [10, 20], "texture": "res://icon.svg"}})
    assert r == {"node_path": "Coin", "name": "Coin", "type": "Sprite2D"}
    text = save(shared, MAIN)
    assert tscn_nodes(shared.project / "main.tscn")["Coin"] == "Sprite2D"
    coin = section(text, "Coin", ".")
    assert "position = Vector2(10, 20)" in coin and any(ln.startswith("texture = ExtResource(") for ln in coin)
    undo(shared)
    assert "Coin" not in tree(shared)
    save(shared, MAIN)
    assert "Coin" not in tscn_nodes(shared.project / "main.tscn")


def test_create_node_name_clash_index_and_class_name(shared):
    open_scene(shared, MAIN)
    r = shared.command("create_node", {"parent_path": ".", "type": "Timer", "index": 0})
    assert r["node_path"] != "Timer" and r["node_path"].startswith("Timer"), r
    assert shared.command("get_node", {"node_path": r["node_path"]})["index"] == 0
    undo(shared)
    assert r["node_path"] not in tree(shared)
    under = shared.command("create_node", {"parent_path": "Sprite2D", "type": "Area2D", "name": "Hitbox"})
    assert under["node_path"] == "Sprite2D/Hitbox"
    assert tree(shared)["Sprite2D/Hitbox"] == "Area2D"
    undo(shared)


def test_create_node_of_a_class_name(shared):
    open_scene(shared, MAIN)
    shared.command("create_script", {"path": "res://coin_pickup.gd", "extends": "Area2D", "class_name": "CoinPickup"})

    def created():
        r = shared.post("/godot/create_node", {"parent_path": ".", "type": "CoinPickup"})
        return r.json() if r.status_code == 200 else None
    r = wait_for(created, SHORT_DEADLINE_S, what="the editor to register class_name CoinPickup")
    assert r["type"] == "Area2D"
    info = shared.command("get_node", {"node_path": r["node_path"]})
    assert info["script"] == "res://coin_pickup.gd"
    assert [n["path"] for n in shared.command("find_nodes", {"type": "CoinPickup"})["nodes"]] == [r["node_path"]]
    head = section(save(shared, MAIN), r["name"], ".")
    assert any(ln.startswith("script = ExtResource(") for ln in head)
    undo(shared)
    save(shared, MAIN)
    assert r["node_path"] not in tscn_nodes(shared.project / "main.tscn")
    shared.command("undo", {"history": "global"})
    assert not (shared.project / "coin_pickup.gd").exists()


def test_create_node_bad_params(shared):
    open_scene(shared, MAIN)
    before = tree(shared)
    for params, status, code in [
        ({"parent_path": ".", "type": "CanvasItem"}, 400, "invalid_params"),       # abstract
        ({"parent_path": ".", "type": "Resource"}, 400, "invalid_params"),         # not a Node
        ({"parent_path": ".", "type": "EditorFileDialog"}, 400, "invalid_params"), # editor-only
        ({"parent_path": ".", "type": "NoSuchClass"}, 400, "invalid_params"),
        ({"parent_path": "Nope", "type": "Node"}, 404, "not_found"),
        ({"parent_path": "."}, 400, "invalid_params"),
        ({"parent_path": ".", "type": "Node", "name": "a/b"}, 400, "invalid_params"),
        ({"parent_path": ".", "type": "Node2D", "properties": {"position": "left"}}, 400, "invalid_params"),
        ({"parent_path": ".", "type": "Node2D", "properties": {"no_such": 1}}, 404, "not_found"),
        ({"parent_path": ".", "type": "Node", "index": 99}, 400, "invalid_params"),
        ({"parent_path": "Player/Sprite2D", "type": "Node"}, 422, "failed"),      # inside an instance
    ]:
        got = err(shared, "create_node", params)
        assert got[:2] == (status, code), (params, got)
    s, code, msg = err(shared, "create_node", {"parent_path": ".", "type": "CanvasItem"})
    assert "abstract" in msg and "Node2D" in msg, msg
    assert tree(shared) == before


def test_delete_node_with_children_and_undo(shared):
    open_scene(shared, LEVEL)
    original = tscn_nodes(shared.project / "level.tscn")
    assert shared.command("delete_node", {"node_path": "Floor"}) == {"deleted": "Floor"}
    save(shared, LEVEL)
    on_disk = tscn_nodes(shared.project / "level.tscn")
    assert not any(p == "Floor" or p.startswith("Floor/") for p in on_disk)
    undo(shared)
    save(shared, LEVEL)
    assert tscn_nodes(shared.project / "level.tscn") == original  # owners came back too
    assert tree(shared) == original
    assert err(shared, "delete_node", {"node_path": "."})[:2] == (400, "invalid_params")
    assert err(shared, "delete_node", {"node_path": "Level"})[:2] == (400, "invalid_params")
    assert err(shared, "delete_node", {"node_path": "Floor/Nope"})[:2] == (404, "not_found")


def test_rename_node(shared):
    open_scene(shared, MAIN)
    r = shared.command("rename_node", {"node_path": "Label", "new_name": "Title"})
    assert r == {"node_path": "Title", "old_path": "Label", "name": "Title"}
    text = save(shared, MAIN)
    section(text, "Title", ".")
    assert "Label" not in tscn_nodes(shared.project / "main.tscn")
    undo(shared)
    assert tree(shared)["Label"] == "Label"
    save(shared, MAIN)
    assert err(shared, "rename_node", {"node_path": "Label", "new_name": "Timer"})[:2] == (422, "failed")
    assert err(shared, "rename_node", {"node_path": "Label", "new_name": "a:b"})[:2] == (400, "invalid_params")
    assert err(shared, "rename_node", {"node_path": "Label", "new_name": ""})[:2] == (400, "invalid_params")
    assert err(shared, "rename_node", {"node_path": "Label"})[:2] == (400, "invalid_params")
    assert tree(shared)["Label"] == "Label"


def test_move_node(shared):
    open_scene(shared, MAIN)
    r = shared.command("move_node", {"node_path": "Timer", "index": 0})
    assert r["index"] == 0 and r["siblings"] == ["Timer", "Sprite2D", "Label", "Player"]
    text = save(shared, MAIN)
    assert [n for n in re.findall(r'^\[node name="(\w+)"', text, re.M)] == ["Main", "Timer", "Sprite2D", "Label", "Player"]
    undo(shared)
    assert shared.command("get_node", {"node_path": "."})["children"] == ["Sprite2D", "Label", "Timer", "Player"]
    save(shared, MAIN)
    assert err(shared, "move_node", {"node_path": "Timer", "index": 9})[:2] == (400, "invalid_params")
    assert err(shared, "move_node", {"node_path": ".", "index": 0})[:2] == (400, "invalid_params")
    assert err(shared, "move_node", {"node_path": "Timer", "index": "first"})[:2] == (400, "invalid_params")


def test_duplicate_node_with_children(shared):
    open_scene(shared, LEVEL)
    r = shared.command("duplicate_node", {"node_path": "Floor", "name": "Floor2"})
    assert r == {"node_path": "Floor2", "name": "Floor2", "source": "Floor"}
    save(shared, LEVEL)
    on_disk = tscn_nodes(shared.project / "level.tscn")
    assert on_disk["Floor2"] == "StaticBody3D"
    assert on_disk["Floor2/Mesh"] == "MeshInstance3D" and on_disk["Floor2/Collision"] == "CollisionShape3D"
    assert shared.command("get_node", {"node_path": "Floor2"})["index"] == 3
    undo(shared)
    save(shared, LEVEL)
    assert "Floor2" not in tscn_nodes(shared.project / "level.tscn")
    # no name: Godot picks a unique one
    auto = shared.command("duplicate_node", {"node_path": "Crate"})
    assert auto["node_path"] != "Crate" and tree(shared)[auto["node_path"]] == "MeshInstance3D"
    undo(shared)
    assert auto["node_path"] not in tree(shared)
    assert err(shared, "duplicate_node", {"node_path": "."})[:2] == (400, "invalid_params")
    assert err(shared, "duplicate_node", {"node_path": "Crate", "name": "Sun"})[:2] == (422, "failed")
    assert err(shared, "duplicate_node", {"node_path": "Ghost"})[:2] == (404, "not_found")


def test_duplicate_instance_in_main(shared):
    open_scene(shared, MAIN)
    r = shared.command("duplicate_node", {"node_path": "Player", "name": "Player2"})
    text = save(shared, MAIN)
    head = section(text, "Player2", ".")[0]
    assert "instance=ExtResource(" in head
    assert tscn_nodes(shared.project / "main.tscn")["Player2"] == "CharacterBody2D"
    undo(shared)
    save(shared, MAIN)
    assert r["node_path"] not in tscn_nodes(shared.project / "main.tscn")


def vec(d: dict) -> list[float]:
    return [round(d[k], 3) for k in ("x", "y", "z") if k in d]


def test_reparent_keeps_global_transform_and_undo(shared):
    open_scene(shared, LEVEL)
    before = shared.command("get_node_transform", {"node_path": "Sun"})
    r = shared.command("reparent_node", {"node_path": "Sun", "new_parent_path": "Camera3D"})
    assert r["node_path"] == "Camera3D/Sun" and r["parent"] == "Camera3D"
    after = shared.command("get_node_transform", {"node_path": "Camera3D/Sun"})
    assert vec(after["global"]["position"]) == vec(before["global"]["position"]) == [0, 10, 0]
    assert vec(after["local"]["position"]) != vec(before["local"]["position"])
    save(shared, LEVEL)
    assert tscn_nodes(shared.project / "level.tscn")["Camera3D/Sun"] == "DirectionalLight3D"
    undo(shared)
    back = shared.command("get_node_transform", {"node_path": "Sun"})
    assert vec(back["local"]["position"]) == [0, 10, 0]
    assert shared.command("get_node", {"node_path": "Sun"})["index"] == 0
    save(shared, LEVEL)
    assert "Sun" in tscn_nodes(shared.project / "level.tscn")
    # local transform kept
    shared.command("reparent_node", {"node_path": "Crate", "new_parent_path": "Camera3D",
                                     "keep_global_transform": False})
    moved = shared.command("get_node_transform", {"node_path": "Camera3D/Crate"})
    assert vec(moved["local"]["position"]) == [0, 0.75, 0]
    undo(shared)
    assert tree(shared)["Crate"] == "MeshInstance3D"
    # 2D: the Player instance (at 320, 400) under Sprite2D (at 576, 324) keeps its place on screen
    open_scene(shared, MAIN)
    assert err(shared, "reparent_node", {"node_path": "Sprite2D", "new_parent_path": "Player"})[:2] == (422, "failed")
    r2 = shared.command("reparent_node", {"node_path": "Player", "new_parent_path": "Sprite2D", "index": 0})
    assert r2 == {"node_path": "Sprite2D/Player", "parent": "Sprite2D", "index": 0}, r2
    t2 = shared.command("get_node_transform", {"node_path": "Sprite2D/Player"})
    assert vec(t2["local"]["position"]) == [-256, 76] and vec(t2["global"]["position"]) == [320, 400]
    text = save(shared, MAIN)
    head = section(text, "Player", "Sprite2D")
    assert "instance=ExtResource(" in head[0] and "position = Vector2(-256, 76)" in head
    assert tscn_nodes(shared.project / "main.tscn")["Sprite2D/Player"] == "CharacterBody2D"
    undo(shared)
    assert vec(shared.command("get_node_transform", {"node_path": "Player"})["local"]["position"]) == [320, 400]
    assert shared.command("get_node", {"node_path": "Player"})["index"] == 3
    save(shared, MAIN)
    open_scene(shared, LEVEL)
    for params, status, code in [
        ({"node_path": "Floor", "new_parent_path": "Floor/Mesh"}, 400, "invalid_params"),
        ({"node_path": ".", "new_parent_path": "Floor"}, 400, "invalid_params"),
        ({"node_path": "Crate", "new_parent_path": "Nope"}, 404, "not_found"),
        ({"node_path": "Crate"}, 400, "invalid_params"),
    ]:
        assert err(shared, "reparent_node", params)[:2] == (status, code), params


# --------------------------------------------------------------------------------------------
# properties


def test_get_properties_and_property(shared):
    open_scene(shared, MAIN)
    props = shared.command("get_properties", {"node_path": "Sprite2D", "prefix": "position"})["properties"]
    assert props == [{"name": "position", "type": "Vector2", "value": {"$type": "Vector2", "x": 576.0, "y": 324.0}}]
    changed = {p["name"] for p in shared.command("get_properties", {"node_path": "Sprite2D", "non_default": True})["properties"]}
    # what the .tscn stores for Sprite2D (position, texture), plus editor-only values at most
    assert {"position", "texture"} <= changed and "visible" not in changed and "offset" not in changed
    every = shared.command("get_properties", {"node_path": "Label"})
    names = [p["name"] for p in every["properties"]]
    assert "text" in names and "size" in names and every["count"] == len(names)
    tex = shared.command("get_property", {"node_path": "Sprite2D", "property": "texture"})
    assert tex["value"]["path"] == "res://icon.svg" and tex["type"] == "Texture2D"
    assert "res://" in tex["accepts"]
    text = shared.command("get_property", {"node_path": "Label", "property": "text"})
    assert text["value"] == "godotd demo" and text["default"] == ""
    assert err(shared, "get_property", {"node_path": "Label", "property": "txt"})[:2] == (404, "not_found")
    assert err(shared, "get_properties", {"node_path": "Nope"})[:2] == (404, "not_found")


def test_float32_values_read_as_godot_writes_them(shared):
    """Godot keeps these reals as float32: 0.8 comes back as 0.8 (as in the .tscn), not as
    0.80000001192092896, and setting the printed value back changes nothing."""
    open_scene(shared, MAIN)
    shared.command("create_node", {"parent_path": ".", "type": "Node2D", "name": "Exact",
                                   "properties": {"position": [0.8, 0.1], "rotation": 0.3,
                                                  "modulate": [0.1, 0.2, 0.3, 1]}})
    r = shared.post("/godot/get_properties", {"node_path": "Exact", "non_default": True})
    assert r.status_code == 200, r.text
    raw = r.text
    assert re.search(r'"x":0\.8[,}]', raw) and re.search(r'"y":0\.1[,}]', raw), raw
    assert '"value":0.3' in raw and re.search(r'"b":0\.3[,}]', raw), raw
    assert "0000000" not in raw, raw
    text = save(shared, MAIN)
    assert "position = Vector2(0.8, 0.1)" in section(text, "Exact", "."), text
    # the printed value set back is the same float32: nothing changes, nothing to record
    r = shared.command("set_property", {"node_path": "Exact", "property": "rotation", "value": 0.3})
    assert r["value"] == 0.3, r
    assert "rotation = 0.3" in section(save(shared, MAIN), "Exact", ".")
    for _ in range(3):
        if shared.post("/godot/get_node", {"node_path": "Exact"}).status_code == 404:
            break
        undo(shared)
    save(shared, MAIN)
    assert "Exact" not in tscn_nodes(shared.project / "main.tscn")


def test_set_property_typed_values_saved(shared):
    open_scene(shared, MAIN)
    r = shared.command("set_property", {"node_path": "Sprite2D", "property": "position", "value": [100, 50.5]})
    assert r["value"] == {"$type": "Vector2", "x": 100.0, "y": 50.5}
    shared.command("set_property", {"node_path": "Sprite2D", "property": "modulate", "value": "#ff000080"})
    shared.command("set_property", {"node_path": "Sprite2D", "property": "region_rect", "value": [0, 0, 16, 32]})
    shared.command("set_property", {"node_path": "Sprite2D", "property": "texture_filter", "value": "Nearest"})
    shared.command("set_property", {"node_path": "Label", "property": "text", "value": "Hello"})
    node = shared.command("create_node", {"parent_path": ".", "type": "AnimationPlayer", "name": "Anim",
                                          "properties": {"root_node": "../Label"}})
    assert node["node_path"] == "Anim"
    shared.command("create_node", {"parent_path": ".", "type": "Node2D", "name": "Follow"})
    shared.command("set_property", {"node_path": "Follow", "property": "transform",
                                    "value": {"origin": [5, 6], "rotation": 0, "scale": [2, 2]}})
    text = save(shared, MAIN)
    sprite = section(text, "Sprite2D", ".")
    assert "position = Vector2(100, 50.5)" in sprite
    assert "modulate = Color(1, 0, 0, 0.5019608)" in sprite or any(ln.startswith("modulate = Color(1, 0, 0, 0.50") for ln in sprite), sprite
    assert "region_rect = Rect2(0, 0, 16, 32)" in sprite
    assert "texture_filter = 1" in sprite
    assert 'text = "Hello"' in section(text, "Label", ".")
    assert 'root_node = NodePath("../Label")' in section(text, "Anim", ".")
    follow = section(text, "Follow", ".")
    assert "position = Vector2(5, 6)" in follow and "scale = Vector2(2, 2)" in follow
    for _ in range(8):
        undo(shared)
    text = save(shared, MAIN)
    sprite = section(text, "Sprite2D", ".")
    assert "position = Vector2(576, 324)" in sprite and not any(ln.startswith(("modulate", "region_rect")) for ln in sprite)
    assert 'text = "godotd demo"' in section(text, "Label", ".")
    assert "Follow" not in tscn_nodes(shared.project / "main.tscn") and "Anim" not in text


def test_set_property_resources_and_3d(shared):
    open_scene(shared, MAIN)
    shared.command("set_property", {"node_path": "Sprite2D", "property": "texture", "value": None})
    assert shared.command("get_property", {"node_path": "Sprite2D", "property": "texture"})["value"] is None
    r = shared.command("set_property", {"node_path": "Sprite2D", "property": "texture", "value": "res://icon.svg"})
    assert r["value"]["path"] == "res://icon.svg" and r["value"]["class"].endswith("Texture2D")
    undo(shared)
    undo(shared)
    s, code, msg = err(shared, "set_property", {"node_path": "Sprite2D", "property": "texture", "value": "res://main.gd"})
    assert (s, code) == (400, "invalid_params") and "Texture2D" in msg, msg
    s, code, msg = err(shared, "set_property", {"node_path": "Sprite2D", "property": "position", "value": "left"})
    assert (s, code) == (400, "invalid_params") and "Vector2" in msg and "[1, 2]" in msg, msg
    s, code, msg = err(shared, "set_property", {"node_path": "Sprite2D", "property": "visible", "value": "yes"})
    assert (s, code) == (400, "invalid_params") and "bool" in msg, msg
    assert err(shared, "set_property", {"node_path": "Sprite2D", "property": "texture", "value": "res://none.png"})[:2] == (400, "invalid_params")
    assert err(shared, "set_property", {"node_path": "Sprite2D", "property": "positon", "value": [1, 1]})[:2] == (404, "not_found")
    assert err(shared, "set_property", {"node_path": "Sprite2D", "property": "script", "value": None})[:2] == (400, "invalid_params")
    assert err(shared, "set_property", {"node_path": "Sprite2D", "property": "owner", "value": "Label"})[:2] == (400, "invalid_params")
    assert err(shared, "set_property", {"node_path": "Player", "property": "scene_file_path", "value": "res://main.tscn"})[:2] == (400, "invalid_params")
    assert err(shared, "set_property", {"node_path": "Sprite2D", "property": "position"})[:2] == (400, "invalid_params")
    assert err(shared, "set_property", {"node_path": "Player/Sprite2D", "property": "position", "value": [1, 1]})[:2] == (422, "failed")
    assert shared.command("get_property", {"node_path": "Sprite2D", "property": "position"})["value"]["x"] == 576.0
    open_scene(shared, LEVEL)
    shared.command("set_property", {"node_path": "Crate", "property": "transform",
                                    "value": {"origin": [1, 2, 3]}})
    text = save(shared, LEVEL)
    assert "transform = Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3)" in section(text, "Crate", ".")
    undo(shared)
    text = save(shared, LEVEL)
    assert "transform = Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0.75, 0)" in section(text, "Crate", ".")


def test_set_properties_one_action_and_reset(shared):
    open_scene(shared, MAIN)
    r = shared.command("set_properties", {"node_path": "Sprite2D",
                                          "properties": {"position": [1, 2], "scale": {"x": 3, "y": 3}, "flip_h": True}})
    assert r["values"]["flip_h"] is True and r["values"]["scale"]["x"] == 3.0
    sprite = section(save(shared, MAIN), "Sprite2D", ".")
    assert {"position = Vector2(1, 2)", "scale = Vector2(3, 3)", "flip_h = true"} <= set(sprite)
    undo(shared)  # one undo reverts all three
    vals = {p["name"]: p["value"] for p in shared.command("get_properties", {"node_path": "Sprite2D", "non_default": True})["properties"]}
    assert vals["position"]["x"] == 576.0 and "scale" not in vals and "flip_h" not in vals
    # a bad value anywhere: nothing changes
    assert err(shared, "set_properties", {"node_path": "Sprite2D",
                                          "properties": {"flip_v": True, "scale": "big"}})[:2] == (400, "invalid_params")
    assert shared.command("get_property", {"node_path": "Sprite2D", "property": "flip_v"})["value"] is False
    assert err(shared, "set_properties", {"node_path": "Sprite2D", "properties": {}})[:2] == (400, "invalid_params")
    # reset
    r = shared.command("reset_property", {"node_path": "Sprite2D", "property": "position"})
    assert r["value"] == {"$type": "Vector2", "x": 0.0, "y": 0.0}
    sprite = section(save(shared, MAIN), "Sprite2D", ".")
    assert not any(ln.startswith("position") for ln in sprite)
    undo(shared)
    assert "position = Vector2(576, 324)" in section(save(shared, MAIN), "Sprite2D", ".")
    assert err(shared, "reset_property", {"node_path": "Sprite2D", "property": "nope"})[:2] == (404, "not_found")
    assert err(shared, "reset_property", {"node_path": "Sprite2D"})[:2] == (400, "invalid_params")


def test_batch_rolls_back_node_commands(shared):
    open_scene(shared, MAIN)
    before = tree(shared)
    status, error = shared.command_error("batch", {"commands": [
        {"command": "create_node", "params": {"parent_path": ".", "type": "Node2D", "name": "Temp"}},
        {"command": "set_property", "params": {"node_path": "Temp", "property": "position", "value": [5, 5]}},
        {"command": "set_property", "params": {"node_path": "Sprite2D", "property": "position", "value": [1, 1]}},
        {"command": "set_property", "params": {"node_path": "Temp", "property": "no_such_property", "value": 1}},
    ]})
    assert (status, error["code"]) == (404, "not_found"), error
    assert "step 3" in error["message"] and "3 earlier action" in error["message"], error
    assert tree(shared) == before
    assert shared.command("get_property", {"node_path": "Sprite2D", "property": "position"})["value"]["x"] == 576.0
    ok = shared.command("batch", {"commands": [
        {"command": "create_node", "params": {"parent_path": ".", "type": "Node2D", "name": "Temp"}},
        {"command": "add_to_group", "params": {"node_path": "Temp", "group": "temps"}},
        {"command": "get_node", "params": {"node_path": "Temp"}},
    ]})
    assert ok["results"][2]["groups"] == ["temps"]
    undo(shared)
    undo(shared)
    assert tree(shared) == before


# --------------------------------------------------------------------------------------------
# groups, unique names, editable children, metadata


def test_groups(shared):
    open_scene(shared, MAIN)
    r = shared.command("add_to_group", {"node_path": "Sprite2D", "group": "pickups"})
    assert r["groups"] == ["pickups"] and r["changed"] is True
    assert shared.command("add_to_group", {"node_path": "Sprite2D", "group": "pickups"})["changed"] is False
    shared.command("add_to_group", {"node_path": "Label", "group": "pickups"})
    head = section(save(shared, MAIN), "Sprite2D", ".")[0]
    assert 'groups=["pickups"]' in head, head
    listed = shared.command("list_groups")
    assert {"name": "pickups", "nodes": ["Sprite2D", "Label"]} in listed["groups"]
    assert shared.command("list_groups", {"node_path": "Label"})["groups"] == [{"name": "pickups", "nodes": ["Label"]}]
    assert [n["path"] for n in shared.command("find_nodes", {"group": "pickups"})["nodes"]] == ["Sprite2D", "Label"]
    assert shared.command("remove_from_group", {"node_path": "Label", "group": "pickups"})["groups"] == []
    undo(shared)
    assert shared.command("get_node", {"node_path": "Label"})["groups"] == ["pickups"]
    undo(shared)  # Label's add
    undo(shared)  # Sprite2D's add
    assert shared.command("list_groups")["groups"] == []
    head = section(save(shared, MAIN), "Sprite2D", ".")[0]
    assert "groups=" not in head
    assert err(shared, "remove_from_group", {"node_path": "Label", "group": "pickups"})[:2] == (404, "not_found")
    assert err(shared, "add_to_group", {"node_path": "Label", "group": "_internal"})[:2] == (400, "invalid_params")
    assert err(shared, "add_to_group", {"node_path": "Label"})[:2] == (400, "invalid_params")
    assert err(shared, "list_groups", {"node_path": "Nope"})[:2] == (404, "not_found")


def test_unique_name(shared):
    open_scene(shared, MAIN)
    r = shared.command("set_unique_name", {"node_path": "Label", "unique": True})
    assert r == {"node_path": "Label", "unique": True, "access": "%Label"}
    assert "unique_name_in_owner = true" in section(save(shared, MAIN), "Label", ".")
    assert shared.command("get_node", {"node_path": "Label"})["unique_name"] is True
    undo(shared)
    assert not any("unique_name_in_owner" in ln for ln in section(save(shared, MAIN), "Label", "."))
    assert err(shared, "set_unique_name", {"node_path": "Label", "unique": "yes"})[:2] == (400, "invalid_params")
    assert err(shared, "set_unique_name", {"node_path": ".", "unique": True})[:2] == (400, "invalid_params")


def test_editable_children(shared):
    open_scene(shared, MAIN)
    r = shared.command("set_editable_children", {"node_path": "Player", "editable": True})
    assert r["editable"] is True and sorted(r["children"]) == ["Player/CollisionShape2D", "Player/Sprite2D"]
    nodes = tree(shared)
    assert nodes["Player/Sprite2D"] == "Sprite2D"
    # now the instance's own nodes can be changed
    shared.command("set_property", {"node_path": "Player/Sprite2D", "property": "flip_h", "value": True})
    text = save(shared, MAIN)
    assert '[editable path="Player"]' in text
    assert "flip_h = true" in section(text, "Sprite2D", "Player")
    undo(shared)
    undo(shared)
    assert "Player/Sprite2D" not in tree(shared)
    assert '[editable path="Player"]' not in save(shared, MAIN)
    assert err(shared, "set_editable_children", {"node_path": "Sprite2D", "editable": True})[:2] == (400, "invalid_params")
    assert err(shared, "set_editable_children", {"node_path": "Player"})[:2] == (400, "invalid_params")


def test_node_meta(shared):
    open_scene(shared, MAIN)
    r = shared.command("set_node_meta", {"node_path": "Sprite2D", "key": "points", "value": 5})
    assert r["value"] == 5 and r["removed"] is False
    shared.command("set_node_meta", {"node_path": "Sprite2D", "key": "spawn",
                                     "value": {"$type": "Vector2", "x": 1, "y": 2}})
    sprite = section(save(shared, MAIN), "Sprite2D", ".")
    assert "metadata/points = 5" in sprite and "metadata/spawn = Vector2(1, 2)" in sprite
    meta = shared.command("get_node_meta", {"node_path": "Sprite2D"})["meta"]
    assert meta["points"] == 5 and meta["spawn"] == {"$type": "Vector2", "x": 1.0, "y": 2.0}
    assert shared.command("get_node_meta", {"node_path": "Sprite2D", "key": "points"})["meta"] == {"points": 5}
    shared.command("set_node_meta", {"node_path": "Sprite2D", "key": "points", "remove": True})
    assert "points" not in shared.command("get_node_meta", {"node_path": "Sprite2D"})["meta"]
    undo(shared)
    assert shared.command("get_node_meta", {"node_path": "Sprite2D", "key": "points"})["meta"] == {"points": 5}
    undo(shared)
    undo(shared)
    assert not any(ln.startswith("metadata/") for ln in section(save(shared, MAIN), "Sprite2D", "."))
    assert err(shared, "get_node_meta", {"node_path": "Sprite2D", "key": "points"})[:2] == (404, "not_found")
    assert err(shared, "set_node_meta", {"node_path": "Sprite2D", "key": "a b", "value": 1})[:2] == (400, "invalid_params")
    assert err(shared, "set_node_meta", {"node_path": "Sprite2D", "key": "gone", "remove": True})[:2] == (404, "not_found")
    assert err(shared, "set_node_meta", {"node_path": "Sprite2D", "key": "k"})[:2] == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# signals


def test_list_signals_class_and_script(shared):
    open_scene(shared, MAIN)
    timer = shared.command("list_signals", {"node_path": "Timer"})
    assert {"name": "timeout", "args": [], "source": "class"} in timer["signals"]
    area_args = None
    shared.command("create_node", {"parent_path": ".", "type": "Area2D", "name": "Zone"})
    for s in shared.command("list_signals", {"node_path": "Zone"})["signals"]:
        if s["name"] == "body_entered":
            area_args = s["args"]
    assert area_args == ["body: Node2D"]
    shared.command("write_file", {"path": "res://zone.gd",
                                  "content": "extends Area2D\n\nsignal scored(points: int, who: String)\n"})
    shared.command("attach_script", {"node_path": "Zone", "script_path": "res://zone.gd"})
    own = shared.command("list_signals", {"node_path": "Zone", "builtin": False})["signals"]
    assert own == [{"name": "scored", "args": ["points: int", "who: String"], "source": "script"}]
    assert shared.command("list_signals", {"node_path": "Zone"})["signals"][0]["name"] == "scored"
    undo(shared)  # attach
    undo(shared)  # create
    shared.command("undo", {"history": "global"})  # write_file
    assert "Zone" not in tree(shared)
    assert err(shared, "list_signals", {"node_path": "Nope"})[:2] == (404, "not_found")


def test_connect_and_disconnect_signal(shared):
    open_scene(shared, MAIN)
    assert shared.command("list_connections")["connections"] == []
    r = shared.command("connect_signal", {"node_path": "Timer", "signal": "timeout", "target_path": ".",
                                          "method": "_on_timer_timeout"})
    assert r == {"source": "Timer", "signal": "timeout", "target": ".", "method": "_on_timer_timeout",
                 "deferred": False, "one_shot": False}
    text = save(shared, MAIN)
    assert '[connection signal="timeout" from="Timer" to="." method="_on_timer_timeout"]' in text
    assert shared.command("list_connections", {"node_path": "."})["connections"] == [r]
    assert shared.command("list_connections", {"signal": "ready"})["connections"] == []
    assert err(shared, "connect_signal", {"node_path": "Timer", "signal": "timeout", "target_path": ".",
                                          "method": "_on_timer_timeout"})[:2] == (422, "failed")
    d = shared.command("disconnect_signal", {"node_path": "Timer", "signal": "timeout", "target_path": ".",
                                             "method": "_on_timer_timeout"})
    assert d["disconnected"] is True
    assert shared.command("list_connections")["count"] == 0
    undo(shared)
    assert shared.command("list_connections")["connections"] == [r]
    undo(shared)
    assert shared.command("list_connections")["count"] == 0
    assert "[connection" not in save(shared, MAIN)
    # binds and flags
    b = shared.command("connect_signal", {"node_path": "Timer", "signal": "timeout", "target_path": "Label",
                                          "method": "set_text", "binds": ["tick"], "one_shot": True})
    assert b["binds"] == ["tick"] and b["one_shot"] is True
    text = save(shared, MAIN)
    line = next(ln for ln in text.splitlines() if ln.startswith("[connection"))
    assert 'method="set_text"' in line and re.search(r'binds= ?\["tick"\]', line) and "flags=" in line, line
    undo(shared)
    save(shared, MAIN)
    for params, status, code in [
        ({"node_path": "Timer", "signal": "nope", "target_path": ".", "method": "_on_timer_timeout"}, 404, "not_found"),
        ({"node_path": "Timer", "signal": "timeout", "target_path": ".", "method": "no_such_method"}, 404, "not_found"),
        ({"node_path": "Timer", "signal": "timeout", "target_path": "Nope", "method": "x"}, 404, "not_found"),
        ({"node_path": "Timer", "signal": "timeout"}, 400, "invalid_params"),
    ]:
        assert err(shared, "connect_signal", params)[:2] == (status, code), params
    assert err(shared, "disconnect_signal", {"node_path": "Timer", "signal": "timeout", "target_path": ".",
                                             "method": "_on_timer_timeout"})[:2] == (404, "not_found")


# --------------------------------------------------------------------------------------------
# call_method, transforms


def test_call_method(shared):
    open_scene(shared, MAIN)
    rect = shared.command("call_method", {"node_path": "Sprite2D", "method": "get_rect"})["result"]
    assert rect["$type"] == "Rect2" and rect["size"] == {"x": 128.0, "y": 128.0}  # icon.svg is 128x128
    glob = shared.command("call_method", {"node_path": "Sprite2D", "method": "to_global", "args": [[1, 2]]})
    assert glob["result"] == {"$type": "Vector2", "x": 577.0, "y": 326.0}
    assert shared.command("call_method", {"node_path": "Label", "method": "get_line_count"})["result"] == 1
    for params, status, code in [
        ({"node_path": "Sprite2D", "method": "queue_free"}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "free"}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "set_script", "args": [None]}, 400, "invalid_params"),
        # by-name callers would get around the list; duplicate would leave an orphan node
        ({"node_path": "Sprite2D", "method": "call_thread_safe", "args": ["set_name", "X"]}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "call_deferred_thread_group", "args": ["queue_free"]}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "set_thread_safe", "args": ["name", "X"]}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "duplicate"}, 400, "invalid_params"),
        ({"node_path": ".", "method": "_on_timer_timeout"}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "no_such"}, 404, "not_found"),
        ({"node_path": "Sprite2D", "method": "to_global", "args": ["far"]}, 400, "invalid_params"),
        ({"node_path": "Sprite2D", "method": "to_global"}, 400, "invalid_params"),
        ({"node_path": "Nope", "method": "get_rect"}, 404, "not_found"),
    ]:
        assert err(shared, "call_method", params)[:2] == (status, code), params
    assert tree(shared) == tscn_nodes(shared.project / "main.tscn")


def test_node_transform_2d_control_and_3d(shared):
    open_scene(shared, MAIN)
    t = shared.command("get_node_transform", {"node_path": "Player"})
    assert t["kind"] == "2d" and vec(t["local"]["position"]) == [320, 400] and t["local"]["rotation_degrees"] == 0
    r = shared.command("set_node_transform", {"node_path": "Sprite2D", "position": [10, 20], "rotation_degrees": 90,
                                              "scale": [2, 2]})
    assert vec(r["local"]["position"]) == [10, 20] and round(r["local"]["rotation_degrees"], 3) == 90
    sprite = section(save(shared, MAIN), "Sprite2D", ".")
    assert "position = Vector2(10, 20)" in sprite and "scale = Vector2(2, 2)" in sprite
    assert any(ln.startswith("rotation = 1.570796") for ln in sprite), sprite
    undo(shared)
    assert vec(shared.command("get_node_transform", {"node_path": "Sprite2D"})["local"]["position"]) == [576, 324]
    c = shared.command("set_node_transform", {"node_path": "Label", "position": [40, 60]})
    assert c["kind"] == "control" and vec(c["local"]["position"]) == [40, 60]
    assert vec(c["local"]["size"]) == [300, 26]
    undo(shared)
    save(shared, MAIN)
    open_scene(shared, LEVEL)
    sun = shared.command("get_node_transform", {"node_path": "Sun"})
    assert sun["kind"] == "3d" and vec(sun["local"]["position"]) == [0, 10, 0]
    assert vec(sun["local"]["rotation_degrees"]) == [-45, 0, 0]  # the .tscn basis tilts it down
    # global placement of a child of a moved parent
    shared.command("set_node_transform", {"node_path": "Floor", "position": [5, 0, 0]})
    m = shared.command("set_node_transform", {"node_path": "Floor/Mesh", "position": [6, 1, 0], "space": "global"})
    assert vec(m["global"]["position"]) == [6, 1, 0] and vec(m["local"]["position"]) == [1, 1, 0]
    shared.command("set_node_transform", {"node_path": "Crate", "rotation_degrees": [0, 90, 0]})
    text = save(shared, LEVEL)
    assert any(ln.startswith("transform = Transform3D(") and ln.endswith(", 1, 1, 0)")
               for ln in section(text, "Mesh", "Floor")), section(text, "Mesh", "Floor")
    undo(shared)
    undo(shared)
    undo(shared)
    text = save(shared, LEVEL)
    assert not any(ln.startswith("transform") for ln in section(text, "Floor", "."))
    assert "transform = Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0.75, 0)" in section(text, "Crate", ".")
    for params, status, code in [
        ({"node_path": "Floor/Mesh"}, 400, "invalid_params"),                          # nothing to set
        ({"node_path": "Crate", "position": [1, 2]}, 400, "invalid_params"),           # 2 numbers in 3D
        ({"node_path": "Crate", "space": "world", "position": [1, 2, 3]}, 400, "invalid_params"),
        ({"node_path": "Nope", "position": [1, 2, 3]}, 404, "not_found"),
    ]:
        assert err(shared, "set_node_transform", params)[:2] == (status, code), params
    open_scene(shared, MAIN)
    assert err(shared, "get_node_transform", {"node_path": "Timer"})[:2] == (400, "invalid_params")
    assert err(shared, "set_node_transform", {"node_path": "Timer", "position": [1, 1]})[:2] == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# nodes the scene does not own: an editable instance's, an inherited scene's base nodes


def test_nodes_of_an_editable_instance(shared):
    open_scene(shared, MAIN)
    shared.command("set_editable_children", {"node_path": "Player", "editable": True})
    inner = shared.command("get_node", {"node_path": "Player/Sprite2D"})
    assert inner["own"] is False and inner["from_scene"] == "res://player.tscn" and inner["editable"] is True
    assert shared.command("get_node", {"node_path": "Player"})["own"] is True
    before = tree(shared)
    # the Scene dock refuses these: a .tscn cannot record them for a sub-scene's nodes
    for name, params in [
        ("delete_node", {"node_path": "Player/Sprite2D"}),
        ("rename_node", {"node_path": "Player/Sprite2D", "new_name": "Body"}),
        ("move_node", {"node_path": "Player/Sprite2D", "index": 1}),
        ("reparent_node", {"node_path": "Player/Sprite2D", "new_parent_path": "."}),
        ("set_unique_name", {"node_path": "Player/Sprite2D", "unique": True}),
    ]:
        status, code, msg = err(shared, name, params)
        assert (status, code) == (422, "failed") and "res://player.tscn" in msg, (name, msg)
    assert tree(shared) == before
    # the default of an instance's node is the sub-scene's value (player.tscn: scale 0.5)
    scale = shared.command("get_property", {"node_path": "Player/Sprite2D", "property": "scale"})
    assert scale["default"] == {"$type": "Vector2", "x": 0.5, "y": 0.5}
    assert shared.command("get_properties", {"node_path": "Player/Sprite2D", "non_default": True})["count"] == 0
    shared.command("set_property", {"node_path": "Player/Sprite2D", "property": "scale", "value": [2, 2]})
    assert "scale = Vector2(2, 2)" in section(save(shared, MAIN), "Sprite2D", "Player")
    r = shared.command("reset_property", {"node_path": "Player/Sprite2D", "property": "scale"})
    assert r["value"] == {"$type": "Vector2", "x": 0.5, "y": 0.5}
    assert "scale = Vector2" not in save(shared, MAIN)  # no override left
    # a copy of a sub-scene node is this scene's own, saved with its type
    d = shared.command("duplicate_node", {"node_path": "Player/Sprite2D", "name": "Shadow"})
    assert d["node_path"] == "Player/Shadow"
    assert shared.command("get_node", {"node_path": "Player/Shadow"})["own"] is True
    head = section(save(shared, MAIN), "Shadow", "Player")
    assert 'type="Sprite2D"' in head[0] and "scale = Vector2(0.5, 0.5)" in head, head
    assert tscn_nodes(shared.project / "main.tscn")["Player/Shadow"] == "Sprite2D"
    shared.command("delete_node", {"node_path": "Player/Shadow"})  # own node: allowed
    for _ in range(5):  # delete, duplicate, reset, set, editable children
        undo(shared)
    text = save(shared, MAIN)
    assert "Shadow" not in text and "[editable" not in text
    assert tscn_nodes(shared.project / "main.tscn") == tree(shared)


INHERITED = """[gd_scene format=3]

[ext_resource type="PackedScene" path="res://player.tscn" id="1_player"]

[node name="Enemy" instance=ExtResource("1_player")]

[node name="Sprite2D" parent="." index="0"]
scale = Vector2(2, 2)

[node name="Loot" type="Node2D" parent="."]
"""


def test_inherited_scene_base_nodes(shared):
    shared.command("write_file", {"path": "res://enemy.tscn", "content": INHERITED})
    open_scene(shared, "res://enemy.tscn")
    root = shared.command("get_node", {"node_path": "."})
    assert root["inherits"] == "res://player.tscn" and root["own"] is True
    base = shared.command("get_node", {"node_path": "Sprite2D"})
    assert base["own"] is False and base["from_scene"] == "res://player.tscn"
    assert shared.command("get_node", {"node_path": "Loot"})["own"] is True
    for name, params in [
        ("delete_node", {"node_path": "Sprite2D"}),
        ("rename_node", {"node_path": "CollisionShape2D", "new_name": "Hitbox"}),
        ("move_node", {"node_path": "CollisionShape2D", "index": 0}),
    ]:
        status, code, msg = err(shared, name, params)
        assert (status, code) == (422, "failed") and "base scene" in msg, (name, msg)
    # the base scene's value is the default: 0.5, overridden to 2 here
    scale = shared.command("get_property", {"node_path": "Sprite2D", "property": "scale"})
    assert scale["default"]["x"] == 0.5 and scale["value"]["x"] == 2.0
    shared.command("create_node", {"parent_path": "Sprite2D", "type": "Node2D", "name": "Glow"})
    shared.command("delete_node", {"node_path": "Loot"})
    text = save(shared, "res://enemy.tscn")
    # (conftest's tscn_nodes does not read inherited scenes: their base nodes have no type)
    assert re.search(r'^\[node name="Glow" type="Node2D" parent="Sprite2D"', text, re.M), text
    assert "Loot" not in text and 'name="Sprite2D" parent="."' in text
    undo(shared)
    undo(shared)
    assert "Loot" in tree(shared) and "Sprite2D/Glow" not in tree(shared)


# --------------------------------------------------------------------------------------------
# typed exports of a @tool script: typed arrays, node references, script defaults


TYPED = """@tool
extends Node2D

@export var speed := 3.5
@export var target: Node2D
@export var targets: Array[Node]
@export var counts: Array[int]
@export var points: Array[Vector2]
@export var textures: Array[Texture2D]
"""


def test_typed_script_exports(shared):
    open_scene(shared, MAIN)
    shared.command("write_file", {"path": "res://typed_props.gd", "content": TYPED})
    shared.command("create_node", {"parent_path": ".", "type": "Node2D", "name": "Typed"})
    shared.command("attach_script", {"node_path": "Typed", "script_path": "res://typed_props.gd"})
    # a fresh @tool script: its defaults are not cached by Godot yet, still reset finds 3.5
    shared.command("set_property", {"node_path": "Typed", "property": "speed", "value": 7})
    assert shared.command("get_property", {"node_path": "Typed", "property": "speed"})["default"] == 3.5
    assert shared.command("reset_property", {"node_path": "Typed", "property": "speed"})["value"] == 3.5
    r = shared.command("set_properties", {"node_path": "Typed", "properties": {
        "target": "Sprite2D",
        "targets": ["Sprite2D", "Label"],
        "counts": [1, 2.0, "3"],
        "points": [[1, 2], {"x": 3, "y": 4}],
        "textures": ["res://icon.svg"],
    }})
    assert r["values"]["counts"] == [1, 2, 3] and len(r["values"]["targets"]) == 2
    typed = section(save(shared, MAIN), "Typed", ".")
    assert 'node_paths=PackedStringArray("target", "targets")' in typed[0], typed[0]
    assert 'target = NodePath("../Sprite2D")' in typed
    assert 'targets = [NodePath("../Sprite2D"), NodePath("../Label")]' in typed
    assert "counts = Array[int]([1, 2, 3])" in typed
    assert "points = Array[Vector2]([Vector2(1, 2), Vector2(3, 4)])" in typed
    assert any(ln.startswith("textures = Array[Texture2D]([ExtResource(") for ln in typed), typed
    assert not any(ln.startswith("speed") for ln in typed)
    for prop, value, part in [
        ("counts", [1.5], "Array[int]: element 0"),
        ("targets", ["Sprite2D", "Nope"], "element 1"),
        ("target", "Timer", "Node2D"),
    ]:
        status, code, msg = err(shared, "set_property", {"node_path": "Typed", "property": prop, "value": value})
        assert (status, code) == (400, "invalid_params") and part in msg, msg
    status, code, msg = err(shared, "set_property", {"node_path": "Typed", "property": "textures", "value": ["res://main.gd"]})
    assert (status, code) == (400, "invalid_params") and "Texture2D" in msg, msg
    status, code, msg = err(shared, "set_property", {"node_path": "Player", "property": "motion_mode", "value": "sideways"})
    assert (status, code) == (400, "invalid_params"), msg
    undo(shared)  # set_properties
    assert shared.command("get_property", {"node_path": "Typed", "property": "counts"})["value"] == []
    for _ in range(4):  # reset, set, attach, create
        undo(shared)
    assert "Typed" not in tree(shared)
    save(shared, MAIN)
    shared.command("undo", {"history": "global"})  # write_file


def test_new_resource_hint(shared):
    open_scene(shared, MAIN)
    shared.command("set_editable_children", {"node_path": "Player", "editable": True})
    status, code, msg = err(shared, "set_property", {"node_path": "Player/CollisionShape2D", "property": "shape",
                                                     "value": "RectangleShape2D"})
    assert (status, code) == (400, "invalid_params") and "create_resource" in msg and "Shape2D" in msg, msg
    undo(shared)


def test_rename_and_reparent_keep_node_paths(shared):
    open_scene(shared, MAIN)
    shared.command("create_node", {"parent_path": ".", "type": "RemoteTransform2D", "name": "Follow",
                                   "properties": {"remote_path": "../Sprite2D"}})
    r = shared.command("rename_node", {"node_path": "Sprite2D", "new_name": "Logo"})
    assert r["retargeted"] == ["Follow:remote_path"], r
    assert shared.command("get_property", {"node_path": "Follow", "property": "remote_path"})["value"] == "../Logo"
    m = shared.command("reparent_node", {"node_path": "Follow", "new_parent_path": "Label"})
    assert m["node_path"] == "Label/Follow" and m["retargeted"] == ["Label/Follow:remote_path"], m
    assert 'remote_path = NodePath("../../Logo")' in section(save(shared, MAIN), "Follow", "Label")
    # a rename nothing points at reports nothing
    assert "retargeted" not in shared.command("rename_node", {"node_path": "Timer", "new_name": "Clock"})
    undo(shared)
    undo(shared)
    assert shared.command("get_property", {"node_path": "Follow", "property": "remote_path"})["value"] == "../Logo"
    undo(shared)
    assert shared.command("get_property", {"node_path": "Follow", "property": "remote_path"})["value"] == "../Sprite2D"
    undo(shared)
    assert "Follow" not in tree(shared) and "Sprite2D" in tree(shared)
    save(shared, MAIN)
