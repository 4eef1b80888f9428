/* auth: the daemon's bearer token and what counts as a loopback address.
 *
 * Owns the token file (default <project>/.godot/godotd/token: 32 random bytes from getrandom(2)
 * as 64 hex digits, mode 0600, created on first need without ever replacing one that exists,
 * refused when group or others may read or write it), the constant-time check of an
 * `Authorization: Bearer <token>` header, the classification of bind addresses (loopback or
 * not: off loopback the token is always required), and `godotd token`. The server enforces the
 * token; the supervisor hands it to the addon as GODOTD_TOKEN. Calls libc and install (atomic
 * writes). No event loop: unit-tested on its own.
 */
#ifndef GD_AUTH_H
#define GD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define GD_AUTH_TOKEN_BYTES 32 /* 256 bits of getrandom(2): not guessable */
#define GD_AUTH_TOKEN_HEX (2 * GD_AUTH_TOKEN_BYTES)
/* Tokens read from a file (a user may write their own) are 16 to 256 visible ASCII characters. */
#define GD_AUTH_TOKEN_MIN 16
#define GD_AUTH_TOKEN_MAX 256

/* The default token file of project into out: "<project>/.godot/godotd/token". 0, or
 * -ENAMETOOLONG when it does not fit size bytes. */
int gd_auth_token_path(const char *project, char *out, size_t size);

/* Writes a new token — GD_AUTH_TOKEN_BYTES from getrandom(2) as lowercase hex, NUL-terminated —
 * into out (at least GD_AUTH_TOKEN_HEX + 1 bytes). 0, or -errno (getrandom failed). */
int gd_auth_token_generate(char *out);

/* Reads the token file at path into out (NUL-terminated; out_size > GD_AUTH_TOKEN_MAX). When
 * the file is missing and create is set, first writes a new token there (mode 0600; written
 * aside, fsynced, then linked into place, so a concurrent creator's token is never replaced:
 * whoever links second reads the first's). The file must be a regular file of this user with
 * no permission for group or others (else refused: a token others can read is no secret), and
 * hold one token (GD_AUTH_TOKEN_MIN..MAX visible ASCII characters, then at most a newline).
 * *created (may be NULL) tells whether this call wrote it. 0, or -1 with the reason in err. */
int gd_auth_token_load(const char *path, bool create, char *out, size_t out_size, bool *created,
                       char *err, size_t err_size);

/* The token of project: from token_file, or the default path (its directories created when
 * missing) when token_file is NULL; created when missing. As gd_auth_token_load. */
int gd_auth_project_token(const char *project, const char *token_file, char *out,
                          size_t out_size, char *err, size_t err_size);

/* Whether a (alen bytes) equals b (blen bytes), in a time that depends on blen only (b is the
 * secret's length, not its content; a is what a client sent). */
bool gd_auth_equal(const char *a, size_t alen, const char *b, size_t blen);

/* Whether an Authorization header value (NULL when absent) is "Bearer <token>" with this token
 * (scheme case-insensitive, RFC 9110 §11.1; blanks between scheme and token). Constant time in
 * the token's content. */
bool gd_auth_bearer_ok(const char *authorization, const char *token);

/* Whether host, an IP address literal (IPv6 without brackets) or "localhost", is loopback:
 * 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. False for anything else, wildcards included. */
bool gd_auth_loopback_address(const char *host);

/* `godotd token --project PATH [--token-file PATH]`: prints the token, creating it when missing.
 * Returns the exit status. */
int gd_auth_token_main(int argc, char **argv);

#endif
