/*
 * test_gather.c - gather: results in argument order whatever the order of
 * completion; the first error propagates unless return_exceptions
 * collects them; cancelling the gather cancels its children.
 */
#include "gather.h"
#include "probe.h"

TestSuite(gather, .timeout = 10);

static int values[3] = { 10, 11, 12 };

static struct future *gather_of(struct loop *loop, struct future *const f[], size_t n, bool collect)
{
	struct future *all = gather(loop, f, n, collect);
	cr_assert(all != NULL, "gather returns a future");
	return all;
}

/* The gather's error, naming the hole while it is a stub. */
static const struct future_error *gather_error(struct future *all)
{
	const struct future_error *error;
	future_exception(all, &error);
	REQUIRE_IMPLEMENTED(error ? error->code : 0, "child_done");
	return error;
}

static const struct gather_result *gather_result_of(struct future *all)
{
	gather_error(all);
	void *value = NULL;
	cr_assert_eq(future_result(all, &value), 0, "the gather has a result");
	return value;
}

Test(gather, keeps_argument_order_whatever_the_order_of_completion)
{
	struct loop *loop = quiet_loop();
	struct future *f[3] = { new_future(loop), new_future(loop), new_future(loop) };
	struct future *all = gather_of(loop, f, 3, false);
	future_set_result(f[2], &values[2], NULL);
	run_once(loop);
	future_set_result(f[0], &values[0], NULL);
	run_once(loop);
	gather_error(all);
	cr_assert(!future_done(all),
	          "child_done ended the gather when 2 of its 3 children were done: it is done "
	          "once every child is, so count this child (g->finished) before comparing "
	          "with g->count");
	future_set_result(f[1], &values[1], NULL);
	run_until(loop, all);
	const struct gather_result *result = gather_result_of(all);
	cr_assert_eq(result->count, 3, "one entry per child");
	for (int i = 0; i < 3; i++) {
		void *value;
		cr_assert_eq(result->children[i], f[i], "entry %d is child %d", i, i);
		cr_assert_eq(future_result(result->children[i], &value), 0, "child %d is done", i);
		cr_assert_eq(value, &values[i], "child %d's result is in place %d", i, i);
	}
	future_free(all);
	for (int i = 0; i < 3; i++)
		future_free(f[i]);
	loop_free(loop);
}

Test(gather, fails_with_the_first_error)
{
	struct loop *loop = quiet_loop();
	struct future *f[3] = { new_future(loop), new_future(loop), new_future(loop) };
	struct future *all = gather_of(loop, f, 3, false);
	future_set_exception(f[1], -ECONNREFUSED, "refused");
	run_once(loop);
	gather_error(all);
	cr_assert(future_done(all), "child_done: without return_exceptions, the first child that "
	                            "fails ends the gather at once, with its error; it does not "
	                            "wait for the other children");
	const struct future_error *error = gather_error(all);
	cr_assert(error != NULL && error->code == -ECONNREFUSED,
	          "the gather fails with the first child's error");
	cr_assert_str_eq(error->message, "refused", "and its message");
	cr_assert(!future_done(f[0]) && !future_done(f[2]), "the other children go on");
	future_set_exception(f[2], -ETIMEDOUT, "later");
	future_set_result(f[0], NULL, NULL);
	loop_run(loop);
	cr_assert_eq(report_count, 0, "a later error is not reported as never retrieved");
	future_free(all);
	for (int i = 0; i < 3; i++)
		future_free(f[i]);
	cr_assert_eq(report_count, 0,
	             "child_done: a child that fails after the gather is over still has its error "
	             "read, or freeing it reports \"never retrieved\" (but: %s)",
	             report_count ? reports[0] : "");
	loop_free(loop);
}

