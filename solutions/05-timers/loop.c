/*
 * loop.c - an event loop on select(), with timers. See loop.h.
 *
 * Mirrors: asyncio's BaseEventLoop._run_once over selectors.SelectSelector.
 *
 * Three places hold work: the descriptor registry (an array indexed by
 * descriptor number, as in chapter 2), the ready queue (a ring of handles,
 * chapter 3) and, new here, the timer heap (timer_heap.h), whose top is
 * always the nearest deadline. loop_run_once reads as the five numbered
 * steps of one iteration, the same numbers as in the walkthrough.
 */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "future.h"
#include "timer_heap.h"
#include "todo.h"
#include "trace.h"

/*
 * The ready queue: handles to run in the next iteration, first in, first
 * out (asyncio: the deque loop._ready). A ring buffer in one array: adding
 * at the tail and taking from the head both cost O(1), and the array only
 * grows when the queue is full.
 */
struct ready_queue {
	struct handle **handles;
	size_t head, count, capacity;
};

/* A function and its argument, for the close callbacks. */
struct close_callback {
	loop_cb *cb;
	void *arg;
};

struct loop_callback {
	loop_cb *cb; /* NULL: nothing registered */
	void *arg;
	unsigned long since; /* the iteration during which it was registered */
};

/* Everything the loop knows about one descriptor. */
struct loop_fd {
	struct loop_callback reader, writer;
};

struct loop {
	struct loop_fd fds[FD_SETSIZE];
	int max_fd;              /* the highest descriptor ever registered, or -1 */
	int registered;          /* readers and writers registered now */
	unsigned long iteration; /* how many times the loop polled */
	bool stopping;           /* loop_stop was called */
	bool running;            /* inside loop_run */
	struct ready_queue ready;
	struct timer_heap timers;
	unsigned long long next_seq; /* stamps timers in scheduling order */
	struct loop_clock clock;
	loop_exception_cb *exception_handler;
	void *exception_handler_arg;
	bool debug;                   /* loop_set_debug */
	double slow_callback_seconds; /* debug: warn about callbacks this long */
	/* What the current callback is doing, copied: the task that named
	 * itself may be gone by the time the callback returns. "": unnamed. */
	char running_label[64];
	struct loop_member *members;            /* told by loop_free, newest first */
	struct close_callback *close_callbacks; /* called by loop_free */
	size_t close_count, close_capacity;
};

