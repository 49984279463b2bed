/*
 * test_fetch.c - the downloader on futures: downloads overlap, and nothing
 * is left behind, proved without a clock.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fetch.h"
#include "future.h"
#include "loop.h"
#include "testkit.h"

TestSuite(fetch, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/*
 * Overlap, proved structurally: the fixture answers a request of the group
 * only once all N of them are in flight at once. A client that sends one
 * request at a time gets "503 barrier timed out" instead.
 */
Test(fetch, downloads_overlap)
{
	enum { N = 20 };
	const char *urls[N + 1];
	char text[N][160]; /* more than testkit_url's 16 buffers */
	for (int i = 0; i < N; i++) {
		snprintf(text[i], sizeof text[i],
		         "%s/files/o%02d.bin?size=20000&barrier=%d&group=overlap-ch3",
		         testkit_fixture.base_url, i, N);
		urls[i] = text[i];
	}
	urls[N] = NULL;
	struct run run;
	char *dir = download_to_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 0, "all %d downloads pass the barrier together; stderr:\n%s", N,
	             run.err);
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof name, "o%02d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 20000), "%s is complete", name);
	}
	run_free(&run);
	temp_dir_free(dir);
}

static int open_fds(void)
{
	int count = 0;
	DIR *d = opendir("/proc/self/fd");
	cr_assert(d != NULL, "/proc/self/fd lists this process's descriptors");
	while (readdir(d))
		count++;
	closedir(d);
	return count;
}

static int pending;

static void count_down(struct future *f, void *arg)
{
	(void)f;
	(void)arg;
	pending--;
}

/* Good, refused, reset, 404, truncated and stalled downloads together, in
 * this process: afterwards the descriptors are as before, and only the
 * good files are in the folder. Counted, not taken on the code's word. */
Test(fetch, leaves_no_descriptor_and_no_temporary_file)
{
	static const char *const paths[] = {
		"/files/good1.bin?size=70000",
		"/files/gone.bin?status=404",
		"/files/cut.bin?size=5000&truncate=100",
		"/files/reset.bin?size=900000&reset=1000",
		"/files/stall.bin?stall=1",
		"/files/good2.bin?size=1000&chunked=1",
	};
	enum { N = sizeof paths / sizeof paths[0] };
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 0.5 };
	struct events events;
	FILE *quiet = fopen("/dev/null", "w");
	events_init(&events, quiet);
	int before = open_fds();

	struct loop *loop = loop_new();
	struct future *downloads[N];
	pending = N;
	for (int i = 0; i < N; i++) {
		downloads[i] = fetch(loop, testkit_url(paths[i]), &options, &events, i);
		cr_assert(downloads[i] != NULL, "fetch returns a future");
		int rc = future_add_done_callback(downloads[i], count_down, NULL);
		REQUIRE_IMPLEMENTED(rc, "future_add_done_callback");
	}
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "run_ready");
	cr_assert_eq(pending, 0, "every download's future is done");
	for (int i = 0; i < N; i++) {
		/* The first and the last succeed; every other one fails. */
		bool good = i == 0 || i == N - 1;
		const struct future_error *error;
		future_exception(downloads[i], &error);
		cr_assert_eq(error == NULL, good, "%s %s", paths[i],
		             good ? "succeeds" : "fails");
		future_free(downloads[i]);
	}
	loop_free(loop);

	cr_assert_eq(open_fds(), before, "no descriptor is left open");
	char names[1024];
	dir_entries(dir, names, sizeof names);
	cr_assert_str_eq(names, "good1.bin good2.bin", "only the good files, no temporary file");
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
}
