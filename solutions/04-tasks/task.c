/*
 * task.c - a task: runs a coroutine on the loop, and is a future itself.
 * See task.h.
 *
 * Mirrors: asyncio.Task (Lib/asyncio/tasks.py): __step becomes task_step,
 * __wakeup becomes wakeup, cancel() becomes request_cancel, reached
 * through the future's cancel hook.
 */
#include "task.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "todo.h"
#include "trace.h"

struct task {
	struct loop *loop;
	struct future *future; /* the task's own future; one reference until done */
	const char *name;
	task_step_fn *step;
	void *frame;
	coro_frame_free_cb *free_frame;
	enum task_state state;
	bool started;           /* the step function has run at least once */
	struct future *awaited; /* the last future awaited (a reference), or NULL */
	bool must_cancel;       /* deliver -ECANCELED at the next step */
	bool cancel_now;        /* this step delivers -ECANCELED */
	int cancel_requests;    /* task_cancelling */
	char cancel_message[FUTURE_MESSAGE_MAX];
};

static bool cancel_hook(struct future *future, const char *message, void *arg);

/* The coroutine is over: let go of everything but the future, which
 * already holds the outcome. */
static void finish(struct task *task)
{
	task->state = TASK_DONE;
	trace_task_state(task, task->state, NULL);
	future_set_cancel_hook(task->future, NULL, NULL);
	future_free(task->awaited);
	if (task->free_frame)
		task->free_frame(task->frame);
	future_free(task->future);
	free(task);
}

/*
 * One step of the coroutine (asyncio: Task.__step). Runs from the ready
 * queue only, first by call_soon and then by wakeup. Returns 0, or a
 * negative errno when the step could not be taken (the task then fails).
 */
static int task_step(struct task *task)
{
	/* Cancelled before it ever ran: the body never starts. */
	if (task->must_cancel && !task->started) {
		future_cancel_base(task->future, task->cancel_message);
		finish(task);
		return 0;
	}
	task->started = true;
	task->cancel_now = task->must_cancel;
	task->must_cancel = false;
	task->state = TASK_RUNNING;
	int rc = task->step(task, task->frame);
	if (rc == TASK_STEP_AWAIT && task->state != TASK_RUNNING)
		return 0;
	if (rc == TASK_STEP_AWAIT)
		rc = -EINVAL; /* it returned "await" without awaiting anything */
	if (rc < 0)
		future_set_exception(task->future, rc, "the coroutine failed");
	else if (!future_done(task->future))
		future_set_exception(task->future, -EINVAL,
		                     "the coroutine ended without task_return or task_raise");
	finish(task);
	return 0;
}

/* A step could not be taken: fail the task, so that whoever awaits it
 * hears of it, rather than leave it pending forever. */
static void run_step(struct task *task)
{
	trace_task_step(task);
	int rc = task_step(task);
	if (rc == 0)
		return;
	future_set_exception(task->future, rc,
	                     rc == -ENOSYS ? "not implemented yet: task_step" : strerror(-rc));
	finish(task);
}

static void first_step(void *arg)
{
	run_step(arg);
}

/* The awaited future is done (asyncio: Task.__wakeup). A done-callback,
 * so it runs from the ready queue, one iteration after the future was
 * completed, and it steps the coroutine directly. */
static void wakeup(struct future *awaited, void *arg)
{
	(void)awaited;
	run_step(arg);
}

struct future *task_create_from(struct coro *coro)
{
	if (!coro)
		return NULL;
	struct task *task = calloc(1, sizeof *task);
	struct future *future = future_new(coro->loop);
	if (!task || !future || loop_call_soon(coro->loop, first_step, task) < 0) {
		free(task);
		future_free(future);
		coro_free(coro);
		return NULL;
	}
	*task = (struct task){ .loop = coro->loop,
		               .future = future,
		               .name = coro->name,
		               .step = coro->step,
		               .frame = coro->frame,
		               .free_frame = coro->free_frame,
		               .state = TASK_PENDING };
	future_set_cancel_hook(future, cancel_hook, task);
	trace_task_new(task, task->name, future);
	coro_hand_over(coro);
	return future_retain(future);
}

struct future *task_create(struct loop *loop, const char *name, task_step_fn *step, void *frame,
                           coro_frame_free_cb *free_frame)
{
	return task_create_from(coro_new(loop, name, step, frame, free_frame));
}

