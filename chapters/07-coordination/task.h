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
 * Errors travel as exceptions do. CORO_AWAIT lets an error or a
 * cancellation of the awaited future go on up: the coroutine ends with it,
 * and so does the task. CORO_TRY_AWAIT catches it instead (coro.h).
 *
 * Cancellation follows asyncio: task_cancel on a task that waits for a
 * future cancels that future at once; otherwise the next step delivers
 * -ECANCELED (asyncio throws CancelledError into the coroutine). A
 * coroutine that does not catch it ends CANCELLED; one that catches it may
 * clean up and re-raise it (task_raise(task, -ECANCELED, NULL)), or go on,
 * and then the task is not cancelled. A cancellation requested while the
 * coroutine runs, and still pending when it returns, wins over its result.
 *
 * Ownership: the task holds one reference to its own future until the
 * coroutine is over, so it runs to the end even if everybody else lets go.
 * The frame belongs to the task and is freed (FREE_FRAME) when the
 * coroutine is over. The task struct itself lives as long as its future:
 * task_cancelling and task_get_state still answer for a task that is done.
 * A task still pending when its loop is freed is reported ("Task was
 * destroyed but it is pending!") and reclaimed.
 *
 * Interface:
 *   task_create / task_create_from  run a coroutine as a task  (create_task)
 *   task_await       inside a step: wait for a future (the macros use it)
 *   task_propagate   after an await: end the coroutine with its error
 *   task_outcome     after an await: what it delivered (the try form)
 *   task_await_result  after an await: the result it delivered
 *   task_return      finish with a result              (return value)
 *   task_raise       finish with an error, or cancelled (raise)
 *   task_cancel      request cancellation              (Task.cancel)
 *   task_cancelling / task_uncancel   the count of requests (cancelling,
 *                                     uncancel)
 *   task_future      the task's own future, from inside the coroutine
 *   task_get_state   where a task stands, as in the diagram
 *   task_yield       give way to everything ready, once (asyncio.sleep(0))
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
 * task_await: from inside a step, hand FUTURE to TASK. Returns true when
 * the coroutine must suspend (the step returns TASK_STEP_AWAIT; a
 * done-callback wakes the task once FUTURE is done), or false when its
 * outcome is there already and the coroutine goes straight on: FUTURE is
 * done (asyncio's Future.__await__ does not yield then), or NULL (an
 * operation that ran out of memory: the outcome is -ENOMEM). Takes over one
 * reference to FUTURE (pass a fresh one: sock_recv(...), or
 * future_retain(f)). If cancellation was requested while the coroutine
 * ran, a FUTURE that is still pending is cancelled at once. Awaiting the
 * task's own future (-EDEADLK, "a task cannot await itself") or a future
 * of another loop (-EXDEV) delivers that error at the next step, as
 * asyncio throws its RuntimeError into the coroutine then.
 */
bool task_await(struct task *task, struct future *future);

/*
 * task_outcome: after an await, what it delivered: 0 (the result is
 * task_await_result), the awaited future's error code, or -ECANCELED when
 * it was cancelled or when the task was cancelled meanwhile. Reading an
 * error counts as retrieving it. -EINVAL before any await.
 */
int task_outcome(struct task *task);

/* task_await_result: after an await whose outcome is 0, the result
 * (borrowed from the awaited future, valid until the next await); NULL
 * otherwise. */
void *task_await_result(struct task *task);

/*
 * task_propagate: after an await, end the coroutine with the error or the
 * cancellation it delivered, message and all, as an exception goes on up
 * through a function that does not catch it. Returns true when it did (the
 * step returns TASK_STEP_DONE), false when the await delivered a result.
 */
bool task_propagate(struct task *task);

/* task_return: finish with VALUE (FREE_VALUE, may be NULL, makes the
 * task's future its owner). Returns TASK_STEP_DONE, for the step to return.
 * A cancellation requested while this step ran, and not yet delivered,
 * wins: the task ends CANCELLED and VALUE is freed (asyncio: a coroutine
 * that returns while _must_cancel is set still ends cancelled). */
int task_return(struct task *task, void *value, future_result_free_cb *free_value);

/* task_raise: finish with the error CODE and MESSAGE. CODE -ECANCELED
 * makes the task CANCELLED, with MESSAGE, or, when NULL, the message of
 * the cancellation the last await delivered (a bare `raise` in an except
 * clause re-raises what it caught). Returns TASK_STEP_DONE. */
int task_raise(struct task *task, int code, const char *message);

/*
 * task_cancel: request the cancellation of the task whose future is
 * FUTURE, with MESSAGE (may be NULL). Returns 1 when requested, 0 when the
 * task is already done (asyncio: False). Counts the request. Cancels the
 * future the task waits for, if any, passing MESSAGE on; else keeps
 * MESSAGE (the latest wins) and sets the task to deliver -ECANCELED at its
 * next step. For a future that is not a task, it is future_cancel, which
 * it also is for a task (the task's class overrides cancel). May be
 * called from anywhere, the coroutine itself included.
 */
int task_cancel(struct future *future, const char *message);

/* task_cancelling: how many cancellations were requested and not taken
 * back with task_uncancel, which returns the count that remains. Both
 * still answer once the task is done, and 0 for a future that is not a
 * task. */
int task_cancelling(struct future *future);
int task_uncancel(struct future *future);

/* task_future: the task's own future (borrowed), from inside a step. */
struct future *task_future(struct task *task);

/* task_get_state: where the task stands; TASK_DONE for a future that is
 * not a task. */
enum task_state task_get_state(struct future *future);

/*
 * task_yield: what to await to give way once: the task goes to the back
 * of the ready queue, behind every callback that was ready before it, and
 * runs again in the next iteration, the counterpart of
 * `await asyncio.sleep(0)`, a bare yield. The future it returns is done
 * already (awaiting it anywhere but in a task does not wait); a task
 * recognises it and yields. Returns NULL when out of memory.
 */
struct future *task_yield(struct loop *loop);

#endif
