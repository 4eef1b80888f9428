"""The scene commands against the real editor: .tscn files on disk as ground truth (new,
save-as, inherited, instanced scenes, dependencies), the editor's open tabs, undo of
instantiate_scene, reload from disk, and structured errors."""

from __future__ import annotations

import re

import pytest

from conftest import tscn_nodes, tree_nodes

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"
PLAYER = "res://player.tscn"


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


def disk(shared, res_path: str):
    return shared.project / res_path.removeprefix("res://")


def open_scene(shared, scene: str) -> None:
    assert shared.command("open_scene", {"scene_path": scene})["edited_scene"] == scene


def tree(shared) -> dict[str, str]:
    return tree_nodes(shared.command("get_scene_tree")["root"])


def open_scenes(shared) -> dict[str, dict]:
    return {s["scene_path"]: s for s in shared.command("list_open_scenes")["scenes"]}


def ext_resources(text: str) -> dict[str, str]:
    """{path: type} of a .tscn's ext_resource lines."""
    out = {}
    for m in re.finditer(r"^\[ext_resource ([^\]]*)\]", text, re.M):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        out[attrs["path"]] = attrs["type"]
    return out


# --------------------------------------------------------------------------------------------
# new_scene, save_scene_as, list_open_scenes, close_scene


def test_new_scene_saved_at_once(shared):
    res = shared.command("new_scene", {"root_type": "Node3D", "root_name": "Arena",
                                       "scene_path": "res://made/arena.tscn"})
    assert res == {"scene_path": "res://made/arena.tscn", "root_name": "Arena",
                   "root_type": "Node3D", "edited_scene": "res://made/arena.tscn"}, res
    assert tscn_nodes(disk(shared, "res://made/arena.tscn")) == {".": "Node3D"}
    assert 'name="Arena"' in disk(shared, "res://made/arena.tscn").read_text()
    assert tree(shared) == {".": "Node3D"}
    scenes = open_scenes(shared)
    assert scenes["res://made/arena.tscn"]["edited"] is True
    assert scenes["res://made/arena.tscn"]["unsaved"] is False, scenes


def test_new_scene_unsaved_then_save_as(shared):
    res = shared.command("new_scene", {"root_type": "Control"})
    assert res["scene_path"] == "" and res["edited_scene"] == "" and res["root_name"] == "Control", res
    scenes = shared.command("list_open_scenes")
    edited = [s for s in scenes["scenes"] if s["edited"]]
    assert len(edited) == 1 and edited[0]["scene_path"] == "" and edited[0]["root_type"] == "Control", scenes
    assert edited[0]["unsaved"] is True, edited
    # save_scene needs a file; save_scene_as gives it one (creating folders)
    assert err(shared, "save_scene", {}) == (422, "failed")
    shared.command("create_node", {"parent_path": ".", "type": "Label", "name": "Title"})
    res = shared.command("save_scene_as", {"scene_path": "res://ui/deep/menu.tscn"})
    assert res == {"scene_path": "res://ui/deep/menu.tscn", "edited_scene": "res://ui/deep/menu.tscn"}, res
    assert tscn_nodes(disk(shared, "res://ui/deep/menu.tscn")) == {".": "Control", "Title": "Label"}
    assert open_scenes(shared)["res://ui/deep/menu.tscn"]["unsaved"] is False


def test_save_scene_as_copies_under_a_new_name(shared):
    open_scene(shared, LEVEL)
    original = disk(shared, LEVEL).read_text()
    res = shared.command("save_scene_as", {"scene_path": "res://copies/level_copy.tscn"})
    assert res["edited_scene"] == "res://copies/level_copy.tscn", res
    assert tscn_nodes(disk(shared, "res://copies/level_copy.tscn")) == tscn_nodes(disk(shared, LEVEL))
    assert disk(shared, LEVEL).read_text() == original
    assert shared.command("get_status")["edited_scene"] == "res://copies/level_copy.tscn"


