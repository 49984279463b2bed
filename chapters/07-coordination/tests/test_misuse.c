/*
 * test_misuse.c - the source article's misuse cases, each played to its
 * end rather than to a hang, and each next to its fix:
 *   - a pthread mutex held across an await: the loop's one thread would
 *     wait for itself (shown safely: an error-checking mutex says EDEADLK
 *     where a default one would block for ever), where lock.c's Lock
 *     just waits;
 *   - a lock not released when the task holding it is cancelled: the
 *     next task never gets it (a timeout shows it), unless the holder
 *     releases on its way out;
 *   - a queue consumer that forgets task_done: join never returns (a
 *     timeout shows it), unless every item is marked done.
 * Everything runs in virtual time.
 */
#include <pthread.h>

#include "coord.h"
#include "lock.h"
#include "queues.h"
#include "timeout.h"

TestSuite(misuse, .timeout = 10);

/* ---- a pthread mutex across an await ------------------------------------ */

/* Task A takes a pthread mutex, then awaits (1 s); task B, meanwhile,
 * tries to take it. Both run on the loop's thread. */
struct mutex_user {
	int resume_point;
	struct loop *loop;
	pthread_mutex_t *mutex;
	bool holder; /* A: lock, await, unlock; B: try to lock */
	int rc;      /* B: what the lock call said */
};

static int mutex_user_step(struct task *task, void *frame)
{
	struct mutex_user *u = frame;
	CORO_BEGIN(u);
	if (u->holder) {
		pthread_mutex_lock(u->mutex);
		CORO_AWAIT(task, u, sleep_for(u->loop, 1));
		pthread_mutex_unlock(u->mutex);
	} else {
		u->rc = pthread_mutex_lock(u->mutex);
	}
	CORO_END(task, u);
}

static int contend_for_a_mutex(int type)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, type);
	pthread_mutex_t mutex;
	pthread_mutex_init(&mutex, &attr);
	struct mutex_user a = { .loop = loop, .mutex = &mutex, .holder = true };
	struct mutex_user b = { .loop = loop, .mutex = &mutex };
	struct future *ta = task_create(loop, "A", mutex_user_step, &a, NULL);
	struct future *tb = task_create(loop, "B", mutex_user_step, &b, NULL);
	run_until(loop, tb);
	/* A still holds it, waiting for its sleep: B's call came back only
	 * because this mutex checks for the deadlock instead of waiting. */
	cr_assert(!future_done(ta), "A, the holder, never got to run while B was in the call");
	run_until(loop, ta);
	pthread_mutex_destroy(&mutex);
	pthread_mutexattr_destroy(&attr);
	future_free(ta);
	future_free(tb);
	loop_free(loop);
	return b.rc;
}

/* An error-checking mutex sees the deadlock: the owner of the mutex is
 * the very thread that asks for it, the loop's. A default mutex would
 * have blocked that thread for ever. */
Test(misuse, a_pthread_mutex_across_an_await_waits_for_its_own_thread)
{
	int rc = contend_for_a_mutex(PTHREAD_MUTEX_ERRORCHECK);
	cr_assert_eq(rc, EDEADLK, "B would wait for A, which runs on B's thread: EDEADLK, got %s",
	             strerror(rc));
}

/* The fix: asyncio's Lock. B waits without blocking the thread; A runs,
 * releases, and B gets the lock. */
static struct future *take_lock(void *lock)
{
	return taken(lock_acquire(lock), "lock_acquire");
}

static int release_lock(void *lock)
{
	return lock_release(lock);
}

struct sleeper_holder {
	int resume_point;
	struct loop *loop;
	struct lock *lock;
	bool release_on_cancel; /* the fix for the next misuse case */
	int outcome;
};

static int holder_step(struct task *task, void *frame)
{
	struct sleeper_holder *h = frame;
	CORO_BEGIN(h);
	CORO_AWAIT(task, h, take_lock(h->lock));
	write_down("A");
	if (!h->release_on_cancel) {
		/* The misuse: an await that lets a cancellation straight through,
		 * past the release below. */
		CORO_AWAIT(task, h, sleep_for(h->loop, 10));
	} else {
		/* The fix, `async with lock:` or try/finally: catch, release,
		 * and let the cancellation go on. */
		CORO_TRY_AWAIT(task, h, sleep_for(h->loop, 10), h->outcome);
		if (h->outcome < 0) {
			lock_release(h->lock);
			write_down("A-");
			return task_raise(task, h->outcome, NULL);
		}
	}
	lock_release(h->lock);
	write_down("A-");
	CORO_END(task, h);
}

Test(misuse, the_fix_is_an_asyncio_lock)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct lock *lock = lock_new(loop);
	journal_reset();
	struct sleeper_holder a = { .loop = loop, .lock = lock };
	struct user b = {
		.name = "B", .thing = lock, .take = take_lock, .give_back = release_lock
	};
	struct future *ta = task_create(loop, "A", holder_step, &a, NULL);
	struct future *tb = user_task(loop, &b);
	run_until(loop, tb);
	cr_assert_str_eq(journal, "A A- B B- ", "B waited for A without freezing the loop");
	cr_assert_float_eq(loop_time(loop), 10, 1e-9, "and got the lock when A let go, at 10 s");
	future_free(ta);
	future_free(tb);
	lock_free(lock);
	loop_free(loop);
}

