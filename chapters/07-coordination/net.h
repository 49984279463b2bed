/*
 * net.h - non-blocking TCP: calls that return at once, done or not.
 *
 * Mirrors: what asyncio does underneath loop.sock_connect, sock_sendall and
 * sock_recv: sockets in non-blocking mode (socket.setblocking(False)),
 * where a call that would have to wait fails with EAGAIN, or EINPROGRESS
 * for connect, instead of putting the thread to sleep. The event loop then
 * says when to try again.
 *
 * Interface:
 *   net_resolve         host name and port -> a list of addresses (getaddrinfo)
 *   net_connect_start   a non-blocking socket, with its connect() under way
 *   net_connect_result  once it is writable: did the connect() succeed?
 *   net_send            send what the kernel takes now: maybe not everything
 *   net_recv            receive what has arrived: maybe nothing yet
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <sys/types.h>

struct addrinfo;

/*
 * net_resolve: look HOST and PORT up; on success *ADDRS is a list the caller
 * frees with freeaddrinfo(). Returns 0, or an EAI_* code (see gai_strerror).
 * Simplification: getaddrinfo() blocks, and there is no non-blocking
 * version of it; asyncio's loop.getaddrinfo() runs it in a thread pool.
 * Names such as 127.0.0.1 and localhost resolve without any wait.
 */
int net_resolve(const char *host, const char *port, struct addrinfo **addrs);

/*
 * net_connect_start: create a non-blocking socket for the address AI and
 * start connecting it. Returns 0 when the connection was made at once, or
 * -EINPROGRESS when it is under way: the socket turns writable when it is
 * over, and net_connect_result then tells how it went. In both cases *FD
 * is the socket, which the caller closes. Any other result is a negative
 * errno (-ECONNREFUSED, -ENETUNREACH, -EMFILE, ...) and no socket is left.
 */
int net_connect_start(const struct addrinfo *ai, int *fd);

/* net_connect_result: 0 when FD's connect() succeeded, or the negative
 * errno it failed with (-ECONNREFUSED, -ETIMEDOUT, ...). Ask once FD is
 * writable. */
int net_connect_result(int fd);

/*
 * net_send: send up to LEN bytes of BUF on FD, as many as the kernel takes
 * now. Returns how many it took (at least 1), -EAGAIN when its buffer is
 * full (wait until FD is writable), or a negative errno (-EPIPE, ...).
 */
ssize_t net_send(int fd, const char *buf, size_t len);

/*
 * net_recv: receive up to SIZE bytes into BUF. Returns how many arrived, 0
 * when the peer closed the connection, -EAGAIN when nothing has arrived yet
 * (wait until FD is readable), or a negative errno (-ECONNRESET, ...).
 */
ssize_t net_recv(int fd, char *buf, size_t size);

#endif
