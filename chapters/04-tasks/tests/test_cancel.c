/*
 * test_cancel.c - the cancellation matrix, with asyncio's semantics: a
 * task cancelled before it starts, while it awaits a future, while it
 * awaits another task, by itself, after it is done; a coroutine that
 * catches the cancellation and goes on; the count and the message.
 */
#include "gather.h"
#include "probe.h"

TestSuite(cancel, .timeout = 10);

/* The common ending: the task is CANCELLED with MESSAGE; WHY names the
 * hole that carries the message there, and how. */
static void expect_cancelled(struct future *task, const char *message, const char *why)
{
	require_stepped(task);
	cr_assert(future_cancelled(task), "the task ends CANCELLED");
	cr_assert_str_eq(future_cancel_message(task), message,
	                 "the task ended CANCELLED with the message \"%s\", not \"%s\": %s",
	                 future_cancel_message(task), message, why);
	cr_assert_eq(task_cancel(task, "again"), 0, "cancelling a done task returns 0 (False)");
}

Test(cancel, before_the_first_step_the_body_never_runs)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	cr_assert_eq(cancel(task, "early"), 1, "a pending task can be cancelled");
	cr_assert_eq(task_get_state(task), TASK_CANCELLING, "it is TASK_CANCELLING");
	cr_assert(!future_done(task), "not done yet: it ends at its scheduled step");
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(p.started, 0, "task_step: a task cancelled before its first step never "
	                           "starts its body; that step ends it CANCELLED");
	cr_assert(future_cancelled(task),
	          "task_step: a task cancelled before its first step ends CANCELLED at that very "
	          "step, and it is %s: the task finishes its own future with "
	          "future_cancel_base (super().cancel()); future_cancel would only ask the task "
	          "to cancel once more, through its class",
	          future_done(task) ? "done but not cancelled" : "still pending");
	cr_assert_eq(task_get_state(task), TASK_DONE,
	             "task_step: a task cancelled before its first step is over once that step "
	             "has cancelled its future, but it is not TASK_DONE: every way out of the "
	             "coroutine ends in finish(), which makes it TASK_DONE, takes it off the "
	             "loop's list of pending tasks and frees its frame");
	run_until(loop, task);
	expect_cancelled(task, "early",
	                 "task_step: a task cancelled before its first step ends with the message "
	                 "of that request, kept in task->cancel_message: pass it on to "
	                 "future_cancel_base (asyncio: cancel(msg), then __step raises "
	                 "CancelledError(msg))");
	cr_assert_eq(p.started, 0, "its body never started");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, while_awaiting_a_future_cancels_that_future_at_once)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(cancel(task, "stop"), 1, "a waiting task can be cancelled");
	cr_assert(future_cancelled(target),
	          "request_cancel: the task was waiting on a future, and that future is not "
	          "cancelled: cancelling a waiting task cancels the future it awaits at once, "
	          "whose done-callback then wakes the task with -ECANCELED (asyncio: "
	          "Task.cancel cancels _fut_waiter)");
	cr_assert_str_eq(future_cancel_message(target), "stop",
	                 "request_cancel cancelled the awaited future with the message \"%s\": "
	                 "pass MESSAGE on to it",
	                 future_cancel_message(target));
	run_until(loop, task);
	cr_assert_eq(p.outcome, -ECANCELED, "the coroutine meets -ECANCELED at its await");
	cr_assert(p.cleaned_up, "and cleans up before propagating it");
	expect_cancelled(
	        task, "stop",
	        "request_cancel cancels the awaited future with MESSAGE, and the -ECANCELED the "
	        "coroutine meets there carries it up to the task (asyncio: cancel(msg))");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, while_awaiting_a_task_cancels_down_the_chain)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe inner = { 0 }, outer = { 0 };
	struct future *inner_task = probe_task(loop, &inner, target);
	struct future *outer_task = probe_task(loop, &outer, inner_task);
	run_once(loop);
	require_stepped(outer_task);
	cr_assert_eq(cancel(outer_task, "chain"), 1, "the outer task can be cancelled");
	cr_assert(future_cancelled(target), "the inner task's future is cancelled at once");
	run_until(loop, outer_task);
	cr_assert(inner.cleaned_up && outer.cleaned_up, "both coroutines cleaned up");
	expect_cancelled(
	        inner_task, "chain",
	        "request_cancel cancels the awaited future with MESSAGE, and the -ECANCELED the "
	        "coroutine meets there carries it up to the task (asyncio: cancel(msg))");
	expect_cancelled(
	        outer_task, "chain",
	        "request_cancel cancels the awaited future with MESSAGE, and the -ECANCELED the "
	        "coroutine meets there carries it up to the task (asyncio: cancel(msg))");
	future_free(outer_task);
	future_free(inner_task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_coroutine_that_catches_it_goes_on_and_is_not_cancelled)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { .catch_cancel = true };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cancel(task, "ignored");
	run_until(loop, task);
	cr_assert_eq(p.outcome, -ECANCELED, "the coroutine saw -ECANCELED");
	cr_assert(!future_cancelled(task), "caught: the task is not cancelled");
	void *value = NULL;
	cr_assert_eq(future_result(task, &value), 0, "it finishes normally");
	cr_assert_str_eq(value, "caught", "with the result it returned afterwards");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_task_that_cancels_itself_is_cancelled_at_its_next_await)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { .cancel_self = true };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	REQUIRE_NO_STUB();
	cr_assert(future_cancelled(target), "the future it then awaited is cancelled at once");
	run_until(loop, task);
	cr_assert(p.cleaned_up, "it met -ECANCELED there and cleaned up");
	expect_cancelled(task, "by itself",
	                 "a task that cancelled itself is cancelled at its next await: suspend_on "
	                 "cancels the awaited future with the message kept in "
	                 "task->cancel_message, not with none");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, after_the_awaited_future_is_done_but_before_the_task_resumes)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	future_set_result(target, NULL, NULL);
	cr_assert_eq(cancel(task, "late"), 1, "still running: the cancel is accepted");
	run_until(loop, task);
	cr_assert(!future_cancelled(task) || p.outcome == -ECANCELED,
	          "task_step ended the task CANCELLED without resuming its coroutine, as if its "
	          "body had never started: once a step has run the body, task->started must say "
	          "so, for a cancellation of a started task is delivered into the coroutine, "
	          "which may clean up or catch it");
	cr_assert_eq(p.outcome, -ECANCELED,
	             "task_step: the task was cancelled after its awaited future was done but "
	             "before it resumed, and the coroutine got %d: the next step must deliver the "
	             "kept request (task->cancel_now = task->must_cancel), so the coroutine meets "
	             "-ECANCELED instead of the result",
	             p.outcome);
	expect_cancelled(
	        task, "late",
	        "request_cancel keeps MESSAGE in task->cancel_message, so that the task ends with "
	        "it (asyncio: cancel(msg))");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_caught_cancellation_is_delivered_once)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { .loop = loop, .catch_cancel = true };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	/* The future is done and the task's wakeup scheduled: the request is
	 * kept (must_cancel) for the next step to deliver. */
	future_set_result(target, NULL, NULL);
	cr_assert_eq(cancel(task, "once"), 1, "still running: the cancel is accepted");
	run_until(loop, task);
	cr_assert(!future_cancelled(task) || p.outcome == -ECANCELED,
	          "task_step ended the task CANCELLED without resuming its coroutine, as if its "
	          "body had never started: once a step has run the body, task->started must say "
	          "so, for a cancellation of a started task is delivered into the coroutine, "
	          "which may clean up or catch it");
	cr_assert_eq(p.outcome, -ECANCELED,
	             "task_step: the task was cancelled after its awaited future was done but "
	             "before it resumed, and the coroutine got %d: the next step must deliver the "
	             "kept request (task->cancel_now = task->must_cancel), so the coroutine meets "
	             "-ECANCELED instead of the result",
	             p.outcome);
	cr_assert(!future_cancelled(task),
	          "task_step delivered the cancellation, the coroutine caught it and awaited "
	          "again, and that await was cancelled too (the task ended CANCELLED): one "
	          "request is delivered once. As task_step hands it on (cancel_now), it clears "
	          "task->must_cancel");
	void *value = NULL;
	cr_assert_eq(future_result(task, &value), 0, "it finishes normally");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_kept_cancellation_that_the_awaited_future_refuses_stays_kept)
{
	struct loop *loop = quiet_loop();
	struct future *child = new_future(loop);
	struct future *all = gather(loop, &child, 1, false);
	cr_assert(all != NULL, "gather returns a future");
	struct probe p = { .cancel_self = true };
	struct future *task = probe_task(loop, &p, all);
	/* The child is done, and the gather's callback waits in the ready
	 * queue behind the task's first step: the gather is pending, but
	 * it has no child left to cancel, so it refuses (returns false). */
	future_set_result(child, NULL, NULL);
	run_once(loop);
	require_stepped(task);
	REQUIRE_NO_STUB();
	cr_assert(!future_done(task), "suspend_on: a task that awaits a pending future (here the "
	                              "gather) is suspended, not over");
	run_until(loop, task);
	cr_assert(future_done(all) && !future_cancelled(all), "the gather ended with its result");
	cr_assert_eq(p.outcome, -ECANCELED,
	             "suspend_on: the task cancelled itself, then awaited a gather that refused "
	             "the cancellation (its only child was done already), and the coroutine got "
	             "%d: a request that the awaited future did not take stays kept "
	             "(must_cancel) for the next step to deliver; clear it only when "
	             "future_cancel says it cancelled something (asyncio: if "
	             "self._fut_waiter.cancel(msg): self._must_cancel = False)",
	             p.outcome);
	expect_cancelled(task, "by itself",
	                 "the request that was kept is the one delivered, with the message kept "
	                 "in task->cancel_message");
	future_free(task);
	future_free(all);
	future_free(child);
	loop_free(loop);
}

