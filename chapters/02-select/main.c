/*
 * main.c - the download command: start every download, then run the loop.
 *
 *   download [-o DIR] [-t SECONDS] [--trace FILE] URL...
 *
 * Saves each URL's body as DIR/<last path segment>, prints a timestamped
 * line as each download starts and ends and a summary at the end. Exits 0
 * when every download succeeded, 1 when any failed, 2 on a usage error.
 * A failed URL does not stop the others.
 *
 * This is chapter 2: every download starts at once, and one event loop
 * carries them all forward together, each whenever its socket is ready.
 * N downloads of latency L take about L, not N x L.
 *
 * Mirrors: the article's main_good(), with fetch_start for create_task
 * and loop_run for the loop that asyncio.run() runs.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fetch.h"
#include "loop.h"
#include "trace.h"

#define PROGRAM_LABEL "chapter 2: select"

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

/* What main learns from the downloads as they finish. */
struct tally {
	struct events *events;
	char **urls;
	long long bytes;
	int failures;
};

/* A fetch_done_cb: report download ID the moment its outcome is known. */
static void report(void *arg, int id, int rc, const struct fetch_result *result)
{
	struct tally *tally = arg;
	const char *url = tally->urls[id];
	if (rc == 0) {
		events_done(tally->events, id, url, result->bytes, result->saved_as);
		tally->bytes += result->bytes;
	} else {
		events_failed(tally->events, id, url);
		fprintf(stderr, "download: %s: %s\n", url, result->error);
		tally->failures++;
	}
}

/* All at once: start every download, then let the loop carry them. */
static int download_all(const struct command_line *cl, struct events *events, long long *bytes)
{
	struct tally tally = { events, cl->urls, 0, 0 };
	struct loop *loop = loop_new();
	struct fetch **fetches = calloc((size_t)cl->url_count, sizeof *fetches);
	if (!loop || !fetches) {
		fprintf(stderr, "download: out of memory\n");
		free(fetches);
		loop_free(loop);
		return cl->url_count;
	}
	for (int i = 0; i < cl->url_count; i++) {
		events_start(events, i, cl->urls[i]);
		fetches[i] =
		        fetch_start(loop, cl->urls[i], &cl->options, events, i, report, &tally);
	}
	int rc = loop_run(loop);
	for (int i = 0; i < cl->url_count; i++) {
		/* loop_run stops early only when select() failed: then nothing
		 * will ever finish the downloads still in flight. */
		if (rc < 0)
			fetch_abort(fetches[i], rc, "running the event loop");
		fetch_free(fetches[i]);
	}
	free(fetches);
	loop_free(loop);
	*bytes = tally.bytes;
	return tally.failures;
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
	long long bytes = 0;
	int failures = download_all(&cl, &events, &bytes);
	printf("%d of %d downloads succeeded, %lld bytes in %.3f s\n", cl.url_count - failures,
	       cl.url_count, bytes, events_elapsed(&events));

	if (cl.trace_path) {
		int trace_rc = events_write_trace(&events, cl.trace_path, PROGRAM_LABEL);
		if (trace_rc < 0) {
			fprintf(stderr, "download: cannot write trace %s: %s\n", cl.trace_path,
			        strerror(-trace_rc));
			failures++;
		}
	}
	events_free(&events);
	trace_stop();
	return failures ? 1 : 0;
}
