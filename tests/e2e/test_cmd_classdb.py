"""The classdb commands against the real editor, checked against facts of Godot 4.6's API.

One shared daemon + headless editor on a fresh demo copy (module fixture ``shared``).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.shared


def by_name(items: list[dict]) -> dict[str, dict]:
    return {i["name"]: i for i in items}


# --------------------------------------------------------------------------------------------
# get_class_info


def test_class_info_character_body(shared):
    r = shared.command("get_class_info", {"class": "CharacterBody2D"})
    assert r["ancestors"] == ["PhysicsBody2D", "CollisionObject2D", "Node2D", "CanvasItem", "Node", "Object"]
    assert r["instantiable"] is True and r["is_node"] is True and r["is_resource"] is False
    assert r["api"] == "core"
    assert r["counts"]["methods"] > 10 and r["counts"]["properties"] > 5
    assert r["counts"]["enums"] >= 2  # MotionMode, PlatformOnLeave


def test_class_info_resource_and_abstract(shared):
    r = shared.command("get_class_info", {"class": "Shape2D"})
    assert r["is_resource"] is True and r["is_node"] is False
    assert r["instantiable"] is False
    assert r["counts"]["direct_children"] >= 8  # Circle, Rectangle, Capsule, Segment, ...
    assert shared.command("get_class_info", {"class": "CircleShape2D"})["instantiable"] is True
    assert shared.command("get_class_info", {"class": "EditorPlugin"})["api"] == "editor"


def test_class_info_script_class(shared):
    # A class_name script is a class too (its bases reach the native class).
    shared.command("write_file", {"path": "res://cdb_enemy.gd",
                                  "content": "class_name CdbEnemy\nextends CharacterBody2D\n"})
    r = shared.command("get_class_info", {"class": "CdbEnemy"})
    assert r["script"] == "res://cdb_enemy.gd"
    assert r["native_base"] == "CharacterBody2D"
    assert r["ancestors"][:3] == ["CharacterBody2D", "PhysicsBody2D", "CollisionObject2D"]
    assert r["is_node"] is True and r["instantiable"] is True


def test_class_info_unknown_suggests(shared):
    status, err = shared.command_error("get_class_info", {"class": "CharacterBody2d"})
    assert (status, err["code"]) == (404, "not_found"), err
    assert "CharacterBody2D" in err["message"]
    status, err = shared.command_error("get_class_info", {"class": "Vector2"})
    assert (status, err["code"]) == (404, "not_found") and "built-in type" in err["message"], err
    status, err = shared.command_error("get_class_info", {})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("get_class_info", {"class": "Node", "extra": 1})
    assert (status, err["code"]) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# methods


def test_methods_own_with_signatures(shared):
    r = shared.command("list_class_methods", {"class": "CharacterBody2D", "limit": 500})
    methods = by_name(r["methods"])
    assert methods["move_and_slide"]["signature"] == "move_and_slide() -> bool"
    assert methods["get_slide_collision"]["signature"] == \
        "get_slide_collision(slide_idx: int) -> KinematicCollision2D"
    assert methods["set_velocity"]["signature"] == "set_velocity(velocity: Vector2) -> void"
    assert "is_on_floor() -> bool const" == methods["is_on_floor"]["signature"]
    # own methods only: Node's are not there, and none is marked with a class
    assert "add_child" not in methods and all("class" not in m for m in r["methods"])
    names = [m["name"] for m in r["methods"]]
    assert names == sorted(names)
    assert r["count"] == len(r["methods"]) == r["total"] and r["truncated"] is False


def test_methods_inherited_defaults_virtual_filter(shared):
    r = shared.command("list_class_methods", {"class": "CharacterBody2D", "inherited": True,
                                              "filter": "add_child"})
    m = by_name(r["methods"])["add_child"]
    assert m["class"] == "Node"
    assert m["signature"] == ("add_child(node: Node, force_readable_name: bool = false, "
                              "internal: Node.InternalMode = 0) -> void")
    r = shared.command("list_class_methods", {"class": "Node", "filter": "_READY"})
    assert by_name(r["methods"])["_ready"]["signature"] == "virtual _ready() -> void"
    r = shared.command("list_class_methods", {"class": "Node", "filter": "_ready", "include_virtual": False})
    assert "_ready" not in by_name(r["methods"])
    r = shared.command("list_class_methods", {"class": "Node", "filter": "rpc"})
    assert by_name(r["methods"])["rpc"]["signature"].startswith("rpc(method: StringName, ...) -> Error")
    r = shared.command("list_class_methods", {"class": "Node", "limit": 3})
    assert r["count"] == 3 and len(r["methods"]) == 3 and r["total"] > 3 and r["truncated"] is True


def test_methods_static_and_errors(shared):
    r = shared.command("list_class_methods", {"class": "ResourceLoader", "filter": "exists"})
    assert by_name(r["methods"])["exists"]["signature"].startswith("exists(path: String, type_hint: String = \"\")")
    status, err = shared.command_error("list_class_methods", {"class": "NoSuchClass"})
    assert (status, err["code"]) == (404, "not_found")
    status, err = shared.command_error("list_class_methods", {"class": "Node", "limit": 0})
    assert (status, err["code"]) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# properties, signals, constants


def test_properties_types_hints_defaults(shared):
    r = shared.command("list_class_properties", {"class": "Node2D"})
    props = by_name(r["properties"])
    assert props["position"]["type"] == "Vector2"
    assert props["position"]["default"] == {"$type": "Vector2", "x": 0.0, "y": 0.0}
    assert props["scale"]["default"] == {"$type": "Vector2", "x": 1.0, "y": 1.0}
    assert props["rotation"]["type"] == "float" and props["rotation"]["hint"].startswith("range:")
    assert props["global_position"]["inspector"] is False
    assert "process_mode" not in props  # Node's, not Node2D's own
    r = shared.command("list_class_properties", {"class": "Node2D", "inherited": True, "filter": "process_mode"})
    pm = by_name(r["properties"])["process_mode"]
    assert pm["class"] == "Node" and pm["type"] == "Node.ProcessMode"  # the setter's enum
    assert pm["hint"] == "enum:Inherit,Pausable,When Paused,Always,Disabled"
    assert pm["default"] == 0
    r = shared.command("list_class_properties", {"class": "CharacterBody2D", "filter": "motion_mode"})
    assert by_name(r["properties"])["motion_mode"]["type"] == "CharacterBody2D.MotionMode"
    r = shared.command("list_class_properties", {"class": "Control", "filter": "size_flags_horizontal"})
    assert by_name(r["properties"])["size_flags_horizontal"]["type"] == "BitField[Control.SizeFlags]"
    r = shared.command("list_class_properties", {"class": "Node2D", "filter": "z_index", "inherited": True})
    assert by_name(r["properties"])["z_index"]["type"] == "int"  # a plain int stays int
    r = shared.command("list_class_properties", {"class": "Sprite2D", "filter": "texture"})
    assert by_name(r["properties"])["texture"]["type"] == "Texture2D"
    r = shared.command("list_class_properties", {"class": "CircleShape2D"})
    assert by_name(r["properties"])["radius"]["default"] == 10.0
    status, err = shared.command_error("list_class_properties", {"class": "node2d"})
    assert (status, err["code"]) == (404, "not_found") and "Node2D" in err["message"]


def test_signals(shared):
    r = shared.command("list_class_signals", {"class": "Area2D"})
    sig = by_name(r["signals"])
    assert sig["body_entered"]["signature"] == "body_entered(body: Node2D)"
    assert sig["body_entered"]["arg_count"] == 1
    assert sig["body_shape_entered"]["arg_count"] == 4
    r = shared.command("list_class_signals", {"class": "Area2D", "inherited": True, "filter": "ready"})
    ready = by_name(r["signals"])["ready"]
    assert ready == {"name": "ready", "signature": "ready()", "arg_count": 0, "class": "Node"}
    r = shared.command("list_class_signals", {"class": "Timer"})
    assert [s["name"] for s in r["signals"]] == ["timeout"]
    status, err = shared.command_error("list_class_signals", {"class": "Area2D", "filter": 5})
    assert (status, err["code"]) == (400, "invalid_params")


def test_constants_and_enums(shared):
    r = shared.command("list_class_constants", {"class": "Node", "filter": "ProcessMode"})
    enums = by_name(r["enums"])
    assert enums["ProcessMode"]["values"] == {"PROCESS_MODE_INHERIT": 0, "PROCESS_MODE_PAUSABLE": 1,
                                              "PROCESS_MODE_WHEN_PAUSED": 2, "PROCESS_MODE_ALWAYS": 3,
                                              "PROCESS_MODE_DISABLED": 4}
    r = shared.command("list_class_constants", {"class": "Node", "filter": "NOTIFICATION_READY"})
    assert r["constants"] == {"NOTIFICATION_READY": 13}
    r = shared.command("list_class_constants", {"class": "CharacterBody2D", "inherited": True,
                                                "filter": "NOTIFICATION_READY"})
    assert r["constants"]["NOTIFICATION_READY"] == 13
    r = shared.command("list_class_constants", {"class": "Control", "filter": "SizeFlags"})
    assert by_name(r["enums"])["SizeFlags"]["bitfield"] is True
    r = shared.command("list_class_constants", {"class": "Node", "limit": 2})
    assert r["count"] == 2 and r["truncated"] is True and r["total"] > 2
    status, err = shared.command_error("list_class_constants", {"class": "Nope"})
    assert (status, err["code"]) == (404, "not_found")


# --------------------------------------------------------------------------------------------
# hierarchy, class lists, member search


def test_inheritance(shared):
    r = shared.command("get_class_inheritance", {"class": "PhysicsBody2D"})
    assert r["ancestors"][0] == "CollisionObject2D" and r["ancestors"][-1] == "Object"
    assert set(r["children"]) >= {"CharacterBody2D", "RigidBody2D", "StaticBody2D"}
    assert "AnimatableBody2D" not in r["children"]  # a grandchild (through StaticBody2D)
    assert r["descendants_total"] > r["children_total"]
    assert r["children"] == sorted(r["children"])
    r = shared.command("get_class_inheritance", {"class": "Node", "limit": 2})
    assert len(r["children"]) == 2 and r["truncated"] is True and r["children_total"] > 2
    status, err = shared.command_error("get_class_inheritance", {"class": "Nodee"})
    assert (status, err["code"]) == (404, "not_found") and "Node" in err["message"]


def test_list_classes(shared):
    r = shared.command("list_classes", {"base": "Shape2D", "limit": 1000})
    assert {"Shape2D", "CircleShape2D", "RectangleShape2D", "CapsuleShape2D"} <= set(r["classes"])
    assert "BoxShape3D" not in r["classes"]
    r = shared.command("list_classes", {"base": "Shape2D", "instantiable": True, "limit": 1000})
    assert "Shape2D" not in r["classes"] and "CircleShape2D" in r["classes"]
    r = shared.command("list_classes", {"filter": "body2d", "limit": 1000})
    assert set(r["classes"]) >= {"CharacterBody2D", "RigidBody2D", "StaticBody2D", "PhysicsBody2D"}
    assert all("body2d" in c.lower() for c in r["classes"])
    r = shared.command("list_classes", {"limit": 5})
    assert r["count"] == 5 and r["total"] > 500 and r["truncated"] is True
    assert r["classes"] == sorted(r["classes"])
    status, err = shared.command_error("list_classes", {"base": "NoBase"})
    assert (status, err["code"]) == (404, "not_found")


def test_search_class_members(shared):
    r = shared.command("search_class_members", {"query": "look_at", "kinds": ["method"], "exact": True})
    found = {(m["class"], m["kind"], m["name"]) for m in r["matches"]}
    assert {("Node2D", "method", "look_at"), ("Node3D", "method", "look_at")} <= found
    assert all(m["name"] == "look_at" for m in r["matches"])
    r = shared.command("search_class_members", {"query": "body_entered", "kinds": ["signal"]})
    assert {"Area2D", "Area3D", "RigidBody2D"} <= {m["class"] for m in r["matches"]}
    r = shared.command("search_class_members", {"query": "velocity", "base": "PhysicsBody2D",
                                                "kinds": ["property"]})
    assert ("CharacterBody2D", "velocity") in {(m["class"], m["name"]) for m in r["matches"]}
    assert r["matches"][0]["name"] == "velocity"  # exact matches first
    status, err = shared.command_error("search_class_members", {"query": "x"})
    assert (status, err["code"]) == (400, "invalid_params")
    status, err = shared.command_error("search_class_members", {"query": "look", "kinds": ["field"]})
    assert (status, err["code"]) == (400, "invalid_params")
