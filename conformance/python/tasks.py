"""tasks: asyncio.Task, a coroutine driven by the loop, of chapter 4.

When a task's first step runs, what its coroutine's return and raise
become, what awaiting a task does, what a task refuses (set_result from
outside, awaiting itself, a future of another loop), and what the loop
reports about tasks nobody looked after. Cancellation has its own file.
"""
import asyncio

from harness import case, labelled

T = "test_tasks.py::"


async def returns(value):
    return value


async def raises():
    raise ValueError("boom")


@case("task.return_is_result", pins=T + "test_task_class", needs="tasks",
      expect="result=ok state=finished", c_test="task_return_is_result")
def _(h):
    """The coroutine's return value becomes the task's result."""
    task = h.loop.create_task(returns("ok"))
    outcome = h.call(h.loop.run_until_complete, task)
    return f"{outcome} {h.state(task)}"


@case("task.awaits_coroutines_in_turn", pins=T + "test_task_basics", needs="tasks",
      expect="result=1042", c_test="task_awaits_coroutines_in_turn")
def _(h):
    """A coroutine awaiting two others gets each one's return value in turn."""
    async def outer():
        return await returns(42) + await returns(1000)
    return h.call(h.loop.run_until_complete, h.loop.create_task(outer()))


@case("task.first_step_not_inline", pins=T + "test_bare_create_task", needs="tasks",
      expect="order=created,inner result=1", c_test="task_first_step_not_inline")
async def _(h):
    """create_task does not run the coroutine: its first step runs once the creator waits."""
    async def inner():
        h.log("inner")
        return 1
    task = asyncio.create_task(inner())
    h.log("created")
    outcome = await h.wait(task)
    return f"{h.order()} {outcome}"


@case("task.interleave_on_futures", pins=T + "test_current_task_with_interleaving_tasks",
      needs="tasks", expect="order=task1,task2,task1,task2", c_test="task_interleave_on_futures")
def _(h):
    """Two tasks handing futures to each other run in turn, each resuming where it waited."""
    fut1, fut2 = h.loop.create_future(), h.loop.create_future()

    async def coro1():
        h.log("task1")
        await fut1
        h.log("task1")
        fut2.set_result(True)

    async def coro2():
        h.log("task2")
        fut1.set_result(True)
        await fut2
        h.log("task2")
    task1, task2 = h.loop.create_task(coro1()), h.loop.create_task(coro2())
    h.loop.run_until_complete(task2)
    return h.order() if task1.done() else "task1 still pending"


@case("task.current_task_is_itself", pins=T + "test_current_task", needs="tasks",
      expect="result=True", c_test="task_current_task_is_itself")
def _(h):
    """Inside its coroutine, current_task() is the task itself."""
    async def coro():
        return asyncio.current_task() is task
    task = h.loop.create_task(coro())
    return h.call(h.loop.run_until_complete, task)


@case("task.raise_is_exception", pins=T + "test_exception_traceback", needs="tasks",
      expect="state=finished result=ValueError", c_test="task_raise_is_exception")
async def _(h):
    """A coroutine's exception becomes the task's; one iteration is enough to see it."""
    task = asyncio.create_task(raises())
    await asyncio.sleep(0)
    return f"{h.state(task)} {h.call(task.exception)}"


@case("task.resumes_after_set_result", pins=T + "test_step_result_future", needs="tasks",
      expect="state=finished result=7", c_test="task_resumes_after_set_result")
def _(h):
    """A task awaiting a future finishes in the one iteration after the future's set_result."""
    fut = h.loop.create_future()

    async def wait_for_future():
        return await fut
    task = h.loop.create_task(wait_for_future())
    h.run_once()
    fut.set_result(7)
    h.run_once()
    return f"{h.state(task)} {h.call(task.result)}"


@case("task.await_done_task_at_once", pins="test_futures.py::test_yield_from_twice",
      needs="tasks", expect="iterations=0 result=7", c_test="task_await_done_task_at_once")
async def _(h):
    """await of a task that is already done returns its result at once: no loop iteration."""
    task = asyncio.create_task(returns(7))
    await task
    h.tick_start()
    outcome = await h.wait(task)
    return f"{h.iterations()} {outcome}"


@case("task.await_failed_task_each_time", pins="test_futures2.py::test_future_traceback",
      needs="tasks", expect="order=ValueError,ValueError,ValueError",
      c_test="task_await_failed_task_each_time")
