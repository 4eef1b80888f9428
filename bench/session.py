#!/usr/bin/python3
"""Headless sessions (``godotd session``, docs/session.md): start and round-trip figures against
the real Godot.

On a fresh temporary copy of tests/projects/session, prints in one run:

  * start to banner: from spawning ``godotd session`` to its ``session/banner`` line on stdout,
    for ``--starts`` sessions one after the other, beside Godot's own start and exit with
    nothing to do (``godot --headless --path P --quit``) as the floor;
  * request round trip, one at a time (write a line, read until its answer): ``ping`` (answered
    by the session script from its main loop), ``get_game_property`` and ``call_game_method``
    (the runtime agent's game commands), p50/p99 of ``--n`` calls after ``--warmup``;
  * pipelined: ``--batch`` ``get_game_property`` requests written at once, then every answer
    read; requests per second;
  * stop: from closing stdin to the CLI's exit (quit request, Godot's exit).

No thresholds: it prints figures (``--json`` for one object). Python standard library only.
Run: ``/usr/bin/python3 bench/session.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def stats(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3),
            "p99_ms": round(percentile(ms, 99), 3), "min_ms": round(min(ms), 3)}


class Cli:
    def __init__(self, godotd: str, godot: str, project: Path):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([godotd, "session", "--project", str(project), "--godot", godot],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
        self.out = self.proc.stdout
        self.next_id = 1

    def read(self) -> dict:
        line = self.out.readline()
        if not line:
            raise RuntimeError("godotd session ended early")
        return json.loads(line)

    def until(self, pred) -> dict:
        while True:
            msg = self.read()
            if pred(msg):
                return msg

    def banner_ms(self) -> float:
        self.until(lambda m: m.get("method") == "session/banner")
        return (time.perf_counter() - self.t0) * 1000

    def write(self, method: str, params: dict | None = None) -> int:
        rid = self.next_id
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                          "params": params or {}}).encode() + b"\n")
        return rid

    def call(self, method: str, params: dict | None = None) -> dict:
        rid = self.write(method, params)
        msg = self.until(lambda m: m.get("id") == rid)
        if "result" not in msg:
            raise RuntimeError(f"{method}: {msg}")
        return msg["result"]

    def timed(self, method: str, params: dict | None, n: int, warmup: int) -> dict:
        for _ in range(warmup):
            self.call(method, params)
        ms = []
        for _ in range(n):
            t = time.perf_counter()
            self.call(method, params)
            ms.append((time.perf_counter() - t) * 1000)
        return stats(ms)

    def stop_ms(self) -> float:
        t = time.perf_counter()
        self.proc.stdin.close()
        self.proc.stdout.read()
        self.proc.wait(60)
        return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--n", type=int, default=500, help="measured calls per round-trip figure")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--starts", type=int, default=5, help="sessions started for the start figure")
    ap.add_argument("--batch", type=int, default=500, help="requests in the pipelined figure")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-session-"))
    project = tmp / "session"
    shutil.copytree(ROOT / "tests" / "projects" / "session", project)
    out: dict = {}
    try:
        # Godot's floor: start, load the project, quit at once.
        floor = []
        for _ in range(args.starts):
            t = time.perf_counter()
            subprocess.run([args.godot, "--headless", "--path", str(project), "--quit"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
            floor.append((time.perf_counter() - t) * 1000)
        starts, stops = [], []
        for _ in range(args.starts):
            c = Cli(args.godotd, args.godot, project)
            starts.append(c.banner_ms())
            stops.append(c.stop_ms())
        out["godot_quit_ms"] = stats(floor)
        out["start_to_banner_ms"] = stats(starts)
        out["stop_ms"] = stats(stops)

        c = Cli(args.godotd, args.godot, project)
        c.banner_ms()
        c.call("load_scene", {"scene_path": "res://main.tscn"})
        prop = {"node_path": "Marker", "property": "position"}
        out["ping"] = c.timed("ping", None, args.n, args.warmup)
        out["get_game_property"] = c.timed("get_game_property", prop, args.n, args.warmup)
        out["call_game_method"] = c.timed("call_game_method",
                                          {"node_path": ".", "method": "add", "args": [2, 3]},
                                          args.n, args.warmup)
        t = time.perf_counter()
        ids = [c.write("get_game_property", prop) for _ in range(args.batch)]
        seen = 0
        while seen < len(ids):
            if "id" in c.read():
                seen += 1
        took = time.perf_counter() - t
        out["pipelined"] = {"requests": args.batch, "per_s": round(args.batch / took, 1)}
        c.stop_ms()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"godotd session on {project.name} (tests/projects/session), Godot {args.godot}")
    print(f"{'figure':34} {'p50 ms':>9} {'p99 ms':>9} {'min ms':>9} {'n':>6}")
    rows = [("godot --headless --quit (floor)", out["godot_quit_ms"]),
            ("session start -> banner", out["start_to_banner_ms"]),
            ("session stop (stdin closed)", out["stop_ms"]),
            ("ping round trip", out["ping"]),
            ("get_game_property round trip", out["get_game_property"]),
            ("call_game_method round trip", out["call_game_method"])]
    for name, s in rows:
        print(f"{name:34} {s['p50_ms']:9.2f} {s['p99_ms']:9.2f} {s['min_ms']:9.2f} {s['n']:6d}")
    print(f"pipelined get_game_property: {out['pipelined']['per_s']} requests/s "
          f"({out['pipelined']['requests']} written at once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
