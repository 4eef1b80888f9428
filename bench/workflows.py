#!/usr/bin/python3
"""Agent workflows through MCP: tool calls, bytes on the wire and wall time per task.

The tasks an agent does when it builds a small game, driven by bench/workflows.mjs (the official
MCP TypeScript SDK client over stdio) against `godotd mcp --project` on a fresh copy of
examples/demo, the daemon (`godotd serve --headless`) started first, as an agent's editor is:

  connect  initialize + tools/list (the default tool list)
  scene    a playable scene: player body, sprite, collision shape, camera, a script moving on
           four input actions it adds, saved
  error    a mistake put into the script, found with its file and line
  fix      the mistake fixed, the script checks clean
  run      the scene run and its output read (the script's print)
  undo     a node added by mistake, undone

Each task is checked after its calls (files on disk, the error's file and line, check_script,
the run's output, the scene tree): a failed check prints FAILED and the exit status is 1.
godotd runs in two styles: "steps" (one command per call, check_script after each script edit)
and "min" (the fewest calls its documented tools allow). Then the peer @coding-solo/godot-mcp
0.1.1 (bench/peers) does what its tools can, on its own copy, with a private Xvfb for the games
it runs (it does not run them headless). Figures only: no thresholds.

Run: ``/usr/bin/python3 bench/workflows.py`` (bench/README.md, section bench/workflows.py);
``--tasks scene --quick`` is the smoke run the e2e test uses.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import ROOT, godot_pids  # noqa: E402
from peers import copy_demo, start_godotd, stop_godotd  # noqa: E402

BENCH = Path(__file__).resolve().parent
DRIVER = BENCH / "workflows.mjs"
TASKS = ["scene", "error", "fix", "run", "undo"]
STYLES = ["steps", "min"]


def install_node(with_peer: bool) -> tuple[str, Path]:
    """(node 22 binary, node_modules holding the SDK). The peer's install brings the SDK too;
    without the peer, scripts/install-node's tests/mcp copy (the same pinned SDK) is used."""
    if with_peer:
        node = subprocess.run([str(BENCH / "peers" / "install")], check=True, capture_output=True,
                              text=True).stdout.strip()
        return node, BENCH / "peers" / "node_modules"
    node = subprocess.run([str(ROOT / "scripts" / "install-node")], check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]
    return node, ROOT / "tests" / "mcp" / "node_modules"


