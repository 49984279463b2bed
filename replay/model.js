/*
 * model.js - what the loop looked like after each event of a recorded run.
 *
 * The trace (docs/trace-format.md) is a list of events. Applying them one
 * after the other, from an empty loop, rebuilds the loop's state at every
 * step: the ready queue, the timer heap, the registered descriptors and
 * what the last poll found, the tasks and their states, the clock and the
 * output so far. Nothing here touches the page: view.js draws a state.
 *
 * Interface:
 *   Replay.load(json)       a trace object -> a replay {events, names, ...}
 *   Replay.stateAt(r, n)    the state after the first N events
 *   Replay.describe(r, e)   one event in words, for the event list
 *   Replay.CHECKPOINT       events between two kept states
 *
 * Seeking is what keeps a long trace responsive: every CHECKPOINT events
 * a copy of the state is kept while loading, so stateAt(n) copies the
 * nearest one before N and applies at most CHECKPOINT events to it.
 */
"use strict";

var Replay = (function () {
	var CHECKPOINT = 256;
	var KEEP_DONE_TASKS = 24; /* older finished tasks leave the state */

	/* ---- The timer heap, rebuilt as timer_heap.c keeps it ---- */

	/* Is A due before B? Deadlines first, then the order of scheduling
	 * (timer_heap.c's earlier()). */
	function earlier(a, b) {
		return a.when !== b.when ? a.when < b.when : a.seq < b.seq;
	}

	function siftUp(heap, i) {
		var rising = heap[i];
		while (i > 0) {
			var parent = (i - 1) >> 1;
			if (!earlier(rising, heap[parent]))
				break;
			heap[i] = heap[parent];
			i = parent;
		}
		heap[i] = rising;
	}

	function siftDown(heap, i) {
		var sinking = heap[i];
		for (;;) {
			var child = 2 * i + 1;
			if (child >= heap.length)
				break;
			if (child + 1 < heap.length && earlier(heap[child + 1], heap[child]))
				child++;
			if (!earlier(heap[child], sinking))
				break;
			heap[i] = heap[child];
			i = child;
		}
		heap[i] = sinking;
	}

	/* Take out the entry at I: the last one takes its place and moves to
	 * where it belongs (at the top, I is 0: remove_top). */
	function removeAt(heap, i) {
		var last = heap.pop();
		if (i < heap.length) {
			heap[i] = last;
			siftDown(heap, i);
			siftUp(heap, i);
		}
	}

	/* ---- Loading: the loop's events, and what can be said about them ---- */

	/* The events of the loop, in the order they were recorded. */
	function loopEvents(json) {
		var all = Array.isArray(json) ? json : json.traceEvents;
		if (!Array.isArray(all))
			throw new Error("not a trace: no traceEvents array");
		var events = [];
		for (var i = 0; i < all.length; i++) {
			var e = all[i];
			if (e.cat !== "loop")
				continue;
			events.push({
				kind: e.ph === "X" && e.args && "phase" in e.args ? "phase" : e.name,
				name: e.name,
				time: e.ts / 1e6,
				dur: e.dur ? e.dur / 1e6 : 0,
				args: e.args || {},
			});
		}
		return events;
	}

	function processName(json) {
		var all = json.traceEvents || [];
		for (var i = 0; i < all.length; i++)
			if (all[i].ph === "M" && all[i].name === "process_name")
				return all[i].args.name;
		return "a program";
	}

	/*
	 * Names that only the whole trace can give. A handle of chapters 3
	 * and 4 has no name of its own: what it ran tells (the task it
	 * stepped). A future is named after what it stands for: a task, or
	 * the timer or descriptor whose callback completed it.
	 */
	function nameThings(events) {
		var handles = {}, futures = {}, tasks = {};
		var running = null; /* what the current callback is: {handle} or {fd} */
		var lastDone = null; /* a future just completed: its callbacks follow */
		for (var i = 0; i < events.length; i++) {
			var e = events[i], a = e.args;
			switch (e.kind) {
			case "call_soon":
				handles[a.h] = { callback: a.callback || null, by: lastDone };
				break;
			case "timer_push":
				handles[a.h] = { callback: a.callback || null, when: a.when };
				break;
			case "ready_run":
				running = { handle: a.h };
				break;
			case "io_callback":
				running = { fd: a.fd, dir: a.dir };
				break;
			case "deadline_fired":
				running = { deadline: a.fd };
				break;
			case "phase":
			case "iteration":
			case "ready_run_all":
				running = null;
				break;
			case "task_new":
				tasks[a.t] = a.name;
				futures[a.f] = { task: a.name };
				break;
			case "task_step":
				if (running && running.handle && handles[running.handle] &&
				    !handles[running.handle].steps)
					handles[running.handle].steps = tasks[a.t] || "task " + a.t;
				break;
			case "future_done":
				if (!futures[a.f] && running)
					futures[a.f] = { by: doneBy(running, handles) };
				break;
			}
			lastDone = e.kind === "future_done" ? a.f :
				e.kind === "call_soon" ? lastDone : null;
		}
		return { handles: handles, futures: futures, tasks: tasks };
	}

	/* Who completed a future: the callback that was running. */
	function doneBy(running, handles) {
		if (running.fd !== undefined)
			return "the " + (running.dir === "read" ? "reader" : "writer") + " of fd " + running.fd;
		if (running.deadline !== undefined)
			return "fd " + running.deadline + "'s deadline";
		var h = handles[running.handle] || {};
		if (h.when !== undefined)
			return "the timer " + (h.callback || "h" + running.handle) + " at " + h.when.toFixed(2);
		if (h.by)
			return "a done-callback of future " + h.by;
		return "the callback " + (h.callback || "h" + running.handle);
	}

	/* ---- The state, and one event applied to it ---- */

	function emptyState() {
		return {
			applied: 0,        /* how many events made this state */
			time: 0,
			iteration: 0,
			phase: null,       /* {number, name} */
			ready: [],         /* handle numbers, oldest first */
			cancelled: {},     /* handle number -> true, while it waits */
			heap: [],          /* {h, when, seq}, in timer_heap.c's order */
			seq: 0,
			fds: {},           /* fd -> {read, write, deadline} */
			poll: null,        /* {timeout, ready: {fd: "r"|"w"|"rw"}} */
			running: null,     /* what the current callback is */
			batch: 0,          /* chapter 3: callbacks run in one go */
			tasks: {},         /* t -> {state, awaits, future, outcome} */
			futureTask: {},    /* a running task's future -> the task */
			doneTasks: [],     /* finished tasks kept, oldest first */
			output: 0,         /* how many output pieces so far */
			lines: 0,          /* how many lines of output so far */
			problem: null,     /* the heap went out of order: what happened */
			touched: null,     /* what the last event changed */
		};
	}

	function copy(state) {
		return JSON.parse(JSON.stringify(state));
	}

	function fd(state, n) {
		return state.fds[n] || (state.fds[n] = { read: false, write: false, deadline: null });
	}

	function dropFd(state, n) {
		var f = state.fds[n];
		if (f && !f.read && !f.write && f.deadline === null)
			delete state.fds[n];
	}

	function heapIndex(state, h) {
		for (var i = 0; i < state.heap.length; i++)
			if (state.heap[i].h === h)
				return i;
		return -1;
	}

	/* The loop took handle H off the top of the heap. If the heap here
	 * disagrees (the learner's heap is out of order), say so and follow
	 * the loop all the same. */
	function takeTop(state, h, what) {
		var i = heapIndex(state, h);
		if (i > 0 && !state.problem)
			state.problem = what + " h" + h + " while h" + state.heap[0].h +
				" was due first: the heap is out of order";
		if (i >= 0)
			removeAt(state.heap, i);
	}

	function takeReady(state, h) {
		var i = h === undefined ? 0 : state.ready.indexOf(h);
		if (i < 0)
			return;
		delete state.cancelled[state.ready[i]];
		state.ready.splice(i, 1);
	}

	function task(state, t) {
		if (!state.tasks[t])
			state.tasks[t] = { state: "pending", awaits: 0, future: 0, outcome: null };
		return state.tasks[t];
	}

	/* Task T is over. A long run makes thousands of tasks: only the
	 * latest finished ones stay to be seen. */
	function taskDone(state, t) {
		state.doneTasks.push(t);
		if (state.doneTasks.length > KEEP_DONE_TASKS)
			delete state.tasks[state.doneTasks.shift()];
	}

	/* Apply event E (the Nth, 0-based) to STATE. */
	function apply(state, e, n, replay) {
		var a = e.args;
		state.applied = n + 1;
		state.time = e.time;
		state.touched = null;
		switch (e.kind) {
		case "iteration":
			state.iteration = a.n;
			state.phase = null;
			state.running = null;
			state.batch = 0;
			break;
		case "phase":
			state.phase = { number: a.phase, name: e.name };
			state.running = null;
			break;
		case "poll_begin":
			state.poll = { timeout: a.timeout, ready: {} };
			break;
		case "fd_ready":
			if (state.poll)
				state.poll.ready[a.fd] = (a.read ? "r" : "") + (a.write ? "w" : "");
			state.touched = { fd: a.fd };
			break;
		case "fd_watch":
		case "fd_unwatch":
			fd(state, a.fd)[a.dir] = e.kind === "fd_watch";
			state.touched = { fd: a.fd };
			dropFd(state, a.fd);
			break;
		case "deadline":
			fd(state, a.fd).deadline = a.when;
			state.touched = { fd: a.fd };
			dropFd(state, a.fd);
			break;
		case "deadline_fired":
			fd(state, a.fd).deadline = null;
			state.running = { deadline: a.fd };
			state.touched = { fd: a.fd };
			dropFd(state, a.fd);
			break;
		case "io_callback":
			state.running = { fd: a.fd, dir: a.dir };
			state.touched = { fd: a.fd };
			break;
		case "call_soon":
			state.ready.push(a.h);
			state.touched = { handle: a.h };
			break;
		case "timer_push":
			state.heap.push({ h: a.h, when: a.when, seq: state.seq++ });
			siftUp(state.heap, state.heap.length - 1);
			state.touched = { handle: a.h };
			break;
		case "timer_due":
			takeTop(state, a.h, "moved");
			state.ready.push(a.h);
			state.touched = { handle: a.h };
			break;
		case "timer_drop":
			takeTop(state, a.h, "dropped");
			delete state.cancelled[a.h];
			break;
		case "timers_compacted":
			state.heap = state.heap.filter(function (t) {
				return !state.cancelled[t.h];
			});
			for (var i = (state.heap.length >> 1) - 1; i >= 0; i--)
				siftDown(state.heap, i);
			break;
		case "cancel":
			state.cancelled[a.h] = true;
			state.touched = { handle: a.h };
			break;
		case "ready_run":
		case "ready_skip":
			takeReady(state, a.h);
			state.running = e.kind === "ready_run" ? { handle: a.h } : null;
			break;
		case "ready_run_all":
			state.batch = a.count;
			for (var k = 0; k < a.count; k++)
				takeReady(state);
			break;
		case "future_done":
			if (a.f in state.futureTask) {
				task(state, state.futureTask[a.f]).outcome = a.state;
				delete state.futureTask[a.f];
			}
			break;
		case "task_new":
			task(state, a.t).future = a.f;
			state.futureTask[a.f] = a.t;
			state.touched = { task: a.t };
			break;
		case "task_step":
			task(state, a.t).state = "running";
			task(state, a.t).awaits = 0;
			state.touched = { task: a.t };
			break;
		case "task_state":
			var t = task(state, a.t);
			t.state = a.state;
			t.awaits = a.awaits || 0;
			if (a.state === "done")
				taskDone(state, a.t);
			state.touched = { task: a.t };
			break;
		case "output":
			state.output = replay.outputIndex[n] + 1;
			state.lines = replay.linesAfter[state.output - 1];
			state.touched = { output: true };
			break;
		case "loop_end":
			state.phase = null;
			state.running = null;
			break;
		}
	}

	/* ---- The replay: events, names, and the states kept on the way ---- */

	function load(json) {
		var events = loopEvents(json);
		var replay = {
			label: processName(json),
			events: events,
			names: nameThings(events),
			phases: {},
			outputs: [],     /* the output pieces, in order */
			outputIndex: {}, /* event index -> its piece's index */
			linesAfter: [],  /* piece index -> lines of output up to it */
			iterations: [],  /* the event index of each iteration's start */
			checkpoints: [],
			hasReady: events.some(function (e) { return e.kind === "call_soon"; }),
			hasTimers: events.some(function (e) { return e.kind === "timer_push"; }),
			hasTasks: events.some(function (e) { return e.kind === "task_new"; }),
			json: json,
		};
		var lines = 0;
		events.forEach(function (e, i) {
			if (e.kind === "phase")
				replay.phases[e.args.phase] = e.name;
			if (e.kind === "iteration")
				replay.iterations.push(i);
			if (e.kind === "output") {
				replay.outputIndex[i] = replay.outputs.length;
				replay.outputs.push(e.args.text);
				lines += (e.args.text.match(/\n/g) || []).length;
				replay.linesAfter.push(lines);
			}
		});
		var state = emptyState();
		for (var i = 0; i < events.length; i++) {
			if (i % CHECKPOINT === 0)
				replay.checkpoints.push(copy(state));
			apply(state, events[i], i, replay);
		}
		replay.final = state;
		return replay;
	}

	/*
	 * The state after the first N events, and how many events were
	 * applied to find it: never more than CHECKPOINT. It starts from the
	 * kept state just before N, or from KNOWN (a state found before) when
	 * that is closer: one step forward then costs one event.
	 */
	function stateAt(replay, n, known) {
		n = Math.max(0, Math.min(n, replay.events.length));
		var from = Math.min(Math.floor(n / CHECKPOINT), replay.checkpoints.length - 1);
		if (from < 0)
			return { state: emptyState(), applied: 0 };
		var start = from * CHECKPOINT, base = replay.checkpoints[from];
		if (known && known.applied <= n && known.applied > start) {
			start = known.applied;
			base = known;
		}
		var state = copy(base);
		for (var i = start; i < n; i++)
			apply(state, replay.events[i], i, replay);
		return { state: state, applied: n - start };
	}

	/* ---- Words ---- */

	/* A handle: its callback's name (chapters 3 and 4 have none: a
	 * done-callback says whose), and the task it steps, if any. */
	function handleName(replay, h) {
		var info = replay.names.handles[h] || {};
		var name = info.callback || (info.by ? "done-callback of future " + info.by : "callback");
		return info.steps ? name + " \u2192 " + info.steps : name;
	}

	/* A future: a task's own, or one that a callback completes; WHY adds
	 * which callback that is (it may not have run yet). */
	function futureName(replay, f, why) {
		var info = replay.names.futures[f] || {};
		if (info.task)
			return "task " + info.task;
		return "future " + f + (why && info.by ? ", set when " + info.by + " runs" : "");
	}

	function taskName(replay, t) {
		return replay.names.tasks[t] || "task " + t;
	}

	function seconds(s) {
		return s < 0 ? "no limit" : s.toFixed(s >= 1 || s === 0 ? 2 : 6) + " s";
	}

	function describe(replay, e) {
		var a = e.args;
		switch (e.kind) {
		case "iteration": return "iteration " + a.n + " begins";
		case "phase": return "phase " + a.phase + ": " + e.name;
		case "poll_begin": return "the poll waits " + (a.timeout < 0 ? "with no limit" :
			"at most " + seconds(a.timeout));
		case "fd_ready": return "fd " + a.fd + " is ready" + (a.read ? " to read" : "") +
			(a.read && a.write ? " and" : "") + (a.write ? " to write" : "");
		case "clock_jump": return "nothing is ready: the virtual clock jumps to " + a.to.toFixed(2);
		case "fd_watch": return "fd " + a.fd + ": a " + (a.dir === "read" ? "reader" : "writer") +
			" is registered";
		case "fd_unwatch": return "fd " + a.fd + ": its " + (a.dir === "read" ? "reader" : "writer") +
			" is removed";
		case "io_callback": return "the " + (a.dir === "read" ? "reader" : "writer") + " of fd " +
			a.fd + " runs";
		case "deadline": return a.when === null ? "fd " + a.fd + "'s deadline is cleared" :
			"fd " + a.fd + "'s deadline moves to " + a.when.toFixed(3);
		case "deadline_fired": return "fd " + a.fd + "'s deadline passed: its callback runs";
		case "call_soon": return "h" + a.h + " " + handleName(replay, a.h) + " joins the ready queue";
		case "timer_push": return "h" + a.h + " " + handleName(replay, a.h) + " waits in the heap until " +
			a.when.toFixed(2);
		case "timer_due": return "h" + a.h + " is due: it moves from the heap to the ready queue";
		case "timer_drop": return "h" + a.h + ", cancelled, reaches the top of the heap and is dropped";
		case "timers_compacted": return "the heap is rebuilt without its " + a.dropped + " cancelled timers";
		case "cancel": return "h" + a.h + " is cancelled (it stays where it is, marked)";
		case "ready_run": return "h" + a.h + " " + handleName(replay, a.h) + " leaves the queue and runs";
		case "ready_skip": return "h" + a.h + " leaves the queue: cancelled, it does not run";
		case "ready_run_all": return "run_ready: the " + a.count + " callbacks of the snapshot run";
		case "future_new": return "future " + a.f + " is created";
		case "future_done": return futureName(replay, a.f) + " is done: " + a.state +
			"; its done-callbacks go to the ready queue";
		case "task_new": return "task " + a.name + " is created; its first step is scheduled";
		case "task_step": return taskName(replay, a.t) + " runs a step: its step function is " +
			"called again, from its resume point";
		case "task_state": return taskName(replay, a.t) + " is " + a.state +
			(a.awaits ? ", awaiting " + futureName(replay, a.awaits, true) : "");
		case "output": return "the program prints " + JSON.stringify(a.text.trim().slice(0, 60));
		case "loop_end": return "the loop is freed";
		}
		return e.name;
	}

	return {
		CHECKPOINT: CHECKPOINT,
		load: load,
		stateAt: stateAt,
		describe: describe,
		handleName: handleName,
		futureName: futureName,
		taskName: taskName,
		seconds: seconds,
	};
})();

if (typeof module !== "undefined")
	module.exports = Replay;
