/*
 * test_heap.c - the timer heap on its own: against a sorted reference
 * over a long random sequence of push, cancel and pop (fixed seed), and
 * compaction: cancelled timers are dropped once they are more than half,
 * so a million cancelled timers do not stay.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "testkit.h"
#include "timer_heap.h"

TestSuite(heap, .timeout = 60);

static void nothing(void *arg)
{
	(void)arg;
}

/* A handle as the loop makes one: two references, the test's and the
 * heap's. */
static struct handle *timer(double when, unsigned long long seq)
{
	struct handle *h = handle_new(nothing, NULL, "nothing");
	cr_assert(h != NULL, "handle_new");
	h->when = when;
	h->seq = seq;
	return h;
}

static void push(struct timer_heap *heap, struct handle *h)
{
	int rc = timer_heap_push(heap, h);
	REQUIRE_IMPLEMENTED(rc, "timer_heap_push");
	cr_assert_eq(rc, 0, "timer_heap_push");
}

static int compact(struct timer_heap *heap)
{
	int rc = timer_heap_compact(heap);
	REQUIRE_IMPLEMENTED(rc, "timer_heap_compact");
	return rc;
}

/* The reference: live timers in an array kept sorted by (when, seq). */
struct reference {
	struct handle **items;
	size_t count;
};

static bool before(const struct handle *a, const struct handle *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void reference_insert(struct reference *r, struct handle *h)
{
	size_t i = r->count;
	while (i > 0 && before(h, r->items[i - 1]))
		i--;
	memmove(&r->items[i + 1], &r->items[i], (r->count - i) * sizeof *r->items);
	r->items[i] = h;
	r->count++;
}

static struct handle *reference_take(struct reference *r, size_t i)
{
	struct handle *h = r->items[i];
	memmove(&r->items[i], &r->items[i + 1], (r->count - i - 1) * sizeof *r->items);
	r->count--;
	return h;
}

Test(heap, agrees_with_a_sorted_reference_over_200000_random_operations)
{
	enum { OPERATIONS = 200000, PHASE = 1000 };
	struct timer_heap heap = { 0 };
	struct reference ref = { calloc(OPERATIONS, sizeof(struct handle *)), 0 };
	cr_assert(ref.items != NULL, "calloc");
	srand(20240605);
	unsigned long long seq = 0;
	for (int op = 0; op < OPERATIONS; op++) {
		/* Phases that grow the heap, then phases that shrink it. */
		int roll = rand() % 100, grow = (op / PHASE) % 2 == 0 ? 70 : 25;
		if (roll < grow || ref.count == 0) {
			/* Few distinct deadlines: ties are common, and seq decides. */
			struct handle *h = timer((double)(rand() % 200) / 4.0, seq++);
			push(&heap, h);
			reference_insert(&ref, h);
		} else if (roll < grow + (100 - grow) / 3) {
			struct handle *h = reference_take(&ref, (size_t)rand() % ref.count);
			handle_cancel(h);
			cr_assert(handle_cancelled(h),
			          "op %d: a timer in the heap can be cancelled", op);
			handle_free(h);
		} else {
			struct handle *got = timer_heap_pop(&heap);
			struct handle *expected = reference_take(&ref, 0);
			cr_assert(got == expected,
			          "op %d: pop gives (%g, %llu), the reference says (%g, %llu)", op,
			          got ? got->when : -1.0, got ? got->seq : 0ULL, expected->when,
			          expected->seq);
			handle_free(got);
			handle_free(expected);
		}
		cr_assert_eq(timer_heap_live(&heap), ref.count,
		             "op %d: live timers %zu, expected %zu", op, timer_heap_live(&heap),
		             ref.count);
		/* As the loop does at the start of every iteration. */
		compact(&heap);
		cr_assert(heap.cancelled * 2 <= heap.count,
		          "op %d: after compaction at most half the heap is cancelled", op);
	}
	while (ref.count > 0) {
		struct handle *got = timer_heap_pop(&heap);
		struct handle *expected = reference_take(&ref, 0);
		cr_assert(got == expected, "draining: the heap and the reference agree");
		handle_free(got);
		handle_free(expected);
	}
	cr_assert_null(timer_heap_pop(&heap), "both are empty at the end");
	timer_heap_clear(&heap);
	free(ref.items);
}

Test(heap, compaction_waits_until_more_than_half_is_cancelled)
{
	struct timer_heap heap = { 0 };
	struct handle *h[1000];
	for (int i = 0; i < 1000; i++) {
		h[i] = timer((double)i, (unsigned long long)i);
		push(&heap, h[i]);
	}
	for (int i = 0; i < 500; i++)
		handle_cancel(h[i * 2]);
	cr_assert_eq(compact(&heap), 0, "exactly half cancelled: not worth a rebuild yet");
	cr_assert_eq(heap.count, 1000, "every timer is still in the heap");
	handle_cancel(h[1]);
	cr_assert_eq(compact(&heap), 501, "one more than half: the 501 cancelled are dropped");
	cr_assert_eq(heap.count, 499, "499 live timers remain");
	cr_assert_eq(heap.cancelled, 0, "none of them cancelled");
	for (int i = 3; i < 1000; i += 2) {
		struct handle *got = timer_heap_pop(&heap);
		cr_assert(got == h[i], "the rebuilt heap still gives deadline %d next", i);
		handle_free(got);
	}
	for (int i = 0; i < 1000; i++)
		handle_free(h[i]);
	timer_heap_clear(&heap);
}

Test(heap, a_million_cancelled_timers_do_not_stay)
{
	struct timer_heap heap = { 0 };
	struct handle *keeper = timer(1e9, 0);
	push(&heap, keeper);
	size_t most = 0;
	for (unsigned long long i = 1; i <= 1000000; i++) {
		/* A timeout set and cancelled, as every wait_for that finishes
		 * in time does; the test lets go of it at once. */
		struct handle *h = timer((double)i, i);
		push(&heap, h);
		handle_cancel(h);
		handle_free(h);
		if (i % 100 == 0)
			compact(&heap); /* one loop iteration per 100 timeouts */
		if (heap.count > most)
			most = heap.count;
	}
	compact(&heap);
	cr_assert_leq(most, 201, "never more than one iteration's worth of dead timers (%zu)",
	              most);
	cr_assert_eq(heap.count, 1, "at the end only the live timer is left");
	cr_assert_leq(heap.capacity, 256, "and the array never grew past a few hundred slots");
	handle_free(keeper);
	timer_heap_clear(&heap);
}
