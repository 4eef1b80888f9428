"""MCP resources and prompts against the real editor (src/mcp_resources.c, src/mcp_prompts.c):
each resource read returns the real content (godot://project as get_project_info and get_status
say, godot://scene/current equal to get_scene_tree's result, a project file byte for byte, text
or base64 blob), a path outside the project is refused, each subscription gets
notifications/resources/updated after the change it watches (an edit, a file written by a tool
or by hand, project.godot, another scene opened), and each prompt lists and renders with its
arguments. Also through the official SDK client (tests/mcp/resources.mjs) over Streamable HTTP
and the stdio proxy, and in the stateless 2026-07-28 revision.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import (Daemon, McpHttp, cleanup, daemon_binary, make_demo_copy,
                      read_sse_into, repo_root, wait_for)
from test_mcp_sdk import MCP_DIR, install_node, skip_without_mcp

STATELESS = "2026-07-28"
ACCEPT = "application/json, text/event-stream"
# How long a notification that must come is waited for (a liveness bound, not a threshold).
NOTE_DEADLINE_S = 60.0
REGISTRY = {c["name"] for f in (repo_root() / "schema" / "commands").glob("*.json")
            for c in json.loads(f.read_text())["commands"]}


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    """One daemon on its own demo copy for the module (its tests edit the scene and write files)."""
    tmp = tmp_path_factory.mktemp("resources")
    project = make_demo_copy(tmp)
    daemon = Daemon(project, tmp, name="resources").start()
    daemon.wait_ready()
    yield daemon
    problems = cleanup([daemon], [project])
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


class Session(McpHttp):
    """An MCP session with its GET stream read into ``notes``."""

    def __init__(self, url: str):
        super().__init__(url)
        self.notes: list[dict] = []
        self.stream: requests.Response | None = None

    def rpc(self, method: str, params: dict | None = None) -> dict:
        rid = self.next_id
        self.next_id += 1
        r = self.post({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        assert r.status_code == 200, r.text[:300]
        msg = r.json()
        assert msg["id"] == rid, msg
        return msg

    def ok(self, method: str, params: dict | None = None) -> dict:
        msg = self.rpc(method, params)
        assert "result" in msg, msg
        return msg["result"]

    def tool(self, name: str, args: dict | None = None) -> dict:
        res = self.call(name, args, timeout=120)["result"]
        assert res["isError"] is False, res
        return res["structuredContent"]

    def listen(self) -> None:
        self.stream = requests.get(self.url, headers={**self.headers, "Accept": "text/event-stream"},
                                   stream=True, timeout=300)
        assert self.stream.status_code == 200, self.stream.text[:300]
        read_sse_into(self.stream, self.notes)

    def updates(self) -> list[str]:
        return [n["params"]["uri"] for n in self.notes
                if n.get("method") == "notifications/resources/updated"]

    def wait_update(self, uri: str, after: int = 0) -> None:
        """Waits for an update of uri among the notes from index ``after`` on."""
        wait_for(lambda: uri in self.updates()[after:], NOTE_DEADLINE_S, 0.05,
                 f"notifications/resources/updated for {uri} (got {self.updates()[after:]})")

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        super().close()


@pytest.fixture
def mcp(d):
    s = Session(d.url)
    yield s
    s.close()


def read_one(mcp: Session, uri: str) -> dict:
    contents = mcp.ok("resources/read", {"uri": uri})["contents"]
    assert len(contents) == 1 and contents[0]["uri"] == uri, contents
    return contents[0]


def read_error(mcp: Session, uri: str) -> dict:
    msg = mcp.rpc("resources/read", {"uri": uri})
    assert "error" in msg, msg
    return msg["error"]


# --------------------------------------------------------------------------------------------
# lists


def test_capabilities_and_lists(d):
    r = requests.post(d.url + "/mcp", headers={"Accept": ACCEPT, "Content-Type": "application/json"},
                      data=json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                          "protocolVersion": "2025-11-25", "capabilities": {},
                          "clientInfo": {"name": "pytest", "version": "1"}}}), timeout=30)
    caps = r.json()["result"]["capabilities"]
    assert caps["resources"]["subscribe"] is True and "prompts" in caps, caps
    m = Session(d.url)
    try:
        listed = {r["uri"]: r for r in m.ok("resources/list")["resources"]}
        assert set(listed) == {"godot://project", "godot://scene/current", "godot://output"}, listed
        assert all(r["name"] and r["description"] and r["mimeType"] == "application/json"
                   for r in listed.values())
        templates = m.ok("resources/templates/list")["resourceTemplates"]
        assert [t["uriTemplate"] for t in templates] == ["res://{path}"], templates
    finally:
        m.close()


# --------------------------------------------------------------------------------------------
# reads


def test_project_resource_is_what_the_editor_says(mcp):
    body = json.loads(read_one(mcp, "godot://project")["text"])
    info = mcp.tool("get_project_info")
    status = mcp.tool("get_status")
    assert body["name"] == info["name"] == "godotd demo"
    assert body["main_scene"] == info["main_scene"] == "res://main.tscn"
    assert body["godot_version"] == info["godot_version"] and body["godot_version"].startswith("4.6")
    assert body["open_scenes"] == status["open_scenes"] and body["edited_scene"] == status["edited_scene"]
    assert body["editor"]["state"] == "ready" and body["editor"]["readiness"] == status["readiness"]


def test_scene_resource_is_get_scene_tree(mcp):
    mcp.tool("open_scene", {"scene_path": "res://main.tscn"})
    mcp.tool("create_node", {"parent_path": ".", "type": "Node2D", "name": "FromResourceTest"})
    try:
        content = read_one(mcp, "godot://scene/current")
        assert content["mimeType"] == "application/json"
        tree = mcp.tool("get_scene_tree")
        assert json.loads(content["text"]) == tree
        assert any(c["name"] == "FromResourceTest" for c in tree["root"]["children"]), tree
    finally:
        mcp.tool("undo")


def test_file_reads_are_byte_for_byte(d, mcp):
    project = d.project
    text = read_one(mcp, "res://main.gd")
    assert text["mimeType"] == "text/x-gdscript" and text["text"].encode() == (project / "main.gd").read_bytes()
    scene = read_one(mcp, "res://main.tscn")
    assert scene["text"].encode() == (project / "main.tscn").read_bytes()
    # Binary: every byte value, NUL and invalid UTF-8 included, comes back as a base64 blob.
    raw = bytes(range(256)) * 3 + b"\x00\xff\xfe"
    (project / "data").mkdir(exist_ok=True)
    (project / "data" / ".gdignore").write_text("")  # the editor does not import these files
    (project / "data" / "blob.bin").write_bytes(raw)
    blob = read_one(mcp, "res://data/blob.bin")
    assert "text" not in blob and base64.b64decode(blob["blob"]) == raw
    assert blob["mimeType"] == "application/octet-stream"
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
    (project / "data" / "pic.png").write_bytes(png)
    pic = read_one(mcp, "res://data/pic.png")
    assert pic["mimeType"] == "image/png" and base64.b64decode(pic["blob"]) == png
    # Text that is not UTF-8 keeps its bytes too (as a blob of its type); UTF-8 text stays text.
    latin1 = "café\n".encode("latin-1")
    (project / "data" / "latin1.txt").write_bytes(latin1)
    l1 = read_one(mcp, "res://data/latin1.txt")
    assert l1["mimeType"] == "text/plain" and base64.b64decode(l1["blob"]) == latin1
    (project / "data" / "with space ✓.md").write_text("# ✓ snow ☃\n", encoding="utf-8")
    # A client that expands res://{path} by RFC 6570 percent-encodes; the decoded path is read.
    enc = read_one(mcp, "res://data/with%20space%20%E2%9C%93.md")
    assert enc["text"] == "# ✓ snow ☃\n" and enc["mimeType"] == "text/markdown"
    empty = project / "data" / "empty.json"
    empty.write_bytes(b"")
    assert read_one(mcp, "res://data/empty.json") == {"uri": "res://data/empty.json",
                                                     "mimeType": "application/json", "text": ""}


def test_paths_outside_the_project_and_bad_reads_are_refused(d, mcp, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for agents")
    (d.project / "data").mkdir(exist_ok=True)
    (d.project / "data" / ".gdignore").write_text("")
    (d.project / "data" / "escape").symlink_to(tmp_path, target_is_directory=True)
    (d.project / "data" / "escape.txt").symlink_to(secret)
    for uri in ("res://../secret.txt", "res://data/../../secret.txt", "res://data/escape/secret.txt",
                "res://data/escape.txt", "res://%2E%2E/secret.txt"):
        err = read_error(mcp, uri)
        assert err["code"] == -32602 and "outside the project" in err["message"], (uri, err)
        assert err["data"]["uri"] == uri
    assert "not for agents" not in json.dumps([read_error(mcp, "res://data/escape.txt")])
    missing = read_error(mcp, "res://no/such/file.gd")
    assert missing["code"] == -32602 and "does not exist" in missing["message"], missing
    folder = read_error(mcp, "res://data")
    assert folder["code"] == -32602 and "not a file" in folder["message"], folder
    big = d.project / "data" / "big.bin"
    with open(big, "wb") as f:
        f.truncate(16 * 1024 * 1024 + 1)  # sparse: over the cap without writing 16 MiB
    err = read_error(mcp, "res://data/big.bin")
    assert err["code"] == -32602 and "16 MiB" in err["message"], err
    unknown = read_error(mcp, "godot://nothing")
    assert unknown["code"] == -32002 and unknown["data"]["uri"] == "godot://nothing", unknown
    assert mcp.rpc("resources/read", {})["error"]["code"] == -32602
    assert mcp.rpc("resources/read", {"uri": "res://bad%zz"})["error"]["code"] == -32602


# --------------------------------------------------------------------------------------------
# subscriptions


def test_scene_subscription_gets_edits_undo_and_scene_switches(mcp):
    mcp.tool("open_scene", {"scene_path": "res://main.tscn"})
    mcp.listen()
    assert mcp.ok("resources/subscribe", {"uri": "godot://scene/current"}) == {}
    n = len(mcp.updates())
    mcp.tool("create_node", {"parent_path": ".", "type": "Node", "name": "Watched"})
    mcp.wait_update("godot://scene/current", n)
    assert "Watched" in read_one(mcp, "godot://scene/current")["text"]
    n = len(mcp.updates())
    mcp.tool("undo")
    mcp.wait_update("godot://scene/current", n)
    assert "Watched" not in read_one(mcp, "godot://scene/current")["text"]
    n = len(mcp.updates())
    mcp.tool("open_scene", {"scene_path": "res://level.tscn"})
    mcp.wait_update("godot://scene/current", n)
    assert json.loads(read_one(mcp, "godot://scene/current")["text"])["scene_path"] == "res://level.tscn"
    mcp.tool("open_scene", {"scene_path": "res://main.tscn"})


def test_file_subscription_gets_tool_writes_and_writes_by_hand(d, mcp):
    (d.project / "watched").mkdir(exist_ok=True)
    uri = "res://watched/notes.txt"
    mcp.listen()
    # The file does not exist yet: a subscription waits for it in its folder.
    assert mcp.ok("resources/subscribe", {"uri": uri}) == {}
    n = len(mcp.updates())
    mcp.tool("write_file", {"path": uri, "content": "one\n"})
    mcp.wait_update(uri, n)
    assert read_one(mcp, uri)["text"] == "one\n"
    n = len(mcp.updates())
    (d.project / "watched" / "notes.txt").write_text("two\n")  # not through godotd at all
    mcp.wait_update(uri, n)
    assert read_one(mcp, uri)["text"] == "two\n"
    # After unsubscribe no update comes for it, while another subscription still gets its own
    # (a write to both, the unsubscribed one first: its update would come no later).
    other = "res://watched/other.txt"
    assert mcp.ok("resources/subscribe", {"uri": other}) == {}
    assert mcp.ok("resources/unsubscribe", {"uri": uri}) == {}
    n = len(mcp.updates())
    mcp.tool("write_file", {"path": uri, "content": "three\n"})
    mcp.tool("write_file", {"path": other, "content": "x\n"})
    mcp.wait_update(other, n)
    assert uri not in mcp.updates()[n:], mcp.updates()[n:]
    refused = mcp.rpc("resources/subscribe", {"uri": "res://../outside.txt"})
    assert refused["error"]["code"] == -32602 and "outside the project" in refused["error"]["message"]
    nofolder = mcp.rpc("resources/subscribe", {"uri": "res://no/such/folder/x.txt"})
    assert nofolder["error"]["code"] == -32602, nofolder


def test_project_subscription_gets_tabs_and_project_godot(d, mcp):
    mcp.tool("open_scene", {"scene_path": "res://main.tscn"})
    mcp.listen()
    assert mcp.ok("resources/subscribe", {"uri": "godot://project"}) == {}
    n = len(mcp.updates())
    mcp.tool("open_scene", {"scene_path": "res://player.tscn"})
    mcp.wait_update("godot://project", n)
    body = json.loads(read_one(mcp, "godot://project")["text"])
    assert body["edited_scene"] == "res://player.tscn" and "res://player.tscn" in body["open_scenes"]
    n = len(mcp.updates())
    mcp.tool("set_main_scene", {"scene_path": "res://level.tscn"})
    mcp.wait_update("godot://project", n)
    assert json.loads(read_one(mcp, "godot://project")["text"])["main_scene"] == "res://level.tscn"
    mcp.tool("set_main_scene", {"scene_path": "res://main.tscn"})
    mcp.tool("open_scene", {"scene_path": "res://main.tscn"})


def test_unknown_subscriptions_are_refused(mcp):
    err = mcp.rpc("resources/subscribe", {"uri": "godot://nothing"})["error"]
    assert err["code"] == -32002 and err["data"]["uri"] == "godot://nothing", err
    assert mcp.ok("resources/unsubscribe", {"uri": "godot://scene/current"}) == {}  # idempotent


# --------------------------------------------------------------------------------------------
# prompts


PROMPT_ARGS = {
    "create_scene": {"description": "a 2D coin that spins", "scene_path": "res://coin.tscn",
                     "root_type": "Area2D"},
    "fix_script_errors": {"path": "res://enemies"},
    "add_input_action": {"action": "dash", "keys": "Shift", "node_path": "Hero",
                         "behaviour": "the hero dashes"},
    "write_and_run_test": {"subject": "res://main.gd's tick counter", "framework": "gdunit4"},
}


def test_prompts_list_and_render_with_their_arguments(mcp):
    listed = {p["name"]: p for p in mcp.ok("prompts/list")["prompts"]}
    assert set(listed) == set(PROMPT_ARGS), listed
    for name, args in PROMPT_ARGS.items():
        p = listed[name]
        assert p["description"] and p["title"], p
        declared = {a["name"]: a for a in p["arguments"]}
        assert set(args) == set(declared), (name, declared)
        required = [a for a, v in declared.items() if v["required"]]
        got = mcp.ok("prompts/get", {"name": name, "arguments": args})
        assert got["description"] == p["description"]
        [msg] = got["messages"]
        assert msg["role"] == "user" and msg["content"]["type"] == "text"
        text = msg["content"]["text"]
        for v in args.values():
            assert v in text, (name, v, text)
        # It names this server's tools, and every word shaped like a tool name (not a method
        # call such as Input.get_axis) is one.
        named = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text)) & REGISTRY
        assert len(named) >= 4, (name, named)
        for word in re.findall(r"(?<![.\w])(?:get|set|add|create|run|list|read|write|edit|check|save|"
                               r"new|open|find|send|make|attach|search|replace|instantiate)_[a-z_]+\b", text):
            assert word in REGISTRY, (name, word)
        # Only the required arguments: still a complete message, without the optional values.
        minimal = mcp.ok("prompts/get", {"name": name, "arguments": {a: args[a] for a in required}})
        mtext = minimal["messages"][0]["content"]["text"]
        for a, v in args.items():
            assert (v in mtext) == (a in required), (name, a, mtext)
        for a in required:
            err = mcp.rpc("prompts/get", {"name": name, "arguments": {}})["error"]
            assert err["code"] == -32602 and a in err["message"], err
    err = mcp.rpc("prompts/get", {"name": "no_such_prompt"})["error"]
    assert err["code"] == -32602 and "no_such_prompt" in err["message"]
    err = mcp.rpc("prompts/get", {"name": "add_input_action", "arguments": {"action": "x", "colour": "red"}})["error"]
    assert err["code"] == -32602 and "colour" in err["message"]
    err = mcp.rpc("prompts/get", {"name": "add_input_action", "arguments": {"action": 3}})["error"]
    assert err["code"] == -32602 and "string" in err["message"]


# --------------------------------------------------------------------------------------------
# the stateless 2026-07-28 revision


def stateless(d: Daemon, method: str, params: dict | None = None, name_header: bool = True) -> dict:
    p = dict(params or {})
    p["_meta"] = {"io.modelcontextprotocol/protocolVersion": STATELESS,
                  "io.modelcontextprotocol/clientCapabilities": {}}
    h = {"Accept": ACCEPT, "Content-Type": "application/json", "Mcp-Method": method,
         "MCP-Protocol-Version": STATELESS}
    if method in ("prompts/get", "resources/read") and name_header:  # SEP-2243's Mcp-Name
        h["Mcp-Name"] = p["name"] if method == "prompts/get" else p["uri"]
    r = requests.post(d.url + "/mcp", headers=h, timeout=120,
                      data=json.dumps({"jsonrpc": "2.0", "id": "s", "method": method, "params": p}))
    return r.json()


def test_stateless_lists_reads_and_prompts(d):
    caps = stateless(d, "server/discover")["result"]["capabilities"]
    assert "resources" in caps and "prompts" in caps, caps
    for method, key in (("resources/list", "resources"), ("resources/templates/list", "resourceTemplates"),
                        ("prompts/list", "prompts")):
        res = stateless(d, method)["result"]
        assert res[key] and res["resultType"] == "complete", res
        assert res["ttlMs"] >= 0 and res["cacheScope"] in ("public", "private")
    res = stateless(d, "resources/read", {"uri": "res://main.gd"})["result"]
    assert res["contents"][0]["text"].encode() == (d.project / "main.gd").read_bytes()
    assert res["ttlMs"] == 0 and res["cacheScope"] == "private"
    tree = json.loads(stateless(d, "resources/read", {"uri": "godot://scene/current"})["result"]["contents"][0]["text"])
    assert tree["root"]["path"] == "."
    err = stateless(d, "resources/read", {"uri": "test://nothing"})["error"]
    assert err["code"] == -32602 and err["data"]["uri"] == "test://nothing"  # SEP-2164
    assert stateless(d, "resources/subscribe", {"uri": "godot://project"})["error"]["code"] == -32601
    got = stateless(d, "prompts/get", {"name": "fix_script_errors"})["result"]
    assert "list_script_errors" in got["messages"][0]["content"]["text"]
    # Without the Mcp-Name header (SEP-2243) both are refused, naming the header.
    for method, params in (("resources/read", {"uri": "res://main.gd"}),
                           ("prompts/get", {"name": "fix_script_errors"})):
        err = stateless(d, method, params, name_header=False)["error"]
        assert "Mcp-Name" in err["message"], err


# --------------------------------------------------------------------------------------------
# the official SDK client


@pytest.fixture(scope="module")
def node() -> Path:
    skip_without_mcp()
    return install_node()


def run_sdk(node: Path, args: list[str]) -> dict:
    r = subprocess.run([str(node), str(MCP_DIR / "resources.mjs"), *args], capture_output=True,
                       text=True, timeout=600, cwd=str(MCP_DIR), stdin=subprocess.DEVNULL)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"resources.mjs exited {r.returncode} without a report:\n{r.stdout[-3000:]}\n{r.stderr[-4000:]}")
    assert r.returncode == 0 and report["ok"], f"{report.get('error')}\n{r.stderr[-4000:]}"
    return report


def test_sdk_client_reads_subscribes_and_gets_prompts_over_http(d, node):
    report = run_sdk(node, ["--url", f"{d.url}/mcp"])
    assert len(report["steps"]) == 5, report


def test_sdk_client_over_the_stdio_proxy(d, node):
    # The proxy attaches to the daemon serving the project and relays its session's GET stream.
    report = run_sdk(node, ["--godotd", str(daemon_binary()), "--project", str(d.project)])
    assert len(report["steps"]) == 5, report
