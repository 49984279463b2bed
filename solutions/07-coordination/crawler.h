/*
 * crawler.h - crawl a web site with a queue of URLs and N worker tasks.
 *
 * Mirrors: the crawler of "500 Lines or Less" ("A Web Crawler With
 * asyncio Coroutines"), in asyncio 3.12's words:
 *
 *   async def crawl(root):
 *       seen = {root}; todo = asyncio.Queue(); todo.put_nowait(root)
 *       async with asyncio.TaskGroup() as tg:
 *           workers = [tg.create_task(work()) for _ in range(N)]
 *           async with asyncio.timeout(deadline):
 *               await todo.join()          # every URL fetched, every link seen
 *           for w in workers: w.cancel()   # the workers wait on get(): stop them
 *
 *   async def work():
 *       while True:
 *           url = await todo.get()
 *           try:
 *               async with asyncio.timeout(page_timeout):
 *                   page = await fetch(url)
 *               for link in links(page):
 *                   if link not in seen: seen.add(link); todo.put_nowait(link)
 *           finally:
 *               todo.task_done()
 *
 * join() is how the crawl knows it is over: the count of unfinished URLs
 * reaches zero only when every URL taken was dealt with and no worker is
 * about to add one. The seen set makes every URL fetched once, whatever
 * cycles the links make. The task group makes shutdown clean: however the
 * crawl ends (done, deadline, Ctrl-C, a worker's bug), no worker and no
 * page fetch outlives it.
 *
 * Redirects are links: a 3xx page adds its Location to the queue, so a
 * page that several URLs redirect to is fetched once too. Only the root's
 * host and port are crawled; links elsewhere are counted, not followed.
 *
 * Interface:
 *   struct crawl_options      workers, page timeout, deadline
 *   crawler_new / crawler_free
 *   crawler_run               crawl from ROOT; a future done when it is over
 *   struct crawl_counts / crawler_counts   what it found
 */
#ifndef CRAWLER_H
#define CRAWLER_H

#include <stddef.h>
#include <stdio.h>

#include "events.h"

struct loop;
struct future;
struct crawler;

struct crawl_options {
	int workers;         /* worker tasks (-j) */
	double page_timeout; /* seconds for one page, all steps included (-t) */
	double deadline;     /* seconds for the whole crawl; TIMEOUT_NEVER: none */
};

struct crawl_counts {
	size_t pages;     /* fetched with a 2xx answer */
	size_t redirects; /* answered with a 3xx and a Location */
	size_t broken;    /* failed, or answered 4xx/5xx */
	size_t outside;   /* links to other hosts, not followed */
	size_t seen;      /* distinct URLs met (fetched or still queued) */
	size_t fetched;   /* URLs taken off the queue and dealt with */
};

/*
 * crawler_new: a crawler on LOOP that prints a line per URL on OUT, one
 * line per broken link on ERR ("crawl: URL: cause"), and records EVENTS
 * (for --trace). OPTIONS and EVENTS must outlive it. NULL when out of
 * memory.
 */
struct crawler *crawler_new(struct loop *loop, const struct crawl_options *options, FILE *out,
                            FILE *err, struct events *events);

/*
 * crawler_run: crawl from ROOT, as a task. Returns its future, one
 * reference for the caller, which finishes (result NULL) once every URL
 * found was fetched; fails with -ETIMEDOUT when the deadline came first,
 * or with a worker's error; ends CANCELLED when cancelled (task_cancel:
 * Ctrl-C), once every worker has stopped. Returns NULL, with errno, when
 * ROOT is not a URL it can crawl (EINVAL: *WHY says why) or out of memory
 * (ENOMEM).
 */
struct future *crawler_run(struct crawler *c, const char *root, const char **why);

void crawler_counts(const struct crawler *c, struct crawl_counts *counts);

/* crawler_free: once crawler_run's future is done. NULL is allowed. */
void crawler_free(struct crawler *c);

#endif
