// Drives one MCP server over stdio with the official TypeScript SDK client and times the
// operations bench/peers.py compares: the Godot version, the project info, create a scene with a
// Node2D root, add a Sprite2D (with a position) to it and save. Prints one JSON object on stdout:
// tools/list names, the time to connect, and per operation the wall time of every call (ms), the
// isError count, the last answer's text, and the scene files written (res:// paths) for
// bench/peers.py to check on disk. It checks nothing itself and has no thresholds.
//
// Usage:
//   node drive.mjs --server godotd --godotd BIN --project DIR [--n N] [--warmup W]
//   node drive.mjs --server coding-solo --project DIR [--n N] [--warmup W]   (env GODOT_PATH)
// Scenes go to res://bench_peers/s<i>.tscn (warm-up calls included; they are checked too).

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const o = { server: null, godotd: null, project: null, n: 10, warmup: 1 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = () => argv[++i];
  switch (argv[i]) {
    case "--server": o.server = v(); break;
    case "--godotd": o.godotd = v(); break;
    case "--project": o.project = v(); break;
    case "--n": o.n = parseInt(v(), 10); break;
    case "--warmup": o.warmup = parseInt(v(), 10); break;
    default: process.stderr.write(`drive.mjs: unknown argument ${argv[i]}\n`); process.exit(2);
  }
}
if (!o.project || !["godotd", "coding-solo"].includes(o.server) || (o.server === "godotd" && !o.godotd)) {
  process.stderr.write("usage: node drive.mjs --server godotd|coding-solo [--godotd BIN] --project DIR [--n N] [--warmup W]\n");
  process.exit(2);
}

const TIMEOUT = { timeout: 120_000, maxTotalTimeout: 600_000 };
const POSITION = [100, 50];

// Each server's way of doing the same four things. A step is a list of tool calls (godotd needs
// two for "add a node and save"); untimed() runs after the timed calls (godotd closes the tab so
// that n scenes do not stay open).
const servers = {
  godotd: {
    transport: () => new StdioClientTransport({ command: o.godotd, args: ["mcp", "--project", o.project], stderr: "inherit" }),
    ops: {
      godot_version: () => [["get_status", {}]],
      project_info: () => [["get_project_info", {}]],
      create_scene: (p) => [["new_scene", { root_type: "Node2D", scene_path: p }]],
      add_node_save: () => [["create_node", { parent_path: ".", type: "Sprite2D", name: "Sprite", properties: { position: POSITION } }],
                            ["save_scene", {}]],
    },
    // close_scene is not in the default (core) tool set: run_command reaches it
    untimed: (p) => [["run_command", { command: "close_scene", params: { scene_path: p } }]],
  },
  "coding-solo": {
    transport: () => new StdioClientTransport({
      command: process.execPath,
      args: [join(here, "node_modules", "@coding-solo", "godot-mcp", "build", "index.js")],
      env: { ...process.env }, stderr: "pipe",
    }),
    ops: {
      godot_version: () => [["get_godot_version", {}]],
      project_info: () => [["get_project_info", { projectPath: o.project }]],
      create_scene: (p) => [["create_scene", { projectPath: o.project, scenePath: p.slice(6), rootNodeType: "Node2D" }]],
      add_node_save: (p) => [["add_node", { projectPath: o.project, scenePath: p.slice(6), parentNodePath: "root",
                                            nodeType: "Sprite2D", nodeName: "Sprite", properties: { position: POSITION } }]],
    },
    untimed: () => [],
  },
};

const srv = servers[o.server];
const out = { server: o.server, n: o.n, warmup: o.warmup, tools: [], connect_ms: null, ops: {}, scenes: [], server_info: null };
const client = new Client({ name: "godotd-bench-peers", version: "1" });
const transport = srv.transport();
if (transport.stderr) transport.stderr.on("data", () => {}); // the peer logs every call on stderr
let t0 = performance.now();
await client.connect(transport);
out.connect_ms = performance.now() - t0;
out.server_info = client.getServerVersion();
out.protocol = transport._protocolVersion ?? null;
out.server_pid = transport.pid;
process.stderr.write(`drive.mjs: ${o.server} connected (pid ${transport.pid}) in ${out.connect_ms.toFixed(1)} ms\n`);
for (let cursor; ;) {
  const r = await client.listTools(cursor ? { cursor } : {});
  out.tools.push(...r.tools.map((t) => t.name));
  if (!(cursor = r.nextCursor)) break;
}

function textOf(r) {
  if (r.structuredContent) return JSON.stringify(r.structuredContent);
  return (r.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

async function run(calls) {
  let isError = false, text = "";
  for (const [name, args] of calls) {
    let r;
    try {
      r = await client.callTool({ name, arguments: args }, undefined, TIMEOUT);
    } catch (e) {
      r = { isError: true, content: [{ type: "text", text: `protocol error: ${e.message}` }] };
    }
    if (r.isError) isError = true;
    text += (text ? "\n" : "") + `${name}: ${textOf(r)}`;
  }
  return { isError, text };
}

for (const k of Object.keys(srv.ops)) out.ops[k] = { ms: [], errors: 0, first_ms: null, error_text: null, last_text: null, calls: srv.ops[k]("res://x").map((c) => c[0]) };
for (let i = 0; i < o.warmup + o.n; i++) {
  const scene = `res://bench_peers/s${i}.tscn`;
  out.scenes.push(scene);
  for (const [k, op] of Object.entries(srv.ops)) {
    t0 = performance.now();
    const r = await run(op(scene));
    const ms = performance.now() - t0;
    const rec = out.ops[k];
    if (i === 0) rec.first_ms = ms;
    if (i >= o.warmup) rec.ms.push(ms);
    if (r.isError && rec.errors++ === 0) rec.error_text = r.text.slice(0, 1500);
    rec.last_text = r.text.slice(0, 1500);
  }
  const u = await run(srv.untimed(scene));
  if (u.isError) process.stderr.write(`drive.mjs: ${u.text.slice(0, 300)}\n`);
}
// Let bench/peers.py sample the idle server before it goes away.
process.stdout.write(JSON.stringify(out) + "\n");
process.stderr.write("drive.mjs: done\n");
await new Promise((resolve) => process.stdin.once("data", resolve).once("end", resolve));
await client.close();
