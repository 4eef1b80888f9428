/* session_main: `godotd session` — see src/session_main.c's opening comment. */
#ifndef GD_SESSION_MAIN_H
#define GD_SESSION_MAIN_H

/* Runs a headless session until stdin closes and the child stopped. Exit status: 0 (stopped
 * cleanly), 1 (the child died, or did not quit cleanly), 2 (usage or start failure). */
int gd_session_main(int argc, char **argv);

#endif
