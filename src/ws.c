#include "ws.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

struct gd_ws {
  wslay_event_context_ptr ctx;
  gd_ws_callbacks cb;
  void *ud;
  const uint8_t *in; /* bytes of the current gd_ws_feed not yet handed to wslay */
  size_t in_len;
  unsigned depth;    /* gd_ws calls on the stack (a callback may call back in, or free) */
  bool busy;         /* inside wslay_event_recv/send: only queue, the outer call flushes */
  bool dead;         /* gd_ws_free ran inside a callback: free when depth drops to 0 */
  bool fatal;
  bool close_reported;
  unsigned pongs;
};

/* ---- wslay callbacks ---------------------------------------------------------------------- */

static ssize_t gd__recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                        void *ud) {
  (void)flags;
  gd_ws *ws = ud;
  if (ws->dead || ws->in_len == 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  size_t n = len < ws->in_len ? len : ws->in_len;
  memcpy(buf, ws->in, n);
  ws->in += n;
  ws->in_len -= n;
  return (ssize_t)n;
}

static ssize_t gd__send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                        void *ud) {
  (void)flags;
  gd_ws *ws = ud;
  if (ws->dead || ws->cb.write(ws->ud, data, len) < 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t)len;
}

static int gd__genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud) {
  (void)ud;
  if (RAND_bytes(buf, (int)len) != 1) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return 0;
}

static void gd__on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                       void *ud) {
  gd_ws *ws = ud;
  if (ws->dead) return;
  switch (arg->opcode) {
  case WSLAY_TEXT_FRAME:
    /* wslay passes NULL for an empty message; callers get a valid pointer either way */
    if (ws->cb.on_text)
      ws->cb.on_text(ws->ud, arg->msg ? (const char *)arg->msg : "", arg->msg_length);
    break;
  case WSLAY_BINARY_FRAME:
    /* The bridge speaks JSON text only (RFC 6455 §7.4.1: 1003 = data it cannot accept). */
    wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, NULL, 0);
    wslay_event_shutdown_read(ctx);
    break;
  case WSLAY_PONG:
    ws->pongs++;
    break;
  default: /* ping: wslay queued the pong; close: reported after the reply is sent */
    break;
  }
}

/* ---- lifetime ----------------------------------------------------------------------------- */

static void gd__destroy(gd_ws *ws) {
  wslay_event_context_free(ws->ctx);
  free(ws);
}

/* Every public call that may run a callback brackets it with enter/leave; leave returns true
 * when ws was freed meanwhile (the caller must not touch it again). */
static void gd__enter(gd_ws *ws) {
  ws->depth++;
}

static bool gd__leave(gd_ws *ws) {
  if (--ws->depth == 0 && ws->dead) {
    gd__destroy(ws);
    return true;
  }
  return false;
}

gd_ws *gd_ws_new(bool server, const gd_ws_callbacks *cb, void *ud, size_t max_message_bytes) {
  if (!cb || !cb->write) return NULL;
  gd_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->cb = *cb;
  ws->ud = ud;
  struct wslay_event_callbacks wcb = {
      .recv_callback = gd__recv,
      .send_callback = gd__send,
      .genmask_callback = gd__genmask,
      .on_msg_recv_callback = gd__on_msg,
  };
  int rc = server ? wslay_event_context_server_init(&ws->ctx, &wcb, ws)
                  : wslay_event_context_client_init(&ws->ctx, &wcb, ws);
  if (rc != 0) {
    free(ws);
    return NULL;
  }
  if (max_message_bytes) wslay_event_config_set_max_recv_msg_length(ws->ctx, max_message_bytes);
  return ws;
}

void gd_ws_free(gd_ws *ws) {
  if (!ws) return;
  if (ws->depth > 0) ws->dead = true;
  else gd__destroy(ws);
}

/* ---- I/O ---------------------------------------------------------------------------------- */

static int gd__fatal(gd_ws *ws, int wslay_rc) {
  ws->fatal = true;
  return wslay_rc == WSLAY_ERR_NOMEM ? -ENOMEM : -EIO;
}

/* Hands everything queued to write, unless an outer call is inside wslay (it flushes). */
static int gd__flush(gd_ws *ws) {
  if (ws->busy || ws->fatal || ws->dead) return 0;
  ws->busy = true;
  int r = wslay_event_send(ws->ctx);
  ws->busy = false;
  return r != 0 && !ws->dead ? gd__fatal(ws, r) : 0;
}