async def _(h):
    """Every await of a failed task raises its exception again."""
    task = asyncio.create_task(raises())
    for _ in range(3):
        try:
            await task
        except ValueError as exc:
            h.log(type(exc).__name__)
    return h.order()


@case("task.set_result_from_outside", pins=T + "test_task_set_methods", needs="tasks",
      expect="set_result:error=RuntimeError result=ko", c_test="task_set_result_from_outside")
def _(h):
    """Task.set_result from outside raises RuntimeError; the coroutine's own result stands."""
    task = h.loop.create_task(returns("ko"))
    refused = labelled("set_result", h.call(task.set_result, "ok"))
    return f"{refused} {h.call(h.loop.run_until_complete, task)}"


@case("task.set_exception_from_outside", pins=T + "test_task_set_methods", needs="tasks",
      expect="set_exception:error=RuntimeError result=ko", c_test="task_set_exception_from_outside")
def _(h):
    """Task.set_exception from outside raises RuntimeError; the coroutine's own result stands."""
    task = h.loop.create_task(returns("ko"))
    refused = labelled("set_exception", h.call(task.set_exception, ValueError("boom")))
    return f"{refused} {h.call(h.loop.run_until_complete, task)}"


@case("task.await_itself", pins=T + "test_task_awaits_on_itself", needs="tasks",
      expect="error=RuntimeError state=finished", c_test="task_await_itself")
def _(h):
    """A task that awaits itself fails with RuntimeError."""
    async def coro():
        await task
    task = h.loop.create_task(coro())
    return f"{h.call(h.loop.run_until_complete, task)} {h.state(task)}"


@case("task.await_other_loop_future", pins=T + "test_other_loop_future", needs="tasks",
      expect="error=RuntimeError other:state=pending", c_test="task_await_other_loop_future")
def _(h):
    """A task that awaits a future of another loop fails with RuntimeError."""
    other = h.new_loop()
    fut = other.create_future()

    async def run():
        await fut
    outcome = h.call(h.loop.run_until_complete, run())
    return f"{outcome} other:{h.state(fut)}"


@case("task.unread_failure_reported",
      pins="test_futures2.py::test_task_exc_handler_correct_context", needs="tasks",
      expect="reported=never_retrieved", c_test="task_unread_failure_reported")
async def _(h):
    """A task that fails with nobody holding it is reported: "exception was never retrieved"."""
    asyncio.create_task(raises())
    await asyncio.sleep(0)
    return h.reported()


@case("task.destroyed_pending_reported", pins=T + "test_log_destroyed_pending_task",
      needs="tasks", expect="state=pending reported=destroyed_pending",
      c_expect="state=pending reported=none reported=destroyed_pending",
      c_differs="reports-when-freed", c_test="task_destroyed_pending_reported")
def _(h):
    """A pending task that nothing refers to any more is reported when it is destroyed."""
    async def kill_me():
        await h.loop.create_future()   # nobody else holds it, nobody will set it
    task = h.loop.create_task(kill_me())
    h.run_once()
    state = h.state(task)
    del task
    return f"{state} {h.reported()}"


@case("task.future_set_result_underneath", pins=T + "test_set_result_causes_invalid_state",
      needs="tasks", expect="result=spam reported=callback_raised",
      c_test="task_future_set_result_underneath")
def _(h):
    """Future.set_result on a task, going around Task's refusal, finishes it; its pending step then
    fails and is reported."""
    coro = returns(10)
    task = h.loop.create_task(coro)
    asyncio.Future.set_result(task, "spam")
    outcome = h.call(h.loop.run_until_complete, task)
    coro.close()
    return f"{outcome} {h.reported()}"


@case("task.future_set_exception_underneath",
      pins=T + "test_set_exception_causes_invalid_state", needs="tasks",
      expect="error=ValueError msg=boom reported=callback_raised",
      c_test="task_future_set_exception_underneath")
def _(h):
    """Future.set_exception on a task, going around Task's refusal, fails it; its pending step then
    fails and is reported."""
    coro = returns(10)
    task = h.loop.create_task(coro)
    asyncio.Future.set_exception(task, ValueError("boom"))
    outcome = h.call(h.loop.run_until_complete, task)
    coro.close()
    return f"{outcome} {h.reported()}"
