/* rpcline: the lines of a headless session (docs/session.md) told apart and turned into data —
 * newline-delimited JSON-RPC 2.0 messages on one side, diagnostic records on the other.
 *
 * Owns what counts as a JSON-RPC message on the child's stdout (the session script's responses
 * and notifications), the diagnostic record every other stdout line and every stderr line
 * becomes (severity from Godot's prefixes; an indented line continuing an error keeps the
 * error's severity), the check of a caller's request line (`godotd session` stdin), and the
 * JSON-RPC error objects (jsonrpc.org/specification §5.1). No I/O and no clock: pure, so it is
 * unit-tested and fuzzed on its own. Calls lines (severity), errors, jansson, libc.
 */
#ifndef GD_RPCLINE_H
#define GD_RPCLINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* JSON-RPC 2.0 error codes (§5.1) and the server-defined one godotd uses for everything else
 * (the godotd code is in error.data.code). */
#define GD_RPCLINE_PARSE_ERROR -32700
#define GD_RPCLINE_INVALID_REQUEST -32600
#define GD_RPCLINE_METHOD_NOT_FOUND -32601
#define GD_RPCLINE_INVALID_PARAMS -32602
#define GD_RPCLINE_INTERNAL -32603
#define GD_RPCLINE_SERVER_ERROR -32000

/* The continuation state of one session's diagnostics: the severity of the last record of each
 * stream (0 stdout, 1 stderr). Zero-initialise. */
typedef struct gd_rpcline_state {
  const char *last[2];
} gd_rpcline_state;

/* The JSON-RPC message that line (len bytes, valid UTF-8) is, as a new reference: an object
 * with "jsonrpc": "2.0" and either an integer "id" with exactly one of "result" / "error", or a
 * string "method" (a notification). NULL for anything else (the line is a diagnostic). */
json_t *gd_rpcline_message(const char *line, size_t len);

/* The diagnostic record of a line of stream ("stdout", "stderr", "import"; "heartbeat" records
 * are made by the session itself): {ts (Unix ms), severity ("error" | "warning" | "info"),
 * stream, text (without ANSI colour sequences)}. Severity comes from Godot's prefixes (ERROR:, SCRIPT ERROR:, WARNING:, ...); a line
 * that starts with white space right after an error or warning on the same stream (Godot's
 * "   at: ..." and backtrace lines) keeps that severity. New reference; NULL on ENOMEM. */
json_t *gd_rpcline_record(gd_rpcline_state *st, const char *stream, const char *line,
                          int64_t ts_ms);

/* A caller's request line (the CLI's stdin), checked: 0 with *out a new reference to
 * {id (as given; absent for a notification), method, params (an object; {} when absent)}, or
 * -1 with *out a JSON-RPC error response to write back (id null when none could be read):
 * -32700 for bad JSON, -32600 for a request that is not {jsonrpc?: "2.0", id?: number|string,
 * method: string, params?: object}. */
int gd_rpcline_request(const char *line, size_t len, json_t **out);

/* The JSON-RPC error response for id (borrowed; NULL → null) with a godotd error code (errors.h:
 * unknown_command → -32601, invalid_params → -32602, invalid_json → -32700, internal → -32603,
 * anything else → -32000) and message; data is {code} plus extra's members (borrowed, may be
 * NULL). New reference. */
json_t *gd_rpcline_error(json_t *id, const char *code, const char *message, json_t *extra);

/* The JSON-RPC result response for id (borrowed) and result (stolen). New reference. */
json_t *gd_rpcline_result(json_t *id, json_t *result);

#endif
