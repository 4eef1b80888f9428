#include "testrun.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "godot.h"
#include "install.h"
#include "junit.h"
#include "lines.h"
#include "log.h"

#define GD_TESTRUN_LINE_MAX 2048
#define GD_TESTRUN_REPORT_MAX (32u << 20)

struct gd_testrun {
  uv_process_t proc; /* first: handles point back here */
  uv_pipe_t out, err;
  uv_timer_t timer;
  int open;
  gd_testrun_cb cb;
  void *ud;
  char framework[16];
  char report[PATH_MAX];      /* GUT: the file; gdUnit4: the directory of its report_N/ */
  json_t *command;           /* the runner's argv, for the result */
  char *tail[GD_TESTRUN_TAIL_LINES];
  size_t ntail, tail_next;
  uint64_t nlines;            /* lines of output so far */
  char last[120];             /* the last non-empty one, cut (for progress) */
  gd_lines lines[2];          /* stdout, stderr */
  uint64_t started_ms, timeout_ms;
  uv_loop_t *loop;
  bool timed_out, exited, cancelled;
  int64_t exit_status;
  int term_signal;
};

static bool gd__exists(const char *project, const char *rel) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", project, rel);
  return access(path, R_OK) == 0;
}

static void gd__keep_line(gd_testrun *t, const char *line) {
  free(t->tail[t->tail_next]);
  t->tail[t->tail_next] = strdup(line);
  t->tail_next = (t->tail_next + 1) % GD_TESTRUN_TAIL_LINES;
  if (t->ntail < GD_TESTRUN_TAIL_LINES) t->ntail++;
}

/* The kept lines, oldest first, joined with newlines. Malloc'ed. */
static char *gd__tail_text(const gd_testrun *t) {
  size_t total = 1;
  size_t first = (t->tail_next + GD_TESTRUN_TAIL_LINES - t->ntail) % GD_TESTRUN_TAIL_LINES;
  for (size_t i = 0; i < t->ntail; i++)
    total += strlen(t->tail[(first + i) % GD_TESTRUN_TAIL_LINES] ?: "") + 1;
  char *out = malloc(total);
  if (!out) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < t->ntail; i++) {
    const char *l = t->tail[(first + i) % GD_TESTRUN_TAIL_LINES] ?: "";
    size_t len = strlen(l);
    memcpy(out + n, l, len);
    n += len;
    out[n++] = '\n';
  }
  out[n] = '\0';
  return out;
}

static void gd__closed(uv_handle_t *h) {
  gd_testrun *t = h->data;
  if (--t->open) return;
  for (size_t i = 0; i < GD_TESTRUN_TAIL_LINES; i++) free(t->tail[i]);
  gd_lines_free(&t->lines[0]);
  gd_lines_free(&t->lines[1]);
  json_decref(t->command);
  free(t);
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0;
}

static void gd__line(void *ud, const char *line, size_t len) {
  gd_testrun *t = ud;
  gd__keep_line(t, line);
  t->nlines++;
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
  if (i == len) return;
  /* Cut at a character boundary: the progress message is JSON. */
  size_t n = 0, max = sizeof t->last - 4;
  while (i + n < len) {
    size_t k = gd_lines_utf8_seq((const unsigned char *)line + i + n, len - i - n);
    if (!k || n + k > max) break;
    n += k;
  }
  memcpy(t->last, line + i, n);
  strcpy(t->last + n, i + n < len ? "..." : "");
}

void gd_testrun_progress(const gd_testrun *t, char *buf, size_t n) {
  snprintf(buf, n, "%s runner (pid %d): %.1f s, %llu lines of output%s%s",
           strcmp(t->framework, "gut") == 0 ? "GUT" : "gdUnit4", t->proc.pid,
           (double)(uv_now(t->loop) - t->started_ms) / 1000.0, (unsigned long long)t->nlines,
           t->last[0] ? "; last: " : "", t->last);
}

