/*
 * condition.c - wait, under a lock, for a notification. See condition.h.
 *
 * Mirrors: asyncio.Condition (Lib/asyncio/locks.py, 3.12). Its wait() is
 *
 *     self.release()
 *     try:
 *         fut = loop.create_future(); self._waiters.append(fut)
 *         try: await fut; return True
 *         finally: self._waiters.remove(fut)
 *     finally:
 *         (take the lock again, even if cancelled; then raise CancelledError
 *          if any of it was cancelled)
 *
 * Two awaits in a row, and the caller must not run in between: in C the
 * caller awaits one future (the wait's), and the two inner awaits are
 * chained by callbacks. The notification is a waiter (waiter.h); when its
 * await is over, after_notify asks for the lock; once the lock is taken,
 * settle finishes the caller's future.
 */
#include "condition.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "future.h"
#include "lock.h"
#include "loop.h"
#include "task.h"
#include "todo.h"
#include "waiter.h"

struct condition {
	struct loop *loop;
	struct lock *lock;
	bool own_lock; /* made by condition_new: freed with the condition */
	struct waiter_line waiters;
	struct wait *waits; /* in progress, for condition_free */
};

/* One condition_wait in progress. */
struct wait {
	struct condition *cond;
	struct future *outer;    /* what the caller awaits */
	struct future *notified; /* the waiter a notify wakes */
	struct future *relock;   /* the wait for the lock, once notified */
	bool cancelled;          /* OUTER was cancelled: end so, with the lock */
	int error;               /* the lock could not even be asked for */
	char message[FUTURE_MESSAGE_MAX];
	struct wait *prev, *next; /* the condition's waits in progress */
};

struct condition *condition_new(struct loop *loop, struct lock *lock)
{
	struct condition *cond = calloc(1, sizeof *cond);
	if (!cond)
		return NULL;
	*cond = (struct condition){ .loop = loop, .lock = lock };
	if (!lock) {
		cond->own_lock = true;
		cond->lock = lock_new(loop);
		if (!cond->lock) {
			free(cond);
			return NULL;
		}
	}
	return cond;
}

static void settle(struct wait *wait);
static void on_relocked(struct future *relock, void *arg);

void condition_free(struct condition *cond)
{
	if (!cond)
		return;
	/* No after_notify runs from now on; end every wait here, cancelled. */
	waiter_line_cancel(&cond->waiters, "the condition was freed");
	struct wait *next = cond->waits;
	cond->waits = NULL;
	while (next) {
		struct wait *wait = next;
		next = wait->next;
		wait->prev = wait->next = NULL;
		if (wait->relock) {
			future_remove_done_callback(wait->relock, on_relocked, wait);
			future_cancel(wait->relock, NULL);
		}
		wait->cancelled = true;
		snprintf(wait->message, sizeof wait->message, "the condition was freed");
		settle(wait);
	}
	if (cond->own_lock)
		lock_free(cond->lock);
	free(cond);
}

struct future *condition_acquire(struct condition *cond)
{
	return lock_acquire(cond->lock);
}

int condition_release(struct condition *cond)
{
	return lock_release(cond->lock);
}

bool condition_locked(const struct condition *cond)
{
	return lock_locked(cond->lock);
}

/* A future failed at once with CODE and MESSAGE: asyncio raises then,
 * before anything waits. */
static struct future *failed(struct loop *loop, int code, const char *message)
{
	struct future *future = future_new(loop);
	if (future)
		future_set_exception(future, code, message);
	return future;
}

/* The lock is the caller's again: the wait is over, cancelled or not. */
static void settle(struct wait *wait)
{
	if (wait->prev)
		wait->prev->next = wait->next;
	else
		wait->cond->waits = wait->next;
	if (wait->next)
		wait->next->prev = wait->prev;
	future_set_class(wait->outer, NULL, NULL);
	if (wait->error)
		future_set_exception(wait->outer, wait->error, "out of memory");
	else if (wait->cancelled)
		future_cancel_base(wait->outer, wait->message);
	else
		future_set_result(wait->outer, NULL, NULL);
	future_free(wait->outer);
	future_free(wait->notified);
	future_free(wait->relock);
	free(wait);
}

