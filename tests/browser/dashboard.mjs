// The dashboard in a real headless browser: Debian's chromium (/usr/bin/chromium) driven by
// puppeteer-core, against a real daemon and editor (tests/e2e/test_dashboard.py starts them).
//
//   node dashboard.mjs --url http://127.0.0.1:PORT [--token T] --out DIR --print TEXT
//
// Checks, in order: the page loads with no console error, no page error and no failed request;
// it asks for the token when one is required and works once given; it shows the editor's real
// state and pid; its log tail shows what the game prints (the game is played through the API);
// Restart restarts the editor (a new pid, ready again, shown on the page); it stays usable at
// phone width (no horizontal scrolling). Screenshots at desktop and phone width go to DIR.
// Prints one JSON line with what it saw; exit status 0 when every check held.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    token: { type: "string", default: "" },
    out: { type: "string" },
    print: { type: "string" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});

const seen = { console_errors: [], failed_requests: [], checks: [] };
const api = async (path, body) => {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (args.token) headers.Authorization = "Bearer " + args.token;
  const r = await fetch(args.url + path, body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
};
const check = (name, ok, detail) => {
  seen.checks.push({ name, ok: !!ok, detail });
  if (!ok) throw new Error(`check failed: ${name}: ${JSON.stringify(detail)}`);
};
const until = async (what, fn, ms = 60000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const profile = mkdtempSync(join(tmpdir(), "godotd-chromium-"));
const browser = await puppeteer.launch({
  executablePath: args.chromium,
  headless: true,
  userDataDir: profile,
  // The machine's network is closed: no background fetches, no component updates.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let status = 1;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
  page.on("pageerror", (e) => seen.console_errors.push("pageerror: " + e.message));
  page.on("requestfailed", (r) => {
    // The event stream is cut when the page goes away or the daemon restarts the stream.
    if (!r.url().includes("/events")) seen.failed_requests.push(r.url() + " " + (r.failure() || {}).errorText);
  });
  page.on("response", (r) => { if (r.status() >= 400 && r.status() !== 401) seen.failed_requests.push(r.url() + " " + r.status()); });
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(args.url + "/", { waitUntil: "domcontentloaded" });
  check("served as a page", (await page.title()) === "godotd", await page.title());

  if (args.token) {
    await page.waitForSelector("#token-form:not([hidden])", { timeout: 20000 });
    check("asks for the token", true);
    await page.type("#token", args.token);
    await page.click("#token-form button");
  }
  const st = await api("/status");
  await page.waitForFunction((pid) => {
    const c = document.querySelector(".card");
    return c && c.querySelector(".state").textContent === "ready" && c.querySelector(".pid").textContent === String(pid);
  }, { timeout: 30000 }, st.pid);
  check("shows the editor's state and pid", true, { pid: st.pid });
  await page.waitForFunction(() => document.querySelector("#stream").textContent === "events: live", { timeout: 20000 });

  // The game prints: the log tail shows it.
  await api("/godot/play", { scene_path: "res://main.tscn" });
  await page.waitForFunction((text) => document.querySelector(".log").textContent.includes(text),
                             { timeout: 60000 }, args.print);
  check("the log tail shows the game's print", true, args.print);
  await api("/godot/stop", {});
  await page.screenshot({ path: join(args.out, "dashboard-desktop.png") });

  // Restart really restarts: a new pid, ready, on the page.
  await page.click(".card .restart");
  const fresh = await until("a new ready editor", async () => {
    const s = await api("/status");
    return s.ready && s.pid && s.pid !== st.pid ? s : null;
  }, 120000);
  await page.waitForFunction((pid) => {
    const c = document.querySelector(".card");
    return c.querySelector(".state").textContent === "ready" && c.querySelector(".pid").textContent === String(pid);
  }, { timeout: 30000 }, fresh.pid);
  check("Restart gives a new editor pid", fresh.pid !== st.pid, { before: st.pid, after: fresh.pid });

  // Phone width: everything fits (no sideways scrolling) and the buttons are still there.
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await new Promise((r) => setTimeout(r, 300));
  const fit = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
    button: document.querySelector(".card .restart").getBoundingClientRect().right,
  }));
  check("fits a phone's width", fit.scroll <= fit.width && fit.button <= fit.width, fit);
  await page.screenshot({ path: join(args.out, "dashboard-phone.png"), fullPage: true });

  check("no console errors", seen.console_errors.length === 0, seen.console_errors);
  check("no failed requests", seen.failed_requests.length === 0, seen.failed_requests);
  seen.pid_before = st.pid;
  seen.pid_after = fresh.pid;
  status = 0;
} catch (e) {
  seen.error = String(e && e.stack ? e.stack : e);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
process.exit(status);
