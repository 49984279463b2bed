/*
 * page.h - fetch one page into memory, as a task, redirects not followed.
 *
 * Mirrors: `async with session.get(url, allow_redirects=False) as resp:
 * body = await resp.read()` in aiohttp, or the fetch() of the "500 Lines
 * or Less" crawler, which leaves redirects to the crawler so that a
 * redirect's target is fetched once however many URLs lead to it. The
 * socket steps are chapter 6's (sock.c, response.c); what is new is that
 * the body stays in memory, up to a limit, for the crawler to read its
 * links, and that no step has a timeout of its own: the crawler puts the
 * whole page under one (timeout.h).
 *
 * Interface:
 *   page_get   start fetching URL; a future with a struct page
 *   struct page
 */
#ifndef PAGE_H
#define PAGE_H

#include <stddef.h>

#include "http.h"
#include "url.h"

struct loop;
struct future;

/* The largest body page_get keeps; a larger one is an error, not a page. */
#define PAGE_MAX (1024 * 1024)

/* A page that answered, whatever its status. Owned by page_get's future. */
struct page {
	int status;                   /* 200, 302, 404... */
	char reason[HTTP_REASON_MAX]; /* "OK", "Not Found"... */
	char location[URL_MAX];       /* a redirect's Location, or "" */
	char *body;                   /* LEN bytes, and a '\0' after them */
	size_t len;
};

/*
 * page_get: GET URL (which must outlive the future) as a task on LOOP,
 * without following a redirect, and keep the body in memory. The task's
 * future, one reference for the caller (NULL when out of memory),
 * finishes with a struct page * for any answer, or fails with a negative
 * errno and the cause in words: "connection refused while connecting",
 * "truncated body: got 10 of 4000 bytes", "page larger than 1048576
 * bytes". Cancel it with task_cancel: it closes its socket and ends
 * CANCELLED.
 */
struct future *page_get(struct loop *loop, const char *url);

#endif
