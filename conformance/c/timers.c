/*
 * timers.c - call_later, call_at, their handles, and the loop's clock
 * (chapter 5).
 *
 * Mirrors: conformance/python/timers.py, case for case. The clock is the
 * harness's virtual one (virtual_clock.h): it moves only while the loop
 * waits, so every time below is exact.
 */
#include "harness.h"

#if CHAPTER >= 5
/* A timer the case never cancels: the loop's reference is enough. */
static void later(struct harness *h, double delay, loop_cb *cb, void *arg)
{
	if (handle_detach(loop_call_later(h->loop, delay, cb, arg)) < 0)
		h_fail(h, "loop_call_later refused a delay of %g", delay);
}

/* A callback that logs its word and the time it ran at (log_time). */
static void log_time_cb(void *arg)
{
	struct log_call *call = arg;
	log_cb(call);
	h_log(call->h, "%.3f", loop_time(call->h->loop));
}

static void log_time_and_stop(void *arg)
{
	struct log_call *call = arg;
	log_time_cb(call);
	loop_stop(call->h->loop);
}

static void timer_past_deadlines_earliest_first(struct harness *h)
{
	later(h, -1, log_cb, h_logger(h, "a"));
	later(h, -2, log_cb, h_logger(h, "b"));
	h_run_once(h);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
}

static void timer_call_at_runs_at_deadline(struct harness *h)
{
	struct handle *timer = loop_call_at(h->loop, loop_time(h->loop) + 0.1, log_time_and_stop,
	                                    h_logger(h, "at"));
	if (handle_detach(timer) < 0)
		h_fail(h, "loop_call_at refused the deadline");
	h_run_forever(h);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
}

static void timer_deadlines_in_order(struct harness *h)
{
	later(h, 0.3, log_time_cb, h_logger(h, "c"));
	later(h, 0.1, log_time_cb, h_logger(h, "a"));
	later(h, 0.2, log_time_cb, h_logger(h, "b"));
	h_run_until_idle(h);
	h_order(h, &h->out, NULL);
}

static void timer_cancelled_earlier_timer_skipped(struct harness *h)
{
	struct handle *a = h_check(loop_call_later(h->loop, 5.0, log_time_cb, h_logger(h, "a")),
	                           "loop_call_later");
	handle_cancel(a);
	handle_free(a);
	later(h, 10.0, log_time_cb, h_logger(h, "b"));
	h_run_until_idle(h);
	h_order(h, &h->out, NULL);
}

static void timer_cancelled_not_waited_for(struct harness *h)
{
	struct handle *handle = h_check(loop_call_later(h->loop, 10.0, log_cb, h_logger(h, "a")),
	                                "loop_call_later");
	handle_cancel(handle);
	h_run_until_idle(h);
	outcome_add(&h->out, NULL, "cancelled=%s", handle_cancelled(handle) ? "True" : "False");
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
	handle_free(handle);
}

static void timer_when(struct harness *h)
{
	struct handle *handle = h_check(loop_call_later(h->loop, 10.0, log_cb, h_logger(h, "a")),
	                                "loop_call_later");
	outcome_add(&h->out, NULL, "result=%.3f", handle_when(handle));
	handle_cancel(handle);
	handle_free(handle);
}

static void timer_equal_deadlines_unordered(struct harness *h)
{
	const char *words[] = { "a", "b", "c", "d", "e" };
	for (int i = 0; i < 5; i++)
		if (handle_detach(loop_call_at(h->loop, 1.0, log_cb, h_logger(h, words[i]))) < 0)
			h_fail(h, "loop_call_at refused the deadline");
	h_run_until_idle(h);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
}

static void timer_callback_schedules_next_iteration(struct harness *h)
{
	struct log_then a = { h_logger(h, "a"), h_logger(h, "b") };
	later(h, -1, log_then_schedule_cb, &a);
	h_run_once(h);
	struct outcome first = { "" };
	h_order(h, &first, "first");
	h_run_once(h);
	outcome_append(&h->out, NULL, &first);
	h_order(h, &h->out, "second");
}

/* `def zero_error(f): f.set_result(True); raise ZeroDivisionError`. A C
 * callback cannot raise (loop_cb returns nothing): it does its work and
 * returns, and the case shows what the loop then reports. */
static void sets_true_then_fails(void *fut)
{
	future_set_result(fut, "True", NULL);
}

static void log_done_and_stop(struct future *fut, void *arg)
{
	(void)fut;
	log_and_stop_cb(arg);
}

static void timer_callback_error_reported(struct harness *h)
{
	struct future *fut = h_future(h);
	later(h, 0.01, sets_true_then_fails, fut);
	future_add_done_callback(fut, log_done_and_stop, h_logger(h, "done"));
	h_run_forever(h);
	h_reported(h, &h->out, NULL);
	h_order(h, &h->out, NULL);
	h_t(h, &h->out, NULL);
	future_free(fut);
}
#endif

const struct conformance_case timers_cases[] = {
	{ "timer.past_deadlines_earliest_first", NEEDS_TIMERS,
	  FROM_TIMERS(timer_past_deadlines_earliest_first) },
	{ "timer.call_at_runs_at_deadline", NEEDS_TIMERS,
	  FROM_TIMERS(timer_call_at_runs_at_deadline) },
	{ "timer.deadlines_in_order", NEEDS_TIMERS, FROM_TIMERS(timer_deadlines_in_order) },
	{ "timer.cancelled_earlier_timer_skipped", NEEDS_TIMERS,
	  FROM_TIMERS(timer_cancelled_earlier_timer_skipped) },
	{ "timer.cancelled_not_waited_for", NEEDS_TIMERS,
	  FROM_TIMERS(timer_cancelled_not_waited_for) },
	{ "timer.when", NEEDS_TIMERS, FROM_TIMERS(timer_when) },
	{ "timer.equal_deadlines_unordered", NEEDS_TIMERS,
	  FROM_TIMERS(timer_equal_deadlines_unordered) },
	{ "timer.callback_schedules_next_iteration", NEEDS_TIMERS,
	  FROM_TIMERS(timer_callback_schedules_next_iteration) },
	{ "timer.callback_error_reported", NEEDS_TIMERS,
	  FROM_TIMERS(timer_callback_error_reported) },
	{ NULL, 0, NULL },
};
