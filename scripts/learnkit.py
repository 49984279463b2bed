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
"""
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

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


@dataclass
class Run:
    slug: str
    log: str                 # path of the full log
    built: bool = True
    tests: list = field(default_factory=list)
    output: str = ""         # everything make and Criterion printed
    build_errors: list = field(default_factory=list)

    @property
    def passed(self):
        return sum(t.ok for t in self.tests)


def parse_tap(text):
    """Criterion's TAP report -> [TestResult]."""
    tests, current, failure = [], None, None
    for raw in text.splitlines():
        m = re.match(r"(ok|not ok) - ([^:\s]+)::(\S+)\s*(.*)$", raw)
        if m:
            note = re.sub(r"^\(\d+\.\d+s\)$", "", m.group(4).strip())
            current = TestResult(m.group(2), m.group(3), m.group(1) == "ok", note)
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


def run_chapter(slug, quiet_build=True):
    """Build the learner's chapter and run its tests, as `make -C ... test` does.

    Writes the full log to build/check/NN.log and the TAP report beside it.
    """
    out_dir = os.path.join(STATE, "check")
    os.makedirs(out_dir, exist_ok=True)
    nn = slug[:2]
    log, tap = os.path.join(out_dir, f"{nn}.log"), os.path.join(out_dir, f"{nn}.tap")
    if os.path.exists(tap):
        os.remove(tap)       # a stale report must never pass for this run's
    flags = f"--jobs=2 --tap={tap}"
    proc = subprocess.run(
        ["make", "-s", "-C", os.path.join(CHAPTERS, slug), "test", f"CRITERION_FLAGS={flags}"],
        cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    output = proc.stdout.decode("utf-8", "replace")
    with open(log, "w", encoding="utf-8") as f:
        f.write(output)
    run = Run(slug, os.path.relpath(log, TOP), output=output)
    if os.path.exists(tap):
        with open(tap, encoding="utf-8", errors="replace") as f:
            run.tests = parse_tap(f.read())
    if not run.tests and proc.returncode != 0 and "Synthesis" not in output:
        # No report and no summary: the build failed before any test ran.
        run.built = False
        run.build_errors = compiler_errors(output)
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
