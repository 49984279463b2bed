/*
 * trace.h - the loop's flight recorder: what the loop did, step by step,
 * kept for the replay page (replay/index.html) and for Perfetto.
 *
 * Mirrors: nothing in asyncio, whose debug mode logs slow callbacks but
 * keeps no record of the loop's own steps. Think of it as a print() in
 * every corner of the loop, written down instead of printed.
 *
 * Recording is off unless a program asks for it, in one of two ways:
 *   - `download --trace FILE`: main calls trace_start before it creates
 *     the loop; events_write_trace adds the loop's record to FILE, after
 *     the downloads' own events; main calls trace_stop at the end.
 *   - ASYNCIO_C_TRACE=FILE in the environment, for any program: loop_new
 *     starts recording, and loop_free writes FILE and stops.
 * While it is off, every hook below returns at once.
 *
 * The record is Chrome trace-event JSON (category "loop", on track 0), so
 * Perfetto opens it as it opened --trace files before; docs/trace-format.md
 * lists every event and its arguments. Times are the loop's clock: on a
 * virtual clock (chapter 5 on), a run records the same trace every time.
 * When stdout is a regular file, what the program printed is recorded too,
 * between the events it came between.
 *
 * One recorder per process, for the first loop created while it records:
 * the hooks in future.c or task.c do not know their loop, and a program
 * runs one loop. Hooks are called from the loop's thread only.
 *
 * Objects are named by numbers in the order the record first meets them
 * (handle 1, future 1, task 1), never by their address, so that the same
 * run gives the same record.
 *
 * Interface (each chapter calls the hooks it has a use for):
 *   trace_start, trace_stop     record from now on; forget it all
 *   trace_write_events          the record as trace events, for a file
 *   trace_loop_new, trace_loop_free        a loop is created, freed
 *   trace_iteration, trace_phase           an iteration, one of its phases
 *   trace_poll, trace_poll_sets, trace_fd_ready, trace_clock_jump
 *                                           the wait and what it found
 *   trace_fd_watch, trace_io_callback      readers and writers
 *   trace_deadline, trace_deadline_fired   chapters 2 to 4's deadlines
 *   trace_ready_push, trace_ready_pop, trace_ready_run_all
 *                                           the ready queue
 *   trace_timer_push, trace_timer_drop, trace_timers_compacted,
 *   trace_handle_cancel                     the timer heap (chapter 5 on)
 *   trace_future_new, trace_future_done, trace_future_free
 *   trace_task_new, trace_task_step, trace_task_state
 */
#ifndef TRACE_H
#define TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/select.h>

struct loop;

/* How the recorder reads the loop's clock: loop_time. */
typedef double trace_clock_fn(const struct loop *loop);

/* trace_start: record from the next loop created on. trace_stop: stop
 * and free the record. Neither may be called from a callback. */
void trace_start(void);
void trace_stop(void);

/*
 * trace_write_events: write the record to OUT as trace events, each one
 * preceded by ",\n": the tail of a "traceEvents" array that already holds
 * at least one event. Times are written relative to ZERO, a time on the
 * loop's clock (events_write_trace passes its own start, so the downloads
 * and the loop share one time line). Writes nothing when nothing was
 * recorded. Returns 0, or a negative errno when OUT failed.
 */
int trace_write_events(FILE *out, double zero);

/*
 * For loop.c. trace_loop_new: LOOP was created; the recorder reads its
 * time through CLOCK from now on, and starts recording when
 * ASYNCIO_C_TRACE is set. trace_loop_free: LOOP is being freed; with
 * ASYNCIO_C_TRACE, the record is written there (a line on stderr if it
 * cannot be) and forgotten.
 */
void trace_loop_new(struct loop *loop, trace_clock_fn *clock);
void trace_loop_free(struct loop *loop);

/* An iteration begins; phase NUMBER, called NAME (a string literal), of
 * the current iteration begins. Each one lasts until the next begins. */
void trace_iteration(void);
void trace_phase(int number, const char *name);

/*
 * The poll begins, for at most TIMEOUT_US microseconds (-1: no limit).
 * Then what it found: every descriptor of the two sets (select), or one
 * descriptor at a time, FD ready for MASK (1: reading, 2: writing; the
 * values of selector.h's SELECTOR_READ and SELECTOR_WRITE).
 * trace_clock_jump: a virtual clock jumps to WHEN instead of sleeping.
 */
void trace_poll(long timeout_us);
void trace_poll_sets(const fd_set *readable, const fd_set *writable);
void trace_fd_ready(int fd, int mask);
void trace_clock_jump(double when);

/* A reader (WRITER false) or a writer of FD is registered (WATCHED) or
 * removed; the loop calls one of them. */
void trace_fd_watch(int fd, bool writer, bool watched);
void trace_io_callback(int fd, bool writer);

/* Chapters 2 to 4: FD's deadline is set to WHEN (0: cleared); it fired. */
void trace_deadline(int fd, double when);
void trace_deadline_fired(int fd);

/*
 * The ready queue. trace_ready_push: a callback joins it; HANDLE is its
 * handle (chapter 5 on; NULL before, when the queue holds plain callbacks)
 * and NAME the callback's name (NULL: unknown). A handle that was waiting
 * in the timer heap is recorded as a due timer moving over. trace_ready_pop:
 * the loop takes HANDLE (NULL: the oldest) out to run it, or to drop it
 * when it was cancelled. trace_ready_run_all: the loop runs the COUNT
 * oldest callbacks in one go (chapter 3, where that is the learner's code).
 */
void trace_ready_push(const void *handle, const char *name);
void trace_ready_pop(const void *handle);
void trace_ready_run_all(size_t count);

/*
 * The timer heap. trace_timer_push: HANDLE, calling NAME, waits for WHEN.
 * trace_timer_drop: a cancelled HANDLE left the top of the heap.
 * trace_timers_compacted: timer_heap_compact answered DROPPED; more than
 * 0 means the heap was rebuilt without every cancelled timer in it.
 * trace_handle_cancel: HANDLE was cancelled, in the heap or the queue.
 */
void trace_timer_push(const void *handle, const char *name, double when);
void trace_timer_drop(const void *handle);
void trace_timers_compacted(int dropped);
void trace_handle_cancel(const void *handle);

/*
 * Futures. trace_future_done: FUTURE is done, its STATE an enum
 * future_state (FUTURE_FINISHED or FUTURE_CANCELLED), FAILED when it
 * finished with an error; its done-callbacks are scheduled next.
 * trace_future_free: its memory is about to be freed.
 */
void trace_future_new(const void *future);
void trace_future_done(const void *future, int state, bool failed);
void trace_future_free(const void *future);

/*
 * Tasks. trace_task_new: TASK, called NAME, runs as FUTURE.
 * trace_task_step: the loop steps it. trace_task_state: its STATE (an enum
 * task_state) is now this, waiting for AWAITED (NULL: nothing); recorded
 * only when either changed. TASK_DONE is the last: the task is freed next.
 */
void trace_task_new(const void *task, const char *name, const void *future);
void trace_task_step(const void *task);
void trace_task_state(const void *task, int state, const void *awaited);

#endif
