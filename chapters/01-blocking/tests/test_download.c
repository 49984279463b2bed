/*
 * test_download.c - the download program end to end, against the fixture.
 *
 * Each test runs ./download as a learner would and judges what it left:
 * the exit status, one stderr line per failure naming the URL and the cause,
 * byte-identical files, and no temporary file anywhere. The order of events
 * comes from the program's own log (its stdout), never from wall time.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testkit.h"

TestSuite(download, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/* Download URLS into a fresh folder with extra OPTIONS (NULL-terminated). */
static char *download_into_new_dir(struct run *run, const char *const urls[],
                                   const char *const options[])
{
	char *dir = temp_dir_new();
	const char *args[64] = { "-o", dir };
	int n = 2;
	for (int i = 0; options && options[i]; i++)
		args[n++] = options[i];
	for (int i = 0; urls[i]; i++)
		args[n++] = urls[i];
	args[n] = NULL;
	run_download(run, args);
	return dir;
}

static void expect_saved(const char *path_and_query, const char *name, size_t size)
{
	struct run run;
	const char *urls[] = { testkit_url(path_and_query), NULL };
	char *dir = download_into_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 0, "download %s should succeed; stderr:\n%s", urls[0], run.err);
	cr_assert_str_empty(run.err, "nothing on stderr for a good download");
	char names[1024];
	dir_entries(dir, names, sizeof names);
	cr_assert_str_eq(names, name, "the folder holds exactly the saved file");
	cr_assert(file_matches_fixture(dir, name, size),
	          "%s/%s is byte-identical to what %s served", dir, name, urls[0]);
	run_free(&run);
	temp_dir_free(dir);
}

Test(download, saves_a_body_with_content_length)
{
	expect_saved("/files/a.bin?size=100000", "a.bin", 100000);
}

Test(download, saves_an_empty_body)
{
	expect_saved("/files/empty.bin?size=0", "empty.bin", 0);
}

Test(download, saves_a_chunked_body)
{
	expect_saved("/files/chunked.bin?size=50000&chunked=1", "chunked.bin", 50000);
}

Test(download, saves_a_body_delimited_by_close)
{
	expect_saved("/files/close.bin?size=30000&noclen=1", "close.bin", 30000);
}

Test(download, follows_redirects)
{
	expect_saved("/files/moved.bin?size=2000&redirect=3", "moved.bin", 2000);
}

Test(download, saves_a_slowly_sent_body)
{
	expect_saved("/files/slow.bin?size=4000&throttle=40000", "slow.bin", 4000);
}

/* One failing URL: exit 1, exactly one stderr line naming the URL and
 * containing CAUSE, and nothing left in the folder. */
static void expect_failure(const char *path_and_query, const char *const options[],
                           const char *cause)
{
	struct run run;
	const char *urls[] = { path_and_query[0] == '/' ? testkit_url(path_and_query)
		                                        : path_and_query,
		               NULL };
	char *dir = download_into_new_dir(&run, urls, options);
	cr_assert_eq(run.status, 1, "download %s should fail with status 1, got %d; stderr:\n%s",
	             urls[0], run.status, run.err);
	cr_assert_eq(count_lines(run.err), 1, "exactly one line on stderr, got:\n%s", run.err);
	cr_assert(strstr(run.err, urls[0]), "the error line names the URL: %s", run.err);
	cr_assert(strstr(run.err, cause), "the error line says \"%s\", got: %s", cause, run.err);
	char names[1024];
	cr_assert_eq(dir_entries(dir, names, sizeof names), 0,
	             "nothing may be left in the folder, found: %s", names);
	run_free(&run);
	temp_dir_free(dir);
}

Test(download, reports_http_404)
{
	expect_failure("/files/gone.bin?status=404", NULL, "HTTP 404 Not Found");
}

Test(download, reports_http_500)
{
	expect_failure("/files/x.bin?status=500", NULL, "HTTP 500 Internal Server Error");
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

Test(download, reports_connection_refused)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/a.bin", closed_port());
	expect_failure(url, NULL, "connection refused");
}

Test(download, reports_a_truncated_body)
{
	expect_failure("/files/t.bin?size=4000&truncate=1000", NULL,
	               "truncated body: got 1000 of 4000 bytes");
}

Test(download, reports_a_truncated_chunked_body)
{
	expect_failure("/files/t.bin?size=4000&truncate=1000&chunked=1", NULL, "truncated body");
}

Test(download, reports_a_connection_reset)
{
	expect_failure("/files/r.bin?size=1000000&reset=1000", NULL, "connection reset");
}

static const char *const short_timeout[] = { "-t", "0.5", NULL };

Test(download, times_out_on_a_server_that_never_answers)
{
	expect_failure("/files/s.bin?stall=1", short_timeout,
	               "timed out after 0.5 s while waiting for the headers");
}

Test(download, times_out_on_a_server_that_stops_after_the_status_line)
{
	expect_failure("/files/s.bin?stall_after_status=1", short_timeout,
	               "timed out after 0.5 s while waiting for the headers");
}

Test(download, reports_a_malformed_status_line)
{
	expect_failure("/files/m.bin?malformed=1", NULL, "malformed response: bad status line");
}

Test(download, refuses_https)
{
	expect_failure("https://127.0.0.1/a.bin", NULL, "https is not supported");
}

