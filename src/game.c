#include "game.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "errors.h"
#include "lines.h"
#include "log.h"

/* Lines of a crashed game's own output kept in its game_crashed entry. */
#define GD_CRASH_TAIL 50

static int64_t gd__unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gd_games_init(gd_games *h, uv_loop_t *loop, gd_output *out) {
  memset(h, 0, sizeof *h);
  h->loop = loop;
  h->out = out;
  h->next_id = 1;
  h->exited = json_array();
}

/* Stores entry (borrowed: the stream takes its own reference) and tells the owner. */
static void gd__lifecycle(gd_games *h, json_t *entry, int game) {
  gd_output_add(h->out, "game", game, json_incref(entry));
  if (h->on_lifecycle) h->on_lifecycle(h->on_lifecycle_ud, entry);
}

static void gd__unlink(gd_games *h, gd_game *g) {
  for (gd_game **pp = &h->games; *pp; pp = &(*pp)->next)
    if (*pp == g) {
      *pp = g->next;
      return;
    }
}

/* The last GD_CRASH_TAIL entries of game id (oldest first). */
static json_t *gd__tail(gd_games *h, int id) {
  json_t *tail = json_array();
  uint64_t last = gd_output_last_id(h->out);
  for (uint64_t i = last; i > 0 && last - i < 5000 && json_array_size(tail) < GD_CRASH_TAIL; i--) {
    json_t *e = gd_output_get(h->out, i);
    if (!e) break;
    if (json_integer_value(json_object_get(e, "game")) != id) continue;
    const char *kind = json_string_value(json_object_get(e, "kind"));
    if (kind && strncmp(kind, "game_", 5) == 0) continue;
    json_array_insert(tail, 0, e);
  }
  return tail;
}

static void gd__timer_closed(uv_handle_t *t) {
  gd_game *g = t->data;
  if ((uv_handle_t *)&g->exit_poll == t) {
    close(g->pidfd);
    g->pidfd = -1;
  }
  if (--g->open_timers == 0) {
    json_decref(g->commands);
    free(g);
  }
}

/* "exited with exit code 3", "was killed by signal 6 (SIGABRT)", or "" when unknown. */
static void gd__exit_words(const gd_game *g, char *out, size_t n) {
  if (g->exit.signal > 0)
    snprintf(out, n, " by signal %d (SIG%s)", g->exit.signal, sigabbrev_np(g->exit.signal) ?: "?");
  else if (g->exit.code >= 0)
    snprintf(out, n, " with exit code %d", g->exit.code);
  else
    out[0] = '\0';
}

