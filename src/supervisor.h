/* supervisor: one supervised Godot editor — its process, state machine, logs and addon session.
 *
 * Owns the editor process (spawned detached into its own process group through the daemon's
 * `__exec` wrapper, so SIGPIPE stays ignored and the editor outlives a daemon restart), the
 * states stopped → starting → connecting → ready, restarting with backoff, a crash-loop guard
 * (failed), stopping (quit via the addon, then SIGTERM, then SIGKILL, always to the whole group),
 * the spawn→ready deadline, the heartbeat and the addon's liveness beats (busy is not hung: an
 * editor whose main thread is inside an import it announced keeps beating from the addon's
 * thread and is bounded by the import deadline instead), stdout/stderr capture into a ring and a log file, the
 * adoption of an editor left running by a previous daemon, and the bridge to its addon.
 * A daemon may own several of these (one per project); nothing here is global.
 * Calls: bridge, install, ringlog, backoff, godot, log, libuv.
 */
#ifndef GD_SUPERVISOR_H
#define GD_SUPERVISOR_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "backoff.h"
#include "bridge.h"
#include "godot.h"
#include "registry.h"
#include "ringlog.h"

typedef enum {
  GD_STATE_STOPPED = 0,
  GD_STATE_STARTING,   /* installing the addon, spawning */
  GD_STATE_CONNECTING, /* process up, waiting for the addon (or for its import to finish) */
  GD_STATE_READY,
  GD_STATE_RESTARTING, /* crashed; waiting out the backoff */
  GD_STATE_STOPPING,
  GD_STATE_FAILED,     /* crash-loop guard tripped, or unrecoverable; until an explicit start */
} gd_state;

/* Room left in a PATH_MAX buffer for the files the daemon keeps under .godot/godotd/. */
#define GD_PROJECT_PATH_MAX (PATH_MAX - 64)

typedef struct gd_editor_config {
  char project[GD_PROJECT_PATH_MAX]; /* absolute project directory, no trailing slash */
  char addon_dir[PATH_MAX]; /* the addon to install (addons/godotd of the source tree) */
  char self_exe[PATH_MAX];  /* this daemon's binary: the __exec wrapper */
  char log_file[PATH_MAX];  /* Godot's output, appended; "" → <project>/.godot/godotd/editor.log */
  gd_godot_bin godot;
  char bridge_url[256];     /* handed to the addon as GODOTD_URL */
  char bridge_token[257];   /* handed to the addon as GODOTD_TOKEN ("" → not set) */
  bool headless;            /* --headless editor (else on $DISPLAY / Xvfb) */
  bool xvfb;                /* run Xvfb for the editor and its games */
  uint64_t ready_timeout_ms;     /* spawn → ready, one deadline */
  uint64_t heartbeat_ms;         /* ping interval */
  uint64_t heartbeat_timeout_ms; /* no pong (or no liveness beat) within this → hung → restart */
  uint64_t import_deadline_ms;   /* main thread busy importing longer than this → restart */
  uint64_t stop_timeout_ms;      /* per stop phase (quit, SIGTERM) before escalating */
  unsigned crash_max;            /* crashes within crash_window_ms that trip the guard */
  uint64_t crash_window_ms;
  uint64_t backoff_base_ms, backoff_max_ms;
  size_t log_entries;            /* ring capacity, entries */
  bool daemon_log;               /* the daemon's own log lines go into this editor's ring too */
} gd_editor_config;

/* Completion of a wait: err_code NULL when the condition was met, else a GD_E_* code. */
typedef void (*gd_editor_wait_cb)(void *ud, const char *err_code, const char *err_message);

typedef struct gd_editor_waiter gd_editor_waiter;