/* The default clock: CLOCK_MONOTONIC, and real sleeps in select(). */
static double monotonic_now(void *self)
{
	(void)self;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

struct loop *loop_new(void)
{
	/* calloc: every callback NULL, both queues empty. */
	struct loop *loop = calloc(1, sizeof *loop);
	if (!loop)
		return NULL;
	loop->max_fd = -1;
	loop->clock = (struct loop_clock){ monotonic_now, NULL, NULL };
	loop->slow_callback_seconds = 0.1;
	const char *debug = getenv("ASYNCIO_C_DEBUG");
	loop->debug = debug && strcmp(debug, "1") == 0;
	trace_loop_new(loop, loop_time);
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	/* Newest first; each one may remove others, never add. */
	while (loop->members) {
		struct loop_member *member = loop->members;
		loop_leave(loop, member);
		member->on_close(member->arg);
	}
	while (loop->close_count > 0) {
		struct close_callback c = loop->close_callbacks[--loop->close_count];
		c.cb(c.arg);
	}
	trace_loop_free(loop);
	free(loop->close_callbacks);
	/* Handles still waiting are cancelled: whoever holds one sees it. */
	struct ready_queue *q = &loop->ready;
	for (; q->count > 0; q->count--, q->head = (q->head + 1) % q->capacity) {
		struct handle *handle = q->handles[q->head];
		handle->state = HANDLE_CANCELLED;
		handle_free(handle);
	}
	free(q->handles);
	timer_heap_clear(&loop->timers);
	free(loop);
}

void loop_set_debug(struct loop *loop, bool enabled)
{
	loop->debug = enabled;
}

bool loop_get_debug(const struct loop *loop)
{
	return loop->debug;
}

void loop_set_slow_callback_duration(struct loop *loop, double seconds)
{
	loop->slow_callback_seconds = seconds;
}

void loop_set_running_label(struct loop *loop, const char *label)
{
	/* Only debug mode reads it; every task step calls this. */
	if (loop->debug)
		snprintf(loop->running_label, sizeof loop->running_label, "%s", label ? label : "");
}

void loop_join(struct loop *loop, struct loop_member *member, loop_cb *on_close, void *arg)
{
	*member = (struct loop_member){ NULL, loop->members, on_close, arg };
	if (loop->members)
		loop->members->prev = member;
	loop->members = member;
}

void loop_leave(struct loop *loop, struct loop_member *member)
{
	if (!member->prev && loop->members != member)
		return; /* not a member (any more) */
	if (member->prev)
		member->prev->next = member->next;
	else
		loop->members = member->next;
	if (member->next)
		member->next->prev = member->prev;
	member->prev = member->next = NULL;
}

int loop_add_close_callback(struct loop *loop, loop_cb *cb, void *arg)
{
	if (!cb)
		return -EINVAL;
	if (loop->close_count == loop->close_capacity) {
		size_t capacity = loop->close_capacity ? loop->close_capacity * 2 : 16;
		struct close_callback *grown =
			realloc(loop->close_callbacks, capacity * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		loop->close_callbacks = grown;
		loop->close_capacity = capacity;
	}
	loop->close_callbacks[loop->close_count++] = (struct close_callback){ cb, arg };
	return 0;
}

void loop_remove_close_callback(struct loop *loop, loop_cb *cb, void *arg)
{
	size_t kept = 0;
	for (size_t i = 0; i < loop->close_count; i++) {
		struct close_callback c = loop->close_callbacks[i];
		if (c.cb != cb || c.arg != arg)
			loop->close_callbacks[kept++] = c;
	}
	loop->close_count = kept;
}

/* Double the ring, unrolling it so that the oldest handle is first again. */
static int grow_ready_queue(struct ready_queue *q)
{
	size_t capacity = q->capacity ? q->capacity * 2 : 64;
	struct handle **handles = malloc(capacity * sizeof *handles);
	if (!handles)
		return -ENOMEM;
	for (size_t i = 0; i < q->count; i++)
		handles[i] = q->handles[(q->head + i) % q->capacity];
	free(q->handles);
	q->handles = handles;
	q->head = 0;
	q->capacity = capacity;
	return 0;
}

/* Append HANDLE to the ready queue, which takes over the loop's
 * reference. Returns 0, or -ENOMEM. */
static int push_ready(struct loop *loop, struct handle *handle)
{
	struct ready_queue *q = &loop->ready;
	if (q->count == q->capacity && grow_ready_queue(q) < 0)
		return -ENOMEM;
	handle->state = HANDLE_READY;
	q->handles[(q->head + q->count) % q->capacity] = handle;
	q->count++;
	trace_ready_push(handle, handle->name);
	return 0;
}

struct handle *loop_call_soon_named(struct loop *loop, loop_cb *cb, void *arg, const char *name)
{
	if (!cb)
		return NULL;
	struct handle *handle = handle_new(cb, arg, name);
	if (!handle)
		return NULL;
	if (push_ready(loop, handle) < 0) {
		free(handle);
		return NULL;
	}
	return handle;
}

struct handle *loop_call_at_named(struct loop *loop, double when, loop_cb *cb, void *arg,
                                  const char *name)
{
	if (!cb || when != when) /* NaN: it would never compare as due */
		return NULL;
	struct handle *handle = handle_new(cb, arg, name);
	if (!handle)
		return NULL;
	handle->when = when;
	handle->seq = loop->next_seq++;
	if (timer_heap_push(&loop->timers, handle) < 0) {
		free(handle);
		return NULL;
	}
	trace_timer_push(handle, name, when);
	return handle;
}

struct handle *loop_call_later_named(struct loop *loop, double delay, loop_cb *cb, void *arg,
                                     const char *name)
{
	return loop_call_at_named(loop, loop_time(loop) + delay, cb, arg, name);
}

void loop_set_exception_handler(struct loop *loop, loop_exception_cb *handler, void *arg)
{
	loop->exception_handler = handler;
	loop->exception_handler_arg = arg;
}

void loop_call_exception_handler(struct loop *loop, const char *message)
{
	if (loop->exception_handler)
		loop->exception_handler(message, loop->exception_handler_arg);
	else
		fprintf(stderr, "loop: %s\n", message);
}

bool loop_is_running(const struct loop *loop)
{
	return loop->running;
}

double loop_time(const struct loop *loop)
{
	return loop->clock.now(loop->clock.self);
}

void loop_set_clock(struct loop *loop, const struct loop_clock *clock)
{
	loop->clock = clock ? *clock : (struct loop_clock){ monotonic_now, NULL, NULL };
}

/* Can FD be watched by select() at all? FD_SET on a descriptor of
 * FD_SETSIZE or more would write past the end of the fd_set. */
static int check_range(int fd)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= FD_SETSIZE)
		return -ERANGE;
	return 0;
}

