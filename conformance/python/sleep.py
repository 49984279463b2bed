"""sleep: asyncio.sleep, a future that a timer completes (chapter 5).

sleep(0) is special: no timer at all, one bare yield to the loop, so
whatever was ready before it runs first. Any other delay is a timer, which
a cancelled sleep takes away with it.
"""
import asyncio

from harness import case

T = "test_tasks.py::"


@case("sleep.zero_is_one_iteration", pins=T + "test_sleep_zero", needs="tasks",
      expect="iterations=1 t=0.000", c_test="sleep_zero_is_one_iteration")
async def _(h):
    """sleep(0) is one bare yield: the task resumes after exactly one loop iteration."""
    h.tick_start()
    await asyncio.sleep(0)
    return f"{h.iterations()} {h.t()}"


@case("sleep.zero_lets_ready_run_first", pins=T + "test_sleep_zero", needs="tasks",
      expect="order=callback,resumed result=10", c_test="sleep_zero_lets_ready_run_first",
      c_expect="order=callback,resumed result=None", c_differs="sleep-result")
async def _(h):
    """A callback scheduled before sleep(0) runs before the task resumes; sleep returns its result
    argument."""
    h.loop.call_soon(h.log, "callback")
    outcome = await h.wait(asyncio.sleep(0, result=10))
    h.log("resumed")
    return f"{h.order()} {outcome}"


@case("sleep.result_after_delay", pins=T + "test_sleep", needs="timers",
      expect="result=yeah t=0.100", c_test="sleep_result_after_delay",
      c_expect="result=None t=0.100", c_differs="sleep-result")
def _(h):
    """Two sleeps of 0.05 end at 0.1; sleep returns its result argument."""
    async def sleeper(dt, arg):
        await asyncio.sleep(dt / 2)
        return await asyncio.sleep(dt / 2, arg)
    outcome = h.call(h.loop.run_until_complete, h.loop.create_task(sleeper(0.1, "yeah")))
    return f"{outcome} {h.t()}"


@case("sleep.run_until_complete", pins="test_events.py::test_run_until_complete",
      needs="timers", expect="result=None t=0.100", c_test="sleep_run_until_complete")
def _(h):
    """run_until_complete of sleep(0.1) returns None once the clock has moved 0.1."""
    return f"{h.call(h.loop.run_until_complete, asyncio.sleep(0.1))} {h.t()}"


@case("sleep.cancel_sleeping_task", pins=T + "test_task_cancel_sleeping_task", needs="timers",
      expect="result=cancelled t=0.100", c_test="sleep_cancel_sleeping_task")
def _(h):
    """A task sleeping 5000 s, cancelled by a timer at 0.1, ends at 0.1; whoever awaits it sees
    CancelledError."""
    async def doit():
        sleeper = asyncio.create_task(asyncio.sleep(5000))
        h.loop.call_later(0.1, sleeper.cancel)
        try:
            await sleeper
        except asyncio.CancelledError:
            return "cancelled"
        return "slept_in"
    return f"{h.call(h.loop.run_until_complete, doit())} {h.t()}"


@case("sleep.cancel_takes_timer_away", pins=T + "test_sleep_cancel", needs="timers",
      expect="state=cancelled t=0.000", c_test="sleep_cancel_takes_timer_away")
def _(h):
    """Cancelling a sleeping task cancels its timer: the loop has nothing left to wait for."""
    t = h.loop.create_task(asyncio.sleep(10.0, "yeah"))
    h.run_once()
    t.cancel()
    h.run_until_idle()
    return f"{h.state(t)} {h.t()}"


@case("sleep.nan_delay", pins=T + "test_sleep_when_delay_is_nan", needs="timers",
      expect={"3.11": "result=None t=0.000", "3.13": "error=ValueError t=0.000"},
      c_expect="error=ValueError t=0.000", c_differs="nan-delay", c_test="sleep_nan_delay")
def _(h):
    """sleep(float("nan")): 3.13 refuses it with ValueError; before, it returned at once."""
    async def sleeper():
        await asyncio.sleep(float("nan"))
    outcome = h.call(h.loop.run_until_complete, h.loop.create_task(sleeper()))
    return f"{outcome} {h.t()}"
