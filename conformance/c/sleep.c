/*
 * sleep.c - asyncio.sleep, a future that a timer completes (chapter 5).
 *
 * Mirrors: conformance/python/sleep.py, case for case. sleep(0) is one
 * bare yield, task_yield in chapter 4 and sleep_for(loop, 0) from chapter
 * 5 (SLEEP_ZERO). sleep_for has no `result` argument: its future always
 * finishes with NULL (None), which is what the cases that pass one show.
 */
#include "harness.h"

#include <math.h>

#if CHAPTER >= 4
struct sleep_frame {
	int resume_point;
	struct harness *h;
	double delay;
	struct future *task;
	struct cancel_later {
		struct future *task;
	} cancel;
	int outcome;
};

static int zero_is_one_iteration(struct task *task, void *frame)
{
	struct sleep_frame *f = frame;
	CORO_BEGIN(f);
	h_tick_start(f->h);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	h_iterations(f->h, &f->h->out, NULL);
	h_t(f->h, &f->h->out, NULL);
	CORO_END(task, f);
}

static void sleep_zero_is_one_iteration(struct harness *h)
{
	H_MAIN(h, zero_is_one_iteration, struct sleep_frame, .h = h);
}

/* `await h.wait(asyncio.sleep(0, result=10))`: the yield has no result
 * to give. */
static int zero_lets_ready_run_first(struct task *task, void *frame)
{
	struct sleep_frame *f = frame;
	CORO_BEGIN(f);
	CALL_SOON(f->h->loop, log_cb, h_logger(f->h, "callback"));
	f->task = SLEEP_ZERO(f->h->loop);
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	h_log(f->h, "resumed");
	h_order(f->h, &f->h->out, NULL);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->task, VALUE_WORD);
	future_free(f->task);
	CORO_END(task, f);
}

static void sleep_zero_lets_ready_run_first(struct harness *h)
{
	H_MAIN(h, zero_lets_ready_run_first, struct sleep_frame, .h = h);
}
#endif

#if CHAPTER >= 5
/* `async def sleeper(dt, arg)`: two sleeps of DT/2, the second one's
 * result returned (the argument "yeah" has nowhere to go in C). */
static int sleeps_twice(struct task *task, void *frame)
{
	struct sleep_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, sleep_for(f->h->loop, f->delay / 2));
	CORO_AWAIT(task, f, sleep_for(f->h->loop, f->delay / 2));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

static void sleep_result_after_delay(struct harness *h)
{
	struct future *task = H_TASK(h, sleeps_twice, struct sleep_frame, .h = h, .delay = 0.1);
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	h_t(h, &h->out, NULL);
	future_free(task);
}

static void sleep_run_until_complete(struct harness *h)
{
	struct future *sleep = h_check(sleep_for(h->loop, 0.1), "sleep_for");
	tok_run(&h->out, NULL, h->loop, sleep, VALUE_NONE);
	h_t(h, &h->out, NULL);
	future_free(sleep);
}

/* asyncio.sleep(DELAY) run as a task of its own: a coroutine that awaits
 * sleep_for and returns its result. */
static int sleeps(struct task *task, void *frame)
{
	struct sleep_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, sleep_for(f->h->loop, f->delay));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

static void cancel_cb(void *arg)
{
	struct cancel_later *c = arg;
	task_cancel(c->task, NULL);
}

static int doit(struct task *task, void *frame)
{
	struct sleep_frame *f = frame;
	CORO_BEGIN(f);
	f->task = H_TASK(f->h, sleeps, struct sleep_frame, .h = f->h, .delay = 5000);
	f->cancel.task = f->task;
	if (handle_detach(loop_call_later(f->h->loop, 0.1, cancel_cb, &f->cancel)) < 0)
		h_fail(f->h, "loop_call_later failed");
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	future_free(f->task);
	if (f->outcome == -ECANCELED)
		return task_return(task, "cancelled", NULL);
	if (task_propagate(task))
		return TASK_STEP_DONE;
	return task_return(task, "slept_in", NULL);
	CORO_END(task, f);
}

static void sleep_cancel_sleeping_task(struct harness *h)
{
	struct future *task = H_TASK(h, doit, struct sleep_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	h_t(h, &h->out, NULL);
	future_free(task);
}

static void sleep_cancel_takes_timer_away(struct harness *h)
{
	struct future *t = H_TASK(h, sleeps, struct sleep_frame, .h = h, .delay = 10.0);
	h_run_once(h);
	task_cancel(t, NULL);
	h_run_until_idle(h);
	tok_state(&h->out, NULL, t);
	h_t(h, &h->out, NULL);
	future_free(t);
}

static void sleep_nan_delay(struct harness *h)
{
	struct future *task = H_TASK(h, sleeps, struct sleep_frame, .h = h, .delay = NAN);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	h_t(h, &h->out, NULL);
	future_free(task);
}
#endif

const struct conformance_case sleep_cases[] = {
	{ "sleep.zero_is_one_iteration", NEEDS_TASKS, FROM_TASKS(sleep_zero_is_one_iteration) },
	{ "sleep.zero_lets_ready_run_first", NEEDS_TASKS,
	  FROM_TASKS(sleep_zero_lets_ready_run_first) },
	{ "sleep.result_after_delay", NEEDS_TIMERS, FROM_TIMERS(sleep_result_after_delay) },
	{ "sleep.run_until_complete", NEEDS_TIMERS, FROM_TIMERS(sleep_run_until_complete) },
	{ "sleep.cancel_sleeping_task", NEEDS_TIMERS, FROM_TIMERS(sleep_cancel_sleeping_task) },
	{ "sleep.cancel_takes_timer_away", NEEDS_TIMERS,
	  FROM_TIMERS(sleep_cancel_takes_timer_away) },
	{ "sleep.nan_delay", NEEDS_TIMERS, FROM_TIMERS(sleep_nan_delay) },
	{ NULL, 0, NULL },
};
