/*
 * transport.c - a socket that pushes what arrives to a protocol. See
 * transport.h.
 *
 * Mirrors: _SelectorSocketTransport (Lib/asyncio/selector_events.py):
 * _read_ready, pause_reading, resume_reading, write, _write_ready, and
 * _maybe_pause_protocol / _maybe_resume_protocol from
 * Lib/asyncio/transports.py.
 */
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "net.h"

struct transport {
	struct loop *loop;
	int fd;
	const struct protocol *protocol;
	void *self;
	bool reading;        /* the reader is registered */
	bool lost;           /* the connection broke: no more reading or writing */
	char *out;           /* bytes written but not sent yet ... */
	size_t out_len;      /* ... how many ... */
	size_t out_cap;      /* ... and the room for them */
	bool writer;         /* the writer is registered, to send them */
	bool writing_paused; /* the protocol was told to pause writing */
	size_t high_water, low_water;
};

/*
 * Where recv() puts what arrives, for every transport: one buffer, not one
 * each. A protocol must be done with the bytes when data_received returns
 * (transport.h), and callbacks run one at a time on the loop's thread, so
 * nobody else reads into it meanwhile. A buffer per transport cost 256 kB
 * per connection: 1,000 downloads at once went from 84 MB of peak RSS to
 * 275 MB. (asyncio allocates a new bytes object per read instead.) This
 * program runs one loop, on one thread; two loops on two threads would
 * need a buffer per loop.
 */
static char in[TRANSPORT_READ_SIZE];

/* The connection broke: stop everything, and tell the protocol once. */
static void lose(struct transport *t, int error)
{
	if (t->lost)
		return;
	t->lost = true;
	if (t->reading)
		loop_remove_reader(t->loop, t->fd);
	if (t->writer)
		loop_remove_writer(t->loop, t->fd);
	t->reading = t->writer = false;
	if (t->protocol->connection_lost)
		t->protocol->connection_lost(t->self, error);
}

/*
 * The socket is readable: one recv(), whose bytes go to the protocol. One,
 * not "until EAGAIN": the selector is level-triggered, so what is left
 * wakes the loop again, and other connections get their turn in between.
 */
static void on_readable(void *arg)
{
	struct transport *t = arg;
	ssize_t got = net_recv(t->fd, in, sizeof in);
	if (got == -EAGAIN)
		return;
	if (got < 0) {
		lose(t, (int)got);
		return;
	}
	if (got == 0) {
		/* The peer has no more to say: nothing more to read, ever. */
		transport_pause_reading(t);
		if (t->protocol->eof_received)
			t->protocol->eof_received(t->self);
		return;
	}
	t->protocol->data_received(t->self, in, (size_t)got);
}

struct transport *transport_new(struct loop *loop, int fd, const struct protocol *protocol,
                                void *self, int *error)
{
	struct transport *t = malloc(sizeof *t);
	if (!t) {
		*error = -ENOMEM;
		return NULL;
	}
	*t = (struct transport){ .loop = loop, .fd = fd, .protocol = protocol, .self = self };
	transport_set_write_buffer_limits(t, TRANSPORT_WRITE_HIGH, TRANSPORT_WRITE_HIGH / 4);
	*error = transport_resume_reading(t);
	if (*error < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void transport_free(struct transport *t)
{
	if (!t)
		return;
	if (t->reading)
		loop_remove_reader(t->loop, t->fd);
	if (t->writer)
		loop_remove_writer(t->loop, t->fd);
	free(t->out);
	free(t);
}

int transport_pause_reading(struct transport *t)
{
	if (!t->reading)
		return 0;
	t->reading = false;
	return loop_remove_reader(t->loop, t->fd) < 0 ? -EBADF : 0;
}

int transport_resume_reading(struct transport *t)
{
	if (t->reading || t->lost)
		return 0;
	int rc = loop_add_reader(t->loop, t->fd, on_readable, t);
	t->reading = rc == 0;
	return rc;
}

bool transport_is_reading(const struct transport *t)
{
	return t->reading;
}

/* asyncio's _maybe_pause_protocol and _maybe_resume_protocol. */
static void check_water_marks(struct transport *t)
{
	if (!t->writing_paused && t->out_len > t->high_water) {
		t->writing_paused = true;
		if (t->protocol->pause_writing)
			t->protocol->pause_writing(t->self);
	} else if (t->writing_paused && t->out_len <= t->low_water) {
		t->writing_paused = false;
		if (t->protocol->resume_writing)
			t->protocol->resume_writing(t->self);
	}
}

/* Send from the front of the buffer what the kernel takes now. */
static int send_buffered(struct transport *t)
{
	ssize_t sent = net_send(t->fd, t->out, t->out_len);
	if (sent == -EAGAIN)
		return 0;
	if (sent < 0)
		return (int)sent;
	t->out_len -= (size_t)sent;
	memmove(t->out, t->out + sent, t->out_len);
	return 0;
}

static void on_writable(void *arg)
{
	struct transport *t = arg;
	int rc = send_buffered(t);
	if (rc < 0) {
		lose(t, rc);
		return;
	}
	if (t->out_len == 0) {
		t->writer = false;
		loop_remove_writer(t->loop, t->fd);
	}
	check_water_marks(t);
}

/* Keep LEN more bytes at the end of the buffer. */
static int keep(struct transport *t, const char *data, size_t len)
{
	if (t->out_len + len > t->out_cap) {
		size_t cap = t->out_cap ? t->out_cap : 4096;
		while (cap < t->out_len + len)
			cap *= 2;
		char *out = realloc(t->out, cap);
		if (!out)
			return -ENOMEM;
		t->out = out;
		t->out_cap = cap;
	}
	memcpy(t->out + t->out_len, data, len);
	t->out_len += len;
	return 0;
}

int transport_write(struct transport *t, const char *data, size_t len)
{
	if (t->lost)
		return -EPIPE;
	/* Nothing waiting: try at once, as asyncio does; most writes are
	 * taken whole and never touch the loop. */
	if (t->out_len == 0) {
		ssize_t sent = net_send(t->fd, data, len);
		if (sent < 0 && sent != -EAGAIN) {
			lose(t, (int)sent);
			return (int)sent;
		}
		if (sent > 0) {
			data += sent;
			len -= (size_t)sent;
		}
	}
	if (len == 0)
		return 0;
	int rc = keep(t, data, len);
	if (rc == 0 && !t->writer) {
		rc = loop_add_writer(t->loop, t->fd, on_writable, t);
		t->writer = rc == 0;
	}
	if (rc == 0)
		check_water_marks(t);
	return rc;
}

void transport_set_write_buffer_limits(struct transport *t, size_t high, size_t low)
{
	t->high_water = high;
	t->low_water = low <= high ? low : high;
	check_water_marks(t);
}

size_t transport_write_buffer_size(const struct transport *t)
{
	return t->out_len;
}
