/*
 * fetch.c - download one URL into a file; the answer is a future.
 *
 * Mirrors: a client built on loop.sock_connect / sock_sendall / sock_recv
 * and done-callbacks, before coroutines. See fetch.h.
 *
 * The steps are chapter 1's, and each one is now a pair: a function that
 * starts an operation and hands its future to wait_for(), and a callback
 * that runs when that future is done and starts the next step.
 *
 *   start_request -> sock_connect  -> on_connected
 *                 -> sock_sendall  -> on_sent
 *                 -> sock_recv     -> on_received (again and again)
 *                 -> finish: the download's own future is done
 */
#include "fetch.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "net.h"
#include "outfile.h"
#include "response.h"
#include "sock.h"
#include "todo.h"
#include "url.h"

/* Everything one download remembers between two callbacks. */
struct fetch {
	struct loop *loop;
	struct future *done; /* the download's future, what fetch() returned */
	const char *url;     /* as given, for events */
	char current_url[URL_MAX];
	int redirects;
	const struct fetch_options *options;
	struct events *events;
	int id;
	struct url where;
	struct addrinfo *addrs;           /* the server's addresses */
	const struct addrinfo *next_addr; /* the next one to try */
	int fd;                           /* the connection, or -1 */
	struct future *waiting;           /* the operation under way, or NULL */
	const char *step;                 /* what it is waiting for, in words */
	bool timed_out;                   /* the deadline cancelled it */
	bool first_byte_seen;             /* of the current request */
	bool head_seen;
	char request[URL_MAX + 512];
	struct response_parser parser;
	struct outfile out;
	long long bytes;
	char buf[16 * 1024];
};

static void close_connection(struct fetch *f)
{
	if (f->fd < 0)
		return;
	loop_set_deadline(f->loop, f->fd, 0, NULL, NULL);
	close(f->fd);
	f->fd = -1;
}

/* The end of every download, good or bad: release everything, then let the
 * download's future tell the caller. F is gone afterwards. */
static void finish(struct fetch *f, int code, const char *message)
{
	close_connection(f);
	outfile_discard(&f->out);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	if (code < 0) {
		future_set_exception(f->done, code, message);
	} else {
		struct fetch_result *result = malloc(sizeof *result);
		if (!result) {
			future_set_exception(f->done, -ENOMEM, "out of memory");
		} else {
			result->bytes = f->bytes;
			snprintf(result->saved_as, sizeof result->saved_as, "%s",
			         f->out.final_path);
			future_set_result(f->done, result, free);
		}
	}
	future_free(f->done);
	free(f);
}

/* Fail the download with CODE and the cause formatted like printf. */
static void fail(struct fetch *f, int code, const char *format, ...)
{
	char message[FUTURE_MESSAGE_MAX];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof message, format, args);
	va_end(args);
	finish(f, code, message);
}

/* A failed operation, in chapter 1's words. A cancellation that our own
 * deadline caused is a timeout. */
static void fail_errno(struct fetch *f, int rc)
{
	if (rc == -ECANCELED && f->timed_out)
		rc = -ETIMEDOUT;
	if (rc == -ETIMEDOUT) {
		fail(f, rc, "timed out after %.1f s while %s", f->options->timeout_s, f->step);
		return;
	}
	if (rc == -ENOSYS) {
		fail(f, rc, "not implemented yet (a TODO of this chapter, while %s)", f->step);
		return;
	}
	char cause[128];
	snprintf(cause, sizeof cause, "%s", strerror(-rc));
	cause[0] = (char)(cause[0] >= 'A' && cause[0] <= 'Z' ? cause[0] - 'A' + 'a' : cause[0]);
	fail(f, rc, "%s while %s", cause, f->step);
}

/* The deadline passed without progress: cancel the operation under way.
 * Its future is then done, and the step's callback reports the timeout. */
static void on_deadline(void *arg)
{
	struct fetch *f = arg;
	f->timed_out = true;
	future_cancel(f->waiting, "timed out");
}

/*
 * The one place where a step waits: remember the operation, call NEXT when
 * its future is done, and give it OPTIONS->timeout_s of quiet before the
 * deadline cancels it. Every callback starts by taking the future back.
 */
static void wait_for(struct fetch *f, struct future *op, future_done_cb *next, const char *step)
{
	f->step = step;
	int rc = op ? future_add_done_callback(op, next, f) : -ENOMEM;
	if (rc < 0) {
		future_free(op);
		fail_errno(f, rc);
		return;
	}
	f->waiting = op;
	if (f->fd >= 0)
		loop_set_deadline(f->loop, f->fd, loop_time(f->loop) + f->options->timeout_s,
		                  on_deadline, f);
}

/* A step's callback begins here: the operation OP is over, so nothing is
 * waiting any more. Returns OP's outcome (0, or a negative errno) and lets
 * go of OP, which the step no longer needs. */
static int take_outcome(struct fetch *f, struct future *op)
{
	f->waiting = NULL;
	void *unused;
	int rc = future_result(op, &unused);
	future_free(op);
	return rc;
}

static void connect_next_address(struct fetch *f);
static void start_request(struct fetch *f);

static void on_received(struct future *op, void *arg);

static void receive(struct fetch *f)
{
	const char *step = f->head_seen ? "reading the body" : "waiting for the headers";
	wait_for(f, sock_recv(f->loop, f->fd, f->buf, sizeof f->buf), on_received, step);
}

static void on_sent(struct future *op, void *arg)
{
	struct fetch *f = arg;
	int rc = take_outcome(f, op);
	if (rc < 0) {
		fail_errno(f, rc);
		return;
	}
	response_init(&f->parser);
	f->first_byte_seen = false;
	f->head_seen = false;
	receive(f);
}

