#!/usr/bin/python3
"""bench/resources.py — MCP resources on a project (default: a copy of examples/demo; use
bench/make_project.py for one that looks like a real game).

Starts `godotd serve --headless` on a temporary copy of PROJECT, waits until the editor is ready
(the first import included: printed), opens SCENE, and over one MCP Streamable HTTP session
measures: resources/read of godot://scene/current (bytes, time, node count equal to
get_scene_tree's), of godot://project, and of the largest file under res:// (a blob or text,
checked byte for byte); then subscribes to godot://scene/current and times from a create_node
request to the notifications/resources/updated on the session's GET stream, and tools/list's size.
Prints figures only; exits 1 when a check fails.

    /usr/bin/python3 bench/resources.py [--project DIR] [--scene res://...] [--godotd BIN] [--n 20]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ACCEPT = "application/json, text/event-stream"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, url: str):
        self.url = url + "/mcp"
        self.http = requests.Session()
        self.http.trust_env = False
        self.h = {"Accept": ACCEPT, "Content-Type": "application/json"}
        r = self.post("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                     "clientInfo": {"name": "bench", "version": "1"}}, raw=True)
        self.h["Mcp-Session-Id"] = r.headers["Mcp-Session-Id"]
        self.h["MCP-Protocol-Version"] = "2025-11-25"
        self.http.post(self.url, headers=self.h, timeout=30,
                       data=json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))

    def post(self, method: str, params: dict | None = None, raw: bool = False):
        r = self.http.post(self.url, headers=self.h, timeout=600, data=json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}))
        if raw:
            return r
        if r.headers["Content-Type"].startswith("text/event-stream"):
            data = [ln[5:].strip() for ln in r.text.splitlines() if ln.startswith("data:")]
            return json.loads(data[-1]), len(r.content)
        return r.json(), len(r.content)

    def call(self, name: str, args: dict | None = None) -> dict:
        msg, _ = self.post("tools/call", {"name": name, "arguments": args or {}})
        res = msg["result"]
        if res.get("isError"):
            raise RuntimeError(f"{name}: {res['structuredContent']}")
        return res["structuredContent"]


def count(tree: dict) -> int:
    return 1 + sum(count(c) for c in tree.get("children") or [])


def timed(fn, n: int) -> tuple[list[float], object]:
    out, last = [], None
    for _ in range(n):
        t = time.perf_counter()
        last = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", default=str(ROOT / "examples" / "demo"))
    ap.add_argument("--scene", help="res:// scene to open (default: the project's largest .tscn)")
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--n", type=int, default=20)
    a = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="godotd-bench-resources-") as tmp:
        project = Path(tmp) / "p"
        shutil.copytree(a.project, project, ignore=shutil.ignore_patterns(".godot"))
        files = [f for f in project.rglob("*") if f.is_file() and ".godot" not in f.parts]
        scene = a.scene or "res://" + str(max((f for f in files if f.suffix == ".tscn"),
                                              key=lambda f: f.stat().st_size).relative_to(project))
        port = free_port()
        err = open(Path(tmp) / "stderr", "w")
        t0 = time.monotonic()
        proc = subprocess.Popen([a.godotd, "serve", "--project", str(project), "--port", str(port),
                                 "--headless", "--godot", a.godot], stdout=subprocess.DEVNULL, stderr=err)
        try:
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if requests.get(url + "/health", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if proc.poll() is not None or time.monotonic() - t0 > 1800:
                    sys.exit(f"the daemon did not get ready (see {tmp}/stderr)")
                time.sleep(0.1)
            print(f"project: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB; "
                  f"serve -> ready (first import included) {time.monotonic() - t0:.1f} s")
            s = Session(url)
            s.call("open_scene", {"scene_path": scene})
            tree = s.call("get_scene_tree")
            ms, (msg, size) = timed(lambda: s.post("resources/read", {"uri": "godot://scene/current"}), a.n)
            got = json.loads(msg["result"]["contents"][0]["text"])
            same = got == tree
            ok &= same
            print(f"godot://scene/current ({scene}, {count(tree['root'])} nodes): {size:,} B, "
                  f"p50 {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms; equals get_scene_tree: {same}")
            ms, (msg, size) = timed(lambda: s.post("resources/read", {"uri": "godot://project"}), a.n)
            print(f"godot://project: {size:,} B, p50 {statistics.median(ms):.1f} ms")
            big = max(files, key=lambda f: f.stat().st_size)
            uri = "res://" + str(big.relative_to(project))
            ms, (msg, size) = timed(lambda: s.post("resources/read", {"uri": uri}), max(1, a.n // 4))
            c = msg["result"]["contents"][0]
            body = base64.b64decode(c["blob"]) if "blob" in c else c["text"].encode()
            same = body == big.read_bytes()
            ok &= same
            print(f"{uri} ({big.stat().st_size:,} B, {c['mimeType']}): answer {size:,} B, "
                  f"p50 {statistics.median(ms):.1f} ms; byte for byte: {same}")
            # A subscription: time from an edit's answer to its update on the GET stream.
            got_update = threading.Event()
            stream = s.http.get(s.url, headers={**s.h, "Accept": "text/event-stream"}, stream=True, timeout=600)

            def reader():
                try:
                    for line in stream.iter_lines(decode_unicode=True):
                        if line and line.startswith("data:") and "notifications/resources/updated" in line:
                            got_update.set()
                except (AttributeError, requests.RequestException):
                    pass  # closed at the end

            threading.Thread(target=reader, daemon=True).start()
            s.post("resources/subscribe", {"uri": "godot://scene/current"})
            lat = []
            for i in range(min(a.n, 10)):
                got_update.clear()
                t = time.perf_counter()
                s.call("create_node", {"parent_path": ".", "type": "Node2D", "name": f"Bench{i}"})
                answered = (time.perf_counter() - t) * 1000
                if not got_update.wait(10):
                    ok = False
                    print("no notifications/resources/updated within 10 s of an edit")
                    break
                lat.append(((time.perf_counter() - t) * 1000, answered))
                time.sleep(0.3)  # past the 250 ms coalescing window
            if lat:
                print(f"create_node sent -> resources/updated: p50 {statistics.median(x for x, _ in lat):.1f} ms "
                      f"(its answer: p50 {statistics.median(y for _, y in lat):.1f} ms; one edit every "
                      f"300 ms; a burst is coalesced to one update per 250 ms)")
            stream.close()
            _, size = s.post("tools/list")
            print(f"tools/list (default): {size:,} B")
        finally:
            proc.terminate()
            proc.wait(30)
            err.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
