/*
 * test_loop_backends.c - the same loop tests on every selector: select,
 * poll and epoll. Readers and writers on pipes and socket pairs, the
 * dispatch rule (who is called in an iteration, in which order), removal
 * during an iteration, call_soon order, loop_stop, timers on the virtual
 * clock, and the statistics. Whatever the backend, the loop behaves the
 * same: that is the point of an interface.
 */
#include "backends.h"
#include "virtual_clock.h"

TestSuite(backends, .timeout = 10);

/* What the callbacks of a test did, in order: a letter each. */
struct trace {
	struct loop *loop;
	char calls[64];
	int count;
	int fds[4][2];
};

static void note(struct trace *t, char what)
{
	if (t->count < (int)sizeof t->calls - 1)
		t->calls[t->count++] = what;
}

static void on_a(void *arg)
{
	note(arg, 'a');
}
static void on_b(void *arg)
{
	note(arg, 'b');
}
static void on_c(void *arg)
{
	note(arg, 'c');
}

ParameterizedTestParameters(backends, reader_runs_only_when_readable)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, reader_runs_only_when_readable)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_pipe(t.fds[0]);
	cr_assert_eq(loop_add_reader(loop, t.fds[0][0], on_a, &t), 0, "add_reader on a pipe");
	handle_detach(loop_call_soon(loop, on_b, &t));
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "b", "an empty pipe is not readable: only the call_soon ran");
	put_byte(t.fds[0][1]);
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "ba", "a byte in the pipe makes its reader run");
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "baa", "level-triggered: still readable, called again");
	cr_assert_eq(loop_remove_reader(loop, t.fds[0][0]), 1, "remove_reader removes it");
	cr_assert_eq(loop_run_once(loop), 0, "nothing left: the iteration returns at once");
	close_pair(t.fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, writer_runs_when_writable)
{
	return backend_names();
}

static void write_once(void *arg)
{
	struct trace *t = arg;
	note(t, 'w');
	loop_remove_writer(t->loop, t->fds[0][0]);
}

ParameterizedTest(struct backend *backend, backends, writer_runs_when_writable)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_socketpair(t.fds[0]);
	cr_assert_eq(loop_add_writer(loop, t.fds[0][0], write_once, &t), 0, "add_writer");
	cr_assert_eq(loop_run(loop), 0, "loop_run");
	cr_assert_str_eq(t.calls, "w", "an empty socket buffer is writable: the writer ran once");
	close_pair(t.fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, end_of_stream_is_readable)
{
	return backend_names();
}

static void read_to_end(void *arg)
{
	struct trace *t = arg;
	char byte;
	if (read(t->fds[0][0], &byte, 1) == 0) {
		note(t, 'e');
		loop_remove_reader(t->loop, t->fds[0][0]);
	}
}

ParameterizedTest(struct backend *backend, backends, end_of_stream_is_readable)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_socketpair(t.fds[0]);
	loop_add_reader(loop, t.fds[0][0], read_to_end, &t);
	close(t.fds[0][1]);
	cr_assert_eq(loop_run(loop), 0, "loop_run");
	cr_assert_str_eq(t.calls, "e", "the peer's close wakes the reader, and read() says 0");
	close(t.fds[0][0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, ready_descriptors_in_ascending_order)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, ready_descriptors_in_ascending_order)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_socketpair(t.fds[0]);
	make_socketpair(t.fds[1]);
	/* Registered highest first and made ready highest first: an order
	 * the selector might keep, and the loop must not. */
	loop_add_reader(loop, t.fds[1][0], on_b, &t);
	loop_add_reader(loop, t.fds[0][0], on_a, &t);
	loop_add_writer(loop, t.fds[0][0], on_c, &t);
	put_byte(t.fds[1][1]);
	put_byte(t.fds[0][1]);
	int called = run_once_ok(loop);
	cr_assert_eq(called, 3,
	             "%s: two readers and a writer are ready, so three callbacks run in one "
	             "iteration, but %d did (order: %s): each ready descriptor must be reported "
	             "with its own directions, readable and writable apart",
	             backend_code(backend), called, t.calls);
	cr_assert_str_eq(t.calls, "acb",
	                 "the lower descriptor first, its reader before its writer (got %s)",
	                 t.calls);
	close_pair(t.fds[0]);
	close_pair(t.fds[1]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, removed_during_the_iteration_is_not_called)
{
	return backend_names();
}

/* The first reader removes the second one's reader, and registers a new
 * one on a third descriptor that is ready too. */
static void remove_and_register(void *arg)
{
	struct trace *t = arg;
	note(t, 'a');
	loop_remove_reader(t->loop, t->fds[1][0]);
	loop_add_reader(t->loop, t->fds[2][0], on_c, t);
}

