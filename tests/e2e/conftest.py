"""Shared helpers and fixtures for the end-to-end tests of godotd against the real Godot editor.

Every test runs a real ``godotd serve --headless`` (the binary from ``$GODOTD_BIN``, default
``build/godotd``) on a fresh temporary copy of ``examples/demo``, with the real Godot 4.6 editor
(``$GODOT_BIN``, default ``.godot-install/bin/godot``). Nothing here is skipped: a missing daemon
or Godot makes the tests fail.

Teardown always stops the daemon (SIGTERM, then SIGKILL), checks it exited 0, and kills every
process group still holding the temporary project (a leftover is reported as an error).
A failing test gets the tail of every involved daemon's stderr attached to its report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import pytest
import jsonschema
import requests

# --------------------------------------------------------------------------------------------
# Locations


def repo_root() -> Path:
    """The source tree: two levels above this file (tests/e2e/conftest.py)."""
    return Path(__file__).resolve().parents[2]


def daemon_binary() -> Path:
    """$GODOTD_BIN, else build/godotd in the source tree."""
    env = os.environ.get("GODOTD_BIN")
    return Path(env) if env else repo_root() / "build" / "godotd"


def godot_binary() -> Path:
    """$GODOT_BIN, else the private install .godot-install/bin/godot."""
    env = os.environ.get("GODOT_BIN")
    return Path(env) if env else repo_root() / ".godot-install" / "bin" / "godot"


def demo_source() -> Path:
    return repo_root() / "examples" / "demo"


E2E_DIR = Path(__file__).resolve().parent
FAKE_GODOT_CRASH = E2E_DIR / "fake_godot_crash.sh"

# Generous liveness bounds (not performance thresholds): a cold import of the demo takes ~4 s
# on a 2-core machine, ~10x slower under ASan is still far inside these.
READY_DEADLINE_S = float(os.environ.get("GODOTD_E2E_READY_S", "120"))
SHORT_DEADLINE_S = 20.0

# --------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_proc_cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def proc_stat(pid: int) -> dict | None:
    """State, ppid, pgid, utime, stime (ticks) from /proc/PID/stat, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    return {
        "state": rest[0],
        "ppid": int(rest[1]),
        "pgid": int(rest[2]),
        "utime": int(rest[11]),
        "stime": int(rest[12]),
    }


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st["state"] not in ("Z", "X")


def all_pids() -> Iterable[int]:
    for name in os.listdir("/proc"):
        if name.isdigit():
            yield int(name)


def processes_mentioning(text: str) -> list[tuple[int, list[str]]]:
    """Live (non-zombie) processes whose command line contains ``text``."""
    me = os.getpid()
    found = []
    for pid in all_pids():
        if pid == me:
            continue
        cmd = read_proc_cmdline(pid)
        if cmd and any(text in a for a in cmd) and pid_alive(pid):
            found.append((pid, cmd))
    return found


def godot_processes(project: Path | str, godot: Path | None = None) -> list[tuple[int, list[str]]]:
    """Godot processes (editor or game) running on ``project``: not the daemon itself."""
    project = str(project)
    out = []
    for pid, cmd in processes_mentioning(project):
        if cmd and Path(cmd[0]).name.startswith("godotd"):
            continue  # the daemon (or its __exec wrapper before exec)
        out.append((pid, cmd))
    return out


def editor_processes(project: Path | str) -> list[int]:
    return [pid for pid, cmd in godot_processes(project) if "--editor" in cmd or "-e" in cmd]


def game_processes(project: Path | str) -> list[int]:
    return [pid for pid, cmd in godot_processes(project) if "--editor" not in cmd and "-e" not in cmd]


def pgid_members(pgid: int) -> list[int]:
    return [p for p in all_pids() if (st := proc_stat(p)) and st["pgid"] == pgid and st["state"] not in ("Z", "X")]


