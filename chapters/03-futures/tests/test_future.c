/*
 * test_future.c - the future's state table, callback order, ownership, and
 * loop_run_until_complete, with no network: the loop only runs callbacks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc_faults.h"
#include "future.h"
#include "loop.h"
#include "testkit.h"

TestSuite(future, .timeout = 10);

/* A loop whose exception handler writes into a list the test can read. */
static char reports[8][256];
static int report_count;

static void capture_report(const char *message, void *arg)
{
	(void)arg;
	if (report_count < 8)
		snprintf(reports[report_count], sizeof reports[0], "%s", message);
	report_count++;
}

static struct loop *quiet_loop(void)
{
	struct loop *loop = loop_new();
	cr_assert(loop != NULL, "loop_new");
	loop_set_exception_handler(loop, capture_report, NULL);
	report_count = 0;
	return loop;
}

/* The holes of this chapter, reported by name while they are stubs. */
static int run_once(struct loop *loop)
{
	int rc = loop_run_once(loop);
	REQUIRE_IMPLEMENTED(rc, "run_ready");
	return rc;
}

static int set_result(struct future *f, void *value, future_result_free_cb *free_value)
{
	int rc = future_set_result(f, value, free_value);
	REQUIRE_IMPLEMENTED(rc, "future_set_result");
	return rc;
}

static int result_of(struct future *f, void **value)
{
	int rc = future_result(f, value);
	REQUIRE_IMPLEMENTED(rc, "future_result");
	return rc;
}

static void add_callback(struct future *f, future_done_cb *cb, void *arg)
{
	int rc = future_add_done_callback(f, cb, arg);
	REQUIRE_IMPLEMENTED(rc, "future_add_done_callback");
	cr_assert_eq(rc, 0, "future_add_done_callback");
}

static struct future *new_future(struct loop *loop)
{
	struct future *f = future_new(loop);
	cr_assert(f != NULL, "future_new returns a future");
	return f;
}

/* A log of which callbacks ran, in order: "a b c ". */
static char ran[256];

static void note(struct future *f, void *arg)
{
	(void)f;
	strcat(ran, (const char *)arg);
	strcat(ran, " ");
}

Test(future, starts_pending)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	cr_assert_eq(future_state(f), FUTURE_PENDING, "a new future is PENDING");
	cr_assert(!future_done(f) && !future_cancelled(f), "not done, not cancelled");
	void *value;
	cr_assert_eq(result_of(f, &value), -EAGAIN, "result of a pending future: -EAGAIN");
	const struct future_error *error = (void *)1;
	cr_assert_eq(future_exception(f, &error), -EAGAIN,
	             "exception() of a pending future: -EAGAIN (InvalidStateError)");
	cr_assert_null(error, "and no error");
	future_free(f);
	loop_free(loop);
}

/* Bring a new future into one of the four states a future can be in. */
enum start { START_PENDING, START_RESULT, START_ERROR, START_CANCELLED };
static const char *const start_names[] = { "PENDING", "FINISHED with a result",
	                                   "FINISHED with an error", "CANCELLED" };
static int forty_two = 42;

static struct future *future_in(struct loop *loop, enum start start)
{
	struct future *f = new_future(loop);
	if (start == START_RESULT)
		cr_assert_eq(set_result(f, &forty_two, NULL), 0, "set_result");
	if (start == START_ERROR)
		cr_assert_eq(future_set_exception(f, -ECONNRESET, "reset"), 0, "set_exception");
	if (start == START_CANCELLED)
		cr_assert(future_cancel(f, "stop"), "cancel");
	return f;
}

/* What future_result and future_set_result answer in each state, and why:
 * the lesson a wrong answer missed. */
static const char *const result_rule[] = {
	"a pending future has no outcome yet: -EAGAIN (asyncio's InvalidStateError \"Result "
	"is not set\"), and the caller must wait; -EINVAL is what setting a done future gives",
	"a finished future gives its value: 0, and *result set to it",
	"a failed future hands on its error: the error's code as it was set, negative "
	"(-ECONNRESET here), as asyncio's result() raises the exception; reading it this way "
	"counts as retrieving it",
	"a cancelled future has no result: -ECANCELED, as asyncio's result() raises "
	"CancelledError",
};
static const char *const set_result_rule[] = {
	"a pending future takes its outcome: 0",
	"a done future keeps its first outcome: -EINVAL (InvalidStateError), whatever it was",
	"a done future keeps its first outcome: -EINVAL (InvalidStateError), whatever it was",
	("a cancelled future is done, and keeps that outcome: -EINVAL (InvalidStateError); "
	 "only a PENDING future can be set"),
};

