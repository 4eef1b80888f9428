/* log: the daemon's own diagnostics, one line each on stderr with a UTC timestamp and level
 * (text), or one JSON object per line (--log-format json), or through a writer (the journal,
 * service.h).
 *
 * Owns the level threshold (GODOTD_LOG=debug|info|warn|error), the output format, and an
 * optional sink that also receives every line (the supervisor points it at the log ring, stream
 * "daemon", so /logs shows what the daemon did next to what Godot printed). Calls lines (UTF-8
 * checks for JSON) and libc.
 */
#ifndef GD_LOG_H
#define GD_LOG_H

#include <stddef.h>

enum { GD_LOG_DEBUG = 0, GD_LOG_INFO, GD_LOG_WARN, GD_LOG_ERROR };

typedef void (*gd_log_sink)(void *ud, int level, const char *line, size_t len);

enum { GD_LOG_TEXT = 0, GD_LOG_JSON };

/* Reads GODOTD_LOG once; call before anything logs. */
void gd_log_init(void);
/* Also hand each emitted line (without timestamp/newline) to sink; NULL removes it. */
void gd_log_set_sink(gd_log_sink sink, void *ud);
void gd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* GD_LOG_TEXT: "2026-11-29T03:08:25.123Z godotd info: message". GD_LOG_JSON:
 * {"ts":"...","level":"info","msg":"...","project":"..."} (the field from gd_log_set_field). */
void gd_log_set_format(int format);
/* Sends each line to writer instead of stderr (the journal); NULL goes back to stderr. */
void gd_log_set_writer(void (*writer)(int level, const char *line, size_t len));
/* One extra field of JSON lines (name and value borrowed: static storage). */
void gd_log_set_field(const char *name, const char *value);

#define gd_debug(...) gd_log(GD_LOG_DEBUG, __VA_ARGS__)
#define gd_info(...) gd_log(GD_LOG_INFO, __VA_ARGS__)
#define gd_warn(...) gd_log(GD_LOG_WARN, __VA_ARGS__)
#define gd_error(...) gd_log(GD_LOG_ERROR, __VA_ARGS__)

#endif