/* The lock, asked for in after_notify, is taken (its own after-wait code
 * took it, just before this callback), or was cancelled by lock_free. */
static void on_relocked(struct future *relock, void *arg)
{
	struct wait *wait = arg;
	if (future_cancelled(relock))
		wait->cancelled = true; /* the lock is gone: nothing to take back */
	settle(wait);
}

/* The notification's await is over, notified or cancelled (cancel_wait):
 * take the lock again before the caller may go on. */
static void after_notify(struct waiter *w, enum waiter_end end, void *owner)
{
	(void)w;
	(void)end;
	struct wait *wait = owner;
	wait->relock = lock_acquire(wait->cond->lock);
	if (wait->relock && !future_done(wait->relock) &&
	    future_add_done_callback(wait->relock, on_relocked, wait) == 0)
		return;
	if (!wait->relock || !future_done(wait->relock)) {
		/* Out of memory: the caller must hear of it, without the lock. */
		loop_call_exception_handler(wait->cond->loop,
		                            "condition_wait: out of memory: the lock is not held");
		wait->error = -ENOMEM;
	}
	settle(wait);
}

/* The caller's future was cancelled: stop waiting for the notification,
 * but take the lock before it ends (asyncio's outer `finally:`). A
 * cancellation while it waits for the lock leaves that wait in place. */
static bool cancel_wait(struct future *outer, const char *message, void *self)
{
	(void)outer;
	struct wait *wait = self;
	if (!wait->cancelled) {
		wait->cancelled = true;
		snprintf(wait->message, sizeof wait->message, "%s", message ? message : "");
	}
	if (!future_done(wait->notified))
		future_cancel(wait->notified, message);
	return true;
}

static const struct future_class wait_class = { .name = "condition_wait", .cancel = cancel_wait };

struct future *condition_wait(struct condition *cond)
{
	if (!lock_locked(cond->lock))
		return failed(cond->loop, -EPERM, "cannot wait on un-acquired lock");
	struct wait *wait = calloc(1, sizeof *wait);
	struct future *outer = future_new(cond->loop);
	struct future *notified =
	        wait && outer ? waiter_new(cond->loop, &cond->waiters, after_notify, wait) : NULL;
	if (!notified) {
		future_free(outer);
		free(wait);
		return NULL;
	}
	*wait = (struct wait){ .cond = cond,
		               .outer = future_retain(outer),
		               .notified = notified,
		               .next = cond->waits };
	if (cond->waits)
		cond->waits->prev = wait;
	cond->waits = wait;
	future_set_class(outer, &wait_class, wait);
	lock_release(cond->lock);
	return outer;
}

/* condition_wait_for's coroutine: asyncio's wait_for, line for line. */
struct wait_for_frame {
	int resume_point;
	struct condition *cond;
	condition_predicate *predicate;
	void *arg;
};

static int wait_for_step(struct task *task, void *frame)
{
	struct wait_for_frame *f = frame;
	CORO_BEGIN(f);
	while (!f->predicate(f->arg))
		CORO_AWAIT(task, f, condition_wait(f->cond));
	CORO_END(task, f);
}

struct future *condition_wait_for(struct condition *cond, condition_predicate *predicate, void *arg)
{
	struct wait_for_frame *f = malloc(sizeof *f);
	if (!f)
		return NULL;
	*f = (struct wait_for_frame){ .cond = cond, .predicate = predicate, .arg = arg };
	return task_create(cond->loop, "condition_wait_for", wait_for_step, f, free);
}

int condition_notify(struct condition *cond, int n)
{
	if (!lock_locked(cond->lock))
		return -EPERM;
	int woken = 0;
	for (struct waiter *w = waiter_line_first(&cond->waiters); w && woken < n;
	     w = waiter_line_next(w))
		woken += waiter_wake(w, NULL);
	return woken;
}

int condition_notify_all(struct condition *cond)
{
	int count = 0;
	for (struct waiter *w = waiter_line_first(&cond->waiters); w; w = waiter_line_next(w))
		count++;
	return condition_notify(cond, count);
}
