/*
 * pathset.c - a set of strings, for the paths a run has taken. See
 * pathset.h.
 *
 * Mirrors: CPython's set, which probes an open-addressed table too
 * (Objects/setobject.c), with a dummy entry for removed keys.
 */
#include "pathset.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char tombstone[1]; /* its address marks a removed string */

/* FNV-1a: short, and good enough for file names. */
static size_t hash(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* The slot that holds PATH, or else the empty slot where its probe ends. */
static size_t find(const struct pathset *set, const char *path)
{
	size_t mask = set->capacity - 1;
	size_t i = hash(path) & mask;
	while (set->slots[i] && (set->slots[i] == tombstone || strcmp(set->slots[i], path) != 0))
		i = (i + 1) & mask;
	return i;
}

bool pathset_contains(const struct pathset *set, const char *path)
{
	return set->capacity > 0 && set->slots[find(set, path)] != NULL;
}

/* Rebuild the table with CAPACITY slots, leaving the tombstones out. */
static int rebuild(struct pathset *set, size_t capacity)
{
	struct pathset bigger = { calloc(capacity, sizeof(char *)), capacity, 0, 0 };
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->capacity; i++) {
		char *path = set->slots[i];
		if (path && path != tombstone) {
			bigger.slots[find(&bigger, path)] = path;
			bigger.count++;
			bigger.used++;
		}
	}
	free(set->slots);
	*set = bigger;
	return 0;
}

int pathset_add(struct pathset *set, const char *path)
{
	/* At most half full, so that probes stay short (and always end on an
	 * empty slot). Full of tombstones rather than strings: the same size,
	 * cleaned. */
	if (2 * (set->used + 1) > set->capacity) {
		size_t capacity = set->capacity == 0                     ? 64
		                  : 4 * (set->count + 1) > set->capacity ? 2 * set->capacity
		                                                         : set->capacity;
		if (rebuild(set, capacity) < 0)
			return -ENOMEM;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	set->slots[find(set, path)] = copy;
	set->count++;
	set->used++;
	return 0;
}

void pathset_remove(struct pathset *set, const char *path)
{
	if (set->capacity == 0)
		return;
	size_t i = find(set, path);
	if (set->slots[i]) {
		free(set->slots[i]);
		set->slots[i] = tombstone;
		set->count--;
	}
}
