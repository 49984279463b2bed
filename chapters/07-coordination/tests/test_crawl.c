/*
 * test_crawl.c - the crawler against the fixture's generated site: every
 * page fetched exactly once, whatever the cycles, redirects and broken
 * links; the workers really overlap (the fixture's barrier, not a
 * clock); the page timeout and the crawl's deadline; the trace; and the
 * command line. The site's shape and its expected counts are in
 * fixtures/README.md ("The generated site").
 */
#include <sys/stat.h>

#include "crawling.h"

TestSuite(crawl, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/*
 * 200 pages, each linking to its 3 children and to 3 pages picked at
 * random (cycles, back to the root too), every tenth page to a missing
 * one (20 broken links), every seventh to its first child through a
 * redirect (10 of them: 0, 7, ... 63 have children). Links come in every
 * spelling (absolute, relative, with "./", "../" and fragments): one page
 * must still be one URL.
 */
Test(crawl, every_page_is_fetched_exactly_once)
{
	struct run run;
	/* The deadline ends a crawl that would go round the cycles for ever. */
	const char *site_200 = site("pages=200&fanout=3&cross=3&seed=7&broken=10&moved=7");
	const char *args[] = { "-j", "8", "--deadline", "20", site_200, NULL };
	run_crawl(&run, args);
	expect_pages_once(&run, 200);
	cr_assert_eq(run.status, 1, "broken links: exit status 1, got %d; stderr:\n%s", run.status,
	             run.err);
	struct summary s = summary_of(&run);
	cr_assert_eq(s.pages, 200, "every page reached, got %d", s.pages);
	cr_assert_eq(s.redirects, 10, "every redirect followed, got %d", s.redirects);
	cr_assert_eq(s.broken, 20, "every broken link found, got %d", s.broken);
	cr_assert_eq(count_lines(run.err), 20, "one line per broken link:\n%s", run.err);
	cr_assert_eq(occurrences(run.err, ": HTTP 404 Not Found\n"), 20, "each says why:\n%s",
	             run.err);
	expect_each_url_fetched_once(200 + 10 + 20);
	run_free(&run);
}

/* A site without faults: exit 0, nothing on stderr. */
Test(crawl, a_sound_site_crawls_cleanly)
{
	struct run run;
	const char *args[] = { "--deadline", "10", site("pages=40&fanout=2&cross=4"), NULL };
	run_crawl(&run, args);
	expect_pages_once(&run, 40);
	cr_assert_eq(run.status, 0, "no broken link: exit 0; stderr:\n%s", run.err);
	cr_assert_str_empty(run.err, "nothing on stderr");
	cr_assert_eq(summary_of(&run).pages, 40, "40 pages");
	expect_each_url_fetched_once(40);
	run_free(&run);
}

/* The "M new" of every "(N links, M new)" page line, added up. */
static int new_links(const struct run *run)
{
	int fresh = 0;
	for (const char *line = strstr(run->out, "] page "); line;
	     line = strstr(line + 1, "] page ")) {
		const char *comma = strstr(line, " new)");
		while (comma && comma > line && *comma != ',')
			comma--;
		int n = -1;
		cr_assert(comma && sscanf(comma, ", %d new)", &n) == 1,
		          "a page line ends with (N links, M new):\n%s", run->out);
		fresh += n;
	}
	return fresh;
}

/* The summary's "N links elsewhere". */
static int links_elsewhere(const struct run *run)
{
	const char *summary = strstr(run->out, " links elsewhere");
	while (summary && summary > run->out && summary[-1] != ' ')
		summary--;
	int elsewhere = -1;
	cr_assert(summary && sscanf(summary, "%d", &elsewhere) == 1,
	          "the summary counts the links elsewhere:\n%s", run->out);
	return elsewhere;
}

/*
 * What each line counts, and so add_url's contract, read from what the
 * crawl prints: 12 pages, each linking to two children, three pages at
 * random (cycles) and one page of another host (fixtures/server.py),
 * counted and not followed. Each page line says how many of its links
 * were new, which adds up to every page but the root, each new exactly
 * once, on the first page that links to it. Each check names the part of
 * add_url's contract whose failure it shows.
 */
/* Page lines whose URL is not one at all: each says "] page", spaces,
 * then the URL it fetched, which starts with http://. */
static int page_lines_without_a_url(const char *out)
{
	int count = 0;
	for (const char *at = strstr(out, "] page "); at; at = strstr(at + 1, "] page ")) {
		const char *url = at + strlen("] page ");
		while (*url == ' ')
			url++;
		count += strncmp(url, "http://", strlen("http://")) != 0;
	}
	return count;
}

Test(crawl, links_are_counted_new_once_and_other_hosts_apart)
{
	struct run run;
	/* The deadline ends a crawl that would go round the cycles for ever. */
	const char *args[] = {
		"-j", "1", "--deadline", "10", site("pages=12&fanout=2&cross=3&seed=5"), NULL
	};
	run_crawl(&run, args);
	cr_assert(!strstr(run.err, "not implemented yet"), "%s", run.err);
	int pages = occurrences(run.out, "] page ");
	cr_assert(!strstr(run.err, "not an http:// URL") && page_lines_without_a_url(run.out) == 0,
	          "add_url: the crawl fetched URLs that no page links to (%d page lines name "
	          "no http:// URL): queue the seen set's own copy (urlset_url), which lives as "
	          "long as the crawler; the URL add_url is given is borrowed, and its buffer is "
	          "reused for the next link before a worker takes it off the queue; stderr:\n%s",
	          page_lines_without_a_url(run.out), run.err);
	cr_assert(!strstr(run.err, "elsewhere.invalid"),
	          "add_url: a link to another origin (host or port: the URL does not start "
	          "with the root's origin) is counted in counts.outside and not followed; this "
	          "crawl fetched one:\n%s",
	          run.err);
	cr_assert(pages <= 12,
	          "add_url: a URL seen before changes nothing: only a URL new to the seen set "
	          "(urlset_add says 1) is queued, never one it says 0 for, or the cycles "
	          "queue pages again and again; 12 pages, %d page lines",
	          pages);
	int elsewhere = links_elsewhere(&run);
	cr_assert(elsewhere <= pages,
	          "add_url: counts.outside counts the links to another origin only: a link "
	          "of the site is one whose URL starts with the root's origin (scheme, host "
	          "and port: compare that many characters, not the whole URL), and it is "
	          "never counted there, new or seen before; each page links to one page "
	          "elsewhere, yet %d links were counted elsewhere for %d pages fetched:\n%s",
	          elsewhere, pages, run.out);
	expect_pages_once(&run, 12);
	cr_assert_eq(run.status, 0, "no broken link: exit 0; stderr:\n%s", run.err);
	cr_assert_eq(elsewhere, 12,
	             "add_url: a link to another origin is counted (counts.outside), not just "
	             "left out: each of the 12 pages links to one page elsewhere; the summary "
	             "says %d links elsewhere",
	             elsewhere);
	int fresh = new_links(&run);
	cr_assert_eq(fresh, 11,
	             "add_url: returns 1 for a URL it queued, 0 for one seen before or "
	             "elsewhere; each page line's \"M new\" counts those 1s, so the lines add "
	             "up to every page but the root, 11; they add up to %d:\n%s",
	             fresh, run.out);
	expect_each_url_fetched_once(12);
	run_free(&run);
}

/*
 * Overlap, proved by the fixture: pages 1 to 4 answer only once all four
 * are asked for at the same time. Four workers pass; three cannot, however
 * fast they are (the barrier times out and answers 503).
 */
Test(crawl, four_workers_fetch_four_pages_at_once)
{
	struct run run;
	const char *args[] = { "-j", "4", site("pages=9&fanout=4&cross=0&site_barrier=4"), NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 0, "all four passed the barrier together; stderr:\n%s", run.err);
	cr_assert_eq(summary_of(&run).pages, 9, "9 pages");
	run_free(&run);
}

Test(crawl, three_workers_cannot_pass_a_barrier_of_four)
{
	struct run run;
	const char *args[] = { "-j", "3",
		               site("pages=5&fanout=4&cross=0&site_barrier=4&barrier_timeout=200"),
		               NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "the barrier turned them away; stderr:\n%s", run.err);
	cr_assert_eq(occurrences(run.err, "HTTP 503"), 4, "pages 1 to 4 were refused:\n%s",
	             run.err);
	run_free(&run);
}

/* A page that never answers is broken after -t; the others go on. */
Test(crawl, a_stalled_page_times_out_alone)
{
	struct run run;
	const char *args[] = { "-t", "0.5", site("pages=3&fanout=2&cross=0&stalls=2"), NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "one broken link; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "one line:\n%s", run.err);
	cr_assert(strstr(run.err, "/site/page/2?") && strstr(run.err, "timed out after 0.5 s"),
	          "page 2 timed out:\n%s", run.err);
	struct summary s = summary_of(&run);
	cr_assert(s.pages == 2 && s.broken == 1, "2 pages and the broken one");
	run_free(&run);
}

/* The whole crawl's deadline stops it, page timeout or not. */
Test(crawl, the_deadline_stops_the_whole_crawl)
{
	struct run run;
	const char *args[] = {
		"-t", "30", "--deadline", "0.5", site("pages=3&fanout=2&cross=0&stalls=2"), NULL
	};
	run_crawl(&run, args);
	cr_assert_eq(run.status, 1, "stopped early: exit 1; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "one line:\n%s", run.err);
	cr_assert(strstr(run.err, "crawl: stopped at the deadline of 0.5 s: 1 URL never fetched"),
	          "it says so:\n%s", run.err);
	cr_assert_eq(summary_of(&run).pages, 2, "what was crawled still counts");
	run_free(&run);
}

Test(crawl, trace_writes_a_timeline)
{
	char *dir = temp_dir_new();
	char path[4096];
	snprintf(path, sizeof path, "%s/trace.json", dir);
	struct run run;
	const char *args[] = { "--trace", path, site("pages=5&fanout=2&cross=0"), NULL };
	run_crawl(&run, args);
	cr_assert_eq(run.status, 0, "the crawl succeeds; stderr:\n%s", run.err);
	FILE *f = fopen(path, "r");
	cr_assert(f != NULL, "the trace file %s exists", path);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	cr_assert(n < sizeof text - 1, "a five-page crawl's trace fits in 1 MiB");
	cr_assert(strstr(text, "\"traceEvents\"") && strstr(text, "chapter 7: crawl"),
	          "a Chrome trace, named for the chapter");
	cr_assert_eq(occurrences(text, "\"ph\":\"B\""), 5, "one span per page:\n%s", text);
	cr_assert_eq(occurrences(text, "\"name\":\"worker\""), 10,
	             "the loop's own record follows the pages: the ten workers' tasks (trace.h)");
	run_free(&run);
	temp_dir_free(dir);
}

Test(crawl, bad_command_lines_are_usage_errors)
{
	struct run run;
	const char *none[] = { NULL };
	run_crawl(&run, none);
	cr_assert_eq(run.status, 2, "no root: exit 2");
	cr_assert(strstr(run.err, "usage: crawl"), "with the usage:\n%s", run.err);
	run_free(&run);
	const char *bad_j[] = { "-j", "0", site("pages=1"), NULL };
	run_crawl(&run, bad_j);
	cr_assert_eq(run.status, 2, "-j 0: exit 2");
	cr_assert_eq(count_lines(run.err), 1, "one line:\n%s", run.err);
	run_free(&run);
	const char *https[] = { "https://127.0.0.1/", NULL };
	run_crawl(&run, https);
	cr_assert_eq(run.status, 2, "an https root: exit 2");
	cr_assert_str_eq(run.err, "crawl: https://127.0.0.1/: https is not supported\n",
	                 "one line naming the root and the cause");
	run_free(&run);
}
