// godotd's dashboard: the daemon's projects, their editors' state, a live log tail and command
// figures from GET /events, and Start / Stop / Restart. Plain JavaScript, no build step, no
// request leaves this origin. Built into the binary (src/dashboard/, meson embeds it).
"use strict";

const TOKEN_KEY = "godotd-token";
const LOG_LINES = 200;        // per project
const RATE_WINDOW_MS = 60000; // command rate over the last minute
const REFRESH_MS = 2000;

const ui = {
  projects: new Map(), // name -> {base, card, status, log: [], commands: [], crashes: []}
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  lastEventId: null,
  streamBackoff: 500,
};

function headers(extra) {
  const h = Object.assign({ Accept: "application/json" }, extra || {});
  if (ui.token) h.Authorization = "Bearer " + ui.token;
  return h;
}

class Unauthorized extends Error {}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = headers(opts.headers);
  const r = await fetch(path, opts);
  if (r.status === 401) throw new Unauthorized("the daemon wants its bearer token");
  return r;
}

function askToken(message) {
  const form = document.getElementById("token-form");
  form.hidden = false;
  const err = document.getElementById("token-error");
  err.hidden = !message;
  err.textContent = message || "";
  document.getElementById("token").focus();
}

document.getElementById("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  ui.token = document.getElementById("token").value.trim();
  sessionStorage.setItem(TOKEN_KEY, ui.token);
  document.getElementById("token-form").hidden = true;
  start();
});

// ---- formatting ------------------------------------------------------------------------------

