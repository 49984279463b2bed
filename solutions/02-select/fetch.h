/*
 * fetch.h - download one URL into a file, as a state machine on the loop.
 *
 * Mirrors: the Fetcher of the "500 Lines or Less" crawler before it turns
 * to coroutines, and what asyncio's streams do for you: every step that
 * would block is started, and a callback registered with the loop carries
 * it on when the socket is ready. Many downloads can be in flight on one
 * loop at once; none of them ever waits.
 *
 * Interface:
 *   fetch_start  begin downloading URL on a loop; DONE is called at the end
 *   fetch_abort  end a download in progress as failed
 *   fetch_free   release a download (cancelling it if still in progress)
 */
#ifndef FETCH_H
#define FETCH_H

#include <limits.h>

#include "events.h"
#include "loop.h"

#define FETCH_MAX_REDIRECTS 5
#define FETCH_ERROR_MAX     512

struct fetch_options {
	const char *dir;  /* where files are saved */
	double timeout_s; /* the longest a connection may stay without progress */
};

struct fetch_result {
	long long bytes;             /* body bytes saved */
	char saved_as[PATH_MAX];     /* DIR/NAME, on success */
	char error[FETCH_ERROR_MAX]; /* the cause, in words, on failure */
};

struct fetch;

/* Called once per download, when it is over: RC is 0 when the whole body
 * was saved, -1 when it failed, with RESULT->error set. RESULT lives as
 * long as the download. DONE must not free the download. */
typedef void fetch_done_cb(void *arg, int id, int rc, const struct fetch_result *result);

/*
 * fetch_start: begin downloading URL into OPTIONS->dir on LOOP, following up
 * to FETCH_MAX_REDIRECTS redirects, and report its milestones to EVENTS as
 * download ID. The work happens in callbacks while LOOP runs; DONE(ARG, ...)
 * is called exactly once, at the end. A download that fails before it
 * needs the loop (a bad URL, an unknown host, no memory) calls DONE before
 * fetch_start returns. URL, OPTIONS and EVENTS must outlive the download.
 * May be called from a callback of LOOP, such as another download's DONE.
 * Returns the download, which the caller frees with fetch_free (NULL only
 * when there was no memory for it; DONE was called then too).
 * Simplification: asyncio never calls a callback from inside the call that
 * set it up; it schedules it with call_soon, which this loop does not
 * have yet (chapter 3).
 */
struct fetch *fetch_start(struct loop *loop, const char *url, const struct fetch_options *options,
                          struct events *events, int id, fetch_done_cb *done, void *arg);

/*
 * fetch_abort: end F, if it is still in progress, as a failure with the
 * cause ERR (a negative errno) met WHILE ("running the event loop"), and
 * call its DONE. For a caller whose loop failed: nothing else would ever
 * finish F. Does nothing to a download that is over.
 */
void fetch_abort(struct fetch *f, int err, const char *while_doing);

/* fetch_free: release F. A download still in progress is cancelled: its
 * callbacks are removed, its socket closed, its temporary file removed,
 * and DONE is not called. F may be NULL. */
void fetch_free(struct fetch *f);

#endif
