/*
 * taskgroup.h - tasks that start together and end together: structured
 * concurrency.
 *
 * Mirrors: asyncio.TaskGroup (3.11). A coroutine opens a group, starts
 * tasks in it, and at the end of its block waits for every one of them:
 *
 *   async with asyncio.TaskGroup() as tg:      f->tg = taskgroup_new(task);
 *       tg.create_task(worker())               taskgroup_create_task(f->tg, ...);
 *       await something()                      CORO_TRY_AWAIT(task, f, ..., outcome);
 *                                              CORO_TRY_AWAIT(task, f,
 *                                                  taskgroup_exit(f->tg, outcome), outcome);
 *
 * No task of the group outlives the block. The first task that fails
 * cancels all the others, and the coroutine that owns the group too (the
 * parent: whatever it awaits in the block is cancelled); taskgroup_exit
 * then waits for the cancelled tasks to finish, takes back that one
 * cancellation of the parent (task_uncancel: it was the group's, not
 * somebody's request to stop), and fails with the errors. Python raises
 * them together, an ExceptionGroup; here they stay in a list.
 *
 * Simplification: the exit future fails with the first error's code and
 * the words "unhandled errors in a TaskGroup (N sub-exceptions)", and
 * taskgroup_error lists them all; Python's `except* ValueError` is a loop
 * over that list. A cancellation's message does not go through the exit
 * (the exit is told the outcome's code only).
 *
 * Interface:
 *   taskgroup_new          enter a group, owned by the running task (__aenter__)
 *   taskgroup_create_task  start a task in it                     (create_task)
 *   taskgroup_exit         the end of the block: wait for them all (__aexit__)
 *   taskgroup_error_count / taskgroup_error   the errors collected
 *   taskgroup_free
 */
#ifndef TASKGROUP_H
#define TASKGROUP_H

#include <stddef.h>

#include "coro.h"
#include "future.h"

struct task;
struct taskgroup;

/* taskgroup_new: a group whose parent is TASK, the running task (asyncio:
 * current_task()). NULL when out of memory. Free it with taskgroup_free
 * once taskgroup_exit's future is done. */
struct taskgroup *taskgroup_new(struct task *parent);

/*
 * taskgroup_create_task: run STEP on FRAME as a task of the group, as
 * task_create does. Returns its future with one reference for the caller,
 * or NULL (FRAME freed with FREE_FRAME) and errno: EPERM when the group is
 * shutting down after a failure, or finished (exited with no task left;
 * asyncio: RuntimeError), ENOMEM when out of memory.
 */
struct future *taskgroup_create_task(struct taskgroup *tg, const char *name, task_step_fn *step,
                                     void *frame, coro_frame_free_cb *free_frame);

/*
 * taskgroup_exit: the end of the block, whose OUTCOME was 0, an error, or
 * -ECANCELED. Returns a future, one reference for the caller, that
 * finishes once every task of the group is done:
 *   - with the first error, when a task failed or the block did (the
 *     others were cancelled), "unhandled errors in a TaskGroup (N
 *     sub-exceptions)";
 *   - CANCELLED, when the parent was cancelled from outside (a cancel that
 *     the group made itself is taken back, and does not count);
 *   - with the result NULL otherwise.
 * Cancelling the future (the parent is cancelled while it waits) cancels
 * every task of the group, and the future still waits for them. NULL when
 * out of memory.
 */
struct future *taskgroup_exit(struct taskgroup *tg, int outcome);

/* The errors collected, in the order they happened: the tasks' and, last,
 * the block's own. Valid until taskgroup_free. */
size_t taskgroup_error_count(const struct taskgroup *tg);
const struct future_error *taskgroup_error(const struct taskgroup *tg, size_t i);

/* taskgroup_free: NULL is allowed. A task still running is cancelled and
 * forgotten; free the group after its exit is done. */
void taskgroup_free(struct taskgroup *tg);

#endif
