"""big_trace: a long, consistent trace for the replay page's stress test.

scripts/check-replay asks the page to stay responsive on 100,000 events;
no run of the course's programs is that long in a reasonable time, so
this writes one in the format of docs/trace-format.md: a loop on a virtual
clock with TASKS tasks that sleep for varying times, print now and then,
and a few descriptors that come and go. Every timer leaves the heap in
(when, seq) order, as the C heap pops them, so the page never finds its
heap out of order. The same SEED gives the same trace.

    events = big_trace.events(100_000)
    big_trace.write_js(events, "build/big.js")
"""
import heapq
import json
import random

PHASES = ["compact", "timeout", "poll", "due timers", "run"]


class Loop:
    def __init__(self, tasks, seed):
        self.random = random.Random(seed)
        self.events = []
        self.now = 0.0
        self.heap = []          # (when, seq, handle, task)
        self.seq = 0
        self.handles = 0
        self.futures = 0
        self.ready = []         # (handle, task)
        self.tasks = tasks

    def add(self, name, args, ph="i", dur=None):
        event = {"name": name, "cat": "loop", "ph": ph, "ts": round(self.now * 1e6, 3),
                 "pid": 1, "tid": 0, "args": args}
        if ph == "X":
            event["dur"] = dur or 0
        else:
            event["s"] = "t"
        self.events.append(event)

    def sleep(self, task):
        """Task TASK awaits a sleep: a future, and a timer that sets it."""
        self.futures += 1
        self.handles += 1
        when = round(self.now + self.random.choice([0.25, 0.5, 1.0, 1.5, 3.0]), 2)
        self.add("future_new", {"f": self.futures})
        self.add("timer_push", {"h": self.handles, "when": when, "callback": "wake_up"})
        heapq.heappush(self.heap, (when, self.seq, self.handles, task))
        self.seq += 1
        self.add("task_state", {"t": task, "state": "waiting", "awaits": self.futures})

    def start(self):
        for t in range(1, self.tasks + 1):
            self.futures += 1
            self.handles += 1
            self.add("future_new", {"f": self.futures})
            self.add("call_soon", {"h": self.handles, "callback": "first_step"})
            self.add("task_new", {"t": t, "f": self.futures, "name": f"worker-{t}"})
            self.ready.append((self.handles, t))

    def iteration(self, n):
        self.add("iteration", {"n": n}, ph="X")
        for number, name in enumerate(PHASES, 1):
            self.add(name, {"phase": number}, ph="X")
            getattr(self, "phase_" + name.replace(" ", "_"))()

    def phase_compact(self):
        pass

    def phase_timeout(self):
        pass

    def phase_poll(self):
        wait = 0 if self.ready or not self.heap else self.heap[0][0] - self.now
        self.add("poll_begin", {"timeout": round(wait, 6)})
        fd = 5 + self.random.randrange(4)
        if self.random.random() < 0.3:
            self.add("fd_watch", {"fd": fd, "dir": "read"})
            self.add("fd_ready", {"fd": fd, "read": True, "write": False})
        elif wait > 0:
            self.add("clock_jump", {"to": self.heap[0][0]})
            self.now = self.heap[0][0]

    def phase_due_timers(self):
        while self.heap and self.heap[0][0] <= self.now:
            _, _, handle, task = heapq.heappop(self.heap)
            self.add("timer_due", {"h": handle})
            self.ready.append((handle, task))

    def phase_run(self):
        for fd in range(5, 9):
            if self.random.random() < 0.05:
                self.add("fd_unwatch", {"fd": fd, "dir": "read"})
        batch, self.ready = self.ready, []
        for handle, task in batch:
            self.add("ready_run", {"h": handle})
            self.add("task_step", {"t": task})
            if self.random.random() < 0.2:
                self.add("output", {"text": f"[{self.now:.2f}] worker-{task} works\n"})
            self.sleep(task)


def events(count, tasks=40, seed=18):
    """At least COUNT events of a loop running TASKS tasks."""
    loop = Loop(tasks, seed)
    loop.start()
    n = 0
    while len(loop.events) < count:
        n += 1
        loop.iteration(n)
    return loop.events


def write_js(trace_events, path):
    """The events as a trace the replay page loads with a <script> tag."""
    head = [{"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "a long run"}}]
    lines = ",\n".join(json.dumps(e, separators=(",", ":")) for e in head + trace_events)
    with open(path, "w") as f:
        f.write('replayLoad({"displayTimeUnit":"ms","traceEvents":[\n' + lines + "\n]});\n")
