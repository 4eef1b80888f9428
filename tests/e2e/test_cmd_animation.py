"""The animation commands against the real editor: animations of an AnimationPlayer read back
from the .tscn the test wrote, changes visible in the saved .tscn, and undo.

One shared daemon + headless editor on a fresh demo copy (module fixture ``shared``).
"""

from __future__ import annotations

import math
import re

import pytest

pytestmark = pytest.mark.shared

SCENE = "res://anim_tests/anim.tscn"
P = "AnimationPlayer"

# An AnimationPlayer with one looping animation "idle" (one value track with two keys).
SCENE_TEXT = """[gd_scene load_steps=3 format=3]

[sub_resource type="Animation" id="Animation_idle"]
resource_name = "idle"
length = 2.0
loop_mode = 1
tracks/0/type = "value"
tracks/0/imported = false
tracks/0/enabled = true
tracks/0/path = NodePath("Sprite2D:position")
tracks/0/interp = 1
tracks/0/loop_wrap = true
tracks/0/keys = {
"times": PackedFloat32Array(0, 1),
"transitions": PackedFloat32Array(1, 0.5),
"update": 0,
"values": [Vector2(0, 0), Vector2(10, 5)]
}

[sub_resource type="AnimationLibrary" id="AnimationLibrary_main"]
_data = {
&"idle": SubResource("Animation_idle")
}

[node name="Root" type="Node2D"]

[node name="Sprite2D" type="Sprite2D" parent="."]

[node name="Mesh" type="Node3D" parent="."]

[node name="AnimationPlayer" type="AnimationPlayer" parent="."]
libraries = {
&"": SubResource("AnimationLibrary_main")
}
autoplay = "idle"
"""


def v2(x, y):
    return {"$type": "Vector2", "x": float(x), "y": float(y)}


@pytest.fixture(scope="module")
def scene(shared):
    path = shared.project / SCENE.removeprefix("res://")
    path.parent.mkdir(exist_ok=True)
    path.write_text(SCENE_TEXT)
    shared.command("open_scene", {"scene_path": SCENE})
    return path


@pytest.fixture
def anim(shared, scene):
    """The scene is the edited one, and each test leaves it as it found it (checked)."""
    shared.command("open_scene", {"scene_path": SCENE})
    before = shared.command("get_animation", {"node_path": P, "animation": "idle"})
    yield scene
    after = shared.command("get_animation", {"node_path": P, "animation": "idle"})
    assert after == before, "the test's undo did not restore 'idle'"


def saved_text(shared, scene) -> str:
    shared.command("save_scene")
    return scene.read_text()


def get(shared, name="idle", **kw) -> dict:
    return shared.command("get_animation", dict({"node_path": P, "animation": name}, **kw))


# --------------------------------------------------------------------------------------------
# reading


