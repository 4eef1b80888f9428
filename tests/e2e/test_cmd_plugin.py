"""The plugin commands against the real editor: test plugins written into the demo copy, the
plugin's own prints (its _enter_tree/_exit_tree) and project.godot's [editor_plugins] on disk as
ground truth, undo through the global history, broken plugins and structured errors."""

from __future__ import annotations

import pytest

from conftest import project_setting, wait_for

pytestmark = pytest.mark.shared

PLUGIN_CFG = """[plugin]

name="Test Plug"
description="A plugin the godotd tests enable."
author="godotd tests"
version="1.2"
script="{script}"
"""
GOOD = """@tool
extends EditorPlugin


func _enter_tree() -> void:
\tprint("testplug entered the editor")


func _exit_tree() -> void:
\tprint("testplug left the editor")
"""
BROKEN = "@tool\nextends EditorPlugin\n\nfunc _enter_tree() -> void:\n\tthis is not gdscript\n"
NOT_TOOL = "extends EditorPlugin\n"


def enabled_on_disk(project) -> str:
    return project_setting(project, "editor_plugins", "enabled") or ""


def err(shared, name: str, params: dict) -> tuple[int, str]:
    status, error = shared.command_error(name, params)
    return status, error["code"]


def undo_global(shared) -> dict:
    return shared.command("undo", {"history": "global"})


def printed(shared, since: int, text: str) -> bool:
    return any(text in e["line"] for e in shared.all_logs(since))


@pytest.fixture(scope="module", autouse=True)
def plugins(shared):
    addons = shared.project / "addons"
    for folder, script in (("testplug", GOOD), ("brokenplug", BROKEN), ("notool", NOT_TOOL)):
        (addons / folder).mkdir(exist_ok=True)
        (addons / folder / "plugin.cfg").write_text(PLUGIN_CFG.format(script="plugin.gd"))
        (addons / folder / "plugin.gd").write_text(script)
    (addons / "not_a_plugin").mkdir(exist_ok=True)
    (addons / "not_a_plugin" / "readme.txt").write_text("no plugin.cfg here\n")
    shared.command("scan_filesystem")
    wait_for(lambda: shared.command("get_status")["readiness"] != "importing", 60, 0.2, "the scan")
    yield


def test_list_plugins_reads_plugin_cfg(shared):
    plugins = {p["plugin"]: p for p in shared.command("list_plugins")["plugins"]}
    assert set(plugins) == {"godotd", "testplug", "brokenplug", "notool"}, plugins
    t = plugins["testplug"]
    assert t == {"plugin": "testplug", "config_path": "res://addons/testplug/plugin.cfg",
                 "enabled": False, "godotd": False, "name": "Test Plug",
                 "description": "A plugin the godotd tests enable.", "author": "godotd tests",
                 "version": "1.2", "script": "res://addons/testplug/plugin.gd"}, t
    g = plugins["godotd"]
    assert g["enabled"] is True and g["godotd"] is True, g
    cfg = (shared.project / "addons" / "godotd" / "plugin.cfg").read_text()
    assert f'name="{g["name"]}"' in cfg and f'version="{g["version"]}"' in cfg, (g, cfg)
    assert "res://addons/godotd/plugin.cfg" in enabled_on_disk(shared.project)


def test_get_plugin_info(shared):
    info = shared.command("get_plugin_info", {"plugin": "testplug"})
    assert info["name"] == "Test Plug" and info["enabled"] is False, info
    # the plugin.cfg path names it too
    same = shared.command("get_plugin_info", {"plugin": "res://addons/testplug/plugin.cfg"})
    assert same == info
    assert err(shared, "get_plugin_info", {"plugin": "nope"}) == (404, "not_found")
    assert err(shared, "get_plugin_info", {"plugin": "not_a_plugin"}) == (404, "not_found")
    assert err(shared, "get_plugin_info", {"plugin": "../demo"}) == (400, "invalid_params")
    assert err(shared, "get_plugin_info", {"plugin": "res://addons/testplug/plugin.gd"}) == (400, "invalid_params")
    assert err(shared, "get_plugin_info", {"plugin": "res://../x/plugin.cfg"}) == (403, "outside_project")
    assert err(shared, "get_plugin_info", {}) == (400, "invalid_params")
    assert err(shared, "list_plugins", {"all": True}) == (400, "invalid_params")


