/*
 * test_url.c - URL parsing as a pure function: tables of good and bad URLs.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "url.h"

TestSuite(url, .timeout = 10);

struct good_url {
	const char *text, *host, *port, *path;
};

static const struct good_url good_urls[] = {
	{ "http://example.com/a.bin", "example.com", "80", "/a.bin" },
	{ "http://127.0.0.1:8000/files/a.bin", "127.0.0.1", "8000", "/files/a.bin" },
	{ "HTTP://Example.COM/x", "Example.COM", "80", "/x" },
	{ "http://example.com", "example.com", "80", "/" },
	{ "http://example.com?q=1", "example.com", "80", "/?q=1" },
	{ "http://example.com/a?size=10&delay=5", "example.com", "80", "/a?size=10&delay=5" },
	{ "http://example.com/a#fragment", "example.com", "80", "/a" },
	{ "http://[::1]:8080/v6", "::1", "8080", "/v6" },
	{ "http://[2001:db8::7]/", "2001:db8::7", "80", "/" },
	{ "http://h:65535/", "h", "65535", "/" },
};

Test(url, parses_every_good_url)
{
	for (size_t i = 0; i < sizeof good_urls / sizeof good_urls[0]; i++) {
		const struct good_url *c = &good_urls[i];
		struct url u;
		const char *why = "(none)";
		int rc = url_parse(c->text, &u, &why);
		REQUIRE_IMPLEMENTED(rc, "url_parse");
		cr_assert_eq(rc, 0, "url_parse(\"%s\") failed: %s", c->text, why);
		cr_assert_str_eq(u.host, c->host, "host of %s", c->text);
		cr_assert_str_eq(u.port, c->port, "port of %s", c->text);
		cr_assert_str_eq(u.path, c->path, "path of %s", c->text);
	}
}

struct bad_url {
	const char *text, *why;
};

static const struct bad_url bad_urls[] = {
	{ "https://example.com/a", "https is not supported" },
	{ "HTTPS://example.com/a", "https is not supported" },
	{ "ftp://example.com/a", "not an http:// URL" },
	{ "example.com/a", "not an http:// URL" },
	{ "http:///a", "missing host" },
	{ "http://:80/a", "missing host" },
	{ "http://h:0/", "bad port number" },
	{ "http://h:65536/", "bad port number" },
	{ "http://h:8x/", "bad port number" },
	{ "http://h:/", "bad port number" },
	{ "http://[::1/", "unclosed '[' in host" },
	{ "http://[::1]x/", "junk after ']' in host" },
	{ "http://user:pw@h/", "user names in URLs are not supported" },
};

Test(url, rejects_every_bad_url_with_its_reason)
{
	for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
		struct url u;
		const char *why = NULL;
		int rc = url_parse(bad_urls[i].text, &u, &why);
		cr_assert_eq(rc, -EINVAL, "url_parse(\"%s\") should fail", bad_urls[i].text);
		cr_assert(why && strcmp(why, bad_urls[i].why) == 0,
		          "url_parse(\"%s\"): reason \"%s\", expected \"%s\"", bad_urls[i].text,
		          why ? why : "(null)", bad_urls[i].why);
	}
}

Test(url, rejects_a_host_too_long_for_its_buffer)
{
	char text[URL_HOST_MAX + 32] = "http://";
	memset(text + 7, 'h', URL_HOST_MAX);
	strcpy(text + 7 + URL_HOST_MAX, "/x");
	struct url u;
	const char *why = NULL;
	cr_assert_eq(url_parse(text, &u, &why), -EINVAL, "a %d-byte host must be refused",
	             URL_HOST_MAX);
}

Test(url, resolves_redirect_locations)
{
	struct url base;
	const char *why = NULL;
	cr_assert_eq(url_parse("http://127.0.0.1:8000/a/b", &base, &why), 0, "base URL");
	char out[URL_MAX];
	cr_assert_eq(url_resolve(&base, "/c?x=1", out, sizeof out, &why), 0, "absolute path");
	cr_assert_str_eq(out, "http://127.0.0.1:8000/c?x=1", "absolute path keeps the host");
	cr_assert_eq(url_resolve(&base, "http://other:9/d", out, sizeof out, &why), 0,
	             "absolute URL");
	cr_assert_str_eq(out, "http://other:9/d", "an absolute URL is taken as it is");
	static const char *const relative[][2] = {
		{ "c", "http://127.0.0.1:8000/a/c" },
		{ "../c", "http://127.0.0.1:8000/a/../c" },
		{ "?q=2", "http://127.0.0.1:8000/a/b?q=2" },
		{ "//other:9/e", "http://other:9/e" },
		{ "/next?from=http://x/", "http://127.0.0.1:8000/next?from=http://x/" },
	};
	for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++) {
		cr_assert_eq(url_resolve(&base, relative[i][0], out, sizeof out, &why), 0,
		             "relative Location %s", relative[i][0]);
		cr_assert_str_eq(out, relative[i][1], "%s resolved against the current URL",
		                 relative[i][0]);
	}
	cr_assert_eq(url_resolve(&base, "", out, sizeof out, &why), -EINVAL, "empty Location");
	cr_assert_str_eq(why, "redirect to an empty Location", "reason");

	cr_assert_eq(url_parse("http://[::1]:8000/", &base, &why), 0, "IPv6 base URL");
	cr_assert_eq(url_resolve(&base, "/v6", out, sizeof out, &why), 0, "IPv6 path");
	cr_assert_str_eq(out, "http://[::1]:8000/v6", "IPv6 literal goes back in brackets");
}

Test(url, names_the_saved_file_after_the_last_segment)
{
	static const char *const cases[][2] = {
		{ "http://h/files/a.bin", "a.bin" },    { "http://h/a.bin?size=10", "a.bin" },
		{ "http://h/", "index.html" },          { "http://h", "index.html" },
		{ "http://h/dir/", "index.html" },      { "http://h/dir/..", "index.html" },
		{ "http://h/dir/.", "index.html" },     { "http://h/x/%2F", "%2F" },
		{ "http://h/a?next=/etc/passwd", "a" }, { "http://h/x/..%2F..%2Fetc", "..%2F..%2Fetc" },
		{ "http://h/x/a%00b", "a%00b" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct url u;
		const char *why;
		cr_assert_eq(url_parse(cases[i][0], &u, &why), 0, "url_parse(%s)", cases[i][0]);
		char name[256];
		url_file_name(&u, name, sizeof name);
		cr_assert_str_eq(name, cases[i][1], "file name for %s", cases[i][0]);
		cr_assert(strchr(name, '/') == NULL, "a file name never contains '/'");
	}
}

Test(url, cuts_a_long_file_name)
{
	char text[URL_MAX] = "http://h/";
	memset(text + 9, 'n', 300);
	struct url u;
	const char *why;
	cr_assert_eq(url_parse(text, &u, &why), 0, "a 300-byte segment is a valid URL");
	char name[256];
	url_file_name(&u, name, sizeof name);
	cr_assert_eq(strlen(name), (size_t)URL_NAME_MAX, "the name is cut to %d bytes",
	             URL_NAME_MAX);

	/* Not UTF-8 at all (a fuzzer found it): the cut must not eat the name. */
	memset(text + 9, 0x8c, 300);
	cr_assert_eq(url_parse(text, &u, &why), 0, "a segment of 300 high bytes is a valid URL");
	url_file_name(&u, name, sizeof name);
	cr_assert(strlen(name) >= URL_NAME_MAX - 3, "the name keeps at least %d bytes, got %zu",
	          URL_NAME_MAX - 3, strlen(name));
}

Test(url, refuses_spaces_and_control_characters)
{
	static const char *const bad[] = { "http://h/a b", "http://h/a\nb", "http://h/a\rb",
		                           "http://h/\x7f" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct url u;
		const char *why = NULL;
		cr_assert_eq(url_parse(bad[i], &u, &why), -EINVAL, "case %zu is refused", i);
		cr_assert_str_eq(why, "a space or control character in the URL", "reason");
	}
}