/* check_range, and FD must be open: better refused here, at the call that
 * made the mistake, than by select() later, in the middle of everyone. */
static int check_open(int fd)
{
	int rc = check_range(fd);
	if (rc == 0 && fcntl(fd, F_GETFD) < 0)
		rc = -EBADF;
	return rc;
}

static int add_callback(struct loop *loop, int fd, bool writer, loop_cb *cb, void *arg)
{
	int rc = check_open(fd);
	if (rc < 0)
		return rc;
	if (!cb)
		return -EINVAL;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	if (!slot->cb)
		loop->registered++;
	/* Stamped with the current iteration: the dispatch rule keeps it
	 * waiting until the next select() has looked at FD. */
	*slot = (struct loop_callback){ cb, arg, loop->iteration };
	if (fd > loop->max_fd)
		loop->max_fd = fd;
	trace_fd_watch(fd, writer, true);
	return 0;
}

static int remove_callback(struct loop *loop, int fd, bool writer)
{
	int rc = check_range(fd);
	if (rc < 0)
		return rc;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	bool was_registered = slot->cb != NULL;
	if (was_registered) {
		loop->registered--;
		trace_fd_watch(fd, writer, false);
	}
	*slot = (struct loop_callback){ NULL, NULL, 0 };
	return was_registered;
}

int loop_add_reader(struct loop *loop, int fd, loop_cb *cb, void *arg)
{
	return add_callback(loop, fd, false, cb, arg);
}

int loop_remove_reader(struct loop *loop, int fd)
{
	return remove_callback(loop, fd, false);
}

int loop_add_writer(struct loop *loop, int fd, loop_cb *cb, void *arg)
{
	return add_callback(loop, fd, true, cb, arg);
}

int loop_remove_writer(struct loop *loop, int fd)
{
	return remove_callback(loop, fd, true);
}

/*
 * Step 2: how long the poll may wait, in microseconds, or -1 for "until a
 * descriptor is ready". Not at all when callbacks are ready or loop_stop
 * was called; otherwise until the nearest deadline, the top of the heap;
 * otherwise there is no limit. NOW is loop_time().
 */
static long poll_timeout_us(struct loop *loop, double now)
{
	if (loop->ready.count > 0 || loop->stopping)
		return 0;
	struct handle *nearest = timer_heap_first(&loop->timers);
	if (!nearest)
		return -1;
	double wait = nearest->when - now;
	if (wait <= 0)
		return 0;
	/* Round up to the microsecond: waking a hair before the deadline
	 * would find nothing due and cost one more trip round the loop. */
	double us = wait * 1e6;
	long whole = (long)us;
	return (double)whole < us ? whole + 1 : whole;
}

/*
 * Step 3, poll, begins here. select() reads the descriptors to watch from two
 * bitmaps and overwrites them with the ready ones, so they are built afresh
 * from the registry in every iteration. Returns the nfds argument of
 * select(): the highest descriptor in either set plus one, or 0.
 */
static int build_fd_sets(const struct loop *loop, fd_set *readable, fd_set *writable)
{
	FD_ZERO(readable);
	FD_ZERO(writable);
	int nfds = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		if (loop->fds[fd].reader.cb) {
			FD_SET(fd, readable);
			nfds = fd + 1;
		}
		if (loop->fds[fd].writer.cb) {
			FD_SET(fd, writable);
			nfds = fd + 1;
		}
	}
	return nfds;
}

/*
 * Step 4: move every timer that is due at NOW from the heap to the ready
 * queue, nearest deadline first, behind the handles already there.
 * Returns how many were moved, or -ENOMEM.
 */
