/*
 * gather.c - one future for many: done when all of them are. See gather.h.
 *
 * Mirrors: asyncio.gather and its _GatheringFuture (Lib/asyncio/tasks.py),
 * whose cancel() cancels the children: here, the gather's future class.
 */
#include "gather.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "todo.h"

/* What a gather remembers while its children run. It lives until the last
 * done-callback it registered has run. */
struct gather {
	struct future *outer; /* the gather future (a reference) */
	bool return_exceptions;
	bool cancel_requested; /* future_cancel reached at least one child */
	size_t count;      /* children */
	size_t registered; /* done-callbacks registered, one per child */
	size_t finished;   /* ... and how many have run */
	struct future *children[];
};

static void free_result(void *arg)
{
	struct gather_result *result = arg;
	for (size_t i = 0; i < result->count; i++)
		future_free(result->children[i]);
	free(result);
}

/* The result: the children in argument order, one reference each. */
static struct gather_result *collect(const struct gather *g)
{
	struct gather_result *result =
	        malloc(sizeof *result + g->count * sizeof result->children[0]);
	if (!result)
		return NULL;
	result->count = g->count;
	for (size_t i = 0; i < g->count; i++)
		result->children[i] = future_retain(g->children[i]);
	return result;
}

/*
 * CHILD is done, and g->finished counts it already: decide what that
 * means for the gather future. Returns 0, or a negative errno when the
 * gather could not be completed.
 */
static int child_done(struct gather *g, struct future *child)
{
	const struct future_error *error = NULL;
	if (future_done(g->outer)) {
		/* Over already: a later error was seen, so nobody is told
		 * twice, nor warned that it went unread. */
		future_exception(child, &error);
		return 0;
	}
	if (!g->return_exceptions && future_cancelled(child))
		return future_set_exception(g->outer, -ECANCELED, future_cancel_message(child));
	/* Read every child's error: with return_exceptions it is handed on
	 * in the result, which counts as retrieving it. */
	future_exception(child, &error);
	if (error && !g->return_exceptions)
		return future_set_exception(g->outer, error->code, error->message);
	if (g->finished < g->count)
		return 0;
	/* asyncio takes the words from the child that finished last. */
	if (g->cancel_requested)
		return future_set_exception(g->outer, -ECANCELED, future_cancel_message(child));
	struct gather_result *result = collect(g);
	if (!result)
		return -ENOMEM;
	return future_set_result(g->outer, result, free_result);
}

static void release(struct gather *g)
{
	future_set_class(g->outer, NULL, NULL);
	future_free(g->outer);
	for (size_t i = 0; i < g->count; i++)
		future_free(g->children[i]);
	free(g);
}

static void on_child_done(struct future *child, void *arg)
{
	struct gather *g = arg;
	g->finished++;
	int rc = child_done(g, child);
	if (rc < 0)
		future_set_exception(g->outer, rc,
		                     rc == -ENOSYS ? "not implemented yet: child_done"
		                                   : strerror(-rc));
	if (g->finished == g->registered)
		release(g);
}

/* future_cancel on the gather future: cancel every child (asyncio:
 * _GatheringFuture.cancel). The gather itself ends when they do. */
static bool cancel_children(struct future *outer, const char *message, void *self)
{
	(void)outer;
	struct gather *g = self;
	bool any = false;
	for (size_t i = 0; i < g->count; i++)
		if (future_cancel(g->children[i], message))
			any = true;
	if (any)
		g->cancel_requested = true;
	return any;
}

static const struct future_class gather_class = { .name = "gather", .cancel = cancel_children };

static struct gather *gather_new(struct loop *loop, struct future *const futures[], size_t n,
                                 bool return_exceptions)
{
	struct gather *g = calloc(1, sizeof *g + n * sizeof g->children[0]);
	struct future *outer = future_new(loop);
	if (!g || !outer) {
		free(g);
		future_free(outer);
		return NULL;
	}
	g->outer = outer;
	g->return_exceptions = return_exceptions;
	g->count = n;
	for (size_t i = 0; i < n; i++)
		g->children[i] = future_retain(futures[i]);
	return g;
}

struct future *gather(struct loop *loop, struct future *const futures[], size_t n,
                      bool return_exceptions)
{
	/* Children of another loop would be completed by that loop's
	 * callbacks, behind this one's back (asyncio: ValueError). */
	for (size_t i = 0; i < n; i++)
		if (future_get_loop(futures[i]) != loop) {
			errno = EXDEV;
			return NULL;
		}
	struct gather *g = gather_new(loop, futures, n, return_exceptions);
	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	struct future *outer = future_retain(g->outer);
	future_set_class(outer, &gather_class, g);
	for (size_t i = 0; i < n; i++) {
		if (future_add_done_callback(g->children[i], on_child_done, g) < 0) {
			future_set_exception(outer, -ENOMEM, "out of memory");
			break;
		}
		g->registered++;
	}
	struct gather_result *empty = n == 0 ? collect(g) : NULL;
	if (empty)
		future_set_result(outer, empty, free_result);
	else if (n == 0)
		future_set_exception(outer, -ENOMEM, "out of memory");
	if (g->registered == 0)
		release(g);
	return outer;
}
