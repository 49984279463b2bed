/*
 * selector_poll.c - the poll() backend: an array of struct pollfd.
 *
 * Mirrors: selectors.PollSelector (and Redis's ae_poll.c, in its forks).
 *
 * poll() takes a list of the watched descriptors instead of bitmaps, so
 * there is no FD_SETSIZE: any descriptor number works, and the cost
 * follows how many are watched, not how high their numbers go. It still
 * hands the whole list to the kernel in every call, and the kernel still
 * looks at every entry: one wait costs O(watched), ready or not.
 */
#include "selector.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>

struct poll_state {
	struct pollfd *fds; /* the watched descriptors, in no particular order */
	int count, capacity;
	int *slot_of;      /* slot_of[fd]: FD's index in fds, or -1 */
	int slot_capacity; /* how many descriptor numbers slot_of covers */
};

static void *poll_create(void)
{
	return calloc(1, sizeof(struct poll_state));
}

static void poll_destroy(void *opaque)
{
	struct poll_state *state = opaque;
	free(state->fds);
	free(state->slot_of);
	free(state);
}

/* Make room for one more watched descriptor, numbered FD. */
static int poll_grow(struct poll_state *state, int fd)
{
	if (state->count == state->capacity) {
		int capacity = state->capacity ? state->capacity * 2 : 64;
		struct pollfd *fds = realloc(state->fds, (size_t)capacity * sizeof *fds);
		if (!fds)
			return -ENOMEM;
		state->fds = fds;
		state->capacity = capacity;
	}
	if (fd >= state->slot_capacity) {
		int capacity = state->slot_capacity ? state->slot_capacity : 64;
		while (capacity <= fd)
			capacity *= 2;
		int *slot_of = realloc(state->slot_of, (size_t)capacity * sizeof *slot_of);
		if (!slot_of)
			return -ENOMEM;
		for (int i = state->slot_capacity; i < capacity; i++)
			slot_of[i] = -1;
		state->slot_of = slot_of;
		state->slot_capacity = capacity;
	}
	return 0;
}

static short poll_events_of(int mask)
{
	return (short)(((mask & SELECTOR_READ) ? POLLIN : 0) |
	               ((mask & SELECTOR_WRITE) ? POLLOUT : 0));
}

static int poll_modify(void *opaque, int fd, int old_mask, int new_mask)
{
	struct poll_state *state = opaque;
	if (old_mask == 0) {
		int rc = poll_grow(state, fd);
		if (rc < 0)
			return rc;
		state->slot_of[fd] = state->count;
		state->fds[state->count++] = (struct pollfd){ fd, poll_events_of(new_mask), 0 };
		return 0;
	}
	int slot = state->slot_of[fd];
	if (new_mask != 0) {
		state->fds[slot].events = poll_events_of(new_mask);
		return 0;
	}
	/* Removal: the last entry takes the freed slot, so the array stays
	 * dense and removal costs O(1). */
	struct pollfd last = state->fds[--state->count];
	state->fds[slot] = last;
	state->slot_of[last.fd] = slot;
	state->slot_of[fd] = -1;
	return 0;
}

/* What REVENTS means for a descriptor watched for EVENTS. A hang-up or an
 * error wakes both directions, as select() does: the next read() or
 * write() will not block, it will report what happened. */
static int poll_mask_of(short events, short revents)
{
	int mask = 0;
	if ((events & POLLIN) && (revents & (POLLIN | POLLHUP | POLLERR)))
		mask |= SELECTOR_READ;
	if ((events & POLLOUT) && (revents & (POLLOUT | POLLHUP | POLLERR)))
		mask |= SELECTOR_WRITE;
	return mask;
}

static int poll_wait(void *opaque, long timeout_us, struct selector_event *events, int capacity)
{
	struct poll_state *state = opaque;
	int ready = poll(state->fds, (nfds_t)state->count, selector_timeout_ms(timeout_us));
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	int count = 0;
	for (int i = 0; i < state->count && count < capacity && ready > 0; i++) {
		struct pollfd *p = &state->fds[i];
		/* A watched descriptor was closed: the caller's mistake, which
		 * select() reports as EBADF. Say the same. */
		if (p->revents & POLLNVAL)
			return -EBADF;
		if (p->revents)
			ready--; /* every ready entry found: stop scanning */
		int mask = poll_mask_of(p->events, p->revents);
		if (mask)
			events[count++] = (struct selector_event){ p->fd, mask };
	}
	return count;
}

const struct selector_backend selector_poll_backend = {
	.name = "poll",
	.fd_limit = INT_MAX,
	.create = poll_create,
	.destroy = poll_destroy,
	.modify = poll_modify,
	.wait = poll_wait,
};
