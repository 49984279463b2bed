/*
 * waiting.c - shield, wait and as_completed (chapter 7).
 *
 * Mirrors: conformance/python/waiting.py, case for case. `later(h, delay,
 * value)` is a future that a timer finishes; asyncio.wait's done and
 * pending sets are the struct wait_result its future finishes with; and
 * as_completed's coroutines are the futures as_completed_next gives, each
 * finishing with the next future done, from which the case reads the
 * outcome (as-completed-futures on asyncio-differences.md).
 */
#include "harness.h"

#if CHAPTER >= 7
#define LATER_MAX 3

/* The timer's side of later(): finish FUT with VALUE, or fail it. */
struct later {
	struct future *fut;
	void *value;
	bool fail;
};

static void finish_later(void *arg)
{
	struct later *l = arg;
	if (future_done(l->fut))
		return;
	if (l->fail)
		future_set_exception(l->fut, USER_ERROR, "boom");
	else
		future_set_result(l->fut, l->value, NULL);
}

struct frame {
	int resume_point;
	struct harness *h;
	struct later later[LATER_MAX];
	struct future *fs[LATER_MAX], *outer, *w;
	struct as_completed *ac;
	int outcome, i;
	enum wait_when when;
	double timeout;
	bool fail;
};

/* later(h, delay, value, error) as the case's Ith future. */
static struct future *later(struct frame *f, int i, double delay, void *value, bool fail)
{
	f->fs[i] = h_future(f->h);
	f->later[i] = (struct later){ f->fs[i], value, fail };
	handle_detach(loop_call_later(f->h->loop, delay, finish_later, &f->later[i]));
	return f->fs[i];
}

/* The end of a case: the futures are cancelled (their timers then find
 * them done) and let go. */
static void end_case(struct frame *f)
{
	for (int i = 0; i < LATER_MAX; i++) {
		if (f->fs[i])
			future_cancel(f->fs[i], NULL);
		future_free(f->fs[i]);
	}
}

/* ---------------------------------------------------------------- shield */

static int result_passes_through(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->outer = h_check(shield(later(f, 0, 0.1, INT_VALUE(42), false)), "shield");
	CORO_TRY_AWAIT(task, f, future_retain(f->outer), f->outcome);
	tok_awaited(&f->h->out, NULL, task, f->outcome, f->outer, VALUE_INT);
	future_free(f->outer);
	end_case(f);
	CORO_END(task, f);
}

static void shield_result_passes_through(struct harness *h)
{
	H_MAIN(h, result_passes_through, struct frame, .h = h);
}

static int outer_cancel_spares_inner(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->outer = h_check(shield(later(f, 0, 0.1, "ok", false)), "shield");
	future_cancel(f->outer, NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, "outer", f->outer);
	tok_state(&f->h->out, "inner", f->fs[0]);
	CORO_TRY_AWAIT(task, f, future_retain(f->fs[0]), f->outcome);
	tok_awaited(&f->h->out, "inner", task, f->outcome, f->fs[0], VALUE_WORD);
	future_free(f->outer);
	end_case(f);
	CORO_END(task, f);
}

static void shield_outer_cancel_spares_inner(struct harness *h)
{
	H_MAIN(h, outer_cancel_spares_inner, struct frame, .h = h);
}

static int inner_cancel_reaches_outer(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->fs[0] = h_future(f->h);
	f->outer = h_check(shield(f->fs[0]), "shield");
	future_cancel(f->fs[0], NULL);
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	tok_state(&f->h->out, NULL, f->outer);
	/* The outer future's own done-callback lets the pair go. */
	CORO_AWAIT(task, f, SLEEP_ZERO(f->h->loop));
	future_free(f->outer);
	end_case(f);
	CORO_END(task, f);
}

static void shield_inner_cancel_reaches_outer(struct harness *h)
{
	H_MAIN(h, inner_cancel_reaches_outer, struct frame, .h = h);
}

static void shield_shortcut(struct harness *h)
{
	struct future *fut = h_future(h);
	future_set_result(fut, INT_VALUE(42), NULL);
	struct future *outer = h_check(shield(fut), "shield");
	outcome_add(&h->out, NULL, "result=%s", outer == fut ? "True" : "False");
	future_free(outer);
	future_free(fut);
}

/* ---------------------------------------------------------------- wait */

/* three(h, when, timeout, error): wait on futures due at 0.1 (failing
 * with ERROR if set), 0.2 and 10 s; result=<d or p for each> t=... */
static int three(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	later(f, 0, 0.1, NULL, f->fail);
	later(f, 1, 0.2, NULL, false);
	later(f, 2, 10, NULL, false);
	f->w = h_check(wait_futures(f->h->loop, f->fs, LATER_MAX, f->timeout, f->when),
	               "wait_futures");
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	if (f->outcome < 0) {
		tok_error(&f->h->out, NULL, f->outcome, NULL, "wait");
	} else {
		const struct wait_result *r = task_await_result(task);
		char marks[LATER_MAX + 1] = "";
		for (int i = 0; i < LATER_MAX; i++) {
			marks[i] = 'p';
			for (size_t d = 0; d < r->done_count; d++)
				if (r->done[d] == f->fs[i])
					marks[i] = 'd';
		}
		outcome_add(&f->h->out, NULL, "result=%s", marks);
		h_t(f->h, &f->h->out, NULL);
	}
	for (int i = 0; i < LATER_MAX; i++) {
		const struct future_error *error = NULL;
		if (future_done(f->fs[i]) && !future_cancelled(f->fs[i]))
			future_exception(f->fs[i], &error);
	}
	future_free(f->w);
	end_case(f);
	CORO_END(task, f);
}

