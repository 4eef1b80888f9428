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
#include "mcp_resources.h"
#include "mcp_http.h"
#include "mcp_stdio.h"
#include "session_main.h"
#include "service.h"
#include "telemetry.h"
#include "unit.h"
#include "project.h"
#include "errors.h"
#include "registry.h"
#include "router.h"
#include "server.h"
#include "supervisor.h"

typedef struct gd_daemon {
  uv_loop_t *loop;
  gd_registry registry;
  gd_project *projects[GD_PROJECTS_MAX]; /* [0] is the default project; removed ones stay */
  size_t nprojects;
  gd_router *routers[GD_PROJECTS_MAX];   /* the live projects' routers, [0] the default's */
  gd_server server;
  gd_telemetry telemetry;
  gd_service service;
  gd_project_spec defaults;              /* serve options for projects added at run time */
  const char *toolsets;
  uint64_t wait_ready_ms;
  char ws_base[128];                     /* ws://host:port the addons dial */
  uv_signal_t sigint, sigterm;
  int signals;
  int stopping;                          /* editors still stopping at exit */
  int exit_code;
} gd_daemon;

static gd_project *gd__default(gd_daemon *d) { return d->projects[0]; }

/* The routers of the live projects, for the top router's /projects/<name>/ routes. */
static void gd__reroute(gd_daemon *d) {
  size_t k = 0;
  for (size_t i = 0; i < d->nprojects; i++)
    if (!d->projects[i]->removed) d->routers[k++] = &d->projects[i]->router;
  gd_router *top = &gd__default(d)->router;
  top->projects = d->routers;
  top->nprojects = k;
  gd__default(d)->mcp.advertise_project = k > 1;
}

static gd_ops *gd__find_project(void *ud, const char *name) {
  gd_daemon *d = ud;
  for (size_t i = 0; i < d->nprojects; i++)
    if (!d->projects[i]->removed && strcmp(d->projects[i]->name, name) == 0)
      return &d->projects[i]->ops;
  return NULL;
}

static json_t *gd__list_projects(void *ud) {
  gd_daemon *d = ud;
  json_t *list = json_array();
  for (size_t i = 0; i < d->nprojects; i++) {
    gd_project *p = d->projects[i];
    if (p->removed) continue;
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b}", "name", p->name, "path",
                                          p->editor.cfg.project, "state",
                                          gd_editor_state_name(p->editor.state), "default", i == 0));
  }
  return list;
}

/* STATUS= for the service manager: the port and each editor's state. */
static void gd__status_text(gd_daemon *d, char *status, size_t size) {
  int n = snprintf(status, size, "port %d;", d->server.port);
  for (size_t i = 0; i < d->nprojects && n > 0 && (size_t)n < size; i++)
    if (!d->projects[i]->removed)
      n += snprintf(status + n, size - (size_t)n, " editor %s: %s", d->projects[i]->name,
                    gd_editor_state_name(d->projects[i]->editor.state));
}

static void gd__service_status(gd_daemon *d) {
  if (d->signals) return;
  char status[512];
  gd__status_text(d, status, sizeof status);
  gd_service_status(&d->service, status);
}

/* Editor state changes reach MCP clients as log messages, and the metrics and event stream. */
static void gd__editor_state(void *ud, gd_state from, gd_state to) {
  gd_project *p = ud;
  gd_daemon *d = p->owner;
  gd_mcp_editor_state(&p->mcp, gd_editor_state_name(from), gd_editor_state_name(to));
  gd_telemetry_state(&d->telemetry, &p->editor, from, to);
  gd__service_status(d);
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
  unsigned n = 0;
  for (size_t i = 0; i < d->nprojects; i++) n += d->projects[i]->mcp.nsessions;
  return n;
}

/* The addon's events the supervisor leaves alone: the editor's output entries, the exit of a
 * game the editor ran (its parent knows the exit code), and edits of the edited scene (MCP
 * resource subscriptions). */
static void gd__addon_event(void *ud, const char *event, json_t *data) {
  gd_project *p = ud;
  if (strcmp(event, "output") == 0) {
    int64_t dropped = gd_output_add_event(&p->output, "editor", 0, data);
    if (dropped > 0)
      gd_warn("editor: its addon dropped %lld output entries (printed faster than sent)",
              (long long)dropped);
  } else if (strcmp(event, "scene_edited") == 0) {
    gd_mcp_resources_scene_edited(&p->mcp, data); /* subscribers of the scene resources */
  } else if (strcmp(event, "game_exited") == 0) {
    json_t *code = json_object_get(data, "exit_code");
    gd_games_editor_exit(&p->games, (int)json_integer_value(json_object_get(data, "pid")),
                         json_is_integer(code) ? (int)json_integer_value(code) : -1,
                         json_is_true(json_object_get(data, "stopped")));
  }
}

