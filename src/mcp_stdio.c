/* mcp_stdio: `godotd mcp --project PATH` — MCP over stdio (spec basic/transports#stdio) for
 * agents that launch their servers as subprocesses.
 *
 * Owns the client side of a bridge from stdio to the daemon's Streamable HTTP endpoint: it
 * finds the daemon serving the project (daemon.json) or starts one detached, so the daemon and
 * its editor outlive this process and the next agent session attaches to the same editor; each
 * stdin line (one JSON-RPC message) becomes a POST /mcp, and JSON or SSE answers become stdout
 * lines; the session's GET stream brings notifications.
 *
 * The messages go over a pool of keep-alive connections (HTTP/1.1 persistence, RFC 9112 §9.3),
 * one exchange at a time on each: a message takes an idle connection or opens one. So a long
 * call (an SSE stream open while it runs) holds only its own connection and never delays the
 * others — pipelining would, since the daemon answers a connection's requests in order — and a
 * quick call costs what it costs over Streamable HTTP (no connect and accept per message).
 * GD_STDIO_IDLE_CONNS idle ones stay open for the next messages. An initialize and
 * notifications/initialized are barriers: nothing else is sent until they are answered, so the
 * daemon sees a session's handshake before the requests that use it.
 *
 * Failures, and what the client sees (never silence for a request: an answer or a JSON-RPC
 * error with its id):
 *   - the daemon does not accept the connection: the message was not sent. The daemon is found
 *     (daemon.json) or started again, and the message goes to it; the agent never sees it.
 *   - 404 for the session (the daemon restarted): not run either. The proxy replays the client's
 *     initialize (its answer is not relayed) and notifications/initialized, reopens the GET
 *     stream, and sends the message again.
 *   - a connection closed before a byte of its answer while the same daemon still runs: the
 *     daemon closes a connection without answering only while it is idle (its keep-alive
 *     timeout, room at its connection cap), so the request never reached it: sent again on a
 *     new connection.
 *   - otherwise (the daemon stopped or restarted while the request was in flight, or a stream
 *     broke after its first event) the answer is lost: a JSON-RPC error, data.code
 *     "daemon_gone"; the request may have run.
 * A message is sent at most 1 + GD_STDIO_RETRIES times (then an error, data.code
 * "connection_closed" or the daemon's own).
 *
 * Ending: stdin closed → what is in flight is finished, the session is ended (DELETE), exit 0.
 * SIGINT, SIGTERM or SIGHUP (how clients such as Claude Code stop their servers) → the session is
 * ended at once (the daemon forgets its calls) and the proxy exits 0 when the daemon has
 * answered, or after GD_STDIO_STOP_MS; a second signal exits at once. Calls instance, auth,
 * llhttp, jansson, libuv, libcrypto (base64 for Mcp-Name).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <llhttp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "instance.h"
#include "mcp_stdio.h"

#define GD_STDIO_MAX_LINE (8u << 20)  /* a message larger than this is refused */
#define GD_STDIO_START_WAIT_MS 30000  /* daemon start → listening */
#define GD_STDIO_RETRIES 2            /* sends of one message after its first; re-attaches in a row */
#define GD_STDIO_STOP_MS 2000         /* after a signal: longest wait for the session's end */
#define GD_STDIO_IDLE_CONNS 8         /* idle keep-alive connections kept (a burst's worth) */

typedef struct gd__proxy gd__proxy;
typedef struct gd__conn gd__conn;

/* What an exchange is for (how its answer is handled). */
typedef enum {
  GD__MSG,    /* a client message */
  GD__INIT,   /* the client's initialize (a barrier) */
  GD__INITED, /* notifications/initialized, the client's or a replay (a barrier) */
  GD__REINIT, /* the client's initialize replayed for a new session (a barrier, silent) */
  GD__STREAM, /* the session's notification stream (GET) */
  GD__DELETE, /* ending the session at exit (silent) */
} gd__kind;

/* One HTTP exchange, from the stdin line (or the proxy's own need) until its answer is relayed
 * or given up; queued while it waits for a connection. */
typedef struct gd__req {
  gd__proxy *px;
  struct gd__req *next;   /* in px's queue */
  gd__conn *conn;         /* carrying it; NULL while queued */
  gd__kind kind;
  bool silent;            /* its answer is not the client's */
  char *body;             /* the JSON-RPC message (POST) */
  size_t body_len;
  json_t *id;             /* a request's id; NULL for a notification or a response */
  int attempt;            /* sends after the first */
  bool sent_session;      /* it carried an Mcp-Session-Id */
  char *modern;           /* a stateless 2026-07-28 message's own header lines, else NULL */
  /* The answer. */
  int status;
  bool answered;          /* a byte of it arrived */
  bool sse;
  bool responded;         /* an SSE event carried the JSON-RPC response (relayed) */
  char field[64];
  size_t field_len;
  bool in_value;
  int which_header;       /* 1 Mcp-Session-Id, 2 Content-Type */
  char session[64];
  char content_type[64];
  char *acc;              /* JSON body, or the SSE bytes not yet framed */
  size_t acc_len, acc_cap;
} gd__req;

/* One keep-alive connection to the daemon: connecting, carrying one exchange, or idle. */
struct gd__conn {
  gd__proxy *px;
  uv_tcp_t tcp;
  uv_connect_t connect;
  llhttp_t parser;
  gd__req *req;           /* the exchange on it; NULL while idle or connecting */
  gd__conn *next;         /* in px->idle */
  unsigned gen;           /* px->gen when it was opened (which attach it belongs to) */
  unsigned sends;         /* exchanges sent on it so far */
  bool idle;              /* in px->idle */
  bool closing;
  bool complete;          /* req's answer is complete (set by the parser's callback) */
  bool keep;              /* ... and the daemon keeps the connection open after it */
};

typedef struct {
  uv_write_t w;
  char *buf;
  unsigned send; /* which of its connection's exchanges it carries */
} gd__write;

