/*
 * shield.h - await a future without letting a cancellation reach it.
 *
 * Mirrors: asyncio.shield(aw). The caller awaits an outer future that
 * finishes as INNER does; cancelling the outer future (the caller's task
 * is cancelled) cancels only the outer one: INNER goes on, and finishes
 * for whoever else waits for it. The article's table reaches for shield
 * around work that must complete even if its caller gives up: a payment,
 * a write that must not be left half done.
 *
 * Interface:
 *   shield   a future that follows INNER, but whose cancellation stops there
 */
#ifndef SHIELD_H
#define SHIELD_H

struct future;

/*
 * shield: a future, one reference for the caller, that finishes as INNER
 * does (its result, borrowed from INNER, its error, or cancelled when
 * INNER is), unless it is cancelled itself first, which leaves INNER
 * alone. When INNER is done already, INNER itself (a new reference), as
 * asyncio's shortcut returns it. NULL when out of memory. INNER stays the
 * caller's.
 */
struct future *shield(struct future *inner);

#endif
