/*
 * diskwrite.h - write a buffer to a file on a worker thread, and await it.
 *
 * Mirrors: aiofiles' `await f.write(chunk)`, which is
 * loop.run_in_executor(None, f.write, chunk): the write() that may block
 * on a busy disk runs on a thread of the workpool, and the coroutine
 * awaits a future that the loop finishes when the thread is done.
 *
 * The source article's trade-off, measured in the README: a hand-over to
 * a thread and back costs more than a small write() into the page cache,
 * so small bodies are written inline (outfile_write) and only bodies of
 * DISKWRITE_THRESHOLD bytes or more go through here, in pieces of
 * BODY_WRITE_MIN bytes or more (body_protocol.h).
 *
 * A write, once handed to a thread, cannot be stopped (workpool.h). So
 * the job owns everything the thread touches: a duplicate of the
 * descriptor and the buffer. A download cancelled meanwhile may close its
 * own descriptor and remove its temporary file at once; the thread goes
 * on writing into the removed file, harmlessly, and the job is freed when
 * the loop hears that the thread is done.
 *
 * Interface:
 *   diskwrite_new / diskwrite_free  the writer, on a workpool
 *   diskwrite_start    a future for writing a buffer (taken over) to FD
 *   diskwrite_pending  jobs whose thread has not reported back yet
 */
#ifndef DISKWRITE_H
#define DISKWRITE_H

#include <stddef.h>

#define DISKWRITE_THRESHOLD (1024 * 1024) /* bodies this large or larger */

struct loop;
struct future;
struct workpool;
struct diskwrite;

/* diskwrite_new: a writer whose jobs run on POOL (borrowed: it must
 * outlive the writer). NULL when out of memory. */
struct diskwrite *diskwrite_new(struct workpool *pool);

/* diskwrite_free: frees the writer. Call it once diskwrite_pending is 0:
 * every job refers to it until its thread has reported back. */
void diskwrite_free(struct diskwrite *writer);

/*
 * diskwrite_start: write the LEN bytes of BUF (malloc'ed; the job takes
 * it over and frees it) to FD at its current offset, on a worker thread.
 * Returns a future, one reference for the caller, that finishes (result
 * NULL) once every byte is written, or fails with the write's error.
 * Cancelling the future only stops the caller waiting (see above). NULL
 * when out of memory (BUF has been freed then).
 */
struct future *diskwrite_start(struct diskwrite *writer, struct loop *loop, int fd, char *buf,
                               size_t len);

/* diskwrite_pending: jobs started whose thread has not reported back. */
int diskwrite_pending(const struct diskwrite *writer);

#endif
