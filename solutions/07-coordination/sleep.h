/*
 * sleep.h - a future that a timer completes: the loop's own sleep.
 *
 * Mirrors: asyncio.sleep(delay). A coroutine that awaits
 * sleep_for(loop, 1.0) is suspended for a second while the loop runs
 * everyone else; a coroutine that calls the C library's sleep(1) stops
 * the whole loop for that second (the first lesson of the source article,
 * measured by ./freeze).
 */
#ifndef SLEEP_H
#define SLEEP_H

struct loop;
struct future;

/*
 * sleep_for: a new future that finishes with the result NULL when DELAY
 * seconds have passed on loop_time()'s clock. Cancelling the future
 * cancels its timer, so a cancelled sleep leaves nothing behind in the
 * heap for long. DELAY <= 0 sets no timer at all: it is task_yield, one
 * bare yield, as asyncio.sleep(0) is. A DELAY that is not a number gives
 * a future failed with -EDOM (Python 3.13: ValueError; 3.12 slept 0).
 * Returns the future with one reference for the caller, or NULL when out
 * of memory.
 */
struct future *sleep_for(struct loop *loop, double delay);

#endif
