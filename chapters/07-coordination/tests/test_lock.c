/*
 * test_lock.c - asyncio.Lock on futures: free means taken at once,
 * waiters are served in order, a cancelled waiter leaves the line, and a
 * waiter cancelled just after it was woken passes its turn on, so that no
 * wake-up is lost. Several tests are CPython's own (test_locks.py),
 * played one iteration at a time.
 */
#include "coord.h"
#include "lock.h"

TestSuite(lock, .timeout = 10);

static struct future *take_lock(void *lock)
{
	return taken(lock_acquire(lock), "lock_acquire");
}

static int release_lock(void *lock)
{
	return lock_release(lock);
}

/* Take a free lock from the test itself: done at once. */
static void acquire_now(struct lock *lock)
{
	struct future *f = take_lock(lock);
	cr_assert(future_done(f) && waiter_took(f), "a free lock is taken at once");
	future_free(f);
}

static void release(struct lock *lock)
{
	int rc = lock_release(lock);
	REQUIRE_IMPLEMENTED(rc, "lock_release");
	cr_assert_eq(rc, 0, "lock_release: %s", strerror(-rc));
}

/* CPython's test_acquire: three tasks, served in the order they came,
 * each as soon as the lock is released, one iteration later. */
Test(lock, waiters_are_served_first_come_first_served)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user u1 = { .name = "c1", .thing = lock, .take = take_lock };
	struct user u2 = { .name = "c2", .thing = lock, .take = take_lock };
	struct user u3 = { .name = "c3", .thing = lock, .take = take_lock };
	struct future *t1 = user_task(loop, &u1), *t2 = user_task(loop, &u2);
	run_once(loop);
	cr_assert_str_eq(journal, "", "both wait");
	release(lock);
	run_once(loop);
	cr_assert_str_eq(journal, "c1 ", "the first one has it after one iteration");
	run_once(loop);
	cr_assert_str_eq(journal, "c1 ", "the second still waits");
	struct future *t3 = user_task(loop, &u3);
	release(lock);
	run_once(loop);
	cr_assert_str_eq(journal, "c1 c2 ", "the second, not the newcomer");
	release(lock);
	run_once(loop);
	cr_assert_str_eq(journal, "c1 c2 c3 ", "then the third");
	cr_assert(future_done(t1) && future_done(t2) && future_done(t3), "all three are done");
	cr_assert(lock_locked(lock), "the third holds it");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	lock_free(lock);
	loop_free(loop);
}

Test(lock, releasing_a_free_lock_is_an_error)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	int rc = lock_release(lock);
	REQUIRE_IMPLEMENTED(rc, "lock_release");
	cr_assert_eq(rc, -EPERM, "asyncio: RuntimeError, 'Lock is not acquired.'");
	lock_free(lock);
	loop_free(loop);
}

/* Between the release and the woken waiter's step the lock is free, as
 * in asyncio, and yet a newcomer may not take it: the woken waiter is
 * still in line. */
Test(lock, after_a_release_the_woken_waiter_takes_it_when_it_runs)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user u = { .name = "w", .thing = lock, .take = take_lock };
	struct future *t = user_task(loop, &u);
	run_once(loop);
	release(lock);
	cr_assert(!lock_locked(lock), "released: not locked until the waiter runs");
	struct future *late = take_lock(lock);
	cr_assert(!future_done(late), "a newcomer waits behind the woken waiter");
	run_once(loop);
	cr_assert_str_eq(journal, "w ", "the woken waiter has it");
	cr_assert(lock_locked(lock),
	          "claim_or_pass: a waiter woken by a release (WAITER_WOKEN) owns the lock "
	          "once its task runs, so locked must be true again; it is false, and a "
	          "newcomer could take the lock beside it");
	cr_assert(!future_done(late), "the newcomer still waits");
	future_cancel(late, NULL);
	run_once(loop);
	future_free(late);
	future_free(t);
	lock_free(lock);
	loop_free(loop);
}

