/*
 * tasks.c - asyncio.Task, a coroutine driven by the loop, of chapter 4.
 *
 * Mirrors: conformance/python/tasks.py, case for case. A Python coroutine
 * is a step function here, with its locals in a frame (coro.h); a case
 * that is an `async def` runs as the main task (H_MAIN). Where Python
 * awaits a sub-coroutine, C runs it as a task of its own and awaits that
 * (gather-takes-futures on asyncio-differences.md).
 */
#include "harness.h"

#if CHAPTER >= 4
/* ---------------------------------------------------------------- small coroutines */

/* `async def returns(value): return value`, and `raises()`. */
struct value_frame {
	int resume_point;
	void *value;
};

static int returns(struct task *task, void *frame)
{
	struct value_frame *f = frame;
	return task_return(task, f->value, NULL);
}

static int raises(struct task *task, void *frame)
{
	(void)frame;
	return task_raise(task, USER_ERROR, "boom");
}

/* A coroutine that awaits FUT and returns its result, or gives up with
 * its error (`return await fut`). */
struct await_frame {
	int resume_point;
	struct harness *h;
	struct future *fut; /* borrowed */
};

static int await_and_return(struct task *task, void *frame)
{
	struct await_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(f->fut));
	return task_return(task, task_await_result(task), NULL);
	CORO_END(task, f);
}

/* ---------------------------------------------------------------- results */

static void task_return_is_result(struct harness *h)
{
	struct future *task = H_TASK(h, returns, struct value_frame, .value = "ok");
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	tok_state(&h->out, NULL, task);
	future_free(task);
}

struct sum_frame {
	int resume_point;
	struct harness *h;
	int sum;
};

static int awaits_in_turn(struct task *task, void *frame)
{
	struct sum_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, H_TASK(f->h, returns, struct value_frame, .value = INT_VALUE(42)));
	f->sum = VALUE_AS_INT(task_await_result(task));
	CORO_AWAIT(task, f, H_TASK(f->h, returns, struct value_frame, .value = INT_VALUE(1000)));
	return task_return(task, INT_VALUE(f->sum + VALUE_AS_INT(task_await_result(task))), NULL);
	CORO_END(task, f);
}

static void task_awaits_coroutines_in_turn(struct harness *h)
{
	struct future *task = H_TASK(h, awaits_in_turn, struct sum_frame, .h = h);
	tok_run(&h->out, NULL, h->loop, task, VALUE_INT);
	future_free(task);
}

struct main_frame {
	int resume_point;
	struct harness *h;
	struct future *task;
	int outcome;
	int i;
};

static int logs_inner(struct task *task, void *frame)
{
	struct await_frame *f = frame;
	h_log(f->h, "inner");
	return task_return(task, INT_VALUE(1), NULL);
}

static int first_step_not_inline(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->task = H_TASK(h, logs_inner, struct await_frame, .h = h);
	h_log(h, "created");
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	h_order(h, &h->out, NULL);
	tok_awaited(&h->out, NULL, task, f->outcome, f->task, VALUE_INT);
	future_free(f->task);
	CORO_END(task, f);
}

static void task_first_step_not_inline(struct harness *h)
{
	H_MAIN(h, first_step_not_inline, struct main_frame, .h = h);
}

/* Two coroutines handing futures to each other. */
struct pair_frame {
	int resume_point;
	struct harness *h;
	struct future *fut1, *fut2; /* borrowed */
};

static int interleave1(struct task *task, void *frame)
{
	struct pair_frame *f = frame;
	CORO_BEGIN(f);
	h_log(f->h, "task1");
	CORO_AWAIT(task, f, future_retain(f->fut1));
	h_log(f->h, "task1");
	future_set_result(f->fut2, "True", NULL);
	CORO_END(task, f);
}

static int interleave2(struct task *task, void *frame)
{
	struct pair_frame *f = frame;
	CORO_BEGIN(f);
	h_log(f->h, "task2");
	future_set_result(f->fut1, "True", NULL);
	CORO_AWAIT(task, f, future_retain(f->fut2));
	h_log(f->h, "task2");
	CORO_END(task, f);
}

