/*
 * test_fetch.c - the downloader as tasks: downloads overlap; cancelled in
 * the middle, each one closes its socket and removes its temporary file;
 * --fail-fast leaves nothing half-written. Counted and listed, never
 * taken on the code's word, and never timed.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "future.h"
#include "gather.h"
#include "loop.h"
#include "task.h"
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
	char text[N][160];
	for (int i = 0; i < N; i++) {
		snprintf(text[i], sizeof text[i],
		         "%s/files/o%02d.bin?size=20000&barrier=%d&group=overlap-ch4",
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

/* A download that met a stub of the starter says so in its error. */
static void require_no_stub(struct future *download)
{
	const struct future_error *error;
	future_exception(download, &error);
	cr_assert(error == NULL || error->code != -ENOSYS, "%s", error ? error->message : "");
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

/* The same failures as chapter 3, now tasks: afterwards the descriptors
 * are as before, and only the good files are in the folder. */
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
	for (int i = 0; i < N; i++) {
		downloads[i] = fetch(loop, testkit_url(paths[i]), &options, &events, i);
		cr_assert(downloads[i] != NULL, "fetch returns the task's future");
	}
	struct future *all = gather(loop, downloads, N, true);
	cr_assert_eq(loop_run_until_complete(loop, all), 0, "the gather completes");
	require_no_stub(all);
	for (int i = 0; i < N; i++) {
		require_no_stub(downloads[i]);
		const struct future_error *error;
		future_exception(downloads[i], &error);
		bool good = i == 0 || i == N - 1;
		cr_assert_eq(error == NULL, good, "%s %s", paths[i], good ? "succeeds" : "fails");
		future_free(downloads[i]);
	}
	future_free(all);
	loop_free(loop);

	cr_assert_eq(open_fds(), before, "no descriptor is left open");
	char names[1024];
	dir_entries(dir, names, sizeof names);
	cr_assert_str_eq(names, "good1.bin good2.bin", "only the good files, no temporary file");
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
}

/*
 * The canceller: a coroutine that looks at the world once per turn and
 * cancels every download once all of them are in flight at the server and
 * the slow ones have their temporary file open. A condition, not a clock.
 */
struct canceller {
	int resume_point;
	struct loop *loop;
	const char *dir;
	struct future *const *downloads;
	int count, expected_temp_files;
	int turns;
};

static bool all_in_flight(const struct canceller *c)
{
	/* One is over already (a stub of the starter, say): stop waiting. */
	for (int i = 0; i < c->count; i++)
		if (future_done(c->downloads[i]))
			return true;
	struct fixture_stats stats;
	char names[4096];
	return fixture_stats(&testkit_fixture, NULL, &stats) == 0 && stats.in_flight == c->count &&
	       dir_entries(c->dir, names, sizeof names) == c->expected_temp_files;
}

static int canceller_step(struct task *task, void *frame)
{
	struct canceller *c = frame;
	CORO_BEGIN(c);
	while (!all_in_flight(c) && c->turns++ < 100000)
		CORO_AWAIT(task, c, task_yield(c->loop));
	for (int i = 0; i < c->count; i++)
		REQUIRE_IMPLEMENTED(task_cancel(c->downloads[i], "enough"), "request_cancel");
	CORO_END(task, c);
}

Test(fetch, cancelled_in_the_middle_each_closes_its_socket_and_removes_its_file)
{
	static const char *const paths[] = {
		"/files/s1.bin?stall=1", "/files/slow1.bin?size=5000000&throttle=20000",
		"/files/s2.bin?stall=1", "/files/slow2.bin?size=5000000&throttle=20000",
		"/files/s3.bin?stall=1", "/files/slow3.bin?size=5000000&throttle=20000",
	};
	enum { N = sizeof paths / sizeof paths[0] };
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 30.0 };
	struct events events;
	FILE *quiet = fopen("/dev/null", "w");
	events_init(&events, quiet);
	int before = open_fds();

	struct loop *loop = loop_new();
	struct future *downloads[N];
	for (int i = 0; i < N; i++) {
		downloads[i] = fetch(loop, testkit_url(paths[i]), &options, &events, i);
		cr_assert(downloads[i] != NULL, "fetch returns the task's future");
	}
	struct canceller c = { .loop = loop,
		               .dir = dir,
		               .downloads = downloads,
		               .count = N,
		               .expected_temp_files = N / 2 };
	struct future *canceller = task_create(loop, "canceller", canceller_step, &c, NULL);
	struct future *all = gather(loop, downloads, N, true);
	cr_assert_eq(loop_run_until_complete(loop, all), 0, "the gather completes");
	require_no_stub(all);
	cr_assert_eq(loop_run_until_complete(loop, canceller), 0, "the canceller is over");
	for (int i = 0; i < N; i++) {
		require_no_stub(downloads[i]);
		cr_assert(future_cancelled(downloads[i]), "%s ends CANCELLED", paths[i]);
		cr_assert_str_eq(future_cancel_message(downloads[i]), "enough",
		                 "with the canceller's message");
		future_free(downloads[i]);
	}
	cr_assert(c.turns < 100000, "every download was in flight before the cancel");
	future_free(all);
	future_free(canceller);
	loop_free(loop);

	cr_assert_eq(open_fds(), before, "every socket and temporary file is closed");
	char names[1024];
	cr_assert_eq(dir_entries(dir, names, sizeof names), 0,
	             "no temporary file is left in the folder: %s", names);
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
}

