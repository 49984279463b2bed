/*
 * test_crawl_faults.c - the crawler against the fixture's faults and
 * hostile pages. Every fault case of the fault matrix that a page can
 * meet, as the root of a crawl: exit 1, one line naming the URL and the
 * cause, and nothing else. Then a site whose root links to all of them at
 * once, and one full of hostile links: the crawl goes on past each, and
 * still fetches every URL once.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "crawling.h"

TestSuite(crawl_faults, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

struct fault {
	const char *name;
	const char *path;   /* on the fixture */
	const char *cause;  /* the error line says this; NULL: the crawl succeeds */
	bool short_timeout; /* -t 0.5 */
};

static const struct fault faults[] = {
	{ "status_404", "/files/g.bin?status=404", "HTTP 404 Not Found", false },
	{ "status_500", "/files/g.bin?status=500", "HTTP 500 Internal Server Error", false },
	{ "truncate", "/files/t.bin?size=4000&truncate=1000",
	  "truncated body: got 1000 of 4000 bytes", false },
	{ "truncate_chunked", "/files/t.bin?size=4000&truncate=1000&chunked=1", "truncated body",
	  false },
	{ "reset", "/files/r.bin?size=1000000&reset=1000", "connection reset by peer", false },
	{ "stall", "/files/s.bin?stall=1", "timed out after 0.5 s", true },
	{ "stall_after_status", "/files/s.bin?stall_after_status=1", "timed out after 0.5 s",
	  true },
	{ "drip", "/files/d.bin?drip=1", "timed out after 0.5 s", true },
	{ "malformed", "/files/m.bin?malformed=1", "malformed response: bad status line", false },
	{ "header_line_of_1_MiB", "/files/h.bin?long_header=1048576",
	  "malformed response: headers longer than", false },
	{ "101_headers", "/files/h.bin?many_headers=101",
	  "malformed response: more than 100 headers", false },
	{ "negative_content_length", "/files/h.bin?content_length=-5",
	  "malformed response: bad Content-Length", false },
	{ "overflowing_chunk_size", "/files/h.bin?chunk_size=FFFFFFFFFFFFFFFFFFFFFFFF",
	  "malformed response: chunk size too large", false },
	{ "content_length_and_chunked", "/files/h.bin?length_and_chunked=1",
	  "malformed response: both Content-Length and chunked encoding", false },
	{ "redirect_to_https", "/files/a.bin?location=https%3A%2F%2F127.0.0.1%2Fa.bin",
	  "https is not supported", false },
	{ "page_over_1_MiB", "/site/huge?pages=1", "page larger than 1048576 bytes", false },
	/* Faults a page survives: each is fetched once, and is a page. */
	{ "chunked", "/files/c.bin?size=50000&chunked=1", NULL, false },
	{ "noclen", "/files/n.bin?size=30000&noclen=1", NULL, false },
	{ "body_longer_than_content_length", "/files/x.bin?size=3000&extra=5000", NULL, false },
	{ "binary_page", "/site/binary?pages=1", NULL, false },
	{ "redirect", "/files/r.bin?size=2000&redirect=3", NULL, false },
	{ "redirect_loop", "/files/l.bin?redirect_loop=1", NULL, false },
};

/* The parameter is an index into FAULTS: Criterion may run a test in a
 * process of its own, where a pointer of this one means nothing. */
ParameterizedTestParameters(crawl_faults, every_fault_as_the_root)
{
	size_t count = sizeof faults / sizeof faults[0];
	size_t *indices = cr_malloc(count * sizeof *indices);
	for (size_t i = 0; i < count; i++)
		indices[i] = i;
	return cr_make_param_array(size_t, indices, count);
}

