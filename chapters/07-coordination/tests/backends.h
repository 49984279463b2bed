/*
 * backends.h - what the backend tests share: the names of the three
 * selectors, for Criterion's parameterized tests, and a few helpers
 * around pipes and socket pairs.
 */
#ifndef BACKENDS_H
#define BACKENDS_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdlimit.h"
#include "loop.h"
#include "selector.h"
#include "testkit.h"

/* A backend's name as a test parameter. Criterion copies parameters into
 * the test's own process, which may be a fresh start of the binary: a
 * pointer to a string would point nowhere there, an array goes along. */
struct backend {
	char name[16];
};

/* What to blame when BACKEND reports something wrong: the learner's hole
 * for epoll (selector_epoll.c), the backend's own name for the others. */
static inline const char *backend_code(const struct backend *backend)
{
	return strcmp(backend->name, "epoll") == 0 ? "epoll_wait_ready" : backend->name;
}

/* Every loop test below runs once per backend. */
static inline struct criterion_test_params backend_names(void)
{
	static struct backend names[] = { { "select" }, { "poll" }, { "epoll" } };
	return cr_make_param_array(struct backend, names, sizeof names / sizeof names[0]);
}

/* Only the backends that take any descriptor number. */
static inline struct criterion_test_params unlimited_backend_names(void)
{
	static struct backend names[] = { { "poll" }, { "epoll" } };
	return cr_make_param_array(struct backend, names, sizeof names / sizeof names[0]);
}

/* A loop on BACKEND, which must exist. */
static inline struct loop *backend_loop(const char *backend)
{
	struct loop *loop = loop_new_with_backend(backend);
	cr_assert(loop != NULL, "loop_new_with_backend(\"%s\") makes a loop: %s", backend,
	          strerror(errno));
	cr_assert_str_eq(loop_backend_name(loop), backend, "and polls with %s", backend);
	return loop;
}

static inline void make_pipe(int fds[2])
{
	cr_assert_eq(pipe(fds), 0, "pipe(): %s", strerror(errno));
}

static inline void make_socketpair(int fds[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0, "socketpair(): %s",
	             strerror(errno));
}

static inline void put_byte(int fd)
{
	cr_assert_eq(write(fd, "x", 1), 1, "write one byte: %s", strerror(errno));
}

static inline void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* One iteration that must not fail. */
static inline int run_once_ok(struct loop *loop)
{
	int rc = loop_run_once(loop);
	cr_assert(rc >= 0, "loop_run_once fails with %s", strerror(-rc));
	return rc;
}

/* Make room for COUNT descriptors, or skip the test and say why. */
static inline void need_descriptors(long count)
{
	long got = 0;
	if (fd_limit_raise(count, &got) < 0)
		cr_skip_test("needs %ld descriptors, RLIMIT_NOFILE allows %ld (raise the hard "
		             "limit: ulimit -Hn)",
		             count, got);
}

#endif
