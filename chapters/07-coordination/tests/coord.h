/*
 * coord.h - what the tests of the coordination primitives share: a
 * journal that tasks write words into, so that a test compares the order
 * of events with one string, and "user", a coroutine that takes a
 * primitive (a lock, a semaphore, a queue's item...), holds it for a few
 * iterations, and gives it back.
 *
 * The tests drive the loop one iteration at a time (run_once), which is
 * what `await asyncio.sleep(0)` in CPython's own tests does for the test's
 * task: everything that was ready runs once.
 */
#ifndef COORD_H
#define COORD_H

#include <stdint.h>

#include "probe.h"
#include "sleep.h"
#include "waiter.h"

static char journal[4096];

static inline void journal_reset(void)
{
	journal[0] = '\0';
}

/* Append WORD and a space to the journal. */
static inline void write_down(const char *word)
{
	size_t len = strlen(journal);
	snprintf(journal + len, sizeof journal - len, "%s ", word);
}

/* Run N iterations. */
static inline void run_iterations(struct loop *loop, int n)
{
	for (int i = 0; i < n; i++)
		run_once(loop);
}

/* What a user waits for, and how it gives it back. */
typedef struct future *take_fn(void *thing);
typedef int give_back_fn(void *thing);

/*
 * A user: awaits TAKE(THING) (caught, so that the test reads the
 * outcome), writes "NAME" into the journal once it has it, then gives way
 * HOLD times (task_yield) and calls GIVE_BACK(THING), writing "NAME-"
 * after it. A cancellation is written as "NAME!".
 */
struct user {
	int resume_point;
	const char *name;
	void *thing;
	take_fn *take;
	give_back_fn *give_back; /* NULL: keep it */
	int hold;
	struct loop *loop;
	int outcome;
	void *value; /* the result of the take */
	int i;
	char word[32];
};

static inline int user_step(struct task *task, void *frame)
{
	struct user *u = frame;
	CORO_BEGIN(u);
	CORO_TRY_AWAIT(task, u, u->take(u->thing), u->outcome);
	if (u->outcome < 0) {
		snprintf(u->word, sizeof u->word, "%s!", u->name);
		write_down(u->word);
		return task_raise(task, u->outcome, NULL);
	}
	u->value = task_await_result(task);
	write_down(u->name);
	for (u->i = 0; u->i < u->hold; u->i++)
		CORO_AWAIT(task, u, task_yield(u->loop));
	if (u->give_back) {
		int rc = u->give_back(u->thing);
		REQUIRE_IMPLEMENTED(rc, "a release");
		cr_assert_eq(rc, 0, "%s gives it back: %s", u->name, strerror(-rc));
		snprintf(u->word, sizeof u->word, "%s-", u->name);
		write_down(u->word);
	}
	CORO_END(task, u);
}

/* A user task on U (owned by the test). */
static inline struct future *user_task(struct loop *loop, struct user *u)
{
	u->loop = loop;
	struct future *task = task_create(loop, u->name, user_step, u, NULL);
	cr_assert(task != NULL, "task_create returns the task's future");
	return task;
}

/* A future from a primitive: not NULL, and not a starter's stub. */
static inline struct future *taken(struct future *future, const char *what)
{
	cr_assert(future != NULL, "%s returns a future", what);
	const struct future_error *error = error_of(future);
	cr_assert(error == NULL || error->code != -ENOSYS, "%s", error ? error->message : "");
	return future;
}

/* The result of a finished future, as an int (a barrier's index...). */
static inline int int_result(struct future *future)
{
	void *value = NULL;
	cr_assert_eq(future_result(future, &value), 0, "the future finished with a result");
	return (int)(intptr_t)value;
}

#endif
