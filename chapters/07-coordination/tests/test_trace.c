/*
 * test_trace.c - the loop's flight recorder (trace.h) in chapter 7: on
 * every selector, the poll's answer is recorded the same way, and so is
 * the reader it leads to (chapter 6's test); and a lock's hand-over is
 * there to be read: the release finishes the waiter's future, and the
 * waiting task steps in the next iteration.
 */
#include "backends.h"
#include "coord.h"
#include "lock.h"
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

static struct future *take_lock(void *lock)
{
	return taken(lock_acquire(lock), "lock_acquire");
}

/* The iteration numbers of every event named NAME (from the record's
 * "iteration" events, which open each one), separated by spaces. */
static void iterations_of(const char *text, const char *name, char *out, size_t size)
{
	char event[64];
	snprintf(event, sizeof event, "{\"name\":\"%s\"", name);
	out[0] = '\0';
	int iteration = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (strncmp(line, "{\"name\":\"iteration\"", 19) == 0)
			iteration++;
		else if (strncmp(line, event, strlen(event)) == 0) {
			char word[16];
			snprintf(word, sizeof word, "%d", iteration);
			trace_append(out, size, word, strlen(word));
		}
	}
}

Test(trace, a_lock_hand_over_shows_the_release_then_the_waiter_stepping)
{
	trace_start();
	struct loop *loop = quiet_loop();
	struct lock *lock = lock_new(loop);
	cr_assert(lock != NULL, "lock_new");
	struct future *first = take_lock(lock);
	cr_assert(future_done(first), "a free lock is taken at once");
	future_free(first);
	journal_reset();
	struct user u = { .name = "w", .thing = lock, .take = take_lock };
	struct future *task = user_task(loop, &u);
	run_once(loop);
	cr_assert_str_eq(journal, "", "the task waits for the lock");
	cr_assert_eq(lock_release(lock), 0, "lock_release");
	run_until(loop, task);
	cr_assert_str_eq(journal, "w ", "the task got the lock");
	char *text = trace_text();
	char steps[64];
	iterations_of(text, "task_step", steps, sizeof steps);
	cr_assert_str_eq(steps, "1 2",
	                 "the task stepped twice: once to wait, once when woken, in "
	                 "the next iteration; the record:\n%s",
	                 text);
	char names[256];
	trace_names(text, "iteration future_done task_step", names, sizeof names);
	cr_assert(strstr(names,
	                 "iteration task_step future_done iteration task_step future_done") != NULL,
	          "the release, between two iterations, finishes the waiter's future; in the "
	          "next iteration the task steps with the lock and ends: %s",
	          names);
	free(text);
	future_free(task);
	lock_free(lock);
	loop_free(loop);
	trace_stop();
}
