/* main: the godotd command line — `serve`, the `__exec` wrapper, `find-godot`, `version`.
 *
 * Owns option parsing, the daemon's top-level objects (loop, registry, editor, router, server)
 * and its signals: SIGINT/SIGTERM stop the editor gracefully and then the daemon; a second one
 * exits at once after killing the editor's group. Calls every other module; none call it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "config.h"
#include "godot.h"
#include "log.h"
#include "instance.h"
#include "mcp.h"
#include "mcp_http.h"
#include "mcp_stdio.h"
#include "session_main.h"
#include "service.h"
#include "telemetry.h"
#include "unit.h"
#include "registry.h"
#include "router.h"
#include "server.h"
#include "supervisor.h"

typedef struct {
  uv_loop_t *loop;
  gd_registry registry;
  gd_editor editor;
  gd_output output;
  gd_games games;
  gd_ops ops;
  gd_mcp mcp;
  gd_router router;
  gd_router *router_list[1];
  gd_server server;
  gd_telemetry telemetry;
  gd_service service;
  char project_name[128];
  uv_signal_t sigint, sigterm;
  int signals;
  int exit_code;
} gd_daemon;

/* Editor state changes reach MCP clients as log messages, and the metrics and event stream. */
static void gd__editor_state(void *ud, gd_state from, gd_state to) {
  gd_daemon *d = ud;
  gd_mcp_editor_state(&d->mcp, gd_editor_state_name(from), gd_editor_state_name(to));
  gd_telemetry_state(&d->telemetry, &d->editor, from, to);
  if (d->signals) return;
  char status[256];
  snprintf(status, sizeof status, "port %d; editor %s: %s", d->server.port, d->project_name,
           gd_editor_state_name(to));
  gd_service_status(&d->service, status);
}

static void gd__editor_exit(void *ud, gd_editor *e, int pid, int code, int sig,
                            const char *reason, bool crash) {
  gd_telemetry_exit(ud, e, pid, code, sig, reason, crash);
}

static void gd__editor_heartbeat(void *ud, gd_editor *e, double rtt_s) {
  gd_telemetry_heartbeat(ud, e, rtt_s);
}

static void gd__http_response(void *ud, const gd_http_request *req, int status) {
  gd_telemetry_http(ud, req->method, req->path, status);
}

static unsigned gd__open_connections(void *ud) {
  gd_daemon *d = ud;
  return d->server.nconns;
}

static unsigned gd__open_mcp_sessions(void *ud) {
  gd_daemon *d = ud;
  return d->mcp.nsessions;
}

/* The addon's events the supervisor leaves alone: the editor's output entries, and the exit of a
 * game the editor ran (its parent knows the exit code). */
static void gd__addon_event(void *ud, const char *event, json_t *data) {
  gd_daemon *d = ud;
  if (strcmp(event, "output") == 0) {
    int64_t dropped = gd_output_add_event(&d->output, "editor", 0, data);
    if (dropped > 0)
      gd_warn("editor: its addon dropped %lld output entries (printed faster than sent)",
              (long long)dropped);
  } else if (strcmp(event, "game_exited") == 0) {
    json_t *code = json_object_get(data, "exit_code");
    gd_games_editor_exit(&d->games, (int)json_integer_value(json_object_get(data, "pid")),
                         json_is_integer(code) ? (int)json_integer_value(code) : -1,
                         json_is_true(json_object_get(data, "stopped")));
  }
}

