/*
 * urlset.h - the URLs a crawler has seen, each with a number.
 *
 * Mirrors: the `seen_urls = set()` of the "500 Lines or Less" crawler. A
 * URL is added once, before it is put in the queue, so that however many
 * pages link to it, and whatever cycles the links make, it is fetched
 * once. Each URL keeps the number of its turn (0 for the root), which the
 * crawler uses as the URL's id in its log and its trace. The set owns a
 * copy of every URL, which the queue and the workers borrow.
 *
 * Interface:
 *   urlset_add    add a URL, unless it is there; its stored copy
 *   urlset_count / urlset_url   how many, and the one numbered I
 *   urlset_free
 */
#ifndef URLSET_H
#define URLSET_H

#include <stddef.h>

/* All zeroes is an empty set. */
struct urlset {
	char **urls; /* in the order they were added */
	size_t count, capacity;
	size_t *slots;     /* the hash table: 0 empty, else index + 1 */
	size_t slot_count; /* a power of two, at least twice COUNT */
};

/* urlset_add: add a copy of URL unless an equal one is there. Returns 1
 * when it was added, 0 when it was there, -ENOMEM. *ID (when not NULL)
 * is the URL's number either way (unless -ENOMEM). */
int urlset_add(struct urlset *set, const char *url, size_t *id);

size_t urlset_count(const struct urlset *set);
/* The URL numbered ID (borrowed, valid until urlset_free). */
const char *urlset_url(const struct urlset *set, size_t id);

void urlset_free(struct urlset *set);

#endif
