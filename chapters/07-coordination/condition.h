/*
 * condition.h - wait, under a lock, until another task says something
 * changed.
 *
 * Mirrors: asyncio.Condition. A condition is a lock (its own, or one it
 * is given) and a line of waiters. A task that holds the lock and finds
 * that it cannot go on awaits condition_wait: that releases the lock,
 * waits until another task, holding the lock, calls condition_notify,
 * then takes the lock again before it returns. So the waiting task always
 * looks at the shared state under the lock, and never misses a change
 * made between its look and its wait.
 *
 *   CORO_AWAIT(task, f, condition_acquire(f->cond));
 *   while (!ready(f))
 *           CORO_TRY_AWAIT(task, f, condition_wait(f->cond), outcome);
 *   ... (outcome < 0: cancelled; the lock is held all the same) ...
 *   condition_release(f->cond);
 *
 * Whatever ends it, a wait returns with the lock held again, cancelled
 * or not, as asyncio's does: the caller releases it, as `async with cond`
 * would. That is why a cancellation during a wait still waits for the
 * lock before it is delivered.
 *
 * Interface:
 *   condition_new / condition_free
 *   condition_acquire / condition_release / condition_locked   its lock
 *   condition_wait      release, wait for a notify, take the lock again (wait)
 *   condition_wait_for  wait until PREDICATE(ARG) is true              (wait_for)
 *   condition_notify / condition_notify_all   wake N waiters, or all
 */
#ifndef CONDITION_H
#define CONDITION_H

#include <stdbool.h>

struct loop;
struct future;
struct lock;
struct condition;

/* condition_new: a condition on LOCK, or on a lock of its own when LOCK is
 * NULL. LOCK stays the caller's and must outlive the condition. NULL when
 * out of memory. */
struct condition *condition_new(struct loop *loop, struct lock *lock);

/* condition_free: cancels the waits still waiting, frees its own lock (if
 * it made one), then frees. NULL is allowed. */
void condition_free(struct condition *cond);

/* The lock's acquire, release and locked (lock.h). */
struct future *condition_acquire(struct condition *cond);
int condition_release(struct condition *cond);
bool condition_locked(const struct condition *cond);

/*
 * condition_wait: release the lock, which the caller must hold, and
 * return a future, one reference for the caller, that finishes (result
 * NULL) once the wait was notified and the lock is the caller's again.
 * Cancelled, it ends CANCELLED, but only once the lock is the caller's
 * again. Fails at once with -EPERM when the lock is not held (asyncio:
 * RuntimeError, "cannot wait on un-acquired lock"). NULL when out of
 * memory (the lock is still held then).
 * Simplification: the caller runs one iteration after the lock was taken
 * back, asyncio's in the same one (docs/asyncio-differences.md).
 */
struct future *condition_wait(struct condition *cond);

/* A condition the caller waits for; evaluated with the lock held. */
typedef bool condition_predicate(void *arg);

/* condition_wait_for: as asyncio's wait_for, `while not predicate():
 * await cond.wait()`, run as a task; the caller holds the lock, and holds
 * it again when the future is done. -EPERM as condition_wait. */
struct future *condition_wait_for(struct condition *cond, condition_predicate *predicate,
                                  void *arg);

/* condition_notify: wake up to N of the waits, oldest first (they take
 * the lock in turn once the caller releases it). Returns how many were
 * woken, or -EPERM when the lock is not held (asyncio: RuntimeError,
 * "cannot notify on un-acquired lock"). condition_notify_all wakes them
 * all. */
int condition_notify(struct condition *cond, int n);
int condition_notify_all(struct condition *cond);

#endif
