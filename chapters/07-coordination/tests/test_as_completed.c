/*
 * test_as_completed.c - asyncio.as_completed: the futures of a set in
 * the order they finish, whatever their order in the set, and a timeout
 * for the ones that never do. CPython's test_as_completed and
 * test_as_completed_with_timeout (test_tasks.py), in virtual time.
 */
#include "as_completed.h"
#include "coord.h"

TestSuite(as_completed, .timeout = 10);

/* Take every next one in turn and write down the name of each (the
 * sleeps' results), or "timeout". */
struct taker {
	int resume_point;
	struct as_completed *ac;
	int count;
	int i;
	int outcome;
};

static int taker_step(struct task *task, void *frame)
{
	struct taker *t = frame;
	CORO_BEGIN(t);
	for (t->i = 0; t->i < t->count; t->i++) {
		CORO_TRY_AWAIT(task, t, taken(as_completed_next(t->ac), "as_completed_next"),
		               t->outcome);
		if (t->outcome == -ETIMEDOUT) {
			write_down("timeout");
			continue;
		}
		cr_assert_eq(t->outcome, 0, "as_completed_next: %s", strerror(-t->outcome));
		struct future *done = task_await_result(task);
		void *name = NULL;
		cr_assert_eq(future_result(done, &name), 0, "the finished future has a result");
		write_down(name);
	}
	CORO_END(task, t);
}

/* A future that a timer finishes with NAME as its result. */
struct timed {
	struct future *future;
	const char *name;
};

static void finish_timed(void *arg)
{
	struct timed *t = arg;
	future_set_result(t->future, (void *)t->name, NULL);
}

Test(as_completed, they_come_out_in_the_order_they_finish)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct timed t[3] = { { new_future(loop), "c" },
		              { new_future(loop), "a" },
		              { new_future(loop), "b" } };
	double delays[3] = { 0.3, 0.1, 0.2 };
	struct future *fs[3];
	for (int i = 0; i < 3; i++) {
		fs[i] = t[i].future;
		handle_detach(scheduled(loop_call_later(loop, delays[i], finish_timed, &t[i])));
	}
	struct as_completed *ac = as_completed_new(loop, fs, 3, AS_COMPLETED_FOREVER);
	cr_assert(ac != NULL, "as_completed_new");
	struct taker tk = { .ac = ac, .count = 3 };
	struct future *task = task_create(loop, "taker", taker_step, &tk, NULL);
	run_until(loop, task);
	cr_assert_str_eq(journal, "a b c ", "earliest first, not in the set's order");
	struct future *extra = taken(as_completed_next(ac), "as_completed_next");
	const struct future_error *e = error_of(extra);
	cr_assert(e && e->code == -ENOENT, "no fourth: every future was given out");
	future_free(extra);
	as_completed_free(ac);
	future_free(task);
	for (int i = 0; i < 3; i++)
		future_free(fs[i]);
	loop_free(loop);
}

Test(as_completed, the_timeout_ends_the_ones_still_to_come)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct timed quick = { new_future(loop), "quick" };
	struct future *never = new_future(loop);
	handle_detach(scheduled(loop_call_later(loop, 0.1, finish_timed, &quick)));
	struct future *fs[] = { quick.future, never };
	struct as_completed *ac = as_completed_new(loop, fs, 2, 1.0);
	struct taker tk = { .ac = ac, .count = 2 };
	struct future *task = task_create(loop, "taker", taker_step, &tk, NULL);
	run_until(loop, task);
	cr_assert_str_eq(journal, "quick timeout ", "the second never came: -ETIMEDOUT");
	cr_assert_float_eq(loop_time(loop), 1.0, 1e-9, "at the timeout");
	cr_assert(!future_done(never), "the future itself is not cancelled");
	as_completed_free(ac);
	future_free(task);
	future_free(quick.future);
	future_free(never);
	loop_free(loop);
}

/* A future listed twice counts once (asyncio: set(fs)). */
Test(as_completed, a_future_listed_twice_counts_once)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	struct future *fs[] = { f, f };
	struct as_completed *ac = as_completed_new(loop, fs, 2, AS_COMPLETED_FOREVER);
	struct future *first = taken(as_completed_next(ac), "as_completed_next");
	struct future *second = taken(as_completed_next(ac), "as_completed_next");
	const struct future_error *e = error_of(second);
	cr_assert(e && e->code == -ENOENT, "one future: one next only");
	future_set_result(f, NULL, NULL);
	run_iterations(loop, 2);
	void *done = NULL;
	cr_assert(future_result(first, &done) == 0 && done == f, "the first next gives it");
	future_free(first);
	future_free(second);
	as_completed_free(ac);
	future_free(f);
	loop_free(loop);
}