def kill_process_groups(pids: Iterable[int]) -> None:
    """SIGKILL each process's whole group (never our own), and the process itself."""
    mine = os.getpgrp()
    for pid in pids:
        st = proc_stat(pid)
        if st and st["pgid"] not in (mine, 0, 1):
            try:
                os.killpg(st["pgid"], signal.SIGKILL)
            except OSError:
                pass
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def wait_for(pred: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``pred`` until truthy; return its value, or raise AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except (requests.RequestException, OSError, ValueError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Projects


def tscn_nodes(path: Path) -> dict[str, str]:
    """{node path relative to the root ('.' for it): class} of a .tscn as the Scene dock shows it.

    Instanced sub-scenes count as one node whose class is the sub-scene's root class (their own
    children are not part of the scene unless made editable, which the tests' scenes never are).
    """
    text = path.read_text()
    ext: dict[str, str] = {}
    for m in re.finditer(r"^\[ext_resource ([^\]]*)\]", text, re.M):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if attrs.get("type") == "PackedScene":
            ext[attrs["id"]] = attrs["path"]
    nodes: dict[str, str] = {}
    for m in re.finditer(r"^\[node ([^\n]*)\]\s*$", text, re.M):
        head = m.group(1)
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', head))
        name = attrs["name"]
        parent = attrs.get("parent")
        inst = re.search(r'instance=ExtResource\(\s*"([^"]+)"\s*\)', head)
        if "type" in attrs:
            cls = attrs["type"]
        elif inst:
            sub = ext[inst.group(1)]
            sub_nodes = tscn_nodes(path.parent / sub.removeprefix("res://"))
            cls = sub_nodes["."]
        else:
            raise ValueError(f"{path}: node {name} has neither type nor instance")
        if parent is None:
            key = "."
        elif parent == ".":
            key = name
        else:
            key = f"{parent}/{name}"
        nodes[key] = cls
    return nodes


def tree_nodes(root: dict) -> dict[str, str]:
    """{path: type} flattened from a get_scene_tree ``root``."""
    out: dict[str, str] = {}

    def walk(n: dict) -> None:
        out[n["path"]] = n["type"]
        for c in n.get("children", []):
            walk(c)

    walk(root)
    return out


def tree_names(root: dict) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(n: dict) -> None:
        out[n["path"]] = n["name"]
        for c in n.get("children", []):
            walk(c)

    walk(root)
    return out


def project_setting(project: Path, section: str, key: str) -> str | None:
    sect = None
    for line in (project / "project.godot").read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            sect = line[1:-1]
        elif sect == section and line.startswith(key + "="):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def demo_scenes(project: Path) -> tuple[str, str]:
    """(main scene, another scene) of the demo, as res:// paths, read from the project."""
    main = project_setting(project, "application", "run/main_scene")
    assert main, "the demo has no run/main_scene"
    if main.startswith("uid://"):
        raise AssertionError("main scene given as uid://; the tests expect a res:// path")
    others = sorted(
        "res://" + str(p.relative_to(project))
        for p in project.rglob("*.tscn")
        if not any(part.startswith(".") or part == "addons" for part in p.relative_to(project).parts)
    )
    others = [s for s in others if s != main]
    # Prefer a scene that instances nothing and is not the main one (level.tscn in the demo).
    preferred = [s for s in others if Path(s).stem == "level"]
    assert others, "the demo needs a second scene besides its main scene"
    return main, (preferred or others)[0]


def main_print_prefix(project: Path) -> str:
    """The constant start of the first print() in the main scene's script (main.gd)."""
    script = project / "main.gd"
    src = script.read_text()
    m = re.search(r'print\(\s*"([^"%\\]+)', src)
    assert m, f"no print(\"...\") in {script}"
    return m.group(1)


def make_demo_copy(dest_parent: Path) -> Path:
    src = demo_source()
    assert (src / "project.godot").is_file(), f"no demo project at {src}"
    dest = dest_parent / "demo"
    # .godot (import cache) and an installed addon are left behind: the daemon installs its own.
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".godot", "addons"))
    return dest


# --------------------------------------------------------------------------------------------
# The daemon

_ALL_DAEMONS: list["Daemon"] = []


