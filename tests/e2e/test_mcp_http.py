"""The MCP server's Streamable HTTP transport at /mcp, spoken raw (our own client): the wire
rules (headers, statuses, sessions, SSE), tools/list and tools/call against the real editor,
progress, cancellation, logging, list_changed, and the stateless 2026-07-28 requests.

The official SDK client drives the same endpoint in test_mcp_sdk.py; this file checks what an
SDK hides (status codes, headers) and the failure paths.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from conftest import read_sse_into, wait_for

pytestmark = pytest.mark.shared

ACCEPT = "application/json, text/event-stream"
LATEST = "2025-11-25"
STATELESS = "2026-07-28"


def sse_events(resp: requests.Response) -> list[dict]:
    """The JSON messages of an SSE response body."""
    out, data = [], []
    for line in resp.iter_lines(decode_unicode=True):
        if line is None:
            continue
        if line == "":
            if data:
                out.append(json.loads("\n".join(data)))
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if data:
        out.append(json.loads("\n".join(data)))
    return out


class Mcp:
    """A raw MCP session over HTTP."""

    def __init__(self, daemon, query: str = ""):
        self.d = daemon
        self.url = daemon.url + "/mcp" + query
        self.session = None
        self.version = None
        self.next_id = 1

    def headers(self, **extra) -> dict:
        h = {"Accept": ACCEPT, "Content-Type": "application/json"}
        if self.session:
            h["Mcp-Session-Id"] = self.session
        if self.version:
            h["MCP-Protocol-Version"] = self.version
        h.update(extra)
        return h

    def post(self, msg, stream: bool = False, **kw) -> requests.Response:
        return requests.post(self.url, data=json.dumps(msg), headers=self.headers(**kw.pop("headers", {})),
                             timeout=120, stream=stream, **kw)

    def initialize(self, version: str = LATEST) -> dict:
        r = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                       "params": {"protocolVersion": version, "capabilities": {},
                                  "clientInfo": {"name": "pytest", "version": "1"}}})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        self.session = r.headers["Mcp-Session-Id"]
        body = r.json()
        self.version = body["result"]["protocolVersion"]
        n = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert n.status_code == 202, n.text
        return body["result"]

    def request(self, method: str, params: dict | None = None) -> dict:
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            msg["params"] = params
        r = self.post(msg)
        assert r.status_code == 200, r.text
        if r.headers["Content-Type"].startswith("text/event-stream"):
            events = sse_events(r)
            return events[-1]
        return r.json()

    def call(self, name: str, args: dict | None = None) -> dict:
        resp = self.request("tools/call", {"name": name, "arguments": args or {}})
        assert "result" in resp, resp
        return resp["result"]

    def tools(self) -> list[dict]:
        out, cursor = [], None
        while True:
            resp = self.request("tools/list", {"cursor": cursor} if cursor else {})
            out += resp["result"]["tools"]
            cursor = resp["result"].get("nextCursor")
            if not cursor:
                return out


@pytest.fixture(scope="module")
def mcp(shared):
    m = Mcp(shared)
    m.initialize()
    return m


# --------------------------------------------------------------------------------------------
# handshake and wire rules


def test_initialize_negotiates_versions(shared):
    for asked, got in [("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"),
                       ("2025-03-26", "2025-03-26"), ("2099-01-01", LATEST), (STATELESS, LATEST)]:
        res = Mcp(shared).initialize(asked)
        assert res["protocolVersion"] == got, (asked, res)
        assert res["capabilities"]["tools"]["listChanged"] is True
        assert "logging" in res["capabilities"]
        assert res["serverInfo"]["name"] == "godotd"
        assert "undo" in res["instructions"]


def test_post_header_rules(shared, mcp):
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    r = requests.post(mcp.url, data=json.dumps(ping), headers=mcp.headers(Accept="application/json"))
    assert r.status_code == 406, r.text
    r = requests.post(mcp.url, data=json.dumps(ping), headers=mcp.headers(**{"Content-Type": "text/plain"}))
    assert r.status_code == 415, r.text
    r = requests.post(mcp.url, data="{not json", headers=mcp.headers())
    assert r.status_code == 400 and r.json()["error"]["code"] == -32700, r.text
    r = requests.post(mcp.url, data=json.dumps([ping, ping]), headers=mcp.headers())
    assert r.status_code == 400 and r.json()["error"]["code"] == -32600, r.text
    h = mcp.headers()
    del h["Mcp-Session-Id"]
    r = requests.post(mcp.url, data=json.dumps(ping), headers=h)
    assert r.status_code == 400, r.text
    r = requests.post(mcp.url, data=json.dumps(ping), headers=mcp.headers(**{"Mcp-Session-Id": "0" * 32}))
    assert r.status_code == 404 and r.json()["error"]["code"] == -32001, r.text
    r = requests.post(mcp.url, data=json.dumps(ping), headers=mcp.headers(**{"MCP-Protocol-Version": "1999-01-01"}))
    assert r.status_code == 400, r.text
    r = requests.post(mcp.url, data=json.dumps(ping), headers=mcp.headers(Origin="http://evil.example"))
    assert r.status_code == 403, r.text
    r = requests.put(mcp.url, data="{}", headers=mcp.headers())
    assert r.status_code == 405


def test_ping_and_unknown_method(mcp):
    assert mcp.request("ping") == {"jsonrpc": "2.0", "id": mcp.next_id - 1, "result": {}}
    resp = mcp.request("no/such_method")
    assert resp["error"]["code"] == -32601, resp
    r = mcp.post({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": "x"})
    assert r.json()["error"]["code"] == -32602, r.text


def test_delete_ends_the_session(shared):
    m = Mcp(shared)
    m.initialize()
    r = requests.delete(m.url, headers=m.headers(), timeout=10)
    assert r.status_code == 200, r.text
    r = m.post({"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert r.status_code == 404


# --------------------------------------------------------------------------------------------
# tools


def test_tools_list_core_set_has_schemas_and_annotations(mcp):
    tools = mcp.tools()
    names = {t["name"] for t in tools}
    for lifecycle in ("editor_status", "editor_start", "editor_stop", "editor_restart",
                      "editor_logs", "run_command", "enable_toolsets"):
        assert lifecycle in names
    assert {"get_status", "get_scene_tree", "open_scene", "undo", "batch"} <= names
    for t in tools:
        assert t["inputSchema"]["type"] == "object", t
        assert isinstance(t["description"], str) and t["description"], t
        a = t["annotations"]
        assert {"readOnlyHint", "destructiveHint", "idempotentHint"} <= set(a), t
    gs = next(t for t in tools if t["name"] == "get_status")
    assert gs["outputSchema"]["type"] == "object" and gs["annotations"]["readOnlyHint"] is True


def test_tools_list_all_paginates_over_every_command(shared):
    m = Mcp(shared, "?toolsets=all")
    m.initialize()
    first = m.request("tools/list")["result"]
    commands = shared.get("/commands").json()["commands"]
    tools = m.tools()
    names = [t["name"] for t in tools]
    assert len(names) == len(set(names))
    assert {c["name"] for c in commands} <= set(names)
    if len(tools) > 100:
        assert "nextCursor" in first and len(first["tools"]) == 100
    bad = m.request("tools/list", {"cursor": "garbage"})
    assert bad["error"]["code"] == -32602


def test_tools_list_grouped(shared):
    m = Mcp(shared, "?toolsets=grouped")
    m.initialize()
    tools = {t["name"]: t for t in m.tools()}
    assert "scene_command" in tools and "get_scene_tree" not in tools
    enum = tools["scene_command"]["inputSchema"]["properties"]["command"]["enum"]
    assert "get_scene_tree" in enum
    res = m.call("scene_command", {"command": "get_scene_tree", "params": {"max_depth": 0}})
    assert res["isError"] is False and res["structuredContent"]["root"]["children"] is not None
    res = m.call("scene_command", {"command": "get_status"})
    assert res["isError"] is True and res["structuredContent"]["error"]["code"] == "invalid_params"


def test_unknown_toolsets_query_is_refused(shared):
    r = requests.post(shared.url + "/mcp?toolsets=nope", headers={"Accept": ACCEPT, "Content-Type": "application/json"},
                      data=json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                       "params": {"protocolVersion": LATEST, "capabilities": {},
                                                  "clientInfo": {"name": "t", "version": "1"}}}))
    assert r.status_code == 400 and "nope" in r.text


def test_tools_call_returns_structured_content_and_text(mcp, shared):
    res = mcp.call("get_status")
    assert res["isError"] is False
    sc = res["structuredContent"]
    assert sc["godot_version"].startswith("4.6")
    assert json.loads(res["content"][0]["text"]) == sc
    assert sc["project_path"].rstrip("/") == str(shared.project)


def test_tools_call_errors(mcp):
    res = mcp.call("get_scene_tree", {"max_depth": "deep"})
    assert res["isError"] is True
    assert res["structuredContent"]["error"]["code"] == "invalid_params"
    assert "max_depth" in res["content"][0]["text"]
    res = mcp.call("open_scene", {"scene_path": "res://../../etc/passwd.tscn"})
    assert res["isError"] is True and res["structuredContent"]["error"]["code"] == "outside_project"
    resp = mcp.request("tools/call", {"name": "no_such_tool", "arguments": {}})
    assert resp["error"]["code"] == -32602 and "no_such_tool" in resp["error"]["message"]
    # a command outside the session's tool set (core here) is not listed, yet it runs
    assert "list_open_scenes" not in {t["name"] for t in mcp.tools()}
    res = mcp.call("list_open_scenes", {})
    assert res["isError"] is False and isinstance(res["structuredContent"]["scenes"], list), res
    res = mcp.call("run_command", {"command": "get_scene_tree", "params": {"max_depth": 0}})
    assert res["isError"] is False and "root" in res["structuredContent"]
    res = mcp.call("run_command", {"command": "rm_rf"})
    assert res["isError"] is True and res["structuredContent"]["error"]["code"] == "unknown_command"


def test_lifecycle_tools(mcp):
    st = mcp.call("editor_status")["structuredContent"]
    assert st["state"] == "ready" and st["daemon"]["port"]
    logs = mcp.call("editor_logs", {"limit": 5})["structuredContent"]
    assert isinstance(logs["entries"], list) and len(logs["entries"]) <= 5
    res = mcp.call("editor_logs", {"limit": 0})
    assert res["isError"] is True


def test_enable_toolsets_sends_list_changed_on_the_session_stream(shared):
    m = Mcp(shared)
    m.initialize()
    before = {t["name"] for t in m.tools()}
    got: list[dict] = []
    stream = requests.get(m.url, headers={"Accept": "text/event-stream", "Mcp-Session-Id": m.session,
                                          "MCP-Protocol-Version": m.version}, stream=True, timeout=60)
    assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")

    read_sse_into(stream, got)
    time.sleep(0.2)
    res = m.call("enable_toolsets", {"toolsets": ["history", "play"]})
    assert res["structuredContent"]["changed"] is True
    wait_for(lambda: any(e.get("method") == "notifications/tools/list_changed" for e in got), 10,
             what="list_changed on the GET stream")
    after = {t["name"] for t in m.tools()}
    assert {"redo", "play", "stop"} <= after and after > before
    stream.close()


def test_logging_set_level(mcp):
    assert mcp.request("logging/setLevel", {"level": "debug"})["result"] == {}
    assert mcp.request("logging/setLevel", {"level": "loud"})["error"]["code"] == -32602


# --------------------------------------------------------------------------------------------
# stateless 2026-07-28


def stateless(shared, method: str, params: dict | None = None, header: str | None = STATELESS):
    p = dict(params or {})
    p["_meta"] = {"io.modelcontextprotocol/protocolVersion": STATELESS,
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "pytest", "version": "1"}}
    h = {"Accept": ACCEPT, "Content-Type": "application/json", "Mcp-Method": method}
    if "name" in p:
        h["Mcp-Name"] = p["name"]
    if header:
        h["MCP-Protocol-Version"] = header
    return requests.post(shared.url + "/mcp", headers=h, timeout=60,
                         data=json.dumps({"jsonrpc": "2.0", "id": "s1", "method": method, "params": p}))


def test_stateless_discover_list_and_call(shared):
    r = stateless(shared, "server/discover")
    assert r.status_code == 200, r.text
    res = r.json()["result"]
    assert res["resultType"] == "complete" and STATELESS in res["supportedVersions"]
    assert LATEST in res["supportedVersions"] and "tools" in res["capabilities"]
    assert "Mcp-Session-Id" not in r.headers
    r = stateless(shared, "tools/list")
    assert r.json()["result"]["resultType"] == "complete" and r.json()["result"]["tools"]
    # Without a session there is nothing enable_toolsets could change (and 2026-07-28 forbids
    # lists that vary per connection): not offered; run_command reaches every command.
    names = {t["name"] for t in r.json()["result"]["tools"]}
    assert "run_command" in names and "enable_toolsets" not in names, names
    r = stateless(shared, "tools/call", {"name": "get_status", "arguments": {}})
    res = r.json()["result"]
    assert res["resultType"] == "complete" and res["structuredContent"]["godot_version"].startswith("4.6")


def test_stateless_header_must_match_meta(shared):
    for header in (None, "2025-11-25"):
        r = stateless(shared, "tools/list", header=header)
        assert r.status_code == 400 and r.json()["error"]["code"] == -32020, r.text
        assert r.json()["id"] == "s1"


def test_stateless_errors_map_to_http_statuses(shared):
    r = stateless(shared, "ping")  # removed in 2026-07-28
    assert r.status_code == 404 and r.json()["error"]["code"] == -32601, r.text
    r = stateless(shared, "initialize", {"protocolVersion": LATEST})
    assert r.status_code == 404, r.text
    r = stateless(shared, "tools/call", {"name": "get_status", "arguments": {}})
    res = r.json()["result"]
    assert res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "godotd"
    lst = stateless(shared, "tools/list").json()["result"]
    assert lst["ttlMs"] >= 0 and lst["cacheScope"] in ("public", "private")


# --------------------------------------------------------------------------------------------
# progress and cancellation (they need a slow call: one that waits for a stopped editor)


def test_progress_while_waiting_for_the_editor_then_cancel(shared, mcp):
    stopped = mcp.call("editor_stop")
    assert stopped["isError"] is False and stopped["structuredContent"]["state"] == "stopped"
    try:
        r = mcp.post({"jsonrpc": "2.0", "id": "slow-1", "method": "tools/call",
                      "params": {"name": "get_status", "arguments": {}, "_meta": {"progressToken": "p1"}}},
                     stream=True)
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/event-stream"), r.headers
        events = sse_events(r)
        progress = [e for e in events if e.get("method") == "notifications/progress"]
        assert progress, events
        assert all(e["params"]["progressToken"] == "p1" for e in progress)
        values = [e["params"]["progress"] for e in progress]
        assert values == sorted(values) and len(set(values)) == len(values)
        final = events[-1]
        assert final["id"] == "slow-1" and final["result"]["isError"] is False
        assert final["result"]["structuredContent"]["readiness"]
    finally:
        shared.wait_ready()
    # Cancellation: the editor stopped again, a call waits for it; notifications/cancelled makes
    # the server drop the request (no response on its stream).
    mcp.call("editor_stop")
    try:
        box: dict = {}

        def slow():
            r = mcp.post({"jsonrpc": "2.0", "id": "slow-2", "method": "tools/call",
                          "params": {"name": "get_status", "arguments": {}, "_meta": {"progressToken": 2}}},
                         stream=True)
            box["events"] = sse_events(r)
        t = threading.Thread(target=slow, daemon=True)
        t.start()
        time.sleep(1.5)
        n = mcp.post({"jsonrpc": "2.0", "method": "notifications/cancelled",
                      "params": {"requestId": "slow-2", "reason": "test"}})
        assert n.status_code == 202
        t.join(30)
        assert not t.is_alive(), "the cancelled request's stream did not end"
        assert not [e for e in box["events"] if e.get("id") == "slow-2"], box["events"]
    finally:
        shared.wait_ready()
    assert mcp.call("get_status")["isError"] is False
