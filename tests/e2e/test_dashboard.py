"""The web dashboard (GET / in a browser) tested in a real headless browser: Debian's chromium
driven by puppeteer-core (tests/browser/dashboard.mjs), against a real daemon and editor with a
token required: no console errors, the editor's real state and pid, the log tail showing what
the game prints, Restart giving a new editor pid, a phone's width. Screenshots at desktop and
phone width are kept as test artifacts (build-test/artifacts/, or $GODOTD_ARTIFACTS)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import main_print_prefix, repo_root
from test_mcp_sdk import install_node

pytestmark = pytest.mark.lifecycle


def artifacts_dir() -> Path:
    d = Path(os.environ.get("GODOTD_ARTIFACTS", repo_root() / "build-test" / "artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_dashboard_in_a_real_browser(env):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).is_file(), "chromium is missing (scripts/install-deps installs it)"
    node = install_node()
    d = env.daemon("--require-token")
    d.wait_ready()
    token = (env.project / ".godot" / "godotd" / "token").read_text().strip()
    d.http.headers["Authorization"] = f"Bearer {token}"
    # The page itself is served without the token (it asks for it); the data is not.
    r = d.http.get(d.url + "/", headers={"Accept": "text/html", "Authorization": ""}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    out = artifacts_dir()
    run = subprocess.run([str(node), str(repo_root() / "tests" / "browser" / "dashboard.mjs"),
                          "--url", d.url, "--token", token, "--out", str(out),
                          "--print", main_print_prefix(env.project), "--chromium", chromium],
                         capture_output=True, text=True, timeout=300)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the browser test:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    seen = json.loads(lines[-1])
    assert run.returncode == 0, json.dumps(seen, indent=1)[:6000]
    names = [c["name"] for c in seen["checks"] if c["ok"]]
    for want in ("asks for the token", "shows the editor's state and pid",
                 "the log tail shows the game's print", "Restart gives a new editor pid",
                 "fits a phone's width", "no console errors", "no failed requests"):
        assert want in names, (want, seen["checks"])
    assert seen["pid_after"] != seen["pid_before"] == seen["pid_before"]
    assert d.status()["pid"] == seen["pid_after"]
    with Image.open(out / "dashboard-desktop.png") as im:
        assert im.size == (1280, 800)
    with Image.open(out / "dashboard-phone.png") as im:
        assert im.size[0] == 780  # 390 CSS pixels at 2x
