/*
 * timeout.c - a deadline around a block of awaits. See timeout.h.
 *
 * Mirrors: asyncio.Timeout (Lib/asyncio/timeouts.py): its states
 * ENTERED, EXPIRING and EXPIRED, __aenter__'s note of
 * task.cancelling(), reschedule() and _on_timeout(), and __aexit__'s
 * `if self._task.uncancel() <= self._cancelling and exc_type is
 * CancelledError: raise TimeoutError`.
 */
#include "timeout.h"

#include <errno.h>
#include <stdlib.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "task.h"
#include "todo.h"

enum timeout_state { ENTERED, EXPIRING };

struct timeout {
	struct loop *loop;
	struct future *task; /* the task's future (a reference) */
	enum timeout_state state;
	double when;          /* or TIMEOUT_NEVER */
	int cancelling;       /* task_cancelling at enter */
	struct handle *timer; /* or NULL */
};

/* The deadline: cancel the task, and remember that it was us. */
static void on_timeout(void *arg)
{
	struct timeout *scope = arg;
	task_cancel(scope->task, NULL);
	scope->state = EXPIRING;
	handle_free(scope->timer);
	scope->timer = NULL;
}

static void drop_timer(struct timeout *scope)
{
	if (!scope->timer)
		return;
	handle_cancel(scope->timer);
	handle_free(scope->timer);
	scope->timer = NULL;
}

int timeout_reschedule(struct timeout *scope, double when)
{
	if (scope->state != ENTERED)
		return -EPERM;
	drop_timer(scope);
	scope->when = when;
	if (when == TIMEOUT_NEVER)
		return 0;
	/* A deadline already past fires in the next iteration. */
	if (when <= loop_time(scope->loop))
		scope->timer = loop_call_soon(scope->loop, on_timeout, scope);
	else
		scope->timer = loop_call_at(scope->loop, when, on_timeout, scope);
	return scope->timer ? 0 : -ENOMEM;
}

struct timeout *timeout_enter_at(struct task *task, double when)
{
	struct timeout *scope = calloc(1, sizeof *scope);
	if (!scope)
		return NULL;
	struct future *future = task_future(task);
	*scope = (struct timeout){ .loop = future_get_loop(future),
		                   .task = future_retain(future),
		                   .state = ENTERED,
		                   .cancelling = task_cancelling(future) };
	if (timeout_reschedule(scope, when) < 0) {
		future_free(scope->task);
		free(scope);
		return NULL;
	}
	return scope;
}

struct timeout *timeout_enter(struct task *task, double delay)
{
	if (delay == TIMEOUT_NEVER)
		return timeout_enter_at(task, TIMEOUT_NEVER);
	return timeout_enter_at(task, loop_time(future_get_loop(task_future(task))) + delay);
}

int timeout_exit(struct timeout *scope, int outcome)
{
	/*
	 * TODO(chapter 7): Close SCOPE at the end of the block, which ended with
	 * OUTCOME (0, or a negative errno such as -ECANCELED), and free it; return
	 * the outcome the block goes on with. A NULL scope (timeout_enter failed)
	 * returns OUTCOME. Afterwards the scope's timer will never fire, the scope
	 * and its reference to the task are gone, and the task's cancel count no
	 * longer holds the scope's own cancellation. The block's outcome becomes
	 * -ETIMEDOUT only when the deadline came, the block ended cancelled, and
	 * that cancellation was the scope's and nobody else's; in every other case
	 * OUTCOME is returned as it is. Why it matters: a task may be cancelled
	 * for two reasons at once, its deadline and Ctrl-C or a task group;
	 * turning the second into a timeout would swallow a cancellation that
	 * somebody is waiting for. See "timeout(): a cancel scope" in README.md.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)scope;
	(void)outcome;
	return not_implemented(__func__);
}

double timeout_when(const struct timeout *scope)
{
	return scope->when;
}

bool timeout_expired(const struct timeout *scope)
{
	return scope->state == EXPIRING;
}
