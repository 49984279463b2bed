/*
 * pitfall3_swallowed.c - the third pitfall: a coroutine that catches its
 * cancellation and carries on.
 *
 *   pitfall3_swallowed [--fixed]
 *
 * The article's WorkerA, under a timeout: the worker opens a connection
 * and waits 10 s for data; the caller gives it 3 s, with wait_for. At 3 s
 * wait_for cancels the worker, which meets -ECANCELED as the outcome of
 * its await.
 *
 * The bad version (the default) swallows it: "cancelled? never mind", and
 * it goes on waiting for its data, without closing the connection. So
 * the caller, which asked for at most 3 s, waits 13 (wait_for waits for
 * the cancelled work to stop, and it does not stop); it then receives a
 * success it did not expect; and the connection is still open at the end.
 * The fixed version closes the connection and re-raises:
 * task_raise(task, -ECANCELED, NULL). The caller gets "timed out" at
 * 3.00 s, and nothing is left open.
 *
 * Swallowing takes a decision, in C as in Python: a plain CORO_AWAIT lets
 * the cancellation go on up by itself, so the bad version has to catch it
 * (CORO_TRY_AWAIT, Python's try/except) and then not re-raise it. No debug
 * check can see this: catching a cancellation is sometimes the right
 * thing (a task that must tidy up, then re-raise), and the loop cannot
 * tell the two apart. What shows it is the program's own count of
 * open connections, and the time at which the caller got its answer.
 * Exit status 0 when the timeout held and nothing was left open, else 1.
 *
 * Times are on a virtual clock: the run takes a millisecond.
 *
 * asyncio: `except asyncio.CancelledError: pass` (or a bare `except:`),
 * versus `except asyncio.CancelledError: close(); raise`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "sleep.h"
#include "task.h"
#include "virtual_clock.h"
#include "wait_for.h"

#define TIMEOUT 3.0
#define WORK 10.0

/* A stand-in for a socket: what the worker must close, whatever happens. */
static int open_connections;

struct worker {
	int resume_point;
	struct loop *loop;
	bool fixed;
};

static void connection_open(struct loop *loop)
{
	open_connections++;
	printf("[%5.2f] worker: connection opened\n", loop_time(loop));
}

static void connection_close(struct loop *loop)
{
	open_connections--;
	printf("[%5.2f] worker: connection closed\n", loop_time(loop));
}

static int worker_step(struct task *task, void *frame)
{
	struct worker *w = frame;
	int outcome;
	CORO_BEGIN(w);
	connection_open(w->loop);
	CORO_TRY_AWAIT(task, w, sleep_for(w->loop, WORK), outcome);
	if (outcome == -ECANCELED) {
		if (w->fixed) {
			printf("[%5.2f] worker: cancelled: closing, and passing it on\n", loop_time(w->loop));
			connection_close(w->loop);
			return task_raise(task, -ECANCELED, NULL);
		}
		printf("[%5.2f] worker: cancelled? never mind, still waiting for data\n",
		       loop_time(w->loop));
		CORO_AWAIT(task, w, sleep_for(w->loop, WORK));
		printf("[%5.2f] worker: data received\n", loop_time(w->loop));
		return task_return(task, "all data", NULL);
	}
	printf("[%5.2f] worker: data received\n", loop_time(w->loop));
	connection_close(w->loop);
	return task_return(task, "all data", NULL);
	CORO_END(task, w);
}

/* What the caller got, and whether the timeout held. */
static int report(struct loop *loop, struct future *guarded)
{
	void *result = NULL;
	int rc = future_result(guarded, &result);
	double at = loop_time(loop);
	if (rc == 0)
		printf("[%5.2f] caller: wait_for gave a result: \"%s\"\n", at, (const char *)result);
	else
		printf("[%5.2f] caller: wait_for gave: %s\n", at, strerror(-rc));
	printf("connections still open: %d\n", open_connections);
	bool held = rc == -ETIMEDOUT && at <= TIMEOUT && open_connections == 0;
	printf("result: %s\n", held ? "the timeout held, nothing left open"
	                            : "the timeout did not hold, or something was left open");
	return held ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool fixed = argc == 2 && strcmp(argv[1], "--fixed") == 0;
	if (argc > 2 || (argc == 2 && !fixed)) {
		fprintf(stderr, "usage: pitfall3_swallowed [--fixed]\n");
		return 2;
	}
	/* Line by line, so that the lines keep their order through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct loop *loop = loop_new();
	if (!loop) {
		fprintf(stderr, "pitfall3_swallowed: out of memory\n");
		return 1;
	}
	struct virtual_clock clock;
	virtual_clock_install(&clock, loop, 0.0);
	struct worker frame = { .loop = loop, .fixed = fixed };
	struct future *worker = task_create(loop, "WorkerA", worker_step, &frame, NULL);
	printf("[%5.2f] caller: wait_for(WorkerA, %.0f s)\n", loop_time(loop), TIMEOUT);
	struct future *guarded = worker ? wait_for(loop, worker, TIMEOUT) : NULL;
	int rc = guarded ? loop_run_until_complete(loop, guarded) : -ENOMEM;
	int status = rc == 0 ? report(loop, guarded) : 1;
	if (rc < 0)
		fprintf(stderr, "pitfall3_swallowed: %s\n", strerror(-rc));
	future_free(guarded);
	future_free(worker);
	loop_free(loop);
	return status;
}
