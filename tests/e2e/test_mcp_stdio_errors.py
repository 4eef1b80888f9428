"""`godotd mcp` (stdio) answers every request with a JSON-RPC message carrying its id, whatever
HTTP status the daemon answered: a client matches answers by id, and an HTTP error body
({"error":{...}}, no jsonrpc, no id) would leave its request hanging.

Real daemon: 401 (wrong token) and 413 (over --max-body-bytes). A fake daemon (a small HTTP
server on loopback named in the project's daemon.json) for statuses a real one does not give on
demand: 500, 502 without a body, 503 retryable.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import daemon_binary

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
            assert r, f"no answer within {timeout} s; stderr: {self.p.stderr.read1(4096)!r}"
            chunk = os.read(self.p.stdout.fileno(), 1 << 20)
            assert chunk, "godotd mcp closed its stdout"
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def call(self, msg: dict) -> dict:
        self.send(msg)
        return self.recv()

    def close(self) -> None:
        self.p.stdin.close()
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


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
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
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
