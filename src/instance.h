/* instance: one daemon per project, and how others find it.
 *
 * Owns <project>/.godot/godotd/daemon.lock (an flock held for the daemon's life, so a second
 * daemon on the same project refuses to start instead of fighting over the editor) and
 * daemon.json ({"pid", "port"}: where `godotd mcp` and scripts find the running daemon).
 * Calls only libc (and install's atomic write).
 */
#ifndef GD_INSTANCE_H
#define GD_INSTANCE_H

#include <stddef.h>

/* Takes the project's daemon lock. Returns the lock's fd (keep it open for the daemon's life;
 * the kernel drops the lock when the process dies), -2 when another live process holds it, or -1
 * with a reason in err. Creates .godot/godotd/ when missing. */
int gd_instance_lock(const char *project, char *err, size_t err_size);
/* Writes daemon.json (pid, port, base) atomically: base is "" when the project is the daemon's
 * default one, else its route prefix ("/projects/<name>", where its /mcp and other routes are).
 * 0 or -errno. */
int gd_instance_write(const char *project, int pid, int port, const char *base);
/* daemon.json's base into out (n bytes): "" for the default project or when none is named. */
void gd_instance_base(const char *project, char *out, size_t n);
/* Removes daemon.json if it names pid (a daemon exiting leaves no stale pointer). */
void gd_instance_clear(const char *project, int pid);
/* Reads daemon.json: 0 with *pid and *port when it names a live process, else -1. */
int gd_instance_read(const char *project, int *pid, int *port);

/* The port daemon.json names even when its daemon is dead (0 when none): a new daemon should
 * listen there, because an editor it adopts dials the port it was started with. */
int gd_instance_last_port(const char *project);

#endif
