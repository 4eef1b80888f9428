"""The input commands against the real editor: the [input] section of project.godot on disk as
ground truth (each action's deadzone and the InputEvent objects Godot wrote), undo through the
global history restoring the file, built-in ui_* actions, and structured errors."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.shared

OBJECT = re.compile(r"Object\((\w+),((?:[^()]|\([^()]*\))*)\)")
_SERIAL = itertools.count(1)
FIELD = re.compile(r'"(\w+)":(\w+\([^)]*\)|"[^"]*"|[^,]+)')


def input_text(project: Path, action: str) -> str | None:
    """The raw value text of input/<action> in project.godot (it spans several lines)."""
    section, lines, grabbing = None, [], False
    for line in (project / "project.godot").read_text().splitlines():
        if grabbing:
            lines.append(line)
            if line == "}":
                return "\n".join(lines)
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "input" and line.startswith(action + "="):
            lines.append(line.split("=", 1)[1])
            if line.endswith("}"):
                return lines[0]
            grabbing = True
    return None


def input_actions(project: Path) -> list[str]:
    """Action names of project.godot's [input] section, in file order."""
    section, names = None, []
    for line in (project / "project.godot").read_text().splitlines():
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "input" and re.match(r"^[^\"\s{}]+=\{", line):
            names.append(line.split("=", 1)[0])
    return names


def file_events(project: Path, action: str) -> list[dict]:
    """The events Godot wrote for an action: [{"class": ..., field: raw text}, ...]."""
    text = input_text(project, action)
    assert text is not None, f"{action} is not in project.godot"
    out = []
    for cls, body in OBJECT.findall(text):
        ev = {"class": cls}
        ev.update(FIELD.findall(body))
        out.append(ev)
    return out


def file_deadzone(project: Path, action: str) -> float:
    m = re.search(r'"deadzone":\s*([-0-9.e]+)', input_text(project, action) or "")
    assert m, input_text(project, action)
    return float(m.group(1))


def undo_global(shared) -> dict:
    return shared.command("undo", {"history": "global"})


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


@pytest.fixture
def action(shared):
    """A fresh custom action "t_<n>" (no events), removed again after the test."""
    name = f"t_action{next(_SERIAL)}"
    shared.command("add_action", {"action": name})
    yield name
    if shared.post("/godot/get_action", {"action": name}).status_code == 200:
        shared.command("remove_action", {"action": name})


# --------------------------------------------------------------------------------------------
# list_actions, get_action


def test_list_actions_hides_builtin_unless_asked(shared, action):
    res = shared.command("list_actions")
    names = [a["name"] for a in res["actions"]]
    assert action in names and not any(n.startswith("ui_") for n in names), names
    assert res["builtin_hidden"] > 10 and res["count"] == len(names), res
    full = shared.command("list_actions", {"include_builtin": True})
    by_name = {a["name"]: a for a in full["actions"]}
    accept = by_name["ui_accept"]
    assert accept["builtin"] is True and by_name[action]["builtin"] is False
    # Godot's own default for ui_accept: Enter, Kp Enter, Space (none in project.godot)
    assert accept["events"] == ["Enter", "Kp Enter", "Space"], accept
    assert accept["event_count"] == 3 and full["builtin_hidden"] == 0
    assert input_text(shared.project, "ui_accept") is None
    only = shared.command("list_actions", {"filter": "UI_ACCEPT", "include_builtin": True})
    assert [a["name"] for a in only["actions"]] == ["ui_accept"], only
    hidden = shared.command("list_actions", {"filter": "ui_accept"})
    assert hidden["count"] == 0 and hidden["builtin_hidden"] == 1, hidden
    mine = shared.command("list_actions", {"filter": action.upper()})
    assert [a["name"] for a in mine["actions"]] == [action] and mine["builtin_hidden"] == 0


def test_list_actions_bad_params(shared):
    assert err(shared, "list_actions", {"include_builtin": "yes"}) == (400, "invalid_params")
    assert err(shared, "list_actions", {"verbose": True}) == (400, "invalid_params")


def test_get_action_builtin_and_errors(shared):
    got = shared.command("get_action", {"action": "ui_accept"})
    assert got["builtin"] is True and got["deadzone"] == pytest.approx(0.5), got
    keys = [(e["index"], e["type"], e.get("keycode")) for e in got["events"]]
    assert keys == [(0, "key", "Enter"), (1, "key", "Kp Enter"), (2, "key", "Space")], got
    assert err(shared, "get_action", {"action": "no_such_action"}) == (404, "not_found")
    assert err(shared, "get_action", {}) == (400, "invalid_params")
    assert err(shared, "get_action", {"action": ""}) == (400, "invalid_params")


