/*
 * virtual_clock.h - a clock that moves only when told: time for tests.
 *
 * Mirrors: the TestLoop of CPython's own asyncio tests
 * (Lib/test/test_asyncio/utils.py), whose time() is a number the test
 * advances, and whose loop jumps straight to the next timer instead of
 * sleeping. With it, "WorkerA is cancelled after three seconds" runs in a
 * millisecond and prints the same times at every run, and a test can ask
 * what the loop does at 4.999 s and at 5.000 s.
 *
 * Usage:
 *   struct virtual_clock clock;
 *   virtual_clock_install(&clock, loop, 0.0);   loop_time(loop) == 0.0
 *   loop_call_later(loop, 5, cb, arg);
 *   loop_run(loop);                             cb ran; loop_time(loop) == 5.0
 *
 * The clock must outlive the loop's use of it.
 */
#ifndef VIRTUAL_CLOCK_H
#define VIRTUAL_CLOCK_H

struct loop;

struct virtual_clock {
	double now;          /* what loop_time() returns */
	unsigned long jumps; /* how many times the loop jumped instead of sleeping */
};

/* Make LOOP read CLOCK, starting at START seconds. */
void virtual_clock_install(struct virtual_clock *clock, struct loop *loop, double start);

/* Move the clock SECONDS forward (or back, to play a clock gone wrong). */
void virtual_clock_advance(struct virtual_clock *clock, double seconds);

#endif
