/*
 * test_sleep.c - sleep_for in virtual time: a future that a timer
 * completes; tasks sleeping at once overlap; cancelling the sleeping task
 * cancels the timer, so the loop does not wait for it.
 */
#include <math.h>

#include "sleep.h"
#include "timeline.h"

TestSuite(sleep, .timeout = 10);

/* A coroutine that sleeps once and writes down when it woke, and how. */
struct sleeper {
	int resume_point;
	struct loop *loop;
	double delay;
	double woke_at;
	int outcome;
	bool woke;
};

static int sleeper_step(struct task *task, void *frame)
{
	struct sleeper *s = frame;
	CORO_BEGIN(s);
	CORO_TRY_AWAIT(task, s, sleep_for(s->loop, s->delay), s->outcome);
	s->woke = true;
	s->woke_at = loop_time(s->loop);
	if (s->outcome < 0)
		return task_raise(task, s->outcome, "the sleep failed");
	CORO_END(task, s);
}

static struct future *sleeper_task(struct loop *loop, struct sleeper *s, double delay)
{
	*s = (struct sleeper){ .loop = loop, .delay = delay };
	struct future *task = task_create(loop, "sleeper", sleeper_step, s, NULL);
	cr_assert(task != NULL, "task_create");
	return task;
}

static struct future *sleep_future(struct loop *loop, double delay)
{
	struct future *f = sleep_for(loop, delay);
	if (!f)
		REQUIRE_NO_STUB();
	cr_assert(f != NULL, "sleep_for returned NULL: its timer could not be pushed onto the "
	                     "heap (timer_heap_push)");
	return f;
}

Test(sleep, the_future_is_done_when_the_delay_has_passed)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *nap = sleep_future(loop, 2.5);
	cr_assert(!future_done(nap), "a new sleep is pending");
	run_until(loop, nap);
	void *value = (void *)1;
	cr_assert_eq(future_result(nap, &value), 0, "it finishes with a result");
	cr_assert_null(value, "the result is NULL, as asyncio.sleep returns None");
	cr_assert_float_eq(loop_time(loop), 2.5, 1e-9, "at 2.5 s");
	future_free(nap);
	loop_free(loop);
}

Test(sleep, three_sleeping_tasks_overlap)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct sleeper s[3];
	struct future *tasks[3];
	for (int i = 0; i < 3; i++)
		tasks[i] = sleeper_task(loop, &s[i], 1.0);
	for (int i = 0; i < 3; i++)
		run_until(loop, tasks[i]);
	for (int i = 0; i < 3; i++) {
		require_stepped(tasks[i]);
		cr_assert_eq(s[i].outcome, 0, "task %d slept without error", i);
		cr_assert_float_eq(s[i].woke_at, 1.0, 1e-9, "task %d woke at 1 s, not %d s", i,
		                   i + 1);
		future_free(tasks[i]);
	}
	cr_assert_eq(clock.jumps, 1, "the loop waited once, for all three");
	loop_free(loop);
}

Test(sleep, zero_and_negative_delays_set_no_timer)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *zero = sleep_future(loop, 0.0);
	struct future *negative = sleep_future(loop, -5.0);
	cr_assert(future_done(zero) && future_done(negative),
	          "both are done at once: no timer, nothing to wait for (a task that awaits "
	          "one gives way once, see the next test)");
	cr_assert_eq(loop_run_once(loop), 0, "the loop has nothing at all to do");
	cr_assert_eq(clock.jumps, 0, "and never waited");
	future_free(zero);
	future_free(negative);
	loop_free(loop);
}

Test(sleep, zero_in_a_task_is_one_bare_yield)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct sleeper s;
	struct future *task = sleeper_task(loop, &s, 0.0);
	timeline_reset(loop);
	handle_detach(loop_call_soon(loop, mark, "other"));
	run_once(loop);
	require_stepped(task);
	cr_assert(!s.woke, "the first iteration runs the task up to its sleep, where it gives way");
	cr_assert_str_eq(timeline, "other@0 ", "to the callback that was ready behind it");
	run_once(loop);
	cr_assert(s.woke, "asyncio.sleep(0) is a bare yield: the task runs again in the very "
	                  "next iteration, not two later");
	cr_assert_eq(s.outcome, 0, "with a result");
	cr_assert_eq(clock.jumps, 0, "and no timer: the clock never moved");
	future_free(task);
	loop_free(loop);
}

Test(sleep, a_delay_that_is_not_a_number_is_refused)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *nap = sleep_future(loop, NAN);
	const struct future_error *error = error_of(nap);
	cr_assert(error && error->code == -EDOM,
	          "sleep_for(NAN) fails with -EDOM at once (Python 3.13: ValueError): as a "
	          "deadline, NaN would break the heap's order");
	cr_assert_eq(loop_run_once(loop), 0, "and sets no timer");
	future_free(nap);
	loop_free(loop);
}

static void cancel_it(void *arg)
{
	task_cancel(arg, "wake up");
}

Test(sleep, cancelling_the_sleeping_task_cancels_its_timer)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct sleeper s;
	struct future *task = sleeper_task(loop, &s, 3600.0);
	handle_detach(scheduled(loop_call_later(loop, 1.0, cancel_it, task)));
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	require_stepped(task);
	cr_assert(future_cancelled(task), "the task ends CANCELLED");
	cr_assert_eq(s.outcome, -ECANCELED, "its sleep ended with -ECANCELED");
	cr_assert_float_eq(s.woke_at, 1.0, 1e-9, "at 1 s, when it was cancelled");
	cr_assert_float_eq(loop_time(loop), 1.0, 1e-9,
	                   "the loop stopped at 1 s: the hour-long timer was cancelled too");
	future_free(task);
	loop_free(loop);
}

Test(sleep, cancelling_the_sleep_future_itself_cancels_the_timer)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *nap = sleep_future(loop, 60.0);
	cr_assert(future_cancel(nap, "enough"), "a pending sleep can be cancelled");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	cr_assert_eq(clock.jumps, 0, "no jump to 60 s: nothing was left to wait for");
	cr_assert(future_cancelled(nap), "the sleep is CANCELLED");
	future_free(nap);
	loop_free(loop);
}
