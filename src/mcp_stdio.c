/* mcp_stdio: `godotd mcp --project PATH` — MCP over stdio (spec basic/transports#stdio) for
 * agents that launch their servers as subprocesses.
 *
 * Owns the client side of a bridge from stdio to the daemon's Streamable HTTP endpoint: it
 * finds the daemon serving the project (daemon.json) or starts one detached, so the daemon and
 * its editor outlive this process and the next agent session attaches to the same editor; each
 * stdin line (one JSON-RPC message) becomes a POST /mcp, and JSON or SSE answers become stdout
 * lines; the session's GET stream brings notifications. When the daemon restarted (404 for the
 * session) or went away, it starts or finds it again, replays the client's initialize, and
 * retries — the agent never sees it. Calls instance, http (llhttp response parsing), libuv.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <llhttp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "instance.h"
#include "install.h"
#include "mcp_stdio.h"

#define GD_STDIO_MAX_LINE (8u << 20)  /* a message larger than this is refused */
#define GD_STDIO_START_WAIT_MS 30000  /* daemon start → listening */
#define GD_STDIO_RETRIES 2            /* re-attach attempts per message */

typedef struct gd__proxy gd__proxy;

typedef struct gd__req {
  gd__proxy *px;
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  llhttp_t parser;
  llhttp_settings_t settings;
  char *out;              /* the request bytes */
  char *body;             /* the JSON-RPC message (for retries) */
  size_t body_len;
  char field[64];
  size_t field_len;
  bool in_value;
  int which_header;       /* 1 Mcp-Session-Id, 2 Content-Type */
  char session[64];
  char content_type[64];
  bool sse;
  char *acc;              /* JSON body, or the SSE bytes not yet framed */
  size_t acc_len, acc_cap;
  bool is_get;            /* the session's notification stream */
  bool is_init;
  bool silent;            /* a replayed initialize: its answer is not the client's */
  char *then_body;        /* sent once this one completes (after a replayed initialize) */
  size_t then_len;
  int then_attempt;
  int attempt;
  bool done;
} gd__req;

struct gd__proxy {
  uv_loop_t *loop;
  char project[4096];
  char self[4096];
  char toolsets[256];
  char token[GD_AUTH_TOKEN_MAX + 2];
  const char *token_file;  /* --token-file, or NULL for the project's default */
  char **serve_args;      /* extra options for a daemon this process starts */
  int nserve_args;
  int port;
  char base[192];          /* the project's route prefix on that daemon ("" for its default) */
  char session[64];
  char version[32];
  char *init_body;        /* the client's initialize, replayed after a daemon restart */
  bool initialized_sent;
  gd__req *stream;        /* the GET stream, or NULL */
  uv_pipe_t in;
  char *line;
  size_t line_len, line_cap;
  int inflight;
  bool stdin_closed;
  bool deleted;
  bool init_pending;      /* an initialize is in flight: later lines wait for its session */
  char **held;            /* those lines, in order */
  size_t nheld;
};

static gd__req *gd__send(gd__proxy *px, const char *body, size_t len, bool is_init, int attempt);
static void gd__open_stream(gd__proxy *px);

/* ---- stdout ------------------------------------------------------------------------------- */

