/*
 * wait.c - wait for the first, the first failure, or all of a set of
 * futures. See wait.h.
 *
 * Mirrors: asyncio.wait and its _wait (Lib/asyncio/tasks.py): a waiter
 * future, a counter decremented by a done-callback on every future
 * (_on_completion), and a timer that releases the waiter
 * (_release_waiter). After `await waiter`, _wait removes its callbacks
 * and sorts the futures into done and pending: here that is the waiter's
 * after-wait code (waiter.h), which runs just before the caller does.
 */
#include "wait.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "waiter.h"

struct wait {
	struct waiter_line line; /* the one waiter */
	struct future *waiter;   /* its future (borrowed: the line holds it) */
	struct handle *timer;    /* or NULL */
	enum wait_when when;
	size_t counter;             /* futures not done yet */
	struct wait_result *result; /* the waiter's result, filled by after_wait */
	size_t count;
	struct future *futures[]; /* one reference each */
};

static void free_result(void *arg)
{
	struct wait_result *result = arg;
	for (size_t i = 0; i < result->done_count; i++)
		future_free(result->done[i]);
	for (size_t i = 0; i < result->pending_count; i++)
		future_free(result->pending[i]);
	free(result->done);
	free(result->pending);
	free(result);
}

static void release_waiter(struct wait *wait)
{
	if (!future_done(wait->waiter))
		future_set_result(wait->waiter, wait->result, free_result);
}

/* asyncio's _on_completion: count it, and release the waiter when the
 * condition is met. */
static void on_completion(struct future *future, void *arg)
{
	struct wait *wait = arg;
	const struct future_error *error = NULL;
	wait->counter--;
	bool failed = !future_cancelled(future) && future_exception(future, &error) == 0 && error;
	if (wait->counter == 0 || wait->when == WAIT_FIRST_COMPLETED ||
	    (wait->when == WAIT_FIRST_EXCEPTION && failed))
		release_waiter(wait);
}

static void on_timeout(void *arg)
{
	struct wait *wait = arg;
	handle_free(wait->timer);
	wait->timer = NULL;
	release_waiter(wait);
}

/* After `await waiter`: remove the callbacks, stop the timer, and sort
 * the futures, as they stand now, into done and pending. */
static void after_wait(struct waiter *w, enum waiter_end end, void *owner)
{
	(void)w;
	struct wait *wait = owner;
	for (size_t i = 0; i < wait->count; i++)
		future_remove_done_callback(wait->futures[i], on_completion, wait);
	if (wait->timer) {
		handle_cancel(wait->timer);
		handle_free(wait->timer);
	}
	struct wait_result *r = wait->result;
	for (size_t i = 0; i < wait->count; i++) {
		if (future_done(wait->futures[i]))
			r->done[r->done_count++] = wait->futures[i];
		else
			r->pending[r->pending_count++] = wait->futures[i];
	}
	/* The references move to the result; a cancelled wait drops them. */
	if (end == WAITER_CANCELLED)
		free_result(r);
	free(wait);
}

static struct wait_result *result_new(size_t n)
{
	struct wait_result *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->done = calloc(n, sizeof *r->done);
	r->pending = calloc(n, sizeof *r->pending);
	if (!r->done || !r->pending) {
		free_result(r);
		return NULL;
	}
	return r;
}

static bool listed(struct future *const futures[], size_t n, const struct future *future)
{
	for (size_t i = 0; i < n; i++)
		if (futures[i] == future)
			return true;
	return false;
}

static struct wait *wait_new(struct future *const futures[], size_t n, enum wait_when when)
{
	struct wait *wait = calloc(1, sizeof *wait + n * sizeof wait->futures[0]);
	struct wait_result *result = result_new(n);
	if (!wait || !result) {
		free(wait);
		if (result)
			free_result(result);
		return NULL;
	}
	wait->when = when;
	wait->result = result;
	for (size_t i = 0; i < n; i++)
		if (!listed(wait->futures, wait->count, futures[i]))
			wait->futures[wait->count++] = future_retain(futures[i]);
	wait->counter = wait->count;
	return wait;
}

static void wait_free(struct wait *wait)
{
	free_result(wait->result);
	for (size_t i = 0; i < wait->count; i++)
		future_free(wait->futures[i]);
	free(wait);
}

struct future *wait_futures(struct loop *loop, struct future *const futures[], size_t n,
                            double timeout, enum wait_when when)
{
	if (n == 0) {
		struct future *failed = future_new(loop);
		if (failed)
			future_set_exception(failed, -EINVAL, "Set of Tasks/Futures is empty.");
		return failed;
	}
	struct wait *wait = wait_new(futures, n, when);
	struct future *waiter = wait ? waiter_new(loop, &wait->line, after_wait, wait) : NULL;
	if (!waiter) {
		if (wait)
			wait_free(wait);
		return NULL;
	}
	wait->waiter = waiter;
	if (timeout != WAIT_FOREVER &&
	    !(wait->timer = loop_call_later(loop, timeout, on_timeout, wait)))
		release_waiter(wait); /* out of memory: better at once than never */
	for (size_t i = 0; i < wait->count; i++)
		if (future_add_done_callback(wait->futures[i], on_completion, wait) < 0)
			release_waiter(wait);
	return waiter;
}
