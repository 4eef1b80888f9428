#!/usr/bin/python3
"""Several projects under one daemon: footprint and isolation, against real editors.

For 1, 4 and 8 projects (fresh copies of examples/demo, one `godotd serve --project ...` each
time), once every editor is ready and after --settle quiet seconds, prints over --idle seconds:
the daemon's resident memory and CPU, and the editors' (summed; per editor too) — i.e. the
daemon alone, and the daemon with its editors.

Then, with two projects, the round trip of `get_status` on one project (p50/p99, errors) while
idle, side by side with the same while the other project's editor is restarted over and over
(POST /projects/<other>/restart) — the isolation the daemon promises.

No thresholds: figures only (--json for one object). Python standard library only.
Run: /usr/bin/python3 bench/projects.py (see bench/README.md); about 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


class Api:
    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, json.loads(raw) if raw else {}
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        return 0, {}


def start(args, projects: list[Path], tmp: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    argv = [args.godotd, "serve", "--port", str(port), "--godot", args.godot]
    for p in projects:
        argv += ["--project", str(p)]
    log = open(tmp / f"godotd-{len(projects)}.log", "wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    api = Api(port)
    deadline = time.monotonic() + 600
    while True:
        try:
            status, body = api.call("GET", "/projects")
            if status == 200 and all(p["ready"] for p in body["projects"]) and len(body["projects"]) == len(projects):
                return proc, port
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{len(projects)} projects did not become ready (see {log.name})")
        time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def footprint(args, n: int, tmp: Path) -> dict:
    projects = []
    for i in range(n):
        dest = tmp / f"fp{n}" / f"p{i}"
        shutil.copytree(ROOT / "examples" / "demo", dest, ignore=shutil.ignore_patterns(".godot", "addons"))
        projects.append(dest)
    proc, port = start(args, projects, tmp)
    try:
        time.sleep(args.settle)
        editors = [p["pid"] for p in Api(port).call("GET", "/projects")[1]["projects"]]
        d0 = cpu_s(proc.pid)
        e0 = {pid: cpu_s(pid) for pid in editors}
        time.sleep(args.idle)
        d1 = cpu_s(proc.pid)
        e1 = {pid: cpu_s(pid) for pid in editors}
        editor_rss = [rss_mib(pid) for pid in editors]
        return {
            "projects": n,
            "daemon_rss_mib": round(rss_mib(proc.pid), 1),
            "daemon_cpu_pct": round(100 * (d1 - d0) / args.idle, 2),
            "editors_rss_mib": round(sum(editor_rss), 1),
            "editor_rss_mib_each": round(sum(editor_rss) / len(editor_rss), 1),
            "editors_cpu_pct": round(100 * sum(e1[p] - e0[p] for p in editors) / args.idle, 2),
        }
    finally:
        stop(proc)


def isolation(args, tmp: Path) -> dict:
    a = tmp / "iso" / "steady"
    b = tmp / "iso" / "restarting"
    for dest in (a, b):
        shutil.copytree(ROOT / "examples" / "demo", dest, ignore=shutil.ignore_patterns(".godot", "addons"))
    proc, port = start(args, [a, b], tmp)
    try:
        def measure(seconds: float) -> tuple[list[float], int]:
            api = Api(port)
            ms, errors = [], 0
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t = time.perf_counter()
                status, _ = api.call("POST", "/projects/steady/godot/get_status", {})
                ms.append((time.perf_counter() - t) * 1000)
                errors += status != 200
            return ms, errors

        idle_ms, idle_err = measure(args.window)
        restarts = 0
        stop_flag = threading.Event()

        def restarter():
            nonlocal restarts
            api = Api(port)
            while not stop_flag.is_set():
                status, _ = api.call("POST", "/projects/restarting/restart", {"wait": True})
                restarts += status in (200, 202)

        t = threading.Thread(target=restarter, daemon=True)
        t.start()
        busy_ms, busy_err = measure(args.window)
        stop_flag.set()
        t.join(120)
        return {
            "idle": {"n": len(idle_ms), "p50_ms": round(percentile(idle_ms, 50), 3),
                     "p99_ms": round(percentile(idle_ms, 99), 3), "errors": idle_err},
            "other_restarting": {"n": len(busy_ms), "p50_ms": round(percentile(busy_ms, 50), 3),
                                 "p99_ms": round(percentile(busy_ms, 99), 3), "errors": busy_err,
                                 "restarts_of_the_other": restarts},
        }
    finally:
        stop(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--counts", default="1,4,8", help="project counts for the footprint")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--window", type=float, default=15.0, help="seconds per latency figure")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-projects-"))
    out: dict = {"footprint": [], "isolation": None}
    try:
        for n in [int(x) for x in args.counts.split(",")]:
            out["footprint"].append(footprint(args, n, tmp))
        out["isolation"] = isolation(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"godotd with several projects (fresh examples/demo copies; idle {args.idle:.0f} s after {args.settle:.0f} s)")
    print(f"{'projects':>8} {'daemon RSS':>11} {'daemon CPU':>11} {'editors RSS':>12} {'per editor':>11} {'editors CPU':>12}")
    for f in out["footprint"]:
        print(f"{f['projects']:>8} {f['daemon_rss_mib']:>8.1f} MiB {f['daemon_cpu_pct']:>9.2f} % "
              f"{f['editors_rss_mib']:>8.1f} MiB {f['editor_rss_mib_each']:>7.1f} MiB {f['editors_cpu_pct']:>10.2f} %")
    iso = out["isolation"]
    print("\nget_status on one project, one request at a time:")
    print(f"{'':28} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label, key in (("the other project idle", "idle"), ("the other restarting", "other_restarting")):
        s = iso[key]
        print(f"{label:28} {s['n']:>6} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {s['errors']:>7}")
    print(f"(the other project's editor was restarted {iso['other_restarting']['restarts_of_the_other']} times meanwhile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
