/*
 * test_poll_timeout.c - how long the loop asks to wait, seen through a
 * clock whose sleep_until writes down the deadline it was given: the
 * nearest timer, skipping cancelled ones; nothing at all when callbacks
 * are ready; and no wait when there is nothing to wait for.
 */
#include "timeline.h"

TestSuite(poll_timeout, .timeout = 10);

/* A virtual clock that also records every deadline the loop sleeps to. */
struct recording_clock {
	double now;
	double asked[16];
	int sleeps;
};

static double recording_now(void *self)
{
	return ((struct recording_clock *)self)->now;
}

static void recording_sleep_until(void *self, double when)
{
	struct recording_clock *clock = self;
	if (clock->sleeps < 16)
		clock->asked[clock->sleeps] = when;
	clock->sleeps++;
	if (when > clock->now)
		clock->now = when;
}

static struct loop *recording_loop(struct recording_clock *clock)
{
	struct loop *loop = quiet_loop();
	*clock = (struct recording_clock){ 0 };
	loop_set_clock(loop, &(struct loop_clock){ recording_now, recording_sleep_until, clock });
	timeline_reset(loop);
	return loop;
}

Test(poll_timeout, the_loop_waits_until_the_nearest_deadline)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	mark_later(loop, 5.0, "five");
	mark_later(loop, 2.0, "two");
	mark_later(loop, 9.0, "nine");
	run_once(loop);
	cr_assert_eq(clock.sleeps, 1, "one iteration, one wait");
	cr_assert_float_eq(clock.asked[0], 2.0, 1e-9, "until the nearest deadline, the heap's top");
	cr_assert_str_eq(timeline, "two@2 ", "and then the timer that was due ran");
	run_all(loop);
	cr_assert_eq(clock.sleeps, 3, "one wait per deadline");
	cr_assert_float_eq(clock.asked[1], 5.0, 1e-9, "then 5");
	cr_assert_float_eq(clock.asked[2], 9.0, 1e-9, "then 9");
	loop_free(loop);
}

Test(poll_timeout, a_cancelled_nearest_timer_is_skipped)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	struct handle *nearest = scheduled(loop_call_later(loop, 1.0, mark, "cancelled"));
	mark_later(loop, 4.0, "four");
	handle_cancel(nearest);
	run_once(loop);
	cr_assert_eq(clock.sleeps, 1, "one wait");
	cr_assert_float_eq(clock.asked[0], 4.0, 1e-9, "until the nearest timer still alive");
	cr_assert_str_eq(timeline, "four@4 ", "which ran");
	handle_free(nearest);
	loop_free(loop);
}

Test(poll_timeout, no_wait_at_all_when_a_callback_is_ready)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	mark_later(loop, 10.0, "ten");
	handle_detach(loop_call_soon(loop, mark, "soon"));
	run_once(loop);
	cr_assert_eq(clock.sleeps, 0, "a ready callback means a timeout of zero: no sleep");
	cr_assert_float_eq(clock.now, 0.0, 1e-9, "the clock did not move");
	cr_assert_str_eq(timeline, "soon@0 ", "the ready callback ran, the timer waits");
	loop_free(loop);
}

Test(poll_timeout, no_wait_for_a_timer_already_due)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	clock.now = 3.0;
	mark_later(loop, -0.5, "late");
	run_once(loop);
	cr_assert_eq(clock.sleeps, 0, "a deadline in the past: a timeout of zero");
	cr_assert_str_eq(timeline, "late@3 ", "and the timer ran in that iteration");
	loop_free(loop);
}

Test(poll_timeout, nothing_to_wait_for_returns_at_once)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	cr_assert_eq(loop_run_once(loop), 0, "no timer, no callback, no descriptor: returns 0");
	struct handle *only = scheduled(loop_call_later(loop, 7.0, mark, "cancelled"));
	handle_cancel(only);
	cr_assert_eq(loop_run_once(loop), 0, "a cancelled timer is nothing to wait for");
	cr_assert_eq(clock.sleeps, 0, "no sleep in either case");
	handle_free(only);
	loop_free(loop);
}
