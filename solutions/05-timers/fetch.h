/*
 * fetch.h - download one URL into a file, as a task.
 *
 * Mirrors: an `async def fetch(url)` written with loop.sock_connect,
 * sock_sendall and sock_recv, run as a task. The download is a coroutine
 * whose body reads like chapter 1's blocking fetch_steps, with each
 * blocking call replaced by an await; the task that runs it is the future
 * the caller gets back.
 *
 * Interface:
 *   fetch  start downloading URL as a task; returns the task's future
 */
#ifndef FETCH_H
#define FETCH_H

#include <limits.h>

#include "events.h"
#include "future.h"

#define FETCH_MAX_REDIRECTS 5

struct loop;
struct progress;

struct fetch_options {
	const char *dir;  /* where files are saved */
	double timeout_s; /* the longest any one step may wait (wait_for) */
	struct progress *progress; /* told of the bytes saved; NULL: no progress line */
};

/* The result of a download that succeeded, owned by its future. */
struct fetch_result {
	long long bytes;         /* body bytes saved */
	char saved_as[PATH_MAX]; /* DIR/NAME */
};

/*
 * fetch: start downloading URL into OPTIONS->dir as a task on LOOP,
 * following up to FETCH_MAX_REDIRECTS redirects, reporting milestones to
 * EVENTS as download ID. Nothing runs before the loop does. Returns the
 * task's future, one reference for the caller (NULL when out of memory).
 * It finishes with a struct fetch_result * (owned by the future: read it,
 * do not free it), or fails with a negative errno and the cause in words
 * ("HTTP 404 Not Found", "timed out after 10.0 s while waiting for the
 * headers"). Cancel it with task_cancel: it closes its socket, removes its
 * temporary file and ends CANCELLED. Either way the socket is closed and no
 * temporary file is left by the time the future is done. URL, OPTIONS and
 * EVENTS must outlive the future.
 */
struct future *fetch(struct loop *loop, const char *url, const struct fetch_options *options,
                     struct events *events, int id);

#endif
