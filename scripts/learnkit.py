"""learnkit: what scripts/check, progress, hint and watch share.

A chapter is a folder chapters/NN-slug with a Makefile and a hints.md. Its
holes are the "## function (file.c)" sections of hints.md, the same list
scripts/make-starter punches into the code.

When is a hole still open? When EITHER
  - the function's body in the learner's file still calls not_implemented(),
    that is the TODO stub (or part of it) is still there; OR
  - the last test run printed "not implemented yet: <function>" anywhere
    (a test message, or the stderr of a download the tests started).
The first rule works without running anything (make hint uses it alone);
the second catches a stub the first cannot see (a function moved or
renamed, a not_implemented() call copied elsewhere). A hole whose stub is
gone but whose tests fail is "filled" here: the failing tests say the rest.

Test results come from Criterion's TAP report (--tap=FILE), not from its
human log: Criterion 2.4's --json does not escape quotes inside messages,
so it is not valid JSON once a message quotes JSON, as the trace tests do.
A run cut short has no TAP report; then the results come from the log,
which --verbose makes list every test as it starts and ends.

A run always ends (scripts/bounded.py): no test may run longer than the
chapter's CHECK_TEST_SECONDS (10 s unless its Makefile says otherwise), the
first test that times out stops the run, since a hole that never returns
hangs every test that goes through it, and the whole run stops after
CHECK_RUN_SECONDS. Where a timed-out test was stuck comes from
scripts/hangs.py.
"""
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

sys.dont_write_bytecode = True      # no __pycache__ inside scripts/
import bounded  # noqa: E402
import hangs  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHAPTERS = os.path.join(TOP, "chapters")
STATE = os.path.join(TOP, "build")


# ---------------------------------------------------------------- colour

class Paint:
    """ANSI colour on a terminal only; plain text in logs, pipes and CI."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32",
             "yellow": "33", "cyan": "36"}

    def __init__(self, stream=sys.stdout):
        self.on = stream.isatty() and not os.environ.get("NO_COLOR") \
            and os.environ.get("TERM") != "dumb"

    def __call__(self, style, text):
        if not self.on:
            return text
        codes = ";".join(self.CODES[s] for s in style.split())
        return f"\x1b[{codes}m{text}\x1b[0m"


# ---------------------------------------------------------------- chapters

def load_script(name):
    """Another script of scripts/ (they have no .py suffix), as a module, so
    that demo, bench and python-check share compare's fixture handling."""
    import importlib.machinery
    import importlib.util
    path = os.path.join(TOP, "scripts", name)
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def chapter_slugs():
    """Every learner chapter that can be tested: a Makefile and a hints.md."""
    slugs = []
    for name in sorted(os.listdir(CHAPTERS)):
        d = os.path.join(CHAPTERS, name)
        if re.fullmatch(r"\d\d-[\w-]+", name) and \
                os.path.isfile(os.path.join(d, "Makefile")) and \
                os.path.isfile(os.path.join(d, "hints.md")):
            slugs.append(name)
    return slugs


def find_chapter(ch):
    """'1', '01' or '01-blocking' -> '01-blocking'; exit with the choices if none."""
    ch = (ch or "").strip().rstrip("/")
    ch = os.path.basename(ch)
    for slug in chapter_slugs():
        if ch == slug or (ch.isdigit() and int(ch) == int(slug[:2])):
            return slug
    choices = " ".join(s[:2] for s in chapter_slugs())
    sys.exit(f"no chapter '{ch}': say CH=NN, one of: {choices}")


@dataclass
class Hole:
    function: str
    file: str
    request: str                                # the TODO paragraph
    hints: list = field(default_factory=list)   # [(label, text)], nudge first


def read_holes(slug):
    """The holes of a chapter, in hints.md order (the order to fill them in).

    The one reader of the hints.md format: make-starter takes the request
    paragraph as the TODO text, quote-code refuses to quote a hole, and the
    learner's commands show the hints. Raises ValueError on a bad heading;
    FileNotFoundError when the chapter has no hints.md."""
    path = os.path.join(CHAPTERS, slug, "hints.md")
    with open(path, encoding="utf-8") as f:
        sections = re.split(r"^## ", f.read(), flags=re.M)[1:]
    holes = []
    for section in sections:
        heading, _, rest = section.partition("\n")
        m = re.fullmatch(r"(\w+) \(([\w./-]+)\)\s*", heading)
        if not m:
            raise ValueError(f"{path}: bad hole heading '## {heading}'")
        paragraphs = [p.strip() for p in rest.strip().split("\n\n") if p.strip()]
        hole = Hole(m.group(1), m.group(2), " ".join(paragraphs[0].split()) if paragraphs else "")
        # "1. Nudge: text" items; an item may continue on following lines.
        for item in re.split(r"^(?=\d+\. )", "\n".join(paragraphs[1:]), flags=re.M):
            im = re.match(r"\d+\.\s+(?:(\w[\w -]*?):\s+)?(.*)", item.strip(), re.S)
            if im:
                hole.hints.append((im.group(1) or "Hint", " ".join(im.group(2).split())))
        holes.append(hole)
    return holes


