/*
 * fdlimit.h - make room for many descriptors.
 *
 * Every connection costs a descriptor, and a process may only hold as
 * many as RLIMIT_NOFILE's soft limit says: 1,024 by default on most Linux
 * systems, far short of 10,000 connections. An unprivileged process may
 * raise its soft limit up to the hard limit, no further. (Python: what
 * resource.setrlimit(resource.RLIMIT_NOFILE, ...) does.)
 *
 * Interface:
 *   fd_limit_raise  raise the soft limit toward WANT, as far as allowed
 */
#ifndef FDLIMIT_H
#define FDLIMIT_H

/*
 * fd_limit_raise: make the soft limit on open descriptors at least WANT,
 * if the hard limit allows it, else as high as the hard limit. *GOT (may be
 * NULL) receives the soft limit in force afterwards. Never lowers it.
 * Returns 0 when the limit is now WANT or more; -EPERM when it is not
 * (*GOT says how far it went); -EINVAL when WANT is negative; or the error
 * of getrlimit/setrlimit.
 */
int fd_limit_raise(long want, long *got);

#endif
