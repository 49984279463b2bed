"""taskgroups: TaskGroup, structured concurrency (chapter 7).

The block waits for every task; the first failure cancels the others and
the block's own await, and the errors come out together; a cancellation
from outside cancels every task and goes on up; the group takes back its
own cancel of the parent; no task starts once the group is shutting down
or finished.
"""
import asyncio

from harness import case

G = "test_taskgroups.py::"


async def sleeper(h, name, delay, fail=False):
    """Sleep DELAY; then fail, or log NAME. A cancellation is logged NAME!"""
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        h.log(f"{name}!")
        raise
    if fail:
        raise ValueError("boom")
    h.log(name)


def cancelled(h):
    """result=[...]: the words logged, sorted: a group cancels its tasks in
    no particular order (they are a set)."""
    return "result=[" + ",".join(sorted(h.words)) + "]"


def errors(group):
    """result=[Class,...]: the classes in an exception group."""
    return "result=[" + ",".join(type(e).__name__ for e in group.exceptions) + "]"


@case("taskgroup.exit_waits_for_every_task", pins=G + "test_taskgroup_01",
      needs="coordination", expect="order=a,b t=0.200",
      c_test="taskgroup_exit_waits_for_every_task")
async def _(h):
    """The end of the block waits until every task of the group is done."""
    async with asyncio.TaskGroup() as g:
        g.create_task(sleeper(h, "a", 0.1))
        g.create_task(sleeper(h, "b", 0.2))
    return f"{h.order()} {h.t()}"


@case("taskgroup.first_failure_cancels_the_rest", pins=G + "test_cancel_children_on_child_error",
      needs="coordination", expect="error=ExceptionGroup result=[ValueError] order=slow!,body! "
      "t=0.100",
      c_test="taskgroup_first_failure_cancels_the_rest")
async def _(h):
    """A failing task cancels its siblings and the block's own await; the error comes out grouped."""
    try:
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "bad", 0.1, fail=True))
            g.create_task(sleeper(h, "slow", 5))
            await sleeper(h, "body", 10)
    except ExceptionGroup as group:
        return f"error=ExceptionGroup {errors(group)} {h.order()} {h.t()}"


@case("taskgroup.every_error_is_kept", pins=G + "test_taskgroup_04", needs="coordination",
      expect="error=ExceptionGroup result=[ValueError,ValueError]",
      c_test="taskgroup_every_error_is_kept")
async def _(h):
    """Tasks failing in the same iteration each add their error to the group."""
    try:
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "x", 1, fail=True))
            g.create_task(sleeper(h, "y", 1, fail=True))
    except ExceptionGroup as group:
        return f"error=ExceptionGroup {errors(group)}"


@case("taskgroup.parent_cancel_taken_back", pins=G + "test_taskgroup_context_manager_exit_raises",
      needs="coordination", expect="error=ExceptionGroup cancelling=0",
      c_test="taskgroup_parent_cancel_taken_back")
async def _(h):
    """The group's own cancel of its parent is taken back (uncancel) at the end of the block."""
    try:
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "bad", 0.1, fail=True))
            await asyncio.sleep(10)
    except ExceptionGroup:
        return f"error=ExceptionGroup cancelling={asyncio.current_task().cancelling()}"


@case("taskgroup.cancelled_from_outside", pins=G + "test_taskgroup_07", needs="coordination",
      expect="error=CancelledError result=[a!,b!,body!] cancelling=1",
      c_test="taskgroup_cancelled_from_outside")
async def _(h):
    """Cancelled from outside, the group cancels its tasks and the cancellation goes on up."""
    seen = []

    async def runner():
        try:
            async with asyncio.TaskGroup() as g:
                g.create_task(sleeper(h, "a", 5))
                g.create_task(sleeper(h, "b", 5))
                await sleeper(h, "body", 10)
        finally:
            seen.append(asyncio.current_task().cancelling())
    r = asyncio.create_task(runner())
    await asyncio.sleep(0.1)
    r.cancel()
    outcome = await h.wait(r)
    return f"{outcome} {cancelled(h)} cancelling={seen[0]}"


@case("taskgroup.cancelled_while_exiting", pins=G + "test_cancellation", needs="coordination",
      expect="error=CancelledError result=[a!,b!] t=0.100",
      c_test="taskgroup_cancelled_while_exiting")
async def _(h):
    """Cancelled while the block's end waits, the group still waits for its cancelled tasks."""
    async def runner():
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "a", 5))
            g.create_task(sleeper(h, "b", 5))
    r = asyncio.create_task(runner())
    await asyncio.sleep(0.1)
    r.cancel()
    outcome = await h.wait(r)
    return f"{outcome} {cancelled(h)} {h.t()}"


@case("taskgroup.error_in_the_block", pins=G + "test_taskgroup_10", needs="coordination",
      expect="error=ExceptionGroup result=[ZeroDivisionError] order=a!",
      c_test="taskgroup_error_in_the_block")
async def _(h):
    """An error in the block itself cancels the tasks and joins the group's errors."""
    try:
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "a", 5))
            await asyncio.sleep(0)
            1 / 0
    except ExceptionGroup as group:
        return f"error=ExceptionGroup {errors(group)} {h.order()}"


@case("taskgroup.no_task_while_shutting_down",
      pins=G + "test_taskgroup_no_create_task_after_failure", needs="coordination",
      expect="error=RuntimeError",
      c_test="taskgroup_no_task_while_shutting_down")
async def _(h):
    """create_task() on a group that is shutting down after a failure is a RuntimeError."""
    refused = []

    async def latecomer(g):
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            coro = asyncio.sleep(0)
            refused.append(h.call(g.create_task, coro))
            coro.close()
            raise
    try:
        async with asyncio.TaskGroup() as g:
            g.create_task(sleeper(h, "bad", 0.1, fail=True))
            g.create_task(latecomer(g))
    except ExceptionGroup:
        pass
    return refused[0]


@case("taskgroup.no_task_once_finished", pins=G + "test_taskgroup_finished",
      needs="coordination", expect="error=RuntimeError",
      c_test="taskgroup_no_task_once_finished")
async def _(h):
    """create_task() on a group whose block is over is a RuntimeError."""
    g = asyncio.TaskGroup()
    async with g:
        pass
    coro = asyncio.sleep(0)
    outcome = h.call(g.create_task, coro)
    coro.close()
    return outcome
