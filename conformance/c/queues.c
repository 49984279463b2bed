/*
 * queues.c - Queue, LifoQueue and PriorityQueue (chapter 7).
 *
 * Mirrors: conformance/python/queues.py, case for case where the C side
 * has one. Items are small ints in the pointer (INT_VALUE), or a word.
 * `put_with_a_waiting_getter` is where ours differs: the item goes
 * straight into the woken getter's hands, so qsize() is 0 where asyncio
 * says 1 (queue-hand-over on asyncio-differences.md).
 */
#include "harness.h"

#include <stdio.h>

#if CHAPTER >= 7
struct frame {
	int resume_point;
	struct harness *h;
	struct queue *q;
	struct future *getter;
	int got[3];
	int i, outcome;
};

static int compare_ints(const void *a, const void *b)
{
	return VALUE_AS_INT(a) - VALUE_AS_INT(b);
}

/* Put 1, 3, 2, then get three items: result=[a,b,c]. */
static int three_in_three_out(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	static const int in[] = { 1, 3, 2 };
	for (int i = 0; i < 3; i++)
		if (queue_put_nowait(f->q, INT_VALUE(in[i])) < 0)
			h_fail(f->h, "put_nowait refused an item of an unbounded queue");
	for (f->i = 0; f->i < 3; f->i++) {
		CORO_AWAIT(task, f, h_check(queue_get(f->q), "queue_get"));
		f->got[f->i] = VALUE_AS_INT(task_await_result(task));
	}
	outcome_add(&f->h->out, NULL, "result=[%d,%d,%d]", f->got[0], f->got[1], f->got[2]);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_fifo_order(struct harness *h)
{
	H_MAIN(h, three_in_three_out, struct frame, .h = h,
	       .q = h_check(queue_new(h->loop, 0), "queue_new"));
}

static void queue_lifo_order(struct harness *h)
{
	H_MAIN(h, three_in_three_out, struct frame, .h = h,
	       .q = h_check(lifo_queue_new(h->loop, 0), "lifo_queue_new"));
}

static void queue_priority_order(struct harness *h)
{
	H_MAIN(h, three_in_three_out, struct frame, .h = h,
	       .q = h_check(priority_queue_new(h->loop, 0, compare_ints), "priority_queue_new"));
}

static void queue_get_nowait_empty(struct harness *h)
{
	struct queue *q = h_check(queue_new(h->loop, 0), "queue_new");
	void *item;
	tok_call(&h->out, NULL, queue_get_nowait(q, &item), "get_nowait");
	queue_free(q);
}

static void queue_put_nowait_full(struct harness *h)
{
	struct queue *q = h_check(queue_new(h->loop, 1), "queue_new");
	if (queue_put_nowait(q, INT_VALUE(1)) < 0)
		h_fail(h, "put_nowait refused the first item of a queue of one");
	tok_call(&h->out, NULL, queue_put_nowait(q, INT_VALUE(2)), "put_nowait");
	queue_free(q);
}

static void queue_task_done_too_many(struct harness *h)
{
	struct queue *q = h_check(queue_new(h->loop, 0), "queue_new");
	tok_call(&h->out, NULL, queue_task_done(q), "task_done");
	queue_free(q);
}

static int join_empty_at_once(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 0), "queue_new");
	h_tick_start(f->h);
	f->getter = h_check(queue_join(f->q), "queue_join");
	CORO_TRY_AWAIT(task, f, future_retain(f->getter), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->getter, VALUE_NONE);
	h_iterations(f->h, &f->h->out, NULL);
	future_free(f->getter);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_join_empty_at_once(struct harness *h)
{
	H_MAIN(h, join_empty_at_once, struct frame, .h = h);
}

/* q.get() as a task of its own. */
static int get_one(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(queue_get(f->q), "queue_get"));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

static int put_with_a_waiting_getter(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 0), "queue_new");
	f->getter = H_TASK(f->h, get_one, struct frame, .h = f->h, .q = f->q);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	if (queue_put_nowait(f->q, "a") < 0)
		h_fail(f->h, "put_nowait refused an item of an unbounded queue");
	outcome_add(&f->h->out, NULL, "result=%zu", queue_qsize(f->q));
	CORO_TRY_AWAIT(task, f, future_retain(f->getter), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->getter, VALUE_WORD);
	future_free(f->getter);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_put_with_a_waiting_getter(struct harness *h)
{
	H_MAIN(h, put_with_a_waiting_getter, struct frame, .h = h);
}

/* putter(): put 0, 1 and 2, logging each once it is in. */
static int put_three(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	for (f->i = 0; f->i < 3; f->i++) {
		CORO_AWAIT(task, f, h_check(queue_put(f->q, INT_VALUE(f->i)), "queue_put"));
		h_log(f->h, "put%d", f->i);
	}
	CORO_END(task, f);
}

static int maxsize_holds_the_producer(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 2), "queue_new");
	f->getter = H_TASK(f->h, put_three, struct frame, .h = f->h, .q = f->q);
	for (f->i = 0; f->i < 2; f->i++) {
		CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
		h_log(f->h, "|");
	}
	CORO_AWAIT(task, f, h_check(queue_get(f->q), "queue_get"));
	h_log(f->h, "got%d", VALUE_AS_INT(task_await_result(task)));
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	h_log(f->h, "|");
	h_order(f->h, &f->h->out, NULL);
	future_free(f->getter);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_maxsize_holds_the_producer(struct harness *h)
{
	H_MAIN(h, maxsize_holds_the_producer, struct frame, .h = h);
}

