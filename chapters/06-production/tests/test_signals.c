/*
 * test_signals.c - a signal becomes a loop callback: the C handler only
 * writes to the self-pipe, and the callback runs later, from the loop.
 * Two signals make two calls; removing a handler, or freeing the loop,
 * gives the signal back what it did before; waiting for signals does not
 * keep loop_run going.
 */
#include "backends.h"

#include <pthread.h>
#include <signal.h>

#include "signals.h"

TestSuite(signals, .timeout = 10);

struct catcher {
	struct loop *loop;
	int calls;
	bool loop_was_running; /* at the last call */
	char order[16];
};

static void on_usr1(void *arg)
{
	struct catcher *c = arg;
	c->loop_was_running = loop_is_running(c->loop);
	c->order[c->calls++] = '1';
}

static void on_usr2(void *arg)
{
	struct catcher *c = arg;
	c->order[c->calls++] = '2';
}

static void noop(void *arg)
{
	(void)arg;
}

/* loop_run with one call_soon: enough work for one poll, which sees the
 * self-pipe (the pipe alone is not work: loop_unref_fd). */
static void run_a_little(struct loop *loop)
{
	handle_detach(loop_call_soon(loop, noop, NULL));
	cr_assert_eq(loop_run(loop), 0, "loop_run");
}

Test(signals, callback_runs_from_the_loop_not_the_handler)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c), 0, "add SIGUSR1");
	cr_assert_eq(raise(SIGUSR1), 0, "raise(SIGUSR1)");
	cr_assert_eq(c.calls, 0, "the handler has run, the callback has not: it waits in the pipe");
	run_a_little(loop);
	cr_assert_eq(c.calls, 1, "the loop called it");
	cr_assert(c.loop_was_running, "from inside loop_run");
	loop_free(loop);
}

Test(signals, two_signals_two_calls_in_order)
{
	struct loop *loop = backend_loop("poll");
	struct catcher c = { .loop = loop };
	loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c);
	loop_add_signal_handler(loop, SIGUSR2, on_usr2, &c);
	raise(SIGUSR2);
	raise(SIGUSR1);
	raise(SIGUSR1);
	run_a_little(loop);
	cr_assert_str_eq(c.order, "211", "each signal once, in the order they came (got %s)",
	                 c.order);
	loop_free(loop);
}

static volatile sig_atomic_t old_handler_ran;

static void old_handler(int signo)
{
	(void)signo;
	old_handler_ran = 1;
}

static void install_old_handler(void)
{
	struct sigaction action = { 0 };
	action.sa_handler = old_handler;
	sigemptyset(&action.sa_mask);
	cr_assert_eq(sigaction(SIGUSR1, &action, NULL), 0, "sigaction");
}

static bool old_handler_installed(void)
{
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	return now.sa_handler == old_handler;
}

Test(signals, removal_restores_the_previous_disposition)
{
	install_old_handler();
	struct loop *loop = backend_loop("select");
	struct catcher c = { .loop = loop };
	loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c);
	cr_assert(!old_handler_installed(), "while the loop handles SIGUSR1, its handler is ours");
	cr_assert_eq(loop_remove_signal_handler(loop, SIGUSR1), 1, "removed: 1");
	cr_assert_eq(loop_remove_signal_handler(loop, SIGUSR1), 0, "again: nothing to remove, 0");
	cr_assert(old_handler_installed(), "the old handler is back");
	raise(SIGUSR1);
	cr_assert(old_handler_ran, "and it runs");
	run_a_little(loop);
	cr_assert_eq(c.calls, 0, "the loop's callback does not");
	loop_free(loop);
}

Test(signals, freeing_the_loop_restores_too)
{
	install_old_handler();
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c);
	loop_free(loop);
	cr_assert(old_handler_installed(), "loop_free gave SIGUSR1 its old handler back");
	struct loop *second = backend_loop("epoll");
	cr_assert_eq(loop_add_signal_handler(second, SIGUSR1, on_usr1, &c), 0,
	             "and another loop may handle signals now");
	loop_free(second);
}

Test(signals, refuses_what_cannot_be_caught)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	cr_assert_eq(loop_add_signal_handler(loop, SIGKILL, on_usr1, &c), -EINVAL, "SIGKILL");
	cr_assert_eq(loop_add_signal_handler(loop, SIGSTOP, on_usr1, &c), -EINVAL, "SIGSTOP");
	cr_assert_eq(loop_add_signal_handler(loop, 0, on_usr1, &c), -EINVAL, "0 is no signal");
	cr_assert_eq(loop_add_signal_handler(loop, 1000, on_usr1, &c), -EINVAL, "nor is 1000");
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR1, NULL, &c), -EINVAL, "no callback");
	cr_assert_eq(loop_remove_signal_handler(loop, -3), -EINVAL, "remove: -3 is no signal");
	struct loop *other = backend_loop("poll");
	loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c);
	cr_assert_eq(loop_add_signal_handler(other, SIGUSR2, on_usr2, &c), -EBUSY,
	             "one loop at a time handles signals");
	loop_free(other);
	loop_free(loop);
}

Test(signals, waiting_for_signals_is_not_work)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	loop_add_signal_handler(loop, SIGINT, on_usr1, &c);
	cr_assert_eq(loop_run(loop), 0, "loop_run returns: nothing but the self-pipe is left");
	loop_free(loop);
}

