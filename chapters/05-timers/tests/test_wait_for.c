/*
 * test_wait_for.c - wait_for in virtual time, with asyncio 3.11's
 * semantics: the inner future's outcome when it is in time; on timeout,
 * the inner task is cancelled and waited for, and only once it has
 * finished cleaning up does wait_for fail with -ETIMEDOUT; cancelling
 * the wait cancels the inner task the same way; a zero timeout.
 */
#include "probe.h"
#include "sleep.h"
#include "wait_for.h"

TestSuite(wait_for, .timeout = 10);

/* The inner task: works WORK seconds; cancelled, it cleans up for
 * CLEANUP seconds (an await, so several iterations), then re-raises, or
 * with CATCH returns "caught" instead. */
struct worker {
	int resume_point;
	struct loop *loop;
	double work, cleanup;
	bool catch;
	bool cleaned_up;
	double finished_at;
};

static int worker_step(struct task *task, void *frame)
{
	struct worker *w = frame;
	int outcome;
	CORO_BEGIN(w);
	CORO_TRY_AWAIT(task, w, sleep_for(w->loop, w->work), outcome);
	if (outcome == 0) {
		w->finished_at = loop_time(w->loop);
		return task_return(task, "worked", NULL);
	}
	CORO_AWAIT(task, w, sleep_for(w->loop, w->cleanup));
	w->cleaned_up = true;
	w->finished_at = loop_time(w->loop);
	if (w->catch)
		return task_return(task, "caught", NULL);
	return task_raise(task, -ECANCELED, NULL);
	CORO_END(task, w);
}

static struct future *worker_task(struct loop *loop, struct worker *w, double work, double cleanup)
{
	w->loop = loop;
	w->work = work;
	w->cleanup = cleanup;
	struct future *task = task_create(loop, "worker", worker_step, w, NULL);
	cr_assert(task != NULL, "task_create");
	return task;
}

/* What a done-callback on the wait_for future saw: when, and whether the
 * inner future was over by then. */
struct seen {
	struct loop *loop;
	struct future *inner;
	double at;
	bool inner_done;
};

static void record(struct future *outer, void *arg)
{
	(void)outer;
	struct seen *seen = arg;
	seen->at = loop_time(seen->loop);
	seen->inner_done = future_done(seen->inner);
}

static struct future *guarded(struct loop *loop, struct future *inner, double timeout,
                              struct seen *seen)
{
	struct future *outer = wait_for(loop, inner, timeout);
	cr_assert(outer != NULL, "wait_for returns a future");
	*seen = (struct seen){ .loop = loop, .inner = inner, .at = -1 };
	cr_assert_eq(future_add_done_callback(outer, record, seen), 0, "a done-callback");
	return outer;
}

/* The wait_for future failed with the timeout, not a stub's -ENOSYS. */
static void expect_timed_out(struct future *outer)
{
	const struct future_error *error;
	future_exception(outer, &error);
	REQUIRE_IMPLEMENTED(error ? error->code : 0, "settle");
	cr_assert(error != NULL, "wait_for fails");
	cr_assert_eq(error->code, -ETIMEDOUT,
	             "settle: the timer fired first, and the inner future took its cancellation "
	             "or was done already as it fired (its outcome not yet delivered), so the "
	             "wait fails with -ETIMEDOUT, \"timed out\" (Python 3.12; 3.11 handed on a "
	             "result already there). It ended with %d (%s)",
	             error->code, error->message);
	cr_assert_str_eq(error->message, "timed out", "and the message \"timed out\"");
}

