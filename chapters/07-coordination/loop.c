/*
 * loop.c - an event loop on a selector, with timers. See loop.h.
 *
 * Mirrors: asyncio's BaseEventLoop._run_once over a selectors.BaseSelector.
 *
 * Three places hold work: the descriptor registry (an array indexed by
 * descriptor number, as in chapter 2, but growable now: 10,000 connections
 * need descriptors far above select()'s FD_SETSIZE), the ready queue (a
 * ring of handles, chapter 3) and the timer heap (timer_heap.h, chapter 5),
 * whose top is always the nearest deadline. How the loop waits is the
 * selector's business (selector.h): the loop tells it what each descriptor
 * is watched for whenever that changes, and asks it in step 3 which ones
 * are ready. loop_run_once reads as the five numbered steps of one
 * iteration, the same numbers as in the walkthrough.
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
#include "selector.h"
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
	bool unref; /* loop_unref_fd: its callbacks are not work for loop_run */
};

struct loop {
	struct selector *selector;
	struct loop_fd *fds; /* fds[fd], for fd below fds_capacity */
	int fds_capacity;
	int registered;                /* readers and writers registered now */
	int unreferenced;              /* how many of them are on loop_unref_fd's fds */
	int watched;                   /* descriptors with a reader or a writer */
	struct selector_event *events; /* step 3's answer: the ready descriptors */
	int events_capacity;
	unsigned long iteration; /* how many times the loop polled */
	struct loop_stats stats;
	bool stopping; /* loop_stop was called */
	bool running;  /* inside loop_run */
	struct ready_queue ready;
	struct timer_heap timers;
	unsigned long long next_seq; /* stamps timers in scheduling order */
	struct loop_clock clock;
	loop_exception_cb *exception_handler;
	void *exception_handler_arg;
	bool debug;                             /* loop_set_debug */
	double slow_callback_seconds;           /* debug: warn about callbacks this long */
	const char *running_label;              /* what the current callback is doing */
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
	return loop_new_with_backend(NULL);
}

struct loop *loop_new_with_backend(const char *name)
{
	/* calloc: no descriptor registered, both queues empty. */
	struct loop *loop = calloc(1, sizeof *loop);
	if (!loop)
		return NULL;
	loop->selector = selector_new(name);
	if (!loop->selector) {
		int saved = errno;
		free(loop);
		errno = saved;
		return NULL;
	}
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
	selector_free(loop->selector);
	free(loop->fds);
	free(loop->events);
	free(loop);
}

const char *loop_backend_name(const struct loop *loop)
{
	return selector_name(loop->selector);
}

void loop_get_stats(const struct loop *loop, struct loop_stats *stats)
{
	*stats = loop->stats;
	stats->iterations = loop->iteration;
}

void loop_print_stats(const struct loop *loop, FILE *out)
{
	struct loop_stats stats;
	loop_get_stats(loop, &stats);
	fprintf(out, "loop (%s): %lu iterations, %lu callbacks, %lu timers, max poll wait %.3f s\n",
	        loop_backend_name(loop), stats.iterations, stats.callbacks, stats.timers,
	        stats.max_poll_wait);
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
	loop->running_label = label;
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

/* Can FD be watched at all? Negative numbers never; numbers from the
 * selector's limit up neither: select() cannot take FD_SETSIZE or more. */
static int check_range(const struct loop *loop, int fd)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= selector_fd_limit(loop->selector))
		return -ERANGE;
	return 0;
}

/* check_range, and FD must be open: better refused here, at the call that
 * made the mistake, than by the poll later, in the middle of everyone. */
static int check_open(const struct loop *loop, int fd)
{
	int rc = check_range(loop, fd);
	if (rc == 0 && fcntl(fd, F_GETFD) < 0)
		rc = -EBADF;
	return rc;
}

/* Make the registry cover descriptor FD: double it until it does, the new
 * entries empty. Returns 0, or -ENOMEM. */
static int grow_registry(struct loop *loop, int fd)
{
	if (fd < loop->fds_capacity)
		return 0;
	int capacity = loop->fds_capacity ? loop->fds_capacity : 64;
	while (capacity <= fd)
		capacity *= 2;
	struct loop_fd *fds = realloc(loop->fds, (size_t)capacity * sizeof *fds);
	if (!fds)
		return -ENOMEM;
	memset(fds + loop->fds_capacity, 0, (size_t)(capacity - loop->fds_capacity) * sizeof *fds);
	loop->fds = fds;
	loop->fds_capacity = capacity;
	return 0;
}

/* What FD is watched for: the callbacks it has, as a selector mask. */
static int watch_mask(const struct loop *loop, int fd)
{
	if (fd >= loop->fds_capacity)
		return 0;
	return (loop->fds[fd].reader.cb ? SELECTOR_READ : 0) |
	       (loop->fds[fd].writer.cb ? SELECTOR_WRITE : 0);
}

