/*
 * test_timeout.c - asyncio.timeout() as a cancel scope, in virtual time:
 * the deadline cancels the task, the end of the block turns that
 * cancellation into -ETIMEDOUT, and only that one: a cancellation from
 * outside goes on up, and scopes nest. Several tests are CPython's own
 * (test_timeouts.py).
 */
#include "coord.h"
#include "timeout.h"
#include "trace_probe.h"

TestSuite(timeout, .timeout = 10);

/* A coroutine: within a scope of DELAY seconds, sleep WORK seconds; then
 * write down what the block's end said. With INNER set, an inner scope of
 * INNER seconds sits around the sleep. */
struct scoped {
	int resume_point;
	struct loop *loop;
	double delay, work, inner;
	bool catches;  /* the block catches a cancellation of its sleep ... */
	int caught_as; /* ... and ends with this instead (0, or an error of its own) */
	struct timeout *scope, *inner_scope;
	int outcome, inner_outcome;
	double when;
	bool expired;
	int cancelling_after;
	double end;
};

static int scoped_step(struct task *task, void *frame)
{
	struct scoped *s = frame;
	CORO_BEGIN(s);
	s->scope = timeout_enter(task, s->delay);
	cr_assert(s->scope != NULL, "timeout_enter");
	s->when = timeout_when(s->scope);
	if (s->inner > 0)
		s->inner_scope = timeout_enter(task, s->inner);
	CORO_TRY_AWAIT(task, s, sleep_for(s->loop, s->work), s->outcome);
	if (s->catches && s->outcome == -ECANCELED)
		s->outcome = s->caught_as;
	if (s->inner_scope)
		s->outcome = s->inner_outcome = timeout_exit(s->inner_scope, s->outcome);
	s->expired = timeout_expired(s->scope);
	s->outcome = timeout_exit(s->scope, s->outcome);
	REQUIRE_IMPLEMENTED(s->outcome, "timeout_exit");
	s->cancelling_after = task_cancelling(task_future(task));
	s->end = loop_time(s->loop);
	if (s->outcome < 0)
		return task_raise(task, s->outcome, NULL);
	CORO_END(task, s);
}

static struct future *start(struct loop *loop, struct scoped *s)
{
	s->loop = loop;
	struct future *task = task_create(loop, "scoped", scoped_step, s, NULL);
	cr_assert(task != NULL, "task_create");
	return task;
}

/* CPython's test_timeout_basic. */
Test(timeout, the_deadline_turns_the_block_into_a_timeout)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 1, .work = 10 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert(s.expired, "the scope says it expired");
	cr_assert_eq(s.outcome, -ETIMEDOUT,
	             "timeout_exit: the deadline came, the block ended cancelled, and once the "
	             "scope's own cancel is taken back no more remain than at enter (<=, here 0 "
	             "and 0): the outcome becomes -ETIMEDOUT; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	cr_assert_float_eq(s.end, 1, 1e-9, "at the deadline, 1 s, not 10");
	cr_assert_float_eq(s.when, 1, 1e-9, "when() was the deadline");
	cr_assert_eq(s.cancelling_after, 0,
	             "timeout_exit: a scope whose deadline came takes its own cancel back "
	             "(task_uncancel), so that the task's cancel count is 0 again; it is %d",
	             s.cancelling_after);
	future_free(t);
	loop_free(loop);
}

/* Whether the loop's record (trace.h) shows the timer that calls
 * on_timeout cancelled: its handle among the "cancel" events. */
static bool deadline_timer_cancelled(void)
{
	char *text = trace_text();
	char callbacks[1024], pushed[1024], cancelled[1024];
	trace_values(text, "timer_push", "callback", callbacks, sizeof callbacks);
	trace_values(text, "timer_push", "h", pushed, sizeof pushed);
	trace_values(text, "cancel", "h", cancelled, sizeof cancelled);
	free(text);
	char *cb_save, *h_save;
	char *cb = strtok_r(callbacks, " ", &cb_save), *h = strtok_r(pushed, " ", &h_save);
	for (; cb && h; cb = strtok_r(NULL, " ", &cb_save), h = strtok_r(NULL, " ", &h_save)) {
		if (strcmp(cb, "on_timeout") != 0)
			continue;
		char word[32];
		snprintf(word, sizeof word, " %s ", h);
		char list[1040];
		snprintf(list, sizeof list, " %s ", cancelled);
		return strstr(list, word) != NULL;
	}
	cr_assert_fail("the record shows no timer calling on_timeout: callbacks \"%s\"", callbacks);
	return false;
}

/* The deadline came, and the block caught the cancellation and ended by
 * itself: with a result (Python: `except CancelledError: pass`), or with
 * an error of its own. Either way that is how the block ended, not a
 * timeout, and the scope still takes its own cancel back. */
