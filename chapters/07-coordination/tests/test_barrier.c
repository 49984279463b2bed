/*
 * test_barrier.c - asyncio.Barrier on a condition: N waits meet, each
 * gets its own index, the barrier drains and fills again; a cancelled
 * wait leaves, abort breaks it for good and reset breaks one round.
 * Several tests are CPython's own (test_locks.py).
 */
#include "barrier.h"
#include "coord.h"

TestSuite(barrier, .timeout = 10);

static struct future *wait_barrier(struct barrier *b)
{
	return taken(barrier_wait(b), "barrier_wait");
}

/* N waits: each index 0 .. N-1 exactly once. */
static void expect_indices(struct future *const waits[], int n)
{
	int seen = 0;
	for (int i = 0; i < n; i++) {
		cr_assert(future_done(waits[i]) && !error_of(waits[i]), "wait %d passed", i);
		int index = int_result(waits[i]);
		cr_assert(index >= 0 && index < n && !(seen & (1 << index)),
		          "wait %d got index %d, new and within 0 .. %d", i, index, n - 1);
		seen |= 1 << index;
	}
}

/* CPython's test_filling_task_by_task. */
Test(barrier, the_last_of_n_waits_releases_them_all)
{
	struct loop *loop = quiet_loop();
	struct barrier *b = barrier_new(loop, 3);
	struct future *w[3];
	w[0] = wait_barrier(b);
	run_iterations(loop, 2);
	cr_assert_eq(barrier_n_waiting(b), 1, "one waits");
	w[1] = wait_barrier(b);
	run_iterations(loop, 2);
	cr_assert_eq(barrier_n_waiting(b), 2, "two wait");
	cr_assert(!future_done(w[0]) && !future_done(w[1]), "neither has passed");
	w[2] = wait_barrier(b);
	run_until(loop, w[0]);
	run_until(loop, w[1]);
	run_until(loop, w[2]);
	expect_indices(w, 3);
	cr_assert_eq(barrier_n_waiting(b), 0, "nobody waits any more");
	cr_assert(!barrier_broken(b), "it is not broken");
	for (int i = 0; i < 3; i++)
		future_free(w[i]);
	barrier_free(b);
	loop_free(loop);
}

/* CPython's test_filling_tasks_wait_twice: the same parties, two rounds. */
struct twice {
	int resume_point;
	struct barrier *b;
	int first, second;
};

static int twice_step(struct task *task, void *frame)
{
	struct twice *t = frame;
	CORO_BEGIN(t);
	CORO_AWAIT(task, t, wait_barrier(t->b));
	t->first = (int)(intptr_t)task_await_result(task);
	write_down("round1");
	CORO_AWAIT(task, t, wait_barrier(t->b));
	t->second = (int)(intptr_t)task_await_result(task);
	write_down("round2");
	CORO_END(task, t);
}

Test(barrier, it_fills_again_for_a_second_round)
{
	struct loop *loop = quiet_loop();
	struct barrier *b = barrier_new(loop, 3);
	journal_reset();
	struct twice t[3];
	struct future *tasks[3];
	for (int i = 0; i < 3; i++) {
		t[i] = (struct twice){ .b = b };
		tasks[i] = task_create(loop, "twice", twice_step, &t[i], NULL);
	}
	for (int i = 0; i < 3; i++)
		run_until(loop, tasks[i]);
	cr_assert_str_eq(journal, "round1 round1 round1 round2 round2 round2 ",
	                 "nobody starts the second round before all passed the first");
	int firsts = (1 << t[0].first) | (1 << t[1].first) | (1 << t[2].first);
	int seconds = (1 << t[0].second) | (1 << t[1].second) | (1 << t[2].second);
	cr_assert(firsts == 7 && seconds == 7, "indices 0, 1, 2 in each round");
	cr_assert_eq(barrier_n_waiting(b), 0, "empty again");
	for (int i = 0; i < 3; i++)
		future_free(tasks[i]);
	barrier_free(b);
	loop_free(loop);
}

/* CPython's test_filling_tasks_cancel_one: a cancelled wait leaves, and
 * the barrier needs a new party in its place. */
