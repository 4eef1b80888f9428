#include "rpcline.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "lines.h"

json_t *gd_rpcline_message(const char *line, size_t len) {
  /* Cheap test first: most diagnostic lines are not objects at all. */
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
  if (i == len || line[i] != '{') return NULL;
  json_t *msg = json_loadb(line, len, 0, NULL);
  if (!msg) return NULL;
  const char *v = json_string_value(json_object_get(msg, "jsonrpc"));
  bool ok = json_is_object(msg) && v && strcmp(v, "2.0") == 0;
  if (ok) {
    json_t *id = json_object_get(msg, "id");
    bool has_result = json_object_get(msg, "result") != NULL;
    json_t *err = json_object_get(msg, "error");
    if (json_is_string(json_object_get(msg, "method")))
      ok = id == NULL;
    else
      ok = json_is_integer(id) && has_result != (err != NULL) && (!err || json_is_object(err));
  }
  if (!ok) {
    json_decref(msg);
    return NULL;
  }
  return msg;
}

/* line without ANSI CSI sequences (ESC [ ... final byte): Godot colours its progress and
 * some messages even into a pipe. Malloc'ed; NULL on ENOMEM. */
static char *gd__plain(const char *line) {
  size_t n = strlen(line);
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (line[i] == 0x1b && line[i + 1] == '[') {
      size_t j = i + 2;
      while (j < n && !(line[j] >= 0x40 && line[j] <= 0x7e)) j++;
      if (j < n) {
        i = j;
        continue;
      }
    }
    out[o++] = line[i];
  }
  out[o] = '\0';
  return out;
}

json_t *gd_rpcline_record(gd_rpcline_state *st, const char *stream, const char *raw,
                          int64_t ts_ms) {
  char *plain = strchr(raw, 0x1b) ? gd__plain(raw) : NULL;
  const char *line = plain ? plain : raw;
  int which = strcmp(stream, "stderr") == 0 ? 1 : 0;
  const char *sev = gd_lines_severity(line);
  bool indented = line[0] == ' ' || line[0] == '\t';
  const char *prev = st->last[which];
  if (strcmp(sev, "info") == 0 && indented && prev && strcmp(prev, "info") != 0) sev = prev;
  if (strcmp(stream, "stdout") == 0 || which) st->last[which] = sev;
  json_t *rec = json_pack("{s:I, s:s, s:s, s:s}", "ts", (json_int_t)ts_ms, "severity", sev,
                          "stream", stream, "text", line);
  free(plain);
  return rec;
}

int gd_rpcline_request(const char *line, size_t len, json_t **out) {
  json_error_t jerr;
  json_t *msg = json_loadb(line, len, 0, &jerr);
  if (!msg) {
    *out = gd_rpcline_error(NULL, GD_E_INVALID_JSON, jerr.text, NULL);
    return -1;
  }
  json_t *id = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
  json_t *reply_id = json_is_integer(id) || json_is_real(id) || json_is_string(id) ? id : NULL;
  const char *why = NULL;
  json_t *version = json_object_get(msg, "jsonrpc");
  json_t *method = json_object_get(msg, "method");
  json_t *params = json_object_get(msg, "params");
  if (!json_is_object(msg))
    why = "a request is a JSON object";
  else if (version && !(json_is_string(version) && strcmp(json_string_value(version), "2.0") == 0))
    why = "jsonrpc must be \"2.0\"";
  else if (id && !reply_id)
    why = "id must be a number or a string";
  else if (!json_is_string(method) || json_string_length(method) == 0)
    why = "method must be a non-empty string";
  else if (params && !json_is_object(params) && !json_is_null(params))
    why = "params must be an object (by name)";
  if (why) {
    json_t *err = gd_rpcline_error(reply_id, GD_E_BAD_REQUEST, why, NULL);
    json_object_set_new(json_object_get(err, "error"), "code",
                        json_integer(GD_RPCLINE_INVALID_REQUEST));
    json_decref(msg);
    *out = err;
    return -1;
  }
  json_t *req = json_pack("{s:O, s:o}", "method", method, "params",
                          json_is_object(params) ? json_incref(params) : json_object());
  if (req && id) json_object_set(req, "id", id);
  json_decref(msg);
  *out = req;
  return req ? 0 : -1;
}

static int gd__rpc_code(const char *code) {
  static const struct {
    const char *code;
    int rpc;
  } map[] = {
      {GD_E_UNKNOWN_COMMAND, GD_RPCLINE_METHOD_NOT_FOUND},
      {GD_E_INVALID_PARAMS, GD_RPCLINE_INVALID_PARAMS},
      {GD_E_INVALID_JSON, GD_RPCLINE_PARSE_ERROR},
      {GD_E_INTERNAL, GD_RPCLINE_INTERNAL},
  };
  for (size_t i = 0; code && i < sizeof map / sizeof map[0]; i++)
    if (strcmp(code, map[i].code) == 0) return map[i].rpc;
  return GD_RPCLINE_SERVER_ERROR;
}

json_t *gd_rpcline_error(json_t *id, const char *code, const char *message, json_t *extra) {
  json_t *data = json_is_object(extra) ? json_deep_copy(extra) : json_object();
  json_object_set_new(data, "code", json_string(code));
  if (gd_error_retryable(code)) json_object_set_new(data, "retryable", json_true());
  /* jansson's parse errors quote the input near the fault, which may end inside a UTF-8
   * sequence: repaired, or the message would not be JSON at all. */
  const char *text = message ? message : code;
  size_t len;
  char *clean = gd_lines_utf8_copy(text, strlen(text), &len);
  json_t *err = json_pack("{s:s, s:O, s:{s:i, s:s, s:o}}", "jsonrpc", "2.0", "id",
                          id ? id : json_null(), "error", "code", gd__rpc_code(code), "message",
                          clean ? clean : code, "data", data);
  free(clean);
  return err;
}

json_t *gd_rpcline_result(json_t *id, json_t *result) {
  return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                   result ? result : json_object());
}
