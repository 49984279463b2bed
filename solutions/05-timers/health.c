/*
 * health.c - the source article's ConnectionPool health check: a check
 * that reschedules itself with call_later, and a stop that works.
 *
 *   health [--virtual]
 *
 * Mirrors: ConnectionPool.start_health_check, _health_check and
 * stop_health_check from the article's section on call_soon, call_later
 * and call_at. start_health_check schedules the first check with
 * call_soon; each check takes a second (await asyncio.sleep(1)), then
 * schedules the next one with call_later(5.0) from its end. The article
 * leaves stop_health_check as `pass`, with a note that the handle
 * call_later returns should be kept and cancelled. Here it is, and the
 * program then waits ten more seconds to show that no check runs.
 *
 * Two details the article's Python skips. call_later calls a plain
 * function: given the coroutine function _health_check, it only creates
 * a coroutine object that nobody awaits (Python warns "coroutine
 * '_health_check' was never awaited"; in debug mode asyncio refuses it:
 * "coroutines cannot be used with call_at()"). So the timer's callback
 * starts a task. And
 * cancelling the saved handle is not enough while a check is running:
 * that check would schedule the next one when it ends. So stop also
 * raises a flag that the check reads before rescheduling.
 *
 * Simplification: the article's check finds a bad connection with a
 * probability of 10%; ours finds one in its second check, so that the
 * output is the same at every run.
 *
 * --virtual runs it on a virtual clock, in a millisecond, with exact
 * times (tests/test_programs.c compares them).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "sleep.h"
#include "task.h"
#include "virtual_clock.h"

#define CHECK_INTERVAL 5.0  /* seconds from the end of a check to the next */
#define STOP_AFTER     10.0 /* when main stops the checks */
#define WATCH_AFTER    10.0 /* how long main then watches for a stray check */

static double started_at;

static void say(struct loop *loop, const char *format, ...)
{
	printf("[%.2f] ", loop_time(loop) - started_at);
	va_list args;
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	putchar('\n');
}

struct pool {
	struct loop *loop;
	int connections;
	int checks;           /* how many checks have started */
	struct handle *next;  /* the scheduled next check, or NULL */
	struct future *check; /* the check running now, or NULL */
	bool stopped;
};

static void start_check(void *arg);

/* _health_check(): one check, as a coroutine. */
struct check {
	int resume_point;
	struct pool *pool;
	int number;
};

static int check_step(struct task *task, void *frame)
{
	struct check *c = frame;
	struct pool *pool = c->pool;
	CORO_BEGIN(c);
	say(pool->loop, "Starting health check %d...", c->number);
	CORO_AWAIT(task, c, sleep_for(pool->loop, 1.0));
	if (c->number == 2 && pool->connections > 0)
		say(pool->loop, "Removed bad connection conn-%d", pool->connections--);
	else
		say(pool->loop, "Health check %d: %d connections alive", c->number,
		    pool->connections);
	/* loop.call_later(5.0, ...) from the end of the check, unless the
	 * pool was stopped while this check ran. */
	if (!pool->stopped) {
		handle_free(pool->next);
		pool->next = loop_call_later(pool->loop, CHECK_INTERVAL, start_check, pool);
	}
	CORO_END(task, c);
}

/* What the timer calls: a plain function that starts the check as a task. */
static void start_check(void *arg)
{
	struct pool *pool = arg;
	struct check *c = calloc(1, sizeof *c);
	if (!c)
		return;
	*c = (struct check){ .pool = pool, .number = ++pool->checks };
	future_free(pool->check);
	pool->check = task_create(pool->loop, "health_check", check_step, c, free);
}

/* start_health_check(): the first check runs in the next iteration. */
static void pool_start(struct pool *pool)
{
	pool->next = loop_call_soon(pool->loop, start_check, pool);
}

/* stop_health_check(): what the article leaves as `pass`. */
static void pool_stop(struct pool *pool)
{
	pool->stopped = true;
	if (pool->next && !handle_cancelled(pool->next)) {
		say(pool->loop, "Stopping health checks (the next was due at %.2f)",
		    handle_when(pool->next) - started_at);
		handle_cancel(pool->next);
	}
}

/* The program's main coroutine: start, wait, stop, watch. */
struct watcher {
	int resume_point;
	struct pool *pool;
	int checks_at_stop;
};

static int main_step(struct task *task, void *frame)
{
	struct watcher *m = frame;
	struct loop *loop = m->pool->loop;
	CORO_BEGIN(m);
	say(loop, "Pool of %d connections; a check every %.0f s after the last one ended",
	    m->pool->connections, CHECK_INTERVAL);
	pool_start(m->pool);
	CORO_AWAIT(task, m, sleep_for(loop, STOP_AFTER));
	pool_stop(m->pool);
	m->checks_at_stop = m->pool->checks;
	CORO_AWAIT(task, m, sleep_for(loop, WATCH_AFTER));
	say(loop, "%d checks before the stop, %d after it", m->checks_at_stop,
	    m->pool->checks - m->checks_at_stop);
	CORO_END(task, m);
}

int main(int argc, char **argv)
{
	bool virtual_time = argc > 1 && strcmp(argv[1], "--virtual") == 0;
	if (argc > 2 || (argc == 2 && !virtual_time)) {
		fprintf(stderr, "usage: health [--virtual]\n");
		return 2;
	}
	struct loop *loop = loop_new();
	if (!loop) {
		fprintf(stderr, "health: out of memory\n");
		return 1;
	}
	struct virtual_clock clock;
	if (virtual_time)
		virtual_clock_install(&clock, loop, 0.0);
	started_at = loop_time(loop);
	struct pool pool = { .loop = loop, .connections = 3 };
	struct watcher m = { .pool = &pool };
	struct future *main_task = task_create(loop, "main", main_step, &m, NULL);
	int rc = main_task ? loop_run_until_complete(loop, main_task) : -ENOMEM;
	void *unused;
	if (rc == 0)
		rc = future_result(main_task, &unused);
	future_free(main_task);
	future_free(pool.check);
	handle_free(pool.next);
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
