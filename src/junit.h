/* junit: JUnit XML test reports — as GUT and gdUnit4 write them — to the run_tests result.
 *
 * Owns the reading of a report (through libxml2, with network access and entity expansion off)
 * into totals and the failing tests: suite, name, kind (failure or error), message, the
 * framework's detail text, and the script file and line where the report names them (gdUnit4:
 * "FAILED: res://test/x.gd:7" in the message; GUT: "at line 7" in the text, the suite being
 * the script). Pure: no I/O beyond the bytes given. Calls libxml2 and jansson.
 */
#ifndef GD_JUNIT_H
#define GD_JUNIT_H

#include <jansson.h>
#include <stddef.h>

/* Parses len bytes of JUnit XML. Returns a new reference:
 *   {"totals": {"tests", "passed", "failed", "errors", "skipped", "duration_s"},
 *    "suites": [{"name", "tests", "failed", "errors", "skipped"}],
 *    "failures": [{"suite", "name", "kind": "failure"|"error", "message", "detail",
 *                  "file": "res://..."|null, "line": N|null}]}
 * Totals are counted from the test cases (not trusted from the attributes). NULL when the bytes
 * are not a JUnit report, with why in err. */
json_t *gd_junit_parse(const char *xml, size_t len, char *err, size_t err_size);

#endif
