"""The editor commands against the real editor: selection, main screen, the file system scan
and reimport (imported files on disk as ground truth), editor settings with undo, and the
editor's dialogs (a real error popup from opening a broken scene)."""

from __future__ import annotations

import struct

import pytest

from conftest import wait_for

pytestmark = pytest.mark.shared

MAIN = "res://main.tscn"
LEVEL = "res://level.tscn"
INDENT = "text_editor/behavior/indent/size"


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


def wait_scanned(shared) -> None:
    wait_for(lambda: shared.command("get_status")["readiness"] != "importing", 60, 0.2,
             "the scan to end")


# --------------------------------------------------------------------------------------------
# selection


def test_set_and_get_selection(shared):
    shared.command("open_scene", {"scene_path": LEVEL})
    res = shared.command("set_selection", {"node_paths": ["Crate", "Floor/Mesh"]})
    assert res["node_paths"] == ["Crate", "Floor/Mesh"], res
    got = shared.command("get_selection")
    assert got == {"node_paths": ["Crate", "Floor/Mesh"], "edited_scene": LEVEL}, got
    # the scene root by its name, and "." as in get_scene_tree
    assert shared.command("set_selection", {"node_paths": ["Level"]})["node_paths"] == ["."]
    assert shared.command("set_selection", {"node_paths": []})["node_paths"] == []
    assert shared.command("get_selection")["node_paths"] == []


def test_set_selection_errors_leave_it_unchanged(shared):
    shared.command("open_scene", {"scene_path": LEVEL})
    shared.command("set_selection", {"node_paths": ["Sun"]})
    assert err(shared, "set_selection", {"node_paths": ["Sun", "NoSuchNode"]}) == (404, "not_found")
    assert shared.command("get_selection")["node_paths"] == ["Sun"]
    assert err(shared, "set_selection", {"node_paths": "Sun"}) == (400, "invalid_params")
    # a node the Scene dock does not show (inside main.tscn's Player instance) is refused
    shared.command("open_scene", {"scene_path": MAIN})
    shared.command("set_selection", {"node_paths": ["Player"]})
    assert err(shared, "set_selection", {"node_paths": ["Player/Sprite2D"]}) == (400, "invalid_params")
    assert shared.command("get_selection")["node_paths"] == ["Player"]
    shared.command("set_selection", {"node_paths": []})
    shared.command("open_scene", {"scene_path": LEVEL})
    assert err(shared, "get_selection", {"x": 1}) == (400, "invalid_params")
    shared.command("set_selection", {"node_paths": []})


# --------------------------------------------------------------------------------------------
# main screen


def test_set_main_screen(shared):
    res = shared.command("set_main_screen", {"name": "Script"})
    assert res["main_screen"] == "Script" and {"2D", "3D", "Script"} <= set(res["available"]), res
    assert shared.command("get_status")["main_screen"] == "Script"
    assert shared.command("get_main_screen") == {"main_screen": "Script", "available": res["available"]}
    assert shared.command("set_main_screen", {"name": "3D"})["main_screen"] == "3D"
    assert shared.command("get_status")["main_screen"] == "3D"
    assert shared.command("get_main_screen")["main_screen"] == "3D"
    assert shared.command("set_main_screen", {"name": "2D"})["main_screen"] == "2D"
    assert shared.command("get_status")["main_screen"] == "2D"
    assert shared.command("get_main_screen")["main_screen"] == "2D"


