/*
 * drain.c - drain a queue of downloads, in order, at most N at once. See
 * drain.h.
 *
 * Two designs were possible. A fixed set of N worker tasks, each taking
 * the next URL off the queue, is the textbook asyncio.Queue consumer. A
 * single producer that waits for a slot and then starts a task per URL is
 * what this file does: it keeps the order of the starts visible in one
 * loop of five lines, a download is the same task whoever started it, and
 * the -j slots are the semaphore of semaphore.c rather than the number of
 * workers. A download waiting for its host's slot (--per-host) holds one
 * of the N, as in aiohttp, so a queue of URLs to one busy host still
 * starts others behind it as long as slots remain.
 */
#include "drain.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "semaphore.h"
#include "task.h"
#include "todo.h"

struct drain {
	int resume_point; /* the drain is a coroutine; this is its frame */
	struct loop *loop;
	struct semaphore *slots; /* -j */
	drain_start_cb *start;
	void *start_arg;
	size_t count;
	size_t next;                /* the next download to start */
	struct future **downloads;  /* COUNT of them, NULL until started */
	int running;                /* started and not over */
	bool stopping;              /* drain_stop was called */
	char stop_message[FUTURE_MESSAGE_MAX];
	struct future *acquiring;   /* the current wait for a slot */
	struct future *all_over;    /* finished when RUNNING drops to 0 */
};

struct drain *drain_new(struct loop *loop, size_t count, int limit, drain_start_cb *start,
                        void *arg)
{
	struct drain *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	*d = (struct drain){ .loop = loop, .start = start, .start_arg = arg, .count = count };
	d->slots = bounded_semaphore_new(loop, limit);
	d->downloads = calloc(count ? count : 1, sizeof *d->downloads);
	if (!d->slots || !d->downloads) {
		drain_free(d);
		return NULL;
	}
	return d;
}

/* A download is over, however it ended: its slot goes to the next. */
static void on_download_over(struct future *download, void *arg)
{
	struct drain *d = arg;
	(void)download;
	d->running--;
	semaphore_release(d->slots);
	if (d->running == 0 && d->all_over) {
		future_set_result(d->all_over, NULL, NULL);
		future_free(d->all_over);
		d->all_over = NULL;
	}
}

/*
 * Start download number d->next, whose slot the drain holds: ask START
 * for its future, keep it in d->downloads, count it running, and hang
 * on_download_over on it so that its slot comes back when it is over.
 * Returns 0, or -ENOMEM when it could not start (the slot is still the
 * drain's then).
 */
static int start_next(struct drain *d)
{
	struct future *download = d->start(d->next, d->start_arg);
	if (!download)
		return -ENOMEM;
	if (future_add_done_callback(download, on_download_over, d) < 0) {
		task_cancel(download, "out of memory");
		future_free(download);
		return -ENOMEM;
	}
	d->downloads[d->next] = download;
	d->running++;
	return 0;
}

/* A new wait for one of the -j slots (the drain keeps a reference, to ask
 * semaphore_took afterwards). */
static struct future *wait_for_slot(struct drain *d)
{
	future_free(d->acquiring);
	d->acquiring = semaphore_acquire(d->slots);
	return d->acquiring ? future_retain(d->acquiring) : NULL;
}

/* A future finished once no download runs (at once, if none does). */
static struct future *wait_until_all_over(struct drain *d)
{
	struct future *over = future_new(d->loop);
	if (over && d->running == 0)
		future_set_result(over, NULL, NULL);
	else if (over)
		d->all_over = future_retain(over);
	return over;
}

/* The drain could not go on: give back the slot it held, and fail. */
static int give_up(struct task *task, struct drain *d, int rc)
{
	semaphore_release(d->slots);
	return task_raise(task, rc, rc == -ENOSYS ? "not implemented yet: start_next" : NULL);
}

/* The drain: for each URL in order, wait for a slot, then start it. */
static int drain_step(struct task *task, void *frame)
{
	struct drain *d = frame;
	int outcome;
	CORO_BEGIN(d);
	while (d->next < d->count && !d->stopping) {
		/* Caught: drain_stop cancels the wait, and that only ends the
		 * loop, not the drain, which still waits for every download. */
		CORO_TRY_AWAIT(task, d, wait_for_slot(d), outcome);
		if (outcome < 0 || !semaphore_took(d->acquiring))
			break; /* drain_stop cancelled the wait, or it failed */
		if (d->stopping) {
			semaphore_release(d->slots);
			break;
		}
		int rc = start_next(d);
		if (rc < 0)
			return give_up(task, d, rc);
		d->next++;
	}
	CORO_AWAIT(task, d, wait_until_all_over(d));
	/* A wait for a slot that failed (a stub, say) is the drain's error. */
	const struct future_error *error = NULL;
	if (d->acquiring)
		future_exception(d->acquiring, &error);
	if (error)
		return task_raise(task, error->code, error->message);
	return task_return(task, NULL, NULL);
	CORO_END(task, d);
}

struct future *drain_run(struct drain *d)
{
	return task_create(d->loop, "drain", drain_step, d, NULL);
}

void drain_stop(struct drain *d, const char *message)
{
	d->stopping = true;
	snprintf(d->stop_message, sizeof d->stop_message, "%s", message);
	if (d->acquiring)
		future_cancel(d->acquiring, message);
	for (size_t i = 0; i < d->next; i++)
		if (d->downloads[i] && !future_done(d->downloads[i]))
			task_cancel(d->downloads[i], d->stop_message);
}

struct future *drain_download(const struct drain *d, size_t index)
{
	return index < d->count ? d->downloads[index] : NULL;
}

void drain_free(struct drain *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->downloads && i < d->count; i++) {
		if (!d->downloads[i])
			continue;
		/* Over by now; a callback not yet run would find D gone. */
		future_remove_done_callback(d->downloads[i], on_download_over, d);
		future_free(d->downloads[i]);
	}
	free(d->downloads);
	future_free(d->acquiring);
	future_free(d->all_over);
	semaphore_free(d->slots);
	free(d);
}