Test(gather, return_exceptions_collects_every_outcome)
{
	struct loop *loop = quiet_loop();
	struct future *f[3] = { new_future(loop), new_future(loop), new_future(loop) };
	struct future *all = gather_of(loop, f, 3, true);
	future_set_exception(f[0], -ECONNRESET, "reset");
	future_cancel(f[1], "cancelled child");
	future_set_result(f[2], &values[2], NULL);
	run_until(loop, all);
	const struct gather_result *result = gather_result_of(all);
	void *value;
	cr_assert_eq(future_result(result->children[0], &value), -ECONNRESET, "error in place 0");
	cr_assert_eq(future_result(result->children[1], &value), -ECANCELED, "cancel in place 1");
	cr_assert_eq(future_result(result->children[2], &value), 0, "result in place 2");
	future_free(all);
	for (int i = 0; i < 3; i++)
		future_free(f[i]);
	loop_free(loop);
}

Test(gather, cancelling_the_gather_cancels_the_children)
{
	struct loop *loop = quiet_loop();
	struct future *targets[2] = { new_future(loop), new_future(loop) };
	struct probe p[2] = { { 0 }, { 0 } };
	struct future *tasks[2];
	for (int i = 0; i < 2; i++)
		tasks[i] = probe_task(loop, &p[i], targets[i]);
	struct future *all = gather_of(loop, tasks, 2, true);
	run_once(loop);
	require_stepped(tasks[0]);
	bool accepted = future_cancel(all, "all of them");
	if (!accepted)
		cancel(tasks[0], NULL);
	cr_assert(accepted, "the gather accepts the cancellation");
	cr_assert(future_cancelled(targets[0]) && future_cancelled(targets[1]),
	          "each child task's awaited future is cancelled at once");
	run_until(loop, all);
	gather_error(all);
	for (int i = 0; i < 2; i++) {
		cr_assert(p[i].cleaned_up, "child %d cleaned up", i);
		cr_assert(future_cancelled(tasks[i]), "child %d is cancelled", i);
	}
	/* asyncio's gather sets a CancelledError as its exception. */
	cr_assert(!future_cancelled(all), "the gather itself is not CANCELLED: as in asyncio, it "
	                                  "FINISHED with the error -ECANCELED");
	const struct future_error *error = gather_error(all);
	cr_assert(error && error->code == -ECANCELED,
	          "child_done: the gather was cancelled, and when its last child ended it "
	          "finished with %s: a gather asked to cancel (g->cancel_requested) ends failed "
	          "with -ECANCELED and the child's message, even with return_exceptions, which "
	          "would otherwise hand the cancelled children on as results (asyncio: gather's "
	          "_done_callback)",
	          error ? "another error" : "a result");
	cr_assert_str_eq(error->message, "all of them", "with the message");
	future_free(all);
	for (int i = 0; i < 2; i++) {
		future_free(tasks[i]);
		future_free(targets[i]);
	}
	loop_free(loop);
}

/* A child that catches its cancellation and then awaits LATER, which the
 * test completes when it chooses, before it returns. */
struct stubborn {
	int resume_point;
	struct future *target, *later; /* borrowed: the test owns them */
	int outcome;
};

static int stubborn_step(struct task *task, void *frame)
{
	struct stubborn *s = frame;
	CORO_BEGIN(s);
	CORO_TRY_AWAIT(task, s, future_retain(s->target), s->outcome);
	CORO_AWAIT(task, s, future_retain(s->later));
	return task_return(task, "caught", NULL);
	CORO_END(task, s);
}

Test(gather, a_cancelled_gather_waits_for_a_child_that_caught_it)
{
	struct loop *loop = quiet_loop();
	struct future *targets[2] = { new_future(loop), new_future(loop) };
	struct future *later = new_future(loop);
	struct probe p = { 0 };
	struct stubborn s = { .target = targets[1], .later = later };
	struct future *tasks[2] = { probe_task(loop, &p, targets[0]),
		                    task_create(loop, "stubborn", stubborn_step, &s, NULL) };
	cr_assert(tasks[1] != NULL, "task_create returns the task's future");
	struct future *all = gather_of(loop, tasks, 2, true);
	run_once(loop);
	require_stepped(tasks[0]);
	cr_assert(future_cancel(all, "stop"), "the gather accepts the cancellation");
	for (int i = 0; i < 4; i++)
		run_once(loop);
	gather_error(all);
	cr_assert(future_cancelled(tasks[0]), "the first child ended CANCELLED");
	cr_assert(s.outcome == -ECANCELED && !future_done(tasks[1]),
	          "the second child caught the cancellation and still runs");
	cr_assert(!future_done(all),
	          "child_done: the gather was cancelled and ended while a child that caught "
	          "the cancellation was still running: a cancelled gather, too, ends only once "
	          "every child is done (g->finished == g->count), and only then with -ECANCELED "
	          "(asyncio: gather's _done_callback counts nfinished before it looks at "
	          "_cancel_requested)");
	future_set_result(later, NULL, NULL);
	run_until(loop, all);
	const struct future_error *error = gather_error(all);
	cr_assert(error && error->code == -ECANCELED,
	          "child_done: the gather was cancelled, and when its last child ended it "
	          "finished with %s: a gather asked to cancel (g->cancel_requested) ends failed "
	          "with -ECANCELED once every child is done, even with return_exceptions and "
	          "even when a child caught the cancellation and returned",
	          error ? "another error" : "a result");
	future_free(all);
	for (int i = 0; i < 2; i++) {
		future_free(tasks[i]);
		future_free(targets[i]);
	}
	future_free(later);
	loop_free(loop);
}

