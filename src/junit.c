#include "junit.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* Longest message or detail kept (bytes); a framework's detail can hold a whole stack. */
#define GD_JUNIT_TEXT_MAX 4096

static bool gd__is(const xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The attribute's value ("" when absent). Malloc'ed. */
static char *gd__attr(const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *out = strdup(v ? (const char *)v : "");
  xmlFree(v);
  return out;
}

/* The element's text (CDATA included), trimmed, cut to GD_JUNIT_TEXT_MAX. Malloc'ed. */
static char *gd__text(const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  const char *s = v ? (const char *)v : "";
  while (*s && isspace((unsigned char)*s)) s++;
  size_t len = strlen(s);
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (len > GD_JUNIT_TEXT_MAX) len = GD_JUNIT_TEXT_MAX;
  char *out = strndup(s, len);
  xmlFree(v);
  return out;
}

/* "res://path.gd:LINE" anywhere in s: the file (into file) and the line, else 0. */
static int gd__res_location(const char *s, char *file, size_t n) {
  for (const char *p = strstr(s, "res://"); p; p = strstr(p + 6, "res://")) {
    const char *colon = strchr(p + 6, ':');
    if (!colon || !isdigit((unsigned char)colon[1])) continue;
    bool spaced = false;
    for (const char *q = p; q < colon; q++) spaced |= isspace((unsigned char)*q) != 0;
    size_t l = (size_t)(colon - p);
    if (spaced || l >= n) continue;
    memcpy(file, p, l);
    file[l] = '\0';
    return atoi(colon + 1);
  }
  return 0;
}

/* GUT's "at line N". */
static int gd__at_line(const char *s) {
  const char *p = strstr(s, "at line ");
  return p ? atoi(p + 8) : 0;
}

static double gd__seconds(const xmlNode *n) {
  char *t = gd__attr(n, "time");
  double v = strtod(t, NULL);
  free(t);
  return v;
}

json_t *gd_junit_parse(const char *xml, size_t len, char *err, size_t n) {
  /* No network, no external entities, no huge-node tricks: reports come from test runs. */
  xmlDoc *doc = xmlReadMemory(xml, (int)len, "report.xml", NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) {
    snprintf(err, n, "the report is not well-formed XML");
    return NULL;
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  if (!root || (!gd__is(root, "testsuites") && !gd__is(root, "testsuite"))) {
    snprintf(err, n, "the report's root is not <testsuites> or <testsuite>");
    xmlFreeDoc(doc);
    return NULL;
  }
  json_int_t tests = 0, failed = 0, errors = 0, skipped = 0;
  double seconds = 0;
  json_t *suites = json_array(), *failures = json_array();
  xmlNode *first = gd__is(root, "testsuite") ? root : root->children;
  for (xmlNode *s = first; s; s = gd__is(root, "testsuite") ? NULL : s->next) {
    if (!gd__is(s, "testsuite")) continue;
    char *suite = gd__attr(s, "name");
    json_int_t st = 0, sf = 0, se = 0, ss = 0;
    seconds += gd__seconds(s);
    for (xmlNode *c = s->children; c; c = c->next) {
      if (!gd__is(c, "testcase")) continue;
      st++;
      for (xmlNode *r = c->children; r; r = r->next) {
        bool failure = gd__is(r, "failure"), error = gd__is(r, "error");
        if (gd__is(r, "skipped")) {
          ss++;
          break;
        }
        if (!failure && !error) continue;
        failure ? sf++ : se++;
        char *name = gd__attr(c, "name"), *classname = gd__attr(c, "classname");
        char *message = gd__attr(r, "message"), *detail = gd__text(r);
        char file[1024] = "";
        int line = gd__res_location(message, file, sizeof file);
        if (!line) line = gd__res_location(detail, file, sizeof file);
        if (!line) {
          line = gd__at_line(detail);
          if (!line) line = gd__at_line(message);
          /* GUT names the suite by its script, relative to res:// */
          if (line && strstr(suite, ".gd"))
            snprintf(file, sizeof file, "%s%s", strncmp(suite, "res://", 6) ? "res://" : "", suite);
        }
        /* GUT's message attribute is only "failed": its text says what failed. */
        const char *shown = message[0] && strcmp(message, "failed") != 0 ? message : detail;
        char first_line[GD_JUNIT_TEXT_MAX + 1];
        snprintf(first_line, sizeof first_line, "%s", shown);
        char *nl = strchr(first_line, '\n');
        if (nl && shown == detail) *nl = '\0';
        json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "suite", suite, "name", name,
                              "classname", classname, "kind", failure ? "failure" : "error",
                              "message", first_line, "detail", detail);
        json_object_set_new(f, "file", file[0] ? json_string(file) : json_null());
        json_object_set_new(f, "line", line > 0 ? json_integer(line) : json_null());
        json_array_append_new(failures, f);
        free(name), free(classname), free(message), free(detail);
        break;
      }
    }
    json_array_append_new(suites, json_pack("{s:s, s:I, s:I, s:I, s:I}", "name", suite, "tests", st,
                                            "failed", sf, "errors", se, "skipped", ss));
    tests += st, failed += sf, errors += se, skipped += ss;
    free(suite);
  }
  xmlFreeDoc(doc);
  return json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:f}, s:o, s:o}", "totals", "tests", tests,
                   "passed", tests - failed - errors - skipped, "failed", failed, "errors", errors,
                   "skipped", skipped, "duration_s", seconds, "suites", suites, "failures",
                   failures);
}
