/*
 * trace.c - the loop's flight recorder: the record and its hooks. See
 * trace.h; trace_write.c writes the record out.
 *
 * The record is an array of events, appended to as the loop runs. Beside
 * it the recorder keeps what it needs to name things: a table from the
 * address of each handle, future and task it has met to its number, and a
 * copy of the ready queue's order (chapters 3 and 4 have no handles, so
 * their queue entries are known only by their place in line).
 */
#include "trace.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_record.h"

struct trace_recorder trace_rec = { .output_fd = -1 };

/* The names of enum task_state and enum future_state, in their order
 * (task.h, future.h): the hooks pass the numbers. */
static const char *const task_states[] = { "pending", "running", "waiting", "cancelling", "done" };
static const int task_running = 1, task_done = 4;
static const char *const future_states[] = { "pending", "finished", "cancelled" };

/* ---- The table of objects met, by address ---- */

static size_t slot_of(const void *address, size_t capacity)
{
	/* Fibonacci hashing: allocations are 16-byte aligned, so the low
	 * bits say nothing; the multiplication spreads the rest. */
	uint64_t h = (uint64_t)(uintptr_t)address * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 32) & (capacity - 1);
}

/* Double the table (or make the first one), putting every entry again. */
static int grow_objects(void)
{
	size_t capacity = trace_rec.object_capacity ? trace_rec.object_capacity * 2 : 256;
	struct trace_object *objects = calloc(capacity, sizeof *objects);
	if (!objects)
		return -1;
	for (size_t i = 0; i < trace_rec.object_capacity; i++) {
		struct trace_object *o = &trace_rec.objects[i];
		if (!o->address)
			continue;
		size_t s = slot_of(o->address, capacity);
		while (objects[s].address)
			s = (s + 1) & (capacity - 1);
		objects[s] = *o;
	}
	free(trace_rec.objects);
	trace_rec.objects = objects;
	trace_rec.object_capacity = capacity;
	return 0;
}

/* The entry of ADDRESS, made empty (kind TRACE_NONE) if it had none; NULL
 * when out of memory. An address is never taken out: when its object is
 * freed the entry is only marked, and a new object there replaces it.
 * The table may move: an entry is good until the next call here. */
static struct trace_object *entry(const void *address)
{
	if (trace_rec.object_count * 2 >= trace_rec.object_capacity && grow_objects() < 0)
		return NULL;
	size_t s = slot_of(address, trace_rec.object_capacity);
	while (trace_rec.objects[s].address && trace_rec.objects[s].address != address)
		s = (s + 1) & (trace_rec.object_capacity - 1);
	struct trace_object *o = &trace_rec.objects[s];
	if (!o->address) {
		*o = (struct trace_object){ .address = address, .kind = TRACE_NONE };
		trace_rec.object_count++;
	}
	return o;
}

/* A new object of KIND at ADDRESS: the next number of its kind. */
static struct trace_object *bind(const void *address, enum trace_object_kind kind)
{
	struct trace_object *o = entry(address);
	if (!o)
		return NULL;
	*o = (struct trace_object){ .address = address,
		                    .kind = kind,
		                    .id = ++trace_rec.last_id[kind],
		                    .where = TRACE_NOWHERE };
	return o;
}

/* The object of KIND at ADDRESS; one met for the first time gets a
 * number now (it was made before the recording began). */
static struct trace_object *find(const void *address, enum trace_object_kind kind)
{
	struct trace_object *o = entry(address);
	if (o && o->kind != kind)
		o = bind(address, kind);
	return o;
}

static int id_of(const void *address, enum trace_object_kind kind)
{
	struct trace_object *o = address ? find(address, kind) : NULL;
	return o ? o->id : 0;
}

/* ---- The names: callbacks, phases and tasks, copied once each ---- */

/* A copy of NAME owned by the record, the same copy for the same text:
 * a name may be gone (a task freed) before the record is written. */
static const char *intern(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < trace_rec.name_count; i++)
		if (strcmp(trace_rec.names[i], name) == 0)
			return trace_rec.names[i];
	if (trace_rec.name_count == trace_rec.name_capacity) {
		size_t capacity = trace_rec.name_capacity ? trace_rec.name_capacity * 2 : 32;
		char **names = realloc(trace_rec.names, capacity * sizeof *names);
		if (!names)
			return NULL;
		trace_rec.names = names;
		trace_rec.name_capacity = capacity;
	}
	char *copy = strdup(name);
	if (copy)
		trace_rec.names[trace_rec.name_count++] = copy;
	return copy;
}

