/*
 * future.c - a promise of a result, kept by the loop. See future.h.
 *
 * Mirrors: asyncio.Future (Lib/asyncio/futures.py).
 */
#include "future.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "todo.h"
#include "trace.h"

/* What error.message says when there was no memory to copy the words. */
static const char out_of_memory[] = "out of memory";

struct done_callback {
	future_done_cb *cb;
	void *arg;
};

struct future {
	struct loop *loop;
	enum future_state state;
	int references;
	void *result;
	future_result_free_cb *free_result;
	bool failed;    /* FINISHED with an error rather than a result */
	bool retrieved; /* somebody read the error */
	struct future_error error; /* its message: copy_message's */
	char *cancel_message;      /* copy_message's, or NULL for "" */
	const struct future_class *cls; /* NULL: a plain future */
	void *self;                     /* the class's own object (a task) */
	struct future *result_owner;     /* future_copy_state: who owns the result */
	struct done_callback *callbacks; /* waiting for the future to be done */
	size_t callback_count, callback_capacity;
};

/* A done-callback on its way through the ready queue. It holds a reference,
 * so the future outlives the trip even if its owner frees it meanwhile. */
struct scheduled_call {
	struct done_callback callback;
	struct future *future;
};

struct future *future_new(struct loop *loop)
{
	struct future *future = malloc(sizeof *future);
	if (!future)
		return NULL;
	*future = (struct future){ .loop = loop, .state = FUTURE_PENDING, .references = 1 };
	trace_future_new(future);
	return future;
}

struct future *future_retain(struct future *future)
{
	future->references++;
	return future;
}

/* A message the future keeps: a copy of TEXT cut to FUTURE_MESSAGE_MAX,
 * or NULL when out of memory (the readers then say "" or the fallback). */
static char *copy_message(const char *text)
{
	return strndup(text ? text : "", FUTURE_MESSAGE_MAX - 1);
}

/* asyncio logs this from Future.__del__: an error that nobody looked at is
 * most likely a bug that would otherwise go unnoticed. */
static void report_unretrieved_error(struct future *future)
{
	char message[FUTURE_MESSAGE_MAX + 64];
	snprintf(message, sizeof message, "future exception was never retrieved: %s (%s)",
	         future->error.message, strerror(-future->error.code));
	loop_call_exception_handler(future->loop, message);
}

void future_free(struct future *future)
{
	if (!future || --future->references > 0)
		return;
	if (future->failed && !future->retrieved)
		report_unretrieved_error(future);
	if (future->cls && future->cls->release)
		future->cls->release(future->self);
	if (future->free_result)
		future->free_result(future->result);
	future_free(future->result_owner);
	if (future->error.message != out_of_memory)
		free((char *)future->error.message);
	free(future->cancel_message);
	free(future->callbacks);
	trace_future_free(future);
	free(future);
}

static void run_scheduled_call(void *arg)
{
	struct scheduled_call *call = arg;
	call->callback.cb(call->future, call->callback.arg);
	future_free(call->future);
	free(call);
}

/* Hand one done-callback to the loop. It runs from the ready queue, never
 * from inside set_result: the code that completed the future finishes its
 * own work first. Returns 0, or -ENOMEM. */
static int schedule_callback(struct future *future, struct done_callback callback)
{
	struct scheduled_call *call = malloc(sizeof *call);
	if (!call || handle_detach(loop_call_soon(future->loop, run_scheduled_call, call)) < 0) {
		free(call);
		return -ENOMEM;
	}
	call->callback = callback;
	call->future = future_retain(future);
	return 0;
}

/* The future is done: every done-callback goes to the loop, in the order
 * they were added. Whoever completed the future cannot be told of a
 * callback lost for want of memory, so the loop's handler is. */
static void schedule_callbacks(struct future *future)
{
	trace_future_done(future, future->state, future->failed);
	for (size_t i = 0; i < future->callback_count; i++)
		if (schedule_callback(future, future->callbacks[i]) < 0)
			loop_call_exception_handler(future->loop,
			                            "out of memory: a done-callback was lost");
	future->callback_count = 0;
}

int future_set_result_base(struct future *future, void *result, future_result_free_cb *free_result)
{
	if (future->state != FUTURE_PENDING)
		return -EINVAL;
	future->result = result;
	future->free_result = free_result;
	future->state = FUTURE_FINISHED;
	schedule_callbacks(future);
	return 0;
}

int future_set_exception_base(struct future *future, int code, const char *message)
{
	if (future->state != FUTURE_PENDING)
		return -EINVAL;
	future->failed = true;
	future->error.code = code;
	future->error.message = copy_message(message);
	if (!future->error.message)
		future->error.message = out_of_memory;
	future->state = FUTURE_FINISHED;
	schedule_callbacks(future);
	return 0;
}

