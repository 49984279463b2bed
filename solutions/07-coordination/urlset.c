/*
 * urlset.c - the URLs a crawler has seen. See urlset.h.
 *
 * A hash table with open addressing: a URL's FNV-1a hash picks a slot,
 * and a taken slot sends it to the next one. The table is kept at most
 * half full, so a search looks at few slots, and doubles when it would
 * not be.
 */
#include "urlset.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *text)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

/* The slot where URL is, or the empty one where it would go. */
static size_t find_slot(const struct urlset *set, const char *url)
{
	size_t mask = set->slot_count - 1;
	size_t i = (size_t)hash(url) & mask;
	while (set->slots[i] && strcmp(set->urls[set->slots[i] - 1], url) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Twice the slots, every URL placed again. */
static int grow_slots(struct urlset *set)
{
	size_t slot_count = set->slot_count ? set->slot_count * 2 : 64;
	size_t *slots = calloc(slot_count, sizeof *slots);
	if (!slots)
		return -ENOMEM;
	free(set->slots);
	set->slots = slots;
	set->slot_count = slot_count;
	for (size_t id = 0; id < set->count; id++)
		set->slots[find_slot(set, set->urls[id])] = id + 1;
	return 0;
}

static int grow_urls(struct urlset *set)
{
	if (set->count < set->capacity)
		return 0;
	size_t capacity = set->capacity ? set->capacity * 2 : 64;
	char **urls = realloc(set->urls, capacity * sizeof *urls);
	if (!urls)
		return -ENOMEM;
	set->urls = urls;
	set->capacity = capacity;
	return 0;
}

int urlset_add(struct urlset *set, const char *url, size_t *id)
{
	if ((set->count + 1) * 2 > set->slot_count && grow_slots(set) < 0)
		return -ENOMEM;
	size_t slot = find_slot(set, url);
	if (set->slots[slot]) {
		if (id)
			*id = set->slots[slot] - 1;
		return 0;
	}
	char *copy = strdup(url);
	if (!copy || grow_urls(set) < 0) {
		free(copy);
		return -ENOMEM;
	}
	set->urls[set->count] = copy;
	set->slots[slot] = ++set->count;
	if (id)
		*id = set->count - 1;
	return 1;
}

size_t urlset_count(const struct urlset *set)
{
	return set->count;
}

const char *urlset_url(const struct urlset *set, size_t id)
{
	return id < set->count ? set->urls[id] : NULL;
}

void urlset_free(struct urlset *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->urls[i]);
	free(set->urls);
	free(set->slots);
	*set = (struct urlset){ 0 };
}
