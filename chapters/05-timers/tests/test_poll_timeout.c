/*
 * test_poll_timeout.c - how long the loop asks to wait, seen through a
 * clock whose sleep_until writes down the deadline it was given: the
 * nearest timer, skipping cancelled ones; nothing at all when callbacks
 * are ready; and no wait when there is nothing to wait for.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "timeline.h"
#include "trace.h"
#include "trace_probe.h"

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

/* The pipe's reader: take the byte, and stop watching. */
struct pipe_watch {
	struct loop *loop;
	int fd;
	int calls;
};

static void on_pipe_readable(void *arg)
{
	struct pipe_watch *w = arg;
	char byte;
	cr_assert_eq(read(w->fd, &byte, 1), 1, "the byte written is there to read");
	w->calls++;
	loop_remove_reader(w->loop, w->fd);
}

Test(poll_timeout, a_cancelled_nearest_timer_is_skipped)
{
	trace_start();
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	struct handle *nearest = scheduled(loop_call_later(loop, 1.0, mark, "cancelled"));
	mark_later(loop, 4.0, "four");
	handle_cancel(nearest);
	/* A descriptor watched, as a loop with a socket open has: then the
	 * poll's timeout is the first to look at the heap. */
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe");
	struct pipe_watch w = { loop, fds[0], 0 };
	cr_assert_eq(loop_add_reader(loop, fds[0], on_pipe_readable, &w), 0, "loop_add_reader");
	run_once(loop);
	loop_remove_reader(loop, fds[0]);
	cr_assert_eq(clock.sleeps, 1, "one wait");
	cr_assert_float_eq(clock.asked[0], 4.0, 1e-9, "until the nearest timer still alive");
	cr_assert_str_eq(timeline, "four@4 ", "which ran");
	handle_free(nearest);
	loop_free(loop);
	close(fds[0]);
	close(fds[1]);
	char *text = trace_text();
	char waits[128];
	trace_values(text, "poll_begin", "timeout", waits, sizeof waits);
	cr_assert(fabs(atof(waits) - 1.0) > 1e-3,
	          "poll_timeout_us: the nearest timer (1 s) was cancelled, and the poll was asked "
	          "to wait (in seconds) %s, not 4: a cancelled timer sets no deadline. Ask "
	          "timer_heap_first, which drops cancelled timers from the top, for the nearest "
	          "live one: waking at 1 s finds nothing due and costs a trip round the loop",
	          waits);
	free(text);
	trace_stop();
}

Test(poll_timeout, no_wait_at_all_when_a_callback_is_ready)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	mark_later(loop, 10.0, "ten");
	handle_detach(loop_call_soon(loop, mark, "soon"));
	run_once(loop);
	cr_assert_eq(clock.sleeps, 0,
	             "poll_timeout_us: a ready callback means a timeout of zero: the loop slept "
	             "until the timer at 10 s while a callback was waiting to run (asyncio: a "
	             "non-empty ready queue makes the select() timeout 0)");
	cr_assert_float_eq(clock.now, 0.0, 1e-9, "the clock did not move");
	cr_assert_str_eq(timeline, "soon@0 ", "the ready callback ran, the timer waits");
	loop_free(loop);
}

/* With no timer at all, a ready callback still means no wait. A pipe with
 * a byte in it is watched, so that a wrong wait of "no limit" returns at
 * once and shows in the record instead of blocking the test. */
Test(poll_timeout, no_wait_when_a_callback_is_ready_and_no_timer_is_set)
{
	trace_start();
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe");
	cr_assert_eq(write(fds[1], "x", 1), 1, "write");
	struct pipe_watch w = { loop, fds[0], 0 };
	cr_assert_eq(loop_add_reader(loop, fds[0], on_pipe_readable, &w), 0, "loop_add_reader");
	handle_detach(loop_call_soon(loop, mark, "soon"));
	run_once(loop);
	cr_assert_str_eq(timeline, "soon@0 ", "the ready callback ran");
	loop_free(loop);
	char *text = trace_text();
	char waits[128];
	trace_values(text, "poll_begin", "timeout", waits, sizeof waits);
	cr_assert(strcmp(waits, "0.000000") == 0,
	          "poll_timeout_us: a callback was ready and no timer was set, and the poll was "
	          "asked to wait (in seconds, -1 for no limit) %s: a ready callback means a wait "
	          "of zero, timers or not, so look at the ready queue (and loop_stop) before the "
	          "heap. With no descriptor ready, the loop would sleep for ever with work to do",
	          waits);
	free(text);
	trace_stop();
	close(fds[0]);
	close(fds[1]);
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

/* The wait itself, as the poll was asked for it, is in the loop's record
 * (a virtual clock jumps to the deadline whatever the wait said). */
Test(poll_timeout, the_wait_is_in_microseconds_and_a_fraction_counts_as_a_whole_one)
{
	trace_start();
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	mark_later(loop, 2.5, "first");
	mark_later(loop, 2.5000014, "second");
	run_once(loop);
	run_once(loop);
	cr_assert_str_eq(timeline, "first@2.5 second@2.5 ", "both timers ran, in order");
	loop_free(loop);
	char *text = trace_text();
	char waits[128];
	trace_values(text, "poll_begin", "timeout", waits, sizeof waits);
	cr_assert(strcmp(waits, "2.500000 0.000002") == 0,
	          "poll_timeout_us: the wait is in microseconds, to the nearest deadline exactly "
	          "(2.5 s is 2500000 us, no more), and 1.4 us is 2, not 1: waking before the "
	          "deadline finds nothing due. The waits asked for, in seconds: %s",
	          waits);
	free(text);
	trace_stop();
}

Test(poll_timeout, with_only_a_descriptor_to_watch_the_wait_has_no_limit)
{
	trace_start();
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe");
	cr_assert_eq(write(fds[1], "x", 1), 1, "write");
	struct pipe_watch w = { loop, fds[0], 0 };
	cr_assert_eq(loop_add_reader(loop, fds[0], on_pipe_readable, &w), 0, "loop_add_reader");
	run_once(loop);
	cr_assert_eq(w.calls, 1, "the readable pipe's callback ran");
	loop_free(loop);
	char *text = trace_text();
	char waits[128];
	trace_values(text, "poll_begin", "timeout", waits, sizeof waits);
	cr_assert(strcmp(waits, "-1.000000") == 0,
	          "poll_timeout_us: with no timer and no ready callback, the poll waits with no "
	          "limit (-1) until a descriptor is ready; 0 would make the loop spin while it "
	          "waits. The waits asked for, in seconds: %s",
	          waits);
	free(text);
	trace_stop();
	close(fds[0]);
	close(fds[1]);
}

/* asyncio: stop() called before run_forever() makes the loop poll once
 * with a timeout of zero, run what is ready, and return. */
Test(poll_timeout, no_wait_at_all_once_loop_stop_was_called)
{
	struct recording_clock clock;
	struct loop *loop = recording_loop(&clock);
	mark_later(loop, 10.0, "ten");
	loop_stop(loop);
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "poll_timeout_us");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	cr_assert_eq(clock.sleeps, 0,
	             "poll_timeout_us: once loop_stop was called, the wait is 0: the loop stops "
	             "after one look, not after sleeping until the next timer");
	cr_assert_str_eq(timeline, "", "the timer due at 10 s has not run");
	loop_free(loop);
}
