/*
 * test_taskgroup.c - asyncio.TaskGroup on tasks, in virtual time: the
 * block waits for every task; the first failure cancels the others and
 * the parent's own await, and the errors are collected; a cancellation
 * from outside cancels them all and goes on up; the group's own cancel of
 * its parent is taken back. Several tests are CPython's own
 * (test_taskgroups.py).
 */
#include "coord.h"
#include "taskgroup.h"

TestSuite(taskgroup, .timeout = 10);

/* A task of the group: sleeps DELAY seconds, then fails with FAIL (if
 * not 0) or writes its name. A cancellation is written "name!"; a task
 * that CATCHES it finishes normally anyway, as "name~". */
struct job {
	int resume_point;
	struct loop *loop;
	const char *name;
	double delay;
	int fail;
	bool catches;
	int fail_on_cancel; /* not 0: a cancellation is caught, then it fails with this */
	int outcome;
	char word[24];
};

static int job_step(struct task *task, void *frame)
{
	struct job *j = frame;
	CORO_BEGIN(j);
	CORO_TRY_AWAIT(task, j, sleep_for(j->loop, j->delay), j->outcome);
	if (j->outcome == -ECANCELED) {
		snprintf(j->word, sizeof j->word, "%s%s", j->name, j->catches ? "~" : "!");
		write_down(j->word);
		if (j->fail_on_cancel)
			return task_raise(task, j->fail_on_cancel, "cleanup failed");
		if (!j->catches)
			return task_raise(task, -ECANCELED, NULL);
		return task_return(task, NULL, NULL);
	}
	if (j->fail)
		return task_raise(task, j->fail, "boom");
	write_down(j->name);
	CORO_END(task, j);
}

/* The parent: opens a group, starts its jobs, then its block sleeps
 * BODY seconds (or fails with BODY_FAIL at once), and exits the group. */
struct parent {
	int resume_point;
	struct loop *loop;
	struct job *jobs;
	int job_count;
	double body;
	int body_fail;
	struct taskgroup *tg;
	int body_outcome;
	int exit_outcome;
	double exit_time;
	int cancelling_after; /* task_cancelling of the parent after the exit */
	int i;
};

static int parent_step(struct task *task, void *frame)
{
	struct parent *p = frame;
	CORO_BEGIN(p);
	p->tg = taskgroup_new(task);
	cr_assert(p->tg != NULL, "taskgroup_new");
	for (p->i = 0; p->i < p->job_count; p->i++) {
		p->jobs[p->i].loop = p->loop;
		struct future *t = taskgroup_create_task(p->tg, p->jobs[p->i].name, job_step,
		                                         &p->jobs[p->i], NULL);
		cr_assert(t != NULL, "taskgroup_create_task: %s", strerror(errno));
		future_free(t);
	}
	/* The block: a sleep, or (after one yield, so that the tasks have
	 * started) an error of its own. */
	if (p->body_fail)
		CORO_AWAIT(task, p, task_yield(p->loop));
	p->body_outcome = p->body_fail;
	if (!p->body_fail)
		CORO_TRY_AWAIT(task, p, sleep_for(p->loop, p->body), p->body_outcome);
	CORO_TRY_AWAIT(task, p, taken(taskgroup_exit(p->tg, p->body_outcome), "taskgroup_exit"),
	               p->exit_outcome);
	p->exit_time = loop_time(p->loop);
	p->cancelling_after = task_cancelling(task_future(task));
	/* Raise what the exit raised, words and all. */
	if (task_propagate(task))
		return TASK_STEP_DONE;
	CORO_END(task, p);
}

/* The test frees the group (p->tg) once it has looked at its errors. */
static struct future *start_parent(struct loop *loop, struct parent *p)
{
	p->loop = loop;
	struct future *task = task_create(loop, "parent", parent_step, p, NULL);
	cr_assert(task != NULL, "task_create");
	return task;
}

