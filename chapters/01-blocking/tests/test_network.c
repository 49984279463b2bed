/*
 * test_network.c - the short counts and interruptions that loopback hides.
 *
 * On loopback one send() takes a whole request and one recv() brings a
 * whole head, so a net_send_all or a read_head that trusts one call passes
 * every end-to-end test. Here the calls misbehave as a real network and a
 * busy machine make them (fixtures/syscall_faults.h): send() takes 7 bytes
 * at a time, recv() brings one, a signal interrupts a call before it moves
 * a byte (EINTR), a send timeout expires (EAGAIN), the peer has gone away
 * (EPIPE). The calls are the chapter's own, made in this process:
 * net_send_all on a socketpair, and fetch() against the fixture server,
 * which can also break the rules on purpose (a head too long, bytes beyond
 * the Content-Length).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
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

Test(network, net_send_all_reports_a_closed_peer_without_a_signal)
{
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	close(sv[1]);
	/* Blocked, a SIGPIPE stays pending instead of ending this test. */
	sigset_t pipe_only, pending;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_only, NULL);
	char message[100];
	fill(message, sizeof message);
	int rc = net_send_all(sv[0], message, sizeof message);
	close(sv[0]);
	REQUIRE_IMPLEMENTED(rc, "net_send_all (net.c)");
	sigpending(&pending);
	cr_assert(!sigismember(&pending, SIGPIPE),
	          "net_send_all to a peer that closed raised SIGPIPE, which kills the whole "
	          "program unless it is caught: pass MSG_NOSIGNAL to send(), so the closed "
	          "connection comes back as the error EPIPE instead");
	cr_assert_eq(rc, -EPIPE,
	             "net_send_all to a peer that closed returned %d (%s): send() failed with "
	             "EPIPE, and net_send_all must return it as -EPIPE",
	             rc, strerror(-rc));
}

Test(network, net_send_all_names_an_expired_send_timeout)
{
	/* On the downloader's blocking socket an expired SO_SNDTIMEO makes
	 * send() fail with EAGAIN; a non-blocking socket that finds its buffer
	 * full gives the same errno, which the plan can make up at will. */
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	struct syscall_faults_plan plan = { .send = { .eagain_every = 2 } };
	char message[100];
	fill(message, sizeof message);
	syscall_faults_start(&plan);
	int rc = net_send_all(sv[0], message, sizeof message);
	syscall_faults_stop();
	close(sv[0]);
	close(sv[1]);
	REQUIRE_IMPLEMENTED(rc, "net_send_all (net.c)");
	cr_assert_lt(rc, 0,
	             "net_send_all returned %d for a send() that failed: an error comes back "
	             "as a negative errno (return -timeout_errno(errno)), the only way its "
	             "caller can tell it from 0, success",
	             rc);
	cr_assert_eq(rc, -ETIMEDOUT,
	             "send() failed with EAGAIN, which on the downloader's socket means its send "
	             "timeout (SO_SNDTIMEO) expired, and net_send_all returned %d (%s): pass the "
	             "errno through timeout_errno(), so the user reads \"timed out\" and not "
	             "\"resource temporarily unavailable\"",
	             rc, strerror(-rc));
}

Test(network, net_send_all_sends_everything_seven_bytes_at_a_time)
{
	struct syscall_faults_plan plan = { .send = { .max = 7 } };
	char sent[MESSAGE], received[MESSAGE + 1];
	size_t len;
	int rc = send_all_with_faults(&plan, sent, received, &len);
	cr_assert_eq(rc, 0,
	             "net_send_all returned %d (%s) when send() took only 7 bytes per call: a "
	             "short count is no error, it is how send() works when the socket's buffer or "
	             "a signal cuts a transfer short. Send the rest: advance buf and shrink len "
	             "by what each send() took, until len is 0",
	             rc, strerror(-rc));
	cr_assert_eq(len, (size_t)MESSAGE,
	             "net_send_all returned 0, but the peer got %zu of %d bytes: send() took "
	             "only 7 bytes per call (a short count, as when a signal or the socket's "
	             "buffer cuts a transfer short). Loop: advance buf and shrink len by what "
	             "each send() took, until len is 0",
	             len, MESSAGE);
	cr_assert(memcmp(sent, received, MESSAGE) == 0,
	          "net_send_all: the peer got %d bytes, but not the ones sent: after each short "
	          "send(), the "
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
	          "net_send_all: after the interrupted send(), the peer must get the %d bytes "
	          "once, in order, and it got %zu bytes%s. An interrupted send() returns -1 and "
	          "took nothing: go round again (continue) before buf or len move, since -1 "
	          "is no count of bytes",
	          MESSAGE, len, len == MESSAGE ? ", not in order" : "");
}