def test_save_scene_as_refuses_to_clobber(shared):
    shared.command("new_scene", {"root_type": "Node", "root_name": "Target",
                                 "scene_path": "res://made/target.tscn"})
    shared.command("close_scene", {})
    target = disk(shared, "res://made/target.tscn")
    original = target.read_text()
    open_scene(shared, MAIN)
    open_scene(shared, LEVEL)
    # an existing file needs overwrite
    assert err(shared, "save_scene_as", {"scene_path": "res://made/target.tscn"}) == (422, "failed")
    assert target.read_text() == original
    assert shared.command("get_status")["edited_scene"] == LEVEL
    # a file open in another tab: never (both tabs would name one file)
    main_text = disk(shared, MAIN).read_text()
    assert err(shared, "save_scene_as", {"scene_path": MAIN, "overwrite": True}) == (422, "failed")
    assert disk(shared, MAIN).read_text() == main_text
    assert [s["scene_path"] for s in shared.command("list_open_scenes")["scenes"]].count(MAIN) == 1
    # its own file is just a save
    assert shared.command("save_scene_as", {"scene_path": LEVEL})["edited_scene"] == LEVEL
    res = shared.command("save_scene_as", {"scene_path": "res://made/target.tscn", "overwrite": True})
    assert res["edited_scene"] == "res://made/target.tscn", res
    assert tscn_nodes(target) == tscn_nodes(disk(shared, LEVEL))
    shared.command("close_scene", {})


def test_save_scene_as_refuses_a_scene_the_edited_one_instances(shared):
    # main.tscn instances player.tscn: saving main as player.tscn would make player contain itself
    assert PLAYER in ext_resources(disk(shared, MAIN).read_text())
    open_scene(shared, MAIN)
    player_text = disk(shared, PLAYER).read_text()
    assert err(shared, "save_scene_as", {"scene_path": PLAYER, "overwrite": True}) == (400, "invalid_params")
    assert disk(shared, PLAYER).read_text() == player_text
    assert shared.command("get_status")["edited_scene"] == MAIN
    # nor may a scene inheriting player.tscn replace it
    shared.command("new_inherited_scene", {"base_path": PLAYER, "scene_path": "res://inherited/cyc.tscn"})
    assert err(shared, "save_scene_as", {"scene_path": PLAYER, "overwrite": True}) == (400, "invalid_params")
    assert disk(shared, PLAYER).read_text() == player_text
    shared.command("close_scene", {})


def test_new_scene_and_save_as_errors(shared):
    assert err(shared, "new_scene", {"root_type": "Resource"}) == (400, "invalid_params")
    assert err(shared, "new_scene", {"root_type": "NoSuchClass"}) == (400, "invalid_params")
    assert err(shared, "new_scene", {"root_type": "Node", "root_name": "a/b"}) == (400, "invalid_params")
    assert err(shared, "new_scene", {"root_type": "Node", "scene_path": LEVEL}) == (422, "failed")
    assert err(shared, "new_scene", {"root_type": "Node", "scene_path": "res://x.txt"}) == (400, "invalid_params")
    assert err(shared, "new_scene", {}) == (400, "invalid_params")
    open_scene(shared, LEVEL)
    assert err(shared, "save_scene_as", {"scene_path": "res://../escape.tscn"}) == (403, "outside_project")
    assert err(shared, "save_scene_as", {"scene_path": "res://level.png"}) == (400, "invalid_params")
    assert err(shared, "save_scene_as", {}) == (400, "invalid_params")
    assert err(shared, "save_scene_as", {"scene_path": "res://z.tscn", "overwrite": 1}) == (400, "invalid_params")
    assert not (shared.project.parent / "escape.tscn").exists()


def test_close_scene_refuses_unsaved_then_discards(shared):
    open_scene(shared, MAIN)
    open_scene(shared, LEVEL)
    shared.command("create_node", {"parent_path": ".", "type": "Node3D", "name": "Unsaved"})
    assert open_scenes(shared)[LEVEL]["unsaved"] is True
    assert err(shared, "close_scene", {}) == (422, "failed")
    assert LEVEL in open_scenes(shared)
    res = shared.command("close_scene", {"discard": True})
    assert res["closed"] == LEVEL and res["discarded"] is True, res
    assert LEVEL not in res["open_scenes"] and LEVEL not in open_scenes(shared)
    assert "Unsaved" not in disk(shared, LEVEL).read_text()
    # reopened from disk: the change is gone
    open_scene(shared, LEVEL)
    assert "Unsaved" not in tree(shared)


