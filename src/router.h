/* router: the HTTP API — maps method + path to lifecycle actions and registry commands.
 *
 * Owns the routes (/health, /livez, /status, /start, /stop, /restart, /scene/load,
 * /godot/<command>, /logs, /commands, /metrics, /events, /projects, /projects/<name>/..., the
 * dashboard at / and /dashboard/...), request-body JSON parsing, param validation against the registry, the
 * wait-for-ready policy, and the mapping of outcomes to HTTP statuses and
 * `{"error":{"code","message"}}` bodies. Transports call it; it calls registry, sandbox,
 * supervisor (lifecycle, waits), ops (commands) and mcp (the /mcp endpoint), never sockets.
 */
#ifndef GD_ROUTER_H
#define GD_ROUTER_H

#include <stdint.h>

#include "ops.h"
#include "registry.h"
#include "server.h"
#include "supervisor.h"

struct gd_router {
  gd_ops *ops;
  struct gd_mcp *mcp;       /* POST/GET/DELETE /mcp go here */
  struct gd_telemetry *telemetry; /* GET /metrics and GET /events; NULL: not served */
  const char *name;         /* the project's name (its /projects/<name>/ prefix) */
  /* The daemon's projects, each with a router of its own (the first is the default one, whose
   * routes also answer without the prefix). Set on the router the server calls. */
  struct gd_router **projects;
  size_t nprojects;
  bool token_required;      /* told to the dashboard by /livez before it asks anything else */
  /* POST /projects and DELETE /projects/<name> (the daemon's); NULL: not offered. */
  void (*add_project)(void *ud, json_t *body, gd_reply *r);
  void (*remove_project)(void *ud, const char *name, gd_reply *r);
  void *admin_ud;
};

/* Handles one request and answers it through r, now or later. */
void gd_router_handle(gd_router *rt, gd_reply *r);

#endif
