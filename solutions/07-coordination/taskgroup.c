/*
 * taskgroup.c - tasks that start together and end together. See
 * taskgroup.h.
 *
 * Mirrors: asyncio.TaskGroup (Lib/asyncio/taskgroups.py, 3.12): the
 * flags _exiting, _aborting and _parent_cancel_requested, _abort(),
 * _on_task_done() and __aexit__(). The loop of __aexit__ that awaits
 * _on_completed_fut until no task is left is the exit future here: its
 * cancel override is that loop's `except CancelledError`, and finish()
 * is what __aexit__ does once the loop is over.
 */
#include "taskgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "task.h"
#include "todo.h"

struct taskgroup {
	struct loop *loop;
	struct future *parent; /* the parent task's future (a reference) */
	bool exiting, aborting, parent_cancel_requested;
	bool propagate_cancel; /* the exit ends CANCELLED, unless there are errors */
	char cancel_message[FUTURE_MESSAGE_MAX];
	int block_error;       /* the block's own error, or 0 */
	struct future *exit;   /* while taskgroup_exit waits (a reference) */
	struct future **tasks; /* running, one reference each */
	size_t task_count, task_capacity;
	struct future_error *errors;
	size_t error_count;
};

struct taskgroup *taskgroup_new(struct task *parent)
{
	struct taskgroup *tg = calloc(1, sizeof *tg);
	if (!tg)
		return NULL;
	tg->parent = future_retain(task_future(parent));
	tg->loop = future_get_loop(tg->parent);
	return tg;
}

/* Cancel every task still running (asyncio: _abort). */
static void abort_all(struct taskgroup *tg)
{
	tg->aborting = true;
	for (size_t i = 0; i < tg->task_count; i++)
		task_cancel(tg->tasks[i], NULL);
}

/* Keep a copy of an error. Returns 0 or -ENOMEM (then it is lost, and
 * the loop's handler says so). */
static int collect(struct taskgroup *tg, int code, const char *message)
{
	struct future_error *grown = realloc(tg->errors, (tg->error_count + 1) * sizeof *grown);
	char *copy = strndup(message ? message : "", FUTURE_MESSAGE_MAX - 1);
	if (!grown || !copy) {
		if (grown)
			tg->errors = grown;
		free(copy);
		loop_call_exception_handler(tg->loop,
		                            "taskgroup: out of memory: an error was lost");
		return -ENOMEM;
	}
	tg->errors = grown;
	tg->errors[tg->error_count++] = (struct future_error){ code, copy };
	return 0;
}

/*
 * Every task is done and the block is over: end the exit future as
 * __aexit__ ends. A cancellation from outside goes on up, unless there
 * are errors, which come first; the block's own error joins the list
 * last. Returns 0, or the error of completing the future.
 */
static int finish(struct taskgroup *tg)
{
	struct future *exit = tg->exit;
	if (tg->propagate_cancel && tg->error_count == 0)
		return future_cancel_base(exit, tg->cancel_message) ? 0 : -EINVAL;
	if (tg->block_error && tg->block_error != -ECANCELED)
		collect(tg, tg->block_error, strerror(-tg->block_error));
	if (tg->error_count == 0)
		return future_set_result(exit, NULL, NULL);
	char message[FUTURE_MESSAGE_MAX];
	snprintf(message, sizeof message, "unhandled errors in a TaskGroup (%zu sub-exception%s)",
	         tg->error_count, tg->error_count == 1 ? "" : "s");
	return future_set_exception(exit, tg->errors[0].code, message);
}

static void forget(struct taskgroup *tg, struct future *task)
{
	for (size_t i = 0; i < tg->task_count; i++) {
		if (tg->tasks[i] == task) {
			tg->tasks[i] = tg->tasks[--tg->task_count];
			future_free(task);
			return;
		}
	}
}

/*
 * A task of the group is done (asyncio: _on_task_done). Its error, if
 * any, is collected, and the first one aborts the group: the other tasks
 * are cancelled, and so is the parent, whatever it awaits in the block,
 * unless it is being cancelled already. Returns 0, or a negative errno
 * when the error could not be kept.
 */
static int task_over(struct taskgroup *tg, struct future *task)
{
	const struct future_error *error = NULL;
	if (future_cancelled(task) || future_exception(task, &error) < 0 || !error)
		return 0;
	int rc = collect(tg, error->code, error->message);
	if (task_get_state(tg->parent) == TASK_DONE) {
		loop_call_exception_handler(
		        tg->loop, "taskgroup: a task failed, but its parent is done already");
		return rc;
	}
	if (!tg->aborting && !tg->parent_cancel_requested) {
		abort_all(tg);
		tg->parent_cancel_requested = true;
		task_cancel(tg->parent, NULL);
	}
	return rc;
}

