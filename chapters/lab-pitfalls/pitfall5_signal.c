/*
 * pitfall5_signal.c - the fifth pitfall: a signal handled outside the
 * loop, in the middle of whatever the program was doing.
 *
 *   pitfall5_signal [--fixed]
 *
 * Three jobs go from "queued" to "running" to "done", one callback each
 * way, and SIGUSR1 asks for a status line: so many queued, running and
 * done, which must add up to three.
 *
 * The bad version (the default) prints the status from a plain sigaction
 * handler. A handler runs wherever the program happens to be when the
 * signal lands: here, inside job_start, after the job has left "queued"
 * and before it has reached "running". The status it prints has lost a
 * job. (It also calls printf, which is not async-signal-safe: had the
 * signal landed inside another printf, the output, or stdio itself, could
 * be corrupted. It is "safe" here only because we know where it lands.)
 *
 * The fixed version is the self-pipe pattern, what asyncio's
 * loop.add_signal_handler does with signal.set_wakeup_fd: the handler
 * only writes one byte into a pipe, which is async-signal-safe; the loop
 * watches the pipe's other end with loop_add_reader, and the status is
 * printed by an ordinary callback, between two callbacks, where the
 * counts always add up. A signal that arrives while the loop sleeps in
 * select() wakes it too: the pipe becomes readable.
 *
 * Making it deterministic. A real signal can land between any two
 * instructions, which is why this bug is rare and hard to reproduce. So
 * job_start sends the signal to its own process, with raise(), at the
 * worst moment: for a single-threaded process, POSIX delivers it before
 * raise() returns. That stands in for a `kill -USR1` arriving at exactly
 * that instruction. Debug mode has no check for this: the loop never
 * sees a plain handler run. The program's own invariant does: exit status
 * 0 when every status line added up, 1 when one did not.
 *
 * Times are on a virtual clock: the run takes a millisecond.
 *
 * asyncio: signal.signal(SIGUSR1, handler) (Python runs the handler in
 * the main thread between two bytecodes, so in the middle of a callback
 * too), versus loop.add_signal_handler(SIGUSR1, callback).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "handle.h"
#include "loop.h"
#include "virtual_clock.h"

#define JOBS 3
#define JOB_WITH_THE_SIGNAL 2

/* The jobs' bookkeeping. Between two callbacks, the three add up to JOBS. */
static int queued = JOBS, running, done;
static int bad_status_lines;

/* The self-pipe: the handler writes to [1], the loop reads [0]. */
static int signal_pipe[2] = { -1, -1 };

static struct loop *the_loop;

/* Print the counts, and remember when they did not add up. */
static void print_status(const char *who)
{
	int total = queued + running + done;
	printf("  status (%s): %d queued, %d running, %d done: %d of %d jobs%s\n", who, queued,
	       running, done, total, JOBS, total == JOBS ? "" : "  <-- a job is missing");
	if (total != JOBS)
		bad_status_lines++;
}

/* The bad handler: does the work itself, in the middle of a callback. */
static void status_in_handler(int signo)
{
	(void)signo;
	print_status("signal handler");
}

/* The good handler: one write(2), which is async-signal-safe, and errno
 * kept for the code it interrupted. A full pipe drops the byte: a status
 * request is already waiting, and one is as good as two. */
static void wake_the_loop(int signo)
{
	int saved = errno;
	unsigned char byte = (unsigned char)signo;
	ssize_t ignored = write(signal_pipe[1], &byte, 1);
	(void)ignored;
	errno = saved;
}

/* The loop's reader on the pipe: an ordinary callback, between two others. */
static void on_signal_pipe(void *arg)
{
	(void)arg;
	unsigned char bytes[16];
	while (read(signal_pipe[0], bytes, sizeof bytes) > 0)
		print_status("loop callback");
}

static void job_finish(void *arg)
{
	int job = *(int *)arg;
	running--;
	done++;
	printf("[%.2f] job %d: done\n", loop_time(the_loop), job);
	if (done == JOBS && signal_pipe[0] >= 0)
		loop_remove_reader(the_loop, signal_pipe[0]); /* nothing left: let loop_run end */
}

/* queued -> running, in two steps, as real bookkeeping often is. */
static void job_start(void *arg)
{
	int job = *(int *)arg;
	printf("[%.2f] job %d: starting\n", loop_time(the_loop), job);
	queued--;
	if (job == JOB_WITH_THE_SIGNAL)
		raise(SIGUSR1); /* a `kill -USR1` landing on exactly this line */
	running++;
	printf("[%.2f] job %d: running\n", loop_time(the_loop), job);
	handle_detach(loop_call_later(the_loop, 0.5, job_finish, arg));
}

/* The fixed version's setup: a non-blocking pipe the loop watches. */
static int open_signal_pipe(struct loop *loop)
{
	if (pipe(signal_pipe) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC) < 0)
			return -errno;
	}
	return loop_add_reader(loop, signal_pipe[0], on_signal_pipe, NULL);
}

static int install_handler(void (*handler)(int))
{
	struct sigaction action = { 0 };
	action.sa_handler = handler;
	action.sa_flags = SA_RESTART;
	sigemptyset(&action.sa_mask);
	return sigaction(SIGUSR1, &action, NULL) < 0 ? -errno : 0;
}

static int run(struct loop *loop, bool fixed)
{
	static int numbers[JOBS];
	int rc = fixed ? open_signal_pipe(loop) : 0;
	if (rc == 0)
		rc = install_handler(fixed ? wake_the_loop : status_in_handler);
	for (int i = 0; rc == 0 && i < JOBS; i++) {
		numbers[i] = i + 1;
		rc = handle_detach(loop_call_later(loop, 0.1 * (i + 1), job_start, &numbers[i]));
	}
	if (rc == 0)
		rc = loop_run(loop);
	install_handler(SIG_DFL);
	for (int i = 0; i < 2; i++)
		if (signal_pipe[i] >= 0)
			close(signal_pipe[i]);
	return rc;
}

int main(int argc, char **argv)
{
	bool fixed = argc == 2 && strcmp(argv[1], "--fixed") == 0;
	if (argc > 2 || (argc == 2 && !fixed)) {
		fprintf(stderr, "usage: pitfall5_signal [--fixed]\n");
		return 2;
	}
	/* Line by line, so that the lines keep their order through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	the_loop = loop_new();
	if (!the_loop) {
		fprintf(stderr, "pitfall5_signal: out of memory\n");
		return 1;
	}
	struct virtual_clock clock;
	virtual_clock_install(&clock, the_loop, 0.0);
	int rc = run(the_loop, fixed);
	loop_free(the_loop);
	if (rc < 0) {
		fprintf(stderr, "pitfall5_signal: %s\n", strerror(-rc));
		return 1;
	}
	printf("result: %s\n", bad_status_lines == 0 ? "every status line added up"
	                                             : "a status line lost a job");
	return bad_status_lines == 0 ? 0 : 1;
}
