/*
 * harness.c - what a C conformance case works with, and the words its
 * outcome is made of. See harness.h.
 *
 * Mirrors: conformance/python/harness.py, function for function.
 */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- errors */

/*
 * The one table from C's codes to Python's classes (asyncio-differences.md,
 * "errors are codes"). The first row that matches wins, so a row for one
 * call comes before the row for every other call.
 */
static const struct {
	int code;
	const char *call; /* NULL: whatever the call */
	const char *name;
} error_classes[] = {
	{ -ECANCELED, NULL, "CancelledError" },
	{ -ETIMEDOUT, NULL, "TimeoutError" },
	/* A future of another loop: run_until_complete says ValueError, a
	 * task's await RuntimeError. */
	{ -EXDEV, "run_until_complete", "ValueError" },
	{ -EXDEV, NULL, "RuntimeError" },
	/* "Event loop stopped before Future completed." */
	{ -EINTR, "run_until_complete", "RuntimeError" },
	/* "This event loop is already running" */
	{ -EBUSY, NULL, "RuntimeError" },
	/* Finishing a future already done; reading one not done yet. */
	{ -EINVAL, "set_result", "InvalidStateError" },
	{ -EINVAL, "set_exception", "InvalidStateError" },
	{ -EAGAIN, "result", "InvalidStateError" },
	{ -EAGAIN, "exception", "InvalidStateError" },
	/* A task's set_result from outside; a task awaiting itself. */
	{ -EPERM, NULL, "RuntimeError" },
	{ -EDEADLK, NULL, "RuntimeError" },
	/* An operation that ran out of memory, or so the core says. */
	{ -ENOMEM, NULL, "MemoryError" },
	/* Chapter 7: a queue's get_nowait when empty and put_nowait when
	 * full, its task_done once too often, a bounded semaphore released
	 * too often. A lock released unlocked is -EPERM above. */
	{ -EAGAIN, "get_nowait", "QueueEmpty" },
	{ -EAGAIN, "put_nowait", "QueueFull" },
	{ -EOVERFLOW, "task_done", "ValueError" },
	{ -EOVERFLOW, "release", "ValueError" },
	/* A wait on a barrier that is broken, or reset while it waits
	 * (barrier.h's BARRIER_BROKEN). */
	{ -EPIPE, NULL, "BrokenBarrierError" },
	/* asyncio.wait() on an empty set. */
	{ -EINVAL, "wait", "ValueError" },
	{ USER_ERROR, NULL, "ValueError" },
	{ USER_ERROR2, NULL, "RuntimeError" },
	{ DIVISION_ERROR, NULL, "ZeroDivisionError" },
};

const char *error_class(int code, const char *call)
{
	for (size_t i = 0; i < sizeof error_classes / sizeof error_classes[0]; i++)
		if (error_classes[i].code == code &&
		    (!error_classes[i].call || (call && strcmp(call, error_classes[i].call) == 0)))
			return error_classes[i].name;
	static char unknown[32];
	snprintf(unknown, sizeof unknown, "errno%d", code);
	return unknown;
}

/* ---------------------------------------------------------------- outcomes */

static void outcome_vadd(struct outcome *o, const char *label, const char *fmt, va_list args)
{
	size_t used = strlen(o->text);
	if (used > 0 && used < sizeof o->text - 1)
		o->text[used++] = ' ';
	if (label)
		used += (size_t)snprintf(o->text + used, sizeof o->text - used, "%s:", label);
	if (used < sizeof o->text)
		vsnprintf(o->text + used, sizeof o->text - used, fmt, args);
}

void outcome_add(struct outcome *o, const char *label, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	outcome_vadd(o, label, fmt, args);
	va_end(args);
}

void outcome_append(struct outcome *o, const char *label, const struct outcome *more)
{
	char copy[OUTCOME_MAX];
	snprintf(copy, sizeof copy, "%s", more->text);
	for (char *save = NULL, *token = strtok_r(copy, " ", &save); token;
	     token = strtok_r(NULL, " ", &save))
		outcome_add(o, label, "%s", token);
}

void tok_state(struct outcome *o, const char *label, const struct future *future)
{
	const char *state = !future_done(future)       ? "pending"
	                    : future_cancelled(future) ? "cancelled"
	                                               : "finished";
	outcome_add(o, label, "state=%s", state);
}