Test(timeout, a_block_that_caught_the_cancellation_ends_as_it_ended)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 1, .work = 10, .catches = true, .caught_as = 0 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert(s.expired, "the deadline came");
	cr_assert_eq(s.outcome, 0,
	             "timeout_exit: the deadline came, but the block caught the cancellation "
	             "and ended with a result: only a block that ends CANCELLED (-ECANCELED) "
	             "becomes a timeout, any other outcome goes on as it is; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	cr_assert_eq(s.cancelling_after, 0,
	             "timeout_exit: the deadline came, so the scope cancelled the task and must "
	             "take that cancel back (task_uncancel) however the block ended, caught or "
	             "not; the count is %d, not 0, and the task would look cancelled to the "
	             "next scope or task group",
	             s.cancelling_after);
	struct scoped s2 = { .delay = 1, .work = 10, .catches = true, .caught_as = -EIO };
	struct future *t2 = start(loop, &s2);
	run_until(loop, t2);
	cr_assert_eq(s2.outcome, -EIO,
	             "timeout_exit: the deadline came, but the block ended with an error of its "
	             "own (-EIO), not cancelled: the error goes on as it is, not as a timeout; "
	             "got %d (%s)",
	             s2.outcome, s2.outcome ? strerror(-s2.outcome) : "success");
	cr_assert_eq(s2.cancelling_after, 0,
	             "timeout_exit: a scope whose deadline came takes its own cancel back "
	             "whatever the block ended with; the count is %d",
	             s2.cancelling_after);
	future_free(t);
	future_free(t2);
	loop_free(loop);
}

/* A task that was cancelled once and caught it, without taking that
 * request back: then it opens a scope, which notes the count, 1. */
struct precancelled {
	int resume_point;
	struct loop *loop;
	double delay; /* the scope's */
	bool at_once; /* the block ends at once, no await: its deadline is due,
	               * but its timer has not run yet */
	struct timeout *scope;
	int caught, outcome;
	bool expired;
	int cancelling_after;
};

static int precancelled_step(struct task *task, void *frame)
{
	struct precancelled *p = frame;
	CORO_BEGIN(p);
	CORO_TRY_AWAIT(task, p, sleep_for(p->loop, 0.5), p->caught);
	p->scope = timeout_enter(task, p->delay);
	cr_assert(p->scope != NULL, "timeout_enter");
	p->outcome = 0;
	if (!p->at_once)
		CORO_TRY_AWAIT(task, p, sleep_for(p->loop, 10), p->outcome);
	p->expired = timeout_expired(p->scope);
	p->outcome = timeout_exit(p->scope, p->outcome);
	REQUIRE_IMPLEMENTED(p->outcome, "timeout_exit");
	p->cancelling_after = task_cancelling(task_future(task));
	CORO_END(task, p);
}

static struct future *start_precancelled(struct loop *loop, struct precancelled *p)
{
	p->loop = loop;
	struct future *t = task_create(loop, "precancelled", precancelled_step, p, NULL);
	cr_assert(t != NULL, "task_create");
	run_once(loop); /* it waits in its first sleep */
	cancel(t, "caught");
	return t;
}

/* CPython: the scope compares with the count it noted at enter, not with
 * 0. A task cancelled before (and that went on) has 1 already; the
 * deadline makes it 2, and back to 1 it is the scope's own. */
Test(timeout, a_scope_compares_with_the_count_at_enter)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct precancelled p = { .delay = 1 };
	struct future *t = start_precancelled(loop, &p);
	run_until(loop, t);
	cr_assert_eq(p.caught, -ECANCELED, "the first sleep was cancelled, and the task caught it");
	cr_assert(p.expired, "the deadline came");
	cr_assert_eq(p.outcome, -ETIMEDOUT,
	             "timeout_exit: the task was cancelled once before the scope opened (count "
	             "1 at enter); the deadline made it 2, and once the scope's own is taken "
	             "back 1 remains, as many as at enter (<=: as many is enough): the "
	             "cancellation was the scope's, a timeout; compare with the count noted at "
	             "enter, not with 0; got %d (%s)",
	             p.outcome, p.outcome ? strerror(-p.outcome) : "success");
	cr_assert_eq(p.cancelling_after, 1, "the earlier request still counts, 1");
	future_free(t);
	loop_free(loop);
}

/* A deadline that is due when the block ends, but whose timer has not
 * run yet: the scope never cancelled anything. */
