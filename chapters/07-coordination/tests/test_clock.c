/*
 * test_clock.c - why the loop reads a monotonic clock. A clock that
 * carries both a monotonic time and a wall time plays the source
 * article's example: five seconds after call_later(5, ...), NTP sets the
 * wall clock back an hour. The loop, reading the monotonic time, fires
 * the timer on time. The virtual clock's own behaviour is checked too.
 */
#include "timeline.h"

TestSuite(clock, .timeout = 10);

/* Two clocks in one: what CLOCK_MONOTONIC and CLOCK_REALTIME would say. */
struct two_clocks {
	double monotonic;
	double wall;
};

static double read_monotonic(void *self)
{
	return ((struct two_clocks *)self)->monotonic;
}

/* The loop would sleep until WHEN: here it only looks and returns, and
 * time moves when the test says (no real sleep either). */
static void stay(void *self, double when)
{
	(void)self;
	(void)when;
}

/* Time passes: both clocks move together, until someone sets the date. */
static void pass(struct two_clocks *c, double seconds)
{
	c->monotonic += seconds;
	c->wall += seconds;
}

Test(clock, setting_the_wall_clock_back_an_hour_does_not_move_call_later)
{
	struct two_clocks clocks = { .monotonic = 1000.0, .wall = 1712345678.0 };
	struct loop *loop = quiet_loop();
	loop_set_clock(loop, &(struct loop_clock){ read_monotonic, stay, &clocks });
	timeline_reset(loop);
	mark_later(loop, 5.0, "health-check");
	double wall_deadline = clocks.wall + 5.0; /* what a wall-clock loop would wait for */

	pass(&clocks, 2.0);
	clocks.wall -= 3600.0; /* NTP sets the date back an hour */
	pass(&clocks, 2.999);
	cr_assert_eq(loop_run_once(loop), 0, "at 4.999 s nothing is due");
	cr_assert_str_empty(timeline, "the timer has not fired");

	pass(&clocks, 0.001);
	cr_assert_eq(loop_run_once(loop), 1, "at 5 s on the monotonic clock the timer is due");
	cr_assert_str_eq(timeline, "health-check@1005 ", "and fires, on time");
	cr_assert(clocks.wall < wall_deadline - 3590.0,
	          "a loop reading the wall clock would still have an hour to wait");
	loop_free(loop);
}

Test(clock, the_virtual_clock_jumps_instead_of_sleeping)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	cr_assert_float_eq(loop_time(loop), 0.0, 1e-9, "it starts where it was told");
	mark_later(loop, 3600.0, "an-hour");
	mark_later(loop, 86400.0, "a-day");
	run_all(loop);
	cr_assert_str_eq(timeline, "an-hour@3600 a-day@86400 ", "a day passes in two jumps");
	cr_assert_eq(clock.jumps, 2, "the loop jumped twice instead of sleeping");
	virtual_clock_advance(&clock, 0.5);
	cr_assert_float_eq(loop_time(loop), 86400.5, 1e-9, "and it moves when the test says");
	loop_free(loop);
}
