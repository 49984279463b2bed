/*
 * harness.h - what a C conformance case works with, and the words its
 * outcome is made of.
 *
 * Mirrors: conformance/python/harness.py. A case is one behaviour of
 * asyncio, written in Python there and in C here against one chapter's
 * core; both print the same outcome string (the vocabulary is in
 * harness.py's docstring), and scripts/conformance compares them with what
 * the case expects. So this file offers what harness.py offers, under the
 * same names where C allows: a loop on a virtual clock, an event log, a
 * ticker that counts loop iterations, the reports the loop's exception
 * handler heard, and the formatting of every outcome token.
 *
 * One binary per chapter: build/conformance/cases-NN, compiled with
 * -DCHAPTER=N against solutions/NN-*. Chapter 3 has futures only, 4 adds
 * tasks and gather, 5 timers, sleep and wait_for, 7 locks, queues, task
 * groups and timeout scopes; the macros below hide
 * the few places where their interfaces differ, so that a case is written
 * once.
 *
 * Interface:
 *   struct conformance_case, the *_cases tables   the registry, by area
 *   struct harness, h_*           the loop, log, ticker, reports, runs
 *   log_cb, log_done_cb, log_and_stop_cb, log_then_schedule_cb, stop_cb
 *                                 callbacks that write in the log or stop
 *   struct outcome, outcome_*     a string of tokens being built
 *   tok_*                         one token (or two) about a future or a call
 *   error_class                   a negative errno as a Python class name
 *   CALL_SOON, SLEEP_ZERO, H_TASK  what differs between chapters, and tasks
 */
#ifndef CONFORMANCE_HARNESS_H
#define CONFORMANCE_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "future.h"
#include "loop.h"

#ifndef CHAPTER
#error "build with -DCHAPTER=N, the chapter whose core this is (3 to 7)"
#endif

#if CHAPTER >= 4
#include "coro.h"
#include "gather.h"
#include "task.h"
#endif
#if CHAPTER >= 5
#include "handle.h"
#include "sleep.h"
#include "virtual_clock.h"
#include "wait_for.h"
#endif
#if CHAPTER >= 7
#include "barrier.h"
#include "condition.h"
#include "event.h"
#include "lock.h"
#include "queues.h"
#include "semaphore.h"
#include "shield.h"
#include "taskgroup.h"
#include "timeout.h"
#include "wait.h"
#include "as_completed.h"
#endif

/* ---------------------------------------------------------------- chapters */

/* The first chapter whose core can express a case: harness.py's NEEDS. */
enum case_needs { NEEDS_FUTURES = 3, NEEDS_TASKS = 4, NEEDS_TIMERS = 5, NEEDS_COORDINATION = 7 };

/* A case function exists only where its chapter has what it uses: these
 * name it in the registry from that chapter on, and NULL before. */
#if CHAPTER >= 4
#define FROM_TASKS(fn) fn
#else
#define FROM_TASKS(fn) NULL
#endif
#if CHAPTER >= 5
#define FROM_TIMERS(fn) fn
#else
#define FROM_TIMERS(fn) NULL
#endif
#if CHAPTER >= 7
#define FROM_COORDINATION(fn) fn
#else
#define FROM_COORDINATION(fn) NULL
#endif

/* loop_call_soon returns 0 or a negative errno in chapters 3 and 4, and a
 * handle from chapter 5 on; the cases never cancel these calls. */
#if CHAPTER >= 5
#define CALL_SOON(loop, cb, arg) handle_detach(loop_call_soon((loop), (cb), (arg)))
#else
#define CALL_SOON(loop, cb, arg) loop_call_soon((loop), (cb), (arg))
#endif

/* asyncio.sleep(0): chapter 4 has the bare yield itself, chapter 5's
 * sleep_for(loop, 0) is that same yield. */
#if CHAPTER >= 5
#define SLEEP_ZERO(loop) sleep_for((loop), 0)
#elif CHAPTER >= 4
#define SLEEP_ZERO(loop) task_yield(loop)
#endif

/* ---------------------------------------------------------------- errors */

/* The user's errors: ValueError("boom") in Python, and RuntimeError for a
 * case that needs a second class. Codes the cores never use themselves. */
#define USER_ERROR  (-EDOM)
#define USER_ERROR2 (-ENOTRECOVERABLE)
/* `1 / 0` in a block: ZeroDivisionError (taskgroups.c). */
#define DIVISION_ERROR (-ENOEXEC)

/*
 * error_class: the Python class of the negative errno CODE, as the call
 * named CALL reports it (NULL: a future's error, whatever made it). One
 * table in harness.c; an unknown code is "errno<N>", which matches no
 * expectation.
 */
