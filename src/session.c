#include "session.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "errors.h"
#include "godot.h"
#include "install.h"
#include "lines.h"
#include "log.h"
#include "rpcline.h"
#include "testrun.h"

/* After the child exited, how long its pipes may stay open (a grandchild holding them). */
#define GD_SESSION_DRAIN_MS 500
#define GD_SESSION_MAX_ARGS 64

typedef enum { GD__USER, GD__BANNER, GD__PROBE, GD__QUIT } gd__kind;

typedef struct gd__pending {
  int64_t id;
  gd__kind kind;
  gd_session_reply_cb cb;
  void *ud;
  struct gd__pending *next;
} gd__pending;

/* A caller's quit, answered with the exit status once the child is gone. */
typedef struct gd__waiter {
  gd_session_reply_cb cb;
  void *ud;
  struct gd__waiter *next;
} gd__waiter;

typedef struct gd__test {
  gd_session *s;
  gd_testrun *run;
  gd_session_reply_cb cb;
  void *ud;
  struct gd__test *next;
} gd__test;

typedef struct gd__write {
  uv_write_t req;
  char *buf;
} gd__write;

typedef enum { GD__STARTING, GD__RUNNING, GD__STOPPING, GD__EXITED } gd__state;

struct gd_session {
  uv_loop_t *loop;
  gd_session_cbs cbs;
  void *ud;
  const gd_registry *registry;
  char godot[PATH_MAX];
  char project[PATH_MAX];
  json_t *command;
  uv_process_t proc;
  uv_pipe_t in, out, err;
  uv_timer_t heartbeat, stop_timer, drain_timer;
  int open_handles;
  bool in_open;           /* the child's stdin is still ours to write */
  gd_lines lines[2];
  gd_rpcline_state diag;
  gd__state state;
  int64_t next_id;
  gd__pending *pending;
  gd__waiter *quitters;
  gd__test *tests;
  json_t *banner;
  uint64_t heartbeat_ms, quit_grace_ms;
  uint64_t last_stdout_ms;  /* uv_now of the last stdout line */
  bool probe_out;
  uint64_t heartbeat_records, requests, diagnostics;
  int64_t started_unix_ms;
  uint64_t started_ms;
  const char *by;           /* how the stop went: quit, sigterm, sigkill */
  bool exited;
  int64_t exit_status;
  int term_signal;
  int eofs;                 /* pipes of the child at their end */
  bool finished;
};

static int64_t gd__unix_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void gd__diag(gd_session *s, json_t *record) {
  if (!record) return;
  s->diagnostics++;
  if (s->cbs.diagnostic) s->cbs.diagnostic(s->ud, record);
  json_decref(record);
}

/* ---- the child's stdin ------------------------------------------------------------------ */

static void gd__written(uv_write_t *req, int status) {
  (void)status; /* a failed write shows as the child's end */
  gd__write *w = (gd__write *)req;
  free(w->buf);
  free(w);
}

/* Writes one JSON-RPC request line (ASCII only: the session script reads bytes in chunks and
 * must never see a UTF-8 sequence cut in two). 0, or -1 when the child's stdin is gone. */
static int gd__send(gd_session *s, int64_t id, const char *method, json_t *params) {
  if (!s->in_open) return -1;
  json_t *msg = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
                          "method", method, "params", params ? json_incref(params) : json_object());
  char *text = msg ? json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
  json_decref(msg);
  if (!text) return -1;
  size_t len = strlen(text);
  text[len] = '\n'; /* json_dumps leaves room: replace the NUL, the length is known */
  gd__write *w = malloc(sizeof *w);
  if (!w) {
    free(text);
    return -1;
  }
  w->buf = text;
  uv_buf_t buf = uv_buf_init(text, (unsigned)len + 1);
  if (uv_write(&w->req, (uv_stream_t *)&s->in, &buf, 1, gd__written) != 0) {
    free(text);
    free(w);
    return -1;
  }
  return 0;
}

static void gd__closed(uv_handle_t *h);

static void gd__in_shut(uv_shutdown_t *req, int status) {
  (void)status; /* ENOTSOCK for a pipe: closing it is what the child sees as EOF */
  gd_session *s = req->data;
  free(req);
  uv_close((uv_handle_t *)&s->in, gd__closed);
}