typedef struct gd_editor {
  uv_loop_t *loop;
  gd_editor_config cfg;
  gd_state state;
  bool want_running;

  uv_process_t proc;
  bool proc_running;        /* spawned by us and not yet reaped */
  int pid;                  /* editor pid (== its process group), 0 when none */
  bool adopted;             /* left running by a previous daemon; watched through a pidfd */
  int pidfd;
  uv_poll_t pidfd_poll;
  uv_pipe_t out_pipe, err_pipe;
  int open_handles;         /* handles still closing: the editor may be freed only at 0 */

  uv_timer_t deadline;      /* spawn → ready, and addon reconnect */
  uv_timer_t restart_timer;
  uv_timer_t heartbeat;
  uv_timer_t stop_timer;
  int stop_phase;           /* 0 quit sent, 1 SIGTERM sent, 2 SIGKILL sent */
  bool ping_in_flight;
  char kill_reason[200];    /* why we killed it, reported as last_exit.reason */

  gd_backoff backoff;
  gd_crashguard guard;
  gd_ringlog logs;
  FILE *log_fp;
  gd_bridge bridge;

  uint64_t spawned_ms, ready_ms; /* uv_now() stamps; 0 = never */
  unsigned restarts;
  struct {
    bool valid;
    int code, signal;
    char reason[200];
    int64_t at_unix_ms;
  } last_exit;

  /* The addon's liveness channel (bridge.h) and what its beats say of the main thread. */
  struct {
    uint64_t last_ms;       /* uv_now of the last beat; 0 = none since the channel opened */
    uint64_t count;
    int64_t frames;         /* Engine.get_process_frames() */
    int64_t main_idle_ms;   /* since the main thread's last frame */
    bool busy;              /* inside a long operation it announced (import, scan) */
    char kind[16];
    int files;
    char first[256];
    uint64_t busy_since_ms; /* uv_now when that began */
    uint64_t free_since_ms; /* uv_now when the last busy period ended (0: none yet) */
  } beat;
  /* The latest "[ NN% ] step | item" progress line on Godot's stdout (headless imports). */
  struct {
    uint64_t at_ms; /* 0 = none yet */
    int percent;
    char step[64];
    char item[256];
  } progress;
  bool readiness_overridden;  /* session readiness set to importing from the beats */
  char readiness_saved[17];   /* what it was before */
  /* The crash-loop guard's last trip, kept for /status until the next start. */
  struct {
    bool tripped;
    unsigned crashes;
    int64_t at_unix_ms;
  } trip;
  unsigned crashes_total;

  gd_editor_waiter *waiters;
  /* Told of every state change (the MCP server logs them to its clients); may be NULL. */
  void (*on_state)(void *ud, gd_state from, gd_state to);
  void *on_state_ud;
  /* Told of the addon's events the supervisor does not handle itself (output entries, a game's
   * exit), data borrowed; may be NULL. */
  void (*on_addon_event)(void *ud, const char *event, json_t *data);
  void *on_addon_event_ud;
  /* Told when the editor process is gone (reason as last_exit says; crash: nobody asked for
   * it) and of each heartbeat's round trip (seconds); may be NULL. */
  void (*on_exit)(void *ud, struct gd_editor *e, int pid, int code, int sig, const char *reason,
                  bool crash);
  void (*on_heartbeat)(void *ud, struct gd_editor *e, double rtt_s);
  void *on_telemetry_ud;

  struct gd_xvfb *xvfb;     /* the private X server of --display xvfb, or NULL */
  struct gd_xvfb *xvfb_old; /* one told to exit and not gone yet (freed at close if need be) */
  char display[32];         /* ":N" once that X server accepts connections */
} gd_editor;

/* A Godot command line as the daemon runs it: through the `__exec` wrapper (SIGPIPE ignored,
 * the private install's render environment on the godot process only), headless or on the
 * display, on the project, with the daemon's GODOTD_URL / GODOTD_TOKEN in the environment.
 * args and env are NULL-terminated; env entries are owned (gd_godot_cmdline_free). */
typedef struct gd_godot_cmdline {
  const char *args[64];
  char setenv_buf[8][PATH_MAX + 64];
  char **env;
  size_t envn;
} gd_godot_cmdline;

/* Fills c for the editor (editor true) or for a game of the project running scene (a res://
 * path, borrowed until c is used; NULL or "" for the main scene). With --display xvfb the
 * display must be up (e->display set). */
void gd_editor_cmdline(const gd_editor *e, bool editor, const char *scene, gd_godot_cmdline *c);
void gd_godot_cmdline_free(gd_godot_cmdline *c);

/* Sets up (no process yet). cfg is copied. 0 or -1. */
int gd_editor_init(gd_editor *e, uv_loop_t *loop, const gd_editor_config *cfg);
/* Adopts an editor a previous daemon left running on this project, if its state file names a
 * live Godot process on it: the state becomes connecting until its addon reconnects. Returns 1
 * when adopted, 0 otherwise. Call once, before any start. */
int gd_editor_adopt(gd_editor *e);
/* Starts the editor if stopped or failed (clears the crash-loop guard). 0, or -1 with a reason
 * in err. When already running it does nothing and returns 0. */
int gd_editor_start(gd_editor *e, char *err, size_t err_size);
/* Stops it for good: quit through the addon, then SIGTERM, then SIGKILL to the process group.
 * cb (may be NULL) runs once the editor and its group are gone — inline when already stopped. */
void gd_editor_stop(gd_editor *e, gd_editor_wait_cb cb, void *ud);
/* Stops then starts; cb when the new process is spawned (not yet ready). */
void gd_editor_restart(gd_editor *e, gd_editor_wait_cb cb, void *ud);
/* Waits until the editor can take a command needing `needs`: cb(NULL) at once when it can, else
 * when it becomes so; GD_E_NOT_READY after timeout_ms; GD_E_EDITOR_UNAVAILABLE when it is
 * stopped (and autostart is false) or fails. autostart starts a stopped editor. */
void gd_editor_wait(gd_editor *e, gd_needs needs, uint64_t timeout_ms, bool autostart,
                    gd_editor_wait_cb cb, void *ud);
/* The /status body (new reference). */
json_t *gd_editor_status_json(const gd_editor *e);
const char *gd_editor_state_name(gd_state s);
/* Kills any editor process group at once (daemon exit on a fatal path). */
void gd_editor_kill_now(gd_editor *e);
/* Closes every handle; the loop can then finish. The editor must be stopped (or abandoned). */
void gd_editor_close(gd_editor *e);

#endif
