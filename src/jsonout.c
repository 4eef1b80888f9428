/* jsonout: see jsonout.h. */
#include "jsonout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The shortest "%.Ng" (N = 6..9, float32's range: 9 digits always round-trip) that parses back
 * to the float32 f. */
static double gd__shortest_float32(float f) {
  char buf[48];
  for (int digits = 6; digits <= 9; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, (double)f);
    if (strtof(buf, NULL) == f) return strtod(buf, NULL);
  }
  return (double)f;
}

void gd_json_tidy_float32(json_t *j) {
  if (!j) return;
  if (json_is_real(j)) {
    double x = json_real_value(j);
    if (!isfinite(x) || x == trunc(x)) return;
    float f = (float)x;
    if ((double)f != x) return; /* a double with more precision than float32: its own value */
    json_real_set(j, gd__shortest_float32(f));
    return;
  }
  if (json_is_object(j)) {
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) gd_json_tidy_float32(v);
  } else if (json_is_array(j)) {
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) gd_json_tidy_float32(v);
  }
}

char *gd_json_dumps_out(const json_t *j, size_t flags) {
  return json_dumps(j, flags | JSON_REAL_PRECISION(GD_JSON_REAL_DIGITS));
}
