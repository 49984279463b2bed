/*
 * trace_write.c - the loop's flight recorder, written out as Chrome
 * trace-event JSON. See trace.h; docs/trace-format.md describes every
 * event this writes.
 *
 * Every event of the loop goes on track 0 ("tid":0, named "event loop"),
 * in category "loop": iterations and their phases as complete events
 * ("ph":"X", with a duration), so Perfetto draws each phase inside its
 * iteration; everything else as instant events ("ph":"i") with their
 * details in "args". Written in the order they were recorded, which is
 * the order the replay page steps through.
 */
#define _GNU_SOURCE /* program_invocation_short_name */
#include <errno.h>
#include <string.h>

#include "trace_record.h"

/* The event names, by kind (a phase is named after itself). */
static const char *const kind_names[TRACE_KINDS] = {
	[TRACE_ITERATION] = "iteration",
	[TRACE_POLL] = "poll_begin",
	[TRACE_FD_READY] = "fd_ready",
	[TRACE_CLOCK_JUMP] = "clock_jump",
	[TRACE_FD_WATCH] = "fd_watch",
	[TRACE_FD_UNWATCH] = "fd_unwatch",
	[TRACE_IO_CALLBACK] = "io_callback",
	[TRACE_DEADLINE] = "deadline",
	[TRACE_DEADLINE_FIRED] = "deadline_fired",
	[TRACE_CALL_SOON] = "call_soon",
	[TRACE_TIMER_DUE] = "timer_due",
	[TRACE_READY_RUN] = "ready_run",
	[TRACE_READY_SKIP] = "ready_skip",
	[TRACE_READY_RUN_ALL] = "ready_run_all",
	[TRACE_TIMER_PUSH] = "timer_push",
	[TRACE_TIMER_DROP] = "timer_drop",
	[TRACE_TIMERS_COMPACTED] = "timers_compacted",
	[TRACE_CANCEL] = "cancel",
	[TRACE_FUTURE_NEW] = "future_new",
	[TRACE_FUTURE_DONE] = "future_done",
	[TRACE_TASK_NEW] = "task_new",
	[TRACE_TASK_STEP] = "task_step",
	[TRACE_TASK_STATE] = "task_state",
	[TRACE_OUTPUT] = "output",
	[TRACE_LOOP_END] = "loop_end",
};

/* Write S as a JSON string: quotes, backslashes and control bytes escaped,
 * a newline as \n (output is mostly lines). */
static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* ,"name":"TEXT" when there is a text. */
static void write_name_arg(FILE *out, const char *key, const char *text)
{
	if (!text)
		return;
	fprintf(out, ",\"%s\":", key);
	write_string(out, text);
}

/* What a descriptor event is about: "fd":3,"dir":"read". */
static void write_fd_args(FILE *out, const struct trace_event *e)
{
	fprintf(out, "\"fd\":%d,\"dir\":\"%s\"", e->a, e->b ? "write" : "read");
}

/* The details of E, the inside of its "args" object. Times on the loop's
 * clock are written relative to ZERO, as the timestamps are. */
