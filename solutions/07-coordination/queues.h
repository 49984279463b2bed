/*
 * queues.h - a queue between producer and consumer tasks, with
 * backpressure, and a count of the work still to do.
 *
 * Mirrors: asyncio.Queue, LifoQueue and PriorityQueue (Lib/asyncio/
 * queues.py). A consumer awaits queue_get, which waits while the queue is
 * empty; a producer awaits queue_put, which waits while the queue holds
 * MAXSIZE items (that wait is the backpressure: a fast producer is slowed
 * to the pace of its consumers instead of filling the memory). Every item
 * put counts as unfinished until a consumer says queue_task_done for it,
 * and queue_join waits until none is left: "500 Lines or Less"'s crawler
 * knows it is over that way, and so does ours (crawler.c).
 *
 *   CORO_AWAIT(task, f, queue_get(q));
 *   f->item = task_await_result(task);
 *   ... work on it, putting new items with queue_put_nowait ...
 *   queue_task_done(q);
 *
 * Items are pointers the queue does not own: it never frees one.
 *
 * Simplification: a getter woken by a put is handed the item at once,
 * and a putter woken by a get has its slot reserved; asyncio lets the
 * woken task take the item, or the slot, when it runs. The difference
 * shows only between the wake-up and that task's step: qsize() is one
 * less here after a hand-over, and full() is true for a reserved slot
 * (docs/asyncio-differences.md#queue-hand-over).
 *
 * Interface:
 *   queue_new / lifo_queue_new / priority_queue_new / queue_free
 *   queue_put / queue_put_nowait    add an item, waiting if full (put)
 *   queue_get / queue_get_nowait    take one, waiting if empty   (get)
 *   queue_task_done / queue_join    the unfinished count         (task_done, join)
 *   queue_qsize / queue_empty / queue_full / queue_maxsize
 */
#ifndef QUEUES_H
#define QUEUES_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct future;
struct queue;

/* The order of a priority queue: negative when A comes out before B. */
typedef int queue_compare_fn(const void *a, const void *b);

/* A queue of at most MAXSIZE items (0 or less: no limit): first in,
 * first out; last in, first out; or smallest first by COMPARE. NULL when
 * out of memory. The caller frees it with queue_free. */
struct queue *queue_new(struct loop *loop, int maxsize);
struct queue *lifo_queue_new(struct loop *loop, int maxsize);
struct queue *priority_queue_new(struct loop *loop, int maxsize, queue_compare_fn *compare);

/* queue_free: cancels every get, put and join still waiting, then frees
 * the queue (not the items). NULL is allowed. */
void queue_free(struct queue *q);

/*
 * queue_put: a future, one reference for the caller, that finishes
 * (result NULL) once ITEM is in the queue: done already when there is
 * room, else once a get makes some (the oldest putter first). Cancelled,
 * the item is not put. NULL when out of memory.
 */
struct future *queue_put(struct queue *q, void *item);

/* queue_put_nowait: put ITEM now. Returns 0, -EAGAIN when the queue is
 * full (asyncio: QueueFull), or -ENOMEM. */
int queue_put_nowait(struct queue *q, void *item);

/*
 * queue_get: a future, one reference for the caller, that finishes with
 * the next item as its result: done already when the queue has one, else
 * once a put brings one (the oldest getter first). Cancelled, or given up
 * after it was handed an item, it takes nothing: the item goes back to
 * the front of the queue. NULL when out of memory.
 */
struct future *queue_get(struct queue *q);

/* queue_get_nowait: take the next item into *ITEM. Returns 0, or -EAGAIN
 * when the queue is empty (asyncio: QueueEmpty). */
int queue_get_nowait(struct queue *q, void **item);

/* queue_task_done: one item taken earlier is dealt with. Returns 0, or
 * -EOVERFLOW when called more times than items were put (asyncio:
 * ValueError, "task_done() called too many times"). */
int queue_task_done(struct queue *q);

/* queue_join: a future, one reference for the caller, done once every
 * item put has had its queue_task_done: done already when none is
 * unfinished. NULL when out of memory. */
struct future *queue_join(struct queue *q);

size_t queue_qsize(const struct queue *q);
bool queue_empty(const struct queue *q);
bool queue_full(const struct queue *q);
int queue_maxsize(const struct queue *q);
/* Items put and not yet marked done (asyncio: _unfinished_tasks). */
size_t queue_unfinished(const struct queue *q);

#endif
