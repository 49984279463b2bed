/*
 * cancellation.c - Task.cancel, and what it does to the awaits it meets.
 *
 * Mirrors: conformance/python/cancellation.py, case for case. Python's
 * `try: await x except CancelledError:` is CORO_TRY_AWAIT and a test of
 * the outcome; a bare `raise` there is task_raise(task, -ECANCELED, NULL).
 * `await forever(h)` awaits a future nobody sets (h_forever), and
 * `settled(task)` a future that the task's done-callback completes.
 */
#include "harness.h"

#include <string.h>

#if CHAPTER >= 4
/* ---------------------------------------------------------------- shared pieces */

struct forever_frame {
	int resume_point;
	struct harness *h;
};

/* `async def forever(h)` run as a task of its own. */
static int forever(struct task *task, void *frame)
{
	struct forever_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_forever(f->h));
	CORO_END(task, f);
}

/* A loop_cb for `call_soon(task.cancel, msg)`. */
struct cancel_call {
	struct future *task;
	const char *message;
};

static void cancel_cb(void *arg)
{
	struct cancel_call *call = arg;
	task_cancel(call->task, call->message);
}

/* A coroutine's call raised RC (CancelledError or another error), from
 * FUT's result() or exception(): the coroutine ends with it, as Python's
 * exception goes on up. The message is FUT's. */
static int raise_from(struct task *task, struct future *fut, int rc)
{
	if (rc == -ECANCELED)
		return task_raise(task, rc, future_cancel_message(fut));
	const struct future_error *error = NULL;
	future_exception(fut, &error);
	return task_raise(task, rc, error ? error->message : NULL);
}

struct main_frame {
	int resume_point;
	struct harness *h;
	struct future *task;
	struct future *fut1, *fut2, *fut3; /* borrowed */
	struct future **nested;            /* a task the case reads afterwards */
	struct cancel_call cancel;
	int outcome;
};

/* ---------------------------------------------------------------- cancelled while waiting */

static int waits_then_12(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_forever(f->h));
	return task_return(task, INT_VALUE(12), NULL);
	CORO_END(task, f);
}

static void cancel_waiting_task(struct harness *h)
{
	struct future *t = H_TASK(h, waits_then_12, struct main_frame, .h = h);
	struct cancel_call cancel = { t, NULL };
	CALL_SOON(h->loop, cancel_cb, &cancel);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_state(&h->out, NULL, t);
	tok_bool(&h->out, "cancel", task_cancel(t, NULL));
	future_free(t);
}

static int logs_ran(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	h_log(f->h, "ran");
	return task_return(task, NULL, NULL);
}

static void cancel_unstarted_task_message(struct harness *h)
{
	struct future *t = H_TASK(h, logs_ran, struct main_frame, .h = h);
	task_cancel(t, "stop");
	tok_run(&h->out, NULL, h->loop, t, VALUE_NONE);
	h_order(h, &h->out, NULL);
	future_free(t);
}

/* ---------------------------------------------------------------- the message on its way up */

static int message_before_start(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, forever, struct forever_frame, .h = f->h);
	task_cancel(f->task, "stop");
	CORO_AWAIT(task, f, h_settled(f->h, f->task));
	const struct future_error *unused;
	f->outcome = future_exception(f->task, &unused);
	if (f->outcome < 0) {
		raise_from(task, f->task, f->outcome);
		future_free(f->task);
		return TASK_STEP_DONE;
	}
	future_free(f->task);
	CORO_END(task, f);
}

static void cancel_message_before_start_to_awaiter(struct harness *h)
{
	struct future *outer = H_TASK(h, message_before_start, struct main_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, outer, VALUE_NONE);
	tok_state(&h->out, NULL, outer);
	future_free(outer);
}

/* The two cases that read the cancelled task's result() or exception()
 * once it is done; READ_RESULT says which. */
struct survives_frame {
	int resume_point;
	struct harness *h;
	struct future *task;
	bool read_result;
	int outcome;
};