/* Reports the game's end once: game_exited or game_crashed, then frees it. */
static void gd__finalize(gd_game *g) {
  if (g->finalized) return;
  g->finalized = true;
  gd_games *h = g->hub;
  uv_timer_stop(&g->finalize);
  uv_timer_stop(&g->reap);
  if (g->welcomed) {
    /* The editor ends a game it ran with SIGKILL as soon as the game's debugger connection
     * closes, which a game that quits by itself does before it exits: that kill is not the
     * game's own status, which is then unknown (run_and_capture starts games itself and knows). */
    if (g->exiting && g->exit.signal == SIGKILL && !g->exit.stopped) g->exit.signal = 0;
    bool crashed = !g->exiting && !g->exit.stopped;
    const char *by = g->exiting ? "self" : g->exit.stopped ? "stopped" : "crash";
    char how[64];
    gd__exit_words(g, how, sizeof how);
    char msg[1400];
    snprintf(msg, sizeof msg, "game %d (%s, pid %d) %s%s%s", g->id, g->scene[0] ? g->scene : "?",
             g->pid, crashed ? "crashed" : g->exiting ? "exited" : "was stopped", how,
             crashed && !how[0] ? ": its runtime agent's connection dropped without an exit" : "");
    const char *severity = crashed ? "error" : g->exiting && (g->exit.code > 0 || g->exit.signal > 0) ? "warning" : "info";
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:I}", "kind",
                          crashed ? "game_crashed" : "game_exited", "severity", severity,
                          "message", msg, "t_ms", (json_int_t)g->ended_unix_ms, "pid", g->pid,
                          "scene", g->scene, "by", by, "duration_ms",
                          (json_int_t)(g->ended_unix_ms - g->started_unix_ms));
    json_object_set_new(e, "exit_code", g->exit.code >= 0 ? json_integer(g->exit.code) : json_null());
    json_object_set_new(e, "signal", g->exit.signal > 0 ? json_integer(g->exit.signal) : json_null());
    if (crashed) json_object_set_new(e, "last_output", gd__tail(h, g->id));
    gd_info("game: %s", msg);
    json_t *summary = json_pack("{s:i, s:i, s:s, s:s, s:O, s:O, s:b, s:I}", "id", g->id, "pid",
                                g->pid, "scene", g->scene, "by", by, "exit_code",
                                json_object_get(e, "exit_code"), "signal",
                                json_object_get(e, "signal"), "crashed", crashed,
                                "exited_unix_ms", (json_int_t)g->ended_unix_ms);
    json_array_append_new(h->exited, summary);
    while (json_array_size(h->exited) > GD_GAMES_KEEP_EXITED) json_array_remove(h->exited, 0);
    gd__lifecycle(h, e, g->id);
    json_decref(e);
  }
  gd__unlink(h, g);
  gd_bridge_close(&g->bridge);
  uv_close((uv_handle_t *)&g->finalize, gd__timer_closed);
  uv_close((uv_handle_t *)&g->reap, gd__timer_closed);
  if (g->pidfd >= 0 && !uv_is_closing((uv_handle_t *)&g->exit_poll))
    uv_close((uv_handle_t *)&g->exit_poll, gd__timer_closed);
}

/* The end is reported once both the daemon's own read of the exit status is over and the
 * editor has spoken (or will not: the wait ran out, the daemon is closing). */
static void gd__maybe_finalize(gd_game *g, bool wait_over) {
  if (!g->ended || g->finalized) return;
  g->wait_over |= wait_over;
  if (g->reap_done && (g->exit.editor_said || g->wait_over || g->hub->closing)) gd__finalize(g);
}

/* ---- game processes the daemon started ------------------------------------------------------ */

#define GD_PROC_LINE_MAX 4096
#define GD_PROC_EARLY_MAX 200

struct gd_game_proc {
  uv_process_t proc; /* first: handles point back here */
  uv_pipe_t out, err;
  uv_timer_t kill_timer;
  int open;
  gd_games *hub;
  int pid;
  bool exited, stop_requested;
  bool had_game;     /* its runtime agent said hello (its end is that game's to report) */
  gd_lines lines[2]; /* stdout, stderr */
  json_t *early; /* its lines before its agent said hello (reported if it never does) */
  gd_game_proc *next;
};

static void gd__proc_closed(uv_handle_t *h);

static gd_game *gd__game_by_pid(gd_games *h, int pid) {
  for (gd_game *g = h->games; g; g = g->next)
    if (g->pid == pid && !g->finalized) return g;
  return NULL;
}

static json_t *gd__line_entry(int stream, const char *line) {
  return json_pack("{s:s, s:s, s:s, s:I}", "kind", stream == 2 ? "stderr" : "stdout", "severity",
                   gd_lines_severity(line), "message", line, "t_ms", (json_int_t)gd__unix_ms());
}

/* One line the process printed (stream 1 or 2). */
static void gd__proc_line(gd_game_proc *p, int stream, const char *line) {
  gd_game *g = gd__game_by_pid(p->hub, p->pid);
  /* While its agent is connected it reports all of this, structured (Godot's crash handler's
   * report too: the agent's logger sends it before the process dies); after the link dropped,
   * what still comes is only here. */
  if (g && g->welcomed && g->ended) {
    gd_output_add(p->hub->out, "game", g->id, gd__line_entry(stream, line));
  } else if (!g || !g->welcomed) {
    if (json_array_size(p->early) >= GD_PROC_EARLY_MAX) json_array_remove(p->early, 0);
    json_array_append_new(p->early, gd__line_entry(stream, line));
  } /* else: its agent reports it, structured */
}

