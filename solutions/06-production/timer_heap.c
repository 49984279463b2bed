/*
 * timer_heap.c - the loop's timers, nearest deadline first. See
 * timer_heap.h.
 *
 * Mirrors: heapq.heappush and heapq.heappop on loop._scheduled, and the
 * heapify that rebuilds it in BaseEventLoop._run_once.
 */
#include "timer_heap.h"

#include <errno.h>
#include <stdlib.h>

#include "handle.h"
#include "todo.h"

/* Is A due before B? Deadlines first, then the order of scheduling. */
static bool earlier(const struct handle *a, const struct handle *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void swap(struct timer_heap *heap, size_t i, size_t j)
{
	struct handle *t = heap->items[i];
	heap->items[i] = heap->items[j];
	heap->items[j] = t;
}

/* Move the timer at I down while a child is due before it, swapping it
 * with the earlier of its two children. */
static void sift_down(struct timer_heap *heap, size_t i)
{
	for (;;) {
		size_t left = 2 * i + 1, right = left + 1, first = i;
		if (left < heap->count && earlier(heap->items[left], heap->items[first]))
			first = left;
		if (right < heap->count && earlier(heap->items[right], heap->items[first]))
			first = right;
		if (first == i)
			return;
		swap(heap, i, first);
		i = first;
	}
}

int timer_heap_push(struct timer_heap *heap, struct handle *handle)
{
	if (heap->count == heap->capacity) {
		size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
		struct handle **grown = realloc(heap->items, capacity * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		heap->items = grown;
		heap->capacity = capacity;
	}
	handle->state = HANDLE_TIMER;
	handle->heap = heap;
	/* Put it at the end, then let it rise while it is due before its
	 * parent: every other branch stays as ordered as it was. */
	size_t i = heap->count++;
	heap->items[i] = handle;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(heap->items[i], heap->items[parent]))
			break;
		swap(heap, i, parent);
		i = parent;
	}
	return 0;
}

/* Take out the top timer: the last one takes its place and sinks. */
static struct handle *remove_top(struct timer_heap *heap)
{
	struct handle *top = heap->items[0];
	heap->count--;
	if (heap->count > 0) {
		heap->items[0] = heap->items[heap->count];
		sift_down(heap, 0);
	}
	top->heap = NULL;
	return top;
}

struct handle *timer_heap_first(struct timer_heap *heap)
{
	while (heap->count > 0 && heap->items[0]->state == HANDLE_CANCELLED) {
		heap->cancelled--;
		handle_free(remove_top(heap));
	}
	return heap->count > 0 ? heap->items[0] : NULL;
}

struct handle *timer_heap_pop(struct timer_heap *heap)
{
	return timer_heap_first(heap) ? remove_top(heap) : NULL;
}

void timer_heap_note_cancelled(struct timer_heap *heap)
{
	heap->cancelled++;
}

int timer_heap_compact(struct timer_heap *heap)
{
	if (heap->cancelled * 2 <= heap->count)
		return 0;
	/* Keep the live timers, in any order... */
	size_t kept = 0;
	for (size_t i = 0; i < heap->count; i++) {
		struct handle *handle = heap->items[i];
		if (handle->state == HANDLE_CANCELLED) {
			handle->heap = NULL;
			handle_free(handle);
		} else {
			heap->items[kept++] = handle;
		}
	}
	int dropped = (int)(heap->count - kept);
	heap->count = kept;
	heap->cancelled = 0;
	/* ...then make them a heap again, bottom up (Floyd): every parent
	 * sinks below the earlier of its children. O(n), not O(n log n). */
	for (size_t i = kept / 2; i-- > 0;)
		sift_down(heap, i);
	return dropped;
}

size_t timer_heap_live(const struct timer_heap *heap)
{
	return heap->count - heap->cancelled;
}

void timer_heap_clear(struct timer_heap *heap)
{
	for (size_t i = 0; i < heap->count; i++) {
		struct handle *handle = heap->items[i];
		handle->state = HANDLE_CANCELLED;
		handle->heap = NULL;
		handle_free(handle);
	}
	free(heap->items);
	*heap = (struct timer_heap){ 0 };
}
