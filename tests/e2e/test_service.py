"""godotd under systemd: the sd_notify protocol against a test NOTIFY_SOCKET (READY=1 once
listening, STATUS= with the editor's state, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on
SIGTERM), the units `godotd install-service` writes and the shipped template (each passes
`systemd-analyze verify`), and --log-format json."""

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

import pytest

from conftest import READY_DEADLINE_S, SHORT_DEADLINE_S, daemon_binary, repo_root, wait_for

pytestmark = pytest.mark.lifecycle


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET: each message with its time."""

    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self.stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.append((time.monotonic(), data.decode()))

    def having(self, text: str) -> list[tuple[float, str]]:
        return [m for m in self.messages if text in m[1].split("\n") or text in m[1]]

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def test_notify_ready_status_watchdog_stopping(env, tmp_path):
    ns = NotifySocket(tmp_path / "notify.sock")
    try:
        d = env.daemon(env={"NOTIFY_SOCKET": str(ns.path), "WATCHDOG_USEC": "1000000"})
        wait_for(lambda: ns.having("READY=1"), SHORT_DEADLINE_S, 0.05, "READY=1")
        first = ns.messages[0][1]
        assert first.split("\n")[0] == "READY=1", ns.messages[:3]
        assert f"STATUS=port {d.port}; editor {env.project.name}:" in first, first
        # The daemon listens when it says so.
        assert d.http.get(d.url + "/health", timeout=5).status_code in (200, 503)
        # STATUS follows the editor's state.
        d.wait_ready()
        wait_for(lambda: ns.having(f"STATUS=port {d.port}; editor {env.project.name}: ready"),
                 SHORT_DEADLINE_S, 0.05, "STATUS ... ready")
        # WATCHDOG=1 at half of WATCHDOG_USEC, as the daemon says, and it keeps coming.
        assert re.search(r"WATCHDOG=1 every 500 ms", d.stderr_text()), d.stderr_tail()
        start = ns.having("WATCHDOG=1")[0][0] if ns.having("WATCHDOG=1") else time.monotonic()
        wait_for(lambda: len(ns.having("WATCHDOG=1")) >= 6, 30, 0.1, "six watchdog pings")
        pings = [t for t, m in ns.messages if m == "WATCHDOG=1"]
        span = pings[-1] - pings[0]
        # 5 intervals of 0.5 s: generous bounds (a loaded machine delays timers, never speeds them).
        assert span >= 5 * 0.5 * 0.8, (span, pings)
        assert start <= pings[0]
        # SIGTERM: STOPPING=1, then a clean exit, and no more pings after it.
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(60) == 0
        stopping = ns.having("STOPPING=1")
        assert stopping, ns.messages[-5:]
        ready_at = ns.having("READY=1")[0][0]
        assert stopping[0][0] > ready_at
    finally:
        ns.close()


def test_log_format_json(env):
    d = env.daemon("--log-format", "json", "--no-autostart")
    d.wait_listening()
    d.proc.send_signal(signal.SIGTERM)
    d.proc.wait(30)
    lines = [line for line in d.stderr_text().splitlines() if line.strip()]
    assert lines, "no log lines"
    for line in lines:
        rec = json.loads(line)
        assert set(rec) >= {"ts", "level", "msg", "project"}, rec
        assert rec["project"] == env.project.name and rec["level"] in ("debug", "info", "warn", "error")
    assert any("listening on" in json.loads(line)["msg"] for line in lines)
    bad = subprocess.run([str(daemon_binary()), "serve", "--project", str(env.project),
                          "--log-format", "xml"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "--log-format xml" in bad.stderr


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if not path:
        pytest.fail("systemd-analyze is missing (apt-get install systemd): .ci/run installs it")
    return path


def test_install_service_units_verify(env, tmp_path):
    units = tmp_path / "units"
    out = subprocess.run([str(daemon_binary()), "install-service", "--project", str(env.project),
                          "--unit-dir", str(units), "--", "--port", "8123", "--display", "xvfb"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    unit = units / f"godotd-{env.project.name}.service"
    assert f"wrote {unit}" in out.stdout and "systemctl enable --now" in out.stdout
    text = unit.read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text and "Restart=on-failure" in text
    exec_start = [line for line in text.splitlines() if line.startswith("ExecStart=")][0]
    assert exec_start.startswith(f"ExecStart={daemon_binary().resolve()} serve --project {env.project}")
    assert exec_start.endswith("--port 8123 --display xvfb"), exec_start
    assert f"ReadWritePaths={env.project}" in text
    v = subprocess.run([systemd_analyze(), "verify", str(unit)], capture_output=True, text=True,
                       timeout=60)
    assert v.returncode == 0, v.stdout + v.stderr

    user = subprocess.run([str(daemon_binary()), "install-service", "--project", str(env.project),
                           "--user", "--print"], capture_output=True, text=True, timeout=30)
    assert user.returncode == 0 and "User=" not in user.stdout and "WantedBy=default.target" in user.stdout
    user_unit = tmp_path / "godotd-user.service"
    user_unit.write_text(user.stdout)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    v = subprocess.run([systemd_analyze(), "--user", "verify", str(user_unit)], capture_output=True,
                       text=True, timeout=60, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    assert v.returncode == 0, v.stdout + v.stderr


def test_shipped_template_verifies(tmp_path):
    src = (repo_root() / "contrib" / "systemd" / "godotd@.service").read_text()
    assert "Type=notify" in src and "ExecStart=/usr/local/bin/godotd serve --project %f" in src
    # verify wants the binary and the user to exist: point them at this machine's.
    local = src.replace("/usr/local/bin/godotd", str(daemon_binary().resolve()))
    local = local.replace("User=godotd", f"User={__import__('pwd').getpwuid(os.getuid()).pw_name}")
    (tmp_path / "godotd@.service").write_text(local)
    instance = subprocess.run(["systemd-escape", "--path", "/srv/games/mygame"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
    v = subprocess.run([systemd_analyze(), "verify", str(tmp_path / f"godotd@{instance}.service")],
                       capture_output=True, text=True, timeout=60)
    assert v.returncode == 0, v.stdout + v.stderr
