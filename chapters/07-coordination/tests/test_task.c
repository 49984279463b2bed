/*
 * test_task.c - a task runs its coroutine from the loop, never inline; it
 * resumes one iteration after what it awaits is done; its coroutine's
 * outcome becomes its own; its frame is freed; coroutines never run are
 * reported. No network: the loop only runs callbacks.
 */
#include "probe.h"

TestSuite(task, .timeout = 10);

static int forty_two = 42;

Test(task, never_starts_its_body_inline)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	cr_assert_eq(p.steps, 0, "task_create runs nothing: the first step is scheduled");
	cr_assert_eq(task_get_state(task), TASK_PENDING, "a new task is TASK_PENDING");
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(p.started, 1, "the first iteration runs the body up to its await");
	cr_assert_eq(task_get_state(task), TASK_WAITING, "then the task is TASK_WAITING");
	cr_assert(!future_done(task), "and not done");
	cancel(task, NULL);
	run_until(loop, task);
	future_free(task);
	future_free(target);
	loop_free(loop);
}

static void complete(void *arg)
{
	future_set_result(arg, &forty_two, NULL);
}

Test(task, resumes_one_iteration_after_the_awaited_future_is_done)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(p.steps, 1, "one step: waiting for the target");
	handle_detach(loop_call_soon(loop, complete, target));
	run_once(loop);
	cr_assert(future_done(target), "this iteration completed the target");
	cr_assert_eq(p.steps, 1, "the task does not resume in the iteration that completed it");
	run_once(loop);
	cr_assert_eq(p.steps, 2, "it resumes in the next one, from its done-callback");
	cr_assert(future_done(task), "and finishes there");
	void *value;
	cr_assert_eq(future_result(task, &value), 0, "the task has a result");
	cr_assert_eq(value, &forty_two, "the coroutine's return value is the task's result");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(task, fails_with_the_error_the_coroutine_raises)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	future_set_exception(target, -ECONNRESET, "reset");
	run_until(loop, task);
	require_stepped(task);
	cr_assert_eq(p.outcome, -ECONNRESET, "the await delivers the target's error");
	const struct future_error *error;
	future_exception(task, &error);
	cr_assert(error != NULL && error->code == -ECONNRESET, "the task fails with that code");
	cr_assert_str_eq(error->message, "the awaited future failed", "and the raised message");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(task, can_be_awaited_by_another_task)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe inner = { 0 }, outer = { 0 };
	struct future *inner_task = probe_task(loop, &inner, target);
	struct future *outer_task = probe_task(loop, &outer, inner_task);
	handle_detach(loop_call_soon(loop, complete, target));
	run_until(loop, outer_task);
	require_stepped(outer_task);
	void *value = NULL;
	cr_assert_eq(future_result(outer_task, &value), 0, "the outer task finishes");
	cr_assert_eq(value, &forty_two, "with the inner task's result, passed up");
	future_free(outer_task);
	future_free(inner_task);
	future_free(target);
	loop_free(loop);
}

static int frames_freed;

static void count_free(void *frame)
{
	(void)frame;
	frames_freed++;
}

Test(task, frees_its_frame_when_the_coroutine_is_over)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { .target = target };
	p.loop = loop;
	frames_freed = 0;
	struct future *task = task_create(loop, "probe", probe_step, &p, count_free);
	cr_assert(task != NULL, "task_create");
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(frames_freed, 0, "the frame lives while the coroutine waits");
	future_set_result(target, NULL, NULL);
	run_until(loop, task);
	cr_assert_eq(frames_freed, 1, "and is freed once, when it is over");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(task, refuses_to_await_itself)
{
	struct loop *loop = quiet_loop();
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, NULL);
	p.target = task; /* the probe awaits its own task */
	run_until(loop, task);
	require_stepped(task);
	const struct future_error *error;
	future_exception(task, &error);
	cr_assert(error != NULL && error->code == -EDEADLK,
	          "a task that awaits itself fails with -EDEADLK");
	future_free(task);
	loop_free(loop);
}

