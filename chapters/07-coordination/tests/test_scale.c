/*
 * test_scale.c - thousands of connections at once, proved structurally:
 * the asyncio fixture answers a request of the group only once all 2,000
 * are in flight together, far beyond select()'s FD_SETSIZE of 1,024.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "production.h"

TestSuite(scale, .init = start_async_fixture, .fini = testkit_stop_fixture, .timeout = 240);

#define AT_ONCE 2000

/* The program needs a descriptor per connection and some to spare; the
 * fixture as many again. Only the hard limit can stop them. */
static void skip_unless_room_for(long connections)
{
	struct rlimit limit;
	getrlimit(RLIMIT_NOFILE, &limit);
	if (limit.rlim_max != RLIM_INFINITY && (long)limit.rlim_max < 2 * connections + 200)
		cr_skip_test("RLIMIT_NOFILE's hard limit is %ld: too low for %ld connections at "
		             "once (raise it with ulimit -Hn as root)",
		             (long)limit.rlim_max, connections);
}

static void all_at_once(const char *backend)
{
	skip_unless_room_for(AT_ONCE);
	char *dir = temp_dir_new();
	char format[128];
	snprintf(format, sizeof format,
	         "/files/x%%04d.bin?size=100&barrier=%d&group=scale&barrier_timeout=120000",
	         AT_ONCE);
	const char *list = write_url_file(dir, format, AT_ONCE);
	const char *args[] = { "-o", dir, "-j", "2000", "--per-host", "2000", "--backend",
		               backend, "-t", "120", "-i", list, NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "%d downloads pass a barrier of %d (--backend %s); stderr:\n%.2000s",
	             AT_ONCE, AT_ONCE, backend, run.err);
	struct fixture_stats st = stats_of("scale");
	cr_assert_eq(st.group_max_in_flight, AT_ONCE, "%d requests in flight at once, got %ld",
	             AT_ONCE, st.group_max_in_flight);
	cr_assert(file_matches_fixture(dir, "x1999.bin", 100), "the last file is complete");
	run_free(&run);
	temp_dir_free(dir);
}

Test(scale, two_thousand_connections_at_once_with_epoll)
{
	all_at_once("epoll");
}

Test(scale, two_thousand_connections_at_once_with_poll)
{
	all_at_once("poll");
}

/* A long queue through a few slots: 3,000 URLs, -j 20, never more than
 * 20 requests in flight, and (keep-alive) never more than 20 connections. */
Test(scale, a_long_queue_through_few_slots)
{
	char *dir = temp_dir_new();
	const char *list = write_url_file(dir, "/files/l%04d.bin?size=50&group=long", 3000);
	const char *args[] = { "-o", dir, "-j", "20", "-i", list, NULL };
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "3,000 downloads succeed; stderr:\n%.2000s", run.err);
	struct fixture_stats st = stats_of("long");
	cr_assert(st.group_max_in_flight <= 20, "-j 20: at most 20 in flight, got %ld",
	          st.group_max_in_flight);
	cr_assert(st.connections <= 20, "keep-alive: at most 20 connections, got %ld",
	          st.connections);
	cr_assert_eq(st.requests, 3000, "3,000 requests, got %ld", st.requests);
	run_free(&run);
	temp_dir_free(dir);
}