def function_body(source, function):
    """(line number, body text) of FUNCTION's definition in SOURCE, or None.

    Tolerant of the learner's formatting: finds "name(...) {" that is not a
    call or a prototype, then matches braces (skipping comments and strings).
    """
    m = re.search(r"^[A-Za-z_][^;{}()\n]*\b" + re.escape(function) +
                  r"\s*\([^;{}]*\)\s*\{", source, re.M)
    if not m:
        return None
    line = source.count("\n", 0, m.start()) + 1
    depth, i = 1, m.end()
    token = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[{}]', re.S)
    for t in token.finditer(source, i):
        if t.group() == "{":
            depth += 1
        elif t.group() == "}":
            depth -= 1
            if depth == 0:
                return line, source[m.end():t.start()]
    return line, source[m.end():]


def stub_state(slug, hole):
    """(line, still_stub) for HOLE in the learner's file; line None if not found."""
    try:
        with open(os.path.join(CHAPTERS, slug, hole.file), encoding="utf-8") as f:
            found = function_body(f.read(), hole.function)
    except OSError:
        return None, False
    if not found:
        return None, False
    line, body = found
    return line, "not_implemented(" in body


# ---------------------------------------------------------------- test runs

@dataclass
class TestResult:
    suite: str
    name: str
    ok: bool
    note: str = ""                                   # "timed out", "unexpected signal..."
    failures: list = field(default_factory=list)     # [(file, line, message)]
    seconds: float = 0                               # how long it ran, as Criterion says


@dataclass
class Run:
    slug: str
    log: str                 # path of the full log
    built: bool = True
    tests: list = field(default_factory=list)
    output: str = ""         # everything make and Criterion printed
    build_errors: list = field(default_factory=list)
    test_seconds: float = 10     # the longest one test may run
    run_seconds: float = 60      # the longest the whole run may take
    stopped: str = ""        # why the run was cut short: "hang", "limit", or ""
    not_run: list = field(default_factory=list)      # tests a cut-short run never ran
    stuck: dict = field(default_factory=dict)        # {"suite::test": hangs.Stuck}

    @property
    def passed(self):
        return sum(t.ok for t in self.tests)


def parse_tap(text):
    """Criterion's TAP report -> [TestResult]."""
    tests, current, failure = [], None, None
    for raw in text.splitlines():
        m = re.match(r"(ok|not ok) - ([^:\s]+)::(\S+)\s*(.*)$", raw)
        if m:
            # "timed out (10.01s)" -> note "timed out", 10.01 seconds.
            tm = re.match(r"(.*?)\s*(?:\((\d+\.\d+)s\))?$", m.group(4).strip())
            current = TestResult(m.group(2), m.group(3), m.group(1) == "ok", tm.group(1),
                                 seconds=float(tm.group(2) or 0))
            tests.append(current)
            failure = None
            continue
        if current is None or not raw.startswith("  "):
            continue
        fm = re.match(r"\s+- (.+?):(\d+): \|[+-]?\s*$", raw) or \
            re.match(r"\s+- (.+?):(\d+): (.*)$", raw)
        if fm:
            first = fm.group(3) if fm.lastindex == 3 else ""
            failure = [fm.group(1), int(fm.group(2)), [first] if first else []]
            current.failures.append(failure)
        elif failure is not None and raw.startswith("      "):
            failure[2].append(raw[6:])
        elif raw.strip() == "...":
            failure = None
    for t in tests:
        t.failures = [(f, l, "\n".join(msg).replace("Assertion failed: ", "", 1).rstrip())
                      for f, l, msg in t.failures]
    return tests


