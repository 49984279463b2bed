/*
 * gather.c - one future for many, over futures and tasks (chapter 4).
 *
 * Mirrors: conformance/python/gather.py, case for case. gather() takes
 * futures and tasks: where Python hands it coroutines, C creates their
 * tasks first (gather-takes-futures on asyncio-differences.md).
 */
#include "harness.h"

#if CHAPTER >= 4
/* N new futures of the case's loop. */
static void futures(struct harness *h, struct future *f[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		f[i] = h_future(h);
}

static void free_all(struct future *f[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		future_free(f[i]);
}

static struct future *gathered(struct harness *h, struct future *const f[], size_t n,
                               bool return_exceptions)
{
	return h_check(gather(h->loop, f, n, return_exceptions), "gather");
}

/* Log "done" when the gather's own done-callback runs. */
static struct future *watched(struct harness *h, struct future *gathering)
{
	future_add_done_callback(gathering, log_done_cb, h_logger(h, "done"));
	return gathering;
}

/* Read FUT's error, so that it counts as retrieved (`e.exception()`). */
static void read_error(struct future *fut)
{
	const struct future_error *unused;
	future_exception(fut, &unused);
}

static void gather_results_in_argument_order(struct harness *h)
{
	struct future *f[3];
	futures(h, f, 3);
	struct future *g = watched(h, gathered(h, f, 3, false));
	future_set_result(f[1], INT_VALUE(1), NULL);
	future_set_result(f[0], INT_VALUE(2), NULL);
	h_run_until_idle(h);
	tok_state(&h->out, "first", g);
	future_set_result(f[2], INT_VALUE(3), NULL);
	h_run_until_idle(h);
	tok_state(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 3);
}

static void gather_return_exceptions_all_results(struct harness *h)
{
	struct future *f[3];
	futures(h, f, 3);
	struct future *g = watched(h, gathered(h, f, 3, true));
	future_set_result(f[1], INT_VALUE(1), NULL);
	future_set_result(f[0], INT_VALUE(2), NULL);
	future_set_result(f[2], INT_VALUE(3), NULL);
	h_run_until_idle(h);
	tok_state(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 3);
}

static void gather_first_error_fails_it(struct harness *h)
{
	struct future *f[5];
	futures(h, f, 5);
	struct future *g = watched(h, gathered(h, f, 5, false));
	future_set_result(f[0], INT_VALUE(1), NULL);
	future_set_exception(f[1], USER_ERROR, "boom");
	h_run_until_idle(h);
	tok_state(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	future_set_result(f[2], INT_VALUE(3), NULL);
	future_cancel(f[3], NULL);
	future_set_exception(f[4], USER_ERROR2, "boom");
	read_error(f[4]);
	h_run_until_idle(h);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 5);
}

static void gather_return_exceptions_lists_them(struct harness *h)
{
	struct future *f[4];
	futures(h, f, 4);
	struct future *g = watched(h, gathered(h, f, 4, true));
	future_set_result(f[1], INT_VALUE(1), NULL);
	future_set_exception(f[2], USER_ERROR, "boom");
	future_set_result(f[0], INT_VALUE(3), NULL);
	h_run_until_idle(h);
	tok_state(&h->out, "first", g);
	future_set_exception(f[3], USER_ERROR2, "boom");
	h_run_until_idle(h);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 4);
}

static void gather_return_exceptions_marks_read(struct harness *h)
{
	struct future *f[2];
	futures(h, f, 2);
	struct future *g = gathered(h, f, 2, true);
	future_set_exception(f[0], USER_ERROR, "boom");
	future_set_exception(f[1], USER_ERROR2, "boom");
	h_run_until_idle(h);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	free_all(f, 2);
	future_free(g);
	h_reported(h, &h->out, NULL);
}

static void gather_child_cancelled(struct harness *h)
{
	struct future *f[5];
	futures(h, f, 5);
	struct future *g = watched(h, gathered(h, f, 5, false));
	future_set_result(f[0], INT_VALUE(1), NULL);
	future_cancel(f[1], NULL);
	h_run_until_idle(h);
	tok_state(&h->out, NULL, g);
	tok_cancelled(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	future_set_result(f[2], INT_VALUE(3), NULL);
	future_cancel(f[3], NULL);
	future_set_exception(f[4], USER_ERROR2, "boom");
	read_error(f[4]);
	h_run_until_idle(h);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 5);
}

static void gather_return_exceptions_child_cancelled(struct harness *h)
{
	struct future *f[6];
	futures(h, f, 6);
	struct future *g = watched(h, gathered(h, f, 6, true));
	future_set_result(f[0], INT_VALUE(1), NULL);
	future_set_exception(f[1], USER_ERROR, "boom");
	future_cancel(f[2], NULL);
	h_run_until_idle(h);
	tok_state(&h->out, "first", g);
	future_set_result(f[3], INT_VALUE(3), NULL);
	future_cancel(f[4], NULL);
	future_set_exception(f[5], USER_ERROR2, "boom");
	tok_run(&h->out, NULL, h->loop, g, VALUE_GATHER);
	h_order(h, &h->out, NULL);
	future_free(g);
	free_all(f, 6);
}

/* ---------------------------------------------------------------- cancellation */

struct child_frame {
	int resume_point;
	struct harness *h;
	struct future *fut;         /* borrowed */
	struct future *children[2]; /* borrowed */
	struct future **gathering;  /* the case's variable */
	int outcome;
};

static int awaits_then_logs_inner(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut));
	h_log(f->h, "inner");
	CORO_END(task, f);
}

