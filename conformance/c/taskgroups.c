/*
 * taskgroups.c - TaskGroup, structured concurrency (chapter 7).
 *
 * Mirrors: conformance/python/taskgroups.py, case for case where the C
 * side has one. `async with asyncio.TaskGroup() as g:` is taskgroup_new on
 * the running task, and the end of the block awaits taskgroup_exit with
 * the block's outcome. C has no ExceptionGroup: the exit fails with the
 * first error, and the group keeps the list (taskgroup-errors-list on
 * asyncio-differences.md), so `except ExceptionGroup as group` is an exit
 * that failed while the group holds errors, and group.exceptions is that
 * list, read with taskgroup_error.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if CHAPTER >= 7
/* sleeper(h, name, delay, fail): sleep DELAY; then fail with
 * ValueError("boom"), or log NAME. A cancellation is logged NAME! */
struct sleeper {
	int resume_point;
	struct harness *h;
	const char *name;
	double delay;
	bool fail;
	int outcome;
};

static int sleeper(struct task *task, void *frame)
{
	struct sleeper *s = frame;
	CORO_BEGIN(s);
	CORO_TRY_AWAIT(task, s, sleep_for(s->h->loop, s->delay), s->outcome);
	if (s->outcome == -ECANCELED) {
		h_log(s->h, "%s!", s->name);
		return task_raise(task, s->outcome, NULL);
	}
	if (s->fail)
		return task_raise(task, USER_ERROR, "boom");
	h_log(s->h, "%s", s->name);
	CORO_END(task, s);
}

#define TASKS 2

struct frame {
	int resume_point;
	struct harness *h;
	struct taskgroup *tg;
	struct future *exit;
	struct future *t[TASKS];
	int n, outcome;
};

/* g.create_task(sleeper(h, name, delay, fail)). */
static void start(struct frame *f, const char *name, double delay, bool fail)
{
	struct sleeper *s = h_check(malloc(sizeof *s), "a coroutine's frame");
	*s = (struct sleeper){ .h = f->h, .name = name, .delay = delay, .fail = fail };
	f->t[f->n++] = h_check(taskgroup_create_task(f->tg, name, sleeper, s, free),
	                       "taskgroup_create_task");
}

/* The end of the block: await taskgroup_exit(outcome), into f->outcome. */
#define EXIT_GROUP(task, f, block_outcome)                                                         \
	do {                                                                                       \
		(f)->exit = h_check(taskgroup_exit((f)->tg, (block_outcome)), "taskgroup_exit");   \
		CORO_TRY_AWAIT(task, f, future_retain((f)->exit), (f)->outcome);                   \
	} while (0)

/* `except ExceptionGroup as group:` error=ExceptionGroup result=[Class,...];
 * any other outcome as h.wait tells it. */
static void tok_group(struct frame *f, bool with_errors)
{
	size_t n = taskgroup_error_count(f->tg);
	if (f->outcome < 0 && f->outcome != -ECANCELED && n > 0) {
		outcome_add(&f->h->out, NULL, "error=ExceptionGroup");
		if (!with_errors)
			return;
		char list[256] = "";
		for (size_t i = 0; i < n; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "",
			         error_class(taskgroup_error(f->tg, i)->code, NULL));
		}
		outcome_add(&f->h->out, NULL, "result=[%s]", list);
	} else if (f->outcome == 0) {
		outcome_add(&f->h->out, NULL, "result=None");
	} else {
		tok_awaited(&f->h->out, NULL, NULL, f->outcome, f->exit, VALUE_NONE);
	}
}

static void end_case(struct frame *f)
{
	for (int i = 0; i < f->n; i++)
		future_free(f->t[i]);
	future_free(f->exit);
	taskgroup_free(f->tg);
}

static int exit_waits_for_every_task(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "a", 0.1, false);
	start(f, "b", 0.2, false);
	EXIT_GROUP(task, f, 0);
	if (f->outcome < 0)
		tok_group(f, true);
	h_order(f->h, &f->h->out, NULL);
	h_t(f->h, &f->h->out, NULL);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_exit_waits_for_every_task(struct harness *h)
{
	H_MAIN(h, exit_waits_for_every_task, struct frame, .h = h);
}

static int first_failure_cancels_the_rest(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "bad", 0.1, true);
	start(f, "slow", 5, false);
	/* await sleeper(h, "body", 10), inline: the block's own await. */
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	if (f->outcome == -ECANCELED)
		h_log(f->h, "body!");
	EXIT_GROUP(task, f, f->outcome);
	tok_group(f, true);
	h_order(f->h, &f->h->out, NULL);
	h_t(f->h, &f->h->out, NULL);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_first_failure_cancels_the_rest(struct harness *h)
{
	H_MAIN(h, first_failure_cancels_the_rest, struct frame, .h = h);
}

static int every_error_is_kept(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "x", 1, true);
	start(f, "y", 1, true);
	EXIT_GROUP(task, f, 0);
	tok_group(f, true);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_every_error_is_kept(struct harness *h)
{
	H_MAIN(h, every_error_is_kept, struct frame, .h = h);
}

static int parent_cancel_taken_back(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "bad", 0.1, true);
	CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
	EXIT_GROUP(task, f, f->outcome);
	tok_group(f, false);
	outcome_add(&f->h->out, NULL, "cancelling=%d", task_cancelling(task_future(task)));
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_parent_cancel_taken_back(struct harness *h)
{
	H_MAIN(h, parent_cancel_taken_back, struct frame, .h = h);
}

static int no_task_once_finished(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	EXIT_GROUP(task, f, 0);
	struct sleeper *s = h_check(malloc(sizeof *s), "a coroutine's frame");
	*s = (struct sleeper){ .h = f->h, .name = "late", .delay = 0 };
	struct future *late = taskgroup_create_task(f->tg, "late", sleeper, s, free);
	tok_call(&f->h->out, NULL, late ? 0 : -errno, "create_task");
	future_free(late);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_no_task_once_finished(struct harness *h)
{
	H_MAIN(h, no_task_once_finished, struct frame, .h = h);
}
#endif

const struct conformance_case taskgroups_cases[] = {
	{ "taskgroup.exit_waits_for_every_task", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_exit_waits_for_every_task) },
	{ "taskgroup.first_failure_cancels_the_rest", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_first_failure_cancels_the_rest) },
	{ "taskgroup.every_error_is_kept", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_every_error_is_kept) },
	{ "taskgroup.parent_cancel_taken_back", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_parent_cancel_taken_back) },
	{ "taskgroup.no_task_once_finished", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_no_task_once_finished) },
	{ NULL, 0, NULL },
};
