/*
 * test_workpool.c - blocking work on worker threads, outcomes on the
 * loop: files written by the pool are the files written inline; futures
 * finish on the loop's thread; workpool_free runs every job already
 * submitted; an error code reaches the future; a cancelled future's job
 * still runs, and its outcome is dropped.
 */
#include "backends.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "syscall_faults.h"
#include "workpool.h"

TestSuite(workpool, .timeout = 20);

#define JOBS      64
#define FILE_SIZE 4096

/* One job: write FILE_SIZE bytes of a pattern that depends on INDEX. */
struct write_job {
	char path[256];
	int index;
	pthread_t thread; /* where it ran */
};

static void fill(char *buf, int index)
{
	for (int i = 0; i < FILE_SIZE; i++)
		buf[i] = (char)('a' + (i * 7 + index) % 26);
}

static int write_file(void *arg)
{
	struct write_job *job = arg;
	job->thread = pthread_self();
	char buf[FILE_SIZE];
	fill(buf, job->index);
	FILE *out = fopen(job->path, "wb");
	if (!out)
		return -errno;
	size_t wrote = fwrite(buf, 1, sizeof buf, out);
	int rc = fclose(out);
	return wrote == sizeof buf && rc == 0 ? 0 : -EIO;
}

static bool same_file(const char *a, const char *b)
{
	char x[FILE_SIZE + 1], y[FILE_SIZE + 1];
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	size_t na = fa ? fread(x, 1, sizeof x, fa) : 0, nb = fb ? fread(y, 1, sizeof y, fb) : 1;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return na == FILE_SIZE && na == nb && memcmp(x, y, na) == 0;
}

static struct workpool *new_pool(struct loop *loop, int threads)
{
	struct workpool *pool = workpool_new(loop, threads);
	cr_assert(pool != NULL, "workpool_new: %s", strerror(errno));
	return pool;
}

struct completion {
	pthread_t loop_thread;
	int done;
	bool all_on_loop_thread;
};

static void on_done(struct future *future, void *arg)
{
	(void)future;
	struct completion *c = arg;
	c->done++;
	c->all_on_loop_thread =
	        c->all_on_loop_thread && pthread_equal(pthread_self(), c->loop_thread);
}

Test(workpool, offloaded_writes_are_the_inline_files)
{
	char *dir = temp_dir_new();
	struct loop *loop = backend_loop("epoll");
	struct workpool *pool = new_pool(loop, 4);
	static struct write_job offloaded[JOBS], inline_jobs[JOBS];
	struct future *futures[JOBS];
	struct completion c = { pthread_self(), 0, true };
	for (int i = 0; i < JOBS; i++) {
		offloaded[i].index = inline_jobs[i].index = i;
		snprintf(offloaded[i].path, sizeof offloaded[i].path, "%s/pool-%d", dir, i);
		snprintf(inline_jobs[i].path, sizeof inline_jobs[i].path, "%s/inline-%d", dir, i);
		cr_assert_eq(write_file(&inline_jobs[i]), 0, "inline write %d", i);
		futures[i] = workpool_submit(pool, write_file, &offloaded[i]);
		cr_assert(futures[i] != NULL, "workpool_submit %d", i);
		future_add_done_callback(futures[i], on_done, &c);
	}
	cr_assert_eq(loop_run(loop), 0, "loop_run waits for the jobs out, then returns");
	cr_assert_eq(c.done, JOBS, "every future is done (%d)", c.done);
	cr_assert(c.all_on_loop_thread, "every done-callback ran on the loop's thread");
	for (int i = 0; i < JOBS; i++) {
		void *result = &c;
		cr_assert_eq(future_result(futures[i], &result), 0, "job %d succeeded", i);
		cr_assert_null(result, "with result NULL");
		cr_assert(!pthread_equal(offloaded[i].thread, c.loop_thread),
		          "job %d ran on a worker, not on the loop's thread", i);
		cr_assert(same_file(offloaded[i].path, inline_jobs[i].path),
		          "file %d is the same written either way", i);
		future_free(futures[i]);
	}
	workpool_free(pool);
	loop_free(loop);
	temp_dir_free(dir);
}

static atomic_int ran;

static int count_run(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ran, 1);
	return 0;
}

