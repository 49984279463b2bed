/*
 * test_loop.c - the event loop alone, with socketpairs and pipes: no
 * network, no server, no clock. What is ready is decided by the test,
 * which writes a byte before it runs the loop.
 *
 * The dispatch rule under test (loop.h): in one iteration the loop calls
 * the callbacks that were registered when select() began and are still
 * registered at the moment of the call, in ascending descriptor order,
 * the reader of a descriptor before its writer.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "testkit.h"
#include "trace.h"
#include "trace_probe.h"

TestSuite(loop, .timeout = 10);

/* What the callbacks did, in order: "r5" is the reader of fd 5, "w5" its writer. */
static char journal[256];

static void note(const char *what, int fd)
{
	size_t used = strlen(journal);
	snprintf(journal + used, sizeof journal - used, "%s%s%d", used ? " " : "", what, fd);
}

/* Each callback gets one of these: which descriptor, and what else to do. */
struct probe {
	struct loop *loop;
	int fd;
	int other_fd;        /* for the callbacks that act on another descriptor */
	struct probe *other; /* its probe, for those that register it */
	int calls;
};

static void drain(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0) {
	}
}

static void on_read(void *arg)
{
	struct probe *p = arg;
	p->calls++;
	note("r", p->fd);
	drain(p->fd);
}

static void on_write(void *arg)
{
	struct probe *p = arg;
	p->calls++;
	note("w", p->fd);
}

/* A socketpair whose both ends are non-blocking; [0] is made readable by
 * writing a byte into [1]. */
static void make_pair(int sv[2], int readable)
{
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	for (int i = 0; i < 2; i++)
		fcntl(sv[i], F_SETFL, O_NONBLOCK);
	if (readable)
		cr_assert(write(sv[1], "x", 1) == 1, "write a byte to make fd %d readable", sv[0]);
}

static void close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* One iteration; a hole of the starter is reported by name. */
static int run_once(struct loop *loop)
{
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_geq(rc, 0, "loop_run_once failed: %s", strerror(-rc));
	return rc;
}

static struct loop *new_loop(void)
{
	journal[0] = '\0';
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	return loop;
}

/* Did select() report FD ready, by the record? */
static bool select_reported(int fd)
{
	char *text = trace_text();
	char ready[256], listed[260], fd_text[16];
	trace_values(text, "fd_ready", "fd", ready, sizeof ready);
	free(text);
	snprintf(listed, sizeof listed, " %s ", ready);
	snprintf(fd_text, sizeof fd_text, " %d ", fd);
	return strstr(listed, fd_text) != NULL;
}

/* Did select() report FD writable, by the record? */
static bool select_reported_writable(int fd)
{
	char *text = trace_text();
	char fds[256], writes[512];
	trace_values(text, "fd_ready", "fd", fds, sizeof fds);
	trace_values(text, "fd_ready", "write", writes, sizeof writes);
	free(text);
	/* Both lists hold one word per fd_ready event, in the same order. */
	char *fd_save = NULL, *write_save = NULL;
	for (char *f = strtok_r(fds, " ", &fd_save), *w = strtok_r(writes, " ", &write_save);
	     f && w; f = strtok_r(NULL, " ", &fd_save), w = strtok_r(NULL, " ", &write_save))
		if (atoi(f) == fd && strcmp(w, "true") == 0)
			return true;
	return false;
}

