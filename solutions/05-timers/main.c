/*
 * main.c - the download command: every URL at once, each one a task.
 *
 *   download [-o DIR] [-t SECONDS] [--trace FILE] [--fail-fast] [--progress] URL...
 *
 * Saves each URL's body as DIR/<last path segment>, prints a timestamped
 * line as each download starts and ends and a summary at the end. Exits 0
 * when every download succeeded, 1 when any failed, 2 on a usage error.
 *
 * fetch() runs each download as a task; a done-callback reports each one
 * as it ends, and gather(..., return_exceptions) is the future that
 * loop_run_until_complete waits for. With --fail-fast, the first failure
 * cancels the gather, which cancels every download still running: each
 * one closes its socket and removes its temporary file.
 *
 * New in chapter 5: every step of a download is guarded by wait_for (in
 * fetch.c), and --progress prints a line per download in progress once a
 * second, from a timer (progress.h). The timer is cancelled as soon as
 * the downloads are over, so it never keeps the program waiting.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fetch.h"
#include "future.h"
#include "gather.h"
#include "loop.h"
#include "trace.h"
#include "progress.h"
#include "task.h"

#define PROGRAM_LABEL "chapter 5: timers"

struct command_line {
	struct fetch_options options;
	const char *trace_path; /* NULL: no trace */
	bool fail_fast;         /* cancel the rest at the first failure */
	bool progress;          /* a progress line per download, every second */
	char **urls;
	int url_count;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: download [-o DIR] [-t SECONDS] [--trace FILE] [--fail-fast] "
	             "[--progress] URL...\n"
	             "  -o DIR        save files in DIR (default: .)\n"
	             "  -t SECONDS    give up on a step that waits longer than SECONDS "
	             "(default: 10)\n"
	             "  --trace FILE  write a Chrome trace-event JSON timeline to FILE\n"
	             "  --fail-fast   at the first failure, cancel the other downloads\n"
	             "  --progress    every second, a line per download in progress\n");
}

static int parse_timeout(const char *text, double *out)
{
	char *end;
	double value = strtod(text, &end);
	if (end == text || *end != '\0' || !(value > 0) || value > 86400)
		return -1;
	*out = value;
	return 0;
}

