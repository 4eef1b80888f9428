#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "install.h"
#include "limit.h"
#include "log.h"

/* One spawned process with its output pipes; freed when all three handles have closed, so a
 * new spawn never reuses a handle libuv is still closing. */
typedef struct gd_run {
  gd_editor *e;
  uv_process_t proc;
  uv_pipe_t out, err;
  int open;
} gd_run;

struct gd_editor_waiter {
  uv_timer_t timer;
  gd_editor *e;
  bool is_stop; /* waits for stopped, else for readiness */
  gd_needs needs;
  gd_editor_wait_cb cb;
  void *ud;
  gd_editor_waiter *next;
};

/* The private X server for --display xvfb. Xvfb picks a free display itself and writes its
 * number to fd 3 (-displayfd) once it accepts connections: the editor is spawned then. */
typedef struct gd_xvfb {
  gd_editor *e;
  uv_process_t proc;
  uv_pipe_t ready; /* Xvfb's -displayfd */
  int open;
  int pid;
  char buf[32];
  size_t len;
  struct gd_xvfb **slot; /* &e->xvfb_old while stopping: cleared when it is gone */
} gd_xvfb;

static void gd__spawn(gd_editor *e);
static void gd__xvfb_stop(gd_editor *e);
static void gd__on_gone(gd_editor *e, int64_t code, int sig, const char *how);
static void gd__check_waiters(gd_editor *e);
static void gd__busy_over(gd_editor *e, uint64_t now, const char *how);