int task_await(struct task *task, struct future *future)
{
	if (!future)
		return task_raise(task, -ENOMEM, "out of memory");
	if (future == task->future) {
		future_free(future);
		return task_raise(task, -EDEADLK, "a task cannot await itself");
	}
	future_free(task->awaited);
	task->awaited = future;
	if (future_add_done_callback(future, wakeup, task) < 0)
		return task_raise(task, -ENOMEM, "out of memory");
	task->state = TASK_WAITING;
	/* Cancelled while it ran (by itself, say): the new wait is cancelled
	 * at once, and the coroutine hears of it at its next step. */
	if (task->must_cancel && future_cancel(future, task->cancel_message)) {
		task->must_cancel = false;
		task->state = TASK_CANCELLING;
	}
	trace_task_state(task, task->state, task->awaited);
	return TASK_STEP_AWAIT;
}

int task_outcome(struct task *task, void **value)
{
	*value = NULL;
	if (task->cancel_now)
		return -ECANCELED;
	if (!task->awaited)
		return -EINVAL;
	return future_result(task->awaited, value);
}

int task_return(struct task *task, void *value, future_result_free_cb *free_value)
{
	if (future_set_result(task->future, value, free_value) < 0 && free_value)
		free_value(value);
	return TASK_STEP_DONE;
}

int task_raise(struct task *task, int code, const char *message)
{
	if (code == -ECANCELED)
		future_cancel_base(task->future, message ? message : task->cancel_message);
	else
		future_set_exception(task->future, code, message ? message : strerror(-code));
	return TASK_STEP_DONE;
}

/*
 * Request cancellation (asyncio: Task.cancel). Returns 1 when requested,
 * 0 when the task is already done.
 */
static int request_cancel(struct task *task, const char *message)
{
	if (task->state == TASK_DONE)
		return 0;
	task->cancel_requests++;
	snprintf(task->cancel_message, sizeof task->cancel_message, "%s", message ? message : "");
	/* Waiting: cancel what it waits for. That future's done-callback
	 * wakes the task, which then sees -ECANCELED; if it is a task, the
	 * request travels down the chain through its own hook. */
	if (task->state == TASK_WAITING && future_cancel(task->awaited, message)) {
		task->state = TASK_CANCELLING;
		return 1;
	}
	/* Not started, running, or its future is done but the wakeup has not
	 * run yet: the next step delivers -ECANCELED. */
	task->must_cancel = true;
	if (task->state != TASK_RUNNING)
		task->state = TASK_CANCELLING;
	return 1;
}

/* future_cancel on a task's future comes here: Task overrides cancel(). */
static bool cancel_hook(struct future *future, const char *message, void *arg)
{
	(void)future;
	struct task *task = arg;
	int requested = request_cancel(task, message);
	trace_task_state(task, task->state, task->awaited);
	return requested > 0;
}

int task_cancel(struct future *future, const char *message)
{
	struct task *task = future_cancel_hook_arg(future, cancel_hook);
	if (!task)
		return future_cancel(future, message);
	int requested = request_cancel(task, message);
	trace_task_state(task, task->state, task->awaited);
	return requested;
}

int task_cancelling(struct future *future)
{
	struct task *task = future_cancel_hook_arg(future, cancel_hook);
	return task ? task->cancel_requests : 0;
}

int task_uncancel(struct future *future)
{
	struct task *task = future_cancel_hook_arg(future, cancel_hook);
	if (!task)
		return 0;
	if (task->cancel_requests > 0)
		task->cancel_requests--;
	return task->cancel_requests;
}

struct future *task_future(struct task *task)
{
	return task->future;
}

enum task_state task_get_state(struct future *future)
{
	struct task *task = future_cancel_hook_arg(future, cancel_hook);
	return task ? task->state : TASK_DONE;
}

static void set_yield_result(void *arg)
{
	struct future *future = arg;
	/* Cancelled meanwhile: nothing to set (it says -EINVAL), just let go. */
	future_set_result(future, NULL, NULL);
	future_free(future);
}

struct future *task_yield(struct loop *loop)
{
	struct future *future = future_new(loop);
	if (!future)
		return NULL;
	if (loop_call_soon(loop, set_yield_result, future_retain(future)) < 0) {
		future_free(future);
		future_free(future);
		return NULL;
	}
	return future;
}
