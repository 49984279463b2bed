/*
 * workpool.c - a few worker threads for blocking work, reporting to the
 * loop through an eventfd. See workpool.h.
 *
 * Mirrors: concurrent.futures.ThreadPoolExecutor behind
 * loop.run_in_executor, whose workers hand results back with
 * loop.call_soon_threadsafe (a write to the loop's self-pipe).
 *
 * Two lists, one mutex. A job goes from TODO (submitted, waiting for a
 * worker) to DONE (run, waiting for the loop), then the loop finishes its
 * future and frees it. The workers never touch a future or the loop: they
 * add the job to DONE and add 1 to an eventfd, a counter in the kernel
 * that the loop watches as a reader. The loop's reader takes the whole
 * DONE list at once. The eventfd is registered only while jobs are out,
 * so an idle pool does not keep loop_run going, and a busy one does.
 */
/* eventfd() is Linux's own: one descriptor holding a 64-bit counter,
 * cheaper than a pipe's two and never full. _GNU_SOURCE declares it, and
 * its flags, under -D_POSIX_C_SOURCE. */
#define _GNU_SOURCE
#include "workpool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "todo.h"

struct job {
	workpool_fn *fn;
	void *arg;
	int rc;                /* what fn returned, set by the worker */
	struct future *future; /* the pool's reference; loop thread only */
	struct job *next;
};

/* A singly linked list with a tail: appending and taking the head O(1). */
struct job_list {
	struct job *head, *tail;
};

struct workpool {
	struct loop *loop;
	int wake_fd;          /* the eventfd: workers add 1, the loop reads */
	int outstanding;      /* jobs whose future is not finished yet (loop thread) */
	pthread_mutex_t lock; /* guards todo, done and stopping */
	pthread_cond_t work_ready;
	struct job_list todo, done;
	bool stopping; /* workpool_free: finish the list, then exit */
	int threads;
	pthread_t workers[]; /* THREADS of them */
};

static void append(struct job_list *list, struct job *job)
{
	job->next = NULL;
	if (list->tail)
		list->tail->next = job;
	else
		list->head = job;
	list->tail = job;
}

static struct job *take_first(struct job_list *list)
{
	struct job *job = list->head;
	if (job) {
		list->head = job->next;
		if (!list->head)
			list->tail = NULL;
	}
	return job;
}

/* A worker: take a job, run it unlocked, hand it to the loop; sleep on
 * the condition variable while there is nothing to do; exit once
 * stopping is set and TODO is empty, so no submitted job is lost. */
static void *worker_main(void *opaque)
{
	struct workpool *pool = opaque;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->todo.head && !pool->stopping)
			pthread_cond_wait(&pool->work_ready, &pool->lock);
		struct job *job = take_first(&pool->todo);
		if (!job)
			break;
		pthread_mutex_unlock(&pool->lock);
		job->rc = job->fn(job->arg);
		pthread_mutex_lock(&pool->lock);
		append(&pool->done, job);
		/* Wake the loop. The counter only grows: 1 more, whatever it
		 * was; the loop reads and resets it in one go. */
		uint64_t one = 1;
		if (write(pool->wake_fd, &one, sizeof one) < 0) {
			/* Only EAGAIN is possible, at a count of 2^64 - 2. */
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Stop the workers once TODO is empty, and wait for them. */
static void stop_workers(struct workpool *pool, int started)
{
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < started; i++)
		pthread_join(pool->workers[i], NULL);
}

struct workpool *workpool_new(struct loop *loop, int threads)
{
	if (threads < 1) {
		errno = EINVAL;
		return NULL;
	}
	struct workpool *pool = calloc(1, sizeof *pool + (size_t)threads * sizeof(pthread_t));
	if (!pool)
		return NULL;
	pool->loop = loop;
	pool->threads = threads;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work_ready, NULL);
	pool->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rc = pool->wake_fd < 0 ? errno : 0;
	/* Workers start with every signal blocked (a thread inherits the mask
	 * of the thread that creates it), so SIGINT and SIGTERM always run
	 * their handlers on the loop's thread: two signals sent together are
	 * both in the self-pipe before the loop goes on (signals.c). */
	sigset_t all, before;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &before);
	int started = 0;
	while (rc == 0 && started < threads) {
		rc = pthread_create(&pool->workers[started], NULL, worker_main, pool);
		started += rc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	if (rc != 0) {
		stop_workers(pool, started);
		pool->threads = 0;
		workpool_free(pool);
		errno = rc;
		return NULL;
	}
	return pool;
}

/* The loop's side: the DONE list, all of it, taken under the lock. */
static struct job *take_done(struct workpool *pool)
{
	pthread_mutex_lock(&pool->lock);
	struct job *jobs = pool->done.head;
	pool->done = (struct job_list){ NULL, NULL };
	pthread_mutex_unlock(&pool->lock);
	return jobs;
}

/* On the loop's thread: give JOB's future its outcome (unless it was
 * cancelled meanwhile: then the outcome is dropped), free the job, and
 * stop watching the eventfd when no job is left out. */
static void finish_job(struct workpool *pool, struct job *job)
{
	if (!future_done(job->future)) {
		if (job->rc == 0)
			future_set_result(job->future, NULL, NULL);
		else
			future_set_exception(job->future, job->rc, strerror(-job->rc));
	}
	future_free(job->future);
	free(job);
	if (--pool->outstanding == 0)
		loop_remove_reader(pool->loop, pool->wake_fd);
}

/*
 * The eventfd's reader, on the loop: reset the counter, then finish every
 * job on the DONE list. The order matters: a job that a worker finishes
 * after the read adds 1 again, so the loop wakes once more for it; read
 * after taking the list and such a job could sit there unseen. Returns
 * how many jobs were finished, or -errno when the read failed.
 */
static int complete_jobs(struct workpool *pool)
{
	uint64_t count;
	if (read(pool->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
		return -errno;
	int finished = 0;
	struct job *job = take_done(pool);
	while (job) {
		struct job *next = job->next;
		finish_job(pool, job);
		finished++;
		job = next;
	}
	return finished;
}

/* The eventfd's reader. When the jobs cannot be collected, stop watching:
 * a descriptor that stays readable would call this again in every
 * iteration, and the loop would spin instead of reporting. */
static void on_wake(void *opaque)
{
	struct workpool *pool = opaque;
	if (complete_jobs(pool) < 0) {
		loop_remove_reader(pool->loop, pool->wake_fd);
		loop_call_exception_handler(pool->loop, "workpool: cannot collect finished jobs");
	}
}

struct future *workpool_submit(struct workpool *pool, workpool_fn *fn, void *arg)
{
	struct job *job = calloc(1, sizeof *job);
	struct future *future = job ? future_new(pool->loop) : NULL;
	if (!future || (pool->outstanding == 0 &&
	                loop_add_reader(pool->loop, pool->wake_fd, on_wake, pool) < 0)) {
		future_free(future);
		free(job);
		return NULL;
	}
	pool->outstanding++;
	job->fn = fn;
	job->arg = arg;
	job->future = future_retain(future);
	pthread_mutex_lock(&pool->lock);
	append(&pool->todo, job);
	pthread_cond_signal(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
	return future;
}

void workpool_free(struct workpool *pool)
{
	if (!pool)
		return;
	/* Every submitted job runs: the workers leave only with TODO empty. */
	stop_workers(pool, pool->threads);
	for (struct job *job = take_done(pool), *next; job; job = next) {
		next = job->next;
		finish_job(pool, job);
	}
	if (pool->wake_fd >= 0)
		close(pool->wake_fd);
	pthread_cond_destroy(&pool->work_ready);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
