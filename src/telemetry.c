#include "telemetry.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "limit.h"

/* Bucket bounds (seconds). Commands: from a cached answer (sub-ms) to a long import-bound call;
 * heartbeats: a frame to the 15 s default timeout; ready: a small project to a big first import. */
static const double gd__cmd_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30,   120};
static const double gd__hb_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,  0.5,    1,     2.5,  5,     15};
static const double gd__ready_bounds[] = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800};
#define GD__N(a) (sizeof a / sizeof a[0])

static int64_t gd__unix_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int gd_telemetry_init(gd_telemetry *t) {
  memset(t, 0, sizeof *t);
  if (gd_events_init(&t->events, GD_TELEMETRY_EVENTS) != 0) return -1;
  gd_metrics *ms = &t->metrics;
  t->info = gd_metrics_add(ms, "godotd_info", "godotd's version (always 1)", GD_METRIC_GAUGE, NULL, 0);
  t->up = gd_metrics_add(ms, "godotd_editor_up", "1 when the project's editor is ready for commands",
                         GD_METRIC_GAUGE, NULL, 0);
  t->state = gd_metrics_add(ms, "godotd_editor_state",
                            "the editor's supervisor state (1 for the current one)", GD_METRIC_GAUGE, NULL, 0);
  t->uptime = gd_metrics_add(ms, "godotd_editor_uptime_seconds",
                             "time since the running editor process started (0 when none)",
                             GD_METRIC_GAUGE, NULL, 0);
  t->restarts = gd_metrics_add(ms, "godotd_editor_restarts_total",
                               "editor restarts after a crash or a requested restart",
                               GD_METRIC_COUNTER, NULL, 0);
  t->crashes = gd_metrics_add(ms, "godotd_editor_crashes_total",
                              "editor exits nobody asked for, by kind (signal, hung, not_ready, ...)",
                              GD_METRIC_COUNTER, NULL, 0);
  t->exits = gd_metrics_add(ms, "godotd_editor_exits_total",
                            "every editor exit, by kind (stops and requested restarts included)",
                            GD_METRIC_COUNTER, NULL, 0);
  t->ready = gd_metrics_add(ms, "godotd_editor_ready_seconds",
                            "time from spawning the editor to ready (import included)",
                            GD_METRIC_HISTOGRAM, gd__ready_bounds, GD__N(gd__ready_bounds));
  t->heartbeat = gd_metrics_add(ms, "godotd_heartbeat_rtt_seconds",
                                "round trip of the daemon's heartbeat ping to the editor's addon",
                                GD_METRIC_HISTOGRAM, gd__hb_bounds, GD__N(gd__hb_bounds));
  t->commands = gd_metrics_add(ms, "godotd_commands_total",
                               "commands completed, by name and outcome (ok or the error code)",
                               GD_METRIC_COUNTER, NULL, 0);
  t->duration = gd_metrics_add(ms, "godotd_command_duration_seconds",
                               "command time, split: part=\"daemon\" (routing, checks, waits, "
                               "daemon work) and part=\"editor\" (the round trip to the editor or game)",
                               GD_METRIC_HISTOGRAM, gd__cmd_bounds, GD__N(gd__cmd_bounds));
  t->http = gd_metrics_add(ms, "godotd_http_requests_total",
                           "HTTP responses by route pattern, method and status", GD_METRIC_COUNTER, NULL, 0);
  t->connections = gd_metrics_add(ms, "godotd_http_connections",
                                  "open client connections (HTTP, streams, WebSockets)",
                                  GD_METRIC_GAUGE, NULL, 0);
  t->mcp_sessions = gd_metrics_add(ms, "godotd_mcp_sessions", "open MCP sessions",
                                   GD_METRIC_GAUGE, NULL, 0);
  t->bridge_sessions = gd_metrics_add(ms, "godotd_bridge_sessions_total",
                                      "addon sessions welcomed (one per editor start, plus one per reconnect)",
                                      GD_METRIC_COUNTER, NULL, 0);
  t->dropped = gd_metrics_add(ms, "godotd_log_lines_dropped_total",
                              "log lines and output entries pushed out of full buffers",
                              GD_METRIC_COUNTER, NULL, 0);
  t->limits = gd_metrics_add(ms, "godotd_limits_hit_total",
                             "times each limit refused or cut something (README \"Limits\")",
                             GD_METRIC_COUNTER, NULL, 0);
  t->rss = gd_metrics_add(ms, "process_resident_memory_bytes", "the daemon's resident memory",
                          GD_METRIC_GAUGE, NULL, 0);
  t->cpu = gd_metrics_add(ms, "process_cpu_seconds_total", "the daemon's user and system CPU time",
                          GD_METRIC_COUNTER, NULL, 0);
  t->start_time = gd_metrics_add(ms, "process_start_time_seconds",
                                 "when the daemon started (Unix time)", GD_METRIC_GAUGE, NULL, 0);
  t->fds = gd_metrics_add(ms, "process_open_fds", "the daemon's open file descriptors",
                          GD_METRIC_GAUGE, NULL, 0);
  if (!t->info || !t->up || !t->state || !t->uptime || !t->restarts || !t->crashes || !t->exits ||
      !t->ready || !t->heartbeat || !t->commands || !t->duration || !t->http || !t->connections ||
      !t->mcp_sessions || !t->bridge_sessions || !t->dropped || !t->limits || !t->rss || !t->cpu ||
      !t->start_time || !t->fds) {
    gd_telemetry_free(t);
    return -1;
  }
  char labels[128];
  gd_metric_set(t->info, gd_metrics_labels(labels, sizeof labels, "version", GODOTD_VERSION, NULL), 1);
  t->started_unix_ms = gd__unix_ms();
  return 0;
}

