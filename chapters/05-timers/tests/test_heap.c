/*
 * test_heap.c - the timer heap on its own: against a sorted reference
 * over a long random sequence of push, cancel and pop (fixed seed), and
 * compaction: cancelled timers are dropped once they are more than half,
 * so a million cancelled timers do not stay.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_faults.h"
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

/* The first place where HEAP breaks the heap rule (a parent never later
 * than its children, by deadline then seq), or 0 if it holds. */
static size_t first_out_of_order(const struct timer_heap *heap)
{
	for (size_t i = 1; i < heap->count; i++) {
		const struct timer_entry *parent = &heap->items[(i - 1) / 2],
		                         *child = &heap->items[i];
		if (child->when < parent->when ||
		    (child->when == parent->when && child->seq < parent->seq))
			return i;
	}
	return 0;
}

/* Deadlines in an order that makes a new timer rise by several levels,
 * with ties, as the loop's timers come. */
static const double push_order[] = { 40, 35, 30, 25, 20, 15, 10, 35, 5, 20, 20, 1, 0.5, 45, 20 };

/* Push H into HEAP and check the heap rule, naming timer_heap_push. */
static void push_and_check(struct timer_heap *heap, struct handle *h)
{
	push(heap, h);
	cr_assert(h->heap == heap,
	          "timer_heap_push: the timer pushed does not point at its heap "
	          "(handle->heap): handle_cancel counts a cancelled timer in its heap through "
	          "it, and compaction depends on that count");
	size_t bad = first_out_of_order(heap);
	cr_assert_eq(bad, 0,
	             "timer_heap_push: after pushing (%g, seq %llu), items[%zu] = (%g, %llu) sits "
	             "under its parent items[%zu] = (%g, %llu), which comes later. A new timer "
	             "goes at the end and rises: while it comes before its parent (i - 1) / 2, "
	             "an earlier deadline, or the same one and a smaller seq (equal deadlines "
	             "fire first in, first out), the parent moves down, all the way up to the "
	             "root if need be",
	             h->when, h->seq, bad, heap->items[bad].when, heap->items[bad].seq,
	             (bad - 1) / 2, heap->items[(bad - 1) / 2].when,
	             heap->items[(bad - 1) / 2].seq);
}

Test(heap, every_push_keeps_the_earliest_timer_on_top)
{
	enum { FIXED = sizeof push_order / sizeof push_order[0], N = FIXED + 300 };
	struct timer_heap heap = { 0 };
	struct handle **h = calloc(N, sizeof *h);
	cr_assert(h != NULL, "calloc");
	/* Every timer_heap_push is checked: the timer knows its heap, and the
	 * array is a heap again. */
	srand(7);
	for (size_t k = 0; k < N; k++) {
		/* Then many more, with few distinct deadlines: ties are common. */
		double when = k < FIXED ? push_order[k] : (double)(rand() % 60);
		h[k] = timer(when, k);
		push_and_check(&heap, h[k]);
	}
	for (size_t k = 0; k < N; k++) {
		handle_free(timer_heap_pop(&heap));
		handle_free(h[k]);
	}
	free(h);
	timer_heap_clear(&heap);
}