/* Ends the child's stdin once what was written is out: its reader sees EOF. */
static void gd__close_in(gd_session *s) {
  if (!s->in_open) return;
  s->in_open = false;
  uv_shutdown_t *req = malloc(sizeof *req);
  if (req) {
    req->data = s;
    if (uv_shutdown(req, (uv_stream_t *)&s->in, gd__in_shut) == 0) return;
    free(req);
  }
  uv_close((uv_handle_t *)&s->in, gd__closed);
}

/* ---- the child's stdout and stderr -------------------------------------------------------- */

static gd__pending *gd__take(gd_session *s, int64_t id) {
  for (gd__pending **p = &s->pending; *p; p = &(*p)->next)
    if ((*p)->id == id) {
      gd__pending *found = *p;
      *p = found->next;
      return found;
    }
  return NULL;
}

static void gd__answer(gd_session *s, gd__pending *p, json_t *msg) {
  json_t *result = json_object_get(msg, "result");
  json_t *error = json_object_get(msg, "error");
  if (p->kind == GD__BANNER) {
    if (result) {
      s->banner = json_incref(result);
      if (s->state == GD__STARTING) s->state = GD__RUNNING;
      if (s->cbs.banner) s->cbs.banner(s->ud, result);
    } else {
      gd__diag(s, json_pack("{s:I, s:s, s:s, s:s}", "ts", (json_int_t)gd__unix_ms(), "severity",
                            "error", "stream", "stdout", "text",
                            "the session script refused the banner request"));
    }
  } else if (p->kind == GD__PROBE) {
    s->probe_out = false;
  } else if (p->cb) {
    if (result) {
      p->cb(p->ud, NULL, NULL, result);
    } else {
      json_t *data = json_object_get(error, "data");
      const char *code = json_string_value(json_object_get(data, "code"));
      const char *message = json_string_value(json_object_get(error, "message"));
      json_t *extra = json_is_object(data) ? json_deep_copy(data) : NULL;
      if (extra) json_object_del(extra, "code");
      p->cb(p->ud, code ? code : GD_E_FAILED, message ? message : "the request failed", extra);
      json_decref(extra);
    }
  }
  free(p);
}

static void gd__stdout_line(void *ud, const char *line, size_t len) {
  gd_session *s = ud;
  s->last_stdout_ms = uv_now(s->loop);
  json_t *msg = gd_rpcline_message(line, len);
  if (msg) {
    json_t *id = json_object_get(msg, "id");
    const char *method = json_string_value(json_object_get(msg, "method"));
    gd__pending *p = id ? gd__take(s, json_integer_value(id)) : NULL;
    if (p) {
      gd__answer(s, p, msg);
      json_decref(msg);
      return;
    }
    if (method && s->cbs.notification) {
      s->cbs.notification(s->ud, method, json_object_get(msg, "params"));
      json_decref(msg);
      return;
    }
    json_decref(msg); /* an answer nobody waits for: shown as the line it is */
  }
  gd__diag(s, gd_rpcline_record(&s->diag, "stdout", line, gd__unix_ms()));
}

static void gd__stderr_line(void *ud, const char *line, size_t len) {
  (void)len;
  gd_session *s = ud;
  gd__diag(s, gd_rpcline_record(&s->diag, "stderr", line, gd__unix_ms()));
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char slab[65536];
  *buf = uv_buf_init(slab, sizeof slab);
}

static void gd__maybe_finish(gd_session *s);

static void gd__read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  gd_session *s = st->data;
  gd_lines *l = &s->lines[st == (uv_stream_t *)&s->err];
  if (n > 0) {
    gd_lines_feed(l, buf->base, (size_t)n);
    return;
  }
  if (n == 0) return;
  gd_lines_flush(l);
  uv_read_stop(st);
  s->eofs++;
  gd__maybe_finish(s);
}

/* ---- heartbeat -------------------------------------------------------------------------- */

static void gd__beat(uv_timer_t *t) {
  gd_session *s = t->data;
  if (s->exited) return;
  uint64_t quiet = uv_now(s->loop) - s->last_stdout_ms;
  if (quiet >= s->heartbeat_ms) {
    char text[160];
    snprintf(text, sizeof text, "no stdout message from Godot for %llu ms (heartbeat %llu ms)",
             (unsigned long long)quiet, (unsigned long long)s->heartbeat_ms);
    s->heartbeat_records++;
    gd__diag(s, json_pack("{s:I, s:s, s:s, s:s, s:I}", "ts", (json_int_t)gd__unix_ms(), "severity",
                          "warning", "stream", "heartbeat", "text", text, "quiet_ms",
                          (json_int_t)quiet));
    /* One record per silent interval: the next one after as long again. */
    s->last_stdout_ms = uv_now(s->loop);
  } else if (quiet * 2 >= s->heartbeat_ms && !s->probe_out && s->state == GD__RUNNING) {
    /* A quiet child is not a stuck one: ask it something it answers from its main loop. */
    gd__pending *p = calloc(1, sizeof *p);
    if (p) {
      p->id = s->next_id++;
      p->kind = GD__PROBE;
      if (gd__send(s, p->id, "ping", NULL) == 0) {
        p->next = s->pending;
        s->pending = p;
        s->probe_out = true;
      } else {
        free(p);
      }
    }
  }
}

