// An MCP test client for godotd built on the official TypeScript SDK: connects over stdio
// (`godotd mcp --project DIR`) or Streamable HTTP (http://127.0.0.1:PORT/mcp) and runs the
// workflow an agent would: list the tools, read the status, build a scene, write a broken script,
// find its error, fix it, attach it, save, check the file on disk, undo, batch with rollback,
// and the error paths. Prints one JSON report on stdout; exits 1 at the first failed check.
//
// Usage:
//   node client.mjs --transport http --url http://127.0.0.1:PORT/mcp?toolsets=all
//   node client.mjs --transport stdio --godotd BIN --project DIR [--toolsets all] [-- serve args]
// Environment: GODOTD_REPO (source tree: schema/commands/*.json is read to build the calls, so
// commands added later are used as soon as they exist), GODOTD_PROJECT (the project on disk;
// defaults to --project).
//
// Steps whose command is not in the registry yet print "SKIP: <command> not in registry" on
// stderr and are listed under "skipped" in the report.

import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

// ------------------------------------------------------------------------------------------
// Arguments and report

function parseArgs(argv) {
  const o = { transport: null, url: null, godotd: null, project: null, toolsets: null, serve: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { o.serve = argv.slice(i + 1); break; }
    const v = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === "--transport") o.transport = v();
    else if (a === "--url") o.url = v();
    else if (a === "--godotd") o.godotd = v();
    else if (a === "--project") o.project = v();
    else if (a === "--toolsets") o.toolsets = v();
    else usage(`unknown argument ${a}`);
  }
  if (o.transport === "http" && !o.url) usage("--transport http needs --url");
  if (o.transport === "stdio" && !(o.godotd && o.project)) usage("--transport stdio needs --godotd and --project");
  if (o.transport !== "http" && o.transport !== "stdio") usage("--transport http|stdio");
  return o;
}

