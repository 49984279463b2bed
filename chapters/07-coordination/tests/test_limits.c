/*
 * test_limits.c - -j and --per-host, counted at the fixture, never timed:
 * its barrier answers only when K requests of a group are in flight at
 * once (so K were), and its max_in_flight says that more never were.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "production.h"

TestSuite(limits, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 60);

Test(limits, never_more_than_j_at_once)
{
	char *dir = temp_dir_new();
	const char *list = write_url_file(dir, "/files/j%02d.bin?size=2000&barrier=4&group=j", 12);
	const char *args[] = { "-o", dir, "-j", "4", "-i", list, NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "12 downloads, 4 at a time, pass a barrier of 4; stderr:\n%s",
	             run.err);
	struct fixture_stats st = stats_of("j");
	cr_assert_eq(st.group_max_in_flight, 4, "-j 4: at most 4 requests in flight, and 4 were; "
	                                        "the fixture saw %ld", st.group_max_in_flight);
	cr_assert_eq(st.requests, 12, "one request per URL, got %ld", st.requests);
	for (int i = 0; i < 12; i++) {
		char name[16];
		snprintf(name, sizeof name, "j%02d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 2000), "%s is complete", name);
	}
	run_free(&run);
	temp_dir_free(dir);
}

/* Two hosts for one server: 127.0.0.1 and localhost are two names, so two
 * pools and two per-host limits (aiohttp keys its pools the same way). */
Test(limits, never_more_than_per_host_at_once_on_each_host)
{
	char *dir = temp_dir_new();
	char list[4096];
	snprintf(list, sizeof list, "%s/urls.txt", dir);
	FILE *f = fopen(list, "w");
	cr_assert(f != NULL, "cannot write %s", list);
	for (int i = 0; i < 9; i++) {
		fprintf(f, "http://127.0.0.1:%d/files/a%d.bin?size=1000&barrier=3&group=a\n",
		        testkit_fixture.port, i);
		fprintf(f, "http://localhost:%d/files/b%d.bin?size=1000&barrier=3&group=b\n",
		        testkit_fixture.port, i);
	}
	fclose(f);
	const char *args[] = { "-o", dir, "-j", "100", "--per-host", "3", "-i", list, NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "each host passes its barrier of 3; stderr:\n%s", run.err);
	long a = stats_of("a").group_max_in_flight, b = stats_of("b").group_max_in_flight;
	cr_assert(a == 3 && b == 3, "--per-host 3: 3 at once on each host, never more; the "
	                            "fixture saw %ld and %ld", a, b);
	long all = stats_of(NULL).max_in_flight;
	cr_assert(all <= 6, "two hosts, 3 each: never more than 6 in all, the fixture saw %ld", all);
	run_free(&run);
	temp_dir_free(dir);
}

Test(limits, bad_limits_are_usage_errors)
{
	static const char *const zero[] = { "-j", "0", "http://h/a", NULL };
	static const char *const words[] = { "--per-host", "many", "http://h/a", NULL };
	static const char *const backend[] = { "--backend", "kqueue", "http://h/a", NULL };
	const char *const *cases[] = { zero, words, backend };
	for (size_t i = 0; i < 3; i++) {
		struct run run;
		run_download(&run, cases[i]);
		cr_assert_eq(run.status, 2, "usage error case %zu: status 2, got %d; stderr:\n%s", i,
		             run.status, run.err);
		cr_assert_eq(count_lines(run.err), 1, "one line says why:\n%s", run.err);
		run_free(&run);
	}
}
