/*
 * pool.h - connections kept open between downloads, one pool per host,
 * and the per-host limit.
 *
 * Mirrors: aiohttp's TCPConnector, the object a ClientSession owns. The
 * source article's lesson "create the ClientSession once and reuse it" is
 * about this pool: a session made per request throws its pool away, and
 * every request pays a new TCP handshake (and, on the Internet, a TLS one
 * and a DNS lookup). Here a download that ends with a response the server
 * allows to be reused (HTTP/1.1 keep-alive, response_reusable) checks its
 * connection in; the next download to the same host checks it out instead
 * of connecting. The pool also keeps one semaphore per host, aiohttp's
 * limit_per_host.
 *
 * A host is "host:port" as the URL names it (pool_key): 127.0.0.1 and
 * localhost are two hosts here, as in aiohttp.
 *
 * Interface:
 *   pool_new / pool_free   the pool (free closes every idle connection)
 *   pool_key               "host:port" for a parsed URL
 *   pool_host_limit        the semaphore of one host (--per-host)
 *   pool_checkout          an idle connection to a host, if one is alive
 *   pool_checkin           keep a connection for the next download
 *   pool_count_opened      note a connection opened afresh
 *   pool_print_stats       opened, reused, found dead (debug mode)
 */
#ifndef POOL_H
#define POOL_H

#include <stdio.h>

#include "url.h"

#define POOL_KEY_MAX (URL_HOST_MAX + URL_PORT_MAX + 1)

struct loop;
struct pool;
struct semaphore;

/*
 * pool_new: a pool for LOOP whose hosts each allow PER_HOST downloads at
 * once, and which keeps at most MAX_IDLE idle connections in all (a
 * connection checked in beyond that is closed). Returns NULL when out of
 * memory or when PER_HOST or MAX_IDLE is below 1.
 */
struct pool *pool_new(struct loop *loop, int per_host, int max_idle);

/* pool_free: close every idle connection, free the hosts' semaphores
 * (cancelling whoever still waits on one) and the pool. NULL is allowed. */
void pool_free(struct pool *pool);

/* pool_key: write "host:port" of URL into KEY (POOL_KEY_MAX bytes). */
void pool_key(const struct url *url, char key[POOL_KEY_MAX]);

/* pool_host_limit: the semaphore of host KEY, made on first use with
 * PER_HOST slots. NULL when out of memory. It belongs to the pool. */
struct semaphore *pool_host_limit(struct pool *pool, const char *key);

/*
 * pool_checkout: take an idle connection to host KEY off the pool: the
 * most recently checked in first, since it is the least likely to have
 * been closed by the server meanwhile. A connection the server has closed
 * already (its FIN is waiting, or an error) is closed and skipped.
 * Returns the descriptor, now the caller's, or -ENOENT when none is left.
 * A connection that passes this check may still be closed by the server
 * a moment later: the caller retries once on a fresh one (fetch.c).
 */
int pool_checkout(struct pool *pool, const char *key);

/* pool_checkin: give FD, connected to host KEY, to the pool for later,
 * idle. Closes it instead when the pool holds MAX_IDLE already or is out
 * of memory. FD is the pool's either way. */
void pool_checkin(struct pool *pool, const char *key, int fd);

/* pool_count_opened: one more connection opened afresh (for the stats);
 * pool_count_stale: one more pooled connection found dead after all. */
void pool_count_opened(struct pool *pool);
void pool_count_stale(struct pool *pool);

/* pool_print_stats: "pool: 4 connections opened, 96 reused, 0 found
 * closed" on OUT. */
void pool_print_stats(const struct pool *pool, FILE *out);

#endif
