/*
 * locks.c - asyncio.Lock, Event, Condition, Semaphore and Barrier
 * (chapter 7).
 *
 * Mirrors: conformance/python/locks.py, case for case.
 * `asyncio.create_task(take(h, lock, name))` is a task running `take`;
 * `create_task(lock.acquire())` one running `acquire_only`; `await
 * asyncio.sleep(0)` is SLEEP_ZERO; `asyncio.gather(a, b,
 * return_exceptions=True)` awaits each task's h_settled in turn. A
 * Barrier's wait, reset and abort are tasks already (barrier.h), so
 * `create_task(barrier.wait())` is barrier_wait itself. The Condition
 * rows whose waits are counted in iterations show the extra iteration of
 * a C wait (condition-wait-chained on asyncio-differences.md).
 */
#include "harness.h"

#include <stdlib.h>

#if CHAPTER >= 7
/* take(h, lock, name, hold): acquire, log NAME, release unless HOLD. */
struct take_frame {
	int resume_point;
	struct harness *h;
	struct lock *lock;
	const char *name;
	bool hold;
};

static int take(struct task *task, void *frame)
{
	struct take_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(lock_acquire(f->lock), "lock_acquire"));
	h_log(f->h, "%s", f->name);
	if (!f->hold)
		lock_release(f->lock);
	CORO_END(task, f);
}

/* lock.acquire() as a task of its own. */
static int acquire_only(struct task *task, void *frame)
{
	struct take_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(lock_acquire(f->lock), "lock_acquire"));
	CORO_END(task, f);
}

#define TAKER(f, who, keep)                                                                        \
	H_TASK((f)->h, take, struct take_frame, .h = (f)->h, .lock = (f)->lock, .name = (who),     \
	       .hold = (keep))
#define ACQUIRER(f) H_TASK((f)->h, acquire_only, struct take_frame, .h = (f)->h, .lock = (f)->lock)

struct frame {
	int resume_point;
	struct harness *h;
	struct lock *lock;
	struct future *t[3];
	bool locked;
};

/* `await lock.acquire()` on a free lock, from the case's own task: done at
 * once, so nothing to await. */
static void acquire_now(struct frame *f)
{
	struct future *fut = h_check(lock_acquire(f->lock), "lock_acquire");
	if (!future_done(fut))
		h_fail(f->h, "a free lock was not taken at once");
	future_free(fut);
}

/* tick(h): one iteration, marked "|" in the log. */
#define TICK(task, f)                                                                              \
	do {                                                                                       \
		CORO_AWAIT(task, f, SLEEP_ZERO((f)->h->loop));                                     \
		h_log((f)->h, "|");                                                                \
	} while (0)

static void end_case(struct frame *f)
{
	for (int i = 0; i < 3; i++)
		future_free(f->t[i]);
	lock_free(f->lock);
}

static int first_come_first_served(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->lock = h_check(lock_new(f->h->loop), "lock_new");
	acquire_now(f);
	f->t[0] = TAKER(f, "c1", true);
	f->t[1] = TAKER(f, "c2", true);
	TICK(task, f);
	lock_release(f->lock);
	TICK(task, f);
	TICK(task, f);
	f->t[2] = TAKER(f, "c3", true);
	lock_release(f->lock);
	TICK(task, f);
	lock_release(f->lock);
	TICK(task, f);
	h_order(f->h, &f->h->out, NULL);
	end_case(f);
	CORO_END(task, f);
}

static void lock_first_come_first_served(struct harness *h)
{
	H_MAIN(h, first_come_first_served, struct frame, .h = h);
}

static void lock_release_unlocked(struct harness *h)
{
	struct lock *lock = h_check(lock_new(h->loop), "lock_new");
	tok_call(&h->out, NULL, lock_release(lock), "release");
	lock_free(lock);
}

