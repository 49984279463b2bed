/*
 * worker.c - the source article's WorkerA, cancelled in the middle of its
 * work by another task.
 *
 *   worker
 *
 * Mirrors: long_running_task("WorkerA", 10) and main_with_cancellation()
 * from the article's section on cancellation: WorkerA works in ten steps;
 * main cancels it after three; WorkerA meets the cancellation at its
 * await, cleans up (an await of its own), and re-raises; main, awaiting
 * it, sees "final status: Cancelled".
 *
 * Two ways of writing a coroutine side by side: worker_step by hand (a
 * switch on an enum of named resume points), cleanup_step and main_step
 * with the macros of coro.h, which write the same switch.
 *
 * Simplification: the article sleeps one second per step and cancels after
 * three seconds. Here a step awaits task_yield (asyncio.sleep(0)) and main
 * counts turns instead of seconds, so the output is the same at every run;
 * chapter 5 brings timers, and with them sleeps that last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "task.h"

/* WorkerA by hand: where it can stop, named for what it waits on. */
enum worker_point {
	WORKER_STARTING,   /* not run yet */
	WORKER_WORKING,    /* awaiting task_yield after a unit of work */
	WORKER_CLEANING_UP /* awaiting cleanup_resources */
};

struct worker {
	int resume_point; /* an enum worker_point */
	struct loop *loop;
	const char *name;
	int duration; /* units of work to do */
	int done;     /* units done so far */
};

/* cleanup_resources: close files, release locks... one await long. */
struct cleanup {
	int resume_point;
	struct loop *loop;
};

static int cleanup_step(struct task *task, void *frame)
{
	struct cleanup *c = frame;
	CORO_BEGIN(c);
	printf("Cleaning up resources...\n");
	CORO_AWAIT(task, c, task_yield(c->loop));
	CORO_END(task, c);
}

/* Start cleanup_resources() as a task: awaiting a coroutine, in C. */
static struct future *cleanup_resources(struct loop *loop)
{
	struct cleanup *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->loop = loop;
	return task_create(loop, "cleanup_resources", cleanup_step, c, free);
}

/*
 * long_running_task(name, duration), one case per await point. The switch
 * sits in a loop: task_await says whether the coroutine must really wait.
 * When the future is done already it does not, and the step goes straight
 * on to the case of the new resume point, as `await` does in Python.
 */
static int worker_step(struct task *task, void *frame)
{
	struct worker *w = frame;
	for (;;) {
		switch ((enum worker_point)w->resume_point) {
		case WORKER_STARTING:
			printf("%s started\n", w->name);
			break;
		case WORKER_WORKING: /* back from a sleep(0): was it cancelled? */
			if (task_outcome(task) == -ECANCELED) {
				printf("%s was cancelled during work\n", w->name);
				w->resume_point = WORKER_CLEANING_UP;
				if (task_await(task, cleanup_resources(w->loop)))
					return TASK_STEP_AWAIT;
				continue;
			}
			break;
		case WORKER_CLEANING_UP: /* back from cleanup: `finally`, then re-raise */
			printf("%s cleanup done\n", w->name);
			return task_raise(task, -ECANCELED, NULL);
		}
		if (w->done == w->duration) {
			printf("%s completed\n%s cleanup done\n", w->name, w->name);
			return task_return(task, "success", NULL);
		}
		printf("%s working... %d/%d\n", w->name, ++w->done, w->duration);
		w->resume_point = WORKER_WORKING;
		if (task_await(task, task_yield(w->loop)))
			return TASK_STEP_AWAIT;
	}
}

/* main_with_cancellation(), written with the macros. */
struct canceller {
	int resume_point;
	struct loop *loop;
	struct future *worker; /* WorkerA's task */
	int turns;
};

static int main_step(struct task *task, void *frame)
{
	struct canceller *m = frame;
	int outcome;
	CORO_BEGIN(m);
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return task_raise(task, -ENOMEM, "out of memory");
	*w = (struct worker){ WORKER_STARTING, m->loop, "WorkerA", 10, 0 };
	m->worker = task_create(m->loop, "WorkerA", worker_step, w, free);
	/* The article waits three seconds; we wait three turns of WorkerA. */
	for (m->turns = 0; m->turns < 3; m->turns++)
		CORO_AWAIT(task, m, task_yield(m->loop));
	printf("Cancelling WorkerA\n");
	task_cancel(m->worker, NULL);
	/* try: result = await task / except CancelledError */
	CORO_TRY_AWAIT(task, m, future_retain(m->worker), outcome);
	if (outcome == -ECANCELED)
		printf("WorkerA final status: Cancelled\n");
	else if (outcome < 0)
		return task_raise(task, outcome, NULL);
	else
		printf("Result: WorkerA %s\n", (const char *)task_await_result(task));
	CORO_END(task, m);
}

static void canceller_free(void *frame)
{
	struct canceller *m = frame;
	future_free(m->worker);
	free(m);
}

int main(void)
{
	struct loop *loop = loop_new();
	struct canceller *m = calloc(1, sizeof *m);
	if (!loop || !m) {
		fprintf(stderr, "worker: out of memory\n");
		free(m);
		loop_free(loop);
		return 1;
	}
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
