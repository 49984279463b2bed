/*
 * crawl.c - the crawl command: every page of a site, N at a time.
 *
 *   crawl [-j WORKERS] [-t SECONDS] [--deadline SECONDS] [--trace FILE]
 *         [--backend select|poll|epoll] ROOT
 *
 * Fetches ROOT, then every page of ROOT's host and port that a fetched
 * page links to, once each, with WORKERS tasks at a time; prints a
 * timestamped line per URL (page, moved, broken) and a summary. Exits 0
 * when no link is broken, 1 when some are or the crawl stopped early (the
 * deadline), 2 on a usage error, 128 + the signal's number (130 for
 * Ctrl-C) when interrupted.
 *
 * This is chapter 7: the crawl is a queue, a task group of workers, a
 * timeout per page and one for the whole crawl (crawler.c). Ctrl-C
 * cancels the crawl's task: the cancellation goes down to every worker
 * and every page under way, each closes its socket, and the program ends
 * once they all have. A second Ctrl-C does not wait.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawler.h"
#include "events.h"
#include "fdlimit.h"
#include "future.h"
#include "loop.h"
#include "signals.h"
#include "task.h"
#include "timeout.h"
#include "trace.h"

#define PROGRAM_LABEL   "chapter 7: crawl"
#define DEFAULT_WORKERS 10
#define DEFAULT_TIMEOUT 10.0
#define MAX_WORKERS     10000
/* Descriptors besides the workers' sockets: stdio, the loop's own, the
 * signal pipe. */
#define SPARE_FDS 32

struct command_line {
	struct crawl_options options;
	const char *root;
	const char *trace_path; /* NULL: no trace */
	const char *backend;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: crawl [-j WORKERS] [-t SECONDS] [--deadline SECONDS] [--trace FILE] "
	        "ROOT\n"
	        "  -j WORKERS          fetch at most WORKERS pages at once (default: %d)\n"
	        "  -t SECONDS          give up on a page after SECONDS (default: %.0f)\n"
	        "  --deadline SECONDS  stop the whole crawl after SECONDS (default: none)\n"
	        "  --trace FILE        write a Chrome trace-event JSON timeline to FILE\n"
	        "  --backend NAME      poll with select, poll or epoll (default: epoll)\n",
	        DEFAULT_WORKERS, DEFAULT_TIMEOUT);
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
	if (opt == 'j' && (value = parse_number(text, 1, MAX_WORKERS)) >= 1 && value == (int)value)
		cl->options.workers = (int)value;
	else if (opt == 't' && (value = parse_number(text, 1e-3, 86400)) > 0)
		cl->options.page_timeout = value;
	else if (opt == 'D' && (value = parse_number(text, 1e-3, 86400 * 365)) > 0)
		cl->options.deadline = value;
	else if (opt == 'j')
		return fprintf(stderr, "crawl: -j needs a whole number from 1 to %d, got '%s'\n",
		               MAX_WORKERS, text),
		       2;
	else
		return fprintf(stderr, "crawl: %s needs a number of seconds, got '%s'\n",
		               opt == 't' ? "-t" : "--deadline", text),
		       2;
	return 0;
}

/* Returns 0, -1 after --help, or the exit status after saying why. */
static int parse_command_line(int argc, char **argv, struct command_line *cl)
{
	static const struct option long_options[] = {
		{ "deadline", required_argument, NULL, 'D' },
		{ "trace", required_argument, NULL, 'T' },
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*cl = (struct command_line){ .options = { .workers = DEFAULT_WORKERS,
		                                  .page_timeout = DEFAULT_TIMEOUT,
		                                  .deadline = TIMEOUT_NEVER },
		                     .backend = "epoll" };
	int opt, rc = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, "j:t:h", long_options, NULL)) != -1) {
		if (opt == 'j' || opt == 't' || opt == 'D')
			rc = parse_numeric_option(opt, optarg, cl);
		else if (opt == 'T')
			cl->trace_path = optarg;
		else if (opt == 'B')
			cl->backend = optarg;
		else if (opt == 'h')
			return usage(stdout), -1;
		else
			return usage(stderr), 2;
	}
	if (rc == 0 && optind != argc - 1)
		return usage(stderr), 2;
	cl->root = argv[optind];
	return rc;
}

/* What the signal handlers share. */
struct run {
	const struct command_line *cl;
	struct future *crawl;
	int signal; /* the first SIGINT or SIGTERM, or 0 */
	char reason[64];
};

/* The first signal cancels the crawl, which winds down: every worker and
 * every page under way stops and closes its socket. A second one does
 * not wait. */
