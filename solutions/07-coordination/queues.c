/*
 * queues.c - a queue between producer and consumer tasks. See queues.h.
 *
 * Mirrors: asyncio.Queue (Lib/asyncio/queues.py): _getters and _putters
 * are two lines of waiters (waiter.h), _unfinished_tasks and the
 * _finished Event are UNFINISHED and FINISHED, and _queue is an items.c.
 *
 * Where asyncio wakes a waiter and lets it try again when it runs (a
 * `while self.empty():` loop around the await), here the wake-up settles
 * it: a woken getter has its item, a woken putter its slot. A C waiter
 * cannot loop: what runs after its await is a callback, not the caller's
 * code. If its task was cancelled before it ran (WAITER_GAVE_UP), the
 * item goes back, or the slot is freed, and the next waiter is woken, as
 * asyncio's except clauses do.
 */
#include "queues.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "future.h"
#include "items.h"
#include "todo.h"
#include "waiter.h"

struct queue {
	struct loop *loop;
	int maxsize;
	struct items items;
	size_t reserved; /* slots promised to woken putters */
	struct waiter_line getters, putters;
	size_t unfinished;
	struct event *finished; /* set while UNFINISHED is 0 */
};

static struct queue *create(struct loop *loop, int maxsize, enum items_order order,
                            queue_compare_fn *compare)
{
	struct queue *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->loop = loop;
	q->maxsize = maxsize;
	items_init(&q->items, order, compare);
	q->finished = event_new(loop);
	if (!q->finished) {
		free(q);
		return NULL;
	}
	event_set(q->finished);
	return q;
}

struct queue *queue_new(struct loop *loop, int maxsize)
{
	return create(loop, maxsize, ITEMS_FIFO, NULL);
}

struct queue *lifo_queue_new(struct loop *loop, int maxsize)
{
	return create(loop, maxsize, ITEMS_LIFO, NULL);
}

struct queue *priority_queue_new(struct loop *loop, int maxsize, queue_compare_fn *compare)
{
	return compare ? create(loop, maxsize, ITEMS_PRIORITY, compare) : NULL;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	waiter_line_cancel(&q->getters, "the queue was freed");
	waiter_line_cancel(&q->putters, "the queue was freed");
	event_free(q->finished);
	items_free(&q->items);
	free(q);
}

size_t queue_qsize(const struct queue *q)
{
	return items_count(&q->items);
}

bool queue_empty(const struct queue *q)
{
	return items_count(&q->items) == 0;
}

bool queue_full(const struct queue *q)
{
	return q->maxsize > 0 && items_count(&q->items) + q->reserved >= (size_t)q->maxsize;
}

int queue_maxsize(const struct queue *q)
{
	return q->maxsize;
}

size_t queue_unfinished(const struct queue *q)
{
	return q->unfinished;
}

/* The oldest waiter of LINE that still waits, or NULL (asyncio's
 * _wakeup_next skips the done ones the same way). */
static struct waiter *next_waiting(const struct waiter_line *line)
{
	for (struct waiter *w = waiter_line_first(line); w; w = waiter_line_next(w))
		if (!future_done(waiter_future(w)))
			return w;
	return NULL;
}

/* An item was taken: the oldest putter waiting gets the free slot,
 * reserved until its after-wait code puts its item there. */
static void wake_a_putter(struct queue *q)
{
	struct waiter *w = next_waiting(&q->putters);
	if (w && !queue_full(q)) {
		q->reserved++;
		waiter_wake(w, NULL);
	}
}

/* An item is there: hand it to the oldest getter waiting, if any. */
static void wake_a_getter(struct queue *q)
{
	struct waiter *w = next_waiting(&q->getters);
	if (w && !queue_empty(q))
		waiter_wake(w, items_pop(&q->items));
}

/*
 * Put ITEM (asyncio: put_nowait after its full() check): store it, count
 * it unfinished, and wake a getter, which takes it at once. Returns 0 or
 * -ENOMEM.
 */
static int store(struct queue *q, void *item)
{
	int rc = items_push(&q->items, item);
	if (rc < 0)
		return rc;
	q->unfinished++;
	event_clear(q->finished);
	wake_a_getter(q);
	return 0;
}

int queue_put_nowait(struct queue *q, void *item)
{
	if (queue_full(q))
		return -EAGAIN;
	return store(q, item);
}

int queue_get_nowait(struct queue *q, void **item)
{
	if (queue_empty(q))
		return -EAGAIN;
	*item = items_pop(&q->items);
	wake_a_putter(q);
	return 0;
}

/* A putter's await is over. Woken: put the item into the slot reserved
 * for it. Given up: the slot goes to the next putter instead. */
static void after_put(struct waiter *w, enum waiter_end end, void *owner)
{
	struct queue *q = owner;
	if (end == WAITER_CANCELLED)
		return;
	q->reserved--;
	if (end == WAITER_WOKEN && store(q, waiter_item(w)) == 0)
		return;
	wake_a_putter(q);
}

struct future *queue_put(struct queue *q, void *item)
{
	if (!queue_full(q)) {
		struct future *ready = future_new(q->loop);
		int rc = ready ? store(q, item) : -ENOMEM;
		if (rc == 0)
			future_set_result(ready, NULL, NULL);
		else if (ready)
			future_set_exception(ready, rc,
			                     rc == -ENOSYS ? "not implemented yet: store"
			                                   : strerror(-rc));
		return ready;
	}
	struct future *putter = waiter_new(q->loop, &q->putters, after_put, q);
	if (putter)
		waiter_set_item(waiter_of(putter), item);
	return putter;
}

/* A getter's await is over. Woken, it has its item (its future's
 * result). Given up, the item goes back where it was, and on to the next
 * getter. */
static void after_get(struct waiter *w, enum waiter_end end, void *owner)
{
	struct queue *q = owner;
	void *item = NULL;
	if (end != WAITER_GAVE_UP || future_result(waiter_future(w), &item) < 0)
		return;
	if (items_put_back(&q->items, item) == 0)
		wake_a_getter(q);
}

struct future *queue_get(struct queue *q)
{
	if (!queue_empty(q)) {
		/* The future first: out of memory, the item stays in the queue. */
		struct future *ready = future_new(q->loop);
		if (!ready)
			return NULL;
		future_set_result(ready, items_pop(&q->items), NULL);
		wake_a_putter(q);
		return ready;
	}
	return waiter_new(q->loop, &q->getters, after_get, q);
}

int queue_task_done(struct queue *q)
{
	if (q->unfinished == 0)
		return -EOVERFLOW;
	if (--q->unfinished == 0)
		event_set(q->finished);
	return 0;
}

struct future *queue_join(struct queue *q)
{
	return event_wait(q->finished);
}