/* How many "first byte" events fetch_with_faults saw in its last fetch. */
static size_t first_byte_events;

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
	first_byte_events = 0;
	for (size_t i = 0; i < events.count; i++)
		first_byte_events += events.list[i].kind == EVENT_FIRST_BYTE;
	events_free(&events);
	fclose(log);
	cr_assert(strstr(result->error, "not implemented yet") == NULL,
	          "not implemented yet: a hole on the way of the download (%s)", result->error);
	return dir;
}

/* Whether the file NAME in DIR starts with PREFIX. */
static int file_starts_with(const char *dir, const char *name, const char *prefix)
{
	char path[4096], start[16] = "";
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(start, 1, sizeof start - 1, f);
	fclose(f);
	start[n] = '\0';
	return strncmp(start, prefix, strlen(prefix)) == 0;
}

Test(network, fetch_reads_a_head_that_arrives_one_byte_at_a_time)
{
	struct syscall_faults_plan plan = { .recv = { .max = 1 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/empty.bin?size=0", &plan, &result, &rc);
	cr_assert_eq(rc, 0,
	             "recv() brought one byte at a time and fetch failed: \"%s\". One recv() may "
	             "bring any part of the head, even a single byte: read_head must keep "
	             "receiving into f->buf + f->buffered until http_find_head_end() finds the "
	             "blank line that ends it",
	             result.error);
	cr_assert_gt(syscall_faults_record()->calls[FAULT_RECV], 10,
	             "recv() brings one byte per call here, yet fetch called it only %u times: "
	             "read_head must keep receiving until http_find_head_end() finds the blank "
	             "line that ends the head",
	             syscall_faults_record()->calls[FAULT_RECV]);
	cr_assert(file_matches_fixture(dir, "empty.bin", 0), "empty.bin is saved, empty");
	cr_assert_eq(first_byte_events, 1,
	             "the head came in many pieces and read_head reported %zu \"first byte\" "
	             "events: the first byte arrives once, with the first piece (f->buffered "
	             "still 0), and the timeline of the trace shows it once",
	             first_byte_events);
	temp_dir_free(dir);
}

Test(network, fetch_refuses_a_head_longer_than_the_limit)
{
	struct syscall_faults_plan plan = { 0 };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/long.bin?long_header=200000", &plan, &result, &rc);
	cr_assert_neq(rc, 0, "a head of 200000 bytes must be refused");
	cr_assert(strstr(result.error, "headers longer than") != NULL,
	          "the server sent a head longer than HTTP_HEAD_MAX and fetch failed with \"%s\": "
	          "read_head must stop once f->buffered reaches HTTP_HEAD_MAX, before f->buf "
	          "fills up and recv() is asked for 0 bytes (its 0 then looks like the server "
	          "closing)",
	          result.error);
	temp_dir_free(dir);
}

Test(network, fetch_saves_no_byte_beyond_the_content_length)
{
	/* The whole answer fits one recv(): the extra bytes come with the head. */
	struct syscall_faults_plan whole = { 0 };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/extra.bin?size=100&extra=1000", &whole, &result, &rc);
	cr_assert(rc == 0 || result.bytes != 0,
	          "the head and the whole 100-byte body came in one recv(), and fetch failed with "
	          "0 bytes saved: \"%s\". The bytes after the blank line, left at the front of "
	          "f->buf (f->buffered of them), are the body's first bytes: "
	          "read_body_by_length must save them before it receives more",
	          result.error);
	cr_assert(rc == 0 || result.bytes != 100,
	          "read_body_by_length had saved all 100 bytes the Content-Length announced, then "
	          "asked recv() for more and failed: \"%s\". The body is complete when "
	          "f->result->bytes reaches the Content-Length: stop there, do not receive again",
	          result.error);
	cr_assert_eq(rc, 0, "a server that sends more than it announced still gives the file: %s",
	             result.error);
	cr_assert_eq(result.bytes, 100,
	             "Content-Length said 100 and read_body_by_length saved %lld bytes: the "
	             "bytes that came with the head (f->buffered of them) may go beyond the "
	             "body; save at most Content-Length of them",
	             result.bytes);
	cr_assert(file_matches_fixture(dir, "extra.bin", 100), "extra.bin holds the 100 bytes served");
	temp_dir_free(dir);

	/* Pieces of 1000 bytes: the last body piece carries extra bytes too. */
	struct syscall_faults_plan pieces = { .recv = { .max = 1000 } };
	dir = fetch_with_faults("/files/extra.bin?size=5000&extra=1000", &pieces, &result, &rc);
	cr_assert_eq(rc, 0, "a server that sends more than it announced still gives the file: %s",
	             result.error);
	cr_assert_eq(result.bytes, 5000,
	             "Content-Length said 5000 and read_body_by_length saved %lld bytes: the "
	             "piece that ends the body can carry bytes beyond it; save only what is "
	             "still wanted (Content-Length minus f->result->bytes)",
	             result.bytes);
	cr_assert(file_matches_fixture(dir, "extra.bin", 5000), "extra.bin holds the 5000 bytes served");
	temp_dir_free(dir);
}

Test(network, fetch_reports_a_body_cut_short_by_the_server)
{
	struct syscall_faults_plan plan = { 0 };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/t.bin?size=4000&truncate=1000", &plan, &result, &rc);
	cr_assert_neq(
	        rc, 0,
	        "read_body_by_length: the server announced 4000 bytes and closed after %lld, and "
	        "fetch succeeded: "
	        "recv() returning 0 means the server closed, not that the body is complete. "
	        "read_body_by_length must fail while f->result->bytes is short of the "
	        "Content-Length: \"truncated body: got N of M bytes\"",
	        result.bytes);
	cr_assert(strstr(result.error, "truncated body") == NULL || result.bytes == 1000,
	          "read_body_by_length: the server sent 1000 body bytes before it closed, and "
	          "fetch saved %lld of them (\"%s\"): the first ones came in the same recv() as "
	          "the end of the head, and wait at the front of f->buf (f->buffered of them); "
	          "save them before receiving more",
	          result.bytes, result.error);
	cr_assert(strstr(result.error, "truncated body: got 1000 of 4000 bytes") != NULL,
	          "read_body_by_length: the server closed after 1000 of the 4000 bytes announced, "
	          "and fetch failed with \"%s\": recv() returning 0 is no error of recv() (errno "
	          "says nothing), it is "
	          "the server closing. read_body_by_length must say so itself: fail(f, "
	          "\"truncated body: got %%lld of %%lld bytes\", ...)",
	          result.error);
	temp_dir_free(dir);
}

Test(network, fetch_reports_a_body_broken_by_a_reset_as_a_receive_error)
{
	struct syscall_faults_plan plan = { 0 };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults("/files/r.bin?size=1000000&reset=1000", &plan, &result, &rc);
	cr_assert_neq(rc, 0, "a body cut by a connection reset must fail the download");
	cr_assert(strstr(result.error, "connection reset") != NULL,
	          "read_body_by_length: the server reset the connection in the middle of the "
	          "body, and fetch failed with \"%s\": a receive error is not the server "
	          "closing. receive_body() returns -1 after recording why (\"connection reset by "
	          "peer while reading the body\"): return -1 then, and keep \"truncated body\" "
	          "for a recv() of 0 bytes",
	          result.error);
	temp_dir_free(dir);
}

/* pieces.bin fetched with recv() bringing at most 7 bytes a call: */
/* content_length= makes the server answer in one write (fixtures/
 * README.md): head and body reach the socket together, so the recv()
 * that ends the 60-byte head always brings the body's first 3 bytes. */
#define PIECES_PATH "/files/pieces.bin?size=5000&content_length=5000"

Test(network, fetch_keeps_the_body_bytes_that_came_with_the_head)
{
	struct syscall_faults_plan plan = { .recv = { .max = 7 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults(PIECES_PATH, &plan, &result, &rc);
	cr_assert(strstr(result.error, "headers") == NULL &&
	                  strstr(result.error, "malformed") == NULL,
	          "recv() brought at most 7 bytes at a time and fetch failed while reading the "
	          "head: \"%s\". read_head must keep receiving until the blank line has arrived",
	          result.error);
	/* Short by less than one recv()'s worth: what came after the blank
	 * line, in the recv() that ended the head, was lost. */
	cr_assert(rc == 0 || result.bytes < 5000 - 7 || result.bytes == 5000,
	          "read_head: the body came out %lld bytes short, fewer than one recv() brings "
	          "(\"%s\"): the bytes that arrived after the blank line, in the same recv() as "
	          "the end of the head, are the body's first bytes, and read_head must leave "
	          "them in the buffer for the body to start with",
	          5000 - result.bytes, result.error);
	cr_assert(!file_starts_with(dir, "pieces.bin", "HTT"),
	          "pieces.bin starts with the head's first bytes (\"HTT\"): the body was saved "
	          "from the start of f->buf, where the head still is. read_head must move the "
	          "body bytes that came after the blank line to the front of f->buf (memmove) "
	          "and leave f->buffered at their count");
	temp_dir_free(dir);
}

Test(network, fetch_reads_a_body_that_arrives_in_small_pieces)
{
	struct syscall_faults_plan plan = { .recv = { .max = 7 } };
	struct fetch_result result;
	int rc;
	char *dir = fetch_with_faults(PIECES_PATH, &plan, &result, &rc);
	/* A head read wrong fails here too: say that it was the head. */
	cr_assert(strstr(result.error, "headers") == NULL &&
	                  strstr(result.error, "malformed") == NULL,
	          "recv() brought at most 7 bytes at a time and fetch failed while reading the "
	          "head, before any body: \"%s\"",
	          result.error);
	/* Short by less than one recv()'s worth: the first bytes were lost. */
	cr_assert(rc == 0 || result.bytes < 5000 - 7 || result.bytes == 5000,
	          "read_body_by_length: the body came out %lld bytes short, fewer than one recv() "
	          "brings (\"%s\"): the recv() that ended the head brought the body's first "
	          "bytes too, and "
	          "read_body_by_length must save those f->buffered bytes, left at the front of "
	          "f->buf, before it receives more",
	          5000 - result.bytes, result.error);
	cr_assert(rc == 0 || result.bytes != 5000,
	          "read_body_by_length had saved all 5000 bytes the Content-Length announced, "
	          "then asked recv() for more and failed: \"%s\". The body is complete when "
	          "f->result->bytes reaches the Content-Length: stop there, do not receive again",
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
	cr_assert(
	        file_matches_fixture(dir, "pieces.bin", 5000),
	        "pieces.bin has the 5000 bytes of the Content-Length but not the bytes served, in "
	        "order: read_body_by_length must save each piece receive_body() brings, from "
	        "f->buf, as it comes");
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
	cr_assert(rc == 0 || strstr(result.error, "sending") == NULL,
	          "net_send_all: send() was interrupted by a signal (EINTR) every other call and "
	          "fetch failed: \"%s\". EINTR says a signal arrived before send() moved a byte, "
	          "so nothing "
	          "went wrong: net_send_all must call send() again, and go on until the whole "
	          "request is sent",
	          result.error);
	cr_assert(strncmp(result.error, "HTTP 4", 6) != 0 &&
	                  strncmp(result.error, "HTTP 5", 6) != 0,
	          "net_send_all: send() was interrupted by a signal (EINTR) every other call, and "
	          "the server could not read the request: \"%s\". The request reached it "
	          "garbled: an interrupted send() returns -1 and took nothing, so buf and len "
	          "must not move (continue at once; -1 is no count of bytes)",
	          result.error);
	cr_assert_eq(rc, 0,
	             "send() and recv() were interrupted by a signal (EINTR) every other call and "
	             "fetch failed: \"%s\". EINTR says a signal arrived before the call moved a "
	             "byte: call it again",
	             result.error);
	cr_assert(file_matches_fixture(dir, "eintr.bin", 3000), "eintr.bin is saved whole");
	temp_dir_free(dir);
}