/* ---- the end ---------------------------------------------------------------------------- */

static void gd__closed(uv_handle_t *h) {
  gd_session *s = h->data;
  if (--s->open_handles > 0) return;
  for (int k = 0; k < 2; k++) gd_lines_free(&s->lines[k]);
  json_decref(s->command);
  json_decref(s->banner);
  free(s);
}

static json_t *gd__status(gd_session *s) {
  const char *name = s->term_signal ? strsignal(s->term_signal) : NULL;
  return json_pack("{s:o, s:o, s:o, s:s, s:I}", "exit_code",
                   s->term_signal ? json_null() : json_integer(s->exit_status), "signal",
                   s->term_signal ? json_integer(s->term_signal) : json_null(), "signal_name",
                   name ? json_string(name) : json_null(), "by", s->by ? s->by : "exit",
                   "uptime_ms", (json_int_t)(uv_now(s->loop) - s->started_ms));
}

static void gd__test_done(void *ud, const char *code, const char *msg, json_t *result);

/* Once the child exited and its pipes are drained (or the drain ran out): everything still
 * waiting gets its answer, then exited, then the handles close. */
static void gd__maybe_finish(gd_session *s) {
  if (!s->exited || s->finished) return;
  if (s->eofs < 2 && uv_is_active((uv_handle_t *)&s->drain_timer)) return;
  if (s->tests) {
    for (gd__test *t = s->tests; t; t = t->next) gd_testrun_cancel(t->run);
    return; /* gd__test_done comes back here */
  }
  s->finished = true;
  s->state = GD__EXITED;
  uv_timer_stop(&s->drain_timer);
  for (int k = 0; k < 2; k++) gd_lines_flush(&s->lines[k]);
  json_t *status = gd__status(s);
  char why[200];
  if (s->term_signal)
    snprintf(why, sizeof why, "the session's Godot (pid %d) was killed by signal %d (%s)",
             s->proc.pid, s->term_signal, strsignal(s->term_signal));
  else
    snprintf(why, sizeof why, "the session's Godot (pid %d) exited with code %lld", s->proc.pid,
             (long long)s->exit_status);
  while (s->pending) {
    gd__pending *p = s->pending;
    s->pending = p->next;
    if (p->kind == GD__USER && p->cb) p->cb(p->ud, GD_E_SESSION_ENDED, why, status);
    free(p);
  }
  while (s->quitters) {
    gd__waiter *w = s->quitters;
    s->quitters = w->next;
    w->cb(w->ud, NULL, NULL, status);
    free(w);
  }
  gd_info("session: Godot (pid %d) ended: %s", s->proc.pid, why);
  if (s->cbs.exited) s->cbs.exited(s->ud, status);
  json_decref(status);
  if (s->in_open) {
    s->in_open = false;
    uv_close((uv_handle_t *)&s->in, gd__closed);
  }
  uv_handle_t *hs[] = {(uv_handle_t *)&s->out, (uv_handle_t *)&s->err, (uv_handle_t *)&s->proc,
                       (uv_handle_t *)&s->heartbeat, (uv_handle_t *)&s->stop_timer,
                       (uv_handle_t *)&s->drain_timer};
  for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
    if (!uv_is_closing(hs[i])) uv_close(hs[i], gd__closed);
}

static void gd__drained(uv_timer_t *t) {
  gd_session *s = t->data;
  gd__maybe_finish(s);
}

static void gd__exit(uv_process_t *p, int64_t status, int term_signal) {
  gd_session *s = p->data;
  s->exited = true;
  s->exit_status = status;
  s->term_signal = term_signal;
  /* Whatever the child started in its group goes with it. */
  kill(-p->pid, SIGKILL);
  uv_timer_stop(&s->heartbeat);
  uv_timer_stop(&s->stop_timer);
  if (s->eofs < 2) uv_timer_start(&s->drain_timer, gd__drained, GD_SESSION_DRAIN_MS, 0);
  gd__maybe_finish(s);
}

