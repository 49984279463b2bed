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

Graded steps: a chapter's points are split into steps, one per lesson, in
chapters/NN-slug/grading.md (read_steps is its one reader). scripts/grade
runs one step, check and progress add the steps up, and make-classroom
writes the Classroom workflow and autograding.json from the same steps.
"""
import fnmatch
import os
import re
import shutil
import signal
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


def trim_hints(text, keep):
    """hints.md TEXT with only the first KEEP hints of each hole (from the
    nudge on), the rest of the file as it is: make-classroom leaves the
    near-answers out of a graded assignment this way."""
    kept, level = [], 0
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            level = 0
            if kept and kept[-1].strip():
                kept.append("\n")      # the blank line went with a dropped hint
        else:
            m = re.match(r"(\d+)\.\s", line)
            level = int(m.group(1)) if m else level
        if level <= keep:
            kept.append(line)
    return "".join(kept)


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

    @property
    def timed_out(self):
        """The run was cut short: a test hung, or the whole run was too long."""
        return self.stopped != ""


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


def list_runner_tests(runner):
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


def run_chapter(slug, criterion_flags="", log_name=None):
    """Build the learner's chapter and run its tests, as `make -C ... test` does,
    within the chapter's time limits (see the docstring at the top).

    Writes the full log to build/check/NN.log, the TAP report beside it, and
    the hang probe's samples to build/check/NN-hangs/ (LOG_NAME replaces
    "NN", for a run of some tests only: scripts/grade). CRITERION_FLAGS are
    added to Criterion's, for instance a --filter.
    """
    out_dir = os.path.join(STATE, "check")
    os.makedirs(out_dir, exist_ok=True)
    nn = log_name or slug[:2]
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
    flags = f"--jobs=2 --verbose --tap={tap} {criterion_flags}".strip()
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
        run.not_run = [name for name in list_runner_tests(runner) if name not in seen]
    if any(t.note == "timed out" for t in run.tests):
        run.stuck = hangs.read(hang_dir, folder, read_holes(slug))
    return run


# A whole chapter's tests take under a minute. Criterion 2.4 does not always
# enforce a suite's .timeout when tests run in parallel (here a test waiting
# for its program ran for 250 s under a 60 s .timeout with --jobs=2), so
# every run has a limit of its own as well.
RUN_TIMEOUT = 300


def make_test(slug, flags, timeout=RUN_TIMEOUT):
    """`make -s -C chapters/SLUG test CRITERION_FLAGS=FLAGS`: (status, output, timed out).

    The run gets a process group of its own, so that on timeout the whole tree
    goes: make, the test runner, its workers and the programs they started."""
    proc = subprocess.Popen(
        ["make", "-s", "-C", os.path.join(CHAPTERS, slug), "test", f"CRITERION_FLAGS={flags}"],
        cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace"), False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        note = f"\n[stopped after {timeout} s: a test hung]\n"
        return -signal.SIGKILL, out.decode("utf-8", "replace") + note, True
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)     # Ctrl-C: take the tests down too
        raise
    finally:
        bounded.sweep_criterion_sockets()
    return run


# ------------------------------------------------------ a crash explained

# A crash says only that a signal came. The same test built with
# AddressSanitizer and UBSan says what went wrong, and where: a use of
# freed memory, a read past an array, an overflow. fixtures/alloc_faults.c
# fills freed memory with a pattern, so that a use of it crashes the plain
# build at once and this is where the learner hears of it.
SANITIZER_SECONDS = 180    # the first sanitizer build of a chapter is a full one
SANITIZER_ERROR = re.compile(r"ERROR: AddressSanitizer: ([\w-]+)")
SANITIZER_FRAME = re.compile(r"#\d+ 0x[0-9a-f]+ in (\w+) (\S+?):(\d+)")
UBSAN_ERROR = re.compile(r"(\S+?\.[ch]):(\d+):\d+: runtime error: (.+)")


def sanitizer_verdict(folder, suite, name, log_path):
    """What the sanitizers say of test SUITE::NAME in the chapter FOLDER,
    as one line ("heap-use-after-free in complete_jobs, workpool.c:193"),
    or "" when they say nothing. The run's output is appended to LOG_PATH."""
    env_flags = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",
                 "UBSAN_OPTIONS": "print_stacktrace=1"}
    saved = {k: os.environ.get(k) for k in env_flags}
    os.environ.update(env_flags)
    try:
        outcome = bounded.run(["make", "-s", "-C", folder, f"TOP={TOP}", "test", "VARIANT=sanitize",
                               f"CRITERION_FLAGS=--filter={suite}/{name} --jobs=1"],
                              SANITIZER_SECONDS, log_path, cwd=TOP)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    text = ANSI.sub("", outcome.output)
    m = UBSAN_ERROR.search(text)
    if m:
        return f"{m.group(3)}, {os.path.basename(m.group(1))}:{m.group(2)}"
    m = SANITIZER_ERROR.search(text)
    if not m:
        return ""
    # The frames of the first stack (where it happened) that are in the
    # chapter's own code, innermost first: "in future_free, future.c:84,
    # called from take_or_wait, pool.c:120".
    def own_frames(stack):
        return [f"{f.group(1)}, {os.path.basename(f.group(2))}:{f.group(3)}"
                for f in SANITIZER_FRAME.finditer(stack)
                if os.path.abspath(os.path.dirname(f.group(2))) == os.path.abspath(folder)]
    rest = text[m.end():]
    own = own_frames(rest.split("\n\n", 1)[0])
    verdict = m.group(1) + (" in " + ", called from ".join(own[:3]) if own else "")
    # For memory used after it was freed, where it was freed says more.
    freed = re.search(r"freed by thread \w+ here:\n(.*?)(?:\n\n|$)", rest, re.S)
    freed_own = own_frames(freed.group(1)) if freed else []
    if freed_own:
        verdict += "; it was freed in " + ", called from ".join(freed_own[:2])
    return verdict


