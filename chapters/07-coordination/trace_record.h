/*
 * trace_record.h - inside the loop's flight recorder: what trace.c keeps
 * and trace_write.c writes. Nothing else includes it.
 *
 * Interface:
 *   enum trace_kind       what an event records (docs/trace-format.md)
 *   struct trace_event    one event: when, what, and up to three numbers
 *   struct trace_object   a handle, future or task met, by its address
 *   struct trace_recorder the record: one per process, trace_rec
 *   trace_write_file      write the whole record as a JSON document
 *   trace_record_last_output   what was printed after the last event
 */
#ifndef TRACE_RECORD_H
#define TRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "trace.h"

enum trace_kind {
	TRACE_ITERATION,  /* a: its number; a span */
	TRACE_PHASE,      /* a: its number, name: its name; a span */
	TRACE_POLL,       /* value: the timeout in seconds, -1 for none */
	TRACE_FD_READY,   /* a: fd, b: 1 readable | 2 writable */
	TRACE_CLOCK_JUMP, /* value: the time it jumps to */
	TRACE_FD_WATCH,   /* a: fd, b: 1 for its writer, 0 for its reader */
	TRACE_FD_UNWATCH, /* the same */
	TRACE_IO_CALLBACK,
	TRACE_DEADLINE, /* a: fd, value: when, 0 for cleared */
	TRACE_DEADLINE_FIRED,
	TRACE_CALL_SOON, /* a: handle, name: callback */
	TRACE_TIMER_DUE, /* a: handle */
	TRACE_READY_RUN,
	TRACE_READY_SKIP,
	TRACE_READY_RUN_ALL, /* a: how many */
	TRACE_TIMER_PUSH,    /* a: handle, name: callback, value: when */
	TRACE_TIMER_DROP,
	TRACE_TIMERS_COMPACTED, /* a: how many left */
	TRACE_CANCEL,           /* a: handle */
	TRACE_FUTURE_NEW,       /* a: future */
	TRACE_FUTURE_DONE,      /* a: future, name: its state */
	TRACE_TASK_NEW,         /* a: task, b: its future, name: its name */
	TRACE_TASK_STEP,        /* a: task */
	TRACE_TASK_STATE,       /* a: task, b: the future it awaits or 0, name: state */
	TRACE_OUTPUT,           /* text: what the program printed */
	TRACE_LOOP_END,
	TRACE_KINDS
};

struct trace_event {
	double time;     /* the loop's clock, seconds */
	double duration; /* spans: until the next one of theirs began */
	enum trace_kind kind;
	int a, b;
	double value;
	const char *name; /* interned by trace.c, or a string literal */
	char *text;       /* owned: TRACE_OUTPUT */
};

enum trace_object_kind { TRACE_NONE, TRACE_HANDLE, TRACE_FUTURE, TRACE_TASK, TRACE_OBJECT_KINDS };

/* Where a handle waits, as far as the record knows. */
enum trace_where { TRACE_NOWHERE, TRACE_IN_HEAP, TRACE_IN_READY };

struct trace_object {
	const void *address; /* NULL: an empty slot of the table */
	enum trace_object_kind kind;
	int id;
	enum trace_where where; /* handles */
	bool cancelled;         /* handles */
	bool done;              /* futures */
	int state, awaits;      /* tasks: as last recorded */
};

/* The order of the ready queue, as numbers (a ring over trace_rec.ready). */
struct trace_ready {
	size_t head, count, capacity;
};

struct trace_recorder {
	bool recording;
	const char *path; /* ASYNCIO_C_TRACE: written by trace_loop_free */
	struct loop *loop;
	trace_clock_fn *clock;
	struct trace_event *events;
	size_t count, capacity;
	size_t open_iteration, open_phase; /* 1 + the index of the open span, or 0 */
	int iterations;
	struct trace_object *objects; /* open addressing, a power of two */
	size_t object_count, object_capacity;
	int last_id[TRACE_OBJECT_KINDS];
	int *ready;
	struct trace_ready ready_line;
	char **names;
	size_t name_count, name_capacity;
	int output_fd;     /* stdout read back, or -1 */
	off_t output_seen; /* how much of it is recorded */
};

extern struct trace_recorder trace_rec;

/* Write the record to PATH as a whole trace-event document; print one
 * line on stderr when that fails (trace_loop_free has nobody to tell). */
void trace_write_file(const char *path);

/* Record what the program printed after the last event (download prints
 * its summary once the loop is done), at the last event's time. */
void trace_record_last_output(void);

#endif
