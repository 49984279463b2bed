/*
 * net.c - non-blocking TCP: calls that return at once, done or not.
 *
 * Mirrors: the socket calls under asyncio's sock_connect, sock_sendall and
 * sock_recv, on sockets with setblocking(False). See net.h.
 *
 * Chapter 1's sockets had SO_RCVTIMEO and SO_SNDTIMEO for -t. These never
 * wait, so they need no timeout: the fetch keeps a deadline in the loop.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "todo.h"

int net_resolve(const char *host, const char *port, struct addrinfo **addrs)
{
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC; /* IPv4 or IPv6, whichever the name has */
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	return getaddrinfo(host, port, &hints, addrs);
}

int net_connect_start(const struct addrinfo *ai, int *fd)
{
	/*
	 * TODO(chapter 2): Afterwards *FD is a new socket for AI on which no call
	 * will ever wait (socket, then connect, must both not block), with the
	 * connection under way: return 0 if it is already established,
	 * -EINPROGRESS if the answer will come later (that is not a failure), or a
	 * negative errno, with nothing left open, if it failed at once. Why it
	 * matters: the whole loop rests on this. A socket left blocking makes
	 * connect() wait for the server's answer, and every later recv() wait for
	 * data, while every other download stands still. See "Sockets that never
	 * wait" in README.md.
	 * Hints, from a nudge to the near-answer: hints.md in this folder.
	 */
	(void)ai;
	(void)fd;
	return not_implemented(__func__);
}

int net_connect_result(int fd)
{
	/* The verdict of a connect() that went on in the background waits in
	 * the socket's pending error, SO_ERROR; reading it also clears it. */
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

ssize_t net_send(int fd, const char *buf, size_t len)
{
	for (;;) {
		/* MSG_NOSIGNAL: a peer that has gone away gives EPIPE here,
		 * instead of a SIGPIPE that would kill the whole program. */
		ssize_t sent = send(fd, buf, len, MSG_NOSIGNAL);
		if (sent >= 0)
			return sent;
		if (errno == EWOULDBLOCK)
			return -EAGAIN; /* the same thing under another name */
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t net_recv(int fd, char *buf, size_t size)
{
	for (;;) {
		ssize_t got = recv(fd, buf, size, 0);
		if (got >= 0)
			return got;
		if (errno == EWOULDBLOCK)
			return -EAGAIN;
		if (errno != EINTR)
			return -errno;
	}
}
