/*
 * test_overlap.c - what is particular to chapter 2: downloads overlap, and
 * the engine cleans up after itself.
 *
 * Overlap is proved without a clock. The fixture's barrier mode holds the
 * answers of group G until K of its requests wait at the same time, and
 * answers 503 if that never happens: a client that sends one request at a
 * time cannot pass a barrier of K >= 2, however fast it is. No test here
 * measures time.
 *
 * The download contract itself (files, errors, exit status) is tested for
 * every chapter by fixtures/contract_tests.c.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "fetch.h"
#include "loop.h"
#include "testkit.h"

TestSuite(overlap, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/* A group name no other test uses, so that two barriers never meet. */
static const char *unique_group(const char *what)
{
	static char group[64];
	static int serial;
	snprintf(group, sizeof group, "%s-%ld-%d", what, (long)getpid(), serial++);
	return group;
}

/* N URLs of SIZE bytes behind one barrier of N. */
static void barrier_urls(int n, const char *group, const char *urls[], char paths[][160])
{
	for (int i = 0; i < n; i++) {
		snprintf(paths[i], sizeof paths[0],
		         "/files/b%02d.bin?size=2000&barrier=%d&group=%s", i, n, group);
		urls[i] = testkit_url(paths[i]);
	}
	urls[n] = NULL;
}

Test(overlap, five_downloads_pass_a_barrier_of_five)
{
	enum { N = 5 };
	const char *urls[N + 1];
	char paths[N][160];
	barrier_urls(N, unique_group("five"), urls, paths);
	struct run run;
	char *dir = download_to_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 0,
	             "all five pass the barrier only if all five are in flight at "
	             "once; stderr:\n%s",
	             run.err);
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof name, "b%02d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 2000), "%s is saved whole", name);
	}
	/* The program's own log tells the same story: every download starts
	 * before any of them is done. */
	const char *first_done = strstr(run.out, "] done   ");
	const char *last_start = NULL;
	for (const char *s = strstr(run.out, "] start  "); s; s = strstr(s + 1, "] start  "))
		last_start = s;
	cr_assert(first_done && last_start && last_start < first_done,
	          "all starts come before the first done; log:\n%s", run.out);
	run_free(&run);
	temp_dir_free(dir);
}

Test(overlap, fifty_downloads_are_in_flight_together)
{
	enum { N = 50 };
	const char *urls[N + 1];
	char paths[N][160];
	const char *group = unique_group("fifty");
	barrier_urls(N, group, urls, paths);
	struct run run;
	char *dir = download_to_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 0, "fifty downloads pass a barrier of fifty; stderr:\n%s",
	             run.err);
	struct fixture_stats stats;
	cr_assert_eq(fixture_stats(&testkit_fixture, group, &stats), 0, "read /_stats");
	cr_assert_eq(stats.group_max_in_flight, N,
	             "the server saw all %d requests at once, got %ld", N,
	             stats.group_max_in_flight);
	run_free(&run);
	temp_dir_free(dir);
}

/* ---- the engine through its C API, in this process ------------------------ */

struct outcomes {
	int calls[16];
	int rc[16];
	char error[16][FETCH_ERROR_MAX];
};

static void record(void *arg, int id, int rc, const struct fetch_result *result)
{
	struct outcomes *o = arg;
	o->calls[id]++;
	o->rc[id] = rc;
	snprintf(o->error[id], sizeof o->error[id], "%s", result->error);
}

static int open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert(d != NULL, "cannot list /proc/self/fd");
	int count = 0;
	while (readdir(d))
		count++;
	closedir(d);
	return count;
}

/* Run the downloads of URLS (NULL-terminated) on one loop, into DIR, with
 * the idle timeout TIMEOUT_S, and record each outcome in O. */
