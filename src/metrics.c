#include "metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gd_metric *gd_metrics_add(gd_metrics *ms, const char *name, const char *help, gd_metric_type type,
                          const double *bounds, size_t nbounds) {
  gd_metric *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->name = strdup(name);
  m->help = strdup(help);
  m->type = type;
  if (type == GD_METRIC_HISTOGRAM && nbounds) {
    m->bounds = malloc(nbounds * sizeof *m->bounds);
    if (m->bounds) {
      memcpy(m->bounds, bounds, nbounds * sizeof *m->bounds);
      m->nbounds = nbounds;
    }
  }
  if (!m->name || !m->help || (type == GD_METRIC_HISTOGRAM && nbounds && !m->bounds)) {
    free(m->name);
    free(m->help);
    free(m->bounds);
    free(m);
    return NULL;
  }
  if (ms->last) ms->last->next = m;
  else ms->first = m;
  ms->last = m;
  return m;
}

static void gd__free_series(gd_metric_series *s) {
  while (s) {
    gd_metric_series *next = s->next;
    free(s->labels);
    free(s->buckets);
    free(s);
    s = next;
  }
}

void gd_metric_clear(gd_metric *m) {
  gd__free_series(m->series);
  m->series = m->last = NULL;
  m->nseries = 0;
}

void gd_metrics_free(gd_metrics *ms) {
  for (gd_metric *m = ms->first; m;) {
    gd_metric *next = m->next;
    gd_metric_clear(m);
    free(m->name);
    free(m->help);
    free(m->bounds);
    free(m);
    m = next;
  }
  ms->first = ms->last = NULL;
}

static gd_metric_series *gd__find(const gd_metric *m, const char *labels) {
  for (gd_metric_series *s = m->series; s; s = s->next)
    if (strcmp(s->labels, labels) == 0) return s;
  return NULL;
}

static gd_metric_series *gd__series(gd_metric *m, const char *labels) {
  if (!labels) labels = "";
  gd_metric_series *s = gd__find(m, labels);
  if (s) return s;
  s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->labels = strdup(labels);
  if (m->type == GD_METRIC_HISTOGRAM) s->buckets = calloc(m->nbounds + 1, sizeof *s->buckets);
  if (!s->labels || (m->type == GD_METRIC_HISTOGRAM && !s->buckets)) {
    free(s->labels);
    free(s->buckets);
    free(s);
    return NULL;
  }
  if (m->last) m->last->next = s;
  else m->series = s;
  m->last = s;
  m->nseries++;
  return s;
}

void gd_metric_inc(gd_metric *m, const char *labels, double by) {
  gd_metric_series *s = m ? gd__series(m, labels) : NULL;
  if (s) s->value += by;
}

void gd_metric_set(gd_metric *m, const char *labels, double value) {
  gd_metric_series *s = m ? gd__series(m, labels) : NULL;
  if (s) s->value = value;
}

void gd_metric_observe(gd_metric *m, const char *labels, double value) {
  gd_metric_series *s = m && m->type == GD_METRIC_HISTOGRAM ? gd__series(m, labels) : NULL;
  if (!s) return;
  size_t i = 0;
  while (i < m->nbounds && value > m->bounds[i]) i++;
  s->buckets[i]++; /* i == nbounds: only +Inf */
  s->sum += value;
  s->count++;
}

double gd_metric_get(const gd_metric *m, const char *labels) {
  const gd_metric_series *s = m ? gd__find(m, labels ? labels : "") : NULL;
  if (!s) return 0;
  return m->type == GD_METRIC_HISTOGRAM ? (double)s->count : s->value;
}

char *gd_metrics_labels(char *buf, size_t n, ...) {
  va_list ap;
  va_start(ap, n);
  size_t o = 0;
  buf[0] = '\0';
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (!k) break;
    const char *v = va_arg(ap, const char *);
    if (!v) v = "";
    char pair[512];
    size_t p = (size_t)snprintf(pair, sizeof pair, "%s%s=\"", o ? "," : "", k);
    for (const char *c = v; *c && p + 3 < sizeof pair; c++) {
      if (*c == '\\' || *c == '"') pair[p++] = '\\', pair[p++] = *c;
      else if (*c == '\n') pair[p++] = '\\', pair[p++] = 'n';
      else pair[p++] = *c;
    }
    pair[p++] = '"';
    pair[p] = '\0';
    if (o + p + 1 > n) break;
    memcpy(buf + o, pair, p + 1);
    o += p;
  }
  va_end(ap);
  return buf;
}

/* The text being rendered: a memory stream (open_memstream(3), as registry.c's markdown). */
typedef struct {
  FILE *f;
  char *s;
  size_t len;
} gd__buf;

static void gd__put(gd__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void gd__put(gd__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(b->f, fmt, ap);
  va_end(ap);
}

/* A sample value as the format wants it: integers without a fraction, +Inf/-Inf/NaN spelled. */
static const char *gd__num(char *out, size_t n, double v) {
  if (isnan(v)) snprintf(out, n, "NaN");
  else if (isinf(v)) snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0) snprintf(out, n, "%.0f", v);
  else snprintf(out, n, "%.15g", v);
  return out;
}

static void gd__help(gd__buf *b, const char *help) {
  gd__put(b, " ");
  for (const char *c = help; *c; c++) {
    if (*c == '\\') gd__put(b, "\\\\");
    else if (*c == '\n') gd__put(b, "\\n");
    else gd__put(b, "%c", *c);
  }
}

char *gd_metrics_render(const gd_metrics *ms) {
  static const char *types[] = {"counter", "gauge", "histogram"};
  gd__buf b = {0};
  b.f = open_memstream(&b.s, &b.len);
  if (!b.f) return NULL;
  char num[64], le[64];
  for (const gd_metric *m = ms->first; m; m = m->next) {
    gd__put(&b, "# HELP %s", m->name);
    gd__help(&b, m->help);
    gd__put(&b, "\n# TYPE %s %s\n", m->name, types[m->type]);
    for (const gd_metric_series *s = m->series; s; s = s->next) {
      const char *sep = s->labels[0] ? "," : "";
      if (m->type != GD_METRIC_HISTOGRAM) {
        if (s->labels[0]) gd__put(&b, "%s{%s} %s\n", m->name, s->labels, gd__num(num, sizeof num, s->value));
        else gd__put(&b, "%s %s\n", m->name, gd__num(num, sizeof num, s->value));
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= m->nbounds; i++) {
        cumulative += s->buckets[i];
        if (i < m->nbounds) snprintf(le, sizeof le, "%.6g", m->bounds[i]);
        else snprintf(le, sizeof le, "+Inf");
        gd__put(&b, "%s_bucket{%s%sle=\"%s\"} %llu\n", m->name, s->labels, sep, le,
                (unsigned long long)cumulative);
      }
      const char *open = s->labels[0] ? "{" : "", *close = s->labels[0] ? "}" : "";
      gd__put(&b, "%s_sum%s%s%s %s\n", m->name, open, s->labels, close,
              gd__num(num, sizeof num, s->sum));
      gd__put(&b, "%s_count%s%s%s %llu\n", m->name, open, s->labels, close,
              (unsigned long long)s->count);
    }
  }
  bool failed = ferror(b.f) != 0;
  if (fclose(b.f) != 0 || failed) {
    free(b.s);
    return NULL;
  }
  return b.s;
}
