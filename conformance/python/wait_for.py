"""wait_for: an await with a deadline (chapter 5).

The inner awaitable's outcome, unless the timeout passes first: then
wait_for cancels it, WAITS until it is really done, and raises
TimeoutError. Python 3.12 rebuilt wait_for on asyncio.timeout, and the
edges moved: a result that arrives at the very instant of the timeout, or a
cancellation that arrives once the inner work is done. Those cases record
3.11's outcome and 3.12's.
"""
import asyncio

from harness import case

W = "test_waitfor.py::"


async def cleans_up(h, cleanup):
    """Sleep "forever"; when cancelled, take CLEANUP seconds before giving in."""
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        await asyncio.sleep(cleanup)
        raise
    finally:
        h.log("cleaned")


@case("wait_for.timeout_cancels_inner", pins=W + "test_wait_for", needs="timers",
      expect="error=TimeoutError inner:state=cancelled order=finally t=0.100",
      c_test="wait_for_timeout_cancels_inner")
async def _(h):
    """When the timeout passes, wait_for cancels the inner task and raises TimeoutError."""
    async def foo():
        try:
            await asyncio.sleep(3600)
        finally:
            h.log("finally")
        return "done"
    inner = asyncio.create_task(foo())
    outcome = await h.wait(asyncio.wait_for(inner, 0.1))
    return f"{outcome} inner:{h.state(inner)} {h.order()} {h.t()}"


@case("wait_for.result_before_timeout", pins=W + "test_wait_for_race_condition",
      needs="timers", expect="result=ok t=0.000", c_test="wait_for_result_before_timeout")
async def _(h):
    """An inner future done before the timeout gives wait_for its result."""
    fut = h.loop.create_future()
    waiting = asyncio.wait_for(fut, timeout=0.2)
    h.loop.call_soon(fut.set_result, "ok")
    return f"{await h.wait(waiting)} {h.t()}"


@case("wait_for.timeout_none_waits", pins=W + "test_wait_for_blocking", needs="timers",
      expect="result=done", c_test="wait_for_timeout_none_waits")
async def _(h):
    """timeout=None waits as long as it takes."""
    async def coro():
        return "done"
    return await h.wait(asyncio.wait_for(coro(), timeout=None))


@case("wait_for.zero_timeout_done_future",
      pins=W + "test_wait_for_timeout_less_then_0_or_0_future_done", needs="timers",
      expect="result=done", c_test="wait_for_zero_timeout_done_future")
async def _(h):
    """timeout=0 on a future that is already done returns its result."""
    fut = h.loop.create_future()
    fut.set_result("done")
    return await h.wait(asyncio.wait_for(fut, 0))


@case("wait_for.zero_timeout_never_starts",
      pins=W + "test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started",
      needs="timers", expect="error=TimeoutError order=",
      c_test="wait_for_zero_timeout_never_starts")
async def _(h):
    """timeout=0 on a coroutine raises TimeoutError without ever running it."""
    async def foo():
        h.log("started")
    return f"{await h.wait(asyncio.wait_for(foo(), 0))} {h.order()}"


async def timeout_running_task(h, timeout):
    started = h.loop.create_future()

    async def foo():
        started.set_result(None)
        try:
            await asyncio.sleep(10)
        finally:
            h.log("finally")
        return "done"
    fut = asyncio.create_task(foo())
    await started
    outcome = await h.wait(asyncio.wait_for(fut, timeout))
    return f"{outcome} inner:{h.state(fut)} {h.order()} {h.t()}"


@case("wait_for.zero_timeout_running_task", pins=W + "test_wait_for_timeout_less_then_0_or_0",
      needs="timers", expect="error=TimeoutError inner:state=cancelled order=finally t=0.000",
      c_test="wait_for_zero_timeout_running_task")
async def _(h):
    """timeout=0 on a running task cancels it at once and raises TimeoutError once it is done."""
    return await timeout_running_task(h, 0)


@case("wait_for.negative_timeout_running_task",
      pins=W + "test_wait_for_timeout_less_then_0_or_0", needs="timers",
      expect="error=TimeoutError inner:state=cancelled order=finally t=0.000",
      c_test="wait_for_negative_timeout_running_task")
