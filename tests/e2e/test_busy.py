"""Busy is not hung: the real editor on tests/projects/busy, whose first import keeps the main
thread busy for longer than the heartbeat timeout, and whose tool plugin hangs the main thread on
demand (while res://hang.flag exists).

The addon's liveness thread keeps beating while the main thread imports, so the daemon waits for
the import (bounded by --import-deadline-ms) instead of killing the editor; a SIGSTOPped editor
sends no beats and an editor stuck outside an import answers no ping: both are restarted, and
such kills count toward the crash-loop guard.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from conftest import Daemon, cleanup, repo_root, wait_for

pytestmark = pytest.mark.lifecycle

HEARTBEAT_MS = 500
HEARTBEAT_TIMEOUT_MS = 3000
SLOW_FILES = 4
SLOW_FILE_MS = 2000  # 4 x 2 s: the first import takes 8 s, over 2x the heartbeat timeout


def busy_copy(tmp: Path, import_ms: int = SLOW_FILE_MS) -> Path:
    """A fresh copy of tests/projects/busy whose .slow files each take import_ms to import."""
    dest = tmp / "busy"
    shutil.copytree(repo_root() / "tests" / "projects" / "busy", dest,
                    ignore=shutil.ignore_patterns(".godot", "godotd"))
    for f in (dest / "data").glob("*.slow"):
        f.write_text(f"{import_ms}\n")
    assert len(list((dest / "data").glob("*.slow"))) == SLOW_FILES
    return dest


def start(env, project: Path, *extra: str) -> Daemon:
    d = Daemon(project, env.tmp, extra=["--heartbeat-ms", str(HEARTBEAT_MS),
                                        "--heartbeat-timeout-ms", str(HEARTBEAT_TIMEOUT_MS),
                                        *extra])
    env.daemons.append(d)
    env.extra_projects = getattr(env, "extra_projects", []) + [project]
    return d.start()


@pytest.fixture
def benv(env):
    """The env fixture; its daemons run on busy copies, which are cleaned up here (before env's
    own teardown, which then finds nothing left to stop)."""
    yield env
    problems = cleanup(env.daemons, getattr(env, "extra_projects", []))
    env.daemons.clear()
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


def test_first_import_longer_than_the_heartbeat_timeout_becomes_ready_without_restart(benv):
    project = busy_copy(benv.tmp)
    d = start(benv, project)
    d.wait_listening()
    seen: list[dict] = []

    def ready():
        st = d.status()
        if st["busy"] is not None:
            seen.append(st)
        return st if st["state"] == "ready" else None

    st = wait_for(ready, 120, 0.2, "the editor to be ready after its slow first import")
    assert st["restarts"] == 0, st
    assert st["crashes_total"] == 0 and st["crashes_recent"] == 0, st
    assert st["last_exit"] is None, st
    assert st["daemon"]["limits"]["editor_hung"] == 0, st["daemon"]["limits"]

    # Meanwhile /status said what the main thread was doing, with Godot's progress.
    imports = [s for s in seen if s["busy"]["kind"] == "import"]
    assert imports, f"no busy import seen in /status: {seen[:3]}"
    longest = max(s["busy"]["for_ms"] for s in imports)
    assert longest >= 2 * HEARTBEAT_TIMEOUT_MS, f"the import was busy for only {longest} ms"
    last = imports[-1]["busy"]
    assert last["files"] == SLOW_FILES and last["first"].endswith(".slow"), last
    assert last["deadline_ms"] == 30 * 60 * 1000, last
    items = {s["busy"]["progress"]["item"] for s in imports if s["busy"]["progress"]}
    assert any(i.endswith(".slow") for i in items), items
    assert len(items) >= 2, f"progress did not move: {items}"
    # The addon could not say it; the daemon keeps readiness at importing while it is busy.
    sessions = [s["session"] for s in imports if s["session"]]
    assert all(s["readiness"] == "importing" for s in sessions), sessions
    # Beats kept coming from the addon's thread while the main thread's frames stood still.
    frames = {s["liveness"]["main_thread"]["frames"] for s in imports if s["liveness"]}
    assert imports[-1]["liveness"]["main_thread"]["idle_ms"] >= HEARTBEAT_TIMEOUT_MS, imports[-1]
    assert len(frames) <= 2, f"the main thread ran frames during the import: {frames}"
    assert all(s["liveness"]["last_beat_ms_ago"] <= HEARTBEAT_TIMEOUT_MS
               for s in imports if s["liveness"]), imports
    assert "heartbeat unanswered while the main thread is busy" in d.stderr_text()

    # And it serves commands afterwards, on the same editor.
    pid = st["pid"]
    assert d.command("ping")["pong"] is True
    assert d.status()["pid"] == pid


def test_sigstop_during_an_import_is_detected_and_restarted(benv):
    project = busy_copy(benv.tmp)
    d = start(benv, project)
    d.wait_listening()
    st = d.wait_state(lambda s: s["busy"] is not None and s["busy"]["kind"] == "import", 120,
                      "the first import to start")
    pid = st["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        st = d.wait_state(lambda s: s["pid"] != pid, 60, "the stopped editor to be killed")
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    le = st["last_exit"]
    assert le["signal"] == signal.SIGKILL and "liveness" in le["reason"], le
    assert st["crashes_recent"] == 1 and st["crashes_total"] == 1, st
    assert st["daemon"]["limits"]["editor_hung"] >= 1, st["daemon"]["limits"]
    # The new editor imports again and gets there.
    st = d.wait_ready(120) and d.status()
    assert st["pid"] not in (None, pid) and st["restarts"] == 1, st


def test_infinite_loop_in_a_tool_script_is_detected_and_restarted(benv):
    project = busy_copy(benv.tmp, import_ms=0)
    d = start(benv, project)
    d.wait_ready(120)
    pid = d.status()["pid"]
    flag = project / "hang.flag"
    flag.write_text("hang\n")
    try:
        st = d.wait_state(lambda s: s["pid"] != pid, 60, "the hung editor to be killed")
    finally:
        flag.unlink()
    le = st["last_exit"]
    assert le["signal"] == signal.SIGKILL and "heartbeat" in le["reason"] and "hung" in le["reason"], le
    assert st["crashes_recent"] == 1, st
    assert st["daemon"]["limits"]["editor_hung"] >= 1, st["daemon"]["limits"]
    d.wait_ready(120)
    st = d.status()
    assert st["pid"] not in (None, pid) and st["restarts"] == 1, st


def test_crash_loop_guard_trips_on_repeated_heartbeat_kills_and_status_stays_truthful(benv):
    project = busy_copy(benv.tmp, import_ms=0)
    (project / "hang.flag").write_text("hang\n")
    window_ms = 40000
    d = start(benv, project, "--crash-max", "2", "--crash-window-ms", str(window_ms),
              "--backoff-base-ms", "100")
    d.wait_listening()
    st = d.wait_state(lambda s: s["state"] == "failed", 120, "the crash-loop guard to trip")
    tripped_at = time.monotonic()
    assert st["pid"] is None and st["restarts"] == 1, st
    assert "heartbeat" in st["last_exit"]["reason"], st["last_exit"]
    assert st["crashes_recent"] == 2 and st["crashes_total"] == 2, st
    cl = st["crash_loop"]
    assert cl["tripped"] is True and cl["crashes"] == 2 and cl["max"] == 2, cl
    assert cl["window_ms"] == window_ms and isinstance(cl["tripped_at_unix_ms"], int), cl
    r = d.get("/health")
    assert r.status_code == 503 and r.json()["state"] == "failed", r.text
    # Once the crashes are older than the window, the tripped guard still says what happened.
    time.sleep(max(0.0, window_ms / 1000 + 1 - (time.monotonic() - tripped_at)))
    st = d.status()
    assert st["state"] == "failed" and st["crashes_recent"] == 2, st
    assert st["crash_loop"]["tripped"] is True, st["crash_loop"]
    # A start clears it.
    (project / "hang.flag").unlink()
    r = d.post("/start", {"wait": True})
    assert r.status_code == 200, r.text
    st = d.status()
    assert st["state"] == "ready" and st["crash_loop"]["tripped"] is False, st


def test_import_deadline_bounds_a_stuck_import(benv):
    project = busy_copy(benv.tmp, import_ms=60000)
    d = start(benv, project, "--import-deadline-ms", "4000", "--crash-max", "1")
    d.wait_listening()
    st = d.wait_state(lambda s: s["last_exit"] is not None, 120, "the stuck import to be killed")
    le = st["last_exit"]
    assert "import deadline" in le["reason"] and le["signal"] == signal.SIGKILL, le
    assert st["state"] == "failed", st
    assert st["daemon"]["limits"]["import_deadline"] == 1, st["daemon"]["limits"]