Test(workpool, free_with_jobs_pending_loses_none)
{
	struct loop *loop = backend_loop("epoll");
	struct workpool *pool = new_pool(loop, 2);
	struct future *futures[200];
	for (int i = 0; i < 200; i++)
		futures[i] = workpool_submit(pool, count_run, NULL);
	workpool_free(pool); /* at once: most jobs have not started */
	cr_assert_eq(atomic_load(&ran), 200, "every submitted job ran (%d)", atomic_load(&ran));
	for (int i = 0; i < 200; i++) {
		cr_assert(future_done(futures[i]), "future %d is done after workpool_free", i);
		void *result;
		cr_assert_eq(future_result(futures[i], &result), 0, "and succeeded");
		future_free(futures[i]);
	}
	cr_assert_eq(loop_run(loop), 0, "no reader is left behind: loop_run returns");
	loop_free(loop);
}

static int fail_no_space(void *arg)
{
	(void)arg;
	return -ENOSPC;
}

Test(workpool, an_error_code_reaches_the_future)
{
	struct loop *loop = backend_loop("epoll");
	struct workpool *pool = new_pool(loop, 1);
	struct future *future = workpool_submit(pool, fail_no_space, NULL);
	cr_assert_eq(loop_run_until_complete(loop, future), 0, "the future completes");
	const struct future_error *error;
	future_exception(future, &error);
	cr_assert(error != NULL, "with an error");
	cr_assert_eq(error->code, -ENOSPC, "the job's code, -ENOSPC (got %d)", error->code);
	cr_assert_str_eq(error->message, strerror(ENOSPC), "and its strerror message");
	future_free(future);
	workpool_free(pool);
	loop_free(loop);
}

/* A job that waits until the test lets it go, so that the cancellation
 * surely comes while it runs. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t opened;
	bool open, started, finished;
};

static int wait_at_gate(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->lock);
	g->started = true;
	pthread_cond_broadcast(&g->opened);
	while (!g->open)
		pthread_cond_wait(&g->opened, &g->lock);
	g->finished = true;
	pthread_mutex_unlock(&g->lock);
	return -EIO; /* an error that must not be reported: it is dropped */
}

Test(workpool, a_cancelled_job_still_runs_and_its_outcome_is_dropped)
{
	struct loop *loop = backend_loop("epoll");
	struct workpool *pool = new_pool(loop, 1);
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false,
		          false };
	struct future *future = workpool_submit(pool, wait_at_gate, &g);
	pthread_mutex_lock(&g.lock);
	while (!g.started)
		pthread_cond_wait(&g.opened, &g.lock);
	pthread_mutex_unlock(&g.lock);
	cr_assert(future_cancel(future, "no longer needed"), "the future is cancelled");
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.opened);
	pthread_mutex_unlock(&g.lock);
	cr_assert_eq(loop_run(loop), 0, "loop_run still waits for the job");
	cr_assert(g.finished, "the job ran to its end");
	cr_assert(future_cancelled(future), "the future stays cancelled: -EIO was dropped");
	future_free(future);
	workpool_free(pool);
	loop_free(loop);
}

Test(workpool, an_idle_pool_is_not_work)
{
	struct loop *loop = backend_loop("poll");
	struct workpool *pool = new_pool(loop, 3);
	cr_assert_eq(loop_run(loop), 0, "loop_run returns at once");
	errno = 0;
	cr_assert_null(workpool_new(loop, 0), "no threads: NULL");
	cr_assert_eq(errno, EINVAL, "errno EINVAL");
	workpool_free(pool);
	workpool_free(NULL);
	loop_free(loop);
}

static int quick_job(void *arg)
{
	(void)arg;
	return 0;
}

/* What the loop's exception handler heard: a reader that fails says so. */
static char heard[160];

static void hear(const char *message, void *arg)
{
	(void)arg;
	snprintf(heard, sizeof heard, "%s", message);
}

static void wait_until_started(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->started)
		pthread_cond_wait(&g->opened, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void open_gate(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->opened);
	pthread_mutex_unlock(&g->lock);
}

/* complete_jobs failed, and the loop was told: name the likely cause. */
static void require_wake_up_heard_nothing(void)
{
	cr_assert_str_empty(heard,
	                    "complete_jobs: the wake-up failed, and the loop was told \"%s\": "
	                    "an eventfd's counter is 8 bytes, read it into a uint64_t; a "
	                    "shorter read is refused (EINVAL), and the jobs on the DONE list "
	                    "are never finished",
	                    heard);
}

/* One worker takes the jobs in order and puts each on the DONE list before
 * it takes the next: once the last job, a gate, has started, the four
 * before it are all on the list, and one wake-up must finish them all.
 * The eventfd is made to lag (it reads back 1, not 4), as it does when
 * a worker has put its job on the list but not yet written its 1: the
 * list, not the counter, says what is done. */