static void gd__proc_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0;
}

static void gd__proc_stdout(void *ud, const char *line, size_t len) {
  (void)len;
  gd__proc_line(ud, 1, line);
}

static void gd__proc_stderr(void *ud, const char *line, size_t len) {
  (void)len;
  gd__proc_line(ud, 2, line);
}

static void gd__proc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd_game_proc *p = s->data;
  if (n > 0) gd_lines_feed(&p->lines[s == (uv_stream_t *)&p->err], buf->base, (size_t)n);
  free(buf->base);
  if (n < 0 && !uv_is_closing((uv_handle_t *)s)) uv_close((uv_handle_t *)s, gd__proc_closed);
}

static void gd__proc_closed(uv_handle_t *h) {
  gd_game_proc *p = h->data;
  if (--p->open) return;
  gd_games *hub = p->hub;
  for (gd_game_proc **pp = &hub->procs; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  json_decref(p->early);
  gd_lines_free(&p->lines[0]);
  gd_lines_free(&p->lines[1]);
  free(p);
}

static void gd__proc_exit(uv_process_t *proc, int64_t status, int term_signal) {
  gd_game_proc *p = proc->data;
  gd_games *h = p->hub;
  p->exited = true;
  uv_timer_stop(&p->kill_timer);
  /* The exit can be seen before the pipes are read to their end: read what is left now, so
   * the crash handler's last lines come before the end is reported. */
  uv_pipe_t *pipes[2] = {&p->out, &p->err};
  for (int s = 0; s < 2; s++) {
    uv_os_fd_t fd;
    if (uv_is_closing((uv_handle_t *)pipes[s]) || uv_fileno((uv_handle_t *)pipes[s], &fd) != 0)
      continue;
    char chunk[8192];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0) {
      uv_buf_t b = {.base = malloc((size_t)got), .len = (size_t)got};
      if (!b.base) break;
      memcpy(b.base, chunk, (size_t)got);
      gd__proc_read((uv_stream_t *)pipes[s], got, &b); /* frees b.base */
    }
  }
  for (int s = 0; s < 2; s++) gd_lines_flush(&p->lines[s]); /* printed without a newline */
  gd_game *g = gd__game_by_pid(h, p->pid);
  if (g && g->welcomed) {
    g->exit.read = true;
    g->exit.code = term_signal ? -1 : (int)status;
    g->exit.signal = term_signal;
    g->exit.stopped = p->stop_requested;
    g->exit.editor_said = true; /* the parent's word: nothing more to wait for */
    g->reap_done = true;
    gd__maybe_finalize(g, false);
  } else if (p->had_game) {
    /* Its game already reported its end (its link closed long before the process exited). */
    gd_info("game: process %d %s %d", p->pid, term_signal ? "ended by signal" : "exited with code",
            term_signal ? term_signal : (int)status);
  } else {
    /* Its agent never connected (a broken autoload, a crash at start): say so, with what it
     * printed. */
    char msg[300];
    if (term_signal)
      snprintf(msg, sizeof msg, "a game process (pid %d) %s by signal %d (SIG%s) before its runtime agent connected",
               p->pid, p->stop_requested ? "was stopped" : "died", term_signal,
               sigabbrev_np(term_signal) ?: "?");
    else
      snprintf(msg, sizeof msg, "a game process (pid %d) exited with code %d before its runtime agent connected",
               p->pid, (int)status);
    bool bad = !p->stop_requested && (term_signal || status != 0);
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:O}", "kind",
                          bad ? "game_crashed" : "game_exited", "severity", bad ? "error" : "warning",
                          "message", msg, "t_ms", (json_int_t)gd__unix_ms(), "pid", p->pid, "by",
                          p->stop_requested ? "stopped" : bad ? "crash" : "self", "last_output",
                          p->early);
    json_object_set_new(e, "exit_code", term_signal ? json_null() : json_integer((json_int_t)status));
    json_object_set_new(e, "signal", term_signal ? json_integer(term_signal) : json_null());
    gd_info("game: %s", msg);
    gd__lifecycle(h, e, 0);
    json_decref(e);
  }
  uv_close((uv_handle_t *)&p->proc, gd__proc_closed);
  uv_close((uv_handle_t *)&p->kill_timer, gd__proc_closed);
  /* The pipes close at their EOF (below) or here if they are still open. */
  if (!uv_is_closing((uv_handle_t *)&p->out)) uv_close((uv_handle_t *)&p->out, gd__proc_closed);
  if (!uv_is_closing((uv_handle_t *)&p->err)) uv_close((uv_handle_t *)&p->err, gd__proc_closed);
}