def compiler_errors(output, limit=12):
    """The first lines of the compiler's complaint, from a failed build's log."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if re.search(r"\berror\b|undefined reference|In function", line):
            return [l for l in lines[i:i + limit] if not l.startswith("make")]
    return [l for l in lines if not l.startswith("make")][-limit:]


ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMED_OUT = re.compile(r"^\[FAIL\] (\S+)::(\S+): Timed out")
# A chapter builds in seconds; this bounds a compiler that never ends.
BUILD_SECONDS = 600


def parse_log(text):
    """Criterion's --verbose log -> [TestResult], for a run cut short.

    "[RUN ] s::t" starts a test; "[PASS] s::t: ...", "[FAIL] s::t: ..." end
    it ("[SKIP]" counts as passed, as in the TAP report); the "[----]
    file:line: Assertion Failed" block before a FAIL is its message. A test
    that started and never ended is left out."""
    tests, block = [], []
    for raw in text.splitlines():
        line = ANSI.sub("", raw)
        m = re.match(r"\[(PASS|FAIL|SKIP)\] ([^:\s]+)::(\S+?):\s*(.*)$", line)
        if m:
            note = m.group(4)
            took = re.search(r"\((\d+\.\d+)s\)", note)
            note = "timed out" if note.startswith("Timed out") else \
                "crashed" if note.startswith("CRASH") else ""
            result = TestResult(m.group(2), m.group(3), m.group(1) != "FAIL", note,
                                seconds=float(took.group(1)) if took else 0)
            result.failures = [(f, n, "\n".join(msg).strip()) for f, n, msg in block]
            tests.append(result)
            block = []
            continue
        fm = re.match(r"\[----\] (.+?):(\d+): (?:Assertion Failed|Unexpected signal)", line)
        if fm:
            block.append((fm.group(1), int(fm.group(2)), []))
        elif line.startswith("[----]   ") and block:
            block[-1][2].append(line[9:])
    return tests


def list_tests(runner):
    """Every test of a chapter's test program, as "suite::name"."""
    try:
        out = subprocess.run([runner, "--list"], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    names, suite = [], None
    for line in out.splitlines():
        m = re.match(r"(\S+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
        elif suite and re.match(r"[├└]── ", line):
            names.append(f"{suite}::{line[4:].strip()}")
    return names


def chapter_limits(folder):
    """(seconds per test, seconds for the whole run) from the chapter's Makefile."""
    try:
        out = subprocess.run(["make", "-s", "-C", folder, "check-limits"], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL).stdout.split()
        return float(out[0]), float(out[1])
    except (OSError, subprocess.TimeoutExpired, IndexError, ValueError):
        return 10.0, 60.0


def run_chapter(slug, quiet_build=True):
    """Build the learner's chapter and run its tests, as `make -C ... test` does,
    within the chapter's time limits (see the docstring at the top).

    Writes the full log to build/check/NN.log, the TAP report beside it, and
    the hang probe's samples to build/check/NN-hangs/.
    """
    out_dir = os.path.join(STATE, "check")
    os.makedirs(out_dir, exist_ok=True)
    nn = slug[:2]
    folder = os.path.join(CHAPTERS, slug)
    log, tap = os.path.join(out_dir, f"{nn}.log"), os.path.join(out_dir, f"{nn}.tap")
    hang_dir = os.path.join(out_dir, f"{nn}-hangs")
    if os.path.exists(tap):
        os.remove(tap)       # a stale report must never pass for this run's
    shutil.rmtree(hang_dir, ignore_errors=True)
    os.makedirs(hang_dir)
    run = Run(slug, os.path.relpath(log, TOP))
    run.test_seconds, run.run_seconds = chapter_limits(folder)
    open(log, "w").close()   # the build and the tests append to it

    build = bounded.run(["make", "-s", "-C", folder, "check-build"], BUILD_SECONDS, log, cwd=TOP)
    if build.rc != 0:
        run.built = False
        run.output = build.output
        run.build_errors = compiler_errors(build.output) if build.output.strip() else \
            [f"the build did not finish within {BUILD_SECONDS} s"]
        return run

    os.environ["CHECK_HANG_DIR"] = os.path.abspath(hang_dir)
    flags = f"--jobs=2 --verbose --tap={tap}"
    outcome = bounded.run(["make", "-s", "-C", folder, "check-test", f"CRITERION_FLAGS={flags}"],
                          run.run_seconds, log, cwd=TOP,
                          stop_when=lambda line: bool(TIMED_OUT.match(ANSI.sub("", line))))
    del os.environ["CHECK_HANG_DIR"]
    run.output = build.output + outcome.output
    if outcome.reason == "" and os.path.exists(tap):
        with open(tap, encoding="utf-8", errors="replace") as f:
            run.tests = parse_tap(f.read())
    else:
        run.stopped = "hang" if outcome.reason == "stop" else "limit"
        run.tests = parse_log(outcome.output)
        seen = {f"{t.suite}::{t.name}" for t in run.tests}
        runner = os.path.join(folder, "build", "plain", "run-tests")
        run.not_run = [name for name in list_tests(runner) if name not in seen]
    if any(t.note == "timed out" for t in run.tests):
        run.stuck = hangs.read(hang_dir, folder, read_holes(slug))
    return run


def open_holes(slug, holes, run=None):
    """[(hole, line, reason)] for each open hole, by the rule in the docstring."""
    text = ""
    if run is not None:
        text = run.output + "\n".join(m for t in run.tests for _, _, m in t.failures)
    result = []
    for hole in holes:
        line, stub = stub_state(slug, hole)
        named = f"not implemented yet: {hole.function}" in text
        if stub or named:
            result.append((hole, line, "TODO stub still there" if stub else
                           "a test says \"not implemented yet\""))
    return result


def bar(done, total, width=20):
    if total <= 0:
        return "-" * width
    filled = round(width * done / total)
    return "#" * filled + "." * (width - filled)
