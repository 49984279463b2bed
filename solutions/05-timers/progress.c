/*
 * progress.c - a progress line per download, once a second. See
 * progress.h.
 *
 * Mirrors: a callback that reschedules itself with loop.call_at, the
 * pattern of the source article's periodic tasks.
 */
#include "progress.h"

#include <errno.h>
#include <stdlib.h>

#include "handle.h"
#include "loop.h"

static void print_entry(const struct progress *p, const struct progress_entry *e, double now)
{
	fprintf(p->out, "[%7.3f] %s: ", now - p->started, e->name);
	if (e->total > 0)
		fprintf(p->out, "%.1f%% (%lld/%lld)\n", 100.0 * (double)e->bytes / (double)e->total,
		        e->bytes, e->total);
	else
		fprintf(p->out, "%lld bytes\n", e->bytes);
}

/* The timer fired: one line per download in progress, then the next tick,
 * one interval after this one's deadline. */
static void tick(void *arg)
{
	struct progress *p = arg;
	double now = loop_time(p->loop);
	for (int i = 0; i < p->count; i++)
		if (p->entries[i].active)
			print_entry(p, &p->entries[i], now);
	fflush(p->out);
	handle_free(p->timer);
	p->next_at += p->interval;
	p->timer = loop_call_at(p->loop, p->next_at, tick, p);
}

int progress_start(struct progress *p, struct loop *loop, FILE *out, int count, double interval)
{
	*p = (struct progress){ .loop = loop, .out = out, .interval = interval, .count = count };
	p->started = loop_time(loop);
	p->next_at = p->started + interval;
	p->entries = calloc((size_t)count, sizeof *p->entries);
	p->timer = p->entries ? loop_call_at(loop, p->next_at, tick, p) : NULL;
	return p->timer ? 0 : -ENOMEM;
}

static struct progress_entry *entry(struct progress *p, int id)
{
	return p && p->entries && id >= 0 && id < p->count ? &p->entries[id] : NULL;
}

void progress_begin(struct progress *p, int id, const char *name, long long total)
{
	struct progress_entry *e = entry(p, id);
	if (!e)
		return;
	*e = (struct progress_entry){ .total = total, .active = true };
	snprintf(e->name, sizeof e->name, "%s", name);
}

void progress_update(struct progress *p, int id, long long bytes)
{
	struct progress_entry *e = entry(p, id);
	if (e)
		e->bytes = bytes;
}

void progress_end(struct progress *p, int id)
{
	struct progress_entry *e = entry(p, id);
	if (e)
		e->active = false;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	if (p->timer) {
		handle_cancel(p->timer);
		handle_free(p->timer);
	}
	free(p->entries);
	*p = (struct progress){ 0 };
}