static int awaits_gather_then_logs_outer(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	CORO_BEGIN(f);
	*f->gathering = gathered(f->h, f->children, 2, false);
	CORO_AWAIT(task, f, future_retain(*f->gathering));
	h_log(f->h, "outer");
	CORO_END(task, f);
}

static void gather_cancel_reaches_children(struct harness *h)
{
	struct future *waiter = h_future(h), *g = NULL;
	struct future *child1 =
	        H_TASK(h, awaits_then_logs_inner, struct child_frame, .h = h, .fut = waiter);
	struct future *child2 =
	        H_TASK(h, awaits_then_logs_inner, struct child_frame, .h = h, .fut = waiter);
	struct future *f = H_TASK(h, awaits_gather_then_logs_outer, struct child_frame, .h = h,
	                          .children = { child1, child2 }, .gathering = &g);
	h_run_once(h);
	task_cancel(f, NULL);
	tok_run(&h->out, NULL, h->loop, f, VALUE_NONE);
	h_run_once(h);
	if (g) {
		tok_state(&h->out, "gather", g);
		tok_cancelled(&h->out, "gather", g);
		tok_bool(&h->out, "cancel", future_cancel(g, NULL));
	}
	tok_state(&h->out, "waiter", waiter);
	tok_state(&h->out, "child1", child1);
	tok_state(&h->out, "child2", child2);
	h_order(h, &h->out, NULL);
	future_free(g);
	future_free(f);
	future_free(child2);
	future_free(child1);
	future_free(waiter);
}

