#!/usr/bin/python3
"""bench/toollist.py — what godotd's MCP tool list costs an agent before its first step.

Starts `godotd serve --no-autostart` on a temporary copy of examples/demo (no editor is needed for
tools/list), opens one Streamable HTTP session per toolset (core = the default, grouped, all,
all,outputs) and prints, for each: tools, bytes of the tools/list responses as sent (every page),
and tokens. With --per-tool it prints every tool's bytes and tokens and the part an agent's client
forwards to the model (name + description + inputSchema) apart from the rest. With --baseline BIN
it does the same for another godotd binary (e.g. a build of an older commit) and prints both side
by side.

Tokens are counted with gpt-tokenizer's o200k_base encoding (bench/peers/tokens.mjs, installed by
bench/peers/install); Claude's tokenizer is not public, so treat them as a close stand-in. Without
the tokenizer installed, --no-tokens prints bytes only.

    /usr/bin/python3 bench/toollist.py [--godotd BIN] [--baseline BIN] [--per-tool core|all] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLSETS = ["core", "grouped", "all", "all,outputs"]
ACCEPT = "application/json, text/event-stream"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, msg: dict, headers: dict) -> tuple[bytes, dict]:
    req = urllib.request.Request(url, json.dumps(msg).encode(),
                                 {"Content-Type": "application/json", "Accept": ACCEPT, **headers})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), dict(r.headers)


def tool_lists(godotd: str, godot: str) -> dict[str, dict]:
    """{toolset: {"bytes": n, "tools": [...], "instructions": str}} from a fresh daemon."""
    with tempfile.TemporaryDirectory(prefix="godotd-toollist-") as tmp:
        project = Path(tmp) / "demo"
        shutil.copytree(ROOT / "examples" / "demo", project)
        port = free_port()
        err = open(Path(tmp) / "stderr", "w+")
        proc = subprocess.Popen([godotd, "serve", "--project", str(project), "--port", str(port),
                                 "--no-autostart", "--godot", godot], stdout=subprocess.DEVNULL,
                                stderr=err)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1).read()
                    break
                except OSError:
                    if proc.poll() is not None:
                        err.seek(0)
                        sys.exit(f"{godotd} exited {proc.returncode}:\n{err.read()[-2000:]}")
                    time.sleep(0.05)
            out = {}
            for ts in TOOLSETS:
                url = f"{base}/mcp?toolsets={ts}"
                try:
                    body, hdrs = post(url, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                            "params": {"protocolVersion": "2025-11-25",
                                                       "capabilities": {},
                                                       "clientInfo": {"name": "toollist",
                                                                      "version": "1"}}}, {})
                except urllib.error.HTTPError:
                    continue  # an older binary without this toolset
                init = json.loads(body)["result"]
                h = {"Mcp-Session-Id": hdrs["Mcp-Session-Id"],
                     "MCP-Protocol-Version": init["protocolVersion"]}
                post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, h)
                tools, size, cursor = [], 0, None
                while True:
                    body, _ = post(url, {"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                                         "params": {"cursor": cursor} if cursor else {}}, h)
                    size += len(body)
                    res = json.loads(body)["result"]
                    tools += res["tools"]
                    cursor = res.get("nextCursor")
                    if not cursor:
                        break
                out[ts] = {"bytes": size, "tools": tools,
                           "instructions": init.get("instructions", "")}
            return out
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            err.close()


def compact(v) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def model_part(t: dict) -> dict:
    """What clients such as Claude Code forward to the model: name, description, inputSchema."""
    return {"name": t["name"], "description": t.get("description", ""),
            "input_schema": t.get("inputSchema", {})}


def token_counter(enabled: bool):
    if not enabled:
        return None
    node = subprocess.run([str(ROOT / "bench" / "peers" / "install")], capture_output=True,
                          text=True, timeout=900)
    if node.returncode != 0:
        sys.exit(f"bench/peers/install failed (use --no-tokens for bytes only):\n{node.stderr[-2000:]}")
    node_bin = node.stdout.strip().splitlines()[-1]

    def count(texts: list[str]) -> list[int]:
        r = subprocess.run([node_bin, str(ROOT / "bench" / "peers" / "tokens.mjs")],
                           input=json.dumps(texts), capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            sys.exit(f"tokens.mjs failed: {r.stderr[-2000:]}")
        return json.loads(r.stdout)
    return count


def summarize(lists: dict[str, dict], count) -> dict[str, dict]:
    out = {}
    for ts, v in lists.items():
        tools = v["tools"]
        model = [compact(model_part(t)) for t in tools]
        row = {"tools": len(tools), "bytes": v["bytes"],
               "model_bytes": sum(len(m.encode()) for m in model),
               "instructions_bytes": len(v["instructions"].encode())}
        if count:
            whole, model_tokens, instr = count([compact(tools), "".join(model), v["instructions"]])
            row.update(tokens=whole, model_tokens=model_tokens, instructions_tokens=instr)
        out[ts] = row
    return out


def per_tool(v: dict, count) -> list[dict]:
    tools = v["tools"]
    rows = []
    texts = []
    for t in tools:
        texts += [compact(t), compact(model_part(t))]
    counts = count(texts) if count else [None] * len(texts)
    for i, t in enumerate(tools):
        rows.append({"name": t["name"], "bytes": len(compact(t).encode()),
                     "model_bytes": len(compact(model_part(t)).encode()),
                     "tokens": counts[2 * i], "model_tokens": counts[2 * i + 1]})
    return sorted(rows, key=lambda r: -r["bytes"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN",
                                                      str(ROOT / ".godot-install" / "bin" / "godot")),
                    help="the Godot binary the daemons are told about (never started)")
    ap.add_argument("--baseline", help="another godotd binary to compare with")
    ap.add_argument("--per-tool", choices=TOOLSETS, help="also list every tool of this toolset")
    ap.add_argument("--no-tokens", action="store_true", help="bytes only (no node tokenizer)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    count = token_counter(not a.no_tokens)
    runs = {"godotd": tool_lists(a.godotd, a.godot)}
    if a.baseline:
        runs["baseline"] = tool_lists(a.baseline, a.godot)
    result = {name: summarize(lists, count) for name, lists in runs.items()}
    if a.per_tool:
        result["per_tool"] = per_tool(runs["godotd"][a.per_tool], count)
    if a.json:
        print(json.dumps(result, indent=1))
        return 0
    tok = "" if a.no_tokens else f" {'tokens':>8} {'to model':>9}"
    for name, rows in result.items():
        if name == "per_tool":
            continue
        print(f"\n{name}: {a.godotd if name == 'godotd' else a.baseline}")
        print(f"  {'toolset':12} {'tools':>5} {'bytes':>8} {'to model':>9}{tok} {'instructions':>12}")
        for ts, r in rows.items():
            t = "" if a.no_tokens else f" {r['tokens']:8d} {r['model_tokens']:9d}"
            print(f"  {ts:12} {r['tools']:5d} {r['bytes']:8d} {r['model_bytes']:9d}{t} "
                  f"{r['instructions_bytes']:12d}")
    if a.baseline:
        print("\nchange (godotd vs baseline)")
        for ts, r in result["godotd"].items():
            b = result["baseline"].get(ts)
            if b:
                print(f"  {ts:12} bytes {b['bytes']:8d} -> {r['bytes']:8d} "
                      f"({100 * (r['bytes'] - b['bytes']) / b['bytes']:+.0f} %)"
                      + ("" if a.no_tokens else
                         f"   tokens {b['tokens']:7d} -> {r['tokens']:7d} "
                         f"({100 * (r['tokens'] - b['tokens']) / b['tokens']:+.0f} %)"))
    if a.per_tool:
        print(f"\nper tool ({a.per_tool}), largest first: bytes / to model"
              + ("" if a.no_tokens else " / tokens / to model"))
        for r in result["per_tool"]:
            t = "" if a.no_tokens else f" {r['tokens']:6d} {r['model_tokens']:6d}"
            print(f"  {r['name']:32} {r['bytes']:6d} {r['model_bytes']:6d}{t}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