const char *gd_editor_state_name(gd_state s) {
  static const char *names[] = {"stopped",    "starting", "connecting", "ready",
                                "restarting", "stopping", "failed"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static int64_t gd__unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void gd__set_state(gd_editor *e, gd_state s) {
  if (e->state == s) return;
  gd_info("editor: %s → %s", gd_editor_state_name(e->state), gd_editor_state_name(s));
  gd_state from = e->state;
  e->state = s;
  if (e->on_state) e->on_state(e->on_state_ud, from, s);
  gd__check_waiters(e);
}

/* ---- waiters ---------------------------------------------------------------------------- */

static void gd__waiter_closed(uv_handle_t *h) { free(h->data); }

static void gd__waiter_finish(gd_editor_waiter *w, const char *code, const char *msg) {
  gd_editor *e = w->e;
  for (gd_editor_waiter **pp = &e->waiters; *pp; pp = &(*pp)->next)
    if (*pp == w) {
      *pp = w->next;
      break;
    }
  /* Close first: the callback may tear the loop down (daemon exit walks every handle); w itself
   * is freed only in the close callback, on a later loop turn. */
  uv_close((uv_handle_t *)&w->timer, gd__waiter_closed);
  if (w->cb) w->cb(w->ud, code, msg);
}

static bool gd__can_serve(const gd_editor *e, gd_needs needs) {
  if (!gd_bridge_has_session(&e->bridge)) return false;
  if (needs == GD_NEEDS_SESSION) return e->state == GD_STATE_READY || e->state == GD_STATE_CONNECTING;
  return e->state == GD_STATE_READY;
}

/* What a waiter's outcome is now: 0 keep waiting, 1 done, -1 failed (code/msg set). */
static int gd__waiter_outcome(const gd_editor *e, const gd_editor_waiter *w, const char **code,
                              const char **msg) {
  if (w->is_stop) return e->state == GD_STATE_STOPPED || e->state == GD_STATE_FAILED;
  if (gd__can_serve(e, w->needs)) return 1;
  *code = GD_E_EDITOR_UNAVAILABLE;
  if (e->state == GD_STATE_FAILED) {
    *msg = "the editor keeps crashing (crash-loop guard tripped); POST /start to retry";
    return -1;
  }
  if (e->state == GD_STATE_STOPPED || e->state == GD_STATE_STOPPING) {
    *msg = "the editor was stopped; POST /start first";
    return -1;
  }
  return 0;
}

/* Finishes every waiter whose condition changed. Callbacks may re-enter the editor (start it,
 * add waiters), so the scan restarts from the head after each one instead of holding `next`. */
static void gd__check_waiters(gd_editor *e) {
  for (;;) {
    gd_editor_waiter *w;
    const char *code = NULL, *msg = NULL;
    int out = 0;
    for (w = e->waiters; w; w = w->next)
      if ((out = gd__waiter_outcome(e, w, &code, &msg)) != 0) break;
    if (!w) return;
    gd__waiter_finish(w, out > 0 ? NULL : code, out > 0 ? NULL : msg);
  }
}

static void gd__waiter_timeout(uv_timer_t *t) {
  gd_editor_waiter *w = t->data;
  char msg[160];
  snprintf(msg, sizeof msg, "the editor is %s and was not ready within the deadline; retry later",
           gd_editor_state_name(w->e->state));
  gd__waiter_finish(w, GD_E_NOT_READY, msg);
}

static gd_editor_waiter *gd__waiter_add(gd_editor *e, bool is_stop, gd_needs needs,
                                        uint64_t timeout_ms, gd_editor_wait_cb cb, void *ud) {
  gd_editor_waiter *w = calloc(1, sizeof *w);
  if (!w) {
    if (cb) cb(ud, GD_E_INTERNAL, "out of memory");
    return NULL;
  }
  w->e = e;
  w->is_stop = is_stop;
  w->needs = needs;
  w->cb = cb;
  w->ud = ud;
  uv_timer_init(e->loop, &w->timer);
  w->timer.data = w;
  if (timeout_ms) uv_timer_start(&w->timer, gd__waiter_timeout, timeout_ms, 0);
  w->next = e->waiters;
  e->waiters = w;
  return w;
}

void gd_editor_wait(gd_editor *e, gd_needs needs, uint64_t timeout_ms, bool autostart,
                    gd_editor_wait_cb cb, void *ud) {
  if (gd__can_serve(e, needs)) {
    cb(ud, NULL, NULL);
    return;
  }
  if (e->state == GD_STATE_STOPPED || e->state == GD_STATE_STOPPING) {
    if (!autostart || e->state == GD_STATE_STOPPING) {
      cb(ud, GD_E_EDITOR_UNAVAILABLE, "the editor is stopped; POST /start first");
      return;
    }
    char err[256];
    if (gd_editor_start(e, err, sizeof err) != 0) {
      cb(ud, GD_E_EDITOR_UNAVAILABLE, err);
      return;
    }
  }
  if (e->state == GD_STATE_FAILED) {
    cb(ud, GD_E_EDITOR_UNAVAILABLE,
       "the editor keeps crashing (crash-loop guard tripped); POST /start to retry");
    return;
  }
  gd__waiter_add(e, false, needs, timeout_ms, cb, ud);
}

/* ---- logs --------------------------------------------------------------------------------- */

/* Notes a "[ NN% ] step | item" progress line (Godot's headless EditorProgress, ANSI colours
 * and all): during a long import it is the only word of progress from the main thread. */
static void gd__note_progress(gd_editor *e, const char *line, size_t len) {
  char plain[512];
  size_t n = 0;
  for (size_t i = 0; i < len && n < sizeof plain - 1; i++) {
    if (line[i] == 0x1b) { /* CSI: ESC [ params final-byte */
      while (i + 1 < len && !((line[i + 1] >= '@' && line[i + 1] <= '~') && line[i + 1] != '['))
        i++;
      i++;
      continue;
    }
    plain[n++] = line[i];
  }
  plain[n] = '\0';
  int percent, used = 0;
  if (sscanf(plain, "[ %d%% ] %n", &percent, &used) != 1 || used == 0) return;
  const char *rest = plain + used;
  const char *bar = strstr(rest, " | ");
  if (!bar) return;
  e->progress.at_ms = uv_now(e->loop);
  e->progress.percent = percent;
  snprintf(e->progress.step, sizeof e->progress.step, "%.*s", (int)(bar - rest), rest);
  snprintf(e->progress.item, sizeof e->progress.item, "%s", bar + 3);
}

static void gd__log_line(void *ud, const gd_log_entry *le) {
  gd_editor *e = ud;
  if (le->stream == GD_STREAM_STDOUT && le->len > 4 && le->len < 1024)
    gd__note_progress(e, le->line, le->len);
  if (!e->log_fp) return;
  static const char *names[] = {"daemon", "stdout", "stderr"};
  fprintf(e->log_fp, "%lld %s %.*s\n", (long long)le->ts_ms,
          names[le->stream >= 0 && le->stream <= 2 ? le->stream : 0], (int)le->len, le->line);
}

static void gd__daemon_log_sink(void *ud, int level, const char *line, size_t len) {
  (void)level;
  gd_editor *e = ud;
  gd_ringlog_add(&e->logs, GD_STREAM_DAEMON, line, len, gd__unix_ms());
}

static void gd__open_log_file(gd_editor *e) {
  if (e->log_fp) return;
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", e->cfg.log_file);
  char *slash = strrchr(dir, '/');
  if (slash) {
    *slash = '\0';
    char cmd_dir[PATH_MAX];
    snprintf(cmd_dir, sizeof cmd_dir, "%s", dir);
    for (char *p = cmd_dir + 1; *p; p++)
      if (*p == '/') {
        *p = '\0';
        mkdir(cmd_dir, 0755);
        *p = '/';
      }
    mkdir(cmd_dir, 0755);
  }
  e->log_fp = fopen(e->cfg.log_file, "ae");
  if (!e->log_fp) {
    gd_warn("editor: cannot open log file %s: %s", e->cfg.log_file, strerror(errno));
    return;
  }
  setvbuf(e->log_fp, NULL, _IOLBF, 0);
}

/* ---- state file (adoption across daemon restarts) ------------------------------------------ */

static void gd__state_path(const gd_editor *e, char *out, size_t size) {
  snprintf(out, size, "%s/.godot/godotd/editor.json", e->cfg.project);
}

/* The file the addon writes when its editor quits to be reloaded or restarted (reload_watch.gd,
 * the quit command): the daemon, not Godot, then starts the new editor at once. A file, not a bridge message, because Godot
 * unloads editor plugins before it decides to restart (EditorNode::_restart_editor), so only a
 * node that leaves the tree at shutdown sees the decision, after the connection is closed. */
static void gd__reload_marker_path(const gd_editor *e, char *out, size_t size) {
  snprintf(out, size, "%s/.godot/godotd/reload_requested", e->cfg.project);
}

/* True (and the marker removed) when the editor that just exited asked to be restarted. A stop
 * in progress wins over it (the daemon's own stop sends quit, which leaves the marker). */
static bool gd__take_reload_marker(const gd_editor *e) {
  char path[PATH_MAX];
  gd__reload_marker_path(e, path, sizeof path);
  return unlink(path) == 0;
}

static void gd__write_state(gd_editor *e) {
  char path[PATH_MAX], dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/.godot", e->cfg.project);
  mkdir(dir, 0755);
  snprintf(dir, sizeof dir, "%s/.godot/godotd", e->cfg.project);
  mkdir(dir, 0755);
  gd__state_path(e, path, sizeof path);
  json_t *st = json_pack("{s:i, s:i, s:s, s:I}", "pid", e->pid, "daemon_pid", (int)getpid(),
                         "godot", e->cfg.godot.path, "spawned_unix_ms", (json_int_t)gd__unix_ms());
  char *text = st ? json_dumps(st, JSON_COMPACT) : NULL;
  if (text && gd_write_file_atomic(path, text, strlen(text), 0644) != 0)
    gd_warn("editor: cannot write %s", path);
  free(text);
  json_decref(st);
}

static void gd__clear_state(gd_editor *e) {
  char path[PATH_MAX];
  gd__state_path(e, path, sizeof path);
  unlink(path);
}

/* Reads /proc/PID/cmdline (NUL-separated arguments) into buf, NUL-terminated; returns its length,
 * 0 when unreadable. /proc files report size 0, so this reads until EOF instead of trusting
 * fstat. */
static size_t gd__read_cmdline(int pid, char *buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t len = 0;
  ssize_t n;
  while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0) len += (size_t)n;
  close(fd);
  buf[len] = '\0';
  return len;
}

/* True when pid is alive and its command line runs godot on this project. */
static bool gd__is_our_editor(const gd_editor *e, int pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  static char cmd[65536];
  size_t len = gd__read_cmdline(pid, cmd, sizeof cmd);
  bool has_project = false, has_editor = false;
  for (size_t i = 0; i < len; i += strlen(cmd + i) + 1) {
    if (strcmp(cmd + i, e->cfg.project) == 0) has_project = true;
    if (strcmp(cmd + i, "--editor") == 0 || strcmp(cmd + i, "-e") == 0) has_editor = true;
  }
  return has_project && has_editor;
}

/* ---- process lifecycle -------------------------------------------------------------------- */

static void gd__run_handle_closed(uv_handle_t *h) {
  gd_run *run = h->data;
  if (--run->open == 0) free(run);
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  static char slab[65536]; /* single-threaded loop: one read at a time */
  (void)suggested;
  *buf = uv_buf_init(slab, sizeof slab);
}

static void gd__on_output(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd_run *run = s->data;
  int stream = s == (uv_stream_t *)&run->out ? GD_STREAM_STDOUT : GD_STREAM_STDERR;
  if (n > 0) {
    gd_ringlog_feed(&run->e->logs, stream, buf->base, (size_t)n, gd__unix_ms());
    return;
  }
  if (n < 0) {
    gd_ringlog_flush(&run->e->logs, stream, gd__unix_ms());
    uv_close((uv_handle_t *)s, gd__run_handle_closed);
  }
}

static void gd__kill_group(gd_editor *e, int sig) {
  if (e->pid > 0 && kill(-e->pid, sig) != 0 && errno == ESRCH) kill(e->pid, sig);
}

static void gd__stop_timers(gd_editor *e) {
  uv_timer_stop(&e->deadline);
  uv_timer_stop(&e->heartbeat);
  uv_timer_stop(&e->stop_timer);
  e->ping_in_flight = false;
}

static void gd__on_exit(uv_process_t *p, int64_t code, int sig) {
  gd_run *run = p->data;
  gd_editor *e = run->e;
  uv_close((uv_handle_t *)p, gd__run_handle_closed);
  e->proc_running = false;
  gd__on_gone(e, code, sig, NULL);
}

static void gd__pidfd_closed(uv_handle_t *h) {
  gd_editor *e = h->data;
  close(e->pidfd);
  e->pidfd = -1;
}

static void gd__on_pidfd(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  gd_editor *e = h->data;
  uv_poll_stop(h);
  uv_close((uv_handle_t *)h, gd__pidfd_closed);
  e->adopted = false;
  gd__on_gone(e, -1, 0, "the adopted editor exited");
}

static void gd__restart_due(uv_timer_t *t) {
  gd_editor *e = t->data;
  if (e->state == GD_STATE_RESTARTING) gd__spawn(e);
}

/* Kills the games an editor started. Godot runs each game in a process group of its own with
 * `--editor-pid <editor pid>` on its command line, so killing the editor's group misses them,
 * and once the editor is gone they are orphans of init: they are found by that argument. One
 * scan of /proc when an editor ends, not a poll. Returns how many were killed. */
static int gd__kill_games(int editor_pid) {
  char want[32];
  snprintf(want, sizeof want, "%d", editor_pid);
  DIR *proc = opendir("/proc");
  if (!proc) return 0;
  int killed = 0;
  struct dirent *d;
  static char cmd[65536];
  while ((d = readdir(proc)) != NULL) {
    if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
    int pid = atoi(d->d_name);
    size_t n = gd__read_cmdline(pid, cmd, sizeof cmd);
    for (size_t i = 0; i < n; i += strlen(cmd + i) + 1) {
      size_t next = i + strlen(cmd + i) + 1;
      if (strcmp(cmd + i, "--editor-pid") == 0 && next < n && strcmp(cmd + next, want) == 0) {
        gd_info("editor: killing game pid %d left by editor pid %d", pid, editor_pid);
        if (kill(-pid, SIGKILL) != 0) kill(pid, SIGKILL);
        killed++;
        break;
      }
    }
  }
  closedir(proc);
  return killed;
}

/* The editor process is gone (reaped, or the adopted one's pidfd fired). */
static void gd__on_gone(gd_editor *e, int64_t code, int sig, const char *how) {
  gd__kill_group(e, SIGKILL); /* helpers it started in its own group */
  if (e->pid > 0) gd__kill_games(e->pid);
  int pid = e->pid;
  e->pid = 0;
  gd__stop_timers(e);
  gd__clear_state(e);
  e->last_exit.valid = true;
  e->last_exit.code = (int)code;
  e->last_exit.signal = sig;
  e->last_exit.at_unix_ms = gd__unix_ms();
  snprintf(e->last_exit.reason, sizeof e->last_exit.reason, "%s",
           e->kill_reason[0] ? e->kill_reason
           : how             ? how
           : sig             ? "killed by a signal"
           : code            ? "exited with an error"
                             : "exited");
  e->kill_reason[0] = '\0';
  /* Taken in every case (a stale marker must not outlive this editor); a stop wins over it. */
  bool reload = gd__take_reload_marker(e) && e->state != GD_STATE_STOPPING && e->want_running;
  if (reload)
    snprintf(e->last_exit.reason, sizeof e->last_exit.reason,
             "restart requested (quit, reload_project, or Project > Reload Current Project)");
  gd_info("editor: pid %d gone (code %lld, signal %d): %s", pid, (long long)code, sig,
          e->last_exit.reason);
  if (e->on_exit)
    e->on_exit(e->on_telemetry_ud, e, pid, (int)code, sig, e->last_exit.reason,
               !reload && e->state != GD_STATE_STOPPING && e->want_running);
  gd_bridge_drop_session(&e->bridge, "the editor process is gone");

  if (e->state == GD_STATE_STOPPING || !e->want_running) {
    if (!e->want_running) gd__xvfb_stop(e);
    gd__set_state(e, GD_STATE_STOPPED);
    /* A start that arrived while it was stopping; a waiter woken by STOPPED (a restart) may
     * have spawned already, so only when still stopped. */
    if (e->want_running && e->state == GD_STATE_STOPPED) gd__spawn(e);
    return;
  }
  if (reload) {
    /* A restart is asked for, not a crash: at once, and the crash-loop guard does not count it.
     * On a reload Godot would start the new editor itself (OS restart-on-exit); the addon
     * cancels that so the new one is ours to supervise and there are never two. */
    e->restarts++;
    gd_info("editor: restart requested by the editor: starting a new one");
    gd__set_state(e, GD_STATE_RESTARTING);
    uv_timer_start(&e->restart_timer, gd__restart_due, 0, 0);
    return;
  }
  uint64_t now = uv_now(e->loop);
  if (e->ready_ms && now - e->ready_ms >= e->cfg.crash_window_ms) gd_backoff_reset(&e->backoff);
  e->crashes_total++;
  if (gd_crashguard_record(&e->guard, now)) {
    e->trip.tripped = true;
    e->trip.crashes = gd_crashguard_count(&e->guard, now);
    e->trip.at_unix_ms = gd__unix_ms();
    gd_error("editor: %u crashes within %llu ms: crash-loop guard tripped, not restarting",
             gd_crashguard_count(&e->guard, now), (unsigned long long)e->cfg.crash_window_ms);
    e->want_running = false;
    gd__xvfb_stop(e);
    gd__set_state(e, GD_STATE_FAILED);
    return;
  }
  uint64_t delay = gd_backoff_next(&e->backoff);
  e->restarts++;
  gd_info("editor: restarting in %llu ms", (unsigned long long)delay);
  gd__set_state(e, GD_STATE_RESTARTING);
  uv_timer_start(&e->restart_timer, gd__restart_due, delay, 0);
}

static void gd__kill_for(gd_editor *e, const char *reason) {
  gd_warn("editor: killing pid %d: %s", e->pid, reason);
  snprintf(e->kill_reason, sizeof e->kill_reason, "%s", reason);
  gd__kill_group(e, SIGKILL);
}

/* Whether fresh beats say the main thread is inside a long operation it announced. */
static bool gd__main_busy(const gd_editor *e, uint64_t now) {
  return gd_bridge_has_liveness(&e->bridge) && e->beat.last_ms &&
         now - e->beat.last_ms <= e->cfg.heartbeat_timeout_ms && e->beat.busy;
}

static void gd__deadline_due(uv_timer_t *t) {
  gd_editor *e = t->data;
  /* An import can take far longer than a start should: the import deadline bounds it, and the
   * ready deadline starts again when the main thread is free (gd__on_beat). */
  if (e->pid <= 0 || gd__main_busy(e, uv_now(e->loop))) return;
  char why[160];
  snprintf(why, sizeof why, "not ready within %llu ms (state %s)",
           (unsigned long long)e->cfg.ready_timeout_ms, gd_editor_state_name(e->state));
  gd__kill_for(e, why);
}

static void gd__ping_reply(void *ud, const char *code, const char *msg, json_t *result,
                           const gd_bridge_timing *t) {
  (void)result;
  gd_editor *e = ud;
  e->ping_in_flight = false;
  if (!code && t && e->on_heartbeat && t->replied_ns >= t->sent_ns)
    e->on_heartbeat(e->on_telemetry_ud, e, (double)(t->replied_ns - t->sent_ns) / 1e9);
  if (code && strcmp(code, GD_E_TIMEOUT) == 0 && e->pid > 0 &&
      (e->state == GD_STATE_READY || e->state == GD_STATE_CONNECTING)) {
    uint64_t now = uv_now(e->loop);
    if (gd__main_busy(e, now)) {
      gd_info("editor: heartbeat unanswered while the main thread is busy (%s for %llu ms): "
              "alive, not hung",
              e->beat.kind, (unsigned long long)(now - e->beat.busy_since_ms));
      return;
    }
    char why[200];
    snprintf(why, sizeof why, "heartbeat: no answer within %llu ms (editor hung)",
             (unsigned long long)e->cfg.heartbeat_timeout_ms);
    gd_limit_hit(GD_LIMIT_EDITOR_HUNG, "editor pid %d: %s", e->pid, why);
    gd__kill_for(e, why);
  } else if (code) {
    gd_debug("editor: heartbeat: %s: %s", code, msg);
  }
}

/* Every heartbeat interval from spawn to exit: liveness first (beats from the addon's thread:
 * none within the timeout → the process is hung or stopped), then the import deadline, then a
 * ping on the session (the main thread answers). */
static void gd__heartbeat_due(uv_timer_t *t) {
  gd_editor *e = t->data;
  if (e->pid <= 0 || e->state == GD_STATE_STOPPING) return;
  uint64_t now = uv_now(e->loop);
  char why[200];
  if (gd_bridge_has_liveness(&e->bridge) && e->beat.last_ms &&
      now - e->beat.last_ms > e->cfg.heartbeat_timeout_ms) {
    snprintf(why, sizeof why,
             "liveness: no beat within %llu ms (the editor process is hung or stopped)",
             (unsigned long long)e->cfg.heartbeat_timeout_ms);
    gd_limit_hit(GD_LIMIT_EDITOR_HUNG, "editor pid %d: %s", e->pid, why);
    gd__kill_for(e, why);
    return;
  }
  if (gd__main_busy(e, now) && now - e->beat.busy_since_ms > e->cfg.import_deadline_ms) {
    snprintf(why, sizeof why, "import deadline: the main thread was busy (%s) for over %llu ms",
             e->beat.kind, (unsigned long long)e->cfg.import_deadline_ms);
    gd_limit_hit(GD_LIMIT_IMPORT_DEADLINE, "editor pid %d: %s", e->pid, why);
    gd__kill_for(e, why);
    return;
  }
  /* The main thread stopped outside any import: hung, whether or not its session is up (it may
   * hang before connecting). Only once the main loop runs frames: the engine's startup before
   * that is the ready deadline's. */
  /* Counted from the end of the last busy period too: the main thread leaves an import before
   * its next frame, and beats in between say "not busy" with the import's whole idle time. */
  uint64_t free_for = e->beat.free_since_ms ? now - e->beat.free_since_ms : UINT64_MAX;
  if (gd_bridge_has_liveness(&e->bridge) && e->beat.last_ms && !e->beat.busy &&
      e->beat.frames > 0 && (uint64_t)e->beat.main_idle_ms > e->cfg.heartbeat_timeout_ms &&
      free_for > e->cfg.heartbeat_timeout_ms) {
    snprintf(why, sizeof why,
             "heartbeat: the main thread ran no frame for %lld ms outside any import (editor hung)",
             (long long)e->beat.main_idle_ms);
    gd_limit_hit(GD_LIMIT_EDITOR_HUNG, "editor pid %d: %s", e->pid, why);
    gd__kill_for(e, why);
    return;
  }
  if (e->ping_in_flight || !gd_bridge_has_session(&e->bridge)) return;
  if (gd_bridge_call(&e->bridge, "ping", NULL, e->cfg.heartbeat_timeout_ms, gd__ping_reply, e) == 0)
    e->ping_in_flight = true;
}

static void gd__append_env(char ***env, size_t *n, const char *kv) {
  char **grown = realloc(*env, (*n + 2) * sizeof **env);
  if (!grown) return;
  *env = grown;
  (*env)[(*n)++] = strdup(kv);
  (*env)[*n] = NULL;
}

static void gd__xvfb_closed(uv_handle_t *h) {
  gd_xvfb *x = h->data;
  if (--x->open == 0) free(x);
}

static void gd__xvfb_stop(gd_editor *e) {
  gd_xvfb *x = e->xvfb;
  if (!x) return;
  e->xvfb = NULL;
  e->display[0] = '\0';
  x->e = NULL;
  /* Its exit frees it; a daemon exiting first frees it in gd_editor_close. */
  if (e->xvfb_old && e->xvfb_old->slot) e->xvfb_old->slot = NULL;
  e->xvfb_old = x;
  x->slot = &e->xvfb_old;
  if (x->pid > 0) kill(-x->pid, SIGTERM);
}

static void gd__xvfb_exit(uv_process_t *p, int64_t code, int sig) {
  gd_xvfb *x = p->data;
  gd_editor *e = x->e;
  if (x->slot) *x->slot = NULL;
  x->slot = NULL;
  uv_close((uv_handle_t *)p, gd__xvfb_closed);
  if (!uv_is_closing((uv_handle_t *)&x->ready)) uv_close((uv_handle_t *)&x->ready, gd__xvfb_closed);
  if (!e) return; /* stopped on purpose */
  e->xvfb = NULL;
  e->display[0] = '\0';
  gd_warn("editor: Xvfb exited (code %lld, signal %d)", (long long)code, sig);
  if (e->pid > 0) {
    gd__kill_for(e, "its Xvfb display exited");
  } else if (e->state == GD_STATE_STARTING) {
    snprintf(e->kill_reason, sizeof e->kill_reason, "Xvfb did not start (code %lld)", (long long)code);
    gd__on_gone(e, -1, 0, NULL);
  }
}

static void gd__xvfb_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  gd_xvfb *x = h->data;
  *buf = uv_buf_init(x->buf + x->len, (unsigned)(sizeof x->buf - 1 - x->len));
}