async def _(h):
    """A negative timeout is a zero one."""
    return await timeout_running_task(h, -1)


@case("wait_for.waits_for_cancellation", pins=W + "test_wait_for_waits_for_task_cancellation",
      needs="timers", expect="order=cleaned error=TimeoutError t=0.150",
      c_test="wait_for_waits_for_cancellation")
async def _(h):
    """On timeout, wait_for raises only once the cancelled task has finished cleaning up."""
    inner = asyncio.create_task(cleans_up(h, 0.05))
    outcome = await h.wait(asyncio.wait_for(inner, timeout=0.1))
    return f"{h.order()} {outcome} {h.t()}"


@case("wait_for.zero_timeout_waits_for_cancellation",
      pins=W + "test_wait_for_waits_for_task_cancellation_w_timeout_0", needs="timers",
      expect="order=cleaned error=TimeoutError t=0.060",
      c_test="wait_for_zero_timeout_waits_for_cancellation")
async def _(h):
    """With timeout=0 too, wait_for raises only once the cancelled task has cleaned up."""
    inner = asyncio.create_task(cleans_up(h, 0.05))
    await asyncio.sleep(0.01)
    outcome = await h.wait(asyncio.wait_for(inner, timeout=0))
    return f"{h.order()} {outcome} {h.t()}"


@case("wait_for.error_during_cancellation",
      pins=W + "test_wait_for_reraises_exception_during_cancellation", needs="timers",
      expect="error=ValueError msg=boom t=0.100", c_test="wait_for_error_during_cancellation")
async def _(h):
    """An exception the inner task raises while being cancelled replaces the TimeoutError."""
    async def inner():
        try:
            await asyncio.sleep(0.2)
        finally:
            raise ValueError("boom")
    task = asyncio.create_task(inner())
    return f"{await h.wait(asyncio.wait_for(task, timeout=0.1))} {h.t()}"


@case("wait_for.inner_swallows_cancel", pins=W + "test_wait_for_cancellation_race_condition",
      needs="timers", expect="result=1 t=0.010", c_test="wait_for_inner_swallows_cancel")
async def _(h):
    """An inner coroutine that catches the timeout's cancellation and returns gives wait_for its
    result."""
    async def inner():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            return 1
        return 0
    return f"{await h.wait(asyncio.wait_for(inner(), timeout=0.01))} {h.t()}"


async def cancel_the_wait_for(h, timeout):
    async def blocking_coroutine():
        await h.loop.create_future()
    task = asyncio.create_task(blocking_coroutine())
    wait = asyncio.create_task(asyncio.wait_for(task, timeout))
    h.loop.call_soon(wait.cancel)
    outcome = await h.wait(wait)
    return f"{outcome} inner:{h.state(task)} {h.t()}"


@case("wait_for.cancel_cancels_inner", pins=W + "test_cancel_wait_for", needs="timers",
      expect="error=CancelledError inner:state=cancelled t=0.000",
      c_test="wait_for_cancel_cancels_inner")
async def _(h):
    """Cancelling the task that runs wait_for cancels the inner task too."""
    return await cancel_the_wait_for(h, 60.0)


@case("wait_for.cancel_without_timeout_cancels_inner",
      pins=W + "test_cancel_blocking_wait_for", needs="timers",
      expect="error=CancelledError inner:state=cancelled t=0.000",
      c_test="wait_for_cancel_without_timeout_cancels_inner")
async def _(h):
    """With timeout=None as well, cancelling wait_for cancels the inner task."""
    return await cancel_the_wait_for(h, None)


def same_instant(h, timeout_timer_first):
    """The inner future is completed by a timer due at the very instant of
    wait_for's timeout; TIMEOUT_TIMER_FIRST sets which timer is set first.

    CPython's suite has no test of this exact tie. Its nearest,
    test_wait_for_race_condition, pins the rule being stretched here: an
    inner result that comes before the timeout wins. The completing timer
    checks done() first, because in one order wait_for has already
    cancelled the inner future when it runs."""
    fut = h.loop.create_future()

    def complete():
        if fut.done():
            h.log("already_" + h.state(fut).split("=")[1])
        else:
            fut.set_result(1)
            h.log("set")
    waiting = h.loop.create_task(asyncio.wait_for(fut, 0.1))
    if timeout_timer_first:
        h.run_once()          # wait_for starts, and sets its timer, first
    h.loop.call_later(0.1, complete)
    outcome = h.call(h.loop.run_until_complete, waiting)
    return f"{h.order()} {outcome} {h.t()}"


