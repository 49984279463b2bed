/*
 * lock.h - one task at a time: a flag, and a line of futures for the
 * others.
 *
 * Mirrors: asyncio.Lock. `async with lock:` is an acquire, which waits
 * while the lock is taken, and a release on the way out, however the
 * block ends:
 *
 *   CORO_AWAIT(task, f, lock_acquire(f->lock));
 *   ... the critical section; a cancellation here must still release ...
 *   lock_release(f->lock);
 *
 * Waiters are served first come, first served. A waiter cancelled while it
 * waits leaves the line; one cancelled just after it was woken passes its
 * turn to the next (waiter.h, WAITER_GAVE_UP), so no wake-up is ever lost.
 * A lock belongs to nobody: any task may release it (asyncio's Lock is not
 * reentrant and has no owner either).
 *
 * Why not a pthread mutex: every task of a loop runs on the loop's one
 * thread. A task that holds a pthread mutex across an await, and another
 * that then locks it, block that thread for ever: the holder can only
 * release it by running, on the thread that is now blocked
 * (tests/test_misuse.c shows it, safely).
 *
 * Interface:
 *   lock_new / lock_free  an unlocked lock
 *   lock_acquire          a future done once the lock is the caller's (acquire)
 *   lock_release          unlock it and wake the oldest waiter  (release)
 *   lock_locked           is it taken?                          (locked)
 */
#ifndef LOCK_H
#define LOCK_H

#include <stdbool.h>

struct loop;
struct future;
struct lock;

/* lock_new: an unlocked lock on LOOP, or NULL when out of memory. The
 * caller frees it with lock_free. */
struct lock *lock_new(struct loop *loop);

/* lock_free: cancels the futures of those still waiting, then frees.
 * NULL is allowed. */
void lock_free(struct lock *lock);

/*
 * lock_acquire: a future, one reference for the caller, that finishes
 * (result NULL) once the lock is the caller's: done already when the lock
 * is free and nobody waits for it (awaiting it then does not suspend),
 * else when a release wakes this waiter, the oldest first. Cancelling the
 * task that awaits it gives up the place in the line, or, if it was woken
 * already, the turn, which goes to the next waiter. NULL when out of
 * memory.
 */
struct future *lock_acquire(struct lock *lock);

/* lock_release: unlock, and wake the oldest waiter still waiting (it
 * takes the lock when it runs). Returns 0, or -EPERM when the lock is not
 * taken (asyncio: RuntimeError, "Lock is not acquired."). */
int lock_release(struct lock *lock);

/* lock_locked: true while a task holds the lock. Between a release and
 * the step of the waiter it woke, false, as in asyncio: the waiter takes
 * the lock when it runs, and no newcomer can take it meanwhile. */
bool lock_locked(const struct lock *lock);

#endif
