"""The resource commands against the real editor: .tres files on disk, node resources in the
scene, undo, and the errors an agent can act on.

One shared daemon + headless editor on a fresh demo copy (module fixture ``shared``).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.shared

DIR = "res://res_tests"


def disk(shared, path: str):
    return shared.project / path.removeprefix("res://")


def undo_global(shared) -> dict:
    return shared.command("undo", {"history": "global"})


def header_uid(text: str) -> str | None:
    m = re.search(r'^\[gd_resource [^\]]*uid="(uid://[^"]+)"', text, re.M)
    return m.group(1) if m else None


def open_scene(shared, path: str) -> None:
    shared.command("open_scene", {"scene_path": path})


# --------------------------------------------------------------------------------------------
# create_resource


def test_create_resource_file_and_undo(shared):
    path = f"{DIR}/circle.tres"
    r = shared.command("create_resource", {"class": "CircleShape2D", "path": path,
                                           "properties": {"radius": 24}})
    assert r["path"] == path and r["class"] == "CircleShape2D" and r["created"] is True
    assert r["properties"] == {"radius": 24.0}
    text = disk(shared, path).read_text()
    assert text.startswith('[gd_resource type="CircleShape2D"'), text
    assert "radius = 24.0" in text
    assert r["uid"].startswith("uid://") and header_uid(text) == r["uid"]
    got = shared.command("get_resource", {"path": path})
    assert got["class"] == "CircleShape2D" and got["properties"]["radius"] == 24.0
    assert got["uid"] == r["uid"]
    # undo deletes the file, redo writes it back
    assert undo_global(shared)["undone"].startswith("Create resource")
    assert not disk(shared, path).exists()
    shared.command("redo", {"history": "global"})
    assert "radius = 24.0" in disk(shared, path).read_text()


def test_create_resource_typed_values(shared):
    path = f"{DIR}/red.tres"
    r = shared.command("create_resource", {"class": "StandardMaterial3D", "path": path,
                                           "properties": {"albedo_color": "#ff0000", "metallic": 0.5,
                                                          "uv1_scale": [2, 3, 4]}})
    assert r["properties"]["albedo_color"] == {"$type": "Color", "r": 1.0, "g": 0.0, "b": 0.0, "a": 1.0}
    text = disk(shared, path).read_text()
    assert "albedo_color = Color(1, 0, 0, 1)" in text
    assert "metallic = 0.5" in text and "uv1_scale = Vector3(2, 3, 4)" in text
    # a resource property given by path
    r = shared.command("create_resource", {"class": "StandardMaterial3D", "path": f"{DIR}/tex.tres",
                                           "properties": {"albedo_texture": "res://icon.svg"}})
    assert r["properties"]["albedo_texture"]["path"] == "res://icon.svg"
    assert 'path="res://icon.svg"' in disk(shared, f"{DIR}/tex.tres").read_text()


def test_create_resource_binary_res(shared):
    path = f"{DIR}/grad.res"
    shared.command("create_resource", {"class": "Gradient", "path": path,
                                       "properties": {"offsets": [0, 0.25, 1],
                                                      "colors": ["#000000", "#808080", "#ffffff"]}})
    assert disk(shared, path).read_bytes()[:4] == b"RSRC"
    got = shared.command("get_resource", {"path": path})
    assert got["class"] == "Gradient"
    assert got["properties"]["offsets"] == [0.0, 0.25, 1.0]


def test_create_resource_refusals(shared):
    cases = [
        ({"class": "Shape2D", "path": f"{DIR}/a.tres"}, 400, "invalid_params"),  # abstract
        ({"class": "NoSuchShape", "path": f"{DIR}/a.tres"}, 404, "not_found"),
        ({"class": "Node2D", "path": f"{DIR}/a.tres"}, 400, "invalid_params"),  # not a resource
        ({"class": "EditorSettings", "path": f"{DIR}/a.tres"}, 400, "invalid_params"),  # editor-only
        ({"class": "CircleShape2D", "path": "res://../outside.tres"}, 403, "outside_project"),
        ({"class": "CircleShape2D", "path": "/tmp/x.tres"}, 403, "outside_project"),
        ({"class": "CircleShape2D", "path": f"{DIR}/a.txt"}, 400, "invalid_params"),
        ({"class": "CircleShape2D", "path": f"{DIR}/a.tres", "properties": {"radiuss": 3}}, 400, "invalid_params"),
        ({"class": "CircleShape2D", "path": f"{DIR}/a.tres", "properties": {"radius": "big"}}, 400, "invalid_params"),
        ({"class": "CircleShape2D"}, 400, "invalid_params"),  # neither path nor node
        ({"class": "CircleShape2D", "path": f"{DIR}/a.tres", "node_path": "X", "property": "shape"}, 400, "invalid_params"),
        ({"class": "CircleShape2D", "path": "res://addons/godotd/x.tres"}, 403, "forbidden"),
    ]
    for params, status, code in cases:
        got_status, err = shared.command_error("create_resource", params)
        assert (got_status, err["code"]) == (status, code), (params, err)
    assert not disk(shared, f"{DIR}/a.tres").exists()
    assert not (shared.project.parent / "outside.tres").exists()
    status, err = shared.command_error("create_resource", {"class": "CircleShape2D", "path": f"{DIR}/a.tres",
                                                           "properties": {"radiuss": 3}})
    assert "radius" in err["message"]  # the close name


def test_create_resource_no_overwrite_unless_asked(shared):
    path = f"{DIR}/keep.tres"
    first = shared.command("create_resource", {"class": "CircleShape2D", "path": path, "properties": {"radius": 5}})
    status, err = shared.command_error("create_resource", {"class": "CircleShape2D", "path": path,
                                                           "properties": {"radius": 6}})
    assert (status, err["code"]) == (422, "failed") and "overwrite" in err["message"]
    assert "radius = 5.0" in disk(shared, path).read_text()
    r = shared.command("create_resource", {"class": "CircleShape2D", "path": path, "overwrite": True,
                                           "properties": {"radius": 6}})
    assert r["created"] is False
    text = disk(shared, path).read_text()
    assert "radius = 6.0" in text
    assert header_uid(text) == first["uid"]  # the file keeps its uid
    undo_global(shared)
    assert "radius = 5.0" in disk(shared, path).read_text()


def test_create_resource_into_node_and_undo(shared):
    open_scene(shared, "res://player.tscn")
    r = shared.command("create_resource", {"class": "RectangleShape2D", "node_path": "CollisionShape2D",
                                           "property": "shape", "properties": {"size": [10, 20]}})
    assert r["node_path"] == "CollisionShape2D" and r["property"] == "shape"
    got = shared.command("get_resource", {"node_path": "CollisionShape2D", "property": "shape"})
    assert got["class"] == "RectangleShape2D"
    assert got["properties"]["size"] == {"$type": "Vector2", "x": 10.0, "y": 20.0}
    assert "path" not in got  # embedded in the scene
    assert shared.command("undo")["undone"].startswith("Create RectangleShape2D")
    got = shared.command("get_resource", {"node_path": "CollisionShape2D", "property": "shape"})
    assert got["class"] == "CircleShape2D" and got["properties"]["radius"] == 32.0
    # a property that takes another kind of resource, or no resource at all
    status, err = shared.command_error("create_resource", {"class": "StandardMaterial3D", "node_path": "CollisionShape2D",
                                                           "property": "shape"})
    assert (status, err["code"]) == (400, "invalid_params"), err
    status, err = shared.command_error("create_resource", {"class": "CircleShape2D", "node_path": "CollisionShape2D",
                                                           "property": "disabled"})
    assert (status, err["code"]) == (400, "invalid_params"), err
    status, err = shared.command_error("create_resource", {"class": "CircleShape2D", "node_path": "Nope",
                                                           "property": "shape"})
    assert (status, err["code"]) == (404, "not_found"), err


def test_create_resource_saved_with_scene(shared):
    open_scene(shared, "res://player.tscn")
    shared.command("create_resource", {"class": "CapsuleShape2D", "node_path": "CollisionShape2D",
                                       "property": "shape", "properties": {"radius": 7, "height": 44}})
    shared.command("save_scene")
    text = disk(shared, "res://player.tscn").read_text()
    assert re.search(r'\[sub_resource type="CapsuleShape2D" id="[^"]+"\]\nradius = 7.0\nheight = 44.0', text), text
    shared.command("undo")
    shared.command("save_scene")
    assert "CapsuleShape2D" not in disk(shared, "res://player.tscn").read_text()


# --------------------------------------------------------------------------------------------
# get_resource


def test_get_resource_imported_and_filters(shared):
    got = shared.command("get_resource", {"path": "res://icon.svg"})
    assert got["class"] == "CompressedTexture2D"
    import_text = disk(shared, "res://icon.svg.import").read_text()
    assert f'uid="{got["uid"]}"' in import_text
    open_scene(shared, "res://level.tscn")
    got = shared.command("get_resource", {"node_path": "Floor/Mesh", "property": "mesh", "filter": "SIZE"})
    assert got["class"] == "BoxMesh"
    assert got["properties"]["size"] == {"$type": "Vector3", "x": 20.0, "y": 0.5, "z": 20.0}
    assert all("size" in name for name in got["properties"])
    assert "subdivide_width" in shared.command("get_resource", {"node_path": "Floor/Mesh", "property": "mesh"})["properties"]
    got = shared.command("get_resource", {"path": f"{DIR}/grad.res", "filter": "colors", "max_items": 2})
    assert len(got["properties"]["colors"]) == 2 and got["truncated_arrays"] == ["colors"]


def test_get_resource_errors(shared):
    open_scene(shared, "res://level.tscn")
    for params, status, code in [
        ({"path": "res://nope.tres"}, 404, "not_found"),
        ({"path": "res://../x.tres"}, 403, "outside_project"),
        ({"path": "res://README.md"}, 400, "invalid_params"),  # not a resource
        ({"node_path": "Floor", "property": "nope"}, 404, "not_found"),
        ({"node_path": "Sun", "property": "shadow_enabled"}, 404, "not_found"),  # holds no resource
        ({"node_path": "Floor"}, 400, "invalid_params"),
        ({}, 400, "invalid_params"),
    ]:
        got_status, err = shared.command_error("get_resource", params)
        assert (got_status, err["code"]) == (status, code), (params, err)


# --------------------------------------------------------------------------------------------
# set_resource_properties


def test_set_resource_properties_file_and_undo(shared):
    path = f"{DIR}/setme.tres"
    shared.command("create_resource", {"class": "CircleShape2D", "path": path, "properties": {"radius": 24}})
    r = shared.command("set_resource_properties", {"path": path, "properties": {"radius": 50, "custom_solver_bias": 0.25}})
    assert r["properties"] == {"radius": 50.0, "custom_solver_bias": 0.25}
    text = disk(shared, path).read_text()
    assert "radius = 50.0" in text and "custom_solver_bias = 0.25" in text
    assert undo_global(shared)["undone"].startswith("Set ")
    text = disk(shared, path).read_text()
    assert "radius = 24.0" in text and "custom_solver_bias" not in text
    assert shared.command("get_resource", {"path": path})["properties"]["radius"] == 24.0
    # nothing changes on a bad value
    status, err = shared.command_error("set_resource_properties", {"path": path, "properties": {"radius": 3, "nope": 1}})
    assert (status, err["code"]) == (400, "invalid_params")
    assert "radius = 24.0" in disk(shared, path).read_text()
    status, err = shared.command_error("set_resource_properties", {"path": "res://icon.svg", "properties": {"a": 1}})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("set_resource_properties", {"path": path, "properties": {}})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("set_resource_properties", {"path": "/etc/x.tres", "properties": {"radius": 1}})
    assert (status, err["code"]) == (403, "outside_project")


def test_set_resource_properties_embedded_and_undo(shared):
    open_scene(shared, "res://level.tscn")
    r = shared.command("set_resource_properties", {"node_path": "Floor/Collision", "property": "shape",
                                                   "properties": {"size": {"x": 30, "y": 1, "z": 30}}})
    assert r["class"] == "BoxShape3D" and r["properties"]["size"] == {"$type": "Vector3", "x": 30.0, "y": 1.0, "z": 30.0}
    got = shared.command("get_resource", {"node_path": "Floor/Collision", "property": "shape"})
    assert got["properties"]["size"]["x"] == 30.0
    assert shared.command("undo")["history"] == "scene"
    got = shared.command("get_resource", {"node_path": "Floor/Collision", "property": "shape"})
    assert got["properties"]["size"] == {"$type": "Vector3", "x": 20.0, "y": 0.5, "z": 20.0}


# --------------------------------------------------------------------------------------------
# duplicate_resource, make_resource_unique


def test_duplicate_resource_and_undo(shared):
    src = f"{DIR}/dup_src.tres"
    made = shared.command("create_resource", {"class": "CircleShape2D", "path": src, "properties": {"radius": 11}})
    r = shared.command("duplicate_resource", {"path": src, "to": f"{DIR}/copies/dup.tres"})
    assert r["path"] == f"{DIR}/copies/dup.tres" and r["from"] == src and r["class"] == "CircleShape2D"
    text = disk(shared, r["path"]).read_text()
    assert "radius = 11.0" in text
    assert header_uid(text) and header_uid(text) != made["uid"]
    status, err = shared.command_error("duplicate_resource", {"path": src, "to": r["path"]})
    assert (status, err["code"]) == (422, "failed")
    undo_global(shared)
    assert not disk(shared, r["path"]).exists() and not disk(shared, f"{DIR}/copies").exists()
    for params, status, code in [({"path": f"{DIR}/none.tres", "to": f"{DIR}/x.tres"}, 404, "not_found"),
                                 ({"path": src, "to": "user://../../x.tres"}, 403, "outside_project"),
                                 ({"path": src}, 400, "invalid_params")]:
        got_status, err = shared.command_error("duplicate_resource", params)
        assert (got_status, err["code"]) == (status, code), (params, err)


def test_make_unique_and_shared_file_resource(shared):
    shared_path = f"{DIR}/shared_circle.tres"
    shared.command("create_resource", {"class": "CircleShape2D", "path": shared_path, "properties": {"radius": 24}})
    disk(shared, f"{DIR}/holder.tscn").write_text(
        '[gd_scene load_steps=2 format=3]\n\n'
        f'[ext_resource type="Shape2D" path="{shared_path}" id="1_c"]\n\n'
        '[node name="Holder" type="Node2D"]\n\n'
        '[node name="A" type="CollisionShape2D" parent="."]\nshape = ExtResource("1_c")\n\n'
        '[node name="B" type="CollisionShape2D" parent="."]\nshape = ExtResource("1_c")\n')
    open_scene(shared, f"{DIR}/holder.tscn")
    assert shared.command("get_resource", {"node_path": "A", "property": "shape"})["path"] == shared_path
    r = shared.command("make_resource_unique", {"node_path": "A", "property": "shape"})
    assert r == {"class": "CircleShape2D", "node_path": "A", "property": "shape", "was_path": shared_path}
    a = shared.command("get_resource", {"node_path": "A", "property": "shape"})
    assert "path" not in a and a["properties"]["radius"] == 24.0
    # the unique copy changes alone (scene history), the file and B stay
    shared.command("set_resource_properties", {"node_path": "A", "property": "shape", "properties": {"radius": 99}})
    b = shared.command("get_resource", {"node_path": "B", "property": "shape"})
    assert b["path"] == shared_path and b["properties"]["radius"] == 24.0
    assert "radius = 24.0" in disk(shared, shared_path).read_text()
    # B's resource lives in a file: changing it saves the file (global history)
    shared.command("set_resource_properties", {"node_path": "B", "property": "shape", "properties": {"radius": 40}})
    assert "radius = 40.0" in disk(shared, shared_path).read_text()
    assert undo_global(shared)["history"] == "global"
    assert "radius = 24.0" in disk(shared, shared_path).read_text()
    # undo the set on A, then the make-unique: A uses the file again
    shared.command("undo", {"history": "scene"})
    assert shared.command("undo", {"history": "scene"})["undone"].startswith("Make A.shape unique")
    assert shared.command("get_resource", {"node_path": "A", "property": "shape"})["path"] == shared_path
    status, err = shared.command_error("make_resource_unique", {"node_path": "Nope", "property": "shape"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("make_resource_unique", {"node_path": "A", "property": "disabled"})
    assert (status, err["code"]) == (404, "not_found")


# --------------------------------------------------------------------------------------------
# list_resource_types, script resources, dependencies


def test_list_resource_types(shared):
    r = shared.command("list_resource_types", {"base": "Shape2D"})
    assert {"CircleShape2D", "RectangleShape2D", "CapsuleShape2D"} <= set(r["types"])
    assert "Shape2D" not in r["types"] and "BoxShape3D" not in r["types"]
    assert r["types"] == sorted(r["types"]) and r["total"] == len(r["types"])
    r = shared.command("list_resource_types", {"filter": "material", "limit": 500})
    assert "StandardMaterial3D" in r["types"] and "ShaderMaterial" in r["types"]
    assert shared.command("list_resource_types", {"filter": "EditorSettings"})["types"] == []
    r = shared.command("list_resource_types", {"limit": 3})
    assert r["count"] == 3 and r["truncated"] is True and r["total"] > 100
    status, err = shared.command_error("list_resource_types", {"base": "Node2D"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("list_resource_types", {"base": "Shape2d"})
    assert (status, err["code"]) == (404, "not_found") and "Shape2D" in err["message"]


def test_script_resource_class(shared):
    shared.command("write_file", {"path": f"{DIR}/stats.gd", "content":
                                  "class_name ResTestStats\nextends Resource\n\n@export var health: int = 10\n@export var speed: float = 1.5\n"})
    r = shared.command("list_resource_types", {"filter": "ResTest"})
    assert {"class": "ResTestStats", "path": f"{DIR}/stats.gd"} in r["script_types"]
    path = f"{DIR}/stats.tres"
    r = shared.command("create_resource", {"class": "ResTestStats", "path": path, "properties": {"health": 42}})
    assert r["class"] == "ResTestStats" and r["properties"] == {"health": 42}
    text = disk(shared, path).read_text()
    assert 'script_class="ResTestStats"' in text and f'path="{DIR}/stats.gd"' in text
    assert "health = 42" in text
    got = shared.command("get_resource", {"path": path})
    assert got["script"] == f"{DIR}/stats.gd" and got["properties"]["health"] == 42
    assert got["properties"]["speed"] == 1.5


def test_get_resource_dependencies(shared):
    r = shared.command("get_resource_dependencies", {"path": "res://main.tscn"})
    deps = {d["path"]: d for d in r["dependencies"]}
    assert set(deps) == {"res://main.gd", "res://icon.svg", "res://player.tscn"}
    assert all(d["exists"] for d in deps.values())
    assert deps["res://icon.svg"]["uid"] == "uid://dx6iquff8gqro"
    assert r["count"] == 3
    status, err = shared.command_error("get_resource_dependencies", {"path": "res://missing.tscn"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("get_resource_dependencies", {"path": "res://../x.tscn"})
    assert (status, err["code"]) == (403, "outside_project")


def test_resource_of_an_instanced_scene_is_read_only(shared):
    # main.tscn instances player.tscn: its CollisionShape2D's circle is saved with player.tscn
    open_scene(shared, "res://main.tscn")
    node = "Player/CollisionShape2D"
    status, err = shared.command_error("set_resource_properties", {"node_path": node, "property": "shape",
                                                                   "properties": {"radius": 3}})
    assert (status, err["code"]) == (422, "failed"), err
    assert "res://player.tscn" in err["message"]
    # the instance's children are not editable here: no own copy or new resource either
    for command, params in [("make_resource_unique", {}), ("create_resource", {"class": "CircleShape2D"})]:
        status, err = shared.command_error(command, dict({"node_path": node, "property": "shape"}, **params))
        assert (status, err["code"]) == (422, "failed"), (command, err)
        assert "set_editable_children" in err["message"]
    got = shared.command("get_resource", {"node_path": node, "property": "shape"})
    assert got["properties"]["radius"] == 32.0 and got["class"] == "CircleShape2D"
    shared.command("save_scene")
    assert "CircleShape2D" not in disk(shared, "res://main.tscn").read_text()
    assert "radius = 32.0" in disk(shared, "res://player.tscn").read_text()
