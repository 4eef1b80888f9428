"""The MCP conformance suite (@modelcontextprotocol/conformance, pinned in
tests/mcp/package-lock.json) against a real daemon's /mcp endpoint, once per run of
tests/mcp/conformance-baseline.json: the scenarios the 2025-11-25 revision requires (initialize
handshake, sessions), those 2026-07-28 requires (stateless, per-request _meta), and single
scenarios worth enforcing that the requirement sets do not score.

Expected failures are only those that need the reference "everything" server's fixed fixtures
(test_simple_text, prompts, resources...) or features godotd does not offer, each with its
reason in the JSON file; any other failure fails the test, and so does a listed entry that
passes (a stale baseline).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import repo_root
from test_mcp_sdk import MCP_DIR, install_node, skip_without_mcp

pytestmark = pytest.mark.shared

BASELINE = MCP_DIR / "conformance-baseline.json"
CLI = MCP_DIR / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
RUNS = json.loads(BASELINE.read_text())["runs"]


@pytest.fixture(scope="module")
def node() -> Path:
    skip_without_mcp()
    return install_node()


def failing_checks(out: Path) -> list[str]:
    """'scenario: check-id STATUS: message' for every failed or warned check under out/."""
    found = []
    for checks in sorted(out.glob("*/checks.json")):
        scenario = re.sub(r"-\d{4}-\d{2}-\d{2}T.*$", "", checks.parent.name.removeprefix("server-"))
        for c in json.loads(checks.read_text()):
            if c.get("status") in ("FAILURE", "WARNING"):
                found.append(f"{scenario}: {c.get('id')} {c['status']}: {(c.get('errorMessage') or '')[:300]}")
    return found


@pytest.mark.parametrize("run", sorted(RUNS))
def test_conformance(node, shared, tmp_path, run):
    spec = RUNS[run]
    baseline = tmp_path / "baseline.yml"
    entries = sorted(spec["expected_failures"])
    baseline.write_text("server:\n" + "".join(f'  - "{e}"\n' for e in entries) if entries else "server: []\n")
    out = tmp_path / "results"
    cmd = [str(node), str(CLI), "server", "--url", f"{shared.url}/mcp", *spec["args"],
           "--expected-failures", str(baseline), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=str(tmp_path),
                       stdin=subprocess.DEVNULL)
    text = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
    # The verdict: stale entries and unexpected failures (the suite prints them after its summary).
    cut = [i for i in (text.find("Stale baseline entries"), text.find("Unexpected failures")) if i >= 0]
    verdict = text[min(cut):] if cut else text[-6000:]
    assert r.returncode == 0, (
        f"conformance run {run} ({' '.join(spec['args'])}) exited {r.returncode}:\n{verdict[-6000:]}\n"
        f"failed/warned checks (baselined ones included):\n" + "\n".join(failing_checks(out))[-10000:])
    shared.assert_running()


def test_baseline_entries_have_reasons():
    for run, spec in RUNS.items():
        assert spec["args"], run
        for entry, reason in spec["expected_failures"].items():
            assert isinstance(reason, str) and len(reason) > 10, (run, entry)
            assert ": " not in entry, f"{run}: '{entry}' must be scenario or scenario:check-id"
