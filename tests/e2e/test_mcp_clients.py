"""Two real MCP clients register `godotd mcp` the way their users do and report it connected:
Claude Code (`claude mcp add` then `claude mcp list`) and Gemini CLI (`gemini mcp add` then
`gemini mcp list`), both pinned in tests/clients/package-lock.json and installed by
scripts/install-node. Neither command needs an account or an API key.

No daemon serves the project beforehand: the client launches `godotd mcp --project P`, which
starts a detached daemon (src/mcp_stdio.c). So besides the client's own verdict each test checks
that the client really spoke to our server: the project's daemon.json names a live
`godotd serve` on that project, its /metrics count the client's POSTs to /mcp, the real editor
comes up behind it, and the stdio proxy exits with its client.

Each client runs with HOME and the XDG directories in the test's temporary directory, so the
real user's ~/.claude.json, ~/.gemini and caches are never read or written, and with its
telemetry, error reports and update checks off: with them on, Claude Code resolves its
telemetry host (and stores the failed events); with them off neither client opens any
connection but to its server (checked with strace when the versions were pinned).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import (READY_DEADLINE_S, SHORT_DEADLINE_S, daemon_binary, godot_binary, pid_alive,
                      processes_mentioning, read_proc_cmdline, repo_root, wait_for)
from test_mcp_sdk import install_node, skip_without_mcp

pytestmark = pytest.mark.lifecycle

CLIENTS_DIR = repo_root() / "tests" / "clients"
CLIENT_TIMEOUT_S = 900  # one client command; generous: the daemon and editor may be starting
CONNECT_TIMEOUT_MS = 300_000  # what each client waits for the server's initialize answer
NAME = "godot"  # the server's name in the clients' configuration, as in the README

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HTTP = requests.Session()
HTTP.trust_env = False  # never a proxy for 127.0.0.1


# --------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture(scope="module")
def node() -> Path:
    skip_without_mcp()
    return install_node()


def pinned_version(package: str) -> str:
    return json.loads((CLIENTS_DIR / "package.json").read_text())["dependencies"][package]


def client_path(package: str, rel: str) -> Path:
    """A file of an installed client package; fails (never skips) when it is missing."""
    p = CLIENTS_DIR / "node_modules" / package / rel
    assert p.is_file(), (f"{package} is missing ({p}): scripts/install-node installs it from "
                         f"tests/clients/package-lock.json")
    return p


def client_env(home: Path, node: Path, extra: dict[str, str]) -> dict[str, str]:
    """The environment of a client: ours, minus any configuration of these clients the person
    or CI running the tests has (CLAUDE_CONFIG_DIR, CLAUDECODE, GEMINI_*, API keys...), with HOME
    and the XDG directories in ``home`` and node 22 first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLAUDE", "ANTHROPIC", "GEMINI", "GOOGLE"))}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "PATH": f"{node.parent}{os.pathsep}{env.get('PATH', '')}",
        "NO_COLOR": "1",
    })
    env.update(extra)
    return env


