/* unit: the systemd unit of a godotd service — `godotd install-service` and the shipped
 * template (contrib/systemd/godotd@.service) say the same thing.
 *
 * Owns the unit text: Type=notify with the watchdog (service.h speaks the protocol),
 * Restart=on-failure, KillMode=mixed (the daemon stops its editors itself; systemd then kills
 * what is left), Godot's per-user files redirected into StateDirectory/CacheDirectory, and the
 * sandboxing directives a Godot editor still runs under (each checked against a real editor;
 * the ones left out and why are in the text), and the command that writes it. gd_unit_text is
 * pure; gd_unit_main calls godot (finding Godot to pin it), install (the atomic write), libc.
 */
#ifndef GD_UNIT_H
#define GD_UNIT_H

#include <stdbool.h>

typedef struct gd_unit_opts {
  const char *godotd;    /* absolute path of the godotd binary */
  const char *project;   /* absolute project path */
  const char *name;      /* the unit's short name (godotd-NAME.service), [A-Za-z0-9_.-] */
  const char *user;      /* User= of a system unit, or NULL */
  bool user_unit;        /* systemd --user: no User=, fewer sandboxing directives */
  const char *const *serve_args; /* extra `godotd serve` arguments, NULL-terminated; may be NULL */
} gd_unit_opts;

/* The unit file's text, malloc'ed (caller frees); NULL on ENOMEM. */
char *gd_unit_text(const gd_unit_opts *o);

/* `godotd install-service --project PATH [--user] [--name NAME] [--unit-dir DIR] [--print]
 * [-- serve options]`: writes the unit (atomically) and prints how to enable it. Exit status
 * 0, 1 (cannot write), 2 (usage). */
int gd_unit_main(int argc, char **argv);

#endif
