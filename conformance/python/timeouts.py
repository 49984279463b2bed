"""timeouts: asyncio.timeout() and timeout_at(), cancel scopes (chapter 7).

The deadline cancels the task, and the end of the block turns that
cancellation, and only that one, into TimeoutError: a block done in time
is untouched, a cancellation from outside goes on up, nested scopes each
convert their own, and the task's cancel count is back where it was.
"""
import asyncio

from harness import case

T = "test_timeouts.py::"


@case("timeout.deadline_gives_timeout_error", pins=T + "test_timeout_basic",
      needs="coordination", expect="error=TimeoutError expired:result=True t=0.010 cancelling=0",
      c_test="timeout_deadline_gives_timeout_error")
async def _(h):
    """The deadline cancels the block's await; the block's end raises TimeoutError."""
    async def block():
        async with asyncio.timeout(0.01) as cm:
            scope.append(cm)
            await asyncio.sleep(10)
    scope = []
    outcome = await h.wait(block())
    return (f"{outcome} expired:{h.call(scope[0].expired)} {h.t()} "
            f"cancelling={asyncio.current_task().cancelling()}")


@case("timeout.when_is_the_deadline", pins=T + "test_timeout_at_basic", needs="coordination",
      expect="error=TimeoutError result=0.010",
      c_test="timeout_when_is_the_deadline")
async def _(h):
    """timeout_at(when): when() is that deadline."""
    async def block():
        async with asyncio.timeout_at(h.loop.time() + 0.01) as cm:
            scope.append(cm)
            await asyncio.sleep(10)
    scope = []
    outcome = await h.wait(block())
    return f"{outcome} {h.call(scope[0].when)}"


@case("timeout.done_in_time", pins=T + "test_timeout_not_called", needs="coordination",
      expect="result=None expired:result=False t=0.010",
      c_test="timeout_done_in_time")
async def _(h):
    """A block that ends before its deadline is not touched."""
    async def block():
        async with asyncio.timeout(10) as cm:
            scope.append(cm)
            await asyncio.sleep(0.01)
    scope = []
    outcome = await h.wait(block())
    return f"{outcome} expired:{h.call(scope[0].expired)} {h.t()}"


@case("timeout.none_never_fires", pins=T + "test_timeout_disabled", needs="coordination",
      expect="result=None result=None",
      c_test="timeout_none_never_fires")
async def _(h):
    """timeout(None) has no deadline: when() is None, and it never fires."""
    async def block():
        async with asyncio.timeout(None) as cm:
            scope.append(cm)
            await asyncio.sleep(100)
    scope = []
    outcome = await h.wait(block())
    return f"{outcome} {h.call(scope[0].when)}"


@case("timeout.zero_fires_at_once", pins=T + "test_timeout_zero", needs="coordination",
      expect="error=TimeoutError t=0.000",
      c_test="timeout_zero_fires_at_once")
async def _(h):
    """A deadline already due cancels the block at the next iteration."""
    async def block():
        async with asyncio.timeout(0):
            await asyncio.sleep(10)
    return f"{await h.wait(block())} {h.t()}"


@case("timeout.foreign_cancel_stays", pins=T + "test_foreign_cancel_doesnt_timeout_if_not_expired",
      needs="coordination", expect="error=CancelledError expired:result=False",
      c_test="timeout_foreign_cancel_stays")
async def _(h):
    """A cancellation from outside is not a timeout: it goes on up."""
    scope = []

    async def block():
        async with asyncio.timeout(10) as cm:
            scope.append(cm)
            asyncio.current_task().cancel()
            await asyncio.sleep(10)
    outcome = await h.wait(asyncio.create_task(block()))
    return f"{outcome} expired:{h.call(scope[0].expired)}"


@case("timeout.nested_same_deadline", pins=T + "test_nested_timeouts", needs="coordination",
      expect="inner:error=CancelledError error=TimeoutError",
      c_test="timeout_nested_same_deadline")
async def _(h):
    """Two scopes with one deadline: the inner lets the cancellation through, the outer converts it."""
    seen = []

    async def block():
        deadline = h.loop.time() + 0.01
        async with asyncio.timeout_at(deadline):
            try:
                async with asyncio.timeout_at(deadline):
                    await asyncio.sleep(10)
            except BaseException as exc:
                seen.append(type(exc).__name__)
                raise
    outcome = await h.wait(block())
    return f"inner:error={seen[0]} {outcome}"


@case("timeout.outer_task_not_cancelled", pins=T + "test_outer_task_is_not_cancelled",
      needs="coordination", expect="state=finished cancelled=False",
      c_test="timeout_outer_task_not_cancelled")
async def _(h):
    """A task that caught its scope's TimeoutError ends normally, not cancelled."""
    async def outer():
        try:
            async with asyncio.timeout(0.001):
                await asyncio.sleep(10)
        except TimeoutError:
            pass
    task = asyncio.create_task(outer())
    await task
    return f"{h.state(task)} cancelled={task.cancelled()}"


@case("timeout.reschedule_moves_it", pins=T + "test_reschedule", needs="coordination",
      expect="error=TimeoutError t=3.000",
      c_test="timeout_reschedule_moves_it")
async def _(h):
    """reschedule() moves the deadline."""
    async def block():
        async with asyncio.timeout(1) as cm:
            cm.reschedule(h.loop.time() + 3)
            await asyncio.sleep(10)
    return f"{await h.wait(block())} {h.t()}"
