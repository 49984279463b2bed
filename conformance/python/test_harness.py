"""test_harness: the harness's own promises, checked before any case relies on them.

  python3 -m unittest discover -s conformance/python    (a step of make conformance)

A case can only pass for the right reason if the harness fails the wrong
ones: the clock must move exactly as far as the loop waits, a loop that
would wait forever must stop the case, a report nobody read and a task left
pending must show up in the outcome, and each expectation must be picked
for the right version.
"""
import asyncio
import inspect
import unittest

import harness
from harness import Case, Harness, expected, run_case


def make_case(fn):
    """A throwaway case around FN, never registered."""
    return Case("x.y", ("f.py::t",), "tasks", {"3.11": "x"}, fn, "what", "x",
                is_async=inspect.iscoroutinefunction(fn))


class ExpectedTests(unittest.TestCase):

    def test_a_key_holds_until_a_later_one(self):
        expect = {"3.11": "a", "3.12": "b"}
        self.assertEqual(expected(expect, (3, 11, 2)), "a", "3.11.2 takes the 3.11 outcome")
        self.assertEqual(expected(expect, (3, 12, 0)), "b", "3.12 takes its own outcome")
        self.assertEqual(expected(expect, (3, 14, 0)), "b", "3.14 keeps 3.12's outcome")

    def test_expect_must_start_at_the_oldest_version(self):
        with self.assertRaises(ValueError, msg="an expect dict without 3.11 is refused"):
            harness.case("x.z", pins="f.py::t", needs="tasks", expect={"3.12": "a"})

    def test_needs_must_be_a_chapter_concept(self):
        with self.assertRaises(ValueError, msg="needs outside futures/tasks/timers is refused"):
            harness.case("x.z", pins="f.py::t", needs="threads", expect="a")


class WordsTests(unittest.TestCase):

    def test_values(self):
        self.assertEqual(harness.value([1, ValueError("x"), None]), "[1,ValueError,None]",
                         "a list is written [a,b,c], an exception by its class")
        self.assertEqual(harness.value(0.1), "0.100", "a float has three decimals")
        with self.assertRaises(ValueError, msg="a result with a space is refused"):
            harness.value("two words")

    def test_errors(self):
        self.assertEqual(harness.error(ValueError("boom")), "error=ValueError msg=boom",
                         "a one-word message follows the class")
        self.assertEqual(harness.error(RuntimeError("two words")), "error=RuntimeError",
                         "a longer message is left out")
        self.assertEqual(harness.error(asyncio.CancelledError()), "error=CancelledError",
                         "no message, no msg=")

    def test_labels(self):
        self.assertEqual(harness.labelled("inner", "error=X msg=y"), "inner:error=X inner:msg=y",
                         "every token gets the label")


class LoopTests(unittest.TestCase):

    def setUp(self):
        self.h = Harness()

    def tearDown(self):
        self.h.close()

    def test_clock_moves_by_what_the_loop_waits(self):
        self.h.loop.call_later(2.5, self.h.loop.stop)
        self.h.loop.run_forever()
        self.assertEqual(self.h.t(), "t=2.500", "the clock is at the timer's deadline")

    def test_waiting_forever_is_refused(self):
        with self.assertRaises(harness.LoopWouldBlock, msg="nothing to wait for raises"):
            self.h.loop.run_until_complete(self.h.loop.create_future())

    def test_run_until_idle_runs_timers_then_stops(self):
        self.h.loop.call_later(1, self.h.log, "a")
        self.h.run_until_idle()
        self.assertEqual(f"{self.h.order()} {self.h.t()}", "order=a t=1.000",
                         "the timer ran and the loop stopped once idle")

    def test_ticker_counts_iterations(self):
        self.h.tick_start()
        for _ in range(3):
            self.h.run_once()
        self.assertEqual(self.h.iterations(), "iterations=3", "one tick per iteration")

    def test_reports_are_recorded_by_short_name(self):
        fut = self.h.loop.create_future()
        fut.set_exception(ValueError("boom"))
        del fut
        self.assertEqual(self.h.reported(), "reported=never_retrieved",
                         "the finalizer's report is caught")
        self.assertEqual(self.h.reported(), "reported=none", "a report is read once")


class RunCaseTests(unittest.TestCase):

    def test_a_task_left_pending_shows_in_the_outcome(self):
        def leaky(h):
            async def sleeper():
                await asyncio.sleep(5)
            h.loop.create_task(sleeper())
            h.run_once()
            return "state=pending"
        self.assertEqual(run_case(make_case(leaky)), "state=pending reported=destroyed_pending",
                         "closing the loop destroys the task, and the report is appended")

    def test_an_unread_report_shows_in_the_outcome(self):
        def careless(h):
            h.loop.call_soon(lambda: 1 / 0)
            h.run_once()
            return "order="
        self.assertEqual(run_case(make_case(careless)), "order= reported=callback_raised",
                         "a report the case did not read is appended")

    def test_a_case_that_raises_gets_an_outcome_that_matches_nothing(self):
        async def broken(h):
            raise KeyError("k")
        self.assertTrue(run_case(make_case(broken)).startswith("raised KeyError"),
                        "the exception is the outcome")


if __name__ == "__main__":
    unittest.main()
