/*
 * links.h - the links of a page, as URLs a crawler can compare.
 *
 * Mirrors: the "500 Lines or Less" crawler's parse_links, which finds
 * every href with a regular expression, joins it to the page's URL
 * (urllib.parse.urljoin), drops the fragment (urldefrag) and keeps the
 * http ones. Two spellings of one URL must compare equal, or the crawler
 * fetches the page twice: links_canonical writes every URL one way
 * (lower-case host, explicit port, no "." or ".." segments, no fragment).
 *
 * Interface:
 *   links_canonical   one way to write a URL
 *   links_find        every http link of a page, canonical, in order
 */
#ifndef LINKS_H
#define LINKS_H

#include <stddef.h>

#include "url.h"

/*
 * links_canonical: write URL into OUT (SIZE bytes) as
 * "http://host:port/path?query": the host in lower case, the port always
 * there, "." and ".." segments of the path resolved, the fragment gone.
 * Returns 0, or -EINVAL with *WHY set (url_parse's words) when URL is not
 * one the crawler can fetch, or does not fit.
 */
int links_canonical(const char *url, char *out, size_t size, const char **why);

/* Receives each link found, canonical (the text is only valid during the
 * call). */
typedef void links_found_cb(const char *url, void *arg);

/*
 * links_find: call FOUND(url, ARG) for each href="..." (or '...', or
 * unquoted) in the LEN bytes of BODY, resolved against BASE_URL, the
 * canonical URL of the page. Links that are not http:// URLs, that do not
 * parse, or that are only a fragment ("#top") are skipped. Returns how
 * many links FOUND was called for.
 */
int links_find(const char *body, size_t len, const char *base_url, links_found_cb *found,
               void *arg);

#endif
