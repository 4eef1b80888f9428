/* libFuzzer target: the MCP server's JSON-RPC message handling (mcp.c), with no socket: a
 * message goes to gd_mcp_handle as the Streamable HTTP and stdio transports hand it over, and
 * the answer comes back through a sink. The daemon behind it is real (ops, registry, supervisor,
 * bridge) but its editor is failed and cannot start (no addon to install), so tools/call answers
 * at once with an error instead of spawning Godot. Byte 0 picks the session (none, or one made
 * by initialize at start); the rest is one JSON-RPC message. Invariants: every message gets
 * exactly one finish, a response is a JSON-RPC 2.0 object with an id, or no response at all. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mcp.h"
#include "ops.h"
#include "registry.h"
#include "supervisor.h"

static gd_registry reg;
static gd_editor editor;
static gd_ops ops;
static gd_mcp mcp;
static gd_mcp_session *session;
static int finishes;

static void sink_notify(gd_mcp_sink *s, json_t *msg) {
  (void)s;
  assert(json_is_object(msg));
  json_decref(msg);
}

static void sink_finish(gd_mcp_sink *s, json_t *response) {
  (void)s;
  finishes++;
  if (!response) return;
  assert(json_is_object(response));
  assert(json_is_string(json_object_get(response, "jsonrpc")));
  assert(json_object_get(response, "id") != NULL);
  assert(json_object_get(response, "result") != NULL || json_object_get(response, "error") != NULL);
  json_decref(response);
}

static gd_mcp_sink sink = {.notify = sink_notify, .finish = sink_finish};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[512];
  if (gd_registry_load(&reg, GODOTD_SOURCE_ROOT "/schema/commands", err, sizeof err) != 0) abort();
  static char dir[] = "/tmp/godotd-fuzz-mcp-XXXXXX";
  if (!mkdtemp(dir)) abort();
  gd_editor_config cfg;
  memset(&cfg, 0, sizeof cfg);
  snprintf(cfg.project, sizeof cfg.project, "%s", dir);
  snprintf(cfg.addon_dir, sizeof cfg.addon_dir, "%s/no-addon", dir); /* install fails: no spawn */
  snprintf(cfg.self_exe, sizeof cfg.self_exe, "/nonexistent/godotd");
  snprintf(cfg.log_file, sizeof cfg.log_file, "/dev/null");
  snprintf(cfg.godot.path, sizeof cfg.godot.path, "/nonexistent/godot");
  cfg.headless = true;
  cfg.ready_timeout_ms = cfg.heartbeat_ms = cfg.heartbeat_timeout_ms = cfg.stop_timeout_ms = 1000;
  cfg.crash_max = 5;
  cfg.crash_window_ms = 60000;
  cfg.backoff_base_ms = cfg.backoff_max_ms = 1000;
  cfg.log_entries = 64;
  if (gd_editor_init(&editor, uv_default_loop(), &cfg) != 0) abort();
  editor.state = GD_STATE_FAILED;
  ops = (gd_ops){.editor = &editor, .registry = &reg, .port = 0, .wait_ready_ms = 0};
  if (gd_mcp_init(&mcp, &ops, "core", err, sizeof err) != 0) abort();
  json_t *init = json_loads("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                            "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
                            0, NULL);
  gd_mcp_handle(&mcp, NULL, init, &sink, &session);
  if (!session) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  json_t *msg = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
  if (!msg) return 0;
  gd_mcp_session *created = NULL;
  finishes = 0;
  gd_mcp_handle(&mcp, (data[0] & 1) ? session : NULL, msg, &sink, &created);
  /* Answers come at once: the editor is failed, nothing waits on the loop. */
  uv_run(uv_default_loop(), UV_RUN_NOWAIT);
  assert(finishes == 1);
  if (created) gd_mcp_session_end(&mcp, created);
  editor.state = GD_STATE_FAILED; /* an editor_start just failed again: keep it so */
  return 0;
}
