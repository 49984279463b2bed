/*
 * semaphore.h - at most N at once: a counter, and a line of futures for
 * those who wait.
 *
 * Mirrors: asyncio.Semaphore and asyncio.BoundedSemaphore. `async with
 * sem:` is an acquire, which waits while the counter is zero, and a
 * release on the way out. aiohttp's TCPConnector(limit=100,
 * limit_per_host=30) keeps the same two counters for connections; the
 * downloader holds one bounded semaphore for -j and one per host for
 * --per-host.
 *
 * New in chapter 7: the semaphore follows asyncio 3.12 to the letter, on
 * the waiters of waiter.h. A release wakes the oldest waiter and hands it
 * the slot at once (the counter goes down as it is woken), so a newcomer
 * cannot overtake it. A waiter cancelled after it was woken but before its
 * task ran gives the slot back by itself (waiter.h, WAITER_GAVE_UP):
 * chapter 6 asked the task to notice and release; now semaphore_took just
 * says false, and the task has nothing to give back.
 *
 *   CORO_AWAIT(task, f, semaphore_acquire(sem));
 *   ... at most N tasks are here at once ...
 *   semaphore_release(sem);
 *
 * Interface:
 *   semaphore_new / bounded_semaphore_new / semaphore_free
 *                       a counter that starts at VALUE
 *   semaphore_acquire   a future that finishes when a slot is yours (acquire)
 *   semaphore_took      did that future end with a slot?
 *   semaphore_release   give a slot back; the oldest waiter gets it (release)
 *   semaphore_locked    would an acquire wait?                     (locked)
 *   semaphore_value     slots free now
 *   semaphore_waiting   waiters that still wait
 */
#ifndef SEMAPHORE_H
#define SEMAPHORE_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct future;
struct semaphore;

/* semaphore_new: VALUE slots (0 or more), none taken; release may go
 * past VALUE (asyncio.Semaphore). bounded_semaphore_new: the same, but a
 * release beyond VALUE is refused (asyncio.BoundedSemaphore). NULL when
 * out of memory or VALUE < 0. The caller frees it with semaphore_free. */
struct semaphore *semaphore_new(struct loop *loop, int value);
struct semaphore *bounded_semaphore_new(struct loop *loop, int value);

/* semaphore_free: cancels the futures of those still waiting (they get
 * -ECANCELED), then frees. NULL is allowed. */
void semaphore_free(struct semaphore *sem);

/*
 * semaphore_acquire: a future, one reference for the caller, that finishes
 * (result NULL) once a slot is the caller's: done already when one is free
 * and nobody waits, else when a release hands one over. Cancelling it
 * while it waits gives up the place in the line. NULL when out of memory.
 */
struct future *semaphore_acquire(struct semaphore *sem);

/* semaphore_took: true when ACQUIRE (a future from semaphore_acquire)
 * ended with a slot that is the caller's: false while it waits, when it
 * was cancelled, and when its task was cancelled before it could take
 * the slot it was handed (the slot went back then). */
bool semaphore_took(struct future *acquire);

/*
 * semaphore_release: give back one slot, and hand it to the oldest waiter
 * still waiting, if any. Returns 0, or -EOVERFLOW when a bounded semaphore
 * would go past its initial value (asyncio: ValueError, "BoundedSemaphore
 * released too many times"). May be called from any callback or coroutine.
 */
int semaphore_release(struct semaphore *sem);

/* semaphore_locked: true when an acquire would wait: no slot is free, or
 * somebody waits already, not cancelled (asyncio: locked()). */
bool semaphore_locked(const struct semaphore *sem);

int semaphore_value(const struct semaphore *sem);
size_t semaphore_waiting(const struct semaphore *sem);

#endif
