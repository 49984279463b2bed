/*
 * test_queue.c - the URL queue: the command line's URLs, then -i FILE's
 * (blank lines and #comments skipped, '-' for stdin), started in that
 * order, as the program's own event log shows.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "production.h"

TestSuite(queue, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/* A list with the noise a person's file has: comments, blank lines,
 * spaces and a CRLF. */
static const char *write_noisy_list(const char *dir, int count)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/urls.txt", dir);
	FILE *f = fopen(path, "w");
	cr_assert(f != NULL, "cannot write %s", path);
	fprintf(f, "# the files to fetch\n\n");
	for (int i = 0; i < count; i++)
		fprintf(f, "  %s/files/q%d.bin?size=500%s\n", testkit_fixture.base_url, i,
		        i % 2 ? "\r" : "");
	fprintf(f, "   \n# done\n");
	fclose(f);
	return path;
}

/* Start line N names q<N>.bin, preceded by the command line's URL. */
static void assert_started_in_order(const char *out, int count)
{
	const char *first = nth_event(out, "start", 0);
	cr_assert(first && strstr(first, "/files/first.bin"),
	          "the command line's URL starts first:\n%s", out);
	for (int i = 0; i < count; i++) {
		char name[32];
		snprintf(name, sizeof name, "/files/q%d.bin?", i);
		const char *line = nth_event(out, "start", i + 1);
		cr_assert(line && strncmp(strstr(line, "/files/"), name, strlen(name)) == 0,
		          "start line %d is q%d.bin:\n%s", i + 2, i, out);
	}
	cr_assert_null(nth_event(out, "start", count + 1), "and nothing else starts:\n%s", out);
}

Test(queue, drains_in_order_one_at_a_time)
{
	char *dir = temp_dir_new();
	const char *args[] = { "-o", dir, "-j", "1", testkit_url("/files/first.bin?size=10"),
		               "-i", write_noisy_list(dir, 6), NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "every download succeeds; stderr:\n%s", run.err);
	assert_started_in_order(run.out, 6);
	/* -j 1: each one is done before the next starts. */
	const char *line = run.out;
	for (int i = 0; i < 7; i++) {
		const char *start = strstr(line, "] start"), *done = strstr(line, "] done");
		cr_assert(start && done && start < done, "start %d, then its done:\n%s", i, run.out);
		const char *next = strstr(start + 1, "] start");
		cr_assert(!next || done < next, "download %d is done before the next starts:\n%s", i,
		          run.out);
		line = done + 1;
	}
	cr_assert(strstr(run.out, "7 of 7 downloads succeeded"), "summary:\n%s", run.out);
	run_free(&run);
	temp_dir_free(dir);
}

Test(queue, starts_in_order_several_at_a_time)
{
	char *dir = temp_dir_new();
	const char *args[] = { "-o", dir, "-j", "3", testkit_url("/files/first.bin?size=10"),
		               "-i", write_noisy_list(dir, 10), NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "every download succeeds; stderr:\n%s", run.err);
	assert_started_in_order(run.out, 10);
	run_free(&run);
	temp_dir_free(dir);
}

static char stdin_list[4096];

static void list_on_stdin(void)
{
	int fd = open(stdin_list, O_RDONLY);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
}

Test(queue, reads_stdin_for_a_dash)
{
	char *dir = temp_dir_new();
	snprintf(stdin_list, sizeof stdin_list, "%s", write_noisy_list(dir, 4));
	const char *args[] = { "-o", dir, "-j", "2", testkit_url("/files/first.bin?size=10"),
		               "-i", "-", NULL };
	struct run run;
	run_download_with(&run, args, list_on_stdin);
	cr_assert_eq(run.status, 0, "every download succeeds; stderr:\n%s", run.err);
	assert_started_in_order(run.out, 4);
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "q%d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 500), "%s is complete", name);
	}
	run_free(&run);
	temp_dir_free(dir);
}

Test(queue, a_missing_list_is_an_error)
{
	const char *args[] = { "-i", "/nonexistent/urls.txt", NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 2, "status 2 for a list that cannot be read; stderr:\n%s",
	             run.err);
	cr_assert(strstr(run.err, "/nonexistent/urls.txt"), "the error names the file: %s",
	          run.err);
	run_free(&run);
}
