"""Crash-loop guard, with a fake Godot that exits 1 at once (tests/e2e/fake_godot_crash.sh)."""

from __future__ import annotations

import time

import pytest

from conftest import FAKE_GODOT_CRASH, McpHttp, wait_for

pytestmark = pytest.mark.fake_godot

CRASH_MAX = 3


def _crash_starts(log) -> list[str]:
    try:
        return log.read_text().splitlines()
    except FileNotFoundError:
        return []


def test_crash_loop_guard_trips_and_start_clears_it(env):
    log = env.tmp / "fake-starts.log"
    d = env.daemon("--crash-max", str(CRASH_MAX), "--crash-window-ms", "60000",
                   "--backoff-base-ms", "100", "--backoff-max-ms", "400",
                   godot=FAKE_GODOT_CRASH, env={"FAKE_GODOT_LOG": str(log)})
    d.wait_listening()
    st = d.wait_state(lambda s: s["state"] == "failed", 60, "the crash-loop guard to trip")
    assert st["ready"] is False and st["pid"] is None, st
    assert st["crashes_recent"] == CRASH_MAX, st
    assert st["godot"]["version"] == "4.6.3.stable.fake", st["godot"]
    le = st["last_exit"]
    assert le is not None and le["code"] == 1 and not le["signal"], le
    assert isinstance(le["reason"], str) and le["reason"], le
    assert len(_crash_starts(log)) == CRASH_MAX, _crash_starts(log)
    assert all("--editor" in line for line in _crash_starts(log))

    # failed is sticky: no more starts
    time.sleep(2)
    assert d.status()["state"] == "failed"
    assert len(_crash_starts(log)) == CRASH_MAX, _crash_starts(log)
    r = d.get("/health")
    assert r.status_code == 503 and r.json()["state"] == "failed", r.text
    # commands fail fast instead of waiting for an editor that will not come
    t0 = time.monotonic()
    r = d.post("/godot/ping", {})
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] in ("not_ready", "editor_unavailable"), r.text
    assert time.monotonic() - t0 < 30, "a command hung on a failed editor"

    # The same over MCP: the answer comes inline from the failed editor (a use-after-free in the
    # MCP server once, found by fuzzing; the sanitized daemon would abort on it).
    mcp = McpHttp(d.url)
    for name, args in [("get_scene_tree", {}), ("run_command", {"command": "ping", "params": {}})]:
        res = mcp.call(name, args)
        assert res["result"]["isError"] is True, res
        assert res["result"]["structuredContent"]["error"]["code"] == "editor_unavailable", res
    mcp.close()
    d.assert_running()

    # /start clears failed and tries again (and fails again: fine)
    r = d.post("/start", {})
    assert r.status_code in (200, 202), r.text
    assert r.json()["state"] != "failed", r.json()
    wait_for(lambda: len(_crash_starts(log)) > CRASH_MAX, 30, 0.1, "a new start after /start")
    st = d.wait_state(lambda s: s["state"] == "failed", 60, "failed again")
    assert st["last_exit"]["code"] == 1, st
    d.assert_running()