Test(cancel, a_self_cancellation_passed_on_to_a_task_that_catches_it_is_over)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe inner = { .catch_cancel = true }, outer = { .cancel_self = true };
	struct future *inner_task = probe_task(loop, &inner, target);
	struct future *outer_task = probe_task(loop, &outer, inner_task);
	run_until(loop, outer_task);
	require_stepped(outer_task);
	REQUIRE_NO_STUB();
	cr_assert_eq(inner.outcome, -ECANCELED, "the inner task met the cancellation and caught it");
	cr_assert_eq(outer.outcome, 0,
	             "suspend_on: the outer task cancelled itself, then awaited a task; the kept "
	             "request was passed on to that task, which caught it and returned, and the "
	             "outer coroutine got %d instead of its result: once future_cancel has passed "
	             "the request on, it is no longer kept (must_cancel = false), and the outer "
	             "task gets what the awaited one gives (asyncio: if "
	             "self._fut_waiter.cancel(msg): self._must_cancel = False)",
	             outer.outcome);
	void *value = NULL;
	cr_assert_eq(future_result(outer_task, &value), 0, "the outer task finishes normally");
	cr_assert_str_eq(value, "caught", "with the inner task's result");
	future_free(outer_task);
	future_free(inner_task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_request_passed_on_to_a_task_that_catches_it_is_over)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe inner = { .catch_cancel = true }, outer = { 0 };
	struct future *inner_task = probe_task(loop, &inner, target);
	struct future *outer_task = probe_task(loop, &outer, inner_task);
	run_once(loop);
	require_stepped(outer_task);
	cr_assert_eq(cancel(outer_task, "stop"), 1, "the outer task can be cancelled");
	cr_assert(future_cancelled(target),
	          "request_cancel: the outer task was waiting on a task, and the future that "
	          "task awaits is not cancelled: cancelling a waiting task cancels the future it "
	          "awaits at once, and a task's future passes it down the chain (asyncio: "
	          "Task.cancel cancels _fut_waiter)");
	run_until(loop, outer_task);
	cr_assert_eq(inner.outcome, -ECANCELED, "the inner task met the cancellation and caught it");
	cr_assert_eq(outer.outcome, 0,
	             "request_cancel: the outer task's request was passed on to the task it "
	             "awaited, which caught it and returned, and the outer coroutine got %d "
	             "instead of its result: a request that cancelled the awaited future is not "
	             "also kept for the next step (must_cancel), for the awaited future decides "
	             "(asyncio: Task.cancel returns True after _fut_waiter.cancel(msg), without "
	             "setting _must_cancel)",
	             outer.outcome);
	void *value = NULL;
	cr_assert_eq(future_result(outer_task, &value), 0, "the outer task finishes normally");
	cr_assert_str_eq(value, "caught", "with the inner task's result");
	cr_assert_eq(task_cancelling(outer_task), 1,
	             "request_cancel: a request passed on to the awaited future counts as much "
	             "as one kept for the next step; task_cancelling says %d, not 1 (asyncio: "
	             "cancel() counts every request it accepts, _num_cancels_requested += 1)",
	             task_cancelling(outer_task));
	future_free(outer_task);
	future_free(inner_task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, two_requests_before_the_first_step_keep_the_last_message)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	cr_assert_eq(cancel(task, "first"), 1, "first request");
	cr_assert_eq(cancel(task, "second"), 1, "second request");
	run_until(loop, task);
	cr_assert_eq(p.started, 0, "its body never started");
	expect_cancelled(task, "second",
	                 "request_cancel: with nothing awaited to pass it on to, each request "
	                 "keeps its MESSAGE in task->cancel_message, the later replacing the "
	                 "earlier (asyncio: self._cancel_message = msg at every cancel())");
	cr_assert_eq(task_cancelling(task), 2, "both requests count");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

