/*
 * main.c - the download command, the production way.
 *
 *   download [-o DIR] [-t SECONDS] [-j N] [--per-host N] [-i FILE]
 *            [--no-keepalive] [--backend select|poll|epoll] [--debug]
 *            [--progress] [--write-threshold BYTES] [--trace FILE]
 *            [--fail-fast] [URL...]
 *
 * Saves each URL's body as DIR/<last path segment>, prints a timestamped
 * line as each download starts and ends and a summary at the end. Exits 0
 * when every download succeeded, 1 when any failed, 2 on a usage error,
 * 128 + the signal's number (130 for Ctrl-C) when interrupted.
 *
 * This is chapter 6: the URLs of the command line and of -i FILE form a
 * queue, which drain.c starts in order, -j at a time; each download waits
 * for a slot of its host, reuses a pooled connection when it can, and
 * leaves large writes to threads. SIGINT and SIGTERM arrive as loop
 * callbacks: the first cancels every download, which cleans up after
 * itself; a second one exits at once.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "diskwrite.h"
#include "drain.h"
#include "events.h"
#include "fdlimit.h"
#include "fetch.h"
#include "future.h"
#include "loop.h"
#include "outfile.h"
#include "pool.h"
#include "progress.h"
#include "queue.h"
#include "signals.h"
#include "task.h"
#include "trace.h"
#include "workpool.h"

#define PROGRAM_LABEL    "chapter 6: production"
#define DEFAULT_JOBS     100 /* aiohttp's TCPConnector(limit=100) */
#define DEFAULT_PER_HOST 30  /* ... and its limit_per_host=30 */
#define WRITER_THREADS   4
/* Idle connections the pool keeps, at most: enough for every slot of a
 * usual -j, bounded so that -j 10000 does not need twice the descriptors. */
#define IDLE_MAX 256
/* Descriptors besides the connections: stdio, the loop's own, the
 * writer threads' duplicates, the fixture's pipes in a test. */
#define SPARE_FDS 64

struct command_line {
	struct fetch_options options;
	const char *trace_path; /* NULL: no trace */
	bool fail_fast;         /* cancel the rest at the first failure */
	int jobs;               /* -j: downloads at once */
	int per_host;           /* --per-host: downloads at once per host */
	const char *input;      /* -i FILE, "-" for stdin, or NULL */
	const char *backend;    /* --backend */
	bool debug;             /* --debug */
	bool progress;          /* --progress */
	struct url_queue queue;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: download [-o DIR] [-t SECONDS] [-j N] [--per-host N] [-i FILE] [options] "
	        "URL...\n"
	        "  -o DIR            save files in DIR (default: .)\n"
	        "  -t SECONDS        give up on a step after SECONDS without progress "
	        "(default: 10)\n"
	        "  -j N              at most N downloads at once (default: %d)\n"
	        "  --per-host N      at most N downloads at once per host (default: %d)\n"
	        "  -i FILE           read more URLs from FILE, one a line ('-': stdin)\n"
	        "  --no-keepalive    a new connection for every request\n"
	        "  --backend NAME    poll with select, poll or epoll (default: epoll)\n"
	        "  --debug           slow callbacks, lost errors, loop statistics "
	        "(also ASYNCIO_C_DEBUG=1)\n"
	        "  --progress        show progress even when stdout is not a terminal\n"
	        "  --write-threshold BYTES  bodies this large go to writer threads "
	        "(default: %d)\n"
	        "  --trace FILE      write a Chrome trace-event JSON timeline to FILE\n"
	        "  --fail-fast       at the first failure, cancel the other downloads\n",
	        DEFAULT_JOBS, DEFAULT_PER_HOST, DISKWRITE_THRESHOLD);
}

/* TEXT as a number from MIN to MAX; -1 when it is not one. */
static double parse_number(const char *text, double min, double max)
{
	char *end;
	double value = strtod(text, &end);
	if (end == text || *end != '\0' || !(value >= min) || value > max)
		return -1;
	return value;
}

/* One option that takes a number; returns 0, or 2 after saying why. */
static int parse_numeric_option(int opt, const char *text, struct command_line *cl)
{
	double value;
	if (opt == 't' && (value = parse_number(text, 1e-3, 86400)) > 0)
		cl->options.timeout_s = value;
	else if (opt == 'j' && (value = parse_number(text, 1, 1000000)) >= 1 && value == (int)value)
		cl->jobs = (int)value;
	else if (opt == 'P' && (value = parse_number(text, 1, 1000000)) >= 1 && value == (int)value)
		cl->per_host = (int)value;
	else if (opt == 'W' && (value = parse_number(text, 0, 1e15)) >= 0)
		cl->options.write_threshold = (long long)value;
	else if (opt == 't')
		return fprintf(stderr, "download: -t needs a number of seconds, got '%s'\n", text), 2;
	else
		return fprintf(stderr, "download: %s needs a whole number, got '%s'\n",
		               opt == 'j' ? "-j" : opt == 'P' ? "--per-host" : "--write-threshold",
		               text),
		       2;
	return 0;
}

