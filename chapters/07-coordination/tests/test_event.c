/*
 * test_event.c - asyncio.Event on futures: a wait on a set event is done
 * at once, set wakes every waiter, clear puts the flag down, and a
 * cancelled waiter leaves. CPython's test_wait and
 * test_clear_with_waiters, one iteration at a time.
 */
#include "coord.h"
#include "event.h"

TestSuite(event, .timeout = 10);

static struct future *wait_event(void *ev)
{
	return taken(event_wait(ev), "event_wait");
}

/* CPython's test_wait: c3, started after the set, passes at once; c1
 * and c2 were woken by the set. */
Test(event, set_wakes_every_waiter)
{
	struct loop *loop = quiet_loop();
	struct event *ev = event_new(loop);
	journal_reset();
	cr_assert(!event_is_set(ev), "an event starts cleared");
	struct user u1 = { .name = "c1", .thing = ev, .take = wait_event };
	struct user u2 = { .name = "c2", .thing = ev, .take = wait_event };
	struct user u3 = { .name = "c3", .thing = ev, .take = wait_event };
	struct future *t1 = user_task(loop, &u1), *t2 = user_task(loop, &u2);
	run_once(loop);
	cr_assert_str_eq(journal, "", "both wait");
	struct future *t3 = user_task(loop, &u3);
	event_set(ev);
	run_once(loop);
	cr_assert_str_eq(journal, "c3 c1 c2 ", "c3 does not wait at all; c1 and c2 are woken");
	cr_assert(future_done(t1) && future_done(t2) && future_done(t3), "all three are done");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	event_free(ev);
	loop_free(loop);
}

Test(event, a_wait_on_a_set_event_is_done_at_once)
{
	struct loop *loop = quiet_loop();
	struct event *ev = event_new(loop);
	event_set(ev);
	struct future *f = wait_event(ev);
	cr_assert(future_done(f), "no wait while the flag is up");
	future_free(f);
	event_clear(ev);
	cr_assert(!event_is_set(ev), "clear puts it down");
	f = wait_event(ev);
	cr_assert(!future_done(f), "and the next wait waits");
	future_cancel(f, NULL);
	run_once(loop);
	future_free(f);
	event_free(ev);
	loop_free(loop);
}

/* CPython's test_clear_with_waiters: set then clear before the waiter
 * runs; it was woken by the set all the same. */
Test(event, a_waiter_woken_by_set_is_not_put_back_to_sleep_by_clear)
{
	struct loop *loop = quiet_loop();
	struct event *ev = event_new(loop);
	journal_reset();
	struct user u = { .name = "c1", .thing = ev, .take = wait_event };
	struct future *t = user_task(loop, &u);
	run_once(loop);
	event_set(ev);
	event_clear(ev);
	cr_assert(!event_is_set(ev), "the flag is down");
	event_set(ev);
	event_set(ev);
	run_once(loop);
	cr_assert_str_eq(journal, "c1 ", "the waiter went on");
	cr_assert(future_done(t), "its task is done");
	future_free(t);
	event_free(ev);
	loop_free(loop);
}

/* CPython's test_wait_cancel. */
Test(event, a_cancelled_waiter_leaves)
{
	struct loop *loop = quiet_loop();
	struct event *ev = event_new(loop);
	journal_reset();
	struct user u = { .name = "w", .thing = ev, .take = wait_event };
	struct future *t = user_task(loop, &u);
	run_once(loop);
	cancel(t, NULL);
	run_until(loop, t);
	cr_assert(future_cancelled(t), "the waiting task ends CANCELLED");
	cr_assert_str_eq(journal, "w! ", "it saw the cancellation");
	event_set(ev); /* nobody left to wake: must not touch the cancelled waiter */
	run_once(loop);
	future_free(t);
	event_free(ev);
	loop_free(loop);
}