/* One message per line on stdout (stdio transport framing): jansson output has no raw newline. */
static void gd__emit(const char *json, size_t len) {
  fwrite(json, 1, len, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static void gd__emit_error(const char *body, int code, const char *msg) {
  json_t *in = json_loadb(body, strlen(body), 0, NULL);
  json_t *id = in ? json_object_get(in, "id") : NULL;
  if (id) {
    json_t *e = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code",
                          code, "message", msg);
    char *t = json_dumps(e, JSON_COMPACT);
    if (t) gd__emit(t, strlen(t));
    free(t);
    json_decref(e);
  }
  json_decref(in);
}

/* The JSON-RPC error for a daemon answer that is not 2xx and not itself a JSON-RPC message (an
 * HTTP error body {"error":{"code","message"}}, or none): a client matches answers by id, so it
 * must get one with its request's id (JSON-RPC 2.0 §5.1). 4xx → -32000 - (status - 400), in the
 * range the spec leaves to the implementation (401 → -32001, 413 → -32013); 5xx → -32603.
 * error.data carries {"http_status", "code", "retryable"?} and the daemon's message is the
 * message. A notification (no id) gets nothing. */
static void gd__emit_http_error(const char *request, int status, const char *answer, size_t len) {
  json_t *in = json_loadb(request, strlen(request), 0, NULL);
  json_t *id = json_object_get(in, "id");
  if (!id) {
    json_decref(in);
    return;
  }
  json_t *ans = len ? json_loadb(answer, len, 0, NULL) : NULL;
  json_t *err = json_object_get(ans, "error");
  const char *code = json_string_value(json_object_get(err, "code"));
  const char *msg = json_string_value(json_object_get(err, "message"));
  char fallback[96];
  snprintf(fallback, sizeof fallback, "the godotd daemon answered HTTP %d", status);
  json_t *data = json_pack("{s:i, s:s}", "http_status", status, "code", code ? code : "http_error");
  if (json_is_true(json_object_get(err, "retryable")))
    json_object_set_new(data, "retryable", json_true());
  int rpc = status >= 400 && status < 500 ? -32000 - (status - 400) : -32603;
  json_t *e = json_pack("{s:s, s:O, s:{s:i, s:s, s:o}}", "jsonrpc", "2.0", "id", id, "error",
                        "code", rpc, "message", msg ? msg : fallback, "data", data);
  char *t = e ? json_dumps(e, JSON_COMPACT) : NULL;
  if (t) gd__emit(t, strlen(t));
  free(t);
  json_decref(e);
  json_decref(ans);
  json_decref(in);
}

/* Whether an answer body is a JSON-RPC message (the MCP endpoint's own errors are, whatever
 * their HTTP status), to be passed on as it is. */
static bool gd__is_jsonrpc(const char *body, size_t len) {
  json_t *j = json_loadb(body, len, 0, NULL);
  bool yes = json_is_object(j) && json_is_string(json_object_get(j, "jsonrpc"));
  json_decref(j);
  return yes;
}

/* ---- finding or starting the daemon -------------------------------------------------------- */

/* Whether something accepts connections on 127.0.0.1:port (a blocking check, once at start). */
static bool gd__port_answers(int port) {
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", port, &addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  close(fd);
  return ok;
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

/* Finds the daemon serving the project, starting one when there is none. 0 or -1. */
static int gd__attach(gd__proxy *px) {
  int pid, port;
  if (gd_instance_read(px->project, &pid, &port) == 0 && gd__port_answers(port)) {
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
      px->port = port;
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

/* ---- one HTTP exchange --------------------------------------------------------------------- */

static void gd__req_closed(uv_handle_t *h) {
  gd__req *r = h->data;
  free(r->then_body);
  free(r->out);
  free(r->body);
  free(r->acc);
  free(r);
}

static void gd__maybe_exit(gd__proxy *px);
static void gd__flush_held(gd__proxy *px);

static void gd__req_end(gd__req *r) {
  if (r->done) return;
  r->done = true;
  gd__proxy *px = r->px;
  if (r->is_get) {
    if (px->stream == r) px->stream = NULL;
  } else {
    px->inflight--;
  }
  uv_close((uv_handle_t *)&r->tcp, gd__req_closed);
  if (r->is_init && !r->silent && px->init_pending) { /* answered or failed: release the rest */
    px->init_pending = false;
    gd__flush_held(px);
  }
  gd__maybe_exit(px);
}

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

/* Emits every complete SSE event in the buffer (their data lines joined) and keeps the rest. */
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
    if (joined && jl) gd__emit(joined, jl);
    free(joined);
    size_t consumed = (size_t)(end - r->acc) + 2;
    memmove(r->acc, r->acc + consumed, r->acc_len - consumed + 1);
    r->acc_len -= consumed;
  }
}

static int gd__on_header_field(llhttp_t *p, const char *at, size_t len) {
  gd__req *r = p->data;
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
  gd__req *r = p->data;
  if (!r->in_value) {
    r->in_value = true;
    r->which_header = strcasecmp(r->field, "mcp-session-id") == 0  ? 1
                      : strcasecmp(r->field, "content-type") == 0 ? 2
                                                                   : 0;
    if (r->which_header == 1) r->session[0] = '\0';
    if (r->which_header == 2) r->content_type[0] = '\0';
  }
  char *dst = r->which_header == 1 ? r->session : r->which_header == 2 ? r->content_type : NULL;
  size_t cap = r->which_header == 1 ? sizeof r->session : sizeof r->content_type;
  if (dst && strlen(dst) + len < cap) strncat(dst, at, len);
  return 0;
}

static int gd__on_headers_complete(llhttp_t *p) {
  gd__req *r = p->data;
  r->sse = strncmp(r->content_type, "text/event-stream", 17) == 0;
  if (r->is_init && r->session[0] && llhttp_get_status_code(p) == 200)
    snprintf(r->px->session, sizeof r->px->session, "%s", r->session);
  return 0;
}

static int gd__on_body(llhttp_t *p, const char *at, size_t len) {
  gd__req *r = p->data;
  gd__acc(r, at, len);
  if (r->sse) gd__sse_drain(r);
  return 0;
}

static void gd__reinit_then_retry(gd__req *r);

static int gd__on_message_complete(llhttp_t *p) {
  gd__req *r = p->data;
  gd__proxy *px = r->px;
  int status = llhttp_get_status_code(p);
  if (r->is_get) {
    gd__req_end(r);
    return HPE_PAUSED;
  }
  if (status == 404 && px->init_body && !r->is_init && r->attempt < GD_STDIO_RETRIES) {
    gd__reinit_then_retry(r); /* the daemon restarted: a new session, then the same message */
    return HPE_PAUSED;
  }
  if (r->silent) {
    /* nothing for the client */
  } else if (!r->sse && (status < 200 || status > 299) &&
             !(r->acc_len && gd__is_jsonrpc(r->acc, r->acc_len))) {
    if (r->body) gd__emit_http_error(r->body, status, r->acc, r->acc_len);
  } else if (!r->sse && r->acc_len && status != 202) {
    gd__emit(r->acc, r->acc_len);
  } else if (r->sse) {
    gd__sse_drain(r);
  }
  if (r->is_init && status == 200) {
    json_t *j = r->sse ? NULL : json_loadb(r->acc, r->acc_len, 0, NULL);
    const char *v = json_string_value(json_object_get(json_object_get(j, "result"), "protocolVersion"));
    if (v) snprintf(px->version, sizeof px->version, "%s", v);
    json_decref(j);
  }
  if (r->is_init && !r->silent) {
    px->init_pending = false;
    gd__flush_held(px);
  }
  if (r->then_body) {
    /* A replayed initialize is done: finish the handshake, then send the waiting message. */
    static const char inited[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    gd__send(px, inited, sizeof inited - 1, false, GD_STDIO_RETRIES);
    px->stream = NULL;
    gd__open_stream(px);
    gd__send(px, r->then_body, r->then_len, false, r->then_attempt);
  }
  gd__req_end(r);
  return HPE_PAUSED;
}

static void gd__alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0;
}

static void gd__retry_later(gd__req *r);

static void gd__on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  gd__req *r = s->data;
  if (n > 0 && !r->done) {
    llhttp_errno_t e = llhttp_execute(&r->parser, buf->base, (size_t)n);
    if (e != HPE_OK && e != HPE_PAUSED && !r->done) {
      fprintf(stderr, "godotd mcp: bad HTTP answer from the daemon: %s\n", llhttp_errno_name(e));
      if (r->body) gd__emit_error(r->body, -32603, "the daemon's answer could not be read");
      gd__req_end(r);
    }
  } else if (n < 0 && !r->done) {
    if (r->is_get) {
      gd__req_end(r);
    } else if (r->acc_len == 0 && !r->sse) {
      gd__retry_later(r); /* the daemon went away mid-request */
    } else {
      llhttp_finish(&r->parser);
      if (!r->done) gd__req_end(r);
    }
  }
  free(buf->base);
}

static void gd__on_written(uv_write_t *w, int status) {
  gd__req *r = w->data;
  if (status < 0 && !r->done) gd__retry_later(r);
}

static void gd__on_connect(uv_connect_t *c, int status) {
  gd__req *r = c->data;
  if (status < 0) {
    gd__retry_later(r);
    return;
  }
  uv_buf_t b = uv_buf_init(r->out, (unsigned)strlen(r->out));
  r->write.data = r;
  uv_write(&r->write, (uv_stream_t *)&r->tcp, &b, 1, gd__on_written);
  uv_read_start((uv_stream_t *)&r->tcp, gd__alloc, gd__on_read);
}

static gd__req *gd__req_new(gd__proxy *px, const char *method, const char *body, size_t len) {
  gd__req *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->px = px;
  llhttp_settings_init(&r->settings);
  r->settings.on_header_field = gd__on_header_field;
  r->settings.on_header_value = gd__on_header_value;
  r->settings.on_headers_complete = gd__on_headers_complete;
  r->settings.on_body = gd__on_body;
  r->settings.on_message_complete = gd__on_message_complete;
  llhttp_init(&r->parser, HTTP_RESPONSE, &r->settings);
  r->parser.data = r;
  char headers[1024];
  int hl = snprintf(headers, sizeof headers,
                    "%s %s/mcp%s%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Accept: application/json, text/event-stream\r\nConnection: close\r\n",
                    method, px->base, px->toolsets[0] ? "?toolsets=" : "", px->toolsets, px->port);
  if (px->session[0])
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "Mcp-Session-Id: %s\r\n", px->session);
  if (px->version[0])
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "MCP-Protocol-Version: %s\r\n", px->version);
  if (px->token[0])
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl, "Authorization: Bearer %s\r\n", px->token);
  if (body)
    hl += snprintf(headers + hl, sizeof headers - (size_t)hl,
                   "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
  r->out = malloc((size_t)hl + 3 + (body ? len : 0));
  if (!r->out) {
    free(r);
    return NULL;
  }
  memcpy(r->out, headers, (size_t)hl);
  memcpy(r->out + hl, "\r\n", 3);
  if (body) {
    memcpy(r->out + hl + 2, body, len);
    r->out[(size_t)hl + 2 + len] = '\0';
    r->body = strndup(body, len);
    r->body_len = len;
  }
  uv_tcp_init(px->loop, &r->tcp);
  r->tcp.data = r;
  r->connect.data = r;
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", px->port, &addr);
  uv_tcp_connect(&r->connect, &r->tcp, (const struct sockaddr *)&addr, gd__on_connect);
  return r;
}