void tok_cancelled(struct outcome *o, const char *label, const struct future *future)
{
	outcome_add(o, label, "cancelled=%s", future_cancelled(future) ? "True" : "False");
}

void tok_bool(struct outcome *o, const char *label, bool value)
{
	outcome_add(o, label, "result=%s", value ? "True" : "False");
}

/* Python's error(): a message goes with the class only when it is one
 * word; the cases' own messages are ("boom", "stop"). */
static bool one_word(const char *text)
{
	if (!text || !*text)
		return false;
	for (; *text; text++)
		if (*text == ' ' || *text == '\t' || *text == '\n')
			return false;
	return true;
}

void tok_error(struct outcome *o, const char *label, int code, const char *message,
               const char *call)
{
	outcome_add(o, label, "error=%s", error_class(code, call));
	if (one_word(message))
		outcome_add(o, label, "msg=%s", message);
}

void tok_call(struct outcome *o, const char *label, int rc, const char *call)
{
	if (rc < 0)
		tok_error(o, label, rc, NULL, call);
	else
		outcome_add(o, label, "result=None");
}

#if CHAPTER >= 4
static void add_gather_value(struct outcome *o, const char *label,
                             const struct gather_result *result);
#endif

/* harness.py's value(): the result VALUE as one word. */
static void add_value(struct outcome *o, const char *label, void *value, enum value_kind kind)
{
	switch (kind) {
	case VALUE_INT:
		outcome_add(o, label, "result=%d", VALUE_AS_INT(value));
		return;
	case VALUE_WORD:
		outcome_add(o, label, "result=%s", value ? (const char *)value : "None");
		return;
#if CHAPTER >= 4
	case VALUE_GATHER:
		add_gather_value(o, label, value);
		return;
#endif
	case VALUE_NONE:
		break;
	}
	outcome_add(o, label, "result=%s", value ? "<a value where None was expected>" : "None");
}

/* What reading FUTURE with CALL ("result", "exception") raised: the
 * call's own refusal while FUTURE is pending, else its cancellation or its
 * error, with the message. */
static void add_future_error(struct outcome *o, const char *label, struct future *future, int code,
                             const char *call)
{
	const struct future_error *error = NULL;
	if (!future_done(future)) {
		tok_error(o, label, code, NULL, call);
		return;
	}
	if (code == -ECANCELED && future_cancelled(future)) {
		tok_error(o, label, code, future_cancel_message(future), NULL);
		return;
	}
	future_exception(future, &error);
	tok_error(o, label, code, error ? error->message : NULL, NULL);
}

void tok_result(struct outcome *o, const char *label, struct future *future, enum value_kind kind)
{
	void *value = NULL;
	int rc = future_result(future, &value);
	if (rc < 0)
		add_future_error(o, label, future, rc, "result");
	else
		add_value(o, label, value, kind);
}

void tok_exception(struct outcome *o, const char *label, struct future *future)
{
	const struct future_error *error = NULL;
	int rc = future_exception(future, &error);
	if (rc < 0)
		add_future_error(o, label, future, rc, "exception");
	else
		outcome_add(o, label, "result=%s", error ? error_class(error->code, NULL) : "None");
}

void tok_run(struct outcome *o, const char *label, struct loop *loop, struct future *future,
             enum value_kind kind)
{
	int rc = loop_run_until_complete(loop, future);
	if (rc < 0)
		tok_error(o, label, rc, NULL, "run_until_complete");
	else
		tok_result(o, label, future, kind);
}

#if CHAPTER >= 4
/* [v,...]: each child's result, or the class of its error. */
static void add_gather_value(struct outcome *o, const char *label,
                             const struct gather_result *result)
{
	char list[OUTCOME_MAX] = "";
	size_t used = 0;
	for (size_t i = 0; i < result->count && used < sizeof list; i++) {
		void *value = NULL;
		int rc = future_result(result->children[i], &value);
		const char *comma = i ? "," : "";
		if (rc < 0)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", comma,
			                         error_class(rc, NULL));
		else
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", comma,
			                         VALUE_AS_INT(value));
	}
	outcome_add(o, label, "result=[%s]", list);
}