static void gd__report_close(gd_ws *ws) {
  if (ws->dead || ws->close_reported || (wslay_event_get_read_enabled(ws->ctx) && !ws->fatal))
    return;
  uint16_t code = WSLAY_CODE_ABNORMAL_CLOSURE; /* after a fatal error */
  if (!ws->fatal && wslay_event_get_close_received(ws->ctx))
    code = wslay_event_get_status_code_received(ws->ctx);
  else if (!ws->fatal && wslay_event_get_close_sent(ws->ctx))
    code = wslay_event_get_status_code_sent(ws->ctx);
  ws->close_reported = true;
  if (ws->cb.on_close) ws->cb.on_close(ws->ud, code);
}

int gd_ws_feed(gd_ws *ws, const uint8_t *data, size_t len) {
  if (ws->fatal) return -EPIPE;
  int rc = 0;
  gd__enter(ws);
  if (len > 0 && !ws->busy && wslay_event_get_read_enabled(ws->ctx)) {
    ws->in = data;
    ws->in_len = len;
    ws->busy = true;
    int r = wslay_event_recv(ws->ctx);
    ws->busy = false;
    ws->in = NULL;
    ws->in_len = 0;
    if (r != 0 && !ws->dead) rc = gd__fatal(ws, r);
  }
  if (!rc) rc = gd__flush(ws);
  gd__report_close(ws);
  /* on_close may have queued something (e.g. its own close): send it too. */
  if (!rc) rc = gd__flush(ws);
  if (gd__leave(ws)) return 0;
  return rc;
}

/* Maps the result of a wslay_event_queue_* call, then flushes what it queued. */
static int gd__queued(gd_ws *ws, int r) {
  if (r == WSLAY_ERR_NO_MORE_MSG) return -EPIPE;
  if (r == WSLAY_ERR_NOMEM) return -ENOMEM;
  if (r != 0) return -EINVAL;
  gd__enter(ws);
  int rc = gd__flush(ws);
  if (gd__leave(ws)) return 0;
  return rc;
}

/* Queues one message and flushes. */
static int gd__send_msg(gd_ws *ws, uint8_t opcode, const uint8_t *msg, size_t len) {
  if (ws->fatal) return -EPIPE;
  struct wslay_event_msg m = {.opcode = opcode, .msg = msg, .msg_length = len};
  return gd__queued(ws, wslay_event_queue_msg(ws->ctx, &m));
}

int gd_ws_send_text(gd_ws *ws, const char *msg, size_t len) {
  return gd__send_msg(ws, WSLAY_TEXT_FRAME, (const uint8_t *)msg, len);
}

int gd_ws_send_ping(gd_ws *ws) {
  return gd__send_msg(ws, WSLAY_PING, NULL, 0);
}

int gd_ws_close(gd_ws *ws, uint16_t code, const char *reason) {
  /* A close frame carries at most 125 bytes (RFC 6455 §5.5): 2 for the code, 123 of reason.
   * A longer reason is cut, never split inside a UTF-8 sequence. */
  size_t rlen = reason ? strlen(reason) : 0;
  if (rlen > 123) {
    rlen = 123;
    while (rlen > 0 && ((unsigned char)reason[rlen] & 0xC0) == 0x80) rlen--;
  }
  if (ws->fatal) return -EPIPE;
  return gd__queued(ws, wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason, rlen));
}

bool gd_ws_is_closed(const gd_ws *ws) {
  return ws->fatal || (wslay_event_get_close_sent(ws->ctx) &&
                       (wslay_event_get_close_received(ws->ctx) ||
                        !wslay_event_get_read_enabled(ws->ctx)));
}

bool gd_ws_want_write(const gd_ws *ws) {
  return !ws->fatal && wslay_event_want_write(ws->ctx);
}

unsigned gd_ws_pongs(const gd_ws *ws) {
  return ws->pongs;
}

/* ---- handshake ---------------------------------------------------------------------------- */

int gd_ws_accept_key(const char *client_key, char out[29]) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; /* RFC 6455 §1.3 */
  size_t klen = client_key ? strlen(client_key) : 0;
  if (klen == 0 || klen > 256) return -EINVAL;
  char buf[256 + sizeof guid];
  memcpy(buf, client_key, klen);
  memcpy(buf + klen, guid, sizeof guid - 1);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (EVP_Digest(buf, klen + sizeof guid - 1, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
    return -EINVAL;
  if (EVP_EncodeBlock((unsigned char *)out, md, 20) != 28) return -EINVAL;
  return 0;
}