static void gd__read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd_testrun *t = s->data;
  if (n > 0) gd_lines_feed(&t->lines[s == (uv_stream_t *)&t->err], buf->base, (size_t)n);
  free(buf->base);
  if (n < 0 && !uv_is_closing((uv_handle_t *)s)) uv_close((uv_handle_t *)s, gd__closed);
}

/* gdUnit4 writes DIR/report_N/results.xml, N counting up per run: the newest one. */
static bool gd__gdunit_report(const char *dir, char *out, size_t n) {
  if (strlen(dir) + 32 > n) return false;
  for (int i = 1000; i >= 1; i--) {
    snprintf(out, n, "%s/report_%d/results.xml", dir, i);
    if (access(out, R_OK) == 0) return true;
  }
  return false;
}

static void gd__finish(gd_testrun *t) {
  gd_testrun_cb cb = t->cb;
  t->cb = NULL;
  char *tail = gd__tail_text(t);
  if (!cb) {
    free(tail);
    return;
  }
  if (t->cancelled) {
    cb(t->ud, GD_E_FAILED, "cancelled: the runner's process group was killed", NULL);
    free(tail);
    return;
  }
  if (t->timed_out) {
    char *msg = NULL;
    if (asprintf(&msg, "the %s run did not end within %llu ms and was killed; its output's end:\n%s",
                 t->framework, (unsigned long long)t->timeout_ms, tail ? tail : "") < 0)
      msg = NULL;
    cb(t->ud, GD_E_TIMEOUT, msg ? msg : "the test run timed out", NULL);
    free(msg);
    free(tail);
    return;
  }
  char path[PATH_MAX + 64];
  bool found = strcmp(t->framework, "gut") == 0
                   ? (snprintf(path, sizeof path, "%s", t->report), access(path, R_OK) == 0)
                   : gd__gdunit_report(t->report, path, sizeof path);
  size_t len = 0;
  char *xml = found ? gd_read_file(path, GD_TESTRUN_REPORT_MAX, &len) : NULL;
  char err[256] = "";
  json_t *r = xml ? gd_junit_parse(xml, len, err, sizeof err) : NULL;
  free(xml);
  if (!r) {
    char *msg = NULL;
    if (asprintf(&msg, "the %s runner (exit %lld%s) left no readable JUnit report%s%s; its output's end:\n%s",
                 t->framework, (long long)t->exit_status, t->term_signal ? ", killed by a signal" : "",
                 err[0] ? ": " : "", err, tail ? tail : "") < 0)
      msg = NULL;
    cb(t->ud, GD_E_FAILED, msg ? msg : "no report", NULL);
    free(msg);
    free(tail);
    return;
  }
  json_object_set_new(r, "framework", json_string(t->framework));
  json_object_set_new(r, "exit_code", t->term_signal ? json_null() : json_integer(t->exit_status));
  json_object_set_new(r, "duration_ms", json_integer((json_int_t)(uv_now(t->loop) - t->started_ms)));
  json_object_set_new(r, "output_tail", json_string(tail ? tail : ""));
  json_object_set_new(r, "report", json_string(path));
  json_object_set(r, "command", t->command);
  cb(t->ud, NULL, NULL, r);
  json_decref(r);
  free(tail);
}

static void gd__exit(uv_process_t *p, int64_t status, int term_signal) {
  gd_testrun *t = p->data;
  t->exited = true;
  t->exit_status = status;
  t->term_signal = term_signal;
  uv_timer_stop(&t->timer);
  for (int k = 0; k < 2; k++) gd_lines_flush(&t->lines[k]);
  gd_info("tests: %s runner (pid %d) ended: %s %lld", t->framework, p->pid,
          term_signal ? "signal" : "exit", (long long)(term_signal ? term_signal : status));
  gd__finish(t);
  uv_close((uv_handle_t *)&t->proc, gd__closed);
  uv_close((uv_handle_t *)&t->timer, gd__closed);
}