/* ---- The events ---- */

/* What the program printed since the last event, as an event of its own
 * at NOW, when stdout is a file the recorder can read back (open_output). */
static void capture_output(double now)
{
	fflush(stdout);
	off_t end = lseek(STDOUT_FILENO, 0, SEEK_CUR);
	if (end <= trace_rec.output_seen)
		return;
	size_t size = (size_t)(end - trace_rec.output_seen);
	char *text = malloc(size + 1);
	ssize_t got = text ? pread(trace_rec.output_fd, text, size, trace_rec.output_seen) : -1;
	if (got <= 0) {
		free(text);
		return;
	}
	text[got] = '\0';
	trace_rec.output_seen += got;
	trace_rec.events[trace_rec.count++] =
		(struct trace_event){ .time = now, .kind = TRACE_OUTPUT, .text = text };
}

/* Room for two more events (the output that may come first, and the
 * event); 0, or -1 when out of memory: the event is then not recorded. */
static int reserve(void)
{
	if (trace_rec.count + 2 <= trace_rec.capacity)
		return 0;
	size_t capacity = trace_rec.capacity ? trace_rec.capacity * 2 : 1024;
	struct trace_event *events = realloc(trace_rec.events, capacity * sizeof *events);
	if (!events)
		return -1;
	trace_rec.events = events;
	trace_rec.capacity = capacity;
	return 0;
}

/* Append an event of KIND, now; NULL when not recording. The caller
 * fills in the rest. Running out of memory loses events, never the run. */
static struct trace_event *record(enum trace_kind kind)
{
	if (!trace_rec.recording || !trace_rec.loop || reserve() < 0)
		return NULL;
	double now = trace_rec.clock(trace_rec.loop);
	if (trace_rec.output_fd >= 0)
		capture_output(now);
	struct trace_event *e = &trace_rec.events[trace_rec.count++];
	*e = (struct trace_event){ .time = now, .kind = kind };
	return e;
}

void trace_record_last_output(void)
{
	if (trace_rec.output_fd < 0 || trace_rec.count == 0 || reserve() < 0)
		return;
	capture_output(trace_rec.events[trace_rec.count - 1].time);
}

/* Iterations and phases are spans: each one ends when the next begins. */
static void close_span(size_t *open)
{
	if (*open == 0)
		return;
	struct trace_event *e = &trace_rec.events[*open - 1];
	e->duration = trace_rec.clock(trace_rec.loop) - e->time;
	*open = 0;
}

/* ---- Starting and stopping ---- */

void trace_start(void)
{
	trace_stop();
	trace_rec.recording = true;
	trace_rec.output_fd = -1;
}

void trace_stop(void)
{
	for (size_t i = 0; i < trace_rec.count; i++)
		free(trace_rec.events[i].text);
	for (size_t i = 0; i < trace_rec.name_count; i++)
		free(trace_rec.names[i]);
	if (trace_rec.output_fd >= 0)
		close(trace_rec.output_fd);
	free(trace_rec.events);
	free(trace_rec.names);
	free(trace_rec.objects);
	free(trace_rec.ready);
	trace_rec = (struct trace_recorder){ .output_fd = -1 };
}

/* Stdout is a regular file: read it back, from where it stands now, to
 * record what the program prints. A terminal or a pipe cannot be read
 * back, and then the output is simply not recorded. */