static void task_interleave_on_futures(struct harness *h)
{
	struct future *fut1 = h_future(h), *fut2 = h_future(h);
	struct future *task1 =
	        H_TASK(h, interleave1, struct pair_frame, .h = h, .fut1 = fut1, .fut2 = fut2);
	struct future *task2 =
	        H_TASK(h, interleave2, struct pair_frame, .h = h, .fut1 = fut1, .fut2 = fut2);
	h_run_until_complete(h, task2);
	if (future_done(task1))
		h_order(h, &h->out, NULL);
	else
		outcome_add(&h->out, NULL, "task1 still pending");
	future_free(task2);
	future_free(task1);
	future_free(fut2);
	future_free(fut1);
}

/* asyncio.current_task() inside the coroutine is task_future(task). */
struct self_frame {
	int resume_point;
	struct future **self; /* the case's variable that holds the task */
};

static int is_current_task(struct task *task, void *frame)
{
	struct self_frame *f = frame;
	return task_return(task, task_future(task) == *f->self ? "True" : "False", NULL);
}

static void task_current_task_is_itself(struct harness *h)
{
	struct future *task = NULL;
	task = H_TASK(h, is_current_task, struct self_frame, .self = &task);
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	future_free(task);
}

static int raise_is_exception(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->task = H_TASK(h, raises, struct value_frame, .value = NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(h->loop));
	tok_state(&h->out, NULL, f->task);
	tok_exception(&h->out, NULL, f->task);
	future_free(f->task);
	CORO_END(task, f);
}

static void task_raise_is_exception(struct harness *h)
{
	H_MAIN(h, raise_is_exception, struct main_frame, .h = h);
}

static void task_resumes_after_set_result(struct harness *h)
{
	struct future *fut = h_future(h);
	struct future *task = H_TASK(h, await_and_return, struct await_frame, .h = h, .fut = fut);
	h_run_once(h);
	future_set_result(fut, INT_VALUE(7), NULL);
	h_run_once(h);
	tok_state(&h->out, NULL, task);
	tok_result(&h->out, NULL, task, VALUE_INT);
	future_free(task);
	future_free(fut);
}

static int await_done_task_at_once(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->task = H_TASK(h, returns, struct value_frame, .value = INT_VALUE(7));
	CORO_AWAIT(task, f, future_retain(f->task));
	h_tick_start(h);
	CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
	h_iterations(h, &h->out, NULL);
	tok_awaited(&h->out, NULL, task, f->outcome, f->task, VALUE_INT);
	future_free(f->task);
	CORO_END(task, f);
}

static void task_await_done_task_at_once(struct harness *h)
{
	H_MAIN(h, await_done_task_at_once, struct main_frame, .h = h);
}

static int await_failed_task_each_time(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	f->task = H_TASK(h, raises, struct value_frame, .value = NULL);
	for (f->i = 0; f->i < 3; f->i++) {
		CORO_TRY_AWAIT(task, f, future_retain(f->task), f->outcome);
		/* except ValueError: anything else goes on up. */
		if (f->outcome != USER_ERROR) {
			future_free(f->task);
			return task_raise(task, f->outcome, NULL);
		}
		h_log(h, "%s", error_class(f->outcome, NULL));
	}
	h_order(h, &h->out, NULL);
	future_free(f->task);
	CORO_END(task, f);
}

static void task_await_failed_task_each_time(struct harness *h)
{
	H_MAIN(h, await_failed_task_each_time, struct main_frame, .h = h);
}

/* ---------------------------------------------------------------- what a task refuses */

static void task_set_result_from_outside(struct harness *h)
{
	struct future *task = H_TASK(h, returns, struct value_frame, .value = "ko");
	tok_call(&h->out, "set_result", future_set_result(task, "ok", NULL), "set_result");
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	future_free(task);
}

static void task_set_exception_from_outside(struct harness *h)
{
	struct future *task = H_TASK(h, returns, struct value_frame, .value = "ko");
	tok_call(&h->out, "set_exception", future_set_exception(task, USER_ERROR, "boom"),
	         "set_exception");
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	future_free(task);
}

struct await_self_frame {
	int resume_point;
	struct future **self;
};

static int await_itself(struct task *task, void *frame)
{
	struct await_self_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, future_retain(*f->self));
	CORO_END(task, f);
}

static void task_await_itself(struct harness *h)
{
	struct future *task = NULL;
	task = H_TASK(h, await_itself, struct await_self_frame, .self = &task);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	tok_state(&h->out, NULL, task);
	future_free(task);
}

static void task_await_other_loop_future(struct harness *h)
{
	struct loop *other = h_new_loop(h);
	struct future *fut = h_check(future_new(other), "future_new");
	struct future *task = H_TASK(h, await_and_return, struct await_frame, .h = h, .fut = fut);
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	tok_state(&h->out, "other", fut);
	future_free(task);
	future_free(fut);
}