/* Returns 0, or 2 (the usage-error exit status) after saying why. */
static int parse_command_line(int argc, char **argv, struct command_line *cl)
{
	static const struct option long_options[] = {
		{ "trace", required_argument, NULL, 'T' },
		{ "fail-fast", no_argument, NULL, 'F' },
		{ "progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*cl = (struct command_line){ .options = { .dir = ".", .timeout_s = 10.0 } };
	int opt;
	while ((opt = getopt_long(argc, argv, "o:t:h", long_options, NULL)) != -1) {
		if (opt == 'o') {
			cl->options.dir = optarg;
		} else if (opt == 't' && parse_timeout(optarg, &cl->options.timeout_s) == 0) {
			continue;
		} else if (opt == 't') {
			fprintf(stderr, "download: -t needs a number of seconds, got '%s'\n",
			        optarg);
			return 2;
		} else if (opt == 'T') {
			cl->trace_path = optarg;
		} else if (opt == 'F') {
			cl->fail_fast = true;
		} else if (opt == 'P') {
			cl->progress = true;
		} else if (opt == 'h') {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			return 2;
		}
	}
	cl->urls = argv + optind;
	cl->url_count = argc - optind;
	if (cl->url_count == 0) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* What the done-callbacks share. */
struct downloads {
	const struct command_line *cl;
	struct events *events;
	struct future **tasks;     /* one per URL, NULL where it could not start */
	struct future *all;        /* the gather of the tasks */
	struct progress *progress; /* the progress line, or NULL */
	int failures;
	long long bytes;
};

/* One download's ticket, for its done-callback. */
struct ticket {
	struct downloads *all;
	int id;
};

/* Why a download has no result, in one line on stderr. */
static void report_failure(struct future *download, const char *url)
{
	const struct future_error *error;
	if (future_exception(download, &error) == -ECANCELED)
		fprintf(stderr, "download: %s: cancelled: %s\n", url,
		        future_cancel_message(download));
	else
		fprintf(stderr, "download: %s: %s\n", url,
		        error ? error->message : "no result (is task_step written yet?)");
}

/* A download is over: report it. The first failure, with --fail-fast,
 * cancels the gather, and through it every download still running. */
static void on_download_done(struct future *download, void *arg)
{
	struct ticket *ticket = arg;
	struct downloads *all = ticket->all;
	const char *url = all->cl->urls[ticket->id];
	void *value;
	progress_end(all->progress, ticket->id);
	if (future_result(download, &value) == 0) {
		const struct fetch_result *result = value;
		events_done(all->events, ticket->id, url, result->bytes, result->saved_as);
		all->bytes += result->bytes;
	} else {
		events_failed(all->events, ticket->id, url);
		report_failure(download, url);
		all->failures++;
		if (all->cl->fail_fast && !future_cancelled(download) && all->all)
			future_cancel(all->all, "another download failed (--fail-fast)");
	}
	free(ticket);
}

/* Start one download as a task and hang the report on its future. */
static struct future *start_download(struct loop *loop, struct downloads *all, int id)
{
	struct ticket *ticket = malloc(sizeof *ticket);
	const char *url = all->cl->urls[id];
	events_start(all->events, id, url);
	struct future *download =
	        ticket ? fetch(loop, url, &all->cl->options, all->events, id) : NULL;
	if (!download || future_add_done_callback(download, on_download_done, ticket) < 0) {
		fprintf(stderr, "download: %s: out of memory\n", url);
		future_free(download);
		free(ticket);
		return NULL;
	}
	*ticket = (struct ticket){ all, id };
	return download;
}

/* Every download at once; the loop runs until the gather of them is done. */
static int download_all(struct loop *loop, struct downloads *all)
{
	size_t started = 0;
	for (int i = 0; i < all->cl->url_count; i++) {
		all->tasks[started] = start_download(loop, all, i);
		if (all->tasks[started])
			started++;
		else
			all->failures++;
	}
	all->all = gather(loop, all->tasks, started, true);
	int rc = all->all ? loop_run_until_complete(loop, all->all) : -ENOMEM;
	/* The downloads are over: the progress timer must not keep the loop
	 * (and the program) waiting for its next tick. */
	progress_stop(all->progress);
	/* Nothing is left when the gather is done, unless it ended early (its
	 * hole still open in the starter): say so, let the rest finish. */
	/* A gather that --fail-fast cancelled ends with -ECANCELED, as
	 * asyncio's does: that one is no news. */
	const struct future_error *error = NULL;
	if (rc == 0 && future_exception(all->all, &error) == 0 && error &&
	    error->code != -ECANCELED)
		fprintf(stderr, "download: gather: %s\n", error->message);
	if (rc == 0)
		rc = loop_run(loop);
	if (rc == -EINTR)
		fprintf(stderr, "download: the loop ran out of work before every download was "
		                "over\n");
	else if (rc < 0)
		fprintf(stderr, "download: the event loop failed: %s\n", strerror(-rc));
	return rc;
}

static int write_trace(const struct command_line *cl, const struct events *events)
{
	int rc = events_write_trace(events, cl->trace_path, PROGRAM_LABEL);
	if (rc < 0)
		fprintf(stderr, "download: cannot write trace %s: %s\n", cl->trace_path,
		        strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct command_line cl;
	int rc = parse_command_line(argc, argv, &cl);
	if (rc != 0)
		return rc;
	/* As Python does at start-up: a file that outgrows the size limit
	 * (ulimit -f) then fails its write() with EFBIG, which is reported and
	 * cleaned up, instead of SIGXFSZ killing us beside a half-written file. */
	signal(SIGXFSZ, SIG_IGN);

	struct events events;
	events_init(&events, stdout);
	if (cl.trace_path)
		trace_start(); /* the trace shows the loop's steps too */
	struct loop *loop = loop_new();
	struct downloads all = { .cl = &cl, .events = &events };
	all.tasks = calloc((size_t)cl.url_count, sizeof *all.tasks);
	struct progress progress = { 0 };
	if (loop && cl.progress) {
		all.progress = &progress;
		cl.options.progress = &progress;
	}
	if (!loop || !all.tasks ||
	    (cl.progress && progress_start(&progress, loop, stdout, cl.url_count, 1.0) < 0)) {
		fprintf(stderr, "download: out of memory\n");
		progress_stop(all.progress);
		free(all.tasks);
		loop_free(loop);
		return 1;
	}
	bool loop_failed = download_all(loop, &all) < 0;
	printf("%d of %d downloads succeeded, %lld bytes in %.3f s\n", cl.url_count - all.failures,
	       cl.url_count, all.bytes, events_elapsed(&events));
	bool trace_failed = cl.trace_path && write_trace(&cl, &events) < 0;
	for (int i = 0; i < cl.url_count; i++)
		future_free(all.tasks[i]);
	free(all.tasks);
	future_free(all.all);
	loop_free(loop);
	events_free(&events);
	trace_stop();
	return all.failures || loop_failed || trace_failed ? 1 : 0;
}
