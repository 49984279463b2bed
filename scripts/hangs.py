"""hangs: where a test was when its time ran out, and what that points to.

fixtures/hang_probe.c, linked into a chapter's test program and into the
programs `make check` runs, writes one file per sampled process into the
check's hang folder (build/check/NN-hangs/PID.hang) just before a test's
timeout: who the process is (the test worker, or a program the test
started), how much CPU it used, and one or more stacks of addresses. A
process that spins is sampled several times, one that waits once.

This module turns those files into words: addr2line (binutils) gives each
address its function, file and line, inlined functions included; the
frames in the chapter's own code make the path, outermost first; the
samples together say whether the code spun or waited, and where; and the
holes of hints.md on that path are the likely cause.

Interface:
  read(hang_dir, chapter_dir, holes) -> {"suite::test": Stuck}
  Stuck      what one timed-out test was doing: where, and why it is likely
"""
import glob
import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field

# libc's names for the calls a process waits in, cut to the name a learner
# knows: "__GI___select" -> "select".
WAITS = ("select", "pselect", "poll", "ppoll", "epoll_wait", "epoll_pwait", "nanosleep",
         "clock_nanosleep", "sleep", "usleep", "read", "recv", "recvfrom", "write", "send",
         "sendto", "connect", "accept", "wait4", "waitpid", "sigsuspend", "sigwait",
         "sigwaitinfo", "pause", "futex", "pthread_cond_wait", "pthread_join")


@dataclass
class Frame:
    function: str
    path: str      # absolute source path, or the library for library frames
    line: int


@dataclass
class Process:
    role: str = ""          # "worker" (the test) or "program" (one it started)
    pid: int = 0
    ppid: int = 0
    exe: str = ""
    test: str = ""
    cpu_ms: int = 0
    samples: list = field(default_factory=list)   # [[Frame]], innermost first


@dataclass
class Stuck:
    """What one timed-out test was doing when its time ran out."""
    test: str
    in_program: str = ""    # the program it waited for, when that was stuck
    spinning: bool = False  # it used the CPU (a loop), rather than waiting
    path: list = field(default_factory=list)   # the chapter's frames, outermost first
    waiting_in: str = ""    # the call it waited in, when it waited
    test_frame: object = None    # the innermost frame in the chapter's tests
    holes_seen: list = field(default_factory=list)   # [(hole, samples)], most first
    never_left: object = None    # the innermost frame every sample shared
    samples: int = 0
    calls: list = field(default_factory=list)   # [(call, samples)]: where samples landed outside the program


def parse_file(path):
    proc, sample = Process(), None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(" ")
            if key in ("role", "exe", "test"):
                setattr(proc, key, value)
            elif key in ("pid", "ppid", "cpu_ms") and value.isdigit():
                setattr(proc, key, int(value))
            elif key == "sample":
                sample = []
                proc.samples.append(sample)
            elif key == "frame" and sample is not None:
                offset, _, symbol = value.partition(" ")
                sample.append((offset, symbol))
    return proc


def library_function(symbol):
    """'/lib/x86_64-linux-gnu/libc.so.6(__select+0x1b)[0x7f..]' -> 'select'."""
    m = re.search(r"\(([^+)]*)", symbol)
    name = m.group(1) if m else ""
    name = re.sub(r"^(__GI_|__libc_|_*)+", "", name)
    return name or "?"


