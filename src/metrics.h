/* metrics: counters, gauges and histograms with labels, rendered in the Prometheus text
 * exposition format (prometheus.io/docs/instrumenting/exposition_formats, version 0.0.4).
 *
 * Owns the metric families (name, help, type, histogram bucket bounds), their series (one per
 * label set, kept in creation order), label escaping, and the text rendering (# HELP, # TYPE,
 * histograms as cumulative _bucket{le=...}, _sum, _count). Naming and units follow Prometheus'
 * conventions (base units: seconds, bytes; counters end in _total): the callers choose the names.
 * No clock and no I/O. Calls only libc.
 */
#ifndef GD_METRICS_H
#define GD_METRICS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { GD_METRIC_COUNTER, GD_METRIC_GAUGE, GD_METRIC_HISTOGRAM } gd_metric_type;

typedef struct gd_metric_series {
  char *labels;          /* `a="x",b="y"`, escaped; "" for none */
  double value;          /* counter or gauge */
  uint64_t *buckets;     /* histogram: observations <= bounds[i] (not cumulative), nbounds */
  double sum;
  uint64_t count;
  struct gd_metric_series *next;
} gd_metric_series;

typedef struct gd_metric {
  char *name;
  char *help;
  gd_metric_type type;
  double *bounds;        /* histogram upper bounds, ascending (+Inf implied) */
  size_t nbounds;
  gd_metric_series *series, *last;
  size_t nseries;
  struct gd_metric *next;
} gd_metric;

typedef struct gd_metrics {
  gd_metric *first, *last;
} gd_metrics;

/* Adds a family (name and help copied; bounds copied, ascending, for histograms only). NULL on
 * ENOMEM. Families render in the order they were added. */
gd_metric *gd_metrics_add(gd_metrics *ms, const char *name, const char *help, gd_metric_type type,
                          const double *bounds, size_t nbounds);
void gd_metrics_free(gd_metrics *ms);

/* labels: the text gd_metrics_labels made (or "" / NULL for none). A series is created on its
 * first use. Out of memory: the sample is lost, nothing else. */
void gd_metric_inc(gd_metric *m, const char *labels, double by);
void gd_metric_set(gd_metric *m, const char *labels, double value);
void gd_metric_observe(gd_metric *m, const char *labels, double value);
/* Drops every series (a gauge whose label values change, e.g. the editor's state). */
void gd_metric_clear(gd_metric *m);
/* The series' value (counter/gauge) or count (histogram); 0 when it does not exist. */
double gd_metric_get(const gd_metric *m, const char *labels);

/* Writes `k1="v1",k2="v2"` for the NULL-terminated key, value pairs (values escaped: backslash,
 * double quote, newline) into buf (n bytes). Returns buf; a set too long for buf is cut at a
 * pair boundary. */
char *gd_metrics_labels(char *buf, size_t n, ...);

/* The whole exposition text, malloc'ed (caller frees); NULL on ENOMEM. */
char *gd_metrics_render(const gd_metrics *ms);

#endif
