/*
 * test_timers.c - call_soon, call_later and call_at, in virtual time: the
 * order in which callbacks run, and what cancelling a handle does.
 */
#include <math.h>

#include "alloc_faults.h"
#include "timeline.h"

TestSuite(timers, .timeout = 10);

Test(timers, call_later_fires_at_its_deadline_and_not_before)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	mark_later(loop, 5.0, "five");
	mark_later(loop, 2.5, "two-and-a-half");
	run_all(loop);
	cr_assert_str_eq(timeline, "two-and-a-half@2.5 five@5 ",
	                 "each timer fires at its own deadline, nearest first");
	cr_assert_float_eq(loop_time(loop), 5.0, 1e-9, "the clock stops at the last deadline");
	loop_free(loop);
}

Test(timers, equal_deadlines_fire_first_in_first_out)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	for (int i = 0; i < 8; i++)
		handle_detach(scheduled(loop_call_at(loop, 1.0, mark, (void *)names[i])));
	run_all(loop);
	cr_assert_str_eq(timeline, "a@1 b@1 c@1 d@1 e@1 f@1 g@1 h@1 ",
	                 "same deadline: the order of scheduling (libuv's rule)");
	loop_free(loop);
}

Test(timers, negative_delays_are_due_at_once_and_ordered_by_deadline)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	virtual_clock_advance(&clock, 10.0);
	timeline_reset(loop);
	mark_later(loop, -1.0, "minus-one");
	mark_later(loop, -3.0, "minus-three");
	mark_later(loop, 0.0, "zero");
	mark_later(loop, -2.0, "minus-two");
	run_once(loop);
	int fired = 0;
	for (const char *at = timeline; (at = strchr(at, '@')) != NULL; at++)
		fired++;
	cr_assert_eq(fired, 4,
	             "move_due_timers: four timers were due and the first iteration ran %d of "
	             "them (\"%s\"): every timer whose deadline has come (when <= now) moves to "
	             "the ready queue in the same iteration, not one per iteration",
	             fired, timeline);
	cr_assert_str_eq(timeline, "minus-three@10 minus-two@10 minus-one@10 zero@10 ",
	                 "all due in the first iteration, the earliest deadline first");
	loop_free(loop);
}

/* A callback that schedules another, already due, and notes itself. */
static void schedules_a_due_timer(void *arg)
{
	(void)arg;
	note("outer");
	mark_later(timeline_loop, 0.0, "inner");
}

Test(timers, a_timer_scheduled_from_a_callback_waits_for_the_next_iteration)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	handle_detach(scheduled(loop_call_later(loop, 1.0, schedules_a_due_timer, NULL)));
	run_once(loop);
	cr_assert_str_eq(timeline, "outer@1 ",
	                 "the new timer is due at once, but this iteration's snapshot is fixed");
	run_once(loop);
	cr_assert_str_eq(timeline, "outer@1 inner@1 ", "it runs in the next iteration");
	loop_free(loop);
}

Test(timers, due_timers_go_behind_callbacks_already_ready)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	mark_later(loop, -1.0, "timer");
	handle_detach(loop_call_soon(loop, mark, "soon-1"));
	handle_detach(loop_call_soon(loop, mark, "soon-2"));
	run_once(loop);
	cr_assert_str_eq(timeline, "soon-1@0 soon-2@0 timer@0 ",
	                 "the due timer joins the ready queue behind what was there");
	loop_free(loop);
}

Test(timers, a_cancelled_timer_never_fires)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	struct handle *doomed = scheduled(loop_call_later(loop, 2.0, mark, "doomed"));
	mark_later(loop, 1.0, "kept");
	cr_assert(!handle_cancelled(doomed), "a new handle is not cancelled");
	cr_assert_float_eq(handle_when(doomed), 2.0, 1e-9, "handle_when is its deadline");
	handle_cancel(doomed);
	cr_assert(handle_cancelled(doomed), "handle_cancelled says so");
	run_all(loop);
	cr_assert_str_eq(timeline, "kept@1 ", "only the other timer fired");
	cr_assert_float_eq(loop_time(loop), 1.0, 1e-9,
	                   "the loop did not wait for the cancelled deadline");
	handle_free(doomed);
	loop_free(loop);
}

Test(timers, cancelling_after_the_call_does_nothing)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	struct handle *handle = scheduled(loop_call_later(loop, 1.0, mark, "once"));
	run_all(loop);
	cr_assert_str_eq(timeline, "once@1 ", "it fired");
	handle_cancel(handle);
	cr_assert(!handle_cancelled(handle), "a handle that ran cannot be cancelled any more");
	handle_cancel(handle);
	run_all(loop);
	cr_assert_str_eq(timeline, "once@1 ", "and nothing runs again");
	handle_free(handle);
	loop_free(loop);
}

Test(timers, a_call_soon_handle_can_be_cancelled_too)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	struct handle *handle = loop_call_soon(loop, mark, "never");
	cr_assert(handle != NULL, "loop_call_soon returns a handle");
	handle_detach(loop_call_soon(loop, mark, "soon"));
	handle_cancel(handle);
	run_all(loop);
	cr_assert_str_eq(timeline, "soon@0 ", "the cancelled callback was skipped");
	handle_free(handle);
	loop_free(loop);
}

