/*
 * events.h - the program's own record of what happened when.
 *
 * Every download reports its milestones here. Each milestone is printed as
 * a timestamped line, so a learner sees the serial staircase as it happens,
 * and kept, so that --trace can write them as Chrome trace-event JSON
 * (open it in https://ui.perfetto.dev or chrome://tracing). The tests read
 * the printed lines to check the order in which things happened, never the
 * times.
 *
 * Mirrors: nothing in asyncio; think of it as the print() calls in the
 * article's examples, made precise.
 *
 * Interface:
 *   events_init         start the clock; lines go to LOG (NULL: kept only)
 *   events_start        download ID of URL begins         (printed)
 *   events_connected    its connection is established     (trace only)
 *   events_first_byte   the first byte of its answer came (trace only)
 *   events_done         it succeeded                      (printed)
 *   events_failed       it failed                         (printed)
 *   events_elapsed      seconds since events_init
 *   events_write_trace  write the trace-event JSON file, with the loop's
 *                       own record when one was kept (trace.h)
 *   events_free         release the record
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stddef.h>
#include <stdio.h>

enum event_kind { EVENT_START, EVENT_CONNECTED, EVENT_FIRST_BYTE, EVENT_DONE, EVENT_FAILED };

struct event {
	double time; /* seconds since events_init */
	int id;      /* which download */
	enum event_kind kind;
	const char *url; /* borrowed: must outlive the record */
};

struct events {
	FILE *log;
	double start; /* CLOCK_MONOTONIC seconds at events_init */
	struct event *list;
	size_t count, capacity;
};

void events_init(struct events *ev, FILE *log);
void events_start(struct events *ev, int id, const char *url);
void events_connected(struct events *ev, int id, const char *url);
void events_first_byte(struct events *ev, int id, const char *url);
void events_done(struct events *ev, int id, const char *url, long long bytes, const char *saved_as);
void events_failed(struct events *ev, int id, const char *url);
double events_elapsed(const struct events *ev);

/* Write the record to PATH as trace-event JSON, the process named LABEL.
 * Returns 0 or a negative errno. */
int events_write_trace(const struct events *ev, const char *path, const char *label);

void events_free(struct events *ev);

#endif