/* What each operation returns in each state: asyncio's rules. */
struct row {
	int set_result, set_exception; /* 0 or -EINVAL (InvalidStateError) */
	bool cancel;                   /* did cancel() do anything? */
	int result;                    /* future_result's return value */
	int exception;                 /* future_exception's return value */
	bool has_exception;            /* ... and does it give an error? */
};

static const struct row state_table[] = {
	[START_PENDING] = { 0, 0, true, -EAGAIN, -EAGAIN, false },
	[START_RESULT] = { -EINVAL, -EINVAL, false, 0, 0, false },
	[START_ERROR] = { -EINVAL, -EINVAL, false, -ECONNRESET, 0, true },
	[START_CANCELLED] = { -EINVAL, -EINVAL, false, -ECANCELED, -ECANCELED, false },
};

Test(future, follows_the_state_table_in_every_state)
{
	struct loop *loop = quiet_loop();
	for (int s = START_PENDING; s <= START_CANCELLED; s++) {
		const struct row *want = &state_table[s];
		const char *name = start_names[s];
		struct future *f = future_in(loop, s);
		void *value = NULL;
		int got = result_of(f, &value);
		cr_assert_eq(got, want->result,
		             "future_result on a future %s returned %d (%s), expected %d: %s", name,
		             got, strerror(got < 0 ? -got : got), want->result, result_rule[s]);
		if (want->result == 0)
			cr_assert_eq(
			        value, &forty_two,
			        "future_result on a future %s returned 0 but not the value set: %s",
			        name, result_rule[s]);
		const struct future_error *error = NULL;
		cr_assert_eq(future_exception(f, &error), want->exception, "exception() when %s",
		             name);
		cr_assert_eq(error != NULL, want->has_exception, "an error from exception() when %s",
		             name);
		future_free(f);

		f = future_in(loop, s);
		got = set_result(f, NULL, NULL);
		cr_assert_eq(got, want->set_result,
		             "future_set_result on a future %s returned %d, expected %d: %s", name,
		             got, want->set_result, set_result_rule[s]);
		cr_assert(s == START_PENDING ||
		                  future_state(f) == (s == START_CANCELLED ? FUTURE_CANCELLED
		                                                           : FUTURE_FINISHED),
		          "future_set_result changed the state of a future %s: %s", name,
		          set_result_rule[s]);
		future_free(f);
		f = future_in(loop, s);
		int rc = future_set_exception(f, -EIO, "io");
		cr_assert_eq(rc, want->set_exception, "set_exception() when %s", name);
		if (rc == 0)
			future_exception(f, &error); /* read it, so it is not reported */
		future_free(f);
		f = future_in(loop, s);
		cr_assert_eq(future_cancel(f, NULL), want->cancel, "cancel() when %s", name);
		future_free(f);
	}
	while (run_once(loop) > 0)
		;
	loop_free(loop);
}

Test(future, keeps_the_first_outcome)
{
	struct loop *loop = quiet_loop();
	struct future *f = future_in(loop, START_RESULT);
	future_set_exception(f, -EIO, "too late");
	future_cancel(f, NULL);
	void *value;
	cr_assert_eq(result_of(f, &value), 0, "still FINISHED with its result");
	cr_assert_eq(value, &forty_two, "and the result is the first one");
	value = NULL;
	cr_assert(result_of(f, &value) == 0 && value == &forty_two,
	          "future_result handed the result out once, and the second read found %p, not "
	          "the result: it lends the result (the future keeps it, and frees it with "
	          "itself), so every read gives the same pointer",
	          value);
	cr_assert_eq(future_state(f), FUTURE_FINISHED, "state FINISHED");
	future_free(f);
	loop_free(loop);
}

/* The free function of the results below: counts which of them were freed. */
static int freed_first, freed_second;
static int first_value = 1, second_value = 2;

static void count_frees(void *value)
{
	if (value == &first_value)
		freed_first++;
	if (value == &second_value)
		freed_second++;
}

