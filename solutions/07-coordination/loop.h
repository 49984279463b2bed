/*
 * loop.h - an event loop on a selector of your choice (select, poll or
 * epoll), with timers: call a function when a socket is ready, soon, after
 * a delay, or at a given time.
 *
 * Mirrors: asyncio's SelectorEventLoop, whose selectors module picks
 * EpollSelector on Linux (selectors.DefaultSelector), with loop.call_soon,
 * loop.call_later and loop.call_at returning handles (handle.h), and the
 * timer heap of BaseEventLoop._run_once.
 *
 * Interface:
 *   loop_new, loop_free       create and destroy a loop
 *   loop_new_with_backend     the same, on the selector named "select",
 *                             "poll" or "epoll"               (selectors.*Selector)
 *   loop_backend_name         which selector the loop polls with
 *   loop_get_stats / loop_print_stats
 *                             what the loop has done so far, for debug mode
 *   loop_add_reader           call CB(ARG) when FD is readable    (add_reader)
 *   loop_remove_reader        stop watching FD for reading        (remove_reader)
 *   loop_add_writer           call CB(ARG) when FD is writable    (add_writer)
 *   loop_remove_writer        stop watching FD for writing        (remove_writer)
 *   loop_unref_fd             FD's callbacks do not keep loop_run going
 *   loop_call_soon            call CB(ARG) in the next iteration  (call_soon)
 *   loop_call_later           call CB(ARG) in DELAY seconds       (call_later)
 *   loop_call_at              call CB(ARG) when loop_time() is WHEN (call_at)
 *   loop_time                 the loop's clock, in seconds        (time)
 *   loop_set_clock            read another clock: virtual time for tests
 *   loop_run_once             one iteration, in five steps        (_run_once)
 *   loop_run                  iterate until stopped or idle       (run_forever)
 *   loop_run_until_complete   iterate until a future is done      (run_until_complete)
 *   loop_stop                 return from loop_run soon           (stop)
 *   loop_set_exception_handler / loop_call_exception_handler
 *                             where unclaimed errors go   (call_exception_handler)
 *   loop_is_running           inside loop_run?                    (is_running)
 *   loop_set_debug / loop_get_debug
 *                             debug checks on or off    (set_debug, get_debug)
 *   loop_set_slow_callback_duration
 *                             what debug mode calls slow (slow_callback_duration)
 *   loop_set_running_label    name what runs now, for those warnings
 *   loop_add_close_callback / loop_remove_close_callback
 *                             call CB(ARG) when the loop is freed
 *   loop_join / loop_leave    objects the loop tells when it is freed
 *                             first (pending tasks), in O(1)
 *
 * The dispatch rule. In one iteration the loop calls the I/O callbacks
 * that were registered when the poll began and that are still registered
 * at the moment of the call, then the handles that were ready when the
 * due timers had been moved (the ready snapshot). Whatever those callbacks
 * schedule, a call_soon or a timer already due included, waits for the
 * next iteration. Ready descriptors are served in ascending order (the
 * loop sorts what the selector reports: epoll keeps no order), the
 * reader of a descriptor before its writer. Simplification: asyncio puts
 * I/O callbacks in the ready queue too, and promises no order among them.
 *
 * Every function here may be called from inside a callback, except
 * loop_free, loop_set_clock, loop_run, loop_run_once and
 * loop_run_until_complete.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stdio.h>

#include "handle.h" /* loop_cb, the type of every callback: void cb(void *arg) */

/* Receives what went wrong where nobody could be told directly. */
typedef void loop_exception_cb(const char *message, void *arg);

struct loop;
struct future;

/* loop_new: a loop with nothing registered, on the default selector
 * (epoll on Linux), or NULL when out of memory or when the selector
 * cannot be created (errno says why). The caller frees it with loop_free,
 * once loop_run has returned. */
struct loop *loop_new(void);

/*
 * loop_new_with_backend: the same, polling with the selector called NAME:
 * "select", "poll" or "epoll" (selector.h; NULL means the default). NULL
 * with errno EINVAL when no selector has that name, ENOMEM when out of
 * memory, or the error of the system call that creates the selector.
 */
struct loop *loop_new_with_backend(const char *name);

/* loop_backend_name: the name of the selector LOOP polls with. */
const char *loop_backend_name(const struct loop *loop);

/*
 * What a loop has done since it was created, for debug mode and for the
 * curious: ITERATIONS (polls), CALLBACKS (every callback called: I/O,
 * call_soon and timers), TIMERS (timers whose callback was called) and
 * MAX_POLL_WAIT, the longest time one poll (step 3) took, in seconds, on
 * loop_time()'s clock: a virtual clock's jumps count, so tests can check it.
 */
struct loop_stats {
	unsigned long iterations, callbacks, timers;
	double max_poll_wait;
};

/* loop_get_stats: copy LOOP's statistics into *STATS. */
void loop_get_stats(const struct loop *loop, struct loop_stats *stats);

