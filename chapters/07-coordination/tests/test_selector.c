/*
 * test_selector.c - the selector interface on its own: each backend
 * reports a ready descriptor once, with what it is ready for; forgets a
 * removed one; rounds timeouts up; and select refuses descriptors it
 * cannot hold, FD_SETSIZE and up, which the others take.
 */
#include "backends.h"

#include <limits.h>
#include <sys/select.h>

#include "syscall_faults.h"

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

ParameterizedTestParameters(selector, describes_each_ready_descriptor_by_its_own_events)
{
	return backend_names();
}

/* Two descriptors ready in one wait, each for something else: every entry
 * describes its own descriptor's events, and only the ready ones count. */
ParameterizedTest(struct backend *backend, selector, describes_each_ready_descriptor_by_its_own_events)
{
	struct selector *selector = new_selector(backend->name);
	int readable[2], writable[2];
	make_socketpair(readable);
	make_socketpair(writable);
	put_byte(readable[1]);
	cr_assert_eq(selector_modify(selector, readable[0], 0, SELECTOR_READ), 0, "watch one");
	cr_assert_eq(selector_modify(selector, writable[0], 0, SELECTOR_WRITE), 0, "watch two");
	struct selector_event events[8];
	int count = selector_wait(selector, 0, events, 8);
	if (strcmp(backend->name, "epoll") == 0)
		REQUIRE_IMPLEMENTED(count, "epoll_wait_ready");
	cr_assert_eq(count, 2,
	             "%s: two descriptors are ready, so two entries: the count the kernel "
	             "reported, not the room in the buffer (got %d)",
	             backend_code(backend), count);
	for (int i = 0; i < count; i++) {
		bool is_readable = events[i].fd == readable[0];
		cr_assert(is_readable || events[i].fd == writable[0], "%s: entry %d names a watched "
		          "descriptor", backend->name, i);
		cr_assert_eq(events[i].mask, is_readable ? SELECTOR_READ : SELECTOR_WRITE,
		             "%s: entry %d, fd %d, is only %s, but its mask is %d: each entry "
		             "describes its own descriptor's events, read and write apart "
		             "(SELECTOR_READ %d, SELECTOR_WRITE %d)",
		             backend_code(backend), i, events[i].fd,
		             is_readable ? "readable" : "writable", events[i].mask, SELECTOR_READ,
		             SELECTOR_WRITE);
	}
	cr_assert_eq(selector_modify(selector, readable[0], SELECTOR_READ, 0), 0, "forget one");
	cr_assert_eq(selector_modify(selector, writable[0], SELECTOR_WRITE, 0), 0, "forget two");
	close_pair(readable);
	close_pair(writable);
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

/* A pipe whose writer has gone, with nothing left in it: epoll reports
 * EPOLLHUP alone, which must still wake whoever reads it. */
Test(selector, epoll_reports_a_hang_up_as_ready_both_ways)
{
	struct selector *selector = new_selector("epoll");
	int fds[2];
	cr_assert_eq(pipe(fds), 0, "pipe: %s", strerror(errno));
	close(fds[1]);
	cr_assert_eq(selector_modify(selector, fds[0], 0, SELECTOR_READ), 0, "watch the pipe");
	struct selector_event events[2];
	int count = selector_wait(selector, 0, events, 2);
	REQUIRE_IMPLEMENTED(count, "epoll_wait_ready");
	cr_assert_eq(count, 1, "epoll_wait_ready: the pipe whose writer has gone is ready (got %d)",
	             count);
	cr_assert_eq(events[0].mask, SELECTOR_READ | SELECTOR_WRITE,
	             "epoll_wait_ready: a hang-up (EPOLLHUP) or an error counts as ready both ways, "
	             "so that the callback that reads finds out; the mask was %d",
	             events[0].mask);
	cr_assert_eq(selector_modify(selector, fds[0], SELECTOR_READ, 0), 0, "forget it");
	close(fds[0]);
	selector_free(selector);
}

/* What the kernel is asked for is what it sleeps: a wait of 1,500 µs cut
 * to 1 ms wakes before the deadline, finds nothing due, and then spins
 * through the last half millisecond with timeouts of 0. */
Test(selector, epoll_asks_the_kernel_for_the_timeout_rounded_up)
{
	struct selector *selector = new_selector("epoll");
	struct selector_event events[4];
	syscall_faults_start(&(struct syscall_faults_plan){ 0 });
	int count = selector_wait(selector, 1500, events, 4);
	syscall_faults_stop();
	REQUIRE_IMPLEMENTED(count, "epoll_wait_ready");
	cr_assert_eq(count, 0,
	             "epoll_wait_ready: nothing is registered, so the wait sleeps and reports 0 "
	             "events, but it returned %d (%s): epoll_wait refuses a request for 0 "
	             "records (EINVAL), so with no room (nothing watched yet, or a CAPACITY of 0) "
	             "ask it for one record, a spare, only to sleep",
	             count, count < 0 ? strerror(-count) : "not an error");
	cr_assert_eq(syscall_faults_record()->epoll_timeout_ms, 2,
	             "epoll_wait_ready: a wait of 1,500 µs must ask epoll_wait for 2 ms, rounded "
	             "up (selector_timeout_ms): it asked for %d ms, and a wait that ends before "
	             "the deadline makes the loop spin until it comes",
	             syscall_faults_record()->epoll_timeout_ms);
	selector_free(selector);
}

/* Six descriptors ready, room for two: the caller's CAPACITY is the limit,
 * whatever the backend's own buffer could hold; the rest waits for the
 * next call (they are still ready then). The entries past the room keep
 * what the test put there. */
Test(selector, epoll_writes_no_more_than_capacity)
{
	struct selector *selector = new_selector("epoll");
	int pairs[6][2];
	for (int i = 0; i < 6; i++) {
		make_socketpair(pairs[i]);
		put_byte(pairs[i][1]);
		cr_assert_eq(selector_modify(selector, pairs[i][0], 0, SELECTOR_READ), 0, "watch %d",
		             i);
	}
	struct selector_event events[8];
	for (int i = 0; i < 8; i++)
		events[i] = (struct selector_event){ -7, -7 };
	int count = selector_wait(selector, 0, events, 2);
	REQUIRE_IMPLEMENTED(count, "epoll_wait_ready");
	int touched = 0;
	for (int i = 2; i < 8; i++)
		touched += events[i].fd != -7 || events[i].mask != -7;
	cr_assert(count == 2 && touched == 0,
	          "epoll_wait_ready: six descriptors are ready and the caller has room for 2, so "
	          "it gets 2 entries and the rest wait for the next call; it returned %d and "
	          "wrote %d entries past the room: ask epoll_wait for the smaller of CAPACITY and "
	          "the buffer, or the kernel's answer overruns the caller's array",
	          count, touched);
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(selector_modify(selector, pairs[i][0], SELECTOR_READ, 0), 0, "forget");
		close_pair(pairs[i]);
	}
	selector_free(selector);
}
