/*
 * test_keepalive.c - connections reused across downloads, counted at the
 * asyncio fixture, which keeps a connection open after an answer unless
 * asked otherwise.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "loop.h"
#include "pool.h"
#include "production.h"

TestSuite(keepalive, .init = start_async_fixture, .fini = testkit_stop_fixture, .timeout = 60);

static void download_hundred(const char *const extra[], long want_connections, const char *why)
{
	char *dir = temp_dir_new();
	const char *args[16] = { "-o", dir, "-j", "4", "-i",
		                 write_url_file(dir, "/files/k%03d.bin?size=3000", 100) };
	int n = 6;
	for (int i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	struct run run;
	run_download(&run, args);
	cr_assert_eq(run.status, 0, "100 downloads succeed; stderr:\n%s", run.err);
	struct fixture_stats st = stats_of(NULL);
	cr_assert_eq(st.requests, 100, "one request per URL, got %ld", st.requests);
	cr_assert_eq(st.connections, want_connections, "%s: the fixture counted %ld connections",
	             why, st.connections);
	for (int i = 0; i < 100; i += 33) {
		char name[16];
		snprintf(name, sizeof name, "k%03d.bin", i);
		cr_assert(file_matches_fixture(dir, name, 3000), "%s is complete", name);
	}
	run_free(&run);
	temp_dir_free(dir);
}

Test(keepalive, a_hundred_downloads_through_j_4_open_4_connections)
{
	download_hundred(NULL, 4, "-j 4 with keep-alive opens 4 connections, then reuses them");
}

Test(keepalive, without_it_every_request_opens_a_connection)
{
	static const char *const no[] = { "--no-keepalive", NULL };
	download_hundred(no, 100, "--no-keepalive opens one connection per request");
}

/* The first answer promises keep-alive, then the server drops the idle
 * connection as the second request arrives on it: the second download
 * must not fail, but go again, once, on a fresh connection. */
Test(keepalive, a_pooled_connection_found_closed_is_replaced_once)
{
	const char *urls[] = { testkit_url("/files/first.bin?size=100&drop_next=1"),
		               testkit_url("/files/second.bin?size=200"), NULL };
	static const char *const one_at_a_time[] = { "-j", "1", "--debug", NULL };
	struct run run;
	char *dir = download_to_new_dir(&run, urls, one_at_a_time);
	cr_assert_eq(run.status, 0, "both succeed; stderr:\n%s", run.err);
	cr_assert(file_matches_fixture(dir, "second.bin", 200), "the retried download is complete");
	cr_assert(strstr(run.err, "2 connections opened, 1 reused, 1 found closed"),
	          "the pool opened a second connection after the first was found closed; "
	          "stderr:\n%s", run.err);
	cr_assert_eq(stats_of(NULL).connections, 2, "two connections at the fixture");
	run_free(&run);
	temp_dir_free(dir);
}

/* server.py closes after every answer ("Connection: close"): nothing is
 * pooled, and nothing breaks. */
TestSuite(keepalive_closing, .init = testkit_start_fixture, .fini = testkit_stop_fixture,
          .timeout = 60);

Test(keepalive_closing, a_server_that_closes_is_never_reused)
{
	download_hundred(NULL, 100, "server.py answers with Connection: close");
}

/* The pool on its own, with socket pairs for connections: the far end of
 * a pair plays the server, and closing it is the server's idle timeout. */
TestSuite(pool_checkout, .timeout = 10);

static void connected_pair(int sv[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0, "socketpair: %s", strerror(errno));
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

Test(pool_checkout, skips_and_closes_what_the_server_closed_and_takes_the_newest_live_one)
{
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	struct pool *pool = pool_new(loop, 4, 8);
	cr_assert(pool != NULL, "pool_new");
	cr_assert(pool_host_limit(pool, "host:80") != NULL, "the host is known to the pool");
	int older[2], closed[2], newest[2];
	connected_pair(older);
	connected_pair(closed);
	connected_pair(newest);
	pool_checkin(pool, "host:80", older[0]);
	pool_checkin(pool, "host:80", closed[0]);
	pool_checkin(pool, "host:80", newest[0]);
	close(closed[1]); /* the server's idle timeout, while the connection was pooled */

	int first = pool_checkout(pool, "host:80");
	REQUIRE_IMPLEMENTED(first, "pool_checkout");
	cr_assert_eq(first, newest[0],
	             "pool_checkout: the most recently checked in live connection comes first");
	int second = pool_checkout(pool, "host:80");
	cr_assert_neq(second, closed[0],
	              "pool_checkout: a connection the server has closed is never handed out");
	cr_assert_eq(second, older[0],
	             "pool_checkout: past a closed connection, the next live one is still found "
	             "(got %d)", second);
	cr_assert(!is_open(closed[0]),
	          "pool_checkout: the closed connection found on the way is closed here, or its "
	          "descriptor leaks");
	cr_assert_eq(pool_checkout(pool, "host:80"), -ENOENT, "pool_checkout: none left: -ENOENT");
	cr_assert_eq(pool_checkout(pool, "other:80"), -ENOENT,
	             "pool_checkout: no pool for that host: -ENOENT");

	char stats[128] = "";
	FILE *out = fmemopen(stats, sizeof stats, "w");
	cr_assert(out != NULL, "fmemopen");
	pool_print_stats(pool, out);
	fclose(out);
	cr_assert(strstr(stats, "2 reused, 1 found closed") != NULL,
	          "pool_checkout: each connection handed out counts in reused, each closed one "
	          "found on the way in stale; the pool said: %s",
	          stats);
	close(newest[0]);
	close(older[0]);
	close(newest[1]);
	close(older[1]);
	pool_free(pool);
	loop_free(loop);
}