static void gd__escalate(uv_timer_t *t) {
  gd_session *s = t->data;
  if (s->exited) return;
  if (!s->by || strcmp(s->by, "quit") == 0) {
    gd_warn("session: Godot (pid %d) did not quit within %llu ms: SIGTERM to its group",
            s->proc.pid, (unsigned long long)s->quit_grace_ms);
    s->by = "sigterm";
    kill(-s->proc.pid, SIGTERM);
    uv_timer_start(&s->stop_timer, gd__escalate, GD_SESSION_TERM_GRACE_MS, 0);
  } else {
    gd_warn("session: Godot (pid %d) still running after SIGTERM: SIGKILL to its group",
            s->proc.pid);
    s->by = "sigkill";
    kill(-s->proc.pid, SIGKILL);
  }
}

void gd_session_stop(gd_session *s) {
  if (!s || s->state == GD__STOPPING || s->exited) return;
  s->state = GD__STOPPING;
  s->by = "quit";
  gd__pending *p = calloc(1, sizeof *p);
  if (p) {
    p->id = s->next_id++;
    p->kind = GD__QUIT;
    if (gd__send(s, p->id, "quit", NULL) == 0) {
      p->next = s->pending;
      s->pending = p;
    } else {
      free(p);
    }
  }
  gd__close_in(s);
  uv_timer_start(&s->stop_timer, gd__escalate, s->quit_grace_ms, 0);
}

/* ---- requests --------------------------------------------------------------------------- */

static void gd__test_done(void *ud, const char *code, const char *msg, json_t *result) {
  gd__test *t = ud;
  gd_session *s = t->s;
  for (gd__test **p = &s->tests; *p; p = &(*p)->next)
    if (*p == t) {
      *p = t->next;
      break;
    }
  t->cb(t->ud, code, msg, result);
  free(t);
  gd__maybe_finish(s);
}

/* Whether the registry has the params' schema for method in a session: the game commands and
 * the two daemon commands a session serves under the same name. */
static const gd_command *gd__schema(const gd_session *s, const char *method) {
  const gd_command *c = s->registry ? gd_registry_find(s->registry, method) : NULL;
  if (!c) return NULL;
  if (c->runs == GD_RUNS_GAME || strcmp(method, "take_screenshot") == 0 ||
      strcmp(method, "run_tests") == 0)
    return c;
  return NULL;
}

int64_t gd_session_request(gd_session *s, const char *method, json_t *params,
                           gd_session_reply_cb cb, void *ud) {
  s->requests++;
  if (params && !json_is_object(params)) {
    cb(ud, GD_E_INVALID_PARAMS, "params must be an object", NULL);
    return 0;
  }
  const gd_command *c = gd__schema(s, method);
  char err[512];
  json_t *empty = params ? NULL : json_object();
  if (c && gd_registry_validate(c, params ? params : empty, err, sizeof err) != 0) {
    json_decref(empty);
    cb(ud, GD_E_INVALID_PARAMS, err, NULL);
    return 0;
  }
  json_decref(empty);
  if (strcmp(method, "describe") == 0) {
    json_t *d = gd_session_describe(s);
    cb(ud, NULL, NULL, d);
    json_decref(d);
    return 0;
  }
  if (s->exited || s->state == GD__EXITED) {
    json_t *status = gd__status(s);
    cb(ud, GD_E_SESSION_ENDED, "the session's Godot is no longer running", status);
    json_decref(status);
    return 0;
  }
  if (strcmp(method, "quit") == 0) {
    gd__waiter *w = malloc(sizeof *w);
    if (!w) {
      cb(ud, GD_E_INTERNAL, "out of memory", NULL);
      return 0;
    }
    w->cb = cb;
    w->ud = ud;
    w->next = s->quitters;
    s->quitters = w;
    gd_session_stop(s);
    return 0;
  }
  if (s->state == GD__STOPPING) {
    cb(ud, GD_E_SESSION_ENDED, "the session is stopping", NULL);
    return 0;
  }
  if (strcmp(method, "run_tests") == 0) {
    gd__test *t = calloc(1, sizeof *t);
    if (!t) {
      cb(ud, GD_E_INTERNAL, "out of memory", NULL);
      return 0;
    }
    t->s = s;
    t->cb = cb;
    t->ud = ud;
    t->next = s->tests;
    s->tests = t;
    json_t *p = params ? json_incref(params) : json_object();
    /* NULL: answered inline, and t is gone already. */
    gd_testrun *run = gd_testrun_start(s->loop, s->godot, s->project, p, gd__test_done, t);
    if (run) t->run = run;
    json_decref(p);
    return 0;
  }
  gd__pending *p = calloc(1, sizeof *p);
  if (!p) {
    cb(ud, GD_E_INTERNAL, "out of memory", NULL);
    return 0;
  }
  p->id = s->next_id++;
  p->kind = GD__USER;
  p->cb = cb;
  p->ud = ud;
  if (gd__send(s, p->id, method, params) != 0) {
    free(p);
    cb(ud, GD_E_SESSION_ENDED, "the session's Godot no longer reads requests", NULL);
    return 0;
  }
  p->next = s->pending;
  s->pending = p;
  return p->id;
}