def test_close_scene_by_path_keeps_the_edited_one(shared):
    open_scene(shared, PLAYER)
    open_scene(shared, MAIN)
    assert PLAYER in open_scenes(shared)
    res = shared.command("close_scene", {"scene_path": PLAYER})
    assert res["closed"] == PLAYER and res["discarded"] is False and res["edited_scene"] == MAIN, res
    assert PLAYER not in open_scenes(shared)
    assert shared.command("get_status")["edited_scene"] == MAIN


def test_close_scene_errors(shared):
    open_scene(shared, MAIN)
    assert err(shared, "close_scene", {"scene_path": "res://made/nothing.tscn"}) == (404, "not_found")
    assert err(shared, "close_scene", {"scene_path": "res://../x.tscn"}) == (403, "outside_project")
    assert err(shared, "close_scene", {"discard": "yes"}) == (400, "invalid_params")
    assert err(shared, "list_open_scenes", {"all": True}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# instantiate_scene


def test_instantiate_scene_saved_and_undone(shared):
    open_scene(shared, LEVEL)
    res = shared.command("instantiate_scene", {"scene_path": PLAYER, "parent_path": "Floor",
                                               "name": "Hero"})
    assert res == {"node_path": "Floor/Hero", "name": "Hero", "instance": PLAYER,
                   "editable_children": False}, res
    nodes = shared.command("get_scene_tree")["root"]
    flat = tree_nodes(nodes)
    assert flat["Floor/Hero"] == tscn_nodes(disk(shared, PLAYER))["."]
    shared.command("save_scene")
    text = disk(shared, LEVEL).read_text()
    assert ext_resources(text).get(PLAYER) == "PackedScene", text
    assert re.search(r'\[node name="Hero" parent="Floor"[^\]]*instance=ExtResource', text), text
    # the sub-scene's own nodes are not copied into level.tscn
    assert tscn_nodes(disk(shared, LEVEL))["Floor/Hero"] == flat["Floor/Hero"]
    # undo removes it; saving writes the scene without it
    assert shared.command("undo", {"history": "scene"})["undone"].startswith("Instantiate")
    assert "Floor/Hero" not in tree(shared)
    shared.command("save_scene")
    assert PLAYER not in ext_resources(disk(shared, LEVEL).read_text())
    assert "Hero" not in tscn_nodes(disk(shared, LEVEL)).get("Floor/Hero", "")


def test_instantiate_scene_default_parent_and_unique_name(shared):
    open_scene(shared, LEVEL)
    a = shared.command("instantiate_scene", {"scene_path": PLAYER})
    b = shared.command("instantiate_scene", {"scene_path": PLAYER})
    assert a["node_path"] != b["node_path"] and "/" not in a["node_path"], (a, b)
    flat = tree(shared)
    assert a["node_path"] in flat and b["node_path"] in flat
    shared.command("undo", {"history": "scene"})
    shared.command("undo", {"history": "scene"})
    flat = tree(shared)
    assert a["node_path"] not in flat and b["node_path"] not in flat


def test_instantiate_scene_with_editable_children(shared):
    open_scene(shared, LEVEL)
    inner = {k: v for k, v in tscn_nodes(disk(shared, PLAYER)).items() if k != "."}
    assert inner, "player.tscn has child nodes"
    res = shared.command("instantiate_scene", {"scene_path": PLAYER, "parent_path": "Floor",
                                               "name": "Editable", "editable_children": True})
    assert res["node_path"] == "Floor/Editable" and res["editable_children"] is True, res
    # the sub-scene's own nodes show in the tree (they do not without editable children)
    flat = tree(shared)
    for path, typ in inner.items():
        assert flat.get(f"Floor/Editable/{path}") == typ, flat
    assert shared.command("get_node", {"node_path": "Floor/Editable"})["editable_children"] is True
    shared.command("save_scene")
    text = disk(shared, LEVEL).read_text()
    assert '[editable path="Floor/Editable"]' in text, text
    # undo removes the instance and its editable flag; the saved file loses both
    assert shared.command("undo", {"history": "scene"})["undone"].startswith("Instantiate")
    flat = tree(shared)
    assert not any(k.startswith("Floor/Editable") for k in flat), flat
    shared.command("save_scene")
    text = disk(shared, LEVEL).read_text()
    assert "[editable" not in text and 'name="Editable"' not in text, text


def test_instantiate_scene_without_editable_children_hides_them(shared):
    open_scene(shared, LEVEL)
    res = shared.command("instantiate_scene", {"scene_path": PLAYER, "name": "Closed"})
    assert res["editable_children"] is False, res
    flat = tree(shared)
    assert "Closed" in flat and not any(k.startswith("Closed/") for k in flat), flat
    shared.command("undo", {"history": "scene"})
    assert "Closed" not in tree(shared)


def test_instantiate_scene_errors(shared):
    open_scene(shared, MAIN)
    before = tree(shared)
    assert err(shared, "instantiate_scene", {"scene_path": MAIN}) == (400, "invalid_params")
    assert err(shared, "instantiate_scene", {"scene_path": "res://nope.tscn"}) == (404, "not_found")
    assert err(shared, "instantiate_scene", {"scene_path": LEVEL, "parent_path": "Nope"}) == (404, "not_found")
    assert err(shared, "instantiate_scene", {"scene_path": "res://main.gd"}) == (400, "invalid_params")
    # a node inside the instanced Player sub-scene is not editable
    sub = tscn_nodes(disk(shared, PLAYER))
    inner = next(k for k in sub if k != ".")
    assert err(shared, "instantiate_scene", {"scene_path": LEVEL, "parent_path": f"Player/{inner}"}) \
        == (400, "invalid_params")
    assert err(shared, "instantiate_scene", {"scene_path": LEVEL, "name": "a:b"}) == (400, "invalid_params")
    assert err(shared, "instantiate_scene", {"scene_path": LEVEL, "editable_children": "yes"}) \
        == (400, "invalid_params")
    assert tree(shared) == before


def test_instantiate_scene_cycle_refused(shared):
    # main.tscn instances player.tscn: player.tscn may not instance main.tscn
    open_scene(shared, PLAYER)
    assert err(shared, "instantiate_scene", {"scene_path": MAIN}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# new_inherited_scene


def test_new_inherited_scene(shared):
    res = shared.command("new_inherited_scene", {"base_path": PLAYER,
                                                 "scene_path": "res://inherited/player_blue.tscn"})
    base_root = tscn_nodes(disk(shared, PLAYER))["."]
    assert res["scene_path"] == "res://inherited/player_blue.tscn" and res["base_path"] == PLAYER, res
    assert res["edited_scene"] == "res://inherited/player_blue.tscn" and res["root_type"] == base_root, res
    text = disk(shared, "res://inherited/player_blue.tscn").read_text()
    assert ext_resources(text).get(PLAYER) == "PackedScene", text
    root_line = [ln for ln in text.splitlines() if ln.startswith("[node ") and "parent=" not in ln]
    assert len(root_line) == 1 and "instance=ExtResource" in root_line[0], text
    # the base's nodes are there (from the base, not copied)
    assert set(tree(shared)) == set(tscn_nodes(disk(shared, PLAYER))), tree(shared)
    deps = shared.command("get_scene_dependencies")["dependencies"]
    assert PLAYER in {d["path"] for d in deps}, deps


def test_new_inherited_scene_errors(shared):
    assert err(shared, "new_inherited_scene", {"base_path": "res://nope.tscn", "scene_path": "res://n.tscn"}) \
        == (404, "not_found")
    assert err(shared, "new_inherited_scene", {"base_path": PLAYER, "scene_path": LEVEL}) == (422, "failed")
    assert err(shared, "new_inherited_scene", {"base_path": PLAYER, "scene_path": PLAYER}) == (400, "invalid_params")
    assert err(shared, "new_inherited_scene", {"base_path": PLAYER}) == (400, "invalid_params")
    assert not disk(shared, "res://n.tscn").exists()


# --------------------------------------------------------------------------------------------
# get_scene_dependencies


def test_get_scene_dependencies_match_the_tscn(shared):
    res = shared.command("get_scene_dependencies", {"scene_path": MAIN})
    direct = {d["path"]: d for d in res["dependencies"]}
    assert set(direct) == set(ext_resources(disk(shared, MAIN).read_text())), res
    for path, typ in ext_resources(disk(shared, MAIN).read_text()).items():
        # the file's own class as the editor knows it, where the .tscn names the base class
        assert direct[path]["type"] == typ or (typ, direct[path]["type"]) in {
            ("Script", "GDScript"), ("Texture2D", "CompressedTexture2D")}, direct
        assert direct[path]["depth"] == 1 and direct[path]["from"] == MAIN
        assert direct[path]["uid"].startswith("uid://"), direct[path]


def test_get_scene_dependencies_recursive(shared):
    res = shared.command("get_scene_dependencies", {"scene_path": MAIN, "recursive": True})
    deps = {d["path"]: d for d in res["dependencies"]}
    assert len(deps) == len(res["dependencies"]), res  # each listed once
    main_deps = ext_resources(disk(shared, MAIN).read_text())
    player_deps = ext_resources(disk(shared, PLAYER).read_text())
    assert set(deps) == set(main_deps) | set(player_deps), (sorted(deps), main_deps, player_deps)
    for path in set(player_deps) - set(main_deps):
        assert deps[path]["from"] == PLAYER and deps[path]["depth"] == 2, deps[path]
    shallow = shared.command("get_scene_dependencies", {"scene_path": MAIN})
    assert {d["path"] for d in shallow["dependencies"]} == set(main_deps)


def test_get_scene_dependencies_errors(shared):
    assert err(shared, "get_scene_dependencies", {"scene_path": "res://nope.tscn"}) == (404, "not_found")
    assert err(shared, "get_scene_dependencies", {"scene_path": "/etc/passwd"}) == (403, "outside_project")
    assert err(shared, "get_scene_dependencies", {"recursive": 1}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# reload_scene


def test_reload_scene_picks_up_disk_changes(shared):
    open_scene(shared, LEVEL)
    path = disk(shared, LEVEL)
    original = path.read_text()
    try:
        path.write_text(original + '\n[node name="FromDisk" type="Marker3D" parent="."]\n')
        res = shared.command("reload_scene")
        assert res == {"scene_path": LEVEL, "edited_scene": LEVEL, "discarded": False}, res
        assert tree(shared).get("FromDisk") == "Marker3D"
        # unsaved changes block a reload unless discarded
        shared.command("create_node", {"parent_path": ".", "type": "Node3D", "name": "Pending"})
        assert err(shared, "reload_scene", {}) == (422, "failed")
        assert "Pending" in tree(shared)
        res = shared.command("reload_scene", {"scene_path": LEVEL, "discard": True})
        assert res["discarded"] is True, res
        flat = tree(shared)
        assert "Pending" not in flat and "FromDisk" in flat
    finally:
        path.write_text(original)
        shared.command("reload_scene", {"discard": True})
    assert "FromDisk" not in tree(shared)


def test_reload_scene_errors(shared):
    open_scene(shared, MAIN)
    disk(shared, "res://closed_probe.tscn").write_text(disk(shared, LEVEL).read_text().replace(
        'uid="uid://d4cu8qmp4hceh"', ""))
    assert err(shared, "reload_scene", {"scene_path": "res://closed_probe.tscn"}) == (404, "not_found")
    assert err(shared, "reload_scene", {"scene_path": "res://nope.tscn"}) == (404, "not_found")
    assert err(shared, "reload_scene", {"discard": 1}) == (400, "invalid_params")


def test_open_scene_result_still_names_the_edited_scene(shared):
    # /scene/load relies on this field
    res = shared.command("open_scene", {"scene_path": MAIN})
    assert res == {"scene_path": MAIN, "edited_scene": MAIN}, res


def test_daemon_knows_the_edited_scene_when_open_scene_answers(shared):
    # the addon announces state changes before the answer of the command that made them
    for scene in (LEVEL, MAIN, LEVEL, MAIN):
        shared.command("open_scene", {"scene_path": scene})
        assert shared.status()["session"]["edited_scene"] == scene