static int free_until_the_woken_waiter_runs(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->lock = h_check(lock_new(f->h->loop), "lock_new");
	acquire_now(f);
	f->t[0] = TAKER(f, "w", true);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	lock_release(f->lock);
	f->locked = lock_locked(f->lock);
	f->t[1] = ACQUIRER(f);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_bool(&f->h->out, "locked", f->locked);
	tok_state(&f->h->out, "late", f->t[1]);
	tok_bool(&f->h->out, "locked", lock_locked(f->lock));
	tok_state(&f->h->out, "late", f->t[1]);
	task_cancel(f->t[1], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	end_case(f);
	CORO_END(task, f);
}

static void lock_free_until_the_woken_waiter_runs(struct harness *h)
{
	H_MAIN(h, free_until_the_woken_waiter_runs, struct frame, .h = h);
}

static int cancelled_waiter_leaves(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->lock = h_check(lock_new(f->h->loop), "lock_new");
	acquire_now(f);
	f->t[0] = TAKER(f, "q", false);
	f->t[1] = TAKER(f, "p", false);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->t[0], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	lock_release(f->lock);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, "q", f->t[0]);
	h_order(f->h, &f->h->out, NULL);
	end_case(f);
	CORO_END(task, f);
}

static void lock_cancelled_waiter_leaves(struct harness *h)
{
	H_MAIN(h, cancelled_waiter_leaves, struct frame, .h = h);
}

static int woken_then_cancelled_passes_turn(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->lock = h_check(lock_new(f->h->loop), "lock_new");
	acquire_now(f);
	f->t[0] = TAKER(f, "A", false);
	f->t[1] = TAKER(f, "B", false);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	lock_release(f->lock);
	task_cancel(f->t[0], NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->t[0]));
	CORO_AWAIT(task, f, h_settled(f->h, f->t[1]));
	tok_state(&f->h->out, "A", f->t[0]);
	h_order(f->h, &f->h->out, NULL);
	tok_bool(&f->h->out, "locked", lock_locked(f->lock));
	end_case(f);
	CORO_END(task, f);
}

static void lock_woken_then_cancelled_passes_turn(struct harness *h)
{
	H_MAIN(h, woken_then_cancelled_passes_turn, struct frame, .h = h);
}

static int cancelled_first_waiter_passes_turn(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->lock = h_check(lock_new(f->h->loop), "lock_new");
	acquire_now(f);
	f->t[0] = ACQUIRER(f);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	f->t[1] = ACQUIRER(f);
	task_cancel(f->t[0], NULL);
	lock_release(f->lock);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	f->locked = lock_locked(f->lock);
	CORO_AWAIT(task, f, h_settled(f->h, f->t[0]));
	CORO_AWAIT(task, f, h_settled(f->h, f->t[1]));
	tok_bool(&f->h->out, "locked", f->locked);
	tok_state(&f->h->out, "B", f->t[0]);
	tok_state(&f->h->out, "C", f->t[1]);
	end_case(f);
	CORO_END(task, f);
}

static void lock_cancelled_first_waiter_passes_turn(struct harness *h)
{
	H_MAIN(h, cancelled_first_waiter_passes_turn, struct frame, .h = h);
}

/* ---------------------------------------------------------------- Event */

/* waiter(name): await ev.wait(), then log NAME. */
struct event_waiter {
	int resume_point;
	struct harness *h;
	struct event *ev;
	const char *name;
};

static int wait_then_log(struct task *task, void *frame)
{
	struct event_waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, h_check(event_wait(w->ev), "event_wait"));
	h_log(w->h, "%s", w->name);
	CORO_END(task, w);
}

#define EVENT_WAITER(f, who)                                                                       \
	H_TASK((f)->h, wait_then_log, struct event_waiter, .h = (f)->h, .ev = (f)->ev,             \
	       .name = (who))

struct event_frame {
	int resume_point;
	struct harness *h;
	struct event *ev;
	struct future *t[3];
	bool flag;
};

static void end_event_case(struct event_frame *f)
{
	for (int i = 0; i < 3; i++)
		future_free(f->t[i]);
	event_free(f->ev);
}

static int set_wakes_every_waiter(struct task *task, void *frame)
{
	struct event_frame *f = frame;
	CORO_BEGIN(f);
	f->ev = h_check(event_new(f->h->loop), "event_new");
	f->t[0] = EVENT_WAITER(f, "c1");
	f->t[1] = EVENT_WAITER(f, "c2");
	TICK(task, f);
	f->t[2] = EVENT_WAITER(f, "c3");
	event_set(f->ev);
	TICK(task, f);
	h_order(f->h, &f->h->out, NULL);
	end_event_case(f);
	CORO_END(task, f);
}