void gd_telemetry_free(gd_telemetry *t) {
  for (size_t i = 0; i < t->nprojects; i++)
    if (t->projects[i].output) gd_output_unlisten(t->projects[i].output, &t->projects[i].listener);
  gd_metrics_free(&t->metrics);
  gd_events_free(&t->events);
}

/* ---- projects ---------------------------------------------------------------------------- */

static void gd__on_output(gd_output_listener *l, json_t *entry) {
  gd_telemetry_project *p = l->ud;
  const char *message = json_string_value(json_object_get(entry, "message"));
  json_t *ev = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?}", "project", p->name, "id",
                         json_object_get(entry, "id"), "source", json_object_get(entry, "source"),
                         "severity", json_object_get(entry, "severity"), "game",
                         json_object_get(entry, "game"));
  if (!ev) return;
  /* A log event says what was printed, not a whole backtrace: get_output has the entry. */
  if (message) {
    size_t n = strlen(message);
    json_object_set_new(ev, "message", n > 2000 ? json_stringn(message, 2000) : json_string(message));
    if (!json_object_get(ev, "message")) json_object_set_new(ev, "message", json_string(""));
  }
  gd_events_add(&p->t->events, GD_EVENT_LOG, ev, gd__unix_ms());
}

gd_telemetry_project *gd_telemetry_add_project(gd_telemetry *t, const char *name, gd_editor *editor,
                                               gd_output *output) {
  if (t->nprojects >= GD_TELEMETRY_MAX_PROJECTS) return NULL;
  gd_telemetry_project *p = &t->projects[t->nprojects++];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->editor = editor;
  p->output = output;
  p->t = t;
  if (output) {
    p->listener.cb = gd__on_output;
    p->listener.ud = p;
    gd_output_listen(output, &p->listener);
  }
  return p;
}

void gd_telemetry_remove_project(gd_telemetry *t, const gd_editor *editor) {
  for (size_t i = 0; i < t->nprojects; i++)
    if (t->projects[i].editor == editor) {
      if (t->projects[i].output) gd_output_unlisten(t->projects[i].output, &t->projects[i].listener);
      memmove(&t->projects[i], &t->projects[i + 1], (t->nprojects - i - 1) * sizeof t->projects[0]);
      t->nprojects--;
      /* The moved projects' listeners point at their old slots: follow them again. */
      for (size_t k = i; k < t->nprojects; k++)
        if (t->projects[k].output) {
          gd_output_unlisten(t->projects[k].output, &t->projects[k].listener);
          t->projects[k].listener.ud = &t->projects[k];
          gd_output_listen(t->projects[k].output, &t->projects[k].listener);
        }
      gd_metric_clear(t->up);
      gd_metric_clear(t->uptime);
      return;
    }
}

