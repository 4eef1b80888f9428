#!/usr/bin/env python3
"""bench/soak.py: a fault soak of godotd against the real editor. Not a test: it prints figures.

For --minutes (default 10) several clients, over HTTP and over MCP (Streamable HTTP), send a
steady stream of numbered mutations to one scene (create a node named after the client and the
number, with its number in its position, then save the scene), while the editor is SIGKILLed
every few seconds, SIGSTOPped now and then (the daemon must find it hung and restart it), the
daemon itself is SIGKILLed once and started again (it adopts the running editor), slow clients
drip their headers, 1,000 idle connections sit open, and oversized requests arrive.

It prints: requests sent, answered with a result, answered with each error code, cut by the
planned daemon kill, and never answered; mutations reported saved against the nodes found in the
.tscn on disk (every mutation reported saved must be there; a mutation whose create and save
straddled a kill or stop of the editor is counted apart, since its save may have run in the new
editor); whether the .tscn still loads in a headless Godot; the daemon's RSS; the time from each
kill to ready; and the daemon's sanitizer reports and unexpected exits. Exit status 0 when nothing
was lost, every request was answered and the daemon neither crashed nor reported a sanitizer
error; 1 otherwise.

Usage: /usr/bin/python3 bench/soak.py [--minutes 10] [--godotd build-test/godotd] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SCENE = "res://soak/soak.tscn"
ACCEPT = "application/json, text/event-stream"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Stats:
    """Thread-safe counters of what the clients saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.ok = 0
        self.codes: Counter[str] = Counter()
        self.cut = 0          # connection broken while the daemon was down on purpose
        self.unanswered = 0   # timed out, or the connection broke while the daemon was up
        self.unanswered_why: Counter[str] = Counter()
        self.saved: list[tuple[str, float, float]] = []  # (node name, create sent, save answered)

    def count(self, outcome: str) -> None:
        with self.lock:
            self.sent += 1
            if outcome == "ok":
                self.ok += 1
            elif outcome == "cut":
                self.cut += 1
            elif outcome == "unanswered":
                self.unanswered += 1
            else:
                self.codes[outcome] += 1