def run_driver(node: str, argv: list[str], env: dict, log: Path, timeout: float) -> tuple[int, dict | None]:
    """Runs workflows.mjs: (exit status, its JSON report or None)."""
    with open(log, "wb") as err:
        p = subprocess.run([node, str(DRIVER), *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=err, env=env, timeout=timeout)
    try:
        return p.returncode, json.loads(p.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return p.returncode, None


def start_xvfb(log: Path) -> tuple[subprocess.Popen, str]:
    """A private X server (Xvfb picks a free display and writes its number on -displayfd)."""
    r, w = os.pipe()
    x = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                         pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(log, "wb"), start_new_session=True)
    os.close(w)
    buf = b""
    deadline = time.monotonic() + 20
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            x.kill()
            raise RuntimeError("Xvfb did not report a display in 20 s: " + log.read_text(errors="replace")[-500:])
        chunk = os.read(r, 64)
        if not chunk:
            raise RuntimeError(f"Xvfb exited ({x.wait()}): " + log.read_text(errors="replace")[-500:])
        buf += chunk
    os.close(r)
    return x, ":" + buf.decode().strip()


def godot_on_display(godot: str, d: Path) -> str:
    """The Godot the peer spawns for its games: with the GL environment of the private install
    (.godot-install/render.env, Mesa llvmpipe: what godotd gives an editor on a display) when
    there is one, through a wrapper script, since the peer's own node must not get those
    libraries (LD_LIBRARY_PATH)."""
    f = Path(godot).resolve().parent.parent / "render.env"
    if not f.is_file():
        return godot
    lines = [f"export {k.strip()}='{v.strip()}'" for k, _, v in
             (ln.partition("=") for ln in f.read_text().splitlines()) if k.strip() and v.strip()]
    w = d / "godot-on-display"
    w.write_text("#!/bin/sh\n" + "\n".join(lines) + f"\nexec '{godot}' \"$@\"\n")
    w.chmod(0o755)
    return str(w)


def kill_godots(project: Path) -> None:
    for pid in godot_pids(project):  # ours: the command line names our temporary copy
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma list of " + ", ".join(TASKS) +
                    " (a task also runs the ones it builds on: error needs scene)")
    ap.add_argument("--styles", default=None, help="godotd styles: steps, min (default both; --quick: steps)")
    ap.add_argument("--peer", choices=["coding-solo", "none"], default=None,
                    help="the peer to run too (default coding-solo; --quick: none)")
    ap.add_argument("--quick", action="store_true", help="smoke run: one style, no peer")
    ap.add_argument("--fallback", choices=["enable", "run"], default="enable",
                    help="how a tool not in tools/list is reached: enable_toolsets + tools/list (default) "
                    "or run_command")
    ap.add_argument("--poll-ms", type=int, default=1000, help="the peer's get_debug_output polling interval")
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary projects and logs")
    args = ap.parse_args()
    tasks = [t for t in args.tasks.split(",") if t]
    for t in tasks:
        if t not in TASKS:
            ap.error(f"unknown task {t}")
    styles = [s for s in (args.styles or ("steps" if args.quick else "steps,min")).split(",") if s]
    for s in styles:
        if s not in STYLES:
            ap.error(f"unknown style {s}")
    peer = args.peer or ("none" if args.quick else "coding-solo")
    if not os.access(args.godotd, os.X_OK):
        sys.exit(f"workflows.py: no godotd binary at {args.godotd} (build it, or pass --godotd)")
    if not os.access(args.godot, os.X_OK):
        sys.exit(f"workflows.py: no Godot at {args.godot} (pass --godot or set GODOT_BIN)")

    node, sdk = install_node(peer != "none")
    version = subprocess.run([args.godot, "--version"], capture_output=True, text=True).stdout.strip()
    godotd_version = subprocess.run([args.godotd, "version"], capture_output=True, text=True).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-workflows-"))
    out: dict = {"godot": version, "godotd": godotd_version, "tasks": tasks, "runs": []}
    rc = 0
    try:
        handover = None
        for style in styles:
            d = tmp / f"godotd-{style}"
            d.mkdir()
            project = copy_demo(d)
            daemon, info = start_godotd(args, project, d)
            try:
                code, res = run_driver(node, ["--sdk", str(sdk), "--server", "godotd", "--godotd", args.godotd,
                                              "--project", str(project), "--style", style, "--tasks", ",".join(tasks),
                                              "--fallback", args.fallback,
                                              "--registry", str(ROOT / "schema" / "commands")],
                                       dict(os.environ), d / "driver.err", timeout=900)
            finally:
                stop_godotd(daemon, project)
            if res is None:
                raise RuntimeError(f"workflows.mjs (godotd {style}) exited {code} without a report: " +
                                   (d / "driver.err").read_text(errors="replace")[-3000:])
            res["serve_to_ready_ms"] = info["serve_to_ready_ms"]
            out["runs"].append(res)
            handover = handover or project
            if code != 0:
                rc = 1
                args.keep = True
        if peer == "coding-solo":
            d = tmp / "coding-solo"
            d.mkdir()
            project = copy_demo(d)
            if handover is None:  # the peer's error/fix/run need a scene godotd built
                raise RuntimeError("the peer needs a godotd run first (a style)")
            t0 = time.monotonic()
            subprocess.run([args.godot, "--headless", "--path", str(project), "--import"], capture_output=True,
                           timeout=300)
            import_ms = (time.monotonic() - t0) * 1000
            xvfb, display = start_xvfb(d / "xvfb.err")
            try:
                env = {**os.environ, "GODOT_PATH": godot_on_display(args.godot, d), "DISPLAY": display}
                code, res = run_driver(node, ["--sdk", str(sdk), "--server", "coding-solo", "--peer",
                                              str(BENCH / "peers" / "node_modules" / "@coding-solo" / "godot-mcp" /
                                                  "build" / "index.js"),
                                              "--project", str(project), "--handover", str(handover),
                                              "--tasks", ",".join(tasks), "--poll-ms", str(args.poll_ms)],
                                       env, d / "driver.err", timeout=900)
            finally:
                kill_godots(project)
                xvfb.terminate()
                xvfb.wait()
            if res is None:
                raise RuntimeError(f"workflows.mjs (coding-solo) exited {code} without a report: " +
                                   (d / "driver.err").read_text(errors="replace")[-3000:])
            res["import_ms"] = import_ms
            out["runs"].append(res)
            if code != 0:
                rc = 1
                args.keep = True
    except Exception as e:  # noqa: BLE001 — report and keep the logs
        print(f"workflows.py: {e}", file=sys.stderr)
        args.keep = True
        rc = 2
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=1))
    elif out["runs"]:
        print_table(out)
    return rc


