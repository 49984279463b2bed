/*
 * worker.c - the source article's WorkerA, cancelled by time.
 *
 *   worker [--virtual]
 *
 * Mirrors: long_running_task("WorkerA", 10) and main_with_cancellation()
 * from the article's section on cancellation, now with real sleeps:
 * WorkerA works ten units of one second each (await asyncio.sleep(1));
 * main sleeps three seconds, cancels it and awaits it; WorkerA meets the
 * cancellation in its sleep, cleans up (await asyncio.sleep(0.1)), and
 * re-raises; main sees "final status: Cancelled". Every line starts with
 * the loop's time since the start, as the article prints time.time().
 *
 * --virtual runs the same program on a virtual clock (virtual_clock.h):
 * the loop jumps from one deadline to the next instead of sleeping, so
 * the run takes a millisecond and prints exactly the same times every
 * time, which is what tests/test_programs.c compares.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "sleep.h"
#include "task.h"
#include "virtual_clock.h"

/* Where the clock stood when the program began. */
static double started_at;

/* One line of output, stamped with the loop's time since the start. */
static void say(struct loop *loop, const char *format, ...)
{
	printf("[%.2f] ", loop_time(loop) - started_at);
	va_list args;
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	putchar('\n');
}

/* cleanup_resources(): close files, release locks... 0.1 s of awaiting. */
struct cleanup {
	int resume_point;
	struct loop *loop;
};

static int cleanup_step(struct task *task, void *frame)
{
	struct cleanup *c = frame;
	CORO_BEGIN(c);
	say(c->loop, "Cleaning up resources...");
	CORO_AWAIT(task, c, sleep_for(c->loop, 0.1));
	CORO_END(task, c);
}

static struct future *cleanup_resources(struct loop *loop)
{
	struct cleanup *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->loop = loop;
	return task_create(loop, "cleanup_resources", cleanup_step, c, free);
}

/* long_running_task(name, duration): one unit of work per second. */
struct worker {
	int resume_point;
	struct loop *loop;
	const char *name;
	int duration; /* units of work to do */
	int done;     /* units done so far */
};

static int worker_step(struct task *task, void *frame)
{
	struct worker *w = frame;
	int outcome;
	CORO_BEGIN(w);
	say(w->loop, "%s started", w->name);
	for (w->done = 0; w->done < w->duration; w->done++) {
		say(w->loop, "%s working... %d/%d", w->name, w->done + 1, w->duration);
		/* try: await asyncio.sleep(1); a sleep ends with its result or
		 * cancelled, so the cancellation is all there is to catch. */
		CORO_TRY_AWAIT(task, w, sleep_for(w->loop, 1.0), outcome);
		if (outcome == -ECANCELED) {
			/* except CancelledError: clean up, then `finally`, then raise. */
			say(w->loop, "%s was cancelled during work", w->name);
			CORO_AWAIT(task, w, cleanup_resources(w->loop));
			say(w->loop, "%s cleanup done", w->name);
			return task_raise(task, -ECANCELED, NULL);
		}
	}
	say(w->loop, "%s completed", w->name);
	say(w->loop, "%s cleanup done", w->name);
	return task_return(task, "success", NULL);
	CORO_END(task, w);
}

/* main_with_cancellation(). */
struct canceller {
	int resume_point;
	struct loop *loop;
	struct future *worker; /* WorkerA's task */
};

static int main_step(struct task *task, void *frame)
{
	struct canceller *m = frame;
	int outcome;
	CORO_BEGIN(m);
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return task_raise(task, -ENOMEM, "out of memory");
	*w = (struct worker){ 0, m->loop, "WorkerA", 10, 0 };
	m->worker = task_create(m->loop, "WorkerA", worker_step, w, free);
	/* WorkerA's third sleep also ends at 3.00: this timer was scheduled
	 * first, so it fires first (equal deadlines are first in, first out),
	 * and WorkerA is cancelled before its fourth unit. */
	CORO_AWAIT(task, m, sleep_for(m->loop, 3.0));
	say(m->loop, "Cancelling WorkerA");
	task_cancel(m->worker, NULL);
	/* try: result = await task / except CancelledError */
	CORO_TRY_AWAIT(task, m, future_retain(m->worker), outcome);
	if (outcome == -ECANCELED)
		say(m->loop, "WorkerA final status: Cancelled");
	else if (outcome < 0)
		return task_raise(task, outcome, NULL);
	else
		say(m->loop, "Result: WorkerA %s", (const char *)task_await_result(task));
	CORO_END(task, m);
}

static void canceller_free(void *frame)
{
	struct canceller *m = frame;
	future_free(m->worker);
	free(m);
}

int main(int argc, char **argv)
{
	bool virtual_time = argc > 1 && strcmp(argv[1], "--virtual") == 0;
	if (argc > 2 || (argc == 2 && !virtual_time)) {
		fprintf(stderr, "usage: worker [--virtual]\n");
		return 2;
	}
	struct loop *loop = loop_new();
	struct canceller *m = calloc(1, sizeof *m);
	if (!loop || !m) {
		fprintf(stderr, "worker: out of memory\n");
		free(m);
		loop_free(loop);
		return 1;
	}
	struct virtual_clock clock;
	if (virtual_time)
		virtual_clock_install(&clock, loop, 0.0);
	started_at = loop_time(loop);
	m->loop = loop;
	struct future *main_task = task_create(loop, "main", main_step, m, canceller_free);
	int rc = main_task ? loop_run_until_complete(loop, main_task) : -ENOMEM;
	void *unused;
	if (rc == 0)
		rc = future_result(main_task, &unused);
	future_free(main_task);
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
