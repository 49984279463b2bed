/*
 * main.js - the replay page: load a trace, then step through it.
 *
 * A trace comes from the address (index.html?trace=traces/05-worker.js),
 * from the file picker, or dropped on the page. A .js trace is the JSON
 * wrapped in a call, replayLoad({...}), so that a <script> tag can load it
 * from file://, where a page may not read a file by itself; a .json trace
 * (what --trace and ASYNCIO_C_TRACE write) is fetched, which works once
 * the page is served (python3 -m http.server), or picked by hand.
 *
 * Controls: step by event or by iteration, back and forth, play and
 * pause, and the scrubber. Keys: arrows left and right (event), up and
 * down (iteration), space (play), Home and End.
 *
 * For tests, window.replayApp holds the replay, the position, goTo(n),
 * and stats: how long loading took, and for the last step how many
 * events were applied and how many elements were rebuilt.
 */
"use strict";

(function () {
	var app = (window.replayApp = {
		replay: null,
		state: null,
		position: 0,
		error: null,
		stats: { loadMs: 0, lastApplied: 0, lastRebuilt: 0, lastRenderMs: 0, steps: 0 },
		goTo: goTo,
	});
	var playing = null;
	var page = {};

	function $(id) {
		return document.getElementById(id);
	}

	function fail(message) {
		app.error = message;
		$("message").textContent = message;
		$("message").hidden = false;
	}

	/* ---- Moving ---- */

	function goTo(position) {
		var replay = app.replay;
		if (!replay)
			return;
		var started = performance.now();
		position = Math.max(0, Math.min(position, replay.events.length));
		var found = Replay.stateAt(replay, position, app.state);
		app.state = found.state;
		app.position = position;
		app.stats.lastApplied = found.applied;
		app.stats.lastRebuilt = View.render(page, replay, found.state, position);
		app.stats.lastRenderMs = performance.now() - started;
		app.stats.steps++;
		$("scrub").value = position;
		$("position").textContent = "step " + position + " of " + replay.events.length;
		if (position === replay.events.length)
			pause();
	}

	/* The position just after the next (or previous) iteration begins. */
	function iterationStep(direction) {
		var starts = app.replay.iterations, p = app.position;
		if (direction > 0) {
			for (var i = 0; i < starts.length; i++)
				if (starts[i] >= p)
					return starts[i] + 1;
			return app.replay.events.length;
		}
		for (var j = starts.length - 1; j >= 0; j--)
			if (starts[j] + 1 < p)
				return starts[j] + 1;
		return 0;
	}

	function play() {
		if (playing || !app.replay)
			return;
		if (app.position === app.replay.events.length)
			goTo(0);
		var perSecond = Number($("speed").value);
		playing = setInterval(function () {
			goTo(app.position + 1);
		}, 1000 / perSecond);
		$("play").textContent = "pause";
	}

	function pause() {
		if (playing)
			clearInterval(playing);
		playing = null;
		$("play").textContent = "play";
	}

	/* ---- Loading ---- */

	function start(json, name) {
		var started = performance.now();
		try {
			app.replay = Replay.load(json);
		} catch (e) {
			fail("This is not a trace the page can read: " + e.message);
			return;
		}
		app.state = null;
		var replay = app.replay;
		document.title = replay.label + ": replay of the loop";
		$("title").textContent = replay.label;
		$("source").textContent = name + ", " + replay.events.length + " events, " +
			replay.iterations.length + " iterations";
		$("scrub").max = replay.events.length;
		$("message").hidden = true;
		document.body.classList.add("loaded");
		var step = Number(new URLSearchParams(location.search).get("step")) || 0;
		goTo(step);
		app.stats.loadMs = performance.now() - started;
	}

	/* A .js trace calls this. */
	window.replayLoad = function (json) {
		start(json, window.replayLoad.source || "trace");
	};

	function fromText(text, name) {
		var body = text.trim().replace(/^replayLoad\(/, "").replace(/\);?$/, "");
		try {
			start(JSON.parse(body), name);
		} catch (e) {
			fail(name + " is not JSON: " + e.message);
		}
	}

	function fromAddress(path) {
		window.replayLoad.source = path;
		if (/\.js$/.test(path)) {
			var script = document.createElement("script");
			script.src = path;
			script.onerror = function () {
				fail("Cannot load " + path + ": is the path right, relative to this page?");
			};
			document.head.appendChild(script);
			return;
		}
		if (location.protocol === "file:") {
			fail("A page opened from file:// cannot read " + path + ". Open the .js twin " +
				"that make visualize writes, pick the file below, or serve this folder: " +
				"python3 -m http.server");
			return;
		}
		fetch(path).then(function (response) {
			if (!response.ok)
				throw new Error(response.status + " " + response.statusText);
			return response.text();
		}).then(function (text) {
			fromText(text, path);
		}).catch(function (e) {
			fail("Cannot load " + path + ": " + e.message);
		});
	}

	function fromFile(file) {
		var reader = new FileReader();
		reader.onload = function () {
			fromText(reader.result, file.name);
		};
		reader.readAsText(file);
	}

	/* Perfetto reads the JSON, not the .js wrapper: hand it over. */
	function saveJSON() {
		if (!app.replay)
			return;
		var blob = new Blob([JSON.stringify(app.replay.json)], { type: "application/json" });
		var link = document.createElement("a");
		link.href = URL.createObjectURL(blob);
		link.download = app.replay.label + ".trace.json";
		link.click();
		setTimeout(function () {
			URL.revokeObjectURL(link.href);
		}, 0);
	}

	/* ---- Wiring ---- */

	function wire() {
		["phases", "clock", "ready", "heap", "selector", "tasks", "output", "events"].forEach(
			function (id) {
				page[id] = $(id);
			});
		var moves = {
			first: function () { return 0; },
			"prev-iteration": function () { return iterationStep(-1); },
			prev: function () { return app.position - 1; },
			next: function () { return app.position + 1; },
			"next-iteration": function () { return iterationStep(1); },
			last: function () { return app.replay.events.length; },
		};
		Object.keys(moves).forEach(function (id) {
			$(id).addEventListener("click", function () {
				pause();
				goTo(moves[id]());
			});
		});
		$("play").addEventListener("click", function () {
			if (playing)
				pause();
			else
				play();
		});
		$("scrub").addEventListener("input", function () {
			pause();
			goTo(Number($("scrub").value));
		});
		$("file").addEventListener("change", function () {
			if (this.files[0])
				fromFile(this.files[0]);
		});
		$("save").addEventListener("click", saveJSON);
		document.addEventListener("keydown", function (e) {
			var keys = { ArrowLeft: "prev", ArrowRight: "next", ArrowUp: "prev-iteration",
				ArrowDown: "next-iteration", Home: "first", End: "last", " ": "play" };
			/* A focused scrubber or list keeps its own keys; a focused
			 * button clicks itself on space. */
			var tag = e.target.tagName;
			if (!app.replay || !keys[e.key] || tag === "INPUT" || tag === "SELECT" ||
			    (tag === "BUTTON" && e.key === " "))
				return;
			e.preventDefault();
			$(keys[e.key]).click();
		});
		document.addEventListener("dragover", function (e) {
			e.preventDefault();
		});
		document.addEventListener("drop", function (e) {
			e.preventDefault();
			if (e.dataTransfer.files[0])
				fromFile(e.dataTransfer.files[0]);
		});
	}

	wire();
	var trace = new URLSearchParams(location.search).get("trace");
	if (trace)
		fromAddress(trace);
})();
