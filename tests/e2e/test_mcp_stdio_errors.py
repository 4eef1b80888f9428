"""`godotd mcp` (stdio) answers every request with a JSON-RPC message carrying its id, whatever
HTTP status the daemon answered: a client matches answers by id, and an HTTP error body
({"error":{...}}, no jsonrpc, no id) would leave its request hanging.

Real daemon: 401 (wrong token) and 413 (over --max-body-bytes). A fake daemon (a small HTTP
server on loopback named in the project's daemon.json) for statuses a real one does not give on
demand: 500, 502 without a body, 503 retryable.

The proxy keeps its connections to the daemon (keep-alive): sequential calls reuse the same
sockets, many requests in flight at once are all answered with their ids, a long call (an SSE
stream with progress) holds up no other request. When the daemon goes away: a call in flight
gets a JSON-RPC error (data.code "daemon_gone"); the next message reaches the daemon that runs
then (restarted by someone, or started by the proxy) on a new session, transparently. A fake
keep-alive daemon that closes a connection unanswered (as the real one does with idle ones) gets
the message again; one that always does gives the client an error after 1 + 2 sends.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from conftest import (SHORT_DEADLINE_S, daemon_binary, godot_binary, pid_alive,
                      processes_mentioning, wait_for)

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "pytest", "version": "1"}}}


class Stdio:
    """`godotd mcp --project P` with line-oriented JSON-RPC over its stdin/stdout."""

    def __init__(self, project: Path, *args: str):
        self.p = subprocess.Popen([str(daemon_binary()), "mcp", "--project", str(project), *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.buf = b""

    def send(self, msg: dict) -> None:
        self.p.stdin.write(json.dumps(msg).encode() + b"\n")
        self.p.stdin.flush()

    def recv(self, timeout: float = 30) -> dict:
        while b"\n" not in self.buf:
            r, _, _ = select.select([self.p.stdout], [], [], timeout)
            assert r, f"no answer within {timeout} s; stderr: {self.stderr()!r}"
            chunk = os.read(self.p.stdout.fileno(), 1 << 20)
            assert chunk, "godotd mcp closed its stdout"
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def stderr(self) -> bytes:
        """What the proxy wrote on stderr so far (without waiting for more)."""
        r, _, _ = select.select([self.p.stderr], [], [], 0)
        return os.read(self.p.stderr.fileno(), 1 << 16) if r else b""

    def call(self, msg: dict) -> dict:
        self.send(msg)
        return self.recv()

    def until(self, rid, seen: list | None = None, timeout: float = 60) -> dict:
        """The message answering ``rid``; the ones before it are appended to ``seen``."""
        while True:
            msg = self.recv(timeout)
            if msg.get("id") == rid and ("result" in msg or "error" in msg):
                return msg
            if seen is not None:
                seen.append(msg)

    def progress(self, token, seen: list | None = None, timeout: float = 60) -> dict:
        """The next notifications/progress for ``token``; an answer meanwhile fails the test, other
        notifications are appended to ``seen``."""
        while True:
            msg = self.recv(timeout)
            assert "id" not in msg, f"an answer while waiting for progress {token!r}: {msg}"
            if msg.get("method") == "notifications/progress" and msg["params"]["progressToken"] == token:
                return msg
            if seen is not None:
                seen.append(msg)

    def handshake(self) -> dict:
        resp = self.call(INIT)
        assert resp["id"] == 1 and "result" in resp, resp
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return resp

    def close(self) -> int | None:
        """Closes stdin: the proxy finishes what is in flight and exits. Its exit status, or
        None when it had to be killed (something it waited for never ended)."""
        self.p.stdin.close()
        try:
            return self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def assert_rpc_error(resp: dict, rid, rpc_code: int, http: int, code: str) -> dict:
    assert resp.get("jsonrpc") == "2.0" and resp.get("id") == rid, resp
    err = resp.get("error")
    assert isinstance(err, dict) and err["code"] == rpc_code, resp
    assert isinstance(err["message"], str) and err["message"], resp
    assert err["data"]["http_status"] == http and err["data"]["code"] == code, resp
    return err


def test_wrong_token_gives_a_jsonrpc_error_with_the_id(env):
    d = env.daemon("--require-token")
    d.wait_listening()
    wrong = env.tmp / "wrong.token"
    wrong.write_text("0" * 64 + "\n")
    wrong.chmod(0o600)
    m = Stdio(env.project, "--token-file", str(wrong))
    try:
        resp = m.call(INIT)
        err = assert_rpc_error(resp, 1, -32001, 401, "unauthorized")
        assert "token" in err["message"]
        resp = m.call({"jsonrpc": "2.0", "id": "abc", "method": "tools/list"})
        assert_rpc_error(resp, "abc", -32001, 401, "unauthorized")
        # A notification gets no answer: the next answer is the next request's.
        m.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        resp = m.call({"jsonrpc": "2.0", "id": 7, "method": "ping"})
        assert resp["id"] == 7, resp
    finally:
        m.close()


def test_oversized_message_gives_a_jsonrpc_error_with_the_id(env):
    d = env.daemon("--max-body-bytes", "65536")
    d.wait_ready()
    m = Stdio(env.project)
    try:
        resp = m.call(INIT)
        assert resp["id"] == 1 and "result" in resp, resp
        m.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        resp = m.call({"jsonrpc": "2.0", "id": 42, "method": "tools/call",
                       "params": {"name": "write_file",
                                  "arguments": {"path": "res://x.txt", "content": "x" * 100000}}})
        err = assert_rpc_error(resp, 42, -32013, 413, "payload_too_large")
        assert "65536" in err["message"], err
        assert not (env.project / "x.txt").exists()
        # The session goes on.
        resp = m.call({"jsonrpc": "2.0", "id": 43, "method": "tools/call",
                       "params": {"name": "editor_status", "arguments": {}}})
        assert resp["id"] == 43 and resp["result"]["structuredContent"]["state"] == "ready", resp
    finally:
        m.close()


class _Fake(BaseHTTPRequestHandler):
    """Answers initialize like the daemon, then tools/call with the status its name asks for."""

    def log_message(self, *a):
        pass

    def do_GET(self):  # the stdio proxy's notification stream
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self):
        self.send_response(204)
        self.end_headers()

    def do_POST(self):
        self.answer(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def answer(self, body: dict) -> None:
        if body.get("method") == "initialize":
            self._send(200, {"jsonrpc": "2.0", "id": body["id"], "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake", "version": "0"}}}, {"Mcp-Session-Id": "f" * 32})
            return
        if "id" not in body:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        name = body["params"]["name"]
        if name == "http500":
            self._send(500, {"error": {"code": "internal", "message": "boom"}})
        elif name == "http502":
            self.send_response(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif name == "http503":
            self._send(503, {"error": {"code": "not_ready", "message": "starting", "retryable": True}})
        else:
            self._send(400, {"jsonrpc": "2.0", "id": body["id"],
                             "error": {"code": -32602, "message": "passed through"}})

    def _send(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def test_server_errors_from_a_fake_daemon(tmp_path):
    project = tmp_path / "p"
    (project / ".godot" / "godotd").mkdir(parents=True)
    (project / "project.godot").write_text("config_version=5\n")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    (project / ".godot" / "godotd" / "daemon.json").write_text(
        json.dumps({"pid": os.getpid(), "port": srv.server_address[1]}))
    m = Stdio(project)
    try:
        assert m.call(INIT)["id"] == 1
        m.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

        def call(rid, name):
            return m.call({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                           "params": {"name": name, "arguments": {}}})

        err = assert_rpc_error(call(10, "http500"), 10, -32603, 500, "internal")
        assert err["message"] == "boom"
        err = assert_rpc_error(call(11, "http502"), 11, -32603, 502, "http_error")
        assert "502" in err["message"]
        err = assert_rpc_error(call(12, "http503"), 12, -32603, 503, "not_ready")
        assert err["data"]["retryable"] is True
        # A JSON-RPC body is passed on as it is, whatever the status.
        resp = call(13, "other")
        assert resp == {"jsonrpc": "2.0", "id": 13,
                        "error": {"code": -32602, "message": "passed through"}}, resp
    finally:
        m.close()
        srv.shutdown()


# --------------------------------------------------------------------------------------------
# Kept connections, requests in flight together, a long call


def proxy_connections(pid: int, port: int) -> set[int]:
    """Socket inodes of pid's established TCP connections to port (from /proc)."""
    mine = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            mine.add(int(link[8:-1]))
    found = set()
    with open(f"/proc/{pid}/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            remote, state, inode = cols[2], cols[3], int(cols[9])
            if state == "01" and int(remote.split(":")[1], 16) == port and inode in mine:
                found.add(inode)
    return found


def tool(rid, name: str, args: dict | None = None, progress=None) -> dict:
    params = {"name": name, "arguments": args or {}}
    if progress is not None:
        params["_meta"] = {"progressToken": progress}
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}


