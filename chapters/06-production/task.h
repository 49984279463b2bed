/*
 * task.h - a task: runs a coroutine on the loop, and is a future itself.
 *
 * Mirrors: asyncio.Task. A task wraps a coroutine (coro.h) and drives it:
 * it runs the first step soon (never inline), and each time the coroutine
 * awaits a future, it adds a done-callback that runs the next step once
 * that future is done. The task is also a future (asyncio: Task is a
 * subclass of Future): the coroutine's return value becomes its result and
 * an error its exception, and other tasks can await it. In C, the "is a"
 * is literal: task_create returns the task's future, and that future is
 * the handle for everything (awaiting, cancelling, reading the outcome).
 *
 * Cancellation follows asyncio: task_cancel on a task that waits for a
 * future cancels that future at once; otherwise the next step delivers
 * -ECANCELED. The coroutine meets -ECANCELED as the outcome of its await,
 * cleans up, and either propagates it (task_raise(task, -ECANCELED, NULL):
 * the task ends CANCELLED) or goes on (then the task is not cancelled).
 *
 * Ownership: the task holds one reference to its own future until the
 * coroutine is over, so it runs to the end even if everybody else lets go.
 * The frame belongs to the task and is freed (FREE_FRAME) when the
 * coroutine is over. The task struct is gone then too; its future lives on
 * for as long as somebody holds it.
 *
 * Interface:
 *   task_create / task_create_from  run a coroutine as a task  (create_task)
 *   task_await       inside a step: wait for a future (CORO_AWAIT uses it)
 *   task_outcome     after resuming: what the awaited future ended with
 *   task_return      finish with a result              (return value)
 *   task_raise       finish with an error, or cancelled (raise)
 *   task_cancel      request cancellation              (Task.cancel)
 *   task_cancelling / task_uncancel   the count of requests (cancelling,
 *                                     uncancel)
 *   task_future      the task's own future, from inside the coroutine
 *   task_get_state   where a task stands, as in the diagram
 *   task_yield       a future that is done already: sleep(0)
 *                                              (asyncio.sleep(0))
 */
#ifndef TASK_H
#define TASK_H

#include <stdbool.h>

#include "coro.h"
#include "future.h"

struct loop;
struct task;

/* The states of diagrams/task-states.dot. */
enum task_state {
	TASK_PENDING,    /* created; its first step is in the ready queue */
	TASK_RUNNING,    /* inside its step function */
	TASK_WAITING,    /* awaiting a future; its wakeup is a done-callback */
	TASK_CANCELLING, /* cancel requested; the next step delivers -ECANCELED */
	TASK_DONE        /* the coroutine is over; only the future is left */
};

/*
 * task_create: run STEP on FRAME as a task named NAME (a string literal).
 * The first step is scheduled with loop_call_soon, never run here. Returns
 * the task's future with one reference for the caller, or NULL when out of
 * memory (FRAME has been freed with FREE_FRAME then). May be called from a
 * callback or from inside another coroutine. Simplification: asyncio's
 * create_task takes a coroutine object; this one makes it too (coro_new).
 */
struct future *task_create(struct loop *loop, const char *name, task_step_fn *step, void *frame,
                           coro_frame_free_cb *free_frame);

/* task_create_from: the same for a coroutine object; takes ownership of
 * CORO (freed even on failure). */
struct future *task_create_from(struct coro *coro);

/*
 * task_await: from inside a step, suspend TASK until FUTURE is done, and
 * return TASK_STEP_AWAIT for the step to return. Takes over one reference
 * to FUTURE (pass a fresh one: sock_recv(...), or future_retain(f)). If
 * cancellation was requested while the coroutine ran, FUTURE is cancelled
 * at once. A NULL FUTURE (an operation that ran out of memory) finishes the
 * task with -ENOMEM instead; awaiting the task's own future finishes it with
 * -EDEADLK (asyncio: "Task cannot await on itself").
 */
int task_await(struct task *task, struct future *future);

/*
 * task_outcome: after resuming, what the await delivered: 0 with *VALUE
 * set (borrowed from the awaited future, valid until the next await), or
 * the awaited future's error code, or -ECANCELED when it was cancelled or
 * when the task was cancelled meanwhile. -EINVAL before any await.
 */
int task_outcome(struct task *task, void **value);

/* task_return: finish with VALUE (FREE_VALUE, may be NULL, makes the
 * task's future its owner). Returns TASK_STEP_DONE, for the step to return. */
int task_return(struct task *task, void *value, future_result_free_cb *free_value);

/* task_raise: finish with the error CODE and MESSAGE. CODE -ECANCELED
 * makes the task CANCELLED, with MESSAGE, or, when NULL, the message given
 * to task_cancel. Returns TASK_STEP_DONE. */
int task_raise(struct task *task, int code, const char *message);

/*
 * task_cancel: request the cancellation of the task whose future is
 * FUTURE, with MESSAGE (may be NULL). Returns 1 when requested, 0 when the
 * task is already done (asyncio: False). Counts the request and keeps the
 * message (the latest wins). Cancels the future the task waits for, if
 * any; else sets the task to deliver -ECANCELED at its next step. For a
 * future that is not a task, it is future_cancel. future_cancel on a
 * task's future does the same (the task's cancel hook). May be called from
 * anywhere, the coroutine itself included.
 */
int task_cancel(struct future *future, const char *message);

/* task_cancelling: how many cancellations were requested and not taken
 * back with task_uncancel, which returns the count that remains. Both
 * answer 0 once the task is done. Simplification: asyncio keeps the count
 * after the end. */
int task_cancelling(struct future *future);
int task_uncancel(struct future *future);

/* task_future: the task's own future (borrowed), from inside a step. */
struct future *task_future(struct task *task);

/* task_get_state: TASK_DONE for a future that is not a running task. */
enum task_state task_get_state(struct future *future);

/*
 * task_yield: a future that is done already. Awaiting it puts the task
 * at the back of the ready queue: every other ready callback runs first,
 * the counterpart of `await asyncio.sleep(0)`. Returns NULL when out of
 * memory. New in chapter 5: chapter 4's version was set by a call_soon,
 * which cost a second trip round the loop; and sleep_for (sleep.h) adds
 * sleeps that last.
 */
struct future *task_yield(struct loop *loop);

#endif