/* loop_print_stats: one line of them on OUT, with the selector's name:
 * "loop (epoll): 12 iterations, 30 callbacks, 2 timers, max poll wait
 * 0.100 s". The download program prints it at exit in debug mode. */
void loop_print_stats(const struct loop *loop, FILE *out);

/* loop_free: release the loop. It first tells its members (loop_join)
 * and calls the close callbacks still registered, newest first, then
 * frees. It closes no descriptor: they belong to whoever registered
 * them. */
void loop_free(struct loop *loop);

/*
 * loop_set_debug: turn the debug checks on or off. A new loop starts with
 * them off, unless the environment has ASYNCIO_C_DEBUG=1 (asyncio reads
 * PYTHONASYNCIODEBUG=1 the same way). With them on, coroutines that are
 * created and never run are reported when the loop is freed (coro.h).
 */
void loop_set_debug(struct loop *loop, bool enabled);
bool loop_get_debug(const struct loop *loop);

/*
 * loop_add_close_callback: call CB(ARG) from loop_free, before the loop
 * is gone, unless loop_remove_close_callback(CB, ARG) came first. For
 * objects that must be told, or reported, when their loop closes: asyncio
 * keeps such a list for async generators and finalizes them at shutdown.
 * Returns 0, -EINVAL when CB is NULL, or -ENOMEM.
 */
int loop_add_close_callback(struct loop *loop, loop_cb *cb, void *arg);
void loop_remove_close_callback(struct loop *loop, loop_cb *cb, void *arg);

/*
 * A member of the loop: an object that must hear of it when the loop is
 * freed while the object is still alive, such as a task that never
 * finished. It is embedded in the object, so joining and leaving cost no
 * allocation and no search, which matters for something every task does.
 */
struct loop_member {
	struct loop_member *prev, *next;
	loop_cb *on_close; /* called from loop_free with ARG, after loop_leave */
	void *arg;
};

/* loop_join: from now on, loop_free calls ON_CLOSE(ARG) (newest member
 * first) unless loop_leave(MEMBER) came first. */
void loop_join(struct loop *loop, struct loop_member *member, loop_cb *on_close, void *arg);
void loop_leave(struct loop *loop, struct loop_member *member);

/*
 * loop_add_reader: from the next iteration on, call CB(ARG) whenever FD is
 * readable (data has arrived, or the peer closed: read() will not block).
 * Replaces FD's previous reader, if any. FD stays the caller's: close it
 * only after removing its callbacks, or the select and poll selectors fail
 * with EBADF (epoll forgets a closed descriptor silently).
 * Returns 0; -EBADF when FD is negative or not open; -ERANGE when FD is
 * FD_SETSIZE or more on the select selector, which cannot watch it;
 * -EINVAL when CB is NULL; -ENOMEM; or the selector's error (epoll: -EPERM
 * for a regular file, which is always ready and cannot be watched).
 */
int loop_add_reader(struct loop *loop, int fd, loop_cb *cb, void *arg);

/* loop_remove_reader: stop watching FD for reading. Returns 1 when a
 * reader was removed, 0 when there was none, -EBADF or -ERANGE for a
 * descriptor number that could never have been registered. */
int loop_remove_reader(struct loop *loop, int fd);

/* loop_add_writer, loop_remove_writer: the same for "FD is writable"
 * (send() will take at least one byte; a connect() in progress is over). */
int loop_add_writer(struct loop *loop, int fd, loop_cb *cb, void *arg);
int loop_remove_writer(struct loop *loop, int fd);

/*
 * loop_unref_fd: FD's reader and writer stop counting as work: loop_run
 * may return while they are registered, as long as nothing else is left
 * (libuv: uv_unref). For descriptors that wait for what may never come,
 * such as the self-pipe of signals.c: a program that handles Ctrl-C must
 * still end when its work is done. The mark lasts until FD has neither a
 * reader nor a writer. Returns 0; -ENOENT when FD has no callback; -EBADF
 * or -ERANGE as loop_remove_reader.
 */
int loop_unref_fd(struct loop *loop, int fd);

/*
 * loop_call_soon: call CB(ARG) from the loop, in the next iteration, after
 * the callbacks already waiting (first in, first out). Never calls CB
 * before returning, even from inside a callback. Returns a handle that
 * can cancel the call, with one reference for the caller (handle_free it,
 * at once if you will never cancel), or NULL when out of memory.
 *
 * These three are macros so that the handle records the callback's name,
 * #CB, which debug mode prints when the callback is slow; the functions
 * ending in _named take the name as their last argument.
 */
#define loop_call_soon(loop, cb, arg) loop_call_soon_named((loop), (cb), (arg), #cb)
struct handle *loop_call_soon_named(struct loop *loop, loop_cb *cb, void *arg, const char *name);

/*
 * loop_call_later: call CB(ARG) once, DELAY seconds from now on the clock
 * of loop_time(): loop_call_at(loop_time() + DELAY). A DELAY of zero or
 * less means "as soon as the next iteration looks at the timers"; among
 * timers already due, the earlier deadline still goes first.
 */