Test(barrier, a_cancelled_wait_leaves_and_does_not_count)
{
	struct loop *loop = quiet_loop();
	struct barrier *b = barrier_new(loop, 3);
	struct future *w1 = wait_barrier(b);
	run_iterations(loop, 2);
	struct future *w2 = wait_barrier(b);
	run_iterations(loop, 2);
	cr_assert_eq(barrier_n_waiting(b), 2, "two wait");
	cancel(w1, NULL);
	run_until(loop, w1);
	cr_assert(future_cancelled(w1), "the cancelled wait ends CANCELLED");
	cr_assert_eq(barrier_n_waiting(b), 1, "and no longer counts");
	struct future *w3 = wait_barrier(b);
	run_iterations(loop, 3);
	cr_assert(!future_done(w2) && !future_done(w3), "two of three: still waiting");
	struct future *w4 = wait_barrier(b);
	run_until(loop, w2);
	run_until(loop, w3);
	run_until(loop, w4);
	/* Indices are arrival counts, as in asyncio: w1 left, so w3 arrived
	 * as the second of the round, as w2 had: only passing is checked. */
	cr_assert(!error_of(w2) && !error_of(w3) && !error_of(w4), "the three pass together");
	cr_assert_eq(barrier_n_waiting(b), 0, "and nobody waits");
	future_free(w1);
	future_free(w2);
	future_free(w3);
	future_free(w4);
	barrier_free(b);
	loop_free(loop);
}

/* abort: every wait under way, and every later one, fails. */
Test(barrier, abort_breaks_it_for_every_wait_now_and_later)
{
	struct loop *loop = quiet_loop();
	struct barrier *b = barrier_new(loop, 3);
	struct future *w1 = wait_barrier(b), *w2 = wait_barrier(b);
	run_iterations(loop, 3);
	struct future *aborting = taken(barrier_abort(b), "barrier_abort");
	run_until(loop, aborting);
	run_until(loop, w1);
	run_until(loop, w2);
	cr_assert(barrier_broken(b), "the barrier is broken");
	const struct future_error *e1 = error_of(w1), *e2 = error_of(w2);
	cr_assert(e1 && e1->code == BARRIER_BROKEN && e2 && e2->code == BARRIER_BROKEN,
	          "both waits fail: asyncio's BrokenBarrierError");
	struct future *late = wait_barrier(b);
	run_until(loop, late);
	const struct future_error *e3 = error_of(late);
	cr_assert(e3 && e3->code == BARRIER_BROKEN, "and so does a wait after the abort");
	future_free(w1);
	future_free(w2);
	future_free(late);
	future_free(aborting);
	barrier_free(b);
	loop_free(loop);
}

/* CPython's test_reset_barrier_while_tasks_waiting: the waits fail, and
 * the barrier is ready again, not broken. */
Test(barrier, reset_fails_the_waits_under_way_and_fills_again)
{
	struct loop *loop = quiet_loop();
	struct barrier *b = barrier_new(loop, 3);
	struct future *w1 = wait_barrier(b), *w2 = wait_barrier(b);
	run_iterations(loop, 3);
	struct future *resetting = taken(barrier_reset(b), "barrier_reset");
	run_until(loop, w1);
	run_until(loop, w2);
	run_until(loop, resetting);
	const struct future_error *e1 = error_of(w1), *e2 = error_of(w2);
	cr_assert(e1 && e1->code == BARRIER_BROKEN && e2 && e2->code == BARRIER_BROKEN,
	          "the waits under way fail");
	cr_assert(!barrier_broken(b) && barrier_n_waiting(b) == 0, "and it fills again");
	struct future *w[3] = { wait_barrier(b), wait_barrier(b), wait_barrier(b) };
	for (int i = 0; i < 3; i++)
		run_until(loop, w[i]);
	expect_indices(w, 3);
	for (int i = 0; i < 3; i++)
		future_free(w[i]);
	future_free(w1);
	future_free(w2);
	future_free(resetting);
	barrier_free(b);
	loop_free(loop);
}

Test(barrier, it_needs_at_least_one_party)
{
	struct loop *loop = quiet_loop();
	cr_assert(barrier_new(loop, 0) == NULL, "asyncio: ValueError, parties must be > 0");
	struct barrier *b = barrier_new(loop, 1);
	cr_assert_eq(barrier_parties(b), 1, "one party");
	struct future *w = wait_barrier(b);
	run_until(loop, w);
	cr_assert_eq(int_result(w), 0, "a barrier of one passes at once, index 0");
	future_free(w);
	barrier_free(b);
	loop_free(loop);
}