static void write_args(FILE *out, const struct trace_event *e, double zero)
{
	switch (e->kind) {
	case TRACE_ITERATION:
		fprintf(out, "\"n\":%d", e->a);
		break;
	case TRACE_PHASE:
		fprintf(out, "\"phase\":%d", e->a);
		break;
	case TRACE_POLL:
		fprintf(out, "\"timeout\":%.6f", e->value);
		break;
	case TRACE_FD_READY:
		fprintf(out, "\"fd\":%d,\"read\":%s,\"write\":%s", e->a, e->b & 1 ? "true" : "false",
		        e->b & 2 ? "true" : "false");
		break;
	case TRACE_CLOCK_JUMP:
		fprintf(out, "\"to\":%.6f", e->value - zero);
		break;
	case TRACE_FD_WATCH:
	case TRACE_FD_UNWATCH:
	case TRACE_IO_CALLBACK:
		write_fd_args(out, e);
		break;
	case TRACE_DEADLINE:
		if (e->value == 0)
			fprintf(out, "\"fd\":%d,\"when\":null", e->a);
		else
			fprintf(out, "\"fd\":%d,\"when\":%.6f", e->a, e->value - zero);
		break;
	case TRACE_DEADLINE_FIRED:
		fprintf(out, "\"fd\":%d", e->a);
		break;
	case TRACE_READY_RUN_ALL:
		fprintf(out, "\"count\":%d", e->a);
		break;
	case TRACE_TIMERS_COMPACTED:
		fprintf(out, "\"dropped\":%d", e->a);
		break;
	case TRACE_TIMER_PUSH:
		fprintf(out, "\"h\":%d,\"when\":%.6f", e->a, e->value - zero);
		write_name_arg(out, "callback", e->name);
		break;
	case TRACE_CALL_SOON:
		fprintf(out, "\"h\":%d", e->a);
		write_name_arg(out, "callback", e->name);
		break;
	case TRACE_TIMER_DUE:
	case TRACE_READY_RUN:
	case TRACE_READY_SKIP:
	case TRACE_TIMER_DROP:
	case TRACE_CANCEL:
		fprintf(out, "\"h\":%d", e->a);
		break;
	case TRACE_FUTURE_NEW:
		fprintf(out, "\"f\":%d", e->a);
		break;
	case TRACE_FUTURE_DONE:
		fprintf(out, "\"f\":%d,\"state\":\"%s\"", e->a, e->name);
		break;
	case TRACE_TASK_NEW:
		fprintf(out, "\"t\":%d,\"f\":%d", e->a, e->b);
		write_name_arg(out, "name", e->name);
		break;
	case TRACE_TASK_STEP:
		fprintf(out, "\"t\":%d", e->a);
		break;
	case TRACE_TASK_STATE:
		fprintf(out, "\"t\":%d,\"state\":\"%s\"", e->a, e->name);
		if (e->b)
			fprintf(out, ",\"awaits\":%d", e->b);
		break;
	case TRACE_OUTPUT:
		fputs("\"text\":", out);
		write_string(out, e->text);
		break;
	case TRACE_LOOP_END:
	case TRACE_KINDS:
		break;
	}
}

static void write_event(FILE *out, const struct trace_event *e, double zero)
{
	bool span = e->kind == TRACE_ITERATION || e->kind == TRACE_PHASE;
	/* What the loop did before ZERO (chapter 6 makes its loop before the
	 * downloads' clock starts) is written at 0, where the time line
	 * begins: a few microseconds early, rather than at a negative time. */
	double ts = e->time > zero ? (e->time - zero) * 1e6 : 0;
	fputs(",\n{\"name\":", out);
	write_string(out, e->kind == TRACE_PHASE ? e->name : kind_names[e->kind]);
	fprintf(out, ",\"cat\":\"loop\",\"ph\":\"%s\",\"ts\":%.3f", span ? "X" : "i", ts);
	if (span)
		fprintf(out, ",\"dur\":%.3f", e->duration * 1e6);
	else
		fputs(",\"s\":\"t\"", out);
	fputs(",\"pid\":1,\"tid\":0,\"args\":{", out);
	write_args(out, e, zero);
	fputs("}}", out);
}

int trace_write_events(FILE *out, double zero)
{
	if (trace_rec.count == 0)
		return 0;
	trace_record_last_output();
	fputs(",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
	      "\"args\":{\"name\":\"event loop\"}}",
	      out);
	for (size_t i = 0; i < trace_rec.count; i++)
		write_event(out, &trace_rec.events[i], zero);
	return ferror(out) ? -EIO : 0;
}

void trace_write_file(const char *path)
{
	FILE *out = fopen(path, "w");
	if (!out) {
		fprintf(stderr, "trace: cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"
	      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":",
	      out);
	write_string(out, program_invocation_short_name);
	fputs("}}", out);
	/* Time 0 is the first event: on a virtual clock, the clock's start. */
	int rc = trace_write_events(out, trace_rec.count ? trace_rec.events[0].time : 0);
	fputs("\n]}\n", out);
	if (fclose(out) != 0 || rc < 0)
		fprintf(stderr, "trace: cannot write %s: %s\n", path, strerror(rc < 0 ? -rc : errno));
}
