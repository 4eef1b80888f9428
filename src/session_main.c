/* session_main: `godotd session --project PATH [--heartbeat-ms N] [-- godot args]` — a headless
 * Godot session (session.h) driven from a shell pipeline or any language (docs/session.md).
 *
 * Owns the CLI's wire: NDJSON JSON-RPC requests on its stdin (a pipe, a file or a terminal),
 * their responses with the caller's own ids on its stdout, and the session's diagnostics, banner
 * and end as JSON-RPC notifications (session/diagnostic, session/banner, session/exited) on the
 * same stdout, one object per line. It exits once its stdin closed (requests still in flight
 * are answered first) and the child stopped. Calls session, rpcline, lines, godot, registry,
 * log, jansson, libuv.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "errors.h"
#include "godot.h"
#include "lines.h"
#include "log.h"
#include "registry.h"
#include "rpcline.h"
#include "session.h"
#include "session_main.h"

/* A request line longer than this is refused (the addon's own message limit is below it). */
#define GD_CLI_LINE_MAX ((size_t)68 << 20)

typedef struct gd__cli {
  uv_loop_t *loop;
  gd_session *session;    /* NULL once it ended */
  json_t *last_describe;  /* the session's describe as it ended */
  json_t *exit_status;
  union {
    uv_pipe_t pipe;
    uv_tty_t tty;
  } in;
  uv_fs_t fs_read;
  char fs_buf[65536];
  int64_t fs_offset;
  bool in_is_file;
  gd_lines lines;
  uv_signal_t sigs[3];    /* SIGINT, SIGTERM, SIGHUP: stop the child first, then exit */
  bool stdin_closed;
  size_t in_flight;
  int status;             /* the CLI's exit status */
} gd__cli;

/* A caller's request waiting for its answer. */
typedef struct gd__call {
  gd__cli *cli;
  json_t *id;             /* NULL: a notification (no response written) */
} gd__call;