static int message_survives(struct task *task, void *frame)
{
	struct survives_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, forever, struct forever_frame, .h = f->h);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->task, "stop");
	CORO_AWAIT(task, f, h_settled(f->h, f->task));
	void *value;
	const struct future_error *error;
	f->outcome =
	        f->read_result ? future_result(f->task, &value) : future_exception(f->task, &error);
	if (f->outcome < 0) {
		raise_from(task, f->task, f->outcome);
		future_free(f->task);
		return TASK_STEP_DONE;
	}
	future_free(f->task);
	CORO_END(task, f);
}

static void run_message_survives(struct harness *h, bool read_result)
{
	struct future *outer = H_TASK(h, message_survives, struct survives_frame, .h = h,
	                              .read_result = read_result);
	tok_run(&h->out, NULL, h->loop, outer, VALUE_NONE);
	tok_state(&h->out, NULL, outer);
	future_free(outer);
}

static void cancel_message_survives_result(struct harness *h)
{
	run_message_survives(h, true);
}

static void cancel_message_survives_exception(struct harness *h)
{
	run_message_survives(h, false);
}

static int message_to_awaiting_task(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, forever, struct forever_frame, .h = f->h);
	f->cancel = (struct cancel_call){ f->task, "stop" };
	CALL_SOON(f->h->loop, cancel_cb, &f->cancel);
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	if (f->outcome == -ECANCELED) {
		const char *message = future_cancel_message(f->task);
		h_log(f->h, "%s", message[0] ? message : "no_message");
		future_free(f->task);
		return task_raise(task, USER_ERROR, "cancelled");
	}
	future_free(f->task);
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static void cancel_message_to_awaiting_task(struct harness *h)
{
	struct future *t = H_TASK(h, message_to_awaiting_task, struct main_frame, .h = h);
	struct outcome outcome = { "" };
	tok_run(&outcome, NULL, h->loop, t, VALUE_NONE);
	h_order(h, &h->out, NULL);
	outcome_append(&h->out, NULL, &outcome);
	future_free(t);
}

/* ---------------------------------------------------------------- where it lands */

static int yields_twice_then_12(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	return task_return(task, INT_VALUE(12), NULL);
	CORO_END(task, f);
}

static void cancel_between_yields(struct harness *h)
{
	struct future *t = H_TASK(h, yields_twice_then_12, struct main_frame, .h = h);
	h_run_once(h);
	task_cancel(t, NULL);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_state(&h->out, NULL, t);
	tok_bool(&h->out, "cancel", task_cancel(t, NULL));
	future_free(t);
}

static int awaits_fut1_then_12(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut1));
	return task_return(task, INT_VALUE(12), NULL);
	CORO_END(task, f);
}

/* Cancel the inner future a task awaits, and the task too if BOTH. */
static void run_inner_future_cancelled(struct harness *h, bool both)
{
	struct future *inner = h_future(h);
	struct future *t = H_TASK(h, awaits_fut1_then_12, struct main_frame, .h = h, .fut1 = inner);
	h_run_once(h);
	future_cancel(inner, NULL);
	if (both)
		task_cancel(t, NULL);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_state(&h->out, NULL, t);
	tok_state(&h->out, "inner", inner);
	future_free(t);
	future_free(inner);
}

static void cancel_inner_future_cancels_task(struct harness *h)
{
	run_inner_future_cancelled(h, false);
}

static void cancel_task_and_inner_future(struct harness *h)
{
	run_inner_future_cancelled(h, true);
}

static int catch_and_return(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut1));
	CORO_TRY_AWAIT(task, f, future_retain(f->fut2), f->outcome);
	if (f->outcome == -ECANCELED)
		return task_return(task, INT_VALUE(42), NULL);
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static void cancel_catch_and_return(struct harness *h)
{
	struct future *fut1 = h_future(h), *fut2 = h_future(h);
	struct future *t =
	        H_TASK(h, catch_and_return, struct main_frame, .h = h, .fut1 = fut1, .fut2 = fut2);
	h_run_once(h);
	future_set_result(fut1, NULL, NULL);
	h_run_once(h);
	task_cancel(t, NULL);
	tok_state(&h->out, "inner", fut2);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_cancelled(&h->out, NULL, t);
	future_free(t);
	future_free(fut2);
	future_free(fut1);
}

