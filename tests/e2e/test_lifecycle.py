"""Supervision tests: each starts its own daemon on its own demo copy and kills, hangs, stops or
restarts the real editor (or the daemon itself). Deadlines here are liveness bounds, not
performance thresholds.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from conftest import (
    wait_for, pid_alive, proc_stat, pgid_members, godot_processes, editor_processes,
    game_processes, demo_scenes, SHORT_DEADLINE_S, READY_DEADLINE_S,
)

pytestmark = pytest.mark.lifecycle


def _ready_pid(d) -> int:
    d.wait_ready()
    st = d.status()
    assert st["state"] == "ready" and isinstance(st["pid"], int), st
    assert pid_alive(st["pid"]), st
    return st["pid"]


def _wait_new_ready(d, old_pid: int) -> dict:
    return d.wait_state(lambda s: s["state"] == "ready" and s["pid"] not in (None, old_pid),
                        READY_DEADLINE_S, "ready again with a new editor pid")


# --------------------------------------------------------------------------------------------
# the quit command: a restart asked for by a client, not a crash


def test_quit_command_restarts_at_once_without_counting_a_crash(env):
    d = env.daemon()
    pid = _ready_pid(d)
    before = d.status()
    assert d.command("quit") == {"quitting": True}
    st = _wait_new_ready(d, pid)
    assert st["restarts"] == before["restarts"] + 1, st
    assert st["crashes_recent"] == before["crashes_recent"] == 0, st
    assert st["last_exit"]["code"] == 0 and "restart requested" in st["last_exit"]["reason"], st
    assert not pid_alive(pid)
    assert editor_processes(env.project) == [st["pid"]], godot_processes(env.project)
    assert not (env.project / ".godot" / "godotd" / "reload_requested").exists()
    # the daemon's own stop also sends quit: it stops, the marker left by quit notwithstanding
    r = d.post("/stop", {}, timeout=READY_DEADLINE_S)
    assert r.status_code == 200, r.text
    st = d.wait_state(lambda s: s["state"] == "stopped", SHORT_DEADLINE_S, "stopped")
    assert st["pid"] is None and editor_processes(env.project) == [], godot_processes(env.project)
    assert st["last_exit"]["reason"] == "stopped on request", st["last_exit"]
    time.sleep(1.0)  # a restart would have begun by now (no backoff for a requested restart)
    assert d.status()["state"] == "stopped"


# --------------------------------------------------------------------------------------------
# 3. kill -9 of the editor


def test_editor_sigkill_is_restarted(env):
    d = env.daemon()
    pid = _ready_pid(d)
    restarts0 = d.status()["restarts"]

    os.kill(pid, signal.SIGKILL)
    left = d.wait_state(lambda s: s["state"] != "ready" or s["pid"] != pid, 10,
                        "the state to leave ready after the editor was killed")
    assert left["state"] in ("restarting", "starting", "connecting", "ready"), left

    # a command sent while the editor restarts waits for it (or is told to retry)
    r = d.post("/godot/get_status", {}, timeout=READY_DEADLINE_S + 30)
    if r.status_code == 200:
        assert r.json()["editor_pid"] not in (None, pid), r.text
    else:
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] in ("not_ready", "editor_unavailable"), r.text

    st = _wait_new_ready(d, pid)
    assert st["restarts"] == restarts0 + 1, st
    assert st["crashes_recent"] >= 1, st
    le = st["last_exit"]
    assert le is not None and le["signal"] == signal.SIGKILL, le
    assert isinstance(le["reason"], str) and le["reason"], le
    assert not pid_alive(pid)
    assert editor_processes(env.project) == [st["pid"]], godot_processes(env.project)
    # the new editor serves commands
    assert d.command("ping") == {"pong": True}
    assert d.command("get_status")["editor_pid"] == st["pid"]


# --------------------------------------------------------------------------------------------
# 4. SIGSTOP (a hung editor) → heartbeat → restart


def test_hung_editor_detected_by_heartbeat(env):
    d = env.daemon("--heartbeat-ms", "500", "--heartbeat-timeout-ms", "3000")
    pid = _ready_pid(d)
    pgid = proc_stat(pid)["pgid"]
    try:
        os.kill(pid, signal.SIGSTOP)
        d.wait_state(lambda s: s["state"] != "ready" or s["pid"] != pid, 30,
                     "the heartbeat to notice the stopped editor")
        st = _wait_new_ready(d, pid)
        assert st["restarts"] >= 1, st
        assert st["last_exit"] is not None, st
        wait_for(lambda: not pid_alive(pid), SHORT_DEADLINE_S, 0.1, "the stopped editor to be gone")
        assert not pgid_members(pgid), pgid_members(pgid)
        assert editor_processes(env.project) == [st["pid"]], godot_processes(env.project)
        assert d.command("ping") == {"pong": True}
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# 5. /stop leaves nothing; /start, /restart and /scene/load bring it back


def test_stop_then_start(env):
    d = env.daemon()
    pid = _ready_pid(d)
    pgid = proc_stat(pid)["pgid"]

    r = d.post("/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped", r.text
    assert not pid_alive(pid)
    assert not pgid_members(pgid), f"process group {pgid} still has {pgid_members(pgid)}"
    assert not godot_processes(env.project), godot_processes(env.project)
    st = d.status()
    assert st["state"] == "stopped" and st["pid"] is None and st["session"] is None, st
    # a stopped editor stays stopped (no restart by the supervisor)
    time.sleep(2)
    assert d.status()["state"] == "stopped"
    assert not godot_processes(env.project)
    # a second /stop is harmless
    r = d.post("/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped", r.text

    r = d.post("/start", {})
    assert r.status_code in (200, 202), r.text
    st = d.wait_state(lambda s: s["state"] == "ready", READY_DEADLINE_S, "ready after /start")
    new_pid = st["pid"]
    assert new_pid != pid and pid_alive(new_pid)
    assert editor_processes(env.project) == [new_pid]

    r = d.post("/start", {"wait": True})  # already ready
    assert r.status_code == 200 and r.json()["state"] == "ready", r.text

    r = d.post("/restart", {"wait": True, "timeout_ms": int(READY_DEADLINE_S * 1000)})
    assert r.status_code == 200 and r.json()["state"] == "ready", r.text
    st = d.status()
    assert st["pid"] not in (pid, new_pid) and pid_alive(st["pid"]), st
    assert not pid_alive(new_pid)
    assert editor_processes(env.project) == [st["pid"]]

    # /scene/load starts a stopped editor by itself
    r = d.post("/stop")
    assert r.status_code == 200 and not godot_processes(env.project), godot_processes(env.project)
    _, other = demo_scenes(env.project)
    r = d.post("/scene/load", {"scene_path": other}, timeout=READY_DEADLINE_S + 30)
    assert r.status_code == 200, r.text
    assert r.json()["edited_scene"] == other
    st = d.status()
    assert st["state"] == "ready" and st["session"]["edited_scene"] == other, st


def test_start_wait_from_no_autostart(env):
    d = env.daemon("--no-autostart")
    d.wait_listening()
    time.sleep(1)
    st = d.status()
    assert st["state"] == "stopped" and st["pid"] is None, st
    assert not godot_processes(env.project)
    r = d.get("/health")
    assert r.status_code == 503 and r.json()["state"] == "stopped", r.text
    r = d.post("/start", {"wait": True, "timeout_ms": int(READY_DEADLINE_S * 1000)},
               timeout=READY_DEADLINE_S + 30)
    assert r.status_code == 200 and r.json()["state"] == "ready", r.text
    assert d.get("/health").status_code == 200


# --------------------------------------------------------------------------------------------
# SIGINT / SIGTERM of the daemon: the editor is stopped, then the daemon exits 0
# (SIGTERM is also checked by every test's teardown)


def test_daemon_sigint_stops_editor_and_exits_0(env):
    d = env.daemon()
    pid = _ready_pid(d)
    d.proc.send_signal(signal.SIGINT)
    code = d.proc.wait(60)
    assert code == 0, f"exit {code}\n{d.stderr_tail()}"
    wait_for(lambda: not pid_alive(pid), SHORT_DEADLINE_S, 0.1, "the editor to be gone")
    assert not godot_processes(env.project), godot_processes(env.project)


# --------------------------------------------------------------------------------------------
# 7. the daemon SIGKILLed: a new daemon adopts the running editor


def test_daemon_sigkill_then_adoption(env):
    a = env.daemon(name="first")
    pid = _ready_pid(a)
    port = a.port
    a.sigkill()
    a.killed_on_purpose = True
    time.sleep(1)
    assert pid_alive(pid), "the editor must outlive a SIGKILLed daemon"
    assert editor_processes(env.project) == [pid]

    b = env.daemon(port=port, name="second")
    b.wait_ready()
    st = b.status()
    assert st["state"] == "ready" and st["pid"] == pid, st
    assert st["restarts"] == 0, st
    assert st["session"] is not None
    assert editor_processes(env.project) == [pid], godot_processes(env.project)
    assert b.command("get_status")["editor_pid"] == pid
    main, other = demo_scenes(env.project)
    r = b.post("/scene/load", {"scene_path": other})
    assert r.status_code == 200, r.text
    # still one editor a while later
    time.sleep(2)
    assert editor_processes(env.project) == [pid], godot_processes(env.project)
    # the adopting daemon can stop it, and nothing is left
    r = b.post("/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped", r.text
    wait_for(lambda: not pid_alive(pid), SHORT_DEADLINE_S, 0.1, "the adopted editor to be gone")
    assert not godot_processes(env.project), godot_processes(env.project)


# --------------------------------------------------------------------------------------------
# A game the editor started does not outlive the editor


def test_editor_sigkill_while_playing_leaves_no_game(env):
    """README: the editor's whole process group is killed, 'so games the editor started go
    too'. A crash of the editor while a game runs must not leave the game behind."""
    d = env.daemon()
    pid = _ready_pid(d)
    res = d.command("play")
    assert res["playing"] is True, res
    games = wait_for(lambda: game_processes(env.project), SHORT_DEADLINE_S, 0.2, "the game process")
    os.kill(pid, signal.SIGKILL)
    st = _wait_new_ready(d, pid)
    try:
        wait_for(lambda: not any(pid_alive(g) for g in games), SHORT_DEADLINE_S, 0.2,
                 "the game of the killed editor to be gone")
    except AssertionError:
        pass
    leftovers = [g for g in games if pid_alive(g)]
    info = {g: (proc_stat(g), " ".join(godot_processes(env.project) and
                                        [c for p, c in godot_processes(env.project) if p == g][0]))
            for g in leftovers}
    for g in leftovers:
        os.kill(g, signal.SIGKILL)
    assert not leftovers, f"game(s) left running after the editor was killed: {info}"
    assert not d.command("get_status")["playing"]


def test_command_during_restart_waits_or_gets_retryable_503(env):
    """A command sent while the editor restarts waits for readiness up to --wait-ready-ms, then
    gets 503 not_ready (retryable); with time to wait, the new editor answers it."""
    d = env.daemon("--backoff-base-ms", "3000", "--backoff-max-ms", "3000", "--wait-ready-ms", "300")
    pid = _ready_pid(d)
    os.kill(pid, signal.SIGKILL)
    d.wait_state(lambda s: s["state"] == "restarting", 10, "restarting after the kill")
    r = d.post("/godot/get_status", {})
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "not_ready" and err["retryable"] is True, err
    # the same command with room to wait is answered by the restarted editor
    r = d.post("/scene/load", {"scene_path": "res://main.tscn", "timeout_ms": 120000},
               timeout=READY_DEADLINE_S + 30)
    assert r.status_code == 200, r.text
    st = d.status()
    assert st["pid"] not in (None, pid) and st["state"] == "ready", st
