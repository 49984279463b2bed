/*
 * as_completed.h - the futures of a set, one by one, in the order they
 * finish.
 *
 * Mirrors: asyncio.as_completed(fs, timeout=...). Each call of
 * as_completed_next gives a future that finishes once one more of the
 * set has finished, the earliest first, whatever their order in the set:
 *
 *   for (f->i = 0; f->i < n; f->i++) {
 *           CORO_AWAIT(task, f, as_completed_next(f->ac));
 *           struct future *done = task_await_result(task);
 *           ... future_result(done, &value) ...
 *   }
 *
 * Simplification: the result is the finished future itself, from which
 * the caller reads the outcome, as 3.13's `async for` form of
 * as_completed gives it; 3.12's `await f` gives that outcome directly.
 * When TIMEOUT passes first, every call still due fails with -ETIMEDOUT.
 *
 * Interface:
 *   as_completed_new / as_completed_free   watch N futures
 *   as_completed_next                      the next one to finish
 */
#ifndef AS_COMPLETED_H
#define AS_COMPLETED_H

#include <stddef.h>

struct loop;
struct future;
struct as_completed;

/* A timeout that never comes. */
#define AS_COMPLETED_FOREVER (-1.0)

/*
 * as_completed_new: watch the N FUTURES (the caller keeps its references;
 * this takes its own), for at most TIMEOUT seconds (AS_COMPLETED_FOREVER:
 * no limit). A future that appears twice counts once, as in asyncio's
 * set(fs). NULL when out of memory.
 */
struct as_completed *as_completed_new(struct loop *loop, struct future *const futures[], size_t n,
                                      double timeout);

/*
 * as_completed_next: a future, one reference for the caller, that
 * finishes with the next of the watched futures to finish as its result
 * (borrowed: valid while the as_completed lives), in the order they
 * finished; done already if one has finished and was not given out yet.
 * It fails with -ETIMEDOUT when the timeout passes first, and with
 * -ENOENT ("no future left") once every watched future was given out.
 * NULL when out of memory.
 */
struct future *as_completed_next(struct as_completed *ac);

/* as_completed_free: stop watching; futures given out by
 * as_completed_next and still waiting are cancelled. NULL is allowed. */
void as_completed_free(struct as_completed *ac);

#endif