const char *error_class(int code, const char *call);

/* ---------------------------------------------------------------- outcomes */

#define OUTCOME_MAX 1024

/* An outcome string being built: tokens separated by single spaces. */
struct outcome {
	char text[OUTCOME_MAX];
};

/* Add one token, printf-style, as LABEL:token when LABEL is not NULL. */
void outcome_add(struct outcome *o, const char *label, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Add every token of MORE, each as LABEL:token (harness.py's labelled). */
void outcome_append(struct outcome *o, const char *label, const struct outcome *more);

/* What a result is, for turning it into a word (harness.py's value). */
enum value_kind {
	VALUE_NONE, /* no result expected: NULL is None */
	VALUE_INT,  /* an int stored in the pointer: INT_VALUE(42) */
	VALUE_WORD, /* a string literal: "ok" */
#if CHAPTER >= 4
	VALUE_GATHER, /* a struct gather_result *: [v,...] of VALUE_INT children */
#endif
};

#define INT_VALUE(n)    ((void *)(intptr_t)(n))
#define VALUE_AS_INT(p) ((int)(intptr_t)(p))

/* state=pending|cancelled|finished, and cancelled=True|False. */
void tok_state(struct outcome *o, const char *label, const struct future *future);
void tok_cancelled(struct outcome *o, const char *label, const struct future *future);

/* result=True|False: what a call answering yes or no returned. */
void tok_bool(struct outcome *o, const char *label, bool value);

/* error=<Class>, and msg=<text> when MESSAGE is one word. */
void tok_error(struct outcome *o, const char *label, int code, const char *message,
               const char *call);

/* What calling CALL ("set_result", "set_exception"), which returns 0 or a
 * negative errno, did: result=None, or the error it raised. */
void tok_call(struct outcome *o, const char *label, int rc, const char *call);

/* h.call(fut.result): result=<value> or the error it raises. */
void tok_result(struct outcome *o, const char *label, struct future *future, enum value_kind kind);

/* h.call(fut.exception): result=None, result=<Class>, or the error. */
void tok_exception(struct outcome *o, const char *label, struct future *future);

/* h.call(loop.run_until_complete, fut): the call's own refusal, or the
 * future's outcome as tok_result says it. */
void tok_run(struct outcome *o, const char *label, struct loop *loop, struct future *future,
             enum value_kind kind);

#if CHAPTER >= 4
/* h.wait(awaitable): after CORO_TRY_AWAIT(task, frame, AWAITED, OUTCOME),
 * what the await gave: result=<value>, or the error it raised. AWAITED
 * is the future awaited (borrowed), for the error's message. */
void tok_awaited(struct outcome *o, const char *label, struct task *task, int outcome,
                 struct future *awaited, enum value_kind kind);
#endif

/* ---------------------------------------------------------------- the harness */

#define LOG_MAX     512
#define REPORTS_MAX 256
#define LOG_CALLS   64
#define TICKERS     8
#define TICK_LIMIT  10000 /* a ticker this busy is a case that never settles */

/* A callback that writes WORD in the log: h_logger makes them. */
struct log_call {
	struct harness *h;
	char word[24];
};

/* The iteration counter of one h_tick_start. */
struct ticker {
	struct harness *h;
	bool live; /* false once h_iterations stopped it */
	int count;
};

/* What a case works with. One per case, on a loop of its own. */
struct harness {
	struct loop *loop;
	struct loop *other; /* h_new_loop's, for the cross-loop cases */
#if CHAPTER >= 5
	struct virtual_clock clock, other_clock;
#endif
	struct outcome out;        /* the case's outcome */
	char raised[200];          /* why the case could not run, or "" */
	char log[LOG_MAX];         /* the event log: words separated by commas */
	bool logged;               /* anything in it, even an empty word */
	char reports[REPORTS_MAX]; /* the handler's reports since the last read */
	struct log_call log_calls[LOG_CALLS];
	int log_call_count;
	struct ticker tickers[TICKERS];
	int ticker_count;
	struct ticker *ticker; /* the running one, or NULL */
};

/* The registry: one table per area, ended by an entry whose ID is NULL. */
typedef void case_fn(struct harness *h);
struct conformance_case {
	const char *id; /* as in conformance/python/ */
	enum case_needs needs;
	case_fn *run; /* NULL: this chapter's core cannot express it */
};

extern const struct conformance_case futures_cases[], tasks_cases[], cancellation_cases[],
        gather_cases[], scheduling_cases[], timers_cases[], sleep_cases[], wait_for_cases[],
        locks_cases[], queues_cases[], taskgroups_cases[], timeouts_cases[], waiting_cases[];

/* h_init / h_close: the case's loop (on a virtual clock from chapter 5),
 * and its end: free the loops, which reports the tasks still pending,
 * and append the reports nobody read to the outcome, as run_case does. */
void h_init(struct harness *h);
void h_close(struct harness *h);

/* h_fail: the case could not run as written (printf-style): its outcome
 * becomes "raised ...", which matches nothing. The first reason stays. */
void h_fail(struct harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Abort the program, with one line, when an allocation failed: a harness
 * out of memory cannot say anything about the core. */
void *h_check(void *pointer, const char *what);

/* A new future on the case's loop, and one that failed with the user
 * error (harness.py's `failed`). */
struct future *h_future(struct harness *h);
struct future *h_failed(struct harness *h);

/* A second loop, whose reports this harness records too; freed by h_close. */
struct loop *h_new_loop(struct harness *h);

/* The event log: h_log adds a word, h_logger a callback that adds WORD
 * when called (loop_cb: pass the result as ARG to log_cb), and
 * log_done_cb the same as a done-callback. */
void h_log(struct harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct log_call *h_logger(struct harness *h, const char *word);
void log_cb(void *log_call);
void log_done_cb(struct future *future, void *log_call);

/* Two more logging callbacks (loop_cb): log_and_stop_cb logs its
 * log_call's word and stops the loop; log_then_schedule_cb logs NOW's word
 * and schedules NEXT with call_soon, for the next iteration. */
struct log_then {
	struct log_call *now, *next;
};
void log_and_stop_cb(void *log_call);
void log_then_schedule_cb(void *log_then);

/* order=<a,b,c>: the log so far. */
void h_order(struct harness *h, struct outcome *o, const char *label);

/* The iteration counter: h_tick_start schedules a callback that counts
 * itself and comes back with call_soon; h_iterations stops it and adds
 * iterations=N, the iterations begun since. */
void h_tick_start(struct harness *h);
void h_iterations(struct harness *h, struct outcome *o, const char *label);

/* t=<seconds>: the virtual clock. Chapters 3 and 4 have no timers, so
 * nothing there can make the loop wait for time: their clock stays 0. */
double h_time(struct harness *h);
void h_t(struct harness *h, struct outcome *o, const char *label);

/* reported=<names>: every report since the last call, or none. */
void h_reported(struct harness *h, struct outcome *o, const char *label);

/* Run exactly one loop iteration (stop is the last ready callback), and
 * run until nothing is ready, timed or registered. */
void h_run_once(struct harness *h);
void h_run_until_idle(struct harness *h);

/* loop.run_forever(): loop_run, which also returns when nothing is left to
 * do, where asyncio's would wait for ever (run-returns-when-idle on
 * asyncio-differences.md): so it is h_run_until_idle under another name,
 * kept so that each case reads as its Python twin. */
void h_run_forever(struct harness *h);

/* loop.run_until_complete(FUTURE) outside h.call: the case cannot go on
 * if the loop refuses, or if FUTURE fails (Python raises there), so its
 * outcome becomes "raised ...". */
void h_run_until_complete(struct harness *h, struct future *future);

/* A loop_cb that calls loop_stop(ARG). */
void stop_cb(void *loop);

#if CHAPTER >= 4
/*
 * h_task: a task running STEP on a copy of FRAME (SIZE bytes) that the task
 * owns and frees; H_TASK writes the frame as a compound literal:
 *   H_TASK(h, waiter_step, struct waiter, .h = h, .fut = fut)
 * Frames hold borrowed pointers: the case keeps its own references.
 */
struct future *h_task(struct harness *h, const char *name, task_step_fn *step, const void *frame,
                      size_t size);
#define H_TASK(h, step, type, ...) h_task((h), #step, (step), &(type){ __VA_ARGS__ }, sizeof(type))

/* Run an `async def` case: its coroutine as the main task, until it is
 * done. A main task that fails makes the outcome "raised ...". */
void h_main(struct harness *h, task_step_fn *step, const void *frame, size_t size);
#define H_MAIN(h, step, type, ...) h_main((h), (step), &(type){ __VA_ARGS__ }, sizeof(type))

/* A future that TASK's done-callback completes: waiting for it waits
 * until TASK is done, without awaiting TASK (cancellation.py's settled).
 * One reference for the caller. */
struct future *h_settled(struct harness *h, struct future *task);

/* A new future that nobody will ever complete (cancellation.py's
 * forever): what a case awaits to have something to wait for. */
struct future *h_forever(struct harness *h);
#endif

#endif