Test(timers, call_at_takes_a_time_on_the_loops_clock)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	virtual_clock_advance(&clock, 100.0);
	timeline_reset(loop);
	handle_detach(scheduled(loop_call_at(loop, 103.0, mark, "at-103")));
	handle_detach(scheduled(loop_call_at(loop, 101.0, mark, "at-101")));
	run_all(loop);
	cr_assert_str_eq(timeline, "at-101@101 at-103@103 ",
	                 "call_at(WHEN) fires when loop_time() reaches WHEN");
	cr_assert_null(loop_call_at(loop, NAN, mark, "nan"), "a NaN deadline is refused");
	loop_free(loop);
}

/* Once the first due timer has left the heap, the next top can be a
 * cancelled one, due as well: it says nothing about the timer behind it. */
Test(timers, a_cancelled_timer_behind_a_due_one_lets_no_later_timer_through)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	mark_later(loop, 1.0, "first");
	struct handle *doomed = scheduled(loop_call_later(loop, 1.0, mark, "doomed"));
	mark_later(loop, 5.0, "later");
	handle_cancel(doomed);
	run_all(loop);
	cr_assert(strstr(timeline, "later@") != NULL,
	          "move_due_timers: the timer at 5 s never fired: a timer that is not due yet "
	          "stays in the heap. Ask whether the top is due (timer_heap_first) before you "
	          "pop it, and pop only one that is; the timeline: %s",
	          timeline);
	cr_assert(strcmp(timeline, "first@1 later@5 ") == 0,
	          "move_due_timers: a cancelled timer at the top of the heap is not a due one: "
	          "ask timer_heap_first, which drops it, whether the next live timer is due; the "
	          "timeline: %s",
	          timeline);
	handle_free(doomed);
	loop_free(loop);
}

/* The ready queue holds 64 handles before it must grow. Fill it, and make
 * the growth fail just as a due timer moves: the timer must go back to the
 * heap, due still, and run on the next iteration that has the memory. */
Test(timers, a_timer_due_exactly_now_fires_in_this_iteration)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	virtual_clock_advance(&clock, 2.0);
	timeline_reset(loop);
	handle_detach(scheduled(loop_call_at(loop, 2.0, mark, (void *)"now")));
	run_once(loop);
	cr_assert_str_eq(timeline, "now@2 ",
	                 "move_due_timers: a timer due at 2, with the loop's time at 2, did not "
	                 "fire in this iteration (the timeline: \"%s\"): a deadline is reached "
	                 "when when <= now, not only once now has passed it; a virtual clock "
	                 "lands exactly on deadlines",
	                 timeline);
	loop_free(loop);
}

Test(timers, a_due_timer_that_finds_no_room_stays_due)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	mark_later(loop, 0.0, "timer");
	static const char *const name = "soon";
	for (int i = 0; i < 64; i++)
		handle_detach(scheduled(loop_call_soon(loop, mark, (void *)name)));
	alloc_faults_refuse(0, 0);
	int rc = loop_run_once(loop);
	alloc_faults_stop();
	REQUIRE_IMPLEMENTED(rc, "move_due_timers");
	cr_assert_neq(rc, 64,
	              "move_due_timers: the iteration ran the 64 ready callbacks and left the "
	              "timer due at 0, the loop's time, in the heap: a deadline is reached when "
	              "when <= now (not <), and a virtual clock lands exactly on deadlines");
	cr_assert_eq(rc, -ENOMEM,
	             "with no memory to grow the ready queue, the iteration fails with -ENOMEM "
	             "(it returned %d)",
	             rc);
	run_all(loop);
	cr_assert(strstr(timeline, "timer@0") != NULL,
	          "move_due_timers: a due timer that could not be queued (push_ready said -ENOMEM) "
	          "must go back into the heap before the error is returned; it was lost, and its "
	          "callback never ran. The timeline: %.200s",
	          timeline);
	loop_free(loop);
}

/* Two timers due at the same instant; the ready queue is full, and cannot
 * grow as the first of them moves: it goes back into the heap, behind the
 * second in the array, and must still come out first. */
Test(timers, a_timer_put_back_keeps_its_place_among_equal_deadlines)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	timeline_reset(loop);
	mark_later(loop, 0.0, "first");
	mark_later(loop, 0.0, "second");
	static const char *const name = "soon";
	for (int i = 0; i < 64; i++)
		handle_detach(scheduled(loop_call_soon(loop, mark, (void *)name)));
	alloc_faults_refuse(0, 0);
	int rc = loop_run_once(loop);
	alloc_faults_stop();
	REQUIRE_IMPLEMENTED(rc, "move_due_timers");
	cr_assert_eq(rc, -ENOMEM,
	             "with no memory to grow the ready queue, the iteration fails with -ENOMEM "
	             "(it returned %d)",
	             rc);
	run_all(loop);
	const char *first = strstr(timeline, "first@0"), *second = strstr(timeline, "second@0");
	cr_assert(first && second, "both timers ran; the timeline: %.200s", timeline);
	cr_assert(first < second,
	          "timer_heap_push: two timers were due at 0, and the first, put back into the "
	          "heap when the ready queue could not grow, ran after the second: a timer put "
	          "back keeps its seq, older than the other's, and must rise above a timer with "
	          "the same deadline and a younger seq. Compare (when, seq) with earlier(), not "
	          "the deadlines alone; the timeline: %.200s",
	          timeline);
	loop_free(loop);
}
