"""Tool schemas every MCP client accepts: the official MCP Inspector CLI (2.12.0, pinned in
tests/mcp/package.json and installed by scripts/install-node) lists the tools over stdio (`godotd mcp`) with --strict, which reports
every schema-portability problem (a `type` array, a schema that constrains nothing, ...), for the
core, grouped and all toolsets: none may be reported. The registry refuses such schemas at load
(godotd registry --check), so this stays so."""

from __future__ import annotations

import subprocess

import pytest

from conftest import daemon_binary, repo_root
from test_mcp_sdk import install_node

pytestmark = pytest.mark.lifecycle


@pytest.mark.parametrize("toolsets", ["core", "grouped", "all", "all,outputs"])
def test_inspector_strict_finds_no_portability_warning(env, toolsets):
    node = install_node()
    bin_js = repo_root() / "tests" / "mcp" / "node_modules" / ".bin" / "mcp-inspector"
    assert bin_js.exists(), "the Inspector is missing: scripts/install-node installs it"
    d = env.daemon("--no-autostart")
    d.wait_listening()
    r = subprocess.run([str(node), str(bin_js.resolve()), "--cli", str(daemon_binary()), "mcp",
                        "--project", str(env.project), "--toolsets", toolsets,
                        "--method", "tools/list", "--strict"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, (r.returncode, r.stderr[-3000:])
    assert '"tools"' in r.stdout and len(r.stdout) > 1000, r.stdout[:500]
    assert "Warning" not in r.stderr and "Issue:" not in r.stderr, r.stderr[:4000]
