"""cancellation: Task.cancel, and what it does to the awaits it meets.

A cancelled task meets CancelledError at its next await (or at once, at the
future it waits for); it may propagate it (the task ends cancelled), catch
it and go on, or end without awaiting again. The message given to
cancel(msg) travels with the CancelledError, and cancelling()/uncancel()
count the requests. Where CPython's test sleeps for ten seconds only to
have something to wait for, the case awaits a future nobody sets: the
same wait, and chapter 4 can express it.
"""
import asyncio

from harness import case, labelled

T = "test_tasks.py::"


async def forever(h):
    """Wait for a future that nobody will ever set."""
    await h.loop.create_future()


async def settled(task):
    """Wait until TASK is done, without awaiting it (asyncio.wait's job in
    CPython's tests): a future that the task's done-callback completes."""
    done = asyncio.get_running_loop().create_future()
    task.add_done_callback(lambda _: done.set_result(None))
    await done


@case("cancel.waiting_task", pins=T + "test_cancel", needs="tasks",
      expect="error=CancelledError state=cancelled cancel:result=False",
      c_test="cancel_waiting_task")
def _(h):
    """A task cancelled while it waits ends cancelled; cancel() once it is done returns False."""
    async def task():
        await forever(h)
        return 12
    t = h.loop.create_task(task())
    h.loop.call_soon(t.cancel)
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} {labelled('cancel', h.call(t.cancel))}"


@case("cancel.unstarted_task_message", pins=T + "test_task_cancel_message_getter",
      needs="tasks", expect="error=CancelledError msg=stop order=",
      c_test="cancel_unstarted_task_message")
def _(h):
    """A task cancelled with a message before it starts never runs and raises
    CancelledError(msg)."""
    async def coro():
        h.log("ran")
    t = h.loop.create_task(coro())
    t.cancel("stop")
    return f"{h.call(h.loop.run_until_complete, t)} {h.order()}"


@case("cancel.message_before_start_to_awaiter",
      pins=T + "test_cancel_with_message_before_starting_task", needs="tasks",
      expect="error=CancelledError msg=stop state=cancelled",
      c_test="cancel_message_before_start_to_awaiter")
def _(h):
    """A task that reads the exception() of a task it cancelled with a message before it started
    fails with that CancelledError."""
    async def coro():
        task = asyncio.create_task(forever(h))
        task.cancel("stop")
        await settled(task)
        task.exception()
    outer = h.loop.create_task(coro())
    return f"{h.call(h.loop.run_until_complete, outer)} {h.state(outer)}"


@case("cancel.message_survives_result", pins=T + "test_cancel_with_message_then_future_result",
      needs="tasks", expect="error=CancelledError msg=stop state=cancelled",
      c_test="cancel_message_survives_result")
def _(h):
    """The cancel message survives a CancelledError raised by result() and passing up through the
    awaiting task."""
    async def coro():
        task = asyncio.create_task(forever(h))
        await asyncio.sleep(0)
        task.cancel("stop")
        await settled(task)
        task.result()
    outer = h.loop.create_task(coro())
    return f"{h.call(h.loop.run_until_complete, outer)} {h.state(outer)}"


@case("cancel.message_survives_exception",
      pins=T + "test_cancel_with_message_then_future_exception", needs="tasks",
      expect="error=CancelledError msg=stop state=cancelled",
      c_test="cancel_message_survives_exception")
def _(h):
    """The cancel message survives a CancelledError raised by exception() and passing up through the
    awaiting task."""
    async def coro():
        task = asyncio.create_task(forever(h))
        await asyncio.sleep(0)
        task.cancel("stop")
        await settled(task)
        task.exception()
    outer = h.loop.create_task(coro())
    return f"{h.call(h.loop.run_until_complete, outer)} {h.state(outer)}"


@case("cancel.message_to_awaiting_task", pins=T + "test_cancellation_exception_context",
      needs="tasks", expect="order=stop error=ValueError msg=cancelled",
      c_test="cancel_message_to_awaiting_task")
