/*
 * progress.h - what the downloads are doing, for a person at a terminal.
 *
 * On a terminal: one block, redrawn in place at most ten times a second
 * by a loop timer, with a line per running download (bytes, rate, ETA)
 * and a total line. Elsewhere (a pipe, a file): a plain line once a
 * second, since cursor movements would only garble a log.
 *
 * Mirrors: nothing in asyncio; the source article prints a percentage
 * per chunk, which at 8 KiB a chunk is thousands of lines a second. A
 * timer decouples drawing from receiving: the downloads only update
 * numbers, and the display reads them when it is due (tqdm's mininterval
 * does the same).
 *
 * Interface:
 *   progress_new    a display of COUNT downloads on OUT
 *   progress_begin / progress_bytes / progress_end   what fetch and main say
 *   progress_clear  erase the block before other output is printed
 *   progress_free   draw the last state, stop the timer, free
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct loop;
struct progress;

#define PROGRESS_INTERVAL_TTY   0.1 /* seconds between two redraws of the block */
#define PROGRESS_INTERVAL_PLAIN 1.0 /* seconds between two plain lines */
#define PROGRESS_ROWS           8   /* running downloads shown in the block */

/* progress_new: COUNT downloads, drawn on OUT as a block (TTY) or as
 * plain lines. Its timer runs on LOOP from now on. NULL when out of
 * memory. */
struct progress *progress_new(struct loop *loop, FILE *out, bool tty, size_t count);

/* Download ID (0 <= ID < COUNT) started, received BYTES of TOTAL (-1:
 * unknown), or ended. A NULL display ignores them all. */
void progress_begin(struct progress *p, int id, const char *url);
void progress_bytes(struct progress *p, int id, long long bytes, long long total);
void progress_end(struct progress *p, int id, bool ok);

/* progress_clear: erase the block (a TTY) so that a line can be printed;
 * the next redraw puts it back below. */
void progress_clear(struct progress *p);

/* progress_free: draw once more, stop the timer, free. NULL is allowed. */
void progress_free(struct progress *p);

#endif
