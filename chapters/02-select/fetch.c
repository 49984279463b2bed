/*
 * fetch.c - download one URL into a file, as a state machine on the loop.
 *
 * Mirrors: the callback-driven Fetcher of the "500 Lines or Less" crawler,
 * the stage before coroutines. See fetch.h.
 *
 * Chapter 1's fetch() walked through its steps in one call, each step a
 * function that returned when its step was over. Here no function may
 * wait, so a download is a struct that remembers where it is (its state)
 * and a callback, on_ready, that the loop calls whenever the socket is
 * ready; each call carries the download as far as it can go without
 * waiting, then returns to the loop (see diagrams/fetch-states.dot):
 *
 *   fetch_start: parse the URL, resolve, start connect()  -> FETCH_CONNECTING
 *   writable: the connect() is over, send the request     -> FETCH_SENDING
 *   writable: the whole request is sent                   -> FETCH_READING
 *   readable: feed the bytes to the response parser; open the file when
 *     the head is complete (or start over at a redirect); save the body
 *   the body is complete: rename the file into place       -> FETCH_OVER
 *
 * A step returns STEP_WAIT (0) to wait for the loop, STEP_DONE when the
 * file is saved, or -1 after fail() recorded why. Only the callbacks that
 * the loop calls, and fetch_start, end a download, with finish().
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
#include "net.h"
#include "outfile.h"
#include "response.h"
#include "todo.h"
#include "url.h"

#define FETCH_BUFFER_SIZE (64 * 1024)

enum { STEP_WAIT = 0, STEP_DONE = 1 };

/* What a download waits for; one case of on_ready each. */
enum fetch_state {
	FETCH_CONNECTING, /* for the socket to turn writable: connect() is over */
	FETCH_SENDING,    /* for room in the socket's send buffer */
	FETCH_READING,    /* for the response: its head, then its body */
	FETCH_OVER        /* for nothing: done or failed, DONE was called */
};

/* Everything one download must remember between two callbacks. In
 * chapter 1 most of it was local variables of functions that waited. */
struct fetch {
	enum fetch_state state;
	struct loop *loop;
	const char *url;           /* the URL as given, for events */
	char current_url[URL_MAX]; /* the URL being fetched, after redirects */
	const struct fetch_options *options;
	struct events *events;
	int id;
	fetch_done_cb *done;
	void *done_arg;
	int hops;                         /* redirects followed so far */
	struct url where;                 /* current_url, split into parts */
	struct addrinfo *addrs;           /* the addresses of where.host */
	const struct addrinfo *next_addr; /* the next one to try, or NULL */
	int fd;                           /* the connection, or -1 */
	char request[URL_MAX + 512];
	size_t request_len, sent; /* the request, and how much has gone */
	struct response_parser response;
	struct outfile out;
	struct fetch_result result;
	char buf[FETCH_BUFFER_SIZE]; /* what the last recv() brought */
};

/* Record the first cause of failure, formatted like printf. Returns -1 so
 * that a step can say "return fail(...)". */
static int fail(struct fetch *f, const char *format, ...)
{
	if (f->result.error[0] == '\0') {
		va_list args;
		va_start(args, format);
		vsnprintf(f->result.error, sizeof f->result.error, format, args);
		va_end(args);
	}
	return -1;
}

/* Turn a negative errno from step STEP into words a learner knows. */
static int fail_errno(struct fetch *f, int rc, const char *step)
{
	if (rc == -ETIMEDOUT)
		return fail(f, "timed out after %.1f s while %s", f->options->timeout_s, step);
	if (rc == -ENOSYS)
		return fail(f, "not implemented yet (a TODO of this chapter, while %s)", step);
	if (rc == -ERANGE)
		return fail(f,
		            "too many connections for select() (descriptor %d, limit %d) while %s",
		            f->fd, FD_SETSIZE, step);
	char cause[128];
	snprintf(cause, sizeof cause, "%s", strerror(-rc));
	cause[0] = (char)(cause[0] >= 'A' && cause[0] <= 'Z' ? cause[0] - 'A' + 'a' : cause[0]);
	return fail(f, "%s while %s", cause, step);
}