json_t *gd_session_describe(const gd_session *s) {
  static const char *states[] = {"starting", "running", "stopping", "exited"};
  size_t in_flight = 0;
  for (gd__pending *p = s->pending; p; p = p->next) in_flight += p->kind == GD__USER;
  for (gd__test *t = s->tests; t; t = t->next) in_flight++;
  uint64_t now = uv_now(s->loop);
  return json_pack(
      "{s:O, s:i, s:s, s:s, s:I, s:I, s:s, s:O?, s:{s:I, s:b, s:I, s:I}, s:I, s:I, s:I}",
      "command", s->command, "pid", s->proc.pid, "project", s->project, "script",
      GD_SESSION_SCRIPT, "started_unix_ms", (json_int_t)s->started_unix_ms, "uptime_ms",
      (json_int_t)(now - s->started_ms), "state", states[s->state], "banner", s->banner,
      "heartbeat", "interval_ms", (json_int_t)s->heartbeat_ms, "probe", s->heartbeat_ms > 0,
      "quiet_ms", (json_int_t)(now - s->last_stdout_ms), "records",
      (json_int_t)s->heartbeat_records, "in_flight", (json_int_t)in_flight, "requests",
      (json_int_t)s->requests, "diagnostics", (json_int_t)s->diagnostics);
}

/* ---- start ------------------------------------------------------------------------------ */

