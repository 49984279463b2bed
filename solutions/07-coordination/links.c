/*
 * links.c - the links of a page, as URLs a crawler can compare. See
 * links.h.
 *
 * Not an HTML parser: a scan for href attributes, which is what the
 * crawlers of "500 Lines or Less" and of asyncio's own examples do. It
 * finds links inside comments and scripts too, which a crawler of a
 * generated site can afford.
 */
#include "links.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * Resolve the "." and ".." segments of the path at the start of PATH, in
 * place (RFC 3986, section 5.2.4); the query after '?' is kept as it is.
 * "/a/b/../c/./d" becomes "/a/c/d"; a ".." above the root stays at the
 * root.
 */
static void remove_dot_segments(char *path)
{
	size_t path_len = strcspn(path, "?");
	char query[URL_MAX], out[URL_MAX];
	snprintf(query, sizeof query, "%s", path + path_len);
	path[path_len] = '\0';
	size_t n = 0;
	for (const char *segment = path + 1;; segment++) { /* paths start with '/' */
		size_t len = strcspn(segment, "/");
		bool last = segment[len] == '\0';
		bool dot = len == 1 && segment[0] == '.';
		bool dot_dot = len == 2 && segment[0] == '.' && segment[1] == '.';
		if (dot_dot) {
			while (n > 0 && out[--n] != '/')
				; /* back to the '/' before the previous segment */
		} else if (!dot) {
			out[n++] = '/';
			memcpy(out + n, segment, len);
			n += len;
		}
		if (last) {
			/* A path that ends in "." or ".." names a folder: "/a/.." is "/". */
			if (dot || dot_dot || n == 0)
				out[n++] = '/';
			break;
		}
		segment += len;
	}
	/* Never longer than it was: it fits where it was. */
	memcpy(path, out, n);
	memcpy(path + n, query, strlen(query) + 1);
}

int links_canonical(const char *url, char *out, size_t size, const char **why)
{
	struct url where;
	if (url_parse(url, &where, why) < 0)
		return -EINVAL;
	for (char *c = where.host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	remove_dot_segments(where.path);
	const char *open = strchr(where.host, ':') ? "[" : "";
	const char *close = *open ? "]" : "";
	int written = snprintf(out, size, "http://%s%s%s:%s%s", open, where.host, close, where.port,
	                       where.path);
	if (written < 0 || (size_t)written >= size) {
		*why = "URL too long";
		return -EINVAL;
	}
	return 0;
}

/* The value of an href attribute that starts at P (just after "href"),
 * copied into VALUE; returns where the scan goes on, or NULL when this
 * "href" is not an attribute with a value. */
static const char *attribute_value(const char *p, const char *end, char *value, size_t size)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p != '=')
		return NULL;
	p++;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end)
		return NULL;
	char quote = 0;
	if (*p == '"' || *p == '\'')
		quote = *p++;
	const char *start = p;
	while (p < end && (quote ? *p != quote : !isspace((unsigned char)*p) && *p != '>'))
		p++;
	if (quote && p == end)
		return NULL; /* unterminated: not a link */
	size_t len = (size_t)(p - start);
	if (len >= size)
		len = 0; /* too long to be a URL we could fetch: skipped */
	memcpy(value, start, len);
	value[len] = '\0';
	return p;
}

/* Is the "href" at P an attribute name, not part of a longer word? */
static bool starts_attribute(const char *body, const char *p)
{
	return p == body || isspace((unsigned char)p[-1]);
}

int links_find(const char *body, size_t len, const char *base_url, links_found_cb *found, void *arg)
{
	struct url base;
	const char *why;
	if (url_parse(base_url, &base, &why) < 0)
		return 0;
	int count = 0;
	const char *end = body + len;
	for (const char *p = body; p + 4 <= end; p++) {
		if (strncasecmp(p, "href", 4) != 0 || !starts_attribute(body, p))
			continue;
		char value[URL_MAX], absolute[URL_MAX], canonical[URL_MAX];
		const char *next = attribute_value(p + 4, end, value, sizeof value);
		if (!next)
			continue;
		p = next - 1;
		if (value[0] == '\0' || value[0] == '#' ||
		    url_resolve(&base, value, absolute, sizeof absolute, &why) < 0 ||
		    links_canonical(absolute, canonical, sizeof canonical, &why) < 0)
			continue;
		found(canonical, arg);
		count++;
	}
	return count;
}