/* Step 3 writes one event per watched descriptor at most: keep room for
 * as many as are watched, so that one poll can report them all. */
static int reserve_events(struct loop *loop, int count)
{
	if (count <= loop->events_capacity)
		return 0;
	int capacity = loop->events_capacity ? loop->events_capacity * 2 : 64;
	while (capacity < count)
		capacity *= 2;
	struct selector_event *events = realloc(loop->events, (size_t)capacity * sizeof *events);
	if (!events)
		return -ENOMEM;
	loop->events = events;
	loop->events_capacity = capacity;
	return 0;
}

/* Tell the selector that FD, watched for OLD, is now watched for what its
 * callbacks say, and count the watched descriptors. */
static int update_selector(struct loop *loop, int fd, int old)
{
	int now = watch_mask(loop, fd);
	int rc = selector_modify(loop->selector, fd, old, now);
	if (rc == 0)
		loop->watched += (now != 0) - (old != 0);
	return rc;
}

static int add_callback(struct loop *loop, int fd, bool writer, loop_cb *cb, void *arg)
{
	int rc = check_open(loop, fd);
	if (rc < 0)
		return rc;
	if (!cb)
		return -EINVAL;
	if (grow_registry(loop, fd) < 0 || reserve_events(loop, loop->watched + 1) < 0)
		return -ENOMEM;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	struct loop_callback before = *slot;
	int old = watch_mask(loop, fd);
	/* Stamped with the current iteration: the dispatch rule keeps it
	 * waiting until the next poll has looked at FD. */
	*slot = (struct loop_callback){ cb, arg, loop->iteration };
	rc = update_selector(loop, fd, old);
	if (rc < 0) {
		*slot = before; /* the selector refused: as if never asked */
		return rc;
	}
	if (!before.cb) {
		loop->registered++;
		loop->unreferenced += loop->fds[fd].unref;
	}
	trace_fd_watch(fd, writer, true);
	return 0;
}

static int remove_callback(struct loop *loop, int fd, bool writer)
{
	int rc = check_range(loop, fd);
	if (rc < 0)
		return rc;
	if (fd >= loop->fds_capacity)
		return 0;
	struct loop_callback *slot = writer ? &loop->fds[fd].writer : &loop->fds[fd].reader;
	if (!slot->cb)
		return 0;
	int old = watch_mask(loop, fd);
	*slot = (struct loop_callback){ NULL, NULL, 0 };
	trace_fd_watch(fd, writer, false);
	loop->registered--;
	loop->unreferenced -= loop->fds[fd].unref;
	if (watch_mask(loop, fd) == 0)
		loop->fds[fd].unref = false; /* the mark ends with the last callback */
	/* Removing cannot fail for want of memory; a selector error here
	 * (the descriptor is gone already) leaves nothing to undo. */
	update_selector(loop, fd, old);
	return 1;
}

int loop_add_reader(struct loop *loop, int fd, loop_cb *cb, void *arg)
{
	return add_callback(loop, fd, false, cb, arg);
}

int loop_remove_reader(struct loop *loop, int fd)
{
	return remove_callback(loop, fd, false);
}

int loop_unref_fd(struct loop *loop, int fd)
{
	int rc = check_range(loop, fd);
	if (rc < 0)
		return rc;
	int mask = watch_mask(loop, fd);
	if (mask == 0)
		return -ENOENT;
	if (!loop->fds[fd].unref) {
		loop->fds[fd].unref = true;
		loop->unreferenced +=
		        (mask & SELECTOR_READ ? 1 : 0) + (mask & SELECTOR_WRITE ? 1 : 0);
	}
	return 0;
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
	         loop->running_label ? loop->running_label : name, took);
	loop_call_exception_handler(loop, message);
}

/* Call one callback, timed in debug mode. */
static void call(struct loop *loop, loop_cb *cb, void *arg, const char *name)
{
	if (!loop->debug) {
		cb(arg);
		return;
	}
	loop->running_label = NULL;
	double started = loop_time(loop);
	cb(arg);
	warn_if_slow(loop, name, started);
	loop->running_label = NULL;
}

/* The selector reports ready descriptors in its own order (epoll: in the
 * order they became ready); sorting them keeps the dispatch rule's order,
 * ascending descriptors, on every backend. */
static int by_descriptor(const void *a, const void *b)
{
	int fa = ((const struct selector_event *)a)->fd;
	int fb = ((const struct selector_event *)b)->fd;
	return (fa > fb) - (fa < fb);
}

/* Call FD's reader (or writer) if it is registered now and was already
 * registered when the poll began. The registry is read here, just before
 * the call, never remembered from before: any callback may have removed
 * or replaced any other, or grown the registry to a new place in memory. */
static bool call_registered(struct loop *loop, int fd, bool writer)
{
	if (fd >= loop->fds_capacity)
		return false;
	struct loop_callback c = writer ? loop->fds[fd].writer : loop->fds[fd].reader;
	if (!c.cb || c.since >= loop->iteration)
		return false;
	trace_io_callback(fd, writer);
	call(loop, c.cb, c.arg, writer ? "a writer callback" : "a reader callback");
	return true;
}