static void gd__xvfb_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  (void)buf;
  gd_xvfb *x = s->data;
  if (n < 0 || x->len + (size_t)(n > 0 ? n : 0) >= sizeof x->buf - 1) {
    uv_close((uv_handle_t *)s, gd__xvfb_closed);
    return;
  }
  x->len += (size_t)n;
  x->buf[x->len] = '\0';
  if (!strchr(x->buf, '\n')) return;
  uv_read_stop(s);
  gd_editor *e = x->e;
  if (!e) return;
  snprintf(e->display, sizeof e->display, ":%d", atoi(x->buf));
  gd_info("editor: Xvfb (pid %d) serves display %s", x->pid, e->display);
  if (e->state == GD_STATE_STARTING) gd__spawn(e);
}

/* Starts Xvfb; gd__spawn runs again once it serves a display. 0, or -1 after failing the start. */
static int gd__xvfb_start(gd_editor *e) {
  gd_xvfb *x = calloc(1, sizeof *x);
  if (!x) return -1;
  x->e = e;
  uv_pipe_init(e->loop, &x->ready, 0);
  x->ready.data = x->proc.data = x;
  const char *args[] = {"Xvfb", "-displayfd", "3", "-screen", "0", "1280x720x24", "-nolisten",
                        "tcp", "-noreset", NULL};
  uv_stdio_container_t stdio[4] = {
      {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_IGNORE},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&x->ready}};
  uv_process_options_t opt = {.exit_cb = gd__xvfb_exit, .file = "Xvfb", .args = (char **)args,
                              .flags = UV_PROCESS_DETACHED, .stdio_count = 4, .stdio = stdio};
  int rc = uv_spawn(e->loop, &x->proc, &opt);
  x->open = 2;
  if (rc != 0) {
    x->e = NULL;
    uv_close((uv_handle_t *)&x->proc, gd__xvfb_closed);
    uv_close((uv_handle_t *)&x->ready, gd__xvfb_closed);
    snprintf(e->kill_reason, sizeof e->kill_reason, "cannot start Xvfb: %s (apt-get install xvfb)",
             uv_strerror(rc));
    gd_error("editor: %s", e->kill_reason);
    return -1;
  }
  x->pid = x->proc.pid;
  e->xvfb = x;
  uv_read_start((uv_stream_t *)&x->ready, gd__xvfb_alloc, gd__xvfb_read);
  return 0;
}

