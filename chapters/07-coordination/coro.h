/*
 * coro.h - coroutines in C: a frame, a resume point, and a step function.
 *
 * Mirrors: the coroutine object that calling an `async def` function
 * creates. Python keeps the paused function in a frame: where it stopped
 * (f_lineno) and its local variables (f_locals). A C function cannot pause:
 * when it returns, its locals are gone. So a C coroutine keeps the two by
 * hand. Its locals live in a FRAME struct that the caller allocates, and
 * the frame's first member is `int resume_point`: where to go on next time
 * (0 means "from the top"). The STEP function runs the coroutine from its
 * resume point to its next await, records the new resume point, and
 * returns. A task (task.h) calls it again once the awaited future is done.
 *
 * Written by hand, a step function is a switch on the resume point with
 * one case per await (worker.c's worker_step). The macros below write that
 * switch for you, numbering each await with its line, so the body reads
 * top to bottom (trap.c, fetch.c). The rules that come with them:
 *   - every local that must survive an await lives in the frame; a C local
 *     starts afresh at every resumption (trap.c shows what goes wrong);
 *   - at most one CORO_AWAIT per line (the line is the resume point);
 *   - no CORO_AWAIT inside a switch of the coroutine's own: its case label
 *     would belong to that inner switch.
 *
 * Interface:
 *   enum task_step, task_step_fn   what a step function is and returns
 *   CORO_BEGIN / CORO_AWAIT / CORO_TRY_AWAIT / CORO_END
 *                              the switch, written by macros
 *   coro_new / coro_free       a coroutine object that has not run yet
 *   coro_hand_over             for task.c: the coroutine starts running
 *
 * Include task.h to write a coroutine: the macros call task_await,
 * task_propagate, task_outcome and task_return.
 */
#ifndef CORO_H
#define CORO_H

#include <stdbool.h>

struct loop;
struct task;

/* What a step function returns: suspended at an await, or finished (after
 * task_return or task_raise). A negative errno also finishes it, failed
 * with that code. */
enum task_step { TASK_STEP_AWAIT = 1, TASK_STEP_DONE = 2 };

/* One step of a coroutine: run FRAME from its resume point on TASK. */
typedef int task_step_fn(struct task *task, void *frame);

/* Destroys a frame once its coroutine is over (or was never run). */
typedef void coro_frame_free_cb(void *frame);

/* Open the switch: resume point 0 starts at the top of the body. */
#define CORO_BEGIN(frame)                                                                          \
	switch ((frame)->resume_point) {                                                           \
	case 0:

/*
 * Await FUTURE_EXPR, as `await` does in Python: an error or a cancellation
 * that the future ends with goes on up, and ends this coroutine with it
 * (task_raise), unless the coroutine catches it with CORO_TRY_AWAIT. The
 * result, if any, is task_await_result(task) just after.
 *
 * How: remember this line as the resume point and hand the future to the
 * task. A future that is not done yet suspends the coroutine (return); the
 * next step jumps back to the case label right here. A future that is done
 * already does not: its outcome is there, so the coroutine goes straight
 * on, with no trip round the loop, as `await` on a done future in Python.
 */
#define CORO_AWAIT(task, frame, future_expr)                                                       \
	do {                                                                                       \
		(frame)->resume_point = __LINE__;                                                  \
		if (task_await((task), (future_expr)))                                             \
			return TASK_STEP_AWAIT;                                                    \
		__attribute__((fallthrough));                                                      \
	case __LINE__:                                                                             \
		if (task_propagate(task))                                                          \
			return TASK_STEP_DONE;                                                     \
	} while (0)

/*
 * The same await inside `try: ... except BaseException`: nothing goes up
 * by itself. OUTCOME (an int variable) receives what the await delivered:
 * 0 (the result is task_await_result(task)), the future's error code, or
 * -ECANCELED. Catching a cancellation this way is a decision: clean up,
 * then task_raise(task, -ECANCELED, NULL) to let it go on, as Python code
 * that catches CancelledError re-raises it.
 */
#define CORO_TRY_AWAIT(task, frame, future_expr, outcome)                                          \
	do {                                                                                       \
		(frame)->resume_point = __LINE__;                                                  \
		if (task_await((task), (future_expr)))                                             \
			return TASK_STEP_AWAIT;                                                    \
		__attribute__((fallthrough));                                                      \
	case __LINE__:                                                                             \
		(outcome) = task_outcome(task);                                                    \
	} while (0)

/* Close the switch. Running off the end returns NULL, as an async def
 * without a return statement returns None. */
#define CORO_END(task, frame)                                                                      \
	}                                                                                          \
	(frame)->resume_point = -1;                                                                \
	return task_return((task), NULL, NULL)

/* A coroutine object: its step function and frame, not running yet. */
struct coro {
	struct loop *loop;
	const char *name; /* borrowed: a string literal, for reports */
	task_step_fn *step;
	void *frame;
	coro_frame_free_cb *free_frame; /* may be NULL: the frame is not ours */
};

/*
 * coro_new: wrap STEP and FRAME in a coroutine object for LOOP, the C
 * counterpart of calling an async def function: nothing runs yet. The
 * caller owns it until it hands it to task_create_from (which runs it) or
 * frees it with coro_free. Returns NULL when out of memory, after freeing
 * FRAME with FREE_FRAME. In debug mode (loop_set_debug) the loop remembers
 * it until it starts, and reports it when the loop is freed first.
 */
struct coro *coro_new(struct loop *loop, const char *name, task_step_fn *step, void *frame,
                      coro_frame_free_cb *free_frame);

/*
 * coro_free: destroy a coroutine that never ran, and its frame. That is
 * almost always a bug (a call whose result nobody awaited), so it is
 * reported through the loop's exception handler: "coroutine 'NAME' was
 * never awaited", as Python warns when such a coroutine is collected.
 */
void coro_free(struct coro *coro);

/* coro_hand_over: CORO starts running. The loop forgets it, and the object
 * is freed; the caller (task.c) has copied what it needs, and now owns the
 * frame. */
void coro_hand_over(struct coro *coro);

#endif
