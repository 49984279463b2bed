/*
 * test_trace.c - the loop's flight recorder (trace.h): off unless asked,
 * and when on, each iteration in its five phases, the wait with its
 * timeout, what select() found, and the readers and deadlines that come
 * and go, in the order they happened.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <unistd.h>

#include "loop.h"
#include "testkit.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(trace, .timeout = 10);

/* A reader that takes one byte and removes itself. */
struct reader {
	struct loop *loop;
	int fd;
};

/* How many times read_once ran. */
static int read_once_calls;

static void read_once(void *arg)
{
	struct reader *r = arg;
	read_once_calls++;
	char c;
	cr_assert_eq(read(r->fd, &c, 1), 1, "the pipe holds a byte");
	loop_remove_reader(r->loop, r->fd);
}

static void remove_reader(void *arg)
{
	struct reader *r = arg;
	loop_remove_reader(r->loop, r->fd);
}

/* Run LOOP with a reader on a pipe that has a byte to read, then free it.
 * Returns the read end, already closed (its number is in the record). */
static int run_one_reader(struct loop *loop)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe()");
	cr_assert_eq(write(fds[1], "x", 1), 1, "write()");
	struct reader r = { loop, fds[0] };
	cr_assert_eq(loop_add_reader(loop, fds[0], read_once, &r), 0, "loop_add_reader");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	loop_free(loop);
	close(fds[0]);
	close(fds[1]);
	return fds[0];
}

Test(trace, records_nothing_unless_asked)
{
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	run_one_reader(loop);
	char *text = trace_text();
	cr_assert_str_empty(text, "without trace_start or ASYNCIO_C_TRACE nothing is kept, got:\n%s",
	                    text);
	free(text);
}

Test(trace, an_iteration_in_its_phases_finds_the_reader_ready)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	int fd = run_one_reader(loop);
	char *text = trace_text();
	char names[1024];
	trace_names(text,
	            "fd_watch fd_unwatch iteration timeout register wait poll_begin fd_ready "
	            "dispatch deadlines loop_end",
	            names, sizeof names);
	cr_assert(read_once_calls != 1 || strstr(names, "fd_unwatch") != NULL,
	          "dispatch: the reader ran once and removed itself, yet the record shows no "
	          "fd_unwatch: its registration was already gone when it called "
	          "loop_remove_reader. A registration lasts until loop_remove_reader, as with "
	          "asyncio's add_reader: dispatch calls the callback and leaves it registered; "
	          "the record:\n%s",
	          text);
	cr_assert_str_eq(names,
	                 "fd_watch iteration timeout register wait poll_begin fd_ready dispatch "
	                 "fd_unwatch deadlines loop_end",
	                 "registered, one iteration in its five phases, the reader removed by its "
	                 "own callback during dispatch; the record:\n%s",
	                 text);
	char ready[128];
	snprintf(ready, sizeof ready, "\"args\":{\"fd\":%d,\"read\":true,\"write\":false}", fd);
	cr_assert(strstr(text, ready), "select() found fd %d ready to read: %s in\n%s", fd, ready,
	          text);
	char timeouts[256];
	trace_values(text, "poll_begin", "timeout", timeouts, sizeof timeouts);
	cr_assert_str_eq(timeouts, "-1.000000",
	                 "no deadline anywhere: select() may wait with no limit (-1)");
	free(text);
	trace_stop();
}

Test(trace, a_deadline_is_set_then_fires)
{
	trace_start();
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe()");
	struct reader r = { loop, fds[0] };
	cr_assert_eq(loop_add_reader(loop, fds[0], read_once, &r), 0, "loop_add_reader");
	/* Already passed: it fires in the first iteration's phase 5. */
	loop_set_deadline(loop, fds[0], loop_time(loop) - 1, remove_reader, &r);
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "deadline deadline_fired fd_unwatch deadlines", names, sizeof names);
	cr_assert_str_eq(names, "deadline deadlines deadline_fired fd_unwatch",
	                 "the deadline set, then in phase 5 it fires and its callback removes "
	                 "the reader; the record:\n%s",
	                 text);
	char timeouts[256];
	trace_values(text, "poll_begin", "timeout", timeouts, sizeof timeouts);
	cr_assert_str_eq(timeouts, "0.000000", "a deadline already passed: select() does not wait");
	free(text);
	trace_stop();
	close(fds[0]);
	close(fds[1]);
}
