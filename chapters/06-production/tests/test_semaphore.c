/*
 * test_semaphore.c - asyncio.Semaphore from futures: free slots are taken
 * at once, waiters are served first in, first out, a cancelled waiter
 * gives up its place, and a slot handed to a task that was cancelled
 * before it could run is not lost.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "future.h"
#include "loop.h"
#include "semaphore.h"
#include "task.h"
#include "testkit.h"

TestSuite(semaphore, .timeout = 10);

static struct future *acquire(struct semaphore *sem)
{
	struct future *f = semaphore_acquire(sem);
	cr_assert(f != NULL, "semaphore_acquire returns a future");
	const struct future_error *error;
	future_exception(f, &error);
	cr_assert(error == NULL || error->code != -ENOSYS, "%s", error ? error->message : "");
	return f;
}

static void release(struct semaphore *sem)
{
	int rc = semaphore_release(sem);
	REQUIRE_IMPLEMENTED(rc, "semaphore_release");
	cr_assert_eq(rc, 0, "semaphore_release: %s", strerror(-rc));
}

Test(semaphore, free_slots_are_taken_at_once)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 2);
	struct future *a = acquire(sem), *b = acquire(sem), *c = acquire(sem);
	cr_assert(semaphore_took(a) && semaphore_took(b),
	          "take_or_wait: a semaphore of 2 slots gives the first two acquires a slot at "
	          "once (their futures finish with a result)");
	cr_assert(!future_done(c),
	          "take_or_wait: the third acquire of a semaphore of 2 must wait, but it finished "
	          "at once: a slot is free only while the counter is above 0 (counter now %d)",
	          semaphore_value(sem));
	cr_assert_eq(semaphore_value(sem), 0,
	             "take_or_wait: each acquire that gets a slot takes it off the counter: two "
	             "slots taken of 2, the counter must be 0, not %d",
	             semaphore_value(sem));
	cr_assert_eq(semaphore_waiting(sem), 1, "take_or_wait: the third acquire queues as a waiter");
	future_free(a);
	future_free(b);
	future_free(c);
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, release_wakes_the_oldest_waiter_first)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem);
	struct future *first = acquire(sem), *second = acquire(sem);
	cr_assert(!future_done(first) && !future_done(second),
	          "take_or_wait: the only slot of 1 is taken, so the next two acquires must "
	          "wait, but %s at once: a slot is free only while the counter is above 0, "
	          "and taking it moves the counter down (counter now %d)",
	          future_done(first) ? "the first finished" : "the second finished",
	          semaphore_value(sem));
	release(sem);
	cr_assert(future_done(first) || future_done(second),
	          "semaphore_release: two acquires wait and a slot was given back, but neither "
	          "future finished: with somebody waiting, the slot goes straight into the "
	          "oldest waiter's hands, its future gets its result (future_set_result); "
	          "taken off the queue without it, or put on the counter, the slot wakes "
	          "nobody (counter now %d)",
	          semaphore_value(sem));
	cr_assert(semaphore_took(first),
	          "take_or_wait: the released slot went to the younger waiter, not the oldest: "
	          "waiters queue at the tail and are served from the head, first come first "
	          "served, or a waiter can starve");
	cr_assert(!future_done(second),
	          "semaphore_release: one release is one slot: it goes to the oldest waiter "
	          "only, and the younger one must still wait, but it was finished too, so two "
	          "tasks now hold the only slot of 1");
	cr_assert_eq(semaphore_value(sem), 0,
	             "semaphore_release: with a waiter in the queue, the slot is handed to it and "
	             "the counter does not move (it is %d): put on the counter, the slot could be "
	             "taken by a newcomer before the waiter runs",
	             semaphore_value(sem));
	struct future *late = acquire(sem);
	cr_assert(!future_done(late), "a newcomer queues behind the waiters, even right after a "
	                              "release");
	cr_assert_eq(semaphore_waiting(sem), 2,
	             "take_or_wait: the newcomer joins the queue behind the waiter still there, "
	             "so 2 wait, but %zu do: link each new waiter after the tail, then make it "
	             "the tail, or the next one is linked after a waiter that has left",
	             semaphore_waiting(sem));
	release(sem);
	cr_assert(semaphore_took(second), "then the next one in line");
	cr_assert(!future_done(late), "and the newcomer after it");
	release(sem);
	release(sem);
	cr_assert_eq(semaphore_value(sem), 1, "all given back");
	future_free(holder);
	future_free(first);
	future_free(second);
	future_free(late);
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, three_waiters_all_join_the_queue)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem);
	struct future *waiters[3];
	for (int i = 0; i < 3; i++)
		waiters[i] = acquire(sem);
	cr_assert_eq(semaphore_waiting(sem), 3,
	             "take_or_wait: three acquires found no free slot, so all three wait, each "
	             "at the back of the queue, but %zu do: after linking the new waiter behind "
	             "the tail, it becomes the tail",
	             semaphore_waiting(sem));
	for (int i = 0; i < 4; i++)
		release(sem);
	cr_assert_eq(semaphore_value(sem), 1, "all given back");
	for (int i = 0; i < 3; i++)
		future_free(waiters[i]);
	future_free(holder);
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, a_cancelled_waiter_gives_up_its_place)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem);
	struct future *quitter = acquire(sem), *patient = acquire(sem);
	cr_assert(future_cancel(quitter, "changed its mind"), "a waiting acquire can be cancelled");
	cr_assert_eq(semaphore_waiting(sem), 1, "the cancelled waiter no longer counts");
	release(sem);
	cr_assert(semaphore_took(patient), "the slot skips the cancelled waiter");
	cr_assert(!semaphore_took(quitter), "the cancelled waiter got nothing");
	future_free(holder);
	future_free(quitter);
	future_free(patient);
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, releasing_more_than_taken_is_an_error)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	int rc = semaphore_release(sem);
	REQUIRE_IMPLEMENTED(rc, "semaphore_release");
	cr_assert_eq(rc, -EOVERFLOW,
	             "semaphore_release: a release with the counter at its limit (1 of 1) must be "
	             "refused with -EOVERFLOW, as asyncio's BoundedSemaphore raises ValueError; it "
	             "returned %d",
	             rc);
	cr_assert_eq(semaphore_value(sem), 1, "the counter stays at its limit");
	semaphore_free(sem);
	loop_free(loop);
}

Test(semaphore, freeing_it_cancels_the_waiters)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem), *waiter = acquire(sem);
	semaphore_free(sem);
	cr_assert(future_cancelled(waiter), "a waiter of a freed semaphore is cancelled");
	future_free(holder);
	future_free(waiter);
	loop_free(loop);
}

/* A coroutine that takes a slot the asyncio way, keeping its own
 * reference to the acquire future, and gives it back however it ends. */