/* A new editor process: the ready deadline, and the heartbeat (liveness checks need no session). */
static void gd__watch(gd_editor *e) {
  memset(&e->beat, 0, sizeof e->beat);
  memset(&e->progress, 0, sizeof e->progress);
  e->readiness_overridden = false;
  uv_timer_start(&e->deadline, gd__deadline_due, e->cfg.ready_timeout_ms, 0);
  uv_timer_start(&e->heartbeat, gd__heartbeat_due, e->cfg.heartbeat_ms, e->cfg.heartbeat_ms);
}

/* Spawns `godotd __exec [--setenv K=V]... -- godot --editor --path P [...]`. */
void gd_editor_cmdline(const gd_editor *e, bool editor, const char *scene, gd_godot_cmdline *c) {
  memset(c, 0, sizeof *c);
  size_t a = 0, ns = 0;
  c->args[a++] = e->cfg.self_exe;
  c->args[a++] = "__exec";
  if (!e->cfg.headless && e->cfg.godot.render_env[0]) {
    /* The private install's GL libraries: on the godot process only, through the wrapper, since
     * its newer libc breaks anything else (godotd itself included). */
    size_t len;
    char *text = gd_read_file(e->cfg.godot.render_env, 1 << 16, &len);
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && ns < 8;
         line = strtok_r(NULL, "\n", &save)) {
      if (!strchr(line, '=')) continue;
      snprintf(c->setenv_buf[ns], sizeof c->setenv_buf[ns], "%s", line);
      c->args[a++] = "--setenv";
      c->args[a++] = c->setenv_buf[ns++];
    }
    free(text);
  }
  c->args[a++] = "--";
  c->args[a++] = e->cfg.godot.path;
  if (editor) c->args[a++] = "--editor";
  if (e->cfg.headless) c->args[a++] = "--headless";
  else {
    c->args[a++] = "--rendering-driver";
    c->args[a++] = "opengl3";
    c->args[a++] = "--audio-driver";
    c->args[a++] = "Dummy";
  }
  c->args[a++] = "--path";
  c->args[a++] = e->cfg.project;
  if (scene && *scene) c->args[a++] = scene;
  c->args[a] = NULL;

  extern char **environ;
  for (char **p = environ; *p; p++)
    if (strncmp(*p, "GODOTD_URL=", 11) != 0 && strncmp(*p, "GODOTD_TOKEN=", 13) != 0 &&
        !(e->display[0] && strncmp(*p, "DISPLAY=", 8) == 0))
      gd__append_env(&c->env, &c->envn, *p);
  char kv[512];
  snprintf(kv, sizeof kv, "GODOTD_URL=%s", e->cfg.bridge_url);
  gd__append_env(&c->env, &c->envn, kv);
  if (e->cfg.bridge_token[0]) { /* the addon sends it as Authorization: Bearer on /bridge */
    snprintf(kv, sizeof kv, "GODOTD_TOKEN=%s", e->cfg.bridge_token);
    gd__append_env(&c->env, &c->envn, kv);
  }
  if (e->display[0]) {
    snprintf(kv, sizeof kv, "DISPLAY=%s", e->display);
    gd__append_env(&c->env, &c->envn, kv);
  }
}

