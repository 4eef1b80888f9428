#include "install.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* No addon file or project.godot is anywhere near this; a bigger one means a wrong path. */
#define GD_INSTALL_MAX_FILE (8u << 20)

char *gd_read_file(const char *path, size_t max, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
    if (errno == 0 || (size_t)st.st_size > max) errno = EFBIG;
    close(fd);
    return NULL;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (buf && got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (!buf) return NULL;
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

int gd_write_file_atomic(const char *path, const void *data, size_t len, int mode) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.godotd-tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return -ENAMETOOLONG;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) goto fail;
    p += n;
    left -= (size_t)n;
  }
  if (fsync(fd) < 0) goto fail;
  if (close(fd) < 0) {
    fd = -1;
    goto fail;
  }
  if (rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return -e;
  }
  return 0;
fail: {
  int e = errno;
  if (fd >= 0) close(fd);
  unlink(tmp);
  return -e;
}
}

int gd_install_mkdirs(const char *dir) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
  return 0;
}

/* Copies src into dst unless dst already has the same bytes. 1 written, 0 unchanged, -errno. */
static int gd__sync_file(const char *src, const char *dst) {
  size_t slen, dlen;
  char *s = gd_read_file(src, GD_INSTALL_MAX_FILE, &slen);
  if (!s) return -errno;
  char *d = gd_read_file(dst, GD_INSTALL_MAX_FILE, &dlen);
  int rc = 0;
  if (!d || dlen != slen || memcmp(s, d, slen) != 0)
    rc = gd_write_file_atomic(dst, s, slen, 0644) == 0 ? 1 : -errno;
  free(s);
  free(d);
  return rc;
}

static int gd__sync_dir(const char *src, const char *dst, char *err, size_t err_size) {
  int rc = gd_install_mkdirs(dst);
  if (rc < 0) {
    snprintf(err, err_size, "cannot create %s: %s", dst, strerror(-rc));
    return -1;
  }
  DIR *dir = opendir(src);
  if (!dir) {
    snprintf(err, err_size, "cannot read addon directory %s: %s", src, strerror(errno));
    return -1;
  }
  int written = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    /* Godot's .uid/.import sidecars are the project's own; never copy editor caches. */
    if (e->d_name[0] == '.') continue;
    char s[PATH_MAX], d[PATH_MAX];
    snprintf(s, sizeof s, "%s/%s", src, e->d_name);
    snprintf(d, sizeof d, "%s/%s", dst, e->d_name);
    struct stat st;
    if (stat(s, &st) < 0) continue;
    if (S_ISDIR(st.st_mode)) {
      int n = gd__sync_dir(s, d, err, err_size);
      if (n < 0) {
        written = -1;
        break;
      }
      written += n;
    } else if (S_ISREG(st.st_mode) && !strstr(e->d_name, ".godotd-tmp.")) {
      int n = gd__sync_file(s, d);
      if (n < 0) {
        snprintf(err, err_size, "cannot install %s: %s", d, strerror(-n));
        written = -1;
        break;
      }
      written += n;
    }
  }
  closedir(dir);
  return written;
}

/* Appends n bytes of s to the growing buffer b (len/cap); -1 on ENOMEM. */
/* Closes f, an open_memstream over *out, and returns its text (malloc'ed; *out is only
 * current after fclose), or NULL when a write failed (out of memory: the error flag, or
 * fclose's own flush). */
static char *gd__memstream_close(FILE *f, char **out) {
  bool failed = ferror(f) != 0;
  if (fclose(f) != 0 || failed) {
    free(*out);
    return NULL;
  }
  return *out;
}

/* text (an INI file: project.godot, a ConfigFile) with the line entry ("key=value", key given
 * as key_eq "key=") in [section]: a line of that key is replaced where it stands; else entry
 * goes first in the section (after a blank line when blank_before); else the section is added
 * at the end. An exact match returns a copy unchanged. Malloc'ed; NULL on ENOMEM. */
static char *gd__ini_set(const char *text, const char *section, const char *key_eq,
                         const char *entry, bool blank_before) {
  size_t slen = strlen(section), klen = strlen(key_eq), elen = strlen(entry);
  const char *sect = NULL;
  for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
    if (strncmp(line, section, slen) == 0) {
      sect = line;
      break;
    }
  const char *after = NULL, *key = NULL, *eol = NULL;
  if (sect) {
    after = strchr(sect, '\n');
    after = after ? after + 1 : sect + strlen(sect);
    for (const char *line = after; *line && *line != '[';
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
      if (strncmp(line, key_eq, klen) != 0) continue;
      key = line;
      eol = strchr(line, '\n');
      eol = eol ? eol : line + strlen(line);
      if ((size_t)(eol - line) == elen && memcmp(line, entry, elen) == 0) return strdup(text);
      break;
    }
  }
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f) return NULL;
  if (!sect) {
    size_t tl = strlen(text);
    fputs(text, f);
    fputs(!tl ? "" : text[tl - 1] != '\n' ? "\n\n" : "\n", f);
    fprintf(f, "%s\n\n%s\n", section, entry);
  } else if (key) {
    fwrite(text, 1, (size_t)(key - text), f);
    fputs(entry, f);
    fputs(eol, f);
  } else {
    fwrite(text, 1, (size_t)(after - text), f);
    if (after == sect + strlen(sect)) fputc('\n', f);
    if (blank_before) fputc('\n', f);
    fprintf(f, "%s\n", entry);
    fputs(after, f);
  }
  return gd__memstream_close(f, &out);
}