struct user {
	int resume_point;
	struct semaphore *sem;
	struct future *acquiring;
	bool gave_back;
};

static int user_step(struct task *task, void *frame)
{
	struct user *u = frame;
	int outcome;
	CORO_BEGIN(u);
	u->acquiring = semaphore_acquire(u->sem);
	CORO_TRY_AWAIT(task, u, future_retain(u->acquiring), outcome);
	if (semaphore_took(u->acquiring)) {
		/* Even when the outcome is -ECANCELED: the slot is ours. */
		semaphore_release(u->sem);
		u->gave_back = true;
	}
	if (outcome < 0)
		return task_raise(task, outcome, NULL);
	CORO_END(task, u);
}

Test(semaphore, a_slot_handed_to_a_cancelled_task_is_given_back)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem);
	struct user u = { .sem = sem };
	struct future *task = task_create(loop, "user", user_step, &u, NULL);
	loop_run_once(loop); /* the task starts and waits for the slot */
	cr_assert(u.acquiring && !future_done(u.acquiring), "the task waits for the slot");
	release(sem); /* handed over: the acquire future is finished ... */
	task_cancel(task, "too late"); /* ... but the task is cancelled before it runs */
	cr_assert_eq(loop_run_until_complete(loop, task), 0, "the task ends");
	cr_assert(future_cancelled(task), "the task ends CANCELLED");
	cr_assert(u.gave_back, "it saw that the slot was its own, and gave it back");
	cr_assert_eq(semaphore_value(sem), 1, "no slot is lost");
	future_free(u.acquiring);
	future_free(task);
	future_free(holder);
	semaphore_free(sem);
	loop_free(loop);
}

/* Counts the frees of a future it is hung on (future_class.release). */
static int released;

static void count_release(void *self)
{
	(void)self;
	released++;
}

static const struct future_class watched = { .name = "watched", .release = count_release };

Test(semaphore, a_waiter_handed_a_slot_is_let_go_of)
{
	struct loop *loop = loop_new();
	struct semaphore *sem = semaphore_new(loop, 1);
	struct future *holder = acquire(sem), *waiter = acquire(sem);
	future_set_class(waiter, &watched, NULL);
	released = 0;
	release(sem);
	cr_assert(semaphore_took(waiter),
	          "semaphore_release: a release with a waiter queued hands the slot to it at once: "
	          "its future finishes, and the counter stays where it was");
	future_free(waiter);
	cr_assert_eq(released, 1,
	             "semaphore_release: the waiter's future is still held after the slot was "
	             "handed to it: the queue took a reference when it queued the waiter, and "
	             "must give it back (future_free) once the waiter is out of the queue, or "
	             "every wait that ever queued leaks its future");
	release(sem);
	future_free(holder);
	semaphore_free(sem);
	loop_free(loop);
}
