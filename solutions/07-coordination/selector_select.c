/*
 * selector_select.c - the select() backend: two bitmaps of descriptors.
 *
 * Mirrors: selectors.SelectSelector (and Redis's ae_select.c).
 *
 * select() is the oldest and most portable way to wait for many
 * descriptors, and chapter 2's loop used it directly. It has two costs
 * that grow with the descriptors: the kernel reads and rewrites bitmaps of
 * max_fd + 1 bits in every call, so both the kernel and this file scan
 * every number up to the highest descriptor, ready or not; and an fd_set
 * holds FD_SETSIZE (1,024) bits, fixed at compile time.
 */
#include "selector.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

struct select_state {
	fd_set readable, writable; /* what is watched; select() gets copies */
	int max_fd;                /* the highest descriptor watched, or -1 */
};

static void *select_create(void)
{
	struct select_state *state = malloc(sizeof *state);
	if (!state)
		return NULL;
	FD_ZERO(&state->readable);
	FD_ZERO(&state->writable);
	state->max_fd = -1;
	return state;
}

static void select_destroy(void *state)
{
	free(state);
}

/* FD is below FD_SETSIZE here: selector_modify refuses the others with
 * -ERANGE, because FD_SET on a larger number writes past the end of the
 * fd_set, silently, into whatever memory follows it. */
static int select_modify(void *opaque, int fd, int old_mask, int new_mask)
{
	struct select_state *state = opaque;
	(void)old_mask;
	FD_CLR(fd, &state->readable);
	FD_CLR(fd, &state->writable);
	if (new_mask & SELECTOR_READ)
		FD_SET(fd, &state->readable);
	if (new_mask & SELECTOR_WRITE)
		FD_SET(fd, &state->writable);
	if (new_mask && fd > state->max_fd)
		state->max_fd = fd;
	while (state->max_fd >= 0 && !FD_ISSET(state->max_fd, &state->readable) &&
	       !FD_ISSET(state->max_fd, &state->writable))
		state->max_fd--;
	return 0;
}

static int select_wait(void *opaque, long timeout_us, struct selector_event *events, int capacity)
{
	struct select_state *state = opaque;
	/* select() overwrites its sets with the ready descriptors: give it
	 * copies, and keep the watched sets for the next call. */
	fd_set readable = state->readable, writable = state->writable;
	struct timeval tv = { (time_t)(timeout_us / 1000000), (suseconds_t)(timeout_us % 1000000) };
	int ready =
	        select(state->max_fd + 1, &readable, &writable, NULL, timeout_us < 0 ? NULL : &tv);
	if (ready < 0)
		return errno == EINTR ? 0 : -errno;
	int count = 0;
	for (int fd = 0; fd <= state->max_fd && count < capacity && ready > 0; fd++) {
		int mask = (FD_ISSET(fd, &readable) ? SELECTOR_READ : 0) |
		           (FD_ISSET(fd, &writable) ? SELECTOR_WRITE : 0);
		if (!mask)
			continue;
		events[count++] = (struct selector_event){ fd, mask };
		/* select() counted bits: once they are all found, stop. */
		ready -= (mask & SELECTOR_READ ? 1 : 0) + (mask & SELECTOR_WRITE ? 1 : 0);
	}
	return count;
}

const struct selector_backend selector_select_backend = {
	.name = "select",
	.fd_limit = FD_SETSIZE,
	.create = select_create,
	.destroy = select_destroy,
	.modify = select_modify,
	.wait = select_wait,
};