char *gd_install_enable_plugin(const char *text) {
  static const char entry[] = "\"" GD_PLUGIN_CFG "\"";
  static const char line[] = "enabled=PackedStringArray(" "\"" GD_PLUGIN_CFG "\"" ")";
  const char *sect = NULL, *enabled = NULL;
  for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
    if (strncmp(l, "[editor_plugins]", 16) == 0) {
      sect = l;
      break;
    }
  if (sect) { /* enabled= inside the section (until the next "[" header) */
    const char *l = strchr(sect, '\n');
    for (l = l ? l + 1 : sect + strlen(sect); *l && *l != '[';
         l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
      if (strncmp(l, "enabled=", 8) == 0) {
        enabled = l;
        break;
      }
  }
  const char *close = enabled ? strchr(enabled, ')') : NULL;
  const char *open = enabled ? strstr(enabled, "PackedStringArray(") : NULL;
  /* No section, no enabled= in it, or a value not of a form we understand (rewritten with ours
   * alone rather than guessed at): the line is set as any other. */
  if (!close || !open || open > close) return gd__ini_set(text, "[editor_plugins]", "enabled=", line, true);
  if (memmem(open, (size_t)(close - open), entry, sizeof entry - 1)) return strdup(text);
  const char *ins = open + strlen("PackedStringArray(");
  bool empty = true;
  for (const char *p = ins; p < close; p++)
    if (*p != ' ' && *p != '\t' && *p != '\n') empty = false;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f) return NULL;
  fwrite(text, 1, (size_t)(close - text), f);
  if (!empty) fputs(", ", f);
  fputs(entry, f);
  fputs(close, f);
  return gd__memstream_close(f, &out);
}

char *gd_install_add_autoload(const char *text) {
  /* First in the section: autoloads are added to the tree in file order, and the agent's frame
   * must begin before the game's nodes run theirs (game_step counts frames from there). An
   * older value of ours (another path) is replaced where it stands. */
  return gd__ini_set(text, "[autoload]", GD_RUNTIME_AUTOLOAD "=",
                     GD_RUNTIME_AUTOLOAD "=\"*" GD_RUNTIME_SCRIPT "\"", true);
}

char *gd_install_game_view_defaults(const char *text) {
  return gd__ini_set(text, "[game_view]", "embed_on_play=", "embed_on_play=false", false);
}

/* Games godotd plays get their own window (see gd_install_game_view_defaults). 0 or -1. */
static int gd__game_view_defaults(const char *project_dir, char *err, size_t err_size) {
  char dir[PATH_MAX], path[PATH_MAX + 32];
  snprintf(dir, sizeof dir, "%s/.godot/editor", project_dir);
  snprintf(path, sizeof path, "%s/project_metadata.cfg", dir);
  if (gd_install_mkdirs(dir) != 0) {
    snprintf(err, err_size, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  size_t len = 0;
  char *text = gd_read_file(path, GD_INSTALL_MAX_FILE, &len);
  char *updated = gd_install_game_view_defaults(text ? text : "");
  int rc = 0;
  if (!updated) {
    snprintf(err, err_size, "out of memory");
    rc = -1;
  } else if (!text || strcmp(text, updated) != 0) {
    int w = gd_write_file_atomic(path, updated, strlen(updated), 0644);
    if (w < 0) {
      snprintf(err, err_size, "cannot update %s: %s", path, strerror(-w));
      rc = -1;
    }
  }
  free(text);
  free(updated);
  return rc;
}

int gd_install_addon_files(const char *project_dir, const char *addon_dir, char *err,
                           size_t err_size) {
  char path[PATH_MAX], dst[PATH_MAX];
  snprintf(path, sizeof path, "%s/project.godot", project_dir);
  if (access(path, R_OK) != 0) {
    snprintf(err, err_size, "%s: %s (not a Godot project?)", path, strerror(errno));
    return -1;
  }
  snprintf(dst, sizeof dst, "%s/addons/godotd", project_dir);
  return gd__sync_dir(addon_dir, dst, err, err_size);
}

int gd_install_addon(const char *project_dir, const char *addon_dir, char *err, size_t err_size) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/project.godot", project_dir);
  size_t len;
  char *text = gd_read_file(path, GD_INSTALL_MAX_FILE, &len);
  if (!text) {
    snprintf(err, err_size, "%s: %s (not a Godot project?)", path, strerror(errno));
    return -1;
  }
  char dst[PATH_MAX];
  snprintf(dst, sizeof dst, "%s/addons/godotd", project_dir);
  int written = gd__sync_dir(addon_dir, dst, err, err_size);
  if (written < 0) {
    free(text);
    return -1;
  }
  if (gd__game_view_defaults(project_dir, err, err_size) != 0) {
    free(text);
    return -1;
  }
  char *enabled = gd_install_enable_plugin(text);
  char *updated = enabled ? gd_install_add_autoload(enabled) : NULL;
  free(enabled);
  if (!updated) {
    free(text);
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (strcmp(updated, text) != 0) {
    int rc = gd_write_file_atomic(path, updated, strlen(updated), 0644);
    if (rc < 0) {
      snprintf(err, err_size, "cannot update %s: %s", path, strerror(-rc));
      written = -1;
    } else {
      written++;
    }
  }
  free(text);
  free(updated);
  return written;
}
