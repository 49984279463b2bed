/*
 * scheduling.c - the loop's order of work, and how it starts and stops.
 *
 * Mirrors: conformance/python/scheduling.py, case for case. run_forever
 * is loop_run, which returns by itself when nothing is left to do
 * (run-returns-when-idle on asyncio-differences.md); no case here leaves
 * it idle before it is stopped, so that changes none of their outcomes.
 */
#include "harness.h"

static void loop_call_soon_in_order(struct harness *h)
{
	CALL_SOON(h->loop, log_cb, h_logger(h, "a"));
	CALL_SOON(h->loop, log_cb, h_logger(h, "b"));
	CALL_SOON(h->loop, log_cb, h_logger(h, "c"));
	h_run_once(h);
	h_order(h, &h->out, NULL);
}

/* call_soon(callback, "hello", "world"): a C callback has one argument,
 * so the two travel together. */
struct two_words {
	struct harness *h;
	const char *arg1, *arg2;
};

static void log_both_and_stop(void *arg)
{
	struct two_words *words = arg;
	h_log(words->h, "%s", words->arg1);
	h_log(words->h, "%s", words->arg2);
	loop_stop(words->h->loop);
}

static void loop_call_soon_args(struct harness *h)
{
	struct two_words words = { h, "hello", "world" };
	CALL_SOON(h->loop, log_both_and_stop, &words);
	h_run_forever(h);
	h_order(h, &h->out, NULL);
}

static void loop_stop_before_run_forever(struct harness *h)
{
	struct log_then a = { h_logger(h, "a"), h_logger(h, "b") };
	CALL_SOON(h->loop, log_then_schedule_cb, &a);
	loop_stop(h->loop);
	h_run_forever(h);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
}

static void loop_stop_finishes_iteration(struct harness *h)
{
	struct log_then a = { h_logger(h, "a"), h_logger(h, "c") };
	CALL_SOON(h->loop, log_then_schedule_cb, &a);
	CALL_SOON(h->loop, stop_cb, h->loop);
	CALL_SOON(h->loop, log_cb, h_logger(h, "b"));
	h_run_forever(h);
	struct outcome first = { "" };
	h_order(h, &first, "first");
	h_run_once(h);
	outcome_append(&h->out, NULL, &first);
	h_order(h, &h->out, "second");
}

/* A handle that can be cancelled comes with chapter 5's loop_call_soon. */
#if CHAPTER >= 5
static void loop_cancelled_handle_skipped(struct harness *h)
{
	struct handle *handle =
	        h_check(loop_call_soon(h->loop, log_cb, h_logger(h, "a")), "loop_call_soon");
	CALL_SOON(h->loop, log_cb, h_logger(h, "b"));
	handle_cancel(handle);
	h_run_once(h);
	outcome_add(&h->out, NULL, "cancelled=%s", handle_cancelled(handle) ? "True" : "False");
	h_order(h, &h->out, NULL);
	handle_free(handle);
}
#endif

/* `def boom(): h.log("a"); raise ValueError("boom")`. A C callback cannot
 * raise: loop_cb returns nothing, so the loop cannot tell a callback that
 * failed from one that did its work. This one logs and returns, which is
 * all a C callback can do; the case shows what the loop then reports. */
static void logs_a_then_fails(void *arg)
{
	struct harness *h = arg;
	h_log(h, "a");
}

static void loop_callback_error_reported(struct harness *h)
{
	CALL_SOON(h->loop, logs_a_then_fails, h);
	CALL_SOON(h->loop, log_cb, h_logger(h, "b"));
	h_run_once(h);
	h_reported(h, &h->out, NULL);
	h_order(h, &h->out, NULL);
}

static void loop_run_until_complete_other_loop(struct harness *h)
{
	struct loop *other = h_new_loop(h);
	struct future *fut = h_future(h);
	tok_run(&h->out, NULL, other, fut, VALUE_NONE);
	future_cancel(fut, NULL);
	future_free(fut);
}

