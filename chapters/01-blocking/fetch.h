/*
 * fetch.h - download one URL into a file, blocking at every step.
 *
 * Mirrors: urllib.request.urlopen(url) followed by a loop of read() and
 * write(), the article's "bad example". Each step (resolve, connect, send,
 * read the status line and headers, read the body) waits until it is done,
 * and the program can do nothing else meanwhile.
 *
 * Interface:
 *   fetch  download URL into OPTIONS->dir, following up to 5 redirects
 */
#ifndef FETCH_H
#define FETCH_H

#include <limits.h>

#include "events.h"

#define FETCH_MAX_REDIRECTS 5
#define FETCH_ERROR_MAX     512

struct fetch_options {
	const char *dir;  /* where files are saved */
	double timeout_s; /* the longest wait for any one step */
};

struct fetch_result {
	long long bytes;             /* body bytes saved */
	char saved_as[PATH_MAX];     /* DIR/NAME, on success */
	char error[FETCH_ERROR_MAX]; /* the cause, in words, on failure */
};

/*
 * fetch: download URL. Reports its milestones to EVENTS as download ID.
 * Returns 0 when the whole body was saved, or -1 with RESULT->error set.
 * Either way nothing half-written is left in the folder.
 */
int fetch(const char *url, const struct fetch_options *options, struct events *events, int id,
          struct fetch_result *result);

#endif
