/*
 * test_drain.c - the drain on its own, without the network: what
 * start_next does when a download cannot start. The downloads here are
 * plain futures the test finishes by hand; START is the test's.
 */
#include "alloc_faults.h"
#include "drain.h"
#include "probe.h"

TestSuite(drain, .timeout = 10);

/* What START does for each index, and the futures it handed out. */
struct starts {
	struct loop *loop;
	size_t fails_at;          /* this index gets NULL: "could not start" */
	size_t starved_at;        /* after this one, the next allocation fails */
	struct future *given[4];  /* the test's own reference to each */
	size_t count;
};

static struct future *start(size_t index, void *arg)
{
	struct starts *s = arg;
	s->count++;
	if (index == s->fails_at)
		return NULL;
	struct future *f = future_new(s->loop);
	cr_assert(f != NULL, "future_new");
	s->given[index] = future_retain(f);
	if (index == s->starved_at)
		alloc_faults_refuse(0, 1); /* the drain's next allocation fails */
	return f;
}

/* Run the drain until the loop is idle; its future must be done. */
static struct future *run_drain(struct loop *loop, struct drain *d)
{
	struct future *all = drain_run(d);
	cr_assert(all != NULL, "drain_run");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "start_next");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	REQUIRE_NO_STUB();
	return all;
}

static void free_all(struct loop *loop, struct drain *d, struct future *all, struct starts *s)
{
	future_free(all);
	drain_free(d);
	for (size_t i = 0; i < 4; i++)
		future_free(s->given[i]);
	loop_free(loop);
}

Test(drain, waits_for_every_download_it_started)
{
	struct loop *loop = quiet_loop();
	struct starts s = { .loop = loop, .fails_at = 99, .starved_at = 99 };
	struct drain *d = drain_new(loop, 2, 2, start, &s);
	cr_assert(d != NULL, "drain_new");
	struct future *all = run_drain(loop, d);
	cr_assert_eq(s.count, 2, "both downloads started: two slots");
	cr_assert(!future_done(all),
	          "start_next: the drain finished while both of its downloads still ran: each "
	          "download is counted running as it starts (d->running), and the drain is over "
	          "only when that count is back to 0");
	future_set_result(s.given[0], NULL, NULL);
	future_set_result(s.given[1], NULL, NULL);
	cr_assert_eq(loop_run(loop), 0, "loop_run");
	cr_assert(future_done(all), "once both are over, so is the drain");
	free_all(loop, d, all, &s);
}

Test(drain, a_download_that_cannot_start_stops_the_drain_with_an_error)
{
	struct loop *loop = quiet_loop();
	struct starts s = { .loop = loop, .fails_at = 1, .starved_at = 99 };
	struct drain *d = drain_new(loop, 3, 2, start, &s);
	cr_assert(d != NULL, "drain_new");
	struct future *all = run_drain(loop, d);
	cr_assert(future_done(all) && !future_cancelled(all),
	          "start_next: START gave no future for download 1, and the drain went on as if "
	          "it had started (it asked for %zu downloads): a download that could not start "
	          "is an error (-ENOMEM) that stops the drain, or its URL is silently skipped",
	          s.count);
	const struct future_error *error = NULL;
	cr_assert_eq(future_exception(all, &error), 0, "the drain is done");
	cr_assert(error && error->code == -ENOMEM,
	          "start_next: the drain fails with -ENOMEM when START gives no future (%s)",
	          error ? strerror(-error->code) : "it succeeded");
	cr_assert_eq(s.count, 2, "download 2 was never asked for");
	free_all(loop, d, all, &s);
}

Test(drain, a_download_that_cannot_be_watched_is_cancelled)
{
	struct loop *loop = quiet_loop();
	struct starts s = { .loop = loop, .fails_at = 99, .starved_at = 0 };
	struct drain *d = drain_new(loop, 1, 1, start, &s);
	cr_assert(d != NULL, "drain_new");
	struct future *all = run_drain(loop, d);
	alloc_faults_stop();
	cr_assert_eq(alloc_faults_refused(), 1,
	             "the test made the allocation after START fail: the done-callback's");
	cr_assert(future_cancelled(s.given[0]),
	          "start_next: download 0 started, but its done-callback could not be added (out "
	          "of memory); nobody would ever give its slot back or wait for it, so it must be "
	          "cancelled before the drain lets go of it, not left running unseen");
	const struct future_error *error = NULL;
	future_exception(all, &error);
	cr_assert(error && error->code == -ENOMEM, "and the drain fails with -ENOMEM");
	free_all(loop, d, all, &s);
}