# --------------------------------------------------------------------------------------------
# add_action, remove_action, rename_action, set_action_deadzone


def test_add_action_with_events_round_trip_and_undo(shared):
    p = shared.project
    events = [
        {"type": "key", "key": "W"},
        {"type": "key", "key": "Space", "physical": True, "shift": True},
        {"type": "mouse_button", "button_index": "right"},
        {"type": "joypad_button", "button_index": "a", "device": 0},
        {"type": "joypad_axis", "axis": "left_y", "axis_value": -1},
    ]
    res = shared.command("add_action", {"action": "jump", "deadzone": 0.25, "events": events})
    assert res["action"] == "jump" and res["builtin"] is False and len(res["events"]) == 5, res
    assert file_deadzone(p, "jump") == pytest.approx(0.25)
    on_disk = file_events(p, "jump")
    assert [e["class"] for e in on_disk] == ["InputEventKey", "InputEventKey",
                                             "InputEventMouseButton", "InputEventJoypadButton",
                                             "InputEventJoypadMotion"], on_disk
    assert on_disk[0]["keycode"] == "87" and on_disk[0]["physical_keycode"] == "0"
    assert on_disk[0]["device"] == "-1"
    assert on_disk[1]["physical_keycode"] == "32" and on_disk[1]["keycode"] == "0"
    assert on_disk[1]["shift_pressed"] == "true" and on_disk[0]["shift_pressed"] == "false"
    assert on_disk[2]["button_index"] == "2"
    assert on_disk[3]["button_index"] == "0" and on_disk[3]["device"] == "0"
    assert on_disk[4]["axis"] == "1" and float(on_disk[4]["axis_value"]) == -1.0

    got = shared.command("get_action", {"action": "jump"})
    assert got["deadzone"] == pytest.approx(0.25)
    ev = got["events"]
    assert ev[0]["type"] == "key" and ev[0]["keycode"] == "W" and "physical_keycode" not in ev[0]
    assert ev[0]["modifiers"] == [] and ev[0]["device"] == -1
    assert ev[1]["physical_keycode"] == "Space" and ev[1]["modifiers"] == ["shift"], ev[1]
    assert ev[2]["type"] == "mouse_button" and ev[2]["button_index"] == 2 and ev[2]["button"] == "right"
    assert ev[3]["type"] == "joypad_button" and ev[3]["button_index"] == 0 and ev[3]["device"] == 0
    assert ev[4]["type"] == "joypad_axis" and ev[4]["axis"] == 1 and ev[4]["axis_value"] == -1
    assert [e["index"] for e in ev] == [0, 1, 2, 3, 4]
    listed = shared.command("list_actions", {"filter": "jump"})["actions"]
    assert listed[0]["event_count"] == 5 and listed[0]["events"][0] == "W", listed

    undone = undo_global(shared)
    assert undone["history"] == "global", undone
    assert input_text(p, "jump") is None
    assert err(shared, "get_action", {"action": "jump"}) == (404, "not_found")
    shared.command("redo", {"history": "global"})
    assert file_events(p, "jump")[0]["keycode"] == "87"
    shared.command("remove_action", {"action": "jump"})
    assert input_text(p, "jump") is None


def test_add_action_defaults_and_refusals(shared):
    p = shared.project
    res = shared.command("add_action", {"action": "fire"})
    assert res["events"] == [] and res["deadzone"] == pytest.approx(0.2), res
    assert file_deadzone(p, "fire") == pytest.approx(0.2) and file_events(p, "fire") == []
    before = (p / "project.godot").read_text()
    assert err(shared, "add_action", {"action": "fire"}) == (422, "failed")
    assert err(shared, "add_action", {"action": "ui_accept"}) == (422, "failed")
    assert err(shared, "add_action", {"action": "a/b"}) == (400, "invalid_params")
    assert err(shared, "add_action", {"action": " pad"}) == (400, "invalid_params")
    assert err(shared, "add_action", {"action": "x", "deadzone": 2}) == (400, "invalid_params")
    assert err(shared, "add_action", {"action": "x", "events": [{"type": "key", "key": "Nope"}]}) \
        == (400, "invalid_params")
    assert err(shared, "add_action", {"action": "x", "events": [{"type": "key", "axis": 1}]}) \
        == (400, "invalid_params")
    assert err(shared, "add_action", {"action": "x", "events": [{"type": "wheel"}]}) \
        == (400, "invalid_params")
    dup = [{"type": "key", "key": "A"}, {"type": "key", "key": "a"}]
    assert err(shared, "add_action", {"action": "x", "events": dup}) == (400, "invalid_params")
    # nothing was written by the refused calls
    assert (p / "project.godot").read_text() == before
    shared.command("remove_action", {"action": "fire"})


