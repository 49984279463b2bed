/*
 * test_semaphore.c - asyncio.Semaphore and BoundedSemaphore on futures,
 * with 3.12's semantics: free slots are taken at once, waiters are
 * served first in, first out, a release hands the slot to the oldest
 * waiter, a cancelled waiter gives up its place, and a slot handed to a
 * task cancelled before it could run comes back by itself. Several tests
 * are CPython's own (test_locks.py), one iteration at a time.
 */
#include "coord.h"
#include "semaphore.h"

TestSuite(semaphore, .timeout = 10);

static struct future *acquire_slot(void *sem)
{
	return taken(semaphore_acquire(sem), "semaphore_acquire");
}

static int release_slot(void *sem)
{
	return semaphore_release(sem);
}

static void release(struct semaphore *sem)
{
	int rc = semaphore_release(sem);
	REQUIRE_IMPLEMENTED(rc, "semaphore_release");
	cr_assert_eq(rc, 0, "semaphore_release: %s", strerror(-rc));
}

Test(semaphore, free_slots_are_taken_at_once)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 2);
	struct future *a = acquire_slot(sem), *b = acquire_slot(sem), *c = acquire_slot(sem);
	cr_assert(semaphore_took(a) && semaphore_took(b), "two slots: the first two acquires "
	                                                  "finish at once");
	cr_assert(!future_done(c), "the third waits: no slot is free");
	cr_assert(semaphore_locked(sem), "an acquire would wait now");
	cr_assert_eq(semaphore_value(sem), 0, "no slot is left");
	cr_assert_eq(semaphore_waiting(sem), 1, "one waiter");
	future_cancel(c, NULL);
	run_once(loop);
	future_free(a);
	future_free(b);
	future_free(c);
	semaphore_free(sem);
	loop_free(loop);
}

/* CPython's test_acquire: a release hands the slot over at once (the
 * counter stays at 0), so a newcomer cannot take it. */
Test(semaphore, a_release_hands_the_slot_to_the_oldest_waiter)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 3);
	journal_reset();
	future_free(acquire_slot(sem));
	future_free(acquire_slot(sem));
	cr_assert(!semaphore_locked(sem), "one slot is left");
	struct user u1 = { .name = "1", .thing = sem, .take = acquire_slot };
	struct user u2 = { .name = "2", .thing = sem, .take = acquire_slot };
	struct user u3 = { .name = "3", .thing = sem, .take = acquire_slot };
	struct user u4 = { .name = "4", .thing = sem, .take = acquire_slot };
	struct future *t1 = user_task(loop, &u1), *t2 = user_task(loop, &u2);
	struct future *t3 = user_task(loop, &u3);
	run_once(loop);
	cr_assert_str_eq(journal, "1 ", "the first takes the last slot, two wait");
	cr_assert(semaphore_locked(sem) && semaphore_value(sem) == 0, "none is free");
	struct future *t4 = user_task(loop, &u4);
	release(sem);
	release(sem);
	cr_assert_eq(semaphore_waiting(sem), 0,
	             "wake_up_next: two releases, two waiters: each release wakes the oldest "
	             "waiter that still waits, first in, first out, so none waits now; "
	             "waiters still waiting: %zu (one passed over, or a slot handed to a "
	             "waiter that was done already?)",
	             semaphore_waiting(sem));
	cr_assert_eq(semaphore_value(sem), 0,
	             "wake_up_next: a slot is the woken waiter's as it is woken, so the counter "
	             "goes down by one at each hand-over and a newcomer cannot take it before "
	             "the waiter runs; two releases to two waiters leave %d, not 0",
	             semaphore_value(sem));
	run_once(loop);
	cr_assert_str_eq(journal, "1 2 3 ",
	                 "wake_up_next: each release wakes the oldest waiter that still waits "
	                 "(first in, first out: 2, then 3), never the newcomer 4; the journal "
	                 "says \"%s\"",
	                 journal);
	cr_assert(!future_done(t4), "the newcomer waits");
	release(sem);
	run_until(loop, t4);
	cr_assert_str_eq(journal, "1 2 3 4 ", "then its turn");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	future_free(t4);
	semaphore_free(sem);
	loop_free(loop);
}

/* A plain semaphore may be released past its start; a bounded one not. */
Test(semaphore, only_a_bounded_semaphore_refuses_an_extra_release)
{
	struct loop *loop = quiet_loop();
	struct semaphore *plain = semaphore_new(loop, 1);
	struct semaphore *bounded = bounded_semaphore_new(loop, 1);
	release(plain);
	cr_assert_eq(semaphore_value(plain), 2,
	             "wake_up_next: with nobody waiting a release leaves its slot free "
	             "(asyncio.Semaphore: the counter goes up, from 1 to 2); the counter goes "
	             "down only as a waiter is woken; it is %d",
	             semaphore_value(plain));
	int rc = semaphore_release(bounded);
	REQUIRE_IMPLEMENTED(rc, "semaphore_release");
	cr_assert_eq(rc, -EOVERFLOW,
	             "asyncio.BoundedSemaphore: ValueError, released too "
	             "many times");
	cr_assert_eq(semaphore_value(bounded), 1, "the counter stays at its start");
	cr_assert(semaphore_new(loop, -1) == NULL, "a negative start is refused");
	struct semaphore *zero = semaphore_new(loop, 0);
	cr_assert(zero != NULL && semaphore_locked(zero), "0 is a start: locked at once");
	semaphore_free(zero);
	semaphore_free(plain);
	semaphore_free(bounded);
	loop_free(loop);
}

