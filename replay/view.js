/*
 * view.js - draw one state of the loop (model.js) into the page.
 *
 * Each panel is drawn as a string of HTML and written only when it
 * differs from what the panel shows. Every panel shows a bounded number
 * of items (the first ready callbacks, five levels of the heap, a window
 * of events...), so one step rebuilds at most a few hundred elements,
 * whether the trace holds a hundred events or a hundred thousand.
 *
 * Interface:
 *   View.render(page, replay, state, position)   draw STATE; returns how
 *                                                 many elements were rebuilt
 *   View.LIMITS                                   how much each panel shows
 */
"use strict";

var View = (function () {
	var LIMITS = { ready: 12, heapLevels: 5, fds: 14, tasks: 10, lines: 16, events: 13 };
	var TASK_STATES = ["pending", "running", "waiting", "cancelling", "done"];

	function esc(text) {
		return String(text).replace(/[&<>"]/g, function (c) {
			return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
		});
	}

	function more(count, what) {
		return count > 0 ? '<p class="more">+ ' + count + " more " + what + "</p>" : "";
	}

	/* ---- The header: clock, iteration, phases ---- */

	function phasesHTML(replay, state) {
		var numbers = Object.keys(replay.phases).map(Number).sort(function (a, b) {
			return a - b;
		});
		var items = numbers.map(function (n) {
			var current = state.phase && state.phase.number === n;
			return '<li class="phase' + (current ? " current" : "") + '" data-phase="' + n +
				'"><b>' + n + "</b> " + esc(replay.phases[n]) + "</li>";
		});
		return '<span class="iteration">iteration <b>' + state.iteration + "</b></span>" +
			'<ol class="phases">' + items.join("") + "</ol>";
	}

	function clockHTML(state) {
		return "loop time <b>" + state.time.toFixed(6) + "</b> s";
	}

	/* ---- The ready queue, and what runs now ---- */

	function runningHTML(replay, state) {
		var r = state.running;
		if (state.batch)
			return "running the snapshot: " + state.batch + " callbacks at once";
		if (!r)
			return "running: nothing";
		if (r.handle !== undefined)
			return "running: <b>h" + r.handle + "</b> " + esc(Replay.handleName(replay, r.handle));
		if (r.fd !== undefined)
			return "running: the " + (r.dir === "read" ? "reader" : "writer") + " of <b>fd " +
				r.fd + "</b>";
		return "running: the deadline callback of <b>fd " + r.deadline + "</b>";
	}

	function readyHTML(replay, state) {
		var shown = state.ready.slice(0, LIMITS.ready).map(function (h) {
			var classes = "handle" + (state.cancelled[h] ? " cancelled" : "") +
				(state.touched && state.touched.handle === h ? " touched" : "");
			return '<li class="' + classes + '" data-h="' + h + '"><span class="id">h' + h +
				"</span> " + esc(Replay.handleName(replay, h)) + "</li>";
		});
		return '<p class="running">' + runningHTML(replay, state) + "</p>" +
			(shown.length ? '<ol class="queue">' + shown.join("") + "</ol>" :
				'<p class="empty">empty</p>') +
			more(state.ready.length - shown.length, "waiting");
	}

	/* ---- The timer heap, as a tree ---- */

	function heapHTML(replay, state) {
		if (!replay.hasTimers)
			return "";
		var heap = state.heap, width = 560, levelHeight = 64;
		var shown = Math.min(heap.length, (1 << LIMITS.heapLevels) - 1);
		var levels = shown ? Math.floor(Math.log2(shown)) + 1 : 1;
		var parts = [];
		function place(i) {
			var level = Math.floor(Math.log2(i + 1)), slot = i + 1 - (1 << level);
			return { x: (slot + 0.5) * width / (1 << level), y: 24 + level * levelHeight };
		}
		for (var i = 1; i < shown; i++) {
			var from = place((i - 1) >> 1), to = place(i);
			parts.push('<line x1="' + from.x + '" y1="' + (from.y + 17) + '" x2="' + to.x +
				'" y2="' + (to.y - 17) + '"/>');
		}
		var w = Math.min(170, Math.max(36, width / (1 << (levels - 1)) - 6));
		for (var j = 0; j < shown; j++) {
			var t = heap[j], p = place(j);
			var classes = "timer" + (j === 0 ? " top" : "") +
				(state.cancelled[t.h] ? " cancelled" : "") +
				(state.touched && state.touched.handle === t.h ? " touched" : "");
			parts.push('<g class="' + classes + '" data-h="' + t.h + '"><rect x="' + (p.x - w / 2) +
				'" y="' + (p.y - 17) + '" width="' + w + '" height="34" rx="5"/>' +
				'<text x="' + p.x + '" y="' + (p.y - 3) + '">h' + t.h + " " + esc(
				(Replay.handleName(replay, t.h) || "").slice(0, w > 90 ? 16 : 6)) + "</text>" +
				'<text x="' + p.x + '" y="' + (p.y + 12) + '">' + t.when.toFixed(2) + "</text></g>");
		}
		var height = 24 + (levels - 1) * levelHeight + 24;
		var svg = heap.length ? '<svg class="heap" viewBox="0 0 ' + width + " " + height +
			'" width="100%">' + parts.join("") + "</svg>" : '<p class="empty">empty</p>';
		var problem = state.problem ? '<p class="problem">' + esc(state.problem) + "</p>" : "";
		var top = !heap.length ? "" : state.cancelled[heap[0].h] ?
			"; the top, in blue, is cancelled: the loop drops it when it next looks" :
			"; the top, in blue, is due first, at " + heap[0].when.toFixed(2);
		return problem + '<p class="count">' + heap.length + (heap.length === 1 ? " timer" :
			" timers") + top + "</p>" +
			svg + more(heap.length - shown, "timers deeper down");
	}

	/* ---- The selector: what is registered, what the last poll found ---- */

	function selectorHTML(replay, state) {
		var fds = Object.keys(state.fds).map(Number).sort(function (a, b) {
			return a - b;
		});
		var poll = state.poll;
		var head = poll ? "last poll: waited " + (poll.timeout < 0 ? "with no limit" :
			"at most " + Replay.seconds(poll.timeout)) + ", " +
			Object.keys(poll.ready).length + " ready" : "no poll yet";
		var rows = fds.slice(0, LIMITS.fds).map(function (n) {
			var f = state.fds[n], ready = poll && poll.ready[n] || "";
			var classes = "fd" + (ready ? " ready" : "") +
				(state.touched && state.touched.fd === n ? " touched" : "");
			return '<tr class="' + classes + '" data-fd="' + n + '"><td>fd ' + n + "</td><td>" +
				(f.read ? "reader" : "") + "</td><td>" + (f.write ? "writer" : "") + "</td><td>" +
				(ready ? "ready: " + ready : "") + "</td><td>" +
				(f.deadline !== null ? "deadline " + f.deadline.toFixed(3) : "") + "</td></tr>";
		});
		return '<p class="count">' + esc(head) + "</p>" + (rows.length ?
			'<table class="fds">' + rows.join("") + "</table>" :
			'<p class="empty">no descriptor registered</p>') +
			more(fds.length - rows.length, "descriptors");
	}

	/* ---- Tasks and their state machines ---- */

	function tasksToShow(state) {
		var ids = Object.keys(state.tasks).map(Number).sort(function (a, b) {
			return a - b;
		});
		var live = ids.filter(function (t) {
			return state.tasks[t].state !== "done";
		});
		var done = ids.filter(function (t) {
			return state.tasks[t].state === "done";
		}).reverse();
		return { shown: live.concat(done).slice(0, LIMITS.tasks), total: ids.length };
	}

	function tasksHTML(replay, state) {
		if (!replay.hasTasks)
			return "";
		var pick = tasksToShow(state);
		var rows = pick.shown.map(function (t) {
			var task = state.tasks[t];
			var chips = TASK_STATES.map(function (s) {
				return '<span class="chip' + (s === task.state ? " current" : "") + '">' + s +
					"</span>";
			});
			var note = task.state === "done" ? "ended: " + (task.outcome || "done") :
				task.awaits ? "awaits " + Replay.futureName(replay, task.awaits, true) : "";
			var classes = "task" + (state.touched && state.touched.task === t ? " touched" : "");
			return '<li class="' + classes + '" data-t="' + t + '" data-state="' + task.state +
				'"><span class="name"><span class="id">t' + t + "</span> " +
				esc(Replay.taskName(replay, t)) + "</span>" +
				chips.join('<span class="arrow">\u2192</span>') + '<span class="note">' +
				esc(note) + "</span></li>";
		});
		return rows.length ? '<ol class="tasks">' + rows.join("") + "</ol>" +
			more(pick.total - rows.length, "tasks") : '<p class="empty">no task yet</p>';
	}

	/* ---- What the program printed ---- */

	function outputHTML(replay, state) {
		if (!replay.outputs.length)
			return '<p class="empty">No output recorded (make visualize records it; ' +
				"a program whose stdout is not a file prints it elsewhere).</p>";
		var text = "";
		for (var i = state.output - 1; i >= 0 && text.split("\n").length <= LIMITS.lines + 1; i--)
			text = replay.outputs[i] + text;
		var lines = text.replace(/\n$/, "").split("\n");
		if (text === "")
			lines = [];
		lines = lines.slice(-LIMITS.lines);
		var items = lines.map(function (line, k) {
			var last = k === lines.length - 1 && state.touched && state.touched.output;
			return '<li' + (last ? ' class="touched"' : "") + ">" + esc(line) + "</li>";
		});
		return '<p class="count">' + state.lines + " lines so far</p>" +
			(items.length ? '<ol class="output">' + items.join("") + "</ol>" :
				'<p class="empty">nothing yet</p>');
	}

	/* ---- A window of events around the current one ---- */

	function eventsHTML(replay, position) {
		var half = LIMITS.events >> 1;
		var first = Math.max(0, Math.min(position - half - 1, replay.events.length - LIMITS.events));
		var rows = [];
		for (var i = first; i < Math.min(replay.events.length, first + LIMITS.events); i++) {
			var e = replay.events[i];
			var classes = i === position - 1 ? "current" : i === position ? "next" : i < position ?
				"past" : "future";
			rows.push('<tr class="' + classes + '" data-i="' + i + '"><td class="n">' + (i + 1) +
				'</td><td class="t">' + e.time.toFixed(6) + '</td><td class="kind">' +
				esc(e.kind === "phase" ? "phase" : e.kind) + "</td><td>" +
				esc(Replay.describe(replay, e)) + "</td></tr>");
		}
		return '<table class="events">' + rows.join("") + "</table>";
	}

	/* ---- Writing the panels ---- */

	/* What each panel shows now, as the HTML it was written from. */
	var written = new Map();

	/* Write HTML into EL if it changed; returns how many elements that
	 * rebuilt (0 when nothing changed). */
	function write(el, html) {
		if (written.get(el) === html)
			return 0;
		el.innerHTML = html;
		written.set(el, html);
		return el.getElementsByTagName("*").length;
	}

	/* Only the panels this chapter's loop has: chapter 2 has no ready
	 * queue, chapters 2 to 4 no timer heap, 2 and 3 no tasks. */
	function choosePanels(page, replay) {
		page.ready.parentNode.hidden = !replay.hasReady;
		page.heap.parentNode.hidden = !replay.hasTimers;
		page.tasks.parentNode.hidden = !replay.hasTasks;
	}

	function render(page, replay, state, position) {
		choosePanels(page, replay);
		var rebuilt = 0;
		rebuilt += write(page.phases, phasesHTML(replay, state));
		rebuilt += write(page.clock, clockHTML(state));
		rebuilt += write(page.ready, readyHTML(replay, state));
		rebuilt += write(page.heap, heapHTML(replay, state));
		rebuilt += write(page.selector, selectorHTML(replay, state));
		rebuilt += write(page.tasks, tasksHTML(replay, state));
		rebuilt += write(page.output, outputHTML(replay, state));
		rebuilt += write(page.events, eventsHTML(replay, position));
		return rebuilt;
	}

	return { render: render, LIMITS: LIMITS };
})();