#define loop_call_later(loop, delay, cb, arg)                                                      \
	loop_call_later_named((loop), (delay), (cb), (arg), #cb)
struct handle *loop_call_later_named(struct loop *loop, double delay, loop_cb *cb, void *arg,
                                     const char *name);

/*
 * loop_call_at: call CB(ARG) once, when loop_time() reaches WHEN. Timers
 * with equal deadlines fire in the order they were scheduled. A due timer
 * joins the ready queue behind the callbacks already there. Returns a
 * handle as loop_call_soon does; NULL also when WHEN is not a number.
 */
#define loop_call_at(loop, when, cb, arg) loop_call_at_named((loop), (when), (cb), (arg), #cb)
struct handle *loop_call_at_named(struct loop *loop, double when, loop_cb *cb, void *arg,
                                  const char *name);

/*
 * loop_set_exception_handler: who hears about errors that have nobody
 * else to go to, such as a future's error that was never retrieved. The
 * default (HANDLER NULL) prints "loop: MESSAGE" on stderr, as asyncio's
 * default handler logs it.
 */
void loop_set_exception_handler(struct loop *loop, loop_exception_cb *handler, void *arg);
void loop_call_exception_handler(struct loop *loop, const char *message);

/* loop_is_running: is loop_run (or loop_run_until_complete) on the stack? */
bool loop_is_running(const struct loop *loop);

/* loop_time: the loop's clock in seconds: CLOCK_MONOTONIC unless
 * loop_set_clock chose another. Deadlines are times on this clock. A
 * monotonic clock never jumps when someone (or NTP) sets the date, so
 * loop_call_later(loop, 5, ...) fires 5 s later whatever the calendar
 * says; the wall clock, CLOCK_REALTIME, would not. */
double loop_time(const struct loop *loop);

/*
 * The clock a loop reads. now(SELF) is the time in seconds. When the loop
 * would sleep until a deadline, it calls sleep_until(SELF, WHEN) instead
 * if that is set: a virtual clock jumps there and returns at once (see
 * virtual_clock.h), which is how tests run in virtual time. Then the loop
 * looks at its descriptors without waiting, and blocks in the poll only
 * when no timer at all is left to jump to.
 */
struct loop_clock {
	double (*now)(void *self);
	void (*sleep_until)(void *self, double when);
	void *self;
};

/* loop_set_clock: read CLOCK (copied) from now on; NULL: CLOCK_MONOTONIC
 * again. Set it before scheduling any timer: deadlines already in the
 * heap are times on the old clock. */
void loop_set_clock(struct loop *loop, const struct loop_clock *clock);

/*
 * Debug mode also warns, through the exception handler, about every
 * callback that runs for SECONDS or longer (0.1 by default, as asyncio's
 * slow_callback_duration): "slow callback: NAME took 0.300 s". A slow
 * callback is one that blocks, and while it blocks nothing else runs.
 */
void loop_set_slow_callback_duration(struct loop *loop, double seconds);

/* loop_set_running_label: from inside a callback, name what is running
 * for a slow-callback warning ("task WorkerA" reads better than the name
 * of the function that stepped it). LABEL must outlive the callback. */
void loop_set_running_label(struct loop *loop, const char *label);

/*
 * loop_run_once: one iteration, in the five steps of loop.c: drop the
 * cancelled timers when they are more than half the heap; compute how long
 * to wait; poll (the selector waits until a descriptor is ready or the
 * nearest timer is due); move the due timers to the ready queue; run the
 * I/O callbacks, then the ready snapshot. Returns how many callbacks it
 * called (0 at once when there is nothing at all to wait for), or a
 * negative errno when the poll failed (-EBADF: a registered descriptor was
 * closed, which the select and poll selectors notice).
 */
int loop_run_once(struct loop *loop);

/*
 * loop_run: iterate until loop_stop is called, or until no callback is
 * ready, no timer is waiting and no descriptor has a reader or a writer
 * (descriptors marked with loop_unref_fd do not count).
 * Returns 0, or the negative errno of a failed iteration, which ends the
 * run.
 */
int loop_run(struct loop *loop);

/*
 * loop_run_until_complete: run the loop until FUTURE is done. Returns 0
 * when it is (read the outcome with future_result); -EBUSY when the loop is
 * already running (asyncio: "This event loop is already running"); -EXDEV
 * when FUTURE belongs to another loop (asyncio: ValueError); -EINTR
 * when the loop stopped first, by loop_stop or because nothing was left
 * that could complete the future (asyncio: "Event loop stopped before
 * Future completed."); or the error of a failed iteration.
 */
int loop_run_until_complete(struct loop *loop, struct future *future);

/*
 * loop_stop: make loop_run return at the end of the current iteration;
 * the callbacks that are due in it still run. Called while the loop is not
 * running, it makes the next loop_run do at most one iteration, without
 * waiting, then return, as asyncio's stop() before run_forever() does.
 */
void loop_stop(struct loop *loop);

#endif