struct gd__proxy {
  uv_loop_t *loop;
  char project[4096];
  char self[4096];
  char toolsets[256];
  char token[GD_AUTH_TOKEN_MAX + 2];
  const char *token_file; /* --token-file, or NULL for the project's default */
  char **serve_args;      /* extra options for a daemon this process starts */
  int nserve_args;
  int pid, port;          /* the daemon attached to (daemon.json) */
  char base[192];         /* the project's route prefix on that daemon ("" for its default) */
  unsigned gen;           /* attaches so far: connections of an older one are not reused */
  int attach_rounds;      /* re-attaches since a connection last succeeded */
  bool attaching;
  char session[64];
  char version[32];
  char *init_body;        /* the client's initialize, replayed after a daemon restart */
  bool reiniting;         /* a replayed initialize is queued or in flight */
  bool want_stream;       /* the session is initialized: keep a GET stream open */
  gd__req *stream;        /* the GET stream (queued or open), or NULL */
  gd__req *barrier;       /* an initialize or initialized in flight: the rest waits for it */
  gd__req *queue, *queue_tail; /* exchanges waiting for a connection, in order */
  unsigned nqueued;
  gd__conn *idle;         /* idle connections, most recently used first */
  unsigned nconns;         /* open (not closing) connections: connecting, busy or idle */
  unsigned nidle, nconnecting;
  int inflight;           /* exchanges (queued or sent) but the stream */
  uv_pipe_t in;
  char *line;
  size_t line_len, line_cap;
  bool stdin_closed;
  bool deleted;
  bool exiting;
  bool signalled;         /* a stop signal came: exit once the session is ended */
  uv_signal_t signals[3]; /* SIGINT, SIGTERM, SIGHUP */
  uv_timer_t stop_timer;  /* GD_STDIO_STOP_MS after the signal */
};

static llhttp_settings_t gd__settings;

static void gd__pump(gd__proxy *px);
static void gd__maybe_exit(gd__proxy *px);

/* ---- stdout ------------------------------------------------------------------------------- */

/* One message per line on stdout (stdio transport framing): jansson output has no raw newline. */
static void gd__emit(const char *json, size_t len) {
  fwrite(json, 1, len, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static void gd__emit_json(json_t *msg) {
  char *t = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
  if (t) gd__emit(t, strlen(t));
  free(t);
}

/* The JSON-RPC error the proxy itself answers a request with (nothing for a notification):
 * {"jsonrpc","id","error":{"code","message","data"?:{"code":data_code}}}. */
static void gd__emit_error(json_t *id, int code, const char *msg, const char *data_code) {
  if (!id) return;
  json_t *e = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code",
                        code, "message", msg);
  if (e && data_code)
    json_object_set_new(json_object_get(e, "error"), "data", json_pack("{s:s}", "code", data_code));
  gd__emit_json(e);
  json_decref(e);
}

/* The JSON-RPC error for a daemon answer that is not 2xx and not itself a JSON-RPC message (an
 * HTTP error body {"error":{"code","message"}}, or none; ans is it parsed, or NULL): a client
 * matches answers by id, so it must get one with its request's id (JSON-RPC 2.0 §5.1). 4xx →
 * -32000 - (status - 400), in the range the spec leaves to the implementation (401 → -32001,
 * 413 → -32013); 5xx → -32603. error.data carries {"http_status", "code", "retryable"?} and the
 * daemon's message is the message. A notification (no id) gets nothing. */
static void gd__emit_http_error(const gd__req *r, json_t *ans) {
  if (!r->id) return;
  int status = r->status;
  json_t *err = json_object_get(ans, "error");
  const char *code = json_string_value(json_object_get(err, "code"));
  const char *msg = json_string_value(json_object_get(err, "message"));
  char fallback[96];
  snprintf(fallback, sizeof fallback, "the godotd daemon answered HTTP %d", status);
  json_t *data = json_pack("{s:i, s:s}", "http_status", status, "code", code ? code : "http_error");
  if (json_is_true(json_object_get(err, "retryable")))
    json_object_set_new(data, "retryable", json_true());
  int rpc = status >= 400 && status < 500 ? -32000 - (status - 400) : -32603;
  json_t *e = json_pack("{s:s, s:O, s:{s:i, s:s, s:o}}", "jsonrpc", "2.0", "id", r->id, "error",
                        "code", rpc, "message", msg ? msg : fallback, "data", data);
  gd__emit_json(e);
  json_decref(e);
}

/* A non-2xx answer: a JSON-RPC message (the MCP endpoint's own errors are, whatever their
 * status) is passed on — with the request's id when the daemon's error has none, since its
 * HTTP-level errors (no session, bad headers) concern the one message of that POST — and
 * anything else becomes gd__emit_http_error's. */
static void gd__emit_failure(const gd__req *r) {
  json_t *ans = r->acc_len ? json_loadb(r->acc, r->acc_len, 0, NULL) : NULL;
  if (json_is_object(ans) && json_is_string(json_object_get(ans, "jsonrpc"))) {
    if (r->id && json_is_null(json_object_get(ans, "id")) && json_object_get(ans, "error")) {
      json_object_set(ans, "id", r->id);
      gd__emit_json(ans);
    } else {
      gd__emit(r->acc, r->acc_len);
    }
  } else {
    gd__emit_http_error(r, ans);
  }
  json_decref(ans);
}

/* ---- finding or starting the daemon -------------------------------------------------------- */

/* Whether something accepts connections on 127.0.0.1:port (a blocking check on loopback). */
static bool gd__port_answers(int port) {
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", port, &addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  close(fd);
  return ok;
}

/* Whether pid is a running process (not gone, not a zombie its parent has yet to reap). */
static bool gd__pid_running(int pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')'); /* the state follows the command name */
  return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X' && p[2] != '\0';
}

