/* mcp_resources: the MCP server's resources (spec 2025-11-25 server/resources; in the stateless
 * 2026-07-28 revision list and read only) — what they are, how each is read, and who is told
 * when one changes.
 *
 * Owns the fixed resources godot://project (get_project_info + get_status + the supervisor's
 * state), godot://scene/current (get_scene_tree's result) and godot://output (the output
 * stream), the template res://{path} (a project file read from disk by the daemon through the
 * sandbox: text, or a base64 blob for binary content, typed by extension, at most
 * GD_MCP_RESOURCE_MAX_BYTES), each session's resources/subscribe state, and the coalesced
 * notifications/resources/updated on the session's stream: the scene and the project on the
 * addon's scene_edited event, the project on an editor state change or a write of
 * project.godot, a file when the inotify watch of its folder (uv_fs_event) names it, the
 * output on each entry. Called by mcp.c (dispatch, sessions) and the project's wiring (events).
 * Calls ops (registry commands), registry, sandbox, output, install (gd_read_file), jansson,
 * libuv, libcrypto (base64).
 */
#ifndef GD_MCP_RESOURCES_H
#define GD_MCP_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>

#include "mcp.h"

/* The fixed resources, as bits of a session's subscribed/updated sets. */
enum {
  GD_MCP_RES_PROJECT = 1u << 0, /* godot://project */
  GD_MCP_RES_SCENE = 1u << 1,   /* godot://scene/current */
  GD_MCP_RES_OUTPUT = 1u << 2,  /* godot://output */
};

/* A project file larger than this is refused by resources/read (read_file reads slices); as
 * read_file's own cap, so both say the same. */
#define GD_MCP_RESOURCE_MAX_BYTES ((size_t)16 << 20)
/* res:// subscriptions per session (each one an inotify watch of the file's folder). */
#define GD_MCP_MAX_FILE_SUBS 64

/* Whether method is one this module answers: resources/list, resources/templates/list,
 * resources/read, resources/subscribe, resources/unsubscribe. */
bool gd_mcp_resources_method(const char *method);

/* Answers one resources/ request (id, params borrowed) of session s (NULL: a stateless
 * 2026-07-28 request, which gets list, templates/list and read, with caching hints) through
 * sink: at once, or — godot://project and godot://scene/current, which run editor commands —
 * when the editor answers (waiting for it as tools do, ops->wait_ready_ms). Errors: -32602 for
 * a bad or outside path (data.uri) and, stateless, an unknown resource (SEP-2164); -32002
 * (Resource not found, data.uri) for an unknown resource in a session; -32603 with
 * data {uri, code, retryable} when the editor command fails (e.g. editor_unavailable). */
void gd_mcp_resources_handle(gd_mcp *m, gd_mcp_session *s, const char *method, json_t *id,
                             json_t *params, gd_mcp_sink *sink, bool stateless);

/* Sets up the coalescing timer (on m->ops->editor->loop); before it, changes are noted but no
 * notification is sent. */
void gd_mcp_resources_init(gd_mcp *m);
/* Marks the fixed resources in what (GD_MCP_RES_* bits) changed: each session subscribed to
 * one gets notifications/resources/updated {uri} at once when none was sent in the last
 * GD_MCP_RESOURCE_UPDATE_MS, else at the end of that window, once however many changes came
 * meanwhile. */
void gd_mcp_resources_changed(gd_mcp *m, unsigned what);
/* The addon's scene_edited event (data borrowed: {scene_path, tabs}): the edited scene changed,
 * and with tabs the open scenes too, which godot://project shows. */
void gd_mcp_resources_scene_edited(gd_mcp *m, json_t *data);
/* Drops session s's subscriptions: its watches are closed and freed once libuv is done with
 * them (s itself may be freed right after). */
void gd_mcp_resources_session_end(gd_mcp_session *s);
/* Forgets the reads in flight (their sinks are finished with no response) and stops the
 * timer; for gd_mcp_close. */
void gd_mcp_resources_close(gd_mcp *m);

/* The MIME type of a file by its name's extension (case-insensitive), or NULL when unknown.
 * Static strings. */
const char *gd_mcp_mime_type(const char *name);

#endif
