"""Operating godotd: GET /metrics (parsed with the official Prometheus Python client's parser,
prometheus_client.parser) and GET /events (Server-Sent Events, Last-Event-ID resume), against a
real editor: counters that move after known actions, a crash and its restart in order."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import READY_DEADLINE_S, SHORT_DEADLINE_S, main_print_prefix, wait_for

pytestmark = pytest.mark.lifecycle


def scrape(d) -> dict[tuple[str, tuple], float]:
    """Every sample of GET /metrics as {(name, sorted labels): value}, through the real parser."""
    r = d.http.get(d.url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class EventReader:
    """GET /events on a thread: each event's (id, type, data) appended to .events."""

    def __init__(self, d, query: str = "", last_event_id: str | None = None):
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.resp = d.http.get(d.url + "/events" + query, headers=headers, stream=True, timeout=60)
        assert self.resp.status_code == 200, self.resp.text[:300]
        assert self.resp.headers["Content-Type"].startswith("text/event-stream")
        self.events: list[tuple[int | None, str, dict]] = []
        self.comments: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        eid, etype, data = None, "message", []
        try:
            for line in self.resp.iter_lines(decode_unicode=True):
                if line is None:
                    continue
                if line == "":
                    if data:
                        self.events.append((eid, etype, json.loads("\n".join(data))))
                    eid, etype, data = None, "message", []
                elif line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith("id:"):
                    eid = int(line[3:].strip())
                elif line.startswith("event:"):
                    etype = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
        except (requests.RequestException, AttributeError, ValueError):
            pass

    def of(self, *types: str) -> list[tuple[int | None, str, dict]]:
        return [e for e in self.events if e[1] in types]

    def close(self):
        self.resp.close()


def test_metrics_parse_and_move(env):
    d = env.daemon()
    d.wait_ready()
    project = env.project.name
    before = scrape(d)
    assert value(before, "godotd_editor_up", project=project) == 1
    assert value(before, "godotd_editor_state", project=project, state="ready") == 1
    assert value(before, "godotd_editor_state", project=project, state="stopped") == 0
    assert value(before, "godotd_editor_ready_seconds_count", project=project) == 1
    assert value(before, "godotd_editor_ready_seconds_sum", project=project) > 0
    assert value(before, "godotd_bridge_sessions_total", project=project) >= 1
    assert value(before, "process_resident_memory_bytes") > 1_000_000
    assert value(before, "process_start_time_seconds") > 1_600_000_000
    assert ("godotd_info", (("version", "0.1.0"),)) in before

    for _ in range(3):
        d.command("get_status")
    status, err = d.command_error("open_scene", {"scene_path": "res://nowhere.tscn"})
    d.post("/godot/get_status", json={"unknown_param": 1})
    after = scrape(d)
    assert value(after, "godotd_commands_total", project=project, command="get_status",
                 outcome="ok") - value(before, "godotd_commands_total", project=project,
                                       command="get_status", outcome="ok") == 3
    assert value(after, "godotd_commands_total", project=project, command="open_scene",
                 outcome=err["code"]) == 1, (status, err)
    # Both parts of a command's time: the editor's round trip and the daemon's own share.
    editor_n = value(after, "godotd_command_duration_seconds_count", project=project,
                     command="get_status", part="editor")
    daemon_n = value(after, "godotd_command_duration_seconds_count", project=project,
                     command="get_status", part="daemon")
    assert editor_n >= 3 and daemon_n >= 3
    assert value(after, "godotd_command_duration_seconds_bucket", project=project,
                 command="get_status", part="editor", le="+Inf") == editor_n
    ok = value(after, "godotd_http_requests_total", route="/godot/{command}", method="POST", status="200")
    assert ok - value(before, "godotd_http_requests_total", route="/godot/{command}", method="POST",
                      status="200") >= 3
    assert value(after, "godotd_http_requests_total", route="/godot/{command}", method="POST",
                 status="400") >= 1
    assert value(after, "godotd_http_requests_total", route="/metrics", method="GET", status="200") >= 1
    assert value(after, "godotd_heartbeat_rtt_seconds_count", project=project) >= 0
    assert value(after, "godotd_http_connections") >= 1

    # A crash: counted by kind, a restart, and time to ready observed again.
    pid = d.status()["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: d.status()["pid"] not in (None, pid) and d.status()["ready"],
             READY_DEADLINE_S, 0.2, "the editor to be restarted")
    crashed = scrape(d)
    assert value(crashed, "godotd_editor_crashes_total", project=project, kind="signal") == 1
    assert value(crashed, "godotd_editor_exits_total", project=project, kind="signal") == 1
    assert value(crashed, "godotd_editor_restarts_total", project=project) == 1
    assert value(crashed, "godotd_editor_ready_seconds_count", project=project) == 2
    # A stop is an exit, not a crash.
    d.post("/stop", json={})
    stopped = scrape(d)
    assert value(stopped, "godotd_editor_up", project=project) == 0
    assert value(stopped, "godotd_editor_state", project=project, state="stopped") == 1
    assert value(stopped, "godotd_editor_crashes_total", project=project, kind="signal") == 1
    assert sum(v for (n, _), v in stopped.items() if n == "godotd_editor_exits_total") == 2


