"""Headless sessions: `godotd session` drives a real `godot --headless` over newline-delimited
JSON-RPC (docs/session.md) — the banner, requests matched by id while several are in flight,
diagnostics from stdout and stderr, the heartbeat, the child's death mid-request, the stop, and
run_tests from a session."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import (SHORT_DEADLINE_S, daemon_binary, godot_binary, pgid_members, pid_alive,
                      processes_mentioning, repo_root, wait_for)

pytestmark = pytest.mark.lifecycle

START_DEADLINE_S = 60.0


class Session:
    """One `godotd session` process: requests written as lines on its stdin, its stdout lines
    read on a thread into a queue (responses and session/* notifications)."""

    def __init__(self, project: Path, *args: str, godot_args: tuple[str, ...] = ()):
        # The test project has no assets to import: --import never keeps each start quick
        # (test_a_fresh_checkout_is_imported_first covers the import).
        cmd = [str(daemon_binary()), "session", "--project", str(project),
               "--godot", str(godot_binary()), "--import", "never", *args]
        if godot_args:
            cmd += ["--", *godot_args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[dict] = []      # everything read so far, in order
        self.raw: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.banner: dict | None = None

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self.raw.append(raw)
            self.lines.put(json.loads(raw))
        self.lines.put(None)

    def send(self, message: dict | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def next(self, timeout: float = SHORT_DEADLINE_S) -> dict | None:
        msg = self.lines.get(timeout=timeout)
        if msg is not None:
            self.seen.append(msg)
            if msg.get("method") == "session/banner":
                self.banner = msg["params"]
        return msg

    def wait(self, pred, timeout: float = SHORT_DEADLINE_S, what: str = "message") -> dict:
        """The next message pred accepts (earlier ones are kept in self.seen)."""
        for msg in self.seen:
            if pred(msg):
                return msg
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout} s; seen: {self.seen[-20:]}")
            try:
                msg = self.next(left)
            except queue.Empty:
                continue
            if msg is None:
                raise AssertionError(f"stdout ended before {what}; seen: {self.seen[-20:]}")
            if pred(msg):
                return msg

    def response(self, rid, timeout: float = SHORT_DEADLINE_S) -> dict:
        return self.wait(lambda m: "method" not in m and m.get("id") == rid, timeout,
                         f"response {rid!r}")

    def call(self, method: str, params: dict | None = None, rid=None,
             timeout: float = SHORT_DEADLINE_S) -> dict:
        rid = rid if rid is not None else f"{method}-{time.monotonic_ns()}"
        req = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            req["params"] = params
        self.send(req)
        return self.response(rid, timeout)

    def result(self, method: str, params: dict | None = None, timeout: float = SHORT_DEADLINE_S):
        r = self.call(method, params, timeout=timeout)
        assert "result" in r, r
        return r["result"]

    def wait_banner(self) -> dict:
        return self.wait(lambda m: m.get("method") == "session/banner", START_DEADLINE_S,
                         "banner")["params"]

    def diagnostics(self) -> list[dict]:
        return [m["params"] for m in self.seen if m.get("method") == "session/diagnostic"]

    def close(self, timeout: float = 30) -> int:
        """Closes stdin (the CLI stops the child) and returns the CLI's exit status."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        while True:
            try:
                msg = self.lines.get_nowait()
            except queue.Empty:
                break
            if msg is not None:
                self.seen.append(msg)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def godot_pids(project: Path) -> list[int]:
    return [pid for pid, cmd in processes_mentioning(str(project))
            if cmd and Path(cmd[0]).name.startswith("godot")
            and not Path(cmd[0]).name.startswith("godotd")]


@pytest.fixture
def project(tmp_path):
    dest = tmp_path / "session"
    shutil.copytree(repo_root() / "tests" / "projects" / "session", dest)
    yield dest
    try:
        wait_for(lambda: not godot_pids(dest), 15, what="the session's Godot to end")
    except Exception:
        pass
    leftovers = godot_pids(dest)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not leftovers, f"Godot processes left running: {leftovers}"


@pytest.fixture
def session(project):
    s = Session(project)
    yield s
    if s.proc.poll() is None:
        try:
            s.close()
        except subprocess.TimeoutExpired:
            pass
    s.kill()


def test_banner_describe_and_stop(session, project):
    banner = session.wait_banner()
    assert banner["protocol"] == 1 and banner["engine"]["major"] == 4, banner
    assert banner["headless"] is True and banner["capabilities"]["screenshot"] is False, banner
    for method in ("ping", "load_scene", "quit", "get_game_tree", "get_game_node",
                   "get_game_property", "set_game_property", "call_game_method", "game_step",
                   "game_pause", "game_resume", "send_input", "get_game_state"):
        assert method in banner["methods"], (method, banner["methods"])
    assert "take_screenshot" not in banner["methods"]
    pid = banner["pid"]
    assert pid_alive(pid)
    # The addon came into the project with the session; project.godot is left as it was.
    assert (project / "addons/godotd/session/session.gd").is_file()
    assert "editor_plugins" not in (project / "project.godot").read_text()

    d = session.result("describe")
    assert d["pid"] == pid and d["banner"] == banner and d["state"] == "running", d
    assert d["command"][1:] == ["--headless", "--path", str(project), "--script",
                                "res://addons/godotd/session/session.gd"], d["command"]
    assert d["heartbeat"] == {"interval_ms": 0, "probe": False, "quiet_ms": d["heartbeat"]["quiet_ms"],
                              "records": 0}, d["heartbeat"]
    assert session.result("ping")["pong"] is True

    # The Godot session runs in a group of its own, which the stop empties.
    assert os.getpgid(pid) == pid
    rc = session.close()
    exited = [m for m in session.seen if m.get("method") == "session/exited"]
    assert len(exited) == 1 and exited[0]["params"]["by"] == "quit", session.seen[-5:]
    assert exited[0]["params"]["exit_code"] == 0 and rc == 0, (exited, rc)
    assert not pid_alive(pid) and not pgid_members(pid)


def test_requests_in_flight_are_matched_by_id(session):
    session.wait_banner()
    loaded = session.result("load_scene", {"scene_path": "res://main.tscn"})
    assert loaded == {"scene_path": "res://main.tscn", "root": "Main", "class": "Node2D",
                      "children": 1}, loaded
    session.result("game_pause")
    # A slow request (30 stepped frames) first, then 40 quick ones, all written before any
    # answer is read: ids of both kinds (strings and numbers) come back on the right answers.
    session.send({"jsonrpc": "2.0", "id": "slow", "method": "game_step", "params": {"frames": 30}})
    for i in range(40):
        rid = i if i % 2 else f"add-{i}"
        session.send({"jsonrpc": "2.0", "id": rid, "method": "call_game_method",
                      "params": {"node_path": ".", "method": "add", "args": [i, 1000]}})
    for i in range(40):
        rid = i if i % 2 else f"add-{i}"
        r = session.response(rid)
        assert r["result"]["result"] == i + 1000, r
    slow = session.response("slow", timeout=60)
    assert slow["result"]["frames"] == 30, slow
    prop = session.result("get_game_property", {"node_path": "Marker", "property": "position"})
    assert prop["value"] == {"type": "Vector2", "value": [10, 20]} or prop["value"] == [10, 20] \
        or "10" in json.dumps(prop["value"]), prop
    session.result("set_game_property", {"node_path": ".", "property": "score", "value": 42})
    assert session.result("get_game_property", {"node_path": ".", "property": "score"})["value"] == 42
    tree = session.result("get_game_tree")
    assert tree["root"]["name"] == "Main" and tree["root"]["children"][0]["name"] == "Marker", tree


def test_bad_requests_get_json_rpc_errors(session):
    session.wait_banner()
    session.send("{not json")
    r = session.wait(lambda m: "error" in m and m.get("id") is None)
    assert r["error"]["code"] == -32700, r
    r = session.call("no_such_method", {})
    assert r["error"]["code"] == -32601 and r["error"]["data"]["code"] == "unknown_command", r
    r = session.call("get_game_property", {"property": "score"})  # no node_path
    assert r["error"]["code"] == -32602 and "node_path" in r["error"]["message"], r
    r = session.call("load_scene", {"scene_path": "res://nowhere.tscn"})
    assert r["error"]["data"]["code"] == "not_found", r
    session.send({"id": 5, "method": "ping", "params": [1]})
    assert session.response(5)["error"]["code"] == -32600
    r = session.call("take_screenshot", {})
    assert r["error"]["data"]["code"] in ("unknown_command", "no_renderer"), r
    # Still serving.
    assert session.result("ping")["pong"] is True


def test_diagnostics_streams_and_severities(session):
    session.wait_banner()
    session.result("load_scene", {"scene_path": "res://main.tscn"})
    session.wait(lambda m: m.get("method") == "session/diagnostic"
                 and "ERROR: session error" in m["params"]["text"], what="push_error record")
    session.result("ping")
    diags = [d for d in session.diagnostics() if d["stream"] in ("stdout", "stderr")]
    by_text = {d["text"]: d for d in diags}
    # Godot's own stdout line and the scene's print are stdout info records.
    engine = [d for d in diags if d["text"].startswith("Godot Engine v4")]
    assert engine and engine[0]["stream"] == "stdout" and engine[0]["severity"] == "info", diags
    assert by_text["session main ready"]["stream"] == "stdout"
    assert by_text["session main ready"]["severity"] == "info"
    junk = by_text['{"jsonrpc":"2.0","id":999999,"result":"not for you"}']
    assert junk["stream"] == "stdout" and junk["severity"] == "info", junk
    assert not [m for m in session.seen if m.get("id") == 999999]
    # push_warning and push_error reach stderr with Godot's prefixes.
    assert by_text["WARNING: session warning"] == {**by_text["WARNING: session warning"],
                                                   "stream": "stderr", "severity": "warning"}
    err = by_text["ERROR: session error"]
    assert err["stream"] == "stderr" and err["severity"] == "error", err
    assert isinstance(err["ts"], int) and err["ts"] > 1_600_000_000_000
    # Its location and backtrace lines continue the error.
    after = diags[diags.index(err) + 1:]
    cont = [d for d in after if d["stream"] == "stderr"][:3]
    assert cont and all(d["severity"] == "error" for d in cont), cont
    assert any("res://main.gd:15" in d["text"] for d in after), after
    # Nothing from the inert autoload (a plain script error would show here).
    assert not [d for d in diags if "SCRIPT ERROR" in d["text"]], diags


def test_heartbeat_silent_and_chatty(project):
    # 1.5 s: a loaded machine (CI runs several Godots at once) answers a probe well within half
    # of it, so an idle session must stay quiet; the stall below is far longer than it.
    s = Session(project, "--heartbeat-ms", "1500")
    try:
        s.wait_banner()
        s.result("load_scene", {"scene_path": "res://main.tscn"})
        # Idle but healthy: the session's probes are answered, no heartbeat record.
        time.sleep(4)
        d = s.result("describe")
        assert d["heartbeat"]["interval_ms"] == 1500 and d["heartbeat"]["probe"] is True, d
        assert d["heartbeat"]["records"] == 0, s.diagnostics()
        # Chatty: a print every frame, no record either.
        s.result("set_game_property", {"node_path": ".", "property": "chatty", "value": True})
        time.sleep(2)
        s.result("set_game_property", {"node_path": ".", "property": "chatty", "value": False})
        assert not [x for x in s.diagnostics() if x["stream"] == "heartbeat"]
        assert [x for x in s.diagnostics() if x["text"].startswith("frame ")]
        # Silent: the main thread stalls for 5 s; records come while it does, then its answer.
        s.send({"id": "stall", "method": "call_game_method",
                "params": {"node_path": ".", "method": "stall", "args": [5000]}})
        r = s.response("stall", timeout=60)
        assert r["result"]["result"] == 5000, r
        beats = [x for x in s.diagnostics() if x["stream"] == "heartbeat"]
        assert 1 <= len(beats) <= 4, beats
        assert all(b["severity"] == "warning" and b["quiet_ms"] >= 1500 for b in beats), beats
        assert s.result("describe")["heartbeat"]["records"] == len(beats)
        assert s.close() == 0
    finally:
        s.kill()


def test_child_killed_mid_request(session, project):
    banner = session.wait_banner()
    session.result("load_scene", {"scene_path": "res://main.tscn"})
    session.send({"id": "stuck", "method": "call_game_method",
                  "params": {"node_path": ".", "method": "stall", "args": [20000]}})
    time.sleep(0.5)
    os.kill(banner["pid"], signal.SIGKILL)
    r = session.response("stuck", timeout=10)
    assert r["error"]["data"]["code"] == "session_ended", r
    assert r["error"]["data"]["signal"] == 9 and r["error"]["data"]["exit_code"] is None, r
    assert "signal 9" in r["error"]["message"], r
    exited = session.wait(lambda m: m.get("method") == "session/exited")["params"]
    assert exited["signal"] == 9 and exited["by"] == "exit", exited
    # Later requests fail the same way; describe still answers, from the ended session.
    r = session.call("ping")
    assert r["error"]["data"]["code"] == "session_ended", r
    assert session.result("describe")["state"] == "exited"
    assert session.close() == 1


def test_stop_escalates_when_quit_is_not_heard(project):
    s = Session(project, "--quit-timeout-ms", "500")
    try:
        pid = s.wait_banner()["pid"]
        s.result("load_scene", {"scene_path": "res://main.tscn"})
        s.send({"id": "stuck", "method": "call_game_method",
                "params": {"node_path": ".", "method": "stall", "args": [60000]}})
        time.sleep(0.3)
        # Interrupted (stdin still open, a request in flight): the CLI stops the child itself.
        t0 = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        rc = s.proc.wait(30)
        took = time.monotonic() - t0
        s.close()
        exited = [m["params"] for m in s.seen if m.get("method") == "session/exited"]
        assert exited and exited[0]["by"] in ("sigterm", "sigkill"), exited
        stuck = [m for m in s.seen if m.get("id") == "stuck"]
        assert stuck and stuck[0]["error"]["data"]["code"] == "session_ended", stuck
        assert rc == 1 and took < 20, (rc, took)
        assert not pid_alive(pid) and not pgid_members(pid)
    finally:
        s.kill()


def test_run_tests_in_a_session(tmp_path):
    project = tmp_path / "tests"
    shutil.copytree(repo_root() / "tests" / "projects" / "tests", project,
                    ignore=shutil.ignore_patterns(".godot", "godotd"))
    s = Session(project)
    try:
        s.wait_banner()
        r = s.result("run_tests", {"framework": "gdunit4"}, timeout=120)
        assert r["framework"] == "gdunit4" and r["totals"]["tests"] > 0, r
        assert r["failures"] and all(f["file"] for f in r["failures"]), r["failures"]
        # The runner was a Godot of its own: the session's Godot is still the banner's.
        assert s.result("describe")["pid"] == s.banner["pid"]
        r = s.call("run_tests", {"framework": "nope"})
        assert r["error"]["code"] == -32602, r
        assert s.close() == 0
    finally:
        s.kill()
    assert not godot_pids(project)


def test_stdin_from_a_file(project, tmp_path):
    """A request file on stdin (not a pipe): every answer comes, then the CLI stops."""
    reqs = tmp_path / "requests.ndjson"
    reqs.write_text("\n".join(json.dumps(r) for r in [
        {"jsonrpc": "2.0", "id": 1, "method": "load_scene", "params": {"scene_path": "res://main.tscn"}},
        {"jsonrpc": "2.0", "id": 2, "method": "game_step", "params": {"frames": 5}},
        {"jsonrpc": "2.0", "id": 3, "method": "get_game_property",
         "params": {"node_path": ".", "property": "score"}},
    ]) + "\n")
    with open(reqs, "rb") as stdin:
        out = subprocess.run([str(daemon_binary()), "session", "--project", str(project),
                              "--godot", str(godot_binary())], stdin=stdin,
                             capture_output=True, timeout=120)
    msgs = [json.loads(line) for line in out.stdout.splitlines()]
    answers = {m["id"]: m for m in msgs if "id" in m}
    assert set(answers) == {1, 2, 3}, msgs
    assert answers[3]["result"]["value"] == 7, answers[3]
    assert msgs[-1]["method"] == "session/exited" and out.returncode == 0, (msgs[-1], out.stderr)


def test_plain_run_with_the_autoload_is_quiet(project):
    """The runtime agent's autoload in a game run without the daemon stays inert: no script
    error every frame (it used to call its missing link from _process)."""
    shutil.copytree(repo_root() / "addons" / "godotd", project / "addons" / "godotd")
    run = subprocess.run([str(godot_binary()), "--headless", "--path", str(project),
                          "--quit-after", "30", "res://main.tscn"],
                         capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if not k.startswith("GODOTD_")})
    assert "session main ready" in run.stdout, run.stdout
    assert "SCRIPT ERROR" not in run.stderr, run.stderr[-2000:]


def _run_file(project: Path, tmp_path: Path, requests: list[dict], *args: str) -> list[dict]:
    reqs = tmp_path / f"requests-{len(list(tmp_path.iterdir()))}.ndjson"
    reqs.write_text("\n".join(json.dumps(r) for r in requests) + "\n")
    with open(reqs, "rb") as stdin:
        out = subprocess.run([str(daemon_binary()), "session", "--project", str(project),
                              "--godot", str(godot_binary()), *args], stdin=stdin,
                             capture_output=True, timeout=300)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_a_fresh_checkout_is_imported_first(project, tmp_path):
    """A project no editor ever opened has no imported assets: the session imports it first
    (--import auto), so a scene with a texture loads; the next session does not import again."""
    from PIL import Image
    Image.new("RGBA", (16, 16), (255, 0, 0, 255)).save(project / "red.png")
    (project / "sprite.tscn").write_text(
        '[gd_scene load_steps=2 format=3]\n\n'
        '[ext_resource type="Texture2D" path="res://red.png" id="1"]\n\n'
        '[node name="Sprite" type="Sprite2D"]\ntexture = ExtResource("1")\n')
    load = [{"id": 1, "method": "load_scene", "params": {"scene_path": "res://sprite.tscn"}},
            {"id": 2, "method": "get_game_property", "params": {"node_path": ".", "property": "texture"}}]
    never = tmp_path / "never"
    shutil.copytree(project, never)
    msgs = _run_file(project, tmp_path, load)
    diags = [m["params"] for m in msgs if m.get("method") == "session/diagnostic"]
    imported = [d for d in diags if d["stream"] == "import"]
    assert imported and "finished" in imported[-1]["text"] and "exit code 0" in imported[-1]["text"], imported[-3:]
    assert not [d for d in imported if "\x1b" in d["text"]]  # Godot's colours are gone
    assert not [d for d in diags if "No loader found" in d["text"]], diags
    answers = {m["id"]: m for m in msgs if "id" in m}
    assert answers[1]["result"]["class"] == "Sprite2D", answers
    assert answers[2]["result"]["value"] is not None, answers[2]
    again = _run_file(project, tmp_path, load)
    assert not [m for m in again if m.get("method") == "session/diagnostic"
                and m["params"]["stream"] == "import"]
    # Without the import the texture does not load: what --import auto is for.
    skipped = _run_file(never, tmp_path, load, "--import", "never")
    assert [m for m in skipped if m.get("method") == "session/diagnostic"
            and "No loader found" in m["params"]["text"]], skipped[-5:]