/* Whether the daemon attached to still runs and listens (daemon.json names the same pid and
 * port): then a connection it closed unanswered was an idle one it dropped. */
static bool gd__daemon_still_there(gd__proxy *px) {
  int pid, port;
  if (gd_instance_read(px->project, &pid, &port) != 0 || pid != px->pid || port != px->port)
    return false;
  return gd__pid_running(pid) && gd__port_answers(port);
}

/* Starts `godotd serve --project P --port 0 ...` in its own session, detached (double fork), so
 * it outlives this process; its output goes to .godot/godotd/daemon.log. */
static int gd__spawn_daemon(gd__proxy *px) {
  char log[4200];
  snprintf(log, sizeof log, "%s/.godot/godotd/daemon.log", px->project);
  /* The previous daemon's port, so an editor it left running (and will be adopted) reconnects. */
  char port[16];
  snprintf(port, sizeof port, "%d", gd_instance_last_port(px->project));
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    int null = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (null >= 0) dup2(null, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    char **argv = calloc((size_t)px->nserve_args + 8, sizeof *argv);
    int k = 0;
    argv[k++] = px->self;
    argv[k++] = "serve";
    argv[k++] = "--project";
    argv[k++] = px->project;
    argv[k++] = "--port";
    argv[k++] = port;
    for (int i = 0; i < px->nserve_args; i++) argv[k++] = px->serve_args[i];
    argv[k] = NULL;
    execv(px->self, argv);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  return 0;
}

/* Finds the daemon serving the project, starting one when there is none (blocking: nothing
 * else can go on without it). 0 or -1. */
static int gd__attach(gd__proxy *px) {
  int pid, port;
  if (gd_instance_read(px->project, &pid, &port) == 0 && gd__port_answers(port)) {
    px->pid = pid;
    px->port = port;
    /* A daemon serving several projects serves this one's MCP under its own prefix. */
    gd_instance_base(px->project, px->base, sizeof px->base);
    return 0;
  }
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/.godot", px->project);
  mkdir(dir, 0755);
  snprintf(dir, sizeof dir, "%s/.godot/godotd", px->project);
  mkdir(dir, 0755);
  if (gd__spawn_daemon(px) != 0) return -1;
  for (int waited = 0; waited < GD_STDIO_START_WAIT_MS; waited += 50) {
    if (gd_instance_read(px->project, &pid, &port) == 0 && gd__port_answers(port)) {
      px->pid = pid;
      px->port = port;
      gd_instance_base(px->project, px->base, sizeof px->base);
      return 0;
    }
    usleep(50 * 1000);
  }
  return -1;
}

/* The daemon's bearer token (the same file and checks as `serve`); "" when unreadable, and then
 * requests go without one (fine unless the daemon requires it: it answers 401). */
static void gd__read_token(gd__proxy *px) {
  char err[256];
  if (gd_auth_project_token(px->project, px->token_file, px->token, sizeof px->token, err,
                            sizeof err) != 0) {
    fprintf(stderr, "godotd mcp: token: %s\n", err);
    px->token[0] = '\0';
  }
}

/* ---- exchanges and their queue ------------------------------------------------------------- */

static gd__req *gd__req_new(gd__proxy *px, gd__kind kind, const char *body, size_t len) {
  gd__req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->px = px;
  r->kind = kind;
  r->silent = kind == GD__REINIT || kind == GD__DELETE;
  if (body) {
    r->body = malloc(len + 1);
    if (!r->body) {
      free(r);
      return NULL;
    }
    memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->body_len = len;
  }
  if (kind != GD__STREAM) px->inflight++;
  return r;
}

static bool gd__is_barrier(const gd__req *r) {
  return r->kind == GD__INIT || r->kind == GD__INITED || r->kind == GD__REINIT;
}

static void gd__enqueue(gd__proxy *px, gd__req *r) {
  r->next = NULL;
  if (px->queue_tail) px->queue_tail->next = r;
  else px->queue = r;
  px->queue_tail = r;
  px->nqueued++;
}

/* Puts r back at the head of the queue — behind a replayed handshake queued there, which must
 * go first (r needs its session). */
static void gd__requeue(gd__proxy *px, gd__req *r) {
  if (px->barrier == r) px->barrier = NULL;
  gd__req **pp = &px->queue;
  while (*pp && ((*pp)->kind == GD__REINIT || ((*pp)->kind == GD__INITED && (*pp)->silent)))
    pp = &(*pp)->next;
  r->next = *pp;
  *pp = r;
  if (!r->next) px->queue_tail = r;
  px->nqueued++;
}

static void gd__unqueue(gd__proxy *px, gd__req *r) {
  gd__req *prev = NULL;
  for (gd__req *q = px->queue; q; prev = q, q = q->next) {
    if (q != r) continue;
    if (prev) prev->next = q->next;
    else px->queue = q->next;
    if (px->queue_tail == q) px->queue_tail = prev;
    px->nqueued--;
    r->next = NULL;
    return;
  }
}

/* Forgets r (answered, relayed or given up) and lets the next exchanges go. */
/* After a stop signal: the session is ended (or could not be in time). Stdout is flushed
 * by exit. */
static void gd__signal_exit(gd__proxy *px) {
  (void)px;
  exit(0);
}

static void gd__req_end(gd__req *r) {
  gd__proxy *px = r->px;
  if (px->signalled && r->kind == GD__DELETE) gd__signal_exit(px);
  if (px->barrier == r) px->barrier = NULL;
  if (px->stream == r) px->stream = NULL;
  if (r->kind == GD__REINIT) px->reiniting = false;
  if (r->kind != GD__STREAM) px->inflight--;
  free(r->body);
  free(r->modern);
  free(r->acc);
  json_decref(r->id);
  free(r);
  gd__pump(px);
  gd__maybe_exit(px);
}

static void gd__conn_close(gd__conn *c);

/* Ends r wherever it is: queued, or on a connection (which closes: its answer is not wanted). */
static void gd__req_abort(gd__req *r) {
  if (r->conn) {
    gd__conn *c = r->conn;
    c->req = NULL;
    r->conn = NULL;
    gd__conn_close(c);
  } else {
    gd__unqueue(r->px, r);
  }
  gd__req_end(r);
}

/* Opens the session's GET stream (notifications, spec basic/transports "Listening for Messages
 * from the Server") once the session is initialized, and again when it was lost. */
static void gd__open_stream(gd__proxy *px) {
  if (px->stream || !px->want_stream || !px->session[0] || px->exiting) return;
  gd__req *r = gd__req_new(px, GD__STREAM, NULL, 0);
  if (!r) return;
  px->stream = r;
  gd__enqueue(px, r);
  gd__pump(px);
}

/* A new session on the daemon (it restarted): the client's initialize replayed, silently, at the
 * head of the queue; notifications/initialized follows its answer (gd__finish). */
static void gd__reinit(gd__proxy *px) {
  if (px->reiniting || !px->init_body) return;
  gd__req *r = gd__req_new(px, GD__REINIT, px->init_body, strlen(px->init_body));
  if (!r) return;
  px->reiniting = true;
  r->next = px->queue;
  px->queue = r;
  if (!r->next) px->queue_tail = r;
  px->nqueued++;
  if (px->stream) gd__req_abort(px->stream); /* the old session's */
}

/* Answers every queued request with the proxy's error (the daemon cannot be reached). */
static void gd__fail_queue(gd__proxy *px, const char *msg) {
  bool was = px->attaching;
  px->attaching = true; /* no sends while the queue empties */
  while (px->queue) {
    gd__req *r = px->queue;
    gd__unqueue(px, r);
    if (!r->silent) gd__emit_error(r->id, -32603, msg, "daemon_unreachable");
    gd__req_end(r);
  }
  px->attaching = was;
  gd__maybe_exit(px);
}

/* ---- the connections ----------------------------------------------------------------------- */

static void gd__conn_freed(uv_handle_t *h) { free(h->data); }

static void gd__conn_close(gd__conn *c) {
  if (c->closing) return;
  c->closing = true;
  gd__proxy *px = c->px;
  px->nconns--;
  if (c->idle) {
    for (gd__conn **pp = &px->idle; *pp; pp = &(*pp)->next)
      if (*pp == c) {
        *pp = c->next;
        break;
      }
    c->idle = false;
    px->nidle--;
  }
  uv_close((uv_handle_t *)&c->tcp, gd__conn_freed);
}

static void gd__on_connect(uv_connect_t *cr, int status);

/* Starts a connection to the daemon; it takes the head of the queue once connected. */
static bool gd__conn_open(gd__proxy *px) {
  gd__conn *c = calloc(1, sizeof *c);
  if (!c) return false;
  c->px = px;
  c->gen = px->gen;
  uv_tcp_init(px->loop, &c->tcp);
  c->tcp.data = c;
  c->connect.data = c;
  llhttp_init(&c->parser, HTTP_RESPONSE, &gd__settings);
  c->parser.data = c;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", px->port, &addr);
  if (uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&addr, gd__on_connect) != 0) {
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, gd__conn_freed);
    return false;
  }
  px->nconnecting++;
  px->nconns++;
  return true;
}