int gd_games_launch(gd_games *h, const char *file, const char **args, char **env,
                    const char *cwd, char *err, size_t n) {
  gd_game_proc *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(err, n, "out of memory");
    return -1;
  }
  p->hub = h;
  p->early = json_array();
  if (gd_lines_init(&p->lines[0], GD_PROC_LINE_MAX, gd__proc_stdout, p) != 0 ||
      gd_lines_init(&p->lines[1], GD_PROC_LINE_MAX, gd__proc_stderr, p) != 0) {
    gd_lines_free(&p->lines[0]);
    json_decref(p->early);
    free(p);
    snprintf(err, n, "out of memory");
    return -1;
  }
  uv_pipe_init(h->loop, &p->out, 0);
  uv_pipe_init(h->loop, &p->err, 0);
  uv_timer_init(h->loop, &p->kill_timer);
  p->out.data = p->err.data = p->proc.data = p->kill_timer.data = p;
  p->open = 4;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_IGNORE},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->out},
      {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->err},
  };
  uv_process_options_t opt = {
      .exit_cb = gd__proc_exit,
      .file = file,
      .args = (char **)args,
      .env = env,
      .cwd = cwd,
      .flags = UV_PROCESS_DETACHED, /* its own process group, stopped as one */
      .stdio_count = 3,
      .stdio = stdio,
  };
  int rc = uv_spawn(h->loop, &p->proc, &opt);
  p->next = h->procs;
  h->procs = p;
  if (rc != 0) {
    snprintf(err, n, "cannot start the game: %s", uv_strerror(rc));
    uv_close((uv_handle_t *)&p->proc, gd__proc_closed);
    uv_close((uv_handle_t *)&p->kill_timer, gd__proc_closed);
    uv_close((uv_handle_t *)&p->out, gd__proc_closed);
    uv_close((uv_handle_t *)&p->err, gd__proc_closed);
    return -1;
  }
  p->pid = p->proc.pid;
  uv_read_start((uv_stream_t *)&p->out, gd__proc_alloc, gd__proc_read);
  uv_read_start((uv_stream_t *)&p->err, gd__proc_alloc, gd__proc_read);
  gd_info("game: started a game process itself (pid %d)", p->pid);
  return p->pid;
}

static void gd__proc_kill(uv_timer_t *t) {
  gd_game_proc *p = t->data;
  if (!p->exited) kill(-p->pid, SIGKILL);
}

bool gd_games_stop_launched(gd_games *h, int pid) {
  for (gd_game_proc *p = h->procs; p; p = p->next)
    if (p->pid == pid && !p->exited) {
      if (!p->stop_requested) {
        p->stop_requested = true;
        kill(-pid, SIGTERM);
        uv_timer_start(&p->kill_timer, gd__proc_kill, GD_GAMES_KILL_MS, 0);
      }
      return true;
    }
  return false;
}

int gd_games_parse_zombie(const char *stat, int *status) {
  const char *p = strrchr(stat, ')'); /* the command name may hold spaces and parentheses */
  if (!p || p[1] != ' ' || !p[2]) return -1;
  if (p[2] != 'Z') return 0;
  /* After ") ": field 3 (state) is the first; exit_code is field 52. */
  const char *f = p + 2;
  for (int field = 3; field < 52; field++) {
    f = strchr(f, ' ');
    if (!f) return -1;
    f++;
  }
  char *end;
  long v = strtol(f, &end, 10);
  if (end == f) return -1;
  *status = (int)v;
  return 1;
}

