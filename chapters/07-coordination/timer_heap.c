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
#include "trace.h"

/* Is A due before B? Deadlines first, then the order of scheduling. */
static bool earlier(const struct timer_entry *a, const struct timer_entry *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

/* Sink the timer at I below every child due before it. It is held aside
 * while the earlier child of each level moves up into the gap, and put
 * down once, where the gap stops: one copy per level instead of a swap. */
static void sift_down(struct timer_heap *heap, size_t i)
{
	struct timer_entry sinking = heap->items[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= heap->count)
			break;
		if (child + 1 < heap->count && earlier(&heap->items[child + 1], &heap->items[child]))
			child++;
		if (!earlier(&heap->items[child], &sinking))
			break;
		heap->items[i] = heap->items[child];
		i = child;
	}
	heap->items[i] = sinking;
}

int timer_heap_push(struct timer_heap *heap, struct handle *handle)
{
	if (heap->count == heap->capacity) {
		size_t capacity = heap->capacity ? heap->capacity * 2 : 64;
		struct timer_entry *grown = realloc(heap->items, capacity * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		heap->items = grown;
		heap->capacity = capacity;
	}
	handle->state = HANDLE_TIMER;
	handle->heap = heap;
	/* A gap at the end rises while the new timer is due before the
	 * gap's parent, each parent moving down into it; the timer goes where
	 * the gap stops. Every other branch stays as ordered as it was. */
	struct timer_entry rising = { handle->when, handle->seq, handle };
	size_t i = heap->count++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(&rising, &heap->items[parent]))
			break;
		heap->items[i] = heap->items[parent];
		i = parent;
	}
	heap->items[i] = rising;
	return 0;
}

/* Take out the top timer: the last one takes its place and sinks. */
static struct handle *remove_top(struct timer_heap *heap)
{
	struct handle *top = heap->items[0].handle;
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
	while (heap->count > 0 && heap->items[0].handle->state == HANDLE_CANCELLED) {
		heap->cancelled--;
		trace_timer_drop(heap->items[0].handle);
		handle_free(remove_top(heap));
	}
	return heap->count > 0 ? heap->items[0].handle : NULL;
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
		struct handle *handle = heap->items[i].handle;
		if (handle->state == HANDLE_CANCELLED) {
			handle->heap = NULL;
			handle_free(handle);
		} else {
			heap->items[kept++] = heap->items[i];
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
		struct handle *handle = heap->items[i].handle;
		handle->state = HANDLE_CANCELLED;
		handle->heap = NULL;
		handle_free(handle);
	}
	free(heap->items);
	*heap = (struct timer_heap){ 0 };
}
