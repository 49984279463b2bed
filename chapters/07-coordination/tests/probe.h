/*
 * probe.h - what the tests share: a loop that records its reports, the
 * same loop on a virtual clock, the holes named while they are stubs, and
 * "probe", a coroutine that awaits one future and writes down what it saw.
 */
#ifndef PROBE_H
#define PROBE_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "task.h"
#include "testkit.h"
#include "virtual_clock.h"

/* The loop's reports (exception handler), for the test to read. */
static char reports[8][256];
static int report_count;

static inline void capture_report(const char *message, void *arg)
{
	(void)arg;
	if (report_count < 8)
		snprintf(reports[report_count], sizeof reports[0], "%s", message);
	report_count++;
}

static inline struct loop *quiet_loop(void)
{
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	loop_set_exception_handler(loop, capture_report, NULL);
	report_count = 0;
	return loop;
}

/* quiet_loop on CLOCK, a virtual clock starting at 0: every timer test
 * runs in virtual time, and nothing sleeps. */
static inline struct loop *virtual_loop(struct virtual_clock *clock)
{
	struct loop *loop = quiet_loop();
	virtual_clock_install(clock, loop, 0.0);
	return loop;
}

/* A handle from loop_call_*: NULL means the timer could not be pushed,
 * which in the starter is timer_heap_push still being a stub. */
static inline struct handle *scheduled(struct handle *handle)
{
	if (!handle)
		REQUIRE_NO_STUB();
	cr_assert(handle != NULL, "loop_call_later/loop_call_at returned NULL: the timer could "
	                          "not be pushed onto the heap (timer_heap_push)");
	return handle;
}

static inline struct future *new_future(struct loop *loop)
{
	struct future *f = future_new(loop);
	cr_assert(f != NULL, "future_new returns a future");
	return f;
}

/* A task whose step is still a stub fails with "not implemented yet:
 * task_step" at its first step: say so, not what would fail next. */
static inline void require_stepped(struct future *task)
{
	const struct future_error *error = NULL;
	future_exception(task, &error);
	cr_assert(error == NULL || error->code != -ENOSYS, "%s", error ? error->message : "");
}

/* The error FUTURE ended with, or NULL (a result, cancelled, pending). */
static inline const struct future_error *error_of(struct future *future)
{
	const struct future_error *error = NULL;
	future_exception(future, &error);
	return error;
}

static inline int run_once(struct loop *loop)
{
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	/* Chapter 7: a hole's stub may run inside a callback (a waiter's
	 * after-wait code), where nobody reads its -ENOSYS; name it here. */
	REQUIRE_NO_STUB();
	cr_assert(rc >= 0, "loop_run_once: %s", strerror(-rc));
	return rc;
}

static inline int cancel(struct future *task, const char *message)
{
	int rc = task_cancel(task, message);
	REQUIRE_IMPLEMENTED(rc, "request_cancel");
	return rc;
}

/* Run LOOP until FUTURE is done. */
static inline void run_until(struct loop *loop, struct future *future)
{
	int rc = loop_run_until_complete(loop, future);
	REQUIRE_IMPLEMENTED(rc, "loop_run_until_complete");
	REQUIRE_NO_STUB();
	/* Chapter 7: the loop stops when nothing is left to do; a future
	 * still pending then waits for a wake-up nobody will send. */
	cr_assert(rc != -EINTR, "the loop stopped, with nothing left to do, before the future "
	                        "it ran for finished: a task waits for a wake-up that never "
	                        "comes (a turn, a slot or an item lost on the way?)");
	cr_assert_eq(rc, 0, "loop_run_until_complete: %s", strerror(-rc));
}

/* The probe coroutine: awaits TARGET once and records what it saw. */
struct probe {
	int resume_point;
	struct loop *loop;
	struct future *target; /* borrowed: the test owns it */
	bool catch_cancel;     /* go on after -ECANCELED, and return "caught" */
	bool cancel_self;      /* task_cancel its own task before awaiting */
	int steps;             /* how many times the step function was called */
	int started;           /* how many times the body began */
	int outcome;           /* what task_outcome said after the await */
	bool cleaned_up;       /* met -ECANCELED and cleaned up */
};

static inline int probe_step(struct task *task, void *frame)
{
	struct probe *p = frame;
	p->steps++;
	CORO_BEGIN(p);
	p->started++;
	if (p->cancel_self)
		task_cancel(task_future(task), "by itself");
	CORO_TRY_AWAIT(task, p, future_retain(p->target), p->outcome);
	if (p->outcome == -ECANCELED && !p->catch_cancel) {
		p->cleaned_up = true;
		return task_raise(task, -ECANCELED, NULL);
	}
	if (p->outcome == -ECANCELED) {
		/* Caught: it goes on, awaits again, and returns normally. */
		CORO_AWAIT(task, p, task_yield(p->loop));
		return task_return(task, "caught", NULL);
	}
	if (p->outcome < 0)
		return task_raise(task, p->outcome, "the awaited future failed");
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, p);
}

/* A probe task on P (owned by the test, not freed by the task). */
static inline struct future *probe_task(struct loop *loop, struct probe *p, struct future *target)
{
	p->loop = loop;
	p->target = target;
	struct future *task = task_create(loop, "probe", probe_step, p, NULL);
	cr_assert(task != NULL, "task_create returns the task's future");
	return task;
}

/*
 * The awaiter coroutine: `await target` AWAITS times (CORO_AWAIT, so an
 * error or a cancellation goes on up by itself), then return "done". It
 * can cancel its own task first, or just before it returns.
 */
struct awaiter {
	int resume_point;
	struct future *target; /* borrowed: the test owns it */
	int awaits;            /* how many times to await it (at least 1) */
	bool cancel_first;     /* task_cancel its own task before awaiting */
	bool cancel_at_end;    /* task_cancel its own task just before returning */
	int steps;             /* how many times the step function was called */
	int came_back;         /* awaits that delivered a result */
	int i;
};

static inline int awaiter_step(struct task *task, void *frame)
{
	struct awaiter *a = frame;
	a->steps++;
	CORO_BEGIN(a);
	if (a->cancel_first)
		task_cancel(task_future(task), "first");
	for (a->i = 0; a->i < (a->awaits > 0 ? a->awaits : 1); a->i++) {
		CORO_AWAIT(task, a, future_retain(a->target));
		a->came_back++;
	}
	if (a->cancel_at_end)
		task_cancel(task_future(task), "at the end");
	return task_return(task, "done", NULL);
	CORO_END(task, a);
}

static inline struct future *awaiter_task(struct loop *loop, struct awaiter *a,
                                          struct future *target)
{
	a->target = target;
	struct future *task = task_create(loop, "awaiter", awaiter_step, a, NULL);
	cr_assert(task != NULL, "task_create returns the task's future");
	return task;
}

#endif
