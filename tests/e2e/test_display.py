"""--display xvfb: the editor and its game render on a private Xvfb (Mesa llvmpipe), and the X
server goes away with the editor."""

from __future__ import annotations

import pytest

from conftest import (SHORT_DEADLINE_S, all_pids, game_processes, godot_processes,
                      main_print_prefix, pid_alive, proc_stat, read_proc_cmdline, wait_for)

pytestmark = pytest.mark.lifecycle


def _xvfb_children(daemon_pid: int) -> list[int]:
    found = []
    for pid in all_pids():
        st = proc_stat(pid)
        cmd = read_proc_cmdline(pid)
        if st and st["ppid"] == daemon_pid and cmd and cmd[0].endswith("Xvfb"):
            found.append(pid)
    return found


def _line_with(d, text: str) -> dict | None:
    return next((e for e in d.all_logs() if text in e["line"]), None)


def test_display_xvfb_renders_and_stops_with_the_editor(env):
    d = env.daemon("--display", "xvfb")
    d.wait_ready()
    st = d.status()
    assert st["headless"] is False, st
    xvfb = _xvfb_children(d.proc.pid)
    assert len(xvfb) == 1, f"expected one Xvfb child of the daemon, got {xvfb}"

    # The editor really renders through OpenGL on that display, not headless.
    gl = wait_for(lambda: _line_with(d, "OpenGL API"), SHORT_DEADLINE_S, 0.2, "the OpenGL banner")
    assert "llvmpipe" in gl["line"], gl
    editor_cmd = read_proc_cmdline(st["pid"])
    assert "--headless" not in editor_cmd and "--rendering-driver" in editor_cmd, editor_cmd
    # No program the editor ran may have loaded the private libc (LD_LIBRARY_PATH leak).
    assert _line_with(d, "symbol lookup error") is None

    # A game it plays opens a window on the same display: not headless, and it runs.
    since = d.last_log_id()
    assert d.command("play")["playing"] is True
    games = wait_for(lambda: game_processes(d.project), SHORT_DEADLINE_S, 0.2, "the game process")
    assert all("--headless" not in read_proc_cmdline(g) for g in games)
    prefix = main_print_prefix(d.project)
    wait_for(lambda: any(prefix in e["line"] for e in d.all_logs(since)), SHORT_DEADLINE_S, 0.2,
             "the game's print")

    r = d.post("/stop")
    assert r.status_code == 200, r.text
    # Xvfb gets SIGTERM as the editor goes; it exits a moment after /stop answers.
    wait_for(lambda: not any(pid_alive(p) for p in xvfb), SHORT_DEADLINE_S, 0.1,
             "Xvfb to exit after /stop")
    assert not godot_processes(d.project), godot_processes(d.project)