#if CHAPTER >= 4
struct frame {
	int resume_point;
	struct harness *h;
	int x;
};

static int stops_then_waits(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	loop_stop(f->h->loop);
	CORO_AWAIT(task, f, h_forever(f->h));
	CORO_END(task, f);
}

static void loop_run_until_complete_stopped(struct harness *h)
{
	struct future *task = H_TASK(h, stops_then_waits, struct frame, .h = h);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	tok_state(&h->out, NULL, task);
	task_cancel(task, NULL);
	struct outcome ignored = { "" };
	tok_run(&ignored, NULL, h->loop, task, VALUE_NONE);
	future_free(task);
}

/* coro2: `h.loop.run_until_complete(inner)` while the loop runs. Python's
 * inner is a coroutine object, closed unrun; a C loop runs futures only,
 * so inner is a future, cancelled unused. */
static int runs_the_loop_inside(struct task *task, void *frame)
{
	struct frame *f = frame;
	struct future *inner = h_future(f->h);
	int rc = loop_run_until_complete(f->h->loop, inner);
	future_cancel(inner, NULL);
	future_free(inner);
	if (rc < 0)
		return task_raise(task, rc, NULL);
	return task_return(task, NULL, NULL);
}

static void loop_run_until_complete_nested(struct harness *h)
{
	struct future *task = H_TASK(h, runs_the_loop_inside, struct frame, .h = h);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	future_free(task);
}
#endif

#if CHAPTER >= 5
static int sleeps_and_stops_at_2(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	while (f->x < 10) {
		CORO_AWAIT(task, f, sleep_for(f->h->loop, 0.1));
		f->x++;
		h_log(f->h, "%d", f->x);
		if (f->x == 2)
			loop_stop(f->h->loop);
	}
	CORO_END(task, f);
}

static void loop_stop_while_task_sleeps(struct harness *h)
{
	struct future *t = H_TASK(h, sleeps_and_stops_at_2, struct frame, .h = h);
	tok_run(&h->out, NULL, h->loop, t, VALUE_NONE);
	tok_state(&h->out, NULL, t);
	h_order(h, &h->out, NULL);
	task_cancel(t, NULL);
	tok_run(&h->out, "after_cancel", h->loop, t, VALUE_NONE);
	future_free(t);
}

static void loop_run_forever_waits_when_idle(struct harness *h)
{
	handle_detach(loop_call_later(h->loop, 5, log_and_stop_cb, h_logger(h, "hello")));
	h_run_forever(h);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
}
#endif

const struct conformance_case scheduling_cases[] = {
	{ "loop.call_soon_in_order", NEEDS_FUTURES, loop_call_soon_in_order },
	{ "loop.call_soon_args", NEEDS_FUTURES, loop_call_soon_args },
	{ "loop.stop_before_run_forever", NEEDS_FUTURES, loop_stop_before_run_forever },
	{ "loop.stop_finishes_iteration", NEEDS_FUTURES, loop_stop_finishes_iteration },
	{ "loop.cancelled_handle_skipped", NEEDS_TIMERS,
	  FROM_TIMERS(loop_cancelled_handle_skipped) },
	{ "loop.callback_error_reported", NEEDS_FUTURES, loop_callback_error_reported },
	{ "loop.run_until_complete_other_loop", NEEDS_FUTURES, loop_run_until_complete_other_loop },
	{ "loop.run_until_complete_stopped", NEEDS_TASKS,
	  FROM_TASKS(loop_run_until_complete_stopped) },
	{ "loop.run_until_complete_nested", NEEDS_TASKS,
	  FROM_TASKS(loop_run_until_complete_nested) },
	{ "loop.stop_while_task_sleeps", NEEDS_TIMERS, FROM_TIMERS(loop_stop_while_task_sleeps) },
	{ "loop.run_forever_waits_when_idle", NEEDS_TIMERS,
	  FROM_TIMERS(loop_run_forever_waits_when_idle) },
	{ NULL, 0, NULL },
};
