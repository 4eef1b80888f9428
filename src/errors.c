#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *code;
  int status;
  bool retryable;
} gd__errors[] = {
    {GD_E_INVALID_JSON, 400, false},      {GD_E_INVALID_PARAMS, 400, false},
    {GD_E_UNKNOWN_COMMAND, 404, false},   {GD_E_NOT_FOUND, 404, false},
    {GD_E_OUTSIDE_PROJECT, 403, false},   {GD_E_NO_SCENE, 409, false},
    {GD_E_NOT_READY, 503, true},          {GD_E_EDITOR_UNAVAILABLE, 503, true},
    {GD_E_TIMEOUT, 504, false},           {GD_E_OVERLOADED, 503, true},
    {GD_E_PAYLOAD_TOO_LARGE, 413, false}, {GD_E_METHOD_NOT_ALLOWED, 405, false},
    {GD_E_FORBIDDEN, 403, false},         {GD_E_FAILED, 422, false},
    {GD_E_INTERNAL, 500, false},          {GD_E_BAD_REQUEST, 400, false},
    {GD_E_HEADERS_TOO_LARGE, 431, false}, {GD_E_UNAUTHORIZED, 401, false},
    {GD_E_NO_RENDERER, 409, false},       {GD_E_SESSION_ENDED, 503, false},
};

int gd_error_http_status(const char *code) {
  for (size_t i = 0; code && i < sizeof gd__errors / sizeof gd__errors[0]; i++)
    if (strcmp(code, gd__errors[i].code) == 0) return gd__errors[i].status;
  return 500;
}

bool gd_error_retryable(const char *code) {
  for (size_t i = 0; code && i < sizeof gd__errors / sizeof gd__errors[0]; i++)
    if (strcmp(code, gd__errors[i].code) == 0) return gd__errors[i].retryable;
  return false;
}

json_t *gd_error_json(const char *code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
  if (err && gd_error_retryable(code)) json_object_set_new(err, "retryable", json_true());
  return err ? json_pack("{s:o}", "error", err) : NULL;
}
