/*
 * selector.c - choose a selector backend by name, and call it. See
 * selector.h.
 *
 * The backends sit in a table, so adding one (kqueue, say) is one file
 * and one line here: the loop does not change.
 */
#include "selector.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct selector {
	const struct selector_backend *backend;
	void *state;
};

static const struct selector_backend *const backends[] = {
	&selector_select_backend,
	&selector_poll_backend,
	&selector_epoll_backend,
};

static const struct selector_backend *find_backend(const char *name)
{
	for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

struct selector *selector_new(const char *name)
{
	const struct selector_backend *backend = find_backend(name ? name : SELECTOR_DEFAULT);
	if (!backend) {
		errno = EINVAL;
		return NULL;
	}
	struct selector *selector = malloc(sizeof *selector);
	if (!selector)
		return NULL;
	selector->backend = backend;
	selector->state = backend->create();
	if (!selector->state) {
		int saved = errno;
		free(selector);
		errno = saved;
		return NULL;
	}
	return selector;
}

void selector_free(struct selector *selector)
{
	if (!selector)
		return;
	selector->backend->destroy(selector->state);
	free(selector);
}

const char *selector_name(const struct selector *selector)
{
	return selector->backend->name;
}

int selector_fd_limit(const struct selector *selector)
{
	return selector->backend->fd_limit;
}

int selector_modify(struct selector *selector, int fd, int old_mask, int new_mask)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= selector->backend->fd_limit)
		return -ERANGE;
	if (old_mask == new_mask)
		return 0;
	return selector->backend->modify(selector->state, fd, old_mask, new_mask);
}

int selector_wait(struct selector *selector, long timeout_us, struct selector_event *events,
                  int capacity)
{
	return selector->backend->wait(selector->state, timeout_us, events, capacity);
}

int selector_timeout_ms(long timeout_us)
{
	if (timeout_us < 0)
		return -1;
	long ms = timeout_us / 1000 + (timeout_us % 1000 != 0);
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
