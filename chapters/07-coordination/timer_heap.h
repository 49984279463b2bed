/*
 * timer_heap.h - the loop's timers, nearest deadline first.
 *
 * Mirrors: the list loop._scheduled, kept as a heap by Python's heapq.
 *
 * A binary min-heap in one array: the timer at index i is due no later
 * than its children at 2i+1 and 2i+2, so the nearest deadline is always
 * items[0]. Each slot keeps the keys beside the handle: with half a
 * million timers the handles are scattered over memory, and a heap that
 * had to follow a pointer for every comparison would spend its time
 * waiting for the cache. Adding or removing a timer moves it along one branch:
 * O(log n). Timers are ordered by (when, seq): equal deadlines fire in the
 * order they were scheduled, first in first out. That is libuv's rule;
 * CPython's heap compares TimerHandles by `when` alone and leaves the
 * order of equal deadlines undefined.
 *
 * Cancelled timers are not searched for and taken out: they stay, marked,
 * until they reach the top (timer_heap_first drops them) or until more
 * than half the heap is cancelled, when timer_heap_compact rebuilds it
 * without them (CPython's rule, in BaseEventLoop._run_once). So a program
 * that cancels a million timeouts does not keep a million dead timers.
 *
 * The heap holds one reference to each handle in it (handle.h).
 */
#ifndef TIMER_HEAP_H
#define TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>

struct handle;

/* One slot of the heap: the timer's keys, copied next to it, so that
 * comparing two timers reads the array and never chases the pointers. */
struct timer_entry {
	double when;
	unsigned long long seq;
	struct handle *handle;
};

struct timer_heap {
	struct timer_entry *items;
	size_t count;     /* timers in the heap, cancelled ones included */
	size_t cancelled; /* how many of them are cancelled */
	size_t capacity;
};

/* timer_heap_push: add HANDLE, whose when and seq are set, taking over the
 * loop's reference to it. Returns 0, or -ENOMEM. */
int timer_heap_push(struct timer_heap *heap, struct handle *handle);

/* timer_heap_first: the timer with the nearest deadline, NULL when there
 * is none. Cancelled timers met on top are dropped on the way. */
struct handle *timer_heap_first(struct timer_heap *heap);

/* timer_heap_pop: take out timer_heap_first's timer and return it, with
 * the heap's reference now the caller's; NULL when the heap is empty. */
struct handle *timer_heap_pop(struct timer_heap *heap);

/* timer_heap_note_cancelled: one of the heap's timers was cancelled. */
void timer_heap_note_cancelled(struct timer_heap *heap);

/* timer_heap_compact: when more than half the timers are cancelled,
 * rebuild the heap from the live ones in O(n). Returns how many cancelled
 * timers were dropped (0 when it was not worth it). */
int timer_heap_compact(struct timer_heap *heap);

/* timer_heap_live: how many timers are waiting and not cancelled. */
size_t timer_heap_live(const struct timer_heap *heap);

/* timer_heap_clear: drop every timer, cancelling those still waiting, and
 * free the array (loop_free). */
void timer_heap_clear(struct timer_heap *heap);

#endif
