/*
 * task.c - a task: runs a coroutine on the loop, and is a future itself.
 * See task.h.
 *
 * Mirrors: asyncio.Task (Lib/asyncio/tasks.py): __step becomes task_step,
 * __wakeup becomes wakeup, and cancel() becomes request_cancel, reached
 * through the future's class (task_class), which also seals the future:
 * only the coroutine finishes it.
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
	struct loop_member member; /* reported if the loop is freed first */
	struct future *future;     /* the task's own future; one reference until done */
	const char *name;
	task_step_fn *step;
	void *frame;
	coro_frame_free_cb *free_frame;
	enum task_state state;
	bool started;           /* the step function has run at least once */
	struct future *awaited; /* the last future awaited (a reference), or NULL */
	int thrown;             /* an error the next step delivers instead (-EXDEV...) */
	bool must_cancel;       /* deliver -ECANCELED at the next step */
	bool cancel_now;        /* this step delivers -ECANCELED */
	int cancel_requests;    /* task_cancelling */
	char *cancel_message;   /* given to task_cancel, or NULL for none */
};

static bool cancel_override(struct future *future, const char *message, void *self);
static void release(void *self);

/* What a task's future is: one that only its coroutine finishes, and
 * whose cancel() is the task's. */
static const struct future_class task_class = {
	.name = "Task", .cancel = cancel_override, .sealed = true, .release = release
};

/* The task's future is freed: the task struct goes with it, so that
 * task_cancelling and task_get_state still answer until then. */
static void release(void *self)
{
	struct task *task = self;
	free(task->cancel_message);
	free(task);
}

/* The coroutine is over: let go of everything but the future, which
 * already holds the outcome. The last thing done, since letting go of the
 * future may free the task. */
static void finish(struct task *task)
{
	task->state = TASK_DONE;
	trace_task_state(task, task->state, NULL);
	loop_leave(task->loop, &task->member);
	future_free(task->awaited);
	task->awaited = NULL;
	if (task->free_frame)
		task->free_frame(task->frame);
	task->frame = NULL;
	future_free(task->future);
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
		future_set_exception_base(task->future, rc, "the coroutine failed");
	else if (!future_done(task->future))
		future_set_exception_base(task->future, -EINVAL,
		                          "the coroutine ended without task_return or task_raise");
	finish(task);
	return 0;
}

/* A step could not be taken: fail the task, so that whoever awaits it
 * hears of it, rather than leave it pending forever. */
static void run_step(struct task *task)
{
	/* Over already: its wakeup ran after its end, which only a wait
	 * hung on a future that was done can cause. asyncio's Task.__step
	 * raises InvalidStateError("_step(): already done"); here the loop's
	 * handler hears of it, and the coroutine never runs past its end. */
	if (task->state == TASK_DONE) {
		loop_call_exception_handler(task->loop, "task step: already done (woken twice)");
		return;
	}
	trace_task_step(task);
	/* Debug mode names the task, not this function, if the step is slow. */
	loop_set_running_label(task->loop, task->name);
	int rc = task_step(task);
	if (rc == 0)
		return;
	future_set_exception_base(task->future, rc,
	                          rc == -ENOSYS ? "not implemented yet: task_step" : strerror(-rc));
	finish(task);
}

/* The first step, a bare yield's next one, or one that throws an error
 * in: scheduled with call_soon, not by a future. */
static void step_soon(void *arg)
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

/* The loop is freed while the task is still pending: nobody can ever run
 * it again. Say so, as asyncio does when such a task is collected, and
 * reclaim what it holds. */
static void destroyed_pending(void *arg)
{
	struct task *task = arg;
	char message[160];
	snprintf(message, sizeof message, "Task was destroyed but it is pending! (task %s)",
	         task->name);
	loop_call_exception_handler(task->loop, message);
	if (task->awaited)
		future_remove_done_callback(task->awaited, wakeup, task);
	finish(task);
}