def _(h):
    """A task awaiting a task cancelled with a message catches a CancelledError carrying it."""
    async def coro():
        inner = asyncio.create_task(forever(h))
        h.loop.call_soon(inner.cancel, "stop")
        try:
            await inner
        except asyncio.CancelledError as exc:
            h.log(exc.args[0] if exc.args else "no_message")
            raise ValueError("cancelled") from exc
    outcome = h.call(h.loop.run_until_complete, h.loop.create_task(coro()))
    return f"{h.order()} {outcome}"


@case("cancel.between_yields", pins=T + "test_cancel_yield", needs="tasks",
      expect="error=CancelledError state=cancelled cancel:result=False",
      c_test="cancel_between_yields")
def _(h):
    """A task cancelled between two sleep(0) ends cancelled."""
    async def task():
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return 12
    t = h.loop.create_task(task())
    h.run_once()
    t.cancel()
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} {labelled('cancel', h.call(t.cancel))}"


@case("cancel.inner_future_cancels_task", pins=T + "test_cancel_inner_future", needs="tasks",
      expect="error=CancelledError state=cancelled inner:state=cancelled",
      c_test="cancel_inner_future_cancels_task")
def _(h):
    """Cancelling the future a task awaits cancels the task."""
    inner = h.loop.create_future()

    async def task():
        await inner
        return 12
    t = h.loop.create_task(task())
    h.run_once()
    inner.cancel()
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} inner:{h.state(inner)}"


@case("cancel.task_and_inner_future", pins=T + "test_cancel_both_task_and_inner_future",
      needs="tasks", expect="error=CancelledError state=cancelled inner:state=cancelled",
      c_test="cancel_task_and_inner_future")
def _(h):
    """Cancelling both the awaited future and the task ends the task cancelled."""
    inner = h.loop.create_future()

    async def task():
        await inner
        return 12
    t = h.loop.create_task(task())
    h.run_once()
    inner.cancel()
    t.cancel()
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} inner:{h.state(inner)}"


@case("cancel.catch_and_return", pins=T + "test_cancel_task_catching", needs="tasks",
      expect="inner:state=cancelled result=42 cancelled=False", c_test="cancel_catch_and_return")
def _(h):
    """Cancelling a task cancels the future it awaits at once; a task that catches it and returns is
    not cancelled."""
    fut1, fut2 = h.loop.create_future(), h.loop.create_future()

    async def task():
        await fut1
        try:
            await fut2
        except asyncio.CancelledError:
            return 42
    t = h.loop.create_task(task())
    h.run_once()
    fut1.set_result(None)
    h.run_once()
    t.cancel()
    inner = h.state(fut2)
    return f"inner:{inner} {h.call(h.loop.run_until_complete, t)} cancelled={t.cancelled()}"


@case("cancel.catch_and_go_on", pins=T + "test_cancel_task_ignoring", needs="tasks",
      expect="result=42 state=finished", c_test="cancel_catch_and_go_on")
def _(h):
    """A task that catches the cancellation goes on to its next await and finishes normally."""
    fut1, fut2, fut3 = (h.loop.create_future() for _ in range(3))

    async def task():
        await fut1
        try:
            await fut2
        except asyncio.CancelledError:
            pass
        return await fut3
    t = h.loop.create_task(task())
    h.run_once()
    fut1.set_result(None)
    h.run_once()
    t.cancel()
    h.run_once()
    fut3.set_result(42)
    return f"{h.call(h.loop.run_until_complete, t)} {h.state(t)}"


@case("cancel.self_then_await", pins=T + "test_cancel_current_task", needs="tasks",
      expect="error=CancelledError state=cancelled order=before", c_test="cancel_self_then_await")
def _(h):
    """A task that cancels itself is cancelled at its next await, which never suspends it."""
    async def task():
        t.cancel()
        h.log("before")
        await forever(h)
        h.log("after")
    t = h.loop.create_task(task())
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} {h.order()}"


@case("cancel.self_then_return", pins=T + "test_cancel_at_end", needs="tasks",
      expect="error=CancelledError state=cancelled cancel:result=False",
      c_test="cancel_self_then_return")
