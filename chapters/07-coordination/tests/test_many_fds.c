/*
 * test_many_fds.c - 2,000 connections in flight at once, beyond select's
 * FD_SETSIZE: 2,000 socket pairs (4,000 descriptors), a reader on one end
 * of each, a byte waiting in every one. One iteration of a poll or epoll
 * loop must call all 2,000 readers, in ascending descriptor order; a
 * select loop refuses the first descriptor past FD_SETSIZE with -ERANGE.
 */
#include "backends.h"

#include <stdlib.h>
#include <sys/select.h>

TestSuite(many_fds, .timeout = 30);

#define PAIRS 2000

struct crowd {
	struct loop *loop;
	int pairs[PAIRS][2];
	int called;    /* readers called */
	int last_fd;   /* the descriptor of the reader called last */
	bool in_order; /* every reader's descriptor above the previous one */
	int highest;   /* the highest descriptor watched */
};

struct member {
	struct crowd *crowd;
	int fd;
};

static struct member members[PAIRS];

/* A reader: take the byte, stop watching, note the order. */
static void take_byte(void *arg)
{
	struct member *m = arg;
	char byte;
	cr_assert_eq(read(m->fd, &byte, 1), 1, "descriptor %d had its byte", m->fd);
	m->crowd->in_order = m->crowd->in_order && m->fd > m->crowd->last_fd;
	m->crowd->last_fd = m->fd;
	m->crowd->called++;
	loop_remove_reader(m->crowd->loop, m->fd);
}

static struct crowd *crowd_new(const char *backend)
{
	need_descriptors(2 * PAIRS + 64);
	struct crowd *crowd = calloc(1, sizeof *crowd);
	cr_assert(crowd != NULL, "calloc");
	crowd->loop = backend_loop(backend);
	crowd->last_fd = -1;
	crowd->in_order = true;
	for (int i = 0; i < PAIRS; i++) {
		make_socketpair(crowd->pairs[i]);
		put_byte(crowd->pairs[i][1]);
	}
	return crowd;
}

static void crowd_free(struct crowd *crowd)
{
	for (int i = 0; i < PAIRS; i++)
		close_pair(crowd->pairs[i]);
	loop_free(crowd->loop);
	free(crowd);
}

/* Register a reader on every pair, the last pair first, so that the
 * order of registration is not the order the loop must keep. Returns
 * the first error, or 0. */
static int watch_all(struct crowd *crowd)
{
	for (int i = PAIRS - 1; i >= 0; i--) {
		members[i] = (struct member){ crowd, crowd->pairs[i][0] };
		int rc = loop_add_reader(crowd->loop, members[i].fd, take_byte, &members[i]);
		if (rc < 0)
			return rc;
		if (members[i].fd > crowd->highest)
			crowd->highest = members[i].fd;
	}
	return 0;
}

ParameterizedTestParameters(many_fds, two_thousand_in_one_iteration)
{
	return unlimited_backend_names();
}

ParameterizedTest(struct backend *backend, many_fds, two_thousand_in_one_iteration)
{
	struct crowd *crowd = crowd_new(backend->name);
	cr_assert_eq(watch_all(crowd), 0, "%s watches all %d descriptors", backend->name, PAIRS);
	cr_assert_gt(crowd->highest, FD_SETSIZE, "some of them are beyond FD_SETSIZE (highest %d)",
	             crowd->highest);
	int called = run_once_ok(crowd->loop);
	cr_assert_eq(called, PAIRS, "one iteration calls all %d readers (called %d)", PAIRS,
	             called);
	cr_assert_eq(crowd->called, PAIRS, "every reader took its byte");
	cr_assert(crowd->in_order, "in ascending descriptor order");
	cr_assert_eq(loop_run_once(crowd->loop), 0, "each removed itself: nothing left");
	crowd_free(crowd);
}

Test(many_fds, select_stops_at_fd_setsize)
{
	struct crowd *crowd = crowd_new("select");
	int rc = 0;
	for (int i = 0; i < PAIRS && rc == 0; i++) {
		members[i] = (struct member){ crowd, crowd->pairs[i][0] };
		rc = loop_add_reader(crowd->loop, members[i].fd, take_byte, &members[i]);
		if (rc < 0)
			cr_assert_geq(members[i].fd, FD_SETSIZE,
			              "only descriptors of FD_SETSIZE and up are refused (%d was)",
			              members[i].fd);
	}
	cr_assert_eq(rc, -ERANGE, "select refuses a descriptor past FD_SETSIZE with -ERANGE");
	run_once_ok(crowd->loop);
	cr_assert_gt(crowd->called, 0, "the descriptors below FD_SETSIZE still work");
	crowd_free(crowd);
}
