/*
 * wait_for.h - wait for a future, but not for longer than a timeout.
 *
 * Mirrors: asyncio.wait_for(aw, timeout), with Python 3.12's outcomes:
 * it waits for the cancelled awaitable to finish before it raises, and a
 * deadline that comes in the same iteration as the result wins.
 *
 *   await wait_for(loop, sock_recv(...), 0.5)
 *
 * The outcome is the inner future's, unless TIMEOUT seconds pass first.
 * Then wait_for cancels the inner future and, once the inner future is
 * done (a task may take several iterations to clean up after its
 * cancellation: close files, await its own cleanup), fails with
 * -ETIMEDOUT. Waiting for it is the point: when wait_for reports the
 * timeout, the work it guarded has really stopped, and nothing it owned
 * is still open. If the inner future finishes anyway (a task that caught
 * the cancellation and returned a result), that outcome wins. If it was
 * done already when the timer fired (both due in the same iteration), the
 * timeout wins: Python 3.12 and later say TimeoutError there, 3.11 gave
 * the result.
 *
 * Cancelling the wait_for future cancels the inner one in the same way,
 * and the wait_for future ends CANCELLED once the inner one is done, unless
 * the inner one caught the cancellation and finished anyway: then its
 * outcome is taken, as Python 3.12 does (3.11 said CANCELLED).
 */
#ifndef WAIT_FOR_H
#define WAIT_FOR_H

struct loop;
struct future;

/*
 * wait_for: a new future that completes as INNER does, or fails with
 * -ETIMEDOUT ("timed out") TIMEOUT seconds from now, after INNER has been
 * cancelled and is done. INNER stays the caller's (wait_for takes a
 * reference of its own). TIMEOUT <= 0 is asyncio's rule: when INNER is
 * already done its outcome is taken, otherwise it is cancelled at once.
 * Returns the future with one reference for the caller, or NULL when out
 * of memory or when INNER is NULL.
 */
struct future *wait_for(struct loop *loop, struct future *inner, double timeout);

#endif