# A call that runs in the daemon until its timeout (no output ever matches), sending progress
# every second meanwhile: a long call that needs no editor restart.
NEVER = "no line is ever printed with this text 5f0c2a"


def test_calls_reuse_connections_and_many_in_flight_are_all_answered(env):
    d = env.daemon()
    d.wait_ready()
    m = Stdio(env.project)
    try:
        m.handshake()
        assert m.call({"jsonrpc": "2.0", "id": 2, "method": "ping"}) == {"jsonrpc": "2.0", "id": 2, "result": {}}
        # The session's GET stream, and the connection the ping went over, kept for the next.
        before = proxy_connections(m.p.pid, d.port)
        assert len(before) >= 2, f"no connection kept after an answer: {before}"
        # One call after the other: each reuses a kept connection, none is opened.
        for i in range(20):
            resp = m.call(tool(f"seq-{i}", "editor_status"))
            assert resp["id"] == f"seq-{i}" and resp["result"]["structuredContent"]["state"] == "ready", resp
        assert proxy_connections(m.p.pid, d.port) == before

        # 60 requests in one write: all in flight together, each answered once, with its id.
        burst = []
        for i in range(20):
            burst += [tool(f"st-{i}", "editor_status"), {"jsonrpc": "2.0", "id": 1000 + i, "method": "ping"},
                      {"jsonrpc": "2.0", "id": f"ls-{i}", "method": "tools/list"}]
        m.p.stdin.write(b"".join(json.dumps(x).encode() + b"\n" for x in burst))
        m.p.stdin.flush()
        answers = {}
        while len(answers) < len(burst):
            msg = m.recv()
            if "id" not in msg:
                continue  # a notification
            assert msg["id"] not in answers, f"answered twice: {msg}"
            answers[msg["id"]] = msg
        assert set(answers) == {x["id"] for x in burst}
        for i in range(20):
            assert answers[f"st-{i}"]["result"]["structuredContent"]["state"] == "ready", answers[f"st-{i}"]
            assert answers[1000 + i]["result"] == {}, answers[1000 + i]
            assert any(t["name"] == "editor_status" for t in answers[f"ls-{i}"]["result"]["tools"])
        # A few of the burst's connections stay for reuse (8 idle, plus the GET stream).
        kept = proxy_connections(m.p.pid, d.port)
        assert 1 <= len(kept) <= 9, kept
        resp = m.call(tool("after", "editor_status"))
        assert resp["result"]["structuredContent"]["state"] == "ready", resp
        assert proxy_connections(m.p.pid, d.port) == kept
    finally:
        assert m.close() == 0


