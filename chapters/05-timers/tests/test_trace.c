/*
 * test_trace.c - the loop's flight recorder (trace.h) in chapter 5, in
 * virtual time: timers pushed, moved from the heap to the ready queue when
 * due, cancelled and dropped; the clock's jumps; what the program printed,
 * between the events it came between; and worker's whole run written to
 * ASYNCIO_C_TRACE.
 */
#include <fcntl.h>
#include <unistd.h>

#include "probe.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(trace, .timeout = 10);

static void nothing(void *arg)
{
	(void)arg;
}

static void say_hello(void *arg)
{
	(void)arg;
	printf("hello from a timer\n");
}

/* Run LOOP until it is idle; the run must succeed. */
static void run_until_idle(struct loop *loop)
{
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
}

Test(trace, a_due_timer_moves_from_the_heap_to_the_ready_queue)
{
	trace_start();
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	handle_detach(scheduled(loop_call_later(loop, 2.0, nothing, NULL)));
	handle_detach(scheduled(loop_call_later(loop, 1.0, nothing, NULL)));
	run_until_idle(loop);
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "timer_push clock_jump timer_due ready_run", names, sizeof names);
	cr_assert_str_eq(names,
	                 "timer_push timer_push clock_jump timer_due ready_run clock_jump "
	                 "timer_due ready_run",
	                 "two timers wait; each time the clock jumps to the nearest, it moves "
	                 "to the ready queue and runs; the record:\n%s",
	                 text);
	char handles[64], jumps[64];
	trace_values(text, "timer_due", "h", handles, sizeof handles);
	cr_assert_str_eq(handles, "2 1", "the one due at 1 s (handle 2) first");
	trace_values(text, "clock_jump", "to", jumps, sizeof jumps);
	cr_assert_str_eq(jumps, "1.000000 2.000000", "the clock jumps to each deadline");
	cr_assert(strstr(text, "{\"name\":\"timer_due\",\"cat\":\"loop\",\"ph\":\"i\","
	                       "\"ts\":1000000.000,"),
	          "the first is due at 1 s of virtual time, exactly; the record:\n%s", text);
	free(text);
	trace_stop();
}

Test(trace, a_cancelled_timer_stays_in_the_heap_until_it_reaches_the_top)
{
	trace_start();
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct handle *early = scheduled(loop_call_later(loop, 1.0, nothing, NULL));
	handle_detach(scheduled(loop_call_later(loop, 2.0, nothing, NULL)));
	handle_detach(scheduled(loop_call_later(loop, 3.0, nothing, NULL)));
	handle_cancel(early);
	handle_free(early);
	run_until_idle(loop);
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "cancel timer_drop timer_due", names, sizeof names);
	cr_assert_str_eq(names, "cancel timer_drop timer_due timer_due",
	                 "cancelled, it stays until it is on top, then it is dropped, never due; "
	                 "the record:\n%s",
	                 text);
	char dropped[64];
	trace_values(text, "timer_drop", "h", dropped, sizeof dropped);
	cr_assert_str_eq(dropped, "1", "the dropped one is handle 1, the one cancelled");
	free(text);
	trace_stop();
}

Test(trace, the_heap_rebuilt_without_its_cancelled_timers_is_recorded)
{
	trace_start();
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	struct handle *late[3];
	handle_detach(scheduled(loop_call_later(loop, 1.0, nothing, NULL)));
	for (int i = 0; i < 3; i++)
		late[i] = scheduled(loop_call_later(loop, 5.0 + i, nothing, NULL));
	for (int i = 0; i < 3; i++) {
		handle_cancel(late[i]);
		handle_free(late[i]);
	}
	run_until_idle(loop);
	loop_free(loop);
	char *text = trace_text();
	char dropped[64];
	trace_values(text, "timers_compacted", "dropped", dropped, sizeof dropped);
	cr_assert_str_eq(dropped, "3",
	                 "three of four timers cancelled: step 1 rebuilds the heap without them; "
	                 "the record:\n%s",
	                 text);
	free(text);
	trace_stop();
}

Test(trace, what_the_program_prints_comes_between_the_events_around_it)
{
	/* The recorder reads stdout back when it is a regular file. */
	char path[] = "/tmp/trace-output-XXXXXX";
	int file = mkstemp(path);
	cr_assert(file >= 0, "mkstemp");
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(file, STDOUT_FILENO);
	trace_start();
	struct virtual_clock clock;
	struct loop *loop = virtual_loop(&clock);
	handle_detach(scheduled(loop_call_later(loop, 1.0, say_hello, NULL)));
	run_until_idle(loop);
	loop_free(loop);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(file);
	unlink(path);
	char *text = trace_text();
	char names[512];
	trace_names(text, "ready_run output iteration loop_end", names, sizeof names);
	cr_assert_str_eq(names, "iteration ready_run output loop_end",
	                 "the line printed by the timer's callback, right after it ran; the "
	                 "record:\n%s",
	                 text);
	cr_assert(strstr(text, "\"args\":{\"text\":\"hello from a timer\\n\"}"),
	          "the text as printed; the record:\n%s", text);
	free(text);
	trace_stop();
}

Test(trace, worker_writes_its_whole_run_to_asyncio_c_trace)
{
	char *dir = temp_dir_new();
	char path[4096];
	snprintf(path, sizeof path, "%s/worker.json", dir);
	setenv("ASYNCIO_C_TRACE", path, 1);
	const char *args[] = { "--virtual", NULL };
	struct run run;
	run_program(&run, "PROGRAM_WORKER", args);
	unsetenv("ASYNCIO_C_TRACE");
	cr_assert(strstr(run.err, "not implemented yet") == NULL, "%s", run.err);
	cr_assert_eq(run.status, 0, "worker exits 0; stderr:\n%s", run.err);
	cr_assert(strstr(run.out, "[3.10] WorkerA final status: Cancelled\n"),
	          "it prints what it always prints:\n%s", run.out);
	FILE *f = fopen(path, "r");
	cr_assert(f != NULL, "ASYNCIO_C_TRACE=%s: the file is written", path);
	static char text[1 << 16];
	size_t len = fread(text, 1, sizeof text - 1, f);
	text[len] = '\0';
	fclose(f);
	cr_assert(strncmp(text, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", 38) == 0,
	          "a trace-event JSON object, got:\n%.300s", text);
	cr_assert(strstr(text, "\"args\":{\"t\":2,\"f\":2,\"name\":\"WorkerA\"}"),
	          "WorkerA is task 2, created by main");
	char states[256];
	trace_values(text, "task_state", "state", states, sizeof states);
	cr_assert(strstr(states, "cancelling"), "WorkerA is cancelling at some point: %s", states);
	char jumps[256];
	trace_values(text, "clock_jump", "to", jumps, sizeof jumps);
	cr_assert_str_eq(jumps, "1.000000 2.000000 3.000000 3.100000",
	                 "the virtual clock jumps to each deadline: 1, 2, 3 s, and 3.1 s for the "
	                 "cleanup");
	cr_assert(strstr(text, "{\"name\":\"loop_end\"") && strstr(text, "\n]}\n"),
	          "the record ends with the loop, and the document is closed");
	run_free(&run);
	unlink(path);
	temp_dir_free(dir);
}
