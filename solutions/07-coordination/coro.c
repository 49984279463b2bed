/*
 * coro.c - coroutine objects that have not run yet, and the report about
 * the ones that never do. See coro.h.
 *
 * Mirrors: the "coroutine ... was never awaited" RuntimeWarning, which
 * CPython raises when a coroutine object that never started is destroyed
 * (Objects/genobject.c, _PyErr_WarnUnawaitedCoroutine).
 */
#include "coro.h"

#include <stdio.h>
#include <stdlib.h>

#include "loop.h"

static void report_never_awaited(struct coro *coro)
{
	char message[160];
	snprintf(message, sizeof message, "coroutine '%s' was never awaited", coro->name);
	loop_call_exception_handler(coro->loop, message);
}

/* The loop is being freed and CORO never ran: it was forgotten, not just
 * left unawaited. Report it and reclaim it, frame and all.
 * Simplification: Python reports when the garbage collector finds it; a C
 * program that loses the pointer never frees it, so the loop does. */
static void reclaim_at_close(void *arg)
{
	struct coro *coro = arg;
	report_never_awaited(coro);
	if (coro->free_frame)
		coro->free_frame(coro->frame);
	free(coro);
}

struct coro *coro_new(struct loop *loop, const char *name, task_step_fn *step, void *frame,
                      coro_frame_free_cb *free_frame)
{
	struct coro *coro = malloc(sizeof *coro);
	if (!coro) {
		if (free_frame)
			free_frame(frame);
		return NULL;
	}
	*coro = (struct coro){ loop, name ? name : "coroutine", step, frame, free_frame };
	/* Only in debug mode: the list costs a little for every coroutine. A
	 * failure to remember it only loses the report. */
	if (loop_get_debug(loop))
		loop_add_close_callback(loop, reclaim_at_close, coro);
	return coro;
}

void coro_free(struct coro *coro)
{
	if (!coro)
		return;
	loop_remove_close_callback(coro->loop, reclaim_at_close, coro);
	report_never_awaited(coro);
	if (coro->free_frame)
		coro->free_frame(coro->frame);
	free(coro);
}

void coro_hand_over(struct coro *coro)
{
	loop_remove_close_callback(coro->loop, reclaim_at_close, coro);
	free(coro);
}
