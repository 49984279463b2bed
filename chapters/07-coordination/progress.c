/*
 * progress.c - what the downloads are doing, for a person at a terminal.
 * See progress.h.
 *
 * The downloads only change numbers (progress_bytes costs an addition);
 * a timer of the loop draws them, PROGRESS_INTERVAL_TTY apart at most.
 * The block is redrawn in place with two ANSI sequences: "cursor up N
 * lines" (ESC [ N A) and "erase to the end of the screen" (ESC [ J).
 */
#include "progress.h"

#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "loop.h"

enum row_state { ROW_WAITING, ROW_RUNNING, ROW_DONE };

struct row {
	const char *url; /* borrowed from the caller */
	enum row_state state;
	long long bytes, total; /* total: -1 when unknown */
	double started;         /* loop_time() at progress_begin */
};

struct progress {
	struct loop *loop;
	FILE *out;
	bool tty;
	size_t count, running, finished, failed;
	long long bytes; /* every download's bytes, added up */
	double started;
	int drawn_lines; /* lines of the block on the screen now */
	struct row *rows;
	struct handle *timer;
};

/* BYTES in words a person reads at a glance: "12.3 MB". */
static const char *human(long long bytes, char buf[16])
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double value = (double)bytes;
	int unit = 0;
	while (value >= 1000 && unit < 4) {
		value /= 1000;
		unit++;
	}
	snprintf(buf, 16, unit ? "%.1f %s" : "%.0f %s", value, units[unit]);
	return buf;
}

/* Seconds left, or "?" when nothing says yet. */
static const char *eta(double seconds, char buf[16])
{
	if (!(seconds >= 0) || seconds > 359999)
		snprintf(buf, 16, "?");
	else if (seconds < 60)
		snprintf(buf, 16, "%.0f s", seconds);
	else
		snprintf(buf, 16, "%d:%02d", (int)seconds / 60, (int)seconds % 60);
	return buf;
}

/* One running download: its bytes, rate and time left. */
static void draw_row(const struct progress *p, const struct row *r, double now)
{
	char got[16], all[16], rate[16], left[16];
	double elapsed = now - r->started;
	double per_second = elapsed > 0 ? (double)r->bytes / elapsed : 0;
	double remaining = r->total >= 0 && per_second > 0
	                           ? (double)(r->total - r->bytes) / per_second
	                           : -1;
	/* The end of a long URL tells files apart better than its start. */
	size_t len = strlen(r->url);
	const char *tail = len > 40 ? r->url + len - 40 : r->url;
	fprintf(p->out, "  %-40s %9s / %-9s %9s/s  ETA %s\n", tail, human(r->bytes, got),
	        r->total >= 0 ? human(r->total, all) : "?", human((long long)per_second, rate),
	        eta(remaining, left));
}

/* The total: files, bytes, rate, and an ETA that assumes the files to
 * come take as long as the ones done so far (a guess, and said to be). */
static void draw_total(const struct progress *p, double now)
{
	char bytes[16], rate[16], left[16];
	double elapsed = now - p->started;
	size_t over = p->finished + p->failed;
	double remaining = over ? elapsed / (double)over * (double)(p->count - over) : -1;
	fprintf(p->out, "%zu/%zu done, %zu failed, %zu running, %s at %s/s, ETA %s\n",
	        p->finished, p->count, p->failed, p->running, human(p->bytes, bytes),
	        human(elapsed > 0 ? (long long)((double)p->bytes / elapsed) : 0, rate),
	        eta(remaining, left));
}

static void draw_block(struct progress *p, double now)
{
	progress_clear(p);
	int shown = 0;
	for (size_t i = 0; i < p->count && shown < PROGRESS_ROWS; i++)
		if (p->rows[i].state == ROW_RUNNING) {
			draw_row(p, &p->rows[i], now);
			shown++;
		}
	if (p->running > (size_t)shown) {
		fprintf(p->out, "  ... and %zu more running\n", p->running - (size_t)shown);
		shown++;
	}
	draw_total(p, now);
	p->drawn_lines = shown + 1;
	fflush(p->out);
}

static void draw(struct progress *p)
{
	double now = loop_time(p->loop);
	if (p->tty) {
		draw_block(p, now);
		return;
	}
	fprintf(p->out, "[%7.3f] progress: ", now - p->started);
	draw_total(p, now);
	fflush(p->out);
}

static void tick(void *arg)
{
	struct progress *p = arg;
	draw(p);
	handle_free(p->timer);
	p->timer = loop_call_later(p->loop, p->tty ? PROGRESS_INTERVAL_TTY : PROGRESS_INTERVAL_PLAIN,
	                           tick, p);
}

struct progress *progress_new(struct loop *loop, FILE *out, bool tty, size_t count)
{
	struct progress *p = calloc(1, sizeof *p);
	struct row *rows = calloc(count ? count : 1, sizeof *rows);
	if (!p || !rows) {
		free(p);
		free(rows);
		return NULL;
	}
	*p = (struct progress){ .loop = loop, .out = out, .tty = tty, .count = count, .rows = rows };
	p->started = loop_time(loop);
	p->timer = loop_call_later(loop, tty ? PROGRESS_INTERVAL_TTY : PROGRESS_INTERVAL_PLAIN, tick,
	                           p);
	return p;
}

void progress_begin(struct progress *p, int id, const char *url)
{
	if (!p || id < 0 || (size_t)id >= p->count)
		return;
	p->rows[id] = (struct row){ url, ROW_RUNNING, 0, -1, loop_time(p->loop) };
	p->running++;
}

void progress_bytes(struct progress *p, int id, long long bytes, long long total)
{
	if (!p || id < 0 || (size_t)id >= p->count)
		return;
	struct row *r = &p->rows[id];
	p->bytes += bytes - r->bytes;
	r->bytes = bytes;
	r->total = total;
}

void progress_end(struct progress *p, int id, bool ok)
{
	if (!p || id < 0 || (size_t)id >= p->count || p->rows[id].state != ROW_RUNNING)
		return;
	p->rows[id].state = ROW_DONE;
	p->running--;
	if (ok)
		p->finished++;
	else
		p->failed++;
}

void progress_clear(struct progress *p)
{
	if (!p || !p->tty || p->drawn_lines == 0)
		return;
	fprintf(p->out, "\033[%dA\033[J", p->drawn_lines);
	p->drawn_lines = 0;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	draw(p);
	if (p->timer) {
		handle_cancel(p->timer);
		handle_free(p->timer);
	}
	free(p->rows);
	free(p);
}