def test_remove_action_and_undo(shared):
    p = shared.project
    shared.command("add_action", {"action": "crouch", "events": [{"type": "key", "key": "C"}]})
    assert file_events(p, "crouch")[0]["keycode"] == "67"
    res = shared.command("remove_action", {"action": "crouch"})
    assert res == {"action": "crouch", "removed_events": 1}, res
    assert input_text(p, "crouch") is None
    undo_global(shared)
    assert file_events(p, "crouch")[0]["keycode"] == "67"
    assert shared.command("get_action", {"action": "crouch"})["events"][0]["keycode"] == "C"
    shared.command("remove_action", {"action": "crouch"})


def test_remove_action_errors(shared):
    assert err(shared, "remove_action", {"action": "nope"}) == (404, "not_found")
    assert err(shared, "remove_action", {"action": "ui_cancel"}) == (422, "failed")
    assert shared.command("get_action", {"action": "ui_cancel"})["builtin"] is True


def test_rename_action_keeps_place_and_undoes(shared):
    p = shared.project
    for name, key in (("first", "1"), ("second", "2"), ("third", "3")):
        shared.command("add_action", {"action": name, "events": [{"type": "key", "key": key}]})
    assert input_actions(p)[-3:] == ["first", "second", "third"]
    res = shared.command("rename_action", {"action": "second", "new_name": "middle"})
    assert res == {"action": "middle", "previous_name": "second"}, res
    assert input_actions(p)[-3:] == ["first", "middle", "third"], input_actions(p)
    assert file_events(p, "middle")[0]["keycode"] == "50" and input_text(p, "second") is None
    assert err(shared, "get_action", {"action": "second"}) == (404, "not_found")
    undo_global(shared)
    assert input_actions(p)[-3:] == ["first", "second", "third"], input_actions(p)
    assert input_text(p, "middle") is None and file_events(p, "second")[0]["keycode"] == "50"
    for name in ("first", "second", "third"):
        shared.command("remove_action", {"action": name})


def test_rename_action_errors(shared, action):
    assert err(shared, "rename_action", {"action": "ui_left", "new_name": "left"}) == (422, "failed")
    assert err(shared, "rename_action", {"action": action, "new_name": "ui_left"}) == (422, "failed")
    assert err(shared, "rename_action", {"action": "nope", "new_name": "x"}) == (404, "not_found")
    assert err(shared, "rename_action", {"action": action, "new_name": "a=b"}) == (400, "invalid_params")
    assert err(shared, "rename_action", {"action": action}) == (400, "invalid_params")
    assert input_text(shared.project, action) is not None


def test_set_action_deadzone_and_undo(shared, action):
    p = shared.project
    res = shared.command("set_action_deadzone", {"action": action, "deadzone": 0.35})
    assert res["deadzone"] == pytest.approx(0.35) and res["previous"] == pytest.approx(0.2), res
    assert file_deadzone(p, action) == pytest.approx(0.35)
    assert shared.command("get_action", {"action": action})["deadzone"] == pytest.approx(0.35)
    undo_global(shared)
    assert file_deadzone(p, action) == pytest.approx(0.2)


def test_set_action_deadzone_errors(shared, action):
    assert err(shared, "set_action_deadzone", {"action": action, "deadzone": 1.5}) == (400, "invalid_params")
    assert err(shared, "set_action_deadzone", {"action": action, "deadzone": -0.1}) == (400, "invalid_params")
    assert err(shared, "set_action_deadzone", {"action": "nope", "deadzone": 0.5}) == (404, "not_found")
    assert file_deadzone(shared.project, action) == pytest.approx(0.2)


# --------------------------------------------------------------------------------------------
# add_*_event