/* One look at /proc/PID/stat: true once the read is over (the status, or no way to get it). */
static bool gd__reap_once(gd_game *g) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", g->pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  int status = 0;
  int rc = n ? gd_games_parse_zombie(buf, &status) : -1;
  if (rc == 0 && ++g->exit.reads < GD_GAMES_REAP_POLLS) return false; /* not a zombie yet */
  uv_timer_stop(&g->reap);
  g->reap_done = true;
  if (rc == 1) {
    g->exit.read = true;
    if (WIFEXITED(status)) g->exit.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) g->exit.signal = WTERMSIG(status);
  }
  return true;
}

static void gd__reap_tick(uv_timer_t *t) {
  gd_game *g = t->data;
  if (gd__reap_once(g)) gd__maybe_finalize(g, false);
}

/* The game's pidfd is readable: it has exited (a zombie now, until the editor reaps it). */
static void gd__on_exit_poll(uv_poll_t *h, int status, int events) {
  (void)status, (void)events;
  gd_game *g = h->data;
  uv_poll_stop(h);
  if (g->reap_done) return;
  if (!gd__reap_once(g)) uv_timer_start(&g->reap, gd__reap_tick, 1, 1);
  else gd__maybe_finalize(g, false);
}

static void gd__finalize_timer(uv_timer_t *t) { gd__maybe_finalize(t->data, true); }

/* An exit the editor reported before this game's record knew its pid. */
static void gd__take_note(gd_game *g) {
  gd_games *h = g->hub;
  for (size_t i = 0; i < sizeof h->notes / sizeof h->notes[0]; i++)
    if (h->notes[i].pid == g->pid && g->pid > 0) {
      g->exit.editor_said = true;
      if (!g->exit.read && h->notes[i].code > 0) g->exit.code = h->notes[i].code;
      g->exit.stopped = h->notes[i].stopped;
      h->notes[i].pid = 0;
    }
}

static int gd__accept(void *ud, const gd_bridge_hello *h, char *err, size_t err_size) {
  gd_game *g = ud;
  if (strcmp(h->channel, "game") != 0) {
    snprintf(err, err_size, "/game takes a game's runtime agent (hello channel \"game\")");
    return -1;
  }
  if (g->welcomed) {
    snprintf(err, err_size, "this link already said hello");
    return -1;
  }
  g->id = g->hub->next_id++;
  g->bridge.welcome_extra = json_pack("{s:s, s:i}", "channel", "game", "game", g->id);
  return 0;
}

static void gd__on_session(void *ud, const gd_bridge_hello *h) {
  gd_game *g = ud;
  g->welcomed = true;
  g->pid = h->pid;
  g->editor_pid = h->editor_pid;
  snprintf(g->session, sizeof g->session, "%s", h->session);
  json_t *raw = h->raw; /* the game-only fields of its hello */
  const char *s = json_string_value(json_object_get(raw, "scene"));
  snprintf(g->scene, sizeof g->scene, "%s", s ? s : "");
  s = json_string_value(json_object_get(raw, "renderer"));
  snprintf(g->renderer, sizeof g->renderer, "%s", s ? s : "");
  g->headless = json_is_true(json_object_get(raw, "headless"));
  json_t *cmds = json_object_get(raw, "commands");
  if (json_is_array(cmds)) g->commands = json_incref(cmds);
  g->started_unix_ms = gd__unix_ms();
  g->started_ms = uv_now(g->hub->loop);
  gd__take_note(g);
  for (gd_game_proc *p = g->hub->procs; p; p = p->next)
    if (p->pid == g->pid) { /* the banner; the agent reports from here */
      json_array_clear(p->early);
      p->had_game = true;
    }
  int fd = (int)syscall(SYS_pidfd_open, g->pid, 0);
  if (fd >= 0 && uv_poll_init(g->hub->loop, &g->exit_poll, fd) == 0) {
    g->pidfd = fd;
    g->exit_poll.data = g;
    g->open_timers++;
    uv_poll_start(&g->exit_poll, UV_READABLE, gd__on_exit_poll);
  } else if (fd >= 0) {
    close(fd);
  }
  char msg[1200];
  snprintf(msg, sizeof msg, "game %d started: %s (pid %d)", g->id, g->scene[0] ? g->scene : "?",
           g->pid);
  gd_info("game: %s", msg);
  json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s, s:b, s:s}", "kind", "game_started",
                        "severity", "info", "message", msg, "t_ms", (json_int_t)g->started_unix_ms,
                        "pid", g->pid, "scene", g->scene, "headless", g->headless, "renderer",
                        g->renderer);
  gd__lifecycle(g->hub, e, g->id);
  json_decref(e);
}

