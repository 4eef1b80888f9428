/* mcp_http: MCP's Streamable HTTP transport at /mcp on the daemon's one port.
 *
 * Owns the HTTP side of MCP (spec 2025-11-25 basic/transports#streamable-http): POST of one
 * JSON-RPC message (Accept/Content-Type checks, Mcp-Session-Id issue and lookup, 404 for an
 * unknown session, MCP-Protocol-Version checks, 202 for notifications, a JSON response or an
 * SSE stream when notifications such as progress come first), GET for a session's SSE stream
 * of unsolicited notifications (with keep-alive comments), DELETE to end a session, and the
 * 2026-07-28 stateless requests (no session; the MCP-Protocol-Version header must match the
 * request's _meta version). Host/Origin checks and bearer tokens are the server's, on every
 * route. Calls mcp (messages), server (replies, streams) and jsonout.
 */
#ifndef GD_MCP_HTTP_H
#define GD_MCP_HTTP_H

#include "mcp.h"
#include "server.h"

/* Seconds between SSE comment lines on an idle GET stream, so proxies and clients see it live. */
#define GD_MCP_KEEPALIVE_MS 25000

/* Ends every session's GET stream and every session (daemon shutdown). */
void gd_mcp_http_close(gd_mcp *m);

/* Answers one request to /mcp (any method). */
void gd_mcp_http_handle(gd_mcp *m, gd_reply *r);

#endif
