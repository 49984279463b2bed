/*
 * fetch.h - download one URL into a file; the answer is a future.
 *
 * Mirrors: what an aiohttp-style client looked like before coroutines:
 * each step (connect, send, receive) is an operation that returns a
 * future, and a done-callback on that future starts the next step. The
 * caller gets one future for the whole download at once: the article's
 * receipt, a ticket now and the goods later.
 *
 * Interface:
 *   fetch  start downloading URL; returns the future of the download
 */
#ifndef FETCH_H
#define FETCH_H

#include <limits.h>

#include "events.h"
#include "future.h"

#define FETCH_MAX_REDIRECTS 5

struct loop;

struct fetch_options {
	const char *dir;  /* where files are saved */
	double timeout_s; /* the longest any one step may wait without progress */
};

/* The result of a download that succeeded, owned by its future. */
struct fetch_result {
	long long bytes;         /* body bytes saved */
	char saved_as[PATH_MAX]; /* DIR/NAME */
};

/*
 * fetch: start downloading URL into OPTIONS->dir on LOOP, following up to
 * FETCH_MAX_REDIRECTS redirects, reporting milestones to EVENTS as download
 * ID. Returns at once with a future, one reference for the caller (NULL
 * when out of memory). The future finishes with a struct fetch_result *
 * (owned by the future: read it, do not free it), or fails with a negative
 * errno and the cause in words ("HTTP 404 Not Found", "timed out after
 * 10.0 s while waiting for the headers"). Either way the socket is closed
 * and no temporary file is left by the time the future is done. URL,
 * OPTIONS and EVENTS must outlive the future.
 */
struct future *fetch(struct loop *loop, const char *url, const struct fetch_options *options,
                     struct events *events, int id);

#endif