/*
 * Step 5 begins here: call the reader of every readable descriptor and the
 * writer of every writable one, in ascending order, for the COUNT events
 * the poll found (the dispatch rule in loop.h). Returns how many
 * callbacks were called.
 */
static int dispatch(struct loop *loop, int count)
{
	if (count > 1)
		qsort(loop->events, (size_t)count, sizeof *loop->events, by_descriptor);
	int called = 0;
	for (int i = 0; i < count; i++) {
		/* Indexed afresh each time: a callback that registers a
		 * descriptor may move the events array (reserve_events). */
		if ((loop->events[i].mask & SELECTOR_READ) &&
		    call_registered(loop, loop->events[i].fd, false))
			called++;
		if ((loop->events[i].mask & SELECTOR_WRITE) &&
		    call_registered(loop, loop->events[i].fd, true))
			called++;
	}
	return called;
}

/*
 * Step 5, continued: run the first COUNT handles of the ready queue, the
 * snapshot, oldest first, skipping the cancelled ones. Whatever they
 * schedule joins the queue behind them, for the next iteration: a
 * callback that keeps rescheduling itself cannot starve the sockets,
 * because the loop polls between its turns. The handles from FIRST_TIMER
 * on are the timers step 4 moved, for the statistics. Returns how many ran.
 */
static int run_ready(struct loop *loop, size_t count, size_t first_timer)
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
			if (i >= first_timer)
				loop->stats.timers++;
		}
		handle_free(handle); /* the loop's reference */
	}
	return ran;
}

/* Is anything left to wait for? */
static bool has_work(struct loop *loop)
{
	return loop->ready.count > 0 || loop->registered > loop->unreferenced ||
	       timer_heap_first(&loop->timers) != NULL;
}

/* Step 3: wait until a descriptor is ready or TIMEOUT_US (-1: no limit)
 * has passed. The ready descriptors land in loop->events. Returns how
 * many, or a negative errno (a signal that cuts the wait short is not an
 * error: the selector reports nothing ready). */
static int poll_descriptors(struct loop *loop, long timeout_us)
{
	/* Nothing to watch and no wait: skip the system call altogether. A
	 * loop that only runs callbacks then costs no trip to the kernel. */
	if (loop->watched == 0 && timeout_us == 0)
		return 0;
	if (reserve_events(loop, 1) < 0)
		return -ENOMEM;
	return selector_wait(loop->selector, timeout_us, loop->events, loop->events_capacity);
}

/* Debug statistics: remember the longest poll. */
static void note_poll_wait(struct loop *loop, double seconds)
{
	if (seconds > loop->stats.max_poll_wait)
		loop->stats.max_poll_wait = seconds;
}

int loop_run_once(struct loop *loop)
{
	/* Nothing registered, ready or timed: the poll would sleep forever,
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
	double now = loop_time(loop);
	long timeout_us = poll_timeout_us(loop, now);

	/* 3. Poll: the only place where the program sleeps, in the selector.
	 *    A virtual clock does not sleep: the loop only looks, and when
	 *    nothing is ready the clock jumps to the deadline. I/O callbacks
	 *    registered from here on belong to the next iteration. */
	trace_phase(3, "poll");
	trace_poll(timeout_us);
	bool virtual_sleep = loop->clock.sleep_until && timeout_us > 0;
	loop->iteration++;
	int ready = poll_descriptors(loop, virtual_sleep ? 0 : timeout_us);
	if (ready < 0)
		return ready;
	for (int i = 0; i < ready; i++)
		trace_fd_ready(loop->events[i].fd, loop->events[i].mask);
	if (virtual_sleep && ready == 0)
		loop->clock.sleep_until(loop->clock.self, timer_heap_first(&loop->timers)->when);
	/* A poll told not to wait returned at once: NOW still holds, and the
	 * clock is read again only after a poll that may have slept. A clock
	 * read costs 20 to 30 ns: a third of a call_soon's whole trip. */
	double polled = timeout_us == 0 ? now : loop_time(loop);
	note_poll_wait(loop, polled - now);

	/* 4. Due timers: move every timer that is due by the clock read just
	 *    after the poll to the ready queue. The ready snapshot is fixed
	 *    here: the handles this iteration will run. */
	trace_phase(4, "due timers");
	int moved = move_due_timers(loop, polled);
	if (moved < 0)
		return moved;
	size_t ready_now = loop->ready.count;

	/* 5. Run: the I/O callbacks of the ready descriptors, if they are
	 *    still registered, then the ready snapshot. What they schedule
	 *    waits for the next iteration. */
	trace_phase(5, "run");
	int called = dispatch(loop, ready);
	called += run_ready(loop, ready_now, ready_now - (size_t)moved);
	loop->stats.callbacks += (unsigned long)called;
	return called;
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
