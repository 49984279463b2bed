/*
 * selector.h - one small interface in front of the kernel's ways of
 * waiting for many descriptors: select(), poll() and epoll.
 *
 * Mirrors: Python's selectors module (SelectSelector, PollSelector,
 * EpollSelector, and DefaultSelector, the best one the system has), which
 * asyncio's SelectorEventLoop polls through. Redis's ae splits its pollers
 * the same way: ae_select.c, ae_poll.c, ae_epoll.c fill one small set of
 * functions, and the loop never knows which one it talks to.
 *
 * Each backend lives in its own file (selector_select.c, selector_poll.c,
 * selector_epoll.c) and fills one struct selector_backend. The loop keeps
 * the callbacks; a selector only keeps, for each descriptor, the mask of
 * events the loop wants to hear about, and reports which of them are ready.
 *
 * Interface:
 *   selector_new      the backend called NAME ("select", "poll", "epoll")
 *   selector_free     release it (closes no watched descriptor)
 *   selector_name     which backend it is
 *   selector_fd_limit the first descriptor number it cannot watch
 *   selector_modify   change what FD is watched for (add, change, remove)
 *   selector_wait     wait for ready descriptors, or a timeout
 *   SELECTOR_DEFAULT  the name of the default backend
 */
#ifndef SELECTOR_H
#define SELECTOR_H

/* What a descriptor is watched for, and what it is ready for. */
enum selector_mask {
	SELECTOR_READ = 1,  /* read() will not block */
	SELECTOR_WRITE = 2, /* write() will not block */
};

/* One ready descriptor: FD is ready for MASK. A hang-up or an error may
 * report both directions, watched or not: the loop calls only the
 * callbacks that are registered. */
struct selector_event {
	int fd;
	int mask;
};

/*
 * A backend: the functions every selector fills (Redis: the aeApi*
 * functions). STATE is the backend's own, made by create.
 *   create   a new state, or NULL with errno set
 *   destroy  free it
 *   modify   FD was watched for OLD_MASK, is now to be watched for
 *            NEW_MASK (0 on either side: add or remove). 0 or -errno.
 *   wait     wait at most TIMEOUT_US microseconds (-1: no limit) until a
 *            watched descriptor is ready; write at most CAPACITY ready
 *            descriptors into EVENTS, each once. Returns how many, 0 when
 *            the time ran out or a signal interrupted the wait, or -errno.
 */
struct selector_backend {
	const char *name;
	int fd_limit; /* descriptors from this number up cannot be watched */
	void *(*create)(void);
	void (*destroy)(void *state);
	int (*modify)(void *state, int fd, int old_mask, int new_mask);
	int (*wait)(void *state, long timeout_us, struct selector_event *events, int capacity);
};

extern const struct selector_backend selector_select_backend;
extern const struct selector_backend selector_poll_backend;
extern const struct selector_backend selector_epoll_backend;

/* Linux has epoll: the default there, as selectors.DefaultSelector. */
#ifdef __linux__
#define SELECTOR_DEFAULT "epoll"
#else
#define SELECTOR_DEFAULT "poll"
#endif

struct selector;

/* selector_new: the backend called NAME (NULL: SELECTOR_DEFAULT), watching
 * nothing yet. NULL with errno EINVAL when no backend has that name, or the
 * backend's error. The caller frees it with selector_free. */
struct selector *selector_new(const char *name);
void selector_free(struct selector *selector);

const char *selector_name(const struct selector *selector);

/* selector_fd_limit: FD_SETSIZE for select, INT_MAX for the others. */
int selector_fd_limit(const struct selector *selector);

/* selector_modify: FD was watched for OLD_MASK and is now to be watched
 * for NEW_MASK. Returns 0; -ERANGE when FD is beyond selector_fd_limit;
 * -ENOMEM; or the kernel's error (epoll: -EPERM for a regular file). */
int selector_modify(struct selector *selector, int fd, int old_mask, int new_mask);

/* selector_wait: see struct selector_backend's wait. CAPACITY must be 1
 * or more. TIMEOUT_US is rounded up to the backend's resolution (poll and
 * epoll count milliseconds): waking a hair too early finds nothing due. */
int selector_wait(struct selector *selector, long timeout_us, struct selector_event *events,
                  int capacity);

/* For the backends: TIMEOUT_US in whole milliseconds, rounded up, as
 * poll() and epoll_wait() take it (-1 stays -1: no limit). */
int selector_timeout_ms(long timeout_us);

#endif
