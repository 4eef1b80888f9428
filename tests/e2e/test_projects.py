"""Several projects under one daemon (--project A --project B, --config FILE, POST /projects,
DELETE /projects/<name>): each has its own editor, bridge, routes (/projects/<name>/...),
token scope and MCP project argument, and one editor's crash never disturbs the other's
requests. Against real editors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import (READY_DEADLINE_S, SHORT_DEADLINE_S, Daemon, McpHttp, cleanup, daemon_binary,
                      demo_source, free_port, godot_binary, pid_alive, wait_for)

pytestmark = pytest.mark.lifecycle


def copy_demo(dest: Path) -> Path:
    shutil.copytree(demo_source(), dest, ignore=shutil.ignore_patterns(".godot", "addons"))
    return dest


@pytest.fixture
def two(tmp_path):
    a = copy_demo(tmp_path / "alpha")
    b = copy_demo(tmp_path / "beta")
    d = Daemon(a, tmp_path, extra=["--project", str(b)])
    d.start()
    d.wait_listening()
    yield d, a, b
    problems = cleanup([d], [a, b])
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


def status_of(d, name: str) -> dict:
    r = d.http.get(f"{d.url}/projects/{name}/status", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def wait_project_ready(d, name: str) -> dict:
    return wait_for(lambda: (s := status_of(d, name))["ready"] and s, READY_DEADLINE_S, 0.2,
                    f"project {name} to be ready")


def test_two_projects_one_crashes_the_other_serves_without_a_failure(two):
    d, a, b = two
    wait_project_ready(d, "alpha")
    wait_project_ready(d, "beta")
    listed = d.http.get(d.url + "/projects", timeout=10).json()["projects"]
    assert [(p["name"], p["default"]) for p in listed] == [("alpha", True), ("beta", False)]
    assert listed[1]["path"] == str(b)
    sa, sb = status_of(d, "alpha"), status_of(d, "beta")
    assert sa["pid"] != sb["pid"] and sa["project"] == str(a) and sb["project"] == str(b)
    # The bare routes are the default project's.
    assert d.status()["pid"] == sa["pid"]
    # Each editor is its own: a command on beta runs in beta's editor.
    r = d.http.post(f"{d.url}/projects/beta/godot/get_project_info", json={}, timeout=30)
    assert r.status_code == 200 and r.json()["project_path"].rstrip("/") == str(b), r.text

    # kill -9 alpha's editor while beta serves a steady stream of commands.
    results: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    def steady():
        http = requests.Session()
        http.trust_env = False
        while not stop.is_set():
            try:
                r = http.post(f"{d.url}/projects/beta/godot/get_status", json={}, timeout=30)
                results.append(r.status_code)
                if r.status_code != 200:
                    errors.append(r.text[:200])
            except requests.RequestException as e:
                errors.append(repr(e))
            time.sleep(0.02)

    t = threading.Thread(target=steady, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        os.kill(sa["pid"], signal.SIGKILL)
        wait_for(lambda: (s := status_of(d, "alpha"))["ready"] and s["pid"] != sa["pid"],
                 READY_DEADLINE_S, 0.2, "alpha restarted")
        time.sleep(0.5)
    finally:
        stop.set()
        t.join(30)
    assert len(results) > 20 and not errors, (len(results), errors[:5])
    assert status_of(d, "beta")["pid"] == sb["pid"] and status_of(d, "beta")["restarts"] == 0
    assert status_of(d, "alpha")["restarts"] == 1

    # MCP on the daemon's /mcp: tools take "project", editor_status lists the projects.
    mcp = McpHttp(d.url)
    try:
        listed = mcp.post({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {}}).json()
        status_tool = [t for t in listed["result"]["tools"] if t["name"] == "editor_status"][0]
        assert "project" in status_tool["inputSchema"]["properties"]
        r = mcp.call("editor_status", {"project": "beta"})["result"]
        assert r["isError"] is False and r["structuredContent"]["pid"] == sb["pid"], r
        names = [p["name"] for p in r["structuredContent"]["projects"]]
        assert names == ["alpha", "beta"]
        r = mcp.call("get_project_info", {"project": "beta"})["result"]
        assert r["structuredContent"]["project_path"].rstrip("/") == str(b), r
        r = mcp.call("get_status", {"project": "nope"})["result"]
        assert r["isError"] is True and "nope" in json.dumps(r), r
    finally:
        mcp.close()
    # `godotd mcp --project B` attaches to this daemon, and to B's own MCP endpoint.
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "pytest", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "editor_status", "arguments": {}}},
    ]
    proxy = subprocess.Popen([str(daemon_binary()), "mcp", "--project", str(b)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for msg in lines:
            proxy.stdin.write((json.dumps(msg) + "\n").encode())
            proxy.stdin.flush()
        answer = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proxy.stdout.readline()
            if not line:
                break
            msg = json.loads(line)
            if msg.get("id") == 2:
                answer = msg
                break
        assert answer and answer["result"]["structuredContent"]["pid"] == sb["pid"], answer
    finally:
        proxy.stdin.close()
        proxy.wait(30)
    # Metrics carry both projects.
    metrics = d.http.get(d.url + "/metrics", timeout=10).text
    assert 'godotd_editor_up{project="alpha"} 1' in metrics and 'godotd_editor_up{project="beta"} 1' in metrics
    assert 'godotd_editor_crashes_total{project="alpha",kind="signal"} 1' in metrics


def test_add_and_remove_a_project_at_run_time(two, tmp_path):
    d, a, b = two
    gamma = copy_demo(tmp_path / "gamma")
    r = d.http.post(d.url + "/projects", json={"path": str(gamma), "autostart": True}, timeout=30)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "gamma" and r.json()["routes"] == "/projects/gamma"
    st = wait_project_ready(d, "gamma")
    assert pid_alive(st["pid"])
    # Its daemon.json points `godotd mcp --project` at its own routes.
    info = json.loads((gamma / ".godot" / "godotd" / "daemon.json").read_text())
    assert info["port"] == d.port and info["base"] == "/projects/gamma"
    # The same project twice, a bad path, an unknown key: clear errors.
    r = d.http.post(d.url + "/projects", json={"path": str(gamma)}, timeout=30)
    assert r.status_code in (400, 422) and "gamma" in r.text
    r = d.http.post(d.url + "/projects", json={"path": str(tmp_path / "nowhere")}, timeout=30)
    assert r.status_code == 400, r.text
    r = d.http.post(d.url + "/projects", json={"path": str(gamma), "colour": "red"}, timeout=30)
    assert r.status_code == 400 and "colour" in r.text
    # Removing it stops its editor and its routes.
    r = d.http.delete(d.url + "/projects/gamma", timeout=60)
    assert r.status_code == 200, r.text
    wait_for(lambda: not pid_alive(st["pid"]), SHORT_DEADLINE_S, 0.1, "gamma's editor to stop")
    assert [p["name"] for p in d.http.get(d.url + "/projects", timeout=10).json()["projects"]] == ["alpha", "beta"]
    assert d.http.get(d.url + "/projects/gamma/status", timeout=10).status_code == 404
    assert not (gamma / ".godot" / "godotd" / "daemon.json").exists()
    # The default project cannot be removed.
    assert d.http.delete(d.url + "/projects/alpha", timeout=10).status_code == 403


def test_config_file_and_per_project_tokens(tmp_path):
    a = copy_demo(tmp_path / "one")
    b = copy_demo(tmp_path / "two")
    config = tmp_path / "godotd.json"
    config.write_text(json.dumps({"require_token": True, "projects": [
        {"path": str(a), "name": "first", "autostart": False},
        {"path": str(b), "name": "second", "autostart": False, "heartbeat_ms": 3000},
    ]}))
    port = free_port()
    proc = subprocess.Popen([str(daemon_binary()), "serve", "--config", str(config), "--port",
                             str(port), "--godot", str(godot_binary())], stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / "cfg.stderr", "wb"), start_new_session=True)
    try:
        http = requests.Session()
        http.trust_env = False
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: http.get(url + "/livez", timeout=2).status_code == 200, SHORT_DEADLINE_S,
                 0.1, "the daemon to listen")
        tok_a = (a / ".godot" / "godotd" / "token").read_text().strip()
        tok_b = (b / ".godot" / "godotd" / "token").read_text().strip()
        assert tok_a != tok_b
        auth = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
        # The default project's token opens everything; another project's only its own routes.
        assert http.get(url + "/projects", headers=auth(tok_a), timeout=5).status_code == 200
        assert http.get(url + "/projects/second/status", headers=auth(tok_b), timeout=5).status_code == 200
        assert http.get(url + "/projects/first/status", headers=auth(tok_b), timeout=5).status_code == 401
        assert http.get(url + "/status", headers=auth(tok_b), timeout=5).status_code == 401
        assert http.get(url + "/projects/second/status", timeout=5).status_code == 401
        names = [p["name"] for p in http.get(url + "/projects", headers=auth(tok_a), timeout=5).json()["projects"]]
        assert names == ["first", "second"]
        st = http.get(url + "/projects/second/status", headers=auth(tok_b), timeout=5).json()
        assert st["state"] == "stopped"  # autostart false
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"projects": [{"path": str(a), "name": "x y"}]}))
    r = subprocess.run([str(daemon_binary()), "serve", "--config", str(bad), "--port", "0"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "name" in r.stderr, r.stderr