static int move_due_timers(struct loop *loop, double now)
{
	int moved = 0;
	struct handle *first;
	while ((first = timer_heap_first(&loop->timers)) && first->when <= now) {
		struct handle *due = timer_heap_pop(&loop->timers);
		if (push_ready(loop, due) < 0) {
			/* Back where it was: it stays due for the next try. */
			timer_heap_push(&loop->timers, due);
			return -ENOMEM;
		}
		moved++;
	}
	return moved;
}

/* Debug mode: say so when a callback ran for too long, naming it. */
static void warn_if_slow(struct loop *loop, const char *name, double started)
{
	double took = loop_time(loop) - started;
	if (took < loop->slow_callback_seconds)
		return;
	char message[256];
	snprintf(message, sizeof message, "slow callback: %s took %.3f s",
	         loop->running_label[0] ? loop->running_label : name, took);
	loop_call_exception_handler(loop, message);
}

/* Call one callback, timed in debug mode. */
static void call(struct loop *loop, loop_cb *cb, void *arg, const char *name)
{
	if (!loop->debug) {
		cb(arg);
		return;
	}
	loop->running_label[0] = '\0';
	double started = loop_time(loop);
	cb(arg);
	warn_if_slow(loop, name, started);
	loop->running_label[0] = '\0';
}

/*
 * Step 5 begins here: call the reader of every readable descriptor and the
 * writer of every writable one, in ascending order. The registry is read
 * again just before each call, never remembered from before: any callback
 * may have removed or replaced any other (the dispatch rule in loop.h).
 * Returns how many callbacks were called.
 */
static int dispatch(struct loop *loop, const fd_set *readable, const fd_set *writable)
{
	int called = 0;
	for (int fd = 0; fd <= loop->max_fd; fd++) {
		struct loop_callback *reader = &loop->fds[fd].reader;
		if (FD_ISSET(fd, readable) && reader->cb && reader->since < loop->iteration) {
			trace_io_callback(fd, false);
			call(loop, reader->cb, reader->arg, "a reader callback");
			called++;
		}
		struct loop_callback *writer = &loop->fds[fd].writer;
		if (FD_ISSET(fd, writable) && writer->cb && writer->since < loop->iteration) {
			trace_io_callback(fd, true);
			call(loop, writer->cb, writer->arg, "a writer callback");
			called++;
		}
	}
	return called;
}

/*
 * Step 5, continued: run the first COUNT handles of the ready queue, the
 * snapshot, oldest first, skipping the cancelled ones. Whatever they
 * schedule joins the queue behind them, for the next iteration: a
 * callback that keeps rescheduling itself cannot starve the sockets,
 * because the loop polls between its turns. Returns how many ran.
 */
