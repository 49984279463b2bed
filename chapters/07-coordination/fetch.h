/*
 * fetch.h - download one URL into a file, as a task, the production way.
 *
 * Mirrors: aiohttp's `async with session.get(url) as response` followed
 * by aiofiles writes: an `async def fetch(url)` on loop.sock_connect,
 * sock_sendall and sock_recv, run as a task, that now takes its
 * connection from a pool (and gives it back), waits for its host's slot
 * (limit_per_host), and hands large writes to a thread.
 *
 * Interface:
 *   fetch  start downloading URL as a task; returns the task's future
 */
#ifndef FETCH_H
#define FETCH_H

#include <limits.h>
#include <stdbool.h>

#include "events.h"
#include "future.h"

#define FETCH_MAX_REDIRECTS 5

struct loop;

struct pool;
struct diskwrite;
struct progress;

struct fetch_options {
	const char *dir;           /* where files are saved */
	double timeout_s;          /* the longest any one step may wait without progress */
	struct pool *pool;         /* connections and per-host slots (required) */
	bool keep_alive;           /* reuse connections (false: --no-keepalive) */
	struct diskwrite *writer;  /* large bodies go to threads; NULL: all inline */
	long long write_threshold; /* what "large" means, in bytes */
	struct progress *progress; /* NULL: no display */
};

/* The result of a download that succeeded, owned by its future. Every
 * result is kept until the summary: SAVED_AS takes the room its path
 * needs, not PATH_MAX (4 kB), which made 10,000 downloads hold 40 MB. */
struct fetch_result {
	long long bytes; /* body bytes saved */
	char saved_as[]; /* DIR/NAME */
};

/*
 * fetch: start downloading URL into OPTIONS->dir as a task on LOOP,
 * following up to FETCH_MAX_REDIRECTS redirects, reporting milestones to
 * EVENTS as download ID. It first waits for a slot of the URL's host
 * (OPTIONS->pool, --per-host), then takes a pooled connection to that host
 * or opens one; a pooled connection that turns out to be closed is
 * replaced by a fresh one, once. Nothing runs before the loop does. Returns the
 * task's future, one reference for the caller (NULL when out of memory).
 * It finishes with a struct fetch_result * (owned by the future: read it,
 * do not free it), or fails with a negative errno and the cause in words
 * ("HTTP 404 Not Found", "timed out after 10.0 s while waiting for the
 * headers"). Cancel it with task_cancel: it closes its socket, removes its
 * temporary file and ends CANCELLED. Either way, by the time the future is
 * done its connection is closed or back in the pool, its host's slot is
 * given back, and no temporary file is left (a write still running on a
 * thread goes on into the removed file, see diskwrite.h). URL, OPTIONS and
 * EVENTS must outlive the future.
 */
struct future *fetch(struct loop *loop, const char *url, const struct fetch_options *options,
                     struct events *events, int id);

#endif
