/*
 * waiter.h - a future in a line: how every primitive of this chapter
 * waits.
 *
 * Mirrors: the lines that every asyncio primitive repeats
 * (Lib/asyncio/locks.py, queues.py):
 *
 *     fut = loop.create_future()
 *     self._waiters.append(fut)
 *     try:
 *         await fut
 *     finally:
 *         self._waiters.remove(fut)
 *     ... what comes after the await: take the lock, or pass the turn on
 *
 * In Python all of it runs inside the task that waits. In C the await is
 * the caller's (CORO_AWAIT(task, f, lock_acquire(lock))), and so is the
 * code after it: a primitive cannot put lines there. So a waiter carries
 * "what comes after the await" with it, as the first done-callback of its
 * future. The future's done-callbacks run one after the other, so that
 * code runs just before the step of the task that awaits the future: the
 * same iteration, one callback earlier. The task then finds the lock
 * taken, or the item in its hands, as an asyncio task does.
 *
 * The code after the await must know how the await ended. There are
 * three endings, as in asyncio:
 *
 *   WAITER_WOKEN      the primitive set the future's result: the waiter
 *                     takes what it waited for
 *   WAITER_CANCELLED  the future was cancelled while it waited (its task
 *                     was cancelled, or a timeout gave up on it)
 *   WAITER_GAVE_UP    it was woken, but the task that awaits it was
 *                     cancelled before it could run. asyncio throws the
 *                     CancelledError into `await fut` although fut has a
 *                     result, and acquire's except clause passes the turn
 *                     on. Here the task's cancel reaches the future after
 *                     it is done (future_cancel: too late to cancel), the
 *                     future's class hears of it (given_up in future.h),
 *                     and the code after the await sees WAITER_GAVE_UP.
 *
 * Forgetting the third ending is how a lock loses a wake-up: the woken
 * waiter never takes the lock, nobody else is woken, and every other
 * waiter waits for ever (CPython's issue 27585; test_lock.c plays it).
 *
 * Ownership: the line holds one reference to each future in it, until the
 * future's after-wait code has run; waiter_new gives the caller another.
 * The struct waiter lives as long as its future.
 *
 * Interface:
 *   struct waiter_line  the waiters of a primitive, oldest first
 *   waiter_new          a new future at the back of the line
 *   waiter_ready        a future that is done already: no wait at all
 *   waiter_wake         set a waiter's result, if it still waits
 *   waiter_line_first / waiter_line_next   walk the line
 *   waiter_of           the waiter behind a future
 *   waiter_future / waiter_item / waiter_set_item   what a waiter holds
 *   waiter_took         did this future end with what it waited for?
 *   waiter_line_cancel  the primitive is freed: cancel and forget them all
 */
#ifndef WAITER_H
#define WAITER_H

#include <stdbool.h>

#include "future.h"

struct loop;
struct waiter;

/* A primitive's waiters, oldest first. All zeroes is an empty line. */
struct waiter_line {
	struct waiter *head, *tail;
};

enum waiter_end { WAITER_WOKEN, WAITER_CANCELLED, WAITER_GAVE_UP };

/* What comes after the await, for the primitive OWNER: called once, from
 * the loop, when the waiter's future is done, just before the task that
 * awaits it runs. The waiter is out of the line already (the `finally:`
 * above). It may wake other waiters. */
typedef void waiter_after_cb(struct waiter *w, enum waiter_end end, void *owner);

/*
 * waiter_new: a new PENDING future at the back of LINE, whose after-wait
 * code is AFTER(w, end, OWNER) (AFTER may be NULL: nothing to do but
 * leave the line). Returns the future with one reference for the caller,
 * or NULL when out of memory.
 */
struct future *waiter_new(struct loop *loop, struct waiter_line *line, waiter_after_cb *after,
                          void *owner);

/* waiter_ready: a future already FINISHED with RESULT (borrowed), for the
 * primitive that need not wait: asyncio's acquire returns at once then,
 * and an await of a done future does not suspend. NULL when out of
 * memory. */
struct future *waiter_ready(struct loop *loop, void *result);

/* waiter_wake: set W's result to RESULT (borrowed) if W still waits.
 * Returns true when it did, false when W's future is done already. */
bool waiter_wake(struct waiter *w, void *result);

/* The oldest waiter of LINE, and the one after W: waiters stay in the
 * line, woken or cancelled, until their after-wait code has run, as
 * asyncio's futures stay in _waiters until their task has run. */
struct waiter *waiter_line_first(const struct waiter_line *line);
struct waiter *waiter_line_next(const struct waiter *w);

/* waiter_of: the waiter whose future is FUTURE, or NULL when FUTURE did
 * not come from waiter_new. */
struct waiter *waiter_of(struct future *future);

/* The waiter's future (borrowed), and a pointer it keeps for its
 * primitive (a queue's putter keeps the item it waits to put). */
struct future *waiter_future(const struct waiter *w);
void *waiter_item(const struct waiter *w);
void waiter_set_item(struct waiter *w, void *item);

/*
 * waiter_took: true when FUTURE, from waiter_new or waiter_ready, ended
 * with what it waited for: FINISHED, and not given up by a task cancelled
 * before it could take it (the primitive took it back then). For the code
 * that cleans up after a cancellation: a slot it took must be given back,
 * one it never had must not.
 */
bool waiter_took(struct future *future);

/* waiter_line_cancel: cancel every waiter still waiting with MESSAGE, and
 * empty LINE: no after-wait code runs for any of them any more, since
 * their primitive is being freed. */
void waiter_line_cancel(struct waiter_line *line, const char *message);

#endif
