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
	int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (s < 0)
		return -errno;
	/* O_NONBLOCK is what makes every later call on S return at once. */
	int flags = fcntl(s, F_GETFL);
	int rc = flags < 0 || fcntl(s, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
	/* A non-blocking connect() sends the SYN and returns; EINPROGRESS
	 * means "the answer comes later", not failure. */
	if (rc == 0 && connect(s, ai->ai_addr, ai->ai_addrlen) < 0)
		rc = -errno;
	if (rc < 0 && rc != -EINPROGRESS) {
		close(s);
		return rc;
	}
	*fd = s;
	return rc;
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
