/*
 * test_trace.c - the loop's flight recorder (trace.h) in chapter 6: on
 * every selector, the poll's answer is recorded the same way, and so is
 * the reader it leads to.
 */
#include "backends.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(trace, .timeout = 10);

struct reader {
	struct loop *loop;
	int fd;
};

static void read_once(void *arg)
{
	struct reader *r = arg;
	char c;
	cr_assert_eq(read(r->fd, &c, 1), 1, "the pipe holds a byte");
	loop_remove_reader(r->loop, r->fd);
}

ParameterizedTestParameters(trace, every_selector_reports_the_ready_reader)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, trace, every_selector_reports_the_ready_reader)
{
	trace_start();
	struct loop *loop = backend_loop(backend->name);
	int fds[2];
	make_pipe(fds);
	cr_assert_eq(write(fds[1], "x", 1), 1, "write()");
	struct reader r = { loop, fds[0] };
	cr_assert_eq(loop_add_reader(loop, fds[0], read_once, &r), 0, "loop_add_reader");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "epoll_wait_ready (loop_run said -ENOSYS)");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
	loop_free(loop);
	char *text = trace_text();
	char names[512];
	trace_names(text, "fd_watch poll_begin fd_ready io_callback fd_unwatch", names,
	            sizeof names);
	cr_assert_str_eq(names, "fd_watch poll_begin fd_ready io_callback fd_unwatch",
	                 "%s: registered, found ready, its reader runs and removes itself; the "
	                 "record:\n%s",
	                 backend->name, text);
	char ready[128];
	snprintf(ready, sizeof ready, "\"args\":{\"fd\":%d,\"read\":true,\"write\":false}", fds[0]);
	cr_assert(strstr(text, ready), "%s found fd %d ready to read: %s", backend->name, fds[0],
	          ready);
	free(text);
	trace_stop();
	close(fds[0]);
	close(fds[1]);
}