static void gd__usage(FILE *f) {
  fputs("usage: godotd serve --project PATH [options]\n"
        "       godotd find-godot [--godot BIN]\n"
        "       godotd registry [--check | --write]   regenerate the addon's copy and docs\n"
        "       godotd mcp --project PATH [--toolsets SPEC] [-- serve options]   MCP over stdio\n"
        "       godotd session --project PATH [--heartbeat-ms N] [-- godot args]   headless JSON-RPC\n"
        "       godotd token --project PATH [--token-file PATH]   print the bearer token\n"
        "       godotd install-service --project PATH [--user] [--print] [-- serve options]\n"
        "                                 write a systemd unit (Type=notify, watchdog, sandboxed)\n"
        "       godotd version\n"
        "\n"
        "serve options:\n"
        "  --project PATH            the Godot project (directory with project.godot)\n"
        "  --port N                  HTTP/WebSocket port (default 8090; 0 = any free one)\n"
        "  --bind ADDR               listen address (default 127.0.0.1; ::1, localhost, 0.0.0.0,\n"
        "                            any IP): off loopback a bearer token is always required\n"
        "  --require-token           require the bearer token on loopback too (all but /health)\n"
        "  --token-file PATH         the token (default PROJECT/.godot/godotd/token, made 0600)\n"
        "  --allow-host NAME[:PORT]  also accept this Host (repeatable; DNS rebinding guard)\n"
        "  --godot BIN               Godot binary (else $GODOT_BIN, the private install, PATH)\n"
        "  --no-autostart            do not start the editor until asked\n"
        "  --headless                run the editor headless (default)\n"
        "  --display xvfb|current    run the editor on a display: a private Xvfb or $DISPLAY\n"
        "  --log-file PATH           Godot's output (default PROJECT/.godot/godotd/editor.log)\n"
        "  --ready-timeout-ms N      spawn → ready deadline (default 120000)\n"
        "  --wait-ready-ms N         how long a command waits for a (re)starting editor (default 60000)\n"
        "  --heartbeat-ms N          heartbeat interval (default 2000)\n"
        "  --heartbeat-timeout-ms N  no pong within N ms → hung → restart (default 15000)\n"
        "  --import-deadline-ms N    longest import the main thread may be busy with before\n"
        "                            the editor is restarted (default 1800000)\n"
        "  --stop-timeout-ms N       per graceful-stop phase (default 5000)\n"
        "  --crash-max N             crashes within the window that trip the guard (default 5)\n"
        "  --crash-window-ms N       (default 60000)\n"
        "  --backoff-base-ms N       first restart delay, doubling (default 500)\n"
        "  --backoff-max-ms N        (default 30000)\n"
        "  --max-body-bytes N        request body limit (default 33554432, 32 MiB)\n"
        "  --addon-dir PATH          the addon to install (default: the source tree's)\n"
        "  --registry DIR            the command registry (default: schema/commands/)\n"
        "  --toolsets SPEC           MCP tools listed by default: core (default), all, grouped,\n"
        "                            or core plus categories, e.g. core,node,scene\n"
        "  --log-format FMT          auto (journald when stderr is the journal, else text),\n"
        "                            text, json (one object per line) or journal\n",
        f);
}

/* `godotd __exec [--setenv K=V]... -- BIN ARGS...`: the editor's first process. libuv resets
 * signal dispositions in children, so this re-ignores SIGPIPE before exec (an ignored signal
 * stays ignored across exec): the editor then survives its stdout reader (this daemon) going
 * away, and a restarted daemon can adopt it. Environment meant for Godot alone (the private
 * install's libraries) is set here, after this process no longer needs the system's. */
static int gd__exec(int argc, char **argv) {
  int i = 2;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--setenv") == 0 && i + 1 < argc) {
      char *kv = argv[++i], *eq = strchr(kv, '=');
      if (eq) {
        *eq = '\0';
        setenv(kv, eq + 1, 1);
      }
    }
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "godotd __exec: nothing to run\n");
    return 127;
  }
  signal(SIGPIPE, SIG_IGN);
  execv(argv[i + 1], argv + i + 1);
  fprintf(stderr, "godotd __exec: %s: %s\n", argv[i + 1], strerror(errno));
  return 127;
}

static int gd__parse_u64(const char *opt, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || !*s || s[0] == '-') {
    fprintf(stderr, "godotd: %s needs a non-negative integer, got '%s'\n", opt, s);
    return -1;
  }
  *out = v;
  return 0;
}

