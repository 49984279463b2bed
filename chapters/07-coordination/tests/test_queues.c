/*
 * test_queues.c - asyncio.Queue, LifoQueue and PriorityQueue on futures:
 * the three orders, maxsize's backpressure, task_done and join, and what
 * happens to an item handed to a getter whose task is cancelled before
 * it runs. Several tests are CPython's own (test_queues.py).
 */
#include "alloc_faults.h"
#include "coord.h"
#include "queues.h"

TestSuite(queues, .timeout = 10);

/* Items are small numbers, as pointers. */
#define ITEM(n)   ((void *)(intptr_t)(n))
#define NUMBER(p) ((int)(intptr_t)(p))

static void put(struct queue *q, int n)
{
	int rc = queue_put_nowait(q, ITEM(n));
	REQUIRE_IMPLEMENTED(rc, "queue_put_nowait");
	cr_assert_eq(rc, 0, "queue_put_nowait(%d): %s", n, strerror(-rc));
}

static int get(struct queue *q)
{
	void *item = NULL;
	int rc = queue_get_nowait(q, &item);
	REQUIRE_IMPLEMENTED(rc, "queue_get_nowait");
	cr_assert_eq(rc, 0, "queue_get_nowait: %s", strerror(-rc));
	return NUMBER(item);
}

static int compare_numbers(const void *a, const void *b)
{
	return NUMBER(a) - NUMBER(b);
}

/* CPython's test_order for the three kinds: 1, 3, 2 put. */
Test(queues, fifo_lifo_and_priority_orders)
{
	struct loop *loop = quiet_loop();
	struct queue *fifo = queue_new(loop, 0), *lifo = lifo_queue_new(loop, 0);
	struct queue *prio = priority_queue_new(loop, 0, compare_numbers);
	struct queue *all[] = { fifo, lifo, prio };
	const char *want[] = { "1 3 2", "2 3 1", "1 2 3" };
	for (int k = 0; k < 3; k++) {
		put(all[k], 1);
		put(all[k], 3);
		put(all[k], 2);
		int first = get(all[k]), second = get(all[k]), third = get(all[k]);
		char got[16];
		snprintf(got, sizeof got, "%d %d %d", first, second, third);
		cr_assert_str_eq(got, want[k], "queue kind %d gives them back in its order", k);
	}
	for (int k = 0; k < 3; k++)
		queue_free(all[k]);
	loop_free(loop);
}

Test(queues, nowait_calls_say_empty_and_full)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 1);
	void *item;
	int rc = queue_get_nowait(q, &item);
	REQUIRE_IMPLEMENTED(rc, "queue_get_nowait");
	cr_assert_eq(rc, -EAGAIN, "asyncio: QueueEmpty");
	put(q, 7);
	cr_assert(queue_full(q) && queue_qsize(q) == 1, "one item: full at maxsize 1");
	cr_assert_eq(queue_put_nowait(q, ITEM(8)), -EAGAIN, "asyncio: QueueFull");
	cr_assert_eq(get(q), 7, "the item put");
	queue_free(q);
	loop_free(loop);
}

/* CPython's test_maxsize: a producer of three items into a queue of two
 * waits after two; one get lets it put the third. */
struct producer {
	int resume_point;
	struct queue *q;
	int i;
	char word[8];
};

static int producer_step(struct task *task, void *frame)
{
	struct producer *p = frame;
	CORO_BEGIN(p);
	for (p->i = 0; p->i < 3; p->i++) {
		CORO_AWAIT(task, p, taken(queue_put(p->q, ITEM(p->i)), "queue_put"));
		snprintf(p->word, sizeof p->word, "put%d", p->i);
		write_down(p->word);
	}
	CORO_END(task, p);
}

Test(queues, a_full_queue_holds_its_producer_back)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 2);
	journal_reset();
	struct producer p = { .q = q };
	struct future *t = task_create(loop, "producer", producer_step, &p, NULL);
	run_iterations(loop, 2);
	cr_assert_str_eq(journal, "put0 put1 ", "the producer is held back after two");
	cr_assert_eq(queue_qsize(q), 2, "the queue is full");
	cr_assert_eq(get(q), 0, "the first item out");
	run_once(loop);
	cr_assert_str_eq(journal, "put0 put1 put2 ", "the get let the third in");
	cr_assert_eq(get(q), 1, "then the second");
	cr_assert_eq(get(q), 2, "then the third");
	cr_assert(future_done(t), "the producer is done");
	future_free(t);
	queue_free(q);
	loop_free(loop);
}