static int catch_and_go_on(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut1));
	CORO_TRY_AWAIT(task, f, future_retain(f->fut2), f->outcome);
	if (f->outcome < 0 && f->outcome != -ECANCELED)
		return task_raise(task, f->outcome, NULL);
	CORO_AWAIT(task, f, future_retain(f->fut3));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

static void cancel_catch_and_go_on(struct harness *h)
{
	struct future *fut1 = h_future(h), *fut2 = h_future(h), *fut3 = h_future(h);
	struct future *t = H_TASK(h, catch_and_go_on, struct main_frame, .h = h, .fut1 = fut1,
	                          .fut2 = fut2, .fut3 = fut3);
	h_run_once(h);
	future_set_result(fut1, NULL, NULL);
	h_run_once(h);
	task_cancel(t, NULL);
	h_run_once(h);
	future_set_result(fut3, INT_VALUE(42), NULL);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_state(&h->out, NULL, t);
	future_free(t);
	future_free(fut3);
	future_free(fut2);
	future_free(fut1);
}

/* ---------------------------------------------------------------- a task that cancels itself */

static int cancels_itself_then_awaits(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	task_cancel(task_future(task), NULL);
	h_log(f->h, "before");
	CORO_AWAIT(task, f, h_forever(f->h));
	h_log(f->h, "after");
	CORO_END(task, f);
}

static void cancel_self_then_await(struct harness *h)
{
	struct future *t = H_TASK(h, cancels_itself_then_awaits, struct main_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, t, VALUE_NONE);
	tok_state(&h->out, NULL, t);
	h_order(h, &h->out, NULL);
	future_free(t);
}

static int cancels_itself_then_returns(struct task *task, void *frame)
{
	(void)frame;
	task_cancel(task_future(task), NULL);
	return task_return(task, INT_VALUE(12), NULL);
}

static void cancel_self_then_return(struct harness *h)
{
	struct future *t = H_TASK(h, cancels_itself_then_returns, struct main_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, t, VALUE_INT);
	tok_state(&h->out, NULL, t);
	tok_bool(&h->out, "cancel", task_cancel(t, NULL));
	future_free(t);
}

static int awaits_fut1(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut1));
	CORO_END(task, f);
}

static int cancels_itself_then_awaits_task(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	*f->nested = H_TASK(f->h, awaits_fut1, struct main_frame, .h = f->h, .fut1 = f->fut1);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(task_future(task), NULL);
	CORO_AWAIT(task, f, future_retain(*f->nested));
	CORO_END(task, f);
}

static void cancel_self_then_await_task(struct harness *h)
{
	struct future *fut = h_future(h), *nested = NULL;
	struct future *task = H_TASK(h, cancels_itself_then_awaits_task, struct main_frame, .h = h,
	                             .fut1 = fut, .nested = &nested);
	struct outcome ignored = { "" };
	tok_run(&ignored, NULL, h->loop, task, VALUE_NONE);
	tok_state(&h->out, NULL, task);
	if (nested)
		tok_state(&h->out, "nested", nested);
	tok_state(&h->out, "fut", fut);
	future_free(nested);
	future_free(task);
	future_free(fut);
}

/* `await inner()` where inner catches the cancellation, logs and
 * re-raises it. A C coroutine awaits futures only: inner runs as a task
 * of its own (gather-takes-futures on asyncio-differences.md). */