def run(argv: list, cwd: Path, env: dict[str, str]) -> str:
    """Runs a client command that must exit 0; its stdout and stderr, joined, without colours."""
    argv = [str(a) for a in argv]
    r = subprocess.run(argv, cwd=str(cwd), env=env, capture_output=True, text=True,
                       timeout=CLIENT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    out = ANSI.sub("", r.stdout + r.stderr)
    assert r.returncode == 0, f"{' '.join(argv)} exited {r.returncode}:\n{out[-4000:]}"
    return out


def server_line(output: str, pattern: str) -> str:
    """The one line of a `mcp list` output that names our server (``pattern`` matches its start)."""
    lines = [ln.strip() for ln in output.splitlines() if re.match(pattern, ln.strip())]
    assert len(lines) == 1, f"expected one line for the server {NAME!r} in:\n{output}"
    return lines[0]


def godotd_mcp_argv(project: Path, *mcp_options: str) -> list[str]:
    """`godotd mcp` for the project, with the serve options for the daemon it starts."""
    return [str(daemon_binary()), "mcp", "--project", str(project), *mcp_options,
            "--", "--godot", str(godot_binary()), "--headless"]


def daemon_json(project: Path) -> dict | None:
    try:
        return json.loads((project / ".godot" / "godotd" / "daemon.json").read_text())
    except (OSError, ValueError):
        return None


def daemon_log_tail(project: Path, lines: int = 80) -> str:
    try:
        text = (project / ".godot" / "godotd" / "daemon.log").read_text(errors="replace")
    except OSError:
        return "(no daemon.log)"
    return "\n".join(text.splitlines()[-lines:])


def mcp_posts(port: int) -> int:
    """POST /mcp requests the daemon answered 200, from its /metrics."""
    r = HTTP.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    m = re.search(r'^godotd_http_requests_total\{route="/mcp",method="POST",status="200"\} (\d+)',
                  r.text, re.M)
    return int(m.group(1)) if m else 0


def check_client_started_daemon(project: Path, min_posts: int) -> int:
    """The daemon the client's `godotd mcp` started: serving the project, reached over /mcp at
    least ``min_posts`` times, its editor ready. Returns its pid."""
    info = daemon_json(project)
    assert info, f"no daemon.json after the client ran: `godotd mcp` started no daemon\n" \
                 f"{daemon_log_tail(project)}"
    pid, port = info["pid"], info["port"]
    cmd = read_proc_cmdline(pid)
    # Its argv[0] is the path `godotd mcp` read from /proc/self/exe: the binary, resolved.
    assert pid_alive(pid) and cmd[:4] == [str(daemon_binary().resolve()), "serve", "--project",
                                          str(project.resolve())], (pid, cmd)
    posts = mcp_posts(port)
    assert posts >= min_posts, f"the daemon answered {posts} POST /mcp, expected >= {min_posts}"

    def ready():
        r = HTTP.get(f"http://127.0.0.1:{port}/health", timeout=5)
        return r.status_code == 200
    try:
        wait_for(ready, READY_DEADLINE_S, 0.1, "the editor behind the client's daemon")
    except AssertionError as e:
        raise AssertionError(f"{e}\n{daemon_log_tail(project)}")
    # The stdio proxy ends with its client (stdin closed or a signal): none is left behind.
    wait_for(lambda: not [p for p, c in processes_mentioning(str(project))
                          if Path(c[0]).name.startswith("godotd") and "mcp" in c],
             SHORT_DEADLINE_S, what="the stdio proxy to exit with its client")
    return pid


def stop_client_daemon(project: Path) -> None:
    """SIGTERM the detached daemon the client started (not a child of ours) and wait for it;
    its editor stops with it (the env fixture then checks nothing is left on the project)."""
    info = daemon_json(project)
    if not info or not pid_alive(info["pid"]):
        return
    pid = info["pid"]
    if read_proc_cmdline(pid)[:2] != [str(daemon_binary().resolve()), "serve"]:
        return  # a recycled pid, not our daemon
    os.kill(pid, signal.SIGTERM)
    try:
        wait_for(lambda: not pid_alive(pid), 60, 0.1, "the client's daemon to exit after SIGTERM")
    except AssertionError:
        os.kill(pid, signal.SIGKILL)
        raise


# --------------------------------------------------------------------------------------------
# Tests


def test_claude_code_reports_godotd_connected(env, node, tmp_path):
    claude = client_path("@anthropic-ai/claude-code", "bin/claude.exe")  # the native binary
    home, ws = tmp_path / "home", tmp_path / "workspace"
    home.mkdir()
    ws.mkdir()
    # No telemetry, error reports or update checks; the server gets 5 minutes to answer.
    cenv = client_env(home, node, {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                                   "MCP_TIMEOUT": str(CONNECT_TIMEOUT_MS)})
    version = run([claude, "--version"], ws, cenv)
    assert pinned_version("@anthropic-ai/claude-code") in version.split(), version
    assert daemon_json(env.project) is None

    # The README's setup, with every tool (Claude Code takes `all`); local scope: private to
    # this workspace, in $HOME/.claude.json (project scope would need an approval prompt).
    server = godotd_mcp_argv(env.project, "--toolsets", "all")
    run([claude, "mcp", "add", "--scope", "local", NAME, "--", *server], ws, cenv)
    config = json.loads((home / ".claude.json").read_text())
    entry = config["projects"][str(ws.resolve())]["mcpServers"][NAME]
    assert [entry["command"], *entry["args"]] == server, entry

    try:
        out = run([claude, "mcp", "list"], ws, cenv)
        line = server_line(out, re.escape(NAME) + ": ")
        assert line.endswith("- ✔ Connected"), f"{line}\n{out}\n{daemon_log_tail(env.project)}"
        # Claude Code probes with a stateless 2026-07-28 server/discover (the proxy gives it the
        # revision's headers), then lists the tools: two answered POSTs at least.
        check_client_started_daemon(env.project, min_posts=2)
        # Its per-server log names the server that answered: ours, in the revision it probed
        # for; and the proxy stopped cleanly on its SIGINT.
        logs = sorted(home.rglob(f"mcp-logs-{NAME}/*.jsonl"))
        assert logs, f"Claude Code wrote no MCP log for {NAME} under {home}"
        log = logs[-1].read_text()
        established = [json.loads(ln)["debug"] for ln in log.splitlines()
                       if "Connection established" in ln]
        assert established and '"serverVersion":{"name":"godotd"' in established[-1] \
            and '"hasTools":true' in established[-1], log
        assert '"negotiatedProtocolVersion":"2026-07-28"' in established[-1], established[-1]
        assert "MCP server process exited cleanly" in log, log
    finally:
        stop_client_daemon(env.project)


def test_gemini_cli_reports_godotd_connected(env, node, tmp_path):
    gemini = client_path("@google/gemini-cli", "bundle/gemini.js")
    home, ws = tmp_path / "home", tmp_path / "workspace"
    (home / ".gemini").mkdir(parents=True)
    ws.mkdir()
    # Gemini CLI ignores a workspace's settings (and refuses to start its stdio servers) until
    # the folder is trusted: the file its trust dialog writes. Usage statistics, telemetry and
    # update checks off.
    (home / ".gemini" / "trustedFolders.json").write_text(
        json.dumps({str(ws.resolve()): "TRUST_FOLDER"}))
    (home / ".gemini" / "settings.json").write_text(json.dumps({
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
    }))
    genv = client_env(home, node, {})
    version = run([node, gemini, "--version"], ws, genv)
    assert pinned_version("@google/gemini-cli") in version.split(), version
    assert daemon_json(env.project) is None

    # Gemini's argument parser takes the first "--" as its own end of options and drops it, so
    # the "--" before godotd's serve options is written twice; the settings check below shows
    # the server's arguments arrive as meant.
    server = godotd_mcp_argv(env.project)
    sep = server.index("--")
    run([node, gemini, "mcp", "add", "--scope", "project", "--timeout", CONNECT_TIMEOUT_MS, NAME,
         *server[:sep], "--", *server[sep:]], ws, genv)
    entry = json.loads((ws / ".gemini" / "settings.json").read_text())["mcpServers"][NAME]
    assert [entry["command"], *entry["args"]] == server, entry
    assert entry["timeout"] == CONNECT_TIMEOUT_MS, entry

    try:
        out = run([node, gemini, "mcp", "list"], ws, genv)
        assert "untrusted" not in out, out
        line = server_line(out, r"\S+ " + re.escape(NAME) + ": ")
        assert line.startswith(f"✓ {NAME}: ") and line.endswith("(stdio) - Connected"), \
            f"{line}\n{out}\n{daemon_log_tail(env.project)}"
        # Gemini CLI initializes, then pings: two answered POSTs at least.
        check_client_started_daemon(env.project, min_posts=2)
    finally:
        stop_client_daemon(env.project)
