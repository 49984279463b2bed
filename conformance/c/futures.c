/*
 * futures.c - asyncio.Future on its own, the promise of chapter 3.
 *
 * Mirrors: conformance/python/futures.py, case for case (the function is
 * the case's id with "_" for "."). States and what each call says in each
 * state, done-callbacks, and the "exception was never retrieved" report.
 * Python's `del fut` is future_free here: the report comes then.
 */
#include "harness.h"

/* ---------------------------------------------------------------- states */

static void future_new_is_pending(struct harness *h)
{
	struct future *fut = h_future(h);
	tok_state(&h->out, NULL, fut);
	tok_cancelled(&h->out, NULL, fut);
	future_cancel(fut, NULL);
	future_free(fut);
}

static void future_set_result_finishes(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(42), NULL);
	tok_state(&h->out, NULL, fut);
	tok_cancelled(&h->out, NULL, fut);
	tok_result(&h->out, NULL, fut, VALUE_INT);
	future_free(fut);
}

static void future_result_while_pending(struct harness *h)
{
	struct future *fut = h_future(h);
	tok_result(&h->out, NULL, fut, VALUE_NONE);
	future_cancel(fut, NULL);
	future_free(fut);
}

static void future_exception_while_pending(struct harness *h)
{
	struct future *fut = h_future(h);
	tok_exception(&h->out, NULL, fut);
	future_cancel(fut, NULL);
	future_free(fut);
}

static void future_exception_after_result(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(42), NULL);
	tok_exception(&h->out, NULL, fut);
	future_free(fut);
}

static void future_set_exception_finishes(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_state(&h->out, NULL, fut);
	tok_cancelled(&h->out, NULL, fut);
	const struct future_error *read;
	future_exception(fut, &read);
	future_free(fut);
}

static void future_result_raises_exception(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_result(&h->out, NULL, fut, VALUE_NONE);
	future_free(fut);
}

static void future_exception_returns_exception(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_exception(&h->out, NULL, fut);
	future_free(fut);
}

static void future_set_result_twice(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(1), NULL);
	tok_call(&h->out, "set_result", future_set_result(fut, INT_VALUE(2), NULL), "set_result");
	tok_result(&h->out, NULL, fut, VALUE_INT);
	future_free(fut);
}

static void future_set_exception_after_result(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(1), NULL);
	tok_call(&h->out, "set_exception", future_set_exception(fut, USER_ERROR, "boom"),
	         "set_exception");
	tok_result(&h->out, NULL, fut, VALUE_INT);
	future_free(fut);
}

static void future_set_result_after_exception(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_call(&h->out, NULL, future_set_result(fut, INT_VALUE(1), NULL), "set_result");
	const struct future_error *read;
	future_exception(fut, &read);
	future_free(fut);
}

/* ---------------------------------------------------------------- cancel */

static void future_cancel_pending(struct harness *h)
{
	struct future *fut = h_future(h);
	tok_bool(&h->out, "cancel", future_cancel(fut, NULL));
	tok_state(&h->out, NULL, fut);
	tok_cancelled(&h->out, NULL, fut);
	future_free(fut);
}

static void future_cancel_twice(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, NULL);
	tok_bool(&h->out, "cancel", future_cancel(fut, NULL));
	tok_state(&h->out, NULL, fut);
	future_free(fut);
}

static void future_cancel_after_result(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(42), NULL);
	tok_bool(&h->out, "cancel", future_cancel(fut, NULL));
	tok_state(&h->out, NULL, fut);
	tok_result(&h->out, NULL, fut, VALUE_INT);
	future_free(fut);
}

static void future_cancel_after_exception(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_bool(&h->out, "cancel", future_cancel(fut, NULL));
	tok_state(&h->out, NULL, fut);
	tok_result(&h->out, NULL, fut, VALUE_NONE);
	future_free(fut);
}

static void future_result_after_cancel(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, NULL);
	tok_result(&h->out, NULL, fut, VALUE_NONE);
	future_free(fut);
}

static void future_exception_after_cancel(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, NULL);
	tok_exception(&h->out, NULL, fut);
	future_free(fut);
}

static void future_set_result_after_cancel(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, NULL);
	tok_call(&h->out, "set_result", future_set_result(fut, INT_VALUE(1), NULL), "set_result");
	tok_state(&h->out, NULL, fut);
	future_free(fut);
}

