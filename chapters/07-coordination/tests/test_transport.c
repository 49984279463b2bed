/*
 * test_transport.c - the transport (transport.h) on one end of a
 * socketpair, the test playing the peer on the other: what arrives reaches
 * data_received in order, the end reaches eof_received, pause_reading
 * stops the deliveries, and the write side calls pause_writing above its
 * high-water mark and resume_writing once drained. No clock: the loop
 * only runs when something is ready.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "transport.h"

TestSuite(transport, .timeout = 30);

/* A protocol that keeps what it is told. */
struct recorder {
	char data[4096];
	size_t len;
	int deliveries;
	int eofs;
	int losses, last_error;
	int pauses, resumes;
};

static void on_data(void *self, char *data, size_t len)
{
	struct recorder *r = self;
	cr_assert_leq(r->len + len, sizeof r->data, "the test sends little");
	memcpy(r->data + r->len, data, len);
	r->len += len;
	r->deliveries++;
}

static void on_eof(void *self)
{
	((struct recorder *)self)->eofs++;
}

static void on_lost(void *self, int error)
{
	struct recorder *r = self;
	r->losses++;
	r->last_error = error;
}

static void on_pause(void *self)
{
	((struct recorder *)self)->pauses++;
}

static void on_resume(void *self)
{
	((struct recorder *)self)->resumes++;
}

static const struct protocol recording = { on_data, on_eof, on_lost, on_pause, on_resume };

struct rig {
	struct loop *loop;
	int ours, peer;
	struct recorder seen;
	struct transport *t;
};

static void rig_start(struct rig *r)
{
	memset(r, 0, sizeof *r);
	int fds[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0, "a socketpair");
	for (int i = 0; i < 2; i++)
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	r->ours = fds[0];
	r->peer = fds[1];
	r->loop = loop_new();
	cr_assert_not_null(r->loop, "a loop");
	int error = 0;
	r->t = transport_new(r->loop, r->ours, &recording, &r->seen, &error);
	cr_assert_not_null(r->t, "the transport starts (error %d)", error);
}

static void rig_stop(struct rig *r)
{
	transport_free(r->t);
	close(r->ours);
	close(r->peer);
	loop_free(r->loop);
}

static void peer_sends(struct rig *r, const char *text)
{
	cr_assert_eq(write(r->peer, text, strlen(text)), (ssize_t)strlen(text), "the peer sends");
}

Test(transport, what_arrives_reaches_the_protocol_in_order_then_the_end)
{
	struct rig r;
	rig_start(&r);
	cr_assert(transport_is_reading(r.t), "a new transport reads");
	peer_sends(&r, "hello, ");
	loop_run_once(r.loop);
	peer_sends(&r, "world");
	loop_run_once(r.loop);
	cr_assert_eq(r.seen.len, 12, "every byte arrived (%zu)", r.seen.len);
	cr_assert_eq(memcmp(r.seen.data, "hello, world", 12), 0, "in order");
	shutdown(r.peer, SHUT_WR);
	loop_run_once(r.loop);
	cr_assert_eq(r.seen.eofs, 1, "the end is reported once");
	cr_assert_not(transport_is_reading(r.t), "and reading stops there");
	cr_assert_eq(r.seen.losses, 0, "an end is not a loss");
	rig_stop(&r);
}

Test(transport, paused_reading_delivers_nothing_until_resumed)
{
	struct rig r;
	rig_start(&r);
	cr_assert_eq(transport_pause_reading(r.t), 0, "pausing works");
	peer_sends(&r, "later");
	/* Nothing else is watched: an iteration returns at once. */
	for (int i = 0; i < 3; i++)
		loop_run_once(r.loop);
	cr_assert_eq(r.seen.deliveries, 0, "nothing is delivered while paused");
	cr_assert_eq(transport_resume_reading(r.t), 0, "resuming works");
	cr_assert_eq(transport_resume_reading(r.t), 0, "resuming twice is a no-op");
	loop_run_once(r.loop);
	cr_assert_eq(r.seen.len, 5, "what waited in the socket arrives (%zu)", r.seen.len);
	rig_stop(&r);
}

/* Read everything the peer has been sent, checking the pattern. */
static size_t peer_drains(struct rig *r, size_t *offset)
{
	char buf[65536];
	size_t total = 0;
	ssize_t n;
	while ((n = read(r->peer, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			cr_assert_eq(buf[i], (char)((*offset + (size_t)i) % 251),
			             "byte %zu arrives intact, in order", *offset + (size_t)i);
		*offset += (size_t)n;
		total += (size_t)n;
	}
	return total;
}

Test(transport, writes_past_the_high_water_mark_pause_the_protocol_until_drained)
{
	struct rig r;
	rig_start(&r);
	transport_pause_reading(r.t); /* only the writing side here */
	size_t len = 4 * 1024 * 1024; /* far more than a socketpair holds */
	char *data = malloc(len);
	cr_assert_not_null(data, "memory for the test");
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i % 251);
	cr_assert_eq(transport_write(r.t, data, len), 0, "the write is taken");
	free(data); /* the transport keeps its own copy of what waits */
	cr_assert_gt(transport_write_buffer_size(r.t), TRANSPORT_WRITE_HIGH,
	             "most of it waits in the transport");
	cr_assert_eq(r.seen.pauses, 1, "the protocol is told to pause writing, once");
	size_t received = 0;
	for (int i = 0; i < 100000 && received < len; i++) {
		peer_drains(&r, &received);
		loop_run_once(r.loop);
	}
	peer_drains(&r, &received);
	cr_assert_eq(received, len, "every byte reached the peer (%zu of %zu)", received, len);
	cr_assert_eq(transport_write_buffer_size(r.t), 0, "nothing waits any more");
	cr_assert_eq(r.seen.resumes, 1, "the protocol is told to resume, once");
	rig_stop(&r);
}

Test(transport, a_write_to_a_closed_peer_loses_the_connection)
{
	struct rig r;
	rig_start(&r);
	close(r.peer);
	r.peer = open("/dev/null", O_RDONLY); /* rig_stop closes it */
	int rc = transport_write(r.t, "x", 1);
	cr_assert_eq(rc, -EPIPE, "the write fails with EPIPE (%d)", rc);
	cr_assert_eq(r.seen.losses, 1, "connection_lost is called once");
	cr_assert_eq(r.seen.last_error, -EPIPE, "with the error");
	cr_assert_not(transport_is_reading(r.t), "and reading stops");
	cr_assert_eq(transport_write(r.t, "x", 1), -EPIPE, "later writes fail at once");
	cr_assert_eq(r.seen.losses, 1, "without a second connection_lost");
	rig_stop(&r);
}