Test(workpool, one_wake_up_finishes_every_job_on_the_done_list)
{
	struct loop *loop = backend_loop("epoll");
	syscall_faults_start(&(struct syscall_faults_plan){ .eventfd_lags = true });
	struct workpool *pool = new_pool(loop, 1);
	syscall_faults_stop();
	struct future *quick[4];
	for (int i = 0; i < 4; i++) {
		quick[i] = workpool_submit(pool, quick_job, NULL);
		cr_assert(quick[i] != NULL, "workpool_submit");
	}
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false,
		          false };
	struct future *gated = workpool_submit(pool, wait_at_gate, &g);
	cr_assert(gated != NULL, "workpool_submit");
	pthread_mutex_lock(&g.lock);
	while (!g.started)
		pthread_cond_wait(&g.opened, &g.lock);
	pthread_mutex_unlock(&g.lock);
	loop_set_exception_handler(loop, hear, NULL);
	heard[0] = '\0';
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "complete_jobs");
	cr_assert(rc >= 0, "loop_run_once: %s", strerror(-rc));
	require_wake_up_heard_nothing();
	int finished = 0;
	for (int i = 0; i < 4; i++)
		finished += future_done(quick[i]);
	cr_assert_eq(finished, 4,
	             "complete_jobs: one wake-up finishes every job on the DONE list, taken whole: "
	             "the eventfd only says \"look at the list\", and its counter can be behind "
	             "it (here it read 1), so neither the first job nor the count is the end "
	             "(%d of 4 finished)",
	             finished);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.opened);
	pthread_mutex_unlock(&g.lock);
	cr_assert_eq(loop_run(loop), 0, "loop_run waits for the gated job");
	const struct future_error *error;
	future_exception(gated, &error); /* its -EIO is expected: read, not reported */
	for (int i = 0; i < 4; i++)
		future_free(quick[i]);
	future_free(gated);
	workpool_free(pool);
	loop_free(loop);
}

/* Reading the eventfd is what says "seen": a counter left unread keeps the
 * descriptor readable, and the loop would call the reader again in every
 * iteration, for nothing, until the last job is back: a busy loop. */
Test(workpool, a_wake_up_reads_the_counter_back_to_zero)
{
	struct loop *loop = backend_loop("epoll");
	syscall_faults_start(&(struct syscall_faults_plan){ 0 });
	struct workpool *pool = new_pool(loop, 1);
	syscall_faults_stop();
	int wake_fd = syscall_faults_record()->eventfd;
	cr_assert(wake_fd >= 0, "the pool made its eventfd");
	struct future *quick = workpool_submit(pool, quick_job, NULL);
	cr_assert(quick != NULL, "workpool_submit");
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false,
		          false };
	struct future *gated = workpool_submit(pool, wait_at_gate, &g);
	cr_assert(gated != NULL, "workpool_submit");
	/* One worker: once the gate has started, the quick job is on the list
	 * and its 1 is in the counter. */
	pthread_mutex_lock(&g.lock);
	while (!g.started)
		pthread_cond_wait(&g.opened, &g.lock);
	pthread_mutex_unlock(&g.lock);
	loop_set_exception_handler(loop, hear, NULL);
	heard[0] = '\0';
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "complete_jobs");
	require_wake_up_heard_nothing();
	cr_assert(future_done(quick),
	          "complete_jobs: the eventfd woke the loop with the quick job on the DONE list, "
	          "and the wake-up did not finish it");
	struct pollfd watch = { .fd = wake_fd, .events = POLLIN };
	cr_assert_eq(poll(&watch, 1, 0), 0,
	             "complete_jobs: the eventfd is still readable after the wake-up took the "
	             "jobs: read its counter (8 bytes, which sets it back to 0) or the loop calls "
	             "the reader again in every iteration, a busy loop, until the last job is "
	             "back");
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.opened);
	pthread_mutex_unlock(&g.lock);
	cr_assert_eq(loop_run(loop), 0, "loop_run waits for the gated job");
	const struct future_error *error;
	future_exception(gated, &error); /* its -EIO is expected: read, not reported */
	future_free(quick);
	future_free(gated);
	workpool_free(pool);
	loop_free(loop);
}

/*
 * The race between the loop and a worker, made to happen every time.
 * This binary is linked with --wrap=pthread_mutex_unlock (see the
 * Makefile): the probe below sees each unlock. When the loop's thread
 * unlocks the pool's mutex inside complete_jobs, which is take_done
 * giving the list back, the probe lets a gated job end and waits until
 * the worker has put it on the DONE list and written its 1 (the worker
 * does both under the mutex, and unlocks it next to start the job after).
 * If complete_jobs reset the counter before it took the list, that 1
 * stays in the counter and the loop wakes again for the job; if it reset
 * the counter after, the 1 is read away, and the job sits on the list
 * with nothing to wake the loop for it.
 */
