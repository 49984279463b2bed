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
/* A saved file's name is cut to this many bytes, so that it, a ".N"
 * suffix and the temporary file's ".NAME.part-XXXXXX" all stay within the
 * 255 bytes a file name may have. */
#define URL_NAME_MAX 200

struct url {
	char host[URL_HOST_MAX]; /* without the brackets of an IPv6 literal */
	char port[URL_PORT_MAX]; /* "80" when the URL names none */
	char path[URL_MAX];      /* starts with '/', keeps the query string */
};

/*
 * url_parse: fill OUT from TEXT.
 * Returns 0, or -EINVAL with *WHY set to a static phrase for the error line
 * ("https is not supported", "missing host", ...). A URL with a space or a
 * control character in it is refused. OUT is caller-owned.
 */
int url_parse(const char *text, struct url *out, const char **why);

/*
 * url_resolve: write into OUT (of OUT_SIZE bytes) the absolute URL that a
 * redirect's LOCATION points to when it was received from BASE.
 * LOCATION may be absolute ("http://..."), scheme-relative ("//host/x"), an
 * absolute path ("/x") or a relative one ("x", "../x", "?q"), resolved as
 * a browser would (RFC 3986, section 5.2; dot segments are left in).
 * Returns 0, or -EINVAL with *WHY set.
 */
int url_resolve(const struct url *base, const char *location, char *out, size_t out_size,
                const char **why);

/*
 * url_file_name: copy into OUT the name the body of URL is saved under: its
 * last path segment without the query string (raw: "a%2Fb" stays so), cut
 * to URL_NAME_MAX bytes, or "index.html" when that segment is empty, "." or
 * "..". The result never contains a '/' and never names a parent folder.
 */
void url_file_name(const struct url *url, char *out, size_t out_size);

#endif
