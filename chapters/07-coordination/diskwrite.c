/*
 * diskwrite.c - write a buffer to a file on a worker thread. See
 * diskwrite.h.
 *
 * Mirrors: aiofiles' threadpool wrapper around a file's write().
 *
 * Two futures per job: WORK is the workpool's, which nobody but this
 * file ever sees, so nobody can cancel it; DONE is the caller's, which a
 * cancelled task may cancel. The job ends when WORK is done, whatever
 * became of DONE.
 */
#include "diskwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "future.h"
#include "workpool.h"

struct diskwrite {
	struct workpool *pool;
	int pending;
};

/* What the worker thread touches, and nothing else. */
struct job {
	struct diskwrite *writer;
	int fd; /* a duplicate: the download may close its own meanwhile */
	char *buf;
	size_t len;
	struct future *done; /* the caller's future (a reference of the job's) */
};

struct diskwrite *diskwrite_new(struct workpool *pool)
{
	struct diskwrite *writer = calloc(1, sizeof *writer);
	if (writer)
		writer->pool = pool;
	return writer;
}

void diskwrite_free(struct diskwrite *writer)
{
	free(writer);
}

int diskwrite_pending(const struct diskwrite *writer)
{
	return writer->pending;
}

/* On a worker thread: the blocking write(), all of it or an error. */
static int write_all(void *arg)
{
	struct job *job = arg;
	const char *p = job->buf;
	size_t left = job->len;
	while (left > 0) {
		ssize_t written = write(job->fd, p, left);
		if (written < 0 && errno == EINTR)
			continue;
		if (written < 0)
			return -errno;
		p += written;
		left -= (size_t)written;
	}
	return 0;
}

static void job_free(struct job *job)
{
	if (job->fd >= 0)
		close(job->fd);
	free(job->buf);
	future_free(job->done);
	free(job);
}

/* Back on the loop: the thread is done. Tell the caller, if it still
 * waits, then let go of everything. */
static void on_work_done(struct future *work, void *arg)
{
	struct job *job = arg;
	void *unused;
	int rc = future_result(work, &unused);
	if (!future_done(job->done)) {
		if (rc < 0)
			future_set_exception(job->done, rc, strerror(-rc));
		else
			future_set_result(job->done, NULL, NULL);
	}
	job->writer->pending--;
	job_free(job);
	future_free(work);
}

struct future *diskwrite_start(struct diskwrite *writer, struct loop *loop, int fd, char *buf,
                               size_t len)
{
	struct job *job = calloc(1, sizeof *job);
	struct future *done = future_new(loop);
	if (!job || !done) {
		free(job);
		free(buf);
		future_free(done);
		return NULL;
	}
	*job = (struct job){ writer, fcntl(fd, F_DUPFD_CLOEXEC, 0), buf, len, future_retain(done) };
	struct future *work = job->fd < 0 ? NULL : workpool_submit(writer->pool, write_all, job);
	if (!work) {
		int rc = job->fd < 0 ? -errno : -ENOMEM;
		future_set_exception(done, rc, strerror(-rc));
		job_free(job);
		return done;
	}
	writer->pending++;
	/* Out of memory here leaves the job to its thread, unwatched: a leak,
	 * but freeing what a thread may be writing from would be worse. */
	if (future_add_done_callback(work, on_work_done, job) < 0)
		future_set_exception(done, -ENOMEM, "out of memory");
	return done;
}
