/*
 * handle.h - a callback the loop has promised to call: soon, later, or at
 * a given time. Cancel it and the loop forgets it.
 *
 * Mirrors: asyncio.Handle and asyncio.TimerHandle, what loop.call_soon,
 * loop.call_later and loop.call_at return.
 *
 * The life of a handle (diagrams/handle.dot):
 *
 *   loop_call_later / loop_call_at  -> HANDLE_TIMER   (in the timer heap)
 *   loop_call_soon, or a due timer  -> HANDLE_READY   (in the ready queue)
 *   the loop calls it               -> HANDLE_RUNNING -> HANDLE_DONE
 *   handle_cancel while it waits    -> HANDLE_CANCELLED
 *
 * Ownership: a handle is reference-counted. The loop holds one reference
 * while the handle waits in its heap or queue; the caller of loop_call_*
 * gets another and gives it back with handle_free, at once when it will
 * never cancel the handle. So a cancelled timer costs its owner nothing
 * more: the loop drops it when it meets it, or when it rebuilds its heap.
 *
 * Interface:
 *   handle_cancel     the callback will not be called      (Handle.cancel)
 *   handle_cancelled  was it cancelled?                     (Handle.cancelled)
 *   handle_when       when a timer is due, on loop_time()   (TimerHandle.when)
 *   handle_free       the caller lets go of its reference
 *   handle_detach     the same, at once, for a call never to be cancelled
 */
#ifndef HANDLE_H
#define HANDLE_H

#include <stdbool.h>

typedef void loop_cb(void *arg);

struct timer_heap;

enum handle_state {
	HANDLE_TIMER,     /* waiting in the timer heap for its deadline */
	HANDLE_READY,     /* waiting in the ready queue for its turn */
	HANDLE_RUNNING,   /* its callback is being called */
	HANDLE_DONE,      /* its callback has returned */
	HANDLE_CANCELLED, /* cancelled before its callback was called */
};

struct handle {
	loop_cb *cb;
	void *arg;
	const char *name; /* the callback's name, for debug-mode warnings */
	double when;      /* timers: the deadline, on loop_time()'s clock */
	/* The order of scheduling: of two timers with equal deadlines, the
	 * one scheduled first (smaller seq) fires first. */
	unsigned long long seq;
	enum handle_state state;
	int references;
	struct timer_heap *heap; /* the heap it waits in, while HANDLE_TIMER */
};

/*
 * handle_cancel: if the callback has not been called yet, it never will be.
 * Cancelling twice, or after the call, does nothing. A timer stays in
 * the heap, marked, until the loop meets it (asyncio does the same: taking
 * it out of the middle of a heap would cost a search).
 */
void handle_cancel(struct handle *handle);

bool handle_cancelled(const struct handle *handle);

/* handle_when: the deadline of a timer, on the clock of loop_time(). */
double handle_when(const struct handle *handle);

/* handle_free: drop one reference; the last one frees the handle. */
void handle_free(struct handle *handle);

/* handle_detach: for a caller that will never cancel, let go of a handle
 * just returned by loop_call_*. Returns 0, or -ENOMEM when HANDLE is NULL
 * because scheduling failed: `if (handle_detach(loop_call_soon(...)) < 0)`. */
int handle_detach(struct handle *handle);

/* For the loop: a new handle with two references, the caller's and the
 * loop's, or NULL when out of memory. */
struct handle *handle_new(loop_cb *cb, void *arg, const char *name);

#endif