def test_enable_disable_plugin_with_undo(shared):
    p = shared.project
    since = shared.last_log_id()
    res = shared.command("enable_plugin", {"plugin": "testplug"})
    assert res == {"plugin": "testplug", "enabled": True, "changed": True}, res
    wait_for(lambda: printed(shared, since, "testplug entered the editor"), 30, 0.2, "the plugin to run")
    assert "res://addons/testplug/plugin.cfg" in enabled_on_disk(p)
    assert "res://addons/godotd/plugin.cfg" in enabled_on_disk(p)
    assert shared.command("get_plugin_info", {"plugin": "testplug"})["enabled"] is True
    # again: nothing to do
    assert shared.command("enable_plugin", {"plugin": "testplug"})["changed"] is False

    since = shared.last_log_id()
    undo_global(shared)
    wait_for(lambda: printed(shared, since, "testplug left the editor"), 30, 0.2, "the plugin to leave")
    assert "testplug" not in enabled_on_disk(p)
    assert shared.command("get_plugin_info", {"plugin": "testplug"})["enabled"] is False
    shared.command("redo", {"history": "global"})
    assert "res://addons/testplug/plugin.cfg" in enabled_on_disk(p)
    assert shared.command("get_plugin_info", {"plugin": "testplug"})["enabled"] is True

    res = shared.command("disable_plugin", {"plugin": "testplug"})
    assert res == {"plugin": "testplug", "enabled": False, "changed": True}, res
    assert "testplug" not in enabled_on_disk(p)
    assert shared.command("disable_plugin", {"plugin": "testplug"})["changed"] is False
    undo_global(shared)
    assert "res://addons/testplug/plugin.cfg" in enabled_on_disk(p)
    assert shared.command("get_plugin_info", {"plugin": "testplug"})["enabled"] is True
    shared.command("disable_plugin", {"plugin": "testplug"})
    assert "testplug" not in enabled_on_disk(p)
    assert "res://addons/godotd/plugin.cfg" in enabled_on_disk(p)


@pytest.mark.parametrize("folder,reason", [("brokenplug", "code error"), ("notool", "tool")])
def test_enable_broken_plugin_fails_with_the_editors_reason(shared, folder, reason):
    status, error = shared.command_error("enable_plugin", {"plugin": folder})
    assert (status, error["code"]) == (422, "failed"), error
    assert reason in error["message"] and folder in error["message"], error
    assert shared.command("get_plugin_info", {"plugin": folder})["enabled"] is False
    assert folder not in enabled_on_disk(shared.project)
    # the editor's warning was answered, not left open
    assert not any(folder in d.get("text", "") for d in shared.command("list_dialogs")["dialogs"])


def test_disabling_godotd_is_refused(shared):
    status, error = shared.command_error("disable_plugin", {"plugin": "godotd"})
    assert (status, error["code"]) == (422, "failed") and "bridge" in error["message"], error
    assert shared.command("get_plugin_info", {"plugin": "godotd"})["enabled"] is True
    assert "res://addons/godotd/plugin.cfg" in enabled_on_disk(shared.project)
    assert shared.command("ping") is not None


def test_enable_disable_errors(shared):
    assert err(shared, "enable_plugin", {"plugin": "nope"}) == (404, "not_found")
    assert err(shared, "disable_plugin", {"plugin": "nope"}) == (404, "not_found")
    assert err(shared, "enable_plugin", {"plugin": "a/b"}) == (400, "invalid_params")
    assert err(shared, "disable_plugin", {"plugin": 3}) == (400, "invalid_params")
    assert err(shared, "enable_plugin", {}) == (400, "invalid_params")