static void event_set_wakes_every_waiter(struct harness *h)
{
	H_MAIN(h, set_wakes_every_waiter, struct event_frame, .h = h);
}

/* asyncio's wait() returns True, always; ours finishes with no error, at
 * once here: the same promise, said as result=True. */
static void event_wait_on_set(struct harness *h)
{
	struct event *ev = h_check(event_new(h->loop), "event_new");
	event_set(ev);
	struct future *w = h_check(event_wait(ev), "event_wait");
	const struct future_error *error = NULL;
	tok_bool(&h->out, NULL, future_done(w) && future_exception(w, &error) == 0 && !error);
	future_free(w);
	event_free(ev);
}

static int clear_after_set_wakes_anyway(struct task *task, void *frame)
{
	struct event_frame *f = frame;
	CORO_BEGIN(f);
	f->ev = h_check(event_new(f->h->loop), "event_new");
	f->t[0] = EVENT_WAITER(f, "c1");
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	event_set(f->ev);
	event_clear(f->ev);
	f->flag = event_is_set(f->ev);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_bool(&f->h->out, NULL, f->flag);
	h_order(f->h, &f->h->out, NULL);
	end_event_case(f);
	CORO_END(task, f);
}

static void event_clear_after_set_wakes_anyway(struct harness *h)
{
	H_MAIN(h, clear_after_set_wakes_anyway, struct event_frame, .h = h);
}

/* ---------------------------------------------------------------- Condition */

/* cond_waiter(h, cond, name): `async with cond: await cond.wait()`, then
 * log NAME. With MARK_CANCEL (notified_then_cancelled's waiter), a
 * cancelled wait logs NAME! before the cancellation goes on up. Either
 * way the lock goes at the end, as `async with` releases it. */
struct cond_waiter {
	int resume_point;
	struct harness *h;
	struct condition *cond;
	const char *name;
	bool mark_cancel;
	int outcome;
};

static int cond_wait_then_log(struct task *task, void *frame)
{
	struct cond_waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, h_check(condition_acquire(w->cond), "condition_acquire"));
	CORO_TRY_AWAIT(task, w, h_check(condition_wait(w->cond), "condition_wait"), w->outcome);
	if (w->outcome == 0)
		h_log(w->h, "%s", w->name);
	else if (w->outcome == -ECANCELED && w->mark_cancel)
		h_log(w->h, "%s!", w->name);
	condition_release(w->cond);
	if (w->outcome < 0)
		return task_raise(task, w->outcome, NULL);
	CORO_END(task, w);
}

#define COND_WAITER(f, who, mark)                                                                  \
	H_TASK((f)->h, cond_wait_then_log, struct cond_waiter, .h = (f)->h, .cond = (f)->cond,     \
	       .name = (who), .mark_cancel = (mark))

/* cond.wait() as a task of its own: the caller holds the lock. */
static int cond_wait_only(struct task *task, void *frame)
{
	struct cond_waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, h_check(condition_wait(w->cond), "condition_wait"));
	CORO_END(task, w);
}

/* wait_for's waiter: `async with cond: await cond.wait_for(lambda:
 * ready)`, then log c1. */
struct predicate_waiter {
	int resume_point;
	struct harness *h;
	struct condition *cond;
	bool *ready;
};

static bool is_ready(void *ready)
{
	return *(bool *)ready;
}

static int wait_for_then_log(struct task *task, void *frame)
{
	struct predicate_waiter *w = frame;
	CORO_BEGIN(w);
	CORO_AWAIT(task, w, h_check(condition_acquire(w->cond), "condition_acquire"));
	CORO_AWAIT(task, w,
	           h_check(condition_wait_for(w->cond, is_ready, w->ready), "condition_wait_for"));
	h_log(w->h, "c1");
	condition_release(w->cond);
	CORO_END(task, w);
}

struct cond_frame {
	int resume_point;
	struct harness *h;
	struct condition *cond;
	struct future *t[3];
	struct future *fut;
	bool ready;
	int i, outcome;
};

