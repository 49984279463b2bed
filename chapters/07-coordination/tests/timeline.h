/*
 * timeline.h - what the timer tests share: callbacks that write their
 * name and the loop's time into one line, so a test compares the order in
 * which things ran with a single string.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdio.h>
#include <string.h>

#include "probe.h"

static char timeline[4096];
static struct loop *timeline_loop;

static inline void timeline_reset(struct loop *loop)
{
	timeline[0] = '\0';
	timeline_loop = loop;
}

/* Append "NAME@TIME " to the timeline. */
static inline void note(const char *name)
{
	size_t len = strlen(timeline);
	snprintf(timeline + len, sizeof timeline - len, "%s@%g ", name, loop_time(timeline_loop));
}

/* A callback that notes its argument, a string. */
static inline void mark(void *arg)
{
	note(arg);
}

/* Schedule mark(NAME) DELAY seconds from now, and let go of the handle. */
static inline void mark_later(struct loop *loop, double delay, const char *name)
{
	handle_detach(scheduled(loop_call_later(loop, delay, mark, (void *)name)));
}

/* Run the loop until nothing is left; the run must succeed. */
static inline void run_all(struct loop *loop)
{
	int rc = loop_run(loop);
	REQUIRE_IMPLEMENTED(rc, "loop_run");
	cr_assert_eq(rc, 0, "loop_run: %s", strerror(-rc));
}

#endif