/* worker(): take items for ever, adding them up; task_done for each but
 * the hundredth. */
struct summer {
	int resume_point;
	struct queue *q;
	int *total, *taken;
};

static int sum_items(struct task *task, void *frame)
{
	struct summer *s = frame;
	CORO_BEGIN(s);
	for (;;) {
		CORO_AWAIT(task, s, h_check(queue_get(s->q), "queue_get"));
		*s->total += VALUE_AS_INT(task_await_result(task));
		if (++*s->taken < 100)
			queue_task_done(s->q);
	}
	CORO_END(task, s);
}

/* q.join() as a task of its own. */
static int join_queue(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(queue_join(f->q), "queue_join"));
	CORO_END(task, f);
}

struct join_frame {
	int resume_point;
	struct harness *h;
	struct queue *q;
	struct future *workers[2], *join;
	int total, taken, i;
};

static int join_waits_for_task_done(struct task *task, void *frame)
{
	struct join_frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 0), "queue_new");
	for (int i = 0; i < 100; i++)
		queue_put_nowait(f->q, INT_VALUE(i));
	for (int i = 0; i < 2; i++)
		f->workers[i] = H_TASK(f->h, sum_items, struct summer, .q = f->q,
		                       .total = &f->total, .taken = &f->taken);
	f->join = H_TASK(f->h, join_queue, struct frame, .h = f->h, .q = f->q);
	for (f->i = 0; f->i < 60; f->i++)
		CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, "join", f->join);
	queue_task_done(f->q);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, "join", f->join);
	outcome_add(&f->h->out, NULL, "result=%d", f->total);
	for (f->i = 0; f->i < 2; f->i++) {
		task_cancel(f->workers[f->i], NULL);
		CORO_AWAIT(task, f, h_settled(f->h, f->workers[f->i]));
		future_free(f->workers[f->i]);
	}
	future_free(f->join);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_join_waits_for_task_done(struct harness *h)
{
	H_MAIN(h, join_waits_for_task_done, struct join_frame, .h = h);
}

static int woken_getter_cancelled_keeps_the_item(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 0), "queue_new");
	f->getter = H_TASK(f->h, get_one, struct frame, .h = f->h, .q = f->q);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	queue_put_nowait(f->q, INT_VALUE(1));
	queue_put_nowait(f->q, INT_VALUE(2));
	task_cancel(f->getter, NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->getter));
	tok_state(&f->h->out, "reader", f->getter);
	for (f->i = 0; f->i < 2; f->i++) {
		CORO_AWAIT(task, f, h_check(queue_get(f->q), "queue_get"));
		f->got[f->i] = VALUE_AS_INT(task_await_result(task));
	}
	outcome_add(&f->h->out, NULL, "result=[%d,%d]", f->got[0], f->got[1]);
	future_free(f->getter);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_woken_getter_cancelled_keeps_the_item(struct harness *h)
{
	H_MAIN(h, woken_getter_cancelled_keeps_the_item, struct frame, .h = h);
}

/* q.put(2) as a task of its own. */
static int put_two(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_check(queue_put(f->q, INT_VALUE(2)), "queue_put"));
	CORO_END(task, f);
}

static int woken_putter_cancelled_puts_nothing(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->q = h_check(queue_new(f->h->loop, 1), "queue_new");
	queue_put_nowait(f->q, INT_VALUE(1));
	f->getter = H_TASK(f->h, put_two, struct frame, .h = f->h, .q = f->q);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	void *item;
	queue_get_nowait(f->q, &item);
	task_cancel(f->getter, NULL);
	CORO_AWAIT(task, f, h_settled(f->h, f->getter));
	tok_state(&f->h->out, "writer", f->getter);
	outcome_add(&f->h->out, NULL, "result=%zu", queue_qsize(f->q));
	tok_bool(&f->h->out, NULL, queue_full(f->q));
	future_free(f->getter);
	queue_free(f->q);
	CORO_END(task, f);
}

static void queue_woken_putter_cancelled_puts_nothing(struct harness *h)
{
	H_MAIN(h, woken_putter_cancelled_puts_nothing, struct frame, .h = h);
}
#endif

const struct conformance_case queues_cases[] = {
	{ "queue.fifo_order", NEEDS_COORDINATION, FROM_COORDINATION(queue_fifo_order) },
	{ "queue.lifo_order", NEEDS_COORDINATION, FROM_COORDINATION(queue_lifo_order) },
	{ "queue.priority_order", NEEDS_COORDINATION, FROM_COORDINATION(queue_priority_order) },
	{ "queue.maxsize_holds_the_producer", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_maxsize_holds_the_producer) },
	{ "queue.get_nowait_empty", NEEDS_COORDINATION, FROM_COORDINATION(queue_get_nowait_empty) },
	{ "queue.put_nowait_full", NEEDS_COORDINATION, FROM_COORDINATION(queue_put_nowait_full) },
	{ "queue.task_done_too_many", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_task_done_too_many) },
	{ "queue.join_waits_for_task_done", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_join_waits_for_task_done) },
	{ "queue.join_empty_at_once", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_join_empty_at_once) },
	{ "queue.woken_getter_cancelled_keeps_the_item", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_woken_getter_cancelled_keeps_the_item) },
	{ "queue.woken_putter_cancelled_puts_nothing", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_woken_putter_cancelled_puts_nothing) },
	{ "queue.put_with_a_waiting_getter", NEEDS_COORDINATION,
	  FROM_COORDINATION(queue_put_with_a_waiting_getter) },
	{ NULL, 0, NULL },
};