Test(timeout, a_due_deadline_whose_timer_has_not_run_is_not_expired)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct precancelled p = { .delay = 0, .at_once = true };
	struct future *t = start_precancelled(loop, &p);
	run_until(loop, t);
	cr_assert(!p.expired, "on_timeout has not run when the block ends");
	cr_assert_eq(p.outcome, 0, "the block ended with a result, and so does the scope");
	cr_assert_eq(p.cancelling_after, 1,
	             "timeout_exit: the deadline was due, but the scope's timer had not run "
	             "when the block ended, so the scope cancelled nothing and must take "
	             "nothing back: task_uncancel only once on_timeout ran (the scope's state "
	             "says so, EXPIRING, not the clock); the task's earlier request must still "
	             "count, 1, and it is %d",
	             p.cancelling_after);
	future_free(t);
	loop_free(loop);
}

/* CPython's test_timeout_not_called: a block done in time is not
 * touched, and its timer does not keep the loop busy. */
Test(timeout, a_block_done_in_time_is_not_touched)
{
	trace_start();
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 10, .work = 1 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert_eq(s.outcome, 0, "the sleep finished");
	cr_assert(!s.expired, "nothing expired");
	cr_assert(deadline_timer_cancelled(),
	          "timeout_exit: the block ended in time (1 s of a 10 s deadline), so the "
	          "scope's timer must never fire: cancel it before the scope is freed, or "
	          "on_timeout runs at 10 s on freed memory; the loop's record shows it never "
	          "cancelled");
	trace_stop();
	int rc = loop_run(loop);
	cr_assert_eq(rc, 0, "loop_run");
	cr_assert_float_eq(loop_time(loop), 1, 1e-9,
	                   "the timer was cancelled: the loop ends at 1 s");
	future_free(t);
	loop_free(loop);
}

/* CPython's test_timeout_disabled: no deadline at all. */
Test(timeout, no_deadline_never_fires)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = TIMEOUT_NEVER, .work = 100 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert_eq(s.outcome, 0, "100 s of sleep, untouched");
	cr_assert_float_eq(s.when, TIMEOUT_NEVER, 1e-9, "when() is 'never'");
	future_free(t);
	loop_free(loop);
}

/* CPython's test_timeout_zero: a deadline already due cancels at the
 * next iteration. */
Test(timeout, a_deadline_already_past_fires_at_once)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 0, .work = 10 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert_eq(s.outcome, -ETIMEDOUT, "timed out");
	cr_assert_float_eq(s.end, 0, 1e-9, "at once");
	future_free(t);
	loop_free(loop);
}

/* CPython's test_foreign_cancel_doesnt_timeout_if_not_expired: a cancel
 * from outside is not a timeout. */
Test(timeout, a_cancellation_from_outside_stays_a_cancellation)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 5, .work = 10 };
	struct future *t = start(loop, &s);
	run_iterations(loop, 2);
	cancel(t, "Ctrl-C");
	run_until(loop, t);
	cr_assert_eq(s.outcome, -ECANCELED,
	             "timeout_exit: a cancellation from outside (Ctrl-C, long before the 5 s "
	             "deadline) is not the scope's: it goes on up as -ECANCELED; only the "
	             "scope's own, after its deadline came, becomes -ETIMEDOUT; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	cr_assert(future_cancelled(t), "the task ends CANCELLED");
	future_free(t);
	loop_free(loop);
}

/* CPython's test_foreign_cancel_doesnt_timeout_if_not_expired: cancelled
 * from outside long before its deadline, the scope has nothing of its own
 * to take back, and the outside request still counts once it is over. */
Test(timeout, a_scope_that_did_not_expire_takes_nothing_back)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 5, .work = 10 };
	struct future *t = start(loop, &s);
	run_once(loop);
	cancel(t, "Ctrl-C");
	run_until(loop, t);
	cr_assert(!s.expired, "the deadline, 5 s away, never came");
	cr_assert_eq(s.outcome, -ECANCELED,
	             "timeout_exit: a cancellation from outside, before the deadline, is not "
	             "the scope's: it goes on up as -ECANCELED; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	cr_assert_eq(s.cancelling_after, 1,
	             "timeout_exit: a scope whose deadline never came has no cancel of its own "
	             "and takes nothing back (task_uncancel only when it expired): the outside "
	             "request still counts, 1; got %d",
	             s.cancelling_after);
	future_free(t);
	loop_free(loop);
}

/* The deadline and a cancel from outside in the same iteration: the
 * count says someone else asked too, so it is not swallowed. */
static void cancel_it(void *arg)
{
	task_cancel(arg, "Ctrl-C");
}

Test(timeout, a_timeout_never_swallows_another_cancellation)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 1, .work = 10 };
	struct future *t = start(loop, &s);
	run_once(loop);
	/* Due at the same time as the deadline, scheduled after it. */
	handle_detach(scheduled(loop_call_at(loop, 1.0, cancel_it, t)));
	run_until(loop, t);
	cr_assert(s.expired, "the deadline came");
	cr_assert_eq(s.outcome, -ECANCELED,
	             "timeout_exit: the deadline came, but a cancel from outside came in the "
	             "same iteration: once the scope's own is taken back one remains, more "
	             "than at enter (0), so the cancellation goes on up, never swallowed as a "
	             "timeout; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	cr_assert_eq(s.cancelling_after, 1,
	             "timeout_exit: the scope takes back its own cancel, and only that one: "
	             "the outside request still counts, 1; got %d",
	             s.cancelling_after);
	future_free(t);
	loop_free(loop);
}

