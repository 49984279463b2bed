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

/* cancelled(h): result=[...], the words logged, sorted (a group cancels
 * its tasks in no particular order). */
static int compare_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tok_cancelled_words(struct harness *h)
{
	char copy[LOG_MAX], *words[32];
	size_t n = 0;
	snprintf(copy, sizeof copy, "%s", h->log);
	for (char *save, *w = strtok_r(copy, ",", &save); w && n < 32;
	     w = strtok_r(NULL, ",", &save))
		words[n++] = w;
	qsort(words, n, sizeof words[0], compare_words);
	char list[LOG_MAX] = "";
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "", words[i]);
	}
	outcome_add(&h->out, NULL, "result=[%s]", list);
}

/* runner(): a group of a and b (5 s each); with BODY, the block awaits
 * sleeper(h, "body", 10) too. Its task's cancelling() at the end goes to
 * *SEEN. */
struct runner {
	struct frame g;
	bool body;
	int *seen;
};

static int runner(struct task *task, void *frame)
{
	struct runner *r = frame;
	struct frame *f = &r->g;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "a", 5, false);
	start(f, "b", 5, false);
	if (r->body) {
		CORO_TRY_AWAIT(task, f, sleep_for(f->h->loop, 10), f->outcome);
		if (f->outcome == -ECANCELED)
			h_log(f->h, "body!");
	}
	EXIT_GROUP(task, f, f->outcome);
	if (r->seen)
		*r->seen = task_cancelling(task_future(task));
	int outcome = f->outcome;
	end_case(f);
	if (outcome < 0)
		return task_raise(task, outcome, NULL);
	CORO_END(task, f);
}

struct outside {
	int resume_point;
	struct harness *h;
	struct future *r;
	int seen, outcome;
	bool body;
};

static int cancelled_from_outside(struct task *task, void *frame)
{
	struct outside *o = frame;
	CORO_BEGIN(o);
	o->r = H_TASK(o->h, runner, struct runner, .g = { .h = o->h }, .body = o->body,
	              .seen = &o->seen);
	CORO_AWAIT(task, o, sleep_for(o->h->loop, 0.1));
	task_cancel(o->r, NULL);
	CORO_TRY_AWAIT(task, o, future_retain(o->r), o->outcome);
	tok_awaited(&o->h->out, NULL, task, o->outcome, o->r, VALUE_NONE);
	tok_cancelled_words(o->h);
	if (o->body)
		outcome_add(&o->h->out, NULL, "cancelling=%d", o->seen);
	else
		h_t(o->h, &o->h->out, NULL);
	future_free(o->r);
	CORO_END(task, o);
}

static void taskgroup_cancelled_from_outside(struct harness *h)
{
	H_MAIN(h, cancelled_from_outside, struct outside, .h = h, .body = true);
}

static void taskgroup_cancelled_while_exiting(struct harness *h)
{
	H_MAIN(h, cancelled_from_outside, struct outside, .h = h, .body = false);
}

static int error_in_the_block(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "a", 5, false);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	/* 1 / 0: the block ends with an error of its own. */
	EXIT_GROUP(task, f, DIVISION_ERROR);
	tok_group(f, true);
	h_order(f->h, &f->h->out, NULL);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_error_in_the_block(struct harness *h)
{
	H_MAIN(h, error_in_the_block, struct frame, .h = h);
}

/* latecomer(g): sleep 1 s; cancelled, try g.create_task and note what it
 * said in *REFUSED, then go on being cancelled. */
struct latecomer {
	int resume_point;
	struct taskgroup *tg;
	struct harness *h;
	struct outcome *refused;
	int outcome;
};

static int latecomer(struct task *task, void *frame)
{
	struct latecomer *l = frame;
	CORO_BEGIN(l);
	CORO_TRY_AWAIT(task, l, sleep_for(l->h->loop, 1), l->outcome);
	if (l->outcome == -ECANCELED) {
		struct sleeper *s = h_check(malloc(sizeof *s), "a coroutine's frame");
		*s = (struct sleeper){ .h = l->h, .name = "late", .delay = 0 };
		struct future *late = taskgroup_create_task(l->tg, "late", sleeper, s, free);
		tok_call(l->refused, NULL, late ? 0 : -errno, "create_task");
		future_free(late);
	}
	if (l->outcome < 0)
		return task_raise(task, l->outcome, NULL);
	CORO_END(task, l);
}

static int no_task_while_shutting_down(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->tg = h_check(taskgroup_new(task), "taskgroup_new");
	start(f, "bad", 0.1, true);
	struct latecomer *l = h_check(malloc(sizeof *l), "a coroutine's frame");
	*l = (struct latecomer){ .tg = f->tg, .h = f->h, .refused = &f->h->out };
	f->t[f->n++] = h_check(taskgroup_create_task(f->tg, "latecomer", latecomer, l, free),
	                       "taskgroup_create_task");
	EXIT_GROUP(task, f, 0);
	end_case(f);
	CORO_END(task, f);
}

static void taskgroup_no_task_while_shutting_down(struct harness *h)
{
	H_MAIN(h, no_task_while_shutting_down, struct frame, .h = h);
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
	{ "taskgroup.cancelled_from_outside", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_cancelled_from_outside) },
	{ "taskgroup.cancelled_while_exiting", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_cancelled_while_exiting) },
	{ "taskgroup.error_in_the_block", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_error_in_the_block) },
	{ "taskgroup.no_task_while_shutting_down", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_no_task_while_shutting_down) },
	{ "taskgroup.no_task_once_finished", NEEDS_COORDINATION,
	  FROM_COORDINATION(taskgroup_no_task_once_finished) },
	{ NULL, 0, NULL },
};