gd_session *gd_session_start(uv_loop_t *loop, const gd_session_opts *opts,
                             const gd_session_cbs *cbs, void *ud, char *err, size_t err_size) {
  char project[PATH_MAX], file[PATH_MAX + 16];
  if (!opts->project || !realpath(opts->project, project)) {
    snprintf(err, err_size, "project %s: %s", opts->project ? opts->project : "(none)",
             strerror(errno));
    return NULL;
  }
  snprintf(file, sizeof file, "%s/project.godot", project);
  if (access(file, R_OK) != 0) {
    snprintf(err, err_size, "%s has no project.godot: not a Godot project", project);
    return NULL;
  }
  if (!opts->godot || access(opts->godot, X_OK) != 0) {
    snprintf(err, err_size, "Godot binary %s: %s", opts->godot ? opts->godot : "(none)",
             strerror(errno));
    return NULL;
  }
  if (opts->addon_dir) {
    char why[512];
    if (gd_install_addon_files(project, opts->addon_dir, why, sizeof why) < 0) {
      snprintf(err, err_size, "cannot copy the addon into the project: %s", why);
      return NULL;
    }
  }
  gd_session *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  if (gd_lines_init(&s->lines[0], GD_SESSION_LINE_MAX, gd__stdout_line, s) != 0 ||
      gd_lines_init(&s->lines[1], 65536, gd__stderr_line, s) != 0) {
    gd_lines_free(&s->lines[0]);
    free(s);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  s->loop = loop;
  if (cbs) s->cbs = *cbs;
  s->ud = ud;
  s->registry = opts->registry;
  s->heartbeat_ms = opts->heartbeat_ms;
  s->quit_grace_ms = opts->quit_grace_ms ? opts->quit_grace_ms : GD_SESSION_QUIT_GRACE_MS;
  s->next_id = 1;
  snprintf(s->godot, sizeof s->godot, "%s", opts->godot);
  snprintf(s->project, sizeof s->project, "%s", project);
  s->command = json_pack("[s, s, s, s, s, s]", s->godot, "--headless", "--path", project,
                         "--script", GD_SESSION_SCRIPT);
  for (const char *const *a = opts->extra_args; a && *a; a++)
    json_array_append_new(s->command, json_string(*a));
  const char *args[GD_SESSION_MAX_ARGS + 1];
  size_t n = 0, i;
  json_t *v;
  json_array_foreach(s->command, i, v) if (n < GD_SESSION_MAX_ARGS) args[n++] = json_string_value(v);
  args[n] = NULL;
  /* Without GODOTD_URL the runtime autoload stays inert: the session script drives the game. */
  char **env = gd_godot_plain_env();
  uv_pipe_init(loop, &s->in, 0);
  uv_pipe_init(loop, &s->out, 0);
  uv_pipe_init(loop, &s->err, 0);
  uv_timer_init(loop, &s->heartbeat);
  uv_timer_init(loop, &s->stop_timer);
  uv_timer_init(loop, &s->drain_timer);
  s->open_handles = 7;
  s->proc.data = s->in.data = s->out.data = s->err.data = s;
  s->heartbeat.data = s->stop_timer.data = s->drain_timer.data = s;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&s->in},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&s->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&s->err},
  };
  uv_process_options_t po = {.exit_cb = gd__exit,
                             .file = s->godot,
                             .args = (char **)args,
                             .env = env,
                             .cwd = project,
                             .flags = UV_PROCESS_DETACHED, /* its own group, stopped as one */
                             .stdio_count = 3,
                             .stdio = stdio};
  int rc = uv_spawn(loop, &s->proc, &po);
  free(env);
  if (rc != 0) {
    snprintf(err, err_size, "cannot start %s: %s", s->godot, uv_strerror(rc));
    s->finished = true;
    uv_handle_t *hs[] = {(uv_handle_t *)&s->in, (uv_handle_t *)&s->out, (uv_handle_t *)&s->err,
                         (uv_handle_t *)&s->proc, (uv_handle_t *)&s->heartbeat,
                         (uv_handle_t *)&s->stop_timer, (uv_handle_t *)&s->drain_timer};
    for (size_t h = 0; h < sizeof hs / sizeof hs[0]; h++) uv_close(hs[h], gd__closed);
    return NULL;
  }
  s->in_open = true;
  s->started_ms = s->last_stdout_ms = uv_now(loop);
  s->started_unix_ms = gd__unix_ms();
  uv_read_start((uv_stream_t *)&s->out, gd__alloc, gd__read);
  uv_read_start((uv_stream_t *)&s->err, gd__alloc, gd__read);
  if (s->heartbeat_ms) {
    uint64_t tick = s->heartbeat_ms / 4 ? s->heartbeat_ms / 4 : 1;
    uv_timer_start(&s->heartbeat, gd__beat, tick, tick);
  }
  gd__pending *p = calloc(1, sizeof *p);
  if (p) {
    p->id = s->next_id++;
    p->kind = GD__BANNER;
    json_t *params = json_pack("{s:i}", "protocol", GD_SESSION_PROTOCOL);
    if (gd__send(s, p->id, "banner", params) == 0) {
      s->pending = p;
    } else {
      free(p);
    }
    json_decref(params);
  }
  gd_info("session: Godot started (pid %d) for %s", s->proc.pid, project);
  return s;
}

/* ---- import ----------------------------------------------------------------------------- */

bool gd_session_needs_import(const char *project) {
  char dir[PATH_MAX + 32];
  snprintf(dir, sizeof dir, "%s/.godot/imported", project);
  return access(dir, F_OK) != 0;
}

typedef struct {
  void (*line)(void *ud, const char *text);
  void *ud;
} gd__import_sink;

static void gd__import_line(void *ud, const char *line, size_t len) {
  (void)len;
  gd__import_sink *sink = ud;
  if (sink->line) sink->line(sink->ud, line);
}

int gd_session_import(const char *godot, const char *project,
                      void (*line)(void *ud, const char *text), void *ud) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  char **env = gd_godot_plain_env();
  pid_t pid = fork();
  if (pid < 0) {
    free(env);
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (chdir(project) != 0) _exit(127);
    char *const args[] = {(char *)godot, "--headless", "--path", (char *)project, "--import", NULL};
    execve(godot, args, env ? env : (char *const[]){NULL});
    _exit(127);
  }
  free(env);
  close(fds[1]);
  gd__import_sink sink = {line, ud};
  gd_lines lines;
  if (gd_lines_init(&lines, 65536, gd__import_line, &sink) == 0) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      gd_lines_feed(&lines, buf, (size_t)n);
    }
    gd_lines_flush(&lines);
    gd_lines_free(&lines);
  }
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
