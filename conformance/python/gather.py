"""gather: one future for many, over futures and tasks (chapter 4).

Results in argument order whatever the finishing order, the first error
without return_exceptions and every outcome with it, and the two ways a
gather meets cancellation: a child cancelled (the gather FAILS with
CancelledError, it is not cancelled itself), or the gather cancelled (it
cancels its children, then ends the same way).
"""
import asyncio

from harness import case, labelled

T = "test_tasks.py::"


def futures(h, n):
    return [h.loop.create_future() for _ in range(n)]


def watched(h, gathering):
    """Log "done" when the gather's own done-callback runs."""
    gathering.add_done_callback(lambda _: h.log("done"))
    return gathering


@case("gather.results_in_argument_order", pins=T + "test_success", needs="tasks",
      expect="first:state=pending state=finished result=[2,1,3] order=done",
      c_test="gather_results_in_argument_order")
def _(h):
    """gather's result lists the children's results in argument order, once all are done."""
    a, b, c = futures(h, 3)
    gathering = watched(h, asyncio.gather(a, b, c))
    b.set_result(1)
    a.set_result(2)
    h.run_until_idle()
    first = h.state(gathering)
    c.set_result(3)
    h.run_until_idle()
    return f"first:{first} {h.state(gathering)} {h.call(gathering.result)} {h.order()}"


@case("gather.return_exceptions_all_results", pins=T + "test_result_exception_success",
      needs="tasks", expect="state=finished result=[2,1,3] order=done",
      c_test="gather_return_exceptions_all_results")
def _(h):
    """With return_exceptions=True and no error, the result is the same list."""
    a, b, c = futures(h, 3)
    gathering = watched(h, asyncio.gather(a, b, c, return_exceptions=True))
    b.set_result(1)
    a.set_result(2)
    c.set_result(3)
    h.run_until_idle()
    return f"{h.state(gathering)} {h.call(gathering.result)} {h.order()}"


@case("gather.first_error_fails_it", pins=T + "test_one_exception", needs="tasks",
      expect="state=finished error=ValueError msg=boom order=done",
      c_test="gather_first_error_fails_it")
def _(h):
    """The first child error fails the gather at once; later children change nothing."""
    a, b, c, d, e = futures(h, 5)
    gathering = watched(h, asyncio.gather(a, b, c, d, e))
    a.set_result(1)
    b.set_exception(ValueError("boom"))
    h.run_until_idle()
    outcome = f"{h.state(gathering)} {h.call(gathering.result)}"
    c.set_result(3)
    d.cancel()
    e.set_exception(RuntimeError("boom"))
    e.exception()
    h.run_until_idle()
    return f"{outcome} {h.order()}"


@case("gather.return_exceptions_lists_them", pins=T + "test_return_exceptions", needs="tasks",
      expect="first:state=pending result=[3,1,ValueError,RuntimeError] order=done",
      c_test="gather_return_exceptions_lists_them")
def _(h):
    """With return_exceptions=True, errors take their place in the result list."""
    a, b, c, d = futures(h, 4)
    gathering = watched(h, asyncio.gather(a, b, c, d, return_exceptions=True))
    b.set_result(1)
    c.set_exception(ValueError("boom"))
    a.set_result(3)
    h.run_until_idle()
    first = h.state(gathering)
    d.set_exception(RuntimeError("boom"))
    h.run_until_idle()
    return f"first:{first} {h.call(gathering.result)} {h.order()}"


@case("gather.return_exceptions_marks_read", pins=T + "test_return_exceptions",
      needs="tasks", expect="result=[ValueError,RuntimeError] reported=none",
      c_test="gather_return_exceptions_marks_read")
def _(h):
    """With return_exceptions=True, the children's errors count as read: nothing is reported."""
    a, b = futures(h, 2)
    gathering = asyncio.gather(a, b, return_exceptions=True)
    a.set_exception(ValueError("boom"))
    b.set_exception(RuntimeError("boom"))
    h.run_until_idle()
    outcome = h.call(gathering.result)
    del a, b, gathering
    return f"{outcome} {h.reported()}"


@case("gather.child_cancelled", pins=T + "test_one_cancellation", needs="tasks",
      expect="state=finished cancelled=False error=CancelledError order=done",
      c_test="gather_child_cancelled")
def _(h):
    """A cancelled child makes the gather FINISHED with a CancelledError, not cancelled."""
    a, b, c, d, e = futures(h, 5)
    gathering = watched(h, asyncio.gather(a, b, c, d, e))
    a.set_result(1)
    b.cancel()
    h.run_until_idle()
    outcome = (f"{h.state(gathering)} cancelled={gathering.cancelled()} "
               f"{h.call(gathering.result)}")
    c.set_result(3)
    d.cancel()
    e.set_exception(RuntimeError("boom"))
    e.exception()
    h.run_until_idle()
    return f"{outcome} {h.order()}"


@case("gather.return_exceptions_child_cancelled",
      pins=T + "test_result_exception_one_cancellation", needs="tasks",
      expect="first:state=pending "
             "result=[1,ValueError,CancelledError,3,CancelledError,RuntimeError] order=done",
      c_test="gather_return_exceptions_child_cancelled")