/* cond.notify(N) in a case that holds the lock: Python would raise. */
static void notify(struct cond_frame *f, int n)
{
	if (condition_notify(f->cond, n) < 0)
		h_fail(f->h, "notify refused, with the lock held");
}

/* `async with cond: cond.notify(...)`: take the lock (awaited), notify,
 * release. NOTIFY is the statement(s) inside the block. */
#define WITH_COND(task, f, ...)                                                                    \
	do {                                                                                       \
		CORO_AWAIT(task, f, h_check(condition_acquire((f)->cond), "condition_acquire"));   \
		__VA_ARGS__;                                                                       \
		condition_release((f)->cond);                                                      \
	} while (0)

static void end_cond_case(struct cond_frame *f)
{
	for (int i = 0; i < 3; i++)
		future_free(f->t[i]);
	condition_free(f->cond);
}

static int notify_wakes_in_order(struct task *task, void *frame)
{
	struct cond_frame *f = frame;
	CORO_BEGIN(f);
	f->cond = h_check(condition_new(f->h->loop, NULL), "condition_new");
	f->t[0] = COND_WAITER(f, "c1", false);
	f->t[1] = COND_WAITER(f, "c2", false);
	f->t[2] = COND_WAITER(f, "c3", false);
	TICK(task, f);
	WITH_COND(task, f, notify(f, 1));
	TICK(task, f);
	WITH_COND(task, f, notify(f, 1); notify(f, 2048));
	TICK(task, f);
	h_order(f->h, &f->h->out, NULL);
	/* Not in the Python case: let every waiter end before the condition
	 * goes (whatever the outcome says, nothing is left pending then). */
	for (f->i = 0; f->i < 3; f->i++) {
		task_cancel(f->t[f->i], NULL);
		CORO_AWAIT(task, f, h_settled(f->h, f->t[f->i]));
	}
	end_cond_case(f);
	CORO_END(task, f);
}

static void condition_notify_wakes_in_order(struct harness *h)
{
	H_MAIN(h, notify_wakes_in_order, struct cond_frame, .h = h);
}

static void cancel_cb(void *task)
{
	task_cancel(task, NULL);
}

static int cancelled_wait_holds_the_lock(struct task *task, void *frame)
{
	struct cond_frame *f = frame;
	CORO_BEGIN(f);
	f->cond = h_check(condition_new(f->h->loop, NULL), "condition_new");
	f->fut = h_check(condition_acquire(f->cond), "condition_acquire");
	if (!future_done(f->fut))
		h_fail(f->h, "a free lock was not taken at once");
	future_free(f->fut);
	f->t[0] = H_TASK(f->h, cond_wait_only, struct cond_waiter, .h = f->h, .cond = f->cond);
	CALL_SOON(f->h->loop, cancel_cb, f->t[0]);
	CORO_TRY_AWAIT(task, f, future_retain(f->t[0]), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->t[0], VALUE_NONE);
	tok_bool(&f->h->out, "locked", condition_locked(f->cond));
	end_cond_case(f);
	CORO_END(task, f);
}

static void condition_cancelled_wait_holds_the_lock(struct harness *h)
{
	H_MAIN(h, cancelled_wait_holds_the_lock, struct cond_frame, .h = h);
}

static int notified_then_cancelled(struct task *task, void *frame)
{
	struct cond_frame *f = frame;
	CORO_BEGIN(f);
	f->cond = h_check(condition_new(f->h->loop, NULL), "condition_new");
	f->t[0] = COND_WAITER(f, "a", true);
	f->t[1] = COND_WAITER(f, "b", true);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	WITH_COND(task, f, notify(f, 1));
	task_cancel(f->t[0], NULL);
	for (f->i = 0; f->i < 5; f->i++)
		CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	h_order(f->h, &f->h->out, NULL);
	tok_state(&f->h->out, "b", f->t[1]);
	task_cancel(f->t[1], NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->t[0]));
	CORO_AWAIT(task, f, h_settled(f->h, f->t[1]));
	end_cond_case(f);
	CORO_END(task, f);
}

static void condition_notified_then_cancelled(struct harness *h)
{
	H_MAIN(h, notified_then_cancelled, struct cond_frame, .h = h);
}

