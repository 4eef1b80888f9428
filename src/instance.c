#include "instance.h"

#include <stdbool.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "install.h"

static void gd__path(const char *project, const char *name, char *out, size_t n) {
  snprintf(out, n, "%s/.godot/godotd/%s", project, name);
}

int gd_instance_lock(const char *project, char *err, size_t n) {
  char dir[4096], path[4096];
  snprintf(dir, sizeof dir, "%s/.godot", project);
  mkdir(dir, 0755);
  snprintf(dir, sizeof dir, "%s/.godot/godotd", project);
  mkdir(dir, 0755);
  gd__path(project, "daemon.lock", path, sizeof path);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, n, "%s: %s", path, strerror(errno));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    close(fd);
    if (e == EWOULDBLOCK) return -2;
    snprintf(err, n, "%s: %s", path, strerror(e));
    return -1;
  }
  return fd;
}

int gd_instance_write(const char *project, int pid, int port, const char *base) {
  char path[4096], text[256];
  gd__path(project, "daemon.json", path, sizeof path);
  int len = snprintf(text, sizeof text, "{\"pid\": %d, \"port\": %d, \"base\": \"%.160s\"}\n", pid,
                     port, base ? base : "");
  return gd_write_file_atomic(path, text, (size_t)len, 0644);
}

void gd_instance_base(const char *project, char *out, size_t n) {
  char path[4096];
  gd__path(project, "daemon.json", path, sizeof path);
  json_t *j = json_load_file(path, 0, NULL);
  const char *base = json_string_value(json_object_get(j, "base"));
  /* Only a route prefix of ours: the file is in the project, which others may write. */
  bool ok = base && strncmp(base, "/projects/", 10) == 0 && !strpbrk(base, " \r\n?#");
  snprintf(out, n, "%s", ok ? base : "");
  json_decref(j);
}

int gd_instance_read(const char *project, int *pid, int *port) {
  char path[4096];
  gd__path(project, "daemon.json", path, sizeof path);
  json_t *j = json_load_file(path, 0, NULL);
  if (!j) return -1;
  json_int_t p = json_integer_value(json_object_get(j, "pid"));
  json_int_t q = json_integer_value(json_object_get(j, "port"));
  json_decref(j);
  if (p <= 0 || q <= 0 || q > 65535) return -1;
  if (kill((pid_t)p, 0) != 0 && errno == ESRCH) return -1;
  *pid = (int)p;
  *port = (int)q;
  return 0;
}

void gd_instance_clear(const char *project, int pid) {
  int p, q;
  char path[4096];
  gd__path(project, "daemon.json", path, sizeof path);
  (void)q;
  if (gd_instance_read(project, &p, &q) == 0 && p == pid) unlink(path);
}

int gd_instance_last_port(const char *project) {
  char path[4096];
  gd__path(project, "daemon.json", path, sizeof path);
  json_t *j = json_load_file(path, 0, NULL);
  json_int_t q = j ? json_integer_value(json_object_get(j, "port")) : 0;
  json_decref(j);
  return q > 0 && q <= 65535 ? (int)q : 0;
}
