/*
 * test_selector.c - the selector interface on its own: each backend
 * reports a ready descriptor once, with what it is ready for; forgets a
 * removed one; rounds timeouts up; and select refuses descriptors it
 * cannot hold, FD_SETSIZE and up, which the others take.
 */
#include "backends.h"

#include <limits.h>
#include <sys/select.h>

TestSuite(selector, .timeout = 10);

static struct selector *new_selector(const char *name)
{
	struct selector *selector = selector_new(name);
	cr_assert(selector != NULL, "selector_new(\"%s\"): %s", name, strerror(errno));
	return selector;
}

ParameterizedTestParameters(selector, reports_each_ready_descriptor_once)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, selector, reports_each_ready_descriptor_once)
{
	struct selector *selector = new_selector(backend->name);
	int quiet[2], busy[2];
	make_socketpair(quiet);
	make_socketpair(busy);
	put_byte(busy[1]);
	cr_assert_eq(selector_modify(selector, quiet[0], 0, SELECTOR_READ), 0, "watch quiet");
	cr_assert_eq(selector_modify(selector, busy[0], 0, SELECTOR_READ), 0, "watch busy");
	struct selector_event events[4];
	int count = selector_wait(selector, 0, events, 4);
	cr_assert_eq(count, 1, "one descriptor has data (got %d)", count);
	cr_assert_eq(events[0].fd, busy[0], "the busy one");
	cr_assert_eq(events[0].mask, SELECTOR_READ, "ready for reading");
	cr_assert_eq(
	        selector_modify(selector, busy[0], SELECTOR_READ, SELECTOR_READ | SELECTOR_WRITE),
	        0, "watch busy both ways");
	count = selector_wait(selector, 0, events, 4);
	cr_assert_eq(count, 1, "still one descriptor, reported once (got %d)", count);
	cr_assert_eq(events[0].mask, SELECTOR_READ | SELECTOR_WRITE, "readable and writable");
	cr_assert_eq(selector_modify(selector, busy[0], SELECTOR_READ | SELECTOR_WRITE, 0), 0,
	             "forget busy");
	cr_assert_eq(selector_wait(selector, 0, events, 4), 0, "nothing is ready any more");
	cr_assert_eq(selector_modify(selector, quiet[0], SELECTOR_READ, 0), 0, "forget quiet");
	close_pair(quiet);
	close_pair(busy);
	selector_free(selector);
}

ParameterizedTestParameters(selector, wait_with_nothing_watched_just_sleeps)
{
	return backend_names();
}

ParameterizedTest(struct backend *backend, selector, wait_with_nothing_watched_just_sleeps)
{
	struct selector *selector = new_selector(backend->name);
	struct selector_event event;
	cr_assert_eq(selector_wait(selector, 1, &event, 1), 0,
	             "a 1 µs wait over no descriptor returns 0 events");
	selector_free(selector);
}

Test(selector, timeouts_round_up_to_the_millisecond)
{
	cr_assert_eq(selector_timeout_ms(-1), -1, "no limit stays no limit");
	cr_assert_eq(selector_timeout_ms(0), 0, "zero stays zero: only look");
	cr_assert_eq(selector_timeout_ms(1), 1, "1 µs waits 1 ms, never 0: no busy loop");
	cr_assert_eq(selector_timeout_ms(1000), 1, "1,000 µs is 1 ms");
	cr_assert_eq(selector_timeout_ms(1001), 2, "1,001 µs rounds up to 2 ms");
	cr_assert_eq(selector_timeout_ms(LONG_MAX), INT_MAX, "and a huge wait is cut to INT_MAX");
}

Test(selector, unknown_name_is_refused)
{
	errno = 0;
	cr_assert_null(selector_new("devpoll"), "no such backend: NULL");
	cr_assert_eq(errno, EINVAL, "errno EINVAL");
	struct selector *selector = new_selector(NULL);
	cr_assert_str_eq(selector_name(selector), SELECTOR_DEFAULT, "NULL: the default");
	selector_free(selector);
}

static void read_high(void *arg)
{
	int *seen = arg;
	(*seen)++;
}

/* A descriptor numbered FD_SETSIZE or more, open: a copy of FD
 * moved up with F_DUPFD. */
static int high_descriptor(int fd)
{
	need_descriptors(FD_SETSIZE + 64);
	int high = fcntl(fd, F_DUPFD, FD_SETSIZE);
	cr_assert(high >= FD_SETSIZE, "F_DUPFD gives a descriptor of %d or more: %s", FD_SETSIZE,
	          strerror(errno));
	return high;
}

Test(selector, select_refuses_fd_setsize_and_up)
{
	int fds[2];
	make_pipe(fds);
	int high = high_descriptor(fds[0]);
	struct loop *loop = backend_loop("select");
	cr_assert_eq(loop_add_reader(loop, high, read_high, NULL), -ERANGE,
	             "select cannot watch descriptor %d: -ERANGE", high);
	cr_assert_eq(loop_remove_reader(loop, high), -ERANGE,
	             "nor can it ever have been registered: -ERANGE");
	loop_free(loop);
	struct selector *selector = new_selector("select");
	cr_assert_eq(selector_fd_limit(selector), FD_SETSIZE, "select's limit is FD_SETSIZE");
	cr_assert_eq(selector_modify(selector, FD_SETSIZE, 0, SELECTOR_READ), -ERANGE,
	             "selector_modify refuses FD_SETSIZE itself");
	selector_free(selector);
	close(high);
	close_pair(fds);
}

ParameterizedTestParameters(selector, poll_and_epoll_take_high_descriptors)
{
	return unlimited_backend_names();
}

ParameterizedTest(struct backend *backend, selector, poll_and_epoll_take_high_descriptors)
{
	int fds[2];
	make_pipe(fds);
	int high = high_descriptor(fds[0]);
	put_byte(fds[1]);
	struct loop *loop = backend_loop(backend->name);
	int seen = 0;
	cr_assert_eq(loop_add_reader(loop, high, read_high, &seen), 0, "%s watches descriptor %d",
	             backend->name, high);
	run_once_ok(loop);
	cr_assert_eq(seen, 1, "and calls its reader when it is readable");
	loop_remove_reader(loop, high);
	loop_free(loop);
	close(high);
	close_pair(fds);
}