ParameterizedTest(size_t *index, crawl_faults, every_fault_as_the_root,
                  .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60)
{
	const struct fault *f = &faults[*index];
	const char *url = testkit_url(f->path);
	const char *args[] = { "-t", f->short_timeout ? "0.5" : "10", url, NULL };
	struct run run;
	run_crawl(&run, args);
	if (f->cause) {
		cr_assert_eq(run.status, 1, "%s: exit status 1, got %d; stderr:\n%s", f->name,
		             run.status, run.err);
		cr_assert_eq(count_lines(run.err), 1, "%s: one line on stderr:\n%s", f->name,
		             run.err);
		cr_assert(strncmp(run.err, "crawl: ", 7) == 0 && strstr(run.err, url),
		          "%s: the line names the URL: %s", f->name, run.err);
		cr_assert(strstr(run.err, f->cause), "%s: the line says \"%s\": %s", f->name,
		          f->cause, run.err);
		cr_assert_eq(summary_of(&run).broken, 1, "%s: one broken link", f->name);
	} else {
		cr_assert_eq(run.status, 0, "%s: exit status 0, got %d; stderr:\n%s", f->name,
		             run.status, run.err);
		cr_assert_str_empty(run.err, "%s: nothing on stderr", f->name);
		struct summary s = summary_of(&run);
		cr_assert(s.pages <= 1 && s.broken == 0, "%s: at most the one page, nothing broken",
		          f->name);
		struct fixture_stats st = server_stats();
		cr_assert_eq(st.max_per_url, 1,
		             "%s: every URL fetched once (a loop is not followed "
		             "round), the most for one URL was %ld",
		             f->name, st.max_per_url);
	}
	run_free(&run);
}

/* A root that links to the fixture's faults (fixtures/README.md): each
 * one is a broken link with its own cause, the rest of the crawl goes on. */
Test(crawl_faults, a_site_linking_to_every_fault)
{
	struct run run;
	const char *args[] = { "-t", "0.5", site("pages=1&faults=1"), NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "broken links: exit 1; stderr:\n%s", run.err);
	struct summary s = summary_of(&run);
	cr_assert_eq(s.pages, 3, "the root, the chunked page and the unframed one, got %d",
	             s.pages);
	cr_assert_eq(s.redirects, 1, "the redirect loop, followed once");
	cr_assert_eq(s.broken, 7, "404, 500, truncated, reset, malformed, stalled, 101 headers");
	cr_assert_eq(count_lines(run.err), 7, "one line each:\n%s", run.err);
	const char *causes[] = { "HTTP 404",
		                 "HTTP 500",
		                 "truncated body",
		                 "connection reset",
		                 "bad status line",
		                 "timed out after 0.5 s",
		                 "more than 100 headers" };
	for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
		cr_assert(strstr(run.err, causes[i]), "\"%s\" is among them:\n%s", causes[i],
		          run.err);
	expect_each_url_fetched_once(1 + 10);
	run_free(&run);
}

/*
 * Hostile links on the root (fixtures/README.md): the same page 1000
 * times, empty and fragment-only hrefs, javascript:, mailto:, https:,
 * ftp:, a broken IPv6 literal, a space, a 5000-byte URL, the root itself,
 * an unterminated attribute at the very end, a page larger than 1 MiB and
 * one of binary bytes. The crawl takes the good links once each and is
 * broken only by the huge page.
 */
Test(crawl_faults, hostile_links_are_skipped_or_taken_once)
{
	struct run run;
	const char *args[] = { site("pages=3&fanout=2&cross=0&hostile=1"), NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "the huge page is a broken link; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "and the only one:\n%s", run.err);
	cr_assert(strstr(run.err, "/site/huge?") && strstr(run.err, "page larger than"),
	          "it says why:\n%s", run.err);
	struct summary s = summary_of(&run);
	cr_assert_eq(s.pages, 4, "pages 0, 1, 2 and the binary one, got %d", s.pages);
	expect_each_url_fetched_once(5);
	run_free(&run);
}

/* A root nobody listens on. */
Test(crawl_faults, a_refused_connection)
{
	struct run run;
	const char *args[] = { "http://127.0.0.1:1/", NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "exit 1; stderr:\n%s", run.err);
	cr_assert_str_eq(run.err,
	                 "crawl: http://127.0.0.1:1/: connection refused while connecting\n",
	                 "one line, in chapter 1's words");
	run_free(&run);
}
