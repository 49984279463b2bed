/*
 * timeout.h - a deadline around a block of awaits: a cancel scope.
 *
 * Mirrors: asyncio.timeout() and timeout_at() (3.11). When the deadline
 * comes, the scope cancels the task it belongs to, so whatever the task
 * awaits at that moment is cancelled; the cancellation travels up to the
 * end of the block, where timeout_exit turns it into -ETIMEDOUT:
 *
 *   async with asyncio.timeout(10):     f->scope = timeout_enter(task, 10);
 *       await fetch(url)                CORO_TRY_AWAIT(task, f, fetch(...), outcome);
 *                                       outcome = timeout_exit(f->scope, outcome);
 *
 * How does the end of the block know the cancellation was the scope's
 * own, and not somebody else's request to stop the task (Ctrl-C, a task
 * group)? By counting: task_cancel counts every request (task_cancelling),
 * and timeout_exit takes its own back with task_uncancel. If the count is
 * then back where it was when the scope was entered, the cancellation was
 * the scope's: -ETIMEDOUT. If not, someone else asked too, and the
 * cancellation goes on up. So scopes nest, and a timeout never swallows a
 * Ctrl-C.
 *
 * wait_for (chapter 5) waits for one future; a scope covers any number of
 * awaits in a row, and costs no future of its own.
 *
 * Interface:
 *   timeout_enter / timeout_enter_at  open a scope on the running task
 *   timeout_exit        close it, turning its cancellation into -ETIMEDOUT
 *   timeout_reschedule  move the deadline                     (reschedule)
 *   timeout_when        the deadline                          (when)
 *   timeout_expired     has the deadline come?                (expired)
 */
#ifndef TIMEOUT_H
#define TIMEOUT_H

#include <stdbool.h>

struct task;
struct timeout;

/* A deadline that never comes (asyncio: timeout(None)). */
#define TIMEOUT_NEVER (-1.0)

/*
 * timeout_enter: open a scope on TASK (the running task) whose deadline is
 * DELAY seconds from now on the loop's clock (TIMEOUT_NEVER: none);
 * timeout_enter_at: the same with the deadline WHEN on the loop's clock.
 * A deadline already past cancels the task in the next iteration. Returns
 * the scope, or NULL when out of memory. The scope belongs to the caller
 * until timeout_exit, which frees it.
 */
struct timeout *timeout_enter(struct task *task, double delay);
struct timeout *timeout_enter_at(struct task *task, double when);

/*
 * timeout_exit: close SCOPE (and free it) at the end of the block, whose
 * OUTCOME was 0, an error, or -ECANCELED. Returns the outcome to go on
 * with: -ETIMEDOUT when the deadline came, the block ended cancelled, and
 * no cancellation but the scope's own is pending (the scope's is taken
 * back); otherwise OUTCOME. A NULL SCOPE (out of memory at enter) returns
 * OUTCOME.
 */
int timeout_exit(struct timeout *scope, int outcome);

/* timeout_reschedule: the deadline becomes WHEN on the loop's clock
 * (TIMEOUT_NEVER: none). Returns 0, -EPERM once the deadline has come
 * (asyncio: RuntimeError, "Cannot change state of expiring Timeout"), or
 * -ENOMEM. */
int timeout_reschedule(struct timeout *scope, double when);

/* The deadline on the loop's clock, or TIMEOUT_NEVER. */
double timeout_when(const struct timeout *scope);

/* True once the deadline has come and cancelled the task. */
bool timeout_expired(const struct timeout *scope);

#endif
