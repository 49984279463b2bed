/*
 * gather.h - one future for many: done when all of them are.
 *
 * Mirrors: asyncio.gather(*aws, return_exceptions=...) over futures and
 * tasks. The gather future finishes with every child, in argument order,
 * whatever order they finished in. Without return_exceptions, the first
 * child that fails or is cancelled makes the gather fail at once, with
 * that error or with -ECANCELED; the other children go on running, as in
 * asyncio. With it, the gather waits for all of them and the caller reads
 * each child's outcome. Cancelling the gather future cancels every child
 * that is not done.
 *
 * A gather ended by a cancellation is not itself CANCELLED: it is
 * FINISHED with the error -ECANCELED (future_cancelled says false), as
 * asyncio's gather ends with a CancelledError set as its exception. To
 * whoever awaits it the two look the same: -ECANCELED.
 *
 * Interface:
 *   gather                 a future for all of FUTURES   (asyncio.gather)
 *   struct gather_result   its result: the children, all done
 */
#ifndef GATHER_H
#define GATHER_H

#include <stdbool.h>
#include <stddef.h>

#include "future.h"

struct loop;

/* The result of a gather: the children in argument order, every one done.
 * Owned by the gather future, which holds a reference to each child: read
 * each outcome with future_result, free nothing. */
struct gather_result {
	size_t count;
	struct future *children[];
};

/*
 * gather: a future, one reference for the caller, that finishes with a
 * struct gather_result * once all N FUTURES are done (at once, for N = 0).
 * Takes a reference of its own to each child: the caller keeps its own.
 * Without RETURN_EXCEPTIONS the first error is the gather's, with the
 * child's code and message, and a cancelled child fails the gather with
 * -ECANCELED and its message. With it, every child's error counts as
 * retrieved: it is in the result. future_cancel on the gather cancels the
 * children; once they are all done the gather fails with -ECANCELED (even
 * if one refused, as asyncio does).
 * Returns NULL with errno ENOMEM when out of memory, or EXDEV when a child
 * belongs to another loop (asyncio: ValueError).
 */
struct future *gather(struct loop *loop, struct future *const futures[], size_t n,
                      bool return_exceptions);

#endif
