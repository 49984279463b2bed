/*
 * test_offload.c - large bodies written by worker threads: the files are
 * the same bytes as when written inline, whatever their framing, and a
 * run that ends while writes are queued loses none of them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "production.h"

TestSuite(offload, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 90);

static void download_with_threshold(const char *threshold)
{
	const char *urls[] = { testkit_url("/files/big.bin?size=3000000"),
		               testkit_url("/files/chunked.bin?size=1500000&chunked=1"),
		               testkit_url("/files/close.bin?size=700000&noclen=1"),
		               testkit_url("/files/small.bin?size=100"),
		               testkit_url("/files/empty.bin?size=0"), NULL };
	const char *options[] = { "--write-threshold", threshold, NULL };
	struct run run;
	char *dir = download_to_new_dir(&run, urls, options);
	cr_assert_eq(run.status, 0, "--write-threshold %s: every download succeeds; stderr:\n%s",
	             threshold, run.err);
	cr_assert(file_matches_fixture(dir, "big.bin", 3000000), "big.bin is identical");
	cr_assert(file_matches_fixture(dir, "chunked.bin", 1500000), "chunked.bin is identical");
	cr_assert(file_matches_fixture(dir, "close.bin", 700000), "close.bin is identical");
	cr_assert(file_matches_fixture(dir, "small.bin", 100), "small.bin is identical");
	cr_assert(file_matches_fixture(dir, "empty.bin", 0), "empty.bin is identical");
	assert_no_temporary_file(dir);
	run_free(&run);
	temp_dir_free(dir);
}

Test(offload, every_write_on_a_thread_gives_identical_files)
{
	download_with_threshold("0");
}

Test(offload, large_bodies_on_threads_small_ones_inline)
{
	download_with_threshold("1000000");
}

Test(offload, every_write_inline_gives_identical_files)
{
	download_with_threshold("1000000000000");
}

/* Twenty large files at once, through four writer threads: the jobs
 * queue up, and the program's end still waits for every one. */
Test(offload, a_queue_of_writes_loses_nothing)
{
	char *dir = temp_dir_new();
	const char *list = write_url_file(dir, "/files/w%02d.bin?size=1200000", 20);
	const char *args[] = { "-o", dir, "-j", "20", "--write-threshold", "0", "-i", list, NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "every download succeeds; stderr:\n%s", run.err);
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "w%02d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 1200000), "%s is complete", name);
	}
	assert_no_temporary_file(dir);
	run_free(&run);
	temp_dir_free(dir);
}
