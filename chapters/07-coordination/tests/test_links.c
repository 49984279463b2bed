/*
 * test_links.c - one URL, one spelling: links_canonical resolves "." and
 * "..", lower-cases the host, adds the port and drops the fragment;
 * links_find takes every http link of a page in any quoting and skips the
 * rest; the seen set keeps each URL once, numbered in order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "links.h"
#include "urlset.h"

TestSuite(links, .timeout = 10);

static void expect_canonical(const char *url, const char *want)
{
	char out[URL_MAX];
	const char *why = "";
	int rc = links_canonical(url, out, sizeof out, &why);
	cr_assert_eq(rc, 0, "%s: %s", url, why);
	cr_assert_str_eq(out, want, "%s is written %s", url, want);
}

Test(links, every_spelling_of_a_url_becomes_one)
{
	expect_canonical("http://127.0.0.1:8000/site/page/3?q=1",
	                 "http://127.0.0.1:8000/site/page/3?q=1");
	expect_canonical("http://127.0.0.1:8000/site/page/../page/3?q=1",
	                 "http://127.0.0.1:8000/site/page/3?q=1");
	expect_canonical("http://127.0.0.1:8000/site/page/./3?q=1#part",
	                 "http://127.0.0.1:8000/site/page/3?q=1");
	expect_canonical("http://Example.INVALID/a", "http://example.invalid:80/a");
	expect_canonical("http://h/a/b/..", "http://h:80/a/");
	expect_canonical("http://h/../../x", "http://h:80/x");
	expect_canonical("http://h", "http://h:80/");
	expect_canonical("http://h/x?a=/../b", "http://h:80/x?a=/../b");
	expect_canonical("http://h/.hidden/..x", "http://h:80/.hidden/..x");
}

Test(links, urls_it_cannot_fetch_are_refused)
{
	char out[URL_MAX];
	const char *why = "";
	cr_assert_eq(links_canonical("https://h/", out, sizeof out, &why), -EINVAL, "https");
	cr_assert_str_eq(why, "https is not supported", "and why");
	cr_assert_eq(links_canonical("mailto:a@b", out, sizeof out, &why), -EINVAL, "mailto");
	cr_assert_eq(links_canonical("http://h/a b", out, sizeof out, &why), -EINVAL, "a space");
}

/* What links_find found, joined by spaces. */
static char found[4096];

static void collect(const char *url, void *arg)
{
	(void)arg;
	size_t len = strlen(found);
	snprintf(found + len, sizeof found - len, "%s ", url);
}

Test(links, every_href_is_found_resolved_and_canonical)
{
	const char body[] = "<a href=\"/x?y=1\">x</a> <A HREF='rel/p'>p</A> <a href=noquote>z</a>\n"
	                    "<a href=\"#top\"> <a href=\"mailto:a@b\"> <a href=\"https://x/\">\n"
	                    "<a href=\"http://Other:9/\"> <b data-href=\"/not\"> <a href=\"a b\">\n"
	                    "<a href=\"../up\"> <a href = \"./same#frag\"> <a href=\"";
	found[0] = '\0';
	int n = links_find(body, sizeof body - 1, "http://127.0.0.1:8000/dir/page?q", collect,
	                   NULL);
	cr_assert_str_eq(found,
	                 "http://127.0.0.1:8000/x?y=1 http://127.0.0.1:8000/dir/rel/p "
	                 "http://127.0.0.1:8000/dir/noquote http://other:9/ "
	                 "http://127.0.0.1:8000/up http://127.0.0.1:8000/dir/same ",
	                 "the http links, resolved against the page, in order");
	cr_assert_eq(n, 6, "six links");
}

Test(links, the_seen_set_keeps_each_url_once_in_order)
{
	struct urlset set = { 0 };
	size_t id = 99;
	cr_assert_eq(urlset_add(&set, "http://h:80/a", &id), 1, "new");
	cr_assert_eq(id, 0, "numbered from 0");
	cr_assert_eq(urlset_add(&set, "http://h:80/b", &id), 1, "new");
	cr_assert_eq(urlset_add(&set, "http://h:80/a", &id), 0, "seen");
	cr_assert_eq(id, 0, "with its number");
	for (int i = 0; i < 1000; i++) {
		char url[64];
		snprintf(url, sizeof url, "http://h:80/p%d", i);
		cr_assert_eq(urlset_add(&set, url, NULL), 1, "new: %s", url);
	}
	cr_assert_eq(urlset_count(&set), 1002, "1002 URLs");
	cr_assert_str_eq(urlset_url(&set, 1), "http://h:80/b", "the second one added");
	cr_assert_eq(urlset_add(&set, "http://h:80/p500", &id), 0, "still found after growing");
	cr_assert_eq(id, 502, "as number 502");
	urlset_free(&set);
}
