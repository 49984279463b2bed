"""scheduling: the loop's order of work, and how it starts and stops.

call_soon is first-in, first-out; a callback scheduled during an iteration
waits for the next one; stop() lets the current iteration finish;
run_forever does not return just because nothing is left to do;
run_until_complete refuses a future of another loop and says when the loop
stopped before the future was done; a callback that raises is reported and
the loop goes on.
"""
import asyncio

from harness import case, labelled

BASE = "test_base_events.py::"
EVENTS = "test_events.py::"


@case("loop.call_soon_in_order", pins=EVENTS + "test_call_soon_threadsafe_same_thread",
      needs="futures", expect="order=a,b,c", c_test="loop_call_soon_in_order")
def _(h):
    """call_soon runs callbacks in the order they were scheduled."""
    for word in "abc":
        h.loop.call_soon(h.log, word)
    h.run_once()
    return h.order()


@case("loop.call_soon_args", pins=EVENTS + "test_call_soon", needs="futures",
      expect="order=hello,world", c_test="loop_call_soon_args")
def _(h):
    """call_soon passes its extra arguments to the callback; the callback can stop run_forever."""
    def callback(arg1, arg2):
        h.log(arg1)
        h.log(arg2)
        h.loop.stop()
    h.loop.call_soon(callback, "hello", "world")
    h.loop.run_forever()
    return h.order()


@case("loop.stop_before_run_forever", pins=BASE + "test_run_forever_pre_stopped",
      needs="futures", expect="order=a t=0.000", c_test="loop_stop_before_run_forever")
def _(h):
    """stop() before run_forever makes it run one iteration, without waiting, and return."""
    h.loop.call_soon(lambda: (h.log("a"), h.loop.call_soon(h.log, "b")))
    h.loop.stop()
    h.loop.run_forever()
    return f"{h.order()} {h.t()}"


@case("loop.stop_finishes_iteration",
      pins=BASE + "test_run_once", needs="futures",
      expect="first:order=a,b second:order=a,b,c", c_test="loop_stop_finishes_iteration")
def _(h):
    """stop() lets the rest of the current iteration run; what that iteration scheduled runs on the
    next run_forever."""
    h.loop.call_soon(lambda: (h.log("a"), h.loop.call_soon(h.log, "c")))
    h.loop.call_soon(h.loop.stop)
    h.loop.call_soon(h.log, "b")
    h.loop.run_forever()
    first = h.order()
    h.run_once()
    return f"first:{first} second:{h.order()}"


@case("loop.cancelled_handle_skipped",
      pins=(BASE + "test__add_callback_cancelled_handle", EVENTS + "test_handle"),
      needs="timers", expect="cancelled=True order=b", c_test="loop_cancelled_handle_skipped")
def _(h):
    """A call_soon handle cancelled before its turn is skipped."""
    handle = h.loop.call_soon(h.log, "a")
    h.loop.call_soon(h.log, "b")
    handle.cancel()
    h.run_once()
    return f"cancelled={handle.cancelled()} {h.order()}"


@case("loop.callback_error_reported", pins=EVENTS + "test_callback_with_exception",
      needs="futures", expect="reported=callback_raised order=a,b",
      c_expect="reported=none order=a,b", c_differs="callbacks-cannot-raise",
      c_test="loop_callback_error_reported")
def _(h):
    """A callback that raises is reported to the exception handler, and the loop goes on."""
    def boom():
        h.log("a")
        raise ValueError("boom")
    h.loop.call_soon(boom)
    h.loop.call_soon(h.log, "b")
    h.run_once()
    return f"{h.reported()} {h.order()}"


@case("loop.run_until_complete_other_loop", pins=BASE + "test_run_until_complete_loop",
      needs="futures", expect="error=ValueError", c_test="loop_run_until_complete_other_loop")
def _(h):
    """run_until_complete of a future that belongs to another loop raises ValueError."""
    other = h.new_loop()
    fut = h.loop.create_future()
    outcome = h.call(other.run_until_complete, fut)
    fut.cancel()
    return outcome


@case("loop.run_until_complete_stopped", pins=EVENTS + "test_run_until_complete_stopped",
      needs="tasks", expect="error=RuntimeError state=pending",
      c_test="loop_run_until_complete_stopped")
def _(h):
    """run_until_complete raises RuntimeError when the loop is stopped before the future is done."""
    async def coro():
        h.loop.stop()
        await h.loop.create_future()
    task = h.loop.create_task(coro())
    outcome = f"{h.call(h.loop.run_until_complete, task)} {h.state(task)}"
    task.cancel()
    h.call(h.loop.run_until_complete, task)
    return outcome


@case("loop.run_until_complete_nested", pins=EVENTS + "test_run_until_complete_nesting",
      needs="tasks", expect="error=RuntimeError", c_test="loop_run_until_complete_nested")
def _(h):
    """run_until_complete called while the loop runs raises RuntimeError."""
    async def coro1():
        await asyncio.sleep(0)

    async def coro2():
        inner = coro1()
        try:
            h.loop.run_until_complete(inner)
        finally:
            inner.close()
    return h.call(h.loop.run_until_complete, coro2())


@case("loop.stop_while_task_sleeps", pins="test_tasks.py::test_stop_while_run_in_complete",
      needs="timers",
      expect="error=RuntimeError state=pending order=1,2 after_cancel:error=CancelledError",
      c_test="loop_stop_while_task_sleeps")
def _(h):
    """A task that stops the loop ends run_until_complete with RuntimeError; the task stays
    pending."""
    x = 0

    async def task():
        nonlocal x
        while x < 10:
            await asyncio.sleep(0.1)
            x += 1
            h.log(x)
            if x == 2:
                h.loop.stop()
    t = h.loop.create_task(task())
    stopped = f"{h.call(h.loop.run_until_complete, t)} {h.state(t)} {h.order()}"
    t.cancel()
    return f"{stopped} {labelled('after_cancel', h.call(h.loop.run_until_complete, t))}"


@case("loop.run_forever_waits_when_idle", pins=EVENTS + "test_call_later", needs="timers",
      expect="order=hello t=5.000", c_test="loop_run_forever_waits_when_idle")
def _(h):
    """run_forever with nothing ready does not return: it waits for the next timer."""
    def callback(arg):
        h.log(arg)
        h.loop.stop()
    h.loop.call_later(5, callback, "hello")
    h.loop.run_forever()
    return f"{h.order()} {h.t()}"
