/*
 * future.h - a promise of a result, kept by the loop.
 *
 * Mirrors: asyncio.Future. A future starts PENDING and ends, once, either
 * FINISHED (with a result or an error) or CANCELLED. Whoever waits for it
 * registers a done-callback; the loop runs each one soon after the future
 * is done, never from inside the call that completed it.
 *
 * The article's receipt: you hand over your bag and get a ticket (the
 * future) at once; the goods come later, and the ticket tells you when.
 *
 * Ownership: a future is reference-counted. future_new() gives the caller
 * one reference and future_free() drops it. The loop takes a reference for
 * every done-callback it has scheduled and drops it after the call, so a
 * future may be freed by its owner while callbacks are still on their way:
 * it lives until the last of them has run. A result set with a
 * destructor belongs to the future and is destroyed with it; without one,
 * it is borrowed and must outlive the future.
 *
 * Interface:
 *   future_new / future_retain / future_free   create, share, release
 *   future_set_result     PENDING -> FINISHED with a result
 *   future_set_exception  PENDING -> FINISHED with an error (code, message)
 *   future_cancel         PENDING -> CANCELLED, or what its class does
 *   future_set_result_base / future_set_exception_base / future_cancel_base
 *                         the plain versions, for a class's own code
 *   future_set_class / future_self
 *                         what makes a future more (a task, a gather)
 *   future_get_loop       the loop it belongs to
 *   future_done / future_cancelled             where it stands
 *   future_result         the result, or why there is none
 *   future_exception      the error, if it ended with one
 *   future_add_done_callback / future_remove_done_callback
 *   future_copy_state     finish one future as another one finished
 */
#ifndef FUTURE_H
#define FUTURE_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct future;

enum future_state { FUTURE_PENDING, FUTURE_FINISHED, FUTURE_CANCELLED };

/* The longest message a future keeps; longer ones are cut. */
#define FUTURE_MESSAGE_MAX 160

/* Why a future failed: a negative errno-style code, and words for a person.
 * New in chapter 5: the words live outside the future, allocated only when
 * it fails, so that the many futures that never fail stay small. */
struct future_error {
	int code;
	const char *message;
};

/* A done-callback receives the future that completed and its own ARG. */
typedef void future_done_cb(struct future *future, void *arg);

/* Destroys a result that the future owns. */
typedef void future_result_free_cb(void *result);

/* A new PENDING future on LOOP, with one reference for the caller; NULL
 * when out of memory. */
struct future *future_new(struct loop *loop);

/* Take another reference; returns FUTURE for convenience. */
struct future *future_retain(struct future *future);

/*
 * Drop one reference. The last one destroys the future and an owned
 * result. A failed future whose error nobody read is reported then, once,
 * through the loop's exception handler ("exception was never retrieved").
 */
void future_free(struct future *future);

/*
 * Finish with RESULT. FREE_RESULT (may be NULL) makes the future its owner.
 * Schedules the done-callbacks. Returns 0; -EINVAL when the future is
 * already done (asyncio's InvalidStateError); -EPERM when its class is
 * sealed (a task's future: asyncio raises RuntimeError, "Task does not
 * support set_result operation"). On failure the result is not taken.
 */
int future_set_result(struct future *future, void *result, future_result_free_cb *free_result);

/* Finish with an error: CODE (negative) and MESSAGE (copied, cut to fit).
 * Returns 0, -EINVAL when the future is already done, or -EPERM when its
 * class is sealed. */
int future_set_exception(struct future *future, int code, const char *message);

/*
 * Cancel a PENDING future, with an optional MESSAGE (may be NULL).
 * Returns false when it is already done, and then only tells its class,
 * if the class has a given_up hook (below). A future of a class with its
 * own cancel calls that instead, and returns what it returns: a task, for
 * one, cancels what it waits for first. Either way a failed future's
 * error now counts as retrieved: whoever cancels a future has given up on
 * its outcome, so it is not reported as "never retrieved" (asyncio:
 * cancel() clears __log_traceback before it looks at the state).
 */
bool future_cancel(struct future *future, const char *message);