static void future_set_exception_after_cancel(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, NULL);
	tok_call(&h->out, "set_exception", future_set_exception(fut, USER_ERROR, "boom"),
	         "set_exception");
	tok_state(&h->out, NULL, fut);
	future_free(fut);
}

static void future_cancel_message_kept(struct harness *h)
{
	struct future *fut = h_future(h);
	future_cancel(fut, "stop");
	tok_run(&h->out, NULL, h->loop, fut, VALUE_NONE);
	future_free(fut);
}

/* asyncio's _copy_future_state is future_copy_state, new in chapter 5. */
#if CHAPTER >= 5
static void future_copy_state_result(struct harness *h)
{
	struct future *source = h_future(h), *copy = h_future(h);
	future_set_result(source, INT_VALUE(10), NULL);
	future_copy_state(copy, source);
	tok_state(&h->out, NULL, copy);
	tok_result(&h->out, NULL, copy, VALUE_INT);
	future_free(copy);
	future_free(source);
}

static void future_copy_state_cancelled(struct harness *h)
{
	struct future *source = h_future(h), *copy = h_future(h);
	future_cancel(source, NULL);
	future_copy_state(copy, source);
	tok_state(&h->out, NULL, copy);
	future_free(copy);
	future_free(source);
}
#endif

/* ---------------------------------------------------------------- done-callbacks */

static void future_callbacks_in_order(struct harness *h)
{
	struct future *fut = h_future(h);
	future_add_done_callback(fut, log_done_cb, h_logger(h, "42"));
	future_add_done_callback(fut, log_done_cb, h_logger(h, "17"));
	future_set_result(fut, "foo", NULL);
	h_run_once(h);
	h_order(h, &h->out, NULL);
	future_free(fut);
}

/* The callback of callback_one_iteration_later: logs, and counts. */
struct seen {
	struct harness *h;
	struct outcome iterations;
};

static void log_and_count(struct future *fut, void *arg)
{
	(void)fut;
	struct seen *seen = arg;
	h_log(seen->h, "cb");
	h_iterations(seen->h, &seen->iterations, NULL);
}

static void future_callback_one_iteration_later(struct harness *h)
{
	struct future *fut = h_future(h);
	struct seen seen = { h, { "" } };
	future_add_done_callback(fut, log_and_count, &seen);
	h_tick_start(h);
	future_set_result(fut, "foo", NULL);
	h_log(h, "set");
	h_run_once(h);
	h_order(h, &h->out, NULL);
	outcome_append(&h->out, NULL, &seen.iterations);
	future_free(fut);
}

static void future_callbacks_on_set_exception(struct harness *h)
{
	struct future *fut = h_future(h);
	future_add_done_callback(fut, log_done_cb, h_logger(h, "cb"));
	future_set_exception(fut, USER_ERROR, "boom");
	h_run_once(h);
	h_order(h, &h->out, NULL);
	tok_exception(&h->out, NULL, fut);
	future_free(fut);
}

/* Three callbacks that log 42, 17 and 100. Python removes a callback by
 * the function alone, C by the function and its argument (errors-are-codes
 * on asyncio-differences.md): each of these is one such pair. */
static void add_three(struct harness *h, struct future *fut, struct log_call *cb[3])
{
	cb[0] = h_logger(h, "42");
	cb[1] = h_logger(h, "17");
	cb[2] = h_logger(h, "100");
	for (int i = 0; i < 3; i++)
		future_add_done_callback(fut, log_done_cb, cb[i]);
}

static void future_remove_first_callback(struct harness *h)
{
	struct future *fut = h_future(h);
	struct log_call *cb[3];
	add_three(h, fut, cb);
	future_remove_done_callback(fut, log_done_cb, cb[0]);
	future_remove_done_callback(fut, log_done_cb, cb[0]);
	future_set_result(fut, "foo", NULL);
	h_run_once(h);
	h_order(h, &h->out, NULL);
	future_free(fut);
}

static void future_remove_first_and_second_callback(struct harness *h)
{
	struct future *fut = h_future(h);
	struct log_call *cb[3];
	add_three(h, fut, cb);
	future_remove_done_callback(fut, log_done_cb, cb[0]);
	future_remove_done_callback(fut, log_done_cb, cb[1]);
	future_remove_done_callback(fut, log_done_cb, cb[0]);
	future_set_result(fut, "foo", NULL);
	h_run_once(h);
	h_order(h, &h->out, NULL);
	future_free(fut);
}