Test(loop, watches_a_writer_above_every_reader)
{
	trace_start();
	struct loop *loop = new_loop();
	int quiet[2], fds[2];
	make_pair(quiet, 0);
	cr_assert(pipe(fds) == 0, "pipe");
	/* The writer's descriptor is the highest; the only reader sits below. */
	struct probe r = { loop, quiet[0], -1, NULL, 0 }, w = { loop, fds[1], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, r.fd, on_read, &r), 0, "add_reader on a socket");
	cr_assert_eq(loop_add_writer(loop, w.fd, on_write, &w), 0, "add_writer on a pipe");
	loop_stop(loop); /* one iteration that does not wait */
	run_once(loop);
	cr_assert(w.calls == 1 || !select_reported(w.fd),
	          "dispatch: select() reported fd %d writable, the highest registered, but its "
	          "writer was not called: dispatch must look at every descriptor up to and "
	          "including max_fd, writers too",
	          w.fd);
	cr_assert_eq(w.calls, 1,
	             "build_fd_sets: the writer of fd %d, the highest registered, was not called "
	             "although an empty pipe is writable: select() looks only at descriptors below "
	             "nfds, so "
	             "build_fd_sets must return one past the highest descriptor of either set, "
	             "writers included",
	             w.fd);
	trace_stop();
	loop_free(loop);
	close_pair(quiet);
	close(fds[0]);
	close(fds[1]);
}

/* The highest registered descriptor, alone: did select() report it, and
 * was its reader called? The record (trace.h) tells the two holes apart. */
Test(loop, calls_the_reader_of_the_highest_descriptor)
{
	trace_start();
	struct loop *loop = new_loop();
	int low[2], high[2];
	make_pair(low, 0);
	make_pair(high, 1);
	struct probe r = { loop, high[1] > high[0] ? high[1] : high[0], -1, NULL, 0 };
	if (r.fd == high[1])
		cr_assert_eq(write(high[0], "x", 1), 1, "make the higher end readable too");
	cr_assert_eq(loop_add_reader(loop, r.fd, on_read, &r), 0, "add_reader");
	loop_stop(loop); /* one iteration that does not wait */
	run_once(loop);
	cr_assert(select_reported(r.fd),
	          "build_fd_sets: select() did not report fd %d, the only registered descriptor, "
	          "although it is readable: it must be in the read set, and nfds must be one past "
	          "it",
	          r.fd);
	cr_assert_eq(r.calls, 1,
	             "dispatch: select() reported fd %d readable, the highest registered, but its "
	             "reader was not called: dispatch must look at every descriptor from 0 up to "
	             "and including max_fd",
	             r.fd);
	trace_stop();
	loop_free(loop);
	close_pair(low);
	close_pair(high);
}

Test(loop, a_reader_stays_registered_after_its_call)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	struct probe r = { loop, sv[0], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, r.fd, on_read, &r), 0, "add_reader");
	loop_stop(loop); /* one iteration that does not wait */
	run_once(loop);
	cr_assert_eq(r.calls, 1, "the reader of a readable socket ran in the first iteration");
	cr_assert_eq(write(sv[1], "y", 1), 1, "make fd %d readable again", r.fd);
	loop_stop(loop);
	run_once(loop);
	cr_assert_eq(r.calls, 2,
	             "dispatch: the reader of fd %d ran once, and not again when its socket was "
	             "readable in the next iteration: a registration lasts until "
	             "loop_remove_reader (as with asyncio's add_reader), so dispatch calls the "
	             "callback and leaves it registered",
	             r.fd);
	loop_free(loop);
	close_pair(sv);
}

/* Descriptor 0 is a descriptor like any other: a program started with its
 * standard input closed gets its first socket there. */
Test(loop, watches_descriptor_0_like_any_other)
{
	trace_start();
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	cr_assert(dup2(sv[0], 0) == 0, "dup2 the readable end onto descriptor 0: %s",
	          strerror(errno));
	struct probe r = { loop, 0, -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, 0, on_read, &r), 0, "add_reader on descriptor 0");
	loop_stop(loop); /* one iteration that does not wait */
	run_once(loop);
	cr_assert(select_reported(0),
	          "build_fd_sets: select() did not report descriptor 0, registered and readable: "
	          "0 is a descriptor like any other (a program whose standard input is closed "
	          "gets its first socket there), so the scan of the registry starts at 0");
	cr_assert_eq(r.calls, 1,
	             "dispatch: select() reported descriptor 0 readable, but its reader was called "
	             "%d times: the scan of the registry starts at descriptor 0",
	             r.calls);
	trace_stop();
	loop_free(loop);
	close_pair(sv);
	close(0);
}

