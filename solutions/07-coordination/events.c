/*
 * events.c - the program's own record of what happened when. See events.h.
 */
#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "trace.h"

static double monotonic_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void events_init(struct events *ev, FILE *log)
{
	ev->log = log;
	ev->start = monotonic_seconds();
	ev->list = NULL;
	ev->count = ev->capacity = 0;
}

double events_elapsed(const struct events *ev)
{
	return monotonic_seconds() - ev->start;
}

/* Keep an event for the trace. Running out of memory loses the trace, never
 * the download, so a failed allocation is simply not recorded. */
static double record(struct events *ev, int id, enum event_kind kind, const char *url)
{
	double now = events_elapsed(ev);
	if (ev->count == ev->capacity) {
		size_t capacity = ev->capacity ? ev->capacity * 2 : 64;
		struct event *list = realloc(ev->list, capacity * sizeof *list);
		if (!list)
			return now;
		ev->list = list;
		ev->capacity = capacity;
	}
	ev->list[ev->count++] = (struct event){ now, id, kind, url };
	return now;
}

void events_start(struct events *ev, int id, const char *url)
{
	double now = record(ev, id, EVENT_START, url);
	if (!ev->log)
		return;
	fprintf(ev->log, "[%7.3f] start  %s\n", now, url);
	fflush(ev->log);
}

void events_connected(struct events *ev, int id, const char *url)
{
	record(ev, id, EVENT_CONNECTED, url);
}

void events_first_byte(struct events *ev, int id, const char *url)
{
	record(ev, id, EVENT_FIRST_BYTE, url);
}

void events_done(struct events *ev, int id, const char *url, long long bytes, const char *saved_as)
{
	double now = record(ev, id, EVENT_DONE, url);
	if (!ev->log)
		return;
	fprintf(ev->log, "[%7.3f] done   %s (%lld bytes -> %s)\n", now, url, bytes, saved_as);
	fflush(ev->log);
}

void events_failed(struct events *ev, int id, const char *url)
{
	double now = record(ev, id, EVENT_FAILED, url);
	if (!ev->log)
		return;
	fprintf(ev->log, "[%7.3f] failed %s\n", now, url);
	fflush(ev->log);
}

/* Write S as a JSON string: quotes, backslashes and control bytes escaped. */
static void write_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A download is a span from "B" (begin) to "E" (end) on a track of its own;
 * the milestones in between are instant events ("i") on that track. */
static void write_event(FILE *out, const struct event *e)
{
	static const char *const phase[] = { "B", "i", "i", "E", "E" };
	static const char *const name[] = { "download", "connected", "first byte", "done",
		                            "failed" };
	fprintf(out, "{\"name\":\"%s\",\"ph\":\"%s\",\"ts\":%.0f,\"pid\":1,\"tid\":%d",
	        name[e->kind], phase[e->kind], e->time * 1e6, e->id + 1);
	if (e->kind == EVENT_CONNECTED || e->kind == EVENT_FIRST_BYTE)
		fputs(",\"s\":\"t\"", out);
	if (e->kind == EVENT_START) {
		fputs(",\"args\":{\"url\":", out);
		write_json_string(out, e->url);
		fputc('}', out);
	}
	fputs("}", out);
}

/* Metadata events give the process and each track a readable name. */
static void write_names(FILE *out, const struct events *ev, const char *label)
{
	fputs("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":", out);
	write_json_string(out, label);
	fputs("}}", out);
	for (size_t i = 0; i < ev->count; i++) {
		if (ev->list[i].kind != EVENT_START)
			continue;
		fprintf(out,
		        ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
		        "\"args\":{\"name\":",
		        ev->list[i].id + 1);
		write_json_string(out, ev->list[i].url);
		fputs("}}", out);
	}
}

int events_write_trace(const struct events *ev, const char *path, const char *label)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -errno;
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", out);
	write_names(out, ev, label);
	for (size_t i = 0; i < ev->count; i++) {
		fputs(",\n", out);
		write_event(out, &ev->list[i]);
	}
	/* Then what the loop did, if it was recorded (trace.h), on the same
	 * time line: the loop's clock is CLOCK_MONOTONIC too. */
	trace_write_events(out, ev->start);
	fputs("\n]}\n", out);
	return fclose(out) == 0 ? 0 : -errno;
}

void events_free(struct events *ev)
{
	free(ev->list);
	ev->list = NULL;
	ev->count = ev->capacity = 0;
}