/* c is free: it goes back to the pool (or closes, when it reaches an older daemon). */
static void gd__conn_release(gd__conn *c) {
  gd__proxy *px = c->px;
  if (c->closing) return;
  if (c->gen != px->gen || px->exiting) {
    gd__conn_close(c);
    return;
  }
  c->idle = true;
  c->next = px->idle;
  px->idle = c;
  px->nidle++;
  gd__pump(px);
}

static void gd__conn_lost(gd__conn *c);

static void gd__on_written(uv_write_t *w, int status) {
  gd__write *wr = (gd__write *)w;
  gd__conn *c = w->handle->data;
  bool current = wr->send == c->sends;
  free(wr->buf);
  free(wr);
  if (status < 0 && status != UV_ECANCELED && !c->closing && c->req && current) gd__conn_lost(c);
}

/* Sends r on c (connected and free). Its headers are made now: a replayed initialize may have
 * changed the session meanwhile. */
static void gd__conn_send(gd__conn *c, gd__req *r) {
  gd__proxy *px = c->px;
  c->req = r;
  r->conn = c;
  r->status = 0;
  r->answered = r->sse = r->in_value = false;
  r->field_len = 0;
  r->which_header = 0;
  r->field[0] = r->session[0] = r->content_type[0] = '\0';
  r->acc_len = 0;
  if (r->kind == GD__INIT || r->kind == GD__REINIT) {
    px->session[0] = '\0';
    px->version[0] = '\0';
  }
  const char *method = r->kind == GD__STREAM ? "GET" : r->kind == GD__DELETE ? "DELETE" : "POST";
  char headers[2048]; /* fits the longest base, toolsets, session, version and token */
  int hl = snprintf(headers, sizeof headers,
                    "%s %s/mcp%s%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: application/json, text/event-stream\r\n",
                    method, px->base, px->toolsets[0] ? "?toolsets=" : "", px->toolsets, px->port);
  r->sent_session = !r->modern && px->session[0] != '\0';
  if (r->modern) /* stateless: its own version and routing headers, no session */
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "%s", r->modern);
  if (r->sent_session)
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "Mcp-Session-Id: %s\r\n", px->session);
  if (!r->modern && px->version[0])
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "MCP-Protocol-Version: %s\r\n", px->version);
  if (px->token[0])
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "Authorization: Bearer %s\r\n", px->token);
  if (r->body)
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl,
                   "Content-Type: application/json\r\nContent-Length: %zu\r\n", r->body_len);
  hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "\r\n");
  gd__write *w = malloc(sizeof *w);
  char *out = malloc((size_t)hl + r->body_len);
  if (!w || !out) {
    free(w);
    free(out);
    gd__conn_lost(c);
    return;
  }
  memcpy(out, headers, (size_t)hl);
  if (r->body) memcpy(out + hl, r->body, r->body_len);
  w->buf = out;
  w->send = ++c->sends;
  uv_buf_t b = uv_buf_init(out, (unsigned)((size_t)hl + r->body_len));
  if (uv_write(&w->w, (uv_stream_t *)&c->tcp, &b, 1, gd__on_written) != 0) {
    free(out);
    free(w);
    gd__conn_lost(c);
  }
}