/* CPython's test_acquire_cancel: a cancelled waiter leaves the line. */
Test(lock, a_waiter_cancelled_while_it_waits_leaves_the_line)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user quitter = { .name = "q", .thing = lock, .take = take_lock };
	struct user patient = { .name = "p", .thing = lock, .take = take_lock };
	struct future *tq = user_task(loop, &quitter), *tp = user_task(loop, &patient);
	run_once(loop);
	cancel(tq, "changed its mind");
	run_iterations(loop, 2);
	cr_assert(future_cancelled(tq), "the cancelled waiter ends CANCELLED");
	cr_assert_str_eq(journal, "q! ",
	                 "claim_or_pass: q was cancelled while it waited (WAITER_CANCELLED) and "
	                 "the lock is still held: it must pass its turn on only if the lock is "
	                 "free, or p runs beside the holder; the journal says \"%s\"",
	                 journal);
	release(lock);
	run_once(loop);
	cr_assert_str_eq(journal, "q! p ", "the lock skips it and goes to the next");
	future_free(tq);
	future_free(tp);
	lock_free(lock);
	loop_free(loop);
}

/*
 * The race CPython fixed in 2016 (issue 27585: "a deadlock when the waiter
 * who is about to take the lock is cancelled"): A's waiter is woken by a
 * release, then A's task is cancelled before it can run. A must not take
 * the lock, and B, behind it, must not be forgotten: A's turn passes to B.
 */
Test(lock, a_waiter_cancelled_just_after_it_was_woken_passes_its_turn_on)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user a = {
		.name = "A", .thing = lock, .take = take_lock, .give_back = release_lock
	};
	struct user b = {
		.name = "B", .thing = lock, .take = take_lock, .give_back = release_lock, .hold = 1
	};
	struct future *ta = user_task(loop, &a), *tb = user_task(loop, &b);
	run_once(loop);
	release(lock);          /* A's waiter is woken ... */
	cancel(ta, "too late"); /* ... and A is cancelled before it runs */
	run_once(loop);
	cr_assert(!lock_locked(lock) || future_done(tb) || strstr(journal, "B"),
	          "claim_or_pass: A was woken, then cancelled before it ran (WAITER_GAVE_UP): "
	          "it must not take the lock, only a WAITER_WOKEN end does; the lock is held "
	          "and nobody has it (journal \"%s\")",
	          journal);
	for (int i = 0; i < 3 && !strstr(journal, "B"); i++)
		run_once(loop);
	cr_assert(strstr(journal, "B") != NULL,
	          "claim_or_pass: A was woken, then cancelled before it ran (WAITER_GAVE_UP), "
	          "and the lock is free: A must wake the next waiter, B, or B waits for a "
	          "turn that never comes (CPython's issue 27585); the journal says \"%s\"",
	          journal);
	cr_assert(lock_locked(lock),
	          "claim_or_pass: B was woken by the turn A passed on (WAITER_WOKEN): B owns the "
	          "lock now, so locked must be true while B holds it; it is false, and a "
	          "newcomer could take it beside B");
	run_until(loop, tb);
	cr_assert(future_cancelled(ta), "A ends CANCELLED");
	cr_assert_str_eq(journal, "A! B B- ", "A never had the lock; B got its turn");
	cr_assert(!lock_locked(lock), "B released it: nothing is lost");
	future_free(ta);
	future_free(tb);
	lock_free(lock);
	loop_free(loop);
}

/* CPython's test_finished_waiter_cancelled: B is cancelled, then the lock
 * released; C, created in between, must still get the lock. */
Test(lock, a_cancelled_first_waiter_does_not_keep_the_next_from_the_lock)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user b = { .name = "B", .thing = lock, .take = take_lock };
	struct user c = { .name = "C", .thing = lock, .take = take_lock };
	struct future *tb = user_task(loop, &b);
	run_once(loop);
	struct future *tc = user_task(loop, &c);
	cancel(tb, NULL);
	release(lock);
	run_once(loop);
	cr_assert(lock_locked(lock),
	          "claim_or_pass: C, woken by the release, owns the lock once it runs "
	          "(WAITER_WOKEN sets locked), so the lock is taken again; it is free");
	cr_assert(future_cancelled(tb), "B is cancelled");
	run_until(loop, tc);
	cr_assert_str_eq(journal, "C B! ", "C has the lock");
	future_free(tb);
	future_free(tc);
	lock_free(lock);
	loop_free(loop);
}

/* The lockit coroutine of CPython's test_cancel_race: acquire, wait for
 * a blocker (if any), release. */
struct lockit {
	int resume_point;
	struct lock *lock;
	struct future *blocker;
	const char *name;
};

