"""The weight of tools/list, which every MCP client puts before the agent's first step: the default
list within 32 KB and `all` within 120 KB (bytes of the JSON-RPC responses, every page), with the
meaning kept: every registry command is still a tool with its full inputSchema, the shared
conventions are stated once in `instructions`, and the result shapes are there for the clients
that ask for them (the `outputs` toolset) and validate against what the tools return.

No editor is needed for the list itself (`--no-autostart`); the test that checks results against
the full outputSchemas runs the real one."""

from __future__ import annotations

import json

import jsonschema
import pytest
import requests

from conftest import McpHttp, repo_root

pytestmark = pytest.mark.lifecycle

CORE_MAX_BYTES = 32_000
ALL_MAX_BYTES = 120_000


def registry() -> dict[str, dict]:
    return {c["name"]: c for f in (repo_root() / "schema" / "commands").glob("*.json")
            for c in json.loads(f.read_text())["commands"]}


def list_tools(m: McpHttp) -> tuple[list[dict], int]:
    """Every page of tools/list; (tools, bytes of the responses as sent)."""
    tools: list[dict] = []
    size = 0
    cursor = None
    while True:
        r = m.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                    "params": {"cursor": cursor} if cursor else {}})
        assert r.status_code == 200, r.text[:300]
        size += len(r.content)
        res = r.json()["result"]
        tools += res["tools"]
        cursor = res.get("nextCursor")
        if not cursor:
            return tools, size


def test_default_and_all_lists_fit_their_budgets(env):
    d = env.daemon("--no-autostart")
    d.wait_listening()
    reg = registry()
    tools, size = list_tools(McpHttp(d.url))
    names = {t["name"] for t in tools}
    assert size <= CORE_MAX_BYTES, f"default tools/list is {size} bytes ({len(tools)} tools)"
    assert {n for n, c in reg.items() if c.get("core")} <= names
    assert {"run_command", "enable_toolsets", "editor_status"} <= names

    # A session's toolsets come from the endpoint's query at initialize.
    everything = _session_on(d.url, "all")
    tools, size = list_tools(everything)
    assert size <= ALL_MAX_BYTES, f"all tools/list is {size} bytes ({len(tools)} tools)"
    by_name = {t["name"]: t for t in tools}
    assert set(reg) <= set(by_name)
    for name, c in reg.items():
        t = by_name[name]
        # The agent-facing part is the registry's, whole: description and inputSchema.
        assert t["description"] == c["description"]
        assert t["inputSchema"] == c["params"], name
        assert t["outputSchema"] == {"type": "object"}, name
        assert set(t["annotations"]) == {"readOnlyHint", "destructiveHint", "idempotentHint",
                                         "openWorldHint"}, name
        assert t["annotations"]["readOnlyHint"] == bool(c.get("annotations", {}).get("readOnly"))
        assert "title" not in t, name  # a title made from the name told nothing


def _session_on(url: str, toolsets: str) -> McpHttp:
    """An initialized session whose toolsets the endpoint's query sets (at initialize)."""
    return McpHttp(url, toolsets=toolsets, version="2025-11-25")


def test_conventions_are_stated_once_in_the_instructions(env):
    d = env.daemon("--no-autostart")
    d.wait_listening()
    m = _session_on(d.url, "core")
    for words in ("node_path", "game omitted", "Variant JSON", "truncated", "res://", "undo",
                  "structuredContent.error"):
        assert words in m.instructions, words


def test_outputs_toolset_gives_the_full_result_shapes(env):
    d = env.daemon()
    d.wait_ready()
    reg = registry()
    m = _session_on(d.url, "core,outputs")
    tools, _ = list_tools(m)
    by_name = {t["name"]: t for t in tools}
    for name in ("get_scene_tree", "get_status", "create_node"):
        out = by_name[name]["outputSchema"]
        assert out["type"] == "object" and out["anyOf"][0] == reg[name]["result"], name
    # What the tools return validates against them: a result, and an error through its branch.
    r = m.call("get_scene_tree")["result"]
    assert r["isError"] is False
    jsonschema.validate(r["structuredContent"], by_name["get_scene_tree"]["outputSchema"],
                        cls=jsonschema.Draft202012Validator)
    r = m.call("create_node", {"parent_path": "/nowhere", "type": "Node2D"})["result"]
    assert r["isError"] is True and r["structuredContent"]["error"]["code"], r
    jsonschema.validate(r["structuredContent"], by_name["create_node"]["outputSchema"],
                        cls=jsonschema.Draft202012Validator)
    # An unknown modifier is refused at initialize, naming the choices.
    resp = requests.post(f"{d.url}/mcp?toolsets=core,outputz",
                         data=json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                          "params": {"protocolVersion": "2025-11-25",
                                                     "capabilities": {},
                                                     "clientInfo": {"name": "t", "version": "1"}}}),
                         headers={"Accept": McpHttp.ACCEPT, "Content-Type": "application/json"},
                         timeout=30)
    assert resp.status_code == 400 and "outputs" in resp.text, resp.text[:300]