/* CPython's test_acquire_cancel_before_awoken: two waiters cancelled,
 * then one release: the third waiter gets it, the fourth still waits. */
Test(semaphore, a_release_skips_waiters_cancelled_before_it)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 0);
	journal_reset();
	struct user u[4] = {
		{ .name = "t1" }, { .name = "t2" }, { .name = "t3" }, { .name = "t4" }
	};
	struct future *t[4];
	for (int i = 0; i < 4; i++) {
		u[i].thing = sem;
		u[i].take = acquire_slot;
		t[i] = user_task(loop, &u[i]);
	}
	run_once(loop);
	cancel(t[0], NULL);
	cancel(t[1], NULL);
	release(sem);
	run_iterations(loop, 2);
	cr_assert(future_done(t[2]) && !future_done(t[3]),
	          "wake_up_next: the release passes over t1 and t2, whose futures are done "
	          "(cancelled), and wakes t3, the oldest that still waits, and only t3; t3 %s, "
	          "t4 %s (journal \"%s\")",
	          future_done(t[2]) ? "is done" : "still waits",
	          future_done(t[3]) ? "is done" : "still waits", journal);
	cr_assert_str_eq(journal, "t1! t2! t3 ", "t1 and t2 were cancelled");
	cancel(t[3], NULL);
	run_once(loop);
	for (int i = 0; i < 4; i++)
		future_free(t[i]);
	semaphore_free(sem);
	loop_free(loop);
}

/*
 * The 3.12 semaphore's own race: a slot handed to a waiter whose task is
 * cancelled before it can run goes back by itself, to the next waiter.
 * Chapter 6 asked the task to notice (semaphore_took) and release; now
 * semaphore_took says false, and nothing needs giving back.
 */
Test(semaphore, a_slot_handed_to_a_task_cancelled_before_it_ran_comes_back)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 1);
	journal_reset();
	struct future *holder = acquire_slot(sem);
	struct user a = { .name = "A", .thing = sem, .take = acquire_slot };
	struct user b = {
		.name = "B", .thing = sem, .take = acquire_slot, .give_back = release_slot
	};
	struct future *ta = user_task(loop, &a), *tb = user_task(loop, &b);
	run_once(loop);
	struct future *waiting = taken(semaphore_acquire(sem), "semaphore_acquire");
	release(sem);           /* A's waiter is handed the slot ... */
	cancel(ta, "too late"); /* ... but A is cancelled before it runs */
	run_until(loop, tb);
	cr_assert(future_cancelled(ta), "A ends CANCELLED");
	cr_assert_str_eq(journal, "A! B B- ", "A's slot went to B");
	run_once(loop);
	cr_assert(semaphore_took(waiting), "and B's release to the last waiter: nothing is lost");
	cr_assert_eq(semaphore_value(sem), 0, "the one slot is taken by the last waiter");
	future_free(waiting);
	future_free(holder);
	future_free(ta);
	future_free(tb);
	semaphore_free(sem);
	loop_free(loop);
}

/* CPython's test_acquire_fifo_order_2: releases hand slots out in order,
 * and a task that releases and acquires again goes to the back. */
struct again {
	int resume_point;
	struct semaphore *sem;
};

static int again_step(struct task *task, void *frame)
{
	struct again *a = frame;
	CORO_BEGIN(a);
	CORO_AWAIT(task, a, acquire_slot(a->sem));
	write_down("2");
	semaphore_release(a->sem);
	CORO_AWAIT(task, a, acquire_slot(a->sem));
	write_down("4");
	CORO_END(task, a);
}

Test(semaphore, a_task_that_releases_and_acquires_again_goes_to_the_back)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 1);
	journal_reset();
	struct user u1 = { .name = "1", .thing = sem, .take = acquire_slot };
	struct again a = { .sem = sem };
	struct user u3 = { .name = "3", .thing = sem, .take = acquire_slot };
	struct future *t1 = user_task(loop, &u1);
	struct future *t2 = task_create(loop, "again", again_step, &a, NULL);
	struct future *t3 = user_task(loop, &u3);
	run_once(loop);
	release(sem);
	release(sem);
	run_until(loop, t2);
	cr_assert_str_eq(journal, "1 2 3 4 ", "1, 2, then 3 before 2 again");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, freeing_it_cancels_the_waiters)
{
	struct loop *loop = quiet_loop();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire_slot(sem), *waiter = acquire_slot(sem);
	semaphore_free(sem);
	cr_assert(future_cancelled(waiter), "a waiter of a freed semaphore is cancelled");
	run_once(loop);
	future_free(holder);
	future_free(waiter);
	loop_free(loop);
}
