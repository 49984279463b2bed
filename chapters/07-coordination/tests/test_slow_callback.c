/*
 * test_slow_callback.c - debug mode names a callback that ran too long.
 * A callback "takes" time by moving the virtual clock forward while it
 * runs, so slow is slow at every run, without a real sleep.
 */
#include "timeline.h"

TestSuite(slow_callback, .timeout = 10);

static struct virtual_clock *shared_clock;

/* A callback that blocks for ARG seconds, in virtual time. */
static void blocks_for(void *arg)
{
	virtual_clock_advance(shared_clock, *(double *)arg);
}

static struct loop *debug_loop(struct virtual_clock *clock)
{
	struct loop *loop = virtual_loop(clock);
	shared_clock = clock;
	loop_set_debug(loop, true);
	return loop;
}

Test(slow_callback, a_callback_of_100_ms_or_more_is_named)
{
	struct virtual_clock clock;
	struct loop *loop = debug_loop(&clock);
	static double slow = 0.3, quick = 0.05;
	handle_detach(loop_call_soon(loop, blocks_for, &slow));
	handle_detach(loop_call_soon(loop, blocks_for, &quick));
	run_once(loop);
	cr_assert_eq(report_count, 1, "one warning, for the slow one only");
	cr_assert_str_eq(reports[0], "slow callback: blocks_for took 0.300 s",
	                 "it names the callback, as loop_call_soon recorded it");
	loop_free(loop);
}

Test(slow_callback, timers_are_named_too_and_the_threshold_can_change)
{
	struct virtual_clock clock;
	struct loop *loop = debug_loop(&clock);
	loop_set_slow_callback_duration(loop, 0.01);
	static double a_bit = 0.05;
	handle_detach(scheduled(loop_call_later(loop, 1.0, blocks_for, &a_bit)));
	run_all(loop);
	cr_assert_eq(report_count, 1, "50 ms is slow when the threshold is 10 ms");
	cr_assert_str_eq(reports[0], "slow callback: blocks_for took 0.050 s", "named");
	loop_free(loop);
}

Test(slow_callback, no_warning_without_debug_mode)
{
	struct virtual_clock clock;
	struct loop *loop = debug_loop(&clock);
	loop_set_debug(loop, false);
	static double slow = 2.0;
	handle_detach(loop_call_soon(loop, blocks_for, &slow));
	run_once(loop);
	cr_assert_eq(report_count, 0, "debug mode off: nothing is timed");
	loop_free(loop);
}

/* A coroutine whose first step blocks, as time.sleep(1) in an async def. */
struct blocker {
	int resume_point;
	double seconds;
};

static int blocker_step(struct task *task, void *frame)
{
	struct blocker *b = frame;
	CORO_BEGIN(b);
	virtual_clock_advance(shared_clock, b->seconds);
	CORO_END(task, b);
}

Test(slow_callback, a_slow_task_step_names_the_task)
{
	struct virtual_clock clock;
	struct loop *loop = debug_loop(&clock);
	struct blocker b = { .seconds = 1.0 };
	struct future *task = task_create(loop, "task-1", blocker_step, &b, NULL);
	cr_assert(task != NULL, "task_create");
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(report_count, 1, "one warning");
	cr_assert_str_eq(reports[0], "slow callback: task-1 took 1.000 s",
	                 "naming the task, not the function that stepped it");
	future_free(task);
	loop_free(loop);
}