static int inner_logs_and_reraises(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, future_retain(f->fut1), f->outcome);
	if (f->outcome == -ECANCELED)
		h_log(f->h, "inner");
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static int outer_catches(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, inner_logs_and_reraises, struct main_frame, .h = f->h,
	                 .fut1 = f->fut1);
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	future_free(f->task);
	if (f->outcome == -ECANCELED)
		h_log(f->h, "outer");
	else if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static void cancel_through_awaited_coroutine(struct harness *h)
{
	struct future *waiter = h_future(h);
	struct future *t = H_TASK(h, outer_catches, struct main_frame, .h = h, .fut1 = waiter);
	h_run_once(h);
	task_cancel(t, NULL);
	h_run_until_complete(h, t);
	h_order(h, &h->out, NULL);
	tok_state(&h->out, NULL, t);
	tok_state(&h->out, "waiter", waiter);
	future_free(t);
	future_free(waiter);
}

static void cancel_waiter_future_cancelled(struct harness *h)
{
	struct future *fut = h_future(h);
	struct future *task = H_TASK(h, awaits_fut1, struct main_frame, .h = h, .fut1 = fut);
	h_run_once(h);
	task_cancel(task, NULL);
	h_run_once(h);
	tok_state(&h->out, "fut", fut);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	future_free(task);
	future_free(fut);
}

static int answers_with_error(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, h_forever(f->h), f->outcome);
	if (f->outcome == -ECANCELED)
		return task_raise(task, USER_ERROR, "boom");
	if (f->outcome < 0)
		return task_raise(task, f->outcome, NULL);
	CORO_END(task, f);
}

static void cancel_answered_with_error(struct harness *h)
{
	struct future *task = H_TASK(h, answers_with_error, struct main_frame, .h = h);
	h_run_once(h);
	task_cancel(task, NULL);
	h_run_once(h);
	tok_state(&h->out, NULL, task);
	tok_cancelled(&h->out, NULL, task);
	tok_exception(&h->out, NULL, task);
	future_free(task);
}

/* `raise TypeError`: C has no class of its own for it; any error will do,
 * since the case never prints it. */
static int raises(struct task *task, void *frame)
{
	(void)frame;
	return task_raise(task, USER_ERROR, "boom");
}

static int failed_task_silenced(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, raises, struct main_frame, .h = f->h);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_bool(&f->h->out, "cancel", task_cancel(f->task, NULL));
	future_free(f->task);
	h_reported(f->h, &f->h->out, NULL);
	CORO_END(task, f);
}

static void cancel_failed_task_silenced(struct harness *h)
{
	H_MAIN(h, failed_task_silenced, struct main_frame, .h = h);
}

/* ---------------------------------------------------------------- cancelling() and uncancel() */

static void cancel_cancelling_counts(struct harness *h)
{
	struct future *t = H_TASK(h, forever, struct forever_frame, .h = h);
	outcome_add(&h->out, "before", "cancelling=%d", task_cancelling(t));
	tok_bool(&h->out, "first", task_cancel(t, NULL));
	tok_bool(&h->out, "second", task_cancel(t, NULL));
	outcome_add(&h->out, NULL, "cancelling=%d", task_cancelling(t));
	tok_run(&h->out, NULL, h->loop, t, VALUE_NONE);
	future_free(t);
}

/* A task waiting for ever, cancelled after its first step and run to its
 * end: what cancelling() and uncancel() say then. */
static struct future *cancelled_forever(struct harness *h)
{
	struct future *t = H_TASK(h, forever, struct forever_frame, .h = h);
	h_run_once(h);
	task_cancel(t, NULL);
	struct outcome ignored = { "" };
	tok_run(&ignored, NULL, h->loop, t, VALUE_NONE);
	return t;
}

static void cancel_cancelling_kept_when_done(struct harness *h)
{
	struct future *t = cancelled_forever(h);
	tok_state(&h->out, NULL, t);
	outcome_add(&h->out, NULL, "cancelling=%d", task_cancelling(t));
	future_free(t);
}

static void cancel_uncancel_when_done(struct harness *h)
{
	struct future *t = cancelled_forever(h);
	outcome_add(&h->out, NULL, "result=%d", task_uncancel(t));
	tok_state(&h->out, NULL, t);
	future_free(t);
}