/* --fail-fast, end to end: one 404 among downloads that would take long,
 * some of them with their temporary file already open. */
Test(fetch, fail_fast_cancels_the_rest_and_leaves_nothing_half_written)
{
	const char *urls[] = {
		testkit_url("/files/s1.bin?stall=1"),
		testkit_url("/files/slow1.bin?size=5000000&throttle=20000"),
		testkit_url("/files/gone.bin?status=404&delay=300"),
		testkit_url("/files/s2.bin?stall=1"),
		testkit_url("/files/slow2.bin?size=5000000&throttle=20000"),
		NULL,
	};
	const char *options[] = { "--fail-fast", "-t", "5", NULL };
	struct run run;
	char *dir = download_to_new_dir(&run, urls, options);
	const char *stub = strstr(run.err, "not implemented yet");
	cr_assert(stub == NULL, "%.*s", (int)strcspn(stub ? stub : "", "\n"), stub ? stub : "");
	cr_assert_eq(run.status, 1, "a failure means status 1; stderr:\n%s", run.err);
	cr_assert(strstr(run.err, "gone.bin?status=404&delay=300: HTTP 404 Not Found\n"),
	          "the 404 is reported; stderr:\n%s", run.err);
	int cancelled = 0;
	const char *why = ": cancelled: another download failed (--fail-fast)\n";
	for (const char *p = run.err; (p = strstr(p, why)); p++)
		cancelled++;
	cr_assert_eq(cancelled, 4, "the four others are cancelled; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 5, "one line per download; stderr:\n%s", run.err);
	cr_assert(strstr(run.out, "0 of 5 downloads succeeded"), "the summary says so:\n%s",
	          run.out);
	char names[1024];
	cr_assert_eq(dir_entries(dir, names, sizeof names), 0, "nothing half-written is left: %s",
	             names);
	run_free(&run);
	temp_dir_free(dir);
}

/*
 * A body without Content-Length ends when the server closes: recv then
 * delivers 0. Stepped one loop iteration at a time, with a bound on the
 * count of iterations, not on time: a download that takes a close for an
 * empty chunk receives 0 again and again, and never ends.
 */
TestSuite(body_close, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

Test(body_close, a_body_that_ends_at_the_close_ends_and_its_first_byte_is_reported_once)
{
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 5.0 };
	struct events events;
	FILE *quiet = fopen("/dev/null", "w");
	events_init(&events, quiet);
	struct loop *loop = loop_new();
	struct future *download =
		fetch(loop, testkit_url("/files/close.bin?size=200000&noclen=1"), &options, &events, 7);
	cr_assert(download != NULL, "fetch returns the task's future");
	for (int i = 0; i < 20000 && !future_done(download); i++)
		cr_assert(loop_run_once(loop) >= 0, "loop_run_once");
	require_no_stub(download);
	cr_assert(future_done(download),
	          "take_received: the download of a body that ends at the close never ended: recv "
	          "delivering 0 is the server closing (f->closed), not an empty chunk to parse");
	const struct future_error *error;
	future_exception(download, &error);
	cr_assert(error == NULL,
	          "take_received: the download of a body that ends at the close failed (%s): "
	          "OUTCOME only says whether the await went well (0) or why not; the count of "
	          "bytes received is the await's result, task_await_result(task), as a "
	          "pointer-sized integer, and a count of 0 is the close",
	          error ? error->message : "");
	char path[4096];
	snprintf(path, sizeof path, "%s/close.bin", dir);
	struct stat st;
	cr_assert(stat(path, &st) == 0, "close.bin is saved");
	cr_assert_eq(st.st_size, 200000,
	             "take_received: close.bin has %lld bytes, and the server sent 200000 before "
	             "it closed: the close was saved as a chunk, with the count of the one before. "
	             "A close brings no bytes: f->body is 0 then",
	             (long long)st.st_size);
	cr_assert(file_matches_fixture(dir, "close.bin", 200000),
	          "close.bin holds the 200000 bytes served, in order");
	int first_bytes = 0;
	for (size_t i = 0; i < events.count; i++)
		if (events.list[i].id == 7 && events.list[i].kind == EVENT_FIRST_BYTE)
			first_bytes++;
	cr_assert_eq(first_bytes, 1,
	             "take_received: the first byte of a response is reported once "
	             "(events_first_byte), not at every chunk received; it was reported %d times",
	             first_bytes);
	future_free(download);
	loop_free(loop);
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
}

Test(body_close, a_close_before_any_byte_is_not_a_first_byte)
{
	/* A server of our own: it reads the request, then closes (FIN)
	 * without answering a byte. */
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET,
		                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	cr_assert(listener >= 0 && bind(listener, (struct sockaddr *)&addr, len) == 0 &&
	                  listen(listener, 1) == 0 &&
	                  getsockname(listener, (struct sockaddr *)&addr, &len) == 0,
	          "listen on loopback");
	fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/files/none.bin", ntohs(addr.sin_port));
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 2.0 };
	struct events events;
	FILE *quiet = fopen("/dev/null", "w");
	events_init(&events, quiet);
	struct loop *loop = loop_new();
	struct future *download = fetch(loop, url, &options, &events, 3);
	cr_assert(download != NULL, "fetch returns the task's future");
	int server = -1;
	bool closed = false;
	char request[4096];
	/* Between iterations, so that the loop never waits for the server:
	 * by the time the download awaits a receive, its request is sent. */
	for (int i = 0; i < 20000 && !future_done(download); i++) {
		if (server < 0)
			server = accept(listener, NULL, NULL);
		if (server >= 0 && !closed && recv(server, request, sizeof request, MSG_DONTWAIT) >= 0) {
			close(server);
			closed = true;
		}
		cr_assert(loop_run_once(loop) >= 0, "loop_run_once");
	}
	require_no_stub(download);
	cr_assert(closed, "the download sent its request");
	cr_assert(future_done(download),
	          "take_received: the server closed the connection without a byte and the "
	          "download never ended: recv delivering 0 is the server closing (f->closed), "
	          "not an empty chunk to parse");
	const struct future_error *error = NULL;
	future_exception(download, &error);
	cr_assert(error != NULL, "with an error: there is no response");
	int first_bytes = 0;
	for (size_t i = 0; i < events.count; i++)
		if (events.list[i].id == 3 && events.list[i].kind == EVENT_FIRST_BYTE)
			first_bytes++;
	cr_assert_eq(first_bytes, 0,
	             "take_received: the server closed the connection without sending a byte, "
	             "and the first byte of its response was reported: a receive of 0 bytes is "
	             "the close (f->closed), not the response starting; report the first byte "
	             "(events_first_byte) only once bytes arrived");
	future_free(download);
	loop_free(loop);
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
	close(listener);
}

