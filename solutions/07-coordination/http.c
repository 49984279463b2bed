/*
 * http.c - HTTP/1.1 messages as pure functions over byte buffers.
 *
 * Mirrors: http.client's request writing and response parsing.
 * See http.h for the interface.
 *
 * Simplification: only "Transfer-Encoding: chunked" is understood, and 1xx
 * interim answers are not skipped (we never send "Expect: 100-continue", so
 * a server has no reason to send one). http.client handles both.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "todo.h"

static int malformed(const char **why, const char *phrase)
{
	*why = phrase;
	return -EPROTO;
}

int http_format_request(char *buf, size_t size, const struct url *url, bool keep_alive)
{
	/* An IPv6 literal goes back into brackets, as in the URL it came from. */
	const char *open = strchr(url->host, ':') ? "[" : "";
	const char *close = *open ? "]" : "";
	int len = snprintf(buf, size,
	                   "GET %s HTTP/1.1\r\n"
	                   "Host: %s%s%s:%s\r\n"
	                   "User-Agent: asyncio-from-scratch/1\r\n"
	                   "Accept: */*\r\n"
	                   "Connection: %s\r\n"
	                   "\r\n",
	                   url->path, open, url->host, close, url->port,
	                   keep_alive ? "keep-alive" : "close");
	if (len < 0 || (size_t)len >= size)
		return -ENOSPC;
	return len;
}

size_t http_find_head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' &&
		    buf[i] == '\n')
			return i + 1;
	return 0;
}

int http_parse_status_line(const char *line, size_t len, struct http_response *out)
{
	/* "HTTP/1.1 200 OK": the version, a space, three digits, then an
	 * optional space and reason phrase. Byte positions are fixed up to the
	 * reason, so the checks can read them directly. */
	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) ||
	    line[8] != ' ')
		return -EPROTO;
	for (int i = 9; i < 12; i++)
		if (!isdigit((unsigned char)line[i]))
			return -EPROTO;
	if (len > 12 && line[12] != ' ')
		return -EPROTO;

	out->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	out->keep_alive = line[7] != '0'; /* HTTP/1.1 keeps it by default, 1.0 not */
	if (out->status < 100)
		return -EPROTO;

	size_t reason_len = len > 13 ? len - 13 : 0;
	if (reason_len >= sizeof out->reason)
		reason_len = sizeof out->reason - 1;
	memcpy(out->reason, line + 13, reason_len);
	out->reason[reason_len] = '\0';
	return 0;
}

/* Parse decimal DIGITS of LEN bytes; -1 when they are not a number or overflow. */
static long long parse_length(const char *digits, size_t len)
{
	if (len == 0)
		return -1;
	long long value = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)digits[i]))
			return -1;
		int digit = digits[i] - '0';
		if (value > (LLONG_MAX - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}
	return value;
}

/* Apply one header NAME: VALUE to OUT, if it is one that a download needs. */
static int apply_header(const char *name, size_t name_len, const char *value, size_t value_len,
                        struct http_response *out, const char **why)
{
	if (name_len == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
		long long length = parse_length(value, value_len);
		if (length < 0)
			return malformed(why, "bad Content-Length");
		if (out->content_length >= 0 && out->content_length != length)
			return malformed(why, "two different Content-Length headers");
		out->content_length = length;
	} else if (name_len == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		if (value_len != 7 || strncasecmp(value, "chunked", 7) != 0)
			return malformed(why, "unsupported Transfer-Encoding");
		out->chunked = true;
	} else if (name_len == 10 && strncasecmp(name, "Connection", 10) == 0) {
		/* "close" and "keep-alive" overrule the version's default. */
		if (value_len == 5 && strncasecmp(value, "close", 5) == 0)
			out->keep_alive = false;
		else if (value_len == 10 && strncasecmp(value, "keep-alive", 10) == 0)
			out->keep_alive = true;
	} else if (name_len == 8 && strncasecmp(name, "Location", 8) == 0) {
		if (value_len >= sizeof out->location)
			return malformed(why, "Location header too long");
		memcpy(out->location, value, value_len);
		out->location[value_len] = '\0';
	}
	return 0;
}

/* Split one header line "Name: value" and apply it. */
static int parse_header_line(const char *line, size_t len, struct http_response *out,
                             const char **why)
{
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return malformed(why, "header line without a colon");
	size_t name_len = (size_t)(colon - line);
	if (name_len == 0 || line[0] == ' ' || line[0] == '\t' || line[name_len - 1] == ' ')
		return malformed(why, "bad header name");

	/* The value may be surrounded by spaces and tabs, which are not part of it. */
	const char *value = colon + 1, *end = line + len;
	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return apply_header(line, name_len, value, (size_t)(end - value), out, why);
}