static int wait_needs_the_lock(struct task *task, void *frame)
{
	struct cond_frame *f = frame;
	CORO_BEGIN(f);
	f->cond = h_check(condition_new(f->h->loop, NULL), "condition_new");
	f->fut = h_check(condition_wait(f->cond), "condition_wait");
	CORO_TRY_AWAIT(task, f, future_retain(f->fut), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->fut, VALUE_NONE);
	future_free(f->fut);
	end_cond_case(f);
	CORO_END(task, f);
}

static void condition_wait_needs_the_lock(struct harness *h)
{
	H_MAIN(h, wait_needs_the_lock, struct cond_frame, .h = h);
}

/* notify() takes n=1 by default. */
static void condition_notify_needs_the_lock(struct harness *h)
{
	struct condition *cond = h_check(condition_new(h->loop, NULL), "condition_new");
	tok_call(&h->out, NULL, condition_notify(cond, 1), "notify");
	condition_free(cond);
}

static int wait_for_predicate(struct task *task, void *frame)
{
	struct cond_frame *f = frame;
	CORO_BEGIN(f);
	f->cond = h_check(condition_new(f->h->loop, NULL), "condition_new");
	f->t[0] = H_TASK(f->h, wait_for_then_log, struct predicate_waiter, .h = f->h,
	                 .cond = f->cond, .ready = &f->ready);
	TICK(task, f);
	WITH_COND(task, f, notify(f, 1));
	TICK(task, f);
	f->ready = true;
	WITH_COND(task, f, notify(f, 1));
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	h_order(f->h, &f->h->out, NULL);
	/* Not in the Python case: the waiter ends before the condition goes,
	 * if it has not already (its frame points at this one). */
	task_cancel(f->t[0], NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->t[0]));
	end_cond_case(f);
	CORO_END(task, f);
}

static void condition_wait_for_predicate(struct harness *h)
{
	H_MAIN(h, wait_for_predicate, struct cond_frame, .h = h);
}

/* ---------------------------------------------------------------- Semaphore */

/* take(h, sem, name, hold) on a semaphore. */
struct sem_take {
	int resume_point;
	struct harness *h;
	struct semaphore *sem;
	const char *name;
	bool hold, again; /* AGAIN: release, acquire once more, log "4" */
};

static int take_slot(struct task *task, void *frame)
{
	struct sem_take *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(semaphore_acquire(f->sem), "semaphore_acquire"));
	h_log(f->h, "%s", f->name);
	if (f->again) {
		semaphore_release(f->sem);
		CORO_AWAIT(task, f, h_check(semaphore_acquire(f->sem), "semaphore_acquire"));
		h_log(f->h, "4");
	} else if (!f->hold) {
		semaphore_release(f->sem);
	}
	CORO_END(task, f);
}

#define SEM_TAKER(f, who, keep)                                                                    \
	H_TASK((f)->h, take_slot, struct sem_take, .h = (f)->h, .sem = (f)->sem, .name = (who),    \
	       .hold = (keep))
#define SEM_ACQUIRER(f)                                                                            \
	H_TASK((f)->h, take_slot, struct sem_take, .h = (f)->h, .sem = (f)->sem, .name = "",       \
	       .hold = true)

struct sem_frame {
	int resume_point;
	struct harness *h;
	struct semaphore *sem;
	struct future *t[4];
	int value, i;
};

/* `await sem.acquire()` with a slot free: done at once. */
static void take_slot_now(struct sem_frame *f)
{
	struct future *fut = h_check(semaphore_acquire(f->sem), "semaphore_acquire");
	if (!semaphore_took(fut))
		h_fail(f->h, "a free slot was not taken at once");
	future_free(fut);
}

static void end_sem_case(struct sem_frame *f)
{
	for (int i = 0; i < 4; i++)
		future_free(f->t[i]);
	semaphore_free(f->sem);
}

