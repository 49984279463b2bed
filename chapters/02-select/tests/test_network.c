/*
 * test_network.c - the two lessons of this chapter that loopback hides.
 *
 * On loopback a connect() is over in microseconds and a 150-byte request
 * always leaves in one send(), so a socket left blocking, or a
 * send_request that assumes one send() took everything, passes every
 * other test. Here the network calls misbehave as a real network makes
 * them (fixtures/syscall_faults.h): connect() answers EINPROGRESS, send()
 * takes 7 bytes at a time or says EAGAIN, recv() brings one byte, a signal
 * interrupts a call. The downloads run on the engine in this process, so
 * that the wrapped calls are the chapter's own.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "fetch.h"
#include "http.h"
#include "loop.h"
#include "net.h"
#include "syscall_faults.h"
#include "testkit.h"
#include "trace.h"
#include "trace_probe.h"
#include "url.h"

TestSuite(network, .init = testkit_start_fixture, .fini = testkit_stop_fixture, .timeout = 30);

/* Long enough for a loaded machine, short enough that a request stuck
 * half-sent fails the test in a second. */
#define IDLE_TIMEOUT_S 1.0

struct outcome {
	int calls;
	int rc;
	char error[FETCH_ERROR_MAX];
};

static void record(void *arg, int id, int rc, const struct fetch_result *result)
{
	(void)id;
	struct outcome *o = arg;
	o->calls++;
	o->rc = rc;
	snprintf(o->error, sizeof o->error, "%s", result->error);
}

static int open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert(d != NULL, "cannot list /proc/self/fd");
	int count = 0;
	while (readdir(d))
		count++;
	closedir(d);
	return count;
}

/* Download URL into DIR on a loop of its own while PLAN is in force, and
 * fill O. The record of the calls stays readable afterwards. */
static void download_with_faults(const char *url, const char *dir,
                                 const struct syscall_faults_plan *plan, struct outcome *o)
{
	FILE *log = fopen("/dev/null", "w");
	cr_assert(log != NULL, "open /dev/null for the event lines");
	struct events events;
	events_init(&events, log);
	struct fetch_options options = { dir, IDLE_TIMEOUT_S };
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	memset(o, 0, sizeof *o);

	syscall_faults_start(plan);
	struct fetch *f = fetch_start(loop, url, &options, &events, 0, record, o);
	int rc = loop_run(loop);
	syscall_faults_stop();

	if (rc < 0)
		fetch_abort(f, rc, "running the event loop");
	fetch_free(f);
	loop_free(loop);
	events_free(&events);
	fclose(log);
	REQUIRE_IMPLEMENTED(rc, "the loop's phases (loop.c)");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	cr_assert_eq(o->calls, 1, "DONE is called exactly once");
	cr_assert(strstr(o->error, "not implemented yet") == NULL,
	          "not implemented yet: a hole on the way of the download (%s)", o->error);
}

/* How long the request for URL is: what must go out, byte for byte. */
static size_t request_length(const char *url)
{
	struct url where;
	const char *why;
	cr_assert_eq(url_parse(url, &where, &why), 0, "parse %s", url);
	char request[URL_MAX + 512];
	int len = http_format_request(request, sizeof request, &where);
	cr_assert(len > 0, "format the request for %s", url);
	return (size_t)len;
}

Test(network, connect_does_not_wait_for_the_server)
{
	const char *url = testkit_url("/files/nb.bin?size=500");
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .connect_in_progress = true };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	const struct syscall_faults_record *seen = syscall_faults_record();
	cr_assert_geq(seen->calls[FAULT_CONNECT], 1, "the download calls connect()");
	cr_assert_eq(seen->waits[FAULT_CONNECT], 0,
	             "net_connect_start: connect() ran on a blocking socket. On a real network the "
	             "handshake "
	             "takes a round trip, and a blocking connect() stops the whole loop, every "
	             "other download with it, until the server answers. net_connect_start must "
	             "add O_NONBLOCK to the socket's flags (fcntl F_GETFL, then F_SETFL) before "
	             "it calls connect(); see \"Sockets that never wait\" in README.md");
	cr_assert_eq(o.rc, 0,
	             "connect() answered EINPROGRESS, as it does across a real network, and the "
	             "download failed: \"%s\". On a non-blocking socket EINPROGRESS means \"the "
	             "answer comes later\": net_connect_start keeps the socket, stores it in *FD "
	             "and returns -EINPROGRESS",
	             o.error);
	cr_assert(file_matches_fixture(dir, "nb.bin", 500), "nb.bin is saved whole");
	temp_dir_free(dir);
}