Test(task, reports_a_coroutine_that_never_ran_when_the_loop_closes)
{
	struct loop *loop = quiet_loop();
	loop_set_debug(loop, true);
	struct probe forgotten = { 0 }, awaited = { 0 };
	struct future *target = new_future(loop);
	future_set_result(target, NULL, NULL);
	awaited.loop = loop;
	awaited.target = target;
	cr_assert(coro_new(loop, "forgotten", probe_step, &forgotten, NULL) != NULL, "coro_new");
	struct coro *coro = coro_new(loop, "awaited", probe_step, &awaited, NULL);
	struct future *task = task_create_from(coro);
	run_until(loop, task);
	require_stepped(task);
	future_free(task);
	future_free(target);
	cr_assert_eq(report_count, 0, "nothing is reported before the loop closes");
	loop_free(loop);
	cr_assert_eq(report_count, 1, "exactly one report, for the coroutine that never ran");
	cr_assert_str_eq(reports[0], "coroutine 'forgotten' was never awaited",
	                 "it names the coroutine");
	cr_assert_eq(forgotten.steps, 0, "and it never ran");
}

Test(task, reports_a_coroutine_freed_without_running)
{
	struct loop *loop = quiet_loop();
	struct probe p = { 0 };
	coro_free(coro_new(loop, "dropped", probe_step, &p, NULL));
	cr_assert_eq(report_count, 1, "one report, debug mode or not");
	cr_assert_str_eq(reports[0], "coroutine 'dropped' was never awaited", "naming it");
	loop_free(loop);
	cr_assert_eq(report_count, 1, "and not again when the loop closes");
}

Test(task, its_future_refuses_a_result_from_outside)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(future_set_result(task, &forty_two, NULL), -EPERM,
	             "future_set_result on a task's future: -EPERM (asyncio: RuntimeError, "
	             "\"Task does not support set_result operation\")");
	cr_assert_eq(future_set_exception(task, -EIO, "from outside"), -EPERM,
	             "future_set_exception too: only the coroutine finishes its task");
	cr_assert(!future_done(task), "the task goes on");
	future_set_result(target, &forty_two, NULL);
	run_until(loop, task);
	void *value = NULL;
	cr_assert_eq(future_result(task, &value), 0, "and ends with");
	cr_assert_eq(value, &forty_two, "the coroutine's own result");
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(task, a_task_still_pending_when_its_loop_is_freed_is_reported)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	run_once(loop);
	require_stepped(task);
	cr_assert_eq(report_count, 0, "nothing is reported while the loop lives");
	loop_free(loop);
	cr_assert_eq(report_count, 1, "one report when the loop is freed under a pending task");
	cr_assert_str_eq(reports[0], "Task was destroyed but it is pending! (task probe)",
	                 "asyncio's words, and the task's name");
	cr_assert(!future_done(task), "the task never ran on");
	future_free(task);
	future_free(target);
}

Test(task, a_future_finished_underneath_the_task_is_reported)
{
	struct loop *loop = quiet_loop();
	struct future *target = new_future(loop);
	future_set_result(target, &forty_two, NULL);
	struct probe p = { 0 };
	struct future *task = probe_task(loop, &p, target);
	cr_assert_eq(future_set_result_base(task, "underneath", NULL), 0,
	             "the plain set_result, which only a class's own code should call");
	run_until(loop, task);
	require_stepped(task);
	void *value = NULL;
	cr_assert_eq(future_result(task, &value), 0, "the task keeps the first outcome");
	cr_assert_str_eq(value, "underneath", "the one set underneath it");
	cr_assert_eq(report_count, 1,
	             "and the coroutine's own result, which could not be set, is reported "
	             "(asyncio logs the step's InvalidStateError)");
	cr_assert(strstr(reports[0], "InvalidStateError") != NULL, "saying so: %s", reports[0]);
	future_free(task);
	future_free(target);
	loop_free(loop);
}

Test(task, debug_mode_follows_the_environment)
{
	setenv("ASYNCIO_C_DEBUG", "1", 1);
	struct loop *loop = loop_new();
	cr_assert(loop_get_debug(loop), "ASYNCIO_C_DEBUG=1 turns debug mode on");
	loop_free(loop);
	unsetenv("ASYNCIO_C_DEBUG");
	loop = loop_new();
	cr_assert(!loop_get_debug(loop), "off by default");
	loop_free(loop);
}