static int uncancels_and_waits_again(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_TRY_AWAIT(task, f, h_forever(f->h), f->outcome);
	if (f->outcome != -ECANCELED)
		return f->outcome < 0 ? task_raise(task, f->outcome, NULL)
		                      : task_return(task, NULL, NULL);
	h_log(f->h, "caught");
	task_uncancel(task_future(task));
	CORO_AWAIT(task, f, h_forever(f->h));
	CORO_END(task, f);
}

static void cancel_uncancel_then_go_on(struct harness *h)
{
	struct future *t = H_TASK(h, uncancels_and_waits_again, struct main_frame, .h = h);
	h_run_once(h);
	task_cancel(t, NULL);
	int first = task_cancelling(t);
	h_run_once(h);
	struct outcome after = { "" };
	outcome_add(&after, "after", "cancelling=%d", task_cancelling(t));
	tok_state(&after, "after", t);
	task_cancel(t, NULL);
	struct outcome outcome = { "" };
	tok_run(&outcome, NULL, h->loop, t, VALUE_NONE);
	outcome_add(&h->out, "first", "cancelling=%d", first);
	h_order(h, &h->out, NULL);
	outcome_append(&h->out, NULL, &after);
	outcome_append(&h->out, NULL, &outcome);
	tok_state(&h->out, NULL, t);
	future_free(t);
}

static int awaits_fut1_then_42(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut1));
	return task_return(task, INT_VALUE(42), NULL);
	CORO_END(task, f);
}

static void cancel_uncancel_before_step(struct harness *h)
{
	struct future *fut = h_future(h);
	struct future *task =
	        H_TASK(h, awaits_fut1_then_42, struct main_frame, .h = h, .fut1 = fut);
	h_run_once(h);
	future_set_result(fut, NULL, NULL);
	task_cancel(task, NULL);
	task_uncancel(task);
	outcome_add(&h->out, NULL, "cancelling=%d", task_cancelling(task));
	tok_run(&h->out, NULL, h->loop, task, VALUE_INT);
	future_free(task);
	future_free(fut);
}
#endif

#if CHAPTER >= 5
/* What make_request_with_timeout returns: [timed_out,
 * structured_block_finished, outer_code_reached]. */
struct block_result {
	bool timed_out, finished, reached;
};

struct structured_frame {
	int resume_point;
	struct harness *h;
	double sleep, timeout;
	struct block_result *result; /* the case's */
	struct future *self;
	struct handle *timeout_handle;
	int outcome;
};

static void on_timeout(void *arg)
{
	struct structured_frame *f = arg;
	f->result->timed_out = true;
	task_cancel(f->self, NULL);
}

static int make_request_with_timeout(struct task *task, void *frame)
{
	struct structured_frame *f = frame;
	CORO_BEGIN(f);
	f->self = task_future(task);
	f->timeout_handle =
	        h_check(loop_call_later(f->h->loop, f->timeout, on_timeout, f), "loop_call_later");
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, f->sleep), f->outcome);
	if (f->outcome == 0)
		f->result->finished = true;
	/* finally: */
	handle_cancel(f->timeout_handle);
	handle_free(f->timeout_handle);
	/* except CancelledError: a timeout of ours, with no other request
	 * left, becomes TimeoutError, which the outer try swallows. */
	if (f->outcome == -ECANCELED && !(f->result->timed_out && task_uncancel(f->self) == 0))
		return task_raise(task, f->outcome, NULL);
	if (f->outcome < 0 && f->outcome != -ECANCELED)
		return task_raise(task, f->outcome, NULL);
	f->result->reached = true;
	CORO_AWAIT(task, f, sleep_for(f->h->loop, 0));
	CORO_END(task, f);
}

static const char *python_bool(bool value)
{
	return value ? "True" : "False";
}