static int lockit_step(struct task *task, void *frame)
{
	struct lockit *l = frame;
	int outcome;
	CORO_BEGIN(l);
	CORO_AWAIT(task, l, take_lock(l->lock));
	write_down(l->name);
	if (l->blocker) {
		CORO_TRY_AWAIT(task, l, future_retain(l->blocker), outcome);
		(void)outcome;
	}
	lock_release(l->lock);
	CORO_END(task, l);
}

/* CPython's test_cancel_race: A holds the lock, B and C wait; B is
 * cancelled as A releases. The release skips B's cancelled waiter and C
 * gets the lock. */
Test(lock, a_release_skips_a_waiter_cancelled_at_the_same_time)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	journal_reset();
	struct future *fa = new_future(loop);
	struct lockit a = { .lock = lock, .blocker = fa, .name = "A" };
	struct lockit b = { .lock = lock, .name = "B" }, c = { .lock = lock, .name = "C" };
	struct future *ta = task_create(loop, "A", lockit_step, &a, NULL);
	run_once(loop);
	cr_assert(lock_locked(lock), "A holds the lock");
	struct future *tb = task_create(loop, "B", lockit_step, &b, NULL);
	run_once(loop);
	struct future *tc = task_create(loop, "C", lockit_step, &c, NULL);
	run_once(loop);
	future_set_result(fa, NULL, NULL);
	cancel(tb, NULL);
	run_once(loop);
	cr_assert(!lock_locked(lock),
	          "claim_or_pass: the lock is held, yet A released it and C has not run yet: "
	          "B was cancelled while it waited (WAITER_CANCELLED), and a waiter that was "
	          "not woken never takes the lock; only WAITER_WOKEN sets locked, the other "
	          "two endings pass the turn on");
	cr_assert(future_done(ta) && future_cancelled(tb), "A is done, B cancelled");
	run_iterations(loop, 2);
	cr_assert(future_done(tc),
	          "claim_or_pass: B was cancelled as A released the lock; B did not take it "
	          "and the lock is free, so B must wake the next waiter, C, or C waits for "
	          "ever; the journal says \"%s\"",
	          journal);
	run_until(loop, tc);
	cr_assert_str_eq(journal, "A C ", "C got the lock");
	future_free(ta);
	future_free(tb);
	future_free(tc);
	future_free(fa);
	lock_free(lock);
	loop_free(loop);
}

/* CPython's test_cancel_release_race: in one callback, t1 is cancelled
 * and the lock released. Exactly one of the waiters takes the lock. */
static struct future *race_t1;
static struct lock *race_lock;

static void trigger(void *arg)
{
	(void)arg;
	task_cancel(race_t1, NULL);
	lock_release(race_lock);
}

Test(lock, cancel_and_release_in_one_callback_take_the_lock_once)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = race_lock = lock_new(loop);
	journal_reset();
	acquire_now(lock);
	struct user u1 = { .name = "t1", .thing = lock, .take = take_lock };
	struct user u2 = { .name = "t2", .thing = lock, .take = take_lock };
	struct user u3 = { .name = "t3", .thing = lock, .take = take_lock };
	struct future *t1 = race_t1 = user_task(loop, &u1);
	struct future *t2 = user_task(loop, &u2), *t3 = user_task(loop, &u3);
	run_once(loop);
	handle_detach(loop_call_soon(loop, trigger, NULL));
	run_until(loop, t1);
	cr_assert(future_cancelled(t1), "t1 ends CANCELLED");
	run_iterations(loop, 2);
	cr_assert(future_done(t2), "t2 took the lock (the journal says \"%s\")", journal);
	cr_assert(!future_done(t3),
	          "claim_or_pass: t1 was cancelled and passed its turn on: one turn wakes one "
	          "waiter, the first in line (wake_up_first), and t2 took the lock, so t3 must "
	          "still wait; it got the lock as well, and two tasks held it at once (the "
	          "journal says \"%s\")",
	          journal);
	cr_assert_str_eq(journal, "t1! t2 ", "the lock was taken once");
	cancel(t3, NULL);
	run_until(loop, t3);
	cr_assert(future_cancelled(t3), "t3 ends CANCELLED");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	lock_free(lock);
	loop_free(loop);
}

Test(lock, freeing_it_cancels_the_waiters)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	acquire_now(lock);
	struct future *waiting = take_lock(lock);
	lock_free(lock);
	cr_assert(future_cancelled(waiting), "a waiter of a freed lock is cancelled");
	run_once(loop); /* its after-wait code must not touch the freed lock */
	future_free(waiting);
	loop_free(loop);
}