Test(network, a_connect_under_way_is_reported_as_einprogress)
{
	struct url where;
	const char *why;
	cr_assert_eq(url_parse(testkit_url("/"), &where, &why), 0, "parse the fixture's URL");
	struct addrinfo *addrs;
	cr_assert_eq(net_resolve(where.host, where.port, &addrs), 0, "resolve the fixture");
	struct syscall_faults_plan plan = { .connect_in_progress = true };
	int fd = -1;
	syscall_faults_start(&plan);
	int rc = net_connect_start(addrs, &fd);
	syscall_faults_stop();
	freeaddrinfo(addrs);
	REQUIRE_IMPLEMENTED(rc, "net_connect_start");
	cr_assert_eq(rc, -EINPROGRESS,
	             "net_connect_start: connect() answered EINPROGRESS, and net_connect_start "
	             "returned %d (%s): the connection is under way, not made, and the caller "
	             "must learn that its verdict is still to come (net_connect_result, once "
	             "the socket is writable): return -EINPROGRESS, keeping the socket in *FD",
	             rc, rc ? strerror(-rc) : "success");
	cr_assert_geq(fd, 0, "net_connect_start: *FD holds the socket of the connection under way");
	close(fd);
}

Test(network, a_connect_that_fails_after_einprogress_is_reported_and_closed)
{
	const char *url = testkit_url("/files/late.bin?size=500");
	char *dir = temp_dir_new();
	int before = open_descriptors();
	struct syscall_faults_plan plan = { .connect_error = EHOSTUNREACH };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	cr_assert_eq(o.rc, -1, "a handshake that fails after EINPROGRESS fails the download");
	cr_assert(strstr(o.error, "no route to host while connecting") != NULL,
	          "the verdict of a connect() that went on in the background is read from "
	          "SO_ERROR once the socket turns writable (net_connect_result); the download "
	          "should fail with \"no route to host while connecting\", got \"%s\"",
	          o.error);
	cr_assert_eq(open_descriptors(), before, "the failed socket is closed");
	temp_dir_free(dir);
}

Test(network, a_request_sent_seven_bytes_at_a_time_arrives_whole)
{
	const char *url = testkit_url("/files/short-writes.bin?size=2000");
	size_t want = request_length(url);
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .send = { .max = 7 } };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	const struct syscall_faults_record *seen = syscall_faults_record();
	cr_assert_leq(seen->bytes_sent, want,
	              "send_request: %zu bytes went out for a request of %zu: each net_send() "
	              "must be offered only what is still to go, the f->request_len - f->sent "
	              "bytes from f->request + f->sent (send() does not stop at the end of the "
	              "request by itself)",
	              seen->bytes_sent, want);
	cr_assert_eq(seen->bytes_sent, want,
	             "only %zu of the request's %zu bytes went out: send() took at most 7 bytes "
	             "per call, as it may when the socket's buffer is nearly full (a short "
	             "write). send_request must add what each net_send() took to f->sent and "
	             "carry on from f->request + f->sent until all f->request_len bytes have "
	             "gone; the download said \"%s\"",
	             seen->bytes_sent, want, o.error);
	cr_assert_eq(o.rc, 0, "the request went out whole, yet the download failed: %s", o.error);
	cr_assert(file_matches_fixture(dir, "short-writes.bin", 2000),
	          "short-writes.bin is saved whole");
	temp_dir_free(dir);
}

/* What a download that met EAGAIN and gave up says. */
#define EAGAIN_AS_AN_ERROR "resource temporarily unavailable"

