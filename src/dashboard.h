/* dashboard: the web dashboard's files (src/dashboard/index.html, app.js, app.css), built into
 * the binary at build time (src/dashboard/embed.py writes dashboard_assets.c) and served by the
 * router at GET / (for browsers) and /dashboard/<file>. No build step of its own, no external
 * request: plain HTML, CSS and JavaScript reading /status, /projects and /events. */
#ifndef GD_DASHBOARD_H
#define GD_DASHBOARD_H

#include <stddef.h>

typedef struct gd_dashboard_asset {
  const char *path;          /* "/" or "/dashboard/app.js" ... */
  const char *content_type;
  const unsigned char *data;
  size_t len;
} gd_dashboard_asset;

/* Every file, ended by an entry whose path is NULL. */
extern const gd_dashboard_asset gd_dashboard_assets[];

#endif
