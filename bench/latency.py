#!/usr/bin/python3
"""godotd latency / throughput / footprint benchmark against the real Godot editor.

Starts ``godotd serve --headless`` on a fresh temporary copy of examples/demo, waits for the
editor to be ready, and prints, in one run:

  * time from ``serve`` to /health 200;
  * round trip of ``POST /godot/get_status`` over one keep-alive HTTP connection (p50/p99 of N
    requests after a warm-up), and the p50/p99 of each part of its ``Server-Timing`` header:
    the daemon's own share, the wait for the editor, the addon's handler;
  * commands/s sequential (one keep-alive connection, one request at a time) and pipelined
    (raw socket, a batch of requests written at once, then every response read back and
    checked to be 200);
  * the daemon's RSS (VmRSS), and the CPU time (utime+stime) the daemon and the editor use
    while idle for 10 s.

No thresholds: it prints figures (``--json`` for a machine-readable object). Python standard
library only. Run: ``/usr/bin/python3 bench/latency.py`` (see bench/README.md).
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- helpers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])  # utime + stime


def proc_status_kib(pid: int, key: str) -> int | None:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def server_timing(value: str | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in (value or "").split(","):
        name, _, rest = part.strip().partition(";")
        for kv in rest.split(";"):
            k, _, v = kv.strip().partition("=")
            if k == "dur":
                out[name] = float(v)
    return out


def read_response(sock: socket.socket, buf: bytearray) -> tuple[int, dict, bytes]:
    """One Content-Length framed HTTP/1.1 response off ``sock``; ``buf`` keeps the leftovers."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        buf += chunk
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    start = end + 4
    while len(buf) < start + n:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        buf += chunk
    body = bytes(buf[start:start + n])
    del buf[:start + n]
    return status, headers, body