/* CPython's test_taskgroup_01: the block ends when both tasks have. */
Test(taskgroup, the_exit_waits_for_every_task)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "a", .delay = 0.1 }, { .name = "b", .delay = 0.2 } };
	struct parent p = { .jobs = jobs, .job_count = 2 };
	struct future *t = start_parent(loop, &p);
	run_until(loop, t);
	cr_assert_eq(p.exit_outcome, 0, "no task failed: the exit succeeds");
	cr_assert_str_eq(journal, "a b ", "both ran to the end");
	cr_assert_float_eq(p.exit_time, 0.2, 1e-9, "the block ended with the last task, at 0.2");
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* CPython's test_cancel_children_on_child_error: the first failure
 * cancels the sibling and the parent's own await, and the exit fails
 * with the error. */
Test(taskgroup, the_first_failure_cancels_the_others_and_the_block)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "bad", .delay = 0.1, .fail = -EDOM },
		              { .name = "slow", .delay = 5 } };
	struct parent p = { .jobs = jobs, .job_count = 2, .body = 10 };
	struct future *t = start_parent(loop, &p);
	run_until(loop, t);
	cr_assert_str_eq(journal, "slow! ", "the slow task was cancelled");
	cr_assert_eq(p.body_outcome, -ECANCELED,
	             "task_over: the first failure cancels the parent too, so that the block's "
	             "own await (a 10 s sleep, nothing to do with the group) ends at once; the "
	             "sleep ended with %d (%s), not -ECANCELED",
	             p.body_outcome, p.body_outcome ? strerror(-p.body_outcome) : "success");
	cr_assert_eq(p.exit_outcome, -EDOM, "the exit fails with the task's error");
	const struct future_error *e = error_of(t);
	cr_assert(e && strcmp(e->message, "unhandled errors in a TaskGroup (1 sub-exception)") == 0,
	          "in asyncio's words: %s", e ? e->message : "(none)");
	cr_assert_eq(taskgroup_error_count(p.tg), 1, "one error collected");
	cr_assert_eq(taskgroup_error(p.tg, 0)->code, -EDOM, "the failing task's");
	cr_assert_float_eq(p.exit_time, 0.1, 1e-9, "all over at 0.1, not 5 or 10");
	cr_assert_eq(p.cancelling_after, 0,
	             "task_over: the group cancels its parent once, at the first failure, and "
	             "notes it in parent_cancel_requested; the exit takes exactly that cancel "
	             "back, so the parent's cancel count after the exit is 0; it is %d (a "
	             "cancel not noted?)",
	             p.cancelling_after);
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* Two tasks failing in the same iteration: both errors are kept, the
 * ExceptionGroup's list. */
Test(taskgroup, every_error_is_collected)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "x", .delay = 1, .fail = -EDOM },
		              { .name = "y", .delay = 1, .fail = -ERANGE } };
	struct parent p = { .jobs = jobs, .job_count = 2 };
	struct future *t = start_parent(loop, &p);
	run_until(loop, t);
	cr_assert_eq(taskgroup_error_count(p.tg), 2,
	             "task_over: every failed task's error is collected, a copy kept in the "
	             "group's list (the ExceptionGroup's), the second as well as the first, even "
	             "while the group is aborting; two tasks failed, the group kept %zu",
	             (size_t)taskgroup_error_count(p.tg));
	cr_assert(taskgroup_error(p.tg, 0)->code == -EDOM &&
	                  taskgroup_error(p.tg, 1)->code == -ERANGE,
	          "task_over: the errors are kept in the order the tasks failed (x's EDOM, "
	          "then y's ERANGE)");
	cr_assert(!future_cancelled(t),
	          "task_over: the group cancels its parent once, at the first failure, and "
	          "notes it in parent_cancel_requested, so that the exit takes exactly that "
	          "cancel back and raises the errors; the parent ended CANCELLED instead (a "
	          "cancel not noted, or one per failure?)");
	const struct future_error *e = error_of(t);
	cr_assert(e && strstr(e->message, "(2 sub-exceptions)"),
	          "the exit raises both errors, \"(2 sub-exceptions)\"; it raised: %s",
	          e ? e->message : "(no error)");
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* CPython's test_taskgroup_07: the parent is cancelled from outside: the
 * tasks and the block's await are cancelled, and the cancellation goes
 * on up. */
