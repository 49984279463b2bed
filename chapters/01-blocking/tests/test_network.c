/*
 * test_network.c - the short counts and interruptions that loopback hides.
 *
 * On loopback one send() takes a whole request and one recv() brings a
 * whole head, so a net_send_all or a read_head that trusts one call passes
 * every end-to-end test. Here the calls misbehave as a real network and a
 * busy machine make them (fixtures/syscall_faults.h): send() takes 7 bytes
 * at a time, recv() brings one, a signal interrupts a call before it moves
 * a byte (EINTR). The calls are the chapter's own, made in this process:
 * net_send_all on a socketpair, and fetch() against the fixture server.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"
#include "fetch.h"
#include "net.h"
#include "syscall_faults.h"
#include "testkit.h"

TestSuite(network, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 30);

enum { MESSAGE = 1000 };

/* A message whose every byte tells where it belongs. */
static void fill(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (i * 7 + i / 26) % 26);
}

/* Everything the peer end of a socketpair has received by now. */
static size_t receive_all(int fd, char *buf, size_t size)
{
	fcntl(fd, F_SETFL, O_NONBLOCK);
	size_t got = 0;
	ssize_t n;
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	return got;
}

/* net_send_all of a MESSAGE-byte buffer on a socketpair under PLAN: its
 * return value, and what the other end received (in *RECEIVED). */
static int send_all_with_faults(const struct syscall_faults_plan *plan, char *sent, char *received,
                                size_t *received_len)
{
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	fill(sent, MESSAGE);
	syscall_faults_start(plan);
	int rc = net_send_all(sv[0], sent, MESSAGE);
	syscall_faults_stop();
	*received_len = receive_all(sv[1], received, MESSAGE + 1);
	close(sv[0]);
	close(sv[1]);
	REQUIRE_IMPLEMENTED(rc, "net_send_all (net.c)");
	return rc;
}

Test(network, net_send_all_sends_everything_seven_bytes_at_a_time)
{
	struct syscall_faults_plan plan = { .send = { .max = 7 } };
	char sent[MESSAGE], received[MESSAGE + 1];
	size_t len;
	int rc = send_all_with_faults(&plan, sent, received, &len);
	cr_assert_eq(rc, 0, "net_send_all returned %d (%s) for a send() that works", rc,
	             strerror(-rc));
	cr_assert_eq(len, (size_t)MESSAGE,
	             "net_send_all returned 0, but the peer got %zu of %d bytes: send() took "
	             "only 7 bytes per call (a short count, as when a signal or the socket's "
	             "buffer cuts a transfer short). Loop: advance buf and shrink len by what "
	             "each send() took, until len is 0",
	             len, MESSAGE);
	cr_assert(memcmp(sent, received, MESSAGE) == 0,
	          "the peer got %d bytes, but not the ones sent: after each short send(), the "
	          "next one must start where the last stopped (buf advanced by what it took)",
	          MESSAGE);
}

Test(network, net_send_all_retries_an_interrupted_send)
{
	struct syscall_faults_plan plan = { .send = { .eintr_every = 2 } };
	char sent[MESSAGE], received[MESSAGE + 1];
	size_t len;
	int rc = send_all_with_faults(&plan, sent, received, &len);
	cr_assert_gt(syscall_faults_record()->injected, 0, "the plan interrupted some send()");
	cr_assert_eq(rc, 0,
	             "net_send_all returned %d (%s): a signal interrupted send() before it sent "
	             "a byte (EINTR). That is no error: call send() again",
	             rc, strerror(-rc));
	cr_assert(len == MESSAGE && memcmp(sent, received, MESSAGE) == 0,
	          "after the interrupted send(), the peer got the %d bytes once, in order "
	          "(it got %zu bytes)",
	          MESSAGE, len);
}

/* fetch() of PATH on the fixture under PLAN, into a fresh folder; returns
 * the folder (temp_dir_free it) and leaves the outcome in *RESULT. */
static char *fetch_with_faults(const char *path, const struct syscall_faults_plan *plan,
                               struct fetch_result *result, int *rc)
{
	FILE *log = fopen("/dev/null", "w");
	cr_assert(log != NULL, "open /dev/null for the event lines");
	struct events events;
	events_init(&events, log);
	char *dir = temp_dir_new();
	struct fetch_options options = { dir, 2.0 };
	syscall_faults_start(plan);
	*rc = fetch(testkit_url(path), &options, &events, 0, result);
	syscall_faults_stop();
	events_free(&events);
	fclose(log);
	cr_assert(strstr(result->error, "not implemented yet") == NULL,
	          "not implemented yet: a hole on the way of the download (%s)", result->error);
	return dir;
}

Test(network, fetch_reads_a_head_that_arrives_one_byte_at_a_time)
{
	struct syscall_faults_plan plan = { .recv = { .max = 1 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/empty.bin?size=0", &plan, &result, &rc);
	cr_assert_gt(syscall_faults_record()->calls[FAULT_RECV], 10, "the head came in pieces");
	cr_assert_eq(rc, 0,
	             "recv() brought one byte at a time and fetch failed: \"%s\". One recv() may "
	             "bring any part of the head, even a single byte: read_head must keep "
	             "receiving into f->buf + f->buffered until http_find_head_end() finds the "
	             "blank line that ends it",
	             result.error);
	cr_assert(file_matches_fixture(dir, "empty.bin", 0), "empty.bin is saved, empty");
	temp_dir_free(dir);
}

Test(network, fetch_reads_a_body_that_arrives_in_small_pieces)
{
	struct syscall_faults_plan plan = { .recv = { .max = 7 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/pieces.bin?size=5000", &plan, &result, &rc);
	/* A head read wrong fails here too: say which of the two it was. */
	cr_assert(strstr(result.error, "headers") == NULL &&
	                  strstr(result.error, "malformed") == NULL,
	          "recv() brought at most 7 bytes at a time and fetch failed while reading the "
	          "head: \"%s\". read_head must keep receiving until the blank line has arrived",
	          result.error);
	cr_assert_eq(rc, 0,
	             "recv() brought at most 7 bytes at a time and fetch failed: \"%s\". The body "
	             "arrives in many pieces: read_body_by_length must keep calling "
	             "receive_body() and saving what it brings until f->result->bytes reaches "
	             "the Content-Length",
	             result.error);
	cr_assert_eq(result.bytes, 5000,
	             "fetch succeeded with %lld of the 5000 body bytes saved: recv() brought at "
	             "most 7 bytes per call, and read_body_by_length must keep calling "
	             "receive_body() until f->result->bytes reaches the Content-Length",
	             result.bytes);
	cr_assert(file_matches_fixture(dir, "pieces.bin", 5000),
	          "pieces.bin holds exactly the bytes served, in order");
	temp_dir_free(dir);
}

Test(network, fetch_retries_interrupted_calls)
{
	struct syscall_faults_plan plan = { .send = { .eintr_every = 2 },
		                            .recv = { .eintr_every = 2 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/eintr.bin?size=3000", &plan, &result, &rc);
	cr_assert_gt(syscall_faults_record()->injected, 0, "the plan interrupted some calls");
	cr_assert_eq(rc, 0,
	             "send() and recv() were interrupted by a signal (EINTR) every other call and "
	             "fetch failed: \"%s\". EINTR says a signal arrived before the call moved a "
	             "byte: net_send_all and net_recv must call again",
	             result.error);
	cr_assert(file_matches_fixture(dir, "eintr.bin", 3000), "eintr.bin is saved whole");
	temp_dir_free(dir);
}