/* The error of one download of PATH into a fresh folder ("" if none),
 * into WHY. */
static void error_of_download(const char *path, char *why, size_t size)
{
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 5.0 };
	struct events events;
	FILE *quiet = fopen("/dev/null", "w");
	events_init(&events, quiet);
	struct loop *loop = loop_new();
	struct future *download = fetch(loop, testkit_url(path), &options, &events, 1);
	cr_assert(download != NULL, "fetch returns the task's future");
	cr_assert_eq(loop_run_until_complete(loop, download), 0, "the download completes");
	require_no_stub(download);
	const struct future_error *error;
	future_exception(download, &error);
	snprintf(why, size, "%s", error ? error->message : "");
	future_free(download);
	loop_free(loop);
	events_free(&events);
	fclose(quiet);
	temp_dir_free(dir);
}

Test(body_close, a_failed_receive_or_a_refused_response_fails_the_download)
{
	char why[512];
	error_of_download("/files/r.bin?size=1000000&reset=1000", why, sizeof why);
	cr_assert(strstr(why, "connection reset") != NULL,
	          "take_received: the server reset the connection, the receive failed with "
	          "-ECONNRESET, and the download said \"%s\": an OUTCOME below 0 is a failed "
	          "await, whatever the errno (a reset, a timeout, a cancellation); take_received "
	          "fails the download with it (fail_errno), it never reads it as data",
	          why);
	error_of_download("/files/m.bin?malformed=1", why, sizeof why);
	cr_assert(strstr(why, "malformed response: bad status line") != NULL,
	          "take_received: the parser refused the response (response_feed answered "
	          "-EPROTO), and the download said \"%s\": check what response_feed answers, "
	          "and fail with the parser's own words (f->parser.error)",
	          why);
}
