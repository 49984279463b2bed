/*
 * sock.h - socket operations that return futures.
 *
 * Mirrors: loop.sock_connect, loop.sock_sendall and loop.sock_recv. Each
 * starts an operation on a non-blocking socket and returns at once with a
 * future; the operation carries on in reader or writer callbacks and
 * completes the future when it is over. Chapter 2's downloader wrote that
 * glue once per state; here it is written once, and the downloader only
 * chains futures. Chapter 4's coroutines will simply wait for them.
 *
 * Every operation watches for its own future being cancelled: it then
 * stops at once and removes its callbacks from the loop (asyncio does the
 * same with a done-callback on the future). The socket stays open: it
 * belongs to the caller.
 *
 * Interface:
 *   sock_connect      connect FD to an address; the future's result is NULL
 *   sock_sendall      send every byte of a buffer; the result is NULL
 *   sock_recv         receive what arrives next; the result is the count
 *   sock_recv_count   read that count (or the error) from a done future
 */
#ifndef SOCK_H
#define SOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "future.h"

struct loop;
struct addrinfo;

/*
 * sock_connect: create a non-blocking socket for AI, put it in *FD (the
 * caller closes it, also on failure, when it is not -1), and connect it.
 * The future finishes when the connection is made, or fails with the
 * error (-ECONNREFUSED, ...). Returns the future, with one reference for
 * the caller, or NULL when out of memory.
 */
struct future *sock_connect(struct loop *loop, const struct addrinfo *ai, int *fd);

/* sock_sendall: send the LEN bytes of BUF (which must stay valid until the
 * future is done) on FD, however many rounds it takes. */
struct future *sock_sendall(struct loop *loop, int fd, const char *buf, size_t len);

/* sock_recv: receive up to SIZE bytes into BUF as soon as some arrive. The
 * future's result is how many (0: the peer closed the connection). */
struct future *sock_recv(struct loop *loop, int fd, char *buf, size_t size);

/* sock_recv_count: for a done sock_recv future, the count it received, or
 * a negative errno (the error, or -ECANCELED). */
ssize_t sock_recv_count(struct future *future);

#endif
