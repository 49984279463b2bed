/*
 * test_await.c - what `await` does, as asyncio pins it: a done future is
 * awaited without suspending; an error or a cancellation goes on up
 * through a plain await; a bare yield gives way for exactly one
 * iteration; a future of another loop is refused.
 */
#include "probe.h"

TestSuite(await, .timeout = 10);

static int forty_two = 42;

Test(await, a_done_future_is_awaited_without_suspending)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_result(target, &forty_two, NULL);
	struct awaiter a = { .awaits = 3 };
	struct future *task = awaiter_task(loop, &a, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(a.came_back, 3, "three awaits of a done future came back");
	cr_assert_eq(a.steps, 1,
	             "all in the first step: awaiting a future that is done already does not "
	             "suspend the coroutine (asyncio: Future.__await__ only yields while pending), "
	             "but it took %d steps",
	             a.steps);
	cr_assert(future_done(task), "so the task is done after one iteration");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(await, a_pending_future_suspends_until_it_is_done)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct awaiter a = { .awaits = 2 };
	struct future *task = awaiter_task(loop, &a, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(a.came_back, 0, "the first await of a pending future suspends");
	cr_assert(!future_done(task), "suspend_on: a task that awaits a pending future is "
	                              "suspended, not over");
	cr_assert_eq(task_get_state(task), TASK_WAITING,
	             "suspend_on: a task that awaits a pending future is TASK_WAITING until its "
	             "wakeup runs");
	future_set_result(target, &forty_two, NULL);
	run_until(loop, task);
	cr_assert_eq(a.came_back, 2, "then both awaits come back");
	cr_assert_eq(a.steps, 2,
	             "suspend_on: the second await found the future done, and the task still gave "
	             "way to the loop (%d steps, not 2): awaiting a future that is done goes on "
	             "at once with its outcome; asyncio does not yield either",
	             a.steps);
	cr_assert_eq(loop_run(loop), 0, "the loop runs what is left");
	cr_assert_eq(report_count, 0,
	             "suspend_on: the task was woken again after its end (\"%s\"): the second "
	             "await found the future done, yet a wakeup was hung on it, and a done-callback "
	             "added to a done future still runs (scheduled at once). Ask whether the "
	             "future is done before you hang the wakeup on it",
	             reports[0]);
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(await, an_error_goes_on_up_through_a_plain_await)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_exception(target, -ECONNRESET, "reset by peer");
	struct awaiter a = { 0 };
	struct future *task = awaiter_task(loop, &a, target);
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(a.came_back, 0, "the line after the await is never reached");
	const struct future_error *error = error_of(task);
	cr_assert(error && error->code == -ECONNRESET,
	          "the task fails with the awaited future's error, as an exception goes on up "
	          "through a function that does not catch it");
	cr_assert_str_eq(error->message, "reset by peer", "with its message");
	future_free(task);
	future_free(target);
	loop_free(loop);
	cr_assert_eq(report_count, 0,
	             "the error was read on its way up: nothing says \"never retrieved\" "
	             "(but: %s)",
	             reports[0]);
}

Test(await, a_cancellation_goes_on_up_through_a_plain_await)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_cancel(target, "stop");
	struct awaiter a = { 0 };
	struct future *task = awaiter_task(loop, &a, target);
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(a.came_back, 0, "the line after the await is never reached");
	cr_assert(future_cancelled(task),
	          "a coroutine that does not catch a cancellation cannot lose it: the task "
	          "ends CANCELLED");
	cr_assert_str_eq(future_cancel_message(task), "stop", "with the message it was given");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

/* A coroutine that writes "a1", gives way once, then writes "a2". */
struct yielder {
	int resume_point;
	struct loop *loop;
	char *log;
};

static int yielder_step(struct task *task, void *frame)
{
	struct yielder *y = frame;
	CORO_BEGIN(y);
	strcat(y->log, "a1 ");
	CORO_AWAIT(task, y, task_yield(y->loop));
	strcat(y->log, "a2 ");
	CORO_END(task, y);
}

static void note_x(void *arg)
{
	strcat(arg, "x ");
}

Test(await, task_yield_gives_way_for_exactly_one_iteration)
{
	struct loop *loop = quiet_loop();
	char log[64] = "";
	struct yielder y = { .loop = loop, .log = log };
	struct future *task = task_create(loop, "yielder", yielder_step, &y, NULL);
	cr_assert(task != NULL, "task_create");
	loop_call_soon(loop, note_x, log);
	run_once(loop);
	require_stepped(task);
	cr_assert_str_eq(log, "a1 x ",
	                 "the first iteration: the task runs up to its yield, then the callback "
	                 "that was ready behind it");
	run_once(loop);
	cr_assert_str_eq(log, "a1 x a2 ",
	                 "the task resumes in the very next iteration: a bare yield, as "
	                 "asyncio.sleep(0), costs one trip round the loop, not two");
	cr_assert(future_done(task), "and ends there");
	future_free(task);
	loop_free(loop);
}

Test(await, a_future_of_another_loop_is_refused)
{
	struct loop *loop = quiet_loop();
	struct loop *other = loop_new();
	cr_assert(other != NULL, "loop_new");
	struct future *foreign = new_future(other);
	cr_assert_eq(loop_run_until_complete(loop, foreign), -EXDEV,
	             "run_until_complete refuses another loop's future with -EXDEV: only that "
	             "loop can complete it (asyncio: ValueError)");
	struct awaiter a = { 0 };
	struct future *task = awaiter_task(loop, &a, foreign);
	run_until(loop, task);
	require_stepped(task);
	const struct future_error *error = error_of(task);
	cr_assert(error && error->code == -EXDEV,
	          "a task that awaits it fails with -EXDEV at its next step (asyncio: "
	          "RuntimeError, \"got Future attached to a different loop\")");
	cr_assert_eq(a.came_back, 0, "and never runs on as if it had waited");
	future_free(task);
	future_free(foreign);
	loop_free(other);
	loop_free(loop);
}