static struct gate probe_gate = { .lock = PTHREAD_MUTEX_INITIALIZER,
	                           .opened = PTHREAD_COND_INITIALIZER };
static struct gate last_gate = { .lock = PTHREAD_MUTEX_INITIALIZER,
	                          .opened = PTHREAD_COND_INITIALIZER };
static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	atomic_bool armed;        /* the loop's next unlock of another mutex fires it */
	atomic_bool watch_worker; /* the worker's next unlock is reported */
	bool worker_passed;
	pthread_t loop_thread;
	int fired;
} probe = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

int __real_pthread_mutex_unlock(pthread_mutex_t *mutex);

int __wrap_pthread_mutex_unlock(pthread_mutex_t *mutex)
{
	int rc = __real_pthread_mutex_unlock(mutex);
	if (mutex == &probe.lock || mutex == &probe_gate.lock || mutex == &last_gate.lock)
		return rc; /* the test's own */
	pthread_t self = pthread_self();
	if (atomic_load(&probe.armed) && pthread_equal(self, probe.loop_thread)) {
		atomic_store(&probe.armed, false);
		probe.fired++;
		atomic_store(&probe.watch_worker, true);
		open_gate(&probe_gate);
		pthread_mutex_lock(&probe.lock);
		while (!probe.worker_passed)
			pthread_cond_wait(&probe.changed, &probe.lock);
		pthread_mutex_unlock(&probe.lock);
	} else if (atomic_load(&probe.watch_worker) && !pthread_equal(self, probe.loop_thread)) {
		/* The one worker: it unlocks the pool's mutex to run the next job. */
		atomic_store(&probe.watch_worker, false);
		pthread_mutex_lock(&probe.lock);
		probe.worker_passed = true;
		pthread_cond_broadcast(&probe.changed);
		pthread_mutex_unlock(&probe.lock);
	}
	return rc;
}

Test(workpool, a_job_done_while_the_list_is_taken_wakes_the_loop_again)
{
	struct loop *loop = backend_loop("epoll");
	syscall_faults_start(&(struct syscall_faults_plan){ 0 });
	struct workpool *pool = new_pool(loop, 1);
	syscall_faults_stop();
	int wake_fd = syscall_faults_record()->eventfd;
	cr_assert(wake_fd >= 0, "the pool made its eventfd");
	/* One worker, three jobs in order: the quick one, the one the probe
	 * lets go, and one that waits until the end. */
	struct future *quick = workpool_submit(pool, quick_job, NULL);
	struct future *raced = workpool_submit(pool, wait_at_gate, &probe_gate);
	struct future *last = workpool_submit(pool, wait_at_gate, &last_gate);
	cr_assert(quick && raced && last, "workpool_submit");
	wait_until_started(&probe_gate); /* the quick job is on the list, its 1 counted */
	probe.loop_thread = pthread_self();
	atomic_store(&probe.armed, true);
	int rc = loop_run_once(loop);
	atomic_store(&probe.armed, false);
	REQUIRE_IMPLEMENTED(rc, "complete_jobs");
	cr_assert(rc >= 0, "loop_run_once: %s", strerror(-rc));
	cr_assert(future_done(quick), "complete_jobs: the wake-up finished the quick job");
	cr_assert_eq(probe.fired, 1, "complete_jobs takes the DONE list under the pool's mutex");
	struct pollfd watch = { .fd = wake_fd, .events = POLLIN };
	cr_assert_eq(poll(&watch, 1, 0), 1,
	             "complete_jobs: a worker put a job on the DONE list and wrote its 1 while "
	             "the wake-up was taking the list, and now nothing will wake the loop for "
	             "that job: reset the counter (read the eventfd) before taking the list, so "
	             "that a 1 written after the read stays in the counter; read after, and it "
	             "is read away with the job left behind");
	cr_assert(loop_run_once(loop) >= 0, "loop_run_once");
	cr_assert(future_done(raced), "the next wake-up finishes the job that raced");
	open_gate(&last_gate);
	cr_assert_eq(loop_run(loop), 0, "loop_run waits for the last job");
	const struct future_error *error;
	future_exception(raced, &error); /* their -EIO is expected: read, not reported */
	future_exception(last, &error);
	future_free(quick);
	future_free(raced);
	future_free(last);
	workpool_free(pool);
	loop_free(loop);
}
