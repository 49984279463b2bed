/*
 * url.h - split an "http://host[:port]/path" URL into the parts a socket needs.
 *
 * Mirrors: urllib.parse.urlsplit, cut down to what a downloader uses.
 *
 * Interface:
 *   url_parse      text -> host, port and path (IPv6 literals in brackets too)
 *   url_resolve    the target of a redirect's Location, relative to a URL
 *   url_file_name  the name a download is saved under: the last path segment
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>

#define URL_MAX      2048
#define URL_HOST_MAX 256
#define URL_PORT_MAX 6 /* "65535" and its terminator */

struct url {
	char host[URL_HOST_MAX]; /* without the brackets of an IPv6 literal */
	char port[URL_PORT_MAX]; /* "80" when the URL names none */
	char path[URL_MAX];      /* starts with '/', keeps the query string */
};

/*
 * url_parse: fill OUT from TEXT.
 * Returns 0, or -EINVAL with *WHY set to a static phrase for the error line
 * ("https is not supported", "missing host", ...). OUT is caller-owned.
 */
int url_parse(const char *text, struct url *out, const char **why);

/*
 * url_resolve: write into OUT (of OUT_SIZE bytes) the absolute URL that a
 * redirect's LOCATION points to when it was received from BASE.
 * LOCATION may be absolute ("http://...") or an absolute path ("/x").
 * Returns 0, or -EINVAL with *WHY set.
 */
int url_resolve(const struct url *base, const char *location, char *out, size_t out_size,
                const char **why);

/*
 * url_file_name: copy into OUT the name the body of URL is saved under: its
 * last path segment without the query string, or "index.html" when that
 * segment is empty, "." or "..". The result never contains a '/'.
 */
void url_file_name(const struct url *url, char *out, size_t out_size);

#endif