/* CPython's test_nested_timeouts: the outer deadline fires inside the
 * inner scope, which lets it through; the outer one converts it. */
Test(timeout, nested_scopes_each_convert_only_their_own)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct scoped s = { .delay = 1, .inner = 10, .work = 100 };
	struct future *t = start(loop, &s);
	run_until(loop, t);
	cr_assert_eq(s.inner_outcome, -ECANCELED,
	             "the inner scope did not expire: it lets the "
	             "cancellation through");
	cr_assert_eq(s.outcome, -ETIMEDOUT,
	             "timeout_exit: the outer deadline came, and once the outer scope's own "
	             "cancel is taken back no more remain than it noted at enter (<=: as many "
	             "is enough): the cancellation was its own, a timeout; got %d (%s)",
	             s.outcome, s.outcome ? strerror(-s.outcome) : "success");
	struct scoped s2 = { .delay = 10, .inner = 1, .work = 100 };
	struct future *t2 = start(loop, &s2);
	run_until(loop, t2);
	cr_assert_eq(s2.inner_outcome, -ETIMEDOUT, "the inner deadline: the inner timeout");
	cr_assert_eq(s2.outcome, -ETIMEDOUT, "an error, which the outer scope leaves alone");
	cr_assert_eq(s2.cancelling_after, 0,
	             "timeout_exit: each scope whose deadline came takes its own cancel back "
	             "(task_uncancel), so no cancel is left once both are closed; %d left",
	             s2.cancelling_after);
	future_free(t);
	future_free(t2);
	loop_free(loop);
}

/* CPython's test_nested_timeouts: two scopes with the same deadline
 * both cancel the task; the inner one sees a cancellation that is not
 * only its own and lets it through, the outer one converts it. */
struct same_deadline {
	int resume_point;
	struct loop *loop;
	struct timeout *outer, *inner;
	int inner_outcome, outcome;
};

static int same_deadline_step(struct task *task, void *frame)
{
	struct same_deadline *s = frame;
	CORO_BEGIN(s);
	s->outer = timeout_enter_at(task, 0.01);
	s->inner = timeout_enter_at(task, 0.01);
	CORO_TRY_AWAIT(task, s, sleep_for(s->loop, 10), s->outcome);
	s->inner_outcome = s->outcome = timeout_exit(s->inner, s->outcome);
	s->outcome = timeout_exit(s->outer, s->outcome);
	CORO_END(task, s);
}

Test(timeout, two_scopes_with_one_deadline)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct same_deadline s = { .loop = loop };
	struct future *t = task_create(loop, "same", same_deadline_step, &s, NULL);
	run_until(loop, t);
	cr_assert_eq(s.inner_outcome, -ECANCELED,
	             "the inner scope lets it through: another "
	             "cancel is pending");
	cr_assert_eq(s.outcome, -ETIMEDOUT, "the outer scope turns it into a timeout");
	cr_assert_eq(task_cancelling(t), 0, "both cancels taken back");
	future_free(t);
	loop_free(loop);
}

/* CPython's test_reschedule: a later deadline, then an earlier one. */
struct moving {
	int resume_point;
	struct loop *loop;
	struct timeout *scope;
	int outcome;
	double end;
};

static int moving_step(struct task *task, void *frame)
{
	struct moving *m = frame;
	CORO_BEGIN(m);
	m->scope = timeout_enter(task, 1);
	cr_assert_eq(timeout_reschedule(m->scope, loop_time(m->loop) + 3), 0, "reschedule");
	cr_assert_float_eq(timeout_when(m->scope), 3, 1e-9, "the new deadline");
	CORO_TRY_AWAIT(task, m, sleep_for(m->loop, 2), m->outcome);
	cr_assert_eq(m->outcome, 0, "1 s passed, but the deadline moved to 3 s");
	CORO_TRY_AWAIT(task, m, sleep_for(m->loop, 10), m->outcome);
	m->outcome = timeout_exit(m->scope, m->outcome);
	m->end = loop_time(m->loop);
	CORO_END(task, m);
}

Test(timeout, reschedule_moves_the_deadline)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct moving m = { .loop = loop };
	struct future *t = task_create(loop, "moving", moving_step, &m, NULL);
	run_until(loop, t);
	cr_assert_eq(m.outcome, -ETIMEDOUT, "then it fired");
	cr_assert_float_eq(m.end, 3, 1e-9, "at 3 s");
	future_free(t);
	loop_free(loop);
}
