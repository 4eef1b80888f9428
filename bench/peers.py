#!/usr/bin/python3
"""godotd side by side with a peer Godot MCP server (@coding-solo/godot-mcp), in one run.

Both servers get their own fresh copy of examples/demo, the same Godot binary and the same
client: bench/peers/drive.mjs, the official MCP TypeScript SDK over stdio. Four operations both
can do:

  godot_version  godotd get_status                   peer get_godot_version
  project_info   godotd get_project_info             peer get_project_info
  create_scene   godotd new_scene (with scene_path)  peer create_scene (root Node2D)
  add_node_save  godotd create_node + save_scene     peer add_node (Sprite2D, position 100,50)

Prints per operation the p50/p99 wall time of the tool call(s) in ms, the server's resident
memory (VmRSS, MiB: the server processes without Godot, and Godot separately: godotd's editor,
the peer's per-operation Godot), and whether each result is right: the answers name the Godot
version and the project's config/name, and every scene written loads in Godot (a headless Godot
run after the servers stopped) with a Node2D root and a Sprite2D child "Sprite" at (100, 50).
A wrong result is printed as wrong, with the reason. Figures only: no thresholds.

Run: ``/usr/bin/python3 bench/peers.py`` (see bench/README.md, section bench/peers).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latency import ROOT, free_port, godot_pids, percentile  # noqa: E402

PEERS = Path(__file__).resolve().parent / "peers"
OPS = ["godot_version", "project_info", "create_scene", "add_node_save"]
POSITION = (100.0, 50.0)

CHECK_GD = """extends SceneTree
# Loads every scene the bench wrote and prints what Godot sees in it, one JSON line each.
func _init():
\tvar dir := DirAccess.open("res://bench_peers")
\tif dir:
\t\tfor f in dir.get_files():
\t\t\tif not f.ends_with(".tscn"):
\t\t\t\tcontinue
\t\t\tvar path := "res://bench_peers/" + f
\t\t\tvar r := {"path": path, "loads": false}
\t\t\tvar ps = ResourceLoader.load(path, "", ResourceLoader.CACHE_MODE_IGNORE)
\t\t\tif ps is PackedScene and ps.can_instantiate():
\t\t\t\tvar inst: Node = ps.instantiate()
\t\t\t\tif inst:
\t\t\t\t\tr.loads = true
\t\t\t\t\tr.root_class = inst.get_class()
\t\t\t\t\tvar s := inst.get_node_or_null("Sprite")
\t\t\t\t\tif s:
\t\t\t\t\t\tr.sprite_class = s.get_class()
\t\t\t\t\t\tif "position" in s:
\t\t\t\t\t\t\tr.sprite_position = [s.position.x, s.position.y]
\t\t\t\t\tinst.free()
\t\t\tprint("BENCHCHECK " + JSON.stringify(r))
\tquit(0)
"""


# ---- processes and memory -------------------------------------------------------------------


def proc_table() -> dict[int, int]:
    """pid -> ppid for every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                raw = f.read()
            out[int(name)] = int(raw[raw.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
    return out


def descendants(root: int, table: dict[int, int]) -> list[int]:
    kids: dict[int, list[int]] = {}
    for pid, ppid in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def exe_of(pid: int) -> str:
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        return ""


class RssSampler(threading.Thread):
    """Polls the server's processes: `server` = the client's children and their descendants plus
    `extra_roots` (godotd's daemon) and theirs, without Godot; `godot` = the Godot processes among
    them (the editor; the peer's per-operation Godot). Keeps the peak of each sum."""

    def __init__(self, client_pid: int, extra_roots: list[int], godot_exe: str, every: float = 0.02):
        super().__init__(daemon=True)
        self.client_pid, self.extra_roots, self.godot_exe, self.every = client_pid, extra_roots, godot_exe, every
        self.peak = {"server": 0, "godot": 0}
        self.godot_seen: set[int] = set()
        self.stop_flag = threading.Event()

    def sample(self) -> dict[str, int]:
        table = proc_table()
        pids = descendants(self.client_pid, table)
        for r in self.extra_roots:
            if r in table:
                pids += [r] + descendants(r, table)
        cur = {"server": 0, "godot": 0, "server_procs": 0}
        for pid in set(pids):
            kib = rss_kib(pid)
            if exe_of(pid) == self.godot_exe:
                cur["godot"] += kib
                self.godot_seen.add(pid)
            else:
                cur["server"] += kib
                cur["server_procs"] += 1
        for k in self.peak:
            self.peak[k] = max(self.peak[k], cur[k])
        return cur

    def run(self) -> None:
        while not self.stop_flag.is_set():
            self.sample()
            time.sleep(self.every)

    def stop(self) -> None:
        self.stop_flag.set()
        self.join()


# ---- one server ------------------------------------------------------------------------------


def copy_demo(dst: Path) -> Path:
    project = dst / "demo"
    shutil.copytree(ROOT / "examples" / "demo", project, ignore=shutil.ignore_patterns(".godot", "addons"))
    return project


def run_driver(node: str, argv: list[str], env: dict, godot_exe: str, extra_roots: list[int],
               stderr_path: Path, timeout: float) -> tuple[dict, dict]:
    p = subprocess.Popen([node, str(PEERS / "drive.mjs"), *argv], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=open(stderr_path, "wb"), env=env)
    sampler = RssSampler(p.pid, extra_roots, godot_exe)
    sampler.start()
    mem: dict = {}
    try:
        line = p.stdout.readline()
        if not line:
            p.wait(30)
            raise RuntimeError(f"drive.mjs exited with {p.returncode}: " +
                               stderr_path.read_text(errors="replace")[-2000:])
        res = json.loads(line)
        sampler.stop()
        time.sleep(1.0)  # idle: every call answered, the peer's last Godot gone
        idle = sampler.sample()
        mem = {"server_idle_mib": idle["server"] / 1024, "server_peak_mib": sampler.peak["server"] / 1024,
               "server_procs": idle["server_procs"], "godot_idle_mib": idle["godot"] / 1024,
               "godot_peak_mib": sampler.peak["godot"] / 1024, "godot_processes": len(sampler.godot_seen)}
    finally:
        if sampler.is_alive():
            sampler.stop()
        try:
            p.stdin.close()
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return res, mem


def start_godotd(args, project: Path, tmp: Path) -> tuple[subprocess.Popen, dict]:
    port = free_port()
    t0 = time.monotonic()
    daemon = subprocess.Popen([args.godotd, "serve", "--project", str(project), "--port", str(port),
                               "--godot", args.godot, "--headless"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=open(tmp / "daemon.err", "wb"),
                              start_new_session=True)
    deadline = t0 + 180
    while True:
        if daemon.poll() is not None:
            raise RuntimeError(f"godotd serve exited with {daemon.returncode}: " +
                               (tmp / "daemon.err").read_text(errors="replace")[-2000:])
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("godotd: the editor did not become ready in 180 s")
        time.sleep(0.02)
    ready_ms = (time.monotonic() - t0) * 1000
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/status")
    st = json.loads(c.getresponse().read())
    c.close()
    return daemon, {"serve_to_ready_ms": ready_ms, "daemon_pid": st["daemon"]["pid"], "editor_pid": st["pid"]}


def stop_godotd(daemon: subprocess.Popen, project: Path) -> None:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    for pid in godot_pids(project):  # ours: the command line names our temporary copy
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ---- checks ----------------------------------------------------------------------------------


def load_check(godot: str, project: Path, tmp: Path) -> dict[str, dict]:
    script = tmp / "check_scenes.gd"
    script.write_text(CHECK_GD)
    r = subprocess.run([godot, "--headless", "--path", str(project), "--script", str(script)],
                       capture_output=True, text=True, timeout=300)
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("BENCHCHECK "):
            j = json.loads(line[len("BENCHCHECK "):])
            out[j["path"]] = j
    return out


def judge(server: str, res: dict, loaded: dict[str, dict], version: str, project_name: str) -> dict:
    """Per operation: right count, total, and the reasons of the wrong ones."""
    verdict = {}
    total_calls = res["warmup"] + res["n"]
    for op in OPS:
        rec = res["ops"][op]
        reasons: Counter = Counter()
        if op in ("godot_version", "project_info"):
            if rec["errors"]:
                reasons[f"isError: {(rec['error_text'] or '')[:120]}"] += rec["errors"]
            text = rec["last_text"] or ""
            if op == "godot_version" and version not in text:
                reasons[f"answer does not name Godot {version}"] += total_calls - rec["errors"]
            if op == "project_info":
                names = re.findall(r'"name"\s*:\s*"([^"]*)"', text)
                if project_name not in names:
                    reasons[f'project name {names[:1] or "missing"}, want "{project_name}" (config/name)'] += \
                        total_calls - rec["errors"]
            ok = total_calls - sum(reasons.values())
        else:
            ok = 0
            for scene in res["scenes"]:
                c = loaded.get(scene)
                if c is None:
                    why = "no file written"
                elif not c["loads"]:
                    why = "does not load in Godot"
                elif op == "create_scene":
                    why = None if c.get("root_class") == "Node2D" else f"root is {c.get('root_class')}"
                elif c.get("sprite_class") != "Sprite2D":
                    why = "no Sprite2D child 'Sprite' in the file"
                elif c.get("sprite_position") != list(POSITION):
                    why = f"Sprite position {c.get('sprite_position')} in the file, asked (100, 50)"
                else:
                    why = None
                if why:
                    reasons[why] += 1
                else:
                    ok += 1
            if rec["errors"]:
                reasons[f"(isError {rec['errors']}x: {(rec['error_text'] or '')[:120]})"] += 0
        verdict[op] = {"right": ok, "total": total_calls, "wrong": dict(reasons)}
    return verdict


# ---- main ------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50, help="measured iterations for godotd (default 50)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--peer-n", type=int, default=10, help="measured iterations for the peer (default 10)")
    ap.add_argument("--peer-warmup", type=int, default=1)
    ap.add_argument("--servers", default="godotd,coding-solo", help="comma list: godotd, coding-solo")
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary projects and logs")
    args = ap.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    for s in servers:
        if s not in ("godotd", "coding-solo"):
            ap.error(f"unknown server {s}")
    if "godotd" in servers and not os.access(args.godotd, os.X_OK):
        sys.exit(f"peers.py: no godotd binary at {args.godotd} (build it, or pass --godotd)")
    if not os.access(args.godot, os.X_OK):
        sys.exit(f"peers.py: no Godot at {args.godot} (pass --godot or set GODOT_BIN)")

    node = subprocess.run([str(PEERS / "install")], check=True, capture_output=True, text=True).stdout.strip()
    godot_exe = os.path.realpath(args.godot)
    version_full = subprocess.run([args.godot, "--version"], capture_output=True, text=True).stdout.strip()
    version = ".".join(version_full.split(".")[:3])  # 4.6.3.stable.debian... -> 4.6.3
    m = re.search(r'^config/name="([^"]*)"', (ROOT / "examples" / "demo" / "project.godot").read_text(), re.M)
    project_name = m.group(1) if m else ""
    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-peers-"))
    out: dict = {"godot": version_full, "servers": {}}
    rc = 0
    try:
        for server in servers:
            d = tmp / server
            d.mkdir()
            project = copy_demo(d)
            env = dict(os.environ)
            info: dict = {}
            if server == "godotd":
                n, warmup = args.n, args.warmup
                daemon, info = start_godotd(args, project, d)
                argv = ["--server", "godotd", "--godotd", args.godotd]
                roots = [info["daemon_pid"]]
            else:
                n, warmup = args.peer_n, args.peer_warmup
                # the project as an editor left it (imported), as it is when an agent works on it
                t0 = time.monotonic()
                subprocess.run([args.godot, "--headless", "--path", str(project), "--import"],
                               capture_output=True, timeout=300)
                info["import_ms"] = (time.monotonic() - t0) * 1000
                env["GODOT_PATH"] = args.godot
                argv = ["--server", server]
                roots, daemon = [], None
            if not args.json:
                print(f"[{server}] n={n} warm-up={warmup} ...", file=sys.stderr, flush=True)
            try:
                res, mem = run_driver(node, argv + ["--project", str(project), "--n", str(n), "--warmup", str(warmup)],
                                      env, godot_exe, roots, d / "drive.err", timeout=60)
            finally:
                if daemon:
                    stop_godotd(daemon, project)
            loaded = load_check(args.godot, project, d)
            verdict = judge(server, res, loaded, version, project_name)
            out["servers"][server] = {
                "info": info, "memory": mem, "connect_ms": res["connect_ms"], "server_info": res["server_info"],
                "tools": len(res["tools"]), "n": n, "warmup": warmup,
                "ops": {op: {"calls": res["ops"][op]["calls"], "first_ms": res["ops"][op]["first_ms"],
                             "p50_ms": percentile(res["ops"][op]["ms"], 50) if res["ops"][op]["ms"] else None,
                             "p99_ms": percentile(res["ops"][op]["ms"], 99) if res["ops"][op]["ms"] else None,
                             "errors": res["ops"][op]["errors"], **verdict[op]} for op in OPS},
            }
    except Exception as e:  # noqa: BLE001 — report and keep the logs
        print(f"peers.py: {e}", file=sys.stderr)
        args.keep = True
        rc = 2
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if rc:
        return rc
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print_table(out, servers)
    return 0


def print_table(out: dict, servers: list[str]) -> None:
    S = out["servers"]
    print(f"Godot {out['godot']}; MCP stdio, official SDK client (bench/peers/drive.mjs)")
    for s in servers:
        r = S[s]
        si = r["server_info"] or {}
        extra = (f", serve -> ready {r['info']['serve_to_ready_ms']:.0f} ms (editor start, before connecting)"
                 if s == "godotd" else f", project imported first ({r['info']['import_ms']:.0f} ms, untimed)")
        print(f"  {s}: {si.get('name')} {si.get('version')}, {r['tools']} tools, n={r['n']} after {r['warmup']} "
              f"warm-up, connect {r['connect_ms']:.0f} ms{extra}")
    print()
    w = 26
    head = f"{'operation':15}" + "".join(f"{s + ' p50 / p99 ms':>{w}}{'right':>8}" for s in servers)
    print(head)
    for op in OPS:
        row = f"{op:15}"
        for s in servers:
            o = S[s]["ops"][op]
            lat = f"{o['p50_ms']:.1f} / {o['p99_ms']:.1f}" if o["p50_ms"] is not None else "-"
            row += f"{lat:>{w}}{str(o['right']) + '/' + str(o['total']):>8}"
        print(row)
    print("\ntool calls per operation:")
    for op in OPS:
        print(f"  {op:15} " + "   ".join(f"{s}: {' + '.join(S[s]['ops'][op]['calls'])}" for s in servers))
    print("\nwrong results:")
    any_wrong = False
    for s in servers:
        for op in OPS:
            for why, cnt in S[s]["ops"][op]["wrong"].items():
                any_wrong = True
                print(f"  {s} {op}: {why}" + (f" ({cnt}/{S[s]['ops'][op]['total']})" if cnt else ""))
    if not any_wrong:
        print("  none")
    print("\nmemory (VmRSS MiB, after the run idle / peak during it)")
    for s in servers:
        m = S[s]["memory"]
        if s == "godotd":
            print(f"  godotd server (mcp proxy + daemon, {m['server_procs']} procs): {m['server_idle_mib']:.1f} / "
                  f"{m['server_peak_mib']:.1f}    Godot editor: {m['godot_idle_mib']:.1f} / {m['godot_peak_mib']:.1f}")
        else:
            print(f"  {s} server (node, {m['server_procs']} procs): {m['server_idle_mib']:.1f} / "
                  f"{m['server_peak_mib']:.1f}    Godot per operation ({m['godot_processes']} seen): "
                  f"peak {m['godot_peak_mib']:.1f}")


if __name__ == "__main__":
    sys.exit(main())