def test_add_key_event_keycode_physical_combo_and_undo(shared, action):
    p = shared.project
    res = shared.command("add_key_event", {"action": action, "key": "W"})
    assert res["index"] == 0 and res["event_count"] == 1 and res["event"]["keycode"] == "W", res
    assert file_events(p, action)[0]["keycode"] == "87"
    res = shared.command("add_key_event", {"action": action, "key": "w", "physical": True})
    assert res["index"] == 1 and res["event"]["physical_keycode"] == "W", res
    res = shared.command("add_key_event", {"action": action, "key": "Ctrl+S", "alt": True})
    assert res["event"]["modifiers"] == ["ctrl", "alt"], res
    res = shared.command("add_key_event", {"action": action, "key": "Escape", "device": 2})
    disk = file_events(p, action)
    assert [(e["keycode"], e["physical_keycode"]) for e in disk] == \
        [("87", "0"), ("0", "87"), ("83", "0"), ("4194305", "0")], disk
    assert disk[2]["ctrl_pressed"] == "true" and disk[2]["alt_pressed"] == "true"
    assert disk[2]["shift_pressed"] == "false" and disk[3]["device"] == "2"
    got = shared.command("get_action", {"action": action})["events"]
    assert [e["text"] for e in got] == ["W", "W - Physical", "Ctrl+Alt+S", "Escape"], got
    undo_global(shared)
    assert len(file_events(p, action)) == 3
    undo_global(shared)
    assert [e["keycode"] for e in file_events(p, action)] == ["87", "0"]


def test_add_key_event_errors(shared, action):
    p = shared.project
    shared.command("add_key_event", {"action": action, "key": "Space"})
    assert err(shared, "add_key_event", {"action": action, "key": "Space"}) == (422, "failed")
    assert err(shared, "add_key_event", {"action": action, "key": "Esc"}) == (400, "invalid_params")
    assert err(shared, "add_key_event", {"action": action, "key": "Hyper+A"}) == (400, "invalid_params")
    assert err(shared, "add_key_event", {"action": action, "key": "Ctrl+Nope"}) == (400, "invalid_params")
    assert err(shared, "add_key_event", {"action": action, "key": ""}) == (400, "invalid_params")
    assert err(shared, "add_key_event", {"action": action, "key": "A", "device": -2}) == (400, "invalid_params")
    assert err(shared, "add_key_event", {"action": "nope", "key": "A"}) == (404, "not_found")
    assert err(shared, "add_key_event", {"action": action}) == (400, "invalid_params")
    assert [e["keycode"] for e in file_events(p, action)] == ["32"]


def test_add_mouse_button_event(shared, action):
    p = shared.project
    res = shared.command("add_mouse_button_event", {"action": action, "button_index": "left"})
    assert res["event"]["button_index"] == 1 and res["event"]["text"] == "Left Mouse Button", res
    shared.command("add_mouse_button_event", {"action": action, "button_index": 5, "shift": True})
    disk = file_events(p, action)
    assert [e["class"] for e in disk] == ["InputEventMouseButton"] * 2
    assert [e["button_index"] for e in disk] == ["1", "5"] and disk[1]["shift_pressed"] == "true"
    got = shared.command("get_action", {"action": action})["events"][1]
    assert got["button"] == "wheel_down" and got["modifiers"] == ["shift"], got
    assert err(shared, "add_mouse_button_event", {"action": action, "button_index": 1}) == (422, "failed")
    assert err(shared, "add_mouse_button_event", {"action": action, "button_index": 0}) == (400, "invalid_params")
    assert err(shared, "add_mouse_button_event", {"action": action, "button_index": "thumb"}) \
        == (400, "invalid_params")
    assert err(shared, "add_mouse_button_event", {"action": action, "button_index": 1.5}) \
        == (400, "invalid_params")
    assert len(file_events(p, action)) == 2


def test_add_joypad_button_event(shared, action):
    p = shared.project
    res = shared.command("add_joypad_button_event", {"action": action, "button_index": "start"})
    assert res["event"]["button_index"] == 6 and res["event"]["device"] == -1, res
    shared.command("add_joypad_button_event", {"action": action, "button_index": 11, "device": 1})
    disk = file_events(p, action)
    assert [(e["class"], e["button_index"], e["device"]) for e in disk] == \
        [("InputEventJoypadButton", "6", "-1"), ("InputEventJoypadButton", "11", "1")], disk
    assert shared.command("get_action", {"action": action})["events"][1]["button"] == "dpad_up"
    assert err(shared, "add_joypad_button_event", {"action": action, "button_index": 200}) \
        == (400, "invalid_params")
    assert err(shared, "add_joypad_button_event", {"action": action, "button_index": "z"}) \
        == (400, "invalid_params")
    assert err(shared, "add_joypad_button_event", {"action": action, "button_index": "start"}) \
        == (422, "failed")
    # the same button on another device is another event
    shared.command("add_joypad_button_event", {"action": action, "button_index": 6, "device": 0})
    assert len(file_events(p, action)) == 3