Test(wait_for, an_inner_task_in_time_gives_its_result_and_the_timer_goes)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { 0 };
	struct future *inner = worker_task(loop, &w, 2.0, 0.0);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 10.0, &seen);
	run_until(loop, outer);
	void *value = NULL;
	int rc = future_result(outer, &value);
	REQUIRE_IMPLEMENTED(rc == 0 ? 0 : error_of(outer)->code, "settle");
	cr_assert_eq(rc, 0, "wait_for has the inner result");
	cr_assert_str_eq(value, "worked", "the same value");
	cr_assert_float_eq(seen.at, 2.0, 1e-9, "at 2 s, when the inner task finished");
	int run = loop_run(loop);
	cr_assert_eq(run, 0, "the loop runs out of work");
	cr_assert_float_eq(loop_time(loop), 2.0, 1e-9,
	                   "at once: the 10 s timeout was cancelled, nothing waits for it");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

Test(wait_for, on_timeout_it_fails_only_after_the_inner_task_has_cleaned_up)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { 0 };
	struct future *inner = worker_task(loop, &w, 60.0, 0.5);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 1.0, &seen);
	run_until(loop, outer);
	expect_timed_out(outer);
	cr_assert(w.cleaned_up, "the inner task met the cancellation and cleaned up");
	cr_assert(future_cancelled(inner), "and ended CANCELLED");
	cr_assert(seen.inner_done, "the inner task was done when wait_for completed");
	cr_assert_float_eq(seen.at, 1.5, 1e-9,
	                   "at 1.5 s: the 1 s timeout plus its 0.5 s of cleanup, not at 1 s");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

Test(wait_for, a_plain_future_that_times_out_is_cancelled)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *inner = new_future(loop);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 0.25, &seen);
	run_until(loop, outer);
	expect_timed_out(outer);
	cr_assert(future_cancelled(inner), "the inner future is CANCELLED");
	cr_assert_str_eq(future_cancel_message(inner), "timed out", "with the message");
	cr_assert_float_eq(seen.at, 0.25, 1e-9, "at the timeout");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

Test(wait_for, an_inner_task_that_catches_the_cancellation_wins)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { .catch = true };
	struct future *inner = worker_task(loop, &w, 60.0, 0.5);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 1.0, &seen);
	run_until(loop, outer);
	void *value = NULL;
	int rc = future_result(outer, &value);
	REQUIRE_IMPLEMENTED(rc == 0 ? 0 : error_of(outer)->code, "settle");
	cr_assert_eq(rc, 0,
	             "settle: the timer fired, and the inner task caught the cancellation and "
	             "returned a result, and the wait ended with %d: the inner task's own outcome "
	             "wins, as in asyncio. The timeout replaces it only when the inner future "
	             "ended cancelled or was done already as the timer fired",
	             rc);
	cr_assert_str_eq(value, "caught", "the value it returned after cleaning up");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

static void cancel_it(void *arg)
{
	task_cancel(arg, "stop waiting");
}

Test(wait_for, cancelling_the_task_that_waits_cancels_the_inner_task_too)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { 0 };
	struct future *inner = worker_task(loop, &w, 60.0, 0.5);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 10.0, &seen);
	struct probe p = { 0 };
	struct future *waiting = probe_task(loop, &p, outer);
	handle_detach(scheduled(loop_call_later(loop, 1.0, cancel_it, waiting)));
	run_until(loop, waiting);
	require_stepped(waiting);
	cr_assert(w.cleaned_up && future_cancelled(inner),
	          "the inner task was cancelled, cleaned up");
	cr_assert(future_cancelled(outer), "the wait_for future ends CANCELLED, not timed out");
	cr_assert_str_eq(future_cancel_message(outer), "stop waiting", "with the message given");
	cr_assert(seen.inner_done, "only once the inner task was done");
	cr_assert_float_eq(seen.at, 1.5, 1e-9, "at 1.5 s: cancelled at 1 s, 0.5 s of cleanup");
	cr_assert_eq(p.outcome, -ECANCELED, "the waiting coroutine met -ECANCELED");
	cr_assert(future_cancelled(waiting), "and its task ends CANCELLED");
	int run = loop_run(loop);
	cr_assert_eq(run, 0, "nothing is left");
	cr_assert_float_eq(loop_time(loop), 1.5, 1e-9, "the 10 s timeout did not stay behind");
	future_free(waiting);
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

