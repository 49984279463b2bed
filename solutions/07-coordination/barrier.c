/*
 * barrier.c - N tasks meet, then go on together. See barrier.h.
 *
 * Mirrors: asyncio.Barrier (Lib/asyncio/locks.py): the four states, the
 * count of tasks inside, and wait(), _block(), _wait() and _exit(), each
 * a few lines on the condition. wait() is one coroutine here, with
 * _block and _wait written inline as the loops they are
 * (`await cond.wait_for(predicate)`).
 */
#include "barrier.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "condition.h"
#include "future.h"
#include "task.h"
#include "todo.h"

enum barrier_state { FILLING, DRAINING, RESETTING, BROKEN };

struct barrier {
	struct loop *loop;
	struct condition *cond; /* notify all when the state changes */
	int parties;
	enum barrier_state state;
	int count; /* tasks inside wait(), past _block() */
};

struct barrier *barrier_new(struct loop *loop, int parties)
{
	if (parties < 1)
		return NULL;
	struct barrier *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	*b = (struct barrier){ .loop = loop, .parties = parties, .state = FILLING };
	b->cond = condition_new(loop, NULL);
	if (!b->cond) {
		free(b);
		return NULL;
	}
	return b;
}

void barrier_free(struct barrier *b)
{
	if (!b)
		return;
	condition_free(b->cond);
	free(b);
}

/* The last task out (asyncio: _exit): a round that drained or was reset
 * is over, so the barrier fills again; and whoever waits for that hears. */
static void leave(struct barrier *b)
{
	b->count--;
	if (b->count == 0) {
		if (b->state == RESETTING || b->state == DRAINING)
			b->state = FILLING;
		condition_notify_all(b->cond);
	}
}

/* One wait: asyncio's Barrier.wait, with the condition's lock held from
 * its first await to its end. */
struct wait_frame {
	int resume_point;
	struct barrier *b;
	int index;
	int rc; /* the error to end with, or 0 */
	int outcome;
};

/* Arrive (the count goes up): the last to come releases the round. */
static bool arrive(struct wait_frame *f)
{
	struct barrier *b = f->b;
	f->index = b->count++;
	if (f->index + 1 < b->parties)
		return false;
	b->state = DRAINING;
	condition_notify_all(b->cond);
	return true;
}

static int wait_step(struct task *task, void *frame)
{
	struct wait_frame *f = frame;
	struct barrier *b = f->b;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, condition_acquire(b->cond));
	/* _block: wait while the barrier drains or resets. */
	while (f->rc == 0 && (b->state == DRAINING || b->state == RESETTING)) {
		CORO_TRY_AWAIT(task, f, condition_wait(b->cond), f->outcome);
		f->rc = f->outcome;
	}
	if (f->rc == 0 && b->state == BROKEN)
		f->rc = BARRIER_BROKEN;
	if (f->rc < 0) {
		condition_release(b->cond);
		return task_raise(task, f->rc, f->rc == BARRIER_BROKEN ? "Barrier aborted" : NULL);
	}
	/* _wait, unless this task releases the round: wait while it fills. */
	if (!arrive(f)) {
		while (f->rc == 0 && b->state == FILLING) {
			CORO_TRY_AWAIT(task, f, condition_wait(b->cond), f->outcome);
			f->rc = f->outcome;
		}
		if (f->rc == 0 && (b->state == BROKEN || b->state == RESETTING))
			f->rc = BARRIER_BROKEN;
	}
	/* finally: one task fewer inside, and the lock goes. */
	leave(b);
	condition_release(b->cond);
	if (f->rc < 0)
		return task_raise(task, f->rc,
		                  f->rc == BARRIER_BROKEN ? "Abort or reset of barrier" : NULL);
	return task_return(task, (void *)(intptr_t)f->index, NULL);
	CORO_END(task, f);
}

struct future *barrier_wait(struct barrier *b)
{
	struct wait_frame *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->b = b;
	return task_create(b->loop, "barrier_wait", wait_step, f, free);
}

/* reset() and abort(): take the lock, change the state, tell everyone. */
struct change_frame {
	int resume_point;
	struct barrier *b;
	bool abort;
};

static int change_step(struct task *task, void *frame)
{
	struct change_frame *f = frame;
	struct barrier *b = f->b;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, condition_acquire(b->cond));
	if (f->abort)
		b->state = BROKEN;
	else if (b->count > 0)
		b->state = RESETTING; /* the tasks inside leave, with an error */
	else
		b->state = FILLING;
	condition_notify_all(b->cond);
	condition_release(b->cond);
	CORO_END(task, f);
}

static struct future *change(struct barrier *b, bool abort)
{
	struct change_frame *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	*f = (struct change_frame){ .b = b, .abort = abort };
	return task_create(b->loop, abort ? "barrier_abort" : "barrier_reset", change_step, f,
	                   free);
}

struct future *barrier_reset(struct barrier *b)
{
	return change(b, false);
}

struct future *barrier_abort(struct barrier *b)
{
	return change(b, true);
}

int barrier_parties(const struct barrier *b)
{
	return b->parties;
}

int barrier_n_waiting(const struct barrier *b)
{
	return b->state == FILLING ? b->count : 0;
}

bool barrier_broken(const struct barrier *b)
{
	return b->state == BROKEN;
}