static void open_output(void)
{
	struct stat st;
	if (fstat(STDOUT_FILENO, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	fflush(stdout);
	off_t start = lseek(STDOUT_FILENO, 0, SEEK_CUR);
	int fd = open("/proc/self/fd/1", O_RDONLY | O_CLOEXEC);
	if (start < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	trace_rec.output_fd = fd;
	trace_rec.output_seen = start;
}

void trace_loop_new(struct loop *loop, trace_clock_fn *clock)
{
	const char *path = getenv("ASYNCIO_C_TRACE");
	if (!trace_rec.recording && path && path[0]) {
		trace_start();
		trace_rec.path = path;
	}
	if (!trace_rec.recording || trace_rec.loop)
		return;
	trace_rec.loop = loop;
	trace_rec.clock = clock;
	open_output();
}

void trace_loop_free(struct loop *loop)
{
	if (!trace_rec.recording || trace_rec.loop != loop)
		return;
	/* The last words of the program before the loop goes. */
	record(TRACE_LOOP_END);
	close_span(&trace_rec.open_phase);
	close_span(&trace_rec.open_iteration);
	trace_rec.loop = NULL;
	if (trace_rec.path) {
		trace_write_file(trace_rec.path);
		trace_stop();
	}
}

/* ---- The hooks ---- */

void trace_iteration(void)
{
	if (!trace_rec.loop)
		return;
	close_span(&trace_rec.open_phase);
	close_span(&trace_rec.open_iteration);
	struct trace_event *e = record(TRACE_ITERATION);
	if (e) {
		e->a = ++trace_rec.iterations;
		trace_rec.open_iteration = trace_rec.count;
	}
}

void trace_phase(int number, const char *name)
{
	if (!trace_rec.loop)
		return;
	close_span(&trace_rec.open_phase);
	struct trace_event *e = record(TRACE_PHASE);
	if (e) {
		e->a = number;
		e->name = intern(name);
		trace_rec.open_phase = trace_rec.count;
	}
}

void trace_poll(long timeout_us)
{
	struct trace_event *e = record(TRACE_POLL);
	if (e)
		e->value = timeout_us < 0 ? -1.0 : (double)timeout_us / 1e6;
}

void trace_poll_sets(const fd_set *readable, const fd_set *writable)
{
	if (!trace_rec.loop)
		return;
	for (int fd = 0; fd < FD_SETSIZE; fd++)
		if (FD_ISSET(fd, readable) || FD_ISSET(fd, writable))
			trace_fd_ready(fd, (FD_ISSET(fd, readable) ? 1 : 0) |
			                           (FD_ISSET(fd, writable) ? 2 : 0));
}

void trace_fd_ready(int fd, int mask)
{
	struct trace_event *e = record(TRACE_FD_READY);
	if (e) {
		e->a = fd;
		e->b = mask;
	}
}

void trace_clock_jump(double when)
{
	struct trace_event *e = record(TRACE_CLOCK_JUMP);
	if (e)
		e->value = when;
}

void trace_fd_watch(int fd, bool writer, bool watched)
{
	struct trace_event *e = record(watched ? TRACE_FD_WATCH : TRACE_FD_UNWATCH);
	if (e) {
		e->a = fd;
		e->b = writer;
	}
}

void trace_io_callback(int fd, bool writer)
{
	struct trace_event *e = record(TRACE_IO_CALLBACK);
	if (e) {
		e->a = fd;
		e->b = writer;
	}
}

void trace_deadline(int fd, double when)
{
	struct trace_event *e = record(TRACE_DEADLINE);
	if (e) {
		e->a = fd;
		e->value = when;
	}
}

void trace_deadline_fired(int fd)
{
	struct trace_event *e = record(TRACE_DEADLINE_FIRED);
	if (e)
		e->a = fd;
}

/* The copy of the ready queue's order: a ring of numbers. */
static void ready_append(int id)
{
	struct trace_ready *q = &trace_rec.ready_line;
	if (q->count == q->capacity) {
		size_t capacity = q->capacity ? q->capacity * 2 : 64;
		int *ids = malloc(capacity * sizeof *ids);
		if (!ids)
			return;
		for (size_t i = 0; i < q->count; i++)
			ids[i] = trace_rec.ready[(q->head + i) % q->capacity];
		free(trace_rec.ready);
		trace_rec.ready = ids;
		q->head = 0;
		q->capacity = capacity;
	}
	trace_rec.ready[(q->head + q->count++) % q->capacity] = id;
}

/* Take ID out of the line (0: the oldest); returns the number taken. The
 * loop takes the oldest, so the search almost always stops at once. */
static int ready_take(int id)
{
	struct trace_ready *q = &trace_rec.ready_line;
	size_t i = 0;
	while (i < q->count && id && trace_rec.ready[(q->head + i) % q->capacity] != id)
		i++;
	if (i == q->count)
		return id;
	int taken = trace_rec.ready[(q->head + i) % q->capacity];
	for (; i > 0; i--)
		trace_rec.ready[(q->head + i) % q->capacity] =
			trace_rec.ready[(q->head + i - 1) % q->capacity];
	q->head = (q->head + 1) % q->capacity;
	q->count--;
	return taken;
}

void trace_ready_push(const void *handle, const char *name)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = handle ? entry(handle) : NULL;
	bool was_timer = o && o->kind == TRACE_HANDLE && o->where == TRACE_IN_HEAP;
	if (handle && !was_timer)
		o = bind(handle, TRACE_HANDLE);
	int id = o ? o->id : ++trace_rec.last_id[TRACE_HANDLE];
	struct trace_event *e = record(was_timer ? TRACE_TIMER_DUE : TRACE_CALL_SOON);
	if (!e)
		return;
	e->a = id;
	e->name = was_timer ? NULL : intern(name);
	if (o)
		o->where = TRACE_IN_READY;
	ready_append(id);
}

void trace_ready_pop(const void *handle)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = handle ? find(handle, TRACE_HANDLE) : NULL;
	int id = ready_take(o ? o->id : 0);
	struct trace_event *e = record(o && o->cancelled ? TRACE_READY_SKIP : TRACE_READY_RUN);
	if (e)
		e->a = id;
	if (o)
		o->where = TRACE_NOWHERE;
}

void trace_ready_run_all(size_t count)
{
	struct trace_event *e = record(TRACE_READY_RUN_ALL);
	if (!e)
		return;
	e->a = (int)count;
	for (size_t i = 0; i < count; i++)
		ready_take(0);
}

void trace_timer_push(const void *handle, const char *name, double when)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = bind(handle, TRACE_HANDLE);
	struct trace_event *e = o ? record(TRACE_TIMER_PUSH) : NULL;
	if (!e)
		return;
	e->a = o->id;
	e->name = intern(name);
	e->value = when;
	o->where = TRACE_IN_HEAP;
}

