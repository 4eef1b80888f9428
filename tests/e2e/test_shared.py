"""Tests that share one daemon (and one real headless editor) on one demo copy.

They run in file order: read-only checks first, then the bad inputs, then play/stop, and last
the /stop of the editor.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from conftest import (
    error_of, tscn_nodes, tree_nodes, tree_names, demo_scenes, main_print_prefix, godot_binary,
    pid_alive, editor_processes, game_processes, godot_processes, pgid_members, proc_stat,
    read_http_response, raw_request, wait_for, SHORT_DEADLINE_S,
)

pytestmark = pytest.mark.shared

SPEC_STATES = {"stopped", "starting", "connecting", "ready", "restarting", "stopping", "failed"}


# --------------------------------------------------------------------------------------------
# 1. health 503 -> 200


def test_health_goes_503_then_200(shared, record_property):
    history = shared.health_history
    answered = [(t, code, body) for t, code, body in history if code is not None]
    assert answered, "the daemon never answered /health"
    not_ready = [(t, code, body) for t, code, body in answered if code == 503]
    assert not_ready, f"/health never answered 503 before ready: {answered[:5]}"
    for _, _, body in not_ready:
        assert body["ready"] is False, body
        assert body["state"] in SPEC_STATES - {"ready"}, body
        assert isinstance(body.get("error"), dict) and body["error"].get("code") in (
            "not_ready", "editor_unavailable"), body
    assert answered[-1][1] == 200
    assert answered[-1][2] == {"ready": True, "state": "ready"} or (
        answered[-1][2]["ready"] is True and answered[-1][2]["state"] == "ready"), answered[-1]
    # every 503 came before the 200
    assert all(code == 503 for _, code, _ in answered[:-1]), [c for _, c, _ in answered]
    states = []
    for _, _, body in not_ready:
        if not states or states[-1] != body["state"]:
            states.append(body["state"])
    record_property("time_to_ready_s", round(shared.ready_after_s, 3))
    record_property("states_seen", "->".join(states + ["ready"]))
    print(f"\ntime from serve to /health 200: {shared.ready_after_s:.2f} s; states {states} -> ready")

    r = shared.get("/health")
    assert r.status_code == 200 and r.json()["ready"] is True


def test_status_fields(shared):
    st = shared.status()
    assert st["state"] == "ready" and st["ready"] is True
    assert st["headless"] is True
    assert st["project"].rstrip("/") in (str(shared.project), str(shared.project.resolve()))
    g = st["godot"]
    assert g["path"] in (str(godot_binary()), str(godot_binary().resolve())), g
    assert g["version"].startswith("4.6"), g
    assert isinstance(g["source"], str) and g["source"], g
    pid = st["pid"]
    assert isinstance(pid, int) and pid_alive(pid), st
    assert pid in editor_processes(shared.project), (pid, godot_processes(shared.project))
    assert isinstance(st["uptime_ms"], int) and st["uptime_ms"] >= 0
    assert st["restarts"] == 0 and st["crashes_recent"] == 0
    assert st["last_exit"] is None
    s = st["session"]
    assert s is not None
    for k in ("id", "addon_version", "godot_version", "readiness", "edited_scene"):
        assert k in s, (k, s)
    assert s["readiness"] in ("ready", "no_scene", "playing"), s
    assert s["godot_version"].startswith("4.6"), s
    d = st["daemon"]
    assert d["pid"] == shared.proc.pid and d["port"] == shared.port and d["version"], d
    # the editor runs in its own process group (so it can be killed as one)
    assert proc_stat(pid)["pgid"] == pid


def test_ping_and_get_status(shared):
    r = shared.post("/godot/ping")  # empty body = {}
    assert r.status_code == 200, r.text
    assert r.json() == {"pong": True}
    gs = shared.command("get_status")
    st = shared.status()
    assert gs["editor_pid"] == st["pid"]
    assert gs["project_path"].rstrip("/") in (str(shared.project), str(shared.project.resolve()))
    assert gs["godot_version"].startswith("4.6")
    assert gs["playing"] is False
    for k in ("addon_version", "readiness", "edited_scene", "open_scenes", "playing_scene"):
        assert k in gs, (k, gs)


def test_server_timing_header(shared):
    r = shared.post("/godot/get_status", {})
    assert r.status_code == 200
    st = r.headers.get("Server-Timing")
    assert st, r.headers
    parts = {}
    for item in st.split(","):
        name, _, rest = item.strip().partition(";")
        assert rest.startswith("dur="), st
        parts[name] = float(rest[4:])
    assert set(parts) >= {"daemon", "editor", "handler"}, st
    assert all(v >= 0 for v in parts.values()), st


# --------------------------------------------------------------------------------------------
# 2. /scene/load and get_scene_tree against the .tscn files


def _check_tree(shared, scene: str) -> None:
    tree = shared.command("get_scene_tree")
    assert tree["scene_path"] == scene, tree
    expected = tscn_nodes(shared.project / scene.removeprefix("res://"))
    got = tree_nodes(tree["root"])
    assert got == expected, f"scene tree of {scene}:\n got      {got}\n expected {expected}"
    names = tree_names(tree["root"])
    for path, name in names.items():
        assert name == (path.rsplit("/", 1)[-1] if path != "." else names["."]), (path, name)
    root_name = [ln for ln in (shared.project / scene.removeprefix("res://")).read_text().splitlines()
                 if ln.startswith("[node ") and "parent=" not in ln][0]
    assert f'name="{tree["root"]["name"]}"' in root_name, (root_name, tree["root"])


def test_scene_load_second_scene_and_tree(shared):
    main, other = demo_scenes(shared.project)
    r = shared.post("/scene/load", {"scene_path": other})
    assert r.status_code == 200, r.text
    assert r.json() == {"scene_path": other, "edited_scene": other} or (
        r.json()["scene_path"] == other and r.json()["edited_scene"] == other), r.json()
    _check_tree(shared, other)
    st = shared.status()
    assert st["session"]["edited_scene"] == other, st["session"]
    assert shared.command("get_status")["edited_scene"] == other


def test_scene_load_main_scene_and_tree(shared):
    main, other = demo_scenes(shared.project)
    assert shared.post("/scene/load", {"scene_path": other}).status_code == 200
    r = shared.post("/scene/load", {"scene_path": main})
    assert r.status_code == 200, r.text
    assert r.json()["scene_path"] == main and r.json()["edited_scene"] == main, r.json()
    _check_tree(shared, main)
    gs = shared.command("get_status")
    assert gs["edited_scene"] == main
    assert main in gs["open_scenes"] and other in gs["open_scenes"], gs


def test_get_scene_tree_max_depth(shared):
    tree = shared.command("get_scene_tree", {"max_depth": 0})
    assert tree["root"]["children"] == [], tree
    tree = shared.command("get_scene_tree", {"max_depth": 1})
    for c in tree["root"]["children"]:
        assert c["children"] == [], c


def test_open_scene_command(shared):
    main, other = demo_scenes(shared.project)
    res = shared.command("open_scene", {"scene_path": other})
    assert res["scene_path"] == other and res["edited_scene"] == other, res
    res = shared.command("open_scene", {"scene_path": main})
    assert res["edited_scene"] == main, res


# --------------------------------------------------------------------------------------------
# 8. bad inputs


def _expect_error(r, status: int, code: str) -> dict:
    assert r.status_code == status, f"expected {status} {code}, got {r.status_code}: {r.text}"
    err = error_of(r)
    assert err["code"] == code, err
    assert "Access-Control-Allow-Origin" not in r.headers, r.headers
    return err


@pytest.mark.parametrize("path,data,code", [
    ("/scene/load", b'{"scene_path": ', "invalid_json"),
    ("/scene/load", b"not json at all", "invalid_json"),
    ("/godot/get_status", b"{,}", "invalid_json"),
    ("/godot/open_scene", b'{"scene_path":"res://main.tscn"', "invalid_json"),
])
def test_malformed_json(shared, path, data, code):
    r = shared.post(path, data=data, headers={"Content-Type": "application/json"})
    _expect_error(r, 400, code)


@pytest.mark.parametrize("body", [
    {}, {"scene_path": 42}, {"scene_path": None}, {"scene_path": ["res://main.tscn"]},
    {"scene_path": "/etc/passwd"}, {"scene_path": "main.tscn"}, {"scene_path": ""},
    {"scene_path": "user://x.tscn"},
])
def test_scene_load_invalid_params(shared, body):
    _expect_error(shared.post("/scene/load", body), 400, "invalid_params")


@pytest.mark.parametrize("scene", ["res://../../etc/passwd", "res://../../../../../../etc/passwd",
                                   "res://sub/../../outside.tscn"])
def test_scene_load_outside_project(shared, scene):
    _expect_error(shared.post("/scene/load", {"scene_path": scene}), 403, "outside_project")


def test_scene_load_missing_scene(shared):
    _expect_error(shared.post("/scene/load", {"scene_path": "res://no_such_scene.tscn"}), 404, "not_found")


def test_open_scene_command_errors(shared):
    _expect_error(shared.post("/godot/open_scene", {"scene_path": "res://../../etc/passwd"}), 403,
                  "outside_project")
    _expect_error(shared.post("/godot/open_scene", {"scene_path": "res://missing.tscn"}), 404, "not_found")
    _expect_error(shared.post("/godot/open_scene", {}), 400, "invalid_params")
    _expect_error(shared.post("/godot/get_scene_tree", {"max_depth": "deep"}), 400, "invalid_params")
    _expect_error(shared.post("/godot/get_scene_tree", {"max_depth": -1}), 400, "invalid_params")


def test_unknown_command(shared):
    _expect_error(shared.post("/godot/no_such_command", {}), 404, "unknown_command")
    _expect_error(shared.post("/godot/no_such_command"), 404, "unknown_command")


def test_unknown_route(shared):
    _expect_error(shared.get("/no/such/route"), 404, "not_found")
    _expect_error(shared.post("/nope", {}), 404, "not_found")


@pytest.mark.parametrize("method,path", [
    ("GET", "/scene/load"), ("GET", "/godot/ping"), ("PUT", "/health"), ("DELETE", "/status"),
    ("GET", "/start"), ("GET", "/stop"), ("POST", "/logs"),
])
def test_wrong_method(shared, method, path):
    r = shared.http.request(method, shared.url + path, timeout=10)
    _expect_error(r, 405, "method_not_allowed")


def test_oversized_body(shared):
    limit = 32 << 20  # the default --max-body-bytes
    body = b'{"scene_path":"res://main.tscn","pad":"' + b"a" * (limit + 16) + b'"}'
    head = (f"POST /scene/load HTTP/1.1\r\nHost: 127.0.0.1:{shared.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", shared.port), timeout=30) as s:
        s.sendall(head)
        # A daemon may answer on the Content-Length alone; else it gets the body.
        s.settimeout(2)
        try:
            first = s.recv(65536)
        except socket.timeout:
            first = b""
        s.settimeout(30)
        if not first:
            try:
                s.sendall(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        status, headers, data, _ = read_http_response(s, bytearray(first))
    assert status == 413, (status, data)
    err = json.loads(data)["error"]
    assert err["code"] == "payload_too_large", err
    # a body just under the limit still parses (and is judged on its content)
    ok = json.dumps({"scene_path": "res://no_such_scene.tscn", "pad": "a" * (limit // 2)})
    _expect_error(shared.post("/scene/load", data=ok.encode()), 404, "not_found")


@pytest.mark.parametrize("origin", [
    "http://evil.example", "http://127.0.0.1.evil.example", "null", "http://127.0.0.1:1",
    "http://localhost.evil:{port}", "http://evil.example:{port}",
    # same host, another origin: no port is port 80, another scheme is another origin
    "http://localhost", "http://127.0.0.1", "https://127.0.0.1:{port}",
])
def test_bad_origin_forbidden(shared, origin):
    origin = origin.format(port=shared.port)
    _expect_error(shared.get("/health", headers={"Origin": origin}), 403, "forbidden")
    _expect_error(shared.post("/godot/get_status", {}, headers={"Origin": origin}), 403, "forbidden")


def test_good_origin_allowed_without_cors(shared):
    for origin in (f"http://127.0.0.1:{shared.port}", f"http://localhost:{shared.port}"):
        r = shared.get("/health", headers={"Origin": origin})
        assert r.status_code == 200, (origin, r.status_code, r.text)
        assert "Access-Control-Allow-Origin" not in r.headers
        r = shared.post("/godot/ping", {}, headers={"Origin": origin})
        assert r.status_code == 200, (origin, r.status_code, r.text)
        assert "Access-Control-Allow-Origin" not in r.headers
    # a CORS preflight from elsewhere is not granted
    r = shared.http.options(shared.url + "/godot/ping", timeout=10, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code in (403, 405), (r.status_code, r.text)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_bad_host_forbidden(shared):
    """DNS rebinding guard (README): a Host that is not this loopback server → 403."""
    status, headers, body = raw_request(shared.port, (
        f"GET /health HTTP/1.1\r\nHost: evil.example:{shared.port}\r\n\r\n").encode())
    assert status == 403, (status, body)
    assert json.loads(body)["error"]["code"] == "forbidden"


def test_malformed_http(shared):
    status, headers, body = raw_request(shared.port, b"THIS IS NOT HTTP\r\n\r\n")
    assert status == 400, (status, body)
    assert json.loads(body)["error"]["code"] in ("bad_request",), body


@pytest.mark.parametrize("batch", [10, 100])
def test_pipelined_requests(shared, batch):
    """HTTP/1.1 pipelining (README): ``batch`` requests written at once on one connection all
    get their own 200 answer, in order."""
    reqs, kinds = [], []
    for i in range(batch):
        cmd = "ping" if i % 2 == 0 else "get_status"
        kinds.append(cmd)
        reqs.append((f"POST /godot/{cmd} HTTP/1.1\r\nHost: 127.0.0.1:{shared.port}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").encode())
    got = []
    with socket.create_connection(("127.0.0.1", shared.port), timeout=60) as s:
        s.sendall(b"".join(reqs))
        buf = bytearray()
        try:
            for cmd in kinds:
                status, _, body, buf = read_http_response(s, buf)
                got.append((status, body[:120]))
        except ConnectionError as e:
            raise AssertionError(f"connection closed after {len(got)} of {batch} responses "
                                 f"(first: {got[:1]}): {e}") from None
    for i, ((status, body), cmd) in enumerate(zip(got, kinds)):
        assert status == 200, (i, status, body)
        data = json.loads(body) if len(body) < 120 else None
        if cmd == "ping":
            assert data == {"pong": True}, (i, body)
        else:
            assert b"editor_pid" in body, (i, body)


def test_still_healthy_after_bad_inputs(shared):
    r = shared.get("/health")
    assert r.status_code == 200 and r.json()["ready"] is True, r.text
    assert shared.command("ping") == {"pong": True}
    st = shared.status()
    assert st["restarts"] == 0 and st["crashes_recent"] == 0, st
    shared.assert_running()


# --------------------------------------------------------------------------------------------
# 9. /logs


def _wait_log_line(shared, text: str, since: int = 0, timeout: float = 60) -> dict:
    def find():
        for e in shared.all_logs(since):
            if text in e["line"]:
                return e
        return None
    return wait_for(find, timeout, 0.2, f"a log line containing {text!r}")


def test_logs_game_print_ids_and_since(shared):
    prefix = main_print_prefix(shared.project)
    before = shared.logs(limit=1)
    assert set(before) >= {"entries", "next", "first_id", "truncated"}, before
    start_next = shared.last_log_id()

    res = shared.command("play")
    assert res["playing"] is True, res
    try:
        hit = _wait_log_line(shared, prefix, since=start_next)
        assert hit["stream"] in ("stdout", "stderr"), hit
        assert hit["id"] > start_next
    finally:
        shared.command("stop")

    entries = shared.all_logs()
    d = shared.logs(since=entries[-1]["id"] - 1 if entries else 0)
    assert entries, d
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "ids must increase"
    first = shared.logs(since=0, limit=10000)
    assert first["first_id"] <= ids[0] and first["entries"][0]["id"] == ids[0], first["first_id"]
    assert first["truncated"] is False  # the ring holds far more than this test's lines
    assert d["next"] >= ids[-1]
    for e in entries:
        assert set(e) >= {"id", "ts_ms", "stream", "line"}, e
        assert e["stream"] in ("stdout", "stderr", "daemon"), e
        assert isinstance(e["ts_ms"], int) and isinstance(e["line"], str)
    ts = [e["ts_ms"] for e in entries]
    assert ts == sorted(ts), "timestamps must not go back"
    streams = {e["stream"] for e in entries}
    assert "daemon" in streams and "stdout" in streams, streams

    # since=N returns only later entries
    mid = ids[len(ids) // 2]
    later = shared.logs(since=mid, limit=10000)["entries"]
    assert later and all(e["id"] > mid for e in later), later[:3]
    assert [e["id"] for e in later] == [i for i in ids if i > mid][: len(later)]
    # since=next: nothing new (nothing happened since), or only newer lines
    again = shared.logs(since=d["next"])
    assert all(e["id"] > d["next"] for e in again["entries"]), again
    # limit
    one = shared.logs(since=0, limit=1)
    assert len(one["entries"]) == 1 and one["entries"][0]["id"] == ids[0], one
    assert one["next"] >= one["entries"][0]["id"]
    follow = shared.logs(since=one["next"], limit=2)["entries"]
    assert [e["id"] for e in follow] == ids[1:3], follow
    # bad query
    _expect_error(shared.get("/logs?since=-5"), 400, "invalid_params")
    _expect_error(shared.get("/logs?since=abc"), 400, "invalid_params")


# --------------------------------------------------------------------------------------------
# 10. play, stop, and the final /stop


def test_play_then_stop(shared):
    main, _ = demo_scenes(shared.project)
    prefix = main_print_prefix(shared.project)
    since = shared.last_log_id()
    assert not game_processes(shared.project), godot_processes(shared.project)

    res = shared.command("play")
    assert res["playing"] is True and res["scene"] == main, res
    gs = wait_for(lambda: (g := shared.command("get_status"))["playing"] and g, 15, 0.2, "playing")
    assert gs["playing_scene"] == main and gs["readiness"] == "playing", gs
    assert shared.status()["session"]["readiness"] == "playing"
    games = wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
    assert len(games) == 1, games
    _wait_log_line(shared, prefix, since=since)

    res = shared.command("stop")
    assert res == {"playing": False}, res
    wait_for(lambda: not shared.command("get_status")["playing"], 15, 0.2, "not playing")
    wait_for(lambda: not game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game to exit")
    assert all(not pid_alive(p) for p in games)
    gs = shared.command("get_status")
    assert gs["readiness"] == "ready" and not gs["playing"], gs

    # play a given scene, then stop it through /stop of the whole editor
    _, other = demo_scenes(shared.project)
    res = shared.command("play", {"scene_path": other})
    assert res["playing"] is True and res["scene"] == other, res
    wait_for(lambda: game_processes(shared.project), SHORT_DEADLINE_S, 0.2, "the game process")
    editor = shared.status()["pid"]
    r = shared.post("/stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped", r.text
    left = godot_processes(shared.project)
    assert not left, f"processes left right after /stop returned: {left}"
    assert not pgid_members(editor), pgid_members(editor)
    st = shared.status()
    assert st["state"] == "stopped" and st["pid"] is None and st["ready"] is False, st
    r = shared.get("/health")
    assert r.status_code == 503 and r.json()["state"] == "stopped", r.text
