#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#ifdef HAVE_LIBSYSTEMD
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

bool gd_service_available(void) {
#ifdef HAVE_LIBSYSTEMD
  return true;
#else
  return false;
#endif
}

#ifdef HAVE_LIBSYSTEMD
static void gd__ping(uv_timer_t *t) {
  gd_service *s = t->data;
  sd_notify(0, "WATCHDOG=1");
  s->pings++;
}
#endif

void gd_service_init(gd_service *s, uv_loop_t *loop) {
  memset(s, 0, sizeof *s);
#ifdef HAVE_LIBSYSTEMD
  s->notify = getenv("NOTIFY_SOCKET") != NULL;
  uint64_t usec = 0;
  if (s->notify && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    s->watchdog_ms = usec / 2000 ? usec / 2000 : 1;
    uv_timer_init(loop, &s->watchdog);
    s->watchdog.data = s;
    s->timer_open = true;
    /* From the event loop itself: a loop that stops turning stops the pings, and systemd
     * restarts the daemon. */
    uv_timer_start(&s->watchdog, gd__ping, s->watchdog_ms, s->watchdog_ms);
    gd_info("service: systemd watchdog: WATCHDOG=1 every %llu ms", (unsigned long long)s->watchdog_ms);
  }
#else
  (void)loop;
#endif
}

static void gd__notify(gd_service *s, const char *what, const char *status) {
#ifdef HAVE_LIBSYSTEMD
  if (!s->notify) return;
  char msg[1024];
  snprintf(msg, sizeof msg, "%s%sSTATUS=%s", what, what[0] ? "\n" : "", status ? status : "");
  sd_notify(0, msg);
#else
  (void)s;
  (void)what;
  (void)status;
#endif
}

void gd_service_ready(gd_service *s, const char *status) { gd__notify(s, "READY=1", status); }
void gd_service_status(gd_service *s, const char *status) { gd__notify(s, "", status); }

void gd_service_stopping(gd_service *s, const char *status) {
  if (s->timer_open) uv_timer_stop(&s->watchdog);
  gd__notify(s, "STOPPING=1", status);
}

void gd_service_close(gd_service *s) {
  if (s->timer_open && !uv_is_closing((uv_handle_t *)&s->watchdog))
    uv_close((uv_handle_t *)&s->watchdog, NULL);
  s->timer_open = false;
}

/* ---- logs ---------------------------------------------------------------------------------- */

static char gd__project[256];

#ifdef HAVE_LIBSYSTEMD
static void gd__journal(int level, const char *line, size_t len) {
  static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
  sd_journal_send("MESSAGE=%.*s", (int)len, line, "PRIORITY=%d", prio[level & 3],
                  "SYSLOG_IDENTIFIER=godotd", "GODOTD_PROJECT=%s", gd__project, NULL);
}

/* Whether stderr is the journal's stream (systemd.exec(5) JOURNAL_STREAM: "dev:ino"). */
static bool gd__stderr_is_journal(void) {
  const char *js = getenv("JOURNAL_STREAM");
  struct stat st;
  if (!js || fstat(STDERR_FILENO, &st) != 0) return false;
  char want[64];
  snprintf(want, sizeof want, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
  return strcmp(js, want) == 0;
}
#endif

int gd_service_log_format(const char *format, const char *project) {
  snprintf(gd__project, sizeof gd__project, "%s", project ? project : "");
  gd_log_set_field("project", gd__project);
  if (!format || strcmp(format, "auto") == 0) {
#ifdef HAVE_LIBSYSTEMD
    if (gd__stderr_is_journal()) {
      gd_log_set_writer(gd__journal);
      return 0;
    }
#endif
    gd_log_set_format(GD_LOG_TEXT);
    return 0;
  }
  if (strcmp(format, "text") == 0) {
    gd_log_set_format(GD_LOG_TEXT);
    return 0;
  }
  if (strcmp(format, "json") == 0) {
    gd_log_set_format(GD_LOG_JSON);
    return 0;
  }
  if (strcmp(format, "journal") == 0) {
#ifdef HAVE_LIBSYSTEMD
    gd_log_set_writer(gd__journal);
    return 0;
#endif
  }
  return -1;
}
