/*
 * wait_for.c - wait for a future, but not for longer than a timeout. See
 * wait_for.h.
 *
 * Mirrors: asyncio.wait_for (Lib/asyncio/tasks.py) as Python 3.12 has
 * it, on top of asyncio.timeout: the outcomes are 3.12's. The shape is
 * 3.11's, a future of its own rather than a scope inside the caller's
 * task, which is why the caller wakes one iteration later than in 3.12
 * (docs/asyncio-differences.md).
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
	bool timed_out;       /* the timer fired */
	bool done_at_timeout; /* ... and INNER was done already */
	bool cancelling;      /* OUTER was cancelled: end CANCELLED */
	bool done_at_cancel;  /* ... and INNER was done already */
	char cancel_message[FUTURE_MESSAGE_MAX];
};

/*
 * The outcome of the outer future, now that the inner one is done. Python
 * 3.12 runs wait_for inside the waiting task, so whatever stops that task
 * before its await delivers wins over the inner outcome: a cancellation
 * asked for from outside stays a cancellation, and our own timer means a
 * timeout, when the inner future took the cancellation (it ended
 * cancelled) or was done already at that moment (its outcome had not been
 * delivered yet). Anything else is the inner future's own outcome, even
 * after a cancellation or the timer, when the inner task caught it and
 * finished anyway. Returns 0, or the error of completing OUTER.
 */
static int settle(struct wait_for *w)
{
	if (w->cancelling && (w->done_at_cancel || future_cancelled(w->inner)))
		return future_cancel_base(w->outer, w->cancel_message) ? 0 : -EINVAL;
	if (!w->cancelling && w->timed_out && (w->done_at_timeout || future_cancelled(w->inner))) {
		const struct future_error *unused;
		future_exception(w->inner, &unused); /* its error is replaced, not lost */
		return future_set_exception(w->outer, -ETIMEDOUT, "timed out");
	}
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
	future_set_class(w->outer, NULL, NULL);
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
	w->done_at_timeout = future_done(w->inner);
	future_cancel(w->inner, "timed out");
}

/* Somebody cancelled the outer future (the task awaiting it, say):
 * cancel the inner one, and end CANCELLED once it is done. */
static bool cancel_outer(struct future *outer, const char *message, void *self)
{
	(void)outer;
	struct wait_for *w = self;
	if (w->cancelling)
		return true;
	w->cancelling = true;
	w->done_at_cancel = future_done(w->inner);
	snprintf(w->cancel_message, sizeof w->cancel_message, "%s", message ? message : "");
	future_cancel(w->inner, message);
	return true;
}

static const struct future_class wait_for_class = { .name = "wait_for", .cancel = cancel_outer };

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
	future_set_class(outer, &wait_for_class, w);
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