class Daemon:
    """One ``godotd serve`` process and an HTTP client for it."""

    def __init__(self, project: Path, workdir: Path, port: int | None = None,
                 godot: Path | None = None, extra: Iterable[str] = (), name: str = "godotd",
                 env: dict | None = None):
        self.env_extra = dict(env or {})
        self.project = Path(project)
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.godot = Path(godot) if godot else godot_binary()
        self.extra = list(extra)
        self.name = name
        self.stderr_path = self.workdir / f"{name}-{self.port}-{len(_ALL_DAEMONS)}.stderr"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.stopped_at: float | None = None
        self.exit_code: int | None = None
        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy for 127.0.0.1
        self.health_history: list[tuple[float, int | None, dict | None]] = []
        self.ready_after_s: float | None = None
        _ALL_DAEMONS.append(self)

    # ---- lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [str(daemon_binary()), "serve", "--project", str(self.project), "--port",
                str(self.port), "--godot", str(self.godot), "--headless", *self.extra]

    def start(self) -> "Daemon":
        binary = daemon_binary()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            pytest.fail(f"godotd binary not found at {binary} (build it, or set GODOTD_BIN)")
        if not (self.godot.is_file() and os.access(self.godot, os.X_OK)):
            pytest.fail(f"Godot not found at {self.godot} (set GODOT_BIN or run scripts/install-godot)")
        self.stderr_file = open(self.stderr_path, "ab")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=self.stderr_file, stderr=self.stderr_file,
                                     cwd=str(self.workdir), start_new_session=True,
                                     env={**os.environ, **self.env_extra})
        return self

    def wait_listening(self, timeout: float = SHORT_DEADLINE_S) -> None:
        def up():
            self.assert_running()
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        wait_for(up, timeout, 0.02, f"{self.name} to listen on {self.port}")

    def wait_ready(self, timeout: float = READY_DEADLINE_S, record: bool = False) -> dict:
        """Poll /health until 200; with ``record`` keep every answer in ``health_history``."""
        def ready():
            self.assert_running()
            try:
                r = self.http.get(self.url + "/health", timeout=5)
            except requests.ConnectionError:
                if record:
                    self.health_history.append((time.monotonic() - self.started_at, None, None))
                return False
            body = r.json()
            if record:
                self.health_history.append((time.monotonic() - self.started_at, r.status_code, body))
            return r.status_code == 200 and body
        body = wait_for(ready, timeout, 0.05, f"{self.name} /health 200")
        if self.ready_after_s is None:
            self.ready_after_s = time.monotonic() - self.started_at
        return body

    def assert_running(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.stderr_tail()}")

    def sigkill(self) -> None:
        """SIGKILL the daemon alone (its editor lives on in its own process group)."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)
        self.exit_code = self.proc.returncode
        self.stopped_at = time.monotonic()

    def terminate(self, timeout: float = 60.0) -> int | None:
        """SIGTERM and wait; SIGKILL after ``timeout``. Returns the exit code (None if killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self.exit_code = None
                self.stopped_at = time.monotonic()
                raise AssertionError(f"{self.name} did not exit within {timeout:.0f} s of SIGTERM")
            self.exit_code = self.proc.returncode
        elif self.exit_code is None:
            self.exit_code = self.proc.returncode
        self.stopped_at = time.monotonic()
        return self.exit_code

    def close(self) -> None:
        self.http.close()
        try:
            self.stderr_file.close()
        except AttributeError:
            pass

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stderr_tail(self, lines: int = 150) -> str:
        return "\n".join(self.stderr_text().splitlines()[-lines:])

    # ---- HTTP

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 30)
        return self.http.get(self.url + path, **kw)

    def post(self, path: str, body=None, **kw) -> requests.Response:
        kw.setdefault("timeout", 90)
        if body is not None and "data" not in kw:
            kw["json"] = body
        return self.http.post(self.url + path, **kw)

    def status(self) -> dict:
        r = self.get("/status", timeout=10)
        assert r.status_code == 200, f"/status {r.status_code}: {r.text}"
        return r.json()

    def command(self, name: str, params: dict | None = None, expect: int = 200, **kw) -> dict:
        """Runs a command; a 200 result must match the registry's result schema."""
        r = self.post("/godot/" + name, params if params is not None else {}, **kw)
        assert r.status_code == expect, f"POST /godot/{name} {params}: {r.status_code} {r.text}"
        body = r.json()
        if r.status_code == 200:
            check_result_schema(name, body)
        return body

    def command_error(self, name: str, params: dict | None = None, **kw) -> tuple[int, dict]:
        """Runs a command that must fail: (HTTP status, the error object)."""
        r = self.post("/godot/" + name, params if params is not None else {}, **kw)
        assert r.status_code >= 400, f"POST /godot/{name} {params} should fail: {r.status_code} {r.text}"
        return r.status_code, error_of(r)

    def logs(self, since: int | None = None, limit: int | None = None) -> dict:
        q = []
        if since is not None:
            q.append(f"since={since}")
        if limit is not None:
            q.append(f"limit={limit}")
        r = self.get("/logs" + ("?" + "&".join(q) if q else ""), timeout=10)
        assert r.status_code == 200, f"/logs: {r.status_code} {r.text}"
        return r.json()

    def all_logs(self, since: int = 0) -> list[dict]:
        entries: list[dict] = []
        for _ in range(1000):
            d = self.logs(since=since, limit=10000)
            if not d["entries"]:
                break
            entries += d["entries"]
            since = d["entries"][-1]["id"]
        return entries

    def last_log_id(self) -> int:
        entries = self.all_logs()
        return entries[-1]["id"] if entries else 0

    def wait_state(self, pred: Callable[[dict], bool], timeout: float, what: str) -> dict:
        def check():
            self.assert_running()
            st = self.status()
            return st if pred(st) else None
        return wait_for(check, timeout, 0.1, what)


