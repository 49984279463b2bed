/*
 * fetch.c - download one URL into a file, as a task. See fetch.h.
 *
 * Mirrors: an `async def fetch(url)` on loop.sock_connect / sock_sendall /
 * sock_recv, run by asyncio.create_task.
 *
 * fetch_steps is the whole download, top to bottom, as chapter 1's
 * fetch_steps, follow_redirects, read_head and save_body were, and each
 * blocking call of chapter 1 is one CORO_AWAIT here:
 *
 *   net_connect  -> CORO_AWAIT sock_connect   "connecting"
 *   net_send_all -> CORO_AWAIT sock_sendall   "sending the request"
 *   net_recv     -> CORO_AWAIT sock_recv      "waiting for the headers"
 *   net_recv     -> CORO_AWAIT sock_recv      "reading the body"
 *
 * Everything else is plain functions that do not wait. Everything that
 * must survive an await is in struct fetch, the coroutine's frame.
 */
#include "fetch.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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
#include "task.h"
#include "todo.h"
#include "url.h"

/* The coroutine's frame: its locals, and where it stopped. */
struct fetch {
	int resume_point; /* for CORO_BEGIN and CORO_AWAIT */
	struct loop *loop;
	const char *url; /* as given, for events */
	char current_url[URL_MAX];
	int redirects;
	const struct fetch_options *options;
	struct events *events;
	int id;
	struct url where;
	struct addrinfo *addrs;      /* the server's addresses */
	const struct addrinfo *addr; /* the one being tried */
	int fd;                      /* the connection, or -1 */
	struct future *waiting;      /* what the deadline cancels, or NULL */
	const char *step;            /* what it is waiting for, in words */
	bool timed_out;              /* the deadline cancelled it */
	int rc;                      /* 0, or why it failed (a negative errno) */
	char message[FUTURE_MESSAGE_MAX];
	char request[URL_MAX + 512];
	int request_len;
	struct response_parser parser;
	bool first_byte_seen; /* of the current request */
	bool closed;          /* the server closed the connection */
	ssize_t body;         /* body bytes at the front of buf, after a recv */
	struct outfile out;
	long long bytes;
	char buf[16 * 1024];
};

/* Remember why the download failed (chapter 1's fail). Returns CODE. */
static int fail(struct fetch *f, int code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(f->message, sizeof f->message, format, args);
	va_end(args);
	f->rc = code;
	return code;
}

/* A failed await, in chapter 1's words. A cancellation that our own
 * deadline caused is a timeout; any other is the task being cancelled. */
static int fail_errno(struct fetch *f, int rc)
{
	if (rc == -ECANCELED && f->timed_out)
		rc = -ETIMEDOUT;
	if (rc == -ETIMEDOUT)
		return fail(f, rc, "timed out after %.1f s while %s", f->options->timeout_s,
		            f->step);
	if (rc == -ENOSYS)
		return fail(f, rc, "not implemented yet (a TODO of this chapter, while %s)",
		            f->step);
	char cause[128];
	snprintf(cause, sizeof cause, "%s", strerror(-rc));
	cause[0] = (char)(cause[0] >= 'A' && cause[0] <= 'Z' ? cause[0] - 'A' + 'a' : cause[0]);
	return fail(f, rc, "%s while %s", cause, f->step);
}

static void close_connection(struct fetch *f)
{
	if (f->fd < 0)
		return;
	loop_set_deadline(f->loop, f->fd, 0, NULL, NULL);
	close(f->fd);
	f->fd = -1;
}

/* Let go of the socket, the temporary file and the addresses. Safe to
 * call twice: the frame's destructor calls it again. */
static void clean_up(struct fetch *f)
{
	close_connection(f);
	outfile_discard(&f->out);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
}

/* The deadline passed without progress: cancel the operation awaited.
 * The coroutine then sees -ECANCELED with timed_out set. */
static void on_deadline(void *arg)
{
	struct fetch *f = arg;
	f->timed_out = true;
	if (f->waiting)
		future_cancel(f->waiting, "timed out");
}

/* Every await of the download goes through here: remember what it waits
 * for, and give it OPTIONS->timeout_s of quiet before the deadline cancels
 * it. Returns OP, for CORO_AWAIT. */
static struct future *start(struct fetch *f, const char *step, struct future *op)
{
	f->step = step;
	f->waiting = op;
	f->timed_out = false;
	if (op && f->fd >= 0)
		loop_set_deadline(f->loop, f->fd, loop_time(f->loop) + f->options->timeout_s,
		                  on_deadline, f);
	return op;
}