/* ---- a lock not released on cancellation -------------------------------- */

/* B waits for the lock within a 5-second scope. */
struct bounded_user {
	int resume_point;
	struct lock *lock;
	struct timeout *scope;
	int outcome;
};

static int bounded_step(struct task *task, void *frame)
{
	struct bounded_user *b = frame;
	CORO_BEGIN(b);
	b->scope = timeout_enter(task, 5);
	CORO_TRY_AWAIT(task, b, take_lock(b->lock), b->outcome);
	b->outcome = timeout_exit(b->scope, b->outcome);
	if (b->outcome == 0) {
		write_down("B");
		lock_release(b->lock);
	}
	CORO_END(task, b);
}

static void cancel_a(void *arg)
{
	task_cancel(arg, "stop");
}

static int lock_after_cancelling_its_holder(bool release_on_cancel, double *at)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct lock *lock = lock_new(loop);
	journal_reset();
	struct sleeper_holder a = { .loop = loop,
		                    .lock = lock,
		                    .release_on_cancel = release_on_cancel };
	struct bounded_user b = { .lock = lock };
	struct future *ta = task_create(loop, "A", holder_step, &a, NULL);
	struct future *tb = task_create(loop, "B", bounded_step, &b, NULL);
	handle_detach(scheduled(loop_call_later(loop, 1, cancel_a, ta)));
	run_until(loop, tb);
	cr_assert(future_cancelled(ta), "A was cancelled at 1 s");
	*at = loop_time(loop);
	future_free(ta);
	future_free(tb);
	lock_free(lock);
	loop_free(loop);
	return b.outcome;
}

Test(misuse, a_lock_not_released_on_cancellation_is_lost_for_good)
{
	double at;
	int outcome = lock_after_cancelling_its_holder(false, &at);
	cr_assert_eq(outcome, -ETIMEDOUT, "B never gets the lock: only its timeout ends the wait");
	cr_assert_float_eq(at, 5, 1e-9, "at B's deadline, 5 s");
	cr_assert_str_eq(journal, "A ", "A never released it");
}

Test(misuse, released_on_the_way_out_it_goes_to_the_next)
{
	double at;
	int outcome = lock_after_cancelling_its_holder(true, &at);
	cr_assert_eq(outcome, 0, "B gets the lock");
	cr_assert_float_eq(at, 1, 1e-9, "as soon as A was cancelled, at 1 s");
	cr_assert_str_eq(journal, "A A- B ", "A released it on its way out");
}

/* ---- a consumer that forgets task_done ---------------------------------- */

struct consumer {
	int resume_point;
	struct loop *loop;
	struct queue *q;
	bool marks_done;
};

static int consumer_step(struct task *task, void *frame)
{
	struct consumer *c = frame;
	CORO_BEGIN(c);
	for (;;) {
		CORO_AWAIT(task, c, taken(queue_get(c->q), "queue_get"));
		CORO_AWAIT(task, c, sleep_for(c->loop, 1)); /* the work */
		if (c->marks_done)
			queue_task_done(c->q);
	}
	CORO_END(task, c);
}

/* The producer puts three items and joins, within a 10-second scope. */
struct joiner {
	int resume_point;
	struct queue *q;
	struct timeout *scope;
	int outcome;
};

static int joiner_step(struct task *task, void *frame)
{
	struct joiner *j = frame;
	CORO_BEGIN(j);
	for (intptr_t i = 1; i <= 3; i++)
		queue_put_nowait(j->q, (void *)i);
	j->scope = timeout_enter(task, 10);
	CORO_TRY_AWAIT(task, j, taken(queue_join(j->q), "queue_join"), j->outcome);
	j->outcome = timeout_exit(j->scope, j->outcome);
	CORO_END(task, j);
}

static int join_with_a_consumer(bool marks_done, double *at, size_t *unfinished)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct queue *q = queue_new(loop, 0);
	struct consumer c = { .loop = loop, .q = q, .marks_done = marks_done };
	struct joiner j = { .q = q };
	struct future *tc = task_create(loop, "consumer", consumer_step, &c, NULL);
	struct future *tj = task_create(loop, "producer", joiner_step, &j, NULL);
	run_until(loop, tj);
	*at = loop_time(loop);
	*unfinished = queue_unfinished(q);
	cancel(tc, NULL);
	run_until(loop, tc);
	future_free(tc);
	future_free(tj);
	queue_free(q);
	loop_free(loop);
	return j.outcome;
}

Test(misuse, a_consumer_that_forgets_task_done_never_lets_join_return)
{
	double at;
	size_t unfinished;
	int outcome = join_with_a_consumer(false, &at, &unfinished);
	cr_assert_eq(outcome, -ETIMEDOUT, "join never returns: only the timeout ends it");
	cr_assert_float_eq(at, 10, 1e-9, "at the deadline, 10 s, long after the work was over");
	cr_assert_eq(unfinished, 3, "every item still counts as unfinished");
}

Test(misuse, with_task_done_join_returns_when_the_work_is_over)
{
	double at;
	size_t unfinished;
	int outcome = join_with_a_consumer(true, &at, &unfinished);
	cr_assert_eq(outcome, 0, "join returns");
	cr_assert_float_eq(at, 3, 1e-9, "after the three items' work, 3 s");
	cr_assert_eq(unfinished, 0, "nothing unfinished");
}