Test(future, a_refused_result_is_not_taken)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	cr_assert_eq(set_result(f, &first_value, count_frees), 0, "set_result on a pending future");
	int rc = future_set_result(f, &second_value, count_frees);
	cr_assert_eq(rc, -EINVAL,
	             "a second set_result returned %d: a future is done at most once, and "
	             "future_set_result on a done future must answer -EINVAL "
	             "(asyncio's InvalidStateError)",
	             rc);
	void *value = NULL;
	cr_assert_eq(result_of(f, &value), 0, "the future keeps its result");
	cr_assert(value == &first_value,
	          "a refused set_result replaced the result: future_set_result must check the "
	          "state before it stores anything, and leave a done future exactly as it was");
	future_free(f);
	cr_assert_eq(freed_first, 1,
	             "future_set_result accepted a result with a free function, and the future's "
	             "last future_free freed it %d times, not once: the future owns that result "
	             "from then on, so set_result keeps FREE_RESULT beside it for future_free",
	             freed_first);
	cr_assert_eq(freed_second, 0,
	             "the future freed a result that set_result refused: after -EINVAL the "
	             "caller still owns RESULT, so future_set_result must not take it (check the "
	             "state first, then store the result and its free function)");
	while (run_once(loop) > 0)
		;
	loop_free(loop);
}

Test(future, cancel_keeps_its_message)
{
	struct loop *loop = quiet_loop();
	struct future *f = future_in(loop, START_CANCELLED);
	cr_assert(future_cancelled(f) && future_done(f), "cancelled and done");
	cr_assert_str_eq(future_cancel_message(f), "stop", "the message given to cancel");
	future_free(f);
	loop_free(loop);
}

Test(future, runs_done_callbacks_in_order_and_never_inline)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	ran[0] = '\0';
	add_callback(f, note, "a");
	add_callback(f, note, "b");
	add_callback(f, note, "c");
	set_result(f, NULL, NULL);
	cr_assert_str_empty(ran, "set_result runs no callback itself");
	cr_assert_eq(run_once(loop), 3, "the next iteration runs the three callbacks");
	cr_assert_str_eq(ran, "a b c ", "in the order they were added");
	future_free(f);
	loop_free(loop);
}

Test(future, schedules_a_callback_added_after_completion)
{
	struct loop *loop = quiet_loop();
	for (int s = START_RESULT; s <= START_CANCELLED; s++) {
		struct future *f = future_in(loop, s);
		const struct future_error *error;
		future_exception(f, &error);
		ran[0] = '\0';
		add_callback(f, note, "late");
		cr_assert_str_empty(
		        ran,
		        "future_add_done_callback ran the callback at once, inside the "
		        "call, on a future already %s: a done-callback always goes "
		        "through the loop (scheduled with loop_call_soon) and runs in the "
		        "next iteration, never inside its caller, as in asyncio",
		        start_names[s]);
		run_once(loop);
		cr_assert_str_eq(
		        ran, "late ",
		        "future_add_done_callback on a future already %s: the next iteration "
		        "ran \"%s\", not the new callback. A done future will not complete "
		        "again, so the callback must be stored and then scheduled at once "
		        "(loop_call_soon), itself included",
		        start_names[s], ran);
		future_free(f);
	}
	loop_free(loop);
}

static void note_soon(void *arg)
{
	strcat(ran, (const char *)arg);
	strcat(ran, " ");
}

Test(future, runs_done_callbacks_in_the_order_they_were_added)
{
	struct loop *loop = quiet_loop();
	ran[0] = '\0';
	loop_call_soon(loop, note_soon, "x");
	loop_call_soon(loop, note_soon, "y");
	loop_call_soon(loop, note_soon, "z");
	run_once(loop);
	cr_assert_str_eq(ran, "x y z ",
	                 "run_ready ran the callbacks scheduled as x, y, z in the order \"%s\": "
	                 "the ready queue is first in, first out, taken from its head",
	                 ran);
	struct future *f = new_future(loop);
	ran[0] = '\0';
	add_callback(f, note, "a");
	add_callback(f, note, "b");
	add_callback(f, note, "c");
	set_result(f, NULL, NULL);
	run_once(loop);
	cr_assert(strlen(ran) == strlen("a b c "),
	          "future_add_done_callback: three callbacks were added and \"%s\" ran: each one "
	          "goes in a slot of its own, at callbacks[callback_count], and the count grows "
	          "by one",
	          ran);
	cr_assert_str_eq(ran, "a b c ",
	                 "future_add_done_callback: callbacks added as a, b, c ran as \"%s\": they "
	                 "run in the order they were added, as in asyncio, so each goes at the end "
	                 "of the list",
	                 ran);
	future_free(f);
	loop_free(loop);
}

