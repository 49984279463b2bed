/*
 * sleep.c - a future that a timer completes. See sleep.h.
 *
 * Mirrors: asyncio.sleep (Lib/asyncio/tasks.py): a future, and
 * loop.call_later(delay, futures._set_result_unless_cancelled, ...); for
 * a delay of zero or less, a bare yield.
 */
#include "sleep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "task.h"
#include "todo.h"

/* A sleep in progress: the future a task awaits and the timer that will
 * complete it. */
struct sleeper {
	struct future *future;
	struct handle *timer;
};

/* The timer fired: the sleep is over, unless it was cancelled meanwhile
 * (then set_result says -EINVAL, and there is nothing to do). */
static void wake_up(void *arg)
{
	struct sleeper *sleeper = arg;
	future_set_result(sleeper->future, NULL, NULL);
}

/* The future is done, by the timer or by a cancellation: in the second
 * case the timer must not stay behind, so cancel it (a no-op after it
 * fired), and let go of both. */
static void on_done(struct future *future, void *arg)
{
	(void)future;
	struct sleeper *sleeper = arg;
	handle_cancel(sleeper->timer);
	handle_free(sleeper->timer);
	future_free(sleeper->future);
	free(sleeper);
}

/* A sleep that cannot be: the delay is not a number. */
static struct future *refused(struct loop *loop)
{
	struct future *future = future_new(loop);
	if (future)
		future_set_exception(future, -EDOM, "invalid delay: not a number");
	return future;
}

struct future *sleep_for(struct loop *loop, double delay)
{
	/* NaN compares false with everything: as a deadline it would break
	 * the heap's order. Python 3.13 refuses it too (ValueError). */
	if (isnan(delay))
		return refused(loop);
	if (delay <= 0)
		return task_yield(loop);
	struct sleeper *sleeper = malloc(sizeof *sleeper);
	struct future *future = future_new(loop);
	struct handle *timer = sleeper ? loop_call_later(loop, delay, wake_up, sleeper) : NULL;
	if (!future || !timer || future_add_done_callback(future, on_done, sleeper) < 0) {
		if (timer)
			handle_cancel(timer);
		handle_free(timer);
		future_free(future);
		free(sleeper);
		return NULL;
	}
	sleeper->future = future_retain(future);
	sleeper->timer = timer;
	return future;
}
