/*
 * fetch.c - download one URL into a file, as a task, the production way.
 * See fetch.h.
 *
 * Mirrors: `async with session.get(url) as response:` in aiohttp, with
 * `await f.write(chunk)` in aiofiles, on the loop of the earlier chapters.
 *
 * fetch_steps is still chapter 1's fetch_steps, top to bottom, with an
 * await where chapter 1 blocked and wait_for around each network await
 * (chapter 5). What is new, each step in words:
 *
 *   semaphore_acquire   wait for a slot of the URL's host   (limit_per_host)
 *   pool_checkout       take an idle connection to the host, if one is alive
 *   sock_connect        ... or open a fresh one, as before
 *   retry_if_stale      a pooled connection found dead: once more, afresh
 *   body_protocol       the body: a transport pushes it to a protocol,
 *                       which writes it (large ones: on a thread, aiofiles)
 *                       and pauses reading when the disk falls behind
 *   release_connection  a reusable connection goes back to the pool
 *
 * Everything that must survive an await is in struct fetch, the
 * coroutine's frame.
 */
#include "fetch.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "body_protocol.h"
#include "diskwrite.h"
#include "http.h"
#include "loop.h"
#include "net.h"
#include "outfile.h"
#include "pool.h"
#include "progress.h"
#include "response.h"
#include "semaphore.h"
#include "sock.h"
#include "task.h"
#include "todo.h"
#include "url.h"
#include "wait_for.h"

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
	char key[POOL_KEY_MAX];       /* "host:port": the pool's name for the host */
	struct semaphore *host_limit; /* the host's slots (--per-host) */
	struct future *host_slot;     /* the wait for one of them, or NULL */
	struct addrinfo *addrs;       /* the server's addresses */
	const struct addrinfo *addr;  /* the one being tried */
	int fd;                       /* the connection, or -1 */
	bool reused;                  /* it came from the pool */
	bool retried;                 /* a dead pooled connection was replaced */
	const char *step;             /* what it is waiting for, in words */
	int rc;                       /* 0, or why it failed (a negative errno) */
	char message[FUTURE_MESSAGE_MAX];
	int request_len;
	bool first_byte_seen; /* of the current request */
	bool closed;          /* the server closed the connection */
	ssize_t body;         /* body bytes at the front of buf, after a recv */
	struct outfile out;
	long long bytes;
	bool offload;       /* a large body: written by a thread (diskwrite.h) */
	struct body_sink sink;              /* where the body goes */
	struct body_protocol *body_reader; /* reads the body, once the head is in */
	int body_error;                     /* why body_protocol_start failed */
	/* Not zeroed by fetch(), being written before they are read: about
	 * 90 kB, which calloc cleared for every download (two thirds of the
	 * program's own instructions on 1,000 small files, by callgrind). */
	char request[URL_MAX + 512];
	struct response_parser parser; /* response_init'ed by find_server */
	char buf[16 * 1024]; /* the head: sock_recv reads it, piece by piece */
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

/* A failed await, in chapter 1's words. -ETIMEDOUT comes from wait_for;
 * -ECANCELED is the task itself being cancelled. */
static int fail_errno(struct fetch *f, int rc)
{
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
	close(f->fd);
	f->fd = -1;
}

/* The response is over: a connection that may carry the next request goes
 * back to the pool (aiohttp's release()); any other is closed. */
static void release_connection(struct fetch *f)
{
	if (f->fd >= 0 && f->options->keep_alive && !f->closed &&
	    response_reusable(&f->parser)) {
		pool_checkin(f->options->pool, f->key, f->fd);
		f->fd = -1;
	}
	close_connection(f);
}

/* Give the host's slot back, if the download holds it. A wait still
 * pending is given up instead. */
static void release_host_slot(struct fetch *f)
{
	if (!f->host_slot)
		return;
	future_cancel(f->host_slot, NULL);
	if (semaphore_took(f->host_slot))
		semaphore_release(f->host_limit);
	future_free(f->host_slot);
	f->host_slot = NULL;
}

/* Let go of the socket, the temporary file, the addresses and the host's
 * slot. Safe to call twice: the frame's destructor calls it again. */
static void clean_up(struct fetch *f)
{
	/* The loop stops watching the socket before anyone closes it. */
	body_protocol_free(f->body_reader);
	f->body_reader = NULL;
	close_connection(f);
	outfile_discard(&f->out);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
	release_host_slot(f);
}

/* Every network await of the download goes through here: remember what it
 * waits for, in words, and let it wait OPTIONS->timeout_s at most. Returns
 * the future to await, for CORO_AWAIT (NULL, out of memory, fails the
 * task). */
