#include "unit.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "godot.h"
#include "install.h"

/* The unit's text: a memory stream (open_memstream(3)). */
typedef struct {
  FILE *f;
  char *s;
  size_t len;
} gd__text;

static void gd__add(gd__text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gd__add(gd__text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(t->f, fmt, ap);
  va_end(ap);
}

/* An ExecStart= argument: quoted when it has blanks or quotes; '%' doubled (a specifier
 * otherwise), systemd.service(5) "Command lines". */
static void gd__arg(gd__text *t, const char *a, bool first) {
  bool quote = strpbrk(a, " \t\"'\\") != NULL || !*a;
  gd__add(t, "%s%s", first ? "" : " ", quote ? "\"" : "");
  for (const char *c = a; *c; c++) {
    if (*c == '%') gd__add(t, "%%%%");
    else if (*c == '"' || *c == '\\') gd__add(t, "\\%c", *c);
    else gd__add(t, "%c", *c);
  }
  if (quote) gd__add(t, "\"");
}

char *gd_unit_text(const gd_unit_opts *o) {
  gd__text t = {0};
  t.f = open_memstream(&t.s, &t.len);
  if (!t.f) return NULL;
  gd__add(&t,
          "# godotd for %s, written by `godotd install-service` (docs: README \"Run it as a "
          "service\").\n"
          "[Unit]\n"
          "Description=godotd: the Godot editor of %s, supervised\n"
          "After=network.target\n"
          "\n"
          "[Service]\n"
          "# READY=1 once the port listens, STATUS= with the editor's state, WATCHDOG=1 from\n"
          "# the event loop at half of WatchdogSec, STOPPING=1 on the way out.\n"
          "Type=notify\n"
          "NotifyAccess=main\n"
          "WatchdogSec=30\n"
          "ExecStart=",
          o->project, o->project);
  gd__arg(&t, o->godotd, true);
  gd__add(&t, " serve --project");
  gd__arg(&t, o->project, false);
  for (const char *const *a = o->serve_args; a && *a; a++) gd__arg(&t, *a, false);
  gd__add(&t,
          "\n"
          "Restart=on-failure\n"
          "RestartSec=2\n"
          "# The daemon stops its editor itself on SIGTERM (quit, then SIGTERM, then SIGKILL to\n"
          "# the editor's group); whatever is left after it exits is killed.\n"
          "KillMode=mixed\n"
          "TimeoutStopSec=45\n");
  if (!o->user_unit && o->user) gd__add(&t, "User=%s\n", o->user);
  gd__add(&t,
          "# Godot's own per-user files (editor settings, caches) go to the unit's state and cache\n"
          "# directories instead of the home directory.\n"
          "StateDirectory=godotd/%s\n"
          "CacheDirectory=godotd/%s\n"
          "Environment=XDG_CONFIG_HOME=%%S/godotd/%s/config XDG_DATA_HOME=%%S/godotd/%s/data "
          "XDG_CACHE_HOME=%%C/godotd/%s\n",
          o->name, o->name, o->name, o->name, o->name);
  gd__add(&t, "# Sandboxing that a Godot editor still runs under.\n"
              "NoNewPrivileges=yes\n"
              "LockPersonality=yes\n"
              "RestrictRealtime=yes\n"
              "RestrictSUIDSGID=yes\n"
              "SystemCallArchitectures=native\n"
              "# The port, the addon's WebSocket, and interface lookups (netlink).\n"
              "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
  if (!o->user_unit) {
    gd__add(&t,
            "PrivateTmp=yes\n"
            "ProtectSystem=strict\n"
            "ReadWritePaths=");
    gd__arg(&t, o->project, true);
    gd__add(&t,
            "\n"
            "ProtectHome=read-only\n"
            "ProtectKernelTunables=yes\n"
            "ProtectKernelModules=yes\n"
            "ProtectKernelLogs=yes\n"
            "ProtectControlGroups=yes\n"
            "ProtectClock=yes\n"
            "ProtectHostname=yes\n"
            "RestrictNamespaces=yes\n"
            "CapabilityBoundingSet=\n"
            "# Left out on purpose: MemoryDenyWriteExecute (Mesa's llvmpipe compiles shaders to\n"
            "# machine code under --display xvfb), PrivateDevices (a GPU under /dev/dri).\n");
  }
  gd__add(&t, "\n[Install]\nWantedBy=%s\n", o->user_unit ? "default.target" : "multi-user.target");
  bool failed = ferror(t.f) != 0;
  if (fclose(t.f) != 0 || failed) {
    free(t.s);
    return NULL;
  }
  return t.s;
}

static void gd__usage(FILE *f) {
  fprintf(f, "usage: godotd install-service --project PATH [--user] [--name NAME] [--unit-dir DIR]\n"
             "                              [--print] [-- serve options]\n"
             "Writes a systemd unit (Type=notify, watchdog, restart on failure, sandboxed) that\n"
             "runs `godotd serve --project PATH [serve options]`: a system unit in\n"
             "/etc/systemd/system (run as the project's owner), or with --user a user unit in\n"
             "~/.config/systemd/user. --print writes it to stdout instead.\n");
}

int gd_unit_main(int argc, char **argv) {
  static const struct option opts[] = {{"project", required_argument, NULL, 'p'},
                                       {"user", no_argument, NULL, 'u'},
                                       {"name", required_argument, NULL, 'n'},
                                       {"unit-dir", required_argument, NULL, 'd'},
                                       {"print", no_argument, NULL, 'P'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *project = NULL, *name = NULL, *unit_dir = NULL;
  bool user_unit = false, print = false;
  int c;
  optind = 2;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'p': project = optarg; break;
    case 'u': user_unit = true; break;
    case 'n': name = optarg; break;
    case 'd': unit_dir = optarg; break;
    case 'P': print = true; break;
    case 'h': gd__usage(stdout); return 0;
    default: gd__usage(stderr); return 2;
    }
  }
  char real[PATH_MAX], self[PATH_MAX], file[PATH_MAX + 32];
  if (!project || !realpath(project, real)) {
    fprintf(stderr, "godotd install-service: --project %s: %s\n", project ? project : "(none)",
            project ? strerror(errno) : "required");
    return 2;
  }
  snprintf(file, sizeof file, "%s/project.godot", real);
  if (access(file, R_OK) != 0) {
    fprintf(stderr, "godotd install-service: %s has no project.godot\n", real);
    return 2;
  }
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = '\0';
  char short_name[128];
  const char *base = strrchr(real, '/');
  snprintf(short_name, sizeof short_name, "%s", name ? name : base && base[1] ? base + 1 : "project");
  for (char *p = short_name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.' || *p == '-'))
      *p = '-';
  /* Pin the Godot binary found now: the service's environment has no PATH of the user's. */
  const char *extra[64];
  size_t k = 0;
  bool has_godot = false;
  for (int i = optind; i < argc; i++)
    if (strcmp(argv[i], "--godot") == 0) has_godot = true;
  gd_godot_bin bin;
  char err[512];
  if (!has_godot && gd_godot_locate(NULL, &bin, err, sizeof err) == 0) {
    extra[k++] = "--godot";
    extra[k++] = bin.path;
  }
  for (int i = optind; i < argc && k < 63; i++) extra[k++] = argv[i];
  extra[k] = NULL;
  struct stat st;
  struct passwd *pw = stat(real, &st) == 0 ? getpwuid(st.st_uid) : NULL;
  gd_unit_opts o = {.godotd = self,
                    .project = real,
                    .name = short_name,
                    .user = pw ? pw->pw_name : NULL,
                    .user_unit = user_unit,
                    .serve_args = extra};
  char *text = gd_unit_text(&o);
  if (!text) return 1;
  if (print) {
    fputs(text, stdout);
    free(text);
    return 0;
  }
  char dir[PATH_MAX];
  if (unit_dir) snprintf(dir, sizeof dir, "%s", unit_dir);
  else if (user_unit) {
    const char *cfg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (cfg && *cfg) snprintf(dir, sizeof dir, "%s/systemd/user", cfg);
    else snprintf(dir, sizeof dir, "%s/.config/systemd/user", home ? home : ".");
  } else {
    snprintf(dir, sizeof dir, "/etc/systemd/system");
  }
  char path[PATH_MAX + 160];
  snprintf(path, sizeof path, "%s/godotd-%s.service", dir, short_name);
  int rc = gd_install_mkdirs(dir) == 0 ? gd_write_file_atomic(path, text, strlen(text), 0644) : -errno;
  free(text);
  if (rc < 0) {
    fprintf(stderr, "godotd install-service: cannot write %s: %s\n", path, strerror(-rc));
    return 1;
  }
  const char *ctl = user_unit ? "systemctl --user" : "systemctl";
  printf("wrote %s\nnext: %s daemon-reload && %s enable --now godotd-%s.service\n"
         "then: %s status godotd-%s.service; journalctl %s-u godotd-%s.service -f\n",
         path, ctl, ctl, short_name, ctl, short_name, user_unit ? "--user " : "", short_name);
  return 0;
}
