/* errors: the structured error codes every transport answers with, and their HTTP statuses.
 *
 * Owns the code strings (shared with the addon's error_codes.gd and docs/protocol.md) and the
 * `{"error":{"code","message"}}` body shape. Calls only jansson.
 */
#ifndef GD_ERRORS_H
#define GD_ERRORS_H

#include <jansson.h>
#include <stdbool.h>

#define GD_E_INVALID_JSON "invalid_json"
#define GD_E_INVALID_PARAMS "invalid_params"
#define GD_E_UNKNOWN_COMMAND "unknown_command"
#define GD_E_NOT_FOUND "not_found"
#define GD_E_OUTSIDE_PROJECT "outside_project"
#define GD_E_NO_SCENE "no_scene"
#define GD_E_NOT_READY "not_ready"
#define GD_E_EDITOR_UNAVAILABLE "editor_unavailable"
#define GD_E_TIMEOUT "timeout"
#define GD_E_OVERLOADED "overloaded"
#define GD_E_PAYLOAD_TOO_LARGE "payload_too_large"
#define GD_E_METHOD_NOT_ALLOWED "method_not_allowed"
#define GD_E_FORBIDDEN "forbidden"
#define GD_E_FAILED "failed"
#define GD_E_INTERNAL "internal"
#define GD_E_BAD_REQUEST "bad_request"
#define GD_E_HEADERS_TOO_LARGE "headers_too_large"
#define GD_E_UNAUTHORIZED "unauthorized" /* no or wrong bearer token (auth.h) */
#define GD_E_NO_RENDERER "no_renderer"   /* a screenshot of a process without a renderer (headless) */
#define GD_E_SESSION_ENDED "session_ended" /* a headless session's Godot exited (session.h) */

/* HTTP status for an error code (RFC 9110 §15); unknown codes map to 500. */
int gd_error_http_status(const char *code);

/* True for codes a client may retry unchanged after a while (the editor is (re)starting). */
bool gd_error_retryable(const char *code);

/* New reference to {"error":{"code":code,"message":<printf>}}; adds "retryable":true where it
 * applies. Never NULL unless out of memory. */
json_t *gd_error_json(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