static struct future *sleep_future_of(struct loop *loop, double delay)
{
	struct future *f = sleep_for(loop, delay);
	if (!f)
		REQUIRE_NO_STUB();
	cr_assert(f != NULL, "sleep_for returned NULL: its timer could not be pushed onto the "
	                     "heap (timer_heap_push)");
	return f;
}

static void cancel_future(void *arg)
{
	future_cancel(arg, "stop waiting");
}

static void complete_inner(void *arg)
{
	future_set_result(arg, "in time?", NULL); /* -EINVAL if cancelled meanwhile */
}

/* The inner future and the timeout fall due in the same iteration. */
static void race_at_the_deadline(bool inner_timer_first)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *inner = inner_timer_first ? sleep_future_of(loop, 1.0) : new_future(loop);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 1.0, &seen);
	if (!inner_timer_first)
		handle_detach(scheduled(loop_call_later(loop, 1.0, complete_inner, inner)));
	run_until(loop, outer);
	expect_timed_out(outer);
	cr_assert_float_eq(seen.at, 1.0, 1e-9, "at the deadline");
	future_free(outer);
	future_free(inner);
	loop_run(loop);
	loop_free(loop);
}

Test(wait_for, a_result_due_at_the_deadline_loses_when_its_timer_came_first)
{
	/* Python 3.12 and later: TimeoutError; 3.11 gave the result. */
	race_at_the_deadline(true);
}

Test(wait_for, a_result_due_at_the_deadline_loses_when_the_deadline_came_first)
{
	race_at_the_deadline(false);
}

Test(wait_for, cancelled_from_outside_it_takes_what_a_stubborn_inner_task_returns)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { .catch = true };
	struct future *inner = worker_task(loop, &w, 60.0, 0.5);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 10.0, &seen);
	handle_detach(scheduled(loop_call_later(loop, 1.0, cancel_future, outer)));
	run_until(loop, outer);
	void *value = NULL;
	int rc = future_result(outer, &value);
	REQUIRE_IMPLEMENTED(rc == -ECANCELED || rc == 0 ? 0 : error_of(outer)->code, "settle");
	cr_assert_eq(rc, 0,
	             "settle: the wait was cancelled from outside, and the inner task caught the "
	             "cancellation and returned a result, and the wait ended with %d: Python 3.12 "
	             "hands that result to the waiter (3.11 said CancelledError). A cancelled "
	             "wait ends CANCELLED only when the inner future ended cancelled or was done "
	             "already as the cancellation came",
	             rc);
	cr_assert_str_eq(value, "caught", "the value it returned");
	cr_assert_float_eq(seen.at, 1.5, 1e-9, "once its 0.5 s of cleanup were over");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

static void complete_then_cancel(void *arg)
{
	struct future **pair = arg; /* { inner, outer } */
	future_set_result(pair[0], "done", NULL);
	future_cancel(pair[1], "too late");
}

Test(wait_for, cancelled_in_the_iteration_the_inner_future_is_done_it_stays_cancelled)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *inner = new_future(loop);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 10.0, &seen);
	struct future *pair[2] = { inner, outer };
	handle_detach(scheduled(loop_call_later(loop, 1.0, complete_then_cancel, pair)));
	run_until(loop, outer);
	REQUIRE_IMPLEMENTED(future_cancelled(outer) || !error_of(outer) ? 0 : error_of(outer)->code,
	                    "settle");
	cr_assert(future_cancelled(outer),
	          "settle: the wait was cancelled in the iteration its inner future got a "
	          "result, before that result was delivered (w->done_at_cancel), and the wait "
	          "ended %s: the cancellation wins, and the outer future ends CANCELLED (Python "
	          "3.12, where wait_for runs inside the waiting task; 3.11 returned the result)",
	          error_of(outer) ? "failed" : "with the result");
	cr_assert_str_eq(future_cancel_message(outer), "too late",
	                 "settle: the wait ended CANCELLED with the message \"%s\", not \"too "
	                 "late\": it cancels the outer future with the message its canceller "
	                 "gave, kept in w->cancel_message (asyncio: cancel(msg))",
	                 future_cancel_message(outer));
	future_free(outer);
	future_free(inner);
	loop_run(loop);
	loop_free(loop);
}