/* The step a download is in, in the words of chapter 1's errors. */
static const char *step_name(const struct fetch *f)
{
	switch (f->state) {
	case FETCH_CONNECTING:
		return "connecting";
	case FETCH_SENDING:
		return "sending the request";
	case FETCH_READING:
		return f->response.state == RESPONSE_HEAD ? "waiting for the headers"
		                                          : "reading the body";
	case FETCH_OVER:
		break;
	}
	return "finishing";
}

static void on_ready(void *arg);
static void on_deadline(void *arg);

/* -t is an idle timeout: give the connection another timeout_s seconds
 * from now. Called at every step and whenever bytes arrive. */
static int keep_alive(struct fetch *f)
{
	double when = loop_time(f->loop) + f->options->timeout_s;
	return loop_set_deadline(f->loop, f->fd, when, on_deadline, f);
}

/* Move F to STATE: watch its socket for what STATE waits on (writable to
 * connect or send, readable to read) and restart its idle deadline. */
static int wait_for(struct fetch *f, enum fetch_state state)
{
	f->state = state;
	int rc;
	if (state == FETCH_READING) {
		loop_remove_writer(f->loop, f->fd);
		rc = loop_add_reader(f->loop, f->fd, on_ready, f);
	} else {
		loop_remove_reader(f->loop, f->fd);
		rc = loop_add_writer(f->loop, f->fd, on_ready, f);
	}
	if (rc == 0)
		rc = keep_alive(f);
	return rc < 0 ? fail_errno(f, rc, step_name(f)) : STEP_WAIT;
}

/* Unregister the socket, then close it. In that order: select() must never
 * see a closed descriptor, and the next socket may get the same number. */
static void close_connection(struct fetch *f)
{
	if (f->fd < 0)
		return;
	loop_remove_reader(f->loop, f->fd);
	loop_remove_writer(f->loop, f->fd);
	loop_set_deadline(f->loop, f->fd, 0, NULL, NULL);
	close(f->fd);
	f->fd = -1;
}

static void forget_addresses(struct fetch *f)
{
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
	f->next_addr = NULL;
}

/* Start connecting to the next address of the host that will take a
 * connect(). ERR is the reason to report if none is left. */
static int connect_next(struct fetch *f, int err)
{
	while (f->next_addr) {
		const struct addrinfo *ai = f->next_addr;
		f->next_addr = ai->ai_next;
		int rc = net_connect_start(ai, &f->fd);
		/* Connected at once or not, the socket turns writable when the
		 * connect() is over: one path for both. */
		if (rc == 0 || rc == -EINPROGRESS)
			return wait_for(f, FETCH_CONNECTING);
		err = rc;
	}
	f->state = FETCH_CONNECTING;
	return fail_errno(f, err, "connecting");
}

/* One request for f->current_url: parse it, write the request, resolve
 * the host, and start connecting. Also the start of every redirect. */
static int begin_request(struct fetch *f)
{
	const char *why;
	if (url_parse(f->current_url, &f->where, &why) < 0)
		return fail(f, "%s", why);
	int len = http_format_request(f->request, sizeof f->request, &f->where);
	if (len < 0)
		return fail(f, "URL too long for a request");
	f->request_len = (size_t)len;
	f->sent = 0;
	response_init(&f->response);
	forget_addresses(f);
	int gai = net_resolve(f->where.host, f->where.port, &f->addrs);
	if (gai != 0) {
		f->addrs = NULL;
		return fail(f, "cannot resolve host %s: %s", f->where.host, gai_strerror(gai));
	}
	f->next_addr = f->addrs;
	return connect_next(f, -EHOSTUNREACH);
}

/* FETCH_SENDING: the socket is writable: send what is left of the request.
 * send() takes what fits in the socket's buffer, maybe not everything;
 * when the buffer is full, wait until it is writable again. When all has
 * gone, wait for the response. */
