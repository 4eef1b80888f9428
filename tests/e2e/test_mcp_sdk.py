"""The official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in tests/mcp/package-lock.json)
drives godotd the way an agent's client does: tests/mcp/client.mjs connects over Streamable HTTP
(http://127.0.0.1:PORT/mcp) and over the stdio proxy (`godotd mcp --project DIR`), and runs a real
workflow against the editor (tools/list, status, a scene, a broken script found and fixed, attach,
save and the file on disk, undo/redo, batch rollback, tool errors, an unknown tool). The client
exits non-zero at the first failed check and prints a JSON report.

Node 22 and the SDK come from scripts/install-node (idempotent; the first run needs npm and the
npm registry). The helpers here are shared with test_mcp_conformance.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import SHORT_DEADLINE_S, daemon_binary, godot_binary, processes_mentioning, repo_root, wait_for

MCP_DIR = repo_root() / "tests" / "mcp"
CLIENT = MCP_DIR / "client.mjs"
CLIENT_TIMEOUT_S = 900

# --------------------------------------------------------------------------------------------
# Helpers (also used by test_mcp_conformance.py)


def mcp_missing() -> str | None:
    """Why the daemon has no MCP server yet (`godotd mcp --help` fails), or None when it has one.

    A missing binary is not a reason: the tests then fail in Daemon.start like every other test.
    """
    binary = daemon_binary()
    if not binary.is_file():
        return None
    r = subprocess.run([str(binary), "mcp", "--help"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0 or "mcp" not in (r.stdout + r.stderr):
        return (f"{binary} has no MCP server yet (`godotd mcp --help` exited {r.returncode}: "
                f"{(r.stderr or r.stdout).strip()[:200]})")
    return None


def skip_without_mcp() -> None:
    """The MCP server has landed: a daemon without `godotd mcp` fails these tests, never skips."""
    reason = mcp_missing()
    assert reason is None, reason


def install_node() -> Path:
    """Node 22 with tests/mcp/node_modules in place (scripts/install-node); its binary."""
    r = subprocess.run([str(repo_root() / "scripts" / "install-node")], capture_output=True,
                       text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"scripts/install-node failed ({r.returncode}):\n{r.stderr[-4000:]}"
    node = Path(r.stdout.strip().splitlines()[-1])
    assert node.is_file() and os.access(node, os.X_OK), f"scripts/install-node printed {node!r}"
    return node


@pytest.fixture(scope="module")
def node() -> Path:
    skip_without_mcp()
    return install_node()


def run_client(node: Path, project: Path, args: list[str]) -> tuple[int, dict, str]:
    """Runs client.mjs; (exit code, its JSON report, its stderr)."""
    env = {**os.environ, "GODOTD_REPO": str(repo_root()), "GODOTD_PROJECT": str(project)}
    r = subprocess.run([str(node), str(CLIENT), *args], capture_output=True, text=True,
                       timeout=CLIENT_TIMEOUT_S, env=env, cwd=str(MCP_DIR), stdin=subprocess.DEVNULL)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"client.mjs exited {r.returncode} without a JSON report:\n"
                             f"stdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-6000:]}")
    return r.returncode, report, r.stderr


# Steps every run must pass (others may be skipped while their commands are not in the registry).
REQUIRED_STEPS = {
    "initialize", "ping", "tools/list", "get_status", "check_script finds the error",
    "attach_script refuses the broken script", "fixed script checks clean", "attach_script",
    "undo/redo attach_script", "save_scene + .tscn on disk", "batch rollback (files)",
    "bad arguments → isError + structuredContent.error", "unknown tool → JSON-RPC -32602",
    "game loop: run, read the error, fix, run clean, screenshot",
}


def check_report(code: int, report: dict, stderr: str) -> None:
    # Every step's command exists now: a skipped step means a command went missing.
    assert not report.get("skipped"), report.get("skipped")
    assert code == 0 and report.get("ok") is True, (
        f"client.mjs failed (exit {code}): {report.get('error')}\n"
        f"report: {json.dumps(report, indent=1)[-6000:]}\nstderr: {stderr[-6000:]}")
    passed = {s["name"] for s in report["steps"] if s["status"] == "pass"}
    assert REQUIRED_STEPS <= passed, f"steps not passed: {sorted(REQUIRED_STEPS - passed)}"
    registry = {c["name"] for f in (repo_root() / "schema" / "commands").glob("*.json")
                for c in json.loads(f.read_text())["commands"]}
    for line in report.get("skipped", []):
        command = line.removeprefix("SKIP: ").split(" ", 1)[0]
        assert command not in registry, f"skipped although {command} is in the registry: {line}"
    assert report["tools"] >= len(registry), report["tools"]


# --------------------------------------------------------------------------------------------
# Tests


def test_sdk_client_over_streamable_http(env, node):
    # With the "outputs" toolset every tool advertises its full outputSchema, so the SDK checks
    # each result (and each error) of the workflow against it; the stdio run below uses the slim
    # default list ({"type":"object"}), as agents' clients get it.
    d = env.daemon()
    d.wait_ready()
    code, report, stderr = run_client(node, env.project, [
        "--transport", "http", "--url", f"{d.url}/mcp?toolsets=all,outputs"])
    check_report(code, report, stderr)
    assert report["server"]["protocolVersion"] == "2025-11-25", report["server"]
    d.assert_running()


def test_sdk_client_over_stdio_proxy(env, node):
    d = env.daemon()
    d.wait_ready()
    # The proxy attaches to the daemon serving the project; the serve options after "--" would
    # only be used if it had to start one (it must not).
    code, report, stderr = run_client(node, env.project, [
        "--transport", "stdio", "--godotd", str(daemon_binary()), "--project", str(env.project),
        "--toolsets", "all", "--", "--godot", str(godot_binary()), "--headless"])
    check_report(code, report, stderr)
    d.assert_running()
    daemons = [pid for pid, cmd in processes_mentioning(str(env.project))
               if Path(cmd[0]).name.startswith("godotd") and "serve" in cmd]
    assert daemons == [d.proc.pid], f"the stdio proxy started another daemon: {daemons}"

    def proxies():
        return [pid for pid, cmd in processes_mentioning(str(env.project))
                if Path(cmd[0]).name.startswith("godotd") and "mcp" in cmd]
    wait_for(lambda: not proxies(), SHORT_DEADLINE_S, what="the stdio proxy to exit with its client")