/* The callback removes its own handler: the rest of the pipe is dropped. */
static void remove_self(void *arg)
{
	struct catcher *c = arg;
	c->calls++;
	loop_remove_signal_handler(c->loop, SIGUSR1);
}

Test(signals, a_callback_may_remove_its_own_handler)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	loop_add_signal_handler(loop, SIGUSR1, remove_self, &c);
	raise(SIGUSR1);
	raise(SIGUSR1);
	run_a_little(loop);
	cr_assert_eq(c.calls, 1, "called once, then gone (got %d)", c.calls);
	loop_free(loop);
}

/* A loop asleep in its poll, with nothing else to wake it: the signal
 * comes from another thread. Whether it arrives before the poll or during
 * it, the byte is in the pipe and the poll returns. */
static void *send_usr1(void *arg)
{
	(void)arg;
	kill(getpid(), SIGUSR1);
	return NULL;
}

static void stop_on_signal(void *arg)
{
	struct catcher *c = arg;
	c->calls++;
	loop_stop(c->loop);
}

Test(signals, wakes_a_loop_blocked_in_its_poll)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	int fds[2];
	make_pipe(fds);
	loop_add_reader(loop, fds[0], noop, NULL); /* never ready: the poll has no limit */
	loop_add_signal_handler(loop, SIGUSR1, stop_on_signal, &c);
	pthread_t sender;
	pthread_create(&sender, NULL, send_usr1, NULL);
	int rc = loop_run(loop);
	pthread_join(sender, NULL);
	cr_assert_eq(rc, 0,
	             "epoll_wait_ready: a signal cut the wait short and loop_run failed with %d "
	             "(%s): epoll_wait's EINTR means \"woken early\", not an error; return 0 "
	             "events, and the loop goes round to the self-pipe",
	             rc, strerror(-rc));
	cr_assert_eq(c.calls, 1, "the callback ran once");
	loop_remove_reader(loop, fds[0]);
	close_pair(fds);
	loop_free(loop);
}

static void count_call(void *arg)
{
	++*(int *)arg;
}

/* More signals than one read() of the pipe takes at once: the reader
 * drains the pipe, since "waiting for signals is not work" and the loop
 * may not come round for the rest. */
Test(signals, a_hundred_signals_are_a_hundred_calls_in_one_iteration)
{
	struct loop *loop = backend_loop("epoll");
	int calls = 0;
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR1, count_call, &calls), 0, "add SIGUSR1");
	for (int i = 0; i < 100; i++)
		cr_assert_eq(raise(SIGUSR1), 0, "raise(SIGUSR1)");
	run_a_little(loop);
	cr_assert_eq(calls, 100,
	             "dispatch_signals: every signal that arrived has its callback called once the "
	             "pipe is readable: read until it is empty (EAGAIN), not once (got %d of 100)",
	             calls);
	loop_free(loop);
}

/* What the loop's exception handler heard, for the test below. */
static char heard[160];

static void hear(const char *message, void *arg)
{
	(void)arg;
	snprintf(heard, sizeof heard, "%s", message);
}

/* The pipe is non-blocking: once every waiting signal number is read, the
 * next read() says EAGAIN, which means "nothing more for now". */
Test(signals, an_empty_pipe_ends_the_reading_and_nothing_else)
{
	struct loop *loop = backend_loop("epoll");
	loop_set_exception_handler(loop, hear, NULL);
	heard[0] = '\0';
	int calls = 0;
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR1, count_call, &calls), 0, "add SIGUSR1");
	cr_assert_eq(raise(SIGUSR1), 0, "raise(SIGUSR1)");
	run_a_little(loop);
	cr_assert_eq(calls, 1, "dispatch_signals: the signal's callback ran once (got %d)", calls);
	cr_assert_str_empty(heard,
	                    "dispatch_signals: the loop was told \"%s\" after the signals were "
	                    "read: the read() that finds the pipe empty (EAGAIN) ends the reading, "
	                    "it is not a failure, and the pipe must stay watched for the next "
	                    "signal",
	                    heard);
	cr_assert_eq(raise(SIGUSR1), 0, "raise(SIGUSR1)");
	run_a_little(loop);
	cr_assert_eq(calls, 2, "dispatch_signals: a second signal is heard too (got %d calls)",
	             calls);
	loop_free(loop);
}

/* Two signals in the pipe, the first one's handler removed before the
 * loop reads them: the removed one is skipped, and the one after it is
 * still heard. Another handler is left, so the pipe stays open. */
Test(signals, a_removed_handler_is_skipped_and_the_next_signal_still_runs)
{
	struct loop *loop = backend_loop("epoll");
	struct catcher c = { .loop = loop };
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR1, on_usr1, &c), 0, "add SIGUSR1");
	cr_assert_eq(loop_add_signal_handler(loop, SIGUSR2, on_usr2, &c), 0, "add SIGUSR2");
	raise(SIGUSR1);
	raise(SIGUSR2);
	cr_assert_eq(loop_remove_signal_handler(loop, SIGUSR1), 1, "remove SIGUSR1");
	run_a_little(loop);
	cr_assert_str_eq(c.order, "2",
	                 "dispatch_signals: SIGUSR1's handler was removed after it arrived, so "
	                 "its byte is skipped, but SIGUSR2 came after it and its callback must "
	                 "run: every byte read is one signal, and a skipped one ends nothing, "
	                 "the bytes after it are signals too (called: \"%s\")",
	                 c.order);
	loop_free(loop);
}