/* Sends what is queued on idle connections, opens connections for the rest, and keeps at most
 * GD_STDIO_IDLE_CONNS idle. A barrier (an initialize or initialized in flight) holds the rest. */
static void gd__pump(gd__proxy *px) {
  if (px->attaching) return;
  while (px->queue && !px->barrier && px->idle && !px->exiting) {
    gd__conn *c = px->idle;
    px->idle = c->next;
    c->idle = false;
    px->nidle--;
    gd__req *r = px->queue;
    gd__unqueue(px, r);
    if (gd__is_barrier(r)) px->barrier = r;
    gd__conn_send(c, r);
  }
  unsigned want = px->barrier || px->exiting ? 0 : px->nqueued;
  while (px->nconnecting < want)
    if (!gd__conn_open(px)) {
      /* (out of sockets) the queue waits for a busy connection; with none, it cannot go */
      if (px->nconns == px->nidle) gd__fail_queue(px, "could not connect to the godotd daemon");
      break;
    }
  while (px->nidle > GD_STDIO_IDLE_CONNS || (px->exiting && px->idle)) {
    gd__conn *oldest = px->idle;
    while (oldest->next) oldest = oldest->next;
    gd__conn_close(oldest);
  }
}

/* The daemon did not accept a connection: find it (or start it) again. The queued messages
 * were not sent; they go to it once it listens — behind a replayed handshake when it is another
 * daemon. After GD_STDIO_RETRIES tries in a row they are answered with an error. */
static void gd__reattach(gd__proxy *px) {
  /* Neither the stream nor the final DELETE is worth starting a daemon for. */
  for (gd__req *r = px->queue, *next; r; r = next) {
    next = r->next;
    if (r->kind == GD__STREAM || r->kind == GD__DELETE) {
      gd__unqueue(px, r);
      px->attaching = true;
      gd__req_end(r);
      px->attaching = false;
    }
  }
  if (!px->queue) {
    gd__maybe_exit(px);
    return;
  }
  static const char unreachable[] =
      "the godotd daemon is not reachable (see .godot/godotd/daemon.log)";
  if (px->attach_rounds >= GD_STDIO_RETRIES) {
    px->attach_rounds = 0;
    gd__fail_queue(px, unreachable);
    return;
  }
  px->attach_rounds++;
  int old_pid = px->pid, old_port = px->port;
  px->attaching = true;
  int rc = gd__attach(px);
  px->attaching = false;
  if (rc != 0) {
    gd__fail_queue(px, unreachable);
    return;
  }
  gd__read_token(px);
  px->gen++; /* connections to the old address are not reused */
  while (px->idle) gd__conn_close(px->idle);
  if (px->pid != old_pid || px->port != old_port) gd__reinit(px); /* another daemon: no session */
  gd__pump(px);
}

static void gd__on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Static: each read is parsed before the next one is made (and stdin's copied into the line). */
static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  static char mem[65536];
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(mem, sizeof mem);
}

static void gd__on_connect(uv_connect_t *cr, int status) {
  gd__conn *c = cr->data;
  gd__proxy *px = c->px;
  px->nconnecting--;
  if (status < 0 || c->gen != px->gen || px->exiting) {
    bool refused = status < 0 && c->gen == px->gen && !px->exiting;
    gd__conn_close(c);
    if (refused && px->queue) gd__reattach(px);
    else gd__pump(px);
    return;
  }
  px->attach_rounds = 0;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, gd__alloc, gd__on_read);
  gd__conn_release(c);
}

/* ---- answers ------------------------------------------------------------------------------- */

static void gd__acc(gd__req *r, const char *at, size_t len) {
  if (r->acc_len + len + 1 > r->acc_cap) {
    size_t cap = (r->acc_len + len + 1) * 2;
    char *n = realloc(r->acc, cap);
    if (!n) return;
    r->acc = n;
    r->acc_cap = cap;
  }
  memcpy(r->acc + r->acc_len, at, len);
  r->acc_len += len;
  r->acc[r->acc_len] = '\0';
}

/* Emits every complete SSE event in the buffer (their data lines joined) and keeps the rest;
 * notes when one is the request's response (then a broken stream after it loses nothing). */
static void gd__sse_drain(gd__req *r) {
  for (;;) {
    char *end = r->acc ? strstr(r->acc, "\n\n") : NULL;
    if (!end) return;
    *end = '\0';
    char *joined = NULL;
    size_t jl = 0;
    for (char *line = r->acc; line && *line;) {
      char *nl = strchr(line, '\n');
      if (nl) *nl = '\0';
      if (line[strlen(line) - 1] == '\r') line[strlen(line) - 1] = '\0';
      if (strncmp(line, "data:", 5) == 0) {
        const char *v = line[5] == ' ' ? line + 6 : line + 5;
        size_t vl = strlen(v);
        char *n = realloc(joined, jl + vl + 2);
        if (n) {
          joined = n;
          if (jl) joined[jl++] = '\n';
          memcpy(joined + jl, v, vl);
          jl += vl;
          joined[jl] = '\0';
        }
      }
      line = nl ? nl + 1 : NULL;
    }
    if (joined && jl) {
      if (r->id && !r->responded) {
        json_t *j = json_loadb(joined, jl, 0, NULL);
        if (json_object_get(j, "id") && (json_object_get(j, "result") || json_object_get(j, "error")))
          r->responded = true;
        json_decref(j);
      }
      if (!r->silent) gd__emit(joined, jl);
    }
    free(joined);
    size_t consumed = (size_t)(end - r->acc) + 2;
    memmove(r->acc, r->acc + consumed, r->acc_len - consumed + 1);
    r->acc_len -= consumed;
  }
}

