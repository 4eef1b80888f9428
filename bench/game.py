#!/usr/bin/python3
"""godotd inside the running game: latency figures against the real Godot editor and its game.

Starts ``godotd serve --display xvfb`` (screenshots need a renderer) on a fresh temporary copy of
tests/projects/game, plays res://main.tscn, and prints, in one run:

  * game command round trip over HTTP (one keep-alive connection): ``ping_game`` and
    ``get_game_property``, p50/p99 of N calls after a warm-up, with the game's own share
    (the daemon ⇄ game round trip ``rtt_ms`` that ping_game reports);
  * screenshot latency (``take_screenshot`` → PNG bytes at the client) at 640x360 and, after
    resizing the game's window, 1280x720;
  * input-to-effect latency in frames: on a paused game, an action press queued by
    ``send_input``, then one physics frame stepped at a time until the game's player moved
    (1 means the event applied in the first stepped frame); and on a running game, the game's
    process frames between the frame the press was applied and the first frame the player
    moved;
  * output delivery delay: a game ``print`` (its entry's ``t_ms`` taken inside the game) until
    ``wait_for_output`` hands it to the client, p50/p99.

No thresholds: it prints figures (``--json`` for a machine-readable object). Needs ``requests``
(python3-requests). Run: ``/usr/bin/python3 bench/game.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.trust_env = False

    def cmd(self, name: str, params: dict | None = None, timeout: float = 120) -> dict:
        r = self.http.post(f"{self.url}/godot/{name}", json=params or {}, timeout=timeout,
                           headers={"Accept": "application/json"})
        if r.status_code != 200:
            raise RuntimeError(f"{name}: {r.status_code} {r.text[:300]}")
        return r.json()

    def timed(self, name: str, params: dict | None = None) -> tuple[float, dict]:
        t0 = time.perf_counter()
        out = self.cmd(name, params)
        return (time.perf_counter() - t0) * 1000, out


def stats(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--godotd", default=os.environ.get("GODOTD_BIN", str(ROOT / "build" / "godotd")))
    ap.add_argument("--godot", default=os.environ.get("GODOT_BIN", str(ROOT / ".godot-install" / "bin" / "godot")))
    ap.add_argument("--n", type=int, default=300, help="measured calls per round-trip figure")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--shots", type=int, default=10, help="screenshots per size")
    ap.add_argument("--prints", type=int, default=50, help="output delivery samples")
    ap.add_argument("--headless", action="store_true", help="no Xvfb (screenshot figures are skipped)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="godotd-bench-game-"))
    project = tmp / "game"
    shutil.copytree(ROOT / "tests" / "projects" / "game", project,
                    ignore=shutil.ignore_patterns(".godot", "godotd"))
    port = free_port()
    argv = [args.godotd, "serve", "--project", str(project), "--port", str(port), "--godot", args.godot]
    argv += ["--headless"] if args.headless else ["--display", "xvfb"]
    stderr = open(tmp / "godotd.stderr", "wb")
    daemon = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr,
                              start_new_session=True)
    out: dict = {"display": "headless" if args.headless else "xvfb"}
    c = Client(port)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if c.http.get(c.url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise RuntimeError("the daemon did not become ready")
            time.sleep(0.2)
        since = c.cmd("get_output", {"limit": 1})["cursor"]
        c.cmd("play", {"scene_path": "res://main.tscn"})
        c.cmd("wait_for_output", {"pattern": "^game [0-9]+ started", "since": since, "timeout_ms": 120000})

        # ---- game command round trip
        for _ in range(args.warmup):
            c.cmd("ping_game")
        rtt, agent = [], []
        for _ in range(args.n):
            ms, r = c.timed("ping_game")
            rtt.append(ms)
            agent.append(r["rtt_ms"])
        prop = [c.timed("get_game_property", {"node_path": "Player", "property": "position"})[0]
                for _ in range(args.n)]
        out["ping_game"] = {**stats(rtt), "daemon_to_game": stats(agent)}
        out["get_game_property"] = stats(prop)

        # ---- screenshots
        if not args.headless:
            shots = {}
            for w, h in ((640, 360), (1280, 720)):
                c.cmd("set_game_property", {"node_path": "/root", "property": "size",
                                            "value": {"$type": "Vector2i", "x": w, "y": h}})
                time.sleep(0.5)  # let the window manager-less X server apply the size
                times, size = [], None
                for _ in range(args.shots):
                    t0 = time.perf_counter()
                    r = c.http.post(f"{c.url}/godot/take_screenshot", json={}, timeout=120)
                    r.raise_for_status()
                    times.append((time.perf_counter() - t0) * 1000)
                    size = (int(r.headers["X-Image-Width"]), int(r.headers["X-Image-Height"]), len(r.content))
                shots[f"{w}x{h}"] = {**stats(times), "image": {"width": size[0], "height": size[1], "png_bytes": size[2]}}
            out["take_screenshot"] = shots

        # ---- input to effect, in frames
        c.cmd("game_pause")
        x0 = c.cmd("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
        c.cmd("send_input", {"events": [{"type": "action", "action": "move_right", "pressed": True}]})
        stepped = 0
        while stepped < 60:
            c.cmd("game_step", {"frames": 1, "kind": "physics"})
            stepped += 1
            if c.cmd("get_game_property", {"node_path": "Player", "property": "position:x"})["value"] != x0:
                break
        c.cmd("send_input", {"events": [{"type": "action", "action": "move_right", "pressed": False}]})
        c.cmd("game_step", {"frames": 1, "kind": "physics"})
        c.cmd("game_resume")
        running = []
        for _ in range(10):
            before = c.cmd("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
            pressed = c.cmd("send_input", {"events": [{"type": "action", "action": "move_right", "pressed": True}]})
            f0 = c.cmd("get_game_state")["games"][0]["physics_frames"]
            while True:
                st = c.cmd("get_game_state")["games"][0]
                x = c.cmd("get_game_property", {"node_path": "Player", "property": "position:x"})["value"]
                if x != before:
                    break
            running.append(max(0, st["physics_frames"] - f0))
            c.cmd("send_input", {"events": [{"type": "action", "action": "move_right", "pressed": False}]})
            del pressed
        out["input_to_effect_frames"] = {"paused_stepped": stepped,
                                         "running_physics_frames_p50": percentile(running, 50),
                                         "running_physics_frames_max": max(running)}

        # ---- output delivery delay
        delays = []
        for i in range(args.prints):
            since = c.cmd("get_output", {"limit": 1})["cursor"]
            c.cmd("set_game_property", {"node_path": ".", "property": "message", "value": f"bench {i}"})
            e = c.cmd("wait_for_output", {"pattern": f"^message is bench {i}$", "since": since,
                                          "timeout_ms": 10000})["entry"]
            delays.append(time.time() * 1000 - e["t_ms"])
        out["output_delivery"] = stats(delays)
        c.cmd("stop")
    except Exception as e:  # noqa: BLE001 - a benchmark reports what broke
        stderr.flush()
        print(f"bench/game.py: {e}", file=sys.stderr)
        print((tmp / "godotd.stderr").read_text()[-4000:], file=sys.stderr)
        return 2
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"godotd game benchmark ({out['display']})")
    p = out["ping_game"]
    print(f"  ping_game round trip (HTTP)       p50 {p['p50_ms']:.3f} ms  p99 {p['p99_ms']:.3f} ms  "
          f"(daemon⇄game p50 {p['daemon_to_game']['p50_ms']:.3f} ms)")
    q = out["get_game_property"]
    print(f"  get_game_property round trip      p50 {q['p50_ms']:.3f} ms  p99 {q['p99_ms']:.3f} ms")
    for size, s in out.get("take_screenshot", {}).items():
        print(f"  take_screenshot {size:<10}        p50 {s['p50_ms']:.1f} ms  p99 {s['p99_ms']:.1f} ms  "
              f"({s['image']['width']}x{s['image']['height']}, {s['image']['png_bytes']} bytes)")
    i = out["input_to_effect_frames"]
    print(f"  input → effect                    paused: {i['paused_stepped']} stepped physics frame(s); "
          f"running: p50 {i['running_physics_frames_p50']} physics frames (max {i['running_physics_frames_max']})")
    o = out["output_delivery"]
    print(f"  game print → get_output           p50 {o['p50_ms']:.2f} ms  p99 {o['p99_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
