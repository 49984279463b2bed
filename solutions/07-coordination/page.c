/*
 * page.c - fetch one page into memory, as a task. See page.h.
 *
 * Mirrors: fetch() in the "500 Lines or Less" crawler: connect, send the
 * request, read the answer, keep it whole; on the loop of the earlier
 * chapters. The steps are fetch.c's, without the files, the pool, the
 * per-host slots and the redirects.
 */
#include "page.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "future.h"
#include "net.h"
#include "response.h"
#include "sock.h"
#include "task.h"
#include "todo.h"

/* The coroutine's frame. */
struct page_fetch {
	int resume_point;
	struct loop *loop;
	const char *url;
	struct url where;
	struct addrinfo *addrs;
	const struct addrinfo *addr; /* the address being tried */
	int fd;                      /* the connection, or -1 */
	const char *step;            /* what it waits for, in words */
	int rc;                      /* 0, or why it failed */
	char message[FUTURE_MESSAGE_MAX];
	char request[URL_MAX + 512];
	int request_len;
	struct page *page;
	bool closed; /* the server closed the connection */
	struct response_parser parser;
	char buf[16 * 1024];
};

static int fail(struct page_fetch *f, int code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(f->message, sizeof f->message, format, args);
	va_end(args);
	f->rc = code;
	return code;
}

/* A failed await, in words: "connection refused while connecting". */
static int fail_errno(struct page_fetch *f, int rc)
{
	char cause[128];
	snprintf(cause, sizeof cause, "%s", strerror(-rc));
	cause[0] = (char)(cause[0] >= 'A' && cause[0] <= 'Z' ? cause[0] - 'A' + 'a' : cause[0]);
	return fail(f, rc, "%s while %s", cause, f->step);
}

static void page_free(void *arg)
{
	struct page *page = arg;
	free(page->body);
	free(page);
}

static void close_connection(struct page_fetch *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Parse the URL, find the server, write the request. */
static int prepare(struct page_fetch *f)
{
	const char *why;
	if (url_parse(f->url, &f->where, &why) < 0)
		return fail(f, -EINVAL, "%s", why);
	int gai = net_resolve(f->where.host, f->where.port, &f->addrs);
	if (gai != 0)
		return fail(f, -EHOSTUNREACH, "cannot resolve host %s: %s", f->where.host,
		            gai_strerror(gai));
	f->request_len = http_format_request(f->request, sizeof f->request, &f->where, false);
	if (f->request_len < 0)
		return fail(f, f->request_len, "URL too long for a request");
	f->page = calloc(1, sizeof *f->page);
	if (!f->page)
		return fail(f, -ENOMEM, "out of memory");
	response_init(&f->parser);
	return 0;
}

static struct future *connect_next(struct page_fetch *f)
{
	f->step = "connecting";
	return sock_connect(f->loop, f->addr, &f->fd);
}

static struct future *send_request(struct page_fetch *f)
{
	f->step = "sending the request";
	return sock_sendall(f->loop, f->fd, f->request, (size_t)f->request_len);
}

static struct future *receive(struct page_fetch *f)
{
	f->step = f->parser.state == RESPONSE_HEAD ? "waiting for the headers" : "reading the body";
	return sock_recv(f->loop, f->fd, f->buf, sizeof f->buf);
}

/* Keep LEN body bytes from the front of f->buf, within PAGE_MAX. */
static int keep(struct page_fetch *f, size_t len)
{
	struct page *page = f->page;
	if (page->len + len > PAGE_MAX)
		return fail(f, -EFBIG, "page larger than %d bytes", PAGE_MAX);
	char *grown = realloc(page->body, page->len + len + 1);
	if (!grown)
		return fail(f, -ENOMEM, "out of memory");
	memcpy(grown + page->len, f->buf, len);
	page->body = grown;
	page->len += len;
	page->body[page->len] = '\0';
	return 0;
}

/* What a recv delivered (OUTCOME, caught): its bytes through the parser,
 * and the body bytes among them kept. 0, or why it failed. */
static int take_received(struct task *task, struct page_fetch *f, int outcome)
{
	if (outcome < 0)
		return fail_errno(f, outcome);
	ssize_t got = (ssize_t)(intptr_t)task_await_result(task);
	f->closed = got == 0;
	if (f->closed)
		return response_eof(&f->parser) < 0 ? fail(f, -EPROTO, "%s", f->parser.error) : 0;
	ssize_t body = response_feed(&f->parser, f->buf, (size_t)got);
	if (body < 0)
		return fail(f, -EPROTO, "%s", f->parser.error);
	return keep(f, (size_t)body);
}

/* The answer is in: its status line and Location, beside the body. */
static int finish(struct task *task, struct page_fetch *f)
{
	struct page *page = f->page;
	const struct http_response *head = &f->parser.head;
	page->status = head->status;
	snprintf(page->reason, sizeof page->reason, "%s", head->reason);
	snprintf(page->location, sizeof page->location, "%s", head->location);
	if (!page->body && keep(f, 0) < 0)
		return task_raise(task, f->rc, f->message);
	f->page = NULL;
	close_connection(f);
	return task_return(task, page, page_free);
}

static int give_up(struct task *task, struct page_fetch *f)
{
	close_connection(f);
	if (f->rc == -ECANCELED)
		return task_raise(task, -ECANCELED, NULL);
	return task_raise(task, f->rc, f->message);
}

/* The page: connect to the first address that answers, send, read until
 * the response is complete or the server closes. Each await is caught, so
 * that a failure says what the page was doing. */
static int page_steps(struct task *task, void *frame)
{
	struct page_fetch *f = frame;
	int outcome;
	CORO_BEGIN(f);
	if (prepare(f) < 0)
		return give_up(task, f);
	for (f->addr = f->addrs; f->addr; f->addr = f->addr->ai_next) {
		close_connection(f);
		CORO_TRY_AWAIT(task, f, connect_next(f), outcome);
		if ((f->rc = outcome) == 0 || outcome == -ECANCELED)
			break;
	}
	if (f->rc < 0) {
		fail_errno(f, f->rc);
		return give_up(task, f);
	}
	CORO_TRY_AWAIT(task, f, send_request(f), outcome);
	if (outcome < 0) {
		fail_errno(f, outcome);
		return give_up(task, f);
	}
	while (f->parser.state != RESPONSE_DONE && !f->closed) {
		CORO_TRY_AWAIT(task, f, receive(f), outcome);
		if (take_received(task, f, outcome) < 0)
			return give_up(task, f);
	}
	return finish(task, f);
	CORO_END(task, f);
}

static void page_fetch_free(void *frame)
{
	struct page_fetch *f = frame;
	close_connection(f);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	if (f->page)
		page_free(f->page);
	free(f);
}

struct future *page_get(struct loop *loop, const char *url)
{
	struct page_fetch *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->loop = loop;
	f->url = url;
	f->fd = -1;
	return task_create(loop, "page", page_steps, f, page_fetch_free);
}
