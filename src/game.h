/* game: the games running under godotd, each reached through the runtime agent inside it
 * (addons/godotd/runtime/game_agent.gd, added by the autoload runtime/agent.gd), which dials
 * the daemon's WebSocket at /game (docs/protocol.md "Games").
 *
 * Owns one record per game link: its id (1, 2, ... per daemon, never reused), its own bridge
 * (hello/welcome, requests with timeouts and size limits, exactly as the editor's), what its
 * hello said (pid, scene, renderer), its output events (stored in the output stream as source
 * "game"), and its end: a clean exit announced by the agent, a stop by the editor, or a crash
 * (the link dropped without either), with the exit code the editor (the game's parent) reports.
 * Start, exit and crash are entries of the output stream too, and go to an optional lifecycle
 * callback (MCP notifications). Calls bridge, output, log, libuv, jansson.
 */
#ifndef GD_GAME_H
#define GD_GAME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "bridge.h"
#include "output.h"

typedef struct gd_games gd_games;
typedef struct gd_game_proc gd_game_proc; /* a game process the daemon started itself */

typedef struct gd_game {
  gd_games *hub;
  int id;                 /* 0 until welcomed */
  gd_bridge bridge;       /* one link: the agent's */
  bool welcomed, exiting, ended, finalized;
  int pid, editor_pid;
  char session[65];
  char scene[1024];
  char renderer[32];
  bool headless;
  int64_t started_unix_ms, ended_unix_ms;
  uint64_t started_ms;    /* uv_now */
  json_t *commands;       /* the agent's command names (array), or NULL */
  struct {
    bool editor_said;     /* the editor reported the exit (game_exited) */
    bool stopped;         /* the editor stopped it (stop, restart_game, play over it) */
    bool read;            /* the daemon read the status off the zombie (below) */
    int code;             /* exit code, -1 unknown (or killed by a signal) */
    int signal;           /* the signal that killed it, 0 none */
    int reads;            /* /proc polls so far */
  } exit;
  uv_timer_t finalize;    /* after the link closed: wait a little for the editor's word */
  uv_timer_t reap;        /* polls /proc/PID/stat for the zombie's exit status */
  uv_poll_t exit_poll;    /* on a pidfd of the game: readable when it has exited */
  int pidfd;              /* -1 when none (pidfd_open failed, or closed) */
  bool reap_done;         /* the status was read, or cannot be any more */
  bool wait_over;         /* GD_GAMES_EXIT_WAIT_MS passed since the link closed */
  int open_timers;
  struct gd_game *next;
} gd_game;

/* The exit code the editor reported for a pid no game record has (yet). */
typedef struct gd_games_exit_note {
  int pid, code;
  bool stopped;
  uint64_t at_ms;
} gd_games_exit_note;

struct gd_games {
  uv_loop_t *loop;
  gd_output *out;
  gd_game *games;         /* live and ending games, newest first */
  int next_id;
  json_t *exited;         /* the last GD_GAMES_KEEP_EXITED exits (newest last), as reported */
  gd_games_exit_note notes[8];
  gd_game_proc *procs;    /* game processes the daemon started (run_and_capture) */
  /* Told of game_started / game_exited / game_crashed with the entry (borrowed); may be NULL. */
  void (*on_lifecycle)(void *ud, json_t *entry);
  void *on_lifecycle_ud;
  bool closing;
};

#define GD_GAMES_KEEP_EXITED 16
/* How long a game whose link dropped waits for the editor's word on its exit (ms). */
#define GD_GAMES_EXIT_WAIT_MS 1500
/* The daemon is not the game's parent, so waitpid cannot tell it the exit status; but until its
 * parent reaps it, an exited process is a zombie whose status /proc/PID/stat shows (field 52,
 * Linux 3.5+). The daemon holds a pidfd of each game (pidfd_open works on any process), which
 * becomes readable the moment the game exits, and reads the status then; the editor reaps
 * within a frame or two. Without a pidfd it polls /proc every millisecond after the link
 * drops, this many times at most. */
#define GD_GAMES_REAP_POLLS 3000

void gd_games_init(gd_games *h, uv_loop_t *loop, gd_output *out);
/* Drops every game link (daemon exit); their records go once the links are closed. */
void gd_games_close(gd_games *h);
/* Frees what is left, after the loop has run the links' closes. */
void gd_games_free(gd_games *h);

/* Server side: a WebSocket link opened on /game. The hub makes it a game record; the link's
 * text and close go through gd_bridge_link_text / gd_bridge_link_closed as for the editor. */
void gd_games_link_open(gd_games *h, gd_bridge_link *link);

/* The editor (the game's parent process) saw a game process end: its pid, exit code (-1
 * unknown; the editor's own reaping often beats it, so the daemon's /proc read comes first),
 * and whether the editor itself stopped it. */
void gd_games_editor_exit(gd_games *h, int pid, int code, bool stopped);

/* Starts a game process itself (the daemon is its parent, so it knows the exact exit status,
 * and reads its stdout/stderr): file and args (NULL-terminated; args[0] the program) and env as
 * uv_spawn takes them, in its own process group. What the process prints becomes output entries
 * only where its runtime agent cannot report it: before the agent connects when it never does,
 * and Godot's crash handler's lines. Returns the pid, or -1 with a reason in err. */
int gd_games_launch(gd_games *h, const char *file, const char **args, char **env,
                    const char *cwd, char *err, size_t err_size);
/* Stops a game process gd_games_launch started: SIGTERM to its process group, SIGKILL after
 * GD_GAMES_KILL_MS. Its end is reported as stopped. false when there is no such process. */
bool gd_games_stop_launched(gd_games *h, int pid);
#define GD_GAMES_KILL_MS 2000

/* The game a command addresses: id > 0 that game, 0 the newest running one. NULL when there is
 * none, with a GD_E_* code in *code and why in err (naming get_game_state / play). */
gd_game *gd_games_find(gd_games *h, int id, const char **code, char *err, size_t err_size);
/* Running games (welcomed, link up). */
int gd_games_running(const gd_games *h);

/* Sends a command to game g (gd_bridge_call: same callback rules and return values). */
int gd_games_call(gd_game *g, const char *command, json_t *params, uint64_t timeout_ms,
                  gd_bridge_reply_cb cb, void *ud);

/* The wait status in /proc/PID/stat text (field 52 "exit_code") of a zombie: 1 and *status
 * set when the text is a zombie's, 0 when the process is not (yet) a zombie, -1 when the text
 * cannot be parsed. Pure, for tests. */
int gd_games_parse_zombie(const char *stat, int *status);

/* {id, pid, editor_pid, scene, headless, renderer, started_unix_ms, uptime_ms} of a game. New
 * reference. */
json_t *gd_game_json(const gd_game *g);
/* The recent exits (array, newest last). New reference. */
json_t *gd_games_exited_json(const gd_games *h);

#endif