/* Opens a project and wires it to the daemon's parts (telemetry, the server's links and
 * tokens, the routers, the default MCP endpoint). 0, or -1 with the reason in err. */
static int gd__add_project(gd_daemon *d, const gd_project_spec *spec, char *err, size_t n,
                           int *exit_code) {
  if (d->nprojects >= GD_PROJECTS_MAX) {
    snprintf(err, n, "at most %d projects per daemon", GD_PROJECTS_MAX);
    *exit_code = 2;
    return -1;
  }
  char name[GD_PROJECT_NAME_MAX];
  if (spec->name[0]) snprintf(name, sizeof name, "%s", spec->name);
  else gd_project_default_name(spec->path, name, sizeof name);
  if (gd__find_project(d, name)) {
    snprintf(err, n, "a project named '%s' is already served (give it another \"name\")", name);
    *exit_code = 2;
    return -1;
  }
  gd_project *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(err, n, "out of memory");
    *exit_code = 1;
    return -1;
  }
  gd_project_spec named = *spec;
  snprintf(named.name, sizeof named.name, "%s", name);
  bool first = d->nprojects == 0;
  if (gd_project_open(p, d->loop, &named, &d->registry, d->toolsets, d->ws_base, first, err, n,
                      exit_code) != 0) {
    free(p);
    return -1;
  }
  p->owner = d;
  p->ops.telemetry = &d->telemetry;
  p->ops.wait_ready_ms = d->wait_ready_ms;
  p->router.telemetry = &d->telemetry;
  p->router.token_required = d->server.token[0] != 0;
  p->editor.on_state = gd__editor_state;
  p->editor.on_state_ud = p;
  p->editor.on_exit = gd__editor_exit;
  p->editor.on_heartbeat = gd__editor_heartbeat;
  p->editor.on_telemetry_ud = &d->telemetry;
  p->editor.on_addon_event = gd__addon_event;
  p->editor.on_addon_event_ud = p;
  gd_telemetry_add_project(&d->telemetry, p->name, &p->editor, &p->output);
  if (!first &&
      gd_server_add_scope(&d->server, p->route_prefix, &p->editor.bridge, &p->games,
                          p->editor.cfg.bridge_token) != 0) {
    snprintf(err, n, "out of memory");
    *exit_code = 1;
    return -1;
  }
  d->projects[d->nprojects++] = p;
  gd__reroute(d);
  gd_info("daemon: project %s (%s)%s", p->name, p->editor.cfg.project, first ? ", the default" : "");
  return 0;
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
        "                            or core plus categories, e.g. core,node,scene; add outputs\n"
        "                            for each tool's full outputSchema (e.g. all,outputs)\n"
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

static void gd__shutdown(gd_daemon *d) {
  gd_info("daemon: exiting");
  /* SSE streams end and MCP calls are forgotten before the sockets go. */
  for (size_t i = 0; i < d->nprojects; i++) gd_mcp_http_close(&d->projects[i]->mcp);
  for (size_t i = 0; i < d->nprojects; i++) gd_games_close(&d->projects[i]->games);
  gd_server_close(&d->server);
  for (size_t i = 0; i < d->nprojects; i++)
    if (!d->projects[i]->removed) gd_project_close(d->projects[i]);
  uv_signal_stop(&d->sigint);
  uv_signal_stop(&d->sigterm);
  uv_walk(d->loop, gd__closed_walk, NULL);
}

static void gd__editor_stopped(void *ud, const char *code, const char *msg) {
  gd_project *p = ud;
  gd_daemon *d = p->owner;
  if (code) gd_warn("daemon: stopping the editor of %s: %s: %s", p->name, code, msg);
  if (--d->stopping == 0) gd__shutdown(d);
}

