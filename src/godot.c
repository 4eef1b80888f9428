#include "godot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

int gd_self_dir(char *out, size_t out_size) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = '\0';
  if (strlen(exe) + 1 > out_size) return -1;
  strcpy(out, exe);
  return 0;
}

/* Runs `bin --version` and keeps its first line. The child's stdin is /dev/null and it gets
 * 20 s: a broken binary must not hang the daemon's start. */
static int gd__query_version(const char *bin, char *out, size_t out_size) {
  int fds[2];
  if (pipe(fds) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
      dup2(nul, 0);
      dup2(nul, 2);
    }
    close(fds[0]);
    alarm(20);
    execl(bin, bin, "--version", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char buf[512];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && (n = read(fds[0], buf + len, sizeof buf - 1 - len)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    len += (size_t)n;
  }
  close(fds[0]);
  buf[len] = '\0';
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  if (!buf[0]) return -1;
  size_t l = strlen(buf) < out_size ? strlen(buf) : out_size - 1; /* keep a prefix of a long line */
  memcpy(out, buf, l);
  out[l] = '\0';
  return 0;
}

static int gd__try(const char *path, const char *source, gd_godot_bin *out) {
  if (!path || !*path || access(path, X_OK) != 0) return -1;
  if (!realpath(path, out->path)) return -1;
  out->source = source;
  return 0;
}

static int gd__search_path(const char *name, gd_godot_bin *out) {
  const char *env = getenv("PATH");
  if (!env) return -1;
  char *copy = strdup(env), *save = NULL;
  int rc = -1;
  for (char *dir = strtok_r(copy, ":", &save); dir && rc != 0; dir = strtok_r(NULL, ":", &save)) {
    char cand[PATH_MAX];
    snprintf(cand, sizeof cand, "%s/%s", dir, name);
    rc = gd__try(cand, "PATH", out);
  }
  free(copy);
  return rc;
}

int gd_godot_locate(const char *cli_path, gd_godot_bin *out, char *err, size_t err_size) {
  memset(out, 0, sizeof *out);
  if (cli_path) {
    if (gd__try(cli_path, "--godot", out) != 0) {
      snprintf(err, err_size, "--godot %s: not an executable file", cli_path);
      return -1;
    }
  } else if (getenv("GODOT_BIN")) {
    if (gd__try(getenv("GODOT_BIN"), "GODOT_BIN", out) != 0) {
      snprintf(err, err_size, "$GODOT_BIN=%s: not an executable file", getenv("GODOT_BIN"));
      return -1;
    }
  } else {
    char self[PATH_MAX], cand[PATH_MAX + 64];
    int found = -1;
    const char *prefix = getenv("GODOTD_GODOT_PREFIX");
    if (prefix) {
      snprintf(cand, sizeof cand, "%s/bin/godot", prefix);
      found = gd__try(cand, "private install", out);
    }
    if (found != 0) {
      snprintf(cand, sizeof cand, "%s/.godot-install/bin/godot", GODOTD_SOURCE_ROOT);
      found = gd__try(cand, "private install", out);
    }
    if (found != 0 && gd_self_dir(self, sizeof self) == 0) {
      snprintf(cand, sizeof cand, "%s/../.godot-install/bin/godot", self);
      found = gd__try(cand, "private install", out);
    }
    if (found != 0) found = gd__search_path("godot4", out);
    if (found != 0) found = gd__search_path("godot", out);
    if (found != 0) {
      snprintf(err, err_size,
               "no Godot found: pass --godot PATH, set GODOT_BIN, or run scripts/install-godot");
      return -1;
    }
  }
  char env[PATH_MAX + 32];
  snprintf(env, sizeof env, "%s", out->path);
  char *slash = strrchr(env, '/');
  if (slash) {
    strcpy(slash, "/../render.env");
    if (access(env, R_OK) == 0 && realpath(env, out->render_env) == NULL) out->render_env[0] = 0;
  }
  return 0;
}

int gd_godot_find(const char *cli_path, gd_godot_bin *out, char *err, size_t err_size) {
  if (gd_godot_locate(cli_path, out, err, err_size) != 0) return -1;
  if (gd__query_version(out->path, out->version, sizeof out->version) != 0) {
    snprintf(err, err_size, "%s (from %s) did not answer --version", out->path, out->source);
    return -1;
  }
  return 0;
}

char **gd_godot_plain_env(void) {
  extern char **environ;
  size_t n = 0;
  for (char **e = environ; *e; e++) n++;
  char **env = calloc(n + 1, sizeof *env);
  size_t k = 0;
  for (char **e = environ; env && *e; e++)
    if (strncmp(*e, "GODOTD_URL=", 11) != 0 && strncmp(*e, "GODOTD_TOKEN=", 13) != 0) env[k++] = *e;
  return env;
}
