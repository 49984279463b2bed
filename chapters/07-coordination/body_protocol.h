/*
 * body_protocol.h - the downloader's body path as a protocol, with flow
 * control from the socket to the disk.
 *
 * Mirrors: aiohttp's ResponseHandler (aiohttp/client_proto.py), an
 * asyncio.Protocol whose data_received feeds the response parser, and
 * which pauses its transport when the reader falls behind
 * (aiohttp/base_protocol.py, streams.py's high-water mark).
 *
 * Once the head of a 2xx answer is in, fetch.c hands the rest of the
 * connection to a transport (transport.h) and this protocol: every
 * recv() goes through the parser to the file. Small bodies are written
 * inline; large ones are collected and handed to a writer thread
 * (diskwrite.h), one write at a time, so they land in order.
 *
 * Flow control: the bytes received but not on disk yet (collected, or
 * being written by the thread) are "buffered". When the disk is slower
 * than the network they would grow without end; instead, reading pauses
 * as soon as one more full read could take them past BODY_HIGH_WATER, and
 * resumes once the writer has brought them down to BODY_LOW_WATER. So
 * a download never holds more than BODY_HIGH_WATER bytes of body, however
 * slow its disk. The README defends the figures.
 *
 * Interface:
 *   struct body_sink       where the body goes: a file, and maybe a writer
 *   body_protocol_start    take over the connection after the head
 *   body_protocol_done     the future that says the body is saved
 *   body_protocol_free     stop, whatever state it is in
 *   body_protocol_stats    pauses, resumes, the most ever buffered
 */
#ifndef BODY_PROTOCOL_H
#define BODY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct future;
struct outfile;
struct progress;
struct response_parser;
struct body_protocol;

#define BODY_HIGH_WATER (8 * 1024 * 1024) /* pause reading before this */
#define BODY_LOW_WATER  (2 * 1024 * 1024) /* resume at this or below */
#define BODY_WRITE_MIN  (1024 * 1024)     /* hand over at least this much */

/*
 * Where the body goes. FILE is open (outfile.h). WRITE_ASYNC NULL: each
 * piece is written inline with outfile_write. Otherwise WRITE_ASYNC(CTX,
 * LOOP, FD, BUF, LEN) starts writing the LEN bytes of BUF (malloc'ed,
 * taken over) to FD and returns a future that finishes when they are
 * written, or NULL when out of memory: diskwrite_start has that shape, and
 * a test can pass a writer that it slows down on purpose.
 */
struct body_sink {
	struct outfile *file;
	struct future *(*write_async)(void *ctx, struct loop *loop, int fd, char *buf, size_t len);
	void *ctx;
	struct progress *progress; /* NULL: no display */
	int id;                    /* the download's number, for PROGRESS */
};

/* What flow control did, for tests and the walkthrough. */
struct body_stats {
	int pauses, resumes; /* of reading */
	size_t max_buffered; /* the most body bytes ever held at once */
	long long bytes;     /* body bytes taken */
	bool eof;            /* the server closed the connection */
	bool write_failed;   /* the error, if any, is the disk's */
};

/*
 * body_protocol_start: save the body of the response PARSER has the head
 * of. The FIRST_LEN body bytes in FIRST (those that came with the head)
 * are saved first; then a transport reads FD (borrowed, left open) until
 * the body is complete or the server closes. TIMEOUT_S: the longest the
 * network may stay silent (time spent waiting for the disk does not
 * count). PARSER and SINK are borrowed and must outlive the protocol.
 * Returns it, or NULL with *ERROR set.
 */
struct body_protocol *body_protocol_start(struct loop *loop, int fd, struct response_parser *parser,
                                          const struct body_sink *sink, double timeout_s,
                                          char *first, size_t first_len, int *error);

/* The future (borrowed: it lives as long as the protocol) that finishes
 * with NULL once every body byte is written, or fails: -ETIMEDOUT, the
 * network's error, the parser's (-EPROTO), or the disk's. The file is
 * not committed: the caller checks the end (response_eof) and commits. */
struct future *body_protocol_done(struct body_protocol *bp);

struct body_stats body_protocol_stats(const struct body_protocol *bp);

/* body_protocol_free: stop reading, cancel the timer, let go of a write
 * in flight (its thread finishes alone) and free. NULL is fine. */
void body_protocol_free(struct body_protocol *bp);

#endif