void trace_timer_drop(const void *handle)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = find(handle, TRACE_HANDLE);
	struct trace_event *e = o ? record(TRACE_TIMER_DROP) : NULL;
	if (e)
		e->a = o->id;
	if (o)
		o->where = TRACE_NOWHERE;
}

void trace_timers_compacted(int dropped)
{
	if (!trace_rec.loop || dropped <= 0)
		return;
	struct trace_event *e = record(TRACE_TIMERS_COMPACTED);
	if (e)
		e->a = dropped;
	/* Exactly the cancelled timers left the heap. */
	for (size_t i = 0; i < trace_rec.object_capacity; i++) {
		struct trace_object *o = &trace_rec.objects[i];
		if (o->address && o->kind == TRACE_HANDLE && o->where == TRACE_IN_HEAP &&
		    o->cancelled)
			o->where = TRACE_NOWHERE;
	}
}

void trace_handle_cancel(const void *handle)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = entry(handle);
	if (!o || o->kind != TRACE_HANDLE || o->where == TRACE_NOWHERE || o->cancelled)
		return;
	struct trace_event *e = record(TRACE_CANCEL);
	if (e)
		e->a = o->id;
	o->cancelled = true;
}

void trace_future_new(const void *future)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = bind(future, TRACE_FUTURE);
	struct trace_event *e = o ? record(TRACE_FUTURE_NEW) : NULL;
	if (e)
		e->a = o->id;
}

void trace_future_done(const void *future, int state, bool failed)
{
	if (!trace_rec.loop)
		return;
	/* A done-callback added to a future already done is scheduled by the
	 * same code, and calls this again: the future was done only once. */
	struct trace_object *o = find(future, TRACE_FUTURE);
	if (!o || o->done)
		return;
	struct trace_event *e = record(TRACE_FUTURE_DONE);
	if (!e)
		return;
	e->a = o->id;
	e->name = failed ? "failed" : state >= 0 && state < 3 ? future_states[state] : "?";
	o->done = true;
}

void trace_future_free(const void *future)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = entry(future);
	if (o && o->kind == TRACE_FUTURE)
		o->kind = TRACE_NONE;
}

void trace_task_new(const void *task, const char *name, const void *future)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = bind(task, TRACE_TASK);
	struct trace_event *e = o ? record(TRACE_TASK_NEW) : NULL;
	if (!e)
		return;
	e->a = o->id;
	e->b = id_of(future, TRACE_FUTURE);
	e->name = intern(name);
}

void trace_task_step(const void *task)
{
	if (!trace_rec.loop)
		return;
	struct trace_object *o = find(task, TRACE_TASK);
	struct trace_event *e = o ? record(TRACE_TASK_STEP) : NULL;
	if (e) {
		e->a = o->id;
		o->state = task_running;
	}
}

void trace_task_state(const void *task, int state, const void *awaited)
{
	if (!trace_rec.loop)
		return;
	int awaits = id_of(awaited, TRACE_FUTURE);
	struct trace_object *o = find(task, TRACE_TASK);
	if (!o || (o->state == state && o->awaits == awaits))
		return;
	struct trace_event *e = record(TRACE_TASK_STATE);
	if (e) {
		e->a = o->id;
		e->b = awaits;
		e->name = state >= 0 && state <= task_done ? task_states[state] : "?";
	}
	o->state = state;
	o->awaits = awaits;
	if (state == task_done)
		o->kind = TRACE_NONE; /* freed next: its address may come back */
}
