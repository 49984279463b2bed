/*
 * write_cost.c - writing files inline (in a loop callback) or offloaded
 * to the worker pool, while the loop has other work: a ticker that wants
 * to run every millisecond. Two figures per way: the wall time to write
 * them all, and the ticker's worst lateness, how long the loop could not
 * run anything else.
 *
 * Build and run from the top of the repository, as poll_cost.c says,
 * then: build/write_cost [DIRECTORY]   (default: the current directory)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "workpool.h"

struct job;

struct run {
	struct loop *loop;
	struct workpool *pool; /* NULL: inline */
	const char *dir;
	const char *buffer;
	size_t size;
	struct job *jobs;
	int files, written;
	double started, finished, worst_late, next_tick;
	bool done;
};

struct job {
	struct run *run;
	char path[512];
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_one(void *arg)
{
	struct job *job = arg;
	int fd = open(job->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	size_t done = 0;
	while (done < job->run->size) {
		ssize_t n = write(fd, job->run->buffer + done, job->run->size - done);
		if (n < 0) {
			close(fd);
			return -errno;
		}
		done += (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

static void tick(void *arg)
{
	struct run *run = arg;
	double late = loop_time(run->loop) - run->next_tick;
	if (late > run->worst_late)
		run->worst_late = late;
	if (run->done)
		return;
	run->next_tick = loop_time(run->loop) + 0.001;
	handle_detach(loop_call_at(run->loop, run->next_tick, tick, run));
}

static void count_written(struct future *future, void *arg)
{
	struct run *run = arg;
	void *unused;
	if (future_result(future, &unused) != 0)
		fprintf(stderr, "write_cost: a write failed\n");
	if (++run->written == run->files) {
		run->finished = now();
		run->done = true;
	}
}

/* One file per iteration, as a downloader finishing bodies one by one
 * would; then the next file, in the next iteration. */
static void write_next(void *arg)
{
	struct job *job = arg;
	struct run *run = job->run;
	if (run->pool) {
		struct future *f = workpool_submit(run->pool, write_one, job);
		future_add_done_callback(f, count_written, run);
		future_free(f);
	} else if (write_one(job) == 0 && ++run->written == run->files) {
		run->finished = now();
		run->done = true;
	}
	if (job + 1 < run->jobs + run->files)
		handle_detach(loop_call_soon(run->loop, write_next, job + 1));
}

static void measure(const char *dir, size_t size, int files, bool offload, double *wall,
                    double *late)
{
	struct run run = { .loop = loop_new(), .dir = dir, .size = size, .files = files };
	char *buffer = malloc(size);
	memset(buffer, 'x', size);
	run.buffer = buffer;
	run.pool = offload ? workpool_new(run.loop, 2) : NULL;
	struct job *jobs = calloc((size_t)files, sizeof *jobs);
	run.jobs = jobs;
	for (int i = 0; i < files; i++) {
		jobs[i].run = &run;
		snprintf(jobs[i].path, sizeof jobs[i].path, "%s/write-cost-%d", dir, i);
	}
	run.started = now();
	run.next_tick = loop_time(run.loop) + 0.001;
	handle_detach(loop_call_at(run.loop, run.next_tick, tick, &run));
	handle_detach(loop_call_soon(run.loop, write_next, &jobs[0]));
	loop_run(run.loop);
	*wall = run.finished - run.started;
	*late = run.worst_late;
	workpool_free(run.pool);
	loop_free(run.loop);
	for (int i = 0; i < files; i++)
		unlink(jobs[i].path);
	free(jobs);
	free(buffer);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	static const struct {
		size_t size;
		int files;
		const char *label;
	} cases[] = {
		{ 4096, 1000, "1000 x 4 KiB" },
		{ 1u << 20, 64, "64 x 1 MiB" },
		{ 64u << 20, 4, "4 x 64 MiB" },
	};
	printf("%-14s %-9s %10s %16s  (median of 5 runs)\n", "files", "way", "wall",
	       "worst tick late");
	for (int c = 0; c < 3; c++)
		for (int offload = 0; offload < 2; offload++) {
			double walls[5], lates[5];
			for (int r = 0; r < 5; r++)
				measure(dir, cases[c].size, cases[c].files, offload, &walls[r],
				        &lates[r]);
			for (int i = 1; i < 5; i++)
				for (int j = i; j > 0; j--) {
					if (walls[j] < walls[j - 1]) {
						double t = walls[j];
						walls[j] = walls[j - 1];
						walls[j - 1] = t;
					}
					if (lates[j] < lates[j - 1]) {
						double t = lates[j];
						lates[j] = lates[j - 1];
						lates[j - 1] = t;
					}
				}
			printf("%-14s %-9s %8.1f ms %13.2f ms\n", cases[c].label,
			       offload ? "offloaded" : "inline", walls[2] * 1e3, lates[2] * 1e3);
		}
	return 0;
}