/* A coroutine that catches the cancellation of its first await, then
 * awaits LATER, a pending future the test completes, and returns. */
struct stubborn {
	int resume_point;
	struct future *target, *later; /* borrowed: the test owns them */
	int outcome, second;
};

static int stubborn_step(struct task *task, void *frame)
{
	struct stubborn *s = frame;
	CORO_BEGIN(s);
	CORO_TRY_AWAIT(task, s, future_retain(s->target), s->outcome);
	CORO_TRY_AWAIT(task, s, future_retain(s->later), s->second);
	return task_return(task, "caught", NULL);
	CORO_END(task, s);
}

Test(cancel, a_caught_cancellation_does_not_cancel_the_next_wait)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop), *later = new_future(loop);
	struct stubborn s = { .target = target, .later = later };
	struct future *task = task_create(loop, "stubborn", stubborn_step, &s, NULL);
	cr_assert(task != NULL, "task_create returns the task's future");
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(cancel(task, "once"), 1, "a waiting task can be cancelled");
	run_once(loop);
	run_once(loop);
	cr_assert_eq(s.outcome, -ECANCELED, "the coroutine met the cancellation, and caught it");
	cr_assert(!future_cancelled(later),
	          "suspend_on: the coroutine caught its cancellation, then awaited a pending "
	          "future, and that future was cancelled at once: only a request still kept "
	          "(must_cancel) is passed on to the next await; task_cancelling counts the "
	          "requests made, delivered or not, and the one delivered is over (asyncio: "
	          "__step looks at _must_cancel, never at cancelling())");
	cr_assert_eq(task_cancelling(task), 1, "the request still counts");
	future_set_result(later, NULL, NULL);
	run_until(loop, task);
	void *value = NULL;
	cr_assert_eq(future_result(task, &value), 0, "the task finishes normally");
	future_free(task);
	future_free(later);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_done_task_cannot_be_cancelled)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_result(target, NULL, NULL);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(task_cancel(task, "too late"), 0, "task_cancel returns 0 (False)");
	cr_assert(!future_cancelled(task), "and the result stays");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_cancellation_still_pending_when_the_coroutine_returns_wins)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_result(target, NULL, NULL);
	struct awaiter a = { .cancel_at_end = true };
	struct future *task = awaiter_task(loop, &a, target);
	run_until(loop, task);
	require_stepped(task);
	REQUIRE_NO_STUB();
	cr_assert(future_cancelled(task),
	          "a task that cancels itself and then returns, without an await in between, "
	          "ends CANCELLED: the request was never delivered, and it wins over the result "
	          "(asyncio: test_cancel_at_end)");
	cr_assert_str_eq(future_cancel_message(task), "at the end",
	                 "request_cancel: the cancellation must keep its message, so that the "
	                 "task's CancelledError carries it (asyncio: cancel(msg)); the task ended "
	                 "with \"%s\", not \"at the end\"",
	                 future_cancel_message(task));
	future_free(task);
	future_free(target);
	loop_free(loop);
}

