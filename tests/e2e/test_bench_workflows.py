"""bench/workflows.py's smoke run (`--tasks scene --quick`) against the real editor: the agent
workflow benchmark starts its own `godotd serve` on a temporary copy of the demo, drives
`godotd mcp` with the official SDK client (bench/workflows.mjs), builds the playable scene and
checks it on disk. The test asserts that it exits 0 and prints its per-task rows (connect and
scene, with calls, bytes and a time), and that it leaves no process behind. No figure is judged:
the benchmark has no thresholds.

Node 22 and the SDK come from scripts/install-node (as for test_mcp_sdk.py).
"""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import daemon_binary, godot_binary, processes_mentioning, repo_root

BENCH = repo_root() / "bench" / "workflows.py"
TIMEOUT_S = 900

# "godotd       steps  scene       14   15    2,764    81,631     426.3  ok: ..."
ROW = re.compile(r"^godotd\s+steps\s+(?P<task>\w+)\s+(?P<calls>\d+)\s+(?P<rpc>\d+)\s+(?P<out>[\d,]+)\s+"
                 r"(?P<inn>[\d,]+)\s+(?P<ms>[\d.]+)\s+(?P<result>.*)$")


def test_workflows_smoke_scene():
    r = subprocess.run([sys.executable, str(BENCH), "--tasks", "scene", "--quick",
                        "--godotd", str(daemon_binary()), "--godot", str(godot_binary())],
                       capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
                       cwd=str(repo_root()))
    assert r.returncode == 0, (f"workflows.py exited {r.returncode}\nstdout:\n{r.stdout[-4000:]}\n"
                               f"stderr:\n{r.stderr[-6000:]}")
    rows = {m["task"]: m for m in map(ROW.match, r.stdout.splitlines()) if m}
    assert {"connect", "scene"} <= rows.keys(), f"per-task rows missing:\n{r.stdout}"
    connect, scene = rows["connect"], rows["scene"]
    # connect is initialize + tools/list: two requests, no tool call, the tool list came back
    assert (int(connect["calls"]), int(connect["rpc"])) == (0, 2), connect.group(0)
    assert int(connect["inn"].replace(",", "")) > 0, connect.group(0)
    # the scene took tool calls, bytes both ways, and its check passed (the .tscn has the nodes)
    assert int(scene["calls"]) >= 3 and int(scene["rpc"]) >= int(scene["calls"]), scene.group(0)
    assert int(scene["out"].replace(",", "")) > 0 and int(scene["inn"].replace(",", "")) > 0, scene.group(0)
    assert scene["result"].startswith("ok:"), scene.group(0)
    assert "calls per task:" in r.stdout and "godotd steps scene: new_scene" in r.stdout, r.stdout
    # the benchmark cleans up: no daemon, proxy or editor on its temporary projects
    left = processes_mentioning("godotd-bench-workflows-")
    assert not left, f"processes left behind: {left}"
