/*
 * event.c - a flag that tasks can wait for. See event.h.
 *
 * Mirrors: asyncio.Event (Lib/asyncio/locks.py): _value and _waiters.
 */
#include "event.h"

#include <stdlib.h>

#include "future.h"
#include "waiter.h"

struct event {
	struct loop *loop;
	bool value;
	struct waiter_line waiters;
};

struct event *event_new(struct loop *loop)
{
	struct event *ev = calloc(1, sizeof *ev);
	if (ev)
		ev->loop = loop;
	return ev;
}

void event_free(struct event *ev)
{
	if (!ev)
		return;
	waiter_line_cancel(&ev->waiters, "the event was freed");
	free(ev);
}

struct future *event_wait(struct event *ev)
{
	if (ev->value)
		return waiter_ready(ev->loop, NULL);
	/* Nothing to do after the await but leave the line. */
	return waiter_new(ev->loop, &ev->waiters, NULL, ev);
}

void event_set(struct event *ev)
{
	if (ev->value)
		return;
	ev->value = true;
	for (struct waiter *w = waiter_line_first(&ev->waiters); w; w = waiter_line_next(w))
		waiter_wake(w, NULL);
}

void event_clear(struct event *ev)
{
	ev->value = false;
}

bool event_is_set(const struct event *ev)
{
	return ev->value;
}