/* An outer coroutine that awaits the inner task with a plain await. */
struct outer {
	int resume_point;
	struct future *inner;
};

static int outer_step(struct task *task, void *frame)
{
	struct outer *o = frame;
	CORO_BEGIN(o);
	CORO_AWAIT(task, o, future_retain(o->inner));
	return task_return(task, "inner done", NULL);
	CORO_END(task, o);
}

Test(cancel, the_message_goes_on_up_through_an_awaiting_task)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct awaiter a = { 0 };
	struct future *inner = awaiter_task(loop, &a, target);
	struct outer o = { .inner = inner };
	struct future *outer = task_create(loop, "outer", outer_step, &o, NULL);
	cr_assert(outer != NULL, "task_create");
	run_once(loop);
	require_stepped(inner);
	cr_assert_eq(cancel(inner, "my message"), 1, "the inner task is cancelled");
	run_until(loop, outer);
	cr_assert(future_cancelled(outer),
	          "the outer task, which awaited it without catching, ends CANCELLED too");
	cr_assert_str_eq(future_cancel_message(outer), "my message",
	                 "and the message made it all the way up (asyncio: "
	                 "test_cancel_with_message_then_future_result)");
	cr_assert_eq(task_cancelling(outer), 0,
	             "although nobody asked the outer task itself to cancel");
	future_free(outer);
	future_free(inner);
	future_free(target);
	loop_free(loop);
}