static int gd__on_message_begin(llhttp_t *p) {
  gd__conn *c = p->data;
  return c->req && !c->complete ? 0 : -1; /* an answer nobody asked for */
}

static int gd__on_header_field(llhttp_t *p, const char *at, size_t len) {
  gd__req *r = ((gd__conn *)p->data)->req;
  if (r->in_value) {
    r->field_len = 0;
    r->in_value = false;
  }
  if (r->field_len + len < sizeof r->field) {
    memcpy(r->field + r->field_len, at, len);
    r->field_len += len;
    r->field[r->field_len] = '\0';
  }
  return 0;
}

static int gd__on_header_value(llhttp_t *p, const char *at, size_t len) {
  gd__req *r = ((gd__conn *)p->data)->req;
  if (!r->in_value) {
    r->in_value = true;
    r->which_header = strcasecmp(r->field, "mcp-session-id") == 0  ? 1
                      : strcasecmp(r->field, "content-type") == 0 ? 2
                                                                   : 0;
  }
  char *dst = r->which_header == 1 ? r->session : r->which_header == 2 ? r->content_type : NULL;
  size_t cap = r->which_header == 1 ? sizeof r->session : sizeof r->content_type;
  if (dst && strlen(dst) + len < cap) strncat(dst, at, len);
  return 0;
}

static int gd__on_headers_complete(llhttp_t *p) {
  gd__req *r = ((gd__conn *)p->data)->req;
  r->status = llhttp_get_status_code(p);
  r->sse = strncasecmp(r->content_type, "text/event-stream", 17) == 0;
  if ((r->kind == GD__INIT || r->kind == GD__REINIT) && r->session[0] && r->status == 200)
    snprintf(r->px->session, sizeof r->px->session, "%s", r->session);
  return 0;
}

static int gd__on_body(llhttp_t *p, const char *at, size_t len) {
  gd__req *r = ((gd__conn *)p->data)->req;
  gd__acc(r, at, len);
  if (r->sse) gd__sse_drain(r);
  return 0;
}

/* Only marks the answer complete: it is acted on once llhttp_execute returns (which may reuse or
 * close the connection it is parsing). */
static int gd__on_message_complete(llhttp_t *p) {
  gd__conn *c = p->data;
  c->complete = true;
  c->keep = llhttp_should_keep_alive(p);
  return 0;
}

/* r's answer is complete: relay it, or act on it. */
static void gd__finish(gd__req *r) {
  gd__proxy *px = r->px;
  int status = r->status;
  if (r->kind == GD__STREAM) {
    /* The daemon ended it. A 200 one opens again with the next message, a 404 one after the
     * next message re-initialized; any other status: the daemon offers none (it MAY, 405). */
    if (status != 200 && status != 404) px->want_stream = false;
    gd__req_end(r);
    return;
  }
  if (status == 404 && r->sent_session && px->init_body && r->attempt < GD_STDIO_RETRIES &&
      (r->kind == GD__MSG || r->kind == GD__INITED)) {
    /* The daemon restarted (it knows no such session): a new session, then the same message,
     * which did not run. The handshake's own initialized replaces the client's. */
    gd__reinit(px);
    if (r->kind == GD__INITED) {
      gd__req_end(r);
      return;
    }
    r->attempt++;
    gd__requeue(px, r);
    gd__pump(px);
    return;
  }
  if (!r->silent) {
    if (!r->sse && (status < 200 || status > 299)) gd__emit_failure(r);
    else if (!r->sse && r->acc_len && status != 202) gd__emit(r->acc, r->acc_len);
  }
  bool is_init = r->kind == GD__INIT || r->kind == GD__REINIT;
  if (is_init && status == 200 && !r->sse) {
    json_t *j = json_loadb(r->acc, r->acc_len, 0, NULL);
    const char *v = json_string_value(json_object_get(json_object_get(j, "result"), "protocolVersion"));
    if (v) snprintf(px->version, sizeof px->version, "%s", v);
    json_decref(j);
  }
  if (r->kind == GD__REINIT && status == 200 && px->session[0]) {
    /* Finish the replayed handshake before the waiting messages go (a barrier at the head). */
    static const char inited[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    gd__req *i = gd__req_new(px, GD__INITED, inited, sizeof inited - 1);
    if (i) {
      i->silent = true;
      i->next = px->queue;
      px->queue = i;
      if (!i->next) px->queue_tail = i;
      px->nqueued++;
    }
  }
  bool stream = r->kind == GD__INITED && status == 202;
  if (stream) px->want_stream = true;
  gd__req_end(r);
  if (stream) gd__open_stream(px);
}

/* c's exchange is complete; c goes back to the pool when the daemon keeps it open. */
static void gd__conn_done(gd__conn *c, bool reusable) {
  gd__req *r = c->req;
  c->req = NULL;
  r->conn = NULL;
  c->complete = false;
  bool keep = reusable && c->keep;
  if (!keep) gd__conn_close(c);
  gd__finish(r);
  if (keep) gd__conn_release(c);
}

/* c closed (or failed) before its exchange's answer was complete: send it again when it cannot
 * have reached the daemon, else tell the client its answer is lost (the opening comment). */
static void gd__conn_lost(gd__conn *c) {
  gd__req *r = c->req;
  gd__proxy *px = c->px;
  c->req = NULL;
  r->conn = NULL;
  gd__conn_close(c);
  if (r->kind == GD__STREAM || r->kind == GD__DELETE) {
    gd__req_end(r);
    return;
  }
  bool there = !r->answered && gd__daemon_still_there(px);
  if (there && r->attempt < GD_STDIO_RETRIES) {
    r->attempt++;
    gd__requeue(px, r);
    gd__pump(px);
    return;
  }
  if (!r->silent && !r->responded) {
    if (there)
      gd__emit_error(r->id, -32603,
                     "the godotd daemon closed the connection without answering, every time",
                     "connection_closed");
    else
      gd__emit_error(r->id, -32603,
                     "the godotd daemon stopped or restarted before answering (the request may "
                     "have run; see .godot/godotd/daemon.log)",
                     "daemon_gone");
  }
  gd__req_end(r);
}

static void gd__on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd__conn *c = s->data;
  if (c->closing || n == 0) return;
  if (n < 0) {
    if (!c->req) { /* an idle one the daemon closed (its keep-alive timeout), or it stopped */
      gd__conn_close(c);
      return;
    }
    llhttp_finish(&c->parser); /* a body that ends with the connection completes here */
    if (c->complete) gd__conn_done(c, false);
    else gd__conn_lost(c);
    return;
  }
  if (!c->req) { /* bytes nobody asked for */
    gd__conn_close(c);
    return;
  }
  c->req->answered = true;
  llhttp_errno_t e = llhttp_execute(&c->parser, buf->base, (size_t)n);
  if (c->complete) {
    gd__conn_done(c, e == HPE_OK); /* bytes after the answer: not reused */
    return;
  }
  if (e != HPE_OK) {
    fprintf(stderr, "godotd mcp: bad HTTP answer from the daemon: %s\n", llhttp_errno_name(e));
    gd__req *r = c->req;
    c->req = NULL;
    r->conn = NULL;
    gd__conn_close(c);
    if (!r->silent && !r->responded)
      gd__emit_error(r->id, -32603, "the daemon's answer could not be read", "bad_answer");
    gd__req_end(r);
  }
}

