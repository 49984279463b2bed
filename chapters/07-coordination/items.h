/*
 * items.h - the items of a queue, in one of three orders.
 *
 * Mirrors: the three overridable methods of asyncio's Queue, _init, _put
 * and _get: a deque for Queue (first in, first out), a list for
 * LifoQueue (last in, first out) and a heapq for PriorityQueue (smallest
 * first). Here one growable ring of pointers serves all three; the order
 * decides which end items leave from, and a priority queue keeps its ring
 * as a binary heap (chapter 5's timer heap, with a comparison function).
 *
 * Interface:
 *   items_init / items_free   an empty set of items in an order
 *   items_push                add an item                         (_put)
 *   items_pop                 take the next one out               (_get)
 *   items_put_back            return an item taken out, to where it
 *                             was: older than every item pushed since
 *   items_count
 */
#ifndef ITEMS_H
#define ITEMS_H

#include <stddef.h>

enum items_order { ITEMS_FIFO, ITEMS_LIFO, ITEMS_PRIORITY };

typedef int items_compare_fn(const void *a, const void *b);

struct items {
	enum items_order order;
	items_compare_fn *compare; /* ITEMS_PRIORITY only */
	void **ring;
	size_t head, count, capacity;
};

void items_init(struct items *items, enum items_order order, items_compare_fn *compare);
void items_free(struct items *items);

/* items_push: add ITEM. Returns 0 or -ENOMEM. */
int items_push(struct items *items, void *item);

/* items_pop: the next item in the order; the caller checks items_count
 * first (NULL when empty). */
void *items_pop(struct items *items);

/* items_put_back: return ITEM, which items_pop took out when it was the
 * only item, to where it was: older than everything pushed since, so
 * first out again in a FIFO queue and last in a LIFO one (a priority queue
 * puts it where its priority says). 0 or -ENOMEM. */
int items_put_back(struct items *items, void *item);

size_t items_count(const struct items *items);

#endif