def resolve(exe, offsets):
    """{offset: [Frame, ...]} for OFFSETS (ints) in EXE, inlined callees first."""
    if not offsets or not os.path.exists(exe):
        return {}
    try:
        out = subprocess.run(["addr2line", "-e", exe, "-a", "-f", "-i", "-C",
                              *(hex(o) for o in offsets)],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    result, current, lines = {}, None, out.splitlines()
    i = 0
    while i < len(lines):
        if re.fullmatch(r"0x[0-9a-f]+", lines[i]):
            current = result.setdefault(int(lines[i], 16), [])
            i += 1
            continue
        if current is not None and i + 1 < len(lines):
            where = lines[i + 1]
            path, _, number = where.rpartition(":")
            number = re.match(r"\d+", number)
            if os.path.isabs(path):
                path = os.path.realpath(path)
            current.append(Frame(lines[i], path, int(number.group()) if number else 0))
        i += 2
    return result


def stacks(proc):
    """The samples of PROC as frames, innermost first, without the probe's
    own frames and the signal trampoline, and with the call the process
    was in when the signal came (its "waiting_in", if outside the program)."""
    wanted = set()
    for sample in proc.samples:
        for offset, _ in sample:
            if offset != "-":
                wanted.update((int(offset, 16), int(offset, 16) - 1))
    table = resolve(proc.exe, sorted(wanted))
    result = []
    for sample in proc.samples:
        # The first frames are the probe's handler, then libc's signal
        # trampoline; the frame after that is where the signal landed.
        first_outside = next((i for i, (o, _) in enumerate(sample) if o == "-"), len(sample))
        landed = sample[first_outside + 1:]
        frames, waiting = [], ""
        for i, (offset, symbol) in enumerate(landed):
            if offset == "-":
                if i == 0:
                    waiting = library_function(symbol)
                continue
            # A return address points after its call: look up the call.
            at = int(offset, 16) - (0 if i == 0 else 1)
            frames.extend(table.get(at, []))
        result.append((frames, waiting))
    return result


def dedupe(path):
    """One frame per function where a function follows itself (a static
    function of the same name inlined into it): the inner one, with its line."""
    result = []
    for frame in path:
        if result and result[-1].function == frame.function:
            result[-1] = frame
        else:
            result.append(frame)
    return result


def explain(test, procs, chapter_dir, holes):
    """The Stuck of TEST from its worker's samples and its programs'."""
    worker = next((p for p in procs if p.role == "worker" and p.test == test), None)
    if worker is None:
        return Stuck(test)
    programs = [p for p in procs if p.role == "program" and p.ppid == worker.pid and p.samples]
    chosen = max(programs, key=lambda p: len(p.samples)) if programs else worker
    stuck = Stuck(test, in_program=os.path.basename(chosen.exe) if programs else "")
    tests_dir = os.path.join(chapter_dir, "tests") + os.sep
    shared = os.path.join(os.path.dirname(os.path.dirname(chapter_dir)), "fixtures") + os.sep

    def in_a_test(frame):
        """The chapter's tests, or the tests every chapter shares
        (fixtures/contract_tests.c), but not the functions they call."""
        return frame.path.startswith(tests_dir) or (
            frame.path.startswith(shared) and frame.path.endswith("_tests.c"))

    for frames, _ in stacks(worker)[-1:]:
        mine = [f for f in frames if in_a_test(f)]
        stuck.test_frame = mine[0] if mine else None

    def own(frame):
        return frame.path.startswith(chapter_dir + os.sep) and not frame.path.startswith(tests_dir)

    samples = stacks(chosen)
    stuck.samples = len(samples)
    stuck.spinning = len(samples) > 1
    paths = [dedupe([f for f in reversed(frames) if own(f)]) for frames, _ in samples]
    if not paths:
        return stuck
    stuck.path = paths[-1]
    stuck.waiting_in = samples[-1][1]
    common = 0
    while all(len(p) > common and p[common].function == paths[0][common].function for p in paths):
        common += 1
    stuck.never_left = paths[0][common - 1] if common else None
    names = {h.function for h in holes}
    counts = Counter(name for p in paths for name in {f.function for f in p} if name in names)
    stuck.holes_seen = counts.most_common()
    stuck.calls = Counter(waiting for _, waiting in samples if waiting).most_common()
    return stuck


def read(hang_dir, chapter_dir, holes):
    """{test: Stuck} for every test the probe sampled in HANG_DIR."""
    procs = [parse_file(path) for path in sorted(glob.glob(os.path.join(hang_dir, "*.hang")))]
    tests = {p.test for p in procs if p.role == "worker" and p.test}
    return {test: explain(test, procs, os.path.realpath(chapter_dir), holes) for test in tests}
