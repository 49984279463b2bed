/*
 * pitfall2_forgotten.c - the second pitfall: a task that nobody awaits.
 *
 *   pitfall2_forgotten [--fixed | --never-started] [--debug]
 *
 * Handling an order takes two pieces of work: save a report (0.1 s of
 * "disk", and then the disk is full) and send the reply (0.2 s). The
 * handler starts the report as a task of its own so that both overlap.
 *
 * The bad version (the default) starts the task and drops its future at
 * once: fire and forget. The report fails, nobody hears of it, the
 * handler says "report saved" and the program exits 0. The only trace is
 * the loop's "future exception was never retrieved" on stderr, printed
 * when the last reference to the failed future goes.
 *
 * --never-started is the other way to lose it: the handler makes the
 * coroutine object (coro_new, what calling an async def without await
 * does) and never hands it to a task. The report never even starts, and
 * nothing at all is printed about it, unless debug mode is on (--debug or
 * ASYNCIO_C_DEBUG=1): then the loop reports "coroutine 'save_report' was
 * never awaited" when it is freed.
 *
 * --fixed keeps the task's future and awaits it after the reply: the
 * handler hears of the full disk, says so, and the program exits 1, as a
 * program whose work failed should.
 *
 * Times are on a virtual clock (virtual_clock.h): the run takes a
 * millisecond and prints the same times on every machine.
 *
 * asyncio: asyncio.create_task(save_report()) with the result dropped, or
 * save_report() without await, versus keeping the task and awaiting it
 * (or gather(reply(), report)).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "coro.h"
#include "loop.h"
#include "sleep.h"
#include "task.h"
#include "virtual_clock.h"

enum mode { FORGET_TASK, NEVER_STARTED, FIXED };

/* The report's coroutine: a bit of disk time, then a full disk. */
struct report {
	int resume_point;
	struct loop *loop;
};

static int save_report_step(struct task *task, void *frame)
{
	struct report *r = frame;
	CORO_BEGIN(r);
	printf("[%.2f] save_report: writing report.txt\n", loop_time(r->loop));
	CORO_AWAIT(task, r, sleep_for(r->loop, 0.1));
	printf("[%.2f] save_report: the disk is full\n", loop_time(r->loop));
	return task_raise(task, -ENOSPC, "report.txt: disk full");
	CORO_END(task, r);
}

/* The order handler's frame. */
struct handler {
	int resume_point;
	struct loop *loop;
	enum mode mode;
	struct report report;
	struct future *report_task; /* kept only by the fixed version */
};

/* Start the report in the background, the right way or one of the two
 * wrong ones. Returns 0 or -ENOMEM. */
static int start_report(struct handler *h)
{
	h->report = (struct report){ 0, h->loop };
	if (h->mode == NEVER_STARTED) {
		/* save_report() without await: a coroutine object, and no more. */
		return coro_new(h->loop, "save_report", save_report_step, &h->report, NULL) ? 0 : -ENOMEM;
	}
	struct future *task = task_create(h->loop, "save_report", save_report_step, &h->report, NULL);
	if (!task)
		return -ENOMEM;
	if (h->mode == FORGET_TASK)
		future_free(task); /* fire and forget: nobody will look at the outcome */
	else
		h->report_task = task;
	return 0;
}

static int handler_step(struct task *task, void *frame)
{
	struct handler *h = frame;
	int rc;
	CORO_BEGIN(h);
	printf("[%.2f] handler: order received\n", loop_time(h->loop));
	if (start_report(h) < 0)
		return task_raise(task, -ENOMEM, "out of memory");
	CORO_AWAIT(task, h, sleep_for(h->loop, 0.2));
	printf("[%.2f] handler: reply sent\n", loop_time(h->loop));
	if (h->mode == FIXED) {
		/* try: await report_task / except Exception as e: log it, raise */
		CORO_TRY_AWAIT(task, h, future_retain(h->report_task), rc);
		if (rc < 0) {
			const struct future_error *error;
			future_exception(h->report_task, &error);
			printf("[%.2f] handler: saving the report failed: %s\n", loop_time(h->loop),
			       error ? error->message : strerror(-rc));
			return task_raise(task, rc, "the report was not saved");
		}
	}
	printf("[%.2f] handler: order handled, report saved\n", loop_time(h->loop));
	CORO_END(task, h);
}

static int parse(int argc, char **argv, enum mode *mode, bool *debug)
{
	*mode = FORGET_TASK;
	*debug = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fixed") == 0)
			*mode = FIXED;
		else if (strcmp(argv[i], "--never-started") == 0)
			*mode = NEVER_STARTED;
		else if (strcmp(argv[i], "--debug") == 0)
			*debug = true;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum mode mode;
	bool debug;
	if (parse(argc, argv, &mode, &debug) < 0) {
		fprintf(stderr, "usage: pitfall2_forgotten [--fixed | --never-started] [--debug]\n");
		return 2;
	}
	/* Line by line, so that the loop's warnings on stderr land among
	 * the lines they are about, even through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct loop *loop = loop_new();
	if (!loop) {
		fprintf(stderr, "pitfall2_forgotten: out of memory\n");
		return 1;
	}
	if (debug)
		loop_set_debug(loop, true);
	struct virtual_clock clock;
	virtual_clock_install(&clock, loop, 0.0);
	struct handler frame = { .loop = loop, .mode = mode };
	struct future *handler = task_create(loop, "handler", handler_step, &frame, NULL);
	int rc = handler ? loop_run_until_complete(loop, handler) : -ENOMEM;
	void *unused;
	if (rc == 0)
		rc = future_result(handler, &unused);
	printf("exit status: %d\n", rc == 0 ? 0 : 1);
	future_free(frame.report_task);
	future_free(handler);
	/* Frees the coroutine object that never started (in debug mode). */
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