static struct future *start(struct fetch *f, const char *step, struct future *op)
{
	f->step = step;
	struct future *guarded = wait_for(f->loop, op, f->options->timeout_s);
	future_free(op); /* wait_for holds its own reference */
	return guarded;
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

/* After an await whose value does not matter (a connect, a send, a
 * slot), whose OUTCOME the download catches to say what it was doing: 0,
 * or why it failed. */
static int took(struct fetch *f, int outcome)
{
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
	if (outcome < 0)
		return fail_errno(f, outcome);
	ssize_t got = (ssize_t)(intptr_t)task_await_result(task);
	f->closed = got == 0;
	f->body = 0;
	if (f->closed)
		return 0;
	if (!f->first_byte_seen) {
		f->first_byte_seen = true;
		events_first_byte(f->events, f->id, f->url);
	}
	f->body = response_feed(&f->parser, f->buf, (size_t)got);
	if (f->body < 0)
		return fail(f, -EPROTO, "%s", f->parser.error);
	return 0;
}

/* Parse the current URL, prepare the request. */
static int find_server(struct fetch *f)
{
	if (f->current_url[0] == '\0' &&
	    snprintf(f->current_url, sizeof f->current_url, "%s", f->url) >= URL_MAX)
		return fail(f, -ENAMETOOLONG, "URL too long");
	const char *why;
	if (url_parse(f->current_url, &f->where, &why) < 0)
		return fail(f, -EINVAL, "%s", why);
	pool_key(&f->where, f->key);
	if (f->addrs)
		freeaddrinfo(f->addrs);
	f->addrs = NULL;
	f->request_len = http_format_request(f->request, sizeof f->request, &f->where,
	                                     f->options->keep_alive);
	if (f->request_len < 0)
		return fail(f, f->request_len, "URL too long for a request");
	response_init(&f->parser);
	f->first_byte_seen = false;
	return 0;
}

/* Find the server's addresses, for a fresh connection only: a pooled one
 * needs none. getaddrinfo is not free even for "127.0.0.1" (with
 * AI_ADDRCONFIG, glibc asks the kernel for the machine's addresses over a
 * netlink socket: six system calls), and 1,000 downloads over 50 kept-alive
 * connections need 50 resolutions, not 1,000. */
static int resolve(struct fetch *f)
{
	if (f->addrs)
		return 0;
	int gai = net_resolve(f->where.host, f->where.port, &f->addrs);
	if (gai != 0)
		return fail(f, -EHOSTUNREACH, "cannot resolve host %s: %s", f->where.host,
		            gai_strerror(gai));
	return 0;
}

/* Wait for one of the host's slots (no timeout: a queue is not a stalled
 * server). The frame keeps a reference, for semaphore_took. */
static struct future *wait_for_host(struct fetch *f)
{
	f->step = "waiting for a slot of its host";
	f->host_limit = pool_host_limit(f->options->pool, f->key);
	f->host_slot = f->host_limit ? semaphore_acquire(f->host_limit) : NULL;
	return f->host_slot ? future_retain(f->host_slot) : NULL;
}

/* An idle pooled connection to the host, if there is one that is alive
 * (and this is not the retry after one that was not): 0 with f->fd set,
 * -ENOENT when a fresh connection is needed, or an error. */
static int take_pooled(struct fetch *f)
{
	f->reused = false;
	if (!f->options->keep_alive || f->retried)
		return -ENOENT;
	int fd = pool_checkout(f->options->pool, f->key);
	if (fd == -ENOENT)
		return -ENOENT;
	if (fd < 0) {
		f->step = "taking a pooled connection";
		return fail_errno(f, fd);
	}
	f->fd = fd;
	f->reused = true;
	return 0;
}

/*
 * A pooled connection can be closed by the server at any moment, for
 * instance just after pool_checkout looked at it. Then the request fails
 * at once: the send breaks, or the answer is an EOF or a reset before its
 * first byte. Such a request never reached the server's application, so
 * sending it again is safe: once, on a fresh connection (aiohttp retries
 * the same way). Returns true when the download starts over.
 */
static bool retry_if_stale(struct fetch *f)
{
	bool stale = f->reused && !f->first_byte_seen &&
	             (f->closed || f->rc == -ECONNRESET || f->rc == -EPIPE);
	if (!stale)
		return false;
	pool_count_stale(f->options->pool);
	close_connection(f);
	f->retried = true;
	f->closed = false;
	f->rc = 0;
	f->message[0] = '\0';
	response_init(&f->parser);
	return true;
}

/* The head is in, or the connection closed before it ended. */
static int check_head(struct fetch *f)
{
	if (f->parser.state == RESPONSE_HEAD && response_eof(&f->parser) < 0)
		return fail(f, -EPROTO, "%s", f->parser.error);
	return 0;
}

/* Like urlopen, follow a redirect (to a limit). Returns true when the
 * download starts over at the new URL, with its connection and its slot
 * given back; false for a final answer, or with f->rc set when the
 * redirect cannot be followed. */
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
	release_connection(f);
	release_host_slot(f);
	f->retried = false;
	return true;
}