Test(cancel, the_count_survives_the_end_of_the_task)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cancel(task, "stop");
	run_until(loop, task);
	cr_assert_eq(task_cancelling(task), 1,
	             "task_cancelling still says 1 once the task is done, as asyncio's "
	             "cancelling() does");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, cancelling_a_task_that_failed_gives_up_its_error)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_exception(target, -ECONNRESET, "reset");
	struct awaiter a = { 0 };
	struct future *task = awaiter_task(loop, &a, target);
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(task_cancel(task, NULL), 0, "a done task cannot be cancelled...");
	future_free(task);
	future_free(target);
	loop_free(loop);
	cr_assert_eq(report_count, 0,
	             "...but whoever tried has given up on its error: it is not reported as "
	             "never retrieved (asyncio: test_tb_logger_not_called_after_cancel), "
	             "but: %s",
	             reports[0]);
}

Test(cancel, counts_the_requests_and_delivers_the_first_message_it_passed_on)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(cancel(task, "first"), 1, "first request");
	cr_assert_eq(cancel(task, "second"), 1, "second request");
	cr_assert(future_cancelled(target),
	          "request_cancel: the task was waiting on a future, and that future is not "
	          "cancelled: cancelling a waiting task cancels the future it awaits at once, "
	          "whose done-callback then wakes the task with -ECANCELED (asyncio: "
	          "Task.cancel cancels _fut_waiter)");
	cr_assert_eq(task_cancelling(task), 2,
	             "request_cancel: two requests were accepted and task_cancelling says %d: "
	             "each accepted request counts (task->cancel_requests), as asyncio's "
	             "cancelling() does, and uncancel() takes one back",
	             task_cancelling(task));
	cr_assert_eq(task_uncancel(task), 1, "task_uncancel takes one back");
	run_until(loop, task);
	/* The first request cancelled the awaited future with its words; the
	 * coroutine meets that CancelledError, as in asyncio. */
	expect_cancelled(task, "first",
	                 "the first request cancelled the awaited future: request_cancel passes "
	                 "MESSAGE on to that future_cancel, and the coroutine's -ECANCELED "
	                 "carries it up");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