class Soak:
    def __init__(self, a):
        self.a = a
        self.tmp = Path(tempfile.mkdtemp(prefix="godotd-soak-"))
        self.project = self.tmp / "demo"
        shutil.copytree(ROOT / "examples" / "demo", self.project,
                        ignore=shutil.ignore_patterns(".godot", "addons"))
        self.port = a.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stats = Stats()
        self.stop = threading.Event()
        self.daemon_down = threading.Event()  # set while the planned daemon kill is under way
        self.windows: list[tuple[float, float, str]] = []  # editor disruptions (start, end, what)
        self.to_ready: list[tuple[str, float]] = []
        self.daemons: list[subprocess.Popen] = []
        self.rss: list[tuple[str, int]] = []
        self.unexpected_exits: list[str] = []
        self.undetected: list[str] = []
        self.slow_closed = 0
        self.idle_closed = 0
        self.idle_open = 0

    # ---- the daemon

    def start_daemon(self) -> subprocess.Popen:
        err = open(self.tmp / f"godotd-{len(self.daemons)}.stderr", "ab")
        env = {**os.environ, "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1"),
               "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1")}
        p = subprocess.Popen([self.a.godotd, "serve", "--project", str(self.project), "--port",
                              str(self.port), "--godot", self.a.godot, "--heartbeat-ms", "1000",
                              "--heartbeat-timeout-ms", str(self.a.heartbeat_timeout_ms),
                              "--crash-max", "1000", "--backoff-base-ms", "100",
                              "--backoff-max-ms", "1000", "--max-body-bytes", str(self.a.max_body)],
                             stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env,
                             start_new_session=True)
        self.daemons.append(p)
        return p

    def status(self) -> dict | None:
        try:
            r = requests.get(self.url + "/status", timeout=10)
            return r.json() if r.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None

    def wait_ready(self, timeout: float = 180) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                if requests.get(self.url + "/health", timeout=5).status_code == 200:
                    return time.monotonic() - t0
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"not ready within {timeout} s")

    # ---- mutation clients

    def classify(self, r: requests.Response | None, exc: Exception | None) -> str:
        if exc is not None:
            if self.daemon_down.is_set() and not isinstance(exc, requests.Timeout):
                return "cut"
            with self.stats.lock:
                self.stats.unanswered_why[type(exc).__name__ + ": " + str(exc)[-80:]] += 1
            return "unanswered"
        try:
            return "ok" if r.status_code == 200 else "http_" + r.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return f"http_{r.status_code}_unstructured"

    def http_call(self, command: str, params: dict) -> tuple[str, dict | None]:
        try:
            r = requests.post(f"{self.url}/godot/{command}", json=params, timeout=self.a.timeout)
            out = self.classify(r, None)
            self.stats.count(out)
            return out, r.json() if out == "ok" else None
        except requests.RequestException as e:
            out = self.classify(None, e)
            self.stats.count(out)
            return out, None

    def http_client(self, c: int) -> None:
        self.mutate_loop(f"h{c}", self.http_call)

    def mcp_client(self, c: int) -> None:
        state = {"session": None, "id": 0}

        def init() -> bool:
            try:
                r = requests.post(self.url + "/mcp", timeout=self.a.timeout, headers={"Accept": ACCEPT, "Content-Type": "application/json"},
                                  data=json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                                   "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                                              "clientInfo": {"name": "soak", "version": "1"}}}))
                if r.status_code != 200:
                    return False
                state["session"] = r.headers.get("Mcp-Session-Id")
                requests.post(self.url + "/mcp", timeout=self.a.timeout,
                              headers={"Accept": ACCEPT, "Content-Type": "application/json",
                                       "Mcp-Session-Id": state["session"]},
                              data=json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                return True
            except requests.RequestException:
                return False

        def call(command: str, params: dict) -> tuple[str, dict | None]:
            if state["session"] is None and not init():
                time.sleep(0.2)
                return "no_session", None  # not a request that reached a tool: not counted
            state["id"] += 1
            msg = {"jsonrpc": "2.0", "id": state["id"], "method": "tools/call",
                   "params": {"name": command, "arguments": params}}
            try:
                r = requests.post(self.url + "/mcp", data=json.dumps(msg), timeout=self.a.timeout,
                                  headers={"Accept": ACCEPT, "Content-Type": "application/json",
                                           "Mcp-Session-Id": state["session"]})
            except requests.RequestException as e:
                out = self.classify(None, e)
                self.stats.count(out)
                state["session"] = None
                return out, None
            if r.status_code == 404:  # the daemon restarted: sessions are gone
                state["session"] = None
                self.stats.count("mcp_session_gone")
                return "mcp_session_gone", None
            try:
                body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else \
                    json.loads([l[5:] for l in r.text.splitlines() if l.startswith("data:")][-1])
            except (ValueError, IndexError):
                self.stats.count(f"mcp_http_{r.status_code}_unparsed")
                return "bad", None
            if body.get("id") != state["id"]:
                self.stats.count("mcp_wrong_id")
                return "bad", None
            if "error" in body:
                out = f"mcp_rpc_{body['error'].get('code')}"
                self.stats.count(out)
                return out, None
            res = body["result"]
            if res.get("isError"):
                sc = res.get("structuredContent") or {}
                code = (sc.get("error") or {}).get("code") if isinstance(sc.get("error"), dict) else None
                out = "mcp_" + (code or "tool_error")
                self.stats.count(out)
                return out, None
            self.stats.count("ok")
            return "ok", res.get("structuredContent")

        self.mutate_loop(f"m{c}", call)

    def mutate_loop(self, who: str, call) -> None:
        k = 0
        while not self.stop.is_set():
            k += 1
            name = f"{who}_{k}"
            t0 = time.monotonic()
            out, _ = call("create_node", {"parent_path": ".", "type": "Node2D", "name": name,
                                          "properties": {"position": [k, len(who)]}})
            if out.endswith("no_scene") or out.endswith("not_found"):
                call("open_scene", {"scene_path": SCENE})
                continue
            if out != "ok":
                time.sleep(0.05)
                continue
            out, _ = call("save_scene", {})
            if out == "ok":
                with self.stats.lock:
                    self.stats.saved.append((name, t0, time.monotonic()))

    # ---- hostile clients

    def idle_connections(self) -> None:
        socks: list[socket.socket] = []
        while not self.stop.is_set():
            while len(socks) < self.a.idle and not self.stop.is_set():
                try:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                    s.setblocking(False)
                    socks.append(s)
                except OSError:
                    break
            self.idle_open = len(socks)
            time.sleep(1)
            alive = []
            for s in socks:
                try:
                    if s.recv(1) == b"":
                        self.idle_closed += 1
                        s.close()
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    self.idle_closed += 1
                    s.close()
                    continue
                alive.append(s)
            socks = alive
        for s in socks:
            s.close()

    def slow_clients(self) -> None:
        socks: list[socket.socket] = []
        while not self.stop.is_set():
            while len(socks) < self.a.slow:
                try:
                    s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                    s.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode())
                    socks.append(s)
                except OSError:
                    break
            alive = []
            for s in socks:
                try:
                    s.sendall(b"X")
                    alive.append(s)
                except OSError:
                    self.slow_closed += 1
                    s.close()
            socks = alive
            time.sleep(1)
        for s in socks:
            s.close()

    def oversized(self) -> None:
        big = "x" * (self.a.max_body + 1024)
        while not self.stop.wait(self.a.oversize_every):
            try:
                r = requests.post(self.url + "/godot/write_file", timeout=self.a.timeout,
                                  json={"path": "res://soak/big.txt", "content": big})
                self.stats.count(self.classify(r, None))
            except requests.RequestException as e:
                self.stats.count(self.classify(None, e))

    # ---- chaos

    def editor_pid(self) -> int | None:
        st = self.status()
        return st.get("pid") if st and st.get("state") == "ready" else None

    def chaos(self) -> None:
        rng = random.Random(7)
        start = time.monotonic()
        daemon_killed = False
        n = 0
        while not self.stop.wait(self.a.kill_every + rng.uniform(-1, 1)):
            n += 1
            if not daemon_killed and time.monotonic() - start > self.a.minutes * 30:
                daemon_killed = True
                self.kill_daemon()
                continue
            pid = self.editor_pid()
            if not pid:
                continue
            t0 = time.monotonic()
            what = "SIGSTOP" if n % self.a.stop_ratio == 0 else "SIGKILL"
            try:
                os.kill(pid, signal.SIGSTOP if what == "SIGSTOP" else signal.SIGKILL)
            except ProcessLookupError:
                continue
            # Ready again means a new editor: /health still says ready for a moment after a
            # SIGKILL, and for as long as the daemon takes to find a stopped editor hung.
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and self.editor_pid() in (None, pid):
                time.sleep(0.05)
            if what == "SIGSTOP":
                try:
                    os.kill(pid, signal.SIGCONT)  # only matters when the daemon missed it
                except ProcessLookupError:
                    pass
            if self.editor_pid() in (None, pid):
                self.undetected.append(f"{what} of pid {pid}: no new editor within 180 s")
            t1 = time.monotonic()
            self.windows.append((t0, t1, what))
            self.to_ready.append((what, t1 - t0))

    def kill_daemon(self) -> None:
        p = self.daemons[-1]
        self.rss.append(("daemon 1 before its kill", rss_kib(p.pid)))
        t0 = time.monotonic()
        self.daemon_down.set()
        p.kill()
        p.wait()
        self.start_daemon()
        try:
            self.wait_ready()
        finally:
            time.sleep(0.5)  # requests cut by the kill are still failing over
            self.daemon_down.clear()
        t1 = time.monotonic()
        self.windows.append((t0, t1, "daemon SIGKILL + restart"))
        self.to_ready.append(("daemon SIGKILL + restart (editor adopted)", t1 - t0))

    # ---- the run

    def run(self) -> int:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.start_daemon()
        print(f"soak: project {self.project}, port {self.port}, {self.a.minutes} min", flush=True)
        print(f"soak: first start ready after {self.wait_ready():.1f} s", flush=True)
        r = requests.post(self.url + "/godot/new_scene", timeout=60,
                          json={"root_type": "Node2D", "root_name": "Soak", "scene_path": SCENE})
        assert r.status_code == 200, r.text
        self.rss.append(("daemon 1 at start", rss_kib(self.daemons[-1].pid)))
        threads = [threading.Thread(target=self.http_client, args=(c,)) for c in range(self.a.http)]
        threads += [threading.Thread(target=self.mcp_client, args=(c,)) for c in range(self.a.mcp)]
        threads += [threading.Thread(target=f) for f in (self.idle_connections, self.slow_clients,
                                                          self.oversized, self.chaos)]
        for t in threads:
            t.start()
        end = time.monotonic() + self.a.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(30, max(0.1, end - time.monotonic())))
            with self.stats.lock:
                print(f"soak: {int(self.a.minutes * 60 - (end - time.monotonic()))} s: "
                      f"{self.stats.sent} sent, {self.stats.ok} ok, {len(self.stats.saved)} saved, "
                      f"{len(self.to_ready)} disruptions, idle open {self.idle_open}", flush=True)
            p = self.daemons[-1]
            if p.poll() is not None and not self.daemon_down.is_set():
                self.unexpected_exits.append(f"daemon pid {p.pid} exited {p.returncode}")
                break
        self.stop.set()
        for t in threads:
            t.join(self.a.timeout + 30)
        p = self.daemons[-1]
        self.rss.append(("daemon 2 at the end", rss_kib(p.pid)))
        return self.report()

    def report(self) -> int:
        # Stop the daemon (and with it the editor), then look at the files.
        p = self.daemons[-1]
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(90)
            except subprocess.TimeoutExpired:
                p.kill()
                self.unexpected_exits.append("the daemon did not exit within 90 s of SIGTERM")
        if p.returncode not in (0, None):
            self.unexpected_exits.append(f"the daemon exited {p.returncode} after SIGTERM")
        tscn = self.project / "soak" / "soak.tscn"
        on_disk = set(re.findall(r'^\[node name="([^"]+)" type="Node2D" parent="\."[ \]]', tscn.read_text(), re.M))

        def straddles(t0: float, t1: float) -> bool:
            return any(w0 <= t1 and t0 <= w1 for w0, w1, _ in self.windows)

        clean = [n for n, t0, t1 in self.stats.saved if not straddles(t0, t1)]
        straddled = [n for n, t0, t1 in self.stats.saved if straddles(t0, t1)]
        lost = sorted(set(clean) - on_disk)
        m = re.search(r"SOAK_LOADED (\d+)", self.load_in_godot())
        sanitizer = []
        for f in sorted(self.tmp.glob("godotd-*.stderr")):
            text = f.read_text(errors="replace")
            sanitizer += [l for l in text.splitlines()
                          if "ERROR: AddressSanitizer" in l or "runtime error:" in l or "LeakSanitizer" in l]
        s = self.stats
        print("\n== soak results")
        print(f"duration: {self.a.minutes} min; clients: {self.a.http} HTTP + {self.a.mcp} MCP; "
              f"idle connections held: {self.a.idle} (closed by the daemon, its planned kill included, "
              f"and reopened: {self.idle_closed}); slow-header clients: {self.a.slow} (closed by "
              f"the daemon and reopened: {self.slow_closed})")
        print(f"requests sent: {s.sent}; answered with a result: {s.ok}; "
              f"cut by the planned daemon kill: {s.cut}; never answered: {s.unanswered}")
        for why, n in s.unanswered_why.most_common(5):
            print(f"  never answered ({n}): {why}")
        for code, n in s.codes.most_common():
            print(f"  answered with {code}: {n}")
        print(f"mutations reported saved: {len(s.saved)} ({len(clean)} clear of any kill, "
              f"{len(straddled)} straddling one)")
        print(f"  of those clear of a kill, found in the .tscn: {len(clean) - len(lost)}; lost: {len(lost)} {lost[:10]}")
        print(f"  straddling a kill, found anyway: {len(set(straddled) & on_disk)}")
        print(f"nodes in the .tscn: {len(on_disk)}; it loads in a headless Godot: "
              f"{'yes, ' + m.group(1) + ' nodes' if m else 'NO'}")
        for what, kib in self.rss:
            print(f"RSS {what}: {kib / 1024:.1f} MiB")
        by_kind: dict[str, list[float]] = {}
        for what, d in self.to_ready:
            by_kind.setdefault(what, []).append(d)
        for what, ds in by_kind.items():
            ds = sorted(ds)
            print(f"kill → ready after {what}: n={len(ds)} min {ds[0]:.1f} s, median "
                  f"{ds[len(ds) // 2]:.1f} s, max {ds[-1]:.1f} s")
        print(f"editor kills or stops not followed by a new editor: {len(self.undetected)} {self.undetected}")
        print(f"daemon unexpected exits: {len(self.unexpected_exits)} {self.unexpected_exits}")
        print(f"sanitizer reports: {len(sanitizer)} {sanitizer[:5]}")
        print(f"files kept in {self.tmp}")
        bad = lost or s.unanswered or self.unexpected_exits or sanitizer or not m or self.undetected
        return 1 if bad else 0

    def load_in_godot(self) -> str:
        """Loads and instantiates the soak scene in a headless Godot; its stdout."""
        check = self.tmp / "check.gd"
        check.write_text(
            "extends SceneTree\nfunc _init() -> void:\n"
            f"\tvar packed: PackedScene = load(\"{SCENE}\")\n"
            "\tvar root := packed.instantiate()\n"
            "\tprint(\"SOAK_LOADED %d\" % root.get_child_count())\n"
            "\troot.free()\n\tquit(0)\n")
        return subprocess.run([self.a.godot, "--headless", "--path", str(self.project), "--script",
                               str(check)], capture_output=True, text=True, timeout=120).stdout


def main() -> int:
    ap = argparse.ArgumentParser(description="fault soak of godotd against the real editor")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--quick", action="store_true", help="1 minute, fewer clients (a smoke run)")
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build-test" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--http", type=int, default=3, help="HTTP mutation clients")
    ap.add_argument("--mcp", type=int, default=2, help="MCP mutation clients")
    ap.add_argument("--idle", type=int, default=1000, help="idle connections held open")
    ap.add_argument("--slow", type=int, default=50, help="slow-header (slowloris) connections")
    ap.add_argument("--kill-every", type=float, default=8.0, help="seconds between editor kills")
    ap.add_argument("--stop-ratio", type=int, default=5, help="every Nth disruption is a SIGSTOP")
    ap.add_argument("--heartbeat-timeout-ms", type=int, default=5000)
    ap.add_argument("--oversize-every", type=float, default=5.0)
    ap.add_argument("--max-body", type=int, default=4 << 20, help="the daemon's --max-body-bytes")
    ap.add_argument("--timeout", type=float, default=150.0, help="a request unanswered this long counts as never answered")
    a = ap.parse_args()
    if a.quick:
        a.minutes, a.http, a.mcp = 1, 2, 1
    return Soak(a).run()


if __name__ == "__main__":
    sys.exit(main())