ParameterizedTest(struct backend *backend, backends, removed_during_the_iteration_is_not_called)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	for (int i = 0; i < 3; i++) {
		make_socketpair(t.fds[i]);
		put_byte(t.fds[i][1]);
	}
	loop_add_reader(loop, t.fds[0][0], remove_and_register, &t);
	loop_add_reader(loop, t.fds[1][0], on_b, &t);
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "a",
	                 "a reader removed in this iteration is not called, and one registered "
	                 "in it waits for the next poll, ready or not (got %s)",
	                 t.calls);
	loop_remove_reader(loop, t.fds[0][0]);
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "ac", "the new reader runs in the next iteration");
	loop_remove_reader(loop, t.fds[2][0]);
	for (int i = 0; i < 3; i++)
		close_pair(t.fds[i]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, replaced_reader_waits_for_the_next_poll)
{
	return backend_names();
}

/* Replace the reader of the second descriptor, which is ready. */
static void replace_other(void *arg)
{
	struct trace *t = arg;
	note(t, 'a');
	loop_remove_reader(t->loop, t->fds[0][0]);
	loop_add_reader(t->loop, t->fds[1][0], on_c, t);
}

ParameterizedTest(struct backend *backend, backends, replaced_reader_waits_for_the_next_poll)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_socketpair(t.fds[0]);
	make_socketpair(t.fds[1]);
	put_byte(t.fds[0][1]);
	put_byte(t.fds[1][1]);
	loop_add_reader(loop, t.fds[0][0], replace_other, &t);
	loop_add_reader(loop, t.fds[1][0], on_b, &t);
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "a", "neither the old reader nor its replacement (got %s)",
	                 t.calls);
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "ac", "the replacement runs from the next poll on");
	loop_remove_reader(loop, t.fds[1][0]);
	close_pair(t.fds[0]);
	close_pair(t.fds[1]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, call_soon_first_in_first_out)
{
	return backend_names();
}

static void schedule_more(void *arg)
{
	struct trace *t = arg;
	note(t, 'x');
	handle_detach(loop_call_soon(t->loop, on_c, t));
}

ParameterizedTest(struct backend *backend, backends, call_soon_first_in_first_out)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	handle_detach(loop_call_soon(loop, on_a, &t));
	handle_detach(loop_call_soon(loop, schedule_more, &t));
	handle_detach(loop_call_soon(loop, on_b, &t));
	cr_assert_eq(run_once_ok(loop), 3, "the snapshot: three callbacks");
	cr_assert_str_eq(t.calls, "axb", "in the order they were scheduled");
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "axbc", "what they schedule runs in the next iteration");
	loop_free(loop);
}

ParameterizedTestParameters(backends, stop_ends_the_run_after_the_iteration)
{
	return backend_names();
}

static void stop_loop(void *arg)
{
	struct trace *t = arg;
	note(t, 's');
	loop_stop(t->loop);
}

ParameterizedTest(struct backend *backend, backends, stop_ends_the_run_after_the_iteration)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_pipe(t.fds[0]);
	loop_add_reader(loop, t.fds[0][0], on_a, &t); /* never ready: work forever */
	handle_detach(loop_call_soon(loop, stop_loop, &t));
	handle_detach(loop_call_soon(loop, on_b, &t));
	cr_assert_eq(loop_run(loop), 0, "loop_run returns after loop_stop");
	cr_assert_str_eq(t.calls, "sb", "the rest of the iteration still ran");
	loop_remove_reader(loop, t.fds[0][0]);
	close_pair(t.fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, timers_in_virtual_time)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, timers_in_virtual_time)
{
	struct loop *loop = backend_loop(backend->name);
	struct virtual_clock clock;
	virtual_clock_install(&clock, loop, 100.0);
	struct trace t = { .loop = loop };
	make_pipe(t.fds[0]);
	loop_add_reader(loop, t.fds[0][0], on_b, &t); /* watched, never ready */
	handle_detach(loop_call_later(loop, 5.0, stop_loop, &t));
	handle_detach(loop_call_later(loop, 1.0, on_a, &t));
	handle_detach(loop_call_later(loop, 3.0, on_c, &t));
	struct handle *cancelled = loop_call_later(loop, 2.0, on_b, &t);
	handle_cancel(cancelled);
	handle_free(cancelled);
	cr_assert_eq(loop_run(loop), 0, "loop_run");
	cr_assert_str_eq(t.calls, "acs", "timers fire by deadline; the cancelled one never");
	cr_assert_float_eq(loop_time(loop), 105.0, 1e-9, "the virtual clock jumped to 105");
	struct loop_stats stats;
	loop_get_stats(loop, &stats);
	cr_assert_eq(stats.timers, 3, "three timers fired (got %lu)", stats.timers);
	cr_assert_eq(stats.callbacks, 3, "three callbacks in all (got %lu)", stats.callbacks);
	cr_assert_eq(stats.iterations, 3, "one iteration per deadline (got %lu)", stats.iterations);
	cr_assert_float_eq(stats.max_poll_wait, 2.0, 1e-9,
	                   "the longest poll waited from 101 to 103 (got %.3f)",
	                   stats.max_poll_wait);
	loop_remove_reader(loop, t.fds[0][0]);
	close_pair(t.fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, unreferenced_descriptor_is_not_work)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, unreferenced_descriptor_is_not_work)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_pipe(t.fds[0]);
	cr_assert_eq(loop_unref_fd(loop, t.fds[0][0]), -ENOENT, "nothing registered to unref");
	loop_add_reader(loop, t.fds[0][0], on_a, &t);
	cr_assert_eq(loop_unref_fd(loop, t.fds[0][0]), 0, "loop_unref_fd");
	handle_detach(loop_call_soon(loop, on_b, &t));
	cr_assert_eq(loop_run(loop), 0, "loop_run returns though a reader waits");
	cr_assert_str_eq(t.calls, "b", "after the only real work");
	put_byte(t.fds[0][1]);
	handle_detach(loop_call_soon(loop, on_b, &t));
	run_once_ok(loop);
	cr_assert_str_eq(t.calls, "bab", "an unreferenced reader is still called when ready");
	loop_remove_reader(loop, t.fds[0][0]);
	loop_add_reader(loop, t.fds[0][0], on_c, &t);
	cr_assert_eq(run_once_ok(loop), 1,
	             "the mark ended with its last callback: the new reader "
	             "counts as work and runs");
	loop_remove_reader(loop, t.fds[0][0]);
	close_pair(t.fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, refuses_bad_descriptors)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, refuses_bad_descriptors)
{
	struct loop *loop = backend_loop(backend->name);
	int fds[2];
	make_pipe(fds);
	close(fds[1]);
	cr_assert_eq(loop_add_reader(loop, -1, on_a, NULL), -EBADF, "negative: -EBADF");
	cr_assert_eq(loop_add_reader(loop, fds[1], on_a, NULL), -EBADF, "closed: -EBADF");
	cr_assert_eq(loop_add_reader(loop, fds[0], NULL, NULL), -EINVAL, "no callback: -EINVAL");
	cr_assert_eq(loop_remove_reader(loop, fds[0]), 0, "nothing to remove: 0");
	cr_assert_eq(loop_remove_writer(loop, 1000), 0, "beyond the registry: 0");
	close(fds[0]);
	loop_free(loop);
}

