/*
 * semaphore.h - at most N at once: a counter, and a queue of futures for
 * those who wait.
 *
 * Mirrors: asyncio.Semaphore (with BoundedSemaphore's check on release).
 * `async with sem:` is an acquire, which waits while the counter is zero,
 * and a release on the way out. aiohttp's TCPConnector(limit=100,
 * limit_per_host=30) keeps the same two counters for connections; the
 * downloader holds one semaphore for -j and one per host for --per-host.
 *
 * Waiting is a future, so a coroutine awaits it like any other:
 *
 *   f->acquiring = semaphore_acquire(sem);
 *   CORO_AWAIT(task, f, future_retain(f->acquiring));
 *   if (semaphore_took(f->acquiring)) ... the slot is ours, release it later
 *
 * Waiters are served first in, first out: release hands the slot to the
 * oldest waiter still waiting. A waiter that is cancelled simply leaves the
 * queue. One case needs care, as in asyncio's acquire: the slot was handed
 * over (the future finished) but the task that awaits it was cancelled
 * before it could run. The task then meets -ECANCELED, yet the slot is
 * taken; semaphore_took tells it so, and it must release. That is why the
 * caller keeps its own reference to the acquire future.
 *
 * Interface:
 *   semaphore_new / semaphore_free   a counter that starts at VALUE
 *   semaphore_acquire   a future that finishes when a slot is yours (acquire)
 *   semaphore_took      did that future get a slot?
 *   semaphore_release   give a slot back; the oldest waiter gets it (release)
 *   semaphore_value     slots free now
 *   semaphore_waiting   waiters now
 */
#ifndef SEMAPHORE_H
#define SEMAPHORE_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct future;
struct semaphore;

/* semaphore_new: VALUE slots (at least 1), none taken. NULL when out of
 * memory or VALUE < 1. The caller frees it with semaphore_free. */
struct semaphore *semaphore_new(struct loop *loop, int value);

/* semaphore_free: cancels the futures of those still waiting (they get
 * -ECANCELED), then frees. */
void semaphore_free(struct semaphore *sem);

/*
 * semaphore_acquire: a future, one reference for the caller, that finishes
 * (result NULL) once a slot is the caller's: at once when one is free and
 * nobody waits, else when a release hands one over. Cancelling it while it
 * waits gives up the place in the queue. When it cannot even wait (out of
 * memory, or a stub of the starter), it fails with that error. NULL when
 * out of memory.
 */
struct future *semaphore_acquire(struct semaphore *sem);

/* semaphore_took: true when ACQUIRE (a future from semaphore_acquire)
 * finished with a slot, whatever happened to the task that awaited it. */
bool semaphore_took(struct future *acquire);

/*
 * semaphore_release: give back one slot. The oldest waiter that is still
 * waiting gets it (its future finishes); with nobody waiting the counter
 * goes up. Returns 0, or -EOVERFLOW when more slots are given back than
 * were ever taken (asyncio's BoundedSemaphore raises ValueError). May be
 * called from any callback or coroutine.
 */
int semaphore_release(struct semaphore *sem);

int semaphore_value(const struct semaphore *sem);
size_t semaphore_waiting(const struct semaphore *sem);

#endif
