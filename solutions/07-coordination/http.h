/*
 * http.h - HTTP/1.1 messages as pure functions over byte buffers.
 *
 * Mirrors: the part of http.client that writes a request and reads the
 * response's status line, headers and chunked body. Nothing here touches a
 * socket, so every function can be tested with a string.
 *
 * Interface:
 *   http_format_request     "GET /path HTTP/1.1" with Host, keep-alive or close
 *   http_find_head_end      has the blank line that ends the headers arrived?
 *   http_parse_status_line  "HTTP/1.1 404 Not Found" -> 404 and "Not Found"
 *   http_parse_head         the status line and the headers a download needs
 *   http_body_kind          how the body's end will be known
 *   chunked_init/_decode    undo chunked transfer-encoding as bytes arrive
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "url.h"

/* A head larger than this is refused: a server must not make us buffer forever. */
#define HTTP_HEAD_MAX   (64 * 1024)
#define HTTP_REASON_MAX 64
/* More headers than this are refused, as http.client does. */
#define HTTP_HEADERS_MAX      100
#define HTTP_HEADERS_MAX_TEXT "100"

struct http_response {
	int status;                   /* 100..599 */
	char reason[HTTP_REASON_MAX]; /* "Not Found"; may be empty */
	long long content_length;     /* -1 when the header is absent */
	bool chunked;                 /* Transfer-Encoding: chunked */
	char location[URL_MAX];       /* empty when absent */
	/* May the connection carry another request after this answer? HTTP/1.1
	 * says yes unless "Connection: close"; HTTP/1.0 says no unless
	 * "Connection: keep-alive". */
	bool keep_alive;
};

enum http_body_kind {
	HTTP_BODY_NONE,       /* 1xx, 204 and 304 answers carry no body */
	HTTP_BODY_CHUNKED,    /* chunk after chunk, ended by a zero-size chunk */
	HTTP_BODY_LENGTH,     /* exactly content_length bytes */
	HTTP_BODY_UNTIL_CLOSE /* everything until the server closes */
};

/*
 * http_format_request: write a GET request for URL into BUF of SIZE bytes,
 * asking the server to keep the connection open afterwards (KEEP_ALIVE,
 * "Connection: keep-alive") or to close it ("Connection: close").
 * Returns its length, or -ENOSPC when it does not fit.
 */
int http_format_request(char *buf, size_t size, const struct url *url, bool keep_alive);

/*
 * http_find_head_end: the length of the head (status line, headers and the
 * blank line) at the start of BUF, or 0 while the blank line has not arrived.
 */
size_t http_find_head_end(const char *buf, size_t len);

/*
 * http_parse_status_line: parse the LEN bytes of LINE (without its CRLF),
 * such as "HTTP/1.1 200 OK", into OUT->status and OUT->reason.
 * Returns 0, or -EPROTO when the line is not an HTTP/1.x status line.
 */
int http_parse_status_line(const char *line, size_t len, struct http_response *out);

/*
 * http_parse_head: parse a whole head of LEN bytes (as measured by
 * http_find_head_end) into OUT. Header names are case-insensitive.
 * Returns 0, or -EPROTO with *WHY set to a static phrase naming the problem:
 * among others, more than HTTP_HEADERS_MAX headers, a Content-Length that
 * is not a decimal number within long long, or Content-Length together
 * with chunked encoding (refused, see http.c).
 */
int http_parse_head(const char *head, size_t len, struct http_response *out, const char **why);

enum http_body_kind http_body_kind(const struct http_response *response);

/*
 * A chunked body arrives as "<hex size>[;extension]\r\n<data>\r\n" again and
 * again, then "0\r\n", optional trailer lines and a blank line. The decoder
 * keeps its place between calls, so the input may be split anywhere.
 */
enum chunked_state {
	CHUNK_SIZE,      /* reading hex digits */
	CHUNK_EXTENSION, /* skipping ";name=value" up to the CR */
	CHUNK_SIZE_LF,   /* the LF ending the size line */
	CHUNK_DATA,      /* copying the chunk's bytes */
	CHUNK_DATA_CR,   /* the CRLF after the data */
	CHUNK_DATA_LF,
	CHUNK_TRAILER,      /* at the start of a trailer line, or the final CRLF */
	CHUNK_TRAILER_LINE, /* skipping a trailer header up to its LF */
	CHUNK_FINAL_LF,     /* the LF of the final blank line */
	CHUNK_DONE
};

struct chunked {
	enum chunked_state state;
	unsigned long long remaining; /* data bytes left in this chunk */
	int digits;                   /* hex digits seen in this size line */
};

void chunked_init(struct chunked *decoder);

/*
 * chunked_decode: decode the LEN bytes of BUF in place. The body bytes found
 * are moved to the front of BUF and counted in the return value; bytes after
 * the end of the body are ignored. Returns -EPROTO with *WHY set on malformed
 * input. The body is complete when decoder->state == CHUNK_DONE.
 */
ssize_t chunked_decode(struct chunked *decoder, char *buf, size_t len, const char **why);

#endif
