"""waiting: shield, wait and as_completed (chapter 7).

shield() lets a caller be cancelled without cancelling the work it waits
for; wait() returns which futures are done and which are not, at the
first completion, the first failure, all of them, or a timeout, and
never cancels; as_completed() gives them one by one as they finish.
"""
import asyncio

from harness import case

T = "test_tasks.py::"


def later(h, delay, value=None, error=None):
    """A future that finishes DELAY seconds from now."""
    fut = h.loop.create_future()
    if error:
        h.loop.call_later(delay, fut.set_exception, error)
    else:
        h.loop.call_later(delay, fut.set_result, value)
    return fut


@case("shield.result_passes_through", pins=T + "test_shield_result", needs="coordination",
      expect="result=42",
      c_test="shield_result_passes_through")
async def _(h):
    """The shielded future's result is the outer future's."""
    return await h.wait(asyncio.shield(later(h, 0.1, 42)))


@case("shield.outer_cancel_spares_inner", pins=T + "test_shield_cancel_outer",
      needs="coordination", expect="outer:state=cancelled inner:state=pending inner:result=ok",
      c_test="shield_outer_cancel_spares_inner")
async def _(h):
    """Cancelling the outer future leaves the inner one running."""
    inner = later(h, 0.1, "ok")
    outer = asyncio.shield(inner)
    outer.cancel()
    await asyncio.sleep(0)
    outcome = f"outer:{h.state(outer)} inner:{h.state(inner)}"
    return f"{outcome} inner:{await h.wait(inner)}"


@case("shield.inner_cancel_reaches_outer", pins=T + "test_shield_cancel_inner",
      needs="coordination", expect="state=cancelled",
      c_test="shield_inner_cancel_reaches_outer")
async def _(h):
    """Cancelling the inner future cancels the outer one."""
    inner = h.loop.create_future()
    outer = asyncio.shield(inner)
    inner.cancel()
    await asyncio.sleep(0)
    return h.state(outer)


@case("shield.shortcut", pins=T + "test_shield_shortcut", needs="coordination",
      expect="result=True",
      c_test="shield_shortcut")
async def _(h):
    """A future that is done already is its own shield."""
    fut = h.loop.create_future()
    fut.set_result(42)
    return f"result={asyncio.shield(fut) is fut}"


async def three(h, when, timeout=None, error=None):
    fs = [later(h, 0.1, error=error), later(h, 0.2), later(h, 10)]
    done, pending = await asyncio.wait(fs, timeout=timeout, return_when=when)
    marks = "".join("d" if f in done else "p" for f in fs)
    for f in fs:
        if f.done() and not f.cancelled():
            f.exception()
        f.cancel()
    return f"result={marks} {h.t()}"


@case("wait.first_completed", pins=T + "test_wait_first_completed", needs="coordination",
      expect="result=dpp t=0.100",
      c_test="wait_first_completed")
async def _(h):
    """FIRST_COMPLETED returns with the first future done, the others pending."""
    return await three(h, asyncio.FIRST_COMPLETED)


@case("wait.first_exception", pins=T + "test_wait_first_exception", needs="coordination",
      expect="result=dpp t=0.100",
      c_test="wait_first_exception")
async def _(h):
    """FIRST_EXCEPTION returns at the first failure."""
    return await three(h, asyncio.FIRST_EXCEPTION, error=ValueError("boom"))


@case("wait.first_exception_none_waits_all", pins=T + "test_wait_first_exception",
      needs="coordination", expect="result=ddd t=10.000",
      c_test="wait_first_exception_none_waits_all")
async def _(h):
    """FIRST_EXCEPTION without a failure waits for all of them."""
    return await three(h, asyncio.FIRST_EXCEPTION)


@case("wait.timeout_returns_pending", pins=T + "test_wait_with_timeout", needs="coordination",
      expect="result=ddp t=1.000",
      c_test="wait_timeout_returns_pending")
async def _(h):
    """A timeout returns what is done and what is pending; nothing is cancelled or raised."""
    return await three(h, asyncio.ALL_COMPLETED, timeout=1)


@case("wait.empty_set", pins=T + "test_wait_errors", needs="coordination",
      expect="error=ValueError",
      c_test="wait_empty_set")
async def _(h):
    """wait() on an empty set is a ValueError."""
    return await h.wait(asyncio.wait(set()))


@case("as_completed.finishing_order", pins=T + "test_as_completed", needs="coordination",
      expect="order=a,b,c",
      c_test="as_completed_finishing_order")
async def _(h):
    """as_completed gives the futures in the order they finish."""
    fs = [later(h, 0.3, "c"), later(h, 0.1, "a"), later(h, 0.2, "b")]
    for next_one in asyncio.as_completed(fs):
        h.log(await next_one)
    return h.order()


@case("as_completed.timeout", pins=T + "test_as_completed_with_timeout",
      needs="coordination", expect="order=quick,TimeoutError t=1.000",
      c_test="as_completed_timeout")
async def _(h):
    """After the timeout, the futures still to come raise TimeoutError."""
    never = h.loop.create_future()
    for next_one in asyncio.as_completed([later(h, 0.1, "quick"), never], timeout=1):
        try:
            h.log(await next_one)
        except TimeoutError:
            h.log("TimeoutError")
    never.cancel()
    return f"{h.order()} {h.t()}"