Test(heap, compaction_leaves_a_heap)
{
	enum { N = 40, ROUNDS = 50 };
	srand(11);
	for (int round = 0; round < ROUNDS; round++) {
		struct timer_heap heap = { 0 };
		struct handle *h[N];
		/* Deadlines scattered, so the survivors in array order are no heap. */
		for (int i = 0; i < N; i++) {
			h[i] = timer((double)(rand() % 100), (unsigned long long)i);
			push(&heap, h[i]);
		}
		for (int i = 0; i < N; i++)
			if (i % 4 != round % 4)
				handle_cancel(h[i]);
		int dropped = compact(&heap);
		for (size_t i = 0; i < heap.count; i++)
			cr_assert_neq(heap.items[i].handle->state, HANDLE_CANCELLED,
			              "timer_heap_compact: 30 of the 40 timers were cancelled, and "
			              "items[%zu] of the %zu left is still one of them: once more than "
			              "half are cancelled, every cancelled timer goes. If you fill a "
			              "dropped timer's slot with another timer, look at that one too",
			              i, heap.count);
		cr_assert_eq(
		        dropped, 30,
		        "timer_heap_compact: 30 of the 40 timers were cancelled, and it returned "
		        "%d: it returns how many it dropped, not how many are left",
		        dropped);
		size_t bad = first_out_of_order(&heap);
		cr_assert_eq(
		        bad, 0,
		        "timer_heap_compact: after the rebuild, items[%zu] = (%g, %llu) sits "
		        "under its parent items[%zu] = (%g, %llu), which comes later. Dropping "
		        "timers from the array breaks the heap order: make the survivors a heap "
		        "again by sifting down every parent, from the last one (kept / 2 - 1) "
		        "back to the root, so that each one sinks into subtrees that are heaps "
		        "already",
		        bad, heap.items[bad].when, heap.items[bad].seq, (bad - 1) / 2,
		        heap.items[(bad - 1) / 2].when, heap.items[(bad - 1) / 2].seq);
		for (int i = 0; i < N; i++)
			handle_free(h[i]);
		timer_heap_clear(&heap);
	}
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
		          "op %d: after compaction the heap counts %zu cancelled timers of %zu: "
		          "a compaction that runs drops every cancelled timer and sets "
		          "heap->cancelled back to 0; one that does not run leaves at most half",
		          op, heap.cancelled, heap.count);
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
	int dropped = compact(&heap);
	cr_assert_eq(dropped, 0,
	             "timer_heap_compact: exactly half of the 1000 timers are cancelled and it "
	             "returned %d: a rebuild costs a pass over the whole array, so it waits until "
	             "MORE than half are cancelled (cancelled * 2 > count); at half, drop nothing",
	             dropped);
	cr_assert_eq(heap.count, 1000, "every timer is still in the heap");
	handle_cancel(h[1]);
	dropped = compact(&heap);
	cr_assert_eq(heap.count, 499,
	             "timer_heap_compact: 501 of 1000 timers were cancelled, and %zu remain: more "
	             "than half are cancelled, so every cancelled one goes",
	             heap.count);
	cr_assert_eq(dropped, 501,
	             "timer_heap_compact dropped the 501 cancelled timers and returned %d: it "
	             "returns how many it dropped, not how many are left",
	             dropped);
	cr_assert_eq(heap.cancelled, 0,
	             "timer_heap_compact dropped every cancelled timer, yet heap->cancelled says "
	             "%zu: set it back to 0, or the next compaction counts timers that are gone",
	             heap.cancelled);
	/* The dropped timers were the heap's to let go of: only the test's
	 * reference is left on each, or nobody would ever free them. */
	for (int i = 0; i < 1000; i += 2) {
		cr_assert_eq(
		        h[i]->references, 1,
		        "timer_heap_compact: a cancelled timer dropped by compaction still has %d "
		        "references: "
		        "the heap held one and must give it back (handle_free) as it drops "
		        "the timer, or the timer leaks; only its owner's reference is left",
		        h[i]->references);
		cr_assert(h[i]->heap == NULL,
		          "timer_heap_compact: a dropped timer still points at the heap "
		          "(handle->heap): a handle points at its heap only while it waits in it, "
		          "so set it to NULL as you drop the timer, as remove_top does");
	}
	for (int i = 3; i < 1000; i += 2) {
		struct handle *got = timer_heap_pop(&heap);
		cr_assert(got == h[i], "the rebuilt heap still gives deadline %d next", i);
		handle_free(got);
	}
	for (int i = 0; i < 1000; i++)
		handle_free(h[i]);
	timer_heap_clear(&heap);
}

Test(heap, a_push_that_finds_no_room_leaves_the_heap_as_it_was)
{
	struct timer_heap heap = { 0 };
	enum { MAX = 4096 };
	struct handle **h = calloc(MAX + 1, sizeof *h);
	cr_assert(h != NULL, "calloc");
	/* Fill the array to its capacity, whatever the growth policy. */
	size_t n = 0;
	do {
		h[n] = timer((double)(MAX - n), (unsigned long long)n);
		push_and_check(&heap, h[n]);
		n++;
	} while (heap.count < heap.capacity && n < MAX);
	cr_assert_eq(heap.count, heap.capacity, "the array is full");
	struct handle *extra = timer(0.5, (unsigned long long)n);
	alloc_faults_refuse(0, 0);
	int rc = timer_heap_push(&heap, extra);
	alloc_faults_stop();
	cr_assert_eq(rc, -ENOMEM, "with no memory to grow the array, timer_heap_push says -ENOMEM");
	cr_assert_eq(heap.count, n,
	             "timer_heap_push: it returned -ENOMEM, and the heap counts %zu timers, not "
	             "the %zu it held: when the array cannot grow, the heap is as it was. Grow "
	             "first, and only then count the new timer in",
	             heap.count, n);
	cr_assert_eq(first_out_of_order(&heap), 0,
	             "timer_heap_push: it returned -ENOMEM and left the array out of heap order: "
	             "when the array cannot grow, the heap is as it was");
	push(&heap, extra);
	cr_assert(timer_heap_pop(&heap) == extra, "pushed again with memory, it comes first");
	handle_free(extra);
	for (size_t i = n; i-- > 0;) {
		struct handle *got = timer_heap_pop(&heap);
		cr_assert(got == h[i], "then the others, in order");
		handle_free(got);
	}
	for (size_t i = 0; i < n; i++)
		handle_free(h[i]);
	handle_free(extra);
	timer_heap_clear(&heap);
	free(h);
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
