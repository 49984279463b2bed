/*
 * pathset.h - a set of strings, for the paths a run has taken.
 *
 * Mirrors: a Python set of str. outfile.c asks, for every download,
 * whether another download of this run has its file name already. A list
 * searched from the start costs a strcmp per file taken so far: 50 million
 * of them for 10,000 downloads, which perf showed as most of the program's
 * own CPU. A hash table answers after one or two comparisons.
 *
 * Open addressing with linear probing: the slots are one array of
 * pointers, and a collision tries the next slot. A removed string leaves
 * a marker (a "tombstone") so that the probes of the strings behind it do
 * not stop short; the table is rebuilt without them when it grows.
 *
 * Interface:
 *   struct pathset     zero-initialised, it is an empty set
 *   pathset_contains   is PATH in the set?
 *   pathset_add        add a copy of PATH (not already in the set)
 *   pathset_remove     remove PATH, if it is there
 */
#ifndef PATHSET_H
#define PATHSET_H

#include <stdbool.h>
#include <stddef.h>

struct pathset {
	char **slots;    /* NULL: empty; pathset.c's tombstone: removed */
	size_t capacity; /* a power of two, or 0 */
	size_t count;    /* strings */
	size_t used;     /* slots not empty: strings and tombstones */
};

bool pathset_contains(const struct pathset *set, const char *path);

/* 0, or -ENOMEM. */
int pathset_add(struct pathset *set, const char *path);

void pathset_remove(struct pathset *set, const char *path);

#endif