Test(taskgroup, a_cancellation_from_outside_cancels_everything_and_goes_on)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "a", .delay = 5 }, { .name = "b", .delay = 5 } };
	struct parent p = { .jobs = jobs, .job_count = 2, .body = 10 };
	struct future *t = start_parent(loop, &p);
	run_iterations(loop, 2); /* a third would jump the clock to the tasks' end */
	cancel(t, "stop");
	run_until(loop, t);
	cr_assert_str_eq(journal, "a! b! ", "both tasks were cancelled");
	cr_assert(future_cancelled(t), "the parent ends CANCELLED");
	cr_assert_eq(p.exit_outcome, -ECANCELED, "the exit passed the cancellation on");
	cr_assert_eq(p.cancelling_after, 1, "and it was not the group's to take back");
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* CPython's test_cancellation: cancelled while the exit waits (the block
 * has ended): the tasks are cancelled, the exit still waits for them. */
Test(taskgroup, cancelled_while_the_exit_waits)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "a", .delay = 5 },
		              { .name = "b", .delay = 5, .catches = true } };
	struct parent p = { .jobs = jobs, .job_count = 2 };
	struct future *t = start_parent(loop, &p);
	run_iterations(loop, 2); /* a third would jump the clock to the tasks' end */
	cancel(t, NULL);
	run_until(loop, t);
	cr_assert_str_eq(journal, "a! b~ ", "cancelled; b caught it and finished anyway");
	cr_assert(future_cancelled(t), "the parent ends CANCELLED");
	cr_assert_float_eq(loop_time(loop), 0, 1e-9, "at once, not after 5 s");
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* An error of the block itself (Python: `1 / 0` inside `async with`):
 * the tasks are cancelled, and the error is the group's. */
Test(taskgroup, an_error_in_the_block_cancels_the_tasks)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "a", .delay = 5 } };
	struct parent p = { .jobs = jobs, .job_count = 1, .body_fail = -EDOM };
	struct future *t = start_parent(loop, &p);
	run_until(loop, t);
	cr_assert_str_eq(journal, "a! ", "the task was cancelled");
	cr_assert_eq(p.exit_outcome, -EDOM, "the block's error comes out of the exit");
	cr_assert_eq(taskgroup_error_count(p.tg), 1, "as the group's one error");
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* The block failed, so the group is aborting already, and a task that
 * the abort cancelled fails while it cleans up. Its error is collected,
 * but the parent is not cancelled for it: the group did not cancel the
 * parent this time, so the exit (which has run) takes nothing back, and a
 * cancel now would be left over on the parent. Python agrees:
 * task.cancelling() is 0 after the ExceptionGroup. */
Test(taskgroup, a_failure_while_aborting_cancels_nobody_more)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	journal_reset();
	struct job jobs[] = { { .name = "c", .delay = 5, .fail_on_cancel = -EPIPE } };
	struct parent p = { .jobs = jobs, .job_count = 1, .body_fail = -EDOM };
	struct future *t = start_parent(loop, &p);
	run_until(loop, t);
	cr_assert_str_eq(journal, "c! ", "the block's error cancelled the task");
	cr_assert_eq(taskgroup_error_count(p.tg), 2,
	             "task_over: a task that fails while the group is aborting still has its "
	             "error kept (collect), whatever else is skipped: with the block's own, the "
	             "group must hold 2 errors, it holds %zu",
	             taskgroup_error_count(p.tg));
	cr_assert_eq(p.cancelling_after, 0,
	             "task_over: the group was aborting already (the block failed) when the "
	             "task failed, so the parent must not be cancelled again: nobody is left "
	             "to take that cancel back, and the parent's count stays at %d instead of "
	             "0 (cancel the parent only when the group is not aborting already)",
	             p.cancelling_after);
	taskgroup_free(p.tg);
	future_free(t);
	loop_free(loop);
}