/* The three operations the download awaits, on the current connection. */
static struct future *connect_next(struct fetch *f)
{
	return sock_connect(f->loop, f->addr, &f->fd);
}

static struct future *send_request(struct fetch *f)
{
	return sock_sendall(f->loop, f->fd, f->request, (size_t)f->request_len);
}

static struct future *receive(struct fetch *f)
{
	return sock_recv(f->loop, f->fd, f->buf, sizeof f->buf);
}

/* After the await of a connect or a send, whose OUTCOME the download
 * catches to say what it was doing: 0, or why it failed. */
static int took(struct fetch *f, int outcome)
{
	f->waiting = NULL;
	f->rc = 0;
	return outcome < 0 ? fail_errno(f, outcome) : 0;
}

/*
 * After the await of a sock_recv, whose OUTCOME the download catches:
 * take what it delivered. Returns 0 with f->body set to the count of body
 * bytes now at the front of f->buf (f->closed when the server closed the
 * connection instead), or a negative errno with the cause in f->message.
 */
static int take_received(struct task *task, struct fetch *f, int outcome)
{
	/*
	 * TODO(chapter 4): The coroutine is back from awaiting sock_recv, and
	 * OUTCOME is what that await delivered (fetch_steps catches it with
	 * CORO_TRY_AWAIT): take it. Afterwards f->waiting must be clear. A
	 * negative OUTCOME is returned through fail_errno(f, outcome), which words
	 * it as chapter 1 did (our own deadline's -ECANCELED becomes the timeout
	 * message). Otherwise the result of the await, task_await_result(task), is
	 * the count received, as a pointer-sized integer: zero means the server
	 * closed the connection (f->closed, no body bytes); more means bytes at
	 * the front of f->buf, which go to the parser (response_feed), whose
	 * answer is the count of body bytes (f->body), or an error for a malformed
	 * response (-EPROTO with the parser's words). The first byte of a response
	 * is reported once (events_first_byte). Return 0, or the negative errno of
	 * the failure. See "The downloader as a coroutine" in README.md.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)task;
	(void)f;
	(void)outcome;
	return not_implemented(__func__);
}

/* Parse the current URL, find the server, prepare the request. */
static int find_server(struct fetch *f)
{
	if (f->current_url[0] == '\0' &&
	    snprintf(f->current_url, sizeof f->current_url, "%s", f->url) >= URL_MAX)
		return fail(f, -ENAMETOOLONG, "URL too long");
	const char *why;
	if (url_parse(f->current_url, &f->where, &why) < 0)
		return fail(f, -EINVAL, "%s", why);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
	int gai = net_resolve(f->where.host, f->where.port, &f->addrs);
	if (gai != 0)
		return fail(f, -EHOSTUNREACH, "cannot resolve host %s: %s", f->where.host,
		            gai_strerror(gai));
	f->request_len = http_format_request(f->request, sizeof f->request, &f->where);
	if (f->request_len < 0)
		return fail(f, f->request_len, "URL too long for a request");
	response_init(&f->parser);
	f->first_byte_seen = false;
	return 0;
}

/* The head is in, or the connection closed before it ended. */
static int check_head(struct fetch *f)
{
	if (f->parser.state == RESPONSE_HEAD && response_eof(&f->parser) < 0)
		return fail(f, -EPROTO, "%s", f->parser.error);
	return 0;
}

/* Like urlopen, follow a redirect (to a limit). Returns true when the
 * download starts over at the new URL; false for a final answer, or with
 * f->rc set when the redirect cannot be followed. */
static bool follow_redirect(struct fetch *f)
{
	const struct http_response *head = &f->parser.head;
	int status = head->status;
	if (!(status == 301 || status == 302 || status == 303 || status == 307 || status == 308) ||
	    head->location[0] == '\0')
		return false;
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
	return true;
}

/* Append the body bytes at the front of f->buf to the temporary file. */
static int save_bytes(struct fetch *f)
{
	int rc = outfile_write(&f->out, f->buf, (size_t)f->body);
	if (rc < 0)
		return fail(f, rc, "cannot write %s: %s", f->out.temp_path, strerror(-rc));
	f->bytes += f->body;
	return 0;
}

/* A final answer: only a 2xx is saved, into a temporary file, starting
 * with the body bytes that came with the head. */
static int open_output(struct fetch *f)
{
	int status = f->parser.head.status;
	if (status < 200 || status > 299)
		return fail(f, -EPROTO, "HTTP %d %s", status, f->parser.head.reason);
	char name[256];
	url_file_name(&f->where, name, sizeof name);
	int rc = outfile_open(&f->out, f->options->dir, name);
	if (rc < 0)
		return fail(f, rc, "cannot create a file in %s: %s", f->options->dir,
		            strerror(-rc));
	return save_bytes(f);
}

/* The body is over, or the connection closed: complete, or cut short? */
static int commit_body(struct fetch *f)
{
	if (response_eof(&f->parser) < 0)
		return fail(f, -EPROTO, "%s", f->parser.error);
	int rc = outfile_commit(&f->out);
	if (rc < 0)
		return fail(f, rc, "cannot save %s: %s", f->out.final_path, strerror(-rc));
	return 0;
}

/* The end of a download that failed or was cancelled: clean up, then
 * propagate. A cancellation stays one, so the task ends CANCELLED. */
static int give_up(struct task *task, struct fetch *f)
{
	clean_up(f);
	/* An error without words gets chapter 1's (a stub's -ENOSYS, say). */
	if (f->message[0] == '\0')
		fail_errno(f, f->rc);
	if (f->rc == -ECANCELED)
		return task_raise(task, -ECANCELED, NULL);
	return task_raise(task, f->rc, f->message);
}

static int succeed(struct task *task, struct fetch *f)
{
	clean_up(f);
	struct fetch_result *result = malloc(sizeof *result);
	if (!result)
		return task_raise(task, -ENOMEM, "out of memory");
	result->bytes = f->bytes;
	snprintf(result->saved_as, sizeof result->saved_as, "%s", f->out.final_path);
	return task_return(task, result, free);
}

/* The download: chapter 1's fetch_steps, awaiting where it blocked. Each
 * await is a try: its error or cancellation becomes the download's own,
 * in words that say what it was doing, and give_up cleans up and raises
 * it on (Python: except OSError as e: raise DownloadError(...) from e). */
static int fetch_steps(struct task *task, void *frame)
{
	struct fetch *f = frame;
	int outcome; /* of the await just over: read at once, never kept */
	CORO_BEGIN(f);
	do {
		if (find_server(f) < 0)
			return give_up(task, f);
		for (f->addr = f->addrs; f->addr; f->addr = f->addr->ai_next) {
			close_connection(f);
			CORO_TRY_AWAIT(task, f, start(f, "connecting", connect_next(f)), outcome);
			/* Like socket.create_connection: on to the next address. */
			if (took(f, outcome) == 0 || f->rc == -ECANCELED || f->rc == -ETIMEDOUT)
				break;
		}
		if (f->rc < 0)
			return give_up(task, f);
		events_connected(f->events, f->id, f->url);
		CORO_TRY_AWAIT(task, f, start(f, "sending the request", send_request(f)), outcome);
		if (took(f, outcome) < 0)
			return give_up(task, f);
		do
			CORO_TRY_AWAIT(task, f, start(f, "waiting for the headers", receive(f)),
			               outcome);
		while ((f->rc = take_received(task, f, outcome)) == 0 && !f->closed &&
		       f->parser.state == RESPONSE_HEAD);
		if (f->rc < 0 || check_head(f) < 0)
			return give_up(task, f);
	} while (follow_redirect(f));
	if (f->rc < 0 || open_output(f) < 0)
		return give_up(task, f);
	while (f->parser.state == RESPONSE_BODY && !f->closed) {
		CORO_TRY_AWAIT(task, f, start(f, "reading the body", receive(f)), outcome);
		if ((f->rc = take_received(task, f, outcome)) < 0 || save_bytes(f) < 0)
			return give_up(task, f);
	}
	if (commit_body(f) < 0)
		return give_up(task, f);
	return succeed(task, f);
	CORO_END(task, f);
}

static void fetch_free(void *frame)
{
	clean_up(frame);
	free(frame);
}

struct future *fetch(struct loop *loop, const char *url, const struct fetch_options *options,
                     struct events *events, int id)
{
	struct fetch *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->loop = loop;
	f->url = url;
	f->options = options;
	f->events = events;
	f->id = id;
	f->fd = -1;
	f->out.fd = -1;
	return task_create(loop, "fetch", fetch_steps, f, fetch_free);
}
