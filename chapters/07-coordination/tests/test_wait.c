/*
 * test_wait.c - asyncio.wait: FIRST_COMPLETED, FIRST_EXCEPTION and
 * ALL_COMPLETED, and a timeout that returns rather than fails; the done
 * and pending lists, and nothing cancelled. CPython's test_wait_*
 * (test_tasks.py), in virtual time.
 */
#include "coord.h"
#include "wait.h"

TestSuite(wait, .timeout = 10);

struct timed {
	struct future *future;
	int error; /* 0: finish with a result */
};

static void finish_timed(void *arg)
{
	struct timed *t = arg;
	if (t->error)
		future_set_exception(t->future, t->error, "boom");
	else
		future_set_result(t->future, NULL, NULL);
}

/* Three futures that finish at 0.1 (fails with FIRST_ERROR if not 0),
 * 0.2 and 10 s; a wait on them with WHEN and TIMEOUT; the loop runs until
 * the wait is over. Returns the wait's future. */
static struct future *three(struct loop *loop, struct timed t[3], int first_error,
                            enum wait_when when, double timeout)
{
	double delays[3] = { 0.1, 0.2, 10 };
	struct future *fs[3];
	for (int i = 0; i < 3; i++) {
		t[i] = (struct timed){ new_future(loop), i == 0 ? first_error : 0 };
		fs[i] = t[i].future;
		handle_detach(scheduled(loop_call_later(loop, delays[i], finish_timed, &t[i])));
	}
	struct future *w = taken(wait_futures(loop, fs, 3, timeout, when), "wait_futures");
	run_until(loop, w);
	return w;
}

static const struct wait_result *result_of(struct future *w)
{
	void *value = NULL;
	cr_assert_eq(future_result(w, &value), 0, "the wait finishes with a result");
	return value;
}

static void free_three(struct timed t[3], struct future *w)
{
	future_free(w);
	for (int i = 0; i < 3; i++) {
		error_of(t[i].future); /* read: the failure was expected */
		future_free(t[i].future);
	}
}

Test(wait, first_completed_returns_with_the_first)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct timed t[3];
	struct future *w = three(loop, t, 0, WAIT_FIRST_COMPLETED, WAIT_FOREVER);
	const struct wait_result *r = result_of(w);
	cr_assert_eq(r->done_count, 1, "one done");
	cr_assert(r->done[0] == t[0].future, "the first to finish");
	cr_assert_eq(r->pending_count, 2, "two pending, not cancelled");
	cr_assert(!future_cancelled(t[1].future) && !future_cancelled(t[2].future),
	          "wait cancels nothing");
	cr_assert_float_eq(loop_time(loop), 0.1, 1e-9, "at 0.1 s");
	free_three(t, w);
	loop_free(loop);
}

Test(wait, first_exception_returns_at_the_first_failure)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct timed t[3];
	struct future *w = three(loop, t, -EDOM, WAIT_FIRST_EXCEPTION, WAIT_FOREVER);
	const struct wait_result *r = result_of(w);
	cr_assert(r->done_count == 1 && r->done[0] == t[0].future, "the failed one is done");
	cr_assert_float_eq(loop_time(loop), 0.1, 1e-9, "at its failure, 0.1 s");
	free_three(t, w);
	loop_free(loop);
}

/* FIRST_EXCEPTION without any failure: it waits for all, like
 * ALL_COMPLETED. */
Test(wait, first_exception_without_a_failure_waits_for_all)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct timed t[3];
	struct future *w = three(loop, t, 0, WAIT_FIRST_EXCEPTION, WAIT_FOREVER);
	const struct wait_result *r = result_of(w);
	cr_assert(r->done_count == 3 && r->pending_count == 0, "all three done");
	cr_assert_float_eq(loop_time(loop), 10, 1e-9, "at the last one, 10 s");
	free_three(t, w);
	loop_free(loop);
}

Test(wait, all_completed_with_a_timeout_returns_what_is_done)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct timed t[3];
	struct future *w = three(loop, t, 0, WAIT_ALL_COMPLETED, 1.0);
	const struct wait_result *r = result_of(w);
	cr_assert(r->done_count == 2 && r->pending_count == 1, "two done, one pending");
	cr_assert(r->pending[0] == t[2].future, "the slow one");
	cr_assert(!future_done(t[2].future), "a timeout returns, and cancels nothing");
	cr_assert_float_eq(loop_time(loop), 1.0, 1e-9, "at the timeout");
	free_three(t, w);
	loop_free(loop);
}

Test(wait, an_empty_set_is_an_error)
{
	struct loop *loop = quiet_loop();
	struct future *w = taken(wait_futures(loop, NULL, 0, WAIT_FOREVER, WAIT_ALL_COMPLETED),
	                         "wait_futures");
	const struct future_error *e = error_of(w);
	cr_assert(e && e->code == -EINVAL, "asyncio: ValueError, Set of Tasks/Futures is empty.");
	future_free(w);
	loop_free(loop);
}