/* Fill the stack below this frame with set bits, as earlier calls leave it:
 * an fd_set that is not emptied before use then holds descriptors nobody
 * registered. */
static void __attribute__((noinline)) dirty_the_stack(void)
{
	volatile unsigned char junk[16384];
	memset((unsigned char *)junk, 0xff, sizeof junk);
}

Test(loop, watches_only_the_registered_descriptors)
{
	trace_start();
	struct loop *loop = new_loop();
	int quiet[2];
	make_pair(quiet, 0);
	struct probe r = { loop, quiet[0], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, r.fd, on_read, &r), 0, "add_reader");
	loop_stop(loop); /* one iteration that does not wait */
	dirty_the_stack();
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	char *text = trace_text();
	char ready[256];
	trace_values(text, "fd_ready", "fd", ready, sizeof ready);
	free(text);
	trace_stop();
	cr_assert(rc >= 0,
	          "build_fd_sets: with one quiet socket registered, select() failed (%s): the sets "
	          "held descriptors nobody registered. An fd_set on the stack holds whatever was "
	          "there before: empty both with FD_ZERO, then add the registered descriptors",
	          strerror(-rc));
	char first[16] = "";
	sscanf(ready, "%15s", first);
	cr_assert_str_empty(
	        ready,
	        "build_fd_sets: the only registered socket, fd %d, is quiet, yet the sets "
	        "came back from select() holding fd %s, which nobody registered. An "
	        "fd_set on the stack holds whatever was there before: empty both with "
	        "FD_ZERO, then add the registered descriptors",
	        r.fd, first);
	loop_free(loop);
	close_pair(quiet);
}

Test(loop, calls_the_reader_of_a_readable_socket_only)
{
	struct loop *loop = new_loop();
	int ready[2], quiet[2];
	make_pair(ready, 1);
	make_pair(quiet, 0);
	struct probe a = { loop, ready[0], -1, NULL, 0 }, b = { loop, quiet[0], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, a.fd, on_read, &a), 0, "add_reader on a socket");
	cr_assert_eq(loop_add_reader(loop, b.fd, on_read, &b), 0, "add_reader on a socket");
	cr_assert_eq(run_once(loop), 1, "one callback in the iteration");
	cr_assert_eq(a.calls, 1, "the readable socket's reader ran once");
	cr_assert_eq(b.calls, 0, "the quiet socket's reader did not run");
	loop_free(loop);
	close_pair(ready);
	close_pair(quiet);
}

Test(loop, calls_the_writer_of_a_writable_pipe)
{
	struct loop *loop = new_loop();
	int fds[2];
	cr_assert(pipe(fds) == 0, "pipe");
	struct probe w = { loop, fds[1], -1, NULL, 0 };
	cr_assert_eq(loop_add_writer(loop, fds[1], on_write, &w), 0, "add_writer on a pipe");
	int called = run_once(loop);
	cr_assert_eq(w.calls, 1, "the writer of an empty pipe, writable at once, ran %d times",
	             w.calls);
	cr_assert_eq(called, 1,
	             "dispatch called the pipe's writer, yet loop_run_once returned %d: it returns "
	             "how many callbacks the iteration called, writers counted as well as readers",
	             called);
	loop_free(loop);
	close(fds[0]);
	close(fds[1]);
}

Test(loop, sees_end_of_file_as_readable)
{
	struct loop *loop = new_loop();
	int fds[2];
	cr_assert(pipe(fds) == 0, "pipe");
	close(fds[1]);
	struct probe r = { loop, fds[0], -1, NULL, 0 };
	loop_add_reader(loop, fds[0], on_read, &r);
	cr_assert_eq(run_once(loop), 1, "a pipe whose writer closed is readable (read gives 0)");
	loop_free(loop);
	close(fds[0]);
}