void gd_godot_cmdline_free(gd_godot_cmdline *c) {
  for (size_t i = 0; i < c->envn; i++) free(c->env[i]);
  free(c->env);
  c->env = NULL;
  c->envn = 0;
}

static void gd__spawn(gd_editor *e) {
  char err[512];
  gd__set_state(e, GD_STATE_STARTING);
  e->kill_reason[0] = '\0';
  gd__take_reload_marker(e); /* a stale one must not turn a later crash into a reload */

  int n = gd_install_addon(e->cfg.project, e->cfg.addon_dir, err, sizeof err);
  if (n < 0) {
    gd_error("editor: cannot install the addon: %s", err);
    snprintf(e->last_exit.reason, sizeof e->last_exit.reason, "addon install failed: %.120s", err);
    e->last_exit.valid = true;
    e->want_running = false;
    gd__set_state(e, GD_STATE_FAILED);
    return;
  }
  if (n > 0) gd_info("editor: installed/updated %d addon file(s) in %s", n, e->cfg.project);
  gd__open_log_file(e);
  if (e->cfg.xvfb && !e->display[0]) {
    if (e->xvfb) return; /* already starting: its display callback spawns the editor */
    if (gd__xvfb_start(e) != 0) {
      e->want_running = false;
      snprintf(e->last_exit.reason, sizeof e->last_exit.reason, "%s", e->kill_reason);
      e->last_exit.valid = true;
      e->kill_reason[0] = '\0';
      gd__set_state(e, GD_STATE_FAILED);
    }
    return;
  }

  gd_godot_cmdline cmd;
  gd_editor_cmdline(e, true, NULL, &cmd);
  const char **args = cmd.args;
  char **env = cmd.env;

  gd_run *run = calloc(1, sizeof *run);
  run->e = e;
  uv_pipe_init(e->loop, &run->out, 0);
  uv_pipe_init(e->loop, &run->err, 0);
  run->out.data = run->err.data = run->proc.data = run;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_IGNORE},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&run->err},
  };
  uv_process_options_t opt = {
      .exit_cb = gd__on_exit,
      .file = e->cfg.self_exe,
      .args = (char **)args,
      .env = env,
      .cwd = e->cfg.project,
      .flags = UV_PROCESS_DETACHED, /* setsid: its own process group, killed as one */
      .stdio_count = 3,
      .stdio = stdio,
  };
  int rc = uv_spawn(e->loop, &run->proc, &opt);
  gd_godot_cmdline_free(&cmd);
  /* uv_spawn initializes the process handle even when it fails, so all three always close. */
  run->open = 3;
  if (rc != 0) {
    uv_close((uv_handle_t *)&run->out, gd__run_handle_closed);
    uv_close((uv_handle_t *)&run->err, gd__run_handle_closed);
    uv_close((uv_handle_t *)&run->proc, gd__run_handle_closed);
    gd_error("editor: spawn failed: %s", uv_strerror(rc));
    snprintf(e->kill_reason, sizeof e->kill_reason, "spawn failed: %s", uv_strerror(rc));
    gd__on_gone(e, -1, 0, NULL);
    return;
  }
  uv_read_start((uv_stream_t *)&run->out, gd__alloc, gd__on_output);
  uv_read_start((uv_stream_t *)&run->err, gd__alloc, gd__on_output);
  e->pid = run->proc.pid;
  e->proc_running = true;
  e->spawned_ms = uv_now(e->loop);
  e->ready_ms = 0;
  gd_info("editor: spawned %s (pid %d) on %s%s", e->cfg.godot.path, e->pid, e->cfg.project,
          e->cfg.headless ? " headless" : "");
  gd__write_state(e);
  gd__set_state(e, GD_STATE_CONNECTING);
  gd__watch(e);
}

