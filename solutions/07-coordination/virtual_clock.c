/*
 * virtual_clock.c - a clock that moves only when told. See virtual_clock.h.
 */
#include "virtual_clock.h"

#include "loop.h"
#include "trace.h"

static double virtual_now(void *self)
{
	struct virtual_clock *clock = self;
	return clock->now;
}

/* Where the loop would sleep until WHEN, jump there: no time passes. */
static void virtual_sleep_until(void *self, double when)
{
	struct virtual_clock *clock = self;
	trace_clock_jump(when);
	if (when > clock->now)
		clock->now = when;
	clock->jumps++;
}

void virtual_clock_install(struct virtual_clock *clock, struct loop *loop, double start)
{
	*clock = (struct virtual_clock){ .now = start };
	loop_set_clock(loop, &(struct loop_clock){ virtual_now, virtual_sleep_until, clock });
}

void virtual_clock_advance(struct virtual_clock *clock, double seconds)
{
	clock->now += seconds;
}
