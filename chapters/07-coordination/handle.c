/*
 * handle.c - a callback the loop has promised to call. See handle.h.
 *
 * Mirrors: asyncio.Handle and asyncio.TimerHandle (Lib/asyncio/events.py).
 */
#include "handle.h"

#include <errno.h>
#include <stdlib.h>

#include "timer_heap.h"
#include "trace.h"

struct handle *handle_new(loop_cb *cb, void *arg, const char *name)
{
	struct handle *handle = malloc(sizeof *handle);
	if (!handle)
		return NULL;
	*handle = (struct handle){ .cb = cb, .arg = arg, .name = name, .references = 2 };
	return handle;
}

void handle_cancel(struct handle *handle)
{
	trace_handle_cancel(handle);
	if (handle->state == HANDLE_TIMER)
		timer_heap_note_cancelled(handle->heap);
	if (handle->state == HANDLE_TIMER || handle->state == HANDLE_READY)
		handle->state = HANDLE_CANCELLED;
}

bool handle_cancelled(const struct handle *handle)
{
	return handle->state == HANDLE_CANCELLED;
}

double handle_when(const struct handle *handle)
{
	return handle->when;
}

void handle_free(struct handle *handle)
{
	if (handle && --handle->references == 0)
		free(handle);
}

int handle_detach(struct handle *handle)
{
	if (!handle)
		return -ENOMEM;
	handle_free(handle);
	return 0;
}
