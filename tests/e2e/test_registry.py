"""The command registry (schema/commands/*.json) against the addon's handler files.

A registry entry without a handler method, or a ``cmd_`` method without an entry, fails here:
statically (reading the files) and in the running editor (get_status reports what the addon's
dispatcher found when it loaded).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import repo_root

pytestmark = pytest.mark.shared

SCHEMA = repo_root() / "schema" / "commands"
HANDLERS = repo_root() / "addons" / "godotd" / "handlers"
GAME_COMMANDS = repo_root() / "addons" / "godotd" / "runtime" / "game_commands.gd"
# What the daemon sends a game's agent besides the "runs": "game" entries: get_state (for
# get_game_state) and take_screenshot (a daemon command with target game).
GAME_INTERNAL = {"get_state", "take_screenshot"}


def registry() -> dict[str, dict]:
    out = {}
    for f in sorted(SCHEMA.glob("*.json")):
        data = json.loads(f.read_text())
        assert data["category"] == f.stem, f
        for c in data["commands"]:
            assert c["name"] not in out, f"{c['name']} listed twice"
            out[c["name"]] = dict(c, category=f.stem)
    return out


def editor_part(c: dict) -> bool:
    """Whether the editor's addon implements the entry: it runs in the editor, or it is a daemon
    command with an editor part ("addon": true, e.g. take_screenshot of the editor)."""
    return c.get("runs", "editor") == "editor" or c.get("addon") is True


def handler_methods() -> dict[str, str]:
    """cmd_<name> methods per handler file: name -> category."""
    out = {}
    for f in sorted(HANDLERS.glob("*.gd")):
        for m in re.finditer(r"^func cmd_([a-z0-9_]+)\(", f.read_text(), re.M):
            assert m.group(1) not in out, f"cmd_{m.group(1)} defined twice"
            out[m.group(1)] = f.stem
    return out


def test_every_entry_has_a_handler_in_its_category_file():
    reg, methods = registry(), handler_methods()
    missing = sorted(n for n in reg if editor_part(reg[n]) and methods.get(n) != reg[n]["category"])
    assert not missing, f"registry entries without cmd_<name> in handlers/<category>.gd: {missing}"


def test_every_handler_has_an_entry():
    reg, methods = registry(), handler_methods()
    extra = sorted(f"{cat}.gd:cmd_{n}" for n, cat in methods.items() if n not in reg)
    assert not extra, f"handler methods without a registry entry: {extra}"


def test_generated_addon_copy_matches_the_registry():
    copy = json.loads((repo_root() / "addons" / "godotd" / "commands.gen.json").read_text())
    reg = registry()
    want = [n for n, c in reg.items() if editor_part(c)]
    assert [c["name"] for c in copy["commands"]] == want, "run `godotd registry --write`"
    for c in copy["commands"]:
        assert c["params"] == reg[c["name"]]["params"], c["name"]


def test_entries_are_complete_for_agents():
    for name, c in registry().items():
        assert len(c["description"]) >= 20, f"{name}: describe it for an agent"
        assert c["params"].get("additionalProperties") is False, f"{name}: params must be closed"
        assert c["params"]["type"] == "object" and c["result"]["type"] == "object", name
        for p, schema in c["params"].get("properties", {}).items():
            assert "type" in schema or "description" in schema, f"{name}.{p}: no type"
        a = c["annotations"]
        assert not (a.get("readOnly") and c.get("undo")), name


def test_running_addon_found_every_handler(shared):
    st = shared.command("get_status")
    reg = st["registry"]
    assert reg["error"] == "", reg
    assert reg["missing_handlers"] == [] and reg["unregistered_handlers"] == [], reg
    assert reg["commands"] == sum(1 for c in registry().values() if editor_part(c))


def test_every_game_command_has_a_handler_in_the_runtime_agent():
    reg = registry()
    game = {n for n, c in reg.items() if c.get("runs") == "game"}
    agent = set(re.findall(r"^func cmd_([a-z0-9_]+)\(", GAME_COMMANDS.read_text(), re.M))
    assert game, "no game commands in the registry"
    assert game <= agent, f"game commands the runtime agent lacks: {sorted(game - agent)}"
    assert agent - game == GAME_INTERNAL, f"agent commands not in the registry: {sorted(agent - game)}"
    # A daemon command is never sent to the addon unless it says it has an editor part.
    for n, c in reg.items():
        assert c.get("runs", "editor") in ("editor", "game", "daemon"), n


def test_http_commands_lists_the_registry(shared):
    r = shared.get("/commands")
    assert r.status_code == 200
    names = [c["name"] for c in r.json()["commands"]]
    assert sorted(names) == sorted(registry())
