/* mcp_stdio: `godotd mcp --project PATH` — see src/mcp_stdio.c's opening comment. */
#ifndef GD_MCP_STDIO_H
#define GD_MCP_STDIO_H

/* Runs the stdio proxy until stdin closes. Exit status: 0, 1 (daemon unreachable), 2 (usage). */
int gd_mcp_stdio_main(int argc, char **argv);

#endif
