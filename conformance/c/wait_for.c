/*
 * wait_for.c - an await with a deadline (chapter 5).
 *
 * Mirrors: conformance/python/wait_for.py, case for case. wait_for is a
 * future of its own here (wait-for-is-a-future on asyncio-differences.md)
 * that takes a future: the coroutines Python hands it are tasks first.
 * `create_task(asyncio.wait_for(...))` is a task that awaits that future
 * (awaits_wait_for). timeout=None is NO_TIMEOUT: C has no None, and a
 * deadline that never comes is the same promise.
 */
#include "harness.h"

#include <math.h>

#if CHAPTER >= 5
#define NO_TIMEOUT INFINITY

/* A loop_cb that sets FUT's result to WORD. */
struct set_word {
	struct future *fut;
	const char *word;
};

static void set_word_cb(void *arg)
{
	struct set_word *s = arg;
	future_set_result(s->fut, (void *)s->word, NULL);
}

struct frame {
	int resume_point;
	struct harness *h;
	struct future *inner;    /* the task or future wait_for guards */
	struct future *w;        /* the wait_for future, or a task awaiting it */
	struct future *fut;      /* borrowed */
	double timeout, cleanup; /* slow_run keeps its exit time in TIMEOUT */
	struct set_word set;
	int outcome, outcome2;
};

static struct future *waiting(struct harness *h, struct future *inner, double timeout)
{
	return h_check(wait_for(h->loop, inner, timeout), "wait_for");
}

/* `foo()`: sleep an hour (or 10 s), log "finally" on the way out, and
 * return "done". Sets f->fut's result first, when there is one. */
static int sleeps_then_finally(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	if (f->fut)
		future_set_result(f->fut, NULL, NULL);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, f->timeout), f->outcome);
	h_log(f->h, "finally");
	if (task_propagate(task))
		return TASK_STEP_DONE;
	return task_return(task, "done", NULL);
	CORO_END(task, f);
}

/* cleans_up(h, cleanup): sleep "forever"; when cancelled, take CLEANUP
 * seconds before giving in; log "cleaned" on the way out. */
static int cleans_up(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	if (f->outcome == -ECANCELED) {
		CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, f->cleanup), f->outcome2);
		h_log(f->h, "cleaned");
		return task_raise(task, f->outcome2 < 0 ? f->outcome2 : -ECANCELED, NULL);
	}
	h_log(f->h, "cleaned");
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

/* Await the wait_for future F->w and add what it gave (h.wait). */
#define WAIT_FOR_AND_TELL(task, f, kind)                                                           \
	do {                                                                                       \
		CORO_TRY_AWAIT(task, f, future_retain((f)->w), (f)->outcome);                      \
		tok_awaited(&(f)->h->out, NULL, task, (f)->outcome, (f)->w, kind);                 \
		future_free((f)->w);                                                               \
	} while (0)

/* ---------------------------------------------------------------- timeouts */

static int timeout_cancels_inner(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, sleeps_then_finally, struct frame, .h = f->h, .timeout = 3600);
	f->w = waiting(f->h, f->inner, 0.1);
	WAIT_FOR_AND_TELL(task, f, VALUE_WORD);
	tok_state(&f->h->out, "inner", f->inner);
	h_order(f->h, &f->h->out, NULL);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_timeout_cancels_inner(struct harness *h)
{
	H_MAIN(h, timeout_cancels_inner, struct frame, .h = h);
}