static void gd__closed_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

static void gd__shutdown_done(void *ud, const char *code, const char *msg) {
  gd_daemon *d = ud;
  if (code) gd_warn("daemon: stopping the editor: %s: %s", code, msg);
  gd_info("daemon: exiting");
  gd_mcp_http_close(&d->mcp); /* ends SSE streams and forgets MCP calls before the sockets go */
  gd_games_close(&d->games);
  gd_server_close(&d->server);
  gd_editor_close(&d->editor);
  uv_signal_stop(&d->sigint);
  uv_signal_stop(&d->sigterm);
  uv_walk(d->loop, gd__closed_walk, NULL);
}

static void gd__on_signal(uv_signal_t *s, int signum) {
  gd_daemon *d = s->data;
  if (++d->signals > 1) {
    gd_warn("daemon: second signal: killing the editor and exiting now");
    gd_editor_kill_now(&d->editor);
    _exit(1);
  }
  gd_info("daemon: %s: stopping the editor, then exiting", strsignal(signum));
  gd_service_stopping(&d->service, "stopping the editor");
  d->server.closing = true; /* answers from now on carry Connection: close */
  gd_editor_stop(&d->editor, gd__shutdown_done, d);
}

static int gd__serve(int argc, char **argv) {
  static struct option opts[] = {
      {"project", required_argument, 0, 'p'},   {"port", required_argument, 0, 'P'},
      {"godot", required_argument, 0, 'g'},     {"no-autostart", no_argument, 0, 'n'},
      {"headless", no_argument, 0, 'H'},        {"display", required_argument, 0, 'D'},
      {"log-file", required_argument, 0, 'l'},  {"ready-timeout-ms", required_argument, 0, 1},
      {"heartbeat-ms", required_argument, 0, 2}, {"heartbeat-timeout-ms", required_argument, 0, 3},
      {"stop-timeout-ms", required_argument, 0, 4}, {"crash-max", required_argument, 0, 5},
      {"crash-window-ms", required_argument, 0, 6}, {"backoff-base-ms", required_argument, 0, 7},
      {"backoff-max-ms", required_argument, 0, 8}, {"max-body-bytes", required_argument, 0, 9},
      {"addon-dir", required_argument, 0, 10},  {"registry", required_argument, 0, 11},
      {"toolsets", required_argument, 0, 40},
      {"bind", required_argument, 0, 50},       {"require-token", no_argument, 0, 51},
      {"token-file", required_argument, 0, 52}, {"allow-host", required_argument, 0, 53},
      {"wait-ready-ms", required_argument, 0, 12}, {"import-deadline-ms", required_argument, 0, 13},
      {"log-format", required_argument, 0, 60},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *project = NULL, *godot = NULL, *display = NULL, *log_file = NULL;
  const char *addon_dir = NULL, *registry = NULL, *toolsets = NULL;
  const char *log_format = "auto";
  const char *bind = "127.0.0.1", *token_file = NULL, *allow_hosts[16];
  size_t n_allow_hosts = 0;
  bool require_token = false;
  uint64_t port = 8090, ready = 120000, hb = 2000, hb_to = 15000, stop_to = 5000, crash_max = 5,
           crash_win = 60000, bo_base = 500, bo_max = 30000, max_body = 32u << 20, wait_ready = 60000,
           import_deadline = 30 * 60 * 1000;
  bool autostart = true;
  int c;
  optind = 2;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    uint64_t *num = NULL;
    switch (c) {
    case 'p': project = optarg; break;
    case 'P': num = &port; break;
    case 'g': godot = optarg; break;
    case 'n': autostart = false; break;
    case 'H': display = NULL; break;
    case 'D': display = optarg; break;
    case 'l': log_file = optarg; break;
    case 1: num = &ready; break;
    case 2: num = &hb; break;
    case 3: num = &hb_to; break;
    case 4: num = &stop_to; break;
    case 5: num = &crash_max; break;
    case 6: num = &crash_win; break;
    case 7: num = &bo_base; break;
    case 8: num = &bo_max; break;
    case 9: num = &max_body; break;
    case 10: addon_dir = optarg; break;
    case 11: registry = optarg; break;
    case 40: toolsets = optarg; break;
    case 50: bind = strcasecmp(optarg, "localhost") == 0 ? "127.0.0.1" : optarg; break;
    case 51: require_token = true; break;
    case 52: token_file = optarg; break;
    case 53:
      if (n_allow_hosts == sizeof allow_hosts / sizeof allow_hosts[0]) {
        fprintf(stderr, "godotd: at most 16 --allow-host\n");
        return 2;
      }
      allow_hosts[n_allow_hosts++] = optarg;
      break;
    case 12: num = &wait_ready; break;
    case 60: log_format = optarg; break;
    case 13: num = &import_deadline; break;
    case 'h': gd__usage(stdout); return 0;
    default: gd__usage(stderr); return 2;
    }
    if (num && gd__parse_u64(argv[optind - 1], optarg, num) != 0) return 2;
  }
  if (!project || optind != argc) {
    gd__usage(stderr);
    return 2;
  }
  if (port > 65535 || hb == 0 || hb_to == 0 || ready == 0 || stop_to == 0 || crash_max == 0) {
    fprintf(stderr, "godotd: --port must be ≤ 65535 and the timeouts/--crash-max positive\n");
    return 2;
  }
  if (display && strcmp(display, "xvfb") != 0 && strcmp(display, "current") != 0) {
    fprintf(stderr, "godotd: --display takes xvfb or current\n");
    return 2;
  }

  static gd_daemon d;
  gd_editor_config cfg;
  memset(&cfg, 0, sizeof cfg);
  char err[512];
  char real[PATH_MAX];
  if (!realpath(project, real)) {
    fprintf(stderr, "godotd: --project %s: %s\n", project, strerror(errno));
    return 2;
  }
  if (strlen(real) >= sizeof cfg.project) {
    fprintf(stderr, "godotd: --project %s: path too long\n", project);
    return 2;
  }
  memcpy(cfg.project, real, strlen(real) + 1);
  {
    const char *base = strrchr(cfg.project, '/');
    snprintf(d.project_name, sizeof d.project_name, "%.127s", base && base[1] ? base + 1 : cfg.project);
  }
  if (gd_service_log_format(log_format, d.project_name) != 0) {
    fprintf(stderr, "godotd: --log-format %s: auto, text, json%s\n", log_format,
            gd_service_available() ? " or journal" : " (this build has no libsystemd: no journal)");
    return 2;
  }
  char pg[PATH_MAX + 16];
  snprintf(pg, sizeof pg, "%s/project.godot", cfg.project);
  if (access(pg, R_OK) != 0) {
    fprintf(stderr, "godotd: %s has no project.godot: not a Godot project\n", cfg.project);
    return 2;
  }
  int lock = gd_instance_lock(cfg.project, err, sizeof err);
  if (lock == -2) {
    int other = 0, other_port = 0;
    gd_instance_read(cfg.project, &other, &other_port);
    fprintf(stderr, "godotd: another godotd (pid %d, port %d) already serves %s\n", other,
            other_port, cfg.project);
    return 3;
  }
  if (lock < 0) {
    fprintf(stderr, "godotd: %s\n", err);
    return 1;
  }
  /* The token always exists (the addon always gets it), so a later --require-token or --bind
   * finds an adopted editor already sending it; it is enforced only when required. */
  if (gd_auth_project_token(cfg.project, token_file, cfg.bridge_token, sizeof cfg.bridge_token,
                            err, sizeof err) != 0) {
    fprintf(stderr, "godotd: %s\n", err);
    return 2;
  }
  if (gd_godot_find(godot, &cfg.godot, err, sizeof err) != 0) {
    fprintf(stderr, "godotd: %s\n", err);
    return 2;
  }
  gd_info("daemon: godotd %s; Godot %s at %s (from %s)", GODOTD_VERSION, cfg.godot.version,
          cfg.godot.path, cfg.godot.source);

  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "godotd: cannot find my own executable\n");
    return 1;
  }
  self[n] = '\0';
  snprintf(cfg.self_exe, sizeof cfg.self_exe, "%s", self);
  if (addon_dir) snprintf(cfg.addon_dir, sizeof cfg.addon_dir, "%s", addon_dir);
  else if (getenv("GODOTD_ADDON_DIR")) snprintf(cfg.addon_dir, sizeof cfg.addon_dir, "%s", getenv("GODOTD_ADDON_DIR"));
  else snprintf(cfg.addon_dir, sizeof cfg.addon_dir, "%s/addons/godotd", GODOTD_SOURCE_ROOT);
  char reg_path[PATH_MAX];
  snprintf(reg_path, sizeof reg_path, "%s", registry ? registry : GODOTD_SOURCE_ROOT "/schema/commands");
  if (log_file) snprintf(cfg.log_file, sizeof cfg.log_file, "%s", log_file);
  cfg.headless = display == NULL;
  cfg.xvfb = display && strcmp(display, "xvfb") == 0;
  cfg.ready_timeout_ms = ready;
  cfg.heartbeat_ms = hb;
  cfg.heartbeat_timeout_ms = hb_to;
  cfg.import_deadline_ms = import_deadline;
  cfg.stop_timeout_ms = stop_to;
  cfg.crash_max = (unsigned)crash_max;
  cfg.crash_window_ms = crash_win;
  cfg.backoff_base_ms = bo_base;
  cfg.backoff_max_ms = bo_max;
  cfg.log_entries = 10000;

  if (gd_registry_load(&d.registry, reg_path, err, sizeof err) != 0) {
    fprintf(stderr, "godotd: command registry: %s\n", err);
    return 2;
  }
  d.loop = uv_default_loop();
  signal(SIGPIPE, SIG_IGN);

  /* Listen first: the port in GODOTD_URL must be the real one (--port 0 picks a free port). */
  if (gd_output_init(&d.output, 20000) != 0) {
    fprintf(stderr, "godotd: out of memory\n");
    return 1;
  }
  gd_games_init(&d.games, d.loop, &d.output);
  d.ops.registry = &d.registry;
  d.ops.editor = &d.editor;
  d.ops.games = &d.games;
  d.ops.output = &d.output;
  d.ops.started_ms = uv_now(d.loop);
  d.ops.wait_ready_ms = wait_ready;
  if (gd_telemetry_init(&d.telemetry) != 0) {
    fprintf(stderr, "godotd: out of memory\n");
    return 1;
  }
  d.ops.telemetry = &d.telemetry;
  d.router.telemetry = &d.telemetry;
  d.router.ops = &d.ops;
  d.router_list[0] = &d.router;
  d.router.projects = d.router_list;
  d.router.nprojects = 1;
  d.router.name = d.project_name;
  if (gd_mcp_init(&d.mcp, &d.ops, toolsets, err, sizeof err) != 0) {
    fprintf(stderr, "godotd: --toolsets: %s\n", err);
    return 2;
  }
  d.router.mcp = &d.mcp;
  int rc = gd_server_listen(&d.server, d.loop, bind, (int)port, (size_t)max_body, &d.router,
                            &d.editor.bridge);
  if (rc != 0) {
    fprintf(stderr, "godotd: cannot listen on %s port %d: %s\n", bind, (int)port, uv_strerror(rc));
    return 1;
  }
  d.server.games = &d.games;
  if (require_token || !d.server.loopback) gd_server_require_token(&d.server, cfg.bridge_token);
  d.router.token_required = d.server.token[0] != 0;
  for (size_t i = 0; i < n_allow_hosts; i++) gd_server_allow_host(&d.server, allow_hosts[i]);
  d.ops.port = d.server.port;
  /* The addon dials the bound address; a wildcard one through loopback. */
  const char *dial = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : strcmp(bind, "::") == 0 ? "::1" : bind;
  snprintf(cfg.bridge_url, sizeof cfg.bridge_url, strchr(dial, ':') ? "ws://[%s]:%d/bridge" : "ws://%s:%d/bridge",
           dial, d.server.port);
  if (gd_editor_init(&d.editor, d.loop, &cfg) != 0) {
    fprintf(stderr, "godotd: out of memory\n");
    return 1;
  }
  if (gd_instance_write(cfg.project, (int)getpid(), d.server.port) != 0)
    gd_warn("daemon: cannot write %s/.godot/godotd/daemon.json", cfg.project);
  d.editor.on_state = gd__editor_state;
  d.editor.on_state_ud = &d;
  d.editor.on_exit = gd__editor_exit;
  d.editor.on_heartbeat = gd__editor_heartbeat;
  d.editor.on_telemetry_ud = &d.telemetry;
  d.server.on_response = gd__http_response;
  d.server.on_response_ud = &d.telemetry;
  d.telemetry.open_connections = gd__open_connections;
  d.telemetry.open_mcp_sessions = gd__open_mcp_sessions;
  d.telemetry.counts_ud = &d;
  d.ops.project_name = d.project_name;
  gd_telemetry_add_project(&d.telemetry, d.project_name, &d.editor, &d.output);
  d.editor.on_addon_event = gd__addon_event;
  d.editor.on_addon_event_ud = &d;
  gd_mcp_watch_output(&d.mcp, &d.output);
  gd_info("daemon: listening on %s port %d, bearer token %s (project %s)", bind, d.server.port,
          d.server.token[0] ? "required" : "not required", cfg.project);

  uv_signal_init(d.loop, &d.sigint);
  uv_signal_init(d.loop, &d.sigterm);
  d.sigint.data = d.sigterm.data = &d;
  uv_signal_start(&d.sigint, gd__on_signal, SIGINT);
  uv_signal_start(&d.sigterm, gd__on_signal, SIGTERM);

  gd_service_init(&d.service, d.loop);
  {
    char status[256];
    snprintf(status, sizeof status, "port %d; editor %s: %s", d.server.port, d.project_name,
             gd_editor_state_name(d.editor.state));
    gd_service_ready(&d.service, status);
  }
  if (!gd_editor_adopt(&d.editor) && autostart && gd_editor_start(&d.editor, err, sizeof err) != 0)
    gd_warn("daemon: editor did not start: %s", err);

  uv_run(d.loop, UV_RUN_DEFAULT);
  gd_instance_clear(cfg.project, (int)getpid());
  uv_loop_close(d.loop);
  gd_registry_free(&d.registry);
  gd_ringlog_free(&d.editor.logs);
  gd_games_free(&d.games);
  gd_telemetry_free(&d.telemetry);
  gd_output_free(&d.output);
  return d.exit_code;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "__exec") == 0) return gd__exec(argc, argv);
  gd_log_init();
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) return gd__serve(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "registry") == 0) return gd_registry_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "mcp") == 0) return gd_mcp_stdio_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "session") == 0) return gd_session_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "install-service") == 0) return gd_unit_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "token") == 0) return gd_auth_token_main(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "version") == 0) {
    printf("godotd %s\n", GODOTD_VERSION);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "find-godot") == 0) {
    gd_godot_bin g;
    char err[512];
    const char *cli = argc >= 4 && strcmp(argv[2], "--godot") == 0 ? argv[3] : NULL;
    if (gd_godot_find(cli, &g, err, sizeof err) != 0) {
      fprintf(stderr, "godotd: %s\n", err);
      return 1;
    }
    printf("%s\t%s\t%s\n", g.path, g.version, g.source);
    return 0;
  }
  gd__usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
  return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
