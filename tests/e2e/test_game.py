"""godotd inside the running game: the runtime agent (addons/godotd/runtime/), the output stream,
run_and_capture, screenshots, injected input, deterministic time and live inspection — against
the real Godot 4.6 editor and its games, headless and under --display xvfb, on the test project
tests/projects/game (see its README.md for what each scene does)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from conftest import (SHORT_DEADLINE_S, Daemon, McpHttp, cleanup, godot_binary, read_sse_into,
                      repo_root, wait_for)

pytestmark = pytest.mark.lifecycle

GAME_PROJECT = repo_root() / "tests" / "projects" / "game"
# Generous bounds for a game to start and connect (not performance thresholds).
GAME_START_S = 60.0


def game_copy(tmp: Path, name: str = "game") -> Path:
    dest = tmp / name
    shutil.copytree(GAME_PROJECT, dest, ignore=shutil.ignore_patterns(".godot", "godotd"))
    return dest


def line_of(project: Path, script: str, needle: str) -> int:
    """1-based line of the first line of res://script containing needle."""
    for i, line in enumerate((project / script).read_text().splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {script}")


def start_daemon(tmp: Path, *extra: str, name: str = "game") -> tuple[Daemon, Path]:
    project = game_copy(tmp, name)
    d = Daemon(project, tmp, name=name, extra=extra)
    d.start()
    d.wait_ready()
    return d, project


@pytest.fixture(scope="module")
def gd(tmp_path_factory):
    """A headless daemon on a copy of the game project, shared by the module's tests."""
    tmp = tmp_path_factory.mktemp("game")
    d, project = start_daemon(tmp)
    d.tmp = tmp
    yield d
    problems = cleanup([d], [project])
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def g(gd):
    """The shared daemon with no game running before and after the test."""
    gd.command("stop")
    wait_for(lambda: gd.command("get_game_state")["running"] == 0, GAME_START_S, 0.1,
             "no game running")
    yield gd
    gd.command("stop")


def play(d: Daemon, scene: str) -> dict:
    """Plays scene and waits for its runtime agent; returns the game's state."""
    since = d.command("get_output", {"limit": 1})["cursor"]
    assert d.command("play", {"scene_path": scene})["playing"] is True
    started = d.command("wait_for_output", {"pattern": "^game [0-9]+ started", "since": since,
                                            "timeout_ms": int(GAME_START_S * 1000)})["entry"]
    assert started["kind"] == "game_started" and started["scene"] == scene, started
    state = d.command("get_game_state", {"game": started["game"]})
    assert len(state["games"]) == 1, state
    return state["games"][0]


def entries(d: Daemon, **filters) -> list[dict]:
    return d.command("get_output", {"limit": 10000, **filters})["entries"]


# ---- output ---------------------------------------------------------------------------------


def test_output_has_prints_warnings_errors_with_their_script_location(g):
    project = g.project
    r = g.command("run_and_capture", {"scene_path": "res://main.tscn", "duration_ms": 1500})
    assert r["ended_by"] == "duration", r
    assert r["exit"]["by"] == "stopped" and r["exit"]["crashed"] is False, r["exit"]
    mine = [e for e in r["entries"] if e["kind"] not in ("game_started", "game_exited")]
    ready = [e for e in mine if e["message"] == "main ready"]
    warn = [e for e in mine if e["message"] == "main warning"]
    err = [e for e in mine if e["message"] == "main error"]
    assert len(ready) == 1 and len(warn) == 1 and len(err) == 1, mine
    assert ready[0]["kind"] == "print" and ready[0]["severity"] == "info"
    assert warn[0]["kind"] == "push_warning" and warn[0]["severity"] == "warning"
    assert err[0]["kind"] == "push_error" and err[0]["severity"] == "error"
    for e, needle in ((warn[0], 'push_warning("main warning")'), (err[0], 'push_error("main error")')):
        assert e["file"] == "res://main.gd", e
        assert e["line"] == line_of(project, "main.gd", needle), e
        assert e["function"] == "_ready", e
        assert e["source"] == "game" and e["game"] == r["game"], e
    assert r["counts"]["error"] >= 1 and r["counts"]["warning"] >= 1, r["counts"]
    # Kept after the game is gone, and filtered by game and severity.
    again = entries(g, game=r["game"], severity="warning")
    assert {e["message"] for e in again} >= {"main warning", "main error"}
    assert all(e["severity"] in ("warning", "error") for e in again)
    assert entries(g, game=r["game"], pattern="^main re")[0]["message"] == "main ready"


def test_the_editors_own_output_is_in_the_stream_too(g):
    mine = entries(g, source="editor")
    assert any(e["message"].startswith("godotd: connected to ") for e in mine), mine[:20]
    assert all(e["source"] == "editor" and "game" not in e for e in mine)
    # Its import progress lines stay in /logs only.
    assert not any(re.match(r"^\[ *(\d+%|DONE) \]", e["message"]) for e in mine)
    assert any("[ DONE ]" in line["line"] for line in g.all_logs())


def test_runtime_error_has_its_backtrace_and_the_game_goes_on(g):
    project = g.project
    since = g.command("get_output", {"limit": 1})["cursor"]
    game = play(g, "res://bug.tscn")["id"]
    err = g.command("wait_for_output", {"severity": "error", "game": game, "since": since,
                                        "timeout_ms": 30000})["entry"]
    assert err["kind"] == "script_error", err
    assert "Nil" in err["message"], err
    bad_line = line_of(project, "bug.gd", "data.")
    call_line = line_of(project, "bug.gd", "\thelper()")
    assert (err["file"], err["line"], err["function"]) == ("res://bug.gd", bad_line, "helper"), err
    frames = [(f["file"], f["line"], f["function"]) for f in err["backtrace"]]
    assert frames[:2] == [("res://bug.gd", bad_line, "helper"), ("res://bug.gd", call_line, "_ready")], frames
    # --ignore-error-breaks: the debugger did not freeze the game on the error.
    alive = g.command("wait_for_output", {"pattern": "^bug alive", "game": game, "since": since,
                                          "timeout_ms": 30000})["entry"]
    assert alive["id"] > err["id"]


def test_wait_for_output_returns_the_matching_line_or_times_out(g):
    game = play(g, "res://main.tscn")["id"]
    since = g.command("get_output", {"limit": 1})["cursor"]
    g.command("set_game_property", {"node_path": ".", "property": "message", "value": "first"})
    g.command("set_game_property", {"node_path": ".", "property": "message", "value": "second"})
    e = g.command("wait_for_output", {"pattern": "message is second", "since": since,
                                      "timeout_ms": 10000})["entry"]
    assert e["message"] == "message is second" and e["game"] == game, e
    status, body = g.command_error("wait_for_output", {"pattern": "never printed", "timeout_ms": 300})
    assert status == 504 and body["code"] == "timeout", body
    status, body = g.command_error("wait_for_output", {"pattern": "(", "timeout_ms": 300})
    assert status == 400 and body["code"] == "invalid_params", body


def test_run_and_capture_returns_a_self_quitting_games_exit_code(g):
    r = g.command("run_and_capture", {"scene_path": "res://quit.tscn", "until_exit": True,
                                      "timeout_ms": 60000})
    assert r["ended_by"] == "exit", r
    assert r["exit"]["code"] == 3 and r["exit"]["by"] == "self" and not r["exit"]["crashed"], r
    assert any(e["message"] == "quitting soon" for e in r["entries"]), r["entries"]
    assert r["entries"][-1]["kind"] == "game_exited", r["entries"][-1]


def test_run_and_capture_stops_at_a_pattern_or_the_first_error(g):
    r = g.command("run_and_capture", {"scene_path": "res://bug.tscn", "stop_on_error": True,
                                      "timeout_ms": 60000})
    assert r["ended_by"] == "error" and r["counts"]["error"] >= 1, r
    assert r["exit"]["by"] == "stopped", r["exit"]
    r = g.command("run_and_capture", {"scene_path": "res://bug.tscn", "until_pattern": "bug alive",
                                      "timeout_ms": 60000})
    assert r["ended_by"] == "pattern", r
    assert g.command("get_game_state")["running"] == 0


def test_a_crash_is_reported_with_its_exit_status_and_last_output(g):
    r = g.command("run_and_capture", {"scene_path": "res://crash.tscn", "until_exit": True,
                                      "timeout_ms": 60000})
    assert r["ended_by"] == "exit", r
    assert r["exit"]["crashed"] is True and r["exit"]["by"] == "crash", r["exit"]
    # OS.crash() aborts: the daemon read the status off the zombie (SIGABRT).
    assert r["exit"]["signal"] == 6 and r["exit"]["code"] is None, r["exit"]
    crash = [e for e in entries(g, game=r["game"]) if e["kind"] == "game_crashed"]
    assert len(crash) == 1, crash
    assert any(e["message"] == "about to crash" for e in crash[0]["last_output"]), crash[0]
    state = g.command("get_game_state")
    assert any(x["id"] == r["game"] and x["crashed"] for x in state["exited"]), state


# ---- state, time, input, inspection -----------------------------------------------------------


def test_game_state_and_ping(g):
    st = play(g, "res://main.tscn")
    assert st["scene"] == "res://main.tscn" and st["headless"] is True, st
    assert st["pid"] > 0 and st["responsive"] is True and st["paused"] is False, st
    assert st["editor_pid"] == g.status()["pid"], st  # the editor that ran it
    assert st["process_frames"] >= 0 and st["time_scale"] == 1, st
    p = g.command("ping_game")
    assert p["game"] == st["id"] and p["rtt_ms"] > 0, p
    assert g.command("set_time_scale", {"scale": 0.5})["time_scale"] == 0.5
    assert g.command("get_game_state")["games"][0]["time_scale"] == 0.5


def test_game_step_advances_exactly_n_frames(g):
    play(g, "res://main.tscn")
    g.command("game_pause")
    def counts():
        return (g.command("get_game_property", {"node_path": ".", "property": "process_count"})["value"],
                g.command("get_game_property", {"node_path": ".", "property": "physics_count"})["value"])
    p0, f0 = counts()
    time.sleep(0.3)
    assert counts() == (p0, f0), "a paused game advanced"
    g.command("game_step", {"frames": 7})
    p1, f1 = counts()
    assert p1 - p0 == 7, (p0, p1)
    g.command("game_step", {"frames": 5, "kind": "physics"})
    p2, f2 = counts()
    assert f2 - f1 == 5, (f1, f2)
    r = g.command("game_step_until", {"node_path": ".", "property": "process_count", "op": ">=",
                                      "value": p2 + 3, "max_frames": 100})
    assert r["met"] is True and r["frames"] == 3, r
    g.command("game_resume")
    wait_for(lambda: counts()[0] > p2 + 3, SHORT_DEADLINE_S, 0.1, "the resumed game to run")


def send_while_stepping(d: Daemon, events: list[dict], frames: int, kind: str) -> None:
    """send_input to a paused game answers at once with the events queued (an agent calls one
    tool at a time, so it must be able to step next); the first stepped frame applies them."""
    r = d.command("send_input", {"events": events})
    assert r["queued"] == len(events) and r["paused"] is True, r
    d.command("game_step", {"frames": frames, "kind": kind})


def test_key_and_action_input_move_the_player_by_the_expected_amount(g):
    play(g, "res://main.tscn")
    g.command("game_pause")
    x0 = g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
    step = g.command("get_game_property", {"node_path": "Player", "property": "step"})["value"]
    # Input sent while paused applies in the next stepped frame.
    send_while_stepping(g, [{"type": "action", "action": "move_right", "pressed": True}], 10, "physics")
    send_while_stepping(g, [{"type": "action", "action": "move_right", "pressed": False}], 1, "physics")
    x1 = g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
    assert x1 - x0 == pytest.approx(10 * step), (x0, x1, step)
    send_while_stepping(g, [{"type": "key", "keycode": "D", "pressed": True}], 4, "physics")
    send_while_stepping(g, [{"type": "key", "keycode": "D", "pressed": False}], 1, "physics")
    x2 = g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
    assert x2 - x1 == pytest.approx(4 * step), (x1, x2, step)


def test_absolute_mouse_motion_is_what_the_game_polls(g):
    play(g, "res://main.tscn")
    r = g.command("send_input", {"events": [{"type": "mouse_motion", "position": [200, 150]}]})
    assert r["applied"] == 1, r
    def seen():
        v = g.command("get_game_property", {"node_path": ".", "property": "mouse_seen"})["value"]
        return (v["x"], v["y"])
    wait_for(lambda: seen() == (200, 150), SHORT_DEADLINE_S, 0.1,
             "the game's get_global_mouse_position() to be (200, 150)")
    # Relative motion moves on from there.
    g.command("send_input", {"events": [{"type": "mouse_motion", "relative": [10, -5]}]})
    wait_for(lambda: seen() == (210, 145), SHORT_DEADLINE_S, 0.1, "the relative move")


def test_one_call_holds_a_key_for_some_frames_then_jumps(g):
    play(g, "res://main.tscn")
    g.command("game_pause")
    x0 = g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
    r = g.command("send_input", {"events": [
        {"type": "action", "action": "move_right", "pressed": True},
        {"type": "action", "action": "move_right", "pressed": False, "frame": 5},
        {"type": "action", "action": "jump", "frame": 6},
    ]})
    assert r["queued"] == 4 and r["applied"] == 0, r  # the jump is a tap: press, then release
    # Physics ticks, so the player's _physics_process sees the press (frame offsets count the
    # process frames that run meanwhile).
    g.command("game_step", {"frames": 20, "kind": "physics"})
    x1 = g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
    assert x1 > x0, (x0, x1)
    assert g.command("get_game_property", {"node_path": "Player", "property": "jump_count"})["value"] == 1
    # Released: more frames do not move it.
    g.command("game_step", {"frames": 5, "kind": "physics"})
    assert g.command("get_game_property", {"node_path": "Player", "property": "position:x"})["value"] == x1
    # A bad event is refused whole, naming it, before anything is applied.
    status, body = g.command_error("send_input", {"events": [
        {"type": "key", "keycode": "D"}, {"type": "action", "action": "fly"}]})
    assert status == 400 and body["code"] == "invalid_params" and "events[1]" in body["message"], body


def test_typed_text_mouse_buttons_and_joypads_reach_the_games_input(g):
    play(g, "res://main.tscn")
    r = g.command("send_input", {"events": [
        {"type": "text", "text": "Hi"},
        {"type": "mouse_button", "button": "left", "position": [50, 60]},
        {"type": "joypad_button", "button": "a", "pressed": True},
        {"type": "joypad_motion", "axis": "left_x", "value": 0.5},
    ]})
    assert r["applied"] == 8 and r["queued"] == 0, r  # 2 keys x 2, a click is 2, then 2
    def seen():
        return g.command("get_game_property", {"node_path": ".", "property": "seen_events"})["value"]
    wait_for(lambda: len(seen()) >= 8, SHORT_DEADLINE_S, 0.1, "the events in the game's _input")
    assert seen()[-8:] == [
        "InputEventKey:H:true", "InputEventKey::false", "InputEventKey:i:true", "InputEventKey::false",
        "InputEventMouseButton:1:50,60:true", "InputEventMouseButton:1:50,60:false",
        "InputEventJoypadButton:0:true", "InputEventJoypadMotion:0:0.50"], seen()


def test_inspection_and_set_game_property_reach_the_games_script(g):
    play(g, "res://main.tscn")
    tree = g.command("get_game_tree")["root"]
    names = {c["name"] for c in tree["children"]}
    assert {"Left", "Right", "Player"} <= names, tree
    whole = g.command("get_game_tree", {"root": "/root"})["root"]
    assert any(c["name"] == "GodotdRuntime" for c in whole["children"]), whole
    node = g.command("get_game_node", {"node_path": "Player"})
    assert node["type"] == "Node2D", node
    g.command("set_game_property", {"node_path": "Player", "property": "step", "value": 9.5})
    assert g.command("get_game_property", {"node_path": "Player", "property": "step"})["value"] == 9.5
    r = g.command("call_game_method", {"node_path": "Player", "method": "get_name"})
    assert r["result"] == "Player", r
    status, body = g.command_error("get_game_node", {"node_path": "Nope"})
    assert status == 404 and body["code"] == "not_found", body


def test_no_game_running_is_a_clear_error(g):
    status, body = g.command_error("get_game_tree")
    assert status == 404 and body["code"] == "not_found", body
    assert "play" in body["message"], body


def test_headless_screenshots_answer_no_renderer(g):
    play(g, "res://main.tscn")
    for target in ("game", "editor_2d"):
        status, body = g.command_error("take_screenshot", {"target": target})
        assert status == 409 and body["code"] == "no_renderer", body
        assert "--display xvfb" in body["message"], body


def test_two_games_at_once_are_addressed_separately(g):
    first = play(g, "res://main.tscn")
    # A second instance of the game, as Godot's "run multiple instances" starts it: the same
    # binary on the same project with the editor's environment (GODOTD_URL).
    env = {**os.environ, "GODOTD_URL": f"ws://127.0.0.1:{g.port}/bridge"}
    token = g.project / ".godot" / "godotd" / "token"
    if token.exists():
        env["GODOTD_TOKEN"] = token.read_text().strip()
    since = g.command("get_output", {"limit": 1})["cursor"]
    second_proc = subprocess.Popen([str(godot_binary()), "--headless", "--path", str(g.project),
                                    "res://main.tscn"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        started = g.command("wait_for_output", {"pattern": "^game [0-9]+ started", "since": since,
                                                "timeout_ms": int(GAME_START_S * 1000)})["entry"]
        second = started["game"]
        assert second != first["id"]
        state = g.command("get_game_state")
        assert {x["id"] for x in state["games"]} == {first["id"], second}, state
        g.command("set_game_property", {"game": first["id"], "node_path": ".", "property": "message",
                                        "value": "one"})
        g.command("set_game_property", {"game": second, "node_path": ".", "property": "message",
                                        "value": "two"})
        for game, want in ((first["id"], "one"), (second, "two")):
            v = g.command("get_game_property", {"game": game, "node_path": ".", "property": "message"})
            assert v["value"] == want and v["game"] == game, v
        # The default is the newest game.
        assert g.command("ping_game")["game"] == second
    finally:
        second_proc.kill()
        second_proc.wait(10)
    gone = g.command("wait_for_output", {"pattern": f"^game {second} ", "severity": "info",
                                         "since": since, "timeout_ms": 20000})
    assert gone["entry"]["game"] == second


# ---- MCP ------------------------------------------------------------------------------------


def test_mcp_gets_game_lifecycle_notifications_and_screenshot_errors(g):
    mcp = McpHttp(g.url)
    try:
        r = mcp.call("run_and_capture", {"scene_path": "res://quit.tscn", "until_exit": True})
        res = r["result"]
        assert res["isError"] is False, res
        assert res["structuredContent"]["exit"]["code"] == 3, res["structuredContent"]
        r = mcp.call("take_screenshot", {})
        assert r["result"]["isError"] is True
        assert r["result"]["structuredContent"]["error"]["code"] in ("no_renderer", "not_found")
    finally:
        mcp.close()


def test_mcp_output_resource_and_notifications_on_the_session_stream(g):
    mcp = McpHttp(g.url)
    got: list[dict] = []
    stream = None
    try:
        assert mcp.post({"jsonrpc": "2.0", "id": 90, "method": "logging/setLevel",
                         "params": {"level": "info"}}).json()["result"] == {}
        listed = mcp.post({"jsonrpc": "2.0", "id": 91, "method": "resources/list"}).json()["result"]
        assert any(r["uri"] == "godot://output" for r in listed["resources"]), listed
        r = mcp.post({"jsonrpc": "2.0", "id": 92, "method": "resources/subscribe",
                      "params": {"uri": "godot://output"}}).json()
        assert r["result"] == {}, r
        missing = mcp.post({"jsonrpc": "2.0", "id": 93, "method": "resources/read",
                            "params": {"uri": "godot://nothing"}}).json()
        assert missing["error"]["code"] == -32002, missing
        stream = requests.get(mcp.url, headers={**mcp.headers, "Accept": "text/event-stream"},
                              stream=True, timeout=120)
        assert stream.status_code == 200

        read_sse_into(stream, got)
        r = g.command("run_and_capture", {"scene_path": "res://bug.tscn", "until_pattern": "bug alive"})
        def note(event):
            return next((e for e in got if e.get("method") == "notifications/message"
                         and e["params"]["data"].get("event") == event), None)
        started = wait_for(lambda: note("game_started"), SHORT_DEADLINE_S, 0.1, "game_started message")
        assert started["params"]["level"] == "info" and started["params"]["data"]["entry"]["game"] == r["game"]
        err = wait_for(lambda: note("output"), SHORT_DEADLINE_S, 0.1, "the script error as a message")
        assert err["params"]["level"] == "error" and err["params"]["data"]["entry"]["kind"] == "script_error"
        wait_for(lambda: note("game_exited"), SHORT_DEADLINE_S, 0.1, "game_exited message")
        wait_for(lambda: any(e.get("method") == "notifications/resources/updated"
                             and e["params"]["uri"] == "godot://output" for e in got),
                 SHORT_DEADLINE_S, 0.1, "resources/updated")
        read = mcp.post({"jsonrpc": "2.0", "id": 94, "method": "resources/read",
                         "params": {"uri": "godot://output"}}).json()["result"]
        body = json.loads(read["contents"][0]["text"])
        assert any(e.get("game") == r["game"] and e["kind"] == "script_error" for e in body["entries"])
    finally:
        if stream is not None:
            stream.close()
        mcp.close()


# ---- under Xvfb ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gamex")
    d, project = start_daemon(tmp, "--display", "xvfb", name="gamex")
    yield d
    problems = cleanup([d], [project])
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


def png(r) -> Image.Image:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "image/png", r.headers
    return Image.open(io.BytesIO(r.content)).convert("RGB")


def test_xvfb_game_screenshot_has_the_expected_pixels(xd):
    play(xd, "res://main.tscn")
    img = png(xd.post("/godot/take_screenshot", {"target": "game"}))
    assert img.size == (640, 360), img.size
    assert img.getpixel((100, 300)) == (255, 0, 0), img.getpixel((100, 300))
    assert img.getpixel((540, 300)) == (0, 0, 255), img.getpixel((540, 300))
    # Scaled, and as JSON with base64 when asked.
    r = xd.post("/godot/take_screenshot", {"max_width": 320, "format": "jpg"},
                headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert (body["width"], body["height"], body["format"]) == (320, 180, "jpg"), body
    small = Image.open(io.BytesIO(base64.b64decode(body["data_base64"]))).convert("RGB")
    assert small.size == (320, 180)
    red = small.getpixel((50, 150))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60, red
    # Over MCP: an image content block.
    mcp = McpHttp(xd.url)
    try:
        res = mcp.call("take_screenshot", {"max_width": 160})["result"]
        assert res["isError"] is False, res
        image = next(c for c in res["content"] if c["type"] == "image")
        assert image["mimeType"] == "image/png"
        assert Image.open(io.BytesIO(base64.b64decode(image["data"]))).size == (160, 90)
        assert res["structuredContent"]["width"] == 160 and "data_base64" not in res["structuredContent"]
    finally:
        mcp.close()
    xd.command("stop")


def test_xvfb_absolute_mouse_motion_moves_the_pointer_the_game_polls(xd):
    play(xd, "res://main.tscn")
    xd.command("send_input", {"events": [{"type": "mouse_motion", "position": [321, 123]}]})
    def seen():
        v = xd.command("get_game_property", {"node_path": ".", "property": "mouse_seen"})["value"]
        return (round(v["x"]), round(v["y"]))
    wait_for(lambda: seen() == (321, 123), SHORT_DEADLINE_S, 0.1,
             "the game's get_global_mouse_position() on a real display")
    xd.command("stop")


def test_xvfb_editor_2d_screenshot_shows_the_scene(xd):
    xd.command("open_scene", {"scene_path": "res://main.tscn"})
    img = png(xd.post("/godot/take_screenshot", {"target": "editor_2d"}))
    w, h = img.size
    assert w > 100 and h > 100, img.size
    px = list(img.getdata())
    red = [i % w for i, p in enumerate(px) if p == (255, 0, 0)]
    blue = [i % w for i, p in enumerate(px) if p == (0, 0, 255)]
    assert len(red) > 100 and len(blue) > 100, (len(red), len(blue))
    assert sum(red) / len(red) < sum(blue) / len(blue), "red half left of the blue half"