def _(h):
    """With return_exceptions=True, a cancelled child is a CancelledError in the list."""
    a, b, c, d, e, f = futures(h, 6)
    gathering = watched(h, asyncio.gather(a, b, c, d, e, f, return_exceptions=True))
    a.set_result(1)
    b.set_exception(ValueError("boom"))
    c.cancel()
    h.run_until_idle()
    first = h.state(gathering)
    d.set_result(3)
    e.cancel()
    f.set_exception(RuntimeError("boom"))
    return f"first:{first} {h.call(h.loop.run_until_complete, gathering)} {h.order()}"


@case("gather.cancel_reaches_children", pins=T + "test_cancellation_broadcast", needs="tasks",
      expect="error=CancelledError gather:state=finished gather:cancelled=False "
             "cancel:result=False waiter:state=cancelled child1:state=cancelled "
             "child2:state=cancelled order=", c_test="gather_cancel_reaches_children")
def _(h):
    """Cancelling a task that awaits a gather cancels every child; the gather ends FINISHED with
    CancelledError."""
    waiter = h.loop.create_future()
    gatherer = []

    async def inner():
        await waiter
        h.log("inner")
    child1, child2 = h.loop.create_task(inner()), h.loop.create_task(inner())

    async def outer():
        gatherer.append(asyncio.gather(child1, child2))
        await gatherer[0]
        h.log("outer")
    f = h.loop.create_task(outer())
    h.run_once()
    f.cancel()
    outcome = h.call(h.loop.run_until_complete, f)
    g = gatherer[0]
    h.run_once()
    return (f"{outcome} gather:{h.state(g)} gather:cancelled={g.cancelled()} "
            f"{labelled('cancel', h.call(g.cancel))} waiter:{h.state(waiter)} "
            f"child1:{h.state(child1)} child2:{h.state(child2)} {h.order()}")


@case("gather.cancel_it_directly", pins=T + "test_cancellation_broadcast", needs="tasks",
      expect="cancel:result=True state=finished cancelled=False error=CancelledError "
             "a:state=cancelled b:state=cancelled", c_test="gather_cancel_it_directly")
def _(h):
    """cancel() of a gather returns True, cancels its children, and the gather ends FINISHED with
    CancelledError."""
    a, b = futures(h, 2)
    gathering = asyncio.gather(a, b)
    accepted = labelled("cancel", h.call(gathering.cancel))
    h.run_until_idle()
    return (f"{accepted} {h.state(gathering)} cancelled={gathering.cancelled()} "
            f"{h.call(gathering.result)} a:{h.state(a)} b:{h.state(b)}")


@case("gather.cancel_after_children_done", pins=T + "test_cancel_gather_1", needs="tasks",
      expect="cancel:result=False cancelled=False result=[42]",
      c_test="gather_cancel_after_children_done")
def _(h):
    """Once every child is done, cancel() of the gather returns False and its result stands."""
    fut = h.loop.create_future()

    async def child():
        return await fut
    gathering = []

    async def create():
        gathering.append(asyncio.ensure_future(asyncio.gather(child())))
    h.loop.run_until_complete(create())
    gather_task = gathering[0]
    refused = []
    fut.add_done_callback(lambda _: refused.append(labelled("cancel", h.call(gather_task.cancel))))
    fut.set_result(42)
    h.loop.run_until_complete(gather_task)
    return f"{refused[0]} cancelled={gather_task.cancelled()} {h.call(gather_task.result)}"


@case("gather.children_of_two_loops", pins=T + "test_constructor_heterogenous_futures",
      needs="tasks", expect="error=ValueError", c_test="gather_children_of_two_loops")
def _(h):
    """gather of futures that belong to two different loops raises ValueError."""
    other = h.new_loop()
    fut1, fut2 = h.loop.create_future(), other.create_future()
    outcome = h.call(asyncio.gather, fut1, fut2)
    fut1.cancel()
    fut2.cancel()
    return outcome


@case("gather.empty", pins=T + "test_constructor_empty_sequence_use_running_loop",
      needs="tasks", expect="state=finished result=[]", c_test="gather_empty")
async def _(h):
    """gather() of nothing is a future already done with an empty list."""
    gathering = asyncio.gather()
    return f"{h.state(gathering)} {h.call(gathering.result)}"


@case("gather.exception_marking", pins=T + "test_exception_marking", needs="tasks",
      expect="error=RuntimeError msg=ignored reported=none", c_test="gather_exception_marking")
def _(h):
    """Without return_exceptions, the errors of children after the first count as read too: nothing
    is reported."""
    a, b = futures(h, 2)

    async def inner(f):
        await f
        raise RuntimeError("ignored")

    async def outer():
        await asyncio.gather(inner(a), inner(b))
    f = h.loop.create_task(outer())
    h.run_once()
    a.set_result(None)
    h.run_once()
    b.set_result(None)
    h.run_once()
    h.run_until_idle()
    outcome = h.call(f.result)
    del f
    return f"{outcome} {h.reported()}"


@case("gather.cancel_message_to_caller", pins=T + "test_cancel_gather_2", needs="timers",
      expect="error=CancelledError msg=stop t=0.200", c_test="gather_cancel_message_to_caller")
def _(h):
    """A task cancelled with a message while it awaits a gather raises CancelledError(msg) to
    whoever awaits it."""
    async def test():
        time = 0
        while True:
            time += 0.05
            await asyncio.gather(asyncio.sleep(0.05), return_exceptions=True)
            if time > 1:
                return

    async def main():
        qwe = asyncio.create_task(test())
        await asyncio.sleep(0.2)
        qwe.cancel("stop")
        await qwe
    return f"{h.call(h.loop.run_until_complete, main())} {h.t()}"
