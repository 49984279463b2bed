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
