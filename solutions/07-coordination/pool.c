/*
 * pool.c - connections kept open between downloads, per host. See pool.h.
 *
 * Mirrors: aiohttp's TCPConnector: _conns (idle connections per key),
 * _acquired_per_host (here a semaphore per host), and the check in
 * _get() that drops a pooled connection whose transport is closed.
 *
 * A host's idle connections sit in a stack (last in, first out). Hosts
 * are found by a linear search: a download names few hosts, and the
 * search costs nothing next to a network round trip.
 */
#include "pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "semaphore.h"
#include "todo.h"

struct host {
	char key[POOL_KEY_MAX];
	struct semaphore *limit; /* --per-host */
	int *idle;               /* descriptors, the newest last */
	int idle_count, idle_capacity;
	struct host *next;
};

struct pool {
	struct loop *loop;
	int per_host, max_idle;
	int idle_total;
	long opened, reused, stale;
	struct host *hosts;
};

struct pool *pool_new(struct loop *loop, int per_host, int max_idle)
{
	if (per_host < 1 || max_idle < 1)
		return NULL;
	struct pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return NULL;
	*pool = (struct pool){ .loop = loop, .per_host = per_host, .max_idle = max_idle };
	return pool;
}

void pool_key(const struct url *url, char key[POOL_KEY_MAX])
{
	snprintf(key, POOL_KEY_MAX, "%s:%s", url->host, url->port);
}

static struct host *find_host(struct pool *pool, const char *key)
{
	for (struct host *h = pool->hosts; h; h = h->next)
		if (strcmp(h->key, key) == 0)
			return h;
	return NULL;
}

static struct host *add_host(struct pool *pool, const char *key)
{
	struct host *h = calloc(1, sizeof *h);
	if (!h || !(h->limit = bounded_semaphore_new(pool->loop, pool->per_host))) {
		free(h);
		return NULL;
	}
	snprintf(h->key, sizeof h->key, "%s", key);
	h->next = pool->hosts;
	pool->hosts = h;
	return h;
}

struct semaphore *pool_host_limit(struct pool *pool, const char *key)
{
	struct host *h = find_host(pool, key);
	if (!h)
		h = add_host(pool, key);
	return h ? h->limit : NULL;
}

/*
 * Has the server closed this idle connection? An idle connection has
 * nothing to read: a read that would block means it is alive; a read of 0
 * bytes is the server's FIN; anything else (bytes nobody asked for, an
 * error such as ECONNRESET) makes it unusable too. MSG_PEEK leaves
 * whatever is there in place, MSG_DONTWAIT makes the look instant.
 */
static bool still_open(int fd)
{
	char byte;
	ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Take the newest idle descriptor of host H off its stack, or -1. */
static int pop_idle(struct pool *pool, struct host *h)
{
	if (h->idle_count == 0)
		return -1;
	pool->idle_total--;
	return h->idle[--h->idle_count];
}

int pool_checkout(struct pool *pool, const char *key)
{
	struct host *h = find_host(pool, key);
	int fd;
	while (h && (fd = pop_idle(pool, h)) >= 0) {
		if (still_open(fd)) {
			pool->reused++;
			return fd;
		}
		close(fd);
		pool->stale++;
	}
	return -ENOENT;
}

/* Room for one more idle descriptor on host H; false when out of memory. */
static bool make_room(struct host *h)
{
	if (h->idle_count < h->idle_capacity)
		return true;
	int capacity = h->idle_capacity ? h->idle_capacity * 2 : 4;
	int *idle = realloc(h->idle, (size_t)capacity * sizeof *idle);
	if (!idle)
		return false;
	h->idle = idle;
	h->idle_capacity = capacity;
	return true;
}

void pool_checkin(struct pool *pool, const char *key, int fd)
{
	struct host *h = find_host(pool, key);
	/* A server may close right after its answer, keep-alive or not. */
	if (!h || pool->idle_total >= pool->max_idle || !still_open(fd) || !make_room(h)) {
		close(fd);
		return;
	}
	h->idle[h->idle_count++] = fd;
	pool->idle_total++;
}

void pool_count_opened(struct pool *pool)
{
	pool->opened++;
}

void pool_count_stale(struct pool *pool)
{
	pool->stale++;
}

void pool_print_stats(const struct pool *pool, FILE *out)
{
	fprintf(out, "pool: %ld connections opened, %ld reused, %ld found closed\n", pool->opened,
	        pool->reused, pool->stale);
}

void pool_free(struct pool *pool)
{
	if (!pool)
		return;
	while (pool->hosts) {
		struct host *h = pool->hosts;
		pool->hosts = h->next;
		for (int fd; (fd = pop_idle(pool, h)) >= 0;)
			close(fd);
		semaphore_free(h->limit);
		free(h->idle);
		free(h);
	}
	free(pool);
}
