/*
 * production.h - what the chapter's end-to-end tests share: the scale
 * fixture, URL lists written to a file for -i, the fixture's counters,
 * and the lines of the program's own event log.
 */
#ifndef PRODUCTION_H
#define PRODUCTION_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"

/* For a suite's .init and .fini: the asyncio fixture (async_server.py,
 * keep-alive, thousands of connections) as the suite's server. */
static inline void start_async_fixture(void)
{
	int rc = fixture_start_async(&testkit_fixture, FIXTURE_SERVER_PY, NULL);
	cr_assert(rc == 0, "cannot start the asyncio fixture beside %s: %s", FIXTURE_SERVER_PY,
	          strerror(-rc));
}

/* Write COUNT URLs, testkit_url(path) with %d in PATH_FORMAT replaced by
 * the URL's number, one a line, into DIR/urls.txt; returns the path
 * (static storage). */
static inline const char *write_url_file(const char *dir, const char *path_format, int count)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/urls.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f != NULL, "cannot write %s", path);
	for (int i = 0; i < count; i++) {
		char query[512];
		snprintf(query, sizeof query, path_format, i);
		fprintf(f, "%s%s\n", testkit_fixture.base_url, query);
	}
	fclose(f);
	return path;
}

static inline struct fixture_stats stats_of(const char *group)
{
	struct fixture_stats st;
	int rc = fixture_stats(&testkit_fixture, group, &st);
	cr_assert(rc == 0, "the fixture answers /_stats: %s", strerror(-rc));
	return st;
}

/* The text of the Nth line of OUT that begins with PREFIX after the
 * timestamp ("start", "done"), or NULL. Lines look like
 * "[  0.012] start  URL". */
static inline const char *nth_event(const char *out, const char *kind, int n)
{
	for (const char *line = out; line && *line; line = strchr(line, '\n'), line += !!line) {
		const char *word = strstr(line, "] ");
		if (word && strncmp(word + 2, kind, strlen(kind)) == 0 && n-- == 0)
			return word + 2;
	}
	return NULL;
}

/* A folder with no temporary file (".NAME.part-XXXXXX") in it. */
static inline void assert_no_temporary_file(const char *dir)
{
	char names[8192];
	dir_entries(dir, names, sizeof names);
	cr_assert(strstr(names, ".part-") == NULL, "no temporary file may be left in %s: %s", dir,
	          names);
}

#endif