def godot_pids(project: Path) -> list[int]:
    """Godot processes (not the daemon) whose command line mentions ``project``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if args and not Path(args[0]).name.startswith("godotd") and any(str(project) in a for a in args):
            found.append(int(name))
    return found


# ---- the benchmark -----------------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.port = args.port or free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-"))
        self.project = self.tmp / "demo"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.tmp / "godotd.stderr"
        self.results: dict = {}

    def log(self, msg: str) -> None:
        if not self.args.json:
            print(msg, flush=True)

    # -- daemon

    def start(self) -> None:
        daemon = Path(self.args.godotd or os.environ.get("GODOTD_BIN") or ROOT / "build" / "godotd")
        godot = self.args.godot or os.environ.get("GODOT_BIN") or str(ROOT / ".godot-install" / "bin" / "godot")
        if not os.access(daemon, os.X_OK):
            sys.exit(f"latency.py: no godotd binary at {daemon} (build it, or pass --godotd)")
        if not os.access(godot, os.X_OK):
            sys.exit(f"latency.py: no Godot at {godot} (pass --godot or set GODOT_BIN)")
        shutil.copytree(ROOT / "examples" / "demo", self.project,
                        ignore=shutil.ignore_patterns(".godot", "addons"))
        argv = [str(daemon), "serve", "--project", str(self.project), "--port", str(self.port),
                "--godot", godot, "--headless", *self.args.daemon_arg]
        self.results["daemon_binary"] = str(daemon)
        self.log_file = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=self.log_file, start_new_session=True)
        deadline = t0 + self.args.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"godotd exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/health")
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready within {self.args.ready_timeout} s")
            time.sleep(0.01)
        self.results["serve_to_ready_ms"] = round((time.monotonic() - t0) * 1000, 1)
        st = self.get_json("/status")
        self.status = st
        self.results["godot_version"] = st["godot"]["version"]
        self.results["daemon_version"] = st["daemon"]["version"]
        self.results["daemon_ready_after_spawn_ms"] = st.get("ready_after_ms")
        self.daemon_pid = st["daemon"]["pid"]
        self.editor_pid = st["pid"]

    def get_json(self, path: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path)
        r = conn.getresponse()
        body = json.loads(r.read())
        conn.close()
        return body

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # nothing may outlive the benchmark
        for pid in godot_pids(self.project):
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except OSError:
                pass
        try:
            self.log_file.close()
        except AttributeError:
            pass
        if self.args.keep:
            print(f"kept {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- measurements

    def latency(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = {"Content-Type": "application/json"}
        rtt, parts = [], {"daemon": [], "editor": [], "handler": []}
        for i in range(self.args.warmup + self.args.n):
            t0 = time.perf_counter_ns()
            conn.request("POST", "/godot/get_status", body=b"{}", headers=hdrs)
            r = conn.getresponse()
            body = r.read()
            t1 = time.perf_counter_ns()
            if r.status != 200:
                raise RuntimeError(f"get_status: {r.status} {body[:200]!r}")
            if i < self.args.warmup:
                continue
            rtt.append((t1 - t0) / 1e6)
            for k, v in server_timing(r.getheader("Server-Timing")).items():
                parts.setdefault(k, []).append(v)
        conn.close()
        res = {"n": len(rtt), "rtt_ms": self.summary(rtt)}
        for k, v in parts.items():
            if v:
                res[f"{k}_ms"] = self.summary(v)
        self.results["get_status"] = res

    @staticmethod
    def summary(v: list[float]) -> dict:
        return {"p50": round(percentile(v, 50), 3), "p99": round(percentile(v, 99), 3),
                "min": round(min(v), 3), "mean": round(sum(v) / len(v), 3), "max": round(max(v), 3)}

    def sequential(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = {"Content-Type": "application/json"}
        n = self.args.n
        t0 = time.perf_counter()
        for _ in range(n):
            conn.request("POST", "/godot/get_status", body=b"{}", headers=hdrs)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"sequential get_status: {r.status}")
        dt = time.perf_counter() - t0
        conn.close()
        self.results["sequential"] = {"requests": n, "seconds": round(dt, 3),
                                      "commands_per_s": round(n / dt, 1)}

    def pipelined(self) -> None:
        """For each batch size: write ``batch`` requests at once, read every response back."""
        req = (f"POST /godot/get_status HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
               "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").encode()
        out = []
        for batch in self.args.pipeline:
            rounds = self.args.pipeline_rounds
            res = {"batch": batch, "rounds": rounds, "requests": batch * rounds, "non_200": {},
                   "first_non_200": None, "error": None}
            answered = 0
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    buf = bytearray()
                    t0 = None
                    for rnd in range(rounds + 1):  # round 0 is a warm-up
                        if rnd == 1:
                            t0 = time.perf_counter()
                        s.sendall(req * batch)
                        for _ in range(batch):
                            status, _, body = read_response(s, buf)
                            answered += 1
                            if status != 200:
                                res["non_200"][status] = res["non_200"].get(status, 0) + 1
                                res["first_non_200"] = res["first_non_200"] or \
                                    body[:200].decode(errors="replace")
                    dt = time.perf_counter() - t0
                res["seconds"] = round(dt, 3)
                res["commands_per_s"] = round(batch * rounds / dt, 1)
            except (OSError, ConnectionError) as e:
                res["error"] = f"{type(e).__name__}: {e} (after {answered} responses)"
                res["commands_per_s"] = None
            out.append(res)
        self.results["pipelined"] = out

    def idle(self) -> None:
        time.sleep(self.args.settle)
        d0, e0 = cpu_ticks(self.daemon_pid), cpu_ticks(self.editor_pid)
        t0 = time.monotonic()
        time.sleep(self.args.idle)
        d1, e1 = cpu_ticks(self.daemon_pid), cpu_ticks(self.editor_pid)
        dt = time.monotonic() - t0
        ms = lambda t: round(t * 1000 / CLK_TCK, 1)
        self.results["idle"] = {
            "seconds": round(dt, 2),
            "daemon_cpu_ms": ms(d1 - d0),
            "daemon_cpu_pct": round((d1 - d0) / CLK_TCK / dt * 100, 2),
            "editor_cpu_ms": ms(e1 - e0),
            "editor_cpu_pct": round((e1 - e0) / CLK_TCK / dt * 100, 2),
            "clock_tick_ms": round(1000 / CLK_TCK, 1),
        }
        self.results["memory"] = {
            "daemon_vmrss_kib": proc_status_kib(self.daemon_pid, "VmRSS"),
            "daemon_vmhwm_kib": proc_status_kib(self.daemon_pid, "VmHWM"),
            "editor_vmrss_kib": proc_status_kib(self.editor_pid, "VmRSS"),
        }

    def run(self) -> int:
        try:
            self.log(f"godotd benchmark: starting the daemon on a fresh demo copy (port {self.port})")
            self.start()
            r = self.results
            self.log(f"  godotd {r['daemon_version']}, Godot {r['godot_version']}, {os.cpu_count()} CPUs")
            self.log(f"  serve -> ready:            {r['serve_to_ready_ms']:.0f} ms"
                     f" (daemon: editor ready {r['daemon_ready_after_spawn_ms']} ms after spawn)")
            self.latency()
            g = r["get_status"]
            self.log(f"\nPOST /godot/get_status, one keep-alive connection, n={g['n']} "
                     f"(after {self.args.warmup} warm-up)")
            self.log(f"  {'':22}{'p50':>9}{'p99':>9}{'min':>9}{'max':>9}  (ms)")
            for key, label in [("rtt_ms", "round trip (client)"), ("daemon_ms", "daemon share"),
                               ("editor_ms", "editor wait"), ("handler_ms", "handler")]:
                if key in g:
                    s = g[key]
                    self.log(f"  {label:22}{s['p50']:9.3f}{s['p99']:9.3f}{s['min']:9.3f}{s['max']:9.3f}")
            self.sequential()
            self.pipelined()
            sq = r["sequential"]
            self.log("\nthroughput (get_status)")
            self.log(f"  sequential, 1 keep-alive connection:    {sq['commands_per_s']:9.1f} commands/s"
                     f"  ({sq['requests']} in {sq['seconds']} s)")
            failed = False
            for pp in r["pipelined"]:
                label = f"pipelined, {pp['batch']} per write x {pp['rounds']}:"
                if pp["error"]:
                    failed = True
                    self.log(f"  {label:40} FAILED: {pp['error']}"
                             + (f"; first non-200: {pp['first_non_200']}" if pp["first_non_200"] else ""))
                    continue
                self.log(f"  {label:40} {pp['commands_per_s']:9.1f} commands/s"
                         f"  ({pp['requests']} in {pp['seconds']} s)"
                         + ("" if not pp["non_200"] else
                            f"  NON-200: {pp['non_200']} e.g. {pp['first_non_200']}"))
                failed = failed or bool(pp["non_200"])
            self.log(f"\nidle {self.args.idle:.0f} s (after {self.args.settle:.0f} s settle)")
            self.idle()
            i, m = r["idle"], r["memory"]
            self.log(f"  daemon CPU: {i['daemon_cpu_ms']:7.1f} ms ({i['daemon_cpu_pct']:.2f}% of a core)"
                     f"   [resolution {i['clock_tick_ms']} ms]")
            self.log(f"  editor CPU: {i['editor_cpu_ms']:7.1f} ms ({i['editor_cpu_pct']:.2f}% of a core)")
            self.log(f"  daemon VmRSS: {m['daemon_vmrss_kib'] / 1024:.1f} MiB (peak {m['daemon_vmhwm_kib'] / 1024:.1f} MiB);"
                     f" editor VmRSS: {m['editor_vmrss_kib'] / 1024:.1f} MiB")
            if self.args.json:
                print(json.dumps(r, indent=2))
            return 1 if failed else 0
        except Exception as e:  # noqa: BLE001 - report, with the daemon's log
            print(f"latency.py: {e}", file=sys.stderr)
            try:
                print("--- godotd stderr (tail) ---\n" + "\n".join(
                    self.log_path.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
            except OSError:
                pass
            return 2
        finally:
            self.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="measured requests (default 1000)")
    ap.add_argument("--warmup", type=int, default=100, help="warm-up requests (default 100)")
    ap.add_argument("--pipeline", type=lambda v: [int(x) for x in v.split(",")], default=[10, 50, 100],
                    help="requests per pipelined write, comma-separated sizes (default 10,50,100)")
    ap.add_argument("--pipeline-rounds", type=int, default=10, help="pipelined batches (default 10)")
    ap.add_argument("--idle", type=float, default=10.0, help="idle measurement seconds (default 10)")
    ap.add_argument("--settle", type=float, default=3.0, help="quiet seconds before the idle window (default 3)")
    ap.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for ready")
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--godotd", help="daemon binary (default $GODOTD_BIN, else build/godotd)")
    ap.add_argument("--godot", help="Godot binary (default $GODOT_BIN, else .godot-install/bin/godot)")
    ap.add_argument("--daemon-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for godotd serve (repeat), e.g. --daemon-arg=--heartbeat-ms=60000")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project and daemon log")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return Bench(ap.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