static int send_request(struct fetch *f)
{
	/*
	 * TODO(chapter 2): FETCH_SENDING: the socket is writable. Afterwards
	 * either the whole request has gone (f->sent == f->request_len, and the
	 * download waits for the response: wait_for(f, FETCH_READING)), or the
	 * kernel took what it could and the rest waits for the next time the
	 * socket is writable (return STEP_WAIT, with f->sent counting what has
	 * gone), or sending failed (fail_errno(f, rc, "sending the request")).
	 * Never block, never send a byte twice, never lose one. Why it matters: on
	 * a slow link or a full buffer one send() takes only part of the request,
	 * or none of it (-EAGAIN, which is not an error), and a callback that
	 * waits for the rest freezes every other download. See "One download as a
	 * state machine" in README.md.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)f;
	return not_implemented(__func__);
}

/* FETCH_CONNECTING: the socket is writable, so the connect() is over.
 * On failure, try the host's next address, as chapter 1 did. */
static int finish_connecting(struct fetch *f)
{
	int rc = net_connect_result(f->fd);
	if (rc < 0) {
		close_connection(f);
		return connect_next(f, rc);
	}
	events_connected(f->events, f->id, f->url);
	rc = wait_for(f, FETCH_SENDING);
	/* Writable now, so no need to wait for the loop to say so again. */
	return rc < 0 ? rc : send_request(f);
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Like urlopen, follow a redirect (to a limit): a new request elsewhere. */
static int follow_redirect(struct fetch *f)
{
	if (f->hops == FETCH_MAX_REDIRECTS)
		return fail(f, "too many redirects (more than %d)", FETCH_MAX_REDIRECTS);
	const char *why;
	char next[URL_MAX];
	if (url_resolve(&f->where, f->response.head.location, next, sizeof next, &why) < 0)
		return fail(f, "%s", why);
	memcpy(f->current_url, next, sizeof next);
	f->hops++;
	close_connection(f);
	return begin_request(f);
}

/* The head is complete and says 2xx: the body goes to a temporary file
 * that becomes DIR/NAME only when every byte has arrived. */
static int open_file(struct fetch *f)
{
	const struct http_response *head = &f->response.head;
	if (head->status < 200 || head->status > 299)
		return fail(f, "HTTP %d %s", head->status, head->reason);
	char name[256];
	url_file_name(&f->where, name, sizeof name);
	int rc = outfile_open(&f->out, f->options->dir, name);
	if (rc < 0)
		return fail(f, "cannot create a file in %s: %s", f->options->dir, strerror(-rc));
	return STEP_WAIT;
}

/* Append body bytes to the temporary file and count them. */
static int save_bytes(struct fetch *f, const char *bytes, size_t len)
{
	int rc = outfile_write(&f->out, bytes, len);
	if (rc < 0)
		return fail(f, "cannot write %s: %s", f->out.temp_path, strerror(-rc));
	f->result.bytes += (long long)len;
	return STEP_WAIT;
}

/* The response is complete: rename the temporary file into place. */
static int save_file(struct fetch *f)
{
	int rc = outfile_commit(&f->out);
	if (rc < 0)
		return fail(f, "cannot save %s: %s", f->out.final_path, strerror(-rc));
	snprintf(f->result.saved_as, sizeof f->result.saved_as, "%s", f->out.final_path);
	return STEP_DONE;
}

/* Feed LEN received bytes to the parser. When they complete the head, act
 * on it: follow a redirect, or refuse a failure, or open the file. Then
 * save the body bytes among them, and the file when the body is over. */
static int take_bytes(struct fetch *f, size_t len)
{
	bool had_head = f->response.state != RESPONSE_HEAD;
	ssize_t body = response_feed(&f->response, f->buf, len);
	if (body < 0 && f->response.state == RESPONSE_FAILED)
		return fail(f, "%s", f->response.error);
	if (body < 0)
		return (int)body;
	if (!had_head && f->response.state != RESPONSE_HEAD) {
		if (is_redirect(f->response.head.status) && f->response.head.location[0] != '\0')
			return follow_redirect(f);
		if (open_file(f) < 0)
			return -1;
	}
	if (save_bytes(f, f->buf, (size_t)body) < 0)
		return -1;
	return f->response.state == RESPONSE_DONE ? save_file(f) : STEP_WAIT;
}

/* FETCH_READING: the socket is readable: take what has arrived. */
static int receive(struct fetch *f)
{
	ssize_t got = net_recv(f->fd, f->buf, sizeof f->buf);
	if (got == -EAGAIN)
		return STEP_WAIT; /* a false alarm: wait for the next one */
	if (got < 0)
		return fail_errno(f, (int)got, step_name(f));
	if (got == 0) /* the server closed: is the response complete? */
		return response_eof(&f->response) < 0 ? fail(f, "%s", f->response.error)
		                                      : save_file(f);
	if (f->response.state == RESPONSE_HEAD && f->response.head_len == 0)
		events_first_byte(f->events, f->id, f->url);
	int rc = keep_alive(f);
	return rc < 0 ? fail_errno(f, rc, step_name(f)) : take_bytes(f, (size_t)got);
}

/* The end of a download, good or bad: release what it holds, then tell
 * its owner. The last thing any path does with F. */
static void finish(struct fetch *f, int rc)
{
	/* A stub of the starter code returns -ENOSYS without saying so. */
	if (rc < 0 && f->result.error[0] == '\0')
		fail_errno(f, rc, step_name(f));
	close_connection(f);
	if (rc < 0)
		outfile_discard(&f->out);
	forget_addresses(f);
	f->state = FETCH_OVER;
	f->done(f->done_arg, f->id, rc < 0 ? -1 : 0, &f->result);
}

/* The loop calls this when F's socket is ready for what F waits on. */
static void on_ready(void *arg)
{
	struct fetch *f = arg;
	int rc = STEP_WAIT;
	switch (f->state) {
	case FETCH_CONNECTING:
		rc = finish_connecting(f);
		break;
	case FETCH_SENDING:
		rc = send_request(f);
		break;
	case FETCH_READING:
		rc = receive(f);
		break;
	case FETCH_OVER:
		break;
	}
	if (rc != STEP_WAIT)
		finish(f, rc);
}

/* The loop calls this when F's socket has made no progress for -t s. */
static void on_deadline(void *arg)
{
	struct fetch *f = arg;
	int rc;
	if (f->state == FETCH_CONNECTING) {
		/* As in chapter 1, each address of the host gets the full -t. */
		close_connection(f);
		rc = connect_next(f, -ETIMEDOUT);
	} else {
		rc = fail_errno(f, -ETIMEDOUT, step_name(f));
	}
	if (rc != STEP_WAIT)
		finish(f, rc);
}

/* When even the struct cannot be had, DONE still hears about it. */
static struct fetch *no_memory(int id, fetch_done_cb *done, void *arg)
{
	struct fetch_result result;
	memset(&result, 0, sizeof result);
	snprintf(result.error, sizeof result.error, "out of memory");
	done(arg, id, -1, &result);
	return NULL;
}

struct fetch *fetch_start(struct loop *loop, const char *url, const struct fetch_options *options,
                          struct events *events, int id, fetch_done_cb *done, void *arg)
{
	/* Not calloc: buf and the parser's head buffer need no zeroes, and
	 * untouched pages cost nothing. */
	struct fetch *f = malloc(sizeof *f);
	if (!f)
		return no_memory(id, done, arg);
	f->state = FETCH_CONNECTING;
	f->loop = loop;
	f->url = url;
	f->options = options;
	f->events = events;
	f->id = id;
	f->done = done;
	f->done_arg = arg;
	f->hops = 0;
	f->addrs = NULL;
	f->next_addr = NULL;
	f->fd = -1;
	f->out.fd = -1;
	memset(&f->result, 0, sizeof f->result);
	int rc = snprintf(f->current_url, sizeof f->current_url, "%s", url) >= URL_MAX
	                 ? fail(f, "URL too long")
	                 : begin_request(f);
	if (rc != STEP_WAIT)
		finish(f, rc);
	return f;
}

void fetch_abort(struct fetch *f, int err, const char *while_doing)
{
	if (!f || f->state == FETCH_OVER)
		return;
	fail_errno(f, err, while_doing);
	finish(f, -1);
}

void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	if (f->state != FETCH_OVER) {
		close_connection(f);
		outfile_discard(&f->out);
		forget_addresses(f);
	}
	free(f);
}
