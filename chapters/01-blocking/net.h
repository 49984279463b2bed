/*
 * net.h - blocking TCP: find the server, connect, send, receive.
 *
 * Mirrors: socket.create_connection and socket.sendall, which urlopen uses
 * underneath. Every call here blocks: while it waits, the whole program
 * waits with it. That is the point of chapter 1, and the problem that
 * chapter 2 solves.
 *
 * Interface:
 *   net_resolve   host name and port -> a list of addresses (getaddrinfo)
 *   net_connect   the first address that accepts a connection -> a socket
 *   net_send_all  send a whole buffer, however many send() calls it takes
 *   net_recv      receive what has arrived, waiting at most the timeout
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <sys/types.h>

struct addrinfo;

/*
 * net_resolve: look HOST and PORT up; on success *ADDRS is a list the caller
 * frees with freeaddrinfo(). Returns 0, or an EAI_* code (see gai_strerror).
 */
int net_resolve(const char *host, const char *port, struct addrinfo **addrs);

/*
 * net_connect: try each address of ADDRS in turn and return a connected,
 * blocking socket in *FD (the caller closes it). Every later send and recv
 * on it gives up after TIMEOUT_S seconds without progress.
 * Returns 0, or the negative errno of the last attempt (-ECONNREFUSED,
 * -ETIMEDOUT, ...).
 */
int net_connect(const struct addrinfo *addrs, double timeout_s, int *fd);

/*
 * net_send_all: send the LEN bytes of BUF on FD. send() may take fewer bytes
 * than offered (a "short count"), so this loops until all are gone.
 * Returns 0, or a negative errno (-ECONNRESET, -EPIPE, -ETIMEDOUT, ...).
 */
int net_send_all(int fd, const char *buf, size_t len);

/*
 * net_recv: receive up to SIZE bytes into BUF. Returns how many arrived
 * (0 when the server closed the connection), or a negative errno;
 * -ETIMEDOUT when nothing arrived within the socket's timeout.
 */
ssize_t net_recv(int fd, char *buf, size_t size);

#endif
