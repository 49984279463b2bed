/*
 * main.c - the download command: every URL at once, on futures.
 *
 *   download [-o DIR] [-t SECONDS] [--trace FILE] URL...
 *
 * Saves each URL's body as DIR/<last path segment>, prints a timestamped
 * line as each download starts and ends and a summary at the end. Exits 0
 * when every download succeeded, 1 when any failed, 2 on a usage error.
 *
 * This is chapter 3: fetch() hands back a future for each download at
 * once; a done-callback on each one reports it and counts it, and the last
 * one completes the future that loop_run_until_complete waits for.
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
#include "loop.h"
#include "trace.h"

#define PROGRAM_LABEL "chapter 3: futures"

struct command_line {
	struct fetch_options options;
	const char *trace_path; /* NULL: no trace */
	char **urls;
	int url_count;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: download [-o DIR] [-t SECONDS] [--trace FILE] URL...\n"
	             "  -o DIR        save files in DIR (default: .)\n"
	             "  -t SECONDS    give up on a step after SECONDS without progress "
	             "(default: 10)\n"
	             "  --trace FILE  write a Chrome trace-event JSON timeline to FILE\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*cl = (struct command_line){ .options = { ".", 10.0 } };
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

/* What the done-callbacks share: the future of "every download is over". */
struct downloads {
	const struct command_line *cl;
	struct events *events;
	struct future *all_done;
	int pending, failures;
	long long bytes;
};

/* One download's ticket, for its done-callback. */
struct ticket {
	struct downloads *all;
	int id;
};

/* A download is over: report it, and complete all_done after the last. */
static void on_download_done(struct future *download, void *arg)
{
	struct ticket *ticket = arg;
	struct downloads *all = ticket->all;
	const char *url = all->cl->urls[ticket->id];
	void *value;
	if (future_result(download, &value) == 0) {
		const struct fetch_result *result = value;
		events_done(all->events, ticket->id, url, result->bytes, result->saved_as);
		all->bytes += result->bytes;
	} else {
		const struct future_error *error;
		future_exception(download, &error);
		events_failed(all->events, ticket->id, url);
		fprintf(stderr, "download: %s: %s\n", url,
		        error ? error->message : "no result (is future_result written yet?)");
		all->failures++;
	}
	future_free(download);
	free(ticket);
	if (--all->pending == 0)
		future_set_result(all->all_done, NULL, NULL);
}

/* Start one download and hang the report on its future. */
static int start_download(struct loop *loop, struct downloads *all, int id)
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
		return -1;
	}
	*ticket = (struct ticket){ all, id };
	all->pending++;
	return 0;
}

/* Every download at once; then the loop runs until the last one is over. */
static int download_all(struct loop *loop, struct downloads *all)
{
	all->pending = 1; /* held until every download has started */
	for (int i = 0; i < all->cl->url_count; i++)
		if (start_download(loop, all, i) < 0)
			all->failures++;
	if (--all->pending == 0)
		future_set_result(all->all_done, NULL, NULL);
	int rc = loop_run_until_complete(loop, all->all_done);
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
	all.all_done = loop ? future_new(loop) : NULL;
	if (!all.all_done) {
		fprintf(stderr, "download: out of memory\n");
		loop_free(loop);
		return 1;
	}
	bool loop_failed = download_all(loop, &all) < 0;
	printf("%d of %d downloads succeeded, %lld bytes in %.3f s\n", cl.url_count - all.failures,
	       cl.url_count, all.bytes, events_elapsed(&events));
	bool trace_failed = cl.trace_path && write_trace(&cl, &events) < 0;
	future_free(all.all_done);
	loop_free(loop);
	events_free(&events);
	trace_stop();
	return all.failures || loop_failed || trace_failed ? 1 : 0;
}
