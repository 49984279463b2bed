/*
 * items.c - the items of a queue, in one of three orders. See items.h.
 *
 * A ring: item i (0 is the oldest) lives at ring[(head + i) % capacity].
 * First in, first out pops at the head; last in, first out at the tail;
 * both push at the tail. A priority queue keeps head at 0 and the ring as
 * a binary heap whose root, index 0, is the smallest item.
 */
#include "items.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void items_init(struct items *items, enum items_order order, items_compare_fn *compare)
{
	*items = (struct items){ .order = order, .compare = compare };
}

void items_free(struct items *items)
{
	free(items->ring);
	items->ring = NULL;
	items->head = items->count = items->capacity = 0;
}

size_t items_count(const struct items *items)
{
	return items->count;
}

static void **at(const struct items *items, size_t i)
{
	return &items->ring[(items->head + i) % items->capacity];
}

/* Room for one more: double the ring, unrolled so that head is 0. */
static int grow(struct items *items)
{
	if (items->count < items->capacity)
		return 0;
	size_t capacity = items->capacity ? items->capacity * 2 : 8;
	void **ring = malloc(capacity * sizeof *ring);
	if (!ring)
		return -ENOMEM;
	for (size_t i = 0; items->capacity > 0 && i < items->count; i++)
		ring[i] = *at(items, i);
	free(items->ring);
	items->ring = ring;
	items->head = 0;
	items->capacity = capacity;
	return 0;
}

static void swap(struct items *items, size_t a, size_t b)
{
	void *held = items->ring[a];
	items->ring[a] = items->ring[b];
	items->ring[b] = held;
}

static void sift_up(struct items *items, size_t i)
{
	while (i > 0 && items->compare(items->ring[i], items->ring[(i - 1) / 2]) < 0) {
		swap(items, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct items *items, size_t i)
{
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= items->count)
			return;
		if (child + 1 < items->count &&
		    items->compare(items->ring[child + 1], items->ring[child]) < 0)
			child++;
		if (items->compare(items->ring[child], items->ring[i]) >= 0)
			return;
		swap(items, i, child);
		i = child;
	}
}

int items_push(struct items *items, void *item)
{
	if (grow(items) < 0)
		return -ENOMEM;
	*at(items, items->count++) = item;
	if (items->order == ITEMS_PRIORITY)
		sift_up(items, items->count - 1);
	return 0;
}

void *items_pop(struct items *items)
{
	if (items->count == 0)
		return NULL;
	void *item;
	if (items->order == ITEMS_FIFO) {
		item = *at(items, 0);
		items->head = (items->head + 1) % items->capacity;
		items->count--;
	} else if (items->order == ITEMS_LIFO) {
		item = *at(items, --items->count);
	} else {
		item = items->ring[0];
		items->ring[0] = items->ring[--items->count];
		sift_down(items, 0);
	}
	return item;
}

int items_put_back(struct items *items, void *item)
{
	if (items->order == ITEMS_PRIORITY)
		return items_push(items, item);
	if (grow(items) < 0)
		return -ENOMEM;
	/* The oldest place is the one before the head, for both orders. */
	items->head = (items->head + items->capacity - 1) % items->capacity;
	items->ring[items->head] = item;
	items->count++;
	return 0;
}