/* The plain versions, whatever the class: what a class's own code calls
 * when it decides how the future ends (asyncio: super().set_result(...),
 * super().set_exception(...), super().cancel(msg) inside Task). Each
 * returns as its public twin does, never -EPERM. */
int future_set_result_base(struct future *future, void *result, future_result_free_cb *free_result);
int future_set_exception_base(struct future *future, int code, const char *message);
bool future_cancel_base(struct future *future, const char *message);

/* What future_cancel(FUTURE, MESSAGE) does for a future of a class that
 * overrides cancel. SELF is what future_set_class was given. Called only
 * while FUTURE is PENDING; returns true when cancellation was requested,
 * and reaches future_cancel_base when the future is really over. */
typedef bool future_cancel_cb(struct future *future, const char *message, void *self);

/*
 * A class: what makes a future stand for more than a value. Task and the
 * future of gather are subclasses of Future in asyncio, which override
 * cancel() and, for Task, refuse set_result() and set_exception() from
 * outside. In C the overrides are this table, one per kind of future,
 * with SELF (the task, the gather) kept beside it in the future.
 */
struct future_class {
	const char *name;         /* for reports: "Task", "gather" */
	future_cancel_cb *cancel; /* future_cancel does this; NULL: the plain cancel */
	bool sealed;              /* only the class's own code finishes the future */
	void (*release)(void *self); /* called as the future is freed; may be NULL */
	/* New in chapter 7: future_cancel reached the future after it was
	 * done, so whoever waits for it has given up on its outcome (waiter.h:
	 * a task woken with a lock, cancelled before it could run). May be
	 * NULL. */
	void (*given_up)(void *self);
};

/* Give FUTURE the class CLS with SELF, or none with CLS NULL. */
void future_set_class(struct future *future, const struct future_class *cls, void *self);

/* The SELF of FUTURE if its class is CLS, else NULL: how a task finds
 * itself from its future. */
void *future_self(const struct future *future, const struct future_class *cls);

/* The loop the future belongs to (asyncio: Future.get_loop()). */
struct loop *future_get_loop(const struct future *future);

bool future_done(const struct future *future);
bool future_cancelled(const struct future *future);
enum future_state future_state(const struct future *future);

/*
 * Read the outcome. Returns 0 with *RESULT set (borrowed: the future still
 * owns it) when FINISHED with a result; the error's code when FINISHED with
 * an error (which counts as retrieved); -ECANCELED when CANCELLED; -EAGAIN
 * while PENDING (asyncio: InvalidStateError, "Result is not ready.").
 */
int future_result(struct future *future, void **result);

/*
 * The error the future finished with: returns 0 and sets *ERROR to it, or
 * to NULL when the future finished with a result; -EAGAIN while PENDING
 * and -ECANCELED when CANCELLED, so that the three cases never look alike
 * (asyncio: exception() raises InvalidStateError and CancelledError in
 * those two). Reading the error counts as retrieving it.
 */
int future_exception(struct future *future, const struct future_error **error);

/* The message given to future_cancel, or "" (after cancellation). */
const char *future_cancel_message(const struct future *future);

/*
 * Call CB(future, ARG) once the future is done, from the loop, in the order
 * the callbacks were added. When the future is already done, CB is
 * scheduled at once (never run inline). Returns 0 or -ENOMEM.
 */
int future_add_done_callback(struct future *future, future_done_cb *cb, void *arg);

/*
 * Forget every registration of (CB, ARG) that has not been scheduled yet.
 * Returns how many were removed. Simplification: asyncio compares the
 * callback alone; a C callback needs its ARG to say which one it is.
 */
int future_remove_done_callback(struct future *future, future_done_cb *cb, void *arg);

/*
 * Finish DEST as SOURCE finished: the same result (borrowed: DEST keeps
 * SOURCE alive as long as it lives itself), the same error, or cancelled
 * with the same message. Returns 0; -EAGAIN when SOURCE is still PENDING;
 * -EINVAL when DEST is already done. (asyncio: _copy_future_state.)
 */
int future_copy_state(struct future *dest, struct future *source);

#endif