_RESULT_SCHEMAS: dict[str, dict] | None = None


def check_result_schema(name: str, result: dict) -> None:
    """Asserts a command's result matches the result schema its registry entry declares (MCP
    clients validate structuredContent against it as outputSchema)."""
    global _RESULT_SCHEMAS
    if _RESULT_SCHEMAS is None:
        _RESULT_SCHEMAS = {}
        for f in (repo_root() / "schema" / "commands").glob("*.json"):
            for c in json.loads(f.read_text())["commands"]:
                _RESULT_SCHEMAS[c["name"]] = c["result"]
    schema = _RESULT_SCHEMAS.get(name)
    if schema is None:
        return
    try:
        jsonschema.validate(result, schema, cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as e:
        raise AssertionError(f"{name}: the result does not match its registry result schema: "
                             f"{e.message} at {list(e.absolute_path)}; result: {json.dumps(result)[:500]}")


def error_of(r: requests.Response) -> dict:
    """The ``error`` object of an error response, checking the envelope."""
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    err = body["error"]
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), body
    return err


# --------------------------------------------------------------------------------------------
# Fixtures


def cleanup(daemons: list[Daemon], projects: list[Path]) -> list[str]:
    """Stops the daemons and kills whatever is left on the projects. Returns problems found."""
    problems = []
    for d in daemons:
        if d.proc is None:
            continue
        try:
            code = d.terminate()
            if d.exit_code is not None and d.exit_code != 0 and not getattr(d, "killed_on_purpose", False):
                problems.append(f"{d.name} exited {code} after SIGTERM (expected 0)")
        except AssertionError as e:
            problems.append(str(e))
        d.close()
    for project in projects:
        def none_left():
            return not godot_processes(project)
        try:
            wait_for(none_left, 10, 0.1, "the editor to be gone")
        except AssertionError:
            left = godot_processes(project)
            problems.append(f"processes left on {project} after the daemon stopped: "
                            + "; ".join(f"{p} {' '.join(c)}" for p, c in left))
        kill_process_groups([p for p, _ in processes_mentioning(str(project))])
    return problems


class Env:
    """A temporary demo copy plus the daemons a test starts on it; cleaned up at teardown."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.project = make_demo_copy(tmp)
        self.daemons: list[Daemon] = []

    def daemon(self, *extra: str, port: int | None = None, godot: Path | None = None,
               name: str = "godotd", env: dict | None = None) -> Daemon:
        d = Daemon(self.project, self.tmp, port=port, godot=godot, extra=extra, name=name, env=env)
        self.daemons.append(d)
        return d.start()

    def finish(self) -> list[str]:
        return cleanup(self.daemons, [self.project])


@pytest.fixture
def env(tmp_path):
    """A fresh demo copy; start daemons with env.daemon(...)."""
    e = Env(tmp_path)
    yield e
    problems = e.finish()
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One daemon on one demo copy, ready, shared by a module's non-destructive tests.

    Its startup is recorded (``health_history``, ``ready_after_s``) for the health test.
    """
    e = Env(tmp_path_factory.mktemp("shared"))
    d = e.daemon(name="shared")
    try:
        d.wait_ready(record=True)
    except BaseException:
        problems = e.finish()
        raise
    d.testenv = e
    yield d
    problems = e.finish()
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


# --------------------------------------------------------------------------------------------
# Reporting: attach the daemons' stderr to failing tests.

_ITEM_START: dict[str, float] = {}


