/*
 * signals.c - Unix signals delivered as ordinary loop callbacks, through
 * a self-pipe. See signals.h.
 *
 * Mirrors: asyncio's unix_events._UnixSelectorEventLoop.add_signal_handler,
 * which calls signal.set_wakeup_fd(self._csock.fileno()): CPython's C-level
 * handler writes the signal number to that socket, and the loop's reader
 * on the other end runs the Python handlers.
 *
 * Why a self-pipe and not signalfd: signalfd(2) only hears a signal that
 * is blocked in every thread of the process, or some other thread takes
 * it the old way. Every thread would have to block SIGINT before it
 * starts (workpool.c's workers included), and every program this one
 * starts would inherit the blocked mask. The self-pipe works with a plain
 * sigaction() handler, whichever thread the kernel picks to run it, and
 * on every Unix.
 *
 * Signals belong to the process, so the state here is process-wide: one
 * table of callbacks, one pipe, one loop at a time.
 */
/* pipe2() (both ends non-blocking and close-on-exec, in one call) and
 * NSIG (the number of signals) are not in POSIX: _GNU_SOURCE declares
 * them. */
#define _GNU_SOURCE
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>

#include "todo.h"

/* What one signal does while a loop handles it. */
struct signal_entry {
	loop_cb *cb; /* NULL: not handled here */
	void *arg;
	struct sigaction previous; /* what it did before, restored on removal */
};

static struct {
	struct loop *loop; /* the loop that handles signals, or NULL */
	int pipe[2];       /* the self-pipe: [0] on the loop, [1] for on_signal */
	int count;         /* signals with a callback */
	struct signal_entry entries[NSIG];
} signals = { NULL, { -1, -1 }, 0, { { 0 } } };

/* The write end as the handler sees it. A signal handler may only read
 * variables of type volatile sig_atomic_t safely (C11 7.14.1.1). */
static volatile sig_atomic_t wakeup_fd = -1;

/*
 * The real signal handler. It may run between any two instructions of
 * the program, in the middle of a malloc() or a printf(), so it calls
 * nothing that could be halfway through already: only write(), which
 * signal-safety(7) lists as async-signal-safe. It keeps errno, which the
 * interrupted code may be about to read. The pipe is non-blocking: when
 * it is full the byte is dropped, because a handler that blocks would
 * freeze the program, and the loop has enough to read already.
 */
static void on_signal(int signo)
{
	int saved = errno;
	unsigned char byte = (unsigned char)signo; /* NSIG is 65: a byte is enough */
	if (write(wakeup_fd, &byte, 1) < 0) {
		/* Full pipe, or closed: nothing safe to do about it here. */
	}
	errno = saved;
}

static bool is_signal_number(int signo)
{
	return signo > 0 && signo < NSIG;
}

/* Give SIGNO back its previous disposition and forget its callback. */
static void restore(int signo)
{
	sigaction(signo, &signals.entries[signo].previous, NULL);
	signals.entries[signo] = (struct signal_entry){ 0 };
	signals.count--;
}

static void on_loop_close(void *loop);

/* Undo everything: every disposition, the reader, the pipe. The handler
 * is turned off before the pipe closes, so it never writes to a
 * descriptor number that something else may own by then. */
static void teardown(void)
{
	for (int signo = 1; signo < NSIG; signo++)
		if (signals.entries[signo].cb)
			restore(signo);
	wakeup_fd = -1;
	loop_remove_reader(signals.loop, signals.pipe[0]);
	loop_remove_close_callback(signals.loop, on_loop_close, signals.loop);
	close(signals.pipe[0]);
	close(signals.pipe[1]);
	signals.pipe[0] = signals.pipe[1] = -1;
	signals.loop = NULL;
}

static void on_loop_close(void *loop)
{
	(void)loop;
	teardown();
}

/*
 * The self-pipe's reader, on the loop: read every signal number waiting in
 * the pipe and call the callback of each, in the order they arrived.
 * Returns how many callbacks it called, or -errno when read() failed.
 */
static int dispatch_signals(void)
{
	unsigned char numbers[64];
	int called = 0;
	for (;;) {
		ssize_t got = read(signals.pipe[0], numbers, sizeof numbers);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN ? called : -errno;
		if (got == 0)
			return called;
		for (ssize_t i = 0; i < got; i++) {
			struct signal_entry entry = signals.entries[numbers[i]];
			if (!entry.cb)
				continue; /* removed since it arrived */
			entry.cb(entry.arg);
			called++;
			if (!signals.loop)
				return called; /* that callback removed the last handler */
		}
	}
}

/* The self-pipe's reader. When the pipe cannot be read, stop watching it:
 * a pipe that stays readable would call this again in every iteration,
 * and the loop would spin instead of reporting. */
static void on_pipe_readable(void *loop)
{
	if (dispatch_signals() < 0 && signals.loop) {
		loop_remove_reader(loop, signals.pipe[0]);
		loop_call_exception_handler(loop, "signals: cannot read the self-pipe");
	}
}

/* The first handler of LOOP: make the pipe and watch its read end. */
static int setup(struct loop *loop)
{
	if (pipe2(signals.pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	int rc = loop_add_reader(loop, signals.pipe[0], on_pipe_readable, loop);
	/* Waiting for a signal is not work: a program that handles Ctrl-C
	 * still ends when its downloads do. */
	if (rc == 0)
		rc = loop_unref_fd(loop, signals.pipe[0]);
	if (rc == 0)
		rc = loop_add_close_callback(loop, on_loop_close, loop);
	if (rc < 0) {
		loop_remove_reader(loop, signals.pipe[0]);
		close(signals.pipe[0]);
		close(signals.pipe[1]);
		signals.pipe[0] = signals.pipe[1] = -1;
		return rc;
	}
	signals.loop = loop;
	wakeup_fd = signals.pipe[1];
	return 0;
}

/* Install on_signal for SIGNO, keeping what it did before. SA_RESTART:
 * a blocking read() or write() elsewhere (a worker's disk write, reading
 * URLs from stdin) resumes after the handler instead of failing with
 * EINTR. The poll itself is never restarted, whatever the flag says: it
 * returns at once, and the loop sees the pipe readable in its next poll. */
static int install(int signo)
{
	struct sigaction action = { 0 };
	action.sa_handler = on_signal;
	sigemptyset(&action.sa_mask);
	action.sa_flags = SA_RESTART;
	if (sigaction(signo, &action, &signals.entries[signo].previous) < 0)
		return -errno; /* EINVAL: SIGKILL and SIGSTOP cannot be caught */
	signals.count++;
	return 0;
}

int loop_add_signal_handler(struct loop *loop, int signo, loop_cb *cb, void *arg)
{
	if (!cb || !is_signal_number(signo))
		return -EINVAL;
	if (signals.loop && signals.loop != loop)
		return -EBUSY;
	int rc = signals.loop ? 0 : setup(loop);
	if (rc == 0 && !signals.entries[signo].cb)
		rc = install(signo);
	if (rc < 0) {
		if (signals.loop && signals.count == 0)
			teardown();
		return rc;
	}
	signals.entries[signo].cb = cb;
	signals.entries[signo].arg = arg;
	return 0;
}

int loop_remove_signal_handler(struct loop *loop, int signo)
{
	if (!is_signal_number(signo))
		return -EINVAL;
	if (signals.loop != loop || !signals.entries[signo].cb)
		return 0;
	restore(signo);
	if (signals.count == 0)
		teardown();
	return 1;
}
