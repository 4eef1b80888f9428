#include "auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "install.h"

int gd_auth_token_path(const char *project, char *out, size_t size) {
  int n = snprintf(out, size, "%s/.godot/godotd/token", project);
  return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int gd_auth_token_generate(char *out) {
  unsigned char raw[GD_AUTH_TOKEN_BYTES];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    got += (size_t)n;
  }
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof raw; i++) {
    out[2 * i] = hex[raw[i] >> 4];
    out[2 * i + 1] = hex[raw[i] & 15];
  }
  out[GD_AUTH_TOKEN_HEX] = '\0';
  return 0;
}

/* Writes a new token file at path unless one exists: the token goes to a private staging file
 * first (atomic write, fsync), which is then hard-linked to path; link() never replaces, so two
 * creators racing agree on the first one's token. 0 (written or already there) or -errno. */
static int gd__create(const char *path) {
  char token[GD_AUTH_TOKEN_HEX + 2];
  int rc = gd_auth_token_generate(token);
  if (rc != 0) return rc;
  memcpy(token + GD_AUTH_TOKEN_HEX, "\n", 2);
  char stage[PATH_MAX];
  if (snprintf(stage, sizeof stage, "%s.new.%ld", path, (long)getpid()) >= (int)sizeof stage)
    return -ENAMETOOLONG;
  rc = gd_write_file_atomic(stage, token, GD_AUTH_TOKEN_HEX + 1, 0600);
  if (rc != 0) return rc;
  rc = link(stage, path) == 0 || errno == EEXIST ? 0 : -errno;
  unlink(stage);
  return rc;
}

int gd_auth_token_load(const char *path, bool create, char *out, size_t out_size, bool *created,
                       char *err, size_t err_size) {
  if (created) *created = false;
  if (out_size <= GD_AUTH_TOKEN_MAX) {
    snprintf(err, err_size, "token buffer too small");
    return -1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 && errno == ENOENT && create) {
    int rc = gd__create(path);
    if (rc != 0) {
      snprintf(err, err_size, "cannot create the token file %s: %s", path, strerror(-rc));
      return -1;
    }
    if (created) *created = true;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  }
  if (fd < 0) {
    snprintf(err, err_size, "cannot read the token file %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  char buf[GD_AUTH_TOKEN_MAX + 2];
  ssize_t n = -1;
  if (fstat(fd, &st) != 0) {
    snprintf(err, err_size, "cannot stat the token file %s: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    snprintf(err, err_size, "the token file %s is not a regular file", path);
  } else if (st.st_uid != geteuid()) {
    snprintf(err, err_size, "the token file %s belongs to uid %ld, not to this user (%ld): refused",
             path, (long)st.st_uid, (long)geteuid());
  } else if (st.st_mode & 077) {
    snprintf(err, err_size,
             "the token file %s has mode %04o: group or others may read or change it, so it is "
             "refused; run `chmod 600 %s` (or delete it for a new token)",
             path, (unsigned)(st.st_mode & 07777), path);
  } else {
    do n = read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0) snprintf(err, err_size, "cannot read the token file %s: %s", path, strerror(errno));
  }
  close(fd);
  if (n < 0) return -1;
  size_t len = (size_t)n;
  if (len > 0 && buf[len - 1] == '\n') len--;
  if (len > 0 && buf[len - 1] == '\r') len--;
  bool ok = len >= GD_AUTH_TOKEN_MIN && len <= GD_AUTH_TOKEN_MAX;
  for (size_t i = 0; ok && i < len; i++) ok = buf[i] > ' ' && buf[i] < 0x7f;
  if (!ok) {
    snprintf(err, err_size,
             "the token file %s does not hold a token (one line of %d to %d visible ASCII "
             "characters)",
             path, GD_AUTH_TOKEN_MIN, GD_AUTH_TOKEN_MAX);
    return -1;
  }
  memcpy(out, buf, len);
  out[len] = '\0';
  return 0;
}

int gd_auth_project_token(const char *project, const char *token_file, char *out,
                          size_t out_size, char *err, size_t err_size) {
  char path[PATH_MAX];
  if (!token_file) {
    if (gd_auth_token_path(project, path, sizeof path) != 0) {
      snprintf(err, err_size, "%s: path too long", project);
      return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/.godot", project);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/.godot/godotd", project);
    mkdir(dir, 0755);
    token_file = path;
  }
  return gd_auth_token_load(token_file, true, out, out_size, NULL, err, err_size);
}

bool gd_auth_equal(const char *a, size_t alen, const char *b, size_t blen) {
  /* Every byte of b is compared, against a's byte at the same place or 0 past a's end; a
   * length mismatch counts as a difference. volatile: no early exit can be compiled in. */
  volatile unsigned char diff = alen != blen;
  for (size_t i = 0; i < blen; i++) {
    unsigned char x = i < alen ? (unsigned char)a[i] : 0;
    diff |= x ^ (unsigned char)b[i];
  }
  return diff == 0;
}

bool gd_auth_bearer_ok(const char *authorization, const char *token) {
  if (!authorization || !token || !token[0]) return false;
  if (strncasecmp(authorization, "Bearer", 6) != 0) return false;
  const char *t = authorization + 6;
  if (*t != ' ' && *t != '\t') return false;
  while (*t == ' ' || *t == '\t') t++;
  return gd_auth_equal(t, strlen(t), token, strlen(token));
}

bool gd_auth_loopback_address(const char *host) {
  if (!host) return false;
  if (strcasecmp(host, "localhost") == 0) return true;
  unsigned char a[16];
  if (inet_pton(AF_INET, host, a) == 1) return a[0] == 127;
  if (inet_pton(AF_INET6, host, a) != 1) return false;
  static const unsigned char loop6[16] = {[15] = 1};
  static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
  if (memcmp(a, loop6, 16) == 0) return true;
  return memcmp(a, mapped, 12) == 0 && a[12] == 127;
}

int gd_auth_token_main(int argc, char **argv) {
  static struct option opts[] = {{"project", required_argument, 0, 'p'},
                                 {"token-file", required_argument, 0, 't'},
                                 {"help", no_argument, 0, 'h'},
                                 {0, 0, 0, 0}};
  const char *project = NULL, *token_file = NULL;
  int c;
  optind = 2;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'p': project = optarg; break;
    case 't': token_file = optarg; break;
    case 'h':
      printf("usage: godotd token --project PATH [--token-file PATH]\n"
             "prints the daemon's bearer token (PROJECT/.godot/godotd/token), creating it\n");
      return 0;
    default: return 2;
    }
  }
  if ((!project && !token_file) || optind != argc) {
    fprintf(stderr, "usage: godotd token --project PATH [--token-file PATH]\n");
    return 2;
  }
  char real[PATH_MAX];
  if (project && !realpath(project, real)) {
    fprintf(stderr, "godotd: --project %s: %s\n", project, strerror(errno));
    return 2;
  }
  char token[GD_AUTH_TOKEN_MAX + 1], err[PATH_MAX + 256];
  if (gd_auth_project_token(project ? real : NULL, token_file, token, sizeof token, err,
                            sizeof err) != 0) {
    fprintf(stderr, "godotd: %s\n", err);
    return 1;
  }
  printf("%s\n", token);
  return 0;
}