static gd__req *gd__send(gd__proxy *px, const char *body, size_t len, bool is_init, int attempt) {
  if (is_init) {
    px->session[0] = '\0';
    px->version[0] = '\0';
  }
  gd__req *r = gd__req_new(px, "POST", body, len);
  if (!r) {
    gd__emit_error(body, -32603, "out of memory");
    return NULL;
  }
  r->is_init = is_init;
  r->attempt = attempt;
  px->inflight++;
  return r;
}

/* Replays the client's initialize (silently), then sends body once the new session exists. */
static void gd__reinit_and_send(gd__proxy *px, const char *body, size_t len, int attempt) {
  if (px->stream) gd__req_end(px->stream);
  gd__req *init = gd__send(px, px->init_body, strlen(px->init_body), true, GD_STDIO_RETRIES);
  if (!init) return;
  init->silent = true;
  init->then_body = strndup(body, len);
  init->then_len = len;
  init->then_attempt = attempt;
}

static void gd__open_stream(gd__proxy *px) {
  if (px->stream || !px->session[0]) return;
  px->stream = gd__req_new(px, "GET", NULL, 0);
  if (px->stream) px->stream->is_get = true;
}

/* The daemon is gone: find or start it, then send the message again (re-initializing first,
 * since a new daemon has no session). */
