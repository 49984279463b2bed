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
	 * TODO(chapter 5): Afterwards HANDLE (its when and seq already set) is in
	 * the heap, marked HANDLE_TIMER with handle->heap pointing at it, and the
	 * heap's promise holds again: every parent is due no later than its
	 * children, ordered by (when, seq), so that equal deadlines fire first in,
	 * first out. Returns 0, or -ENOMEM when the array could not grow (then the
	 * heap is as it was). Why it matters: timer_heap_first trusts the top of
	 * the heap to be the nearest deadline, and a heap that breaks its promise
	 * once fires timers out of order for ever after. See "The heap" in
	 * README.md.
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
	 * TODO(chapter 5): Afterwards, if the cancelled timers were more than half
	 * of the heap, none of them is left in it (each one's heap reference
	 * dropped, handle->heap NULL), heap->cancelled is 0, and the live ones
	 * form a heap again, in (when, seq) order; otherwise nothing has changed.
	 * Returns how many timers were dropped. Why it matters: handle_cancel only
	 * marks a timer (finding it in the array would cost a search), so a
	 * program that sets and cancels a million timeouts would otherwise keep a
	 * million dead timers, and every push and pop would pay for them. See
	 * "Cancelled timers" in README.md.
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
