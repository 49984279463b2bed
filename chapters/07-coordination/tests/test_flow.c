/*
 * test_flow.c - flow control from the socket to the disk: the body
 * protocol (body_protocol.h) on a transport (transport.h).
 *
 * The network is one end of a socketpair, fed from the loop as fast as
 * the kernel takes it. The disk is a writer of the test's own that does
 * nothing until the test says so: a disk slowed on purpose, deterministic,
 * with no clock involved. The slow disk writes only while reading is
 * paused, so a protocol that never pauses never finishes; the test then
 * checks what flow control promises: reading paused and resumed, never
 * more than BODY_HIGH_WATER bytes held, every byte on "disk" in order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "body_protocol.h"
#include "future.h"
#include "loop.h"
#include "outfile.h"
#include "response.h"
#include "transport.h"

TestSuite(flow, .timeout = 60);

#define BODY_SIZE      (40L * 1024 * 1024) /* five times the high-water mark */
#define MAX_ITERATIONS 200000              /* far more than any run needs */

/* The byte at OFFSET of the body: a pattern whose period (251, a prime)
 * does not divide any buffer size, so a piece written twice, lost or out
 * of order shows. */
static char body_byte(long offset)
{
	return (char)(offset % 251);
}

/* The network: the server's end of the socketpair, and how much of the
 * body it has sent. */
struct server {
	struct loop *loop;
	int fd;
	long sent;
};

static void on_server_writable(void *arg)
{
	struct server *s = arg;
	char chunk[64 * 1024];
	size_t len = sizeof chunk;
	if ((long)len > BODY_SIZE - s->sent)
		len = (size_t)(BODY_SIZE - s->sent);
	for (size_t i = 0; i < len; i++)
		chunk[i] = body_byte(s->sent + (long)i);
	ssize_t n = write(s->fd, chunk, len);
	if (n > 0)
		s->sent += n;
	if (s->sent == BODY_SIZE)
		loop_remove_writer(s->loop, s->fd);
}

/* The disk: the writes handed over and not completed yet, oldest first,
 * and what it has written so far. */
struct disk {
	struct future *queue[8];
	char *bufs[8];
	size_t lens[8];
	int queued;
	int writes;      /* completed */
	long written;    /* bytes, checked against the pattern */
	bool in_order;   /* every byte so far is the one expected */
	int fail_with;   /* complete the next write with this error (0: none) */
	size_t smallest; /* the smallest write but the last */
	size_t last;     /* the size of the latest write */
};

static struct future *slow_write(void *ctx, struct loop *loop, int fd, char *buf, size_t len)
{
	struct disk *d = ctx;
	(void)fd;
	cr_assert_lt(d->queued, 8, "one write in flight at a time, not %d", d->queued + 1);
	struct future *f = future_new(loop);
	d->queue[d->queued] = future_retain(f);
	d->bufs[d->queued] = buf;
	d->lens[d->queued] = len;
	d->queued++;
	return f;
}

/* The disk writes the oldest write it holds. */
static void disk_complete_one(struct disk *d)
{
	if (d->queued == 0)
		return;
	for (size_t i = 0; i < d->lens[0]; i++)
		if (d->bufs[0][i] != body_byte(d->written + (long)i))
			d->in_order = false;
	d->written += (long)d->lens[0];
	if (d->writes > 0 && d->last < d->smallest)
		d->smallest = d->last;
	d->last = d->lens[0];
	d->writes++;
	if (d->fail_with)
		future_set_exception(d->queue[0], d->fail_with, "disk full");
	else
		future_set_result(d->queue[0], NULL, NULL);
	future_free(d->queue[0]);
	free(d->bufs[0]);
	d->queued--;
	memmove(d->queue, d->queue + 1, (size_t)d->queued * sizeof d->queue[0]);
	memmove(d->bufs, d->bufs + 1, (size_t)d->queued * sizeof d->bufs[0]);
	memmove(d->lens, d->lens + 1, (size_t)d->queued * sizeof d->lens[0]);
}

/* Everything one test needs: a loop, the socketpair, a parser that has
 * seen the head of a 200 with a Content-Length of BODY_SIZE. */
struct rig {
	struct loop *loop;
	int fds[2];
	struct server server;
	struct response_parser parser;
	struct outfile file;
	struct disk disk;
	struct body_sink sink;
	struct body_protocol *bp;
};

static void rig_start(struct rig *r)
{
	memset(r, 0, sizeof *r);
	r->loop = loop_new();
	cr_assert_not_null(r->loop, "a loop");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, r->fds), 0, "a socketpair");
	for (int i = 0; i < 2; i++)
		fcntl(r->fds[i], F_SETFL, fcntl(r->fds[i], F_GETFL) | O_NONBLOCK);
	r->server = (struct server){ r->loop, r->fds[1], 0 };
	cr_assert_eq(loop_add_writer(r->loop, r->fds[1], on_server_writable, &r->server), 0,
	             "the server can be watched");
	response_init(&r->parser);
	char head[128];
	int len = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %ld\r\n\r\n",
	                   BODY_SIZE);
	cr_assert_eq(response_feed(&r->parser, head, (size_t)len), 0, "no body bytes in the head");
	cr_assert_eq(r->parser.state, RESPONSE_BODY, "the head is parsed");
	r->file.fd = -1; /* the test's disk does not use it */
	r->disk.in_order = true;
	r->disk.smallest = (size_t)-1;
	r->sink =
	        (struct body_sink){ .file = &r->file, .write_async = slow_write, .ctx = &r->disk };
	int error = 0;
	r->bp = body_protocol_start(r->loop, r->fds[0], &r->parser, &r->sink, 30.0, NULL, 0,
	                            &error);
	cr_assert_not_null(r->bp, "the protocol starts (error %d)", error);
}

