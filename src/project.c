#include "project.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "instance.h"
#include "log.h"
#include "mcp_http.h"

bool gd_project_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= GD_PROJECT_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return false;
  for (const char *c = name; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '.' || *c == '_' || *c == '-'))
      return false;
  return true;
}

void gd_project_default_name(const char *path, char *out, size_t n) {
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", path);
  size_t len = strlen(copy);
  while (len > 1 && copy[len - 1] == '/') copy[--len] = '\0';
  const char *base = strrchr(copy, '/');
  base = base && base[1] ? base + 1 : copy;
  snprintf(out, n, "%.*s", GD_PROJECT_NAME_MAX - 1, base);
  for (char *c = out; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
          *c == '.' || *c == '_' || *c == '-'))
      *c = '-';
  if (!gd_project_name_ok(out)) snprintf(out, n, "project");
}

/* A non-negative integer member into *v; 0 when absent, -1 (err set) when not one. */
static int gd__u64(json_t *obj, const char *key, uint64_t *v, char *err, size_t n) {
  json_t *x = json_object_get(obj, key);
  if (!x) return 0;
  if (!json_is_integer(x) || json_integer_value(x) < 0) {
    snprintf(err, n, "%s: a non-negative integer", key);
    return -1;
  }
  *v = (uint64_t)json_integer_value(x);
  return 0;
}

int gd_project_spec_from_json(json_t *obj, gd_project_spec *spec, char *err, size_t n) {
  static const char *known[] = {"path",          "name",          "display",
                                "autostart",     "token_file",    "log_file",
                                "ready_timeout_ms", "heartbeat_ms", "heartbeat_timeout_ms",
                                "import_deadline_ms", "stop_timeout_ms", "crash_max",
                                "crash_window_ms", "backoff_base_ms", "backoff_max_ms"};
  if (!json_is_object(obj)) {
    snprintf(err, n, "a project is an object with at least \"path\"");
    return -1;
  }
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
      if (strcmp(key, known[i]) == 0) break;
    if (i == sizeof known / sizeof known[0]) {
      snprintf(err, n, "unknown key \"%.64s\" in a project", key);
      return -1;
    }
  }
  const char *path = json_string_value(json_object_get(obj, "path"));
  if (!path || !*path) {
    snprintf(err, n, "path: the project's folder (a string) is required");
    return -1;
  }
  snprintf(spec->path, sizeof spec->path, "%s", path);
  json_t *name = json_object_get(obj, "name");
  if (name) {
    if (!json_is_string(name) || !gd_project_name_ok(json_string_value(name))) {
      snprintf(err, n, "name: 1 to %d of A-Z a-z 0-9 . _ -", GD_PROJECT_NAME_MAX - 1);
      return -1;
    }
    snprintf(spec->name, sizeof spec->name, "%s", json_string_value(name));
  }
  json_t *display = json_object_get(obj, "display");
  if (display) {
    const char *d = json_string_value(display);
    if (!d || (strcmp(d, "headless") && strcmp(d, "xvfb") && strcmp(d, "current"))) {
      snprintf(err, n, "display: \"headless\", \"xvfb\" or \"current\"");
      return -1;
    }
    spec->cfg.headless = strcmp(d, "headless") == 0;
    spec->cfg.xvfb = strcmp(d, "xvfb") == 0;
  }
  json_t *autostart = json_object_get(obj, "autostart");
  if (autostart) {
    if (!json_is_boolean(autostart)) {
      snprintf(err, n, "autostart: true or false");
      return -1;
    }
    spec->autostart = json_is_true(autostart);
  }
  const char *files[][2] = {{"token_file", spec->token_file}, {"log_file", spec->cfg.log_file}};
  for (size_t i = 0; i < 2; i++) {
    json_t *f = json_object_get(obj, files[i][0]);
    if (!f) continue;
    if (!json_is_string(f)) {
      snprintf(err, n, "%s: a path", files[i][0]);
      return -1;
    }
    snprintf((char *)files[i][1], PATH_MAX, "%s", json_string_value(f));
  }
  uint64_t crash_max = spec->cfg.crash_max;
  if (gd__u64(obj, "ready_timeout_ms", &spec->cfg.ready_timeout_ms, err, n) ||
      gd__u64(obj, "heartbeat_ms", &spec->cfg.heartbeat_ms, err, n) ||
      gd__u64(obj, "heartbeat_timeout_ms", &spec->cfg.heartbeat_timeout_ms, err, n) ||
      gd__u64(obj, "import_deadline_ms", &spec->cfg.import_deadline_ms, err, n) ||
      gd__u64(obj, "stop_timeout_ms", &spec->cfg.stop_timeout_ms, err, n) ||
      gd__u64(obj, "crash_max", &crash_max, err, n) ||
      gd__u64(obj, "crash_window_ms", &spec->cfg.crash_window_ms, err, n) ||
      gd__u64(obj, "backoff_base_ms", &spec->cfg.backoff_base_ms, err, n) ||
      gd__u64(obj, "backoff_max_ms", &spec->cfg.backoff_max_ms, err, n))
    return -1;
  spec->cfg.crash_max = (unsigned)crash_max;
  if (!spec->cfg.heartbeat_ms || !spec->cfg.heartbeat_timeout_ms || !spec->cfg.ready_timeout_ms ||
      !spec->cfg.stop_timeout_ms || !spec->cfg.crash_max) {
    snprintf(err, n, "the timeouts and crash_max must be positive");
    return -1;
  }
  return 0;
}