const char *gd_telemetry_project_of(const gd_telemetry *t, const gd_editor *editor) {
  for (size_t i = 0; i < t->nprojects; i++)
    if (t->projects[i].editor == editor) return t->projects[i].name;
  return "";
}

/* ---- hooks ------------------------------------------------------------------------------- */

void gd_telemetry_state(gd_telemetry *t, gd_editor *e, gd_state from, gd_state to) {
  const char *project = gd_telemetry_project_of(t, e);
  int64_t now = gd__unix_ms();
  gd_events_add(&t->events, GD_EVENT_STATE,
                json_pack("{s:s, s:s, s:s, s:o}", "project", project, "from",
                          gd_editor_state_name(from), "to", gd_editor_state_name(to), "pid",
                          e->pid > 0 ? json_integer(e->pid) : json_null()),
                now);
  char labels[256];
  gd_metrics_labels(labels, sizeof labels, "project", project, NULL);
  if (from == GD_STATE_RESTARTING && to == GD_STATE_STARTING)
    gd_events_add(&t->events, GD_EVENT_RESTART,
                  json_pack("{s:s, s:i, s:s}", "project", project, "restarts", (int)e->restarts,
                            "after", e->last_exit.valid ? e->last_exit.reason : ""),
                  now);
  if (to == GD_STATE_READY && e->ready_ms && e->spawned_ms && e->ready_ms >= e->spawned_ms)
    gd_metric_observe(t->ready, labels, (double)(e->ready_ms - e->spawned_ms) / 1000.0);
}

const char *gd_telemetry_exit_kind(const char *reason, int code, int sig) {
  static const struct {
    const char *prefix;
    const char *kind;
  } kinds[] = {
      {"heartbeat", "hung"},
      {"liveness", "hung"},
      {"not ready within", "not_ready"},
      {"import deadline", "import_deadline"},
      {"restart requested", "restart_requested"},
      {"its Xvfb", "display"},
      {"Xvfb", "display"},
      {"cannot start Xvfb", "display"},
      {"spawn failed", "start_failed"},
      {"addon install failed", "start_failed"},
  };
  for (size_t i = 0; reason && i < GD__N(kinds); i++)
    if (strncmp(reason, kinds[i].prefix, strlen(kinds[i].prefix)) == 0) return kinds[i].kind;
  return sig ? "signal" : code ? "error_exit" : "exit";
}

void gd_telemetry_exit(gd_telemetry *t, gd_editor *e, int pid, int code, int sig,
                       const char *reason, bool crash) {
  const char *project = gd_telemetry_project_of(t, e);
  const char *kind = gd_telemetry_exit_kind(reason, code, sig);
  char labels[256];
  gd_metrics_labels(labels, sizeof labels, "project", project, "kind", kind, NULL);
  gd_metric_inc(t->exits, labels, 1);
  if (crash) gd_metric_inc(t->crashes, labels, 1);
  gd_events_add(&t->events, GD_EVENT_EXIT,
                json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:b}", "project", project, "pid", pid,
                          "code", code, "signal", sig, "reason", reason ? reason : "", "kind", kind,
                          "crash", crash),
                gd__unix_ms());
}

void gd_telemetry_heartbeat(gd_telemetry *t, gd_editor *e, double rtt_s) {
  char labels[256];
  gd_metric_observe(t->heartbeat,
                    gd_metrics_labels(labels, sizeof labels, "project", gd_telemetry_project_of(t, e), NULL),
                    rtt_s);
}

void gd_telemetry_command(gd_telemetry *t, const char *project, const char *command,
                          const char *code, double total_s, double editor_s) {
  char labels[512];
  const char *outcome = code ? code : "ok";
  gd_metric_inc(t->commands,
                gd_metrics_labels(labels, sizeof labels, "project", project, "command", command,
                                  "outcome", outcome, NULL),
                1);
  double daemon_s = editor_s >= 0 && editor_s <= total_s ? total_s - editor_s : total_s;
  gd_metric_observe(t->duration,
                    gd_metrics_labels(labels, sizeof labels, "project", project, "command", command,
                                      "part", "daemon", NULL),
                    daemon_s);
  if (editor_s >= 0)
    gd_metric_observe(t->duration,
                      gd_metrics_labels(labels, sizeof labels, "project", project, "command",
                                        command, "part", "editor", NULL),
                      editor_s);
  gd_events_add(&t->events, GD_EVENT_COMMAND,
                json_pack("{s:s, s:s, s:s, s:f}", "project", project, "command", command,
                          "outcome", outcome, "duration_ms", total_s * 1000.0),
                gd__unix_ms());
}