Test(wait_for, a_zero_timeout_takes_the_outcome_of_a_done_future)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	static int answer = 42;
	struct future *inner = new_future(loop);
	future_set_result(inner, &answer, NULL);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 0.0, &seen);
	run_until(loop, outer);
	void *value = NULL;
	int rc = future_result(outer, &value);
	REQUIRE_IMPLEMENTED(rc == 0 ? 0 : error_of(outer)->code, "settle");
	cr_assert_eq(rc, 0, "already done: its result, no timeout");
	cr_assert_eq(value, &answer, "the same value");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

Test(wait_for, a_zero_timeout_cancels_a_pending_task_at_once_and_waits_for_it)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { 0 };
	struct future *inner = worker_task(loop, &w, 5.0, 0.25);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 0.0, &seen);
	cr_assert_eq(task_cancelling(inner), 1, "the inner task is cancelled at once");
	run_until(loop, outer);
	expect_timed_out(outer);
	cr_assert(future_cancelled(inner), "the inner task ended CANCELLED");
	cr_assert(seen.inner_done, "wait_for waited until it was done");
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

static void fail_inner(void *arg)
{
	future_set_exception(arg, -ECONNRESET, "reset at the deadline");
}

/* The inner future fails in the very iteration the deadline comes, just
 * before it: the timeout wins, and the inner error it replaces is read. */
Test(wait_for, an_error_replaced_by_the_timeout_is_read_not_reported)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *inner = new_future(loop);
	handle_detach(scheduled(loop_call_later(loop, 1.0, fail_inner, inner)));
	struct seen seen;
	struct future *outer = guarded(loop, inner, 1.0, &seen);
	run_until(loop, outer);
	expect_timed_out(outer);
	future_free(outer);
	future_free(inner);
	loop_run(loop);
	cr_assert_eq(report_count, 0,
	             "settle: when the timeout replaces an inner error, that error is read "
	             "(future_exception), or freeing the inner future reports it as never "
	             "retrieved (but: %s)",
	             report_count ? reports[0] : "");
	loop_free(loop);
}

/* The deadline passes first and cancels the inner task, which cleans up;
 * meanwhile the wait itself is cancelled from outside. */
Test(wait_for, cancelled_while_the_inner_task_cleans_up_after_the_timeout_it_is_cancelled)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct worker w = { 0 };
	struct future *inner = worker_task(loop, &w, 10.0, 1.0);
	struct seen seen;
	struct future *outer = guarded(loop, inner, 1.0, &seen);
	handle_detach(scheduled(loop_call_later(loop, 1.5, cancel_future, outer)));
	run_until(loop, outer);
	const struct future_error *error = NULL;
	future_exception(outer, &error);
	REQUIRE_IMPLEMENTED(error ? error->code : 0, "settle");
	cr_assert(future_cancelled(outer),
	          "settle: a wait cancelled from outside ends CANCELLED, even when its deadline "
	          "came first: the cancellation of the wait wins over the timeout (it ended %s)",
	          error ? error->message : "without an error");
	cr_assert_str_eq(future_cancel_message(outer), "stop waiting",
	                 "settle: the wait ended CANCELLED with the message \"%s\", not \"stop "
	                 "waiting\": it cancels the outer future with the message its canceller "
	                 "gave, kept in w->cancel_message (asyncio: cancel(msg))",
	                 future_cancel_message(outer));
	future_free(outer);
	future_free(inner);
	loop_run(loop);
	loop_free(loop);
}