def test_a_long_call_holds_up_nothing_and_its_progress_arrives(env):
    d = env.daemon()
    d.wait_ready()
    m = Stdio(env.project)
    try:
        m.handshake()
        m.send(tool("slow", "wait_for_output", {"pattern": NEVER, "timeout_ms": 600000}, progress="p1"))
        first = m.progress("p1")
        # Quick requests while the slow one's stream stays open: all answered.
        quick = [{"jsonrpc": "2.0", "id": i, "method": "ping"} for i in range(10)]
        quick += [tool(f"q-{i}", "editor_status") for i in range(5)]
        for x in quick:
            m.send(x)
        seen, answered = [first], {}
        while len(answered) < len(quick):
            msg = m.recv()
            if "id" in msg:
                assert msg["id"] != "slow", f"the long call ended early: {msg}"
                answered[msg["id"]] = msg
            else:
                seen.append(msg)
        assert set(answered) == {x["id"] for x in quick}
        assert all("result" in a for a in answered.values()), answered
        # ... and the long call still runs: its progress goes on after them.
        more = m.progress("p1")
        values = [x["params"]["progress"] for x in seen + [more] if x.get("method") == "notifications/progress"]
        assert values == sorted(values) and len(set(values)) == len(values), values
        # Cancelled, it gets no answer and its stream ends: the proxy exits on its own.
        m.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": "slow", "reason": "test"}})
        resp = m.call({"jsonrpc": "2.0", "id": "last", "method": "ping"})
        assert resp["id"] == "last", resp
    finally:
        assert m.close() == 0, "the proxy did not exit: a request stayed in flight"


