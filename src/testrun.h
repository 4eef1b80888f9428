/* testrun: run_tests — the project's GUT or gdUnit4 suites, run headless in a Godot process of
 * their own (never inside the editor) through the framework's command-line runner with a JUnit
 * XML report, and returned as data (junit.h).
 *
 * Owns the framework detection (addons/gut/gut_cmdln.gd, addons/gdUnit4/bin/GdUnitCmdTool.gd),
 * each framework's command line, the runner process (its own process group; stdout and stderr
 * kept as a tail; killed with its group at the timeout or when the caller cancels), and the
 * report's reading. Calls junit, godot (the environment), jansson, libuv, log.
 */
#ifndef GD_TESTRUN_H
#define GD_TESTRUN_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

/* Lines of the runner's output kept for the result (the last ones). */
#define GD_TESTRUN_TAIL_LINES 80
#define GD_TESTRUN_DEFAULT_TIMEOUT_MS 600000

typedef struct gd_testrun gd_testrun;

/* The outcome: code NULL and result (borrowed) {framework, totals, suites, failures, exit_code,
 * duration_ms, output_tail, report, command}, or a GD_E_* code and message (not_found: no
 * framework; timeout: killed at the timeout, the message ends with the output's tail; failed:
 * no report). */
typedef void (*gd_testrun_cb)(void *ud, const char *code, const char *msg, json_t *result);

/* Starts a run of project's tests with godot (the binary) and params {framework?, paths?,
 * test?, timeout_ms?} (borrowed; validated against the registry already). cb runs exactly once,
 * maybe inline (bad params, no framework, spawn failure); then NULL is returned. */
gd_testrun *gd_testrun_start(uv_loop_t *loop, const char *godot, const char *project,
                             json_t *params, gd_testrun_cb cb, void *ud);
/* Kills the runner's process group; once it is gone cb gets a `failed` "cancelled" outcome
 * (the caller's own bookkeeping ends there). Nothing when the runner already ended. */
void gd_testrun_cancel(gd_testrun *t);
/* What the run is doing, for progress notifications: "GUT runner (pid N): 4.2 s, 57 lines of
 * output; last: <its last non-empty line, cut>", into buf (n bytes, NUL-terminated, UTF-8). */
void gd_testrun_progress(const gd_testrun *t, char *buf, size_t n);

#endif