Test(network, a_full_send_buffer_means_wait_not_failure)
{
	const char *url = testkit_url("/files/eagain.bin?size=2000");
	size_t want = request_length(url);
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .send = { .eagain_every = 2 } };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	const struct syscall_faults_record *seen = syscall_faults_record();
	cr_assert_eq(seen->waits[FAULT_SEND], 0,
	             "send() ran on a blocking socket, which waits when its buffer is full "
	             "instead of answering EAGAIN, and stops the whole loop meanwhile: "
	             "net_connect_start must make the socket non-blocking (O_NONBLOCK)");
	cr_assert(strstr(o.error, "while connecting") == NULL,
	          "net_connect_start: nothing was planned to fail connect(), and the download "
	          "failed while connecting: \"%s\". On a non-blocking socket connect() may "
	          "answer EINPROGRESS, which is no failure: it means the handshake goes on in the "
	          "background: "
	          "net_connect_start keeps the socket, stores it in *FD and returns -EINPROGRESS; "
	          "the loop learns the outcome when the socket turns writable",
	          o.error);
	cr_assert_gt(seen->injected, 0,
	             "no send() ran, so the plan could not make one answer EAGAIN; the download "
	             "said \"%s\"",
	             o.error);
	cr_assert_eq(o.rc, 0,
	             "send_request: send() answered EAGAIN every other call (the socket's send "
	             "buffer was "
	             "full) and the download failed: \"%s\". On a non-blocking socket EAGAIN "
	             "means \"not now\", not an error: send_request must return STEP_WAIT and "
	             "carry on when the loop calls it again on a writable socket",
	             o.error);
	cr_assert_eq(seen->bytes_sent, want, "the request went out once: %zu bytes, not %zu", want,
	             seen->bytes_sent);
	cr_assert(file_matches_fixture(dir, "eagain.bin", 2000), "eagain.bin is saved whole");
	temp_dir_free(dir);
}

/* How many times NAME occurs as an event name in the trace TEXT. */
static int count_events(const char *text, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\"name\":\"%s\"", name);
	int count = 0;
	size_t skip = strlen(key);
	const char *at = text;
	while ((at = strstr(at, key)) != NULL) {
		count++;
		at += skip;
	}
	return count;
}

Test(network, a_full_send_buffer_returns_to_the_loop)
{
	const char *url = testkit_url("/files/spin.bin?size=500");
	size_t want = request_length(url);
	char *dir = temp_dir_new();
	/* 7 bytes per send(), and every other send() finds the buffer full. */
	struct syscall_faults_plan plan = { .send = { .max = 7, .eagain_every = 2 } };
	struct outcome o;
	trace_start();
	download_with_faults(url, dir, &plan, &o);
	char *text = trace_text();
	trace_stop();
	int iterations = count_events(text, "iteration");
	free(text);
	const struct syscall_faults_record *seen = syscall_faults_record();
	unsigned full = seen->calls[FAULT_SEND] / 2;
	cr_assert(strstr(o.error, "while connecting") == NULL,
	          "net_connect_start: nothing was planned to fail connect(), and the download "
	          "failed while connecting: \"%s\". On a non-blocking socket connect() may "
	          "answer EINPROGRESS, which is no failure: it means the handshake goes on in the "
	          "background: "
	          "net_connect_start keeps the socket, stores it in *FD and returns -EINPROGRESS",
	          o.error);
	cr_assert(strstr(o.error, EAGAIN_AS_AN_ERROR) == NULL,
	          "send_request: send() answered EAGAIN (a full send buffer) and the download "
	          "failed: \"%s\". "
	          "EAGAIN means \"not now\": send_request must return STEP_WAIT",
	          o.error);
	cr_assert_leq(seen->bytes_sent, want,
	              "send_request: %zu bytes went out for a request of %zu: each net_send() "
	              "must be offered only what is still to go, the f->request_len - f->sent "
	              "bytes from f->request + f->sent (send() does not stop at the end of the "
	              "request by itself)",
	              seen->bytes_sent, want);
	cr_assert_eq(
	        seen->bytes_sent, want,
	        "send_request: %zu bytes went out for a request of %zu: send() took 7 bytes per "
	        "call and answered EAGAIN every other call, and neither ends the request. "
	        "send_request must add to f->sent what each net_send() took, and only that "
	        "(-EAGAIN is no count of bytes: look at it before adding), and go on until "
	        "all f->request_len bytes have gone (the download said \"%s\")",
	        seen->bytes_sent, want, o.error);
	cr_assert(o.rc == 0 || strstr(o.error, "waiting for the headers") == NULL,
	          "send_request: the request's %zu bytes went out, yet the server never answered "
	          "(\"%s\"): "
	          "it did not receive the request in order. send_request must carry on from "
	          "f->request + f->sent, where the last send() stopped, not from the start",
	          want, o.error);
	cr_assert_eq(o.rc, 0, "the download succeeds: %s", o.error);
	cr_assert_geq(iterations, (int)full,
	              "send() found the buffer full %u times, yet the loop made only %d "
	              "iterations: send_request called send() again at once instead of returning "
	              "STEP_WAIT. A full buffer empties only when the network takes the bytes, so "
	              "trying again spins the processor, and no other download runs meanwhile",
	              full, iterations);
	cr_assert(file_matches_fixture(dir, "spin.bin", 500), "spin.bin is saved whole");
	temp_dir_free(dir);
}