def serve_daemons(project: Path) -> list[int]:
    binary = os.path.realpath(daemon_binary())
    return [pid for pid, cmd in processes_mentioning(str(project))
            if os.path.realpath(cmd[0]) == binary and "serve" in cmd]


def test_daemon_killed_mid_call_then_restarted(env):
    d = env.daemon()
    d.wait_ready()
    m = Stdio(env.project)
    try:
        m.handshake()
        assert "result" in m.call(tool(2, "editor_status"))
        m.send(tool("lost", "wait_for_output", {"pattern": NEVER, "timeout_ms": 600000}, progress="p"))
        m.progress("p")  # it runs in the daemon
        d.sigkill()
        d.killed_on_purpose = True
        # The answer is lost: an error with the request's id, not silence.
        resp = m.until("lost")
        assert "result" not in resp, resp
        assert resp["error"]["code"] == -32603 and resp["error"]["data"]["code"] == "daemon_gone", resp
        # Restarted on its port (it adopts the editor): the next message goes to it, on a new
        # session the proxy makes by itself; the client sees only the answer.
        d2 = env.daemon(port=d.port, name="second")
        d2.wait_ready()
        resp = m.call(tool(3, "editor_status"))
        assert resp["id"] == 3 and resp["result"]["structuredContent"]["daemon"]["pid"] == d2.proc.pid, resp
        # A long call's progress arrives from the new daemon too.
        m.send(tool(4, "wait_for_output", {"pattern": NEVER, "timeout_ms": 2500}, progress="q"))
        seen: list = []
        resp = m.until(4, seen)
        assert resp["result"]["isError"] is True, resp  # it timed out, as asked
        assert [x for x in seen if x.get("method") == "notifications/progress"
                and x["params"]["progressToken"] == "q"], seen
        assert serve_daemons(env.project) == [d2.proc.pid]
    finally:
        assert m.close() == 0


def test_daemon_killed_then_the_proxy_starts_one(env):
    d = env.daemon()
    d.wait_ready()
    # Serve options after "--" are for a daemon the proxy starts.
    m = Stdio(env.project, "--", "--godot", str(godot_binary()), "--headless")
    started = None
    try:
        m.handshake()
        assert "result" in m.call(tool(2, "editor_status"))
        d.sigkill()
        d.killed_on_purpose = True
        # Nothing was in flight: the next message finds no daemon, the proxy starts one (on the
        # same port, so the editor that outlived the old one is adopted) and the call is
        # answered there.
        resp = m.call(tool(3, "editor_status"))
        started = resp["result"]["structuredContent"]["daemon"]["pid"]
        assert started != d.proc.pid and serve_daemons(env.project) == [started], resp
        assert resp["result"]["structuredContent"]["daemon"]["port"] == d.port, resp
        resp = m.call(tool(4, "get_status"))  # waits until that daemon's editor is ready
        assert resp["result"]["isError"] is False, resp
    finally:
        assert m.close() == 0
        if started:
            os.kill(started, signal.SIGTERM)
            wait_for(lambda: not pid_alive(started), 60, what="the daemon the proxy started to stop")


# --------------------------------------------------------------------------------------------
# A keep-alive fake daemon that closes connections unanswered