/* A coroutine that cancels its own task, notes the state it is in then,
 * and awaits TARGET, catching what that delivers. */
struct self_cancel {
	int resume_point;
	struct future *target; /* borrowed: the test owns it */
	enum task_state state_before_cancel, state_after_cancel;
	int outcome;
};

static int self_cancel_step(struct task *task, void *frame)
{
	struct self_cancel *s = frame;
	CORO_BEGIN(s);
	s->state_before_cancel = task_get_state(task_future(task));
	task_cancel(task_future(task), "by itself");
	s->state_after_cancel = task_get_state(task_future(task));
	CORO_TRY_AWAIT(task, s, future_retain(s->target), s->outcome);
	return task_raise(task, s->outcome ? s->outcome : -EINVAL, NULL);
	CORO_END(task, s);
}

Test(cancel, a_running_task_stays_running_and_is_cancelling_once_it_awaits)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct self_cancel s = { .target = target };
	struct future *task = task_create(loop, "self_cancel", self_cancel_step, &s, NULL);
	cr_assert(task != NULL, "task_create returns the task's future");
	run_once(loop);
	require_stepped(task);
	REQUIRE_NO_STUB();
	cr_assert_eq(s.state_before_cancel, TASK_RUNNING,
	             "task_step: while its step function runs, the task is TASK_RUNNING");
	cr_assert_eq(s.state_after_cancel, TASK_RUNNING,
	             "request_cancel: a running task that is cancelled stays TASK_RUNNING; its next "
	             "await is where the cancellation is delivered");
	cr_assert(future_cancelled(target), "suspend_on: the future it then awaited is cancelled");
	cr_assert(!future_done(task),
	          "task_step: the step function awaited (TASK_STEP_AWAIT), the await left the "
	          "task TASK_CANCELLING, and task_step ended the task: a step that awaited has "
	          "moved the task out of TASK_RUNNING, to TASK_WAITING or TASK_CANCELLING; only "
	          "one still TASK_RUNNING said await without awaiting");
	cr_assert_eq(task_get_state(task), TASK_CANCELLING,
	             "suspend_on: once the kept cancellation has cancelled the awaited future, the "
	             "task is TASK_CANCELLING, not TASK_WAITING");
	run_until(loop, task);
	cr_assert_eq(s.outcome, -ECANCELED, "the await delivered -ECANCELED");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(cancel, a_task_over_because_its_loop_was_freed_cannot_be_cancelled)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	loop_free(loop); /* the task is over (TASK_DONE), its future still pending */
	cr_assert_eq(task_cancel(task, "too late"), 0,
	             "request_cancel: a task that is TASK_DONE cannot be cancelled: return 0 (False)");
	cr_assert_eq(task_cancelling(task), 0,
	             "request_cancel: a request made of a task that is TASK_DONE is not counted");
	future_free(task);
	future_free(target);
}
