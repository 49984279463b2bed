/*
 * loop.h - an event loop on select(): call a function when a socket is ready.
 *
 * Mirrors: asyncio's SelectorEventLoop with selectors.SelectSelector, the
 * loop asyncio picks when it is told to use select(). One thread, one loop:
 * instead of waiting on one socket at a time, the program tells the loop
 * which descriptors it waits on and what to call when each one is ready,
 * and the loop sleeps in select() until any of them is.
 *
 * Interface:
 *   loop_new, loop_free       create and destroy a loop
 *   loop_add_reader           call CB(ARG) when FD is readable    (add_reader)
 *   loop_remove_reader        stop watching FD for reading        (remove_reader)
 *   loop_add_writer           call CB(ARG) when FD is writable    (add_writer)
 *   loop_remove_writer        stop watching FD for writing        (remove_writer)
 *   loop_set_deadline         call CB(ARG) once if FD is still quiet at WHEN
 *   loop_time                 the loop's clock, in seconds        (time)
 *   loop_run_once             one iteration: wait, then dispatch  (_run_once)
 *   loop_call_soon            call CB(ARG) in the next iteration  (call_soon)
 *   loop_run                  iterate until stopped or idle       (run_forever)
 *   loop_run_until_complete   iterate until a future is done      (run_until_complete)
 *   loop_stop                 return from loop_run soon           (stop)
 *   loop_set_exception_handler / loop_call_exception_handler
 *                             where unclaimed errors go   (call_exception_handler)
 *   loop_is_running           inside loop_run?                    (is_running)
 *
 * The dispatch rule. In one iteration the loop calls the callbacks that
 * were registered when select() began and that are still registered at the
 * moment of the call. So a callback removed during the iteration, by
 * itself or by any other callback, is not called again; a callback added
 * during the iteration waits for the next select(). Ready descriptors are
 * served in ascending order, the reader of a descriptor before its writer.
 * Simplification: asyncio promises no order among ready callbacks.
 *
 * Every function here may be called from inside a callback, except
 * loop_free, loop_run, loop_run_once and loop_run_until_complete.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <sys/select.h>

/* The type of every callback: a function and the argument it was given. */
typedef void loop_cb(void *arg);

/* Receives what went wrong where nobody could be told directly. */
typedef void loop_exception_cb(const char *message, void *arg);

struct loop;
struct future;

/* loop_new: a loop with nothing registered, or NULL when out of memory.
 * The caller frees it with loop_free, once loop_run has returned. */
struct loop *loop_new(void);

/* loop_free: release the loop. It closes no descriptor: they belong to
 * whoever registered them. */
void loop_free(struct loop *loop);

/*
 * loop_add_reader: from the next iteration on, call CB(ARG) whenever FD is
 * readable (data has arrived, or the peer closed: read() will not block).
 * Replaces FD's previous reader, if any. FD stays the caller's: close it
 * only after removing its callbacks, or select() fails with EBADF.
 * Returns 0; -EBADF when FD is negative or not open; -ERANGE when FD is
 * FD_SETSIZE or more, which select() cannot watch; -EINVAL when CB is NULL.
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
 * loop_set_deadline: call CB(ARG) once, from the loop, when loop_time()
 * reaches WHEN (seconds, on the clock of loop_time), unless the deadline is
 * moved or cleared first. One deadline per descriptor: a new call replaces
 * the old one, and WHEN = 0 clears it. The loop does not move it by itself:
 * its owner moves it forward each time FD makes progress, which turns it
 * into an idle timeout. Checked after the I/O callbacks of an iteration,
 * so data that arrives just in time wins. Returns 0, -EBADF or -ERANGE
 * for a descriptor number select() could not watch, or -EINVAL when CB is
 * NULL (allowed only with WHEN = 0). FD need not be open: clear its
 * deadline before closing it all the same, or it fires.
 * Simplification: asyncio has no deadline per descriptor. Code there asks
 * for a timer (loop.call_later) or wraps an await in asyncio.timeout(),
 * whose reschedule() moves it. Our loop has no timers until chapter 5.
 */
int loop_set_deadline(struct loop *loop, int fd, double when, loop_cb *cb, void *arg);

/*
 * loop_call_soon: call CB(ARG) from the loop, in the next iteration, after
 * the callbacks already waiting (first in, first out). Never calls CB
 * before returning, even from inside a callback. Returns 0, -EINVAL when
 * CB is NULL, -ENOMEM. Simplification: asyncio returns a Handle that can
 * be cancelled; ours come in chapter 5.
 */
int loop_call_soon(struct loop *loop, loop_cb *cb, void *arg);

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

/* loop_time: the loop's clock, CLOCK_MONOTONIC in seconds: it never jumps
 * when someone sets the date. Deadlines are times on this clock. */
double loop_time(const struct loop *loop);

/*
 * loop_run_once: one iteration, in the numbered phases of loop.c. Waits
 * in select() until a registered descriptor is ready or the nearest
 * deadline passes (not at all after loop_stop, or when callbacks are
 * ready), then calls the callbacks that are due, and last the callbacks
 * that were ready when the iteration began. Returns how many callbacks it
 * called (0 at once when there is nothing at all to wait for), or a
 * negative errno when select() failed (-EBADF: a registered descriptor was
 * closed).
 */
int loop_run_once(struct loop *loop);

/*
 * loop_run: iterate until loop_stop is called, or until no callback is
 * ready and no descriptor has a reader, a writer or a deadline left. Returns 0, or the negative
 * errno of a failed iteration, which ends the run.
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