function duration(ms) {
  if (!ms) return "–";
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

function when(unixMs) {
  return new Date(unixMs).toLocaleTimeString();
}

function percentile(values, p) {
  if (!values.length) return null;
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

// ---- projects --------------------------------------------------------------------------------

function project(name, base) {
  let p = ui.projects.get(name);
  if (p) return p;
  const card = document.getElementById("project-card").content.firstElementChild.cloneNode(true);
  card.dataset.project = name;
  card.querySelector(".name").textContent = name;
  p = { name, base, card, status: null, log: [], commands: [], crashes: [] };
  for (const action of ["start", "stop", "restart"]) {
    card.querySelector("." + action).addEventListener("click", () => act(p, action));
  }
  document.getElementById("projects").appendChild(card);
  ui.projects.set(name, p);
  return p;
}

async function act(p, action) {
  const out = p.card.querySelector(".action-result");
  const buttons = p.card.querySelectorAll(".actions button");
  buttons.forEach((b) => (b.disabled = true));
  out.textContent = action + "…";
  try {
    const r = await api(p.base + "/" + action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    const body = await r.json().catch(() => ({}));
    out.textContent = r.ok ? action + ": " + (body.state || "ok") : (body.error && body.error.message) || r.status;
  } catch (e) {
    if (e instanceof Unauthorized) askToken("The token was refused.");
    out.textContent = action + " failed: " + e.message;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    refresh();
  }
}

function render(p) {
  const s = p.status;
  const c = p.card;
  if (!s) return;
  c.querySelector(".path").textContent = s.project || "";
  const state = c.querySelector(".state");
  state.textContent = s.state;
  state.className = "state pill " + s.state;
  c.querySelector(".pid").textContent = s.pid == null ? "–" : String(s.pid);
  c.querySelector(".uptime").textContent = duration(s.uptime_ms);
  c.querySelector(".restarts").textContent = String(s.restarts);
  const loop = s.crash_loop && s.crash_loop.tripped ? " (crash-loop guard tripped)" : "";
  c.querySelector(".crashes").textContent =
    s.crashes_total + " in all, " + s.crashes_recent + " recent" + loop;
  const ex = s.last_exit;
  c.querySelector(".last-exit").textContent = ex
    ? ex.reason + (ex.signal ? " (signal " + ex.signal + ")" : ex.code ? " (code " + ex.code + ")" : "") +
      " at " + when(ex.at_unix_ms)
    : "–";
  const now = Date.now();
  p.commands = p.commands.filter((x) => now - x.at <= RATE_WINDOW_MS);
  c.querySelector(".rate").textContent = p.commands.length + " in the last minute";
  const lat = p.commands.map((x) => x.ms);
  const p50 = percentile(lat, 50);
  const p95 = percentile(lat, 95);
  c.querySelector(".latency").textContent =
    p50 == null ? "–" : "p50 " + p50.toFixed(1) + " ms, p95 " + p95.toFixed(1) + " ms";
  const list = c.querySelector(".crash-list ul");
  list.replaceChildren(
    ...p.crashes.slice(-10).reverse().map((x) => {
      const li = document.createElement("li");
      li.textContent = when(x.ts_ms) + ": pid " + x.pid + ", " + x.reason + " (" + x.kind + ")";
      return li;
    })
  );
}

function renderLog(p) {
  const pre = p.card.querySelector(".log");
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.replaceChildren(
    ...p.log.map((x) => {
      const line = document.createElement("span");
      line.className = x.severity;
      line.textContent = x.text + "\n";
      return line;
    })
  );
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

function addLog(p, severity, text) {
  p.log.push({ severity, text });
  if (p.log.length > LOG_LINES) p.log.splice(0, p.log.length - LOG_LINES);
  renderLog(p);
}

async function discover() {
  const body = await (await api("/projects")).json();
  for (const x of body.projects) project(x.name, "/projects/" + encodeURIComponent(x.name));
}

async function refresh() {
  for (const p of ui.projects.values()) {
    try {
      const r = await api(p.base + "/status");
      if (!r.ok) continue;
      p.status = await r.json();
      render(p);
    } catch (e) {
      if (e instanceof Unauthorized) return askToken();
    }
  }
  document.getElementById("daemon").textContent =
    ui.projects.size + (ui.projects.size === 1 ? " project" : " projects");
}

// ---- the event stream --------------------------------------------------------------------------

function onEvent(type, data) {
  const p = ui.projects.get(data.project) || (ui.projects.size === 1 ? ui.projects.values().next().value : null);
  if (!p) return;
  if (type === "log") {
    const who = data.source === "game" ? "game " + (data.game || "") : data.source;
    addLog(p, data.severity, "[" + who.trim() + "] " + data.message);
  } else if (type === "command") {
    p.commands.push({ at: data.ts_ms, ms: data.duration_ms });
    render(p);
  } else if (type === "exit") {
    if (data.crash) p.crashes.push(data);
    addLog(p, data.crash ? "error" : "info", "[godotd] editor pid " + data.pid + " exited: " + data.reason);
    refresh();
  } else if (type === "restart") {
    addLog(p, "warning", "[godotd] restarting the editor (restart " + data.restarts + ")");
  } else if (type === "state") {
    addLog(p, "info", "[godotd] " + data.from + " → " + data.to);
    refresh();
  }
}

async function stream() {
  const pill = document.getElementById("stream");
  const h = headers({ Accept: "text/event-stream" });
  let url = "/events?types=state,exit,restart,command,log";
  if (ui.lastEventId != null) h["Last-Event-ID"] = String(ui.lastEventId);
  else url += "&since=0";
  try {
    const r = await fetch(url, { headers: h });
    if (r.status === 401) return askToken();
    if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
    pill.textContent = "events: live";
    pill.className = "pill on";
    ui.streamBackoff = 500;
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let type = "message", data = "", id = null;
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) type = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
          else if (line.startsWith("id:")) id = Number(line.slice(3).trim());
        }
        if (id != null) ui.lastEventId = id;
        if (data) {
          try {
            onEvent(type, JSON.parse(data));
          } catch (e) {
            /* one bad event must not stop the stream */
          }
        }
      }
    }
  } catch (e) {
    /* the daemon restarted or the network dropped: reconnect below */
  }
  pill.textContent = "events: reconnecting";
  pill.className = "pill";
  setTimeout(stream, ui.streamBackoff);
  ui.streamBackoff = Math.min(ui.streamBackoff * 2, 10000);
}

let started = false;
async function start() {
  try {
    // /livez needs no token and says whether the rest does: ask for it before any request that
    // would be refused.
    const live = await (await fetch("/livez", { headers: { Accept: "application/json" } })).json();
    if (live.token_required && !ui.token) return askToken("");
    await discover();
  } catch (e) {
    if (e instanceof Unauthorized) return askToken(ui.token ? "The token was refused." : "");
    document.getElementById("daemon").textContent = "cannot reach the daemon: " + e.message;
    return;
  }
  await refresh();
  if (started) return;
  started = true;
  stream();
  setInterval(refresh, REFRESH_MS);
}

start();
