/*
 * signals.h - Unix signals delivered as ordinary loop callbacks.
 *
 * Mirrors: asyncio's loop.add_signal_handler and remove_signal_handler,
 * which rest on signal.set_wakeup_fd: the real signal handler only writes
 * a byte to a pipe that the loop watches, and the Python callback runs
 * later, from the loop, where it may do anything.
 *
 * A signal handler interrupts the program between any two instructions,
 * in the middle of malloc or of a printf, so it may call almost nothing
 * (only the async-signal-safe functions of signal-safety(7), and write()
 * is one of them). Here the handler writes the signal's number to a pipe,
 * the self-pipe; the pipe's read end is a reader on the loop, and that
 * reader calls CB(ARG) between two callbacks, like any other callback.
 *
 * Interface:
 *   loop_add_signal_handler     call CB(ARG) from LOOP when SIGNO arrives
 *   loop_remove_signal_handler  stop, and restore what SIGNO did before
 *
 * Signals belong to the whole process, not to a loop: one loop at a time
 * may handle signals (asyncio: only the main thread's loop may).
 */
#ifndef SIGNALS_H
#define SIGNALS_H

#include "loop.h"

/*
 * loop_add_signal_handler: from now on, when the process receives SIGNO,
 * call CB(ARG) from LOOP's next iteration (never from inside the signal
 * handler). Replaces SIGNO's previous callback, if any. The first handler
 * of a loop creates the self-pipe and registers its reader; LOOP undoes
 * all of it when it is freed (a close callback). Signals that arrive
 * while the loop is not running wait in the pipe until it runs again.
 * Returns 0; -EINVAL when SIGNO cannot be caught (SIGKILL, SIGSTOP, not a
 * signal) or CB is NULL; -EBUSY when another loop handles signals
 * already; -ENOMEM; or the error of pipe() or sigaction().
 */
int loop_add_signal_handler(struct loop *loop, int signo, loop_cb *cb, void *arg);

/*
 * loop_remove_signal_handler: stop calling SIGNO's callback and give
 * SIGNO back the disposition it had before loop_add_signal_handler.
 * Returns 1 when a handler was removed, 0 when there was none, -EINVAL
 * when SIGNO is not a signal number. A signal already in the pipe is
 * dropped. May be called from a callback, the signal's own included.
 */
int loop_remove_signal_handler(struct loop *loop, int signo);

#endif