static void gd__retry_later(gd__req *r) {
  gd__proxy *px = r->px;
  char *body = r->body ? strndup(r->body, r->body_len) : NULL;
  size_t len = r->body_len;
  bool is_init = r->is_init, silent = r->silent;
  int attempt = r->attempt;
  gd__req_end(r);
  if (!body || silent) {
    free(body);
    return;
  }
  if (attempt >= GD_STDIO_RETRIES || gd__attach(px) != 0) {
    gd__emit_error(body, -32603, "the godotd daemon is not reachable (see .godot/godotd/daemon.log)");
    free(body);
    return;
  }
  gd__read_token(px);
  if (!is_init && px->init_body) gd__reinit_and_send(px, body, len, attempt + 1);
  else gd__send(px, body, len, is_init, attempt + 1);
  free(body);
}

/* The daemon restarted (the session is unknown): a new session, then the same message. */
static void gd__reinit_then_retry(gd__req *r) {
  gd__proxy *px = r->px;
  char *body = strndup(r->body, r->body_len);
  size_t len = r->body_len;
  int attempt = r->attempt;
  gd__req_end(r);
  if (body) gd__reinit_and_send(px, body, len, attempt + 1);
  free(body);
}

/* ---- stdin -------------------------------------------------------------------------------- */

static void gd__maybe_exit(gd__proxy *px) {
  if (!px->stdin_closed || px->inflight > 0) return;
  if (px->session[0] && !px->deleted) { /* end the session; the daemon keeps running */
    px->deleted = true;
    gd__req *del = gd__req_new(px, "DELETE", NULL, 0);
    if (del) {
      del->silent = true;
      px->inflight++;
      return;
    }
  }
  if (px->stream) gd__req_end(px->stream);
  if (!uv_is_closing((uv_handle_t *)&px->in)) uv_close((uv_handle_t *)&px->in, NULL);
}

