/*
 * loop.c - an event loop on select(): call a function when a socket is ready.
 *
 * Mirrors: asyncio's BaseEventLoop._run_once over selectors.SelectSelector.
 * See loop.h for the interface and the dispatch rule.
 *
 * The registry is an array indexed by descriptor number. select() works
 * with bitmaps of descriptor numbers below FD_SETSIZE (1024), so an array
 * of that size holds every descriptor it can ever watch, and finding an
 * entry costs nothing. Every scan stops at the highest descriptor ever
 * registered. loop_run_once reads as the numbered phases of one iteration,
 * the same numbers as in the walkthrough.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "todo.h"
#include "trace.h"

struct loop_callback {
	loop_cb *cb; /* NULL: nothing registered */
	void *arg;
	unsigned long since; /* the iteration during which it was registered */
};

struct loop_deadline {
	double when; /* loop_time() seconds; 0: no deadline */
	loop_cb *cb;
	void *arg;
};

/* Everything the loop knows about one descriptor. */
struct loop_fd {
	struct loop_callback reader, writer;
	struct loop_deadline deadline;
};

struct loop {
	struct loop_fd fds[FD_SETSIZE];
	int max_fd;              /* the highest descriptor ever registered, or -1 */
	unsigned long iteration; /* how many times select() was called */
	bool stopping;           /* loop_stop was called */
};

struct loop *loop_new(void)
{
	/* calloc: every callback NULL, every deadline 0. */
	struct loop *loop = calloc(1, sizeof *loop);
	if (loop) {
		loop->max_fd = -1;
		trace_loop_new(loop, loop_time);
	}
	return loop;
}

void loop_free(struct loop *loop)
{
	trace_loop_free(loop);
	free(loop);
}

double loop_time(const struct loop *loop)
{
	(void)loop;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Can FD be watched by select() at all? FD_SET on a descriptor of
 * FD_SETSIZE or more would write past the end of the fd_set. */
static int check_range(int fd)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= FD_SETSIZE)
		return -ERANGE;
	return 0;
}

/* check_range, and FD must be open: better refused here, at the call that
 * made the mistake, than by select() later, in the middle of everyone. */
static int check_open(int fd)
{
	int rc = check_range(fd);
	if (rc == 0 && fcntl(fd, F_GETFD) < 0)
		rc = -EBADF;
	return rc;
}

static int add_callback(struct loop *loop, int fd, bool writer, loop_cb *cb, void *arg)
{
	int rc = check_open(fd);
	if (rc < 0)
		return rc;
	if (!cb)
		return -EINVAL;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	/* Stamped with the current iteration: the dispatch rule keeps it
	 * waiting until the next select() has looked at FD. */
	*slot = (struct loop_callback){ cb, arg, loop->iteration };
	if (fd > loop->max_fd)
		loop->max_fd = fd;
	trace_fd_watch(fd, writer, true);
	return 0;
}

static int remove_callback(struct loop *loop, int fd, bool writer)
{
	int rc = check_range(fd);
	if (rc < 0)
		return rc;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	bool was_registered = slot->cb != NULL;
	*slot = (struct loop_callback){ NULL, NULL, 0 };
	if (was_registered)
		trace_fd_watch(fd, writer, false);
	return was_registered;
}

int loop_add_reader(struct loop *loop, int fd, loop_cb *cb, void *arg)
{
	return add_callback(loop, fd, false, cb, arg);
}

int loop_remove_reader(struct loop *loop, int fd)
{
	return remove_callback(loop, fd, false);
}

int loop_add_writer(struct loop *loop, int fd, loop_cb *cb, void *arg)
{
	return add_callback(loop, fd, true, cb, arg);
}

int loop_remove_writer(struct loop *loop, int fd)
{
	return remove_callback(loop, fd, true);
}

int loop_set_deadline(struct loop *loop, int fd, double when, loop_cb *cb, void *arg)
{
	/* No check_open: the owner moves its deadline at every recv(), and a
	 * deadline is never handed to select(). */
	int rc = check_range(fd);
	if (rc < 0)
		return rc;
	if (when != 0 && !cb)
		return -EINVAL;
	loop->fds[fd].deadline = when == 0 ? (struct loop_deadline){ 0, NULL, NULL }
	                                   : (struct loop_deadline){ when, cb, arg };
	if (fd > loop->max_fd)
		loop->max_fd = fd;
	trace_deadline(fd, when);
	return 0;
}

/*
 * Phase 1: how long select() may sleep. Until the nearest deadline, found
 * by looking at every descriptor: an O(n) scan, cheap for the hundred
 * connections of this chapter and wasteful for ten thousand. Chapter 5
 * keeps deadlines in a timer heap, whose nearest one is always on top.
 * Returns NULL, "no limit", when there is no deadline at all.
 */
