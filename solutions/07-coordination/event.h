/*
 * event.h - a flag that tasks can wait for.
 *
 * Mirrors: asyncio.Event. The flag starts false; event_set makes it true
 * and wakes every task waiting for it; event_wait is done at once while it
 * is true; event_clear makes it false again. Queue.join is an Event
 * (queues.c), and so is "the crawl is over".
 *
 * Interface:
 *   event_new / event_free  a flag, false
 *   event_wait    a future done once the flag is true        (wait)
 *   event_set     make it true, wake every waiter             (set)
 *   event_clear   make it false                               (clear)
 *   event_is_set  the flag                                    (is_set)
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdbool.h>

struct loop;
struct future;
struct event;

/* event_new: a flag set to false, or NULL when out of memory. */
struct event *event_new(struct loop *loop);

/* event_free: cancels the futures of the waiters, then frees. NULL is
 * allowed. */
void event_free(struct event *ev);

/* event_wait: a future, one reference for the caller, that finishes
 * (result NULL) once the flag is true: done already if it is. Cancelling
 * it just leaves the line. NULL when out of memory. */
struct future *event_wait(struct event *ev);

/* event_set: the flag becomes true; every waiter is woken, even those
 * that event_clear would put back to sleep before they run (asyncio's
 * set() wakes them all at once). */
void event_set(struct event *ev);

void event_clear(struct event *ev);
bool event_is_set(const struct event *ev);

#endif