static void gd__on_session_lost(void *ud) {
  gd_game *g = ud;
  g->ended = true;
  g->ended_unix_ms = gd__unix_ms();
}

static void gd__add_output(gd_game *g, json_t *data) {
  int64_t dropped = gd_output_add_event(g->hub->out, "game", g->id, data);
  if (dropped > 0) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "%lld output entries of game %d were dropped inside the game (it printed faster "
             "than they could be sent)",
             (long long)dropped, g->id);
    gd_output_add(g->hub->out, "game", g->id,
                  json_pack("{s:s, s:s, s:s, s:I}", "kind", "dropped", "severity", "warning",
                            "message", msg, "t_ms", (json_int_t)gd__unix_ms()));
  }
}

static void gd__on_event(void *ud, const char *event, json_t *data) {
  gd_game *g = ud;
  if (strcmp(event, "output") == 0) {
    gd__add_output(g, data);
  } else if (strcmp(event, "exiting") == 0) {
    g->exiting = true;
  } else if (strcmp(event, "scene_changed") == 0) {
    const char *s = json_string_value(json_object_get(data, "scene"));
    snprintf(g->scene, sizeof g->scene, "%s", s ? s : "");
  }
}

static void gd__on_link_closed(void *ud) {
  gd_game *g = ud;
  if (!g->welcomed) { /* never said hello (or was rejected): nothing to report */
    gd__finalize(g);
    return;
  }
  if (!g->ended) {
    g->ended = true;
    g->ended_unix_ms = gd__unix_ms();
  }
  if (g->hub->closing || g->pid <= 0) {
    g->reap_done = true;
  } else if (g->pidfd < 0 && !g->reap_done) {
    uv_timer_start(&g->reap, gd__reap_tick, 0, 1);
  } /* else the pidfd says when it exits (a clean exit may take a while after the link) */
  uv_timer_start(&g->finalize, gd__finalize_timer, GD_GAMES_EXIT_WAIT_MS, 0);
  gd__maybe_finalize(g, false);
}

void gd_games_link_open(gd_games *h, gd_bridge_link *link) {
  gd_game *g = calloc(1, sizeof *g);
  if (!g) {
    link->close(link->ctx, 1011, "out of memory");
    return;
  }
  g->hub = h;
  g->exit.code = -1;
  g->pidfd = -1;
  gd_bridge_owner owner = {.ud = g,
                           .accept = gd__accept,
                           .on_session = gd__on_session,
                           .on_session_lost = gd__on_session_lost,
                           .on_event = gd__on_event,
                           .on_link_closed = gd__on_link_closed};
  gd_bridge_init(&g->bridge, h->loop, &owner);
  uv_timer_init(h->loop, &g->finalize);
  uv_timer_init(h->loop, &g->reap);
  g->finalize.data = g->reap.data = g;
  g->open_timers = 2;
  g->next = h->games;
  h->games = g;
  gd_bridge_link_open(&g->bridge, link);
}

