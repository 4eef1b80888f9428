// Drives one MCP server over stdio with the official TypeScript SDK client through the tasks an
// agent does when it builds a small game (bench/workflows.py runs it and prints the table):
//
//   scene  a playable scene: a Level (Node2D) with a Player (CharacterBody2D) holding a Sprite2D
//          (res://icon.svg), a CollisionShape2D (RectangleShape2D) and a Camera2D, the script
//          res://wf/player.gd (moves on the move_* input actions, which the task adds to the
//          input map) on the Player, saved to res://wf/level.tscn
//   error  a mistake in the script (line 13 uses an undeclared name), found with its file and line
//   fix    the mistake fixed, the script checks clean
//   run    the scene run, its output read: it must contain the script's print
//   undo   a node added by mistake (Coin), then undone: the node is gone
//
// For each task it counts what the agent pays: tool calls (tools/call requests), JSON-RPC requests
// (tools/call, tools/list, ...), the bytes of the JSON-RPC messages on the wire each way (each
// message as serialized on the pipe: one JSON text and its newline; the server's side counted as
// the raw bytes read from its stdout, notifications included) and the wall time from the task's
// first request to its last answer. The initialize handshake with the first tools/list is its own
// row ("connect"). After the counted calls each task checks its effect (files on disk, and for
// godotd uncounted calls: get_scene_tree, check_script); a failed check fails the task.
//
// Usage:
//   node workflows.mjs --sdk NODE_MODULES --server godotd --godotd BIN --project DIR
//        [--style steps|min] [--fallback enable|run] [--tasks scene,error,fix,run,undo] [--registry DIR]
//   node workflows.mjs --sdk NODE_MODULES --server coding-solo --peer INDEX_JS --project DIR
//        --handover DIR [--tasks ...] [--poll-ms 1000]   (env GODOT_PATH, DISPLAY for its runs)
// Prints one JSON object on stdout ({server, style, tools, connect, tasks: [...]}); exits 0 when
// every task that ran passed its checks (a peer's "not possible" is not a failure), 1 when a
// check failed, 2 on bad arguments or when the server could not be driven.
//
// godotd styles: "steps" is one command per tool call, as an agent that does not batch works,
// with a check_script after each script edit; "min" is the fewest calls godotd's documented
// tools allow (a batch for the scene, the edit's own error list). Scripts are edited with
// replace_in_script or edit_script, whichever tools/list shows; both styles run the scene with
// run_and_capture. A tool that tools/list does not show is reached as an agent would:
// enable_toolsets with its category, then tools/list again (as hosts do on
// notifications/tools/list_changed), or with --fallback run, run_command; the commands inside a
// batch need neither (batch runs any command by name).
//
// The coding-solo peer (@coding-solo/godot-mcp) has no tool to write, check or attach a script,
// to add an input action, to give a CollisionShape2D its shape, or to undo: its scene task does
// what its tools can and reports what is missing. For error, fix and run it gets the scene godotd
// built (--handover: godotd's project; the files are copied, not counted) and edits the script as
// an agent does with its own file tools (counted as "own_edits", not as MCP traffic), then runs
// the scene (run_project), polls get_debug_output every --poll-ms until the line it looks for
// appears, and stops it (stop_project).

