/*
 * url.c - split "http://host[:port]/path" into the parts a socket needs.
 *
 * Mirrors: urllib.parse.urlsplit. See url.h for the interface.
 *
 * Simplification: no user:password@, no percent-decoding, no fragments
 * other than dropping them. urllib accepts all of these. A relative
 * redirect keeps its "." and ".." segments, which the server resolves;
 * urllib.parse.urljoin removes them first.
 */
#include "url.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(const char **why, const char *phrase)
{
	*why = phrase;
	return -EINVAL;
}

/* Copy the LEN bytes at SRC into DST of DST_SIZE; false when they do not fit. */
static int copy_span(char *dst, size_t dst_size, const char *src, size_t len)
{
	if (len >= dst_size)
		return 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 1;
}

static int valid_port(const char *port)
{
	if (*port == '\0' || strlen(port) > 5)
		return 0;
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	long value = strtol(port, NULL, 10);
	return value >= 1 && value <= 65535;
}

/*
 * Split the authority ("host", "host:port", "[::1]:port") at its end AUTH_END.
 * IPv6 literals are bracketed precisely because their colons would otherwise
 * look like a port separator.
 */
static int parse_authority(const char *auth, const char *auth_end, struct url *out,
                           const char **why)
{
	const char *host = auth, *host_end, *colon;
	if (*auth == '[') {
		host = auth + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end)
			return fail(why, "unclosed '[' in host");
		colon = host_end + 1 < auth_end ? host_end + 1 : NULL;
		if (colon && *colon != ':')
			return fail(why, "junk after ']' in host");
	} else {
		colon = memchr(auth, ':', (size_t)(auth_end - auth));
		host_end = colon ? colon : auth_end;
	}
	if (host_end == host)
		return fail(why, "missing host");
	if (!copy_span(out->host, sizeof out->host, host, (size_t)(host_end - host)))
		return fail(why, "host name too long");
	if (!colon) {
		strcpy(out->port, "80");
		return 0;
	}
	if (!copy_span(out->port, sizeof out->port, colon + 1, (size_t)(auth_end - colon - 1)) ||
	    !valid_port(out->port))
		return fail(why, "bad port number");
	return 0;
}

/* A space or a control character would end the request line early or
 * split the error line in two: a URL must not carry one, even from a
 * server's Location header. */
static int has_forbidden_byte(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 1;
	return 0;
}

int url_parse(const char *text, struct url *out, const char **why)
{
	static const char scheme[] = "http://";
	if (has_forbidden_byte(text))
		return fail(why, "a space or control character in the URL");
	if (strncasecmp(text, "https://", 8) == 0)
		return fail(why, "https is not supported");
	if (strncasecmp(text, scheme, sizeof scheme - 1) != 0)
		return fail(why, "not an http:// URL");

	const char *auth = text + sizeof scheme - 1;
	const char *auth_end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(auth_end - auth)))
		return fail(why, "user names in URLs are not supported");
	int rc = parse_authority(auth, auth_end, out, why);
	if (rc < 0)
		return rc;

	/* The path runs to the fragment, which is never sent to the server. */
	size_t path_len = strcspn(auth_end, "#");
	if (path_len == 0 || *auth_end != '/') {
		/* "http://host" and "http://host?q" both mean the root. */
		out->path[0] = '/';
		if (!copy_span(out->path + 1, sizeof out->path - 1, auth_end, path_len))
			return fail(why, "URL too long");
		return 0;
	}
	if (!copy_span(out->path, sizeof out->path, auth_end, path_len))
		return fail(why, "URL too long");
	return 0;
}

/* Does TEXT start with a scheme, "letter *(letter / digit / + - .) :"? */
static int has_scheme(const char *text)
{
	size_t len = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "0123456789+-.");
	return len > 0 && isalpha((unsigned char)text[0]) && text[len] == ':';
}

/* How much of BASE's path a relative LOCATION keeps: up to the query for
 * "?q", up to and including the last '/' before the query for "name". */
static size_t kept_path_length(const char *path, const char *location)
{
	size_t path_len = strcspn(path, "?");
	if (location[0] == '?')
		return path_len;
	while (path_len > 0 && path[path_len - 1] != '/')
		path_len--;
	return path_len;
}

int url_resolve(const struct url *base, const char *location, char *out, size_t out_size,
                const char **why)
{
	/* An IPv6 literal goes back into brackets. */
	const char *open = strchr(base->host, ':') ? "[" : "";
	const char *close = *open ? "]" : "";
	int written;
	if (has_scheme(location)) {
		written = snprintf(out, out_size, "%s", location);
	} else if (location[0] == '/' && location[1] == '/') {
		/* "//host/path" keeps only the scheme, http. */
		written = snprintf(out, out_size, "http:%s", location);
	} else if (location[0] == '/') {
		/* An absolute path keeps the host and port of the URL it came from. */
		written = snprintf(out, out_size, "http://%s%s%s:%s%s", open, base->host, close,
		                   base->port, location);
	} else if (location[0] != '\0' && location[0] != '#') {
		/* A relative path replaces the last segment of the current path. */
		written = snprintf(out, out_size, "http://%s%s%s:%s%.*s%s", open, base->host,
		                   close, base->port,
		                   (int)kept_path_length(base->path, location), base->path,
		                   location);
	} else {
		return fail(why, "redirect to an empty Location");
	}
	if (written < 0 || (size_t)written >= out_size)
		return fail(why, "redirect Location too long");
	return 0;
}

/* Cut LEN bytes of NAME to at most URL_NAME_MAX, not inside a UTF-8
 * sequence: a name cut there would not be valid UTF-8 any more. A sequence
 * has at most 3 continuation bytes (10xxxxxx), so back up over 3 at most:
 * a name that is not UTF-8 at all must not shrink to nothing. */
static size_t name_length(const char *name, size_t len)
{
	if (len <= URL_NAME_MAX)
		return len;
	len = URL_NAME_MAX;
	while (len > URL_NAME_MAX - 3 && ((unsigned char)name[len] & 0xC0) == 0x80)
		len--;
	return len;
}

void url_file_name(const struct url *url, char *out, size_t out_size)
{
	size_t path_len = strcspn(url->path, "?");
	const char *segment = url->path;
	for (size_t i = 0; i < path_len; i++)
		if (url->path[i] == '/')
			segment = url->path + i + 1;
	size_t len = (size_t)(url->path + path_len - segment);

	int special = len == 0 || (len == 1 && segment[0] == '.') ||
	              (len == 2 && segment[0] == '.' && segment[1] == '.');
	if (special || !copy_span(out, out_size, segment, name_length(segment, len)))
		snprintf(out, out_size, "%s", "index.html");
}