int http_parse_head(const char *head, size_t len, struct http_response *out, const char **why)
{
	memset(out, 0, sizeof *out);
	out->content_length = -1;

	/* The head ends with an empty line; every line ends with CRLF. */
	const char *line = head, *end = head + len;
	const char *eol = memchr(line, '\r', (size_t)(end - line));
	if (!eol || eol + 1 >= end || eol[1] != '\n' ||
	    http_parse_status_line(line, (size_t)(eol - line), out) < 0)
		return malformed(why, "bad status line");
	int headers = 0;
	for (line = eol + 2; line < end && *line != '\r'; line = eol + 2) {
		if (++headers > HTTP_HEADERS_MAX)
			return malformed(why, "more than " HTTP_HEADERS_MAX_TEXT " headers");
		eol = memchr(line, '\r', (size_t)(end - line));
		if (!eol || eol + 1 >= end || eol[1] != '\n')
			return malformed(why, "header line not ended by CRLF");
		int rc = parse_header_line(line, (size_t)(eol - line), out, why);
		if (rc < 0)
			return rc;
	}
	/* RFC 9112 (section 6.3) lets chunked win, but calls such an answer a
	 * likely attack (request smuggling, response splitting) that "ought to
	 * be handled as an error": a downloader has no reason to guess. */
	if (out->chunked && out->content_length >= 0)
		return malformed(why, "both Content-Length and chunked encoding");
	return 0;
}

enum http_body_kind http_body_kind(const struct http_response *response)
{
	if (response->status < 200 || response->status == 204 || response->status == 304)
		return HTTP_BODY_NONE;
	if (response->chunked)
		return HTTP_BODY_CHUNKED;
	if (response->content_length >= 0)
		return HTTP_BODY_LENGTH;
	return HTTP_BODY_UNTIL_CLOSE;
}

void chunked_init(struct chunked *decoder)
{
	memset(decoder, 0, sizeof *decoder);
	decoder->state = CHUNK_SIZE;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One step of the size line; -EPROTO on a byte that cannot be there. */
static int step_size(struct chunked *d, char c, const char **why)
{
	int digit = hex_value(c);
	if (digit >= 0) {
		/* 15 hex digits already exceed any file we could hold. */
		if (++d->digits > 15)
			return malformed(why, "chunk size too large");
		d->remaining = d->remaining * 16 + (unsigned)digit;
		return 0;
	}
	if (d->digits == 0)
		return malformed(why, "bad chunk size");
	if (c == '\n')
		return malformed(why, "chunk size line not ended by CRLF");
	if (c == ';')
		d->state = CHUNK_EXTENSION;
	else if (c == '\r')
		d->state = CHUNK_SIZE_LF;
	else
		return malformed(why, "bad chunk size");
	return 0;
}

/* One step of every state except CHUNK_DATA, which copies runs of bytes. */
static int step(struct chunked *d, char c, const char **why)
{
	switch (d->state) {
	case CHUNK_SIZE:
		return step_size(d, c, why);
	case CHUNK_EXTENSION:
		if (c == '\r')
			d->state = CHUNK_SIZE_LF;
		return 0;
	case CHUNK_SIZE_LF:
		if (c != '\n')
			return malformed(why, "chunk size line not ended by CRLF");
		d->state = d->remaining > 0 ? CHUNK_DATA : CHUNK_TRAILER;
		return 0;
	case CHUNK_DATA_CR:
	case CHUNK_DATA_LF:
		if (c != (d->state == CHUNK_DATA_CR ? '\r' : '\n'))
			return malformed(why, "chunk data not followed by CRLF");
		if (d->state == CHUNK_DATA_LF) {
			d->digits = 0;
			d->state = CHUNK_SIZE;
		} else {
			d->state = CHUNK_DATA_LF;
		}
		return 0;
	case CHUNK_TRAILER:
		d->state = c == '\r' ? CHUNK_FINAL_LF : CHUNK_TRAILER_LINE;
		return 0;
	case CHUNK_TRAILER_LINE:
		if (c == '\n')
			d->state = CHUNK_TRAILER;
		return 0;
	case CHUNK_FINAL_LF:
		if (c != '\n')
			return malformed(why, "chunked body not ended by CRLF");
		d->state = CHUNK_DONE;
		return 0;
	case CHUNK_DATA:
	case CHUNK_DONE:
		break;
	}
	return 0;
}

ssize_t chunked_decode(struct chunked *d, char *buf, size_t len, const char **why)
{
	size_t in = 0, out = 0;
	while (in < len && d->state != CHUNK_DONE) {
		if (d->state != CHUNK_DATA) {
			int rc = step(d, buf[in++], why);
			if (rc < 0)
				return rc;
			continue;
		}
		/* Data bytes move down over the framing already consumed. */
		size_t run = len - in;
		if (run > d->remaining)
			run = (size_t)d->remaining;
		memmove(buf + out, buf + in, run);
		in += run;
		out += run;
		d->remaining -= run;
		if (d->remaining == 0)
			d->state = CHUNK_DATA_CR;
	}
	return (ssize_t)out;
}
