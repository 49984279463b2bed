/*
 * test_condition.c - asyncio.Condition on futures: a wait releases the
 * lock, a notify wakes waiters in order, and a woken waiter returns only
 * with the lock in hand, even when it was cancelled. Several tests are
 * CPython's own (test_locks.py); where a step takes one iteration more
 * here (a woken wait asks for the lock, then finishes its future), the
 * test runs the loop until the outcome, not a counted number of steps.
 */
#include "condition.h"
#include "coord.h"
#include "lock.h"

TestSuite(condition, .timeout = 10);

/* The test takes the condition's lock itself: it is free, so at once. */
static void acquire_now(struct condition *cond)
{
	struct future *f = taken(condition_acquire(cond), "condition_acquire");
	cr_assert(future_done(f), "the lock is free: taken at once");
	future_free(f);
}

static void release(struct condition *cond)
{
	int rc = condition_release(cond);
	REQUIRE_IMPLEMENTED(rc, "lock_release");
	cr_assert_eq(rc, 0, "condition_release: %s", strerror(-rc));
}

/* CPython's c1, c2, c3: acquire, wait, then write the name down and
 * release (or write "name!" if the wait was cancelled: the lock is held
 * then all the same, and given back). */
struct cond_user {
	int resume_point;
	struct condition *cond;
	const char *name;
	int outcome;
	bool held_after; /* the lock was held when the wait returned */
	char word[16];
};

static int cond_user_step(struct task *task, void *frame)
{
	struct cond_user *u = frame;
	CORO_BEGIN(u);
	CORO_AWAIT(task, u, taken(condition_acquire(u->cond), "condition_acquire"));
	CORO_TRY_AWAIT(task, u, taken(condition_wait(u->cond), "condition_wait"), u->outcome);
	u->held_after = condition_locked(u->cond);
	snprintf(u->word, sizeof u->word, "%s%s", u->name, u->outcome < 0 ? "!" : "");
	write_down(u->word);
	condition_release(u->cond);
	if (u->outcome < 0)
		return task_raise(task, u->outcome, NULL);
	CORO_END(task, u);
}

static struct future *cond_user_task(struct loop *loop, struct cond_user *u)
{
	struct future *task = task_create(loop, u->name, cond_user_step, u, NULL);
	cr_assert(task != NULL, "task_create");
	return task;
}

/* CPython's test_notify: notify(1) wakes the oldest, notify(1) and
 * notify(2048) the other two, in order, each with the lock in turn. */
Test(condition, notify_wakes_the_oldest_waits_in_order)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	struct cond_user u1 = { .cond = cond, .name = "1" }, u2 = { .cond = cond, .name = "2" },
	                 u3 = { .cond = cond, .name = "3" };
	struct future *t1 = cond_user_task(loop, &u1), *t2 = cond_user_task(loop, &u2),
	              *t3 = cond_user_task(loop, &u3);
	run_iterations(loop, 3);
	cr_assert_str_eq(journal, "", "all three wait");
	cr_assert(!condition_locked(cond), "and the lock is free: each wait released it");
	acquire_now(cond);
	cr_assert_eq(condition_notify(cond, 1), 1, "notify(1) wakes one");
	release(cond);
	run_until(loop, t1);
	cr_assert_str_eq(journal, "1 ", "the oldest");
	acquire_now(cond);
	cr_assert_eq(condition_notify(cond, 1), 1, "notify(1) wakes one more");
	cr_assert_eq(condition_notify(cond, 2048), 1, "notify(2048) wakes the last one");
	release(cond);
	run_until(loop, t3);
	cr_assert_str_eq(journal, "1 2 3 ", "then the others, in order");
	cr_assert(u1.held_after && u2.held_after && u3.held_after,
	          "every wait returned with the lock held");
	future_free(t1);
	future_free(t2);
	future_free(t3);
	condition_free(cond);
	loop_free(loop);
}

/* Notified while the notifier still holds the lock: the woken wait does
 * not return until the lock is released (CPython's test_wait). */
Test(condition, a_notified_wait_returns_only_once_it_has_the_lock)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	struct cond_user u = { .cond = cond, .name = "w" };
	struct future *t = cond_user_task(loop, &u);
	run_iterations(loop, 3);
	acquire_now(cond);
	condition_notify_all(cond);
	run_iterations(loop, 3);
	cr_assert_str_eq(journal, "", "notified, but the lock is the notifier's");
	cr_assert(condition_locked(cond), "still held by the test");
	release(cond);
	run_until(loop, t);
	cr_assert_str_eq(journal, "w ", "once released, the wait returns");
	cr_assert(u.held_after, "with the lock");
	future_free(t);
	condition_free(cond);
	loop_free(loop);
}

/* CPython's test_wait_cancel: a cancelled wait still takes the lock back
 * before its task sees the cancellation. */
Test(condition, a_cancelled_wait_takes_the_lock_back_before_it_ends)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	struct cond_user u = { .cond = cond, .name = "w" };
	struct future *t = cond_user_task(loop, &u);
	run_iterations(loop, 3);
	acquire_now(cond);
	cancel(t, "stop");
	run_iterations(loop, 3);
	cr_assert(!future_done(t), "cancelled, but it waits for the lock, which the test holds");
	release(cond);
	run_until(loop, t);
	cr_assert(future_cancelled(t), "then it ends CANCELLED");
	cr_assert(u.held_after, "having held the lock, as asyncio's wait promises");
	cr_assert_str_eq(journal, "w! ", "it saw the cancellation");
	cr_assert(!condition_locked(cond), "and it released the lock");
	future_free(t);
	condition_free(cond);
	loop_free(loop);
}