def test_list_animations(shared, anim):
    r = shared.command("list_animations")
    assert r["count"] == 1
    player = r["players"][0]
    assert player["node_path"] == P and player["class"] == "AnimationPlayer"
    assert player["root_node"] == ".." and player["autoplay"] == "idle"
    assert player["libraries"] == [""]
    assert player["animations"] == [{"name": "idle", "length": 2.0, "loop_mode": "linear", "tracks": 1}]
    assert shared.command("list_animations", {"node_path": P})["players"] == r["players"]
    status, err = shared.command_error("list_animations", {"node_path": "Sprite2D"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("list_animations", {"node_path": "Nope"})
    assert (status, err["code"]) == (404, "not_found")


def test_get_animation(shared, anim):
    r = get(shared)
    assert (r["length"], r["loop_mode"], r["track_count"]) == (2.0, "linear", 1)
    assert abs(r["step"] - 1 / 30) < 1e-6
    t = r["tracks"][0]
    assert t["type"] == "value" and t["path"] == "Sprite2D:position"
    assert t["interpolation"] == "linear" and t["update_mode"] == "continuous" and t["enabled"] is True
    assert t["keys"] == [{"time": 0.0, "value": v2(0, 0)}, {"time": 1.0, "value": v2(10, 5), "transition": 0.5}]
    r = get(shared, max_keys=1, track="Sprite2D:position")
    assert len(r["tracks"]) == 1 and r["tracks"][0]["keys"] == [{"time": 0.0, "value": v2(0, 0)}]
    assert r["tracks"][0]["truncated"] is True
    for params, status, code in [({"animation": "nope"}, 404, "not_found"),
                                 ({"animation": "idle", "track": 5}, 404, "not_found"),
                                 ({"animation": "idle", "track": "Sprite2D:scale"}, 404, "not_found"),
                                 ({"animation": "idle", "track": 1.5}, 400, "invalid_params")]:
        got_status, err = shared.command_error("get_animation", dict({"node_path": P}, **params))
        assert (got_status, err["code"]) == (status, code), (params, err)


# --------------------------------------------------------------------------------------------
# create / delete / properties


def test_create_animation_saved_and_undo(shared, anim):
    r = shared.command("create_animation", {"node_path": P, "name": "walk", "length": 1.5, "loop_mode": "pingpong"})
    assert r == {"node_path": P, "animation": "walk", "length": 1.5, "loop_mode": "pingpong"}
    names = [a["name"] for a in shared.command("list_animations", {"node_path": P})["players"][0]["animations"]]
    assert sorted(names) == ["idle", "walk"]
    text = saved_text(shared, anim)
    assert re.search(r'resource_name = "walk"\nlength = 1.5\nloop_mode = 2', text), text
    assert '&"walk": SubResource(' in text
    status, err = shared.command_error("create_animation", {"node_path": P, "name": "walk"})
    assert (status, err["code"]) == (422, "failed")
    assert shared.command("undo")["undone"] == "Create animation walk"
    names = [a["name"] for a in shared.command("list_animations", {"node_path": P})["players"][0]["animations"]]
    assert names == ["idle"]
    assert '"walk"' not in saved_text(shared, anim)


def test_create_animation_in_new_library(shared, anim):
    r = shared.command("create_animation", {"node_path": P, "name": "jump", "library": "moves"})
    assert r["animation"] == "moves/jump" and r["length"] == 1.0 and r["loop_mode"] == "none"
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert sorted(player["libraries"]) == ["", "moves"]
    assert get(shared, "moves/jump")["track_count"] == 0
    shared.command("undo")
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert player["libraries"] == [""]
    for params in [{"name": "a/b"}, {"name": ""}, {"name": "x", "library": "l:1"}, {"name": "x", "loop_mode": "forever"},
                   {"name": "x", "length": 0}]:
        status, err = shared.command_error("create_animation", dict({"node_path": P}, **params))
        assert (status, err["code"]) == (400, "invalid_params"), (params, err)


def test_set_animation_properties_and_rename(shared, anim):
    r = shared.command("set_animation_properties", {"node_path": P, "animation": "idle", "length": 3,
                                                    "loop_mode": "none", "new_name": "rest"})
    assert (r["animation"], r["length"], r["loop_mode"]) == ("rest", 3.0, "none")
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert player["animations"] == [{"name": "rest", "length": 3.0, "loop_mode": "none", "tracks": 1}]
    assert player["autoplay"] == "rest"
    text = saved_text(shared, anim)
    assert 'resource_name = "rest"' in text and '&"rest": SubResource("Animation_idle")' in text
    assert re.search(r'^autoplay = &?"rest"$', text, re.M) and "length = 3.0" in text
    shared.command("undo")
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert player["animations"] == [{"name": "idle", "length": 2.0, "loop_mode": "linear", "tracks": 1}]
    assert player["autoplay"] == "idle"
    status, err = shared.command_error("set_animation_properties", {"node_path": P, "animation": "idle"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("set_animation_properties", {"node_path": P, "animation": "idle", "step": -1})
    assert (status, err["code"]) == (400, "invalid_params")


def test_delete_animation_and_undo(shared, anim):
    r = shared.command("delete_animation", {"node_path": P, "animation": "idle"})
    assert r["deleted"] == "idle" and r["animations"] == []
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert player["animations"] == [] and "autoplay" not in player
    shared.command("undo")
    player = shared.command("list_animations", {"node_path": P})["players"][0]
    assert [a["name"] for a in player["animations"]] == ["idle"] and player["autoplay"] == "idle"
    status, err = shared.command_error("delete_animation", {"node_path": P, "animation": "gone"})
    assert (status, err["code"]) == (404, "not_found") and "idle" in err["message"]


# --------------------------------------------------------------------------------------------
# tracks


def test_add_value_track_saved_and_undo(shared, anim):
    r = shared.command("add_animation_track", {
        "node_path": P, "animation": "idle", "type": "value", "path": "Sprite2D:modulate",
        "update_mode": "discrete",
        "keys": [{"time": 0, "value": "#ff0000"}, {"time": 1.5, "value": [0, 0, 1], "transition": 2}]})
    assert r == {"animation": "idle", "index": 1, "type": "value", "path": "Sprite2D:modulate", "key_count": 2}
    t = get(shared)["tracks"][1]
    assert t["update_mode"] == "discrete"
    assert t["keys"] == [{"time": 0.0, "value": {"$type": "Color", "r": 1.0, "g": 0.0, "b": 0.0, "a": 1.0}},
                         {"time": 1.5, "value": {"$type": "Color", "r": 0.0, "g": 0.0, "b": 1.0, "a": 1.0},
                          "transition": 2.0}]
    text = saved_text(shared, anim)
    assert 'tracks/1/path = NodePath("Sprite2D:modulate")' in text
    assert re.search(r'"values": \[Color\(1, 0, 0, 1\), Color\(0, 0, 1, 1\)\]', text), text
    assert shared.command("undo")["undone"] == "Add value track Sprite2D:modulate"
    assert get(shared)["track_count"] == 1
    assert "Sprite2D:modulate" not in saved_text(shared, anim)


def test_add_3d_method_and_bezier_tracks(shared, anim):
    r = shared.command("add_animation_track", {"node_path": P, "animation": "idle", "type": "position_3d",
                                               "path": "Mesh", "keys": [{"time": 0.5, "value": [1, 2, 3]}]})
    assert r["index"] == 1
    r = shared.command("add_animation_track", {"node_path": P, "animation": "idle", "type": "rotation_3d",
                                               "path": "Mesh", "keys": [{"time": 0, "value": [0, math.pi / 2, 0]}]})
    r = shared.command("add_animation_track", {"node_path": P, "animation": "idle", "type": "method",
                                               "path": ".", "keys": [{"time": 1, "value": {"method": "set_visible", "args": [False]}}]})
    r = shared.command("add_animation_track", {"node_path": P, "animation": "idle", "type": "bezier",
                                               "path": "Sprite2D:position:x", "index": 0,
                                               "keys": [{"time": 0, "value": 4}, {"time": 1, "value": {"value": 8, "in_handle": [-0.5, 1]}}]})
    assert r["index"] == 0
    tracks = get(shared)["tracks"]
    assert [t["type"] for t in tracks] == ["bezier", "value", "position_3d", "rotation_3d", "method"]
    assert tracks[2]["keys"] == [{"time": 0.5, "value": {"$type": "Vector3", "x": 1.0, "y": 2.0, "z": 3.0}}]
    q = tracks[3]["keys"][0]["value"]
    assert q["$type"] == "Quaternion" and abs(q["y"] - math.sqrt(0.5)) < 1e-5 and abs(q["w"] - math.sqrt(0.5)) < 1e-5
    assert tracks[4]["keys"][0]["value"] == {"method": "set_visible", "args": [False]}
    assert tracks[0]["keys"][1]["value"] == {"value": 8.0, "in_handle": [-0.5, 1.0], "out_handle": [0.25, 0.0]}
    text = saved_text(shared, anim)
    assert 'tracks/2/type = "position_3d"' in text and 'tracks/0/type = "bezier"' in text
    assert 'tracks/2/keys = PackedFloat32Array(0.5, 1, 1, 2, 3)' in text
    assert 'tracks/4/path = NodePath(".")' in text and '"method": &"set_visible"' in text
    for _ in range(4):
        shared.command("undo")
    assert [t["type"] for t in get(shared)["tracks"]] == ["value"]


def test_add_track_refusals(shared, anim):
    cases = [
        ({"type": "value", "path": "Nope:position"}, 404, "not_found"),
        ({"type": "value", "path": "Sprite2D:nope"}, 400, "invalid_params"),
        ({"type": "value", "path": "Sprite2D"}, 400, "invalid_params"),
        ({"type": "position_3d", "path": "Sprite2D"}, 400, "invalid_params"),
        ({"type": "bezier", "path": "Sprite2D:position"}, 400, "invalid_params"),
        ({"type": "value", "path": "Sprite2D:position", "keys": [{"time": 0, "value": "far"}]}, 400, "invalid_params"),
        ({"type": "value", "path": "Sprite2D:position", "index": 9}, 400, "invalid_params"),
        ({"type": "tween", "path": "Sprite2D:position"}, 400, "invalid_params"),
        ({"type": "value", "path": "Sprite2D:position", "keys": [{"value": 1}]}, 400, "invalid_params"),
    ]
    for params, status, code in cases:
        got_status, err = shared.command_error("add_animation_track", dict({"node_path": P, "animation": "idle"}, **params))
        assert (got_status, err["code"]) == (status, code), (params, err)
    assert get(shared)["track_count"] == 1


def test_set_animation_track_and_undo(shared, anim):
    r = shared.command("set_animation_track", {"node_path": P, "animation": "idle", "track": "Sprite2D:position",
                                               "enabled": False, "interpolation": "nearest", "update_mode": "discrete",
                                               "path": "Sprite2D:offset"})
    assert (r["enabled"], r["interpolation"], r["update_mode"], r["path"]) == (False, "nearest", "discrete", "Sprite2D:offset")
    text = saved_text(shared, anim)
    assert 'tracks/0/path = NodePath("Sprite2D:offset")' in text and "tracks/0/enabled = false" in text
    assert "tracks/0/interp = 0" in text
    shared.command("undo")
    t = get(shared)["tracks"][0]
    assert (t["enabled"], t["interpolation"], t["update_mode"], t["path"]) == (True, "linear", "continuous", "Sprite2D:position")
    status, err = shared.command_error("set_animation_track", {"node_path": P, "animation": "idle", "track": 0})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("set_animation_track", {"node_path": P, "animation": "idle", "track": 0, "path": "Ghost:x"})
    assert (status, err["code"]) == (404, "not_found")


def test_remove_track_and_undo_restores_keys(shared, anim):
    before = get(shared)["tracks"][0]
    r = shared.command("remove_animation_track", {"node_path": P, "animation": "idle", "track": "Sprite2D:position"})
    assert r == {"animation": "idle", "removed": "Sprite2D:position", "index": 0, "track_count": 0}
    assert "tracks/0" not in saved_text(shared, anim)
    shared.command("undo")
    assert get(shared)["tracks"][0] == before
    status, err = shared.command_error("remove_animation_track", {"node_path": P, "animation": "idle", "track": 3})
    assert (status, err["code"]) == (404, "not_found")


# --------------------------------------------------------------------------------------------
# keys


def test_insert_key_new_and_replace_with_undo(shared, anim):
    r = shared.command("insert_animation_key", {"node_path": P, "animation": "idle", "track": 0,
                                                "time": 0.5, "value": {"x": 3, "y": 4}})
    assert (r["key"], r["replaced"], r["key_count"], r["value"]) == (1, False, 3, v2(3, 4))
    r = shared.command("insert_animation_key", {"node_path": P, "animation": "idle", "track": "Sprite2D:position",
                                                "time": 1, "value": "Vector2(7, 8)"})
    assert (r["key"], r["replaced"], r["key_count"]) == (2, True, 3)
    keys = get(shared)["tracks"][0]["keys"]
    assert keys == [{"time": 0.0, "value": v2(0, 0)}, {"time": 0.5, "value": v2(3, 4)}, {"time": 1.0, "value": v2(7, 8)}]
    text = saved_text(shared, anim)
    assert '"values": [Vector2(0, 0), Vector2(3, 4), Vector2(7, 8)]' in text
    shared.command("undo")  # the replaced key comes back with its transition
    assert get(shared)["tracks"][0]["keys"][2] == {"time": 1.0, "value": v2(10, 5), "transition": 0.5}
    shared.command("undo")
    assert get(shared)["tracks"][0]["key_count"] == 2
    r = shared.command("insert_animation_key", {"node_path": P, "animation": "idle", "track": 0, "time": 5, "value": [1, 1]})
    assert "warning" in r and "length" in r["warning"]
    shared.command("undo")
    for params, status, code in [({"track": 0, "time": 0.2, "value": "nowhere"}, 400, "invalid_params"),
                                 ({"track": 0, "time": -1, "value": [1, 1]}, 400, "invalid_params"),
                                 ({"track": 7, "time": 0.2, "value": [1, 1]}, 404, "not_found")]:
        got_status, err = shared.command_error("insert_animation_key", dict({"node_path": P, "animation": "idle"}, **params))
        assert (got_status, err["code"]) == (status, code), (params, err)


def test_remove_key_and_undo(shared, anim):
    r = shared.command("remove_animation_key", {"node_path": P, "animation": "idle", "track": 0, "time": 1})
    assert r == {"animation": "idle", "track": 0, "time": 1.0, "key_count": 1}
    assert '"values": [Vector2(0, 0)]' in saved_text(shared, anim)
    shared.command("undo")
    assert get(shared)["tracks"][0]["keys"][1] == {"time": 1.0, "value": v2(10, 5), "transition": 0.5}
    r = shared.command("remove_animation_key", {"node_path": P, "animation": "idle", "track": 0, "key": 0})
    assert r["time"] == 0.0 and r["key_count"] == 1
    shared.command("undo")
    for params, status, code in [({"track": 0}, 400, "invalid_params"),
                                 ({"track": 0, "time": 0.3}, 404, "not_found"),
                                 ({"track": 0, "key": 2}, 404, "not_found"),
                                 ({"track": 0, "key": 0, "time": 0}, 400, "invalid_params")]:
        got_status, err = shared.command_error("remove_animation_key", dict({"node_path": P, "animation": "idle"}, **params))
        assert (got_status, err["code"]) == (status, code), (params, err)


def test_batch_rolls_back_animation_steps(shared, anim):
    status, err = shared.command_error("batch", {"commands": [
        {"command": "create_animation", "params": {"node_path": P, "name": "tmp"}},
        {"command": "add_animation_track", "params": {"node_path": P, "animation": "tmp", "type": "value",
                                                      "path": "Sprite2D:rotation", "keys": [{"time": 0, "value": 1}]}},
        {"command": "insert_animation_key", "params": {"node_path": P, "animation": "tmp", "track": 4, "time": 0}},
    ]})
    assert (status, err["code"]) == (404, "not_found"), err
    names = [a["name"] for a in shared.command("list_animations", {"node_path": P})["players"][0]["animations"]]
    assert names == ["idle"]


# --------------------------------------------------------------------------------------------
# a player made with create_node in a demo scene; players of other scenes are read-only


def test_new_player_gets_default_library_saved_and_undone(shared, scene):
    player_tscn = shared.project / "player.tscn"
    original = player_tscn.read_text()
    shared.command("open_scene", {"scene_path": "res://player.tscn"})
    shared.command("create_node", {"parent_path": ".", "type": "AnimationPlayer"})
    listed = shared.command("list_animations", {"node_path": P})["players"][0]
    assert listed["libraries"] == [] and listed["animations"] == [] and listed["root_node"] == ".."
    r = shared.command("create_animation", {"node_path": P, "name": "bob", "length": 0.5, "loop_mode": "linear"})
    assert r["animation"] == "bob"
    assert shared.command("list_animations", {"node_path": P})["players"][0]["libraries"] == [""]
    shared.command("add_animation_track", {"node_path": P, "animation": "bob", "type": "value",
                                           "path": "Sprite2D:position", "keys": [{"time": 0, "value": [0, 0]}]})
    shared.command("insert_animation_key", {"node_path": P, "animation": "bob", "track": 0, "time": 0.25,
                                            "value": [0, -6]})
    shared.command("add_animation_track", {"node_path": P, "animation": "bob", "type": "value",
                                           "path": ".:z_index", "keys": [{"time": 0, "value": 3}]})
    text = saved_text(shared, player_tscn)
    # the player's default library ("") holds the new animation, tracks as the editor writes them
    assert re.search(r'^libraries(/ = SubResource\("AnimationLibrary_|\s*=\s*\{\n&"": SubResource\()', text, re.M), text
    assert 'resource_name = "bob"' in text and "loop_mode = 1" in text
    assert 'tracks/0/path = NodePath("Sprite2D:position")' in text
    assert '"values": [Vector2(0, 0), Vector2(0, -6)]' in text
    assert 'tracks/1/path = NodePath(".:z_index")' in text and '"values": [3]' in text
    # undo: the second track, the key, the first track, the animation and its new library go
    undone = [shared.command("undo")["undone"] for _ in range(4)]
    assert undone == ["Add value track .:z_index", "Insert key at 0.25 in track 0 of bob",
                      "Add value track Sprite2D:position", "Create animation bob"]
    listed = shared.command("list_animations", {"node_path": P})["players"][0]
    assert listed["libraries"] == [] and listed["animations"] == []
    text = saved_text(shared, player_tscn)
    assert '[node name="AnimationPlayer" type="AnimationPlayer"' in text
    assert "sub_resource type=\"Animation" not in text and "libraries" not in text
    shared.command("undo")  # the player itself
    assert saved_text(shared, player_tscn) == original


def test_players_of_other_scenes_are_read_only(shared, scene):
    # player.tscn gets a player with an animation; main.tscn instances player.tscn
    player_tscn = shared.project / "player.tscn"
    original = player_tscn.read_text()
    shared.command("open_scene", {"scene_path": "res://player.tscn"})
    shared.command("create_node", {"parent_path": ".", "type": "AnimationPlayer"})
    shared.command("create_animation", {"node_path": P, "name": "bob"})
    shared.command("save_scene")
    try:
        shared.command("open_scene", {"scene_path": "res://main.tscn"})
        inst = "Player/AnimationPlayer"
        assert shared.command("get_animation", {"node_path": inst, "animation": "bob"})["track_count"] == 0
        for command, params in [
            ("add_animation_track", {"animation": "bob", "type": "value", "path": "Sprite2D:position"}),
            ("create_animation", {"name": "x", "library": "mine"}),
            ("set_animation_properties", {"animation": "bob", "length": 3}),
            ("delete_animation", {"animation": "bob"}),
        ]:
            status, err = shared.command_error(command, dict({"node_path": inst}, **params))
            assert (status, err["code"]) == (422, "failed"), (command, err)
            assert "res://player.tscn" in err["message"]
        listed = shared.command("list_animations", {"node_path": inst})["players"][0]
        assert listed["animations"] == [{"name": "bob", "length": 1.0, "loop_mode": "none", "tracks": 0}]
        assert listed["libraries"] == [""]
        # an inherited scene: the base's animations are read-only, a library of its own is not
        shared.command("new_inherited_scene", {"base_path": SCENE, "scene_path": "res://anim_tests/inh.tscn"})
        keys = get(shared)["tracks"][0]["key_count"]
        status, err = shared.command_error("insert_animation_key", {"node_path": P, "animation": "idle", "track": 0,
                                                                    "time": 0.5, "value": [1, 1]})
        assert (status, err["code"]) == (422, "failed") and SCENE in err["message"], err
        assert get(shared)["tracks"][0]["key_count"] == keys
        shared.command("create_animation", {"node_path": P, "name": "own", "library": "extra"})
        shared.command("add_animation_track", {"node_path": P, "animation": "extra/own", "type": "value",
                                               "path": "Sprite2D:visible", "keys": [{"time": 0, "value": False}]})
        text = saved_text(shared, shared.project / "anim_tests/inh.tscn")
        assert "libraries/extra = SubResource(" in text and 'tracks/0/path = NodePath("Sprite2D:visible")' in text
        assert "Animation_idle" not in text
    finally:
        shared.command("open_scene", {"scene_path": "res://player.tscn"})
        shared.command("undo")
        shared.command("undo")
        shared.command("save_scene")
    assert player_tscn.read_text() == original