Test(network, a_connect_that_fails_at_once_leaves_nothing_open)
{
	struct sockaddr_in nowhere = { .sin_family = AF_INET };
	/* An address one byte too short: connect() refuses it at once (EINVAL). */
	struct addrinfo ai = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
		               .ai_addr = (struct sockaddr *)&nowhere,
		               .ai_addrlen = sizeof nowhere - 1 };
	int before = open_descriptors();
	int fd = -1;
	int rc = net_connect_start(&ai, &fd);
	REQUIRE_IMPLEMENTED(rc, "net_connect_start (net.c)");
	cr_assert(rc < 0 && rc != -EINPROGRESS,
	          "connect() refused the address at once, and net_connect_start returned %d: "
	          "it must return the error, negative", rc);
	cr_assert_eq(open_descriptors(), before,
	             "connect() failed at once and net_connect_start returned %d (%s), but left "
	             "its socket open: nobody else knows that descriptor, so it leaks. On any "
	             "failure but -EINPROGRESS, close the socket before returning",
	             rc, strerror(-rc));
}

Test(network, a_request_paused_halfway_resumes_where_it_stopped)
{
	const char *url = testkit_url("/files/resume.bin?size=2000");
	size_t want = request_length(url);
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .send = { .max = 7, .eagain_every = 2 } };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	const struct syscall_faults_record *seen = syscall_faults_record();
	cr_assert(strstr(o.error, EAGAIN_AS_AN_ERROR) == NULL,
	          "send_request: send() answered EAGAIN (a full send buffer) and the download "
	          "failed: \"%s\". "
	          "EAGAIN means \"not now\": send_request must return STEP_WAIT",
	          o.error);
	cr_assert_eq(seen->bytes_sent, want,
	             "%zu bytes went out for a request of %zu: send() took 7 bytes per call and "
	             "said EAGAIN in between, so the request went out over many calls of "
	             "send_request. Between two calls, f->sent is the only memory of what has "
	             "gone: each call must carry on from f->request + f->sent, and add what "
	             "each net_send() took; the download said \"%s\"",
	             seen->bytes_sent, want, o.error);
	cr_assert_eq(o.rc, 0, "the request went out whole, yet the download failed: %s", o.error);
	cr_assert(file_matches_fixture(dir, "resume.bin", 2000), "resume.bin is saved whole");
	temp_dir_free(dir);
}

Test(network, a_response_read_one_byte_at_a_time_is_saved_whole)
{
	const char *url = testkit_url("/files/drip.bin?size=3000");
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .recv = { .max = 1, .eagain_every = 3 } };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	cr_assert_eq(o.rc, 0,
	             "recv() brought one byte at a time, and EAGAIN in between, and the download "
	             "failed: \"%s\". The head arrives in pieces that end anywhere, even inside "
	             "its closing CRLFCRLF: feed_head must keep what came before and look for the "
	             "blank line again across the pieces",
	             o.error);
	cr_assert(file_matches_fixture(dir, "drip.bin", 3000), "drip.bin is saved whole");
	temp_dir_free(dir);
}

Test(network, calls_interrupted_by_a_signal_are_retried)
{
	const char *url = testkit_url("/files/eintr.bin?size=2000");
	char *dir = temp_dir_new();
	struct syscall_faults_plan plan = { .send = { .eintr_every = 2 },
		                            .recv = { .max = 100, .eintr_every = 2 } };
	struct outcome o;
	download_with_faults(url, dir, &plan, &o);
	cr_assert_gt(syscall_faults_record()->injected, 0, "the plan interrupted some calls");
	cr_assert_eq(o.rc, 0,
	             "send() and recv() were interrupted by a signal (EINTR) every other call, "
	             "and the download failed: \"%s\". EINTR says a signal arrived before the "
	             "call moved a byte: call it again (net_send and net_recv do)",
	             o.error);
	cr_assert(file_matches_fixture(dir, "eintr.bin", 2000), "eintr.bin is saved whole");
	temp_dir_free(dir);
}