static int result_before_timeout(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = h_future(f->h);
	f->w = waiting(f->h, f->inner, 0.2);
	f->set = (struct set_word){ f->inner, "ok" };
	CALL_SOON(f->h->loop, set_word_cb, &f->set);
	WAIT_FOR_AND_TELL(task, f, VALUE_WORD);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_result_before_timeout(struct harness *h)
{
	H_MAIN(h, result_before_timeout, struct frame, .h = h);
}

static int returns_done(struct task *task, void *frame)
{
	(void)frame;
	return task_return(task, "done", NULL);
}

static int timeout_none_waits(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, returns_done, struct frame, .h = f->h);
	f->w = waiting(f->h, f->inner, NO_TIMEOUT);
	WAIT_FOR_AND_TELL(task, f, VALUE_WORD);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_timeout_none_waits(struct harness *h)
{
	H_MAIN(h, timeout_none_waits, struct frame, .h = h);
}

static int zero_timeout_done_future(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = h_future(f->h);
	future_set_result(f->inner, "done", NULL);
	f->w = waiting(f->h, f->inner, 0);
	WAIT_FOR_AND_TELL(task, f, VALUE_WORD);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_zero_timeout_done_future(struct harness *h)
{
	H_MAIN(h, zero_timeout_done_future, struct frame, .h = h);
}

static int logs_started(struct task *task, void *frame)
{
	struct frame *f = frame;
	h_log(f->h, "started");
	return task_return(task, NULL, NULL);
}

static int zero_timeout_never_starts(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, logs_started, struct frame, .h = f->h);
	f->w = waiting(f->h, f->inner, 0);
	WAIT_FOR_AND_TELL(task, f, VALUE_NONE);
	h_order(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_zero_timeout_never_starts(struct harness *h)
{
	H_MAIN(h, zero_timeout_never_starts, struct frame, .h = h);
}

/* timeout_running_task(h, timeout): once foo has started, wait_for it
 * with TIMEOUT (0 or less). */
static int timeout_running_task(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->fut = h_future(f->h);
	f->inner = H_TASK(f->h, sleeps_then_finally, struct frame, .h = f->h, .timeout = 10,
	                  .fut = f->fut);
	CORO_AWAIT(task, f, future_retain(f->fut));
	f->w = waiting(f->h, f->inner, f->timeout);
	WAIT_FOR_AND_TELL(task, f, VALUE_WORD);
	tok_state(&f->h->out, "inner", f->inner);
	h_order(f->h, &f->h->out, NULL);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	future_free(f->fut);
	CORO_END(task, f);
}

static void wait_for_zero_timeout_running_task(struct harness *h)
{
	H_MAIN(h, timeout_running_task, struct frame, .h = h, .timeout = 0);
}

static void wait_for_negative_timeout_running_task(struct harness *h)
{
	H_MAIN(h, timeout_running_task, struct frame, .h = h, .timeout = -1);
}

/* Wait for cleans_up(0.05), with F->timeout, after sleeping F->cleanup
 * seconds first when it is not 0. */
static int waits_for_cancellation(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, cleans_up, struct frame, .h = f->h, .cleanup = 0.05);
	if (f->cleanup > 0)
		CORO_AWAIT(task, f, sleep_for(f->h->loop, f->cleanup));
	f->w = waiting(f->h, f->inner, f->timeout);
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	h_order(f->h, &f->h->out, NULL);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->w, VALUE_NONE);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->w);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_waits_for_cancellation(struct harness *h)
{
	H_MAIN(h, waits_for_cancellation, struct frame, .h = h, .timeout = 0.1);
}

static void wait_for_zero_timeout_waits_for_cancellation(struct harness *h)
{
	H_MAIN(h, waits_for_cancellation, struct frame, .h = h, .timeout = 0, .cleanup = 0.01);
}

/* `try: await asyncio.sleep(0.2) finally: raise ValueError("boom")` */
static int raises_in_finally(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 0.2), f->outcome);
	return task_raise(task, USER_ERROR, "boom");
	CORO_END(task, f);
}

static int error_during_cancellation(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, raises_in_finally, struct frame, .h = f->h);
	f->w = waiting(f->h, f->inner, 0.1);
	WAIT_FOR_AND_TELL(task, f, VALUE_NONE);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_error_during_cancellation(struct harness *h)
{
	H_MAIN(h, error_during_cancellation, struct frame, .h = h);
}

static int swallows_cancel(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 1), f->outcome);
	if (f->outcome == -ECANCELED)
		return task_return(task, INT_VALUE(1), NULL);
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	return task_return(task, INT_VALUE(0), NULL);
	CORO_END(task, f);
}