Test(loop, serves_ready_descriptors_in_order_reader_before_writer)
{
	trace_start(); /* before loop_new, which the recorder follows */
	struct loop *loop = new_loop();
	int p1[2], p2[2], p3[2];
	make_pair(p1, 1);
	make_pair(p2, 1);
	make_pair(p3, 1);
	struct probe a = { loop, p1[0], -1, NULL, 0 }, b = { loop, p2[0], -1, NULL, 0 },
	             c = { loop, p3[0], -1, NULL, 0 };
	/* Registered out of order, and writers before readers. */
	loop_add_writer(loop, c.fd, on_write, &c);
	loop_add_reader(loop, c.fd, on_read, &c);
	loop_add_reader(loop, a.fd, on_read, &a);
	loop_add_writer(loop, b.fd, on_write, &b);
	loop_add_reader(loop, b.fd, on_read, &b);
	int called = run_once(loop);
	int stray = -1;
	for (int fd = 0; fd < FD_SETSIZE && stray < 0; fd++)
		if (fd != a.fd && fd != b.fd && fd != c.fd && select_reported(fd))
			stray = fd;
	cr_assert_eq(stray, -1,
	             "build_fd_sets: the sets came back from select() holding fd %d, which nobody "
	             "registered. An fd_set on the stack holds whatever was there before: empty "
	             "both with FD_ZERO, then add the registered descriptors",
	             stray);
	bool b_writable = select_reported_writable(b.fd),
	     c_writable = select_reported_writable(c.fd);
	trace_stop();
	cr_assert(b_writable && c_writable,
	          "build_fd_sets: fd %d and fd %d each have a reader and a writer, and select() "
	          "did not report %s writable: a descriptor with both goes in the read set and "
	          "in the write set, since it waits for both at once",
	          b.fd, c.fd, b_writable ? "the second" : "the first");
	char want[64];
	snprintf(want, sizeof want, "r%d r%d w%d r%d w%d", a.fd, b.fd, b.fd, c.fd, c.fd);
	cr_assert_str_eq(journal, want,
	                 "dispatch called \"%s\", expected \"%s\": every ready callback, by "
	                 "ascending descriptor, and on one descriptor the reader before the writer",
	                 journal, want);
	cr_assert_eq(called, 5, "dispatch called five callbacks, and loop_run_once returned %d",
	             called);
	loop_free(loop);
	close_pair(p1);
	close_pair(p2);
	close_pair(p3);
}

/* A one-shot reader: it removes itself, as a download does at its end. */
static void on_read_once(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	cr_assert_eq(loop_remove_reader(p->loop, p->fd), 1, "removing a registered reader says 1");
}

Test(loop, run_returns_when_nothing_is_registered)
{
	struct loop *loop = new_loop();
	cr_assert_eq(loop_run(loop), 0, "an empty loop returns at once");
	int sv[2];
	make_pair(sv, 1);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	loop_add_reader(loop, sv[0], on_read_once, &p);
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, 0, "loop_run returns 0 once its last callback is gone");
	cr_assert_eq(p.calls, 1, "the callback ran once");
	cr_assert_eq(loop_remove_reader(loop, sv[0]), 0,
	             "removing again says 0: nothing was there");
	loop_free(loop);
	close_pair(sv);
}

/* Registers OTHER's reader on OTHER_FD, from inside a callback. */
static void on_read_add_other(void *arg)
{
	struct probe *p = arg;
	on_read_once(p);
	loop_add_reader(p->loop, p->other_fd, on_read_once, p->other);
}

Test(loop, a_callback_added_during_an_iteration_waits_for_the_next)
{
	struct loop *loop = new_loop();
	int p1[2], p2[2];
	make_pair(p1, 1);
	make_pair(p2, 1);
	/* The lower descriptor adds a reader for the higher one, which is
	 * readable already: the rule says it waits for the next select(). */
	struct probe b = { loop, p2[0], -1, NULL, 0 };
	struct probe a = { loop, p1[0], p2[0], &b, 0 };
	loop_add_reader(loop, a.fd, on_read_add_other, &a);
	cr_assert_eq(run_once(loop), 1, "only the reader that was registered before select()");
	cr_assert_eq(b.calls, 0, "the reader added during the iteration did not run yet");
	cr_assert_eq(run_once(loop), 1, "the next iteration");
	cr_assert_eq(b.calls, 1, "now it ran");
	loop_free(loop);
	close_pair(p1);
	close_pair(p2);
}

