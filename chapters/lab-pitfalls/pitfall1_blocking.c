/*
 * pitfall1_blocking.c - the first pitfall: a blocking call inside a
 * coroutine freezes the whole loop.
 *
 *   pitfall1_blocking [--fixed] [--debug] [--seconds S]
 *
 * A worker task handles three items, each of which takes S seconds (0.15
 * by default). Meanwhile a heartbeat, a timer that re-arms itself every
 * 0.1 s, stands for everything else the loop should go on doing: answer
 * other sockets, run the article's health check. The bad version (the
 * default) waits with nanosleep(), the C twin of time.sleep(); the fixed
 * one awaits sleep_for(), the loop's own sleep.
 *
 * The program counts the heartbeats that ran while the worker worked. In
 * the bad version there are none, on any machine and at any speed: the
 * loop cannot call a timer's callback before the running callback (the
 * worker's step) returns. Exit status 0 when the loop stayed responsive,
 * 1 when it was frozen.
 *
 * --debug (or ASYNCIO_C_DEBUG=1) turns on the loop's debug mode, which
 * names the culprit on stderr: "loop: slow callback: worker took 0.450 s".
 *
 * asyncio: time.sleep(0.15) inside an async def, versus
 * await asyncio.sleep(0.15).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handle.h"
#include "loop.h"
#include "sleep.h"
#include "task.h"

#define ITEMS 3
#define HEARTBEAT_PERIOD 0.1

struct options {
	bool fixed;
	bool debug;
	double seconds;
};

/* What the heartbeat and the worker share. */
struct shared {
	struct loop *loop;
	bool worker_busy;       /* between the worker's first and last line */
	int beats_while_busy;   /* heartbeats that ran while worker_busy */
	struct handle *next_beat; /* the heartbeat's pending timer */
};

/* The worker's frame: every local that must survive an await. */
struct worker {
	int resume_point;
	struct shared *shared;
	const struct options *options;
	int item;
	double started;
};

/* time.sleep(S): the whole thread stops, and the loop with it. */
static void block_for(double seconds)
{
	struct timespec rest = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&rest, &rest) < 0 && errno == EINTR)
		continue;
}

/* Every HEARTBEAT_PERIOD: count, and re-arm. */
static void heartbeat(void *arg)
{
	struct shared *shared = arg;
	if (shared->worker_busy)
		shared->beats_while_busy++;
	handle_free(shared->next_beat);
	shared->next_beat = loop_call_later(shared->loop, HEARTBEAT_PERIOD, heartbeat, shared);
}

static int worker_step(struct task *task, void *frame)
{
	struct worker *w = frame;
	struct loop *loop = w->shared->loop;
	CORO_BEGIN(w);
	w->shared->worker_busy = true;
	w->started = loop_time(loop);
	for (w->item = 1; w->item <= ITEMS; w->item++) {
		printf("worker: item %d, %.2f s of work (%s)\n", w->item, w->options->seconds,
		       w->options->fixed ? "await sleep_for" : "blocking nanosleep");
		if (w->options->fixed)
			CORO_AWAIT(task, w, sleep_for(loop, w->options->seconds));
		else
			block_for(w->options->seconds);
	}
	printf("worker: done after %.2f s\n", loop_time(loop) - w->started);
	w->shared->worker_busy = false;
	CORO_END(task, w);
}

static int parse(int argc, char **argv, struct options *options)
{
	*options = (struct options){ .seconds = 0.15 };
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--fixed") == 0)
			options->fixed = true;
		else if (strcmp(argv[i], "--debug") == 0)
			options->debug = true;
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc &&
		         (options->seconds = strtod(argv[++i], &end)) > 0 && *end == '\0' &&
		         options->seconds <= 0.5)
			continue;
		else
			return -1;
	}
	return 0;
}

/* Say what happened, in one line, and choose the exit status. */
static int verdict(const struct shared *shared)
{
	if (shared->beats_while_busy == 0) {
		printf("result: FROZEN: no heartbeat ran while the worker worked\n");
		return 1;
	}
	printf("result: responsive: %d heartbeats ran while the worker worked\n",
	       shared->beats_while_busy);
	return 0;
}

int main(int argc, char **argv)
{
	struct options options;
	if (parse(argc, argv, &options) < 0) {
		fprintf(stderr, "usage: pitfall1_blocking [--fixed] [--debug] [--seconds S (at most 0.5)]\n");
		return 2;
	}
	/* Line by line, so that the loop's warnings on stderr land among
	 * the lines they are about, even through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct loop *loop = loop_new();
	if (!loop) {
		fprintf(stderr, "pitfall1_blocking: out of memory\n");
		return 1;
	}
	if (options.debug)
		loop_set_debug(loop, true);
	struct shared shared = { .loop = loop };
	struct worker frame = { .shared = &shared, .options = &options };
	/* The heartbeat is armed first: its first deadline comes before the
	 * end of the worker's first item, whatever the speed of the machine. */
	shared.next_beat = loop_call_later(loop, HEARTBEAT_PERIOD, heartbeat, &shared);
	struct future *worker = task_create(loop, "worker", worker_step, &frame, NULL);
	int rc = worker && shared.next_beat ? loop_run_until_complete(loop, worker) : -ENOMEM;
	handle_cancel(shared.next_beat);
	handle_free(shared.next_beat);
	future_free(worker);
	loop_free(loop);
	if (rc < 0) {
		fprintf(stderr, "pitfall1_blocking: %s\n", strerror(-rc));
		return 1;
	}
	return verdict(&shared);
}