static void gd__dispatch(gd__proxy *px, const char *line, size_t len);

/* Sends the lines that waited for the client's initialize to be answered. */
static void gd__flush_held(gd__proxy *px) {
  for (size_t i = 0; i < px->nheld && !px->init_pending; i++) {
    gd__dispatch(px, px->held[i], strlen(px->held[i]));
    free(px->held[i]);
    px->held[i] = NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < px->nheld; i++)
    if (px->held[i]) px->held[k++] = px->held[i];
  px->nheld = k;
}

static void gd__line(gd__proxy *px, char *line, size_t len) {
  while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = '\0';
  if (len == 0) return;
  json_error_t e;
  json_t *msg = json_loadb(line, len, 0, &e);
  if (!msg) {
    char text[200];
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                                "\"message\":\"Parse error\"}}");
    gd__emit(text, strlen(text));
    return;
  }
  json_decref(msg);
  if (px->init_pending) {
    /* Held until the session exists (the HTTP requests would otherwise race the initialize). */
    char **grown = realloc(px->held, (px->nheld + 1) * sizeof *grown);
    if (grown) {
      px->held = grown;
      px->held[px->nheld++] = strndup(line, len);
    }
    return;
  }
  gd__dispatch(px, line, len);
}

static void gd__dispatch(gd__proxy *px, const char *line, size_t len) {
  json_t *msg = json_loadb(line, len, 0, NULL);
  const char *method = json_string_value(json_object_get(msg, "method"));
  bool is_init = method && strcmp(method, "initialize") == 0;
  bool inited = method && strcmp(method, "notifications/initialized") == 0;
  json_decref(msg);
  if (is_init) {
    free(px->init_body);
    px->init_body = strndup(line, len);
    px->init_pending = true;
  }
  gd__send(px, line, len, is_init, 0);
  if (inited) gd__open_stream(px);
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
  free(buf->base);
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
  px.loop = uv_default_loop();
  uv_pipe_init(px.loop, &px.in, 0);
  if (uv_pipe_open(&px.in, 0) != 0) {
    fprintf(stderr, "godotd mcp: stdin must be a pipe\n");
    return 2;
  }
  px.in.data = &px;
  uv_read_start((uv_stream_t *)&px.in, gd__alloc, gd__on_stdin);
  uv_run(px.loop, UV_RUN_DEFAULT);
  free(px.line);
  free(px.init_body);
  for (size_t i = 0; i < px.nheld; i++) free(px.held[i]);
  free(px.held);
  return 0;
}