def squeeze(calls: list[str]) -> str:
    """["add_action", "add_action", "write_file"] -> "add_action x2, write_file"."""
    parts: list[str] = []
    for c in calls:
        if parts and parts[-1].split(" x")[0] == c:
            head, _, n = parts[-1].partition(" x")
            parts[-1] = f"{head} x{int(n or 1) + 1}"
        else:
            parts.append(c)
    return ", ".join(parts)


def print_table(out: dict) -> None:
    print(f"Godot {out['godot']}; {out['godotd']}; MCP stdio, official SDK client 1.32.2 (bench/workflows.mjs)")
    for r in out["runs"]:
        si = r.get("server_info") or {}
        extra = (f"serve -> ready {r['serve_to_ready_ms']:.0f} ms (before connecting)" if "serve_to_ready_ms" in r
                 else f"project imported first ({r['import_ms']:.0f} ms), games on a private Xvfb")
        print(f"  {r['server']} {r['style']}: {si.get('name')} {si.get('version')}, {len(r['tools'])} tools listed, "
              f"{extra}")
    print()
    head = f"{'server':12} {'style':6} {'task':8} {'calls':>5} {'rpc':>4} {'req B':>8} {'resp B':>9} {'ms':>9}  result"
    print(head)
    for r in out["runs"]:
        c = r["connect"]
        print(f"{r['server']:12} {r['style']:6} {'connect':8} {c['tool_calls']:>5} {c['requests']:>4} "
              f"{c['bytes_out']:>8,} {c['bytes_in']:>9,} {c['ms']:>9.1f}  ok: initialize + tools/list "
              f"({len(r['tools'])} tools)")
        tot = {"tool_calls": 0, "requests": 0, "bytes_out": 0, "bytes_in": 0, "ms": 0.0}
        for t in r["tasks"]:
            if t.get("not_possible") or t.get("skipped"):
                why = f"not possible: {t['not_possible']}" if t.get("not_possible") else f"skipped: {t['skipped']}"
                print(f"{r['server']:12} {r['style']:6} {t['name']:8} {'-':>5} {'-':>4} {'-':>8} {'-':>9} "
                      f"{'-':>9}  {why}")
                continue
            for k in tot:
                tot[k] += t.get(k, 0)
            if t.get("error"):
                res = f"FAILED: {t['error']}"
            elif t.get("partial"):
                res = f"partial: {t['found']}"
            else:
                res = f"ok: {t['found']}"
            own = f" +{t['own_edits']} own edit" if t.get("own_edits") else ""
            print(f"{r['server']:12} {r['style']:6} {t['name']:8} {t['tool_calls']:>5} {t['requests']:>4} "
                  f"{t['bytes_out']:>8,} {t['bytes_in']:>9,} {t['ms']:>9.1f}  {res[:160]}{own}")
        print(f"{r['server']:12} {r['style']:6} {'tasks':8} {tot['tool_calls']:>5} {tot['requests']:>4} "
              f"{tot['bytes_out']:>8,} {tot['bytes_in']:>9,} {tot['ms']:>9.1f}  (sum of the task rows, connect apart)")
    print("\ncalls per task:")
    for r in out["runs"]:
        for t in r["tasks"]:
            if t.get("calls"):
                note = f"   [{t['note']}]" if t.get("note") else ""
                print(f"  {r['server']} {r['style']} {t['name']}: {squeeze(t['calls'])}{note}")


if __name__ == "__main__":
    sys.exit(main())