/* join waits for a task_done per item; too many task_done is an error. */
Test(queues, join_waits_until_every_item_is_done)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 0);
	struct future *empty = taken(queue_join(q), "queue_join");
	cr_assert(future_done(empty), "nothing unfinished: join is done at once");
	future_free(empty);
	put(q, 1);
	put(q, 2);
	cr_assert_eq(queue_unfinished(q), 2,
	             "store: every item put counts as unfinished work until a task_done says "
	             "it is over, so that join() waits for it; two put, the queue counts %d",
	             (int)queue_unfinished(q));
	struct future *join = taken(queue_join(q), "queue_join");
	cr_assert(!future_done(join),
	          "store: a put clears the finished event (join's answer), so that a join "
	          "after it waits for the new item; two items are put and not done, yet "
	          "join is over at once");
	get(q);
	get(q);
	cr_assert_eq(queue_unfinished(q), 2, "taken, but not done");
	cr_assert_eq(queue_task_done(q), 0, "one done");
	run_once(loop);
	cr_assert(!future_done(join), "one unfinished item is left: join still waits");
	cr_assert_eq(queue_task_done(q), 0, "the other done");
	run_once(loop);
	cr_assert(future_done(join) && !future_cancelled(join), "now join is over");
	cr_assert_eq(queue_task_done(q), -EOVERFLOW,
	             "asyncio: ValueError, task_done() called "
	             "too many times");
	future_free(join);
	queue_free(q);
	loop_free(loop);
}

static struct future *get_item(void *q)
{
	return taken(queue_get(q), "queue_get");
}

/* CPython's test_get_cancel_drop_one_pending_reader: a getter handed an
 * item, then cancelled before it runs, must not lose it. */
Test(queues, an_item_handed_to_a_cancelled_getter_goes_back)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 0);
	journal_reset();
	struct user reader = { .name = "reader", .thing = q, .take = get_item };
	struct future *t = user_task(loop, &reader);
	run_once(loop);
	put(q, 1); /* handed to the waiting reader at once ... */
	put(q, 2);
	cancel(t, NULL); /* ... which is cancelled before it runs */
	run_until(loop, t);
	cr_assert(future_cancelled(t), "the reader ends CANCELLED");
	cr_assert_eq(get(q), 1, "1 went back to the front: had 2 come out, 1 was dropped");
	cr_assert_eq(get(q), 2, "then 2");
	future_free(t);
	queue_free(q);
	loop_free(loop);
}

/* The same for a LIFO queue: the item goes back under the later ones,
 * where it was. */
Test(queues, in_a_lifo_queue_it_goes_back_under_the_later_items)
{
	struct loop *loop = quiet_loop();
	struct queue *q = lifo_queue_new(loop, 0);
	journal_reset();
	struct user reader = { .name = "reader", .thing = q, .take = get_item };
	struct future *t = user_task(loop, &reader);
	run_once(loop);
	put(q, 1);
	put(q, 2);
	cancel(t, NULL);
	run_until(loop, t);
	cr_assert_eq(get(q), 2, "last in, first out: 2");
	cr_assert_eq(get(q), 1, "then 1, which was put first");
	future_free(t);
	queue_free(q);
	loop_free(loop);
}

/* CPython's test_put_cancel_drop: a putter woken by a get, then
 * cancelled before it runs, does not put its item. */
static struct future *put_two(void *q)
{
	return taken(queue_put(q, ITEM(2)), "queue_put");
}

Test(queues, a_putter_cancelled_after_it_was_woken_puts_nothing)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 1);
	journal_reset();
	put(q, 1);
	struct user writer = { .name = "writer", .thing = q, .take = put_two };
	struct future *t = user_task(loop, &writer);
	run_once(loop);
	cr_assert_eq(get(q), 1, "the get makes room, and wakes the writer");
	cancel(t, NULL);
	run_until(loop, t);
	cr_assert(future_cancelled(t), "the writer ends CANCELLED");
	cr_assert_eq(queue_qsize(q), 0, "its item was not put");
	cr_assert(!queue_full(q), "and its slot is free again");
	put(q, 2);
	cr_assert_eq(get(q), 2, "a new put goes through");
	future_free(t);
	queue_free(q);
	loop_free(loop);
}

/*
 * Pinned on purpose, a difference from asyncio
 * (docs/asyncio-differences.md#queue-hand-over): a put with a getter
 * waiting hands the item over at once, so qsize() is 0 before the getter
 * runs (asyncio: 1, and get_nowait could take it first).
 */
