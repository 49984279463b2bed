/*
 * test_fdlimit.c - fd_limit_raise goes as far as the hard limit allows,
 * says when that is not far enough, and never lowers the soft limit.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/resource.h>

#include "fdlimit.h"

TestSuite(fdlimit, .timeout = 10);

Test(fdlimit, reaches_what_the_hard_limit_allows)
{
	struct rlimit before;
	getrlimit(RLIMIT_NOFILE, &before);
	long got = 0;
	cr_assert_eq(fd_limit_raise(64, &got), 0, "64 descriptors are always allowed");
	cr_assert_eq((rlim_t)got, before.rlim_cur, "and the soft limit is not lowered (%ld)", got);
	if (before.rlim_max == RLIM_INFINITY)
		cr_skip_test("no hard limit here: nothing is out of reach");
	long want = (long)before.rlim_max + 1;
	cr_assert_eq(fd_limit_raise(want, &got), -EPERM, "one more than the hard limit: -EPERM");
	cr_assert_eq((rlim_t)got, before.rlim_max, "after going as far as it may (%ld)", got);
	cr_assert_eq(fd_limit_raise(-1, NULL), -EINVAL, "a negative wish is -EINVAL");
}
