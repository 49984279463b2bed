/*
 * progress.h - a progress line per download, once a second, from a timer.
 *
 * Mirrors: the source article's concurrent downloader, which prints
 * "test1.txt: 25.0% (2048/8192)" while the downloads run. The ticking is
 * a timer that reschedules itself with loop_call_at, one interval after
 * the previous deadline (not after the moment it ran), so the lines stay
 * on the second however late a tick is served.
 *
 *   [  1.000] a.bin: 25.0% (2048/8192)       Content-Length known
 *   [  1.000] b.bin: 5120 bytes              read until the server closes
 *
 * A download appears once it has an output file (progress_begin) and
 * disappears when it ends (progress_end). Nothing is printed for a run
 * shorter than one interval. progress_stop cancels the timer, so that a
 * finished program is not kept alive by its own progress line.
 *
 * Every function accepts a NULL progress and then does nothing, so the
 * downloader calls them whether --progress was given or not.
 *
 * Interface:
 *   progress_start   begin ticking every INTERVAL seconds on LOOP
 *   progress_begin   download ID writes to NAME, TOTAL bytes (-1: unknown)
 *   progress_update  download ID has BYTES so far
 *   progress_end     download ID is over: no more lines for it
 *   progress_stop    cancel the timer and free what progress_start took
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct loop;
struct handle;

struct progress_entry {
	char name[64];
	long long bytes;
	long long total; /* -1: no Content-Length */
	bool active;     /* between progress_begin and progress_end */
};

struct progress {
	struct loop *loop;
	FILE *out;
	double started;  /* loop_time() at progress_start */
	double interval; /* seconds between two lines */
	double next_at;  /* the deadline of the next tick */
	struct handle *timer;
	struct progress_entry *entries;
	int count;
};

/* Returns 0, or -ENOMEM (then progress_stop is still safe to call). */
int progress_start(struct progress *p, struct loop *loop, FILE *out, int count, double interval);
void progress_begin(struct progress *p, int id, const char *name, long long total);
void progress_update(struct progress *p, int id, long long bytes);
void progress_end(struct progress *p, int id);
void progress_stop(struct progress *p);

#endif