static int release_hands_the_slot_over(struct task *task, void *frame)
{
	struct sem_frame *f = frame;
	CORO_BEGIN(f);
	f->sem = h_check(semaphore_new(f->h->loop, 3), "semaphore_new");
	take_slot_now(f);
	take_slot_now(f);
	f->t[0] = SEM_TAKER(f, "1", true);
	f->t[1] = SEM_TAKER(f, "2", true);
	f->t[2] = SEM_TAKER(f, "3", true);
	TICK(task, f);
	f->t[3] = SEM_TAKER(f, "4", true);
	semaphore_release(f->sem);
	semaphore_release(f->sem);
	f->value = semaphore_value(f->sem);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->t[3], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	outcome_add(&f->h->out, NULL, "result=%d", f->value);
	h_order(f->h, &f->h->out, NULL);
	end_sem_case(f);
	CORO_END(task, f);
}

static void semaphore_release_hands_the_slot_over(struct harness *h)
{
	H_MAIN(h, release_hands_the_slot_over, struct sem_frame, .h = h);
}

static int cancelled_before_awoken(struct task *task, void *frame)
{
	struct sem_frame *f = frame;
	CORO_BEGIN(f);
	f->sem = h_check(semaphore_new(f->h->loop, 0), "semaphore_new");
	for (int i = 0; i < 4; i++)
		f->t[i] = SEM_ACQUIRER(f);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->t[0], NULL);
	task_cancel(f->t[1], NULL);
	semaphore_release(f->sem);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, "t3", f->t[2]);
	tok_state(&f->h->out, "t4", f->t[3]);
	task_cancel(f->t[3], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	end_sem_case(f);
	CORO_END(task, f);
}

static void semaphore_cancelled_before_awoken(struct harness *h)
{
	H_MAIN(h, cancelled_before_awoken, struct sem_frame, .h = h);
}

static int woken_then_cancelled_gives_back(struct task *task, void *frame)
{
	struct sem_frame *f = frame;
	CORO_BEGIN(f);
	f->sem = h_check(semaphore_new(f->h->loop, 1), "semaphore_new");
	take_slot_now(f);
	f->t[0] = SEM_TAKER(f, "A", false);
	f->t[1] = SEM_TAKER(f, "B", false);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	semaphore_release(f->sem);
	task_cancel(f->t[0], NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->t[0]));
	CORO_AWAIT(task, f, h_settled(f->h, f->t[1]));
	semaphore_release(f->sem);
	tok_state(&f->h->out, "A", f->t[0]);
	h_order(f->h, &f->h->out, NULL);
	tok_bool(&f->h->out, "locked", semaphore_locked(f->sem));
	end_sem_case(f);
	CORO_END(task, f);
}

static void semaphore_woken_then_cancelled_gives_back(struct harness *h)
{
	H_MAIN(h, woken_then_cancelled_gives_back, struct sem_frame, .h = h);
}

static int fifo_after_release(struct task *task, void *frame)
{
	struct sem_frame *f = frame;
	CORO_BEGIN(f);
	f->sem = h_check(semaphore_new(f->h->loop, 1), "semaphore_new");
	f->t[0] = SEM_TAKER(f, "1", true);
	f->t[1] = H_TASK(f->h, take_slot, struct sem_take, .h = f->h, .sem = f->sem, .name = "2",
	                 .again = true);
	f->t[2] = SEM_TAKER(f, "3", true);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	semaphore_release(f->sem);
	semaphore_release(f->sem);
	for (f->i = 0; f->i < 3; f->i++)
		CORO_AWAIT(task, f, h_settled(f->h, f->t[f->i]));
	h_order(f->h, &f->h->out, NULL);
	end_sem_case(f);
	CORO_END(task, f);
}

static void semaphore_fifo_after_release(struct harness *h)
{
	H_MAIN(h, fifo_after_release, struct sem_frame, .h = h);
}

/* asyncio.BoundedSemaphore() starts at 1. */
static void semaphore_bounded_refuses_extra_release(struct harness *h)
{
	struct semaphore *sem = h_check(bounded_semaphore_new(h->loop, 1), "bounded_semaphore_new");
	tok_call(&h->out, NULL, semaphore_release(sem), "release");
	semaphore_free(sem);
}

static void semaphore_plain_release_goes_up(struct harness *h)
{
	struct semaphore *sem = h_check(semaphore_new(h->loop, 1), "semaphore_new");
	semaphore_release(sem);
	outcome_add(&h->out, NULL, "result=%d", semaphore_value(sem));
	semaphore_free(sem);
}