# Suites whose tests run a whole program (a download, WorkerA): a failure
# there is most often the echo of one in a test of a single piece. The
# check shows those last, and scripts/mutants runs them last.
WHOLE_PROGRAM_SUITES = {"contract", "overlap", "fetch", "programs", "serial", "scale",
                        "many_fds", "sigint", "offload", "crawl", "crawl_faults",
                        "crawl_sigint"}


# Criterion 2.4 compiles a --filter glob into at most 100 fragments and
# aborts beyond (an alternation of about a hundred names): a filter holds
# no more than this many alternatives.
FILTER_ALTERNATIVES = 40


def criterion_filters(wanted, names):
    """--filter globs that together select exactly the tests WANTED among
    every test NAME of the chapter ("suite::name"): a whole suite as
    "suite/*", the others by name, FILTER_ALTERNATIVES at most per glob."""
    suites = {}
    for name in names:
        suites.setdefault(name.split("::")[0], []).append(name)
    wanted, parts = set(wanted), []
    for suite, tests in suites.items():
        chosen = [t for t in tests if t in wanted]
        if chosen and len(chosen) == len(tests):
            parts.append(f"{suite}/*")
        else:
            parts += [t.replace("::", "/") for t in chosen]
    return [f"@({'|'.join(parts[i:i + FILTER_ALTERNATIVES])})"
            for i in range(0, len(parts), FILTER_ALTERNATIVES)]