const char *gd_telemetry_route(const char *path) {
  static const char *exact[] = {"/",        "/health", "/livez", "/status", "/start",   "/stop",
                                "/restart", "/scene/load", "/commands", "/logs", "/mcp",
                                "/metrics", "/events", "/bridge", "/game",    "/projects"};
  if (!path) return "other";
  for (size_t i = 0; i < GD__N(exact); i++)
    if (strcmp(path, exact[i]) == 0) return exact[i];
  if (strncmp(path, "/godot/", 7) == 0 && path[7] && !strchr(path + 7, '/')) return "/godot/{command}";
  if (strncmp(path, "/projects/", 10) == 0) return "/projects/{name}/...";
  if (strncmp(path, "/dashboard/", 11) == 0) return "/dashboard/...";
  return "other";
}

void gd_telemetry_http(gd_telemetry *t, const char *method, const char *path, int status) {
  char labels[256], code[16];
  snprintf(code, sizeof code, "%d", status);
  gd_metric_inc(t->http,
                gd_metrics_labels(labels, sizeof labels, "route", gd_telemetry_route(path),
                                  "method", method, "status", code, NULL),
                1);
}

/* ---- scrape ------------------------------------------------------------------------------ */

static void gd__process(gd_telemetry *t) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "VmRSS:", 6) == 0) gd_metric_set(t->rss, "", strtod(line + 6, NULL) * 1024.0);
    fclose(f);
  }
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0)
    gd_metric_set(t->cpu, "",
                  (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  gd_metric_set(t->start_time, "", (double)t->started_unix_ms / 1000.0);
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    double n = 0;
    for (struct dirent *de; (de = readdir(d));)
      if (de->d_name[0] != '.') n++;
    closedir(d);
    gd_metric_set(t->fds, "", n - 1); /* without the one opendir holds */
  }
}

char *gd_telemetry_render(gd_telemetry *t) {
  char labels[256];
  gd_metric_clear(t->state);
  for (size_t i = 0; i < t->nprojects; i++) {
    gd_telemetry_project *p = &t->projects[i];
    gd_editor *e = p->editor;
    if (!e) continue;
    gd_metrics_labels(labels, sizeof labels, "project", p->name, NULL);
    gd_metric_set(t->up, labels, e->state == GD_STATE_READY);
    uint64_t now = uv_now(e->loop);
    gd_metric_set(t->uptime, labels,
                  e->pid > 0 && e->spawned_ms ? (double)(now - e->spawned_ms) / 1000.0 : 0);
    gd_metric_set(t->restarts, labels, e->restarts);
    gd_metric_set(t->bridge_sessions, labels, (double)e->bridge.sessions_started);
    for (int s = GD_STATE_STOPPED; s <= GD_STATE_FAILED; s++) {
      char sl[256];
      gd_metric_set(t->state,
                    gd_metrics_labels(sl, sizeof sl, "project", p->name, "state",
                                      gd_editor_state_name((gd_state)s), NULL),
                    e->state == (gd_state)s);
    }
    uint64_t log_dropped = e->logs.next_id - 1 - e->logs.count;
    gd_metric_set(t->dropped,
                  gd_metrics_labels(labels, sizeof labels, "project", p->name, "buffer", "editor_log", NULL),
                  (double)log_dropped);
    if (p->output)
      gd_metric_set(t->dropped,
                    gd_metrics_labels(labels, sizeof labels, "project", p->name, "buffer", "output", NULL),
                    (double)p->output->dropped);
  }
  for (int i = 0; i < GD_LIMIT_COUNT; i++)
    gd_metric_set(t->limits, gd_metrics_labels(labels, sizeof labels, "limit", gd_limit_name(i), NULL),
                  (double)gd_limit_count(i));
  if (t->open_connections) gd_metric_set(t->connections, "", t->open_connections(t->counts_ud));
  if (t->open_mcp_sessions) gd_metric_set(t->mcp_sessions, "", t->open_mcp_sessions(t->counts_ud));
  gd__process(t);
  return gd_metrics_render(&t->metrics);
}
