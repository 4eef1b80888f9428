#!/usr/bin/python3
"""godotd MCP benchmark: tools/call latency over stdio and Streamable HTTP, next to the plain
HTTP API, and the response size of common calls (agents pay per token).

Starts one ``godotd serve --headless`` on a fresh temporary copy of examples/demo (real Godot
editor), waits until it is ready, and prints in one run:

  * p50/p99 round trip of ``get_status`` through ``POST /godot/get_status`` (HTTP API, one
    keep-alive connection), through MCP ``tools/call`` over Streamable HTTP (one keep-alive
    connection, a session), and over stdio (``godotd mcp --project``: the proxy attaches to the
    same daemon and relays over its own kept connections; one JSON-RPC line out, one back);
    the three are called in turn within each iteration (interleaved, the order rotating), so
    load from elsewhere on the machine falls on all of them alike;
  * the same for ``get_scene_tree`` (a bigger answer);
  * stdio next to Streamable HTTP: their p50 and p99 side by side and the difference (what the
    proxy's hop costs), the median of the per-iteration differences, and the CPU time the
    proxy process spent per call (user + system, from /proc: unlike the round trips, hardly
    moved by other load on the machine);
  * the bytes of each MCP response (the whole JSON-RPC message, as a client reads it) for a few
    common calls, and of ``tools/list`` (default core set and ``toolsets=all``).

No thresholds: figures only (``--json`` for a machine-readable object). Python standard library
only. Run: ``/usr/bin/python3 bench/mcp.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import ROOT, cpu_ticks, free_port, percentile  # noqa: E402

ACCEPT = "application/json, text/event-stream"


class HttpMcp:
    def __init__(self, port: int, query: str = ""):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.path = "/mcp" + query
        self.headers = {"Accept": ACCEPT, "Content-Type": "application/json"}
        self.next_id = 1
        res, _ = self.rpc("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                         "clientInfo": {"name": "bench", "version": "1"}})
        self.headers["MCP-Protocol-Version"] = res["result"]["protocolVersion"]
        self.notify("notifications/initialized")

    def _post(self, msg: dict) -> tuple[int, bytes, dict]:
        self.conn.request("POST", self.path, body=json.dumps(msg), headers=self.headers)
        r = self.conn.getresponse()
        body = r.read()
        if r.getheader("Mcp-Session-Id"):
            self.headers["Mcp-Session-Id"] = r.getheader("Mcp-Session-Id")
        return r.status, body, dict(r.getheaders())

    def rpc(self, method: str, params: dict | None = None) -> tuple[dict, int]:
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.next_id += 1
        status, body, headers = self._post(msg)
        assert status == 200, (status, body[:300])
        if headers.get("Content-Type", "").startswith("text/event-stream"):
            datas = [l[5:].strip() for l in body.decode().splitlines() if l.startswith("data:")]
            body = datas[-1].encode()
        return json.loads(body), len(body)

    def notify(self, method: str) -> None:
        status, _, _ = self._post({"jsonrpc": "2.0", "method": method})
        assert status == 202, status


class StdioMcp:
    def __init__(self, godotd: str, project: Path):
        # Buffered pipes (readline on an unbuffered one reads a byte per system call, which
        # would be timed as the proxy's); each line is flushed as it is written.
        self.p = subprocess.Popen([godotd, "mcp", "--project", str(project)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 1
        self.rpc("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg: dict) -> None:
        self.p.stdin.write((json.dumps(msg) + "\n").encode())
        self.p.stdin.flush()

    def rpc(self, method: str, params: dict | None = None) -> tuple[dict, int]:
        my_id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params or {}})
        while True:
            line = self.p.stdout.readline()
            assert line, "godotd mcp closed stdout"
            msg = json.loads(line)
            if msg.get("id") == my_id:
                return msg, len(line.rstrip(b"\n"))

    def close(self) -> None:
        self.p.stdin.close()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()


def timed_interleaved(fns: list, n: int, warmup: int) -> list[list[float]]:
    """Round trips (ms) of each of fns, n each after warmup: every iteration calls all of them,
    starting with a different one each time."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    out: list[list[float]] = [[] for _ in fns]
    for i in range(n):
        for k in range(len(fns)):
            j = (i + k) % len(fns)
            t0 = time.perf_counter()
            fns[j]()
            out[j].append((time.perf_counter() - t0) * 1000.0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500, help="measured calls per call and transport")
    ap.add_argument("--warmup", type=int, default=50, help="unmeasured calls first")
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")),
                    help="the godotd binary, for the daemon and the stdio proxy "
                         "(default $GODOTD_BIN, else build/godotd)")
    ap.add_argument("--proxy", help="another godotd binary for the stdio proxy only (default: --godotd), "
                                    "to compare two proxies against the same daemon")
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")),
                    help="the Godot editor (default $GODOT_BIN, else .godot-install/bin/godot)")
    ap.add_argument("--json", action="store_true", help="one JSON object instead of the text")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project copy")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-mcp-"))
    project = tmp / "demo"
    shutil.copytree(ROOT / "examples" / "demo", project, ignore=shutil.ignore_patterns(".godot", "addons"))
    port = free_port()
    daemon = subprocess.Popen([args.godotd, "serve", "--project", str(project), "--port", str(port),
                               "--godot", args.godot], stdout=subprocess.DEVNULL,
                              stderr=open(tmp / "daemon.err", "wb"), start_new_session=True)
    out: dict = {"n": args.n, "godotd": args.godotd, "proxy": args.proxy or args.godotd}
    try:
        api = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        deadline = time.time() + 120
        while True:
            try:
                api.request("GET", "/health")
                r = api.getresponse()
                r.read()
                if r.status == 200:
                    break
            except OSError:
                api = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if time.time() > deadline:
                print("the editor did not become ready", file=sys.stderr)
                return 2
            time.sleep(0.1)

        def api_call(name: str, params: dict):
            def f():
                api.request("POST", "/godot/" + name, body=json.dumps(params),
                            headers={"Content-Type": "application/json"})
                r = api.getresponse()
                r.read()
                assert r.status == 200
            return f

        api.request("POST", "/godot/open_scene", body=json.dumps({"scene_path": "res://main.tscn"}))
        api.getresponse().read()
        hm = HttpMcp(port)
        sm = StdioMcp(args.proxy or args.godotd, project)
        rows, versus = [], []
        tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
        for name, params in [("get_status", {}), ("get_scene_tree", {})]:
            call = {"name": name, "arguments": params}
            labels = ["HTTP API", "MCP Streamable HTTP", "MCP stdio (godotd mcp)"]
            proxy_ticks = cpu_ticks(sm.p.pid)
            api_ms, http_ms, stdio_ms = timed_interleaved(
                [api_call(name, params), lambda: hm.rpc("tools/call", call),
                 lambda: sm.rpc("tools/call", call)], args.n, args.warmup)
            proxy_us = (cpu_ticks(sm.p.pid) - proxy_ticks) * tick_us / (args.n + args.warmup)
            for label, ms in zip(labels, [api_ms, http_ms, stdio_ms]):
                rows.append({"call": name, "transport": label, "p50_ms": percentile(ms, 50),
                             "p99_ms": percentile(ms, 99)})
            h50, h99, s50, s99 = (percentile(http_ms, 50), percentile(http_ms, 99),
                                  percentile(stdio_ms, 50), percentile(stdio_ms, 99))
            versus.append({"call": name, "http_p50_ms": h50, "http_p99_ms": h99,
                           "stdio_p50_ms": s50, "stdio_p99_ms": s99,
                           "diff_p50_ms": s50 - h50, "diff_p99_ms": s99 - h99,
                           "paired_median_diff_ms": percentile([s - h for s, h in zip(stdio_ms, http_ms)], 50),
                           "proxy_cpu_us_per_call": proxy_us})
        out["latency"] = rows
        out["stdio_vs_http"] = versus
        sizes = []
        for name, params in [("get_status", {}), ("get_scene_tree", {}), ("get_scene_tree", {"max_depth": 1}),
                             ("editor_status", {}), ("editor_logs", {"limit": 20})]:
            _, size = hm.rpc("tools/call", {"name": name, "arguments": params})
            sizes.append({"call": f"{name} {json.dumps(params) if params else ''}".strip(), "bytes": size})
        _, size = hm.rpc("tools/list")
        sizes.append({"call": "tools/list (core)", "bytes": size})
        allm = HttpMcp(port, "?toolsets=all")
        total, cursor, count = 0, None, 0
        while True:
            res, size = allm.rpc("tools/list", {"cursor": cursor} if cursor else {})
            total += size
            count += len(res["result"]["tools"])
            cursor = res["result"].get("nextCursor")
            if not cursor:
                break
        sizes.append({"call": f"tools/list (all, {count} tools)", "bytes": total})
        out["sizes"] = sizes
        sm.close()
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            daemon.kill()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"tools/call round trip, n={args.n} after {args.warmup} warm-up, transports interleaved (ms)")
    print(f"{'call':16} {'transport':26} {'p50':>8} {'p99':>8}")
    for r in out["latency"]:
        print(f"{r['call']:16} {r['transport']:26} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f}")
    print("\nMCP stdio next to MCP Streamable HTTP (ms; difference = stdio - HTTP, what the proxy adds)")
    print(f"{'call':16} {'HTTP p50':>9} {'stdio p50':>9} {'diff':>7}   {'HTTP p99':>9} {'stdio p99':>9} {'diff':>7}"
          f"   {'paired median diff':>18}   {'proxy CPU/call':>14}")
    for v in out["stdio_vs_http"]:
        print(f"{v['call']:16} {v['http_p50_ms']:9.3f} {v['stdio_p50_ms']:9.3f} {v['diff_p50_ms']:+7.3f}   "
              f"{v['http_p99_ms']:9.3f} {v['stdio_p99_ms']:9.3f} {v['diff_p99_ms']:+7.3f}   "
              f"{v['paired_median_diff_ms']:+18.3f}   {v['proxy_cpu_us_per_call']:11.0f} us")
    print("\nresponse sizes (bytes of the JSON-RPC message)")
    for s in out["sizes"]:
        print(f"  {s['call']:40} {s['bytes']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