static void wait_first_completed(struct harness *h)
{
	H_MAIN(h, three, struct frame, .h = h, .timeout = WAIT_FOREVER,
	       .when = WAIT_FIRST_COMPLETED);
}

static void wait_first_exception(struct harness *h)
{
	H_MAIN(h, three, struct frame, .h = h, .timeout = WAIT_FOREVER,
	       .when = WAIT_FIRST_EXCEPTION, .fail = true);
}

static void wait_first_exception_none_waits_all(struct harness *h)
{
	H_MAIN(h, three, struct frame, .h = h, .timeout = WAIT_FOREVER,
	       .when = WAIT_FIRST_EXCEPTION);
}

static void wait_timeout_returns_pending(struct harness *h)
{
	H_MAIN(h, three, struct frame, .h = h, .timeout = 1, .when = WAIT_ALL_COMPLETED);
}

static int empty_set(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	f->w = h_check(wait_futures(f->h->loop, f->fs, 0, WAIT_FOREVER, WAIT_ALL_COMPLETED),
	               "wait_futures");
	CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
	if (f->outcome < 0)
		tok_error(&f->h->out, NULL, f->outcome, NULL, "wait");
	else
		outcome_add(&f->h->out, NULL, "result=(done, pending)");
	future_free(f->w);
	CORO_END(task, f);
}

static void wait_empty_set(struct harness *h)
{
	H_MAIN(h, empty_set, struct frame, .h = h);
}

/* ---------------------------------------------------------------- as_completed */

/* `for next_one in as_completed(...): h.log(await next_one)`, a timeout
 * logged as TimeoutError, until no future is left. */
static int log_as_completed(struct task *task, void *frame)
{
	struct frame *f = frame;
	CORO_BEGIN(f);
	for (;;) {
		f->w = h_check(as_completed_next(f->ac), "as_completed_next");
		CORO_TRY_AWAIT(task, f, future_retain(f->w), f->outcome);
		future_free(f->w);
		if (f->outcome == -ENOENT)
			break;
		if (f->outcome == -ETIMEDOUT) {
			h_log(f->h, "TimeoutError");
			continue;
		}
		if (f->outcome < 0)
			return task_raise(task, f->outcome, NULL);
		void *value = NULL;
		future_result(task_await_result(task), &value);
		h_log(f->h, "%s", (const char *)value);
	}
	CORO_END(task, f);
}

struct main_frame {
	int resume_point;
	struct frame inner;
	bool with_timeout;
};

static int as_completed_case(struct task *task, void *frame)
{
	struct main_frame *m = frame;
	struct frame *f = &m->inner;
	CORO_BEGIN(m);
	if (m->with_timeout) {
		later(f, 0, 0.1, "quick", false);
		f->fs[1] = h_future(f->h); /* never */
		f->ac = h_check(as_completed_new(f->h->loop, f->fs, 2, 1), "as_completed_new");
	} else {
		later(f, 0, 0.3, "c", false);
		later(f, 1, 0.1, "a", false);
		later(f, 2, 0.2, "b", false);
		f->ac = h_check(as_completed_new(f->h->loop, f->fs, 3, AS_COMPLETED_FOREVER),
		                "as_completed_new");
	}
	CORO_AWAIT(task, m, H_TASK(f->h, log_as_completed, struct frame, .h = f->h, .ac = f->ac));
	h_order(f->h, &f->h->out, NULL);
	if (m->with_timeout)
		h_t(f->h, &f->h->out, NULL);
	as_completed_free(f->ac);
	end_case(f);
	CORO_END(task, m);
}

static void as_completed_finishing_order(struct harness *h)
{
	H_MAIN(h, as_completed_case, struct main_frame, .inner = { .h = h });
}

static void as_completed_timeout(struct harness *h)
{
	H_MAIN(h, as_completed_case, struct main_frame, .inner = { .h = h }, .with_timeout = true);
}
#endif

const struct conformance_case waiting_cases[] = {
	{ "shield.result_passes_through", NEEDS_COORDINATION,
	  FROM_COORDINATION(shield_result_passes_through) },
	{ "shield.outer_cancel_spares_inner", NEEDS_COORDINATION,
	  FROM_COORDINATION(shield_outer_cancel_spares_inner) },
	{ "shield.inner_cancel_reaches_outer", NEEDS_COORDINATION,
	  FROM_COORDINATION(shield_inner_cancel_reaches_outer) },
	{ "shield.shortcut", NEEDS_COORDINATION, FROM_COORDINATION(shield_shortcut) },
	{ "wait.first_completed", NEEDS_COORDINATION, FROM_COORDINATION(wait_first_completed) },
	{ "wait.first_exception", NEEDS_COORDINATION, FROM_COORDINATION(wait_first_exception) },
	{ "wait.first_exception_none_waits_all", NEEDS_COORDINATION,
	  FROM_COORDINATION(wait_first_exception_none_waits_all) },
	{ "wait.timeout_returns_pending", NEEDS_COORDINATION,
	  FROM_COORDINATION(wait_timeout_returns_pending) },
	{ "wait.empty_set", NEEDS_COORDINATION, FROM_COORDINATION(wait_empty_set) },
	{ "as_completed.finishing_order", NEEDS_COORDINATION,
	  FROM_COORDINATION(as_completed_finishing_order) },
	{ "as_completed.timeout", NEEDS_COORDINATION, FROM_COORDINATION(as_completed_timeout) },
	{ NULL, 0, NULL },
};