/* Removes the reader of OTHER_FD, from inside a callback. */
static void on_read_remove_other(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	loop_remove_reader(p->loop, p->other_fd);
}

Test(loop, a_callback_removed_by_another_is_not_called)
{
	struct loop *loop = new_loop();
	int p1[2], p2[2];
	make_pair(p1, 1);
	make_pair(p2, 1);
	struct probe b = { loop, p2[0], -1, NULL, 0 };
	struct probe a = { loop, p1[0], p2[0], NULL, 0 };
	loop_add_reader(loop, a.fd, on_read_remove_other, &a);
	loop_add_reader(loop, b.fd, on_read, &b);
	/* Both are readable when select() returns; a runs first and removes b. */
	cr_assert_eq(run_once(loop), 1, "one callback ran");
	cr_assert_eq(a.calls, 1, "a ran");
	cr_assert_eq(b.calls, 0, "b, removed by a in the same iteration, did not run");
	loop_free(loop);
	close_pair(p1);
	close_pair(p2);
}

/* Removes the writer of its own descriptor. */
static void on_read_remove_own_writer(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	loop_remove_writer(p->loop, p->fd);
}

Test(loop, a_reader_removing_the_writer_of_its_descriptor_stops_it)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	loop_add_reader(loop, sv[0], on_read_remove_own_writer, &p);
	loop_add_writer(loop, sv[0], on_write, &p);
	int called = run_once(loop);
	cr_assert(journal[0] != 'w',
	          "dispatch called the writer of fd %d before its reader (they ran as \"%s\"): on "
	          "one descriptor the reader comes first, then the writer",
	          sv[0], journal);
	char want[16];
	snprintf(want, sizeof want, "r%d", sv[0]);
	cr_assert_str_eq(
	        journal, want,
	        "dispatch called the writer of fd %d after the reader had removed it (they "
	        "ran as \"%s\"): read the registry (loop->fds[fd].writer) again after the "
	        "reader returns, for a callback removed during the iteration is not called",
	        sv[0], journal);
	cr_assert_eq(called, 1, "only the reader ran, and loop_run_once returned %d", called);
	loop_free(loop);
	close_pair(sv);
}

/* Removes its reader and registers another one on the same descriptor. */
static void on_read_replace_self(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	loop_remove_reader(p->loop, p->fd);
	loop_add_reader(p->loop, p->fd, on_write, p); /* on_write notes "w" */
	cr_assert_eq(write(p->other_fd, "y", 1), 1, "make it readable again");
}

Test(loop, a_replaced_callback_runs_from_the_next_iteration_on)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	struct probe p = { loop, sv[0], sv[1], NULL, 0 };
	loop_add_reader(loop, sv[0], on_read_replace_self, &p);
	cr_assert_eq(run_once(loop), 1, "the old reader ran, the new one waits");
	cr_assert_eq(run_once(loop), 1, "the new reader");
	char want[32];
	snprintf(want, sizeof want, "r%d w%d", sv[0], sv[0]);
	cr_assert_str_eq(journal, want, "the old reader, then the new");
	loop_free(loop);
	close_pair(sv);
}

/* Closes OTHER_FD and puts a quiet socket under the same number, then
 * watches it: what happens when a download ends and the next one's socket
 * gets the descriptor number of the last. */
static void on_read_reuse_other(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	loop_remove_reader(p->loop, p->other_fd);
	int quiet[2];
	make_pair(quiet, 0);
	cr_assert_eq(dup2(quiet[0], p->other_fd), p->other_fd, "reuse descriptor %d", p->other_fd);
	close_pair(quiet);
	loop_add_reader(p->loop, p->other_fd, on_read, p->other);
}