/* A sealed class (a task) finishes its future itself: a result set from
 * outside would be silently replaced, or would replace the coroutine's. */
static bool sealed(const struct future *future)
{
	return future->cls && future->cls->sealed;
}

int future_set_result(struct future *future, void *result, future_result_free_cb *free_result)
{
	if (sealed(future))
		return -EPERM;
	return future_set_result_base(future, result, free_result);
}

int future_set_exception(struct future *future, int code, const char *message)
{
	if (sealed(future))
		return -EPERM;
	return future_set_exception_base(future, code, message);
}

bool future_cancel(struct future *future, const char *message)
{
	/* Whoever cancels a future has given up on its outcome: a failed
	 * future's error is not reported as never retrieved (asyncio:
	 * cancel() clears __log_traceback before it looks at the state). */
	future->retrieved = true;
	if (future->state != FUTURE_PENDING) {
		/* Too late to cancel, but not too late to give up: a waiter
		 * handed what it waited for takes it back (waiter.c). */
		if (future->cls && future->cls->given_up)
			future->cls->given_up(future->self);
		return false;
	}
	if (future->cls && future->cls->cancel)
		return future->cls->cancel(future, message, future->self);
	return future_cancel_base(future, message);
}

bool future_cancel_base(struct future *future, const char *message)
{
	if (future->state != FUTURE_PENDING)
		return false;
	future->cancel_message = message && message[0] ? copy_message(message) : NULL;
	future->state = FUTURE_CANCELLED;
	schedule_callbacks(future);
	return true;
}

void future_set_class(struct future *future, const struct future_class *cls, void *self)
{
	future->cls = cls;
	future->self = cls ? self : NULL;
}

void *future_self(const struct future *future, const struct future_class *cls)
{
	return future->cls == cls ? future->self : NULL;
}

struct loop *future_get_loop(const struct future *future)
{
	return future->loop;
}

bool future_done(const struct future *future)
{
	return future->state != FUTURE_PENDING;
}

bool future_cancelled(const struct future *future)
{
	return future->state == FUTURE_CANCELLED;
}

enum future_state future_state(const struct future *future)
{
	return future->state;
}

int future_result(struct future *future, void **result)
{
	if (future->state == FUTURE_PENDING)
		return -EAGAIN;
	if (future->state == FUTURE_CANCELLED)
		return -ECANCELED;
	if (future->failed) {
		future->retrieved = true;
		return future->error.code;
	}
	*result = future->result;
	return 0;
}

int future_exception(struct future *future, const struct future_error **error)
{
	*error = NULL;
	if (future->state == FUTURE_PENDING)
		return -EAGAIN;
	if (future->state == FUTURE_CANCELLED)
		return -ECANCELED;
	if (future->failed) {
		future->retrieved = true;
		*error = &future->error;
	}
	return 0;
}

const char *future_cancel_message(const struct future *future)
{
	return future->cancel_message ? future->cancel_message : "";
}

int future_add_done_callback(struct future *future, future_done_cb *cb, void *arg)
{
	/* Already done: schedule it now, still through the loop. */
	if (future->state != FUTURE_PENDING)
		return schedule_callback(future, (struct done_callback){ cb, arg });
	if (future->callback_count == future->callback_capacity) {
		/* Most futures get one callback (their awaiting task's): start
		 * with room for one. */
		size_t capacity = future->callback_capacity ? future->callback_capacity * 2 : 1;
		struct done_callback *grown = realloc(future->callbacks, capacity * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		future->callbacks = grown;
		future->callback_capacity = capacity;
	}
	future->callbacks[future->callback_count++] = (struct done_callback){ cb, arg };
	return 0;
}

int future_remove_done_callback(struct future *future, future_done_cb *cb, void *arg)
{
	size_t kept = 0;
	for (size_t i = 0; i < future->callback_count; i++) {
		struct done_callback c = future->callbacks[i];
		if (c.cb != cb || c.arg != arg)
			future->callbacks[kept++] = c;
	}
	int removed = (int)(future->callback_count - kept);
	future->callback_count = kept;
	return removed;
}

int future_copy_state(struct future *dest, struct future *source)
{
	if (source->state == FUTURE_PENDING)
		return -EAGAIN;
	if (source->state == FUTURE_CANCELLED)
		return future_cancel_base(dest, future_cancel_message(source)) ? 0 : -EINVAL;
	if (source->failed) {
		source->retrieved = true; /* it goes on in DEST, reported from there */
		return future_set_exception_base(dest, source->error.code, source->error.message);
	}
	/* The result stays SOURCE's: DEST borrows it and keeps SOURCE alive. */
	int rc = future_set_result_base(dest, source->result, NULL);
	if (rc == 0)
		dest->result_owner = future_retain(source);
	return rc;
}
