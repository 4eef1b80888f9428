/* ws: the WebSocket protocol (RFC 6455) for one connection, as bytes in and bytes out.
 *
 * Owns the framing state of one connection through wslay — reassembly of fragmented messages,
 * masking (client) and requiring masks (server), ping/pong, the close handshake, the message
 * size limit — plus the opening-handshake key (Sec-WebSocket-Accept). No sockets: the owner
 * feeds the bytes it read and gets bytes to send through its write callback, synchronously.
 * Calls wslay and OpenSSL libcrypto (SHA-1, base64, random masks).
 */
#ifndef GD_WS_H
#define GD_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gd_ws_callbacks {
  /* One complete text message (valid UTF-8: wslay closes with 1007 otherwise), len bytes, not
   * NUL-terminated, valid during the call. A binary message makes the connection close with
   * 1003 instead (RFC 6455 §7.4.1). */
  void (*on_text)(void *ud, const char *msg, size_t len);
  /* Called at most once, when reading is over: the peer's close code (1005 when its close frame
   * had none; also after our own gd_ws_close was answered), or the code we closed with after a
   * protocol error (1002, 1003, 1007, 1009), or 1006 after a fatal error. The owner closes the
   * socket once gd_ws_want_write() is false (at once with a synchronous write). */
  void (*on_close)(void *ud, uint16_t code);
  /* Takes len bytes to send, all of them (copy or queue them). 0, or < 0 to fail the
   * connection. */
  int (*write)(void *ud, const uint8_t *data, size_t len);
} gd_ws_callbacks;

typedef struct gd_ws gd_ws; /* opaque, heap */

/* A connection after the opening handshake: server (expects masked frames) or client (masks
 * its frames). Messages longer than max_message_bytes (0: no limit of ours) are refused with
 * close 1009. Callbacks are copied; write is required. NULL on ENOMEM or bad arguments. */
gd_ws *gd_ws_new(bool server, const gd_ws_callbacks *cb, void *ud, size_t max_message_bytes);
/* Frees ws without sending anything. May be called from inside one of its callbacks: the
 * object is then disabled at once (no further callbacks) and freed when the gd_ws call that
 * ran the callback returns. NULL is fine. */
void gd_ws_free(gd_ws *ws);
/* Processes len received bytes (frames split anywhere), calling on_text / on_close, then sends
 * what the protocol owes (pongs, the close reply) through write. Bytes after reading is over
 * are ignored. 0, or -ENOMEM / -EIO (write failed) / -EPIPE (earlier fatal error). */
int gd_ws_feed(gd_ws *ws, const uint8_t *data, size_t len);
/* Sends one text message (unfragmented; msg must be valid UTF-8, RFC 6455 §5.6 — not
 * checked). 0, -EPIPE (close already sent/queued, or fatal error), -ENOMEM, -EIO. */
int gd_ws_send_text(gd_ws *ws, const char *msg, size_t len);
/* Sends a ping with an empty payload (the peer answers with a pong, see gd_ws_pongs). 0 or as
 * gd_ws_send_text. */
int gd_ws_send_ping(gd_ws *ws);
/* Starts the close handshake (RFC 6455 §5.5.1, §7.1.2): code (0 for none) and a reason of up to
 * 123 bytes (NULL for none; a longer one is cut at a UTF-8 boundary). 0, -EPIPE (already
 * closing), -EIO. */
int gd_ws_close(gd_ws *ws, uint16_t code, const char *reason);
/* True when the connection is over: our close was sent and the peer's received (or reading
 * stopped on a protocol error), or a fatal error happened. */
bool gd_ws_is_closed(const gd_ws *ws);
/* True while bytes wait to be handed to write (only after write failed: writes are
 * synchronous). */
bool gd_ws_want_write(const gd_ws *ws);
/* Pongs received so far (a keepalive compares it before and after a ping). */
unsigned gd_ws_pongs(const gd_ws *ws);

/* Sec-WebSocket-Accept for client_key: base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-
 * C5AB0DC85B11")), RFC 6455 §4.2.2 item 5.4, written NUL-terminated into out (28 chars).
 * 0, or -EINVAL (key NULL, empty or over 256 bytes; hashing failed). */
int gd_ws_accept_key(const char *client_key, char out[29]);

#endif
