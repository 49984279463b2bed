"""test_runner: scripts/conformance against C case binaries made up for the test.

  python3 -m unittest discover -s conformance/python    (a step of make conformance)

The runner's contract with the C side is checked here without building it,
with small shell scripts standing in for build/conformance/cases-NN (the
real binaries are built from conformance/c and run by make conformance): a
right outcome
passes, a wrong one fails with both strings shown, a binary that exits
non-zero fails once, and --require-c turns a missing binary into a failure.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

import harness
import run_cases

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(TOP, "scripts", "conformance")
LAST_LINE = re.compile(r"^conformance: (\d+) passed, (\d+) failed$")


def fake_binary(folder, chapter, body):
    path = os.path.join(folder, f"cases-{chapter}")
    with open(path, "w") as script:
        script.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)


def line(case_id, outcome):
    """A printf that prints one "<id><TAB><outcome>" line."""
    return f"printf '%s\\t%s\\n' '{case_id}' '{outcome}'\n"


def conformance(c_dir, *args):
    """(exit status, stdout) of scripts/conformance under this interpreter only."""
    run = subprocess.run([sys.executable, SCRIPT, "--python", sys.executable, "--c-dir", c_dir,
                          *args], capture_output=True, text=True, timeout=300)
    return run.returncode, run.stdout


# scripts/conformance, loaded as a module, with one case's C test taken
# away first, then run as main() with ARGS. Every row names its C test
# now, so a row "to be written" is made up for the test; the docs page
# (which names the C tests) then differs, so its check is left out here.
WITHOUT_C_TEST = """
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("conformance", sys.argv[1])
script = importlib.util.module_from_spec(importlib.util.spec_from_loader("conformance", loader))
loader.exec_module(script)
for case in script.run_cases.load():
    if case.id == sys.argv[2]:
        case.c_test = None
script.conformance_docs.stale = lambda: False
sys.argv = [sys.argv[1]] + sys.argv[3:]
sys.exit(script.main())
"""


def conformance_without_c_test(c_dir, case_id, *args):
    """conformance(), with CASE_ID's row made one whose C test is to be written."""
    run = subprocess.run([sys.executable, "-c", WITHOUT_C_TEST, SCRIPT, case_id,
                          "--python", sys.executable, "--c-dir", c_dir, *args],
                         capture_output=True, text=True, timeout=300)
    return run.returncode, run.stdout + run.stderr


class CContractTests(unittest.TestCase):

    def setUp(self):
        cases = {c.id: c for c in run_cases.load()}
        self.right = harness.expected(cases["future.new_is_pending"].expect, (3, 12))
        self.folder = tempfile.mkdtemp()

    def tearDown(self):
        for name in os.listdir(self.folder):
            os.remove(os.path.join(self.folder, name))
        os.rmdir(self.folder)

    def test_right_outcome_passes(self):
        fake_binary(self.folder, "03", line("future.new_is_pending", self.right))
        status, out = conformance(self.folder, "future.new_is_pending")
        self.assertEqual(status, 0, f"a right C outcome passes:\n{out}")
        self.assertRegex(out, r"future\.new_is_pending\s+ok\s+ok\s+miss", "Python ok, C03 ok")
        self.assertTrue(LAST_LINE.match(out.splitlines()[-1]), "the last line has the shape")

    def test_wrong_outcome_fails_with_both_strings(self):
        fake_binary(self.folder, "03", line("future.new_is_pending", "state=finished"))
        status, out = conformance(self.folder, "future.new_is_pending")
        self.assertEqual(status, 1, "a wrong C outcome fails the run")
        self.assertIn(f"expected  {self.right}", out, "the expectation is shown")
        self.assertIn("got       state=finished", out, "the C outcome is shown")

    def test_broken_binary_and_bad_lines_fail(self):
        fake_binary(self.folder, "03", line("no.such_case", "x") + "echo not a case line\n")
        fake_binary(self.folder, "04", "echo crashed >&2\nexit 3\n")
        status, out = conformance(self.folder, "future.new_is_pending")
        self.assertEqual(status, 1, "a broken C side fails the run")
        self.assertIn("no such case: no.such_case", out, "an unknown id is named")
        self.assertIn("is not <id><TAB><outcome>", out, "a malformed line is named")
        self.assertIn("exited with 3: crashed", out, "a failing binary is named with its stderr")

    def test_a_chapter_cannot_print_what_it_lacks(self):
        fake_binary(self.folder, "03", line("task.return_is_result", "result=ok state=finished"))
        status, out = conformance(self.folder, "future.new_is_pending")
        self.assertEqual(status, 1, "chapter 3 printing a task case fails")
        self.assertIn("needs tasks, which chapter 03 does not have", out, "the reason is given")

    def test_missing_c_fails_only_when_required(self):
        status, out = conformance(self.folder, "future.new_is_pending")
        self.assertEqual(status, 0, f"no C binary at all is not a failure by default:\n{out}")
        status, out = conformance(self.folder, "--require-c", "future.new_is_pending")
        self.assertEqual(status, 1, "with --require-c it is")
        self.assertIn("cases-03 not built", out, "the missing binary is named")
        passed, failed = map(int, LAST_LINE.match(out.splitlines()[-1]).groups())
        self.assertEqual(failed, 5, "one missing case in each of the five chapters")

    def test_a_row_without_a_c_test_is_only_noted(self):
        fake_binary(self.folder, "07", "")
        status, out = conformance_without_c_test(self.folder, "condition.wait_needs_the_lock",
                                                 "--require-c", "condition.wait_needs_the_lock")
        self.assertEqual(status, 0, f"a case whose C test is to be written is not a failure:\n{out}")
        self.assertRegex(out, r"condition\.wait_needs_the_lock(\s+ok)+(\s+-){4}\s+miss", "its C07 cell says miss")
        self.assertIn("C: 1 case with no C test yet", out, "and a note counts it")


if __name__ == "__main__":
    unittest.main()
