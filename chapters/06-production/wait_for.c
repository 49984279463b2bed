/*
 * wait_for.c - wait for a future, but not for longer than a timeout. See
 * wait_for.h.
 *
 * Mirrors: asyncio.wait_for and its helper _cancel_and_wait
 * (Lib/asyncio/tasks.py, Python 3.11).
 *
 * Two things race: the inner future finishing, and a timer. Whichever
 * comes first, the outer future is completed only from on_inner_done,
 * once the inner future is really over. The timer and a cancellation of
 * the outer future only ask the inner one to stop.
 */
#include "wait_for.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "todo.h"

struct wait_for {
	struct future *outer; /* what the caller awaits */
	struct future *inner; /* what it guards */
	struct handle *timer; /* the timeout, or NULL when there is none */
	bool timed_out;       /* the timer fired and cancelled INNER */
	bool cancelling;      /* OUTER was cancelled: end CANCELLED */
	char cancel_message[FUTURE_MESSAGE_MAX];
};

/*
 * The outcome of the outer future, now that the inner one is done: a
 * cancellation asked for from outside stays a cancellation; a
 * cancellation that our own timer caused becomes the timeout; anything
 * else is the inner future's own outcome. Returns 0, or the error of
 * completing OUTER.
 */
static int settle(struct wait_for *w)
{
	if (w->cancelling)
		return future_cancel_base(w->outer, w->cancel_message) ? 0 : -EINVAL;
	if (w->timed_out && future_cancelled(w->inner))
		return future_set_exception(w->outer, -ETIMEDOUT, "timed out");
	return future_copy_state(w->outer, w->inner);
}

/* The inner future is done: settle the outer one, then let go of all. */
static void on_inner_done(struct future *inner, void *arg)
{
	(void)inner;
	struct wait_for *w = arg;
	if (w->timer) {
		handle_cancel(w->timer);
		handle_free(w->timer);
	}
	future_set_cancel_hook(w->outer, NULL, NULL);
	int rc = settle(w);
	if (rc == -ENOSYS) /* the starter's stub: fail rather than hang */
		future_set_exception(w->outer, rc, "not implemented yet: settle");
	else if (rc < 0)
		loop_call_exception_handler(future_get_loop(w->outer),
		                            "wait_for: could not complete its future");
	future_free(w->inner);
	future_free(w->outer);
	free(w);
}

/* The timeout passed: ask the inner future to stop. It is not over yet;
 * on_inner_done hears when it is. */
static void on_timeout(void *arg)
{
	struct wait_for *w = arg;
	w->timed_out = true;
	future_cancel(w->inner, "timed out");
}

/* Somebody cancelled the outer future (the task awaiting it, say):
 * cancel the inner one, and end CANCELLED once it is done. */
static bool cancel_hook(struct future *outer, const char *message, void *arg)
{
	(void)outer;
	struct wait_for *w = arg;
	if (w->cancelling)
		return true;
	w->cancelling = true;
	snprintf(w->cancel_message, sizeof w->cancel_message, "%s", message ? message : "");
	future_cancel(w->inner, message);
	return true;
}

struct future *wait_for(struct loop *loop, struct future *inner, double timeout)
{
	if (!inner)
		return NULL;
	struct wait_for *w = calloc(1, sizeof *w);
	struct future *outer = future_new(loop);
	if (!w || !outer || future_add_done_callback(inner, on_inner_done, w) < 0) {
		future_free(outer);
		free(w);
		return NULL;
	}
	w->outer = future_retain(outer);
	w->inner = future_retain(inner);
	future_set_cancel_hook(outer, cancel_hook, w);
	if (timeout <= 0) {
		/* asyncio's rule for a zero timeout: done already? its outcome
		 * (on_inner_done is on its way). Not done? Time is up now. */
		if (!future_done(inner))
			on_timeout(w);
	} else {
		w->timer = loop_call_later(loop, timeout, on_timeout, w);
		if (!w->timer)
			on_timeout(w); /* out of memory: better a timeout than a hang */
	}
	return outer;
}