/* ---------------------------------------------------------------- what the loop reports */

static int unread_failure_reported(struct task *task, void *frame)
{
	struct main_frame *f = frame;
	struct harness *h = f->h;
	CORO_BEGIN(f);
	/* Nobody holds it: only the task itself, until it is done. */
	future_free(H_TASK(h, raises, struct value_frame, .value = NULL));
	CORO_AWAIT(task, f, SLEEP_ZERO(h->loop));
	h_reported(h, &h->out, NULL);
	CORO_END(task, f);
}

static void task_unread_failure_reported(struct harness *h)
{
	H_MAIN(h, unread_failure_reported, struct main_frame, .h = h);
}

struct forever_frame {
	int resume_point;
	struct harness *h;
};

/* `await h.loop.create_future()`: nobody else holds it, nobody will set it. */
static int kill_me(struct task *task, void *frame)
{
	struct forever_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, h_forever(f->h));
	CORO_END(task, f);
}

static void task_destroyed_pending_reported(struct harness *h)
{
	struct future *task = H_TASK(h, kill_me, struct forever_frame, .h = h);
	h_run_once(h);
	tok_state(&h->out, NULL, task);
	future_free(task);
	h_reported(h, &h->out, NULL);
}

/* asyncio.Future.set_result(task, ...) goes around Task's refusal: in C,
 * the plain version a class's own code calls, future_set_result_base. */
static void task_future_set_result_underneath(struct harness *h)
{
	struct future *task = H_TASK(h, returns, struct value_frame, .value = "10");
	future_set_result_base(task, "spam", NULL);
	tok_run(&h->out, NULL, h->loop, task, VALUE_WORD);
	h_reported(h, &h->out, NULL);
	future_free(task);
}

static void task_future_set_exception_underneath(struct harness *h)
{
	struct future *task = H_TASK(h, returns, struct value_frame, .value = "10");
	future_set_exception_base(task, USER_ERROR, "boom");
	tok_run(&h->out, NULL, h->loop, task, VALUE_NONE);
	h_reported(h, &h->out, NULL);
	future_free(task);
}
#endif

const struct conformance_case tasks_cases[] = {
	{ "task.return_is_result", NEEDS_TASKS, FROM_TASKS(task_return_is_result) },
	{ "task.awaits_coroutines_in_turn", NEEDS_TASKS,
	  FROM_TASKS(task_awaits_coroutines_in_turn) },
	{ "task.first_step_not_inline", NEEDS_TASKS, FROM_TASKS(task_first_step_not_inline) },
	{ "task.interleave_on_futures", NEEDS_TASKS, FROM_TASKS(task_interleave_on_futures) },
	{ "task.current_task_is_itself", NEEDS_TASKS, FROM_TASKS(task_current_task_is_itself) },
	{ "task.raise_is_exception", NEEDS_TASKS, FROM_TASKS(task_raise_is_exception) },
	{ "task.resumes_after_set_result", NEEDS_TASKS, FROM_TASKS(task_resumes_after_set_result) },
	{ "task.await_done_task_at_once", NEEDS_TASKS, FROM_TASKS(task_await_done_task_at_once) },
	{ "task.await_failed_task_each_time", NEEDS_TASKS,
	  FROM_TASKS(task_await_failed_task_each_time) },
	{ "task.set_result_from_outside", NEEDS_TASKS, FROM_TASKS(task_set_result_from_outside) },
	{ "task.set_exception_from_outside", NEEDS_TASKS,
	  FROM_TASKS(task_set_exception_from_outside) },
	{ "task.await_itself", NEEDS_TASKS, FROM_TASKS(task_await_itself) },
	{ "task.await_other_loop_future", NEEDS_TASKS, FROM_TASKS(task_await_other_loop_future) },
	{ "task.unread_failure_reported", NEEDS_TASKS, FROM_TASKS(task_unread_failure_reported) },
	{ "task.destroyed_pending_reported", NEEDS_TASKS,
	  FROM_TASKS(task_destroyed_pending_reported) },
	{ "task.future_set_result_underneath", NEEDS_TASKS,
	  FROM_TASKS(task_future_set_result_underneath) },
	{ "task.future_set_exception_underneath", NEEDS_TASKS,
	  FROM_TASKS(task_future_set_exception_underneath) },
	{ NULL, 0, NULL },
};