/* ---- bridge owner ------------------------------------------------------------------------- */

static void gd__set_ready(gd_editor *e) {
  uv_timer_stop(&e->deadline);
  if (!e->ready_ms) {
    e->ready_ms = uv_now(e->loop);
    gd_info("editor: ready %llu ms after spawn",
            (unsigned long long)(e->ready_ms - (e->spawned_ms ? e->spawned_ms : e->ready_ms)));
  }
  gd__set_state(e, GD_STATE_READY);
}

static int gd__accept(void *ud, const gd_bridge_hello *h, char *err, size_t err_size) {
  gd_editor *e = ud;
  if (strcmp(h->channel, "game") == 0) {
    snprintf(err, err_size, "a game's runtime agent dials /game, not /bridge");
    return -1;
  }
  if (e->pid <= 0 || h->editor_pid != e->pid) {
    snprintf(err, err_size, "this daemon supervises editor pid %d on %s, not pid %d", e->pid,
             e->cfg.project, h->editor_pid);
    return -1;
  }
  if (e->state == GD_STATE_STOPPING) {
    snprintf(err, err_size, "the editor is being stopped");
    return -1;
  }
  return 0;
}

static void gd__on_session(void *ud, const gd_bridge_hello *h) {
  gd_editor *e = ud;
  e->ping_in_flight = false;
  e->readiness_overridden = false;
  if (e->state != GD_STATE_CONNECTING) return;
  if (strcmp(h->readiness, "importing") != 0) gd__set_ready(e);
  else gd__check_waiters(e); /* session-level commands may go now */
}

static void gd__on_session_lost(void *ud) {
  gd_editor *e = ud;
  e->ping_in_flight = false;
  if (e->pid > 0 && (e->state == GD_STATE_READY || e->state == GD_STATE_CONNECTING)) {
    /* The process lives on without its addon: give it one ready deadline to reconnect. */
    gd__set_state(e, GD_STATE_CONNECTING);
    uv_timer_start(&e->deadline, gd__deadline_due, e->cfg.ready_timeout_ms, 0);
  }
}

/* The main thread is free again after a busy period (or its channel went away). */
static void gd__busy_over(gd_editor *e, uint64_t now, const char *how) {
  if (!e->beat.busy) return;
  gd_info("editor: main thread %s after %llu ms busy (%s)", how,
          (unsigned long long)(now - e->beat.busy_since_ms), e->beat.kind);
  e->beat.busy = false;
  e->beat.free_since_ms = now;
  if (e->readiness_overridden && gd_bridge_has_session(&e->bridge))
    gd_bridge_note(&e->bridge, e->readiness_saved, NULL);
  e->readiness_overridden = false;
  /* A start that waited out an import gets a whole ready deadline from here on. */
  if (e->state == GD_STATE_CONNECTING && e->pid > 0)
    uv_timer_start(&e->deadline, gd__deadline_due, e->cfg.ready_timeout_ms, 0);
}

static void gd__on_beat(void *ud, json_t *beat) {
  gd_editor *e = ud;
  uint64_t now = uv_now(e->loop);
  e->beat.last_ms = now;
  e->beat.count++;
  e->beat.frames = json_integer_value(json_object_get(beat, "frames"));
  e->beat.main_idle_ms = json_integer_value(json_object_get(beat, "main_idle_ms"));
  json_t *busy = json_object_get(beat, "busy");
  if (!json_is_object(busy)) {
    gd__busy_over(e, now, "free again");
    return;
  }
  const char *kind = json_string_value(json_object_get(busy, "kind"));
  json_int_t for_ms = json_integer_value(json_object_get(busy, "for_ms"));
  if (for_ms < 0 || (uint64_t)for_ms > now) for_ms = 0;
  bool was_busy = e->beat.busy;
  e->beat.busy = true;
  snprintf(e->beat.kind, sizeof e->beat.kind, "%s", kind ? kind : "unknown");
  e->beat.files = (int)json_integer_value(json_object_get(busy, "files"));
  const char *first = json_string_value(json_object_get(busy, "first"));
  snprintf(e->beat.first, sizeof e->beat.first, "%s", first ? first : "");
  if (was_busy) return;
  e->beat.busy_since_ms = now - (uint64_t)for_ms;
  gd_info("editor: main thread busy (%s%s%s), alive: its heartbeat is not expected until it ends "
          "(import deadline %llu ms)",
          e->beat.kind, e->beat.first[0] ? ", first file " : "", e->beat.first,
          (unsigned long long)e->cfg.import_deadline_ms);
  /* The addon cannot say so itself while its main thread is inside the import. */
  if (gd_bridge_has_session(&e->bridge) && strcmp(e->bridge.hello.readiness, "importing") != 0) {
    snprintf(e->readiness_saved, sizeof e->readiness_saved, "%s", e->bridge.hello.readiness);
    gd_bridge_note(&e->bridge, "importing", NULL);
    e->readiness_overridden = true;
  }
}

static void gd__on_liveness_lost(void *ud) {
  gd_editor *e = ud;
  gd__busy_over(e, uv_now(e->loop), "no longer reported (liveness channel closed)");
  e->beat.last_ms = 0;
}

static void gd__on_event(void *ud, const char *event, json_t *data) {
  gd_editor *e = ud;
  if (strcmp(event, "readiness_changed") == 0) {
    const char *r = json_string_value(json_object_get(data, "readiness"));
    /* The main thread said it: it runs, and its word wins over the beats'. */
    if (r && strcmp(r, "importing") != 0) gd__busy_over(e, uv_now(e->loop), "free again");
    e->readiness_overridden = false;
    gd_bridge_note(&e->bridge, r, NULL);
    if (r && strcmp(r, "importing") != 0 && e->state == GD_STATE_CONNECTING &&
        gd_bridge_has_session(&e->bridge))
      gd__set_ready(e);
  } else if (strcmp(event, "scene_changed") == 0) {
    gd_bridge_note(&e->bridge, NULL, json_string_value(json_object_get(data, "scene_path")));
  } else if (e->on_addon_event) {
    e->on_addon_event(e->on_addon_event_ud, event, data);
  }
  gd_debug("editor: event %s", event);
}

