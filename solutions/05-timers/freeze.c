/*
 * freeze.c - the source article's first lesson, measured: a blocking
 * sleep inside a coroutine freezes the whole loop.
 *
 *   freeze [--blocking] [--debug] [--seconds S]
 *
 * Three tasks each "work" for S seconds (1 by default). By default the
 * work is an await of sleep_for(S), the loop's own sleep: the three sleeps
 * overlap and the run takes S. With --blocking the work is nanosleep(S)
 * inside the task's step, as time.sleep(1) inside an async def: while one
 * task sleeps, the loop cannot run anything else, and the run takes 3 S.
 * The last line is the total, on the loop's clock.
 *
 * --debug (or ASYNCIO_C_DEBUG=1) turns on the loop's debug mode, which
 * warns on stderr about each callback that ran for 0.1 s or longer,
 * naming the task: "loop: slow callback: task-1 took 1.000 s".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gather.h"
#include "loop.h"
#include "sleep.h"
#include "task.h"

#define TASKS 3

struct options {
	bool blocking;
	bool debug;
	double seconds;
};

static double started_at;

/* One task's frame: a unit of work, done the good way or the bad one. */
struct work {
	int resume_point;
	struct loop *loop;
	const char *name;
	const struct options *options;
};

/* time.sleep(S): the whole thread stops, and the loop with it. */
static void block_for(double seconds)
{
	struct timespec rest = { (time_t)seconds,
		                 (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&rest, &rest) < 0 && errno == EINTR)
		continue;
}

static int work_step(struct task *task, void *frame)
{
	struct work *w = frame;
	CORO_BEGIN(w);
	printf("[%.2f] %s starts\n", loop_time(w->loop) - started_at, w->name);
	if (w->options->blocking)
		block_for(w->options->seconds);
	else
		CORO_AWAIT(task, w, sleep_for(w->loop, w->options->seconds));
	printf("[%.2f] %s ends\n", loop_time(w->loop) - started_at, w->name);
	CORO_END(task, w);
}

static int parse(int argc, char **argv, struct options *options)
{
	*options = (struct options){ .seconds = 1.0 };
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--blocking") == 0)
			options->blocking = true;
		else if (strcmp(argv[i], "--debug") == 0)
			options->debug = true;
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc &&
		         (options->seconds = strtod(argv[++i], &end)) > 0 && *end == '\0')
			continue;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[TASKS] = { "task-1", "task-2", "task-3" };
	struct options options;
	if (parse(argc, argv, &options) < 0) {
		fprintf(stderr, "usage: freeze [--blocking] [--debug] [--seconds S]\n");
		return 2;
	}
	struct loop *loop = loop_new();
	struct work frames[TASKS];
	struct future *tasks[TASKS] = { NULL };
	if (!loop) {
		fprintf(stderr, "freeze: out of memory\n");
		return 1;
	}
	if (options.debug)
		loop_set_debug(loop, true);
	started_at = loop_time(loop);
	for (int i = 0; i < TASKS; i++) {
		frames[i] = (struct work){ 0, loop, names[i], &options };
		tasks[i] = task_create(loop, names[i], work_step, &frames[i], NULL);
	}
	struct future *all = gather(loop, tasks, TASKS, false);
	int rc = all ? loop_run_until_complete(loop, all) : -ENOMEM;
	void *unused;
	if (rc == 0)
		rc = future_result(all, &unused);
	printf("total: %.2f s for %d tasks of %.2f s (%s)\n", loop_time(loop) - started_at, TASKS,
	       options.seconds, options.blocking ? "blocking sleep" : "the loop's sleep");
	future_free(all);
	for (int i = 0; i < TASKS; i++)
		future_free(tasks[i]);
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