static int run_ready(struct loop *loop, size_t count)
{
	struct ready_queue *q = &loop->ready;
	int ran = 0;
	for (size_t i = 0; i < count; i++) {
		struct handle *handle = q->handles[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->count--;
		trace_ready_pop(handle);
		if (handle->state == HANDLE_READY) {
			handle->state = HANDLE_RUNNING;
			call(loop, handle->cb, handle->arg, handle->name);
			handle->state = HANDLE_DONE;
			ran++;
		}
		handle_free(handle); /* the loop's reference */
	}
	return ran;
}

/* Is anything left to wait for? */
static bool has_work(struct loop *loop)
{
	return loop->ready.count > 0 || loop->registered > 0 ||
	       timer_heap_first(&loop->timers) != NULL;
}

/* Did the poll find any descriptor ready? */
static bool any_ready(const struct loop *loop, const fd_set *readable, const fd_set *writable)
{
	for (int fd = 0; fd <= loop->max_fd; fd++)
		if (FD_ISSET(fd, readable) || FD_ISSET(fd, writable))
			return true;
	return false;
}

/* Step 3: wait until a descriptor is ready or TIMEOUT_US (-1: no limit)
 * has passed, with the sets of descriptors to watch; on return they hold
 * the ready ones. Returns 0 or a negative errno. */
static int poll_descriptors(struct loop *loop, long timeout_us, fd_set *readable,
                            fd_set *writable)
{
	int nfds = build_fd_sets(loop, readable, writable);
	/* Nothing to watch and no wait: skip the system call altogether. A
	 * loop that only runs callbacks then costs no trip to the kernel. */
	if (nfds == 0 && timeout_us == 0)
		return 0;
	struct timeval tv = { (time_t)(timeout_us / 1000000), (suseconds_t)(timeout_us % 1000000) };
	int ready = select(nfds, readable, writable, NULL, timeout_us < 0 ? NULL : &tv);
	if (ready < 0) {
		if (errno != EINTR)
			return -errno;
		/* A signal cut the wait short; the sets now mean nothing. */
		FD_ZERO(readable);
		FD_ZERO(writable);
	}
	return 0;
}

int loop_run_once(struct loop *loop)
{
	/* Nothing registered, ready or timed: select() would sleep forever,
	 * so return at once. */
	if (!has_work(loop))
		return 0;

	/* 1. Compact: when more than half the timers are cancelled, rebuild
	 *    the heap without them. */
	trace_iteration();
	trace_phase(1, "compact");
	int dropped = timer_heap_compact(&loop->timers);
	trace_timers_compacted(dropped);

	/* 2. Timeout: zero when callbacks are ready; else until the nearest
	 *    deadline, the top of the heap; else no limit. */
	trace_phase(2, "timeout");
	long timeout_us = poll_timeout_us(loop, loop_time(loop));
	if (timeout_us < -1)
		return (int)timeout_us; /* a negative errno: the starter's stub */

	/* 3. Poll: the only place where the program sleeps. A virtual clock
	 *    does not sleep: the loop only looks, and when nothing is ready
	 *    the clock jumps to the deadline. I/O callbacks registered from
	 *    here on belong to the next iteration. */
	trace_phase(3, "poll");
	trace_poll(timeout_us);
	fd_set readable, writable;
	bool virtual_sleep = loop->clock.sleep_until && timeout_us > 0;
	loop->iteration++;
	int rc = poll_descriptors(loop, virtual_sleep ? 0 : timeout_us, &readable, &writable);
	if (rc < 0)
		return rc;
	trace_poll_sets(&readable, &writable);
	if (virtual_sleep && !any_ready(loop, &readable, &writable))
		loop->clock.sleep_until(loop->clock.self, timer_heap_first(&loop->timers)->when);

	/* 4. Due timers: read the clock again and move every timer that is
	 *    due to the ready queue. The ready snapshot is fixed here: the
	 *    handles this iteration will run. */
	trace_phase(4, "due timers");
	int moved = move_due_timers(loop, loop_time(loop));
	if (moved < 0)
		return moved;
	size_t ready_now = loop->ready.count;

	/* 5. Run: the I/O callbacks of the ready descriptors, if they are
	 *    still registered, then the ready snapshot. What they schedule
	 *    waits for the next iteration. */
	trace_phase(5, "run");
	int called = dispatch(loop, &readable, &writable);
	return called + run_ready(loop, ready_now);
}

int loop_run(struct loop *loop)
{
	int rc = 0;
	loop->running = true;
	/* Simplification: asyncio's run_forever() runs until stop(), even
	 * with nothing registered; here an idle loop returns by itself, so
	 * main does not need to count the downloads still running. */
	while (has_work(loop)) {
		rc = loop_run_once(loop);
		if (rc < 0 || loop->stopping)
			break;
	}
	loop->stopping = false;
	loop->running = false;
	return rc < 0 ? rc : 0;
}

static void stop_when_done(struct future *future, void *loop)
{
	(void)future;
	loop_stop(loop);
}

int loop_run_until_complete(struct loop *loop, struct future *future)
{
	if (loop->running)
		return -EBUSY;
	/* Another loop's future is completed by that loop's callbacks: this
	 * one would wait for ever (asyncio: ValueError). */
	if (future_get_loop(future) != loop)
		return -EXDEV;
	/* The future stops the loop when it is done: no polling. */
	int rc = future_add_done_callback(future, stop_when_done, loop);
	if (rc < 0)
		return rc;
	rc = loop_run(loop);
	future_remove_done_callback(future, stop_when_done, loop);
	if (rc < 0)
		return rc;
	return future_done(future) ? 0 : -EINTR;
}

void loop_stop(struct loop *loop)
{
	loop->stopping = true;
}