/* The body protocol's writer for large bodies: a thread (diskwrite.h). */
static struct future *write_on_thread(void *writer, struct loop *loop, int fd, char *buf,
                                      size_t len)
{
	return diskwrite_start(writer, loop, fd, buf, len);
}

/* From the end of the head on, the connection belongs to a transport and
 * the body protocol (body_protocol.h), which take the body bytes that came
 * with the head first. The download awaits the end of the body. */
static struct future *read_body(struct fetch *f)
{
	f->step = "reading the body";
	f->sink = (struct body_sink){ .file = &f->out,
		                      .write_async = f->offload ? write_on_thread : NULL,
		                      .ctx = f->options->writer,
		                      .progress = f->options->progress,
		                      .id = f->id };
	f->body_reader = body_protocol_start(f->loop, f->fd, &f->parser, &f->sink,
	                                     f->options->timeout_s, f->buf, (size_t)f->body,
	                                     &f->body_error);
	return f->body_reader ? future_retain(body_protocol_done(f->body_reader)) : NULL;
}

/* After the await of the body, whose OUTCOME the download catches: 0, or
 * why it failed, the parser's, the disk's or the network's. The protocol
 * is freed here, so the loop no longer watches a connection that may go
 * back to the pool. */
static int took_body(struct fetch *f, int outcome)
{
	if (!f->body_reader)
		return fail_errno(f, f->body_error ? f->body_error : outcome);
	struct body_stats stats = body_protocol_stats(f->body_reader);
	body_protocol_free(f->body_reader);
	f->body_reader = NULL;
	f->bytes = stats.bytes;
	f->closed = stats.eof;
	if (outcome == 0)
		return 0;
	if (f->parser.state == RESPONSE_FAILED)
		return fail(f, -EPROTO, "%s", f->parser.error);
	if (stats.write_failed)
		return fail(f, outcome, "cannot write %s: %s", f->out.temp_path, strerror(-outcome));
	return fail_errno(f, outcome);
}

/* A final answer: only a 2xx is saved, into a temporary file. A body
 * announced as OPTIONS->write_threshold bytes or more is written by
 * threads. */
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
	long long length = f->parser.head.content_length;
	long long threshold = f->options->write_threshold;
	f->offload = f->options->writer && (threshold == 0 || (length >= 0 && length >= threshold));
	return 0;
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
	release_connection(f);
	clean_up(f);
	size_t size = strlen(f->out.final_path) + 1;
	struct fetch_result *result = malloc(sizeof *result + size);
	if (!result)
		return task_raise(task, -ENOMEM, "out of memory");
	result->bytes = f->bytes;
	memcpy(result->saved_as, f->out.final_path, size);
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
		CORO_TRY_AWAIT(task, f, wait_for_host(f), outcome);
		if (took(f, outcome) < 0)
			return give_up(task, f);
		do {
			if ((f->rc = take_pooled(f)) == -ENOENT && resolve(f) == 0) {
				for (f->addr = f->addrs; f->addr; f->addr = f->addr->ai_next) {
					close_connection(f);
					CORO_TRY_AWAIT(task, f, start(f, "connecting", connect_next(f)),
					               outcome);
					/* Like socket.create_connection: on to the next address. */
					if (took(f, outcome) == 0 || f->rc == -ECANCELED ||
					    f->rc == -ETIMEDOUT)
						break;
				}
				if (f->rc == 0)
					pool_count_opened(f->options->pool);
			}
			if (f->rc < 0)
				return give_up(task, f);
			events_connected(f->events, f->id, f->url);
			CORO_TRY_AWAIT(task, f, start(f, "sending the request", send_request(f)),
			               outcome);
			if (took(f, outcome) == 0)
				do
					CORO_TRY_AWAIT(task, f,
					               start(f, "waiting for the headers", receive(f)),
					               outcome);
				while ((f->rc = take_received(task, f, outcome)) == 0 && !f->closed &&
				       f->parser.state == RESPONSE_HEAD);
		} while (retry_if_stale(f));
		if (f->rc < 0 || check_head(f) < 0)
			return give_up(task, f);
	} while (follow_redirect(f));
	if (f->rc < 0 || open_output(f) < 0)
		return give_up(task, f);
	CORO_TRY_AWAIT(task, f, read_body(f), outcome);
	if (took_body(f, outcome) < 0)
		return give_up(task, f);
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
	struct fetch *f = malloc(sizeof *f);
	if (!f)
		return NULL;
	memset(f, 0, offsetof(struct fetch, request));
	f->loop = loop;
	f->url = url;
	f->options = options;
	f->events = events;
	f->id = id;
	f->fd = -1;
	f->out.fd = -1;
	return task_create(loop, "fetch", fetch_steps, f, fetch_free);
}
