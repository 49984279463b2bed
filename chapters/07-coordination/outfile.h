/*
 * outfile.h - write a download so that it appears whole or not at all.
 *
 * Mirrors: what a careful Python program does around open(name, "wb"):
 * write to a temporary file beside the target, then os.replace() it.
 * A download that fails half-way must not leave half a file where a
 * complete one is expected.
 *
 * Two downloads of one run never overwrite each other: when an earlier
 * download of the run has taken DIR/NAME, the next one is saved as
 * DIR/NAME.1, then DIR/NAME.2, ... (wget's rule). A file left in DIR by
 * an earlier run is replaced, as Python's open(name, "wb") would.
 *
 * Interface:
 *   outfile_open     take DIR/NAME (or NAME.1, ...), create DIR/.NAME.part-XXXXXX
 *   outfile_write    append bytes (all of them, or an error)
 *   outfile_commit   rename the temporary file to DIR/NAME
 *   outfile_discard  remove the temporary file
 *   outfile_discard_all  remove every temporary file still open, at once
 *                        (a second Ctrl-C, which cannot wait for the tasks)
 */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <limits.h>
#include <stddef.h>

struct outfile {
	int fd; /* -1 when no file is open */
	char temp_path[PATH_MAX];
	char final_path[PATH_MAX];
	struct outfile *prev, *next; /* the open ones, for outfile_discard_all */
};

/* A run saves at most this many files of one name: NAME, NAME.1 .. NAME.99. */
#define OUTFILE_COPIES_MAX 100

/* Returns 0, or a negative errno (-ENOENT when DIR does not exist, -EEXIST
 * when the run has taken NAME and all its numbered copies, ...). */
int outfile_open(struct outfile *file, const char *dir, const char *name);

/* Returns 0, or a negative errno (-ENOSPC, -EFBIG, ...). */
int outfile_write(struct outfile *file, const char *buf, size_t len);

/* Close and rename into place. On failure the temporary file is removed.
 * Returns 0 or a negative errno. */
int outfile_commit(struct outfile *file);

/* Close and remove the temporary file, if one is open. Safe to call twice. */
void outfile_discard(struct outfile *file);

/* Remove the temporary file of every outfile still open, without closing
 * anything: for a program about to exit at once. Returns how many. Not
 * from a signal handler (it is not async-signal-safe): from a loop
 * callback, such as one of loop_add_signal_handler. */
int outfile_discard_all(void);

#endif
