/*
 * drain.h - drain a queue of downloads, in order, at most N at once.
 *
 * Mirrors: the asyncio idiom
 *
 *   sem = asyncio.Semaphore(N)
 *   for url in urls:                 # in order
 *       await sem.acquire()          # wait for one of the N slots
 *       task = asyncio.create_task(fetch(url))
 *       task.add_done_callback(lambda t: sem.release())
 *
 * and aiohttp's TCPConnector(limit=N): never more than N downloads, so
 * never more than N connections in use, however long the queue. The drain
 * is a coroutine: it waits for a slot, starts the next download as a task
 * of its own, and waits again. A download's slot comes back when its task
 * is over, however it ended. Only the N downloads running exist as tasks:
 * 10,000 URLs cost 10,000 pointers, not 10,000 frames and sockets.
 *
 * Interface:
 *   drain_new    the queue of COUNT downloads, N at once
 *   drain_run    start draining; a future done when every download is over
 *   drain_stop   start no more, cancel those running (SIGINT, --fail-fast)
 *   drain_download   the future of download I, once it has started
 *   drain_free   free it all, once the loop is done with it
 */
#ifndef DRAIN_H
#define DRAIN_H

#include <stddef.h>

struct loop;
struct future;
struct drain;

/* Start download number INDEX; return its future (one reference, taken
 * over by the drain), or NULL when it could not start. */
typedef struct future *drain_start_cb(size_t index, void *arg);

/* drain_new: COUNT downloads, started in order by START(i, ARG), at most
 * LIMIT at once. NULL when out of memory or LIMIT < 1. */
struct drain *drain_new(struct loop *loop, size_t count, int limit, drain_start_cb *start,
                        void *arg);

/*
 * drain_run: start the drain as a task. Returns its future (one reference
 * for the caller; NULL when out of memory), which finishes once the drain
 * has started what it was going to start and every one of those is over.
 * It fails only when the drain itself could not go on (then downloads not
 * started are not started).
 */
struct future *drain_run(struct drain *d);

/* drain_stop: start nothing more, and cancel every download running with
 * MESSAGE. The drain's future still waits for them to be over. */
void drain_stop(struct drain *d, const char *message);

/* drain_download: the future of download INDEX (borrowed), or NULL when
 * it was never started. */
struct future *drain_download(const struct drain *d, size_t index);

/* drain_free: call it once the drain's future is done and the loop is
 * not running. NULL is allowed. */
void drain_free(struct drain *d);

#endif