Test(queues, a_waiting_getter_is_handed_the_item_at_once)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 0);
	journal_reset();
	struct user reader = { .name = "reader", .thing = q, .take = get_item };
	struct future *t = user_task(loop, &reader);
	run_once(loop);
	put(q, 5);
	cr_assert_eq(queue_qsize(q), 0,
	             "store: a getter was waiting, so the item goes straight into its hands "
	             "(wake_a_getter, once the item is stored), or it waits beside a queue "
	             "that holds an item; qsize is %d, not 0",
	             (int)queue_qsize(q));
	void *item;
	cr_assert_eq(queue_get_nowait(q, &item), -EAGAIN, "nobody can take it in between");
	cr_assert_eq(queue_unfinished(q), 1,
	             "store: an item handed straight to a getter still counts as unfinished "
	             "work until its task_done, so that join() waits for it; the queue counts "
	             "%d",
	             (int)queue_unfinished(q));
	run_until(loop, t);
	cr_assert_eq(NUMBER(reader.value), 5, "the reader has it");
	future_free(t);
	queue_free(q);
	loop_free(loop);
}

/* CPython's test_task_done: two consumers, a hundred items, join. */
struct consumer {
	int resume_point;
	struct queue *q;
	long *sum;
};

static int consumer_step(struct task *task, void *frame)
{
	struct consumer *c = frame;
	CORO_BEGIN(c);
	for (;;) {
		CORO_AWAIT(task, c, get_item(c->q));
		*c->sum += NUMBER(task_await_result(task));
		queue_task_done(c->q);
	}
	CORO_END(task, c);
}

Test(queues, consumers_and_join)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 0);
	long sum = 0;
	for (int i = 0; i < 100; i++)
		put(q, i);
	struct consumer c1 = { .q = q, .sum = &sum }, c2 = { .q = q, .sum = &sum };
	struct future *t1 = task_create(loop, "c1", consumer_step, &c1, NULL);
	struct future *t2 = task_create(loop, "c2", consumer_step, &c2, NULL);
	struct future *join = taken(queue_join(q), "queue_join");
	run_until(loop, join);
	cr_assert_eq(sum, 4950, "every item was consumed before join returned");
	cancel(t1, NULL);
	cancel(t2, NULL);
	run_until(loop, t1);
	run_until(loop, t2);
	cr_assert(future_cancelled(t1) && future_cancelled(t2), "the consumers are stopped");
	future_free(join);
	future_free(t1);
	future_free(t2);
	queue_free(q);
	loop_free(loop);
}

Test(queues, freeing_it_cancels_the_waiters)
{
	struct loop *loop = quiet_loop();
	struct queue *full = queue_new(loop, 1), *empty = queue_new(loop, 0);
	put(full, 1);
	struct future *putter = taken(queue_put(full, ITEM(2)), "queue_put");
	struct future *joiner = taken(queue_join(full), "queue_join");
	struct future *getter = get_item(empty);
	cr_assert(!future_done(putter) && !future_done(joiner) && !future_done(getter),
	          "all three wait");
	queue_free(full);
	queue_free(empty);
	cr_assert(future_cancelled(putter) && future_cancelled(joiner) && future_cancelled(getter),
	          "waiting puts, gets and joins are cancelled");
	run_once(loop);
	future_free(getter);
	future_free(putter);
	future_free(joiner);
	loop_free(loop);
}

/* An item that cannot be stored (out of memory) changes nothing: it is
 * not counted as work, so join() does not wait for an item that is not
 * there and that nobody will ever call task_done for. */
Test(queues, an_item_that_cannot_be_stored_changes_nothing)
{
	struct loop *loop = quiet_loop();
	struct queue *q = queue_new(loop, 0);
	cr_assert(q != NULL, "queue_new");
	int item = 1;
	alloc_faults_refuse(0, 0); /* every allocation fails */
	int rc = queue_put_nowait(q, &item);
	alloc_faults_stop();
	REQUIRE_IMPLEMENTED(rc, "store");
	cr_assert_eq(rc, -ENOMEM, "the first item needs room, which cannot be had: -ENOMEM (got %d)",
	             rc);
	cr_assert_eq(queue_unfinished(q), 0,
	             "store: the item was refused (-ENOMEM), so nothing may have changed, but "
	             "it counts as unfinished work (%zu): push the item first, and count it "
	             "only once it is in; join() would wait for ever for an item that is not "
	             "there",
	             queue_unfinished(q));
	struct future *join = queue_join(q);
	cr_assert(join != NULL, "queue_join");
	cr_assert(future_done(join),
	          "store: nothing is in the queue and nothing is unfinished, so join() is done "
	          "at once; a refused item must leave the finished event set");
	future_free(join);
	queue_free(q);
	loop_free(loop);
}
