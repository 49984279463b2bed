/*
 * test_trace.c - the loop's flight recorder (trace.h) in chapter 3:
 * callbacks joining the ready queue and leaving it as one snapshot in
 * phase 6, and a future that is done scheduling its callbacks.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "future.h"
#include "loop.h"
#include "testkit.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(trace, .timeout = 10);

static int calls;

static void count_call(void *arg)
{
	(void)arg;
	calls++;
}

static void count_done(struct future *future, void *arg)
{
	(void)future;
	(void)arg;
	calls++;
}

Test(trace, callbacks_join_the_queue_then_run_as_the_snapshot)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	cr_assert_eq(loop_call_soon(loop, count_call, NULL), 0, "loop_call_soon");
	cr_assert_eq(loop_call_soon(loop, count_call, NULL), 0, "loop_call_soon");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "run_ready (loop_run said -ENOSYS)");
	cr_assert_eq(calls, 2, "both callbacks ran");
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "call_soon iteration ready ready_run_all", names, sizeof names);
	cr_assert_str_eq(names, "call_soon call_soon iteration ready ready_run_all",
	                 "two callbacks join the queue, and phase 6 runs them; the record:\n%s",
	                 text);
	char counts[64];
	trace_values(text, "ready_run_all", "count", counts, sizeof counts);
	cr_assert_str_eq(counts, "2", "the snapshot held both callbacks");
	free(text);
	trace_stop();
}

Test(trace, a_future_done_schedules_its_done_callbacks)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct future *future = future_new(loop);
	cr_assert(future != NULL, "future_new");
	int rc = future_add_done_callback(future, count_done, NULL);
	REQUIRE_IMPLEMENTED(rc, "future_add_done_callback");
	cr_assert(future_cancel(future, NULL), "future_cancel on a pending future");
	rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "run_ready (loop_run said -ENOSYS)");
	cr_assert_eq(calls, 1, "the done-callback ran");
	future_free(future);
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "future_new future_done call_soon ready_run_all", names, sizeof names);
	cr_assert_str_eq(names, "future_new future_done call_soon ready_run_all",
	                 "the future is made, is done, and its callback goes through the "
	                 "queue; the record:\n%s",
	                 text);
	char states[64];
	trace_values(text, "future_done", "state", states, sizeof states);
	cr_assert_str_eq(states, "cancelled", "it was cancelled");
	free(text);
	trace_stop();
}

Test(trace, a_future_is_finished_before_its_callbacks_are_scheduled)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct future *future = future_new(loop);
	cr_assert(future != NULL, "future_new");
	int rc = future_add_done_callback(future, count_done, NULL);
	REQUIRE_IMPLEMENTED(rc, "future_add_done_callback");
	rc = future_set_result(future, NULL, NULL);
	REQUIRE_IMPLEMENTED(rc, "future_set_result");
	rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "run_ready (loop_run said -ENOSYS)");
	future_free(future);
	loop_free(loop);
	char *text = trace_text();
	char states[64];
	trace_values(text, "future_done", "state", states, sizeof states);
	cr_assert(states[0] != '\0',
	          "future_set_result did not schedule the done-callbacks: nothing in the record "
	          "says schedule_callbacks ran, so whoever waits on the future is never told it "
	          "is done; the record:\n%s",
	          text);
	cr_assert_str_eq(states, "finished",
	                 "schedule_callbacks recorded the future's state as \"%s\": "
	                 "future_set_result must mark the future FINISHED before it schedules "
	                 "the done-callbacks, so that the record (and anything the scheduling "
	                 "looks at) sees a done future; the record:\n%s",
	                 states, text);
	free(text);
	trace_stop();
}
