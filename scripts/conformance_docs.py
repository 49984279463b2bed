"""conformance_docs: docs/asyncio-conformance.md, written from the cases.

The page is made from the cases' own records (id, docstring, pins, expect,
needs, c_test, c_differs) and never from a run, so the same cases always
give the same page, on any machine and under any interpreter:
scripts/conformance --check-docs can hold the committed page to it, as the
repository does for diagrams and quotes.

Interface:
  render()   the page's text
  stale()    True when the committed page differs from render()
  write()    write it
"""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE_NAME = "docs/asyncio-conformance.md"
PAGE = os.path.join(TOP, PAGE_NAME)
DIFFERENCES = "asyncio-differences.md"
COURSE_VERSION = (3, 12)
OTHER_VERSIONS = ((3, 11), (3, 13))
sys.path.insert(0, os.path.join(TOP, "conformance", "python"))
import harness  # noqa: E402
import run_cases  # noqa: E402

INTRO = """\
# asyncio conformance

<!-- Written by scripts/conformance --write-docs from conformance/python/:
     change a case there and rewrite the page; do not edit it by hand. -->

The course claims that its C core behaves like Python's asyncio: futures,
tasks, cancellation, gather, the loop's order of work, timers, sleep and
wait_for (chapters 3 to 6), and the coordination of chapter 7: locks,
events, conditions, semaphores, barriers, queues, task groups, timeout
scopes, shield, wait and as_completed. This page turns the claim into {count} checked
rows. Each row is one behaviour, pinned by a test of CPython's own asyncio
suite (the "CPython test" column), and written as a small program that
prints an outcome string: in Python in `conformance/python/` (one file per
area, `harness.py` for what they share), and in C against each chapter's
core.

## How it is checked

`make conformance` (`scripts/conformance`) runs every Python case under
every CPython 3.11 or later on the machine, each case on a fresh event loop
whose clock is a counter: asked to wait, the loop moves the clock instead,
so no case ever sleeps and every time below is exact. Each outcome must be
the one recorded here for that version. Then each chapter's C cases run
(`build/conformance/cases-NN`, for chapters 03 to 07), and each of their
outcomes must be the 3.12 one, unless the row says that the C core differs.
A row whose C test is "to be written" would be checked in Python only;
every row has its C test today.
The run also checks that every pinned test exists in the installed CPython
test suites, and that this page is up to date.

The course follows **Python 3.12's asyncio**: 3.12 rebuilt `wait_for` on
`asyncio.timeout`, and Ubuntu 24.04 ships 3.12. The 3.11 and 3.13 columns
say "same" where that version agrees with 3.12, and give their own outcome
where they do not. "needs" is the first chapter whose core can express the
case: futures from chapter 3, tasks and gather from 4, timers from 5,
coordination from 7.

## Reading an outcome

An outcome is a few tokens separated by spaces, from this fixed vocabulary
(the docstring of `conformance/python/harness.py`):

```
{vocabulary}
```
"""


def vocabulary():
    """The vocabulary block of harness.py's docstring, as written there."""
    lines = harness.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The outcome vocabulary"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Interface:"))
    return "\n".join(lines[start + 2:end]).rstrip()


def code(text):
    return f"`{text}`"


def version_cells(case):
    """The 3.11, 3.12 and 3.13 cells of CASE's row."""
    course = harness.expected(case.expect, COURSE_VERSION)
    cells = {}
    for version in OTHER_VERSIONS:
        outcome = harness.expected(case.expect, version)
        cells[version] = "same" if outcome == course else code(outcome)
    return cells[(3, 11)], code(course), cells[(3, 13)]


def verdict(case):
    if case.c_differs:
        return f"differs (see [{DIFFERENCES}]({DIFFERENCES}#{case.c_differs}))"
    return "same"


def row(case):
    first_chapter = harness.NEEDS[case.needs]
    cells = [code(case.id), case.what, ", ".join(code(pin) for pin in case.pins),
             f"{case.needs} ({first_chapter})", *version_cells(case),
             code(case.c_test) if case.c_test else "to be written", verdict(case)]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def disagreements(cases):
    """The rows where 3.11, 3.12 and 3.13 do not all agree."""
    lines = []
    for case in cases:
        outcomes = {v: harness.expected(case.expect, v) for v in ((3, 11), (3, 12), (3, 13))}
        if len(set(outcomes.values())) > 1:
            spelled = "; ".join(f"{v[0]}.{v[1]}: {code(o)}" for v, o in outcomes.items())
            lines.append(f"- {code(case.id)}: {case.what} {spelled}.")
    return lines


def render():
    cases = run_cases.load()
    parts = [INTRO.format(count=len(cases), vocabulary=vocabulary())]
    parts.append("## Where the Python versions disagree\n")
    parts += disagreements(cases)
    header = ("| id | behaviour | CPython test | needs | 3.11 | 3.12 | 3.13 | C test "
              "| C verdict |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for area in run_cases.AREAS:
        in_area = [c for c in cases if c.area == area]
        summary = sys.modules[area].__doc__.strip().splitlines()[0].split(": ", 1)[-1]
        parts.append(f"\n## {area} ({len(in_area)})\n\n{summary}\n")
        parts.append(header)
        parts += [row(c) for c in in_area]
    return "\n".join(parts) + "\n"


def stale():
    try:
        with open(PAGE, encoding="utf-8") as page:
            return page.read() != render()
    except FileNotFoundError:
        return True


def write():
    with open(PAGE, "w", encoding="utf-8") as page:
        page.write(render())