static void run_engine(const char *const urls[], const char *dir, double timeout_s,
                       struct outcomes *o)
{
	FILE *log = fopen("/dev/null", "w");
	cr_assert(log != NULL, "open /dev/null for the event lines");
	struct events events;
	events_init(&events, log);
	struct fetch_options options = { dir, timeout_s };
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct fetch *fetches[16] = { NULL };
	int n = 0;
	for (; urls[n]; n++)
		fetches[n] = fetch_start(loop, urls[n], &options, &events, n, record, o);
	int rc = loop_run(loop);
	for (int i = 0; i < n; i++) {
		if (rc < 0)
			fetch_abort(fetches[i], rc, "running the event loop");
		fetch_free(fetches[i]);
	}
	loop_free(loop);
	events_free(&events);
	fclose(log);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	for (int i = 0; i < n; i++) {
		cr_assert_eq(o->calls[i], 1, "DONE is called exactly once for download %d", i);
		cr_assert(strstr(o->error[i], "not implemented yet") == NULL,
		          "not implemented yet: a hole on the way of download %d (%s)", i,
		          o->error[i]);
	}
}

/* A port that nothing listens on: bind one, note it, close it. */
static int closed_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET,
		                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	cr_assert(bind(s, (struct sockaddr *)&addr, len) == 0, "bind for a free port");
	getsockname(s, (struct sockaddr *)&addr, &len);
	close(s);
	return ntohs(addr.sin_port);
}

Test(overlap, the_engine_leaves_no_descriptor_and_no_temporary_file)
{
	char refused[64];
	snprintf(refused, sizeof refused, "http://127.0.0.1:%d/x.bin", closed_port());
	const char *const urls[] = {
		testkit_url("/files/a.bin?size=200000"),
		testkit_url("/files/reset.bin?size=1000000&reset=1000"),
		testkit_url("/files/chunked.bin?size=50000&chunked=1"),
		testkit_url("/files/gone.bin?status=404"),
		testkit_url("/files/close.bin?size=30000&noclen=1"),
		testkit_url("/files/short.bin?size=4000&truncate=1000"),
		testkit_url("/files/stall.bin?stall=1"),
		testkit_url("/files/moved.bin?size=100&redirect=2"),
		refused,
		"https://127.0.0.1/secure.bin",
		NULL,
	};
	static const int want_rc[] = { 0, -1, 0, -1, 0, -1, -1, 0, -1, -1 };
	static const char *const want_error[] = {
		"",
		"connection reset",
		"",
		"HTTP 404 Not Found",
		"",
		"truncated body",
		"timed out after 0.5 s while waiting for the headers",
		"",
		"connection refused",
		"https is not supported",
	};
	char *dir = temp_dir_new();
	int before = open_descriptors();
	struct outcomes o;
	memset(&o, 0, sizeof o);
	run_engine(urls, dir, 0.5, &o);
	for (int i = 0; urls[i]; i++) {
		cr_assert_eq(o.rc[i], want_rc[i], "download %d (%s): rc %d, error: %s", i, urls[i],
		             o.rc[i], o.error[i]);
		cr_assert(strstr(o.error[i], want_error[i]),
		          "download %d: error \"%s\", want \"%s\"", i, o.error[i], want_error[i]);
	}
	cr_assert_eq(open_descriptors(), before, "every socket and file is closed again");
	char names[1024];
	dir_entries(dir, names, sizeof names);
	cr_assert_str_eq(names, "a.bin chunked.bin close.bin moved.bin",
	                 "the good files, and no temporary file");
	temp_dir_free(dir);
}

Test(overlap, the_engine_overlaps_downloads_on_one_loop)
{
	enum { N = 10 };
	const char *urls[N + 1];
	char paths[N][160];
	barrier_urls(N, unique_group("engine"), urls, paths);
	char *dir = temp_dir_new();
	struct outcomes o;
	memset(&o, 0, sizeof o);
	run_engine(urls, dir, 10, &o);
	for (int i = 0; i < N; i++)
		cr_assert_eq(o.rc[i], 0, "download %d passed the barrier: %s", i, o.error[i]);
	temp_dir_free(dir);
}