def list_tests(slug):
    """(every test of the chapter as "suite::name", the build's output).

    Builds the chapter and asks its test binary for the list (Criterion's
    --list runs nothing). The list is None when the build fails."""
    status, output, _ = make_test(slug, "--list", timeout=RUN_TIMEOUT)
    if status != 0:
        return None, output
    names, suite = [], None
    for line in output.splitlines():
        m = re.match(r"(\S+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
            continue
        m = re.match(r"[├└]── (\S+)$", line)
        if m and suite:
            names.append(f"{suite}::{m.group(1)}")
    return names, output


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


# ---------------------------------------------------------------- graded steps

DEFAULT_POINTS = 25     # a chapter without grading.md: one step, all or nothing
PATTERN = re.compile(r"\*|[\w*?\[\]-]+::[\w*?\[\]-]+")


@dataclass
class Step:
    number: int                                 # 1, 2, ... in grading.md order
    title: str
    points: int
    holes: list = field(default_factory=list)   # the hole functions it grades
    tests: list = field(default_factory=list)   # "suite::name" globs; "*" = the rest
    whole_chapter: bool = False                 # the chapter has no grading.md

    def runner_id(self, slug):
        """The workflow's id for this step: "chapter-01-step-2"."""
        return f"chapter-{slug[:2]}-step-{self.number}"


def grading_path(slug):
    return os.path.join(CHAPTERS, slug, "grading.md")


def read_steps(slug):
    """The graded steps of a chapter, in order, from chapters/NN-slug/grading.md.

    Each "## Title (N points)" section names its holes and its tests:

        Holes: build_fd_sets, dispatch
        Tests: loop::*

    A test counts for the first step whose pattern matches it, and "*", in
    the last step only, takes every test left. Every hole of hints.md is in
    exactly one step. A chapter without grading.md is graded as one step
    worth DEFAULT_POINTS: every test, all or nothing (whole_chapter is set,
    so that the tools can say so). Raises ValueError, naming the file, when
    the file breaks a rule."""
    holes = [h.function for h in read_holes(slug)]
    path = grading_path(slug)
    if not os.path.exists(path):
        return [Step(1, "every test of the chapter", DEFAULT_POINTS, holes, ["*"], True)]
    where = os.path.relpath(path, TOP)
    with open(path, encoding="utf-8") as f:
        sections = re.split(r"^## ", f.read(), flags=re.M)[1:]
    steps = [parse_step(i, section, where) for i, section in enumerate(sections, 1)]
    check_steps(steps, holes, where)
    return steps


def parse_step(number, section, where):
    heading, _, body = section.partition("\n")
    m = re.fullmatch(r"(.+?) \((\d+) points?\)\s*", heading)
    if not m or int(m.group(2)) < 1:
        raise ValueError(f"{where}: bad step heading '## {heading}' "
                         "(want '## Title (N points)', N at least 1)")
    fields = {}
    for key, value in re.findall(r"^(Holes|Tests):(.*(?:\n(?![A-Z]\w*:)(?!\s*$).*)*)",
                                 body, re.M):
        fields[key] = [v for v in re.split(r"[,\s]+", value) if v]
    step = Step(number, m.group(1), int(m.group(2)), fields.get("Holes", []),
                fields.get("Tests", []))
    if not step.tests:
        raise ValueError(f"{where}: step {number} ({step.title}) has no 'Tests:' line")
    for pattern in step.tests:
        if not PATTERN.fullmatch(pattern):
            raise ValueError(f"{where}: step {number}: '{pattern}' is not a test pattern "
                             "(suite::name, globs allowed, or *)")
    return step


def check_steps(steps, holes, where):
    if not steps:
        raise ValueError(f"{where}: no '## Title (N points)' step")
    graded = [h for step in steps for h in step.holes]
    for hole in graded:
        if hole not in holes:
            raise ValueError(f"{where}: hole {hole} is not in hints.md")
        if graded.count(hole) > 1:
            raise ValueError(f"{where}: hole {hole} is in two steps")
    for hole in holes:
        if hole not in graded:
            raise ValueError(f"{where}: hole {hole} of hints.md is in no step")
    for step in steps[:-1]:
        if "*" in step.tests:
            raise ValueError(f"{where}: step {step.number}: '*' belongs in the last step "
                             "only (a test counts for the first step that matches it)")


def assign_tests(names, steps):
    """{step number: [test names]}: each "suite::name" to the first step matching it."""
    assigned = {step.number: [] for step in steps}
    for name in names:
        for step in steps:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in step.tests):
                assigned[step.number].append(name)
                break
    return assigned


@dataclass
class StepResult:
    step: Step
    tests: list          # [TestResult] of the step's tests that ran
    missing: list        # names of its tests with no result (a crash, a hang)

    @property
    def passed(self):
        return sum(t.ok for t in self.tests)

    @property
    def total(self):
        return len(self.tests) + len(self.missing)

    @property
    def ok(self):
        """Points are earned when every test of the step ran and passed."""
        return self.total > 0 and not self.missing and self.passed == self.total

    @property
    def score(self):
        return self.step.points if self.ok else 0


def score_steps(steps, names, tests):
    """[StepResult] for STEPS, given every test NAME of the chapter and the
    TestResults of a run (a full run, or a filtered one that ran the step)."""
    by_name = {}
    for t in tests:
        # A parameterized test reports once per parameter, under one name:
        # it passes when every one of them passes.
        name = f"{t.suite}::{t.name}"
        if name in by_name:
            first = by_name[name]
            by_name[name] = TestResult(t.suite, t.name, first.ok and t.ok, first.note or t.note,
                                       first.failures + t.failures)
        else:
            by_name[name] = t
    assigned = assign_tests(names, steps)
    results = []
    for step in steps:
        mine = assigned[step.number]
        ran = [by_name[n] for n in mine if n in by_name]
        results.append(StepResult(step, ran, [n for n in mine if n not in by_name]))
    return results


def run_scores(slug, run):
    """[StepResult] of a full run of the chapter (make check, make progress):
    every test it reported is one of the chapter's. Raises ValueError when
    grading.md breaks a rule, as read_steps does."""
    steps = read_steps(slug)
    names = [f"{t.suite}::{t.name}" for t in run.tests]
    return score_steps(steps, names, run.tests)


def dead_patterns(names, steps):
    """[(step, pattern)] of the patterns that give their step no test: they
    match none of NAMES, or only tests an earlier step already took."""
    assigned = assign_tests(names, steps)
    return [(step, pattern) for step in steps for pattern in step.tests
            if not any(fnmatch.fnmatchcase(n, pattern) for n in assigned[step.number])]
