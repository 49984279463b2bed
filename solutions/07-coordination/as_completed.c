/*
 * as_completed.c - the futures of a set, in the order they finish. See
 * as_completed.h.
 *
 * Mirrors: asyncio.as_completed (Lib/asyncio/tasks.py, 3.12). asyncio
 * puts each future into a Queue as it finishes (_on_completion) and gives
 * out coroutines that each take one from the queue (_wait_for_one); on
 * timeout it puts a None for each future still to come, which those
 * coroutines turn into TimeoutError. Here the futures given out are
 * waiters (waiter.h) woken with the finished future, and the ones that
 * finish before anybody asks wait in a FIFO (items.h): a queue without
 * its own coroutine, so the caller hears one iteration sooner.
 */
#include "as_completed.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "future.h"
#include "handle.h"
#include "items.h"
#include "loop.h"
#include "waiter.h"

struct as_completed {
	struct loop *loop;
	struct items finished;    /* finished, not given out yet, in order */
	struct waiter_line nexts; /* given out, waiting */
	struct handle *timer;     /* or NULL */
	bool timed_out;
	size_t todo;   /* watched, not finished yet */
	size_t handed; /* as_completed_next calls so far */
	size_t count;
	struct future **futures; /* watched, one reference each */
};

/* The oldest next still waiting, or NULL. */
static struct waiter *waiting_next(const struct as_completed *ac)
{
	for (struct waiter *w = waiter_line_first(&ac->nexts); w; w = waiter_line_next(w))
		if (!future_done(waiter_future(w)))
			return w;
	return NULL;
}

/* Give the oldest finished future to the oldest next that waits. */
static void hand_on(struct as_completed *ac)
{
	struct waiter *w = waiting_next(ac);
	if (w && items_count(&ac->finished) > 0)
		waiter_wake(w, items_pop(&ac->finished));
}

static void on_completion(struct future *future, void *arg)
{
	struct as_completed *ac = arg;
	ac->todo--;
	if (items_push(&ac->finished, future) < 0)
		loop_call_exception_handler(ac->loop,
		                            "as_completed: out of memory: a future was lost");
	hand_on(ac);
	if (ac->todo == 0 && ac->timer) {
		handle_cancel(ac->timer);
		handle_free(ac->timer);
		ac->timer = NULL;
	}
}

/* Every future still to come is forgotten: whoever waits, or will ask,
 * for one is told -ETIMEDOUT. */
static void on_timeout(void *arg)
{
	struct as_completed *ac = arg;
	for (size_t i = 0; i < ac->count; i++)
		future_remove_done_callback(ac->futures[i], on_completion, ac);
	ac->timed_out = true;
	for (struct waiter *w = waiter_line_first(&ac->nexts); w; w = waiter_line_next(w))
		if (!future_done(waiter_future(w)))
			future_set_exception(waiter_future(w), -ETIMEDOUT, "timed out");
	handle_free(ac->timer);
	ac->timer = NULL;
}

/* A next woken with a finished future whose task was cancelled before
 * it could take it: the future goes back, to the next one that asks. */
static void after_next(struct waiter *w, enum waiter_end end, void *owner)
{
	struct as_completed *ac = owner;
	void *future = NULL;
	if (end != WAITER_GAVE_UP || future_result(waiter_future(w), &future) < 0 || !future)
		return;
	if (items_put_back(&ac->finished, future) == 0)
		hand_on(ac);
}

static bool seen(const struct as_completed *ac, const struct future *future)
{
	for (size_t i = 0; i < ac->count; i++)
		if (ac->futures[i] == future)
			return true;
	return false;
}

struct as_completed *as_completed_new(struct loop *loop, struct future *const futures[], size_t n,
                                      double timeout)
{
	struct as_completed *ac = calloc(1, sizeof *ac);
	if (!ac)
		return NULL;
	ac->loop = loop;
	items_init(&ac->finished, ITEMS_FIFO, NULL);
	ac->futures = calloc(n ? n : 1, sizeof *ac->futures);
	if (!ac->futures) {
		as_completed_free(ac);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (seen(ac, futures[i]))
			continue;
		if (future_add_done_callback(futures[i], on_completion, ac) < 0) {
			as_completed_free(ac);
			return NULL;
		}
		ac->futures[ac->count++] = future_retain(futures[i]);
	}
	ac->todo = ac->count;
	if (ac->todo > 0 && timeout != AS_COMPLETED_FOREVER) {
		ac->timer = loop_call_later(loop, timeout, on_timeout, ac);
		if (!ac->timer) {
			as_completed_free(ac);
			return NULL;
		}
	}
	return ac;
}

static struct future *failed(struct loop *loop, int code, const char *message)
{
	struct future *future = future_new(loop);
	if (future)
		future_set_exception(future, code, message);
	return future;
}

struct future *as_completed_next(struct as_completed *ac)
{
	if (ac->handed == ac->count)
		return failed(ac->loop, -ENOENT, "no future left");
	struct future *next;
	if (items_count(&ac->finished) > 0) {
		next = future_new(ac->loop);
		if (next)
			future_set_result(next, items_pop(&ac->finished), NULL);
	} else if (ac->timed_out) {
		next = failed(ac->loop, -ETIMEDOUT, "timed out");
	} else {
		next = waiter_new(ac->loop, &ac->nexts, after_next, ac);
	}
	if (next)
		ac->handed++;
	return next;
}

void as_completed_free(struct as_completed *ac)
{
	if (!ac)
		return;
	for (size_t i = 0; ac->futures && i < ac->count; i++) {
		future_remove_done_callback(ac->futures[i], on_completion, ac);
		future_free(ac->futures[i]);
	}
	waiter_line_cancel(&ac->nexts, "as_completed was freed");
	if (ac->timer) {
		handle_cancel(ac->timer);
		handle_free(ac->timer);
	}
	items_free(&ac->finished);
	free(ac->futures);
	free(ac);
}