/* ---- public API --------------------------------------------------------------------------- */

int gd_editor_init(gd_editor *e, uv_loop_t *loop, const gd_editor_config *cfg) {
  memset(e, 0, sizeof *e);
  e->loop = loop;
  e->cfg = *cfg;
  e->pidfd = -1;
  if (!e->cfg.log_file[0])
    snprintf(e->cfg.log_file, sizeof e->cfg.log_file, "%s/.godot/godotd/editor.log", cfg->project);
  if (gd_ringlog_init(&e->logs, cfg->log_entries ? cfg->log_entries : 10000, 16384) != 0) return -1;
  gd_ringlog_set_line_cb(&e->logs, gd__log_line, e);
  if (cfg->daemon_log) gd_log_set_sink(gd__daemon_log_sink, e);
  gd_backoff_init(&e->backoff, cfg->backoff_base_ms, cfg->backoff_max_ms);
  gd_crashguard_init(&e->guard, cfg->crash_max, cfg->crash_window_ms);
  gd_bridge_owner owner = {.ud = e,
                           .accept = gd__accept,
                           .on_session = gd__on_session,
                           .on_session_lost = gd__on_session_lost,
                           .on_event = gd__on_event,
                           .on_beat = gd__on_beat,
                           .on_liveness_lost = gd__on_liveness_lost};
  gd_bridge_init(&e->bridge, loop, &owner);
  /* Three beats per heartbeat timeout at least, so one late beat is never taken for a hang. */
  uint64_t beat_ms = cfg->heartbeat_timeout_ms / 4;
  e->bridge.liveness_ms = beat_ms < 100 ? 100 : beat_ms > 1000 ? 1000 : beat_ms;
  if (!e->cfg.import_deadline_ms) e->cfg.import_deadline_ms = 30 * 60 * 1000;
  uv_timer_t *timers[] = {&e->deadline, &e->restart_timer, &e->heartbeat, &e->stop_timer};
  for (size_t i = 0; i < 4; i++) {
    uv_timer_init(loop, timers[i]);
    timers[i]->data = e;
  }
  return 0;
}

int gd_editor_adopt(gd_editor *e) {
  char path[PATH_MAX];
  gd__state_path(e, path, sizeof path);
  json_t *st = json_load_file(path, 0, NULL);
  int pid = (int)json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  if (!pid || !gd__is_our_editor(e, pid)) {
    if (pid) gd__clear_state(e);
    return 0;
  }
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    gd_warn("editor: cannot watch left-over editor pid %d (%s); killing it", pid, strerror(errno));
    kill(-pid, SIGKILL);
    gd__clear_state(e);
    return 0;
  }
  e->pidfd = fd;
  uv_poll_init(e->loop, &e->pidfd_poll, fd);
  e->pidfd_poll.data = e;
  uv_poll_start(&e->pidfd_poll, UV_READABLE, gd__on_pidfd);
  e->pid = pid;
  e->adopted = true;
  e->want_running = true;
  e->spawned_ms = uv_now(e->loop);
  gd_info("editor: adopting pid %d left running by a previous daemon; waiting for its addon", pid);
  gd__write_state(e);
  gd__set_state(e, GD_STATE_CONNECTING);
  gd__watch(e);
  return 1;
}

int gd_editor_start(gd_editor *e, char *err, size_t err_size) {
  (void)err;
  (void)err_size;
  switch (e->state) {
  case GD_STATE_FAILED:
    gd_crashguard_reset(&e->guard);
    e->trip.tripped = false;
    gd_backoff_reset(&e->backoff);
    /* fall through */
  case GD_STATE_STOPPED:
    e->want_running = true;
    gd__spawn(e);
    return e->state == GD_STATE_FAILED ? (snprintf(err, err_size, "%s", e->last_exit.reason), -1) : 0;
  case GD_STATE_RESTARTING:
    /* An explicit start skips the rest of the backoff. */
    uv_timer_stop(&e->restart_timer);
    gd__spawn(e);
    return 0;
  case GD_STATE_STOPPING:
    e->want_running = true; /* after the stop completes the router starts again */
    return 0;
  default:
    e->want_running = true;
    return 0;
  }
}

static void gd__stop_escalate(uv_timer_t *t) {
  gd_editor *e = t->data;
  if (e->pid <= 0) return;
  if (e->stop_phase == 0) {
    gd_info("editor: pid %d did not quit within %llu ms: SIGTERM", e->pid,
            (unsigned long long)e->cfg.stop_timeout_ms);
    e->stop_phase = 1;
    gd__kill_group(e, SIGTERM);
    uv_timer_start(&e->stop_timer, gd__stop_escalate, e->cfg.stop_timeout_ms, 0);
  } else {
    gd_warn("editor: pid %d ignored SIGTERM for %llu ms: SIGKILL", e->pid,
            (unsigned long long)e->cfg.stop_timeout_ms);
    e->stop_phase = 2;
    gd__kill_group(e, SIGKILL);
  }
}

static void gd__quit_reply(void *ud, const char *code, const char *msg, json_t *result,
                           const gd_bridge_timing *t) {
  (void)ud;
  (void)result;
  (void)t;
  if (code) gd_debug("editor: quit request: %s: %s", code, msg);
}

void gd_editor_stop(gd_editor *e, gd_editor_wait_cb cb, void *ud) {
  e->want_running = false;
  switch (e->state) {
  case GD_STATE_STOPPED:
  case GD_STATE_FAILED:
    if (cb) cb(ud, NULL, NULL);
    return;
  case GD_STATE_RESTARTING:
  case GD_STATE_STARTING:
    uv_timer_stop(&e->restart_timer);
    gd__xvfb_stop(e);
    gd__set_state(e, GD_STATE_STOPPED);
    if (cb) cb(ud, NULL, NULL);
    return;
  case GD_STATE_STOPPING:
    gd__waiter_add(e, true, GD_NEEDS_SESSION, 0, cb, ud);
    return;
  case GD_STATE_CONNECTING:
  case GD_STATE_READY:
    break;
  }
  gd__waiter_add(e, true, GD_NEEDS_SESSION, 0, cb, ud);
  uv_timer_stop(&e->deadline);
  uv_timer_stop(&e->heartbeat);
  snprintf(e->kill_reason, sizeof e->kill_reason, "stopped on request");
  gd__set_state(e, GD_STATE_STOPPING);
  if (gd_bridge_call(&e->bridge, "quit", NULL, e->cfg.stop_timeout_ms, gd__quit_reply, e) == 0) {
    e->stop_phase = 0;
  } else {
    e->stop_phase = 1;
    gd__kill_group(e, SIGTERM);
  }
  uv_timer_start(&e->stop_timer, gd__stop_escalate, e->cfg.stop_timeout_ms, 0);
}