/* ---------------------------------------------------------------- Barrier */

/* `create_task(barrier.wait())` and `barrier.wait()` alike are
 * barrier_wait: a task already, whose result is the arrival index. */
struct barrier_frame {
	int resume_point;
	struct harness *h;
	struct barrier *b;
	struct future *t[4];
	struct future *g;
	int outcome;
};

static void end_barrier_case(struct barrier_frame *f)
{
	for (int i = 0; i < 4; i++)
		future_free(f->t[i]);
	future_free(f->g);
	barrier_free(f->b);
}

static int compare_ints(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int indices_are_arrival_order(struct task *task, void *frame)
{
	struct barrier_frame *f = frame;
	CORO_BEGIN(f);
	f->b = h_check(barrier_new(f->h->loop, 3), "barrier_new");
	for (int i = 0; i < 3; i++)
		f->t[i] = h_check(barrier_wait(f->b), "barrier_wait");
	f->g = h_check(gather(f->h->loop, f->t, 3, false), "gather");
	CORO_TRY_AWAIT(task, f, future_retain(f->g), f->outcome);
	if (f->outcome < 0) {
		tok_awaited(&f->h->out, NULL, task, f->outcome, f->g, VALUE_NONE);
	} else {
		/* The Python case sorts them: which task arrived first is the
		 * loop's business, the indices are the barrier's. */
		int index[3];
		for (int i = 0; i < 3; i++) {
			void *value = NULL;
			future_result(f->t[i], &value);
			index[i] = VALUE_AS_INT(value);
		}
		qsort(index, 3, sizeof index[0], compare_ints);
		outcome_add(&f->h->out, NULL, "result=[%d,%d,%d]", index[0], index[1], index[2]);
	}
	outcome_add(&f->h->out, "n_waiting", "result=%d", barrier_n_waiting(f->b));
	end_barrier_case(f);
	CORO_END(task, f);
}

static void barrier_indices_are_arrival_order(struct harness *h)
{
	H_MAIN(h, indices_are_arrival_order, struct barrier_frame, .h = h);
}

static int cancelled_wait_leaves(struct task *task, void *frame)
{
	struct barrier_frame *f = frame;
	CORO_BEGIN(f);
	f->b = h_check(barrier_new(f->h->loop, 3), "barrier_new");
	f->t[0] = h_check(barrier_wait(f->b), "barrier_wait");
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	f->t[1] = h_check(barrier_wait(f->b), "barrier_wait");
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	task_cancel(f->t[0], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	f->t[2] = h_check(barrier_wait(f->b), "barrier_wait");
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	f->t[3] = h_check(barrier_wait(f->b), "barrier_wait");
	f->g = h_check(gather(f->h->loop, f->t + 1, 3, false), "gather");
	CORO_TRY_AWAIT(task, f, future_retain(f->g), f->outcome);
	tok_state(&f->h->out, "t1", f->t[0]);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->g, VALUE_GATHER);
	end_barrier_case(f);
	CORO_END(task, f);
}

static void barrier_cancelled_wait_leaves(struct harness *h)
{
	H_MAIN(h, cancelled_wait_leaves, struct barrier_frame, .h = h);
}

/* abort() or reset() while one task waits, then what that wait gave;
 * ABORT also waits once more afterwards (`later`). */
static int break_a_round(struct task *task, void *frame, bool abort)
{
	struct barrier_frame *f = frame;
	CORO_BEGIN(f);
	f->b = h_check(barrier_new(f->h->loop, 3), "barrier_new");
	f->t[0] = h_check(barrier_wait(f->b), "barrier_wait");
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	CORO_AWAIT(task, f,
	           h_check(abort ? barrier_abort(f->b) : barrier_reset(f->b),
	                   abort ? "barrier_abort" : "barrier_reset"));
	CORO_TRY_AWAIT(task, f, future_retain(f->t[0]), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->t[0], VALUE_INT);
	if (abort) {
		f->t[1] = h_check(barrier_wait(f->b), "barrier_wait");
		CORO_TRY_AWAIT(task, f, future_retain(f->t[1]), f->outcome);
		tok_awaited(&f->h->out, NULL, task, f->outcome, f->t[1], VALUE_INT);
	}
	tok_bool(&f->h->out, "broken", barrier_broken(f->b));
	if (!abort)
		outcome_add(&f->h->out, "n_waiting", "result=%d", barrier_n_waiting(f->b));
	end_barrier_case(f);
	CORO_END(task, f);
}

static int abort_breaks_it(struct task *task, void *frame)
{
	return break_a_round(task, frame, true);
}

static int reset_breaks_one_round(struct task *task, void *frame)
{
	return break_a_round(task, frame, false);
}

static void barrier_abort_breaks_it(struct harness *h)
{
	H_MAIN(h, abort_breaks_it, struct barrier_frame, .h = h);
}

static void barrier_reset_breaks_one_round(struct harness *h)
{
	H_MAIN(h, reset_breaks_one_round, struct barrier_frame, .h = h);
}
#endif

const struct conformance_case locks_cases[] = {
	{ "lock.first_come_first_served", NEEDS_COORDINATION,
	  FROM_COORDINATION(lock_first_come_first_served) },
	{ "lock.release_unlocked", NEEDS_COORDINATION, FROM_COORDINATION(lock_release_unlocked) },
	{ "lock.free_until_the_woken_waiter_runs", NEEDS_COORDINATION,
	  FROM_COORDINATION(lock_free_until_the_woken_waiter_runs) },
	{ "lock.cancelled_waiter_leaves", NEEDS_COORDINATION,
	  FROM_COORDINATION(lock_cancelled_waiter_leaves) },
	{ "lock.woken_then_cancelled_passes_turn", NEEDS_COORDINATION,
	  FROM_COORDINATION(lock_woken_then_cancelled_passes_turn) },
	{ "lock.cancelled_first_waiter_passes_turn", NEEDS_COORDINATION,
	  FROM_COORDINATION(lock_cancelled_first_waiter_passes_turn) },
	{ "event.set_wakes_every_waiter", NEEDS_COORDINATION,
	  FROM_COORDINATION(event_set_wakes_every_waiter) },
	{ "event.wait_on_set", NEEDS_COORDINATION, FROM_COORDINATION(event_wait_on_set) },
	{ "event.clear_after_set_wakes_anyway", NEEDS_COORDINATION,
	  FROM_COORDINATION(event_clear_after_set_wakes_anyway) },
	{ "condition.notify_wakes_in_order", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_notify_wakes_in_order) },
	{ "condition.cancelled_wait_holds_the_lock", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_cancelled_wait_holds_the_lock) },
	{ "condition.notified_then_cancelled", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_notified_then_cancelled) },
	{ "condition.wait_needs_the_lock", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_wait_needs_the_lock) },
	{ "condition.notify_needs_the_lock", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_notify_needs_the_lock) },
	{ "condition.wait_for_predicate", NEEDS_COORDINATION,
	  FROM_COORDINATION(condition_wait_for_predicate) },
	{ "semaphore.release_hands_the_slot_over", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_release_hands_the_slot_over) },
	{ "semaphore.cancelled_before_awoken", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_cancelled_before_awoken) },
	{ "semaphore.woken_then_cancelled_gives_back", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_woken_then_cancelled_gives_back) },
	{ "semaphore.fifo_after_release", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_fifo_after_release) },
	{ "semaphore.bounded_refuses_extra_release", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_bounded_refuses_extra_release) },
	{ "semaphore.plain_release_goes_up", NEEDS_COORDINATION,
	  FROM_COORDINATION(semaphore_plain_release_goes_up) },
	{ "barrier.indices_are_arrival_order", NEEDS_COORDINATION,
	  FROM_COORDINATION(barrier_indices_are_arrival_order) },
	{ "barrier.cancelled_wait_leaves", NEEDS_COORDINATION,
	  FROM_COORDINATION(barrier_cancelled_wait_leaves) },
	{ "barrier.abort_breaks_it", NEEDS_COORDINATION,
	  FROM_COORDINATION(barrier_abort_breaks_it) },
	{ "barrier.reset_breaks_one_round", NEEDS_COORDINATION,
	  FROM_COORDINATION(barrier_reset_breaks_one_round) },
	{ NULL, 0, NULL },
};
