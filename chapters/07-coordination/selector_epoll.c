/*
 * selector_epoll.c - the epoll backend: the kernel keeps the watch list.
 *
 * Mirrors: selectors.EpollSelector, the DefaultSelector on Linux (and
 * Redis's ae_epoll.c).
 *
 * select() and poll() hand the kernel the whole list of descriptors in
 * every call, and the kernel looks at each of them. epoll turns that
 * around: epoll_ctl() tells the kernel once what to watch, the kernel
 * keeps the list, and whenever a descriptor becomes ready it puts it on a
 * ready list by itself. epoll_wait() then only copies out that ready list:
 * a wait costs O(ready), not O(watched), which is what lets one thread
 * hold 10,000 idle connections.
 *
 * Level-triggered, as select() and poll(): a descriptor that stays ready
 * is reported again in every wait, so the loop's callbacks need not
 * drain everything at once. (Edge-triggered mode, EPOLLET, reports only
 * changes and would demand exactly that.)
 */
/* epoll is Linux's own, outside POSIX; _GNU_SOURCE makes <sys/epoll.h>
 * declare epoll_create1 and EPOLL_CLOEXEC under -D_POSIX_C_SOURCE. */
#define _GNU_SOURCE
#include "selector.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "todo.h"

struct epoll_state {
	int epfd;                   /* the kernel's watch list */
	int watched;                /* descriptors in it */
	struct epoll_event *buffer; /* where epoll_wait copies the ready ones */
	int buffer_capacity;        /* at least watched, so one wait can say all */
};

static void *epoll_create_state(void)
{
	struct epoll_state *state = calloc(1, sizeof *state);
	if (!state)
		return NULL;
	/* CLOEXEC: a program started by ours must not inherit the list. */
	state->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (state->epfd < 0) {
		int saved = errno;
		free(state);
		errno = saved;
		return NULL;
	}
	return state;
}

static void epoll_destroy_state(void *opaque)
{
	struct epoll_state *state = opaque;
	close(state->epfd);
	free(state->buffer);
	free(state);
}

/* Keep the wait buffer as large as the watch list. */
static int epoll_reserve(struct epoll_state *state, int count)
{
	if (count <= state->buffer_capacity)
		return 0;
	int capacity = state->buffer_capacity ? state->buffer_capacity * 2 : 64;
	while (capacity < count)
		capacity *= 2;
	struct epoll_event *buffer = realloc(state->buffer, (size_t)capacity * sizeof *buffer);
	if (!buffer)
		return -ENOMEM;
	state->buffer = buffer;
	state->buffer_capacity = capacity;
	return 0;
}

static uint32_t epoll_events_of(int mask)
{
	return ((mask & SELECTOR_READ) ? EPOLLIN : 0u) | ((mask & SELECTOR_WRITE) ? EPOLLOUT : 0u);
}

/* One epoll_ctl() call; when the kernel's list disagrees with ours because
 * the descriptor was closed and its number reused while still registered,
 * do what was meant (add instead of change, change instead of add). */
static int epoll_control(int epfd, int op, int fd, int mask)
{
	struct epoll_event event = { .events = epoll_events_of(mask), .data.fd = fd };
	if (epoll_ctl(epfd, op, fd, &event) == 0)
		return 0;
	if (op == EPOLL_CTL_MOD && errno == ENOENT)
		return epoll_control(epfd, EPOLL_CTL_ADD, fd, mask);
	if (op == EPOLL_CTL_ADD && errno == EEXIST)
		return epoll_control(epfd, EPOLL_CTL_MOD, fd, mask);
	return -errno;
}

static int epoll_modify(void *opaque, int fd, int old_mask, int new_mask)
{
	struct epoll_state *state = opaque;
	if (new_mask == 0) {
		/* Closing a descriptor takes it off the kernel's list by itself,
		 * so a removal after close() finds nothing there: not an error. */
		struct epoll_event unused = { 0 };
		if (epoll_ctl(state->epfd, EPOLL_CTL_DEL, fd, &unused) < 0 && errno != EBADF &&
		    errno != ENOENT)
			return -errno;
		state->watched--;
		return 0;
	}
	int rc = old_mask == 0 ? epoll_reserve(state, state->watched + 1) : 0;
	if (rc == 0)
		rc = epoll_control(state->epfd, old_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
		                   new_mask);
	if (rc == 0 && old_mask == 0)
		state->watched++;
	return rc;
}

static int epoll_wait_ready(void *opaque, long timeout_us, struct selector_event *events,
                            int capacity)
{
	struct epoll_state *state = opaque;
	int room = capacity < state->buffer_capacity ? capacity : state->buffer_capacity;
	/* epoll_wait refuses a buffer of 0 events; one is enough to sleep. */
	struct epoll_event spare = { 0 }; /* written by the kernel, if at all */
	struct epoll_event *buffer = room > 0 ? state->buffer : &spare;
	int ready = epoll_wait(state->epfd, buffer, room > 0 ? room : 1,
	                       selector_timeout_ms(timeout_us));
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < ready; i++) {
		uint32_t got = buffer[i].events;
		/* EPOLLHUP and EPOLLERR come whether asked for or not; like
		 * select(), they make both directions "ready": the next call
		 * will not block, it will report what happened. */
		bool broken = got & (EPOLLHUP | EPOLLERR);
		int mask = ((got & EPOLLIN) || broken ? SELECTOR_READ : 0) |
		           ((got & EPOLLOUT) || broken ? SELECTOR_WRITE : 0);
		events[i] = (struct selector_event){ buffer[i].data.fd, mask };
	}
	return ready;
}

const struct selector_backend selector_epoll_backend = {
	.name = "epoll",
	.fd_limit = INT_MAX,
	.create = epoll_create_state,
	.destroy = epoll_destroy_state,
	.modify = epoll_modify,
	.wait = epoll_wait_ready,
};