/* A callback that schedules itself again, until it has run LAPS times. */
struct relay {
	struct loop *loop;
	int laps, ran;
};

static void relay_on(void *arg)
{
	struct relay *r = arg;
	if (++r->ran < r->laps)
		loop_call_soon(r->loop, relay_on, r);
}

/* Run BODY(ARG, FD) in a child process, which writes what it sees to FD
 * as it goes; what it wrote comes back in OUT (SIZE bytes at most, a
 * string). A heap broken by a hole is then reported in the test's own
 * words, with what the child saw before it broke, not as a crash. True if
 * the child ended normally. */
static bool in_child(void (*body)(void *arg, int fd), void *arg, char *out, size_t size)
{
	int fds[2];
	cr_assert(pipe(fds) == 0, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		body(arg, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t n;
	while (got < size - 1 && (n = read(fds[0], out + got, size - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The relay below for *ARG laps, one iteration each: "ran N". */
static void relay_laps(void *arg, int fd)
{
	struct loop *loop = loop_new();
	if (!loop)
		return;
	struct relay r = { loop, *(int *)arg, 0 };
	loop_call_soon(loop, relay_on, &r);
	for (int i = 0; i < r.laps && r.ran == i; i++) {
		loop_run_once(loop);
		dprintf(fd, "ran %d\n", r.ran);
	}
	loop_free(loop);
}

Test(future, the_ready_queue_wraps_around)
{
	struct loop *loop = quiet_loop();
	loop_call_soon(loop, note_soon, "");
	run_once(loop);
	loop_free(loop);
	/* One callback per iteration: the queue's head moves one slot at a time
	 * and passes the end of the array many times over. */
	int laps = 1000;
	char seen[16384];
	bool ended = in_child(relay_laps, &laps, seen, sizeof seen);
	int ran_count = 0;
	for (const char *line = seen; (line = strstr(line, "ran ")) != NULL; line += 4)
		ran_count = atoi(line + 4);
	cr_assert(ended && ran_count == laps,
	          "run_ready: a callback that schedules itself again, once per iteration, ran "
	          "%d times in %d iterations%s: run_ready takes each handle from the head of "
	          "the ready queue, a ring, and the head wraps to 0 at the capacity, as the "
	          "tail does",
	          ran_count, laps, ended ? "" : ", then the process broke");
}

/* x and y in one iteration, z in the next: "ran1 N ran2 M runs R". */
static void two_iterations(void *arg, int fd)
{
	(void)arg;
	struct loop *loop = loop_new();
	if (!loop)
		return;
	ran[0] = '\0';
	loop_call_soon(loop, note_soon, "x");
	loop_call_soon(loop, note_soon, "y");
	dprintf(fd, "ran1 %d", loop_run_once(loop));
	loop_call_soon(loop, note_soon, "z");
	int second = loop_run_once(loop);
	dprintf(fd, " ran2 %d runs %s", second, ran);
	loop_free(loop);
}

Test(future, a_second_iteration_starts_at_the_head_of_the_queue)
{
	struct loop *loop = quiet_loop();
	loop_call_soon(loop, note_soon, "");
	run_once(loop);
	loop_free(loop);
	char seen[512];
	bool ended = in_child(two_iterations, NULL, seen, sizeof seen);
	cr_assert(ended,
	          "run_ready: x and y ran in one iteration, and the next one, with only z "
	          "scheduled, broke the process (\"%s\"): each handle is taken off the queue "
	          "as it runs, the head moving on and q->count going down by one, or the next "
	          "iteration runs handles that are gone",
	          seen);
	const char *runs = strstr(seen, "runs ");
	cr_assert(runs && strcmp(runs, "runs x y z ") == 0,
	          "run_ready: x and y ran in one iteration, z was scheduled after them, and the "
	          "runs were \"%s\": the oldest handle is q->handles[q->head], and the head "
	          "moves on as handles are taken, so after the first iteration the queue no "
	          "longer starts at index 0",
	          runs ? runs + 5 : seen);
}

/* A reader that schedules a callback and removes itself: readiness that
 * completes something, as a download's reader does. */
struct io_then_soon {
	struct loop *loop;
	int fd;
};

static void read_then_schedule(void *arg)
{
	struct io_then_soon *io = arg;
	strcat(ran, "io ");
	loop_remove_reader(io->loop, io->fd);
	loop_call_soon(io->loop, note_soon, "soon");
}

Test(future, callbacks_scheduled_by_io_wait_for_the_next_iteration)
{
	struct loop *loop = quiet_loop();
	int sv[2];
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s", strerror(errno));
	cr_assert_eq(write(sv[1], "x", 1), 1, "make fd %d readable", sv[0]);
	struct io_then_soon io = { loop, sv[0] };
	ran[0] = '\0';
	cr_assert_eq(loop_add_reader(loop, sv[0], read_then_schedule, &io), 0, "add_reader");
	run_once(loop); /* the reader is registered now; it runs from the next iteration */
	if (strcmp(ran, "io ") != 0)
		run_once(loop);
	cr_assert_str_eq(ran, "io ",
	                 "run_ready: a reader called in this iteration scheduled a callback, and "
	                 "the same iteration ran it (\"%s\"): phase 6 runs COUNT handles, the "
	                 "number that was ready before select(), not what the queue holds once "
	                 "the I/O callbacks have added to it",
	                 ran);
	run_once(loop);
	cr_assert_str_eq(ran, "io soon ", "the next iteration runs the scheduled callback");
	loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}

static int callbacks_ran;

static void count_callback(struct future *f, void *arg)
{
	(void)f;
	(void)arg;
	callbacks_ran++;
}

/* The holes a child below relies on, reported by name while they are stubs:
 * a child's own assertion would not reach the test. */
static void require_callbacks_work(void)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	callbacks_ran = 0;
	for (int i = 0; i < 3; i++)
		add_callback(f, count_callback, NULL);
	set_result(f, NULL, NULL);
	run_once(loop);
	cr_assert_eq(callbacks_ran, 3,
	             "future_add_done_callback: three callbacks were added and %d ran: each one "
	             "goes in a slot of its own, at callbacks[callback_count], and the count "
	             "grows by one",
	             callbacks_ran);
	future_free(f);
	loop_free(loop);
}

/* Add *ARG callbacks to one future, complete it, run them: "added N ran M". */
static void add_many(void *arg, int fd)
{
	int want = *(int *)arg, added = 0;
	struct loop *loop = loop_new();
	struct future *f = loop ? future_new(loop) : NULL;
	if (!f)
		return;
	callbacks_ran = 0;
	while (added < want && future_add_done_callback(f, count_callback, NULL) == 0)
		added++;
	dprintf(fd, "added %d", added);
	future_set_result(f, NULL, NULL);
	loop_run_once(loop);
	dprintf(fd, " ran %d", callbacks_ran);
	future_free(f);
	loop_free(loop);
}

Test(future, a_future_keeps_every_callback_added_to_it)
{
	require_callbacks_work();
	int want = 1000;
	char seen[512], expected[64];
	bool ended = in_child(add_many, &want, seen, sizeof seen);
	snprintf(expected, sizeof expected, "added %d ran %d", want, want);
	cr_assert(ended && strcmp(seen, expected) == 0,
	          "future_add_done_callback: %d callbacks added to one future %s (\"%s\"): "
	          "when callback_count reaches callback_capacity the array must grow "
	          "(realloc), and the new size be kept in callback_capacity, or the next "
	          "callbacks are written past the end of the array",
	          want, ended ? "did not all run" : "broke the process", seen);
}

/* Add callbacks with every allocation refused until one add fails, then
 * complete the future with memory back: "stored N rc R ran M". */
static void add_until_refused(void *arg, int fd)
{
	(void)arg;
	struct loop *loop = loop_new();
	struct future *f = loop ? future_new(loop) : NULL;
	if (!f)
		return;
	callbacks_ran = 0;
	int stored = 0, rc = future_add_done_callback(f, count_callback, NULL);
	if (rc == 0)
		stored++;
	alloc_faults_refuse(0, 0);
	while (rc == 0 && stored < 4096) {
		rc = future_add_done_callback(f, count_callback, NULL);
		if (rc == 0)
			stored++;
	}
	alloc_faults_stop();
	dprintf(fd, "stored %d rc %d", stored, rc);
	future_set_result(f, NULL, NULL);
	loop_run_once(loop);
	dprintf(fd, " ran %d", callbacks_ran);
	future_free(f);
	loop_free(loop);
}

Test(future, a_callback_refused_for_memory_loses_none_of_the_others)
{
	require_callbacks_work();
	char seen[512];
	bool ended = in_child(add_until_refused, NULL, seen, sizeof seen);
	int stored = -1, rc = 0, ran_count = -2;
	sscanf(seen, "stored %d rc %d ran %d", &stored, &rc, &ran_count);
	cr_assert(rc == -ENOMEM,
	          "future_add_done_callback: with every allocation refused, %d callbacks were "
	          "added and none was refused (\"%s\"): the array holds callback_capacity "
	          "callbacks, so once callback_count reaches it the array must grow (realloc), "
	          "answering -ENOMEM when it cannot, and the new size be kept in "
	          "callback_capacity",
	          stored, seen);
	cr_assert(ended && stored == ran_count,
	          "future_add_done_callback: one add was refused for want of memory, and the "
	          "callbacks added before it %s (\"%s\"): when realloc fails it returns NULL "
	          "and leaves the old array as it was, so keep its answer in a variable of its "
	          "own, and store it in future->callbacks only when it is not NULL",
	          ended ? "did not all run" : "broke the process", seen);
}

Test(future, removes_every_registration_of_a_callback)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	ran[0] = '\0';
	add_callback(f, note, "x");
	add_callback(f, note, "kept");
	add_callback(f, note, "x");
	cr_assert_eq(future_remove_done_callback(f, note, "x"), 2, "both registrations go");
	cr_assert_eq(future_remove_done_callback(f, note, "x"), 0, "none left to remove");
	set_result(f, NULL, NULL);
	run_once(loop);
	cr_assert_str_eq(ran, "kept ", "only the other callback runs");
	future_free(f);
	loop_free(loop);
}

/* A callback that completes another future, whose callback must wait for
 * the next iteration: one iteration runs a snapshot of the ready queue. */
static void complete_other(struct future *f, void *arg)
{
	(void)f;
	strcat(ran, "first ");
	set_result(arg, NULL, NULL);
}

Test(future, callbacks_scheduled_during_an_iteration_wait_for_the_next)
{
	struct loop *loop = quiet_loop();
	struct future *first = new_future(loop), *second = new_future(loop);
	ran[0] = '\0';
	add_callback(first, complete_other, second);
	add_callback(second, note, "second");
	set_result(first, NULL, NULL);
	int ran_now = run_once(loop);
	cr_assert_str_eq(ran, "first ",
	                 "run_ready ran \"%s\" in one iteration: the second callback was scheduled "
	                 "while the iteration ran, and must wait for the next one. Run only the "
	                 "callbacks that were ready when the iteration began (count), or a "
	                 "callback that schedules another keeps one iteration running forever",
	                 ran);
	cr_assert_eq(ran_now, 1,
	             "run_ready ran one callback and returned %d: it returns how many "
	             "callbacks it ran",
	             ran_now);
	ran_now = run_once(loop);
	cr_assert_str_eq(ran, "first second ",
	                 "the next iteration runs the second callback, ran: %s", ran);
	cr_assert_eq(ran_now, 1,
	             "run_ready ran the second callback and returned %d: it returns how many "
	             "callbacks it ran, not how many are left in the queue",
	             ran_now);
	future_free(first);
	future_free(second);
	loop_free(loop);
}

static void check_alive(struct future *f, void *arg)
{
	(void)arg;
	void *value = NULL;
	cr_assert_eq(result_of(f, &value), 0, "the future is still readable in its callback");
	cr_assert_eq(value, &forty_two, "with its result");
	strcat(ran, "alive ");
}

Test(future, lives_until_its_scheduled_callbacks_have_run)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	ran[0] = '\0';
	add_callback(f, check_alive, NULL);
	set_result(f, &forty_two, NULL);
	future_free(f); /* the owner lets go; the scheduled callback holds on */
	run_once(loop);
	cr_assert_str_eq(ran, "alive ", "the callback ran on a live future");
	loop_free(loop);
}

static int results_freed;

static void count_free(void *result)
{
	(void)result;
	results_freed++;
}

Test(future, frees_a_result_it_owns_once)
{
	struct loop *loop = quiet_loop();
	results_freed = 0;
	struct future *f = future_retain(new_future(loop));
	set_result(f, &forty_two, count_free);
	future_free(f);
	cr_assert_eq(results_freed, 0, "not while a reference remains");
	future_free(f);
	cr_assert_eq(results_freed, 1,
	             "future_set_result took a result with a free function, and the last "
	             "future_free freed it %d times, not once: the future owns that result, so "
	             "set_result keeps FREE_RESULT beside it for future_free",
	             results_freed);
	loop_free(loop);
}

Test(future, reports_an_error_nobody_read_once)
{
	struct loop *loop = quiet_loop();
	struct future *f = future_retain(new_future(loop));
	future_set_exception(f, -ECONNREFUSED, "http://h/a: connection refused");
	future_free(f);
	cr_assert_eq(report_count, 0, "not while a reference remains");
	future_free(f);
	cr_assert_eq(report_count, 1, "reported once when the future is freed");
	cr_assert(strstr(reports[0], "exception was never retrieved") &&
	                  strstr(reports[0], "http://h/a: connection refused"),
	          "the report names the error, got: %s", reports[0]);
	loop_free(loop);
}

Test(future, does_not_report_an_error_that_was_read)
{
	struct loop *loop = quiet_loop();
	struct future *by_result = future_in(loop, START_ERROR);
	void *value;
	int got = result_of(by_result, &value);
	future_free(by_result);
	cr_assert_eq(got, -ECONNRESET,
	             "future_result on a future FINISHED with an error returned %d: %s", got,
	             result_rule[START_ERROR]);
	cr_assert_eq(report_count, 0,
	             "future_result handed on the error of a failed future, and still, once the "
	             "future was freed, the loop reported: %s. Handing the error on is reading "
	             "it: future_result must mark it retrieved, so that only an error nobody "
	             "read is reported",
	             reports[0]);
	struct future *by_exception = future_in(loop, START_ERROR);
	const struct future_error *error;
	future_exception(by_exception, &error);
	future_free(by_exception);
	struct future *by_cancel = future_in(loop, START_ERROR);
	cr_assert(!future_cancel(by_cancel, NULL), "cancel() of a failed future does nothing...");
	future_free(by_cancel);
	cr_assert_eq(report_count, 0,
	             "...but an error read through result() or exception(), or given up by "
	             "cancel(), is not reported, got: %s",
	             reports[0]);
	loop_free(loop);
}

static void complete(void *arg)
{
	set_result(arg, &forty_two, NULL);
}

Test(future, run_until_complete_returns_once_the_future_is_done)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	loop_call_soon(loop, complete, f);
	cr_assert_eq(loop_run_until_complete(loop, f), 0, "returns 0 for a completed future");
	cr_assert(future_done(f), "the future is done");
	future_free(f);
	loop_free(loop);
}

static int nested_rc;

static void run_nested(void *arg)
{
	struct future **pair = arg;
	nested_rc = loop_run_until_complete(future_get_loop(pair[0]), pair[1]);
	set_result(pair[0], NULL, NULL);
}

Test(future, run_until_complete_refuses_a_running_loop)
{
	struct loop *loop = quiet_loop();
	struct future *outer = new_future(loop), *inner = new_future(loop);
	struct future *pair[2] = { outer, inner };
	loop_call_soon(loop, run_nested, pair);
	cr_assert_eq(loop_run_until_complete(loop, outer), 0, "the outer run completes");
	cr_assert_eq(nested_rc, -EBUSY,
	             "a nested run: -EBUSY (asyncio: 'This event loop is "
	             "already running'), got %d",
	             nested_rc);
	future_free(outer);
	future_free(inner);
	loop_free(loop);
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

Test(future, run_until_complete_fails_when_the_loop_stops_first)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	loop_call_soon(loop, stop_loop, loop);
	cr_assert_eq(loop_run_until_complete(loop, f), -EINTR,
	             "stopped before the future was done: -EINTR (asyncio: 'Event loop stopped "
	             "before Future completed.')");
	cr_assert(!future_done(f), "the future is still pending");
	future_free(f);
	loop_free(loop);
}

Test(future, run_until_complete_fails_when_nothing_can_complete_the_future)
{
	struct loop *loop = quiet_loop();
	struct future *f = new_future(loop);
	cr_assert_eq(loop_run_until_complete(loop, f), -EINTR,
	             "nothing registered and nothing ready: the loop ends, -EINTR");
	future_free(f);
	loop_free(loop);
}
