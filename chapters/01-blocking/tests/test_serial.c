/*
 * test_serial.c - what is particular to chapter 1: one download at a time.
 *
 * The download contract itself (files, errors, exit status) is tested for
 * every chapter by fixtures/contract_tests.c.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testkit.h"

TestSuite(serial, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

/*
 * Serial order, shown structurally: in the program's own log every download
 * ends before the next one starts. No clock is read. (The server's count of
 * requests in flight is no proof here: it lowers its count only after the
 * client already has the last byte, so a serial client can overlap it.)
 */
Test(serial, downloads_strictly_one_after_another)
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
	char *dir = download_to_new_dir(&run, urls, NULL);
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