def test_add_joypad_axis_event(shared, action):
    p = shared.project
    res = shared.command("add_joypad_axis_event", {"action": action, "axis": "left_x", "axis_value": -1})
    assert res["event"]["axis"] == 0 and res["event"]["axis_value"] == -1, res
    shared.command("add_joypad_axis_event", {"action": action, "axis": 5, "axis_value": 1.0})
    shared.command("add_joypad_axis_event", {"action": action, "axis": 0, "axis_value": 1})
    disk = file_events(p, action)
    assert [(e["axis"], float(e["axis_value"])) for e in disk] == [("0", -1.0), ("5", 1.0), ("0", 1.0)]
    assert shared.command("get_action", {"action": action})["events"][1]["axis_name"] == "trigger_right"
    assert err(shared, "add_joypad_axis_event", {"action": action, "axis": 0, "axis_value": 0.5}) \
        == (400, "invalid_params")
    assert err(shared, "add_joypad_axis_event", {"action": action, "axis": 12, "axis_value": 1}) \
        == (400, "invalid_params")
    assert err(shared, "add_joypad_axis_event", {"action": action, "axis": "left_x"}) \
        == (400, "invalid_params")
    assert err(shared, "add_joypad_axis_event", {"action": action, "axis": "left_x", "axis_value": -1}) \
        == (422, "failed")
    assert len(file_events(p, action)) == 3


# --------------------------------------------------------------------------------------------
# remove_action_event, clear_action_events


def test_remove_action_event_and_undo(shared, action):
    p = shared.project
    for key in ("A", "B", "C"):
        shared.command("add_key_event", {"action": action, "key": key})
    res = shared.command("remove_action_event", {"action": action, "index": 1})
    assert res["removed"]["keycode"] == "B" and res["event_count"] == 2, res
    assert [e["keycode"] for e in file_events(p, action)] == ["65", "67"]
    got = shared.command("get_action", {"action": action})["events"]
    assert [(e["index"], e["keycode"]) for e in got] == [(0, "A"), (1, "C")]
    undo_global(shared)
    assert [e["keycode"] for e in file_events(p, action)] == ["65", "66", "67"]
    assert err(shared, "remove_action_event", {"action": action, "index": 3}) == (400, "invalid_params")
    assert err(shared, "remove_action_event", {"action": action, "index": -1}) == (400, "invalid_params")
    assert err(shared, "remove_action_event", {"action": "nope", "index": 0}) == (404, "not_found")
    assert len(file_events(p, action)) == 3


def test_clear_action_events_and_undo(shared, action):
    p = shared.project
    shared.command("add_key_event", {"action": action, "key": "Tab"})
    shared.command("add_joypad_button_event", {"action": action, "button_index": "b"})
    res = shared.command("clear_action_events", {"action": action})
    assert res == {"action": action, "removed_count": 2}, res
    assert file_events(p, action) == [] and input_text(p, action) is not None
    undo_global(shared)
    assert [e["class"] for e in file_events(p, action)] == ["InputEventKey", "InputEventJoypadButton"]
    assert err(shared, "clear_action_events", {"action": "nope"}) == (404, "not_found")
    assert err(shared, "clear_action_events", {"action": action, "index": 0}) == (400, "invalid_params")


def test_builtin_action_events_can_change_and_undo_restores_default(shared):
    p = shared.project
    assert input_text(p, "ui_cancel") is None
    shared.command("add_key_event", {"action": "ui_cancel", "key": "Q"})
    disk = file_events(p, "ui_cancel")
    assert disk[-1]["keycode"] == "81" and disk[0]["keycode"] == "4194305", disk  # Escape first
    undo_global(shared)
    # back to Godot's default: project.godot leaves it out again
    assert input_text(p, "ui_cancel") is None
    res = shared.command("clear_action_events", {"action": "ui_cancel"})
    assert res["removed_count"] >= 1 and file_events(p, "ui_cancel") == []
    undo_global(shared)
    assert input_text(p, "ui_cancel") is None
    assert shared.command("get_action", {"action": "ui_cancel"})["events"][0]["keycode"] == "Escape"


def test_batch_rolls_back_input_changes(shared):
    p = shared.project
    before = (p / "project.godot").read_text()
    status, error = shared.command_error("batch", {"commands": [
        {"command": "add_action", "params": {"action": "dash"}},
        {"command": "add_key_event", "params": {"action": "dash", "key": "Shift"}},
        {"command": "add_key_event", "params": {"action": "dash", "key": "NoSuchKey"}},
    ]})
    assert status == 400 and error["code"] == "invalid_params", error
    assert input_text(p, "dash") is None
    assert (p / "project.godot").read_text() == before
    assert err(shared, "get_action", {"action": "dash"}) == (404, "not_found")