Test(loop, a_reused_descriptor_is_not_called_for_the_old_readiness)
{
	struct loop *loop = new_loop();
	int p1[2], p2[2];
	make_pair(p1, 1);
	make_pair(p2, 1);
	struct probe b = { loop, p2[0], -1, NULL, 0 };
	struct probe a = { loop, p1[0], p2[0], &b, 0 };
	loop_add_reader(loop, a.fd, on_read_reuse_other, &a);
	loop_add_reader(loop, b.fd, on_write, &b);
	/* select() said p2[0] was readable; by b's turn, that number is a new,
	 * quiet socket with a new reader, which must not hear of it. */
	int called = run_once(loop);
	cr_assert(a.calls == 0 || strncmp(journal, "r", 1) == 0,
	          "dispatch called the reader of fd %d before that of fd %d (\"%s\"): dispatch "
	          "walks the descriptors in ascending order, so a callback on a lower descriptor "
	          "runs first, and may change what the higher ones find",
	          b.fd, a.fd, journal);
	cr_assert_eq(
	        b.calls, 0,
	        "dispatch called the reader registered on fd %d during this iteration, for the "
	        "readiness select() had reported of the old socket behind that number: a "
	        "callback registered after select() began (its since is this iteration, not "
	        "an earlier one) waits for the next select()",
	        b.fd);
	cr_assert_eq(called, 1, "only a's reader ran, and loop_run_once returned %d", called);
	loop_free(loop);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
}

Test(loop, add_reader_replaces_the_previous_reader)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	loop_add_reader(loop, sv[0], on_write, &p);
	loop_add_reader(loop, sv[0], on_read, &p);
	cr_assert_eq(run_once(loop), 1, "one reader per descriptor");
	char want[16];
	snprintf(want, sizeof want, "r%d", sv[0]);
	cr_assert_str_eq(journal, want, "the second registration replaced the first");
	loop_free(loop);
	close_pair(sv);
}

static void on_read_stop(void *arg)
{
	struct probe *p = arg;
	on_read(p);
	loop_stop(p->loop);
}

Test(loop, stop_ends_the_run_after_the_current_iteration)
{
	struct loop *loop = new_loop();
	int p1[2], p2[2], idle[2];
	make_pair(p1, 1);
	make_pair(p2, 1);
	make_pair(idle, 0);
	struct probe a = { loop, p1[0], -1, NULL, 0 }, b = { loop, p2[0], -1, NULL, 0 },
	             c = { loop, idle[0], -1, NULL, 0 };
	loop_add_reader(loop, a.fd, on_read_stop, &a);
	loop_add_reader(loop, b.fd, on_read, &b);
	loop_add_reader(loop, c.fd, on_read, &c); /* never ready: would keep the loop forever */
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, 0, "loop_run returns 0 after loop_stop");
	cr_assert_eq(a.calls + b.calls, 2,
	             "the iteration that called stop still ran all that was due");
	loop_free(loop);
	close_pair(p1);
	close_pair(p2);
	close_pair(idle);
}

Test(loop, stop_before_run_makes_one_iteration_without_waiting)
{
	struct loop *loop = new_loop();
	int idle[2];
	make_pair(idle, 0);
	struct probe c = { loop, idle[0], -1, NULL, 0 };
	loop_add_reader(loop, c.fd, on_read, &c);
	loop_stop(loop);
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, 0, "loop_run returns at once, although a reader waits forever");
	cr_assert_eq(c.calls, 0, "nothing was ready");
	loop_free(loop);
	close_pair(idle);
}