def pytest_configure(config):
    for name, doc in [
        ("e2e", "end-to-end test against the real Godot editor"),
        ("shared", "uses the module's shared daemon (non-destructive, fast)"),
        ("lifecycle", "starts its own daemon and kills/stops/restarts the editor (slower)"),
        ("fake_godot", "uses a fake Godot binary instead of the real editor"),
    ]:
        config.addinivalue_line("markers", f"{name}: {doc}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    _ITEM_START[item.nodeid] = time.monotonic()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    start = _ITEM_START.get(item.nodeid, 0.0)
    for d in _ALL_DAEMONS:
        if d.proc is None:
            continue
        if d.stopped_at is not None and d.stopped_at < start:
            continue
        report.sections.append(
            (f"{d.name} stderr (port {d.port}, {d.stderr_path})", d.stderr_tail(200)))
        # What Godot itself printed (the editor and the games it ran) is in its own log.
        log = d.project / ".godot" / "godotd" / "editor.log"
        if log.is_file():
            tail = log.read_text(errors="replace").splitlines()[-80:]
            report.sections.append((f"{d.name} editor.log ({log})", "\n".join(tail)))


# --------------------------------------------------------------------------------------------
# A minimal MCP client over Streamable HTTP, for tests whose subject is not MCP itself


class McpHttp:
    """One MCP session on ``url``/mcp (``?toolsets=`` when given): initialize + initialized, then
    ``call``; the server's instructions in ``instructions``."""

    ACCEPT = "application/json, text/event-stream"

    def __init__(self, url: str, timeout: float = 30, toolsets: str | None = None,
                 version: str = "2025-06-18"):
        self.url = url + "/mcp" + (f"?toolsets={toolsets}" if toolsets else "")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False
        self.headers = {"Accept": self.ACCEPT, "Content-Type": "application/json"}
        self.next_id = 1
        r = self.post({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                       "params": {"protocolVersion": version, "capabilities": {},
                                  "clientInfo": {"name": "pytest", "version": "1"}}})
        assert r.status_code == 200, r.text
        self.instructions = r.json()["result"].get("instructions", "")
        self.headers["Mcp-Session-Id"] = r.headers["Mcp-Session-Id"]
        self.headers["MCP-Protocol-Version"] = r.json()["result"]["protocolVersion"]
        r = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert r.status_code == 202, r.text

    def post(self, msg: dict, timeout: float | None = None) -> requests.Response:
        return self.http.post(self.url, data=json.dumps(msg), headers=self.headers,
                              timeout=timeout or self.timeout)

    def call(self, name: str, args: dict | None = None, timeout: float | None = None) -> dict:
        """tools/call; returns the whole JSON-RPC response (JSON or the last SSE message)."""
        rid = self.next_id
        self.next_id += 1
        r = self.post({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                       "params": {"name": name, "arguments": args or {}}}, timeout)
        assert r.status_code == 200, r.text[:300]
        if r.headers["Content-Type"].startswith("text/event-stream"):
            data = [line[5:].strip() for line in r.text.splitlines() if line.startswith("data:")]
            msg = json.loads(data[-1])
        else:
            msg = r.json()
        assert msg.get("id") == rid, str(msg)[:300]
        return msg

    def close(self) -> None:
        self.http.close()


def read_sse_into(stream: requests.Response, got: list[dict]) -> threading.Thread:
    """Starts a thread that appends each Server-Sent Event's JSON data of ``stream`` to ``got``
    until the stream ends or is closed."""
    def reader():
        data: list[str] = []
        try:
            for line in stream.iter_lines(decode_unicode=True):
                if line == "" and data:
                    got.append(json.loads("\n".join(data)))
                    data = []
                elif line and line.startswith("data:"):
                    data.append(line[5:].lstrip())
        except (AttributeError, requests.RequestException):
            pass  # the test closed the stream
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    return t


# --------------------------------------------------------------------------------------------
# Raw HTTP (for requests that a client library would not send as they are)


def read_http_response(sock: socket.socket, buf: bytearray | None = None) -> tuple[int, dict, bytes, bytearray]:
    """One HTTP/1.1 response (Content-Length framed) off ``sock``.

    Returns (status, headers with lower-case names, body, leftover bytes).
    """
    buf = buf if buf is not None else bytearray()
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a full response head: {bytes(buf)!r}")
        buf += chunk
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    body = bytearray(rest)
    while len(body) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside a response body")
        body += chunk
    return status, headers, bytes(body[:n]), bytearray(body[n:])


def raw_request(port: int, data: bytes, timeout: float = 30) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        status, headers, body, _ = read_http_response(s)
        return status, headers, body
