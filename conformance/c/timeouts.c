/*
 * timeouts.c - asyncio.timeout() and timeout_at(), cancel scopes (chapter 7).
 *
 * Mirrors: conformance/python/timeouts.py, case for case. `async with
 * asyncio.timeout(d) as cm:` is timeout_enter on the running task, and the
 * end of the block is timeout_exit with the block's outcome, which gives
 * the outcome the block goes on with. timeout_exit frees the scope, so
 * cm.expired() and cm.when(), which Python reads after the block, are
 * read here just before its end: nothing can change them in between.
 * timeout(None) is TIMEOUT_NEVER, which when() reports as None.
 */
#include "harness.h"

#if CHAPTER >= 7
struct frame {
	int resume_point;
	struct harness *h;
	struct timeout *scope, *inner;
	struct future *task;
	bool *expired; /* where a task of its own writes what it saw */
	bool saw_expired;
	int outcome;
};

/* The block's outcome as h.wait(block()) tells it: result=None or the error. */
static void tok_block(struct outcome *o, int outcome)
{
	if (outcome < 0)
		tok_error(o, NULL, outcome, NULL, NULL);
	else
		outcome_add(o, NULL, "result=None");
}

/* cm.when(): the deadline, or None. */
static void tok_when(struct outcome *o, const struct timeout *scope)
{
	double when = timeout_when(scope);
	if (when == TIMEOUT_NEVER)
		outcome_add(o, NULL, "result=None");
	else
		outcome_add(o, NULL, "result=%.3f", when);
}

static int deadline_gives_timeout_error(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 0.01), "timeout_enter");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	f->saw_expired = timeout_expired(f->scope);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	tok_bool(&f->h->out, "expired", f->saw_expired);
	h_t(f->h, &f->h->out, NULL);
	outcome_add(&f->h->out, NULL, "cancelling=%d", task_cancelling(task_future(task)));
	CORO_END(task, f);
}

static void timeout_deadline_gives_timeout_error(struct harness *h)
{
	H_MAIN(h, deadline_gives_timeout_error, struct frame, .h = h);
}

static int when_is_the_deadline(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope =
	        h_check(timeout_enter_at(task, loop_time(f->h->loop) + 0.01), "timeout_enter_at");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	struct outcome when = { "" };
	tok_when(&when, f->scope);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	outcome_append(&f->h->out, NULL, &when);
	CORO_END(task, f);
}

static void timeout_when_is_the_deadline(struct harness *h)
{
	H_MAIN(h, when_is_the_deadline, struct frame, .h = h);
}

static int done_in_time(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 10), "timeout_enter");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 0.01), f->outcome);
	f->saw_expired = timeout_expired(f->scope);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	tok_bool(&f->h->out, "expired", f->saw_expired);
	h_t(f->h, &f->h->out, NULL);
	CORO_END(task, f);
}

static void timeout_done_in_time(struct harness *h)
{
	H_MAIN(h, done_in_time, struct frame, .h = h);
}

static int none_never_fires(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, TIMEOUT_NEVER), "timeout_enter");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 100), f->outcome);
	struct outcome when = { "" };
	tok_when(&when, f->scope);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	outcome_append(&f->h->out, NULL, &when);
	CORO_END(task, f);
}

static void timeout_none_never_fires(struct harness *h)
{
	H_MAIN(h, none_never_fires, struct frame, .h = h);
}

static int zero_fires_at_once(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 0), "timeout_enter");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	h_t(f->h, &f->h->out, NULL);
	CORO_END(task, f);
}

static void timeout_zero_fires_at_once(struct harness *h)
{
	H_MAIN(h, zero_fires_at_once, struct frame, .h = h);
}

/* The block of foreign_cancel_stays, as a task of its own: it cancels
 * itself inside a scope whose deadline is far away. */
static int cancels_itself(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 10), "timeout_enter");
	task_cancel(task_future(task), NULL);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	*f->expired = timeout_expired(f->scope);
	f->outcome = timeout_exit(f->scope, f->outcome);
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static int foreign_cancel_stays(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, cancels_itself, struct frame, .h = f->h, .expired = &f->saw_expired);
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->task, VALUE_NONE);
	tok_bool(&f->h->out, "expired", f->saw_expired);
	future_free(f->task);
	CORO_END(task, f);
}

static void timeout_foreign_cancel_stays(struct harness *h)
{
	H_MAIN(h, foreign_cancel_stays, struct frame, .h = h);
}

static int nested_same_deadline(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	double deadline = loop_time(f->h->loop) + 0.01;
	f->scope = h_check(timeout_enter_at(task, deadline), "timeout_enter_at");
	f->inner = h_check(timeout_enter_at(task, deadline), "timeout_enter_at");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	f->outcome = timeout_exit(f->inner, f->outcome);
	tok_error(&f->h->out, "inner", f->outcome, NULL, NULL);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	CORO_END(task, f);
}

static void timeout_nested_same_deadline(struct harness *h)
{
	H_MAIN(h, nested_same_deadline, struct frame, .h = h);
}

/* outer(): catches its scope's TimeoutError and ends normally. */
static int catches_its_timeout(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 0.001), "timeout_enter");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	f->outcome = timeout_exit(f->scope, f->outcome);
	if (f->outcome < 0 && f->outcome != -ETIMEDOUT)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static int outer_task_not_cancelled(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, catches_its_timeout, struct frame, .h = f->h);
	CORO_AWAIT(task, f, future_retain(f->task));
	tok_state(&f->h->out, NULL, f->task);
	tok_cancelled(&f->h->out, NULL, f->task);
	future_free(f->task);
	CORO_END(task, f);
}

static void timeout_outer_task_not_cancelled(struct harness *h)
{
	H_MAIN(h, outer_task_not_cancelled, struct frame, .h = h);
}

static int reschedule_moves_it(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->scope = h_check(timeout_enter(task, 1), "timeout_enter");
	if (timeout_reschedule(f->scope, loop_time(f->h->loop) + 3) < 0)
		h_fail(f->h, "timeout_reschedule refused a deadline to come");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	f->outcome = timeout_exit(f->scope, f->outcome);
	tok_block(&f->h->out, f->outcome);
	h_t(f->h, &f->h->out, NULL);
	CORO_END(task, f);
}

static void timeout_reschedule_moves_it(struct harness *h)
{
	H_MAIN(h, reschedule_moves_it, struct frame, .h = h);
}
#endif

const struct conformance_case timeouts_cases[] = {
	{ "timeout.deadline_gives_timeout_error", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_deadline_gives_timeout_error) },
	{ "timeout.when_is_the_deadline", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_when_is_the_deadline) },
	{ "timeout.done_in_time", NEEDS_COORDINATION, FROM_COORDINATION(timeout_done_in_time) },
	{ "timeout.none_never_fires", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_none_never_fires) },
	{ "timeout.zero_fires_at_once", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_zero_fires_at_once) },
	{ "timeout.foreign_cancel_stays", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_foreign_cancel_stays) },
	{ "timeout.nested_same_deadline", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_nested_same_deadline) },
	{ "timeout.outer_task_not_cancelled", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_outer_task_not_cancelled) },
	{ "timeout.reschedule_moves_it", NEEDS_COORDINATION,
	  FROM_COORDINATION(timeout_reschedule_moves_it) },
	{ NULL, 0, NULL },
};