/* ---- stdin -------------------------------------------------------------------------------- */

static void gd__maybe_exit(gd__proxy *px) {
  if (!px->stdin_closed || px->inflight > 0 || px->exiting) return;
  if (px->session[0] && !px->deleted) { /* end the session; the daemon keeps running */
    px->deleted = true;
    gd__req *del = gd__req_new(px, GD__DELETE, NULL, 0);
    if (del) {
      gd__enqueue(px, del);
      gd__pump(px);
      return;
    }
  }
  px->exiting = true;
  if (px->stream) gd__req_abort(px->stream);
  gd__pump(px); /* closes the idle connections */
  if (!uv_is_closing((uv_handle_t *)&px->in)) uv_close((uv_handle_t *)&px->in, NULL);
}

/* A header value as SEP-2243 carries it: as is when it is printable ASCII without edge
 * spaces, else "=?base64?...?=". Malloc'ed; NULL when out of memory or too long. */
static char *gd__header_value(const char *v) {
  size_t n = strlen(v);
  bool plain = n > 0 && v[0] != ' ' && v[n - 1] != ' ';
  for (size_t i = 0; plain && i < n; i++) plain = v[i] >= 0x20 && v[i] < 0x7f;
  if (plain) return strdup(v);
  if (n > 4096) return NULL;
  char *out = malloc(4 * ((n + 2) / 3) + 12);
  if (!out) return NULL;
  memcpy(out, "=?base64?", 9);
  int k = EVP_EncodeBlock((unsigned char *)out + 9, (const unsigned char *)v, (int)n);
  memcpy(out + 9 + k, "?=", 3);
  return out;
}

/* The header lines of a stateless 2026-07-28 message (one whose _meta names its protocol
 * version; the daemon answers it without a session): MCP-Protocol-Version, Mcp-Method and, for
 * tools/call, prompts/get and resources/read, Mcp-Name (basic/transports, SEP-2243). Clients
 * such as Claude Code probe with server/discover this way before they initialize. NULL for a
 * session message; malloc'ed. */
static char *gd__modern_headers(json_t *msg, const char *method) {
  json_t *params = json_object_get(msg, "params");
  const char *version = json_string_value(json_object_get(
      json_object_get(params, "_meta"), "io.modelcontextprotocol/protocolVersion"));
  if (!version || !method || strpbrk(version, "\r\n") || strpbrk(method, "\r\n")) return NULL;
  const char *key = strcmp(method, "resources/read") == 0 ? "uri"
                    : strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0 ? "name"
                                                                                                : NULL;
  const char *name = key ? json_string_value(json_object_get(params, key)) : NULL;
  char *nv = name ? gd__header_value(name) : NULL;
  if (nv && strlen(nv) > 1024) { /* beyond any header buffer: the daemon says it is missing */
    free(nv);
    nv = NULL;
  }
  char *out = NULL;
  if (asprintf(&out, "MCP-Protocol-Version: %s\r\nMcp-Method: %s\r\n%s%s%s", version, method,
               nv ? "Mcp-Name: " : "", nv ? nv : "", nv ? "\r\n" : "") < 0)
    out = NULL;
  free(nv);
  return out;
}

/* One stdin line: a JSON-RPC message, queued for the daemon (or a parse error answered here). */
static void gd__line(gd__proxy *px, char *line, size_t len) {
  while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = '\0';
  if (len == 0) return;
  json_t *msg = json_loadb(line, len, 0, NULL);
  if (!msg) {
    static const char text[] =
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}";
    gd__emit(text, sizeof text - 1);
    return;
  }
  const char *method = json_string_value(json_object_get(msg, "method"));
  gd__kind kind = !method                                             ? GD__MSG
                  : strcmp(method, "initialize") == 0                 ? GD__INIT
                  : strcmp(method, "notifications/initialized") == 0 ? GD__INITED
                                                                      : GD__MSG;
  json_t *id = method ? json_object_get(msg, "id") : NULL; /* a response to the server has none */
  gd__req *r = gd__req_new(px, kind, line, len);
  if (!r) {
    gd__emit_error(id, -32603, "out of memory", NULL);
    json_decref(msg);
    return;
  }
  if (id) r->id = json_incref(id);
  if (kind == GD__MSG) r->modern = gd__modern_headers(msg, method);
  json_decref(msg);
  if (kind == GD__INIT) {
    free(px->init_body);
    px->init_body = strndup(line, len);
    px->want_stream = false;
    if (px->stream) gd__req_abort(px->stream);
  }
  gd__enqueue(px, r);
  gd__open_stream(px); /* again, when it was lost */
  gd__pump(px);
}