static void future_remove_third_callback(struct harness *h)
{
	struct future *fut = h_future(h);
	struct log_call *cb[3];
	add_three(h, fut, cb);
	future_remove_done_callback(fut, log_done_cb, cb[2]);
	future_remove_done_callback(fut, log_done_cb, cb[2]);
	future_set_result(fut, "foo", NULL);
	h_run_once(h);
	h_order(h, &h->out, NULL);
	future_free(fut);
}

static void future_remove_counts_every_copy(struct harness *h)
{
	struct future *fut = h_future(h);
	struct log_call *cb1 = h_logger(h, "cb1"), *cb2 = h_logger(h, "cb2"),
	                *cb3 = h_logger(h, "cb3");
	future_add_done_callback(fut, log_done_cb, cb1);
	future_add_done_callback(fut, log_done_cb, cb2);
	h_log(h, "removed%d", future_remove_done_callback(fut, log_done_cb, cb2));
	h_log(h, "removed%d", future_remove_done_callback(fut, log_done_cb, cb3));
	future_add_done_callback(fut, log_done_cb, cb2);
	for (int i = 0; i < 5; i++)
		future_add_done_callback(fut, log_done_cb, cb1);
	h_log(h, "removed%d", future_remove_done_callback(fut, log_done_cb, cb1));
	future_set_result(fut, "foo", NULL);
	h_run_once(h);
	h_order(h, &h->out, NULL);
	future_free(fut);
}

/* ---------------------------------------------------------------- never retrieved */

static void future_never_retrieved_reported(struct harness *h)
{
	future_free(h_failed(h));
	h_reported(h, &h->out, NULL);
}

static void future_retrieved_by_exception_silent(struct harness *h)
{
	struct future *fut = h_failed(h);
	const struct future_error *read;
	future_exception(fut, &read);
	future_free(fut);
	h_reported(h, &h->out, NULL);
}

static void future_retrieved_by_result_silent(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_result(&h->out, NULL, fut, VALUE_NONE);
	future_free(fut);
	h_reported(h, &h->out, NULL);
}

static void future_cancel_after_exception_silent(struct harness *h)
{
	struct future *fut = h_failed(h);
	tok_bool(&h->out, "cancel", future_cancel(fut, NULL));
	future_free(fut);
	h_reported(h, &h->out, NULL);
}

static void future_unread_result_silent(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(42), NULL);
	future_free(fut);
	h_reported(h, &h->out, NULL);
}

static void future_abandoned_pending_silent(struct harness *h)
{
	future_free(h_future(h));
	h_reported(h, &h->out, NULL);
}

/* ---------------------------------------------------------------- awaiting */

#if CHAPTER >= 4
struct await_frame {
	int resume_point;
	struct harness *h;
	struct future *fut;
	int outcome;
	struct outcome first;
};

static int await_done_returns_at_once(struct task *task, void *frame)
{
	struct await_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->fut = h_future(h);
	future_set_result(f->fut, INT_VALUE(42), NULL);
	h_tick_start(h);
	CORO_TRY_AWAIT(task, f, future_retain(f->fut), f->outcome);
	h_iterations(h, &h->out, NULL);
	tok_awaited(&h->out, NULL, task, f->outcome, f->fut, VALUE_INT);
	future_free(f->fut);
	CORO_END(task, f);
}

static void future_await_done_returns_at_once(struct harness *h)
{
	H_MAIN(h, await_done_returns_at_once, struct await_frame, .h = h);
}

/* A loop_cb that sets the future ARG's result to 42. */
static void set_42(void *fut)
{
	future_set_result(fut, INT_VALUE(42), NULL);
}

static int await_twice(struct task *task, void *frame)
{
	struct await_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->fut = h_future(h);
	h_tick_start(h);
	CALL_SOON(h->loop, set_42, f->fut);
	CORO_AWAIT(task, f, future_retain(f->fut));
	h_iterations(h, &f->first, NULL);
	h_tick_start(h);
	CORO_TRY_AWAIT(task, f, future_retain(f->fut), f->outcome);
	outcome_append(&h->out, "first", &f->first);
	h_iterations(h, &h->out, "second");
	tok_awaited(&h->out, NULL, task, f->outcome, f->fut, VALUE_INT);
	future_free(f->fut);
	CORO_END(task, f);
}

static void future_await_twice(struct harness *h)
{
	H_MAIN(h, await_twice, struct await_frame, .h = h);
}

