/*
 * fdlimit.c - raise RLIMIT_NOFILE's soft limit. See fdlimit.h.
 *
 * Each process has two limits on open descriptors: the soft one, which
 * the kernel enforces (open() and socket() fail with EMFILE past it), and
 * the hard one, the ceiling up to which the process may raise the soft
 * one without privileges. Shells start programs at a soft limit of 1,024
 * for the sake of old programs that use select(): a descriptor of 1,024
 * or more would overflow their fd_set. A program that polls with poll()
 * or epoll has no such problem and may ask for more.
 */
#include "fdlimit.h"

#include <errno.h>
#include <limits.h>
#include <sys/resource.h>

int fd_limit_raise(long want, long *got)
{
	if (want < 0)
		return -EINVAL;
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		return -errno;
	rlim_t target = (rlim_t)want;
	/* RLIM_INFINITY is the largest rlim_t: "no ceiling" compares as such. */
	if (target > limit.rlim_max)
		target = limit.rlim_max;
	if (target > limit.rlim_cur) {
		struct rlimit raised = { target, limit.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &raised) < 0)
			return -errno;
		limit.rlim_cur = target;
	}
	if (got)
		*got = limit.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)limit.rlim_cur;
	return limit.rlim_cur >= (rlim_t)want ? 0 : -EPERM;
}