static int inner_swallows_cancel(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, swallows_cancel, struct frame, .h = f->h);
	f->w = waiting(f->h, f->inner, 0.01);
	WAIT_FOR_AND_TELL(task, f, VALUE_INT);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_inner_swallows_cancel(struct harness *h)
{
	H_MAIN(h, inner_swallows_cancel, struct frame, .h = h);
}

/* ---------------------------------------------------------------- cancelling wait_for */

/* `asyncio.wait_for(f->inner, f->timeout)` as a coroutine of its own, for
 * create_task: await the wait_for future and return what it gave. */
static int awaits_wait_for(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->w = waiting(f->h, f->inner, f->timeout);
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	future_free(f->w);
	if (task_propagate(task))
		return TASK_STEP_DONE;
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

static int awaits_forever(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_forever(f->h));
	CORO_END(task, f);
}

static void cancel_cb(void *task)
{
	task_cancel(task, NULL);
}

static int cancel_the_wait_for(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, awaits_forever, struct frame, .h = f->h);
	f->w = H_TASK(f->h, awaits_wait_for, struct frame, .h = f->h, .inner = f->inner,
	              .timeout = f->timeout);
	CALL_SOON(f->h->loop, cancel_cb, f->w);
	WAIT_FOR_AND_TELL(task, f, VALUE_NONE);
	tok_state(&f->h->out, "inner", f->inner);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_cancel_cancels_inner(struct harness *h)
{
	H_MAIN(h, cancel_the_wait_for, struct frame, .h = h, .timeout = 60.0);
}

static void wait_for_cancel_without_timeout_cancels_inner(struct harness *h)
{
	H_MAIN(h, cancel_the_wait_for, struct frame, .h = h, .timeout = NO_TIMEOUT);
}

/* ---------------------------------------------------------------- the same instant */

/* The timer that completes the inner future at the very instant of the
 * timeout; it looks first, as wait_for may have cancelled it already. */
struct completer {
	struct harness *h;
	struct future *fut;
};

static void complete(void *arg)
{
	struct completer *c = arg;
	if (future_done(c->fut)) {
		h_log(c->h, "already_%s", future_cancelled(c->fut) ? "cancelled" : "finished");
	} else {
		future_set_result(c->fut, INT_VALUE(1), NULL);
		h_log(c->h, "set");
	}
}

static void same_instant(struct harness *h, bool timeout_timer_first)
{
	struct future *fut = h_future(h);
	struct completer c = { h, fut };
	struct future *waiter =
	        H_TASK(h, awaits_wait_for, struct frame, .h = h, .inner = fut, .timeout = 0.1);
	if (timeout_timer_first)
		h_run_once(h); /* wait_for starts, and sets its timer, first */
	if (handle_detach(loop_call_later(h->loop, 0.1, complete, &c)) < 0)
		h_fail(h, "loop_call_later failed");
	struct outcome outcome = { "" };
	tok_run(&outcome, NULL, h->loop, waiter, VALUE_INT);
	h_order(h, &h->out, NULL);
	outcome_append(&h->out, NULL, &outcome);
	h_t(h, &h->out, NULL);
	future_free(waiter);
	future_free(fut);
}

static void wait_for_same_instant_inner_timer_first(struct harness *h)
{
	same_instant(h, false);
}

static void wait_for_same_instant_timeout_timer_first(struct harness *h)
{
	same_instant(h, true);
}

/* ---------------------------------------------------------------- cancelled at the edge */

/* `await asyncio.wait_for(inner_task, timeout=100)`, sleep a second, log. */
static int wait_for_coro(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, waiting(f->h, f->inner, 100));
	CORO_AWAIT(task, f, sleep_for(f->h->loop, 1));
	h_log(f->h, "reached_end");
	CORO_END(task, f);
}

