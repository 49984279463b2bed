/*
 * wait.h - wait for the first of a set of futures, the first failure, or
 * all of them, and get back which are done and which are not.
 *
 * Mirrors: asyncio.wait(fs, timeout=..., return_when=...). Unlike gather,
 * wait_futures never fails and never cancels: it says which futures are
 * done and which are still pending when it returns, and the caller
 * decides what to do with the pending ones (cancel them, wait again).
 * The timeout, too, just returns.
 *
 *   CORO_AWAIT(task, f, wait_futures(loop, fs, n, 5.0, WAIT_FIRST_COMPLETED));
 *   const struct wait_result *r = task_await_result(task);
 *   ... r->done[0 .. r->done_count), r->pending[0 .. r->pending_count) ...
 *
 * Interface:
 *   enum wait_when       FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED
 *   wait_futures         the future of the wait                     (wait)
 *   struct wait_result   its result: done and pending, in argument order
 */
#ifndef WAIT_H
#define WAIT_H

#include <stddef.h>

struct loop;
struct future;

enum wait_when {
	WAIT_FIRST_COMPLETED, /* as soon as any future is done */
	WAIT_FIRST_EXCEPTION, /* as soon as any fails; else when all are done */
	WAIT_ALL_COMPLETED    /* when all are done */
};

/* A timeout that never comes. */
#define WAIT_FOREVER (-1.0)

/* The result of a wait: the futures (each once, in the order given) that
 * were done when the caller was woken, and the others. Owned by the wait's
 * future, which holds a reference to each. */
struct wait_result {
	size_t done_count, pending_count;
	struct future **done, **pending;
};

/*
 * wait_futures: a future, one reference for the caller, that finishes
 * with a struct wait_result * when WHEN is met, or when TIMEOUT seconds
 * have passed (WAIT_FOREVER: no limit), whichever comes first. The done
 * and pending lists are taken as the caller wakes, as asyncio takes them
 * after its await. The futures stay the caller's, and nothing is
 * cancelled. Fails at once with -EINVAL when N is 0 (asyncio: ValueError,
 * "Set of Tasks/Futures is empty."). NULL when out of memory.
 */
struct future *wait_futures(struct loop *loop, struct future *const futures[], size_t n,
                            double timeout, enum wait_when when);

#endif
