/*
 * trap.c - the classic trap of stackless coroutines: a C local does not
 * survive an await.
 *
 *   trap            sum 1..5 with the running total in the frame: 15
 *   trap --broken   the same with the total in a C local: wrong
 *
 * Mirrors: nothing in asyncio, where a coroutine's locals live in its
 * frame by construction. Here the step function returns at every await,
 * and everything on its C stack is gone; the next step starts the function
 * afresh, runs `int total = 0;` again, and jumps into the middle of the
 * loop. The compiler cannot warn: as C, the program is correct. The rule:
 * whatever is needed after an await lives in the frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "task.h"

struct summer {
	int resume_point;
	struct loop *loop;
	int i;
	int total; /* the fixed version keeps the running total here */
};

/* Wrong on purpose: TOTAL lives on the C stack, and every resumption
 * starts it again at 0. */
static int sum_broken(struct task *task, void *frame)
{
	struct summer *s = frame;
	int total = 0;
	CORO_BEGIN(s);
	for (s->i = 1; s->i <= 5; s->i++) {
		total += s->i;
		CORO_AWAIT(task, s, task_yield(s->loop));
	}
	printf("sum of 1..5 = %d\n", total);
	CORO_END(task, s);
}

/* Right: the running total is part of the frame, like the counter. */
static int sum_fixed(struct task *task, void *frame)
{
	struct summer *s = frame;
	CORO_BEGIN(s);
	s->total = 0;
	for (s->i = 1; s->i <= 5; s->i++) {
		s->total += s->i;
		CORO_AWAIT(task, s, task_yield(s->loop));
	}
	printf("sum of 1..5 = %d\n", s->total);
	CORO_END(task, s);
}

int main(int argc, char **argv)
{
	bool broken = argc > 1 && strcmp(argv[1], "--broken") == 0;
	struct loop *loop = loop_new();
	struct summer *s = calloc(1, sizeof *s);
	if (!loop || !s) {
		fprintf(stderr, "trap: out of memory\n");
		free(s);
		loop_free(loop);
		return 1;
	}
	s->loop = loop;
	struct future *task = task_create(loop, "sum", broken ? sum_broken : sum_fixed, s, free);
	int rc = task ? loop_run_until_complete(loop, task) : -1;
	future_free(task);
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
