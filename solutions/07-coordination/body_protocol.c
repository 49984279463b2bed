/*
 * body_protocol.c - the downloader's body path as a protocol, with flow
 * control from the socket to the disk. See body_protocol.h.
 *
 * Mirrors: aiohttp's ResponseHandler.data_received (client_proto.py),
 * feeding its parser, and its pause_reading/resume_reading pair, called
 * by the payload stream when its buffer crosses the high-water mark.
 */
#include "body_protocol.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "handle.h"
#include "loop.h"
#include "outfile.h"
#include "progress.h"
#include "response.h"
#include "transport.h"

/* A write handed to the writer. It outlives the protocol when the
 * download stops meanwhile: its done-callback may already be scheduled,
 * so the protocol only lets go of it (owner = NULL) and the callback
 * frees it. */
struct write_ticket {
	struct body_protocol *owner;
	struct future *future;
};

struct body_protocol {
	struct loop *loop;
	int fd;
	struct response_parser *parser;
	const struct body_sink *sink;
	struct transport *transport;
	struct future *done;
	char *pending; /* collected for the writer, not handed over yet */
	size_t pending_len;
	size_t pending_cap;
	struct write_ticket *in_flight; /* the write the thread is doing, or NULL */
	size_t in_flight_len;
	double timeout_s;
	double last_heard; /* loop_time() when the network last delivered */
	struct handle *timer;
	struct body_stats stats;
};

static size_t buffered(const struct body_protocol *bp)
{
	return bp->pending_len + bp->in_flight_len;
}

static void finish(struct body_protocol *bp, int error, const char *message)
{
	if (future_done(bp->done))
		return;
	if (bp->transport)
		transport_pause_reading(bp->transport);
	if (error < 0)
		future_set_exception(bp->done, error, message ? message : strerror(-error));
	else
		future_set_result(bp->done, NULL, NULL);
}

static bool body_over(const struct body_protocol *bp)
{
	return bp->parser->state != RESPONSE_BODY || bp->stats.eof;
}

static void on_written(struct future *future, void *arg);

/* Hand everything collected to the writer: one write in flight at a time,
 * so the pieces reach the file in order. */
static void hand_over(struct body_protocol *bp)
{
	struct write_ticket *ticket = malloc(sizeof *ticket);
	char *buf = bp->pending;
	size_t len = bp->pending_len;
	bp->pending = NULL;
	bp->pending_len = bp->pending_cap = 0;
	struct future *future = ticket ? bp->sink->write_async(bp->sink->ctx, bp->loop,
	                                                       bp->sink->file->fd, buf, len)
	                               : (free(buf), NULL);
	if (!future || future_add_done_callback(future, on_written, ticket) < 0) {
		future_free(future);
		free(ticket);
		finish(bp, -ENOMEM, "out of memory");
		return;
	}
	*ticket = (struct write_ticket){ bp, future };
	bp->in_flight = ticket;
	bp->in_flight_len = len;
}

/*
 * Flow control, after anything that changed what is buffered. Reading goes
 * on only while one more full read fits under the high-water mark, so the
 * mark is never crossed; it resumes once the writer has brought the buffer
 * down to the low-water mark (the gap between the two keeps it from
 * flapping at every write).
 */
static void regulate(struct body_protocol *bp)
{
	if (!bp->transport || future_done(bp->done) || body_over(bp))
		return;
	bool reading = transport_is_reading(bp->transport);
	if (reading && buffered(bp) + TRANSPORT_READ_SIZE > BODY_HIGH_WATER) {
		transport_pause_reading(bp->transport);
		bp->stats.pauses++;
	} else if (!reading && buffered(bp) <= BODY_LOW_WATER) {
		int rc = transport_resume_reading(bp->transport);
		if (rc < 0)
			finish(bp, rc, "cannot watch the connection");
		else
			bp->stats.resumes++;
	}
}

/* What to do next on the writing side: hand over what was collected when
 * there is enough (or the body is over), and say when all is written. */
static void write_next(struct body_protocol *bp)
{
	if (future_done(bp->done) || bp->in_flight)
		return;
	bool enough = bp->pending_len >= BODY_WRITE_MIN || (body_over(bp) && bp->pending_len > 0);
	if (bp->sink->write_async && enough) /* inline writes collect nothing */
		hand_over(bp);
	if (!bp->in_flight && body_over(bp))
		finish(bp, 0, NULL);
}

static void on_written(struct future *future, void *arg)
{
	struct write_ticket *ticket = arg;
	struct body_protocol *bp = ticket->owner;
	void *unused;
	int rc = future_result(future, &unused);
	future_free(ticket->future);
	free(ticket);
	if (!bp)
		return; /* the download stopped meanwhile */
	bp->in_flight = NULL;
	bp->in_flight_len = 0;
	if (rc < 0) {
		bp->stats.write_failed = true;
		finish(bp, rc, "cannot write the file");
		return;
	}
	write_next(bp);
	regulate(bp);
}