typedef struct {
  gd_editor *e;
  gd_editor_wait_cb cb;
  void *ud;
} gd__restart_ctx;

static void gd__restart_stopped(void *ud, const char *code, const char *msg) {
  gd__restart_ctx *c = ud;
  char err[256] = "";
  if (!code && gd_editor_start(c->e, err, sizeof err) != 0) {
    code = GD_E_EDITOR_UNAVAILABLE;
    msg = err;
  }
  if (c->cb) c->cb(c->ud, code, msg);
  free(c);
}

void gd_editor_restart(gd_editor *e, gd_editor_wait_cb cb, void *ud) {
  gd__restart_ctx *c = malloc(sizeof *c);
  if (!c) {
    if (cb) cb(ud, GD_E_INTERNAL, "out of memory");
    return;
  }
  *c = (gd__restart_ctx){e, cb, ud};
  gd_editor_stop(e, gd__restart_stopped, c);
}

/* {"last_beat_ms_ago","beats","interval_ms","main_thread":{"frames","idle_ms"}}, or null when the
 * addon has no liveness channel open. */
static json_t *gd__liveness_json(const gd_editor *e, uint64_t now) {
  if (!gd_bridge_has_liveness(&e->bridge) || !e->beat.last_ms) return json_null();
  return json_pack("{s:I, s:I, s:I, s:{s:I, s:I}}", "last_beat_ms_ago",
                   (json_int_t)(now - e->beat.last_ms), "beats", (json_int_t)e->beat.count,
                   "interval_ms", (json_int_t)e->bridge.liveness_ms, "main_thread", "frames",
                   (json_int_t)e->beat.frames, "idle_ms", (json_int_t)e->beat.main_idle_ms);
}

/* What the main thread is busy with, or null: {"kind","files","first","for_ms","deadline_ms",
 * "progress":null|{"percent","step","item","ms_ago"}} (progress from Godot's stdout). */
static json_t *gd__busy_json(const gd_editor *e, uint64_t now) {
  if (!gd__main_busy(e, now)) return json_null();
  json_t *progress = e->progress.at_ms && e->progress.at_ms >= e->beat.busy_since_ms
                         ? json_pack("{s:i, s:s, s:s, s:I}", "percent", e->progress.percent,
                                     "step", e->progress.step, "item", e->progress.item, "ms_ago",
                                     (json_int_t)(now - e->progress.at_ms))
                         : json_null();
  return json_pack("{s:s, s:i, s:s, s:I, s:I, s:o}", "kind", e->beat.kind, "files",
                   e->beat.files, "first", e->beat.first, "for_ms",
                   (json_int_t)(now - e->beat.busy_since_ms), "deadline_ms",
                   (json_int_t)e->cfg.import_deadline_ms, "progress", progress);
}

json_t *gd_editor_status_json(const gd_editor *e) {
  uint64_t now = uv_now(e->loop);
  const gd_bridge_hello *h = &e->bridge.hello;
  json_t *session = gd_bridge_has_session(&e->bridge)
                        ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "id", h->session,
                                    "addon_version", h->addon_version, "godot_version",
                                    h->godot_version, "readiness", h->readiness, "edited_scene",
                                    h->edited_scene, "editor_pid", h->editor_pid)
                        : json_null();
  json_t *last_exit = e->last_exit.valid
                          ? json_pack("{s:i, s:i, s:s, s:I}", "code", e->last_exit.code, "signal",
                                      e->last_exit.signal, "reason", e->last_exit.reason,
                                      "at_unix_ms", (json_int_t)e->last_exit.at_unix_ms)
                          : json_null();
  json_t *st = json_pack(
      "{s:s, s:b, s:s, s:b, s:{s:s, s:s, s:s}, s:o, s:b, s:I, s:I, s:i, s:i, s:o, s:o, s:s}",
      "state", gd_editor_state_name(e->state), "ready", e->state == GD_STATE_READY, "project",
      e->cfg.project, "headless", e->cfg.headless, "godot", "path", e->cfg.godot.path, "version",
      e->cfg.godot.version, "source", e->cfg.godot.source, "pid",
      e->pid > 0 ? json_integer(e->pid) : json_null(), "adopted", e->adopted, "uptime_ms",
      (json_int_t)(e->pid > 0 && e->spawned_ms ? now - e->spawned_ms : 0), "ready_after_ms",
      (json_int_t)(e->ready_ms && e->spawned_ms ? e->ready_ms - e->spawned_ms : 0), "restarts",
      (int)e->restarts, "crashes_recent",
      (int)(e->state == GD_STATE_FAILED && e->trip.tripped ? e->trip.crashes
                                                           : gd_crashguard_count(&e->guard, now)),
      "last_exit", last_exit, "session", session, "log_file", e->cfg.log_file);
  if (!st) return NULL;
  json_object_set_new(st, "crashes_total", json_integer(e->crashes_total));
  json_object_set_new(
      st, "crash_loop",
      json_pack("{s:b, s:i, s:i, s:I, s:o}", "tripped", e->trip.tripped, "crashes",
                (int)e->trip.crashes, "max", (int)e->cfg.crash_max, "window_ms",
                (json_int_t)e->cfg.crash_window_ms, "tripped_at_unix_ms",
                e->trip.tripped ? json_integer(e->trip.at_unix_ms) : json_null()));
  json_object_set_new(st, "liveness", gd__liveness_json(e, now));
  json_object_set_new(st, "busy", gd__busy_json(e, now));
  return st;
}

void gd_editor_kill_now(gd_editor *e) {
  e->want_running = false;
  if (e->pid > 0) gd__kill_group(e, SIGKILL);
  if (e->xvfb && e->xvfb->pid > 0) kill(-e->xvfb->pid, SIGKILL);
}

void gd_editor_close(gd_editor *e) {
  if (e->cfg.daemon_log) gd_log_set_sink(NULL, NULL);
  gd_bridge_close(&e->bridge);
  while (e->waiters) gd__waiter_finish(e->waiters, GD_E_EDITOR_UNAVAILABLE, "the daemon is exiting");
  uv_timer_t *timers[] = {&e->deadline, &e->restart_timer, &e->heartbeat, &e->stop_timer};
  for (size_t i = 0; i < 4; i++)
    if (!uv_is_closing((uv_handle_t *)timers[i])) uv_close((uv_handle_t *)timers[i], NULL);
  if (e->pidfd >= 0 && !uv_is_closing((uv_handle_t *)&e->pidfd_poll))
    uv_close((uv_handle_t *)&e->pidfd_poll, gd__pidfd_closed);
  gd_xvfb *x = e->xvfb_old; /* told to exit, not reaped yet: its handles close with the loop */
  if (x) {
    e->xvfb_old = NULL;
    x->slot = NULL;
    if (!uv_is_closing((uv_handle_t *)&x->proc)) uv_close((uv_handle_t *)&x->proc, gd__xvfb_closed);
    if (!uv_is_closing((uv_handle_t *)&x->ready)) uv_close((uv_handle_t *)&x->ready, gd__xvfb_closed);
  }
  if (e->log_fp) fclose(e->log_fp);
  e->log_fp = NULL;
}