static void cancel_structured_timeout_block(struct harness *h)
{
	struct block_result result = { false, false, false };
	struct future *t = H_TASK(h, make_request_with_timeout, struct structured_frame, .h = h,
	                          .sleep = 10.0, .timeout = 0.1, .result = &result);
	struct outcome outcome = { "" };
	tok_run(&outcome, NULL, h->loop, t, VALUE_NONE);
	if (strcmp(outcome.text, "result=None") == 0)
		outcome_add(&h->out, NULL, "result=[%s,%s,%s]", python_bool(result.timed_out),
		            python_bool(result.finished), python_bool(result.reached));
	else
		outcome_append(&h->out, NULL, &outcome);
	outcome_add(&h->out, NULL, "cancelling=%d", task_cancelling(t));
	h_t(h, &h->out, NULL);
	future_free(t);
}
#endif

const struct conformance_case cancellation_cases[] = {
	{ "cancel.waiting_task", NEEDS_TASKS, FROM_TASKS(cancel_waiting_task) },
	{ "cancel.unstarted_task_message", NEEDS_TASKS, FROM_TASKS(cancel_unstarted_task_message) },
	{ "cancel.message_before_start_to_awaiter", NEEDS_TASKS,
	  FROM_TASKS(cancel_message_before_start_to_awaiter) },
	{ "cancel.message_survives_result", NEEDS_TASKS,
	  FROM_TASKS(cancel_message_survives_result) },
	{ "cancel.message_survives_exception", NEEDS_TASKS,
	  FROM_TASKS(cancel_message_survives_exception) },
	{ "cancel.message_to_awaiting_task", NEEDS_TASKS,
	  FROM_TASKS(cancel_message_to_awaiting_task) },
	{ "cancel.between_yields", NEEDS_TASKS, FROM_TASKS(cancel_between_yields) },
	{ "cancel.inner_future_cancels_task", NEEDS_TASKS,
	  FROM_TASKS(cancel_inner_future_cancels_task) },
	{ "cancel.task_and_inner_future", NEEDS_TASKS, FROM_TASKS(cancel_task_and_inner_future) },
	{ "cancel.catch_and_return", NEEDS_TASKS, FROM_TASKS(cancel_catch_and_return) },
	{ "cancel.catch_and_go_on", NEEDS_TASKS, FROM_TASKS(cancel_catch_and_go_on) },
	{ "cancel.self_then_await", NEEDS_TASKS, FROM_TASKS(cancel_self_then_await) },
	{ "cancel.self_then_return", NEEDS_TASKS, FROM_TASKS(cancel_self_then_return) },
	{ "cancel.self_then_await_task", NEEDS_TASKS, FROM_TASKS(cancel_self_then_await_task) },
	{ "cancel.through_awaited_coroutine", NEEDS_TASKS,
	  FROM_TASKS(cancel_through_awaited_coroutine) },
	{ "cancel.waiter_future_cancelled", NEEDS_TASKS,
	  FROM_TASKS(cancel_waiter_future_cancelled) },
	{ "cancel.answered_with_error", NEEDS_TASKS, FROM_TASKS(cancel_answered_with_error) },
	{ "cancel.failed_task_silenced", NEEDS_TASKS, FROM_TASKS(cancel_failed_task_silenced) },
	{ "cancel.cancelling_counts", NEEDS_TASKS, FROM_TASKS(cancel_cancelling_counts) },
	{ "cancel.cancelling_kept_when_done", NEEDS_TASKS,
	  FROM_TASKS(cancel_cancelling_kept_when_done) },
	{ "cancel.uncancel_when_done", NEEDS_TASKS, FROM_TASKS(cancel_uncancel_when_done) },
	{ "cancel.uncancel_then_go_on", NEEDS_TASKS, FROM_TASKS(cancel_uncancel_then_go_on) },
	{ "cancel.uncancel_before_step", NEEDS_TASKS, FROM_TASKS(cancel_uncancel_before_step) },
	{ "cancel.structured_timeout_block", NEEDS_TIMERS,
	  FROM_TIMERS(cancel_structured_timeout_block) },
	{ NULL, 0, NULL },
};
