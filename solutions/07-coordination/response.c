/*
 * response.c - an HTTP response parser that is fed bytes as they arrive.
 *
 * Mirrors: an asyncio Protocol's data_received() and eof_received(), for
 * HTTP responses. See response.h.
 *
 * The pure functions of http.c do the parsing proper; this file only keeps
 * the place between two pieces: how much of the head has come, and how
 * much of the body. Chapter 1 kept that place in the call stack, inside a
 * loop around recv(); a callback returns after every piece, so here it
 * lives in a struct.
 */
#include "response.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "todo.h"

void response_init(struct response_parser *p)
{
	/* Not a memset of the whole struct: head_buf is 64 KiB, and only its
	 * first head_len bytes ever mean anything. */
	p->state = RESPONSE_HEAD;
	memset(&p->head, 0, sizeof p->head);
	p->head.content_length = -1;
	p->kind = HTTP_BODY_NONE;
	p->body_bytes = 0;
	chunked_init(&p->chunked);
	p->error[0] = '\0';
	p->head_len = 0;
}

/* Record why the response is unusable, formatted like printf, and stay
 * failed. Returns -EPROTO, so that a step can say "return fail(...)". */
static int fail(struct response_parser *p, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(p->error, sizeof p->error, format, args);
	va_end(args);
	p->state = RESPONSE_FAILED;
	return -EPROTO;
}

/*
 * RESPONSE_HEAD: collect the LEN bytes of BUF into p->head_buf until the
 * blank line that ends the head has come, then parse the head into p->head
 * and move to RESPONSE_BODY. Returns how many of the LEN bytes belonged to
 * the head (all of them while it is incomplete; the rest are the start of
 * the body), or -EPROTO.
 */
static ssize_t feed_head(struct response_parser *p, const char *buf, size_t len)
{
	size_t old_len = p->head_len, room = sizeof p->head_buf - old_len;
	size_t take = len < room ? len : room;
	memcpy(p->head_buf + old_len, buf, take);
	p->head_len += take;
	/* The blank line may straddle two pieces: look from 3 bytes before
	 * the new ones. Looking from the start each time would make a head
	 * fed one byte at a time cost quadratic time. */
	size_t from = old_len > 3 ? old_len - 3 : 0;
	size_t end = http_find_head_end(p->head_buf + from, p->head_len - from);
	if (end == 0) {
		if (p->head_len == sizeof p->head_buf)
			return fail(p, "malformed response: headers longer than %d bytes",
			            HTTP_HEAD_MAX);
		return (ssize_t)len;
	}
	p->head_len = from + end;
	const char *why;
	if (http_parse_head(p->head_buf, p->head_len, &p->head, &why) < 0)
		return fail(p, "malformed response: %s", why);
	p->state = RESPONSE_BODY;
	return (ssize_t)(p->head_len - old_len);
}

/* The head is parsed: how will the body end? Some answers have none. */
static void begin_body(struct response_parser *p)
{
	p->kind = http_body_kind(&p->head);
	if (p->kind == HTTP_BODY_NONE ||
	    (p->kind == HTTP_BODY_LENGTH && p->head.content_length == 0))
		p->state = RESPONSE_DONE;
}

/* Content-Length: keep at most what is still missing. */
static size_t take_by_length(struct response_parser *p, size_t len)
{
	long long missing = p->head.content_length - p->body_bytes;
	size_t body = (long long)len < missing ? len : (size_t)missing;
	if ((long long)body == missing)
		p->state = RESPONSE_DONE;
	return body;
}

/* Chunked: the decoder strips the framing in place; the zero chunk ends it. */
static ssize_t take_chunked(struct response_parser *p, char *buf, size_t len)
{
	const char *why;
	ssize_t body = chunked_decode(&p->chunked, buf, len, &why);
	if (body < 0)
		return fail(p, "malformed response: %s", why);
	if (p->chunked.state == CHUNK_DONE)
		p->state = RESPONSE_DONE;
	return body;
}

/* RESPONSE_BODY: the LEN bytes at the front of BUF come after the head.
 * Returns how many body bytes are now at the front of BUF, or -EPROTO. */
static ssize_t feed_body(struct response_parser *p, char *buf, size_t len)
{
	ssize_t body = 0;
	switch (p->kind) {
	case HTTP_BODY_LENGTH:
		body = (ssize_t)take_by_length(p, len);
		break;
	case HTTP_BODY_CHUNKED:
		body = take_chunked(p, buf, len);
		break;
	case HTTP_BODY_UNTIL_CLOSE:
		body = (ssize_t)len; /* everything, until response_eof */
		break;
	case HTTP_BODY_NONE:
		break;
	}
	if (body > 0)
		p->body_bytes += body;
	return body;
}

ssize_t response_feed(struct response_parser *p, char *buf, size_t len)
{
	size_t used = 0;
	if (p->state == RESPONSE_FAILED)
		return -EPROTO;
	if (p->state == RESPONSE_HEAD) {
		ssize_t n = feed_head(p, buf, len);
		if (n < 0 || p->state == RESPONSE_HEAD)
			return n < 0 ? n : 0;
		begin_body(p);
		used = (size_t)n;
	}
	if (p->state == RESPONSE_DONE)
		return 0;
	/* Whatever followed the head is body: move it to the front of BUF,
	 * where the caller expects the body bytes. */
	memmove(buf, buf + used, len - used);
	return feed_body(p, buf, len - used);
}

int response_eof(struct response_parser *p)
{
	switch (p->state) {
	case RESPONSE_HEAD:
		return fail(p, p->head_len == 0 ? "connection closed before any response"
		                                : "malformed response: connection closed "
		                                  "before the headers ended");
	case RESPONSE_BODY:
		break;
	case RESPONSE_DONE:
		return 0;
	case RESPONSE_FAILED:
		return -EPROTO;
	}
	/* Only a body without a length may end with the connection. */
	if (p->kind == HTTP_BODY_UNTIL_CLOSE) {
		p->state = RESPONSE_DONE;
		return 0;
	}
	if (p->kind == HTTP_BODY_CHUNKED)
		return fail(p, "truncated body: chunked body ended after %lld bytes",
		            p->body_bytes);
	return fail(p, "truncated body: got %lld of %lld bytes", p->body_bytes,
	            p->head.content_length);
}

bool response_reusable(const struct response_parser *p)
{
	return p->state == RESPONSE_DONE && p->kind != HTTP_BODY_UNTIL_CLOSE &&
	       p->head.keep_alive;
}