/* Keep LEN body bytes for the writer. */
static int collect(struct body_protocol *bp, const char *data, size_t len)
{
	if (bp->pending_len + len > bp->pending_cap) {
		size_t cap = bp->pending_cap ? bp->pending_cap : BODY_WRITE_MIN;
		while (cap < bp->pending_len + len)
			cap *= 2;
		char *pending = realloc(bp->pending, cap);
		if (!pending)
			return -ENOMEM;
		bp->pending = pending;
		bp->pending_cap = cap;
	}
	memcpy(bp->pending + bp->pending_len, data, len);
	bp->pending_len += len;
	return 0;
}

/* LEN body bytes, decoded: to the file now, or to the writer later. */
static void save(struct body_protocol *bp, const char *body, size_t len)
{
	int rc = 0;
	if (len > 0)
		rc = bp->sink->write_async ? collect(bp, body, len)
		                           : outfile_write(bp->sink->file, body, len);
	if (rc < 0) {
		bp->stats.write_failed = rc != -ENOMEM;
		finish(bp, rc, "cannot write the file");
		return;
	}
	bp->stats.bytes += (long long)len;
	if (buffered(bp) > bp->stats.max_buffered)
		bp->stats.max_buffered = buffered(bp);
	progress_bytes(bp->sink->progress, bp->sink->id, bp->stats.bytes,
	               bp->parser->head.content_length);
	write_next(bp);
	regulate(bp);
}

static void data_received(void *self, char *data, size_t len)
{
	struct body_protocol *bp = self;
	bp->last_heard = loop_time(bp->loop);
	ssize_t body = response_feed(bp->parser, data, len);
	if (body < 0) {
		finish(bp, -EPROTO, bp->parser->error);
		return;
	}
	save(bp, data, (size_t)body);
}

static void eof_received(void *self)
{
	struct body_protocol *bp = self;
	bp->stats.eof = true;
	write_next(bp);
}

static void connection_lost(void *self, int error)
{
	finish(self, error, NULL);
}

static const struct protocol body_callbacks = {
	.data_received = data_received,
	.eof_received = eof_received,
	.connection_lost = connection_lost,
};

/*
 * The network's silence, checked without a timer per read: one timer,
 * which on firing looks at when the network last delivered and sets
 * itself again for then + TIMEOUT_S. Paused for the disk's sake, or with
 * a write in flight, the network is not to blame: the wait starts anew.
 */
static void on_timer(void *arg)
{
	struct body_protocol *bp = arg;
	handle_free(bp->timer);
	bp->timer = NULL;
	if (future_done(bp->done))
		return;
	double now = loop_time(bp->loop);
	if (bp->in_flight || !transport_is_reading(bp->transport))
		bp->last_heard = now;
	double deadline = bp->last_heard + bp->timeout_s;
	if (deadline <= now) {
		finish(bp, -ETIMEDOUT, NULL);
		return;
	}
	bp->timer = loop_call_at(bp->loop, deadline, on_timer, bp);
	if (!bp->timer)
		finish(bp, -ENOMEM, "out of memory");
}

struct body_protocol *body_protocol_start(struct loop *loop, int fd, struct response_parser *parser,
                                          const struct body_sink *sink, double timeout_s,
                                          char *first, size_t first_len, int *error)
{
	struct body_protocol *bp = calloc(1, sizeof *bp);
	if (!bp || !(bp->done = future_new(loop))) {
		free(bp);
		*error = -ENOMEM;
		return NULL;
	}
	bp->loop = loop;
	bp->fd = fd;
	bp->parser = parser;
	bp->sink = sink;
	bp->timeout_s = timeout_s;
	bp->last_heard = loop_time(loop);
	save(bp, first, first_len);
	if (!body_over(bp) && !future_done(bp->done)) {
		bp->transport = transport_new(loop, fd, &body_callbacks, bp, error);
		bp->timer = bp->transport ? loop_call_later(loop, timeout_s, on_timer, bp) : NULL;
		if (!bp->timer) {
			*error = bp->transport ? -ENOMEM : *error;
			body_protocol_free(bp);
			return NULL;
		}
	}
	return bp;
}

struct future *body_protocol_done(struct body_protocol *bp)
{
	return bp->done;
}

struct body_stats body_protocol_stats(const struct body_protocol *bp)
{
	return bp->stats;
}

void body_protocol_free(struct body_protocol *bp)
{
	if (!bp)
		return;
	transport_free(bp->transport);
	if (bp->timer) {
		handle_cancel(bp->timer);
		handle_free(bp->timer);
	}
	if (bp->in_flight) {
		bp->in_flight->owner = NULL;
		future_cancel(bp->in_flight->future, NULL);
	}
	free(bp->pending);
	future_cancel(bp->done, NULL);
	future_free(bp->done);
	free(bp);
}
