/*
 * locks.c - asyncio.Lock (chapter 7).
 *
 * Mirrors: the lock.* cases of conformance/python/locks.py, case for case.
 * `asyncio.create_task(take(h, lock, name))` is a task running `take`;
 * `create_task(lock.acquire())` one running `acquire_only`; `await
 * asyncio.sleep(0)` is SLEEP_ZERO; `asyncio.gather(a, b,
 * return_exceptions=True)` awaits each task's h_settled in turn. Event,
 * Condition, Semaphore and Barrier have no C case yet (the docs page says
 * "to be written").
 */
#include "harness.h"

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
	{ NULL, 0, NULL },
};