def _(h):
    """A task that cancels itself and then returns without awaiting ends CANCELLED, not with its
    result."""
    async def task():
        t.cancel()
        return 12
    t = h.loop.create_task(task())
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} {h.state(t)} {labelled('cancel', h.call(t.cancel))}"


@case("cancel.self_then_await_task", pins=T + "test_cancel_awaited_task", needs="tasks",
      expect="state=cancelled nested:state=cancelled fut:state=cancelled",
      c_test="cancel_self_then_await_task")
def _(h):
    """A task that cancels itself and then awaits another task cancels that task too."""
    fut = h.loop.create_future()
    nested = []

    async def inner():
        await fut

    async def coro():
        nested.append(asyncio.create_task(inner()))
        await asyncio.sleep(0)
        task.cancel()
        await nested[0]
    task = h.loop.create_task(coro())
    h.call(h.loop.run_until_complete, task)
    return f"{h.state(task)} nested:{h.state(nested[0])} fut:{h.state(fut)}"


@case("cancel.through_awaited_coroutine", pins=T + "test_yield_future_passes_cancel",
      needs="tasks", expect="order=inner,outer state=finished waiter:state=cancelled",
      c_expect="order=outer state=finished waiter:state=pending",
      c_differs="gather-takes-futures", c_test="cancel_through_awaited_coroutine")
def _(h):
    """Cancelling a task reaches the future awaited by the coroutine it awaits; the task may catch
    it there."""
    waiter = h.loop.create_future()

    async def inner():
        try:
            await waiter
        except asyncio.CancelledError:
            h.log("inner")
            raise

    async def outer():
        try:
            await inner()
        except asyncio.CancelledError:
            h.log("outer")
    t = h.loop.create_task(outer())
    h.run_once()
    t.cancel()
    h.loop.run_until_complete(t)
    return f"{h.order()} {h.state(t)} waiter:{h.state(waiter)}"


@case("cancel.waiter_future_cancelled", pins=T + "test_task_cancel_waiter_future",
      needs="tasks", expect="fut:state=cancelled error=CancelledError",
      c_test="cancel_waiter_future_cancelled")
def _(h):
    """Cancelling a task that waits for a future cancels that future."""
    fut = h.loop.create_future()

    async def coro():
        await fut
    task = h.loop.create_task(coro())
    h.run_once()
    task.cancel()
    h.run_once()
    return f"fut:{h.state(fut)} {h.call(h.loop.run_until_complete, task)}"


@case("cancel.answered_with_error", pins=T + "test_baseexception_during_cancel", needs="tasks",
      expect="state=finished cancelled=False result=ValueError",
      c_test="cancel_answered_with_error")
def _(h):
    """A task that answers its cancellation by raising another exception ends with that exception,
    not cancelled."""
    async def notmuch():
        try:
            await forever(h)
        except asyncio.CancelledError:
            raise ValueError("boom")
    task = h.loop.create_task(notmuch())
    h.run_once()
    task.cancel()
    h.run_once()
    return f"{h.state(task)} cancelled={task.cancelled()} {h.call(task.exception)}"


@case("cancel.failed_task_silenced", pins=T + "test_tb_logger_not_called_after_cancel",
      needs="tasks", expect="cancel:result=False reported=none",
      c_test="cancel_failed_task_silenced")
async def _(h):
    """cancel() of a task that already failed returns False, and silences "exception was never
    retrieved"."""
    async def coro():
        raise TypeError
    task = asyncio.create_task(coro())
    await asyncio.sleep(0)
    outcome = labelled('cancel', h.call(task.cancel))
    del task
    return f"{outcome} {h.reported()}"


@case("cancel.cancelling_counts", pins=T + "test_cancelling", needs="tasks",
      expect="before:cancelling=0 first:result=True second:result=True cancelling=2 "
             "error=CancelledError", c_test="cancel_cancelling_counts")
def _(h):
    """cancelling() counts the cancel() requests; a second cancel() of a pending task returns
    True."""
    t = h.loop.create_task(forever(h))
    before = t.cancelling()
    first, second = h.call(t.cancel), h.call(t.cancel)
    count = t.cancelling()
    outcome = h.call(h.loop.run_until_complete, t)
    return (f"before:cancelling={before} {labelled('first', first)} "
            f"{labelled('second', second)} cancelling={count} {outcome}")


