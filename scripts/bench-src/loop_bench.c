/*
 * loop_bench.c - micro-benchmarks of our loop (the latest chapter's),
 * run by scripts/bench, which links this file with that chapter's objects.
 *
 *   loop_bench call_soon N     ns per callback: one callback rescheduling
 *                              itself with loop_call_soon N times
 *   loop_bench timers N        ns per timer: N timers at random deadlines,
 *                              all already due, scheduled with loop_call_at,
 *                              then fired by loop_run
 *   loop_bench task_switch N   ns per switch: one task awaiting
 *                              task_yield(loop) N times
 *   loop_bench task_bytes N    bytes per suspended task: N tasks awaiting
 *                              one future, from glibc's mallinfo2()
 *
 * Prints one number on stdout. Times are CLOCK_MONOTONIC around the loop
 * run only (creating the loop is not timed).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handle.h"
#include "loop.h"
#include "task.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "loop_bench: %s failed\n", what);
	exit(1);
}

/* call_soon: the callback counts, and reschedules itself until N. */
struct counter {
	struct loop *loop;
	long count, n;
};

static void again(void *arg)
{
	struct counter *c = arg;
	if (++c->count < c->n && handle_detach(loop_call_soon(c->loop, again, c)) < 0)
		die("loop_call_soon");
}

static double bench_call_soon(long n)
{
	struct loop *loop = loop_new();
	if (!loop)
		die("loop_new");
	struct counter c = {loop, 0, n};
	double start = now_ns();
	if (handle_detach(loop_call_soon(loop, again, &c)) < 0 || loop_run(loop) < 0)
		die("loop_run");
	double elapsed = now_ns() - start;
	if (c.count != n)
		die("call_soon count");
	loop_free(loop);
	return elapsed / n;
}

/* timers: N timers with deadlines up to a millisecond in the past, in
 * random order, so every one is due: the heap does all its work (push,
 * then pop in deadline order) and the loop never sleeps. */
static void fired(void *arg)
{
	(*(long *)arg)++;
}

static double bench_timers(long n)
{
	struct loop *loop = loop_new();
	if (!loop)
		die("loop_new");
	long count = 0;
	srand(1);
	double start = now_ns();
	double now = loop_time(loop);
	for (long i = 0; i < n; i++) {
		double when = now - (double)rand() / RAND_MAX * 1e-3;
		if (handle_detach(loop_call_at(loop, when, fired, &count)) < 0)
			die("loop_call_at");
	}
	if (loop_run(loop) < 0)
		die("loop_run");
	double elapsed = now_ns() - start;
	if (count != n)
		die("timer count");
	loop_free(loop);
	return elapsed / n;
}

/* task_switch: one task, N awaits of task_yield (asyncio.sleep(0)). */
struct yielder {
	int resume_point;
	struct loop *loop;
	long i, n;
};

static int yielder_step(struct task *task, void *frame)
{
	struct yielder *y = frame;
	CORO_BEGIN(y);
	for (y->i = 0; y->i < y->n; y->i++)
		CORO_AWAIT(task, y, task_yield(y->loop));
	CORO_END(task, y);
}

static double bench_task_switch(long n)
{
	struct loop *loop = loop_new();
	if (!loop)
		die("loop_new");
	struct yielder y = {0, loop, 0, n};
	double start = now_ns();
	struct future *task = task_create(loop, "yielder", yielder_step, &y, NULL);
	if (!task || loop_run_until_complete(loop, task) < 0)
		die("task");
	double elapsed = now_ns() - start;
	if (y.i != n)
		die("task_switch count");
	future_free(task);
	loop_free(loop);
	return elapsed / n;
}

/* task_bytes: N tasks, each suspended on the same future. */
struct waiter {
	int resume_point;
	struct future *event;
};

static int waiter_step(struct task *task, void *frame)
{
	struct waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, future_retain(w->event));
	CORO_END(task, w);
}

static void noop(void *arg)
{
	(void)arg;
}

static double bench_task_bytes(long n)
{
	struct loop *loop = loop_new();
	struct future *event = loop ? future_new(loop) : NULL;
	if (!event)
		die("loop_new");
	/* Warm-up: grow the ready queue to N entries once, so that the
	 * measurement counts what each suspended task holds, not the queue
	 * the loop keeps from scheduling N first steps. */
	for (long i = 0; i < n; i++)
		if (handle_detach(loop_call_soon(loop, noop, NULL)) < 0)
			die("loop_call_soon");
	loop_run_once(loop);
	size_t before = mallinfo2().uordblks;
	for (long i = 0; i < n; i++) {
		struct waiter *w = malloc(sizeof *w);
		if (!w)
			die("malloc");
		*w = (struct waiter){0, event};
		struct future *task = task_create(loop, "waiter", waiter_step, w, free);
		if (!task)
			die("task_create");
		future_free(task); /* the task keeps its own reference */
	}
	loop_run_once(loop); /* every task runs to its await and is suspended */
	size_t after = mallinfo2().uordblks;
	future_set_result(event, NULL, NULL);
	if (loop_run(loop) < 0)
		die("loop_run");
	future_free(event);
	loop_free(loop);
	return (double)(after - before) / n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: loop_bench call_soon|timers|task_switch|task_bytes N\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (n <= 0)
		return 2;
	double result;
	if (strcmp(argv[1], "call_soon") == 0)
		result = bench_call_soon(n);
	else if (strcmp(argv[1], "timers") == 0)
		result = bench_timers(n);
	else if (strcmp(argv[1], "task_switch") == 0)
		result = bench_task_switch(n);
	else if (strcmp(argv[1], "task_bytes") == 0)
		result = bench_task_bytes(n);
	else
		return 2;
	printf("%.1f\n", result);
	return 0;
}