static void rig_stop(struct rig *r)
{
	body_protocol_free(r->bp);
	while (r->disk.queued > 0)
		disk_complete_one(&r->disk);
	loop_remove_writer(r->loop, r->fds[1]);
	/* Let the done-callbacks of the last writes run. */
	for (int i = 0; i < 3; i++)
		loop_run_once(r->loop);
	close(r->fds[0]);
	close(r->fds[1]);
	loop_free(r->loop);
}

static bool reading_paused(const struct rig *r)
{
	struct body_stats s = body_protocol_stats(r->bp);
	return s.pauses > s.resumes;
}

/* Run the loop until the body is done. Before each iteration the disk
 * writes once if SLOW says it may: when reading is paused, or once the
 * whole body has arrived; a fast disk writes every time. Returns the
 * iterations it took; MAX_ITERATIONS means it never finished. */
static int run(struct rig *r, bool slow)
{
	struct future *done = body_protocol_done(r->bp);
	int i = 0;
	for (; i < MAX_ITERATIONS && !future_done(done); i++) {
		bool all_in = body_protocol_stats(r->bp).bytes == BODY_SIZE;
		if (!slow || reading_paused(r) || all_in)
			disk_complete_one(&r->disk);
		cr_assert_geq(loop_run_once(r->loop), 0, "the loop runs");
	}
	return i;
}

Test(flow, a_slow_disk_pauses_reading_and_memory_stays_bounded)
{
	struct rig r;
	rig_start(&r);
	int iterations = run(&r, true);
	struct body_stats s = body_protocol_stats(r.bp);
	cr_assert_lt(iterations, MAX_ITERATIONS,
	             "the download ends although the disk writes only while reading is paused "
	             "(%d pauses, %lld bytes in)",
	             s.pauses, s.bytes);
	void *unused;
	cr_assert_eq(future_result(body_protocol_done(r.bp), &unused), 0, "the body is saved");
	cr_assert_geq(s.pauses, 4, "reading paused again and again for the slow disk (%d times)",
	              s.pauses);
	/* Between a resume (at most the low-water mark held) and the next
	 * pause (more than the high-water mark less one read), only reading
	 * adds: each round lets that gap in, so rounds are few. Resuming too
	 * early would pause again after every write. */
	long gap = BODY_HIGH_WATER - BODY_LOW_WATER - TRANSPORT_READ_SIZE;
	cr_assert_leq(s.pauses, BODY_SIZE / gap + 1,
	              "reading resumes only at the low-water mark: %d pauses for %ld bytes",
	              s.pauses, BODY_SIZE);
	cr_assert_eq(s.resumes, s.pauses, "every pause was followed by a resume (%d, %d)", s.pauses,
	             s.resumes);
	cr_assert_leq(s.max_buffered, (size_t)BODY_HIGH_WATER,
	              "never more than the high-water mark held: %zu > %d", s.max_buffered,
	              BODY_HIGH_WATER);
	cr_assert_eq(r.disk.written, BODY_SIZE, "every byte reached the disk (%ld)",
	             r.disk.written);
	cr_assert(r.disk.in_order, "every byte reached the disk once, in order");
	cr_assert_geq(r.disk.smallest, (size_t)BODY_WRITE_MIN,
	              "the disk gets large writes (the smallest but the last: %zu)",
	              r.disk.smallest);
	rig_stop(&r);
}

Test(flow, a_disk_that_keeps_up_never_pauses_reading)
{
	struct rig r;
	rig_start(&r);
	int iterations = run(&r, false);
	struct body_stats s = body_protocol_stats(r.bp);
	cr_assert_lt(iterations, MAX_ITERATIONS, "the download ends");
	cr_assert_eq(s.pauses, 0, "reading never paused (%d pauses)", s.pauses);
	cr_assert_eq(r.disk.written, BODY_SIZE, "every byte reached the disk (%ld)",
	             r.disk.written);
	cr_assert(r.disk.in_order, "every byte reached the disk once, in order");
	cr_assert_lt(s.max_buffered, (size_t)BODY_HIGH_WATER / 2,
	             "a disk that keeps up leaves little buffered (%zu)", s.max_buffered);
	rig_stop(&r);
}

Test(flow, a_write_error_ends_the_body_with_the_disk_s_error)
{
	struct rig r;
	rig_start(&r);
	r.disk.fail_with = -ENOSPC;
	run(&r, true);
	struct future *done = body_protocol_done(r.bp);
	cr_assert(future_done(done), "the body ends at the first failed write");
	void *unused;
	cr_assert_eq(future_result(done, &unused), -ENOSPC, "with the disk's error");
	cr_assert(body_protocol_stats(r.bp).write_failed, "and says the disk failed");
	cr_assert_eq(r.disk.writes, 1, "no write is started after a failed one (%d)",
	             r.disk.writes);
	rig_stop(&r);
}