Test(download, refuses_a_redirect_to_https)
{
	expect_failure("/files/a.bin?location=https%3A%2F%2F127.0.0.1%2Fa.bin", NULL,
	               "https is not supported");
}

Test(download, gives_up_after_five_redirects)
{
	expect_failure("/files/loop.bin?redirect=6", NULL, "too many redirects");
}

Test(download, reports_a_host_that_does_not_resolve)
{
	expect_failure("http://no-such-host.invalid/a.bin", NULL, "cannot resolve host");
}

Test(download, reports_an_output_folder_that_does_not_exist)
{
	struct run run;
	const char *args[] = { "-o", "/nonexistent/folder", testkit_url("/files/a.bin"), NULL };
	run_download(&run, args);
	cr_assert_eq(run.status, 1, "status 1 when the folder is missing; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "exactly one line on stderr, got:\n%s", run.err);
	cr_assert(strstr(run.err, "cannot create a file in /nonexistent/folder"),
	          "the error names the folder: %s", run.err);
	run_free(&run);
}

Test(download, goes_on_after_a_failed_url)
{
	struct run run;
	const char *urls[] = { testkit_url("/files/bad.bin?status=404"),
		               testkit_url("/files/good.bin?size=5000"), NULL };
	char *dir = download_into_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 1, "one failure means status 1; stderr:\n%s", run.err);
	cr_assert_eq(count_lines(run.err), 1, "one line for the one failure:\n%s", run.err);
	cr_assert(file_matches_fixture(dir, "good.bin", 5000), "the good URL is still saved");
	cr_assert(strstr(run.out, "1 of 2 downloads succeeded"), "summary, got:\n%s", run.out);
	run_free(&run);
	temp_dir_free(dir);
}

/*
 * Serial order, shown structurally: in the program's own log every download
 * ends before the next one starts. No clock is read. (The server's count of
 * requests in flight is no proof here: it lowers its count only after the
 * client already has the last byte, so a serial client can overlap it.)
 */
Test(download, downloads_strictly_one_after_another)
{
	enum { N = 5 };
	const char *urls[N + 1];
	char paths[N][128];
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof paths[i], "/files/f%d.bin?size=1000&delay=20", i);
		urls[i] = testkit_url(paths[i]);
	}
	urls[N] = NULL;
	struct run run;
	char *dir = download_into_new_dir(&run, urls, NULL);
	cr_assert_eq(run.status, 0, "all downloads succeed; stderr:\n%s", run.err);

	const char *cursor = run.out;
	for (int i = 0; i < N; i++) {
		char start[160], done[160];
		snprintf(start, sizeof start, "] start  %s\n", urls[i]);
		snprintf(done, sizeof done, "] done   %s ", urls[i]);
		const char *s = strstr(cursor, start);
		cr_assert(s != NULL, "download %d starts after download %d is done; log:\n%s", i,
		          i - 1, run.out);
		const char *d = strstr(s, done);
		cr_assert(d != NULL, "download %d is done after it starts; log:\n%s", i, run.out);
		const char *next_start = strstr(s + 1, "] start  ");
		cr_assert(next_start == NULL || next_start > d,
		          "nothing starts while download %d runs; log:\n%s", i, run.out);
		cursor = d;
	}
	run_free(&run);
	temp_dir_free(dir);
}

Test(download, refuses_a_bad_command_line_with_status_2)
{
	static const char *const no_urls[] = { NULL };
	static const char *const bad_timeout[] = { "-t", "soon", "http://h/a", NULL };
	static const char *const bad_option[] = { "--no-such-option", "http://h/a", NULL };
	const char *const *cases[] = { no_urls, bad_timeout, bad_option };
	for (size_t i = 0; i < 3; i++) {
		struct run run;
		run_download(&run, cases[i]);
		cr_assert_eq(run.status, 2, "usage error case %zu: status 2, got %d", i,
		             run.status);
		cr_assert(strstr(run.err, "usage: download") || strstr(run.err, "-t needs"),
		          "usage error case %zu explains itself: %s", i, run.err);
		run_free(&run);
	}
}

Test(download, writes_a_chrome_trace)
{
	char *dir = temp_dir_new();
	char trace[4096];
	snprintf(trace, sizeof trace, "%s/trace.json", dir);
	const char *args[] = { "-o",
		               dir,
		               "--trace",
		               trace,
		               testkit_url("/files/a.bin?size=10"),
		               testkit_url("/files/b.bin?status=404"),
		               NULL };
	struct run run;
	run_download(&run, args);
	FILE *f = fopen(trace, "r");
	cr_assert(f != NULL, "--trace %s creates the file", trace);
	char json[8192];
	size_t len = fread(json, 1, sizeof json - 1, f);
	json[len] = '\0';
	fclose(f);
	cr_assert(strncmp(json, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", 38) == 0,
	          "trace-event JSON object, got:\n%s", json);
	cr_assert(strstr(json, "\"ph\":\"B\",\"ts\":") &&
	                  strstr(json, "\"name\":\"done\",\"ph\":\"E\"") &&
	                  strstr(json, "\"name\":\"failed\",\"ph\":\"E\""),
	          "a begin, a done and a failed event, got:\n%s", json);
	run_free(&run);
	temp_dir_free(dir);
}