static struct timeval *select_timeout(const struct loop *loop, double now, struct timeval *tv)
{
	double nearest = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		double when = loop->fds[fd].deadline.when;
		if (when != 0 && (nearest == 0 || when < nearest))
			nearest = when;
	}
	if (nearest == 0 && !loop->stopping)
		return NULL;
	double wait = loop->stopping || nearest < now ? 0 : nearest - now;
	/* Round up to the microsecond: waking a hair before the deadline
	 * would find nothing due and cost one more trip round the loop. */
	long long us = (long long)(wait * 1e6);
	if ((double)us < wait * 1e6)
		us++;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return tv;
}

/*
 * Phase 2: register. select() reads the descriptors to watch from two
 * bitmaps and overwrites them with the ready ones, so they are built afresh
 * from the registry in every iteration. Returns the nfds argument of
 * select(): the highest descriptor in either set plus one, or 0.
 */
static int build_fd_sets(const struct loop *loop, fd_set *readable, fd_set *writable)
{
	FD_ZERO(readable);
	FD_ZERO(writable);
	int nfds = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		if (loop->fds[fd].reader.cb) {
			FD_SET(fd, readable);
			nfds = fd + 1;
		}
		if (loop->fds[fd].writer.cb) {
			FD_SET(fd, writable);
			nfds = fd + 1;
		}
	}
	return nfds;
}

/*
 * Phase 4: dispatch. Call the reader of every readable descriptor and the
 * writer of every writable one, in ascending order. The registry is read
 * again just before each call, never remembered from before: any callback
 * may have removed or replaced any other (the dispatch rule in loop.h).
 * Returns how many callbacks were called.
 */
static int dispatch(struct loop *loop, const fd_set *readable, const fd_set *writable)
{
	int called = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		struct loop_callback *reader = &loop->fds[fd].reader;
		if (FD_ISSET(fd, readable) && reader->cb && reader->since < loop->iteration) {
			reader->cb(reader->arg);
			called++;
		}
		struct loop_callback *writer = &loop->fds[fd].writer;
		if (FD_ISSET(fd, writable) && writer->cb && writer->since < loop->iteration) {
			writer->cb(writer->arg);
			called++;
		}
	}
	return called;
}

/* Phase 5: call the callback of every deadline that NOW has passed. */
static int expire_deadlines(struct loop *loop, double now)
{
	int called = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		struct loop_deadline *deadline = &loop->fds[fd].deadline;
		if (deadline->when == 0 || deadline->when > now)
			continue;
		/* Cleared before the call: a deadline fires once, and its
		 * callback may well set a new one. */
		struct loop_deadline due = *deadline;
		*deadline = (struct loop_deadline){ 0, NULL, NULL };
		trace_deadline_fired(fd);
		due.cb(due.arg);
		called++;
	}
	return called;
}

int loop_run_once(struct loop *loop)
{
	/* 1. Timeout: sleep at most until the nearest deadline (an O(n)
	 *    scan), and not at all once loop_stop has been called. */
	trace_iteration();
	trace_phase(1, "timeout");
	struct timeval tv;
	struct timeval *timeout = select_timeout(loop, loop_time(loop), &tv);

	/* 2. Register: turn the registry into the two sets select() reads. */
	trace_phase(2, "register");
	fd_set readable, writable;
	int nfds = build_fd_sets(loop, &readable, &writable);
	if (nfds < 0)
		return nfds;

	/* 3. Wait: the only place where the program sleeps, until one of the
	 *    descriptors is ready or the timeout has passed. Callbacks
	 *    registered from here on belong to the next iteration. */
	trace_phase(3, "wait");
	trace_poll(timeout ? (long)tv.tv_sec * 1000000 + (long)tv.tv_usec : -1);
	loop->iteration++;
	if (select(nfds, &readable, &writable, NULL, timeout) < 0) {
		if (errno != EINTR)
			return -errno;
		/* A signal cut the wait short; the sets now mean nothing. */
		FD_ZERO(&readable);
		FD_ZERO(&writable);
	}
	trace_poll_sets(&readable, &writable);

	/* 4. Dispatch: call the reader of each readable descriptor and the
	 *    writer of each writable one, if they are still registered. */
	trace_phase(4, "dispatch");
	int called = dispatch(loop, &readable, &writable);
	if (called < 0)
		return called;

	/* 5. Deadlines: read the clock again and call the callback of every
	 *    deadline that has passed. */
	trace_phase(5, "deadlines");
	return called + expire_deadlines(loop, loop_time(loop));
}

/* Is anything left to wait for? Another O(n) scan. */
static bool has_work(const struct loop *loop)
{
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		const struct loop_fd *entry = &loop->fds[fd];
		if (entry->reader.cb || entry->writer.cb || entry->deadline.when != 0)
			return true;
	}
	return false;
}

int loop_run(struct loop *loop)
{
	int rc = 0;
	/* Simplification: asyncio's run_forever() runs until stop(), even
	 * with nothing registered; here an idle loop returns by itself, so
	 * main does not need to count the downloads still running. */
	while (has_work(loop)) {
		rc = loop_run_once(loop);
		if (rc < 0 || loop->stopping)
			break;
	}
	loop->stopping = false;
	return rc < 0 ? rc : 0;
}

void loop_stop(struct loop *loop)
{
	loop->stopping = true;
}