function usage(msg) {
  process.stderr.write(`client.mjs: ${msg}\nusage: node client.mjs --transport http --url URL\n` +
    "       node client.mjs --transport stdio --godotd BIN --project DIR [--toolsets SPEC] [-- serve args]\n");
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const repo = process.env.GODOTD_REPO || new URL("../..", import.meta.url).pathname;
const projectDir = process.env.GODOTD_PROJECT || args.project;
const report = { transport: args.transport, ok: false, server: null, steps: [], skipped: [], tools: 0 };

class CheckFailed extends Error {}

function step(name, detail = {}) {
  report.steps.push({ name, status: "pass", ...detail });
  process.stderr.write(`ok: ${name}\n`);
}

function skip(command, what) {
  const line = `SKIP: ${command} not in registry (${what})`;
  report.skipped.push(line);
  report.steps.push({ name: what, status: "skip", reason: `${command} not in registry` });
  process.stderr.write(line + "\n");
}

function check(cond, what, detail) {
  if (!cond) {
    const d = detail === undefined ? "" : `: ${JSON.stringify(detail).slice(0, 2000)}`;
    throw new CheckFailed(`${what}${d}`);
  }
}

function eq(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

// ------------------------------------------------------------------------------------------
// The registry (schema/commands/*.json), read at run time

function loadRegistry() {
  const dir = join(repo, "schema", "commands");
  const out = new Map();
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const cat = JSON.parse(readFileSync(join(dir, f), "utf8"));
    for (const c of cat.commands) out.set(c.name, { ...c, category: cat.category });
  }
  return out;
}

const registry = loadRegistry();
const has = (name) => registry.has(name);

// The first of the candidate parameter names that the command's params schema declares.
function param(command, candidates, { required = true } = {}) {
  const props = registry.get(command)?.params?.properties || {};
  for (const c of candidates) if (c in props) return c;
  if (required) throw new CheckFailed(`${command}: none of the params ${candidates.join("/")} ` +
    `in its schema (has ${Object.keys(props).join(", ")}); update tests/mcp/client.mjs`);
  return null;
}

// ------------------------------------------------------------------------------------------
// MCP calls

const TIMEOUT = { timeout: 180_000, maxTotalTimeout: 600_000 };
let client;

// A tool call that must succeed: returns structuredContent (checked against the text block).
async function call(name, params = {}) {
  const r = await client.callTool({ name, arguments: params }, undefined, TIMEOUT);
  check(r.isError !== true, `${name} ${JSON.stringify(params).slice(0, 300)} failed`, r.structuredContent ?? r.content);
  check(r.structuredContent && typeof r.structuredContent === "object", `${name}: no structuredContent`, r);
  check(Array.isArray(r.content) && r.content.length >= 1, `${name}: no content blocks`, r);
  const text = r.content.find((c) => c.type === "text");
  check(text, `${name}: no text block`, r.content);
  let parsed = null;
  try { parsed = JSON.parse(text.text); } catch { /* checked below */ }
  check(eq(parsed, r.structuredContent), `${name}: the text block is not the structuredContent as JSON`,
    { text: text.text.slice(0, 500) });
  return r.structuredContent;
}

// A tool call that must fail as a tool error: returns structuredContent.error.
async function callError(name, params, wantCode) {
  let r;
  try {
    r = await client.callTool({ name, arguments: params }, undefined, TIMEOUT);
  } catch (e) {
    if (e instanceof McpError && /output schema/.test(e.message)) {
      // SDK 1.x validates structuredContent against outputSchema even when isError is true
      // (2.x skips it): real clients on 1.x throw here unless the outputSchema admits the error.
      throw new CheckFailed(`${name} ${JSON.stringify(params).slice(0, 300)}: the SDK rejected the error result: ` +
        `${e.message} (SDK 1.x checks isError results against outputSchema too: the tool's outputSchema ` +
        "must also admit {error: {code, message}})");
    }
    throw e;
  }
  check(r.isError === true, `${name} ${JSON.stringify(params).slice(0, 300)} should fail with isError`, r.structuredContent ?? r.content);
  const err = r.structuredContent?.error;
  check(err && typeof err.code === "string" && typeof err.message === "string",
    `${name}: an isError result needs structuredContent.error {code, message}`, r);
  if (wantCode) {
    const codes = Array.isArray(wantCode) ? wantCode : [wantCode];
    check(codes.includes(err.code), `${name}: error code ${err.code}, want ${codes.join("|")}`, err);
  }
  check(r.content?.some((c) => c.type === "text" && c.text.length > 0), `${name}: an error needs a text block`, r.content);
  return err;
}

function flatten(root) {
  const out = new Map();
  const walk = (n) => { out.set(n.path, n); for (const c of n.children || []) walk(c); };
  walk(root);
  return out;
}

async function tree() {
  const t = await call("get_scene_tree", {});
  check(t.root && typeof t.root === "object", "get_scene_tree: no root", t);
  return { scene: t.scene_path, nodes: flatten(t.root) };
}

function nodeScript(n) {
  const s = n?.script;
  if (!s) return "";
  return typeof s === "string" ? s : s.path || s.resource_path || "";
}

function vec2(v) {
  if (v && typeof v === "object" && "x" in v && "y" in v) return [Number(v.x), Number(v.y)];
  if (Array.isArray(v) && v.length === 2) return v.map(Number);
  if (typeof v === "string") {
    const m = v.match(/Vector2i?\(\s*([-\d.e]+)\s*,\s*([-\d.e]+)\s*\)/);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return null;
}

async function getProperty(nodePath, property) {
  const r = await call("get_property", {
    [param("get_property", ["node_path", "path", "node"])]: nodePath,
    [param("get_property", ["property", "name", "property_name"])]: property,
  });
  return "value" in r ? r.value : r[property];
}

// .tscn on disk: {node path ('.' for the root): {type, props: {key: raw value}}} and ext resources.
function parseTscn(text) {
  const nodes = new Map();
  const ext = new Map();
  let cur = null;
  for (const line of text.split("\n")) {
    const head = line.match(/^\[(\w+)\s*(.*)\]\s*$/);
    if (head) {
      const attrs = Object.fromEntries([...head[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      cur = null;
      if (head[1] === "ext_resource") ext.set(attrs.id, attrs);
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
  return { nodes, ext };
}

function resPath(res) {
  check(res.startsWith("res://"), `not a res:// path: ${res}`);
  return join(projectDir, res.slice("res://".length));
}

// ------------------------------------------------------------------------------------------
// The workflow

const SCENE = "res://mcp_test/level.tscn";
const SCRIPT = "res://mcp_test/hero.gd";
const BROKEN = [
  "extends Node2D",
  "## A script written by the MCP test client, first with a deliberate error on line 8.",
  "",
  "var speed: int = 10",
  "",
  "",
  "func _ready() -> void:",
  "\tvar n: int = undefined_name + 1",
  "\tprint(n + speed)",
  "",
].join("\n");
const BROKEN_LINE = 8;

async function listAllTools() {
  const tools = [];
  let cursor;
  let pages = 0;
  do {
    const r = await client.listTools(cursor ? { cursor } : {}, TIMEOUT);
    check(Array.isArray(r.tools), "tools/list: no tools array", r);
    tools.push(...r.tools);
    cursor = r.nextCursor;
    pages++;
    check(pages < 100, "tools/list: more than 100 pages (a cursor loop?)");
  } while (cursor);
  return { tools, pages };
}

async function workflow(transport) {
  // ---- connection
  const caps = client.getServerCapabilities();
  const info = client.getServerVersion();
  report.server = { info, capabilities: caps, protocolVersion: transport?.protocolVersion ?? null };
  check(caps?.tools, "the server does not declare the tools capability", caps);
  check(info?.name && info?.version, "serverInfo needs name and version", info);
  step("initialize", { server: info });
  await client.ping(TIMEOUT);
  step("ping");
  if (caps.logging) {
    await client.setLoggingLevel("info", TIMEOUT);
    step("logging/setLevel info");
  }

  // ---- tools/list: every page, every tool well-formed, every registry command listed
  const { tools, pages } = await listAllTools();
  report.tools = tools.length;
  const names = new Set();
  for (const t of tools) {
    check(typeof t.name === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(t.name), "bad tool name", t.name);
    check(!names.has(t.name), `tool listed twice: ${t.name}`);
    names.add(t.name);
    check(typeof t.description === "string" && t.description.length > 0, `${t.name}: no description`);
    check(t.inputSchema?.type === "object", `${t.name}: inputSchema.type must be "object"`, t.inputSchema);
    check(t.outputSchema?.type === "object", `${t.name}: outputSchema.type must be "object"`, t.outputSchema);
    const a = t.annotations;
    check(a && ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"].every((k) => typeof a[k] === "boolean"),
      `${t.name}: annotations need readOnlyHint/destructiveHint/idempotentHint/openWorldHint booleans`, a);
  }
  const unlisted = [...registry.keys()].filter((n) => !names.has(n));
  check(unlisted.length === 0, "registry commands missing from tools/list (is the session's toolset 'all'?)", unlisted);
  for (const [name, c] of registry) {
    const t = tools.find((x) => x.name === name);
    check(eq(t.inputSchema.required || [], c.params.required || []), `${name}: inputSchema.required differs from the registry`,
      { tool: t.inputSchema.required, registry: c.params.required });
    check(t.annotations.readOnlyHint === Boolean(c.annotations?.readOnly), `${name}: readOnlyHint differs from the registry`, t.annotations);
  }
  step("tools/list", { tools: tools.length, pages });

  // ---- get_status
  const st = await call("get_status", {});
  step("get_status", { keys: Object.keys(st).slice(0, 20) });

  // ---- a scene to work in: a new Node2D scene, or (until new_scene exists) the demo's main scene
  let target; // node path the script goes on
  let scenePath;
  let createdNodes = false;
  if (has("new_scene")) {
    const p = {
      [param("new_scene", ["scene_path", "path"])]: SCENE,
      [param("new_scene", ["root_type", "root_class", "type", "root"])]: "Node2D",
    };
    const nameKey = param("new_scene", ["root_name", "name"], { required: false });
    if (nameKey) p[nameKey] = "Level";
    await call("new_scene", p);
    scenePath = SCENE;
    let t = await tree();
    if (!t.scene && has("save_scene_as")) {
      await call("save_scene_as", { [param("save_scene_as", ["scene_path", "path"])]: SCENE });
      t = await tree();
    }
    check(t.scene === SCENE, "new_scene: the edited scene is not the new file", t.scene);
    check(t.nodes.get(".")?.type === "Node2D", "new_scene: the root is not a Node2D", t.nodes.get("."));
    step("new_scene Node2D", { scene: SCENE });
  } else {
    skip("new_scene", "new_scene Node2D at res://mcp_test/level.tscn (using res://main.tscn instead)");
    await call("open_scene", { scene_path: "res://main.tscn" });
    scenePath = "res://main.tscn";
    const t = await tree();
    check(t.scene === scenePath, "open_scene: the edited scene is not main.tscn", t.scene);
  }

  // ---- nodes and properties
  if (has("create_node") && has("set_property")) {
    const parentKey = param("create_node", ["parent_path", "parent", "path", "node_path"]);
    const typeKey = param("create_node", ["type", "class", "node_type", "class_name"]);
    const nameKey = param("create_node", ["name", "node_name"]);
    await call("create_node", { [parentKey]: ".", [typeKey]: "Sprite2D", [nameKey]: "Hero" });
    await call("create_node", { [parentKey]: ".", [typeKey]: "Node2D", [nameKey]: "Spawn" });
    await call("set_property", {
      [param("set_property", ["node_path", "path", "node"])]: "Hero",
      [param("set_property", ["property", "name", "property_name"])]: "position",
      [param("set_property", ["value"])]: { $type: "Vector2", x: 100, y: 50 },
    });
    const t = await tree();
    check(t.nodes.get("Hero")?.type === "Sprite2D" && t.nodes.get("Spawn")?.type === "Node2D",
      "create_node: Hero/Spawn not in the tree", [...t.nodes.keys()]);
    if (has("get_property")) {
      check(eq(vec2(await getProperty("Hero", "position")), [100, 50]), "get_property: Hero.position is not (100, 50)");
    } else skip("get_property", "read Hero.position back");
    target = "Hero";
    createdNodes = true;
    step("create_node Hero/Spawn + set_property position");
  } else {
    skip(has("create_node") ? "set_property" : "create_node", "create_node Hero (Sprite2D), Spawn + set_property position (using Sprite2D of main.tscn)");
    target = has("new_scene") ? "." : "Sprite2D";
  }

  // ---- a script with an error: found with the right line, refused by attach, fixed, attached
  await call("write_file", { path: SCRIPT, content: BROKEN });
  const bad = await call("check_script", { path: SCRIPT });
  check(bad.ok === false, "check_script: the broken script is reported ok", bad);
  check(bad.errors.some((e) => e.line === BROKEN_LINE && e.file === SCRIPT && /undefined_name/.test(e.message)),
    `check_script: no error on line ${BROKEN_LINE} naming undefined_name`, bad.errors);
  step("check_script finds the error", { line: BROKEN_LINE });
  await callError("attach_script", { node_path: target, script_path: SCRIPT }, ["failed", "invalid_params"]);
  step("attach_script refuses the broken script");
  if (has("replace_in_script")) {
    const r = await call("replace_in_script", { path: SCRIPT, old: "undefined_name + 1", new: "speed + 1" });
    check(r.replacements === 1, "replace_in_script: not one replacement", r);
  } else {
    await call("write_file", { path: SCRIPT, content: BROKEN.replace("undefined_name + 1", "speed + 1") });
  }
  const good = await call("check_script", { path: SCRIPT });
  check(good.ok === true && good.errors.length === 0, "check_script: the fixed script still has errors", good);
  step("fixed script checks clean");
  let t = await tree();
  const before = nodeScript(t.nodes.get(target));
  check(before !== SCRIPT, `${target} already has ${SCRIPT}: the client needs a fresh project`);
  await call("attach_script", { node_path: target, script_path: SCRIPT });
  t = await tree();
  check(nodeScript(t.nodes.get(target)) === SCRIPT, `attach_script: ${target} has no ${SCRIPT} in the tree`, t.nodes.get(target));
  step("attach_script", { node: target });

  // ---- undo (scene history): the attach goes, redo brings it back
  const u = await call("undo", { history: "scene" });
  t = await tree();
  check(nodeScript(t.nodes.get(target)) === before, `undo: ${target}'s script is not back to '${before}'`, { undone: u, node: t.nodes.get(target) });
  if (has("redo")) {
    await call("redo", { history: "scene" });
  } else {
    await call("attach_script", { node_path: target, script_path: SCRIPT });
  }
  t = await tree();
  check(nodeScript(t.nodes.get(target)) === SCRIPT, "redo: the script is not back", t.nodes.get(target));
  step("undo/redo attach_script", { undone: u.undone });

  // ---- save, then the file on disk
  await call("save_scene", {});
  const file = resPath(scenePath);
  check(existsSync(file), `save_scene: ${file} does not exist`);
  const tscn = parseTscn(readFileSync(file, "utf8"));
  const scriptIds = [...tscn.ext.values()].filter((e) => e.path === SCRIPT).map((e) => e.id);
  check(scriptIds.length === 1, `${scenePath}: no ext_resource for ${SCRIPT}`, [...tscn.ext.values()]);
  const onDisk = tscn.nodes.get(target);
  check(onDisk && onDisk.props.script === `ExtResource("${scriptIds[0]}")`, `${scenePath}: ${target} has no script = ExtResource`, onDisk);
  if (createdNodes) {
    check(tscn.nodes.get(".")?.type === "Node2D", `${scenePath}: root is not Node2D`, tscn.nodes.get("."));
    check(tscn.nodes.get("Hero")?.type === "Sprite2D" && tscn.nodes.get("Spawn")?.type === "Node2D",
      `${scenePath}: Hero/Spawn missing`, [...tscn.nodes.keys()]);
    check(eq(vec2(tscn.nodes.get("Hero").props.position), [100, 50]), `${scenePath}: Hero position is not Vector2(100, 50)`,
      tscn.nodes.get("Hero").props);
  }
  step("save_scene + .tscn on disk", { file: scenePath });

  // ---- undo one property change
  if (has("set_property") && has("get_property") && createdNodes) {
    await call("set_property", {
      [param("set_property", ["node_path", "path", "node"])]: "Hero",
      [param("set_property", ["property", "name", "property_name"])]: "position",
      [param("set_property", ["value"])]: { $type: "Vector2", x: 7, y: 8 },
    });
    check(eq(vec2(await getProperty("Hero", "position")), [7, 8]), "set_property: Hero.position is not (7, 8)");
    await call("undo", { history: "scene" });
    check(eq(vec2(await getProperty("Hero", "position")), [100, 50]), "undo: Hero.position is not back to (100, 50)");
    step("undo set_property");
  } else {
    skip(["set_property", "get_property", "create_node"].find((c) => !has(c)), "undo set_property, checked with get_property");
  }

  // ---- batch whose last step fails: earlier steps rolled back (files, global history)
  {
    const a = "res://mcp_test/batch_a.txt";
    const b = "res://mcp_test/batch_b.txt";
    const err = await callError("batch", {
      commands: [
        { command: "write_file", params: { path: a, content: "a" } },
        { command: "write_file", params: { path: b, content: "b" } },
        { command: "read_file", params: { path: "res://mcp_test/no_such_file.txt" } },
      ],
    });
    check(!existsSync(resPath(a)) && !existsSync(resPath(b)), "batch: files of the steps before the failure are still there");
    step("batch rollback (files)", { error: err.code });
  }
  // ---- batch of node edits whose last step fails
  if (has("create_node")) {
    const parentKey = param("create_node", ["parent_path", "parent", "path", "node_path"]);
    const typeKey = param("create_node", ["type", "class", "node_type", "class_name"]);
    const nameKey = param("create_node", ["name", "node_name"]);
    const err = await callError("batch", {
      commands: [
        { command: "create_node", params: { [parentKey]: ".", [typeKey]: "Node2D", [nameKey]: "BatchA" } },
        { command: "create_node", params: { [parentKey]: "BatchA", [typeKey]: "Sprite2D", [nameKey]: "BatchB" } },
        { command: "attach_script", params: { node_path: "NoSuchNode", script_path: SCRIPT } },
      ],
    });
    t = await tree();
    check(!t.nodes.has("BatchA") && !t.nodes.has("BatchA/BatchB"), "batch: nodes of the steps before the failure are still there",
      [...t.nodes.keys()]);
    step("batch rollback (nodes)", { error: err.code });
  } else {
    skip("create_node", "batch of create_node steps rolled back, checked with get_scene_tree");
  }

  // ---- bad arguments: tool errors with a structured error
  await callError("get_scene_tree", { max_depth: -1 }, "invalid_params");
  await callError("check_script", {}, "invalid_params");
  await callError("read_file", { path: "res://../outside.txt" }, "outside_project");
  await callError("attach_script", { node_path: "NoSuchNode", script_path: SCRIPT }, "not_found");
  step("bad arguments → isError + structuredContent.error");

  // ---- the game loop: run a scene with a bug, read the error with its file and line, fix the
  // script, run again and see no error, take a screenshot
  {
    const script = "res://mcp_test/game_bug.gd";
    const scene = "res://mcp_test/game_bug.tscn";
    const bugLine = 5;
    const broken = [
      "extends Node",
      "",
      "func _ready() -> void:",
      "\tvar hero = null",
      "\tprint(\"hero at \", hero.position)",
      "\tprint(\"game loop done\")",
      "",
    ].join("\n");
    await call("write_file", { path: script, content: broken });
    await call("write_file", {
      path: scene,
      content: `[gd_scene load_steps=2 format=3]\n\n[ext_resource type="Script" path="${script}" id="1"]\n\n` +
        `[node name="GameBug" type="Node"]\nscript = ExtResource("1")\n`,
    });
    await call("scan_filesystem", {});
    const run1 = await call("run_and_capture", { scene_path: scene, until_pattern: "game loop done", stop_on_error: true, timeout_ms: 60000 });
    const bug = run1.entries.find((e) => e.severity === "error" && e.file === script);
    check(bug && bug.line === bugLine && bug.function === "_ready" && /Nil/.test(bug.message),
      `run_and_capture: no error at ${script}:${bugLine} in _ready`, run1);
    check(run1.counts.error >= 1 && run1.ended_by === "error", "run_and_capture: the error did not end the run", run1);
    const fixed = broken.replace("\tvar hero = null", "\tvar hero = Node2D.new()");
    await call("write_file", { path: script, content: fixed });
    const run2 = await call("run_and_capture", { scene_path: scene, until_pattern: "game loop done", timeout_ms: 60000 });
    check(run2.counts.error === 0 && run2.ended_by === "pattern", "run_and_capture: the fixed scene still errs", run2);
    check(run2.entries.some((e) => e.message === "hero at (0.0, 0.0)"), "run_and_capture: the fixed scene did not print", run2.entries);
    await call("play", { scene_path: scene });
    const started = await call("wait_for_output", { pattern: "^game [0-9]+ started", since: run2.entries.at(-1).id, timeout_ms: 60000 });
    const shot = await client.callTool({ name: "take_screenshot", arguments: { target: "game", game: started.entry.game } }, undefined, TIMEOUT);
    if (shot.isError) { // a headless daemon renders nothing: a clear error naming --display xvfb
      check(shot.structuredContent?.error?.code === "no_renderer" && /--display xvfb/.test(shot.structuredContent.error.message),
        "take_screenshot (headless): want no_renderer naming --display xvfb", shot.structuredContent);
    } else {
      const image = shot.content.find((c) => c.type === "image");
      check(image && image.mimeType === "image/png" && image.data.length > 100, "take_screenshot: no image content block", shot.content);
    }
    await call("stop", {});
    step("game loop: run, read the error, fix, run clean, screenshot", { line: bug.line });
  }

  // ---- unknown tool: a JSON-RPC error
  let rpcErr = null;
  try {
    await client.callTool({ name: "no_such_tool_for_mcp_test", arguments: {} }, undefined, TIMEOUT);
  } catch (e) {
    rpcErr = e;
  }
  check(rpcErr instanceof McpError && rpcErr.code === -32602, "unknown tool: want a JSON-RPC error -32602",
    rpcErr ? { code: rpcErr.code, message: rpcErr.message } : "no error");
  step("unknown tool → JSON-RPC -32602");
}

// ------------------------------------------------------------------------------------------

async function main() {
  let transport;
  if (args.transport === "http") {
    transport = new StreamableHTTPClientTransport(new URL(args.url));
  } else {
    const a = ["mcp", "--project", args.project];
    if (args.toolsets) a.push("--toolsets", args.toolsets);
    if (args.serve.length) a.push("--", ...args.serve);
    transport = new StdioClientTransport({ command: args.godotd, args: a, env: { ...process.env }, stderr: "inherit" });
  }
  client = new Client({ name: "godotd-mcp-test", version: "1.0.0" }, { capabilities: {} });
  let code = 0;
  try {
    await client.connect(transport, TIMEOUT);
    await workflow(transport);
    report.ok = true;
  } catch (e) {
    code = 1;
    report.error = e instanceof CheckFailed ? e.message : `${e?.constructor?.name}: ${e?.message}`;
    if (!(e instanceof CheckFailed)) report.stack = String(e?.stack || "").split("\n").slice(0, 8);
    report.steps.push({ name: "FAILED", status: "fail", error: report.error });
    process.stderr.write(`FAIL: ${report.error}\n`);
  } finally {
    try {
      if (args.transport === "http" && transport.sessionId) await transport.terminateSession();
    } catch (e) {
      report.terminate_error = String(e?.message || e);
    }
    try { await client.close(); } catch { /* already closed */ }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  process.exit(code);
}

main();