static int await_failed_raises(struct task *task, void *frame)
{
	struct await_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->fut = h_failed(h);
	CORO_TRY_AWAIT(task, f, future_retain(f->fut), f->outcome);
	tok_awaited(&h->out, NULL, task, f->outcome, f->fut, VALUE_NONE);
	/* The task holds the awaited future until its next await or its end;
	 * `del fut` is the case's own reference. */
	future_free(f->fut);
	h_reported(h, &h->out, NULL);
	CORO_END(task, f);
}

static void future_await_failed_raises(struct harness *h)
{
	H_MAIN(h, await_failed_raises, struct await_frame, .h = h);
}
#endif

const struct conformance_case futures_cases[] = {
	{ "future.new_is_pending", NEEDS_FUTURES, future_new_is_pending },
	{ "future.set_result_finishes", NEEDS_FUTURES, future_set_result_finishes },
	{ "future.result_while_pending", NEEDS_FUTURES, future_result_while_pending },
	{ "future.exception_while_pending", NEEDS_FUTURES, future_exception_while_pending },
	{ "future.exception_after_result", NEEDS_FUTURES, future_exception_after_result },
	{ "future.set_exception_finishes", NEEDS_FUTURES, future_set_exception_finishes },
	{ "future.result_raises_exception", NEEDS_FUTURES, future_result_raises_exception },
	{ "future.exception_returns_exception", NEEDS_FUTURES, future_exception_returns_exception },
	{ "future.set_result_twice", NEEDS_FUTURES, future_set_result_twice },
	{ "future.set_exception_after_result", NEEDS_FUTURES, future_set_exception_after_result },
	{ "future.set_result_after_exception", NEEDS_FUTURES, future_set_result_after_exception },
	{ "future.cancel_pending", NEEDS_FUTURES, future_cancel_pending },
	{ "future.cancel_twice", NEEDS_FUTURES, future_cancel_twice },
	{ "future.cancel_after_result", NEEDS_FUTURES, future_cancel_after_result },
	{ "future.cancel_after_exception", NEEDS_FUTURES, future_cancel_after_exception },
	{ "future.result_after_cancel", NEEDS_FUTURES, future_result_after_cancel },
	{ "future.exception_after_cancel", NEEDS_FUTURES, future_exception_after_cancel },
	{ "future.set_result_after_cancel", NEEDS_FUTURES, future_set_result_after_cancel },
	{ "future.set_exception_after_cancel", NEEDS_FUTURES, future_set_exception_after_cancel },
	{ "future.cancel_message_kept", NEEDS_FUTURES, future_cancel_message_kept },
	{ "future.copy_state_result", NEEDS_TIMERS, FROM_TIMERS(future_copy_state_result) },
	{ "future.copy_state_cancelled", NEEDS_TIMERS, FROM_TIMERS(future_copy_state_cancelled) },
	{ "future.callbacks_in_order", NEEDS_FUTURES, future_callbacks_in_order },
	{ "future.callback_one_iteration_later", NEEDS_FUTURES,
	  future_callback_one_iteration_later },
	{ "future.callbacks_on_set_exception", NEEDS_FUTURES, future_callbacks_on_set_exception },
	{ "future.remove_first_callback", NEEDS_FUTURES, future_remove_first_callback },
	{ "future.remove_first_and_second_callback", NEEDS_FUTURES,
	  future_remove_first_and_second_callback },
	{ "future.remove_third_callback", NEEDS_FUTURES, future_remove_third_callback },
	{ "future.remove_counts_every_copy", NEEDS_FUTURES, future_remove_counts_every_copy },
	{ "future.never_retrieved_reported", NEEDS_FUTURES, future_never_retrieved_reported },
	{ "future.retrieved_by_exception_silent", NEEDS_FUTURES,
	  future_retrieved_by_exception_silent },
	{ "future.retrieved_by_result_silent", NEEDS_FUTURES, future_retrieved_by_result_silent },
	{ "future.cancel_after_exception_silent", NEEDS_FUTURES,
	  future_cancel_after_exception_silent },
	{ "future.unread_result_silent", NEEDS_FUTURES, future_unread_result_silent },
	{ "future.abandoned_pending_silent", NEEDS_FUTURES, future_abandoned_pending_silent },
	{ "future.await_done_returns_at_once", NEEDS_TASKS,
	  FROM_TASKS(future_await_done_returns_at_once) },
	{ "future.await_twice", NEEDS_TASKS, FROM_TASKS(future_await_twice) },
	{ "future.await_failed_raises", NEEDS_TASKS, FROM_TASKS(future_await_failed_raises) },
	{ NULL, 0, NULL },
};