void gd_games_editor_exit(gd_games *h, int pid, int code, bool stopped) {
  for (gd_game *g = h->games; g; g = g->next)
    if (g->pid == pid && !g->finalized) {
      g->exit.editor_said = true;
      /* The editor's code is only a fallback: when its own bookkeeping reaped the game first
       * it reports 0 for any exit (Godot's OS.get_process_exit_code after ECHILD). */
      if (!g->exit.read && code > 0) g->exit.code = code;
      g->exit.stopped = stopped;
      gd__maybe_finalize(g, false);
      return;
    }
  /* Not known (yet): the game may not have said hello, or never will (it died at start). */
  size_t slot = 0;
  for (size_t i = 0; i < sizeof h->notes / sizeof h->notes[0]; i++)
    if (h->notes[i].at_ms < h->notes[slot].at_ms) slot = i;
  h->notes[slot] = (gd_games_exit_note){.pid = pid, .code = code, .stopped = stopped,
                                        .at_ms = uv_now(h->loop) + 1};
  if (!stopped && code != 0) {
    char msg[200];
    snprintf(msg, sizeof msg,
             "a game process (pid %d) ended with exit code %d before its runtime agent "
             "connected (see /logs for what it printed)",
             pid, code);
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:s}", "kind", "game_crashed",
                          "severity", "error", "message", msg, "t_ms", (json_int_t)gd__unix_ms(),
                          "pid", pid, "exit_code", code, "by", "crash");
    gd__lifecycle(h, e, 0);
    json_decref(e);
  }
}

gd_game *gd_games_find(gd_games *h, int id, const char **code, char *err, size_t n) {
  for (gd_game *g = h->games; g; g = g->next) {
    if (!g->welcomed || g->ended) continue;
    if (id == 0 || g->id == id) return g;
  }
  *code = GD_E_NOT_FOUND;
  if (id > 0) {
    size_t i;
    json_t *x;
    json_array_foreach(h->exited, i, x) if (json_integer_value(json_object_get(x, "id")) == id) {
      snprintf(err, n, "game %d is no longer running (it %s); see get_game_state", id,
               json_is_true(json_object_get(x, "crashed")) ? "crashed" : "exited");
      return NULL;
    }
    snprintf(err, n, "no running game has id %d; see get_game_state", id);
  } else {
    snprintf(err, n,
             "no game is running under godotd; start one with play (or run_and_capture), and "
             "check get_game_state");
  }
  return NULL;
}

int gd_games_running(const gd_games *h) {
  int n = 0;
  for (const gd_game *g = h->games; g; g = g->next) n += g->welcomed && !g->ended;
  return n;
}

int gd_games_call(gd_game *g, const char *command, json_t *params, uint64_t timeout_ms,
                  gd_bridge_reply_cb cb, void *ud) {
  return gd_bridge_call(&g->bridge, command, params, timeout_ms, cb, ud);
}

json_t *gd_game_json(const gd_game *g) {
  return json_pack("{s:i, s:i, s:i, s:s, s:b, s:s, s:I, s:I}", "id", g->id, "pid", g->pid,
                   "editor_pid", g->editor_pid, "scene", g->scene, "headless", g->headless,
                   "renderer", g->renderer, "started_unix_ms", (json_int_t)g->started_unix_ms,
                   "uptime_ms", (json_int_t)(uv_now(g->hub->loop) - g->started_ms));
}

json_t *gd_games_exited_json(const gd_games *h) { return json_deep_copy(h->exited); }

void gd_games_close(gd_games *h) {
  h->closing = true;
  for (gd_game_proc *p = h->procs; p; p = p->next)
    if (!p->exited) kill(-p->pid, SIGKILL);
  for (gd_game *g = h->games, *next; g; g = next) {
    next = g->next;
    /* A game whose link already closed waits on timers for its exit status: the daemon is
     * going, so it is reported now (and freed) instead of its timers being closed under it. */
    if (g->ended && !g->finalized) {
      g->reap_done = true;
      gd__finalize(g);
      continue;
    }
    gd_bridge_drop_session(&g->bridge, "daemon stopping");
  }
}

void gd_games_free(gd_games *h) {
  json_decref(h->exited);
  h->exited = NULL;
}
