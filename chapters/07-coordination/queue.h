/*
 * queue.h - the URLs to download, in order: the command line's, then
 * those of -i FILE, one a line.
 *
 * Mirrors: the list a producer would put() into an asyncio.Queue for a
 * set of consumers. Simplification: the whole list is read before the
 * loop starts (a file of 10,000 URLs is about a megabyte). asyncio's
 * Queue lets a producer feed it while the downloads run, which a queue
 * read from a pipe would need; drain.c would not change.
 *
 * Interface:
 *   url_queue_push   append one URL (copied)
 *   url_queue_read   append the URLs of a file: blank lines and lines
 *                    starting with # are skipped, spaces around trimmed
 *   url_queue_free   free the copies
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include <stdio.h>

struct url_queue {
	char **urls; /* in the order they will start */
	size_t count, capacity;
};

/* Returns 0 or -ENOMEM. An empty queue is all zeroes. */
int url_queue_push(struct url_queue *q, const char *url);

/* Read IN to its end. Returns 0, or a negative errno (the read's error,
 * or -ENOMEM). */
int url_queue_read(struct url_queue *q, FILE *in);

void url_queue_free(struct url_queue *q);

#endif