/* CPython's test_wait_cancel_contested: notified, then cancelled while
 * it waits for the lock: it still ends with the lock. */
Test(condition, cancelled_while_it_waits_for_the_lock_it_still_gets_it)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	struct cond_user u = { .cond = cond, .name = "w" };
	struct future *t = cond_user_task(loop, &u);
	run_iterations(loop, 3);
	acquire_now(cond);
	condition_notify(cond, 1);
	run_iterations(loop, 2); /* woken: it now waits for the lock */
	cancel(t, NULL);
	release(cond);
	run_until(loop, t);
	cr_assert(u.held_after, "it had the lock when its wait ended");
	cr_assert(!condition_locked(cond), "and released it");
	future_free(t);
	condition_free(cond);
	loop_free(loop);
}

/* A wait notified, then cancelled before it runs, takes the lock back
 * and ends cancelled; the notification is spent, and the other wait goes
 * on waiting. That is 3.12's behaviour (3.13 passes the notification on:
 * the conformance row condition.notified_then_cancelled). */
Test(condition, a_notified_wait_cancelled_before_it_runs_spends_the_notification)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	struct cond_user a = { .cond = cond, .name = "a" }, b = { .cond = cond, .name = "b" };
	struct future *ta = cond_user_task(loop, &a), *tb = cond_user_task(loop, &b);
	run_iterations(loop, 3);
	acquire_now(cond);
	cr_assert_eq(condition_notify(cond, 1), 1, "one wait notified");
	release(cond);
	cancel(ta, NULL);
	run_until(loop, ta);
	cr_assert(future_cancelled(ta), "a ends CANCELLED");
	cr_assert(a.held_after, "with the lock taken back first");
	run_iterations(loop, 5);
	cr_assert_str_eq(journal, "a! ", "b was not notified in a's place");
	cr_assert(!future_done(tb), "b still waits");
	cancel(tb, NULL);
	run_until(loop, tb);
	future_free(ta);
	future_free(tb);
	condition_free(cond);
	loop_free(loop);
}

Test(condition, wait_and_notify_need_the_lock)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	struct future *f = condition_wait(cond);
	cr_assert(f != NULL, "condition_wait returns a future");
	const struct future_error *error = error_of(f);
	cr_assert(error && error->code == -EPERM, "asyncio: RuntimeError, cannot wait on "
	                                          "un-acquired lock");
	future_free(f);
	cr_assert_eq(condition_notify(cond, 1), -EPERM, "nor notify on un-acquired lock");
	cr_assert_eq(condition_notify_all(cond), -EPERM, "nor notify_all");
	condition_free(cond);
	loop_free(loop);
}

/* wait_for: `while not predicate(): await cond.wait()` (CPython's
 * test_wait_for). */
static bool presult;

static bool predicate(void *arg)
{
	(void)arg;
	return presult;
}

struct for_user {
	int resume_point;
	struct condition *cond;
};

static int for_user_step(struct task *task, void *frame)
{
	struct for_user *u = frame;
	CORO_BEGIN(u);
	CORO_AWAIT(task, u, taken(condition_acquire(u->cond), "condition_acquire"));
	CORO_AWAIT(task, u,
	           taken(condition_wait_for(u->cond, predicate, NULL), "condition_wait_for"));
	write_down("1");
	condition_release(u->cond);
	CORO_END(task, u);
}

Test(condition, wait_for_waits_until_the_predicate_holds)
{
	struct loop *loop = quiet_loop();
	struct condition *cond = condition_new(loop, NULL);
	journal_reset();
	presult = false;
	struct for_user u = { .cond = cond };
	struct future *t = task_create(loop, "c1", for_user_step, &u, NULL);
	run_iterations(loop, 3);
	acquire_now(cond);
	condition_notify(cond, 1);
	release(cond);
	run_iterations(loop, 5);
	cr_assert_str_eq(journal, "", "notified, but the predicate is false: it waits again");
	presult = true;
	acquire_now(cond);
	condition_notify(cond, 1);
	release(cond);
	run_until(loop, t);
	cr_assert_str_eq(journal, "1 ", "the predicate holds: it returns");
	cr_assert(!condition_locked(cond), "and released the lock");
	future_free(t);
	condition_free(cond);
	loop_free(loop);
}

/* A condition on a lock of the caller's: both say the same. */
Test(condition, a_condition_on_a_given_lock_shares_it)
{
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	struct condition *cond = condition_new(loop, lock);
	struct future *f = taken(lock_acquire(lock), "lock_acquire");
	cr_assert(condition_locked(cond), "taking the lock takes the condition's");
	release(cond);
	cr_assert(!lock_locked(lock), "releasing the condition releases the lock");
	future_free(f);
	condition_free(cond);
	cr_assert(!lock_locked(lock), "the lock outlives the condition, and is the caller's");
	lock_free(lock);
	loop_free(loop);
}