@case("cancel.cancelling_kept_when_done", pins=T + "test_uncancel_basic", needs="tasks",
      expect="state=cancelled cancelling=1", c_test="cancel_cancelling_kept_when_done")
def _(h):
    """cancelling() keeps its count after the task has ended cancelled."""
    t = h.loop.create_task(forever(h))
    h.run_once()
    t.cancel()
    h.call(h.loop.run_until_complete, t)
    return f"{h.state(t)} cancelling={t.cancelling()}"


@case("cancel.uncancel_when_done", pins=T + "test_uncancel_basic", needs="tasks",
      expect="result=0 state=cancelled", c_test="cancel_uncancel_when_done")
def _(h):
    """uncancel() of a task that ended cancelled lowers the count but leaves it cancelled."""
    t = h.loop.create_task(forever(h))
    h.run_once()
    t.cancel()
    h.call(h.loop.run_until_complete, t)
    return f"{h.call(t.uncancel)} {h.state(t)}"


@case("cancel.uncancel_then_go_on", pins=T + "test_uncancel_basic", needs="tasks",
      expect="first:cancelling=1 order=caught after:cancelling=0 after:state=pending "
             "error=CancelledError state=cancelled", c_test="cancel_uncancel_then_go_on")
def _(h):
    """A task that catches a cancellation and uncancels itself waits again; the next cancel() ends
    it."""
    async def task():
        try:
            await forever(h)
        except asyncio.CancelledError:
            h.log("caught")
            asyncio.current_task().uncancel()
            await forever(h)
    t = h.loop.create_task(task())
    h.run_once()
    t.cancel()
    first = t.cancelling()
    h.run_once()
    after = f"after:cancelling={t.cancelling()} after:{h.state(t)}"
    t.cancel()
    outcome = h.call(h.loop.run_until_complete, t)
    return f"first:cancelling={first} {h.order()} {after} {outcome} {h.state(t)}"


@case("cancel.uncancel_before_step", pins=T + "test_uncancel_resets_must_cancel",
      needs="tasks",
      expect={"3.11": "cancelling=0 error=CancelledError", "3.13": "cancelling=0 result=42"},
      c_test="cancel_uncancel_before_step")
def _(h):
    """uncancel() right after cancel(), before the task runs again: does the cancellation still
    land?"""
    fut = h.loop.create_future()

    async def coro():
        await fut
        return 42
    task = h.loop.create_task(coro())
    h.run_once()
    fut.set_result(None)
    task.cancel()
    task.uncancel()
    count = task.cancelling()
    return f"cancelling={count} {h.call(h.loop.run_until_complete, task)}"


@case("cancel.structured_timeout_block", pins=T + "test_uncancel_structured_blocks",
      needs="timers", expect="result=[True,False,True] cancelling=0 t=0.100",
      c_test="cancel_structured_timeout_block")
def _(h):
    """A timeout made of call_later, cancel() and uncancel() turns the cancellation into
    TimeoutError, and the task goes on."""
    async def make_request_with_timeout(sleep, timeout):
        task = asyncio.current_task()
        timed_out = structured_block_finished = False

        def on_timeout():
            nonlocal timed_out
            timed_out = True
            task.cancel()
        timeout_handle = h.loop.call_later(timeout, on_timeout)
        try:
            try:
                await asyncio.sleep(sleep)
                structured_block_finished = True
            except asyncio.CancelledError:
                if timed_out and task.uncancel() == 0:
                    raise TimeoutError
                raise
            finally:
                timeout_handle.cancel()
        except TimeoutError:
            pass
        outer_code_reached = True
        await asyncio.sleep(0)
        return [timed_out, structured_block_finished, outer_code_reached]
    t = h.loop.create_task(make_request_with_timeout(10.0, 0.1))
    outcome = h.call(h.loop.run_until_complete, t)
    return f"{outcome} cancelling={t.cancelling()} {h.t()}"
