/*
 * crawling.h - what the crawler's end-to-end tests share: running the
 * crawl program against the fixture's generated site, and reading its
 * output (one line per URL, the summary, the error lines) and the
 * fixture's counters.
 */
#ifndef CRAWLING_H
#define CRAWLING_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"

/* Run $PROGRAM_CRAWL with ARGS (NULL-terminated); capture everything. */
static inline void run_crawl(struct run *run, const char *const args[])
{
	run_program(run, "PROGRAM_CRAWL", args);
}

/* The fixture's URL for the root of a generated site with QUERY. */
static inline const char *site(const char *query)
{
	char path[1024];
	snprintf(path, sizeof path, "/site/page/0?%s", query);
	return testkit_url(path);
}

/* How many times WORD occurs in TEXT. */
static inline int occurrences(const char *text, const char *word)
{
	int count = 0;
	for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
		count++;
	return count;
}

/* The summary line's counts: "P pages, R redirects, B broken links". */
struct summary {
	int pages, redirects, broken;
};

static inline struct summary summary_of(const struct run *run)
{
	struct summary s = { -1, -1, -1 };
	const char *line = strstr(run->out, " pages, ");
	while (line && line > run->out && line[-1] != '\n')
		line--;
	cr_assert(line && sscanf(line, "%d pages, %d redirects, %d broken links", &s.pages,
	                         &s.redirects, &s.broken) == 3,
	          "the crawl ends with its summary; stdout:\n%s", run->out);
	return s;
}

static inline struct fixture_stats server_stats(void)
{
	struct fixture_stats st;
	int rc = fixture_stats(&testkit_fixture, NULL, &st);
	cr_assert(rc == 0, "the fixture answers /_stats: %s", strerror(-rc));
	return st;
}

/* PAGES pages, one "page" line each: read first, since it tells the two
 * ways a crawl goes wrong apart. The tests that use it give the crawl a
 * --deadline, so that a crawl that goes round a cycle for ever still
 * ends, and is reported here. */
static inline void expect_pages_once(const struct run *run, int pages)
{
	int lines = occurrences(run->out, "] page ");
	cr_assert(lines <= pages,
	          "%d pages, one line each, got %d: a page fetched twice was queued twice (is a "
	          "URL marked as seen before it is queued?)",
	          pages, lines);
	cr_assert(lines >= pages,
	          "%d pages, one line each, got %d: the crawl ended before every page was "
	          "fetched (a link of the site never queued, or a join() that did not wait for "
	          "every URL put?); stderr:\n%s",
	          pages, lines, run->err);
}

/* Every URL the server was asked for, it was asked for once, and it was
 * asked for REQUESTS URLs in all. */
static inline void expect_each_url_fetched_once(long requests)
{
	struct fixture_stats st = server_stats();
	cr_assert_eq(st.max_per_url, 1, "no URL was fetched twice (the most for one URL: %ld)",
	             st.max_per_url);
	cr_assert_eq(st.requests, requests, "%ld requests expected, the server answered %ld",
	             requests, st.requests);
	cr_assert_eq(st.urls, requests, "as many URLs as requests");
}

#endif