/* The URLs: the command line's first, then those of -i FILE. */
static int collect_urls(int count, char **urls, struct command_line *cl)
{
	for (int i = 0; i < count; i++)
		if (url_queue_push(&cl->queue, urls[i]) < 0)
			return fprintf(stderr, "download: out of memory\n"), 1;
	if (!cl->input)
		return 0;
	bool use_stdin = strcmp(cl->input, "-") == 0;
	FILE *in = use_stdin ? stdin : fopen(cl->input, "r");
	if (!in)
		return fprintf(stderr, "download: -i %s: %s\n", cl->input, strerror(errno)), 2;
	int rc = url_queue_read(&cl->queue, in);
	if (!use_stdin)
		fclose(in);
	if (rc < 0)
		return fprintf(stderr, "download: -i %s: %s\n", cl->input, strerror(-rc)), 1;
	return 0;
}

/* Returns 0, or the exit status after saying why (2: a usage error). */
static int parse_command_line(int argc, char **argv, struct command_line *cl)
{
	static const struct option long_options[] = {
		{ "trace", required_argument, NULL, 'T' },
		{ "fail-fast", no_argument, NULL, 'F' },
		{ "per-host", required_argument, NULL, 'P' },
		{ "no-keepalive", no_argument, NULL, 'K' },
		{ "backend", required_argument, NULL, 'B' },
		{ "debug", no_argument, NULL, 'D' },
		{ "progress", no_argument, NULL, 'G' },
		{ "write-threshold", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*cl = (struct command_line){ .options = { .dir = ".",
		                                  .timeout_s = 10.0,
		                                  .keep_alive = true,
		                                  .write_threshold = DISKWRITE_THRESHOLD },
		                     .jobs = DEFAULT_JOBS,
		                     .per_host = DEFAULT_PER_HOST,
		                     .backend = "epoll" };
	int opt, rc = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, "o:t:j:i:h", long_options, NULL)) != -1) {
		if (opt == 'o')
			cl->options.dir = optarg;
		else if (opt == 't' || opt == 'j' || opt == 'P' || opt == 'W')
			rc = parse_numeric_option(opt, optarg, cl);
		else if (opt == 'i')
			cl->input = optarg;
		else if (opt == 'T')
			cl->trace_path = optarg;
		else if (opt == 'F')
			cl->fail_fast = true;
		else if (opt == 'K')
			cl->options.keep_alive = false;
		else if (opt == 'B')
			cl->backend = optarg;
		else if (opt == 'D')
			cl->debug = true;
		else if (opt == 'G')
			cl->progress = true;
		else if (opt == 'h')
			return usage(stdout), -1;
		else
			return usage(stderr), 2;
	}
	if (rc == 0)
		rc = collect_urls(argc - optind, argv + optind, cl);
	if (rc == 0 && cl->queue.count == 0 && !cl->input)
		return usage(stderr), 2;
	return rc;
}

/* What the callbacks share. */
struct downloads {
	const struct command_line *cl;
	struct loop *loop;
	struct events events;
	struct drain *drain;
	struct progress *progress;
	size_t succeeded;
	int failures;
	long long bytes;
	int signal; /* the first SIGINT or SIGTERM received, or 0 */
	char stop_reason[64];
};

/* One download's ticket, for its done-callback. */
struct ticket {
	struct downloads *all;
	int id;
};

/* Why a download has no result, in one line on stderr. */
static void report_failure(struct downloads *all, struct future *download, const char *url)
{
	const struct future_error *error;
	progress_clear(all->progress);
	if (future_exception(download, &error) == -ECANCELED)
		fprintf(stderr, "download: %s: cancelled: %s\n", url,
		        future_cancel_message(download));
	else
		fprintf(stderr, "download: %s: %s\n", url,
		        error ? error->message : "no result (is task_step written yet?)");
}

/* A download is over: report it. The first failure, with --fail-fast,
 * stops the drain, which cancels every download still running. */