/* A parent that is done before its group's task fails (it never awaited
 * the exit): nobody can be cancelled for the failure, and nobody would
 * see it, so the loop's exception handler hears of it (CPython's
 * _on_task_done does the same). */
struct runaway {
	int resume_point;
	struct loop *loop;
	struct taskgroup *tg;
	struct job bad;
};

static int runaway_step(struct task *task, void *frame)
{
	struct runaway *r = frame;
	CORO_BEGIN(r);
	r->tg = taskgroup_new(task);
	cr_assert(r->tg != NULL, "taskgroup_new");
	r->bad = (struct job){ .loop = r->loop, .name = "bad", .delay = 0.1, .fail = -EDOM };
	future_free(taskgroup_create_task(r->tg, "bad", job_step, &r->bad, NULL));
	CORO_END(task, r);
}

static char heard[160];

static void hear(const char *message, void *arg)
{
	(void)arg;
	snprintf(heard, sizeof heard, "%s", message);
}

Test(taskgroup, a_failure_after_the_parent_is_done_goes_to_the_loop)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	loop_set_exception_handler(loop, hear, NULL);
	heard[0] = '\0';
	struct runaway r = { .loop = loop };
	struct future *t = task_create(loop, "runaway", runaway_step, &r, NULL);
	cr_assert(t != NULL, "task_create");
	run_until(loop, t);
	cr_assert(future_done(t) && !future_cancelled(t), "the parent returned at once");
	int rc = loop_run(loop);
	REQUIRE_NO_STUB(); /* task_over's stub runs in a done-callback: name it */
	cr_assert_eq(rc, 0, "loop_run: the failing task runs to its end");
	cr_assert_str_neq(heard, "",
	                  "task_over: a task failed (-EDOM) after its parent was done: nobody can "
	                  "be cancelled or told but the loop, so the failure goes to the loop's "
	                  "exception handler (loop_call_exception_handler), and nothing is "
	                  "cancelled; the handler heard nothing");
	cr_assert_eq(taskgroup_error_count(r.tg), 1,
	             "task_over: a failed task's error is kept in the group's list (collect), "
	             "even when its parent is done already; the group holds %zu errors, not 1",
	             taskgroup_error_count(r.tg));
	taskgroup_free(r.tg);
	future_free(t);
	loop_free(loop);
}

/* No new task once the group is shutting down, or finished. */
struct late {
	int resume_point;
	struct loop *loop;
	struct taskgroup *tg;
	struct job bad, more;
	int refused_while_aborting, refused_after_exit;
	int outcome;
};

static int late_step(struct task *task, void *frame)
{
	struct late *l = frame;
	CORO_BEGIN(l);
	l->tg = taskgroup_new(task);
	l->bad = (struct job){ .loop = l->loop, .name = "bad", .fail = -EDOM };
	future_free(taskgroup_create_task(l->tg, "bad", job_step, &l->bad, NULL));
	CORO_TRY_AWAIT(task, l, sleep_for(l->loop, 10), l->outcome);
	l->more = (struct job){ .loop = l->loop, .name = "more" };
	errno = 0;
	if (!taskgroup_create_task(l->tg, "more", job_step, &l->more, NULL))
		l->refused_while_aborting = errno;
	CORO_TRY_AWAIT(task, l, taskgroup_exit(l->tg, l->outcome), l->outcome);
	errno = 0;
	if (!taskgroup_create_task(l->tg, "more", job_step, &l->more, NULL))
		l->refused_after_exit = errno;
	CORO_END(task, l);
}

static void late_free(void *frame)
{
	struct late *l = frame;
	taskgroup_free(l->tg);
}

Test(taskgroup, no_new_task_once_it_is_shutting_down_or_finished)
{
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct late l = { .loop = loop };
	struct future *t = task_create(loop, "late", late_step, &l, late_free);
	run_until(loop, t);
	cr_assert_eq(l.refused_while_aborting, EPERM, "asyncio: RuntimeError, shutting down");
	cr_assert_eq(l.refused_after_exit, EPERM, "asyncio: RuntimeError, finished");
	future_free(t);
	loop_free(loop);
}
