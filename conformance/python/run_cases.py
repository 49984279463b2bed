#!/usr/bin/env python3
"""run_cases: run the conformance cases under the interpreter that runs this.

  python3 conformance/python/run_cases.py [ID...]          id<TAB>outcome lines
  python3 conformance/python/run_cases.py --json [ID...]   one JSON object

The first form prints what a chapter's C case binary prints (one line per
case: its id, a tab, its outcome string), so the two can be diffed by eye.
The second is what scripts/conformance reads: this interpreter's version,
every outcome, and which pins its CPython test suite lacks (when the suite
is installed at all: pyenv builds have it, Debian's python3 does not). An ID
that ends with "." selects a whole area ("gather.").
"""
import importlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

AREAS = ("futures", "tasks", "cancellation", "gather", "scheduling", "timers", "sleep",
         "wait_for", "locks", "queues", "taskgroups", "timeouts", "waiting")


def load():
    """Every registered case, area by area, in file order."""
    for area in AREAS:
        importlib.import_module(area)
    return harness.CASES


def selected(cases, ids):
    """The cases named by IDS (an id, or an area prefix ending in ".")."""
    if not ids:
        return cases
    chosen = [c for c in cases if any(c.id == i or (i.endswith(".") and c.id.startswith(i))
                                      for i in ids)]
    unknown = [i for i in ids if not any(c.id == i or c.id.startswith(i) for c in cases)]
    if unknown:
        sys.exit(f"run_cases: no such case: {' '.join(unknown)}")
    return chosen


def suite_dir():
    """Where this interpreter keeps CPython's asyncio tests, or None."""
    try:
        import test.test_asyncio as suite
    except ImportError:
        return None
    return os.path.dirname(suite.__file__)


def missing_pins(cases, suite):
    """The pins ("file.py::test_name") that SUITE does not define."""
    missing = []
    for pin in sorted({pin for c in cases for pin in c.pins}):
        filename, test = pin.split("::")
        path = os.path.join(suite, filename)
        text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if not re.search(rf"^\s+(async )?def {re.escape(test)}\(", text, re.M):
            missing.append(pin)
    return missing


def main(argv):
    as_json = "--json" in argv
    cases = selected(load(), [a for a in argv if a != "--json"])
    outcomes = {c.id: harness.run_case(c) for c in cases}
    if not as_json:
        for c in cases:
            print(f"{c.id}\t{outcomes[c.id]}")
        return 0
    suite = suite_dir()
    print(json.dumps({
        "version": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "suite": suite,
        "pins_missing": missing_pins(cases, suite) if suite else None,
        "outcomes": outcomes,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