import { readFileSync, writeFileSync, readdirSync, existsSync, copyFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { pathToFileURL } from "node:url";

// ------------------------------------------------------------------------------------------
// Arguments

const o = {
  sdk: null, server: null, godotd: null, peer: null, project: null, handover: null, style: "steps",
  fallback: "enable", tasks: "scene,error,fix,run,undo", registry: null, pollMs: 1000,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = () => { if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`); return argv[++i]; };
  switch (argv[i]) {
    case "--sdk": o.sdk = v(); break;
    case "--server": o.server = v(); break;
    case "--godotd": o.godotd = v(); break;
    case "--peer": o.peer = v(); break;
    case "--project": o.project = v(); break;
    case "--handover": o.handover = v(); break;
    case "--style": o.style = v(); break;
    case "--fallback": o.fallback = v(); break;
    case "--tasks": o.tasks = v(); break;
    case "--registry": o.registry = v(); break;
    case "--poll-ms": o.pollMs = parseInt(v(), 10); break;
    default: usage(`unknown argument ${argv[i]}`);
  }
}
const ALL_TASKS = ["scene", "error", "fix", "run", "undo"];
const wanted = o.tasks.split(",").filter(Boolean);
if (!o.sdk || !o.project) usage("--sdk and --project are required");
if (o.server === "godotd" && !o.godotd) usage("--server godotd needs --godotd");
if (o.server === "coding-solo" && !(o.peer && o.handover)) usage("--server coding-solo needs --peer and --handover");
if (!["godotd", "coding-solo"].includes(o.server)) usage("--server godotd|coding-solo");
if (!["steps", "min"].includes(o.style)) usage("--style steps|min");
if (!["enable", "run"].includes(o.fallback)) usage("--fallback enable|run");
for (const t of wanted) if (!ALL_TASKS.includes(t)) usage(`unknown task ${t} (${ALL_TASKS.join(", ")})`);

function usage(msg) {
  process.stderr.write(`workflows.mjs: ${msg}\n` +
    "usage: node workflows.mjs --sdk DIR --server godotd --godotd BIN --project DIR [--style steps|min] " +
    "[--fallback enable|run] [--tasks LIST] [--registry DIR]\n" +
    "       node workflows.mjs --sdk DIR --server coding-solo --peer INDEX_JS --project DIR --handover DIR " +
    "[--tasks LIST] [--poll-ms N]\n");
  process.exit(2);
}

// A task needs the ones before it that leave what it works on (the script, the scene).
const NEEDS = { scene: [], error: ["scene"], fix: ["error"], run: ["scene"], undo: ["scene"] };
const run = new Set();
const add = (t) => { for (const d of NEEDS[t]) add(d); run.add(t); };
wanted.forEach(add);
const TASKS = ALL_TASKS.filter((t) => run.has(t));

const sdkUrl = (p) => pathToFileURL(join(o.sdk, "@modelcontextprotocol", "sdk", "dist", "esm", p)).href;
const { Client } = await import(sdkUrl("client/index.js"));
const { StdioClientTransport } = await import(sdkUrl("client/stdio.js"));

// ------------------------------------------------------------------------------------------
// What the tasks make

const SCENE = "res://wf/level.tscn";
const SCRIPT = "res://wf/player.gd";
const PLAYER_GD = [
  "extends CharacterBody2D",
  "## The player of the workflow benchmark: moves with the move_* input actions.",
  "",
  "@export var speed: float = 200.0",
  "",
  "",
  "func _ready() -> void:",
  "\tprint(\"wf: player ready at %s\" % position)",
  "",
  "",
  "func _physics_process(_delta: float) -> void:",
  "\tvar direction := Input.get_vector(\"move_left\", \"move_right\", \"move_up\", \"move_down\")",
  "\tvelocity = direction * speed",
  "\tmove_and_slide()",
  "",
].join("\n");
const GOOD_LINE = "\tvelocity = direction * speed";
const BAD_LINE = "\tvelocity = direction * sped";
const BAD_LINENO = 13;
const PRINT = "wf: player ready at (100.0, 80.0)";
// Each action: WASD by physical position (as games want) and the arrow key.
const ACTIONS = { move_left: ["A", "Left"], move_right: ["D", "Right"], move_up: ["W", "Up"], move_down: ["S", "Down"] };
const actionEvents = (keys) => keys.map((k) => (k.length === 1 ? { type: "key", key: k, physical: true } : { type: "key", key: k }));

class CheckFailed extends Error {}
function check(cond, what, detail) {
  if (!cond) throw new CheckFailed(detail === undefined ? what : `${what}: ${JSON.stringify(detail).slice(0, 1500)}`);
}

const resFile = (res) => join(o.project, res.slice("res://".length));

// .tscn on disk: {node path ('.' for the root): {type, props: {key: raw value}}}, ext and sub resources.
function parseTscn(text) {
  const nodes = new Map(), ext = new Map(), sub = new Map();
  let cur = null;
  for (const line of text.split("\n")) {
    const head = line.match(/^\[(\w+)\s*(.*)\]\s*$/);
    if (head) {
      const attrs = Object.fromEntries([...head[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      cur = null;
      if (head[1] === "ext_resource") ext.set(attrs.id, attrs);
      if (head[1] === "sub_resource") sub.set(attrs.id, attrs);
      if (head[1] === "node") {
        const path = attrs.parent === undefined ? "." : attrs.parent === "." ? attrs.name : `${attrs.parent}/${attrs.name}`;
        cur = { type: attrs.type || null, props: {} };
        nodes.set(path, cur);
      }
      continue;
    }
    const kv = line.match(/^([\w/:]+)\s*=\s*(.*)$/);
    if (kv && cur) cur.props[kv[1]] = kv[2];
  }
  return { nodes, ext, sub };
}

// What of the playable scene is on disk: a list of the parts missing (empty when all are there).
function sceneMissing() {
  const missing = [];
  const file = resFile(SCENE);
  if (!existsSync(file)) return ["the scene file"];
  const { nodes, ext, sub } = parseTscn(readFileSync(file, "utf8"));
  const extPath = (v) => ext.get((v || "").match(/^ExtResource\("([^"]+)"\)$/)?.[1])?.path;
  const subType = (v) => sub.get((v || "").match(/^SubResource\("([^"]+)"\)$/)?.[1])?.type;
  const want = [[".", "Node2D"], ["Player", "CharacterBody2D"], ["Player/Sprite2D", "Sprite2D"],
    ["Player/CollisionShape2D", "CollisionShape2D"], ["Player/Camera2D", "Camera2D"]];
  for (const [p, t] of want) if (nodes.get(p)?.type !== t) missing.push(`node ${p} (${t})`);
  const player = nodes.get("Player");
  if (player && extPath(player.props.script) !== SCRIPT) missing.push("Player's script");
  if (player && !/^Vector2\(100, 80\)$/.test(player.props.position || "")) missing.push("Player position");
  const sprite = nodes.get("Player/Sprite2D");
  if (sprite && extPath(sprite.props.texture) !== "res://icon.svg") missing.push("sprite texture");
  const shape = nodes.get("Player/CollisionShape2D");
  if (shape && subType(shape.props.shape) !== "RectangleShape2D") missing.push("collision shape");
  const script = resFile(SCRIPT);
  if (!existsSync(script) || readFileSync(script, "utf8") !== PLAYER_GD) missing.push("script file");
  const godot = readFileSync(join(o.project, "project.godot"), "utf8");
  const input = godot.split(/^\[input\]\s*$/m)[1]?.split(/^\[/m)[0] || "";
  // Each action's block ("move_left={" ... "}") must hold its two key events.
  const actions = Object.keys(ACTIONS).filter((a) =>
    (input.match(new RegExp(`^${a}=\\{$([^]*?)^\\}$`, "m"))?.[1].match(/Object\(InputEventKey/g) || []).length !== 2);
  if (actions.length) missing.push(`input actions ${actions.join("/")}`);
  return missing;
}

// ------------------------------------------------------------------------------------------
// The wire: every JSON-RPC message each way, counted as it crosses the pipe

const wire = { out: 0, in: 0, msgsOut: 0, msgsIn: 0, requests: 0, toolCalls: 0 };
let notes = {};   // the current task's server notifications, by method

function meteredTransport(params) {
  const t = new StdioClientTransport(params);
  const start = t.start.bind(t);
  t.start = async () => {
    await start();
    // Registered after the transport's own listener: a chunk is counted before the answer it
    // carries resolves its request.
    t._process.stdout.on("data", (chunk) => {
      wire.in += chunk.length;
      for (const b of chunk) if (b === 10) wire.msgsIn++;
    });
  };
  const send = t.send.bind(t);
  t.send = async (msg, opts) => {
    wire.out += Buffer.byteLength(JSON.stringify(msg) + "\n"); // the SDK's serializeMessage
    wire.msgsOut++;
    if (msg.method && msg.id !== undefined) wire.requests++;
    if (msg.method === "tools/call") wire.toolCalls++;
    return send(msg, opts);
  };
  return t;
}

const snap = () => ({ ...wire, t: performance.now() });
function delta(a, b) {
  return {
    tool_calls: b.toolCalls - a.toolCalls, requests: b.requests - a.requests, bytes_out: b.out - a.out,
    bytes_in: b.in - a.in, messages_out: b.msgsOut - a.msgsOut, messages_in: b.msgsIn - a.msgsIn, ms: b.t - a.t,
  };
}

// ------------------------------------------------------------------------------------------
// The agent: calls tools, finds the ones tools/list does not show

const TIMEOUT = { timeout: 180_000, maxTotalTimeout: 600_000 };
let client;
const listed = new Set();
let calls = [];   // the current task's calls, as "name" or "name(detail)"
let ownEdits = 0; // the current task's edits made outside MCP (the agent's own file tools)

function loadRegistry() {
  const dir = o.registry || join(dirname(new URL(import.meta.url).pathname), "..", "schema", "commands");
  const out = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const cat = JSON.parse(readFileSync(join(dir, f), "utf8"));
    for (const c of cat.commands) out.set(c.name, cat.category);
  }
  return out;
}
const categoryOf = o.server === "godotd" ? loadRegistry() : new Map();

async function listTools() {
  listed.clear();
  let cursor;
  do {
    const r = await client.listTools(cursor ? { cursor } : {}, TIMEOUT);
    r.tools.forEach((t) => listed.add(t.name));
    cursor = r.nextCursor;
  } while (cursor);
}

function textOf(r) {
  return (r.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

// One tool call as the agent makes it; the raw result. A tool tools/list does not show is
// enabled first (enable_toolsets + tools/list) or reached through run_command.
async function rawCall(name, args) {
  if (o.server === "godotd" && !listed.has(name)) {
    const cat = categoryOf.get(name);
    check(cat, `${name} is neither listed nor a registry command`);
    if (o.fallback === "enable" && listed.has("enable_toolsets")) {
      calls.push(`enable_toolsets(${cat})`);
      const e = await client.callTool({ name: "enable_toolsets", arguments: { toolsets: [cat] } }, undefined, TIMEOUT);
      check(!e.isError, `enable_toolsets ${cat} failed`, e.structuredContent ?? e.content);
      calls.push("tools/list");
      await listTools();
      check(listed.has(name), `enable_toolsets ${cat} did not list ${name}`);
    } else if (listed.has("run_command")) {
      calls.push(`run_command(${name})`);
      return client.callTool({ name: "run_command", arguments: { command: name, params: args } }, undefined, TIMEOUT);
    }
  }
  calls.push(name);
  return client.callTool({ name, arguments: args }, undefined, TIMEOUT);
}

// A godotd call that must succeed: its structuredContent.
async function call(name, args = {}) {
  const r = await rawCall(name, args);
  check(!r.isError, `${name} ${JSON.stringify(args).slice(0, 200)} failed`, r.structuredContent ?? textOf(r));
  check(r.structuredContent && typeof r.structuredContent === "object", `${name}: no structuredContent`, r);
  return r.structuredContent;
}

// An uncounted godotd call (checks): the wire counters are put back afterwards.
async function verifyCall(name, args = {}) {
  const saved = { ...wire };
  try {
    const r = await client.callTool({ name, arguments: args }, undefined, TIMEOUT);
    check(!r.isError, `check call ${name} failed`, r.structuredContent ?? textOf(r));
    return r.structuredContent;
  } finally {
    Object.assign(wire, saved);
  }
}

// The first candidate tools/list shows (else the first, reached through the fallback).
const pick = (...names) => names.find((n) => listed.has(n)) ?? names[0];

// ------------------------------------------------------------------------------------------
// godotd's tasks

const godotd = {
  async scene() {
    await call("new_scene", { root_type: "Node2D", root_name: "Level", scene_path: SCENE });
    const steps = [
      ...Object.entries(ACTIONS).map(([action, keys]) => ["add_action", { action, events: actionEvents(keys) }]),
      ["write_file", { path: SCRIPT, content: PLAYER_GD }],
      ["create_node", { parent_path: ".", type: "CharacterBody2D", name: "Player", properties: { position: [100, 80] } }],
      ["create_node", { parent_path: "Player", type: "Sprite2D", properties: { texture: "res://icon.svg" } }],
      ["create_node", { parent_path: "Player", type: "CollisionShape2D" }],
      ["create_resource", { class: "RectangleShape2D", properties: { size: [64, 64] }, node_path: "Player/CollisionShape2D", property: "shape" }],
      ["create_node", { parent_path: "Player", type: "Camera2D" }],
      ["attach_script", { node_path: "Player", script_path: SCRIPT }],
    ];
    if (o.style === "min") {
      const r = await call("batch", { commands: steps.map(([command, params]) => ({ command, params })) });
      check(r.count === steps.length, "batch: not every step ran", r);
    } else {
      for (const [name, args] of steps) await call(name, args);
    }
    await call("save_scene", {});
    return null;
  },
  async verify_scene() {
    const missing = sceneMissing();
    check(missing.length === 0, `${SCENE} on disk lacks`, missing);
    return "scene file, script and input map on disk";
  },

  // The edit tool the agent sees (replace_in_script takes the text, edit_script the line); both
  // answer the script's errors. steps checks the script after the edit, as the docs advise.
  async edit(from, to) {
    const tool = pick("replace_in_script", "edit_script");
    const r = tool === "replace_in_script"
      ? await call(tool, { path: SCRIPT, old: from, new: to })
      : await call(tool, { path: SCRIPT, start_line: BAD_LINENO, end_line: BAD_LINENO, text: to });
    if (o.style === "min") return r.errors;
    return (await call("check_script", { path: SCRIPT })).errors;
  },
  async error() {
    return this.edit(GOOD_LINE, BAD_LINE);
  },
  async verify_error(errors) {
    check(Array.isArray(errors), "no error list", errors);
    const hit = errors.find((e) => e.file === SCRIPT && e.line === BAD_LINENO && /sped/.test(e.message));
    check(hit, `no error at ${SCRIPT}:${BAD_LINENO} naming "sped"`, errors);
    check(readFileSync(resFile(SCRIPT), "utf8").includes(BAD_LINE), "the broken line is not on disk");
    return `${hit.file}:${hit.line} ${hit.message}`;
  },
  async fix() {
    return this.edit(BAD_LINE, GOOD_LINE);
  },
  async verify_fix(errors) {
    check(Array.isArray(errors) && errors.length === 0, "the fixed script still has errors", errors);
    const c = await verifyCall("check_script", { path: SCRIPT });
    check(c.ok === true && c.errors.length === 0, "check_script after the fix is not clean", c);
    check(readFileSync(resFile(SCRIPT), "utf8") === PLAYER_GD, "the script on disk is not the fixed one");
    return "check_script clean";
  },

  // run_and_capture is the documented one-call way to run and read (play + wait_for_output + stop
  // is three calls and races the game's first print); both styles use it.
  async run() {
    return call("run_and_capture", { scene_path: SCENE, until_pattern: "^wf: player ready", timeout_ms: 60000 });
  },
  async verify_run(r) {
    const line = (r.entries || []).find((e) => e.message === PRINT);
    check(line, `the run's output has no "${PRINT}"`, (r.entries || []).map((e) => e.message));
    check(r.counts?.error === 0, "the run reported errors", r.counts);
    check(r.ended_by === "pattern", "the run did not end on the print", r.ended_by);
    return line.message;
  },

  async undo() {
    const c = await call("create_node", { parent_path: ".", type: "Area2D", name: "Coin" });
    check(c.node_path === "Coin", "create_node Coin", c);
    return call("undo", {});
  },
  async verify_undo() {
    const t = await verifyCall("get_scene_tree", {});
    const paths = [];
    const walk = (n) => { paths.push(n.path); (n.children || []).forEach(walk); };
    walk(t.root);
    check(!paths.includes("Coin"), "undo: Coin is still in the scene", paths);
    for (const p of ["Player", "Player/Sprite2D", "Player/CollisionShape2D", "Player/Camera2D"]) {
      check(paths.includes(p), `undo removed more than Coin: ${p} is gone`, paths);
    }
    return "Coin gone, the rest intact";
  },
};

// ------------------------------------------------------------------------------------------
// The coding-solo peer's tasks

const peerArgs = (a) => ({ projectPath: o.project, ...a });
async function peerCall(name, args) {
  const r = await rawCall(name, args);
  check(!r.isError, `${name} failed`, textOf(r).slice(0, 1500));
  return textOf(r);
}

// Runs the scene and polls its output until `want` matches a line: the output's lines.
async function peerRunUntil(want) {
  await peerCall("run_project", peerArgs({ scene: SCENE }));
  const deadline = performance.now() + 60_000;
  let out;
  for (;;) {
    out = JSON.parse(await peerCall("get_debug_output", {}));
    if ([...out.output, ...out.errors].some((l) => want.test(l))) break;
    check(performance.now() < deadline, `no output line matching ${want} within 60 s`, out);
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
  await peerCall("stop_project", {});
  return out;
}

// The agent's own file tool (not MCP): counted apart.
function ownEdit(from, to) {
  const f = resFile(SCRIPT);
  const text = readFileSync(f, "utf8");
  check(text.includes(from), `${SCRIPT} does not contain ${JSON.stringify(from)}`);
  writeFileSync(f, text.replace(from, to));
  ownEdits++;
}

// The scene godotd built, copied in (uncounted) so the peer can run what it cannot build; once.
let handedOver = false;
function handOver() {
  if (handedOver) return;
  handedOver = true;
  for (const rel of ["wf/level.tscn", "wf/player.gd", "wf/player.gd.uid"]) {
    const src = join(o.handover, rel);
    if (!existsSync(src)) continue;
    mkdirSync(dirname(join(o.project, rel)), { recursive: true });
    copyFileSync(src, join(o.project, rel));
  }
  const theirs = readFileSync(join(o.handover, "project.godot"), "utf8");
  const input = theirs.match(/^\[input\]\s*$[^]*?(?=^\[|(?![^]))/m)?.[0];
  check(input, "the handed-over project has no [input] section");
  const mine = join(o.project, "project.godot");
  writeFileSync(mine, readFileSync(mine, "utf8").replace(/\s*$/, "\n\n") + input);
}

const codingSolo = {
  async scene() {
    const scene = SCENE.slice("res://".length);
    await peerCall("create_scene", peerArgs({ scenePath: scene, rootNodeType: "Node2D" }));
    const add = (parent, type, name) =>
      peerCall("add_node", peerArgs({ scenePath: scene, parentNodePath: parent, nodeType: type, nodeName: name }));
    // position: add_node sets properties with Node.set() on the raw JSON value, which drops an
    // array (see bench/peers), so none is passed; there is no tool to set it afterwards.
    await add("root", "CharacterBody2D", "Player");
    await add("root/Player", "Sprite2D", "Sprite2D");
    await peerCall("load_sprite", peerArgs({ scenePath: scene, nodePath: "root/Player/Sprite2D", texturePath: "icon.svg" }));
    await add("root/Player", "CollisionShape2D", "CollisionShape2D");
    await add("root/Player", "Camera2D", "Camera2D");
    return null;
  },
  async verify_scene() {
    const missing = sceneMissing();
    return { partial: missing }; // what its tools cannot make: reported, not a failure
  },
  async error() {
    handOver();
    ownEdit(GOOD_LINE, BAD_LINE);
    return peerRunUntil(/player\.gd/);
  },
  async verify_error(out) {
    const lines = [...out.output, ...out.errors];
    const hit = lines.find((l) => l.includes(`${SCRIPT}:${BAD_LINENO}`));
    check(hit, `the run's output names no ${SCRIPT}:${BAD_LINENO}`, lines.filter((l) => l.trim()).slice(-30));
    const what = lines.find((l) => /sped/.test(l));
    return `${hit.trim()}${what ? ` (${what.trim()})` : ""}`;
  },
  async fix() {
    handOver();
    ownEdit(BAD_LINE, GOOD_LINE);
    return peerRunUntil(/^wf: player ready/);
  },
  async verify_fix(out) {
    const lines = [...out.output, ...out.errors];
    const err = lines.find((l) => l.includes(SCRIPT) && /error/i.test(l));
    check(!err, "the fixed script still errs", err);
    return "the run prints, no script error";
  },
  async run() {
    handOver();
    return peerRunUntil(/^wf: player ready/);
  },
  async verify_run(out) {
    const line = out.output.find((l) => l === PRINT);
    check(line, `the run's output has no "${PRINT}"`, out.output.filter((l) => l.trim()).slice(-30));
    return line;
  },
  undo: null, // no undo, and no tool removes a node
};

const NOT_POSSIBLE = {
  "coding-solo": { undo: "no undo tool, and no tool removes a node" },
};
const NOTES = {
  "coding-solo": {
    error: "on the scene godotd built (copied in); the script broken with the agent's own file tool",
    fix: "the script fixed with the agent's own file tool; checked by running the scene",
    run: "the scene godotd built (copied in)",
  },
};

// ------------------------------------------------------------------------------------------

async function main() {
  const out = { server: o.server, style: o.server === "godotd" ? o.style : "-", fallback: o.fallback,
    tools: [], connect: null, tasks: [], server_info: null };
  let transport;
  if (o.server === "godotd") {
    transport = meteredTransport({ command: o.godotd, args: ["mcp", "--project", o.project], stderr: "inherit" });
  } else {
    transport = meteredTransport({ command: process.execPath, args: [o.peer], env: { ...process.env }, stderr: "pipe" });
  }
  client = new Client({ name: "godotd-bench-workflows", version: "1" }, { capabilities: {} });
  const a = snap();
  await client.connect(transport, TIMEOUT);
  const onmessage = transport.onmessage;
  transport.onmessage = (m, extra) => {
    if (m.method && m.id === undefined) notes[m.method] = (notes[m.method] || 0) + 1;
    onmessage(m, extra);
  };
  if (transport.stderr) transport.stderr.on("data", () => {}); // the peer logs every call
  await listTools();
  out.connect = { ...delta(a, snap()), calls: ["initialize", "tools/list"] };
  out.tools = [...listed];
  out.server_info = client.getServerVersion();
  process.stderr.write(`workflows.mjs: ${o.server} connected, ${listed.size} tools\n`);

  const impl = o.server === "godotd" ? godotd : codingSolo;
  let failed = false;
  for (const name of TASKS) {
    const rec = { name, ok: false, calls: [], own_edits: 0, note: NOTES[o.server]?.[name] ?? null };
    out.tasks.push(rec);
    if (!impl[name]) {
      rec.not_possible = NOT_POSSIBLE[o.server][name];
      rec.ok = null;
      continue;
    }
    if (failed) {
      rec.skipped = "an earlier task failed";
      continue;
    }
    calls = rec.calls;
    ownEdits = 0;
    notes = rec.notifications = {};
    const s = snap();
    try {
      const result = await impl[name]();
      Object.assign(rec, delta(s, snap()));
      rec.own_edits = ownEdits;
      const v = await impl[`verify_${name}`](result);
      if (v && typeof v === "object" && v.partial) {
        rec.partial = v.partial;
        rec.ok = v.partial.length === 0;
        rec.found = v.partial.length ? `missing: ${v.partial.join(", ")}` : "complete";
      } else {
        rec.ok = true;
        rec.found = v;
      }
    } catch (e) {
      if (rec.ms === undefined) Object.assign(rec, delta(s, snap()));
      rec.error = e instanceof CheckFailed ? e.message : `${e?.constructor?.name}: ${e?.message}`;
      failed = true;
      process.stderr.write(`workflows.mjs: ${o.server} ${name} FAILED: ${rec.error}\n`);
    }
    // A partial peer scene is what the later tasks expect (they get godotd's); not a failure.
    if (rec.partial) failed = false;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  await client.close();
  return out.tasks.some((t) => t.error) ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`workflows.mjs: ${e?.stack || e}\n`);
  process.exit(2);
});