static void gd__timeout(uv_timer_t *tm) {
  gd_testrun *t = tm->data;
  if (t->exited) return;
  t->timed_out = true;
  gd_warn("tests: %s runner (pid %d) still running after %llu ms: killing its process group",
          t->framework, t->proc.pid, (unsigned long long)t->timeout_ms);
  kill(-t->proc.pid, SIGKILL);
}

void gd_testrun_cancel(gd_testrun *t) {
  if (!t || t->exited) return;
  t->cancelled = true;
  kill(-t->proc.pid, SIGKILL);
}

/* A res:// path of params' paths, checked: no "..", inside the project. */
static bool gd__res_ok(const char *p) {
  return p && strncmp(p, "res://", 6) == 0 && !strstr(p, "..") && !strchr(p, '\n');
}

gd_testrun *gd_testrun_start(uv_loop_t *loop, const char *godot, const char *project,
                             json_t *params, gd_testrun_cb cb, void *ud) {
  const char *want = json_string_value(json_object_get(params, "framework"));
  bool gut = gd__exists(project, "addons/gut/gut_cmdln.gd");
  bool gdunit = gd__exists(project, "addons/gdUnit4/bin/GdUnitCmdTool.gd");
  const char *fw = want ? want : gut ? "gut" : gdunit ? "gdunit4" : NULL;
  if (!fw || (strcmp(fw, "gut") == 0 && !gut) || (strcmp(fw, "gdunit4") == 0 && !gdunit)) {
    cb(ud, GD_E_NOT_FOUND,
       want ? (strcmp(want, "gut") == 0
                   ? "GUT is not installed in this project (addons/gut/gut_cmdln.gd)"
                   : "gdUnit4 is not installed in this project (addons/gdUnit4/bin/GdUnitCmdTool.gd)")
            : "the project has no test framework: neither GUT (addons/gut/) nor gdUnit4 "
              "(addons/gdUnit4/) is installed",
       NULL);
    return NULL;
  }
  json_t *paths = json_object_get(params, "paths");
  size_t i;
  json_t *v;
  json_array_foreach(paths, i, v) if (!gd__res_ok(json_string_value(v))) {
    cb(ud, GD_E_INVALID_PARAMS, "paths: each is a res:// folder or script inside the project", NULL);
    return NULL;
  }
  gd_testrun *t = calloc(1, sizeof *t);
  if (!t) {
    cb(ud, GD_E_INTERNAL, "out of memory", NULL);
    return NULL;
  }
  if (gd_lines_init(&t->lines[0], GD_TESTRUN_LINE_MAX, gd__line, t) != 0 ||
      gd_lines_init(&t->lines[1], GD_TESTRUN_LINE_MAX, gd__line, t) != 0) {
    gd_lines_free(&t->lines[0]);
    free(t);
    cb(ud, GD_E_INTERNAL, "out of memory", NULL);
    return NULL;
  }
  t->loop = loop;
  t->cb = cb;
  t->ud = ud;
  snprintf(t->framework, sizeof t->framework, "%s", fw);
  json_t *tm = json_object_get(params, "timeout_ms");
  t->timeout_ms = json_is_integer(tm) ? (uint64_t)json_integer_value(tm) : GD_TESTRUN_DEFAULT_TIMEOUT_MS;
  char dir[PATH_MAX - 128];
  snprintf(dir, sizeof dir, "%s/.godot/godotd/tests", project);
  gd_install_mkdirs(dir);
  static unsigned runs;
  runs++;
  json_t *argv = json_pack("[s, s, s, s]", godot, "--headless", "--path", project);
  const char *test = json_string_value(json_object_get(params, "test"));
  if (strcmp(fw, "gut") == 0) {
    snprintf(t->report, sizeof t->report, "%s/gut-%d-%u.xml", dir, (int)getpid(), runs);
    unlink(t->report);
    json_array_append_new(argv, json_string("-s"));
    json_array_append_new(argv, json_string("res://addons/gut/gut_cmdln.gd"));
    json_array_append_new(argv, json_string("-gexit"));
    char opt[PATH_MAX + 32];
    snprintf(opt, sizeof opt, "-gjunit_xml_file=%s", t->report);
    json_array_append_new(argv, json_string(opt));
    if (json_array_size(paths) == 0) json_array_append_new(argv, json_string("-gdir=res://test"));
    json_array_foreach(paths, i, v) {
      const char *p = json_string_value(v);
      size_t l = strlen(p);
      snprintf(opt, sizeof opt, "%s=%s", l > 3 && strcmp(p + l - 3, ".gd") == 0 ? "-gtest" : "-gdir", p);
      json_array_append_new(argv, json_string(opt));
    }
    if (test) {
      snprintf(opt, sizeof opt, "-gunit_test_name=%s", test);
      json_array_append_new(argv, json_string(opt));
    }
  } else {
    /* gdUnit4 takes its report directory relative to the project (it puts the project's path
     * in front of whatever it is given). */
    char rel[128];
    snprintf(rel, sizeof rel, ".godot/godotd/tests/gdunit4-%d-%u", (int)getpid(), runs);
    snprintf(t->report, sizeof t->report, "%s/%s", dir, rel + strlen(".godot/godotd/tests/"));
    json_array_append_new(argv, json_string("-s"));
    json_array_append_new(argv, json_string("-d"));
    json_array_append_new(argv, json_string("res://addons/gdUnit4/bin/GdUnitCmdTool.gd"));
    json_array_append_new(argv, json_string("--ignoreHeadlessMode"));
    json_array_append_new(argv, json_string("-rd"));
    json_array_append_new(argv, json_string(rel));
    if (json_array_size(paths) == 0) {
      json_array_append_new(argv, json_string("-a"));
      json_array_append_new(argv, json_string("res://test"));
    }
    json_array_foreach(paths, i, v) {
      json_array_append_new(argv, json_string("-a"));
      json_array_append(argv, v);
    }
    if (test) { /* gdUnit4 selects a test as SUITE:TEST within the added paths */
      json_array_append_new(argv, json_string("-i"));
      json_array_append_new(argv, json_string(test));
    }
  }
  t->command = argv;
  const char *args[64];
  size_t n = 0;
  json_array_foreach(argv, i, v) if (n < 63) args[n++] = json_string_value(v);
  args[n] = NULL;
  /* Without GODOTD_URL the runtime autoload stays inert in the test runner. */
  char **env = gd_godot_plain_env();
  uv_pipe_init(loop, &t->out, 0);
  uv_pipe_init(loop, &t->err, 0);
  uv_timer_init(loop, &t->timer);
  t->proc.data = t->out.data = t->err.data = t->timer.data = t;
  t->open = 4;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_IGNORE},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&t->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&t->err},
  };
  uv_process_options_t opt = {.exit_cb = gd__exit,
                              .file = godot,
                              .args = (char **)args,
                              .env = env,
                              .cwd = project,
                              .flags = UV_PROCESS_DETACHED, /* its own group, killed as one */
                              .stdio_count = 3,
                              .stdio = stdio};
  int rc = uv_spawn(loop, &t->proc, &opt);
  free(env);
  if (rc != 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "cannot start the %s runner: %s", fw, uv_strerror(rc));
    cb(ud, GD_E_FAILED, msg, NULL);
    t->cb = NULL;
    t->exited = true;
    uv_close((uv_handle_t *)&t->proc, gd__closed);
    uv_close((uv_handle_t *)&t->timer, gd__closed);
    uv_close((uv_handle_t *)&t->out, gd__closed);
    uv_close((uv_handle_t *)&t->err, gd__closed);
    return NULL;
  }
  t->started_ms = uv_now(loop);
  uv_read_start((uv_stream_t *)&t->out, gd__alloc, gd__read);
  uv_read_start((uv_stream_t *)&t->err, gd__alloc, gd__read);
  uv_timer_start(&t->timer, gd__timeout, t->timeout_ms, 0);
  gd_info("tests: %s runner started (pid %d)", fw, t->proc.pid);
  return t;
}