static void gather_cancel_it_directly(struct harness *h)
{
	struct future *f[2];
	futures(h, f, 2);
	struct future *g = gathered(h, f, 2, false);
	struct outcome accepted = { "" };
	tok_bool(&accepted, "cancel", future_cancel(g, NULL));
	h_run_until_idle(h);
	outcome_append(&h->out, NULL, &accepted);
	tok_state(&h->out, NULL, g);
	tok_cancelled(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	tok_state(&h->out, "a", f[0]);
	tok_state(&h->out, "b", f[1]);
	future_free(g);
	free_all(f, 2);
}

static int returns_await(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

/* `gathering.append(asyncio.ensure_future(asyncio.gather(child())))`: the
 * gather future is the future to hold. */
static int create(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	struct future *child =
	        H_TASK(f->h, returns_await, struct child_frame, .h = f->h, .fut = f->fut);
	*f->gathering = gathered(f->h, &child, 1, false);
	future_free(child);
	return task_return(task, NULL, NULL);
}

/* fut's done-callback that tries to cancel the gather. */
struct refusal {
	struct future *gathering;
	struct outcome refused;
};

static void try_cancel(struct future *fut, void *arg)
{
	(void)fut;
	struct refusal *r = arg;
	tok_bool(&r->refused, "cancel", future_cancel(r->gathering, NULL));
}

static void gather_cancel_after_children_done(struct harness *h)
{
	struct future *fut = h_future(h), *g = NULL;
	struct future *creator =
	        H_TASK(h, create, struct child_frame, .h = h, .fut = fut, .gathering = &g);
	h_run_until_complete(h, creator);
	future_free(creator);
	if (!g) {
		future_free(fut);
		return;
	}
	struct refusal r = { g, { "" } };
	future_add_done_callback(fut, try_cancel, &r);
	future_set_result(fut, INT_VALUE(42), NULL);
	h_run_until_complete(h, g);
	outcome_append(&h->out, NULL, &r.refused);
	tok_cancelled(&h->out, NULL, g);
	tok_result(&h->out, NULL, g, VALUE_GATHER);
	future_free(g);
	future_free(fut);
}

/* asyncio.gather refuses children of two loops; a C gather that accepts
 * them returns a future, which is no one-word result: "future" says so. */
static void gather_children_of_two_loops(struct harness *h)
{
	struct loop *other = h_new_loop(h);
	struct future *f[2] = { h_future(h), h_check(future_new(other), "future_new") };
	errno = 0;
	struct future *g = gather(h->loop, f, 2, false);
	if (g)
		outcome_add(&h->out, NULL, "result=future");
	else if (errno == EXDEV) /* C's refusal: no future, and why */
		outcome_add(&h->out, NULL, "error=ValueError");
	else
		outcome_add(&h->out, NULL, "result=None");
	/* Clean up what Python never made: each loop runs the gather's
	 * done-callback of its own child, so that the gather lets go of both,
	 * and the gather's error is read, so that nothing is reported. */
	future_cancel(f[0], NULL);
	future_cancel(f[1], NULL);
	h_run_until_idle(h);
	loop_run(other);
	if (g)
		read_error(g);
	future_free(g);
	free_all(f, 2);
}

static int gathers_nothing(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	struct future *g = gathered(f->h, NULL, 0, false);
	tok_state(&f->h->out, NULL, g);
	tok_result(&f->h->out, NULL, g, VALUE_GATHER);
	future_free(g);
	return task_return(task, NULL, NULL);
}

static void gather_empty(struct harness *h)
{
	H_MAIN(h, gathers_nothing, struct child_frame, .h = h);
}

static int raises_ignored(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut));
	return task_raise(task, USER_ERROR2, "ignored");
	CORO_END(task, f);
}

/* `await asyncio.gather(inner(a), inner(b))`, the children made tasks
 * first; f->children are the futures A and B they await. */
static int gathers_two_that_raise(struct task *task, void *frame)
{
	struct child_frame *f = frame;
	struct future *inner[2], *g;
	CORO_BEGIN(f);
	for (int i = 0; i < 2; i++)
		inner[i] = H_TASK(f->h, raises_ignored, struct child_frame, .h = f->h,
		                  .fut = f->children[i]);
	g = gathered(f->h, inner, 2, false);
	free_all(inner, 2);
	CORO_AWAIT(task, f, g);
	CORO_END(task, f);
}