static int cancelled_after_inner_done(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, returns_done, struct frame, .h = f->h);
	f->w = H_TASK(f->h, wait_for_coro, struct frame, .h = f->h, .inner = f->inner);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->w, NULL);
	WAIT_FOR_AND_TELL(task, f, VALUE_NONE);
	h_order(f->h, &f->h->out, NULL);
	CORO_TRY_AWAIT(task, f, future_retain(f->inner), f->outcome);
	tok_awaited(&f->h->out, "inner", task, f->outcome, f->inner, VALUE_WORD);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_cancelled_after_inner_done(struct harness *h)
{
	H_MAIN(h, cancelled_after_inner_done, struct frame, .h = h);
}

/* SlowTask.run: runs for 0.2 s of loop time, ignoring cancel requests. */
static int slow_run(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->timeout = loop_time(f->h->loop) + 0.2; /* exitat */
	while (f->timeout - loop_time(f->h->loop) > 0)
		CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, f->timeout - loop_time(f->h->loop)),
		               f->outcome);
	h_log(f->h, "exited");
	CORO_END(task, f);
}

static int cancelled_waits_for_stubborn_inner(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, slow_run, struct frame, .h = f->h);
	f->w = H_TASK(f->h, awaits_wait_for, struct frame, .h = f->h, .inner = f->inner,
	              .timeout = 0.2 * 2);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->w, NULL);
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	h_order(f->h, &f->h->out, NULL);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->w, VALUE_NONE);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->w);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_cancelled_waits_for_stubborn_inner(struct harness *h)
{
	H_MAIN(h, cancelled_waits_for_stubborn_inner, struct frame, .h = h);
}

static int timeout_waits_for_stubborn_inner(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->inner = H_TASK(f->h, slow_run, struct frame, .h = f->h);
	f->w = waiting(f->h, f->inner, 0.2 / 2);
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	h_order(f->h, &f->h->out, NULL);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->w, VALUE_NONE);
	h_t(f->h, &f->h->out, NULL);
	future_free(f->w);
	future_free(f->inner);
	CORO_END(task, f);
}

static void wait_for_timeout_waits_for_stubborn_inner(struct harness *h)
{
	H_MAIN(h, timeout_waits_for_stubborn_inner, struct frame, .h = h);
}
#endif

const struct conformance_case wait_for_cases[] = {
	{ "wait_for.timeout_cancels_inner", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_timeout_cancels_inner) },
	{ "wait_for.result_before_timeout", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_result_before_timeout) },
	{ "wait_for.timeout_none_waits", NEEDS_TIMERS, FROM_TIMERS(wait_for_timeout_none_waits) },
	{ "wait_for.zero_timeout_done_future", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_zero_timeout_done_future) },
	{ "wait_for.zero_timeout_never_starts", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_zero_timeout_never_starts) },
	{ "wait_for.zero_timeout_running_task", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_zero_timeout_running_task) },
	{ "wait_for.negative_timeout_running_task", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_negative_timeout_running_task) },
	{ "wait_for.waits_for_cancellation", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_waits_for_cancellation) },
	{ "wait_for.zero_timeout_waits_for_cancellation", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_zero_timeout_waits_for_cancellation) },
	{ "wait_for.error_during_cancellation", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_error_during_cancellation) },
	{ "wait_for.inner_swallows_cancel", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_inner_swallows_cancel) },
	{ "wait_for.cancel_cancels_inner", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_cancel_cancels_inner) },
	{ "wait_for.cancel_without_timeout_cancels_inner", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_cancel_without_timeout_cancels_inner) },
	{ "wait_for.same_instant_inner_timer_first", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_same_instant_inner_timer_first) },
	{ "wait_for.same_instant_timeout_timer_first", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_same_instant_timeout_timer_first) },
	{ "wait_for.cancelled_after_inner_done", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_cancelled_after_inner_done) },
	{ "wait_for.cancelled_waits_for_stubborn_inner", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_cancelled_waits_for_stubborn_inner) },
	{ "wait_for.timeout_waits_for_stubborn_inner", NEEDS_TIMERS,
	  FROM_TIMERS(wait_for_timeout_waits_for_stubborn_inner) },
	{ NULL, 0, NULL },
};