struct future *task_create_from(struct coro *coro)
{
	if (!coro)
		return NULL;
	struct task *task = calloc(1, sizeof *task);
	struct future *future = future_new(coro->loop);
	if (!task || !future || handle_detach(loop_call_soon(coro->loop, step_soon, task)) < 0) {
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
	future_set_class(future, &task_class, task);
	trace_task_new(task, task->name, future);
	loop_join(task->loop, &task->member, destroyed_pending, task);
	coro_hand_over(coro);
	return future_retain(future);
}

struct future *task_create(struct loop *loop, const char *name, task_step_fn *step, void *frame,
                           coro_frame_free_cb *free_frame)
{
	return task_create_from(coro_new(loop, name, step, frame, free_frame));
}

/* A bare yield (task_yield): the future that says "give way once". */
static bool yield_cancel(struct future *future, const char *message, void *self)
{
	(void)self;
	return future_cancel_base(future, message);
}

static const struct future_class yield_class = { .name = "yield", .cancel = yield_cancel };

/* Run the next step from the ready queue, not from a future: after a
 * bare yield, or to throw CODE (when not 0) into the coroutine there.
 * Returns true (suspended), or false when even that is out of memory and
 * the coroutine must hear of it now. */
static bool resume_soon(struct task *task, int code)
{
	task->thrown = code;
	if (handle_detach(loop_call_soon(task->loop, step_soon, task)) < 0) {
		task->thrown = -ENOMEM;
		return false;
	}
	task->state = TASK_WAITING;
	trace_task_state(task, task->state, task->awaited);
	return true;
}

/*
 * The await/resume handshake, for a FUTURE of the task's own loop: decide
 * whether the coroutine must suspend. Returns 1 when it must: the task's
 * wakeup now waits on FUTURE, and a cancellation requested while the
 * coroutine ran has cancelled FUTURE at once. Returns 0 when the outcome is
 * there already and the coroutine goes straight on, or a negative errno to
 * deliver to it instead (-ENOMEM).
 */
static int suspend_on(struct task *task, struct future *future)
{
	/* Done already: the outcome is there; asyncio does not yield either. */
	if (future_done(future))
		return 0;
	if (future_add_done_callback(future, wakeup, task) < 0)
		return -ENOMEM;
	task->state = TASK_WAITING;
	/* Cancelled while it ran (by itself, say): the new wait is cancelled
	 * at once, and the coroutine hears of it at its next step. */
	if (task->must_cancel && future_cancel(future, task->cancel_message)) {
		task->must_cancel = false;
		task->state = TASK_CANCELLING;
	}
	return 1;
}

bool task_await(struct task *task, struct future *future)
{
	future_free(task->awaited);
	task->awaited = future;
	/* What the previous await delivered is over and done with. */
	task->thrown = 0;
	task->cancel_now = false;
	if (!future) {
		task->thrown = -ENOMEM;
		return false;
	}
	if (future == task->future) {
		/* Holding our own future here would keep it alive for ever. */
		task->awaited = NULL;
		future_free(future);
		return resume_soon(task, -EDEADLK);
	}
	if (future_get_loop(future) != task->loop)
		return resume_soon(task, -EXDEV);
	if (future_self(future, &yield_class))
		return resume_soon(task, 0);
	int rc = suspend_on(task, future);
	if (rc < 0) {
		/* Nobody will wait for FUTURE now: let it stop what it does (a
		 * socket operation unregisters, from its done-callback), and
		 * deliver the error after that, at the next step. */
		future_cancel(future, NULL);
		return resume_soon(task, rc);
	}
	if (rc > 0)
		trace_task_state(task, task->state, task->awaited);
	return rc > 0;
}

int task_outcome(struct task *task)
{
	if (task->cancel_now)
		return -ECANCELED;
	if (task->thrown)
		return task->thrown;
	if (!task->awaited)
		return -EINVAL;
	void *unused;
	return future_result(task->awaited, &unused);
}

void *task_await_result(struct task *task)
{
	void *value = NULL;
	if (task->cancel_now || task->thrown || !task->awaited ||
	    future_result(task->awaited, &value) < 0)
		return NULL;
	return value;
}

/* The words that go with a thrown error. */
static const char *thrown_message(int code)
{
	switch (code) {
	case -ENOSYS: /* the starter's stub */
		return "not implemented yet: suspend_on";
	case -EDEADLK:
		return "a task cannot await itself";
	case -EXDEV:
		return "the task got a future attached to a different loop";
	default:
		return strerror(-code);
	}
}

/* The words of the cancellation the last await delivered, as Python
 * re-raises the very CancelledError it caught, message and all: the
 * awaited future's when it was cancelled (even if later requests were
 * made of the task meanwhile: asyncio throws the waiter's own
 * CancelledError then), else the task's own request. */
static const char *delivered_cancel_message(struct task *task)
{
	if (task->awaited && future_cancelled(task->awaited))
		return future_cancel_message(task->awaited);
	return task->cancel_message;
}

/* The words that go with what the last await delivered, CODE: NULL for
 * a cancellation, whose words task_raise finds itself. */
static const char *outcome_message(struct task *task, int code)
{
	const struct future_error *error = NULL;
	if (code == -ECANCELED)
		return NULL;
	if (task->thrown || !task->awaited)
		return thrown_message(code);
	if (future_exception(task->awaited, &error) == 0 && error)
		return error->message;
	return NULL;
}

bool task_propagate(struct task *task)
{
	int code = task_outcome(task);
	if (code == 0)
		return false;
	task_raise(task, code, outcome_message(task, code));
	return true;
}

/* The coroutine ended, but its future was finished already, underneath
 * the task (future_set_result_base from outside): asyncio's __step then
 * raises InvalidStateError, and the loop reports the callback that failed.
 * Nobody else can be told. */
static void report_already_done(struct task *task)
{
	char message[160];
	snprintf(message, sizeof message,
	         "Exception in callback task_step (task %s): InvalidStateError: its future "
	         "was already done",
	         task->name);
	loop_call_exception_handler(task->loop, message);
}

int task_return(struct task *task, void *value, future_result_free_cb *free_value)
{
	/* A cancellation requested while this step ran, and not delivered
	 * yet, wins (asyncio: __step checks _must_cancel on StopIteration). */
	if (task->must_cancel) {
		task->must_cancel = false;
		if (!future_cancel_base(task->future, task->cancel_message))
			report_already_done(task);
	} else if (future_set_result_base(task->future, value, free_value) == 0) {
		return TASK_STEP_DONE;
	} else {
		report_already_done(task);
	}
	if (free_value)
		free_value(value);
	return TASK_STEP_DONE;
}

int task_raise(struct task *task, int code, const char *message)
{
	bool finished;
	if (code == -ECANCELED)
		finished = future_cancel_base(task->future,
		                              message ? message : delivered_cancel_message(task));
	else
		finished = future_set_exception_base(task->future, code,
		                                     message ? message : strerror(-code)) == 0;
	if (!finished)
		report_already_done(task);
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
	/* Waiting: cancel what it waits for, which passes MESSAGE on. That
	 * future's done-callback wakes the task, which then sees -ECANCELED;
	 * if it is a task, the request travels down the chain through its
	 * own class. */
	if (task->state == TASK_WAITING && task->awaited && future_cancel(task->awaited, message)) {
		task->state = TASK_CANCELLING;
		return 1;
	}
	/* Not started, running, or its future is done but the wakeup has not
	 * run yet: the next step delivers -ECANCELED, with MESSAGE. Kept
	 * outside the task, and only when there is one: most tasks are never
	 * cancelled, and a suspended task should cost little memory. */
	free(task->cancel_message);
	task->cancel_message = message ? strndup(message, FUTURE_MESSAGE_MAX - 1) : NULL;
	task->must_cancel = true;
	if (task->state != TASK_RUNNING)
		task->state = TASK_CANCELLING;
	return 1;
}

/* future_cancel on a task's future comes here: Task overrides cancel(). */
static bool cancel_override(struct future *future, const char *message, void *self)
{
	(void)future;
	struct task *task = self;
	int requested = request_cancel(task, message);
	trace_task_state(task, task->state, task->awaited);
	return requested > 0;
}

int task_cancel(struct future *future, const char *message)
{
	return future_cancel(future, message) ? 1 : 0;
}

int task_cancelling(struct future *future)
{
	struct task *task = future_self(future, &task_class);
	return task ? task->cancel_requests : 0;
}

int task_uncancel(struct future *future)
{
	struct task *task = future_self(future, &task_class);
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
	struct task *task = future_self(future, &task_class);
	return task ? task->state : TASK_DONE;
}

struct future *task_yield(struct loop *loop)
{
	/* Done already, so that whoever else awaits it does not wait; a task
	 * sees its class and gives way for one iteration instead. */
	struct future *future = future_new(loop);
	if (future) {
		future_set_class(future, &yield_class, future);
		future_set_result_base(future, NULL, NULL);
	}
	return future;
}
