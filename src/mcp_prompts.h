/* mcp_prompts: the MCP server's prompts (spec 2025-11-25 server/prompts, also in the stateless
 * 2026-07-28 revision) — a few workflows worth giving an agent whole, each naming this
 * server's real tools in the order that works: create a scene from a description, fix the
 * project's script errors, add an input action and wire it, write and run a test.
 *
 * Owns the prompt definitions (name, title, description, arguments) and their rendering into
 * one user message. Pure: no editor, no I/O. Called by mcp.c's dispatch; calls jansson and
 * mcp (gd_mcp_result, gd_mcp_error).
 */
#ifndef GD_MCP_PROMPTS_H
#define GD_MCP_PROMPTS_H

#include <jansson.h>
#include <stdbool.h>

/* Whether method is prompts/list or prompts/get. */
bool gd_mcp_prompts_method(const char *method);

/* The response (new reference) to prompts/list ({prompts: [{name, title, description,
 * arguments: [{name, description, required}]}]}; stateless: with caching hints) or prompts/get
 * (params {name, arguments?: {string: string}} → {description, messages: [{role: "user",
 * content: {type: "text", text}}]}). id and params borrowed. -32602 for an unknown prompt, a
 * missing required argument, an unknown one, or a value that is not a string. */
json_t *gd_mcp_prompts_answer(const char *method, json_t *id, json_t *params, bool stateless);

#endif