Test(loop, refuses_descriptors_select_cannot_watch)
{
	struct loop *loop = new_loop();
	struct probe p = { loop, -1, -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, -1, on_read, &p), -EBADF, "a negative descriptor");
	cr_assert_eq(loop_add_writer(loop, -1, on_write, &p), -EBADF, "a negative descriptor");
	cr_assert_eq(loop_add_reader(loop, FD_SETSIZE, on_read, &p), -ERANGE,
	             "descriptor FD_SETSIZE (%d) does not fit in an fd_set", FD_SETSIZE);
	cr_assert_eq(loop_remove_reader(loop, FD_SETSIZE + 5), -ERANGE, "nor does a larger one");
	/* A real descriptor beyond the limit, where the machine allows one
	 * (this test runs in a process of its own: the new limit dies with it). */
	struct rlimit limit;
	getrlimit(RLIMIT_NOFILE, &limit);
	if (limit.rlim_max > FD_SETSIZE + 1) {
		limit.rlim_cur = FD_SETSIZE + 1;
		setrlimit(RLIMIT_NOFILE, &limit);
		int sv[2];
		make_pair(sv, 0);
		int high = fcntl(sv[0], F_DUPFD, FD_SETSIZE);
		close_pair(sv);
		cr_assert_geq(high, FD_SETSIZE, "dup to a descriptor >= FD_SETSIZE: %s",
		              strerror(errno));
		cr_assert_eq(loop_add_reader(loop, high, on_read, &p), -ERANGE,
		             "open descriptor %d is refused too", high);
		close(high);
	}
	cr_assert_eq(loop_run(loop), 0, "nothing was registered by the refused calls");
	loop_free(loop);
}

Test(loop, refuses_a_closed_descriptor_and_a_null_callback)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 0);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, sv[0], NULL, &p), -EINVAL, "a NULL callback");
	close_pair(sv);
	cr_assert_eq(loop_add_reader(loop, sv[0], on_read, &p), -EBADF, "a closed descriptor");
	cr_assert_eq(loop_add_writer(loop, sv[0], on_write, &p), -EBADF, "a closed descriptor");
	cr_assert_eq(loop_run(loop), 0, "nothing was registered");
	loop_free(loop);
}

Test(loop, reports_a_descriptor_closed_behind_its_back)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 0);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	cr_assert_eq(loop_add_reader(loop, sv[0], on_read, &p), 0, "add_reader");
	close_pair(sv);
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, -EBADF, "select() fails with EBADF, and loop_run says so: got %d", rc);
	loop_free(loop);
}

static void on_deadline(void *arg)
{
	struct probe *p = arg;
	p->calls++;
	note("d", p->fd);
}

Test(loop, calls_a_deadline_that_has_passed_once)
{
	struct loop *loop = new_loop();
	int idle[2];
	make_pair(idle, 0);
	struct probe p = { loop, idle[0], -1, NULL, 0 };
	/* A deadline of "now" has passed by the time select() returns, so no
	 * test waits for time to go by. */
	cr_assert_eq(loop_set_deadline(loop, idle[0], loop_time(loop), on_deadline, &p), 0,
	             "set a deadline");
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run_once");
	cr_assert_eq(rc, 0, "a deadline alone keeps the loop running until it fires");
	cr_assert_eq(p.calls, 1, "the deadline fired once");
	loop_free(loop);
	close_pair(idle);
}

/* Moves its own descriptor's deadline far away: progress was made. */
static void on_read_push_deadline(void *arg)
{
	struct probe *p = arg;
	on_read_once(p);
	loop_set_deadline(p->loop, p->fd, loop_time(p->loop) + 3600, on_deadline, p);
}

Test(loop, a_deadline_moved_by_an_io_callback_does_not_fire)
{
	struct loop *loop = new_loop();
	int sv[2];
	make_pair(sv, 1);
	struct probe p = { loop, sv[0], -1, NULL, 0 };
	loop_add_reader(loop, sv[0], on_read_push_deadline, &p);
	loop_set_deadline(loop, sv[0], loop_time(loop), on_deadline, &p);
	cr_assert_eq(run_once(loop), 1, "the reader ran; the deadline it moved did not");
	char want[16];
	snprintf(want, sizeof want, "r%d", sv[0]);
	cr_assert_str_eq(journal, want, "I/O first, then deadlines: data in time wins");
	cr_assert_eq(loop_set_deadline(loop, sv[0], 0, NULL, NULL), 0, "clear the deadline");
	cr_assert_eq(loop_run(loop), 0, "nothing left: a cleared deadline keeps nothing alive");
	loop_free(loop);
	close_pair(sv);
}