static void on_signal(struct run *run, int signo)
{
	const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
	if (run->signal == 0) {
		run->signal = signo;
		snprintf(run->reason, sizeof run->reason, "interrupted by %s", name);
		task_cancel(run->crawl, run->reason);
		return;
	}
	fprintf(stderr, "crawl: %s again: exiting at once\n", name);
	fflush(NULL);
	_exit(128 + run->signal);
}

static void on_sigint(void *arg)
{
	on_signal(arg, SIGINT);
}

static void on_sigterm(void *arg)
{
	on_signal(arg, SIGTERM);
}

/* Why the crawl ended early, on stderr; returns the exit status. */
static int report_end(const struct run *run, const struct crawl_counts *counts)
{
	size_t left = counts->seen - counts->fetched;
	const struct future_error *error = NULL;
	if (run->signal) {
		fprintf(stderr, "crawl: %s: %zu URL%s never fetched\n", run->reason, left,
		        left == 1 ? "" : "s");
		return 128 + run->signal;
	}
	future_exception(run->crawl, &error);
	if (error && error->code == -ETIMEDOUT)
		fprintf(stderr,
		        "crawl: stopped at the deadline of %.1f s: %zu URL%s never fetched\n",
		        run->cl->options.deadline, left, left == 1 ? "" : "s");
	else if (error)
		fprintf(stderr, "crawl: the crawl failed: %s\n", error->message);
	else if (future_cancelled(run->crawl))
		fprintf(stderr, "crawl: the crawl was cancelled\n");
	return error || future_cancelled(run->crawl) ? 1 : 0;
}

/* Crawl, then report. Returns the exit status. */
static int crawl(const struct command_line *cl, struct loop *loop, struct crawler *c,
                 struct events *events)
{
	const char *why = "out of memory";
	struct run run = { .cl = cl };
	run.crawl = crawler_run(c, cl->root, &why);
	if (!run.crawl)
		return fprintf(stderr, "crawl: %s: %s\n", cl->root, why), errno == EINVAL ? 2 : 1;
	int rc = -ENOMEM;
	if (loop_add_signal_handler(loop, SIGINT, on_sigint, &run) == 0 &&
	    loop_add_signal_handler(loop, SIGTERM, on_sigterm, &run) == 0)
		rc = loop_run_until_complete(loop, run.crawl);
	if (rc == -EINTR)
		/* loop_run_until_complete: the loop had nothing left to do. */
		fprintf(stderr, "crawl: the event loop ran out of work before the crawl was over: "
		                "a task waits for a wake-up that never comes\n");
	else if (rc < 0)
		fprintf(stderr, "crawl: the event loop failed: %s\n", strerror(-rc));
	struct crawl_counts counts;
	crawler_counts(c, &counts);
	int status = rc < 0 ? 1 : report_end(&run, &counts);
	printf("%zu pages, %zu redirects, %zu broken links, %zu links elsewhere, in %.3f s with "
	       "%d worker%s\n",
	       counts.pages, counts.redirects, counts.broken, counts.outside,
	       events_elapsed(events), cl->options.workers, cl->options.workers == 1 ? "" : "s");
	if (cl->trace_path &&
	    (rc = events_write_trace(events, cl->trace_path, PROGRAM_LABEL)) < 0) {
		fprintf(stderr, "crawl: cannot write trace %s: %s\n", cl->trace_path,
		        strerror(-rc));
		status = status ? status : 1;
	}
	future_free(run.crawl);
	return status ? status : counts.broken > 0;
}

int main(int argc, char **argv)
{
	struct command_line cl;
	int rc = parse_command_line(argc, argv, &cl);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	fd_limit_raise(cl.options.workers + SPARE_FDS, NULL);
	if (cl.trace_path)
		trace_start(); /* the trace shows the loop's steps too */
	struct loop *loop = loop_new_with_backend(cl.backend);
	if (!loop) {
		trace_stop();
		if (errno == EINVAL)
			return fprintf(stderr, "crawl: no backend '%s' (select, poll or epoll)\n",
			               cl.backend),
			       2;
		return fprintf(stderr, "crawl: cannot create the loop: %s\n", strerror(errno)), 1;
	}
	struct events events;
	events_init(&events, NULL);
	struct crawler *c = crawler_new(loop, &cl.options, stdout, stderr, &events);
	rc = c ? crawl(&cl, loop, c, &events) : (fprintf(stderr, "crawl: out of memory\n"), 1);
	crawler_free(c);
	loop_free(loop);
	events_free(&events);
	trace_stop();
	return rc;
}
