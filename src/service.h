/* service: godotd under a service manager — systemd's notify protocol (sd_notify(3): READY=1
 * once the daemon listens, STATUS= with the editors' states, WATCHDOG=1 from the event loop at
 * half of WATCHDOG_USEC, STOPPING=1 on the way out) and journald (sd_journal_send(3) with
 * SYSLOG_IDENTIFIER, PRIORITY and GODOTD_PROJECT when stderr is the journal, JOURNAL_STREAM).
 *
 * Owns the watchdog timer and the choice of log output. Through libsystemd when built with it
 * (meson finds libsystemd; HAVE_LIBSYSTEMD); otherwise every call is a no-op and logs stay on
 * stderr, so non-systemd builds work the same. Calls log, libsystemd, libuv.
 */
#ifndef GD_SERVICE_H
#define GD_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct gd_service {
  uv_timer_t watchdog;
  bool timer_open;
  uint64_t watchdog_ms;   /* the ping interval (half of WATCHDOG_USEC); 0 = no watchdog */
  uint64_t pings;
  bool notify;            /* NOTIFY_SOCKET is set and libsystemd is in */
} gd_service;

/* Whether this build has libsystemd (sd_notify, the journal). */
bool gd_service_available(void);

/* Reads NOTIFY_SOCKET and WATCHDOG_USEC, starts the watchdog pings on loop. */
void gd_service_init(gd_service *s, uv_loop_t *loop);
/* READY=1 with STATUS=status. */
void gd_service_ready(gd_service *s, const char *status);
/* STATUS=status (e.g. the editors' states). */
void gd_service_status(gd_service *s, const char *status);
/* STOPPING=1 with STATUS=status; the watchdog stops. */
void gd_service_stopping(gd_service *s, const char *status);
/* Closes the timer (before the loop closes). */
void gd_service_close(gd_service *s);

/* "auto" (the journal when stderr is it, else text), "text", "json" or "journal": sets the log
 * output (log.h) and the project field of journal and JSON records. 0, or -1 for an unknown
 * format or "journal" without libsystemd. */
int gd_service_log_format(const char *format, const char *project);

#endif