static void gather_exception_marking(struct harness *h)
{
	struct future *a = h_future(h), *b = h_future(h);
	struct future *f =
	        H_TASK(h, gathers_two_that_raise, struct child_frame, .h = h, .children = { a, b });
	h_run_once(h);
	future_set_result(a, NULL, NULL);
	h_run_once(h);
	future_set_result(b, NULL, NULL);
	h_run_once(h);
	h_run_until_idle(h);
	tok_result(&h->out, NULL, f, VALUE_NONE);
	future_free(f);
	h_reported(h, &h->out, NULL);
	future_free(b);
	future_free(a);
}
#endif

#if CHAPTER >= 5
struct caller_frame {
	int resume_point;
	struct harness *h;
	struct future *qwe;
	double time;
	int outcome;
};

/* `await asyncio.gather(asyncio.sleep(0.05), return_exceptions=True)`
 * until more than a second has passed. */
static int gathers_sleeps(struct task *task, void *frame)
{
	struct caller_frame *f = frame;
	CORO_BEGIN(f);
	for (;;) {
		f->time += 0.05;
		struct future *sleep = h_check(sleep_for(f->h->loop, 0.05), "sleep_for");
		struct future *g = gathered(f->h, &sleep, 1, true);
		future_free(sleep);
		CORO_AWAIT(task, f, g);
		if (f->time > 1)
			return task_return(task, NULL, NULL);
	}
	CORO_END(task, f);
}

static int cancels_qwe(struct task *task, void *frame)
{
	struct caller_frame *f = frame;
	CORO_BEGIN(f);
	f->qwe = H_TASK(f->h, gathers_sleeps, struct caller_frame, .h = f->h);
	CORO_AWAIT(task, f, sleep_for(f->h->loop, 0.2));
	task_cancel(f->qwe, "stop");
	CORO_TRY_AWAIT(task, f, future_retain(f->qwe), f->outcome);
	future_free(f->qwe);
	if (task_propagate(task))
		return TASK_STEP_DONE;
	CORO_END(task, f);
}

static void gather_cancel_message_to_caller(struct harness *h)
{
	struct future *main = H_TASK(h, cancels_qwe, struct caller_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, main, VALUE_NONE);
	h_t(h, &h->out, NULL);
	future_free(main);
}
#endif

const struct conformance_case gather_cases[] = {
	{ "gather.results_in_argument_order", NEEDS_TASKS,
	  FROM_TASKS(gather_results_in_argument_order) },
	{ "gather.return_exceptions_all_results", NEEDS_TASKS,
	  FROM_TASKS(gather_return_exceptions_all_results) },
	{ "gather.first_error_fails_it", NEEDS_TASKS, FROM_TASKS(gather_first_error_fails_it) },
	{ "gather.return_exceptions_lists_them", NEEDS_TASKS,
	  FROM_TASKS(gather_return_exceptions_lists_them) },
	{ "gather.return_exceptions_marks_read", NEEDS_TASKS,
	  FROM_TASKS(gather_return_exceptions_marks_read) },
	{ "gather.child_cancelled", NEEDS_TASKS, FROM_TASKS(gather_child_cancelled) },
	{ "gather.return_exceptions_child_cancelled", NEEDS_TASKS,
	  FROM_TASKS(gather_return_exceptions_child_cancelled) },
	{ "gather.cancel_reaches_children", NEEDS_TASKS,
	  FROM_TASKS(gather_cancel_reaches_children) },
	{ "gather.cancel_it_directly", NEEDS_TASKS, FROM_TASKS(gather_cancel_it_directly) },
	{ "gather.cancel_after_children_done", NEEDS_TASKS,
	  FROM_TASKS(gather_cancel_after_children_done) },
	{ "gather.children_of_two_loops", NEEDS_TASKS, FROM_TASKS(gather_children_of_two_loops) },
	{ "gather.empty", NEEDS_TASKS, FROM_TASKS(gather_empty) },
	{ "gather.exception_marking", NEEDS_TASKS, FROM_TASKS(gather_exception_marking) },
	{ "gather.cancel_message_to_caller", NEEDS_TIMERS,
	  FROM_TIMERS(gather_cancel_message_to_caller) },
	{ NULL, 0, NULL },
};