def test_set_main_screen_errors(shared):
    assert err(shared, "set_main_screen", {"name": "Spreadsheet"}) == (400, "invalid_params")
    assert err(shared, "set_main_screen", {}) == (400, "invalid_params")
    assert err(shared, "get_main_screen", {"name": "2D"}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# scan, reimport


def test_scan_filesystem_finds_a_file_written_behind_the_editors_back(shared):
    wait_scanned(shared)
    (shared.project / "scanned").mkdir()
    (shared.project / "scanned" / "copy.tscn").write_text(
        (shared.project / "level.tscn").read_text().replace('uid="uid://d4cu8qmp4hceh"', ""))
    res = shared.command("scan_filesystem")
    assert res["started"] is True or res["scanning"] is True, res
    wait_scanned(shared)
    info = wait_for(lambda: (i := shared.command("file_info", {"path": "res://scanned/copy.tscn"}))["type"] and i,
                    60, 0.3, "the editor to know the new scene")
    assert info["type"] == "PackedScene", info


def test_scan_filesystem_bad_params(shared):
    assert err(shared, "scan_filesystem", {"wait": True}) == (400, "invalid_params")


def _ctex_size(project) -> tuple[int, int]:
    imported = list((project / ".godot" / "imported").glob("icon.svg-*.ctex"))
    assert len(imported) == 1, imported
    data = imported[0].read_bytes()
    assert data[:4] == b"GST2", data[:16]
    return struct.unpack_from("<II", data, 8)


def test_reimport_files_uses_the_import_settings_on_disk(shared):
    wait_scanned(shared)
    assert _ctex_size(shared.project) == (128, 128)
    imp = shared.project / "icon.svg.import"
    text = imp.read_text()
    assert "svg/scale=1.0" in text
    imp.write_text(text.replace("svg/scale=1.0", "svg/scale=2.0"))
    try:
        res = shared.command("reimport_files", {"paths": ["res://icon.svg"]})
        assert res == {"reimported": ["res://icon.svg"]}, res
        assert _ctex_size(shared.project) == (256, 256)
    finally:
        imp.write_text(imp.read_text().replace("svg/scale=2.0", "svg/scale=1.0"))
        shared.command("reimport_files", {"paths": ["res://icon.svg"]})
    assert _ctex_size(shared.project) == (128, 128)


def test_reimport_files_errors(shared):
    assert err(shared, "reimport_files", {"paths": ["res://main.gd"]}) == (400, "invalid_params")
    assert err(shared, "reimport_files", {"paths": ["res://nope.png"]}) == (404, "not_found")
    assert err(shared, "reimport_files", {"paths": ["/etc/passwd"]}) == (403, "outside_project")
    assert err(shared, "reimport_files", {"paths": []}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# editor settings


def test_set_editor_setting_and_undo(shared):
    before = shared.command("get_editor_setting", {"name": INDENT})
    assert before["type"] == "int" and isinstance(before["value"], int), before
    new = 2 if before["value"] != 2 else 3
    try:
        res = shared.command("set_editor_setting", {"name": INDENT, "value": new})
        assert res["value"] == new and res["previous"] == before["value"], res
        assert shared.command("get_editor_setting", {"name": INDENT})["value"] == new
    finally:
        undone = shared.command("undo", {"history": "global"})
    assert undone["history"] == "global", undone
    assert shared.command("get_editor_setting", {"name": INDENT})["value"] == before["value"]


def test_editor_setting_errors(shared):
    assert err(shared, "get_editor_setting", {"name": "no/such/setting"}) == (404, "not_found")
    assert err(shared, "set_editor_setting", {"name": "no/such/setting", "value": 1}) == (404, "not_found")
    before = shared.command("get_editor_setting", {"name": INDENT})["value"]
    assert err(shared, "set_editor_setting", {"name": INDENT, "value": "wide"}) == (400, "invalid_params")
    assert err(shared, "set_editor_setting", {"name": INDENT}) == (400, "invalid_params")
    assert shared.command("get_editor_setting", {"name": INDENT})["value"] == before


# --------------------------------------------------------------------------------------------
# dialogs


def test_list_and_dismiss_a_real_error_dialog(shared):
    assert shared.command("list_dialogs")["dialogs"] == []
    (shared.project / "broken.tscn").write_text("[gd_scene format=3]\n\n[node name=\"X\" type=\n")
    status, error = shared.command_error("open_scene", {"scene_path": "res://broken.tscn"})
    assert status == 422 and error["code"] == "failed", (status, error)
    dialogs = shared.command("list_dialogs")["dialogs"]
    shown = [d for d in dialogs if "broken.tscn" in d["text"]]
    assert len(shown) == 1, dialogs
    dialog = shown[0]
    assert any(b["action"] == "confirm" for b in dialog["buttons"]), dialog
    res = shared.command("dismiss_dialog", {"id": dialog["id"]})
    assert res["dismissed"]["id"] == dialog["id"] and res["still_visible"] is False, res
    assert all(d["id"] != dialog["id"] for d in shared.command("list_dialogs")["dialogs"])
    assert err(shared, "dismiss_dialog", {"id": dialog["id"]}) == (404, "not_found")


def test_dismiss_dialog_errors(shared):
    assert err(shared, "dismiss_dialog", {}) == (400, "invalid_params")
    assert err(shared, "dismiss_dialog", {"title": "No such dialog"}) == (404, "not_found")
    assert err(shared, "dismiss_dialog", {"id": "1", "action": "explode"}) == (400, "invalid_params")
    assert err(shared, "list_dialogs", {"all": True}) == (400, "invalid_params")