void tok_awaited(struct outcome *o, const char *label, struct task *task, int outcome,
                 struct future *awaited, enum value_kind kind)
{
	if (outcome == 0) {
		add_value(o, label, task_await_result(task), kind);
		return;
	}
	/* The words that came with the error: the awaited future's, when it
	 * is the one that ended that way; an error thrown in by the task
	 * itself (awaiting itself, another loop's future) has none here. */
	const struct future_error *error = NULL;
	if (outcome == -ECANCELED && future_cancelled(awaited))
		tok_error(o, label, outcome, future_cancel_message(awaited), NULL);
	else if (future_done(awaited) && future_exception(awaited, &error) == 0 && error &&
	         error->code == outcome)
		tok_error(o, label, outcome, error->message, NULL);
	else
		tok_error(o, label, outcome, NULL, NULL);
}
#endif

/* ---------------------------------------------------------------- the harness */

void *h_check(void *pointer, const char *what)
{
	if (!pointer) {
		fprintf(stderr, "cases: out of memory: %s\n", what);
		exit(1);
	}
	return pointer;
}

/* harness.py's report_name: the short name of a handler's message. */
static const char *report_name(const char *message)
{
	if (strstr(message, "exception was never retrieved"))
		return "never_retrieved";
	if (strstr(message, "Task was destroyed but it is pending"))
		return "destroyed_pending";
	if (strstr(message, "Exception in callback"))
		return "callback_raised";
	return "other";
}

static void record_report(const char *message, void *arg)
{
	struct harness *h = arg;
	size_t used = strlen(h->reports);
	snprintf(h->reports + used, sizeof h->reports - used, "%s%s", used ? "," : "",
	         report_name(message));
}

static struct loop *new_loop(struct harness *h)
{
	struct loop *loop = h_check(loop_new(), "loop_new");
	loop_set_exception_handler(loop, record_report, h);
	return loop;
}

void h_init(struct harness *h)
{
	memset(h, 0, sizeof *h);
	h->loop = new_loop(h);
#if CHAPTER >= 5
	virtual_clock_install(&h->clock, h->loop, 0.0);
#endif
}

struct loop *h_new_loop(struct harness *h)
{
	if (h->other)
		h_fail(h, "the harness has room for one other loop");
	h->other = new_loop(h);
#if CHAPTER >= 5
	virtual_clock_install(&h->other_clock, h->other, 0.0);
#endif
	return h->other;
}

void h_close(struct harness *h)
{
	/* Freeing a loop reports the tasks still pending on it. */
	loop_free(h->other);
	loop_free(h->loop);
	h->other = h->loop = NULL;
	if (h->reports[0]) {
		struct outcome unread = { "" };
		h_reported(h, &unread, NULL);
		outcome_append(&h->out, NULL, &unread);
	}
}

void h_fail(struct harness *h, const char *fmt, ...)
{
	if (h->raised[0])
		return;
	va_list args;
	va_start(args, fmt);
	vsnprintf(h->raised, sizeof h->raised, fmt, args);
	va_end(args);
}

struct future *h_future(struct harness *h)
{
	return h_check(future_new(h->loop), "future_new");
}

struct future *h_failed(struct harness *h)
{
	struct future *future = h_future(h);
	future_set_exception(future, USER_ERROR, "boom");
	return future;
}

/* ---------------------------------------------------------------- log */

void h_log(struct harness *h, const char *fmt, ...)
{
	size_t used = strlen(h->log);
	if (h->logged && used < sizeof h->log - 1)
		h->log[used++] = ',';
	va_list args;
	va_start(args, fmt);
	vsnprintf(h->log + used, sizeof h->log - used, fmt, args);
	va_end(args);
	h->logged = true;
}

struct log_call *h_logger(struct harness *h, const char *word)
{
	if (h->log_call_count == LOG_CALLS) {
		fprintf(stderr, "cases: more than %d logging callbacks in one case\n", LOG_CALLS);
		exit(1);
	}
	struct log_call *call = &h->log_calls[h->log_call_count++];
	call->h = h;
	snprintf(call->word, sizeof call->word, "%s", word);
	return call;
}

void log_cb(void *arg)
{
	struct log_call *call = arg;
	h_log(call->h, "%s", call->word);
}

void log_done_cb(struct future *future, void *arg)
{
	(void)future;
	log_cb(arg);
}

void log_and_stop_cb(void *arg)
{
	struct log_call *call = arg;
	log_cb(call);
	loop_stop(call->h->loop);
}

void log_then_schedule_cb(void *arg)
{
	struct log_then *t = arg;
	log_cb(t->now);
	if (CALL_SOON(t->now->h->loop, log_cb, t->next) < 0)
		h_fail(t->now->h, "call_soon failed");
}

