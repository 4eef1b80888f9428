// godotd's MCP resources and prompts through the official TypeScript SDK's client: list and
// read them, subscribe to a project file and receive notifications/resources/updated when a tool
// writes it, render a prompt with its arguments. Over Streamable HTTP or the stdio proxy.
// Prints one JSON report on stdout; exits 1 at the first failed check.
//
// Usage:
//   node resources.mjs --url http://127.0.0.1:PORT/mcp
//   node resources.mjs --godotd BIN --project DIR      (stdio: `godotd mcp --project DIR`)

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const TIMEOUT = { timeout: 300000 };
// Not a timing threshold: how long a missing notification is waited for before the check fails.
const NOTE_DEADLINE_MS = 120000;

const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : null; };
const report = { ok: false, steps: [] };

class CheckFailed extends Error {}
function check(cond, what, detail) {
  if (!cond) throw new CheckFailed(`${what}${detail === undefined ? "" : ": " + JSON.stringify(detail).slice(0, 2000)}`);
}
function step(name, detail = {}) {
  report.steps.push({ name, ...detail });
  process.stderr.write(`ok: ${name}\n`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run(client) {
  const caps = client.getServerCapabilities();
  check(caps?.resources?.subscribe === true && caps?.prompts, "capabilities: resources.subscribe and prompts", caps);
  step("capabilities");

  const listed = await client.listResources();
  const uris = listed.resources.map((r) => r.uri);
  for (const u of ["godot://project", "godot://scene/current", "godot://output"])
    check(uris.includes(u), `resources/list has ${u}`, uris);
  const templates = await client.listResourceTemplates();
  check(templates.resourceTemplates.some((t) => t.uriTemplate === "res://{path}"), "template res://{path}", templates);
  step("resources/list + templates/list");

  const scene = await client.readResource({ uri: "godot://scene/current" });
  const tree = await client.callTool({ name: "get_scene_tree", arguments: {} }, undefined, TIMEOUT);
  check(!tree.isError, "get_scene_tree", tree);
  check(scene.contents[0].mimeType === "application/json", "scene resource mimeType", scene.contents[0]);
  check(JSON.stringify(JSON.parse(scene.contents[0].text)) === JSON.stringify(tree.structuredContent),
    "godot://scene/current is get_scene_tree's result", { resource: scene.contents[0].text.slice(0, 500) });
  step("read godot://scene/current = get_scene_tree");

  const updated = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); });
  const uri = "res://sdk_subscribed/note.txt";
  await client.callTool({ name: "make_dir", arguments: { path: "res://sdk_subscribed" } }, undefined, TIMEOUT);
  await client.subscribeResource({ uri });
  const content = `written by the SDK client ${process.pid} ✓\n`;
  const written = await client.callTool({ name: "write_file", arguments: { path: uri, content } }, undefined, TIMEOUT);
  check(!written.isError, "write_file", written);
  for (const t0 = Date.now(); !updated.includes(uri); await sleep(50))
    check(Date.now() - t0 < NOTE_DEADLINE_MS, `notifications/resources/updated for ${uri}`, updated);
  const read = await client.readResource({ uri });
  check(read.contents[0].text === content && read.contents[0].mimeType === "text/plain", "the file's text as written", read.contents[0]);
  await client.unsubscribeResource({ uri });
  step("subscribe res:// + write_file → resources/updated, read back");

  const prompts = await client.listPrompts();
  const names = prompts.prompts.map((p) => p.name);
  for (const n of ["create_scene", "fix_script_errors", "add_input_action", "write_and_run_test"])
    check(names.includes(n), `prompt ${n} listed`, names);
  const got = await client.getPrompt({ name: "add_input_action", arguments: { action: "sdk_jump", keys: "Space" } });
  const text = got.messages[0].content.text;
  check(got.messages[0].role === "user" && text.includes("\"sdk_jump\"") && text.includes("add_action") &&
    text.includes("Space"), "add_input_action renders its arguments", text);
  step("prompts/list + prompts/get");
}

async function main() {
  const transport = opt("--url")
    ? new StreamableHTTPClientTransport(new URL(opt("--url")))
    : new StdioClientTransport({ command: opt("--godotd"), args: ["mcp", "--project", opt("--project")],
                                 env: { ...process.env }, stderr: "inherit" });
  const client = new Client({ name: "godotd-resources-test", version: "1.0.0" }, { capabilities: {} });
  let code = 0;
  try {
    await client.connect(transport, TIMEOUT);
    await run(client);
    report.ok = true;
  } catch (e) {
    code = 1;
    report.error = e instanceof CheckFailed ? e.message : `${e?.constructor?.name}: ${e?.message}`;
  } finally {
    await client.close().catch(() => {});
  }
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(code);
}

main();
