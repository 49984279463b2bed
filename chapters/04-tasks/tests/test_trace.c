/*
 * test_trace.c - the loop's flight recorder (trace.h) in chapter 4: a
 * task's life as the replay shows it, each state change once, with what
 * it awaits, and cancellation as a state of its own.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "future.h"
#include "loop.h"
#include "task.h"
#include "testkit.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(trace, .timeout = 10);

struct waiter {
	int resume_point;
	struct loop *loop;
	struct future *until; /* what it awaits; NULL: a yield */
};

/* Await UNTIL (or yield), then end: cancelled if the await was (a
 * cancellation goes on up through CORO_AWAIT by itself). */
static int wait_once(struct task *task, void *frame)
{
	struct waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, w->until ? future_retain(w->until) : task_yield(w->loop));
	CORO_END(task, w);
}

/* The task's outcome: 0, or what stopped it (a stub says -ENOSYS). */
static int outcome(struct future *task)
{
	void *value;
	return future_result(task, &value);
}

Test(trace, a_task_is_created_runs_waits_and_ends)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct waiter w = { 0, loop, NULL };
	struct future *task = task_create(loop, "yielder", wait_once, &w, NULL);
	cr_assert(task != NULL, "task_create");
	cr_assert_eq(loop_run_until_complete(loop, task), 0, "loop_run_until_complete");
	REQUIRE_IMPLEMENTED(outcome(task), "task_step");
	future_free(task);
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "task_new task_step task_state", names, sizeof names);
	cr_assert_str_eq(names, "task_new task_step task_state task_step task_state",
	                 "created, stepped, waiting, stepped again, done; the record:\n%s", text);
	char states[128];
	trace_values(text, "task_state", "state", states, sizeof states);
	cr_assert_str_eq(states, "waiting done", "it waits for the yield, then it is done");
	char awaits[64];
	trace_values(text, "task_state", "awaits", awaits, sizeof awaits);
	cr_assert_str_eq(awaits, "2", "it awaits future 2, the yield (future 1 is the task's own)");
	free(text);
	trace_stop();
}

Test(trace, a_waiting_task_cancelled_is_cancelling_until_its_next_step)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct future *never = future_new(loop);
	struct waiter w = { 0, loop, never };
	struct future *task = task_create(loop, "sleeper", wait_once, &w, NULL);
	cr_assert(task != NULL, "task_create");
	loop_run_once(loop);
	REQUIRE_IMPLEMENTED(task_get_state(task) == TASK_DONE ? outcome(task) : 0, "task_step");
	cr_assert_eq(task_cancel(task, NULL), 1, "task_cancel on a waiting task");
	cr_assert_eq(loop_run_until_complete(loop, task), 0, "loop_run_until_complete");
	cr_assert(future_cancelled(task), "the task ended cancelled");
	future_free(task);
	future_free(never);
	loop_free(loop);
	char *text = trace_text();
	char states[128];
	trace_values(text, "task_state", "state", states, sizeof states);
	cr_assert_str_eq(states, "waiting cancelling done",
	                 "waiting, cancelling once cancelled, done after its next step; the "
	                 "record:\n%s",
	                 text);
	char done[128];
	trace_values(text, "future_done", "state", done, sizeof done);
	cr_assert_str_eq(done, "cancelled cancelled",
	                 "the future it awaited is cancelled, then the task's own");
	free(text);
	trace_stop();
}