Test(gather, a_cancelled_child_fails_the_gather_with_its_cancellation)
{
	struct loop *loop = quiet_loop();
	struct future *f[2] = { new_future(loop), new_future(loop) };
	struct future *all = gather_of(loop, f, 2, false);
	future_cancel(f[0], "child gone");
	run_once(loop);
	gather_error(all);
	cr_assert(future_done(all), "child_done: without return_exceptions, a child that was "
	                            "cancelled ends the gather at once, failed with -ECANCELED; "
	                            "it does not wait for the other children");
	cr_assert(!future_cancelled(all), "the gather is not CANCELLED: asyncio sets a "
	                                  "CancelledError as its exception (FINISHED)");
	const struct future_error *error = gather_error(all);
	cr_assert(error && error->code == -ECANCELED, "its error is -ECANCELED");
	cr_assert_str_eq(error->message, "child gone", "with the child's message");
	cr_assert(!future_done(f[1]), "the other child goes on");
	/* Until it ends, it holds the gather's callback, which holds the
	 * gather: a cycle that Python's collector would break. Here it ends. */
	future_set_result(f[1], NULL, NULL);
	cr_assert_eq(loop_run(loop), 0, "the loop runs the last callbacks");
	future_free(all);
	for (int i = 0; i < 2; i++)
		future_free(f[i]);
	loop_free(loop);
}

Test(gather, return_exceptions_retrieves_the_errors_it_hands_on)
{
	struct loop *loop = quiet_loop();
	struct future *child = new_future(loop);
	struct future *all = gather_of(loop, &child, 1, true);
	future_set_exception(child, -ECONNRESET, "reset");
	run_until(loop, all);
	gather_error(all);
	future_free(all);
	future_free(child);
	loop_free(loop);
	cr_assert_eq(report_count, 0,
	             "child_done: with return_exceptions the child's error is handed on in the "
	             "gather's result, and yet it was reported: %s. child_done reads each "
	             "child's error (future_exception) whichever way it goes on, as asyncio's "
	             "gather calls exception() on every child, so it counts as retrieved",
	             reports[0]);
}

Test(gather, refuses_children_of_another_loop)
{
	struct loop *loop = quiet_loop();
	struct loop *other = loop_new();
	cr_assert(other != NULL, "loop_new");
	struct future *f[2] = { new_future(loop), new_future(other) };
	errno = 0;
	struct future *all = gather(loop, f, 2, false);
	cr_assert_null(all, "gather refuses a child of another loop: nothing here could "
	                    "complete it (asyncio: ValueError)");
	cr_assert_eq(errno, EXDEV, "and says why: errno EXDEV");
	for (int i = 0; i < 2; i++)
		future_free(f[i]);
	loop_free(other);
	loop_free(loop);
}

Test(gather, of_nothing_is_done_at_once)
{
	struct loop *loop = quiet_loop();
	struct future *all = gather_of(loop, NULL, 0, false);
	cr_assert(future_done(all), "a gather of no future is done at once");
	cr_assert_eq(gather_result_of(all)->count, 0, "with an empty result");
	future_free(all);
	loop_free(loop);
}
