/*
 * pitfall4_reentrant.c - the fourth pitfall: running the loop from inside
 * the loop.
 *
 *   pitfall4_reentrant [--fixed]
 *
 * A library offers fetch_config_sync(): it starts the asynchronous
 * fetch_config() and runs the loop until the answer is there. From main,
 * before the loop runs, that works. From a coroutine it cannot: the loop
 * is already running, one callback deep, and loop_run_until_complete
 * refuses with -EBUSY (asyncio: "RuntimeError: This event loop is already
 * running"). Were it allowed, the inner run would call other callbacks,
 * and tasks, from the middle of this one: a task could be stepped while
 * its previous step had not returned.
 *
 * The bad version (the default) calls fetch_config_sync() from the
 * request handler, which fails; the program exits 1. The fixed handler
 * awaits fetch_config() instead and exits 0. There is no debug check to
 * add: the loop refuses a nested run always, as asyncio does.
 *
 * Times are on a virtual clock: the run takes a millisecond.
 *
 * asyncio: loop.run_until_complete() or asyncio.run() called from inside
 * a coroutine, versus `await fetch_config()`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "sleep.h"
#include "task.h"
#include "virtual_clock.h"

/* The asynchronous fetch: half a second of network, then the answer. */
struct fetch_config_frame {
	int resume_point;
	struct loop *loop;
};

static int fetch_config_step(struct task *task, void *frame)
{
	struct fetch_config_frame *f = frame;
	CORO_BEGIN(f);
	CORO_AWAIT(task, f, sleep_for(f->loop, 0.5));
	return task_return(task, "retries=3", NULL);
	CORO_END(task, f);
}

/* fetch_config: a task whose result is the configuration (a string). The
 * frame is static: one fetch at a time is all this program needs. */
static struct future *fetch_config(struct loop *loop)
{
	static struct fetch_config_frame frame;
	frame = (struct fetch_config_frame){ 0, loop };
	return task_create(loop, "fetch_config", fetch_config_step, &frame, NULL);
}

/* fetch_config_sync: the blocking wrapper. Copies the answer to OUT.
 * Returns 0, or a negative errno: -EBUSY when called with the loop
 * already running. */
static int fetch_config_sync(struct loop *loop, char *out, size_t size)
{
	struct future *config = fetch_config(loop);
	if (!config)
		return -ENOMEM;
	void *value = NULL;
	int rc = loop_run_until_complete(loop, config);
	if (rc == 0)
		rc = future_result(config, &value);
	if (rc == 0)
		snprintf(out, size, "%s", (const char *)value);
	else
		task_cancel(config, "fetch_config_sync gave up");
	future_free(config);
	return rc;
}

/* The request handler's frame. */
struct handler {
	int resume_point;
	struct loop *loop;
	bool fixed;
	struct future *config;
};

static int handler_step(struct task *task, void *frame)
{
	struct handler *h = frame;
	char config[64];
	CORO_BEGIN(h);
	if (!h->fixed) {
		int rc = fetch_config_sync(h->loop, config, sizeof config);
		if (rc < 0) {
			printf("[%.2f] handler: fetch_config_sync: %s%s\n", loop_time(h->loop), strerror(-rc),
			       rc == -EBUSY ? " (the loop is already running)" : "");
			return task_raise(task, rc, "fetch_config_sync failed");
		}
		printf("[%.2f] handler: config: %s\n", loop_time(h->loop), config);
		return task_return(task, NULL, NULL);
	}
	/* config = await fetch_config(): an error would go on up by itself. */
	CORO_AWAIT(task, h, fetch_config(h->loop));
	printf("[%.2f] handler: config: %s\n", loop_time(h->loop),
	       (const char *)task_await_result(task));
	CORO_END(task, h);
}

int main(int argc, char **argv)
{
	bool fixed = argc == 2 && strcmp(argv[1], "--fixed") == 0;
	if (argc > 2 || (argc == 2 && !fixed)) {
		fprintf(stderr, "usage: pitfall4_reentrant [--fixed]\n");
		return 2;
	}
	/* Line by line, so that the lines keep their order through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct loop *loop = loop_new();
	if (!loop) {
		fprintf(stderr, "pitfall4_reentrant: out of memory\n");
		return 1;
	}
	struct virtual_clock clock;
	virtual_clock_install(&clock, loop, 0.0);

	/* Outside the loop, the blocking wrapper is fine. */
	char config[64];
	int rc = fetch_config_sync(loop, config, sizeof config);
	if (rc == 0)
		printf("[%.2f] main: config: %s (fetch_config_sync, loop not running)\n",
		       loop_time(loop), config);

	struct handler frame = { .loop = loop, .fixed = fixed };
	struct future *handler = rc == 0 ? task_create(loop, "handler", handler_step, &frame, NULL)
	                                 : NULL;
	if (rc == 0)
		rc = handler ? loop_run_until_complete(loop, handler) : -ENOMEM;
	void *unused;
	if (rc == 0)
		rc = future_result(handler, &unused);
	printf("result: %s\n", rc == 0 ? "the handler got its config" : "the handler failed");
	future_free(handler);
	loop_free(loop);
	return rc == 0 ? 0 : 1;
}