/* No task is left: the exit is over. The starter's stub of finish fails
 * it rather than leave the parent waiting for ever. */
static void end_exit(struct taskgroup *tg)
{
	future_set_class(tg->exit, NULL, NULL);
	if (finish(tg) == -ENOSYS)
		future_set_exception_base(tg->exit, -ENOSYS, "not implemented yet: finish");
	future_free(tg->exit);
	tg->exit = NULL;
}

static void on_task_done(struct future *task, void *arg)
{
	struct taskgroup *tg = arg;
	task_over(tg, task);
	forget(tg, task);
	if (tg->exit && tg->task_count == 0)
		end_exit(tg);
}

struct future *taskgroup_create_task(struct taskgroup *tg, const char *name, task_step_fn *step,
                                     void *frame, coro_frame_free_cb *free_frame)
{
	int refused = (tg->exiting && tg->task_count == 0) || tg->aborting ? EPERM : 0;
	struct future **grown = NULL;
	if (!refused && tg->task_count == tg->task_capacity) {
		size_t capacity = tg->task_capacity ? 2 * tg->task_capacity : 8;
		grown = realloc(tg->tasks, capacity * sizeof *grown);
		if (!grown)
			refused = ENOMEM;
		else
			tg->tasks = grown, tg->task_capacity = capacity;
	}
	if (refused) {
		if (free_frame)
			free_frame(frame);
		errno = refused;
		return NULL;
	}
	struct future *task = task_create(tg->loop, name, step, frame, free_frame);
	if (!task || future_add_done_callback(task, on_task_done, tg) < 0) {
		if (task)
			task_cancel(task, NULL);
		future_free(task);
		errno = ENOMEM;
		return NULL;
	}
	tg->tasks[tg->task_count++] = future_retain(task);
	return task;
}

/* The parent is cancelled while the exit waits (asyncio: the except
 * clause around `await self._on_completed_fut`): from outside, unless the
 * group is aborting already. Either way the exit goes on waiting. */
static bool cancel_exit(struct future *exit, const char *message, void *self)
{
	(void)exit;
	struct taskgroup *tg = self;
	if (!tg->aborting) {
		tg->propagate_cancel = true;
		snprintf(tg->cancel_message, sizeof tg->cancel_message, "%s",
		         message ? message : "");
		abort_all(tg);
	}
	return true;
}

static const struct future_class exit_class = { .name = "taskgroup_exit", .cancel = cancel_exit };

struct future *taskgroup_exit(struct taskgroup *tg, int outcome)
{
	struct future *exit = future_new(tg->loop);
	if (!exit)
		return NULL;
	tg->exiting = true;
	tg->block_error = outcome;
	tg->propagate_cancel = outcome == -ECANCELED;
	/* The group's own cancel of the parent is taken back; if it was the
	 * only one, the parent is not being cancelled after all. */
	if (tg->parent_cancel_requested && task_uncancel(tg->parent) == 0)
		tg->propagate_cancel = false;
	if (outcome != 0 && !tg->aborting)
		abort_all(tg);
	tg->exit = future_retain(exit);
	if (tg->task_count > 0) {
		future_set_class(exit, &exit_class, tg);
		return exit;
	}
	end_exit(tg);
	return exit;
}

size_t taskgroup_error_count(const struct taskgroup *tg)
{
	return tg->error_count;
}

const struct future_error *taskgroup_error(const struct taskgroup *tg, size_t i)
{
	return i < tg->error_count ? &tg->errors[i] : NULL;
}

void taskgroup_free(struct taskgroup *tg)
{
	if (!tg)
		return;
	for (size_t i = 0; i < tg->task_count; i++) {
		future_remove_done_callback(tg->tasks[i], on_task_done, tg);
		task_cancel(tg->tasks[i], "the task group was freed");
		future_free(tg->tasks[i]);
	}
	if (tg->exit) {
		future_set_class(tg->exit, NULL, NULL);
		future_cancel(tg->exit, "the task group was freed");
		future_free(tg->exit);
	}
	for (size_t i = 0; i < tg->error_count; i++)
		free((char *)tg->errors[i].message);
	free(tg->errors);
	free(tg->tasks);
	future_free(tg->parent);
	free(tg);
}