def test_events_crash_restart_order_and_resume(env):
    d = env.daemon()
    d.wait_ready()
    live = EventReader(d)
    try:
        d.command("get_status")
        wait_for(lambda: live.of("command"), SHORT_DEADLINE_S, 0.05, "a command event")
        cmd = live.of("command")[0][2]
        assert cmd["command"] == "get_status" and cmd["outcome"] == "ok" and cmd["duration_ms"] > 0
        assert "result" not in cmd  # no payloads
        pid = d.status()["pid"]
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: any(e[2]["to"] == "ready" for e in live.of("state")
                             if e[0] > live.of("command")[0][0]),
                 READY_DEADLINE_S, 0.2, "the restarted editor to be ready")
        after_cmd = [e for e in live.events if e[0] > live.of("command")[0][0]]
        kinds = [e[1] for e in after_cmd if e[1] in ("exit", "restart")]
        assert kinds[:2] == ["exit", "restart"], after_cmd
        exit_ev = [e for e in after_cmd if e[1] == "exit"][0][2]
        assert exit_ev["pid"] == pid and exit_ev["signal"] == 9 and exit_ev["crash"] is True
        assert exit_ev["kind"] == "signal"
        states = [e[2]["to"] for e in after_cmd if e[1] == "state"]
        assert states[-1] == "ready" and "restarting" in states, states
        ids = [e[0] for e in live.events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    finally:
        live.close()

    # Reconnect with the last id seen: exactly what came after it, nothing twice.
    seen_last = live.events[-1][0]
    d.command("get_status")
    d.command("get_status")
    again = EventReader(d, last_event_id=str(seen_last))
    try:
        wait_for(lambda: len(again.of("command")) >= 2, SHORT_DEADLINE_S, 0.05, "the missed events")
        assert all(e[0] > seen_last for e in again.events), (seen_last, again.events[:3])
        assert again.events[0][0] == seen_last + 1
    finally:
        again.close()

    # ?types= keeps to the named types; a bad name is a 400.
    only = EventReader(d, "?types=exit,restart&since=0")
    try:
        wait_for(lambda: len(only.events) >= 2, SHORT_DEADLINE_S, 0.05, "the replayed exit and restart")
        assert {e[1] for e in only.events} == {"exit", "restart"}
    finally:
        only.close()
    r = d.http.get(d.url + "/events?types=exit,bogus", timeout=10)
    assert r.status_code == 400 and "bogus" in r.json()["error"]["message"]


def test_game_output_reaches_the_event_stream_as_log_lines(env):
    """What the running game prints is a log event (the dashboard's live tail)."""
    d = env.daemon()
    d.wait_ready()
    logs = EventReader(d, "?types=log")
    try:
        d.command("play", {"scene_path": "res://main.tscn"})
        prefix = main_print_prefix(env.project)
        wait_for(lambda: [e for e in logs.of("log") if e[2].get("source") == "game"
                          and e[2]["message"].startswith(prefix)],
                 READY_DEADLINE_S, 0.1, "the game's print as a log event")
        assert {e[1] for e in logs.events} == {"log"}
        line = [e for e in logs.events if e[2].get("source") == "game"][0][2]
        assert line["project"] == env.project.name and line["severity"] in ("info", "warning", "error")
        assert isinstance(line["game"], int) and line["id"] > 0
    finally:
        logs.close()
        d.command("stop") if d.status()["ready"] else None


def test_metrics_and_events_need_the_token_when_one_is_required(env):
    d = env.daemon("--require-token")
    d.wait_listening()
    for path in ("/metrics", "/events"):
        r = requests.get(d.url + path, timeout=10)
        assert r.status_code == 401, (path, r.status_code)
    token = (env.project / ".godot" / "godotd" / "token").read_text().strip()
    r = requests.get(d.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200 and "godotd_info" in r.text