class _KeepAliveFake(_Fake):
    """_Fake over HTTP/1.1 keep-alive; tools/call "drop_once" has its connection closed
    unanswered the first time, "drop_always" every time (what the daemon does to an idle
    connection at its keep-alive timeout, when a request crosses it)."""

    protocol_version = "HTTP/1.1"
    seen: dict[str, int] = {}

    def answer(self, body: dict) -> None:
        name = body.get("params", {}).get("name") if body.get("method") == "tools/call" else None
        if name in ("drop_once", "drop_always"):
            n = self.seen[name] = self.seen.get(name, 0) + 1
            if name == "drop_always" or n == 1:
                self.close_connection = True  # closed with no byte of an answer
                return
            self._send(200, {"jsonrpc": "2.0", "id": body["id"], "result": {"sends": n}})
            return
        super().answer(body)


def test_a_connection_closed_unanswered_is_sent_again(tmp_path):
    project = tmp_path / "p"
    (project / ".godot" / "godotd").mkdir(parents=True)
    (project / "project.godot").write_text("config_version=5\n")
    _KeepAliveFake.seen = {}
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveFake)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    (project / ".godot" / "godotd" / "daemon.json").write_text(
        json.dumps({"pid": os.getpid(), "port": srv.server_address[1]}))
    m = Stdio(project)
    try:
        m.handshake()
        # The daemon (still running) closed it without a byte: the request never reached it.
        resp = m.call(tool(10, "drop_once"))
        assert resp == {"jsonrpc": "2.0", "id": 10, "result": {"sends": 2}}, resp
        # Closed every time: an error after 1 + 2 sends, never silence.
        resp = m.call(tool(11, "drop_always"))
        assert resp["id"] == 11 and resp["error"]["code"] == -32603, resp
        assert resp["error"]["data"]["code"] == "connection_closed", resp
        assert _KeepAliveFake.seen["drop_always"] == 3
        # The proxy goes on over the connections that work.
        resp = m.call(tool(12, "other"))
        assert resp["error"]["message"] == "passed through", resp
    finally:
        assert m.close() == 0
        srv.shutdown()


def stateless_msg(rid, method: str, params: dict | None = None) -> dict:
    """A 2026-07-28 message: no session; its version, capabilities and client in _meta."""
    p = dict(params or {})
    p["_meta"] = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "pytest", "version": "1"}}
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": p}


def test_stateless_messages_go_through_the_proxy_with_their_headers(env):
    # Claude Code probes with a stateless server/discover before it initializes: the proxy gives
    # such a message the 2026-07-28 headers the daemon requires (MCP-Protocol-Version from _meta,
    # Mcp-Method, Mcp-Name), so it is answered, not refused with -32020.
    (env.project / "über name.txt").write_text("ü\n")
    d = env.daemon("--no-autostart")
    d.wait_listening()
    s = Stdio(env.project)
    try:
        got = s.call(stateless_msg("probe", "server/discover"))
        assert got["id"] == "probe" and "2026-07-28" in got["result"]["supportedVersions"], got
        got = s.call(stateless_msg(2, "tools/list"))
        assert got["result"]["tools"], got
        got = s.call(stateless_msg(3, "prompts/get", {"name": "fix_script_errors"}))
        assert "list_script_errors" in got["result"]["messages"][0]["content"]["text"], got
        # A name outside printable ASCII travels base64-encoded in Mcp-Name (SEP-2243).
        got = s.call(stateless_msg(4, "resources/read", {"uri": "res://über name.txt"}))
        assert got["result"]["contents"][0]["text"] == "ü\n", got
        # The session the client opens afterwards works as before.
        s.handshake()
        got = s.call({"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
        assert got["id"] == 5 and got["result"]["tools"], got
    finally:
        assert s.close() == 0


def mcp_sessions(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=10).text
    return next(float(line.split()[-1]) for line in text.splitlines()
                if line.startswith("godotd_mcp_sessions"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_ends_the_session_and_exits(env, signum):
    # Claude Code stops its servers with SIGINT: the proxy ends its session on the daemon (a
    # long call in flight is forgotten there) and exits 0, instead of dying with the session
    # left open until it expires.
    d = env.daemon()
    d.wait_ready()
    m = Stdio(env.project)
    m.handshake()
    assert mcp_sessions(d.url) == 1
    m.send(tool("slow", "wait_for_output", {"pattern": NEVER, "timeout_ms": 600000}, progress="p"))
    m.progress("p")
    m.p.send_signal(signum)
    assert m.p.wait(30) == 0, m.stderr()
    assert mcp_sessions(d.url) == 0
    d.assert_running()