static void send_request(struct fetch *f)
{
	int len = http_format_request(f->request, sizeof f->request, &f->where);
	if (len < 0) {
		fail(f, len, "URL too long for a request");
		return;
	}
	wait_for(f, sock_sendall(f->loop, f->fd, f->request, (size_t)len), on_sent,
	         "sending the request");
}

static void on_connected(struct future *op, void *arg)
{
	struct fetch *f = arg;
	int rc = take_outcome(f, op);
	if (rc < 0 && f->next_addr && !f->timed_out) {
		/* Like socket.create_connection: try the next address. */
		close_connection(f);
		connect_next_address(f);
		return;
	}
	if (rc < 0) {
		fail_errno(f, rc);
		return;
	}
	events_connected(f->events, f->id, f->url);
	send_request(f);
}

static void connect_next_address(struct fetch *f)
{
	const struct addrinfo *ai = f->next_addr;
	f->next_addr = ai->ai_next;
	f->timed_out = false;
	struct future *op = sock_connect(f->loop, ai, &f->fd);
	wait_for(f, op, on_connected, "connecting");
}

/* The head has arrived: a redirect starts over, an error ends the
 * download, a 2xx opens the temporary file. Returns false when F is gone
 * or has started over. */
static bool on_head(struct fetch *f)
{
	const struct http_response *head = &f->parser.head;
	int status = head->status;
	bool redirect = (status == 301 || status == 302 || status == 303 || status == 307 ||
	                 status == 308) &&
	                head->location[0] != '\0';
	if (redirect) {
		if (f->redirects++ == FETCH_MAX_REDIRECTS) {
			fail(f, -ELOOP, "too many redirects (more than %d)", FETCH_MAX_REDIRECTS);
			return false;
		}
		const char *why;
		char next[URL_MAX];
		if (url_resolve(&f->where, head->location, next, sizeof next, &why) < 0) {
			fail(f, -EINVAL, "%s", why);
			return false;
		}
		memcpy(f->current_url, next, sizeof next);
		close_connection(f);
		start_request(f);
		return false;
	}
	if (status < 200 || status > 299) {
		fail(f, -EPROTO, "HTTP %d %s", status, head->reason);
		return false;
	}
	char name[256];
	url_file_name(&f->where, name, sizeof name);
	int rc = outfile_open(&f->out, f->options->dir, name);
	if (rc < 0) {
		fail(f, rc, "cannot create a file in %s: %s", f->options->dir, strerror(-rc));
		return false;
	}
	return true;
}

/* The peer closed the connection: complete, or cut short? */
static void on_closed(struct fetch *f)
{
	if (response_eof(&f->parser) < 0) {
		fail(f, -EPROTO, "%s", f->parser.error);
		return;
	}
	int rc = outfile_commit(&f->out);
	if (rc < 0)
		fail(f, rc, "cannot save %s: %s", f->out.final_path, strerror(-rc));
	else
		finish(f, 0, NULL);
}

/* Feed GOT bytes of f->buf to the parser and save the body among them.
 * Returns false when the download is over (F is gone). */
static bool take_bytes(struct fetch *f, size_t got)
{
	ssize_t body = response_feed(&f->parser, f->buf, got);
	if (body < 0) {
		fail(f, -EPROTO, "%s", f->parser.error);
		return false;
	}
	if (!f->head_seen && f->parser.state != RESPONSE_HEAD) {
		f->head_seen = true;
		if (!on_head(f))
			return false;
	}
	int rc = outfile_write(&f->out, f->buf, (size_t)body);
	if (rc < 0) {
		fail(f, rc, "cannot write %s: %s", f->out.temp_path, strerror(-rc));
		return false;
	}
	f->bytes += body;
	return true;
}

static void on_received(struct future *op, void *arg)
{
	struct fetch *f = arg;
	f->waiting = NULL;
	ssize_t got = sock_recv_count(op);
	future_free(op);
	if (got < 0) {
		fail_errno(f, (int)got);
		return;
	}
	if (got == 0) {
		on_closed(f);
		return;
	}
	if (!f->first_byte_seen) {
		f->first_byte_seen = true;
		events_first_byte(f->events, f->id, f->url);
	}
	if (!take_bytes(f, (size_t)got))
		return;
	if (f->parser.state == RESPONSE_DONE)
		on_closed(f);
	else
		receive(f);
}

/* Parse the current URL, find the server, start connecting. */
static void start_request(struct fetch *f)
{
	const char *why;
	if (url_parse(f->current_url, &f->where, &why) < 0) {
		fail(f, -EINVAL, "%s", why);
		return;
	}
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
	int gai = net_resolve(f->where.host, f->where.port, &f->addrs);
	/* getaddrinfo never succeeds with an empty list, but nothing here
	 * should depend on that to stay clear of a NULL. */
	if (gai != 0 || !f->addrs) {
		fail(f, -EHOSTUNREACH, "cannot resolve host %s: %s", f->where.host,
		     gai_strerror(gai ? gai : EAI_NONAME));
		return;
	}
	f->next_addr = f->addrs;
	connect_next_address(f);
}

struct future *fetch(struct loop *loop, const char *url, const struct fetch_options *options,
                     struct events *events, int id)
{
	struct fetch *f = calloc(1, sizeof *f);
	struct future *done = future_new(loop);
	if (!f || !done) {
		free(f);
		future_free(done);
		return NULL;
	}
	f->loop = loop;
	f->done = done;
	f->url = url;
	f->options = options;
	f->events = events;
	f->id = id;
	f->fd = -1;
	f->out.fd = -1;
	struct future *ticket = future_retain(done);
	if (snprintf(f->current_url, sizeof f->current_url, "%s", url) >= URL_MAX)
		fail(f, -ENAMETOOLONG, "URL too long");
	else
		start_request(f);
	return ticket;
}
