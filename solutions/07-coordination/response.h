/*
 * response.h - an HTTP response parser that is fed bytes as they arrive.
 *
 * Mirrors: an asyncio Protocol for HTTP responses. asyncio hands a
 * protocol whatever recv() brought, cut anywhere, through data_received(),
 * and calls eof_received() when the peer closes; aiohttp's response parser
 * and h11's receive_data() work this way. Chapter 1 could read the head
 * in a loop until it was complete. A callback cannot wait, so the parser
 * must take any piece it is given, keep its place, and say where it is.
 * It does no I/O, so every later chapter reuses it unchanged.
 *
 * Interface:
 *   response_init  a parser waiting for the first byte of a response
 *   response_feed  take the next bytes; get back the body bytes among them
 *   response_eof   the connection closed: is the response complete?
 *   response_reusable  may the connection carry the next request?
 *
 * The parser moves through its states in one direction only:
 *   RESPONSE_HEAD -> RESPONSE_BODY -> RESPONSE_DONE, or RESPONSE_FAILED.
 * A caller learns that the head is complete when the state leaves
 * RESPONSE_HEAD; from then on p->head holds the status and headers.
 */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"

#define RESPONSE_ERROR_MAX 128

enum response_state {
	RESPONSE_HEAD,  /* collecting the status line and headers */
	RESPONSE_BODY,  /* the head is parsed; body bytes are coming */
	RESPONSE_DONE,  /* the whole response has arrived */
	RESPONSE_FAILED /* malformed or cut short: see p->error */
};

struct response_parser {
	enum response_state state;
	struct http_response head;      /* valid once state is past RESPONSE_HEAD */
	enum http_body_kind kind;       /* how the body ends, once the head is parsed */
	long long body_bytes;           /* body bytes handed back so far */
	struct chunked chunked;         /* the decoder, when the body is chunked */
	char error[RESPONSE_ERROR_MAX]; /* why, once RESPONSE_FAILED */
	size_t head_len;                /* bytes of the head collected so far */
	char head_buf[HTTP_HEAD_MAX];   /* the head, until it is complete */
};

/* response_init: a parser that expects the first byte of a response.
 * It owns no memory and needs no cleanup. Call it again to reuse it. */
void response_init(struct response_parser *p);

/*
 * response_feed: take the next LEN bytes of the response, as they came, in
 * BUF, which the parser may rewrite. The body bytes among them (decoded,
 * for a chunked body) are moved to the front of BUF, and their count is
 * returned; bytes past the end of the response are ignored. Returns
 * -EPROTO with p->error set ("malformed response: ...") when the bytes
 * cannot be a response. Feeding a response whole, or cut into pieces
 * anywhere, even one byte at a time, gives the same result.
 */
ssize_t response_feed(struct response_parser *p, char *buf, size_t len);

/*
 * response_eof: the peer has closed the connection. Returns 0 when the
 * response is complete (a body delimited by the close ends here), or
 * -EPROTO with p->error set: "connection closed before any response",
 * "truncated body: got 1000 of 4000 bytes", ...
 */
int response_eof(struct response_parser *p);

/*
 * response_reusable: true when the response is complete and its connection
 * may carry another request (keep-alive): the body's end was known from
 * its framing (Content-Length, chunked, or no body at all), not from the
 * close, and the server did not say "Connection: close". Simplification:
 * bytes that arrived after the end of the response are dropped, so a
 * server that pipelined would be misread; this client never pipelines,
 * and a server does not answer what it was not asked.
 */
bool response_reusable(const struct response_parser *p);

#endif
