"""run_tests: the project's GUT or gdUnit4 suites, run headless in a Godot process of their own
and returned as data. GUT and gdUnit4 are not installable here: tests/projects/tests holds
stand-in runners with the real command lines, which write the JUnit reports the real frameworks
produced (tests/data/test-reports); the parse must match those reports exactly."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import (SHORT_DEADLINE_S, Daemon, McpHttp, cleanup, godot_processes,
                      processes_mentioning, repo_root, wait_for)

pytestmark = pytest.mark.lifecycle


@pytest.fixture(scope="module")
def td(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tests")
    project = tmp / "tests"
    shutil.copytree(repo_root() / "tests" / "projects" / "tests", project,
                    ignore=shutil.ignore_patterns(".godot", "godotd"))
    # run_tests needs no editor.
    d = Daemon(project, tmp, name="tests", extra=["--no-autostart"])
    d.start()
    d.wait_listening()
    yield d
    problems = cleanup([d], [project])
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


def runners(project: Path) -> list[int]:
    """Godot processes on the project (the daemon's own command line names it too)."""
    return [pid for pid, cmd in processes_mentioning(str(project))
            if cmd and Path(cmd[0]).name.startswith("godot") and not Path(cmd[0]).name.startswith("godotd")]


def test_gut_report_parsed_exactly(td):
    r = td.command("run_tests", {}, timeout=120)
    assert r["framework"] == "gut" and r["exit_code"] == 1, r
    assert r["totals"] == {"tests": 5, "passed": 3, "failed": 1, "errors": 0, "skipped": 1,
                           "duration_s": pytest.approx(0.000528)}, r["totals"]
    assert r["failures"] == [{
        "suite": "test/test_math.gd", "name": "test_fails_on_purpose",
        "classname": "test/test_math.gd", "kind": "failure",
        "message": "[4] expected to equal [5]:  two times two is not five",
        "detail": "[4] expected to equal [5]:  two times two is not five\n            at line 7",
        "file": "res://test/test_math.gd", "line": 7}], r["failures"]
    assert [s["name"] for s in r["suites"]] == ["test/test_math.gd", "test/test_other.gd"]
    assert "-gexit" in r["command"] and "-gdir=res://test" in r["command"], r["command"]
    assert "fake GUT: 1 test failed" in r["output_tail"], r["output_tail"]
    assert not runners(td.project)


def test_gdunit4_report_and_paths(td):
    r = td.command("run_tests", {"framework": "gdunit4", "paths": ["res://test/unit"]}, timeout=120)
    assert r["framework"] == "gdunit4" and r["exit_code"] == 100, r
    assert r["totals"]["tests"] == 3 and r["totals"]["passed"] == 2 and r["totals"]["failed"] == 1
    f = r["failures"][0]
    assert (f["suite"], f["name"], f["file"], f["line"]) == (
        "math_test", "test_fails_on_purpose", "res://test/math_test.gd", 7), f
    assert f["message"] == "FAILED: res://test/math_test.gd:7" and "Expecting:" in f["detail"]
    cmd = r["command"]
    assert cmd[cmd.index("-a") + 1] == "res://test/unit" and "--ignoreHeadlessMode" in cmd, cmd


def test_bad_paths_are_refused(td):
    status, err = td.command_error("run_tests", {"paths": ["res://../outside"]})
    assert status == 400 and err["code"] == "invalid_params", err


def test_a_hung_runner_is_killed_at_the_timeout_with_its_output(td):
    flag = td.project / "hang.flag"
    flag.write_text("hang\n")
    try:
        t0 = time.monotonic()
        status, err = td.command_error("run_tests", {"timeout_ms": 3000}, timeout=120)
        assert status == 504 and err["code"] == "timeout", err
        assert "fake GUT: a suite hangs" in err["message"], err
        assert time.monotonic() - t0 < 60
        wait_for(lambda: not runners(td.project), SHORT_DEADLINE_S, 0.1, "the runner to be gone")
    finally:
        flag.unlink()


def test_cancelling_over_mcp_kills_the_runner(td):
    flag = td.project / "hang.flag"
    flag.write_text("hang\n")
    mcp = McpHttp(td.url, timeout=120)
    try:
        out: dict = {}
        def call():
            try:
                out["r"] = mcp.post({"jsonrpc": "2.0", "id": 77, "method": "tools/call",
                                     "params": {"name": "run_tests", "arguments": {}}})
            except Exception as e:  # noqa: BLE001 - the cancelled call may get no answer
                out["e"] = e
        t = threading.Thread(target=call, daemon=True)
        t.start()
        wait_for(lambda: runners(td.project), SHORT_DEADLINE_S, 0.1, "the runner to start")
        r = mcp.http.post(mcp.url, data=json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                                     "params": {"requestId": 77}}),
                          headers=mcp.headers, timeout=30)
        assert r.status_code == 202, r.text
        wait_for(lambda: not runners(td.project), SHORT_DEADLINE_S, 0.1, "the cancelled runner to be killed")
    finally:
        flag.unlink()
        mcp.close()


def test_mcp_progress_tells_what_the_runner_is_doing(td):
    """A long run over MCP with a progressToken: progress notifications name the runner and its
    last output line (not the editor's generic "running in the editor"), then the result."""
    flag = td.project / "hang.flag"
    flag.write_text("hang\n")
    mcp = McpHttp(td.url, timeout=120)
    try:
        r = mcp.post({"jsonrpc": "2.0", "id": "t-1", "method": "tools/call",
                      "params": {"name": "run_tests", "arguments": {"timeout_ms": 3500},
                                 "_meta": {"progressToken": "tests"}}})
        assert r.headers["Content-Type"].startswith("text/event-stream"), r.headers
        events = [json.loads(line[5:]) for line in r.text.splitlines() if line.startswith("data:")]
        progress = [e["params"] for e in events if e.get("method") == "notifications/progress"]
        assert len(progress) >= 2, events
        assert all(p["progressToken"] == "tests" for p in progress)
        last = progress[-1]["message"]
        assert last.startswith("GUT runner (pid ") and "last: fake GUT: a suite hangs" in last, last
        final = events[-1]
        assert final["id"] == "t-1" and final["result"]["isError"] is True, final
        assert "timeout" in json.dumps(final["result"]), final
        wait_for(lambda: not runners(td.project), SHORT_DEADLINE_S, 0.1, "the runner to be gone")
    finally:
        flag.unlink()
        mcp.close()


def test_a_project_without_a_framework_gets_not_found(env):
    d = env.daemon("--no-autostart")
    d.wait_listening()
    status, err = d.command_error("run_tests", {})
    assert status == 404 and err["code"] == "not_found", err
    assert "GUT" in err["message"] and "gdUnit4" in err["message"], err
    assert not godot_processes(env.project)