static void on_download_done(struct future *download, void *arg)
{
	struct ticket *ticket = arg;
	struct downloads *all = ticket->all;
	const char *url = all->cl->queue.urls[ticket->id];
	void *value;
	bool ok = future_result(download, &value) == 0;
	progress_end(all->progress, ticket->id, ok);
	if (ok) {
		const struct fetch_result *result = value;
		events_done(&all->events, ticket->id, url, result->bytes, result->saved_as);
		all->bytes += result->bytes;
		all->succeeded++;
	} else {
		events_failed(&all->events, ticket->id, url);
		report_failure(all, download, url);
		all->failures++;
		if (all->cl->fail_fast && !future_cancelled(download))
			drain_stop(all->drain, "another download failed (--fail-fast)");
	}
	free(ticket);
}

/* drain.c calls this for each URL, in order, once a -j slot is free. */
static struct future *start_download(size_t index, void *arg)
{
	struct downloads *all = arg;
	struct ticket *ticket = malloc(sizeof *ticket);
	const char *url = all->cl->queue.urls[index];
	events_start(&all->events, (int)index, url);
	progress_begin(all->progress, (int)index, url);
	struct future *download =
	        ticket ? fetch(all->loop, url, &all->cl->options, &all->events, (int)index) : NULL;
	if (!download || future_add_done_callback(download, on_download_done, ticket) < 0) {
		fprintf(stderr, "download: %s: out of memory\n", url);
		future_free(download);
		free(ticket);
		return NULL;
	}
	*ticket = (struct ticket){ all, (int)index };
	return download; /* the drain's reference from now on */
}

/*
 * SIGINT or SIGTERM, as a loop callback (signals.h), so it may do
 * anything. The first one stops the drain: nothing more starts, and every
 * download running is cancelled, closes its connection and removes its
 * temporary file, and the loop ends when they all have. A second one
 * does not wait: it removes the temporary files still open and exits.
 */
static void on_signal(struct downloads *all, int signo)
{
	const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
	if (all->signal == 0) {
		all->signal = signo;
		snprintf(all->stop_reason, sizeof all->stop_reason, "interrupted by %s", name);
		drain_stop(all->drain, all->stop_reason);
		return;
	}
	progress_clear(all->progress);
	int removed = outfile_discard_all();
	fprintf(stderr, "download: %s again: exiting at once (%d temporary file%s removed)\n", name,
	        removed, removed == 1 ? "" : "s");
	fflush(NULL);
	/* _exit, not exit: writer threads may still be running, and exit()
	 * would run the C library's cleanup under their feet. */
	_exit(128 + all->signal);
}

static void on_sigint(void *arg)
{
	on_signal(arg, SIGINT);
}

static void on_sigterm(void *arg)
{
	on_signal(arg, SIGTERM);
}

/* The URLs that never started, after an interruption or a failed drain:
 * each one is a failure, and after a signal each says so. */
static void report_unstarted(struct downloads *all)
{
	for (size_t i = 0; i < all->cl->queue.count; i++) {
		if (drain_download(all->drain, i))
			continue;
		all->failures++;
		if (all->signal)
			fprintf(stderr, "download: %s: cancelled: %s (never started)\n",
			        all->cl->queue.urls[i], all->stop_reason);
	}
}

/* Run the drain until every download is over. Returns 0 or the loop's
 * error. */
static int download_all(struct downloads *all, struct diskwrite *writer)
{
	struct future *drained = drain_run(all->drain);
	int rc = drained ? loop_run_until_complete(all->loop, drained) : -ENOMEM;
	const struct future_error *error = NULL;
	if (rc == 0)
		future_exception(drained, &error);
	if (error)
		fprintf(stderr, "download: the queue stopped: %s\n", error->message);
	/* A download cancelled in the middle of a write left the write to its
	 * thread: wait until every thread has reported back. */
	while (rc >= 0 && diskwrite_pending(writer) > 0)
		rc = loop_run_once(all->loop);
	if (rc < 0)
		fprintf(stderr, "download: the event loop failed: %s\n", strerror(-rc));
	future_free(drained);
	report_unstarted(all);
	return rc;
}

static int idle_max(int jobs)
{
	return jobs < IDLE_MAX ? jobs : IDLE_MAX;
}

/* How many downloads fit in LIMIT descriptors. */
static long jobs_within(long limit)
{
	long jobs = limit - SPARE_FDS - IDLE_MAX;
	return jobs > 1 ? jobs : 1;
}

/*
 * Room for the connections: -j in use, the pool's idle ones, and some to
 * spare. Raise RLIMIT_NOFILE as far as that needs; when the hard limit
 * (or select()'s FD_SETSIZE) stops it, say so and run fewer at once
 * rather than fail downloads with EMFILE.
 */
