/*
 * shield.c - await a future without letting a cancellation reach it. See
 * shield.h.
 *
 * Mirrors: asyncio.shield (Lib/asyncio/tasks.py): two done-callbacks,
 * _inner_done_callback and _outer_done_callback, and nothing more. The
 * outer future is a plain one: its cancel() is the plain cancel, which is
 * the whole point.
 */
#include "shield.h"

#include <stdlib.h>

#include "future.h"

/* Both futures, for the two callbacks; the pair lives until the second
 * of them has run. */
struct shield {
	struct future *inner, *outer;
	int callbacks; /* still registered */
};

/* COUNT callbacks will not run (any more): the last one frees the pair. */
static void release(struct shield *s, int count)
{
	s->callbacks -= count;
	if (s->callbacks > 0)
		return;
	future_free(s->inner);
	future_free(s->outer);
	free(s);
}

/* INNER is done: hand its outcome on, unless OUTER was cancelled already
 * (then INNER's error is read, so that it is not reported as lost: the
 * caller who shielded it has given up on it). */
static void on_inner_done(struct future *inner, void *arg)
{
	struct shield *s = arg;
	const struct future_error *error;
	if (future_cancelled(s->outer))
		future_exception(inner, &error);
	else if (!future_done(s->outer))
		future_copy_state(s->outer, inner);
	release(s, 1);
}

/* OUTER is done, by INNER or by a cancellation: INNER need not tell it
 * anything any more. */
static void on_outer_done(struct future *outer, void *arg)
{
	(void)outer;
	struct shield *s = arg;
	int over = 1;
	if (!future_done(s->inner) && future_remove_done_callback(s->inner, on_inner_done, s) > 0)
		over++;
	release(s, over);
}

struct future *shield(struct future *inner)
{
	if (future_done(inner))
		return future_retain(inner);
	struct shield *s = malloc(sizeof *s);
	struct future *outer = future_new(future_get_loop(inner));
	if (!s || !outer || future_add_done_callback(inner, on_inner_done, s) < 0) {
		free(s);
		future_free(outer);
		return NULL;
	}
	*s = (struct shield){ future_retain(inner), future_retain(outer), 1 };
	if (future_add_done_callback(outer, on_outer_done, s) == 0)
		s->callbacks++;
	return outer;
}
