/*
 * barrier.h - wait until N tasks have arrived, then let them all go.
 *
 * Mirrors: asyncio.Barrier (3.11). Each of the N parties awaits
 * barrier_wait; the first N-1 wait, and the N-th releases them all at
 * once. Each gets a different index, 0 to N-1, in the order they arrived.
 * Then the barrier drains (the tasks leave) and is ready for the next
 * round; tasks that arrive while it drains wait for the next round.
 * barrier_abort breaks it (every wait fails, now and later), and
 * barrier_reset breaks the current round only.
 *
 * Built, as in asyncio, from a Condition (condition.h): every wait is a
 * short coroutine on the condition's lock, run as a task.
 *
 * Interface:
 *   barrier_new / barrier_free      N parties
 *   barrier_wait     a future with the arrival index              (wait)
 *   barrier_reset    break the round under way, then fill again   (reset)
 *   barrier_abort    break it for good                            (abort)
 *   barrier_parties / barrier_n_waiting / barrier_broken
 */
#ifndef BARRIER_H
#define BARRIER_H

#include <errno.h>
#include <stdbool.h>

struct loop;
struct future;
struct barrier;

/* The error of a wait on a broken or reset barrier (asyncio:
 * BrokenBarrierError). */
#define BARRIER_BROKEN (-EPIPE)

/* barrier_new: a barrier for PARTIES tasks (1 or more), or NULL when out
 * of memory or PARTIES < 1. Free it once no wait is under way. */
struct barrier *barrier_new(struct loop *loop, int parties);
void barrier_free(struct barrier *b);

/*
 * barrier_wait: a future (a task's, one reference for the caller) that
 * finishes once PARTIES waits have arrived, with the arrival index as its
 * result: (int)(intptr_t)task_await_result(task). It fails with
 * BARRIER_BROKEN when the barrier is broken, or reset while it waits.
 * Cancelled while it waits, it leaves, and the others keep waiting. NULL
 * when out of memory.
 */
struct future *barrier_wait(struct barrier *b);

/* barrier_reset and barrier_abort: futures (tasks) done once the state
 * has changed, under the condition's lock. NULL when out of memory. */
struct future *barrier_reset(struct barrier *b);
struct future *barrier_abort(struct barrier *b);

int barrier_parties(const struct barrier *b);
/* How many wait in the round being filled (0 while it drains). */
int barrier_n_waiting(const struct barrier *b);
bool barrier_broken(const struct barrier *b);

#endif