static void gd__on_signal(uv_signal_t *s, int signum) {
  gd_daemon *d = s->data;
  if (++d->signals > 1) {
    gd_warn("daemon: second signal: killing the editors and exiting now");
    for (size_t i = 0; i < d->nprojects; i++)
      if (!d->projects[i]->removed) gd_editor_kill_now(&d->projects[i]->editor);
    _exit(1);
  }
  gd_info("daemon: %s: stopping the editors, then exiting", strsignal(signum));
  gd_service_stopping(&d->service, "stopping the editors");
  d->server.closing = true; /* answers from now on carry Connection: close */
  /* Every editor stops at once (each through its own quit → SIGTERM → SIGKILL). */
  d->stopping = 1;
  for (size_t i = 0; i < d->nprojects; i++)
    if (!d->projects[i]->removed) {
      d->stopping++;
      gd_editor_stop(&d->projects[i]->editor, gd__editor_stopped, d->projects[i]);
    }
  if (--d->stopping == 0) gd__shutdown(d);
}

/* ---- projects at run time (POST /projects, DELETE /projects/<name>) ------------------------- */

static void gd__project_removed(void *ud, const char *code, const char *msg) {
  gd_project *p = ud;
  gd_daemon *d = p->owner;
  if (code) gd_warn("daemon: stopping the editor of %s: %s: %s", p->name, code, msg);
  gd_project_close(p);
  gd_info("daemon: project %s removed", p->name);
  (void)d;
}

/* POST /projects {path, name?, display?, autostart?, ...}: adds a project; 201 with it. */
static void gd__projects_add(void *ud, json_t *body, gd_reply *r) {
  gd_daemon *d = ud;
  gd_project_spec spec = d->defaults;
  spec.name[0] = '\0';
  spec.token_file[0] = '\0';
  spec.cfg.log_file[0] = '\0';
  char err[512];
  int exit_code = 0;
  if (gd_project_spec_from_json(body, &spec, err, sizeof err) != 0) {
    gd_reply_error(r, GD_E_INVALID_PARAMS, "%s", err);
    return;
  }
  if (gd__add_project(d, &spec, err, sizeof err, &exit_code) != 0) {
    gd_reply_error(r, exit_code == 3 || strstr(err, "already served") ? GD_E_FAILED : GD_E_INVALID_PARAMS,
                   "%s", err);
    return;
  }
  gd_project *p = d->projects[d->nprojects - 1];
  gd_project_run(p, d->server.port);
  gd__service_status(d);
  gd_reply_json(r, 201,
                json_pack("{s:s, s:s, s:s, s:s}", "name", p->name, "path", p->editor.cfg.project,
                          "state", gd_editor_state_name(p->editor.state), "routes", p->route_prefix),
                NULL);
}

