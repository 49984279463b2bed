/*
 * waiter.c - a future in a line. See waiter.h.
 *
 * Mirrors: `fut = loop.create_future(); self._waiters.append(fut)` and the
 * try/finally around `await fut` in Lib/asyncio/locks.py.
 */
#include "waiter.h"

#include <stdlib.h>

struct waiter {
	struct future *future;    /* the line's reference, until after-wait has run */
	struct waiter_line *line; /* NULL once out of the line */
	struct waiter *prev, *next;
	waiter_after_cb *after;
	void *owner;
	void *item;
	bool over;     /* after-wait has run (or never will): nothing changes any more */
	bool given_up; /* woken, but its task was cancelled before it ran */
};

static void given_up(void *self);
static void release(void *self);

static const struct future_class waiter_class = { .name = "waiter",
	                                          .given_up = given_up,
	                                          .release = release };

/* future_cancel reached the future after it was woken: too late to cancel
 * it, so the task that awaits it will be told -ECANCELED instead of
 * taking what it was given. Noted here; after-wait acts on it. */
static void given_up(void *self)
{
	struct waiter *w = self;
	if (!w->over)
		w->given_up = true;
}

static void release(void *self)
{
	free(self);
}

/* Take W out of LINE, the line it is in. */
static void unlink_waiter(struct waiter_line *line, struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		line->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		line->tail = w->prev;
	w->line = NULL;
	w->prev = w->next = NULL;
}

/* The future is done: leave the line (asyncio's `finally:`), then run
 * what comes after the await, with how it ended. */
static void on_done(struct future *future, void *arg)
{
	struct waiter *w = arg;
	w->over = true;
	if (!w->line)
		return; /* its primitive is gone (waiter_line_cancel) */
	enum waiter_end end = future_cancelled(future) ? WAITER_CANCELLED
	                      : w->given_up            ? WAITER_GAVE_UP
	                                               : WAITER_WOKEN;
	unlink_waiter(w->line, w);
	if (w->after)
		w->after(w, end, w->owner);
	future_free(future); /* the line's reference */
}

struct future *waiter_new(struct loop *loop, struct waiter_line *line, waiter_after_cb *after,
                          void *owner)
{
	struct waiter *w = calloc(1, sizeof *w);
	struct future *future = future_new(loop);
	/* The first done-callback, so that it runs before the task's. */
	if (!w || !future || future_add_done_callback(future, on_done, w) < 0) {
		free(w);
		future_free(future);
		return NULL;
	}
	*w = (struct waiter){ .future = future, .line = line, .after = after, .owner = owner };
	future_set_class(future, &waiter_class, w);
	w->prev = line->tail;
	if (line->tail)
		line->tail->next = w;
	else
		line->head = w;
	line->tail = w;
	return future_retain(future);
}

struct future *waiter_ready(struct loop *loop, void *result)
{
	struct future *future = future_new(loop);
	if (future)
		future_set_result(future, result, NULL);
	return future;
}

bool waiter_wake(struct waiter *w, void *result)
{
	return future_set_result(w->future, result, NULL) == 0;
}

struct waiter *waiter_line_first(const struct waiter_line *line)
{
	return line->head;
}

struct waiter *waiter_line_next(const struct waiter *w)
{
	return w->next;
}

struct waiter *waiter_of(struct future *future)
{
	return future_self(future, &waiter_class);
}

struct future *waiter_future(const struct waiter *w)
{
	return w->future;
}

void *waiter_item(const struct waiter *w)
{
	return w->item;
}

void waiter_set_item(struct waiter *w, void *item)
{
	w->item = item;
}

bool waiter_took(struct future *future)
{
	const struct future_error *error = NULL;
	if (!future || future_exception(future, &error) != 0 || error)
		return false;
	struct waiter *w = future_self(future, &waiter_class);
	return !w || !w->given_up;
}

void waiter_line_cancel(struct waiter_line *line, const char *message)
{
	while (line->head) {
		struct waiter *w = line->head;
		struct future *future = w->future;
		unlink_waiter(line, w);
		w->over = true;
		future_cancel(future, message);
		future_free(future);
	}
}