void h_order(struct harness *h, struct outcome *o, const char *label)
{
	outcome_add(o, label, "order=%s", h->log);
}

/* ---------------------------------------------------------------- ticker */

static void tick(void *arg)
{
	struct ticker *t = arg;
	if (!t->live)
		return; /* stopped by h_iterations: it does not come back */
	if (++t->count > TICK_LIMIT) {
		h_fail(t->h, "RuntimeError: the ticker ran away: the case never settles");
		return;
	}
	if (CALL_SOON(t->h->loop, tick, t) < 0)
		h_fail(t->h, "the ticker could not schedule itself");
}

void h_tick_start(struct harness *h)
{
	if (h->ticker_count == TICKERS) {
		fprintf(stderr, "cases: more than %d tickers in one case\n", TICKERS);
		exit(1);
	}
	/* A fresh counter: the last one may still be in the ready queue,
	 * stopped, on its way out. */
	struct ticker *t = &h->tickers[h->ticker_count++];
	*t = (struct ticker){ .h = h, .live = true };
	h->ticker = t;
	if (CALL_SOON(h->loop, tick, t) < 0)
		h_fail(h, "the ticker could not schedule itself");
}

void h_iterations(struct harness *h, struct outcome *o, const char *label)
{
	if (!h->ticker) {
		h_fail(h, "h_iterations without h_tick_start");
		return;
	}
	h->ticker->live = false;
	outcome_add(o, label, "iterations=%d", h->ticker->count);
	h->ticker = NULL;
}

/* ---------------------------------------------------------------- time, reports, runs */

double h_time(struct harness *h)
{
#if CHAPTER >= 5
	return loop_time(h->loop);
#else
	(void)h;
	return 0.0;
#endif
}

void h_t(struct harness *h, struct outcome *o, const char *label)
{
	outcome_add(o, label, "t=%.3f", h_time(h));
}

void h_reported(struct harness *h, struct outcome *o, const char *label)
{
	outcome_add(o, label, "reported=%s", h->reports[0] ? h->reports : "none");
	h->reports[0] = '\0';
}

void stop_cb(void *loop)
{
	loop_stop(loop);
}

static void run(struct harness *h)
{
	int rc = loop_run(h->loop);
	if (rc < 0)
		h_fail(h, "loop_run: %s", strerror(-rc));
}

void h_run_once(struct harness *h)
{
	if (CALL_SOON(h->loop, stop_cb, h->loop) < 0)
		h_fail(h, "run_once: could not schedule the stop");
	run(h);
}

void h_run_until_idle(struct harness *h)
{
	run(h);
}

void h_run_forever(struct harness *h)
{
	run(h);
}

void h_run_until_complete(struct harness *h, struct future *future)
{
	struct outcome why = { "" };
	tok_run(&why, NULL, h->loop, future, VALUE_NONE);
	if (strncmp(why.text, "error=", 6) == 0)
		h_fail(h, "%s: run_until_complete", why.text);
}

/* ---------------------------------------------------------------- tasks */

#if CHAPTER >= 4
struct future *h_task(struct harness *h, const char *name, task_step_fn *step, const void *frame,
                      size_t size)
{
	void *copy = h_check(malloc(size), "a coroutine's frame");
	memcpy(copy, frame, size);
	return h_check(task_create(h->loop, name, step, copy, free), "task_create");
}

void h_main(struct harness *h, task_step_fn *step, const void *frame, size_t size)
{
	struct future *main = h_task(h, "main", step, frame, size);
	int rc = loop_run_until_complete(h->loop, main);
	void *unused;
	int outcome = rc < 0 ? rc : future_result(main, &unused);
	if (outcome < 0) {
		struct outcome why = { "" };
		if (rc < 0)
			tok_error(&why, NULL, rc, NULL, "run_until_complete");
		else
			tok_result(&why, NULL, main, VALUE_NONE);
		h_fail(h, "%s: the main task did not finish", why.text);
	}
	future_free(main);
}

static void complete_settled(struct future *task, void *settled)
{
	(void)task;
	future_set_result(settled, NULL, NULL);
	future_free(settled);
}

struct future *h_settled(struct harness *h, struct future *task)
{
	struct future *settled = h_future(h);
	if (future_add_done_callback(task, complete_settled, future_retain(settled)) < 0)
		h_check(NULL, "future_add_done_callback");
	return settled;
}

struct future *h_forever(struct harness *h)
{
	return h_future(h);
}
#endif