/* DELETE /projects/<name>: stops its editor and removes it (not the default project). */
static void gd__projects_remove(void *ud, const char *name, gd_reply *r) {
  gd_daemon *d = ud;
  for (size_t i = 1; i < d->nprojects; i++) {
    gd_project *p = d->projects[i];
    if (p->removed || strcmp(p->name, name) != 0) continue;
    p->removed = true;
    gd_server_remove_scope(&d->server, p->route_prefix);
    gd__reroute(d);
    gd_telemetry_remove_project(&d->telemetry, &p->editor);
    gd_editor_stop(&p->editor, gd__project_removed, p);
    gd__service_status(d);
    gd_reply_json(r, 200, json_pack("{s:s, s:b}", "name", name, "removed", 1), NULL);
    return;
  }
  if (strcmp(gd__default(d)->name, name) == 0)
    gd_reply_error(r, GD_E_FORBIDDEN, "the default project '%s' cannot be removed (stop it instead)", name);
  else gd_reply_error(r, GD_E_NOT_FOUND, "no project '%s' (GET /projects lists them)", name);
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
      {"log-format", required_argument, 0, 60}, {"config", required_argument, 0, 61},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *project = NULL, *godot = NULL, *display = NULL, *log_file = NULL, *config = NULL;
  const char *project_paths[GD_PROJECTS_MAX];
  size_t nproject_paths = 0;
  bool port_set = false, bind_set = false;
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
    case 'p':
      if (nproject_paths == GD_PROJECTS_MAX) {
        fprintf(stderr, "godotd: at most %d projects\n", GD_PROJECTS_MAX);
        return 2;
      }
      project = project_paths[nproject_paths++] = optarg;
      break;
    case 61: config = optarg; break;
    case 'P': num = &port; port_set = true; break;
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
    case 50: bind = strcasecmp(optarg, "localhost") == 0 ? "127.0.0.1" : optarg; bind_set = true; break;
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
  if ((!project && !config) || optind != argc) {
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
  char err[512];
  /* The serve options every project starts from (a config file's projects may override). */
  gd_project_spec *def = &d.defaults;
  def->autostart = autostart;
  def->cfg.headless = display == NULL;
  def->cfg.xvfb = display && strcmp(display, "xvfb") == 0;
  def->cfg.ready_timeout_ms = ready;
  def->cfg.heartbeat_ms = hb;
  def->cfg.heartbeat_timeout_ms = hb_to;
  def->cfg.import_deadline_ms = import_deadline;
  def->cfg.stop_timeout_ms = stop_to;
  def->cfg.crash_max = (unsigned)crash_max;
  def->cfg.crash_window_ms = crash_win;
  def->cfg.backoff_base_ms = bo_base;
  def->cfg.backoff_max_ms = bo_max;
  def->cfg.log_entries = 10000;
  if (gd_godot_find(godot, &def->cfg.godot, err, sizeof err) != 0) {
    fprintf(stderr, "godotd: %s\n", err);
    return 2;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "godotd: cannot find my own executable\n");
    return 1;
  }
  self[n] = '\0';
  snprintf(def->cfg.self_exe, sizeof def->cfg.self_exe, "%s", self);
  if (addon_dir) snprintf(def->cfg.addon_dir, sizeof def->cfg.addon_dir, "%s", addon_dir);
  else if (getenv("GODOTD_ADDON_DIR"))
    snprintf(def->cfg.addon_dir, sizeof def->cfg.addon_dir, "%s", getenv("GODOTD_ADDON_DIR"));
  else snprintf(def->cfg.addon_dir, sizeof def->cfg.addon_dir, "%s/addons/godotd", GODOTD_SOURCE_ROOT);

  /* The projects: --project flags first (the first is the default), then the config file's. */
  static gd_project_spec specs[GD_PROJECTS_MAX];
  size_t nspecs = 0;
  for (size_t i = 0; i < nproject_paths; i++) {
    specs[nspecs] = *def;
    snprintf(specs[nspecs].path, sizeof specs[nspecs].path, "%s", project_paths[i]);
    if (i == 0 && token_file) snprintf(specs[0].token_file, sizeof specs[0].token_file, "%s", token_file);
    if (i == 0 && log_file) snprintf(specs[0].cfg.log_file, sizeof specs[0].cfg.log_file, "%s", log_file);
    nspecs++;
  }
  if (config) {
    json_error_t jerr;
    json_t *root = json_load_file(config, 0, &jerr);
    json_t *list = json_object_get(root, "projects");
    if (!root || !json_is_array(list) || json_array_size(list) == 0) {
      fprintf(stderr, "godotd: --config %s: %s\n", config,
              root ? "wants {\"projects\": [{\"path\": ...}, ...]}" : jerr.text);
      json_decref(root);
      return 2;
    }
    json_t *v = json_object_get(root, "port");
    if (json_is_integer(v) && !port_set) port = (uint64_t)json_integer_value(v);
    v = json_object_get(root, "bind");
    if (json_is_string(v) && !bind_set) bind = strdup(json_string_value(v));
    if (json_is_true(json_object_get(root, "require_token"))) require_token = true;
    size_t i;
    json_array_foreach(list, i, v) {
      if (nspecs == GD_PROJECTS_MAX) {
        fprintf(stderr, "godotd: at most %d projects\n", GD_PROJECTS_MAX);
        json_decref(root);
        return 2;
      }
      specs[nspecs] = *def;
      if (gd_project_spec_from_json(v, &specs[nspecs], err, sizeof err) != 0) {
        fprintf(stderr, "godotd: --config %s: projects[%zu]: %s\n", config, i, err);
        json_decref(root);
        return 2;
      }
      nspecs++;
    }
    json_decref(root);
  }
  {
    char name[GD_PROJECT_NAME_MAX];
    if (specs[0].name[0]) snprintf(name, sizeof name, "%s", specs[0].name);
    else gd_project_default_name(specs[0].path, name, sizeof name);
    if (gd_service_log_format(log_format, name) != 0) {
      fprintf(stderr, "godotd: --log-format %s: auto, text, json%s\n", log_format,
              gd_service_available() ? " or journal" : " (this build has no libsystemd: no journal)");
      return 2;
    }
  }
  gd_info("daemon: godotd %s; Godot %s at %s (from %s)", GODOTD_VERSION, def->cfg.godot.version,
          def->cfg.godot.path, def->cfg.godot.source);
  char reg_path[PATH_MAX];
  snprintf(reg_path, sizeof reg_path, "%s", registry ? registry : GODOTD_SOURCE_ROOT "/schema/commands");
  if (gd_registry_load(&d.registry, reg_path, err, sizeof err) != 0) {
    fprintf(stderr, "godotd: command registry: %s\n", err);
    return 2;
  }
  d.loop = uv_default_loop();
  d.toolsets = toolsets;
  d.wait_ready_ms = wait_ready;
  signal(SIGPIPE, SIG_IGN);
  if (gd_telemetry_init(&d.telemetry) != 0) {
    fprintf(stderr, "godotd: out of memory\n");
    return 1;
  }

  /* Caught before the port opens: a client may connect, and a supervisor stop us, as soon as
   * it listens, while the projects are still being set up (their callbacks run in uv_run). */
  uv_signal_init(d.loop, &d.sigint);
  uv_signal_init(d.loop, &d.sigterm);
  d.sigint.data = d.sigterm.data = &d;
  uv_signal_start(&d.sigint, gd__on_signal, SIGINT);
  uv_signal_start(&d.sigterm, gd__on_signal, SIGTERM);

  /* Listen first: the port in GODOTD_URL must be the real one (--port 0 picks a free port). */
  int rc = gd_server_listen(&d.server, d.loop, bind, (int)port, (size_t)max_body, NULL, NULL);
  if (rc != 0) {
    fprintf(stderr, "godotd: cannot listen on %s port %d: %s\n", bind, (int)port, uv_strerror(rc));
    return 1;
  }
  /* The addons dial the bound address; a wildcard one through loopback. */
  const char *dial = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : strcmp(bind, "::") == 0 ? "::1" : bind;
  snprintf(d.ws_base, sizeof d.ws_base, strchr(dial, ':') ? "ws://[%s]:%d" : "ws://%s:%d", dial,
           d.server.port);
  for (size_t i = 0; i < nspecs; i++) {
    int exit_code = 2;
    if (gd__add_project(&d, &specs[i], err, sizeof err, &exit_code) != 0) {
      fprintf(stderr, "godotd: %s\n", err);
      return exit_code;
    }
    if (i == 0) {
      gd_project *p0 = d.projects[0];
      d.server.router = &p0->router;
      d.server.bridge = &p0->editor.bridge;
      d.server.games = &p0->games;
      /* The default project's token is the daemon's: accepted on every route. */
      if (require_token || !d.server.loopback) gd_server_require_token(&d.server, p0->editor.cfg.bridge_token);
      p0->router.token_required = d.server.token[0] != 0;
      p0->mcp.find_project = gd__find_project;
      p0->mcp.list_projects = gd__list_projects;
      p0->mcp.projects_ud = &d;
      p0->router.add_project = gd__projects_add;
      p0->router.remove_project = gd__projects_remove;
      p0->router.admin_ud = &d;
    }
  }
  for (size_t i = 0; i < d.nprojects; i++) d.projects[i]->router.token_required = d.server.token[0] != 0;
  for (size_t i = 0; i < n_allow_hosts; i++) gd_server_allow_host(&d.server, allow_hosts[i]);
  d.server.on_response = gd__http_response;
  d.server.on_response_ud = &d.telemetry;
  d.telemetry.open_connections = gd__open_connections;
  d.telemetry.open_mcp_sessions = gd__open_mcp_sessions;
  d.telemetry.counts_ud = &d;
  gd_info("daemon: listening on %s port %d, bearer token %s, %zu project%s", bind, d.server.port,
          d.server.token[0] ? "required" : "not required", d.nprojects, d.nprojects == 1 ? "" : "s");


  /* READY=1 as soon as the port listens, before any editor starts. */
  gd_service_init(&d.service, d.loop);
  {
    char status[512];
    gd__status_text(&d, status, sizeof status);
    gd_service_ready(&d.service, status);
  }
  for (size_t i = 0; i < d.nprojects; i++) gd_project_run(d.projects[i], d.server.port);

  uv_run(d.loop, UV_RUN_DEFAULT);
  uv_loop_close(d.loop);
  gd_registry_free(&d.registry);
  for (size_t i = 0; i < d.nprojects; i++) {
    gd_ringlog_free(&d.projects[i]->editor.logs);
    gd_games_free(&d.projects[i]->games);
  }
  gd_telemetry_free(&d.telemetry);
  for (size_t i = 0; i < d.nprojects; i++) {
    gd_output_free(&d.projects[i]->output);
    free(d.projects[i]);
  }
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
