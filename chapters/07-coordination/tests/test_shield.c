/*
 * test_shield.c - asyncio.shield: the outer future follows the inner
 * one, but a cancellation of the outer one stops there. CPython's
 * test_shield_* (test_tasks.py).
 */
#include "coord.h"
#include "shield.h"

TestSuite(shield, .timeout = 10);

static struct future *shielded(struct future *inner)
{
	return taken(shield(inner), "shield");
}

Test(shield, the_outer_future_follows_the_inner_one)
{
	struct loop *loop = quiet_loop();
	struct future *inner = new_future(loop), *outer = shielded(inner);
	cr_assert(!future_done(outer), "pending while the inner one is");
	future_set_result(inner, "42", NULL);
	run_once(loop);
	void *value = NULL;
	cr_assert_eq(future_result(outer, &value), 0, "finished with a result");
	cr_assert_str_eq(value, "42", "the inner one's");
	future_free(outer);
	future_free(inner);
	struct future *failing = new_future(loop), *o2 = shielded(failing);
	future_set_exception(failing, -EDOM, "boom");
	run_once(loop);
	const struct future_error *e = error_of(o2);
	cr_assert(e && e->code == -EDOM, "and with its error");
	run_once(loop); /* the outer future's own done-callback lets the pair go */
	future_free(o2);
	future_free(failing);
	loop_free(loop);
}

/* CPython's test_shield_effect: the caller is cancelled, the work goes on. */
Test(shield, cancelling_the_outer_future_leaves_the_inner_one_alone)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct future *work = new_future(loop);
	struct probe p = { 0 };
	struct future *caller = probe_task(loop, &p, NULL);
	p.target = shielded(work);
	run_once(loop);
	cancel(caller, "gave up");
	run_until(loop, caller);
	cr_assert(future_cancelled(caller), "the caller ends CANCELLED");
	cr_assert(!future_done(work), "the shielded work goes on");
	future_set_result(work, "done", NULL);
	run_once(loop);
	cr_assert_eq(report_count, 0, "nothing is reported lost");
	future_free(p.target);
	future_free(caller);
	future_free(work);
	loop_free(loop);
}

/* CPython's test_shield_cancel_inner: cancelling the inner one cancels
 * the outer one. */
Test(shield, an_inner_cancellation_reaches_the_outer_future)
{
	struct loop *loop = quiet_loop();
	struct future *inner = new_future(loop), *outer = shielded(inner);
	future_cancel(inner, NULL);
	run_once(loop);
	cr_assert(future_cancelled(outer), "the outer future is cancelled too");
	run_once(loop); /* the outer future's own done-callback lets the pair go */
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

/* CPython's test_shield_shortcut. */
Test(shield, a_done_future_is_its_own_shield)
{
	struct loop *loop = quiet_loop();
	struct future *done = new_future(loop);
	future_set_result(done, NULL, NULL);
	struct future *outer = shielded(done);
	cr_assert(outer == done, "asyncio returns the future itself");
	future_free(outer);
	future_free(done);
	loop_free(loop);
}
