/*
 * sock.c - socket operations that return futures. See sock.h.
 *
 * Mirrors: BaseSelectorEventLoop.sock_connect, sock_sendall and sock_recv
 * (Lib/asyncio/selector_events.py). Chapter 6's sock_sendall tries to
 * send before it registers, as asyncio's does; chapters 3 to 5 keep the
 * plain register-then-send shape, which is the lesson there.
 */
#include "sock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "net.h"

/* One operation in progress: the future it will complete, and what it
 * needs to go on each time its socket is ready. */
struct sock_op {
	struct loop *loop;
	struct future *future; /* the operation's own reference */
	int fd;
	bool writer;          /* registered as a writer (else a reader) */
	const char *send_buf; /* sock_sendall: what is left to send */
	size_t send_len;
	char *recv_buf; /* sock_recv: where to put what arrives */
	size_t recv_size;
};

/*
 * Runs once the future is done, however that happened (finished, failed,
 * cancelled by somebody else). It was the first done-callback added, so it
 * runs before any of the caller's: by the time the caller hears of the
 * outcome, the loop no longer watches the socket for this operation, and
 * the caller may close it or start the next operation on it.
 */
static void op_finished(struct future *future, void *arg)
{
	struct sock_op *op = arg;
	(void)future;
	if (op->writer)
		loop_remove_writer(op->loop, op->fd);
	else
		loop_remove_reader(op->loop, op->fd);
	future_free(op->future);
	free(op);
}

static struct sock_op *op_new(struct loop *loop, int fd, bool writer)
{
	struct sock_op *op = calloc(1, sizeof *op);
	struct future *future = future_new(loop);
	if (!op || !future || future_add_done_callback(future, op_finished, op) < 0) {
		free(op);
		future_free(future);
		return NULL;
	}
	op->loop = loop;
	op->future = future;
	op->fd = fd;
	op->writer = writer;
	return op;
}

/* The caller's reference to the future; the operation keeps its own. */
static struct future *start(struct sock_op *op, loop_cb *ready)
{
	int rc = op->writer ? loop_add_writer(op->loop, op->fd, ready, op)
	                    : loop_add_reader(op->loop, op->fd, ready, op);
	if (rc < 0)
		future_set_exception(op->future, rc, strerror(-rc));
	return future_retain(op->future);
}

static void fail(struct sock_op *op, int rc)
{
	future_set_exception(op->future, rc, strerror(-rc));
}

static void on_connect_writable(void *arg)
{
	struct sock_op *op = arg;
	/* Cancelled meanwhile: op_finished will clean up. */
	if (future_done(op->future))
		return;
	int rc = net_connect_result(op->fd);
	if (rc < 0)
		fail(op, rc);
	else
		future_set_result(op->future, NULL, NULL);
}

struct future *sock_connect(struct loop *loop, const struct addrinfo *ai, int *fd)
{
	*fd = -1;
	int rc = net_connect_start(ai, fd);
	struct sock_op *op = op_new(loop, *fd, true);
	if (!op)
		return NULL;
	if (rc == -EINPROGRESS)
		return start(op, on_connect_writable);
	/* Over already, one way or the other: the future says so, and its
	 * callbacks still run from the loop, never from inside this call. */
	if (rc < 0)
		fail(op, rc);
	else
		future_set_result(op->future, NULL, NULL);
	return future_retain(op->future);
}

static void on_send_writable(void *arg)
{
	struct sock_op *op = arg;
	if (future_done(op->future))
		return;
	ssize_t sent = net_send(op->fd, op->send_buf, op->send_len);
	if (sent == -EAGAIN)
		return;
	if (sent < 0) {
		fail(op, (int)sent);
		return;
	}
	op->send_buf += sent;
	op->send_len -= (size_t)sent;
	if (op->send_len == 0)
		future_set_result(op->future, NULL, NULL);
}

struct future *sock_sendall(struct loop *loop, int fd, const char *buf, size_t len)
{
	struct sock_op *op = op_new(loop, fd, true);
	if (!op)
		return NULL;
	op->send_buf = buf;
	op->send_len = len;
	/* Try at once, as asyncio's sock_sendall does: a request fits in the
	 * socket's buffer nearly always, and then the loop is never asked to
	 * watch the socket (two epoll_ctl calls and a wait saved). The future
	 * is done already, but its callbacks still run from the loop. */
	on_send_writable(op);
	if (future_done(op->future))
		return future_retain(op->future);
	return start(op, on_send_writable);
}

static void on_recv_readable(void *arg)
{
	struct sock_op *op = arg;
	if (future_done(op->future))
		return;
	ssize_t got = net_recv(op->fd, op->recv_buf, op->recv_size);
	if (got == -EAGAIN)
		return;
	if (got < 0)
		fail(op, (int)got);
	else
		/* A count is not a pointer, but it fits in one. */
		future_set_result(op->future, (void *)(intptr_t)got, NULL);
}

struct future *sock_recv(struct loop *loop, int fd, char *buf, size_t size)
{
	struct sock_op *op = op_new(loop, fd, false);
	if (!op)
		return NULL;
	op->recv_buf = buf;
	op->recv_size = size;
	return start(op, on_recv_readable);
}

ssize_t sock_recv_count(struct future *future)
{
	void *result;
	int rc = future_result(future, &result);
	return rc < 0 ? rc : (ssize_t)(intptr_t)result;
}