int gd_project_open(gd_project *p, uv_loop_t *loop, const gd_project_spec *spec,
                    const gd_registry *reg, const char *toolsets, const char *ws_base,
                    bool is_default, char *err, size_t n, int *exit_code) {
  *exit_code = 2;
  memset(p, 0, sizeof *p);
  p->lock_fd = -1;
  gd_editor_config cfg = spec->cfg;
  char real[PATH_MAX];
  if (!realpath(spec->path, real)) {
    snprintf(err, n, "project %s: %s", spec->path, strerror(errno));
    return -1;
  }
  if (strlen(real) >= sizeof cfg.project) {
    snprintf(err, n, "project %s: path too long", spec->path);
    return -1;
  }
  memcpy(cfg.project, real, strlen(real) + 1);
  char pg[PATH_MAX + 16];
  snprintf(pg, sizeof pg, "%s/project.godot", cfg.project);
  if (access(pg, R_OK) != 0) {
    snprintf(err, n, "%s has no project.godot: not a Godot project", cfg.project);
    return -1;
  }
  if (spec->name[0]) snprintf(p->name, sizeof p->name, "%s", spec->name);
  else gd_project_default_name(cfg.project, p->name, sizeof p->name);
  snprintf(p->route_prefix, sizeof p->route_prefix, "/projects/%s", p->name);
  int lock = gd_instance_lock(cfg.project, err, n);
  if (lock == -2) {
    int other = 0, other_port = 0;
    gd_instance_read(cfg.project, &other, &other_port);
    snprintf(err, n, "another godotd (pid %d, port %d) already serves %s", other, other_port,
             cfg.project);
    *exit_code = 3;
    return -1;
  }
  if (lock < 0) {
    *exit_code = 1;
    return -1;
  }
  p->lock_fd = lock;
  /* The token always exists (the addon always gets it), so a later --require-token or --bind
   * finds an adopted editor already sending it; it is enforced only when required. */
  if (gd_auth_project_token(cfg.project, spec->token_file[0] ? spec->token_file : NULL,
                            cfg.bridge_token, sizeof cfg.bridge_token, err, n) != 0) {
    close(p->lock_fd);
    p->lock_fd = -1;
    return -1;
  }
  /* The default project's addon dials /bridge (as it always did); the others their own path. */
  if (is_default) snprintf(cfg.bridge_url, sizeof cfg.bridge_url, "%s/bridge", ws_base);
  else snprintf(cfg.bridge_url, sizeof cfg.bridge_url, "%s/projects/%s/bridge", ws_base, p->name);
  cfg.daemon_log = is_default;
  if (gd_output_init(&p->output, 20000) != 0 || gd_editor_init(&p->editor, loop, &cfg) != 0) {
    snprintf(err, n, "out of memory");
    close(p->lock_fd);
    p->lock_fd = -1;
    return -1;
  }
  gd_games_init(&p->games, loop, &p->output);
  p->ops.registry = reg;
  p->ops.editor = &p->editor;
  p->ops.games = &p->games;
  p->ops.output = &p->output;
  p->ops.started_ms = uv_now(loop);
  p->ops.project_name = p->name;
  if (gd_mcp_init(&p->mcp, &p->ops, toolsets, err, n) != 0) return -1;
  gd_mcp_watch_output(&p->mcp, &p->output);
  p->router.ops = &p->ops;
  p->router.mcp = &p->mcp;
  p->router.name = p->name;
  p->autostart = spec->autostart;
  p->is_default = is_default;
  *exit_code = 0;
  return 0;
}

void gd_project_run(gd_project *p, int port) {
  char err[256];
  p->ops.port = port;
  if (gd_instance_write(p->editor.cfg.project, (int)getpid(), port, p->is_default ? "" : p->route_prefix) != 0)
    gd_warn("daemon: cannot write %s/.godot/godotd/daemon.json", p->editor.cfg.project);
  if (!gd_editor_adopt(&p->editor) && p->autostart && gd_editor_start(&p->editor, err, sizeof err) != 0)
    gd_warn("daemon: project %s: the editor did not start: %s", p->name, err);
}

void gd_project_close(gd_project *p) {
  gd_mcp_http_close(&p->mcp);
  gd_games_close(&p->games);
  gd_editor_close(&p->editor);
  gd_instance_clear(p->editor.cfg.project, (int)getpid());
  if (p->lock_fd >= 0) close(p->lock_fd);
  p->lock_fd = -1;
}
