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
	/*
	 * TODO(chapter 5): Add HANDLE (its when and seq already set) to the heap
	 * and return 0, or -ENOMEM. Grow heap->items when it is full (double the
	 * capacity, 64 to begin with). Mark the handle HANDLE_TIMER and remember
	 * the heap in handle->heap. Then make a slot for it, struct timer_entry
	 * rising = { handle->when, handle->seq, handle }, open a gap at the end of
	 * the array (index heap->count, and count it), and let the gap rise: while
	 * it is not at the root and RISING is due earlier() than the gap's parent,
	 * at (i - 1) / 2, move the parent down into the gap. Put RISING where the
	 * gap stops.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)heap;
	(void)handle;
	return not_implemented(__func__);
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
	/*
	 * TODO(chapter 5): Drop the cancelled timers once they are more than half
	 * the heap, and return how many were dropped. When heap->cancelled * 2 <=
	 * heap->count, return 0 at once: not worth it yet. Otherwise walk the
	 * array and keep the slots of live timers at its front, in any order; for
	 * each cancelled one (heap->items[i].handle->state is HANDLE_CANCELLED)
	 * set handle->heap to NULL and handle_free it (the heap's reference). Set
	 * heap->count to the number kept and heap->cancelled to 0. Then make the
	 * array a heap again, bottom up: sift_down every parent, from index count
	 * / 2 - 1 down to 0. Return the number dropped.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)heap;
	return not_implemented(__func__);
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