ParameterizedTestParameters(backends, counts_iterations_and_callbacks)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, backends, counts_iterations_and_callbacks)
{
	struct loop *loop = backend_loop(backend->name);
	struct trace t = { .loop = loop };
	make_socketpair(t.fds[0]);
	put_byte(t.fds[0][1]);
	loop_add_reader(loop, t.fds[0][0], on_a, &t);
	handle_detach(loop_call_soon(loop, on_b, &t));
	run_once_ok(loop);
	run_once_ok(loop);
	struct loop_stats stats;
	loop_get_stats(loop, &stats);
	cr_assert_eq(stats.iterations, 2, "two iterations (got %lu)", stats.iterations);
	cr_assert_eq(stats.callbacks, 3, "reader twice, call_soon once (got %lu)", stats.callbacks);
	cr_assert_eq(stats.timers, 0, "no timer (got %lu)", stats.timers);
	char line[256] = "";
	FILE *out = fmemopen(line, sizeof line, "w");
	loop_print_stats(loop, out);
	fclose(out);
	char expected[128];
	snprintf(expected, sizeof expected, "loop (%s): 2 iterations, 3 callbacks, 0 timers, ",
	         backend->name);
	cr_assert(strncmp(line, expected, strlen(expected)) == 0,
	          "loop_print_stats says it in one line: %s", line);
	loop_remove_reader(loop, t.fds[0][0]);
	close_pair(t.fds[0]);
	loop_free(loop);
}

Test(backends, epoll_is_the_default_and_unknown_names_are_refused)
{
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	cr_assert_str_eq(loop_backend_name(loop), "epoll", "epoll by default on Linux");
	loop_free(loop);
	errno = 0;
	cr_assert_null(loop_new_with_backend("kqueue"), "no kqueue here: NULL");
	cr_assert_eq(errno, EINVAL, "with errno EINVAL");
}

/* select and poll notice a registered descriptor that was closed, and the
 * iteration fails with -EBADF, as chapter 2's loop did; epoll has
 * forgotten it already (closing removes it from the kernel's list). */
static void check_closed_descriptor(const char *backend, int expected)
{
	struct loop *loop = backend_loop(backend);
	int fds[2];
	make_pipe(fds);
	loop_add_reader(loop, fds[0], on_a, NULL);
	close(fds[0]);
	handle_detach(loop_call_soon(loop, on_b, &(struct trace){ 0 }));
	int rc = loop_run_once(loop);
	cr_assert_eq(rc < 0 ? rc : 0, expected, "%s: loop_run_once gives %d after a close (got %d)",
	             backend, expected, rc);
	loop_remove_reader(loop, fds[0]);
	close(fds[1]);
	loop_free(loop);
}

Test(backends, closed_registered_descriptor)
{
	check_closed_descriptor("select", -EBADF);
	check_closed_descriptor("poll", -EBADF);
	check_closed_descriptor("epoll", 0);
}