static void gd__emit(json_t *msg) {
  char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
  if (!text) return;
  fputs(text, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  free(text);
}

static void gd__notify(const char *method, json_t *params) {
  json_t *msg = json_pack("{s:s, s:s, s:O}", "jsonrpc", "2.0", "method", method, "params",
                          params ? params : json_null());
  gd__emit(msg);
  json_decref(msg);
}

static void gd__maybe_stop(gd__cli *cli) {
  if (cli->stdin_closed && cli->in_flight == 0 && cli->session) gd_session_stop(cli->session);
}

static void gd__replied(void *ud, const char *code, const char *message, json_t *res) {
  gd__call *call = ud;
  gd__cli *cli = call->cli;
  if (call->id) {
    json_t *msg = code ? gd_rpcline_error(call->id, code, message, res)
                       : gd_rpcline_result(call->id, json_incref(res));
    gd__emit(msg);
    json_decref(msg);
  }
  json_decref(call->id);
  free(call);
  cli->in_flight--;
  gd__maybe_stop(cli);
}

static void gd__request(gd__cli *cli, const char *line, size_t len) {
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
  if (i == len) return; /* blank lines are not requests */
  json_t *req = NULL;
  if (gd_rpcline_request(line, len, &req) != 0) {
    gd__emit(req);
    json_decref(req);
    return;
  }
  gd__call *call = calloc(1, sizeof *call);
  if (!call) {
    json_decref(req);
    return;
  }
  call->cli = cli;
  call->id = json_incref(json_object_get(req, "id"));
  const char *method = json_string_value(json_object_get(req, "method"));
  json_t *params = json_object_get(req, "params");
  cli->in_flight++;
  if (cli->session) {
    gd_session_request(cli->session, method, params, gd__replied, call);
  } else if (strcmp(method, "describe") == 0 && cli->last_describe) {
    gd__replied(call, NULL, NULL, cli->last_describe);
  } else {
    gd__replied(call, GD_E_SESSION_ENDED, "the session's Godot is no longer running",
                cli->exit_status);
  }
  json_decref(req);
}

static void gd__line(void *ud, const char *line, size_t len) {
  gd__request(ud, line, len);
}

/* ---- stdin: a pipe or terminal (stream reads) or a file (fs reads) ----------------------- */

static void gd__in_closed(uv_handle_t *h) { (void)h; }

static void gd__stdin_end(gd__cli *cli) {
  gd_lines_flush(&cli->lines);
  cli->stdin_closed = true;
  gd__maybe_stop(cli);
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  static char slab[65536];
  *buf = uv_buf_init(slab, sizeof slab);
}

static void gd__on_stdin(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
  gd__cli *cli = st->data;
  if (n > 0) gd_lines_feed(&cli->lines, buf->base, (size_t)n);
  if (n >= 0) return;
  uv_close((uv_handle_t *)st, gd__in_closed);
  gd__stdin_end(cli);
}

static void gd__on_file(uv_fs_t *req) {
  gd__cli *cli = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  if (n <= 0) {
    gd__stdin_end(cli);
    return;
  }
  gd_lines_feed(&cli->lines, cli->fs_buf, (size_t)n);
  cli->fs_offset += n;
  uv_buf_t buf = uv_buf_init(cli->fs_buf, sizeof cli->fs_buf);
  uv_fs_read(cli->loop, &cli->fs_read, 0, &buf, 1, cli->fs_offset, gd__on_file);
}

static int gd__open_stdin(gd__cli *cli) {
  uv_handle_type type = uv_guess_handle(0);
  int rc;
  if (type == UV_FILE) {
    cli->in_is_file = true;
    cli->fs_read.data = cli;
    uv_buf_t buf = uv_buf_init(cli->fs_buf, sizeof cli->fs_buf);
    return uv_fs_read(cli->loop, &cli->fs_read, 0, &buf, 1, 0, gd__on_file);
  }
  if (type == UV_TTY) {
    rc = uv_tty_init(cli->loop, &cli->in.tty, 0, 1);
  } else {
    rc = uv_pipe_init(cli->loop, &cli->in.pipe, 0);
    if (rc == 0) rc = uv_pipe_open(&cli->in.pipe, 0);
  }
  if (rc != 0) return rc;
  cli->in.pipe.data = cli;
  return uv_read_start((uv_stream_t *)&cli->in, gd__alloc, gd__on_stdin);
}

/* ---- the session's callbacks ------------------------------------------------------------- */

static void gd__on_diag(void *ud, json_t *record) {
  (void)ud;
  gd__notify("session/diagnostic", record);
}

static void gd__on_banner(void *ud, json_t *banner) {
  (void)ud;
  gd__notify("session/banner", banner);
}

static void gd__on_notification(void *ud, const char *method, json_t *params) {
  (void)ud;
  gd__notify(method, params);
}

static void gd__sig_closed(uv_handle_t *h) { (void)h; }

/* Interrupted: the child is stopped the graceful way too, and the CLI ends with it (stdin may
 * stay open: a terminal). */
static void gd__on_signal(uv_signal_t *sig, int signum) {
  gd__cli *cli = sig->data;
  gd_warn("session: %s: stopping Godot", strsignal(signum));
  if (!cli->stdin_closed) {
    cli->stdin_closed = true;
    if (!cli->in_is_file) {
      uv_read_stop((uv_stream_t *)&cli->in);
      if (!uv_is_closing((uv_handle_t *)&cli->in)) uv_close((uv_handle_t *)&cli->in, gd__in_closed);
    }
  }
  if (cli->session) gd_session_stop(cli->session);
}

static void gd__on_exit(void *ud, json_t *status) {
  gd__cli *cli = ud;
  for (int i = 0; i < 3; i++)
    if (!uv_is_closing((uv_handle_t *)&cli->sigs[i])) uv_close((uv_handle_t *)&cli->sigs[i], gd__sig_closed);
  cli->last_describe = gd_session_describe(cli->session);
  json_object_set_new(cli->last_describe, "state", json_string("exited"));
  cli->exit_status = json_incref(status);
  cli->session = NULL;
  gd__notify("session/exited", status);
  const char *by = json_string_value(json_object_get(status, "by"));
  json_t *code = json_object_get(status, "exit_code");
  bool clean = by && strcmp(by, "quit") == 0 && json_is_integer(code) && json_integer_value(code) == 0;
  cli->status = clean ? 0 : 1;
}

static int64_t gd__unix_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A line of the import's output, as a diagnostic record (stream "import"). */
static void gd__on_import_line(void *ud, const char *text) {
  (void)ud;
  static gd_rpcline_state st;
  json_t *rec = gd_rpcline_record(&st, "import", text, gd__unix_ms());
  gd__notify("session/diagnostic", rec);
  json_decref(rec);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void gd__usage(FILE *f) {
  fprintf(f,
          "usage: godotd session --project PATH [--godot BIN] [--heartbeat-ms N]\n"
          "                      [--quit-timeout-ms N] [--import auto|always|never]\n"
          "                      [--addon-dir DIR] [-- godot args...]\n"
          "A headless Godot driven by JSON-RPC: one request per line on stdin, responses and\n"
          "session/* notifications (banner, diagnostic, exited) one per line on stdout.\n"
          "PATH defaults to $GODOT_PROJECT, BIN to $GODOT_BIN (then the private install, PATH).\n"
          "Methods and wire format: docs/session.md.\n");
}

static int gd__number(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') return -1;
  *out = v;
  return 0;
}

int gd_session_main(int argc, char **argv) {
  static const struct option opts[] = {
      {"project", required_argument, NULL, 'p'},     {"godot", required_argument, NULL, 'g'},
      {"heartbeat-ms", required_argument, NULL, 1},  {"quit-timeout-ms", required_argument, NULL, 2},
      {"addon-dir", required_argument, NULL, 3},     {"registry", required_argument, NULL, 4},
      {"import", required_argument, NULL, 5},
      {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0}};
  const char *project = getenv("GODOT_PROJECT"), *godot = NULL, *addon_dir = NULL;
  const char *registry = GODOTD_SOURCE_ROOT "/schema/commands";
  uint64_t heartbeat = 0, quit_timeout = 0;
  const char *import = "auto";
  int c;
  optind = 2;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'p': project = optarg; break;
    case 'g': godot = optarg; break;
    case 1:
    case 2:
      if (gd__number(optarg, c == 1 ? &heartbeat : &quit_timeout) != 0) {
        fprintf(stderr, "godotd session: %s wants a number of ms, not '%s'\n", argv[optind - 2],
                optarg);
        return 2;
      }
      break;
    case 3: addon_dir = optarg; break;
    case 4: registry = optarg; break;
    case 5:
      if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
        fprintf(stderr, "godotd session: --import takes auto, always or never\n");
        return 2;
      }
      import = optarg;
      break;
    case 'h': gd__usage(stdout); return 0;
    default: gd__usage(stderr); return 2;
    }
  }
  if (!project || !*project) {
    fprintf(stderr, "godotd session: no project (--project PATH or $GODOT_PROJECT)\n");
    gd__usage(stderr);
    return 2;
  }
  gd_log_init();
  gd_godot_bin bin;
  char err[1024];
  if (gd_godot_locate(godot, &bin, err, sizeof err) != 0) {
    fprintf(stderr, "godotd session: %s\n", err);
    return 2;
  }
  char addon[PATH_MAX];
  snprintf(addon, sizeof addon, "%s", addon_dir ? addon_dir : GODOTD_SOURCE_ROOT "/addons/godotd");
  gd_registry reg;
  if (gd_registry_load(&reg, registry, err, sizeof err) != 0) {
    fprintf(stderr, "godotd session: registry: %s\n", err);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  /* A project no editor ever opened has no imported assets: import them first (a fresh
   * checkout in CI), each line of Godot's output a diagnostic record of stream "import". */
  char real[PATH_MAX];
  if (realpath(project, real) && (strcmp(import, "always") == 0 ||
                                  (strcmp(import, "auto") == 0 && gd_session_needs_import(real)))) {
    uint64_t t0 = uv_hrtime();
    int code = gd_session_import(bin.path, real, gd__on_import_line, NULL);
    char text[160];
    snprintf(text, sizeof text, "import of %.100s finished in %llu ms (exit code %d)", real,
             (unsigned long long)((uv_hrtime() - t0) / 1000000), code);
    json_t *rec = json_pack("{s:I, s:s, s:s, s:s}", "ts", (json_int_t)gd__unix_ms(), "severity",
                            code == 0 ? "info" : "warning", "stream", "import", "text", text);
    gd__notify("session/diagnostic", rec);
    json_decref(rec);
  }
  gd__cli cli = {.loop = uv_default_loop()};
  if (gd_lines_init(&cli.lines, GD_CLI_LINE_MAX, gd__line, &cli) != 0) return 1;
  gd_session_opts so = {.godot = bin.path,
                        .project = project,
                        .addon_dir = addon,
                        .extra_args = (const char *const *)(argv + optind),
                        .heartbeat_ms = heartbeat,
                        .quit_grace_ms = quit_timeout,
                        .registry = &reg};
  gd_session_cbs cbs = {.diagnostic = gd__on_diag,
                        .banner = gd__on_banner,
                        .notification = gd__on_notification,
                        .exited = gd__on_exit};
  cli.session = gd_session_start(cli.loop, &so, &cbs, &cli, err, sizeof err);
  if (!cli.session) {
    fprintf(stderr, "godotd session: %s\n", err);
    gd_registry_free(&reg);
    gd_lines_free(&cli.lines);
    return 2;
  }
  int signums[3] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; i++) {
    uv_signal_init(cli.loop, &cli.sigs[i]);
    cli.sigs[i].data = &cli;
    uv_signal_start(&cli.sigs[i], gd__on_signal, signums[i]);
  }
  int rc = gd__open_stdin(&cli);
  if (rc != 0) {
    fprintf(stderr, "godotd session: cannot read stdin: %s\n", uv_strerror(rc));
    cli.stdin_closed = true;
    gd_session_stop(cli.session);
  }
  uv_run(cli.loop, UV_RUN_DEFAULT);
  uv_loop_close(cli.loop);
  json_decref(cli.last_describe);
  json_decref(cli.exit_status);
  gd_lines_free(&cli.lines);
  gd_registry_free(&reg);
  return cli.status;
}
