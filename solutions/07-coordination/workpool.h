/*
 * workpool.h - run blocking work (disk writes) on a few threads, and
 * learn its outcome on the loop through a future.
 *
 * Mirrors: asyncio's loop.run_in_executor with a ThreadPoolExecutor, and
 * what aiofiles does with it: the blocking call runs on a worker thread;
 * the worker tells the loop through a descriptor the loop watches (an
 * eventfd), and the loop, on its own thread, finishes the future.
 *
 * Interface:
 *   workpool_new     start THREADS workers that serve LOOP
 *   workpool_submit  run FN(ARG) on a worker; a future for its outcome
 *   workpool_free    finish every job submitted, stop the workers, free
 *
 * Threads: only workpool_submit and workpool_free are for the loop's
 * thread. FN runs on a worker and must touch nothing that belongs to the
 * loop: no future, no loop_* call. It may block; that is what it is for.
 */
#ifndef WORKPOOL_H
#define WORKPOOL_H

#include "future.h"
#include "loop.h"

/* The work, run on a worker thread: returns 0, or a negative errno. */
typedef int workpool_fn(void *arg);

struct workpool;

/*
 * workpool_new: a pool of THREADS worker threads (at least 1) whose jobs
 * complete on LOOP. Returns NULL with errno set (EINVAL for THREADS < 1,
 * ENOMEM, or the error of eventfd() or pthread_create()). The caller frees
 * it with workpool_free before freeing the loop.
 */
struct workpool *workpool_new(struct loop *loop, int threads);

/*
 * workpool_submit: queue FN(ARG) for the next free worker. Returns a
 * future on the pool's loop, with one reference for the caller, or NULL
 * when out of memory. When FN returns 0 the future finishes with result
 * NULL; when it returns an error, the future fails with that code and its
 * strerror message. Both happen on the loop's thread, in an iteration
 * after FN returned. ARG must stay valid until the future is done.
 *
 * Cancellation: future_cancel on the returned future cancels the future
 * only. FN still runs, or goes on running (a thread cannot be stopped
 * safely halfway through a write); its outcome is dropped. This is what
 * run_in_executor's future does too. ARG must therefore stay valid until
 * FN has really finished: keep it until workpool_free when in doubt.
 */
struct future *workpool_submit(struct workpool *pool, workpool_fn *fn, void *arg);

/*
 * workpool_free: a shutdown that loses nothing. Every job already
 * submitted runs to its end, the workers are joined, and every future
 * still pending gets its outcome (its done-callbacks run in the loop's
 * next iteration, if it has one). Then the pool is freed. Not from a
 * worker thread. NULL is allowed.
 */
void workpool_free(struct workpool *pool);

#endif