static void make_room_for_connections(struct command_line *cl)
{
	long want = (long)cl->jobs + idle_max(cl->jobs) + SPARE_FDS, got = want;
	if (fd_limit_raise(want, &got) == -EPERM)
		fprintf(stderr,
		        "download: -j %d needs about %ld descriptors, but RLIMIT_NOFILE allows "
		        "%ld: running %ld at once\n",
		        cl->jobs, want, got, jobs_within(got));
	if (strcmp(cl->backend, "select") == 0 && want > FD_SETSIZE) {
		got = FD_SETSIZE;
		fprintf(stderr, "download: select() watches descriptors below %d only: running %ld "
		                "at once\n",
		        FD_SETSIZE, jobs_within(got));
	}
	if (want > got)
		cl->jobs = (int)jobs_within(got);
}

/* The pieces of the program, made and freed together. */
struct program {
	struct loop *loop;
	struct pool *pool;
	struct workpool *workpool;
	struct diskwrite *writer;
};

static int program_start(struct program *p, struct command_line *cl)
{
	*p = (struct program){ .loop = loop_new_with_backend(cl->backend) };
	if (!p->loop && errno == EINVAL)
		return fprintf(stderr, "download: no backend '%s' (select, poll or epoll)\n",
		               cl->backend),
		       2;
	if (!p->loop)
		return fprintf(stderr, "download: cannot create the loop: %s\n", strerror(errno)), 1;
	if (cl->debug)
		loop_set_debug(p->loop, true);
	p->pool = pool_new(p->loop, cl->per_host, idle_max(cl->jobs));
	p->workpool = workpool_new(p->loop, WRITER_THREADS);
	p->writer = p->workpool ? diskwrite_new(p->workpool) : NULL;
	if (!p->pool || !p->writer)
		return fprintf(stderr, "download: cannot start: %s\n", strerror(errno)), 1;
	cl->options.pool = p->pool;
	cl->options.writer = p->writer;
	return 0;
}

static void program_stop(struct program *p)
{
	if (p->loop && loop_get_debug(p->loop)) {
		loop_print_stats(p->loop, stderr);
		if (p->pool)
			pool_print_stats(p->pool, stderr);
	}
	pool_free(p->pool);
	diskwrite_free(p->writer);
	workpool_free(p->workpool);
	loop_free(p->loop);
}

static int write_trace(const struct command_line *cl, const struct events *events)
{
	int rc = events_write_trace(events, cl->trace_path, PROGRAM_LABEL);
	if (rc < 0)
		fprintf(stderr, "download: cannot write trace %s: %s\n", cl->trace_path,
		        strerror(-rc));
	return rc;
}

/* Everything between a working program and its summary. Returns the exit
 * status. */
static int run(struct command_line *cl, struct program *p)
{
	bool tty = isatty(STDOUT_FILENO);
	struct downloads all = { .cl = cl, .loop = p->loop };
	/* On a terminal the progress block replaces the start and done lines. */
	events_init(&all.events, tty ? NULL : stdout);
	if (tty || cl->progress)
		all.progress = cl->options.progress =
		        progress_new(p->loop, stdout, tty, cl->queue.count);
	all.drain = drain_new(p->loop, cl->queue.count, cl->jobs, start_download, &all);
	if (!all.drain || loop_add_signal_handler(p->loop, SIGINT, on_sigint, &all) < 0 ||
	    loop_add_signal_handler(p->loop, SIGTERM, on_sigterm, &all) < 0) {
		fprintf(stderr, "download: cannot start: out of memory\n");
		drain_free(all.drain);
		progress_free(all.progress);
		events_free(&all.events);
		return 1;
	}
	bool loop_failed = download_all(&all, p->writer) < 0;
	progress_free(all.progress);
	printf("%zu of %zu downloads succeeded, %lld bytes in %.3f s\n", all.succeeded,
	       cl->queue.count, all.bytes, events_elapsed(&all.events));
	bool trace_failed = cl->trace_path && write_trace(cl, &all.events) < 0;
	drain_free(all.drain);
	events_free(&all.events);
	if (all.signal)
		return 128 + all.signal;
	return all.failures || loop_failed || trace_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct command_line cl;
	int rc = parse_command_line(argc, argv, &cl);
	if (rc == 0) {
		/* As Python does at start-up: a file that outgrows the size limit
		 * (ulimit -f) then fails its write() with EFBIG, which is reported
		 * and cleaned up, instead of SIGXFSZ killing us beside a
		 * half-written file. */
		signal(SIGXFSZ, SIG_IGN);
		make_room_for_connections(&cl);
		if (cl.trace_path)
			trace_start(); /* the trace shows the loop's steps too */
		struct program p;
		rc = program_start(&p, &cl);
		if (rc == 0)
			rc = run(&cl, &p);
		program_stop(&p);
		trace_stop();
	}
	url_queue_free(&cl.queue);
	return rc < 0 ? 0 : rc;
}