@case("wait_for.same_instant_inner_timer_first", pins=W + "test_wait_for_race_condition",
      needs="timers",
      expect={"3.11": "order=set result=1 t=0.100", "3.12": "order=set error=TimeoutError t=0.100"},
      c_test="wait_for_same_instant_inner_timer_first")
def _(h):
    """The inner future completes at the very instant of the timeout, its timer set before
    wait_for's."""
    return same_instant(h, timeout_timer_first=False)


@case("wait_for.same_instant_timeout_timer_first", pins=W + "test_wait_for_race_condition",
      needs="timers",
      expect={"3.11": "order=set result=1 t=0.100",
              "3.12": "order=already_cancelled error=TimeoutError t=0.100"},
      c_test="wait_for_same_instant_timeout_timer_first")
def _(h):
    """The inner future completes at the very instant of the timeout, wait_for's timer set first."""
    return same_instant(h, timeout_timer_first=True)


@case("wait_for.cancelled_after_inner_done", pins=W + "test_wait_for_issue86296",
      needs="timers",
      expect={"3.11": "result=None order=reached_end inner:result=done t=1.000",
              "3.12": "error=CancelledError order= inner:result=done t=0.000"},
      c_test="wait_for_cancelled_after_inner_done")
async def _(h):
    """A task cancelled in the iteration where wait_for's inner task finishes: 3.11 loses the
    cancellation, 3.12 keeps it."""
    async def inner():
        return "done"
    inner_task = asyncio.create_task(inner())

    async def wait_for_coro():
        await asyncio.wait_for(inner_task, timeout=100)
        await asyncio.sleep(1)
        h.log("reached_end")
    task = asyncio.create_task(wait_for_coro())
    await asyncio.sleep(0)
    task.cancel()
    outcome = await h.wait(task)
    return f"{outcome} {h.order()} inner:{await h.wait(inner_task)} {h.t()}"


class SlowTask:
    """Runs for 0.2 s of loop time, ignoring cancel requests (test_waitfor's)."""
    TASK_TIMEOUT = 0.2

    def __init__(self, h):
        self.h = h

    async def run(self):
        loop = asyncio.get_running_loop()
        exitat = loop.time() + self.TASK_TIMEOUT
        while True:
            tosleep = exitat - loop.time()
            if tosleep <= 0:
                break
            try:
                await asyncio.sleep(tosleep)
            except asyncio.CancelledError:
                pass
        self.h.log("exited")


@case("wait_for.cancelled_waits_for_stubborn_inner",
      pins=W + "test_asyncio_wait_for_cancelled", needs="timers",
      expect={"3.11": "order=exited error=CancelledError t=0.200",
              "3.12": "order=exited result=None t=0.200"},
      c_test="wait_for_cancelled_waits_for_stubborn_inner")
async def _(h):
    """Cancelling wait_for over a task that ignores cancellation waits until it ends; 3.12 then
    returns its result."""
    t = SlowTask(h)
    waitfortask = asyncio.create_task(asyncio.wait_for(t.run(), t.TASK_TIMEOUT * 2))
    await asyncio.sleep(0)
    waitfortask.cancel()
    outcome = await h.wait(waitfortask)
    return f"{h.order()} {outcome} {h.t()}"


@case("wait_for.timeout_waits_for_stubborn_inner",
      pins=W + "test_asyncio_wait_for_timeout", needs="timers",
      expect="order=exited result=None t=0.200", c_test="wait_for_timeout_waits_for_stubborn_inner")
async def _(h):
    """On timeout over a task that ignores cancellation, wait_for waits until that task ends."""
    t = SlowTask(h)
    outcome = await h.wait(asyncio.wait_for(t.run(), t.TASK_TIMEOUT / 2))
    return f"{h.order()} {outcome} {h.t()}"
