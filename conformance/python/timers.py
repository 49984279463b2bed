"""timers: call_later, call_at, their handles, and the loop's clock (chapter 5).

Timers run when their deadline has passed, earliest deadline first (even
deadlines in the past); a cancelled timer never runs and the loop does not
wait for it; what a timer's callback schedules waits for the next
iteration. The clock is the harness's virtual one: it moves only while the
loop waits, so every t= below is exact.
"""
from harness import case

BASE = "test_base_events.py::"
EVENTS = "test_events.py::"


def log_time(h, word):
    """A callback that logs WORD and the time it ran at."""
    return lambda: (h.log(word), h.log(f"{h.loop.time():.3f}"))


@case("timer.past_deadlines_earliest_first", pins=BASE + "test_call_later_negative_delays",
      needs="timers", expect="order=b,a t=0.000", c_test="timer_past_deadlines_earliest_first")
def _(h):
    """Timers whose deadlines have already passed run at once, earliest deadline first."""
    h.loop.call_later(-1, h.log, "a")
    h.loop.call_later(-2, h.log, "b")
    h.run_once()
    return f"{h.order()} {h.t()}"


@case("timer.call_at_runs_at_deadline", pins=BASE + "test_time_and_call_at", needs="timers",
      expect="order=at,0.100 t=0.100", c_test="timer_call_at_runs_at_deadline")
def _(h):
    """call_at(time() + 0.1) runs its callback when the clock reaches that deadline."""
    h.loop.call_at(h.loop.time() + 0.1, lambda: (log_time(h, "at")(), h.loop.stop()))
    h.loop.run_forever()
    return f"{h.order()} {h.t()}"


@case("timer.deadlines_in_order", pins=BASE + "test_call_later_negative_delays", needs="timers",
      expect="order=a,0.100,b,0.200,c,0.300", c_test="timer_deadlines_in_order")
def _(h):
    """Timers run in deadline order, whatever order they were set in."""
    h.loop.call_later(0.3, log_time(h, "c"))
    h.loop.call_later(0.1, log_time(h, "a"))
    h.loop.call_later(0.2, log_time(h, "b"))
    h.run_until_idle()
    return h.order()


@case("timer.cancelled_earlier_timer_skipped", pins=BASE + "test__run_once", needs="timers",
      expect="order=b,10.000", c_test="timer_cancelled_earlier_timer_skipped")
def _(h):
    """A cancelled timer does not run, and the loop waits straight for the next live one."""
    h.loop.call_later(5.0, log_time(h, "a")).cancel()
    h.loop.call_later(10.0, log_time(h, "b"))
    h.run_until_idle()
    return h.order()


@case("timer.cancelled_not_waited_for", pins=EVENTS + "test_timer", needs="timers",
      expect="cancelled=True order= t=0.000", c_test="timer_cancelled_not_waited_for")
def _(h):
    """A cancelled timer is cancelled() at once; with nothing else to wait for, the loop does not
    wait for its deadline."""
    handle = h.loop.call_later(10.0, h.log, "a")
    handle.cancel()
    h.run_until_idle()
    return f"cancelled={handle.cancelled()} {h.order()} {h.t()}"


@case("timer.when", pins=EVENTS + "test_when", needs="timers", expect="result=10.000",
      c_test="timer_when")
def _(h):
    """A timer handle's when() is its deadline on the loop's clock."""
    handle = h.loop.call_later(10.0, h.log, "a")
    outcome = h.call(handle.when)
    handle.cancel()
    return outcome


@case("timer.equal_deadlines_unordered", pins=EVENTS + "test_timer_comparison", needs="timers",
      expect="order=a,c,e,b,d t=1.000",
      c_expect="order=a,b,c,d,e t=1.000",
      c_differs="equal-deadlines", c_test="timer_equal_deadlines_unordered")
def _(h):
    """Timers with the same deadline all run at it, but not in the order they were set: a heap keeps
    no order among equals."""
    for word in "abcde":
        h.loop.call_at(1.0, h.log, word)
    h.run_until_idle()
    return f"{h.order()} {h.t()}"


@case("timer.callback_schedules_next_iteration", pins=BASE + "test__run_once_schedule_handle",
      needs="timers", expect="first:order=a second:order=a,b",
      c_test="timer_callback_schedules_next_iteration")
def _(h):
    """What a timer's callback schedules with call_soon waits for the next iteration."""
    h.loop.call_later(-1, lambda: (h.log("a"), h.loop.call_soon(h.log, "b")))
    h.run_once()
    first = h.order()
    h.run_once()
    return f"first:{first} second:{h.order()}"


@case("timer.callback_error_reported", pins=BASE + "test_default_exc_handler_callback",
      needs="timers", expect="reported=callback_raised order=done t=0.010",
      c_expect="reported=none order=done t=0.010", c_differs="callbacks-cannot-raise",
      c_test="timer_callback_error_reported")
def _(h):
    """A timer callback that raises is reported; what it did before raising stands."""
    fut = h.loop.create_future()

    def zero_error(f):
        f.set_result(True)
        raise ZeroDivisionError
    h.loop.call_later(0.01, zero_error, fut)
    fut.add_done_callback(lambda f: (h.log("done"), h.loop.stop()))
    h.loop.run_forever()
    return f"{h.reported()} {h.order()} {h.t()}"