static void gd__on_stdin(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd__proxy *px = s->data;
  if (n > 0) {
    for (ssize_t i = 0; i < n; i++) {
      char ch = buf->base[i];
      if (ch == '\n') {
        if (px->line) {
          px->line[px->line_len] = '\0';
          gd__line(px, px->line, px->line_len);
        }
        px->line_len = 0;
        continue;
      }
      if (px->line_len + 2 > px->line_cap) {
        if (px->line_cap >= GD_STDIO_MAX_LINE) continue; /* over-long: dropped at its newline */
        size_t cap = px->line_cap ? px->line_cap * 2 : 4096;
        char *nl = realloc(px->line, cap);
        if (!nl) continue;
        px->line = nl;
        px->line_cap = cap;
      }
      px->line[px->line_len++] = ch;
    }
  } else if (n < 0) {
    /* The client closed stdin: finish what is in flight, end the session, exit. The daemon and
     * its editor keep running for the next session. */
    uv_read_stop(s);
    px->stdin_closed = true;
    gd__maybe_exit(px);
  }
}

static void gd__stop_timeout(uv_timer_t *t) { gd__signal_exit(t->data); }

/* A stop signal (the opening comment, "Ending"). */
static void gd__on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  gd__proxy *px = h->data;
  if (px->signalled) gd__signal_exit(px);
  px->signalled = true;
  if (!px->stdin_closed) {
    uv_read_stop((uv_stream_t *)&px->in);
    px->stdin_closed = true;
  }
  if (!px->session[0] || px->deleted) gd__signal_exit(px);
  px->deleted = true;
  gd__req *del = gd__req_new(px, GD__DELETE, NULL, 0);
  if (!del) gd__signal_exit(px);
  gd__enqueue(px, del);
  uv_timer_init(px->loop, &px->stop_timer);
  px->stop_timer.data = px;
  uv_timer_start(&px->stop_timer, gd__stop_timeout, GD_STDIO_STOP_MS, 0);
  gd__pump(px);
}

int gd_mcp_stdio_main(int argc, char **argv) {
  static gd__proxy px;
  static struct option opts[] = {{"project", required_argument, 0, 'p'},
                                 {"toolsets", required_argument, 0, 't'},
                                 {"token-file", required_argument, 0, 'k'},
                                 {"help", no_argument, 0, 'h'},
                                 {0, 0, 0, 0}};
  const char *project = NULL;
  optind = 2;
  int c;
  /* Options after "--" go to a daemon this process starts (e.g. --godot, --display xvfb). */
  int serve_from = argc;
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      serve_from = i + 1;
      break;
    }
  while ((c = getopt_long(serve_from < argc ? serve_from - 1 : argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'p': project = optarg; break;
    case 't': snprintf(px.toolsets, sizeof px.toolsets, "%s", optarg); break;
    case 'k': px.token_file = optarg; break;
    case 'h':
      printf("usage: godotd mcp --project PATH [--toolsets SPEC] [-- serve options]\n"
             "MCP over stdio: attaches to the daemon serving PATH (starting one that outlives\n"
             "this process) and relays JSON-RPC lines to its /mcp endpoint.\n");
      return 0;
    default: return 2;
    }
  }
  if (!project) {
    fprintf(stderr, "usage: godotd mcp --project PATH [--toolsets SPEC] [-- serve options]\n");
    return 2;
  }
  if (!realpath(project, px.project)) {
    fprintf(stderr, "godotd mcp: --project %s: %s\n", project, strerror(errno));
    return 2;
  }
  ssize_t n = readlink("/proc/self/exe", px.self, sizeof px.self - 1);
  if (n <= 0) return 1;
  px.self[n] = '\0';
  px.serve_args = argv + serve_from;
  px.nserve_args = argc - serve_from;
  signal(SIGPIPE, SIG_IGN);
  if (gd__attach(&px) != 0) {
    fprintf(stderr, "godotd mcp: could not start or find the daemon for %s (see "
                    "%s/.godot/godotd/daemon.log)\n", px.project, px.project);
    return 1;
  }
  gd__read_token(&px);
  llhttp_settings_init(&gd__settings);
  gd__settings.on_message_begin = gd__on_message_begin;
  gd__settings.on_header_field = gd__on_header_field;
  gd__settings.on_header_value = gd__on_header_value;
  gd__settings.on_headers_complete = gd__on_headers_complete;
  gd__settings.on_body = gd__on_body;
  gd__settings.on_message_complete = gd__on_message_complete;
  px.loop = uv_default_loop();
  uv_pipe_init(px.loop, &px.in, 0);
  if (uv_pipe_open(&px.in, 0) != 0) {
    fprintf(stderr, "godotd mcp: stdin must be a pipe\n");
    return 2;
  }
  px.in.data = &px;
  uv_read_start((uv_stream_t *)&px.in, gd__alloc, gd__on_stdin);
  static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; i++) {
    uv_signal_init(px.loop, &px.signals[i]);
    px.signals[i].data = &px;
    uv_signal_start(&px.signals[i], gd__on_signal, stop_signals[i]);
    uv_unref((uv_handle_t *)&px.signals[i]); /* the loop ends when the work does */
  }
  uv_run(px.loop, UV_RUN_DEFAULT);
  free(px.line);
  free(px.init_body);
  return 0;
}
