"""futures: asyncio.Future on its own, the promise of chapter 3.

States and what each method says in each state, done-callbacks (when they
run, in which order, how they are removed), and the "exception was never
retrieved" report of a failed future nobody read. Most cases are plain
functions: chapter 3 has futures but no coroutines. The few that await run
inside a task and need chapter 4.
"""
from harness import case, labelled

T = "test_futures.py::"


def failed(h):
    """A future of H's loop that failed with the user error."""
    fut = h.loop.create_future()
    fut.set_exception(ValueError("boom"))
    return fut


# ---------------------------------------------------------------- states

@case("future.new_is_pending", pins=T + "test_initial_state", needs="futures",
      expect="state=pending cancelled=False", c_test="future_new_is_pending")
def _(h):
    """A new future is pending and not cancelled."""
    fut = h.loop.create_future()
    outcome = f"{h.state(fut)} cancelled={fut.cancelled()}"
    fut.cancel()
    return outcome


@case("future.set_result_finishes", pins=T + "test_result", needs="futures",
      expect="state=finished cancelled=False result=42", c_test="future_set_result_finishes")
def _(h):
    """set_result makes the future finished, and result() returns the value."""
    fut = h.loop.create_future()
    fut.set_result(42)
    return f"{h.state(fut)} cancelled={fut.cancelled()} {h.call(fut.result)}"


@case("future.result_while_pending", pins=T + "test_result", needs="futures",
      expect="error=InvalidStateError", c_test="future_result_while_pending")
def _(h):
    """result() of a pending future raises InvalidStateError."""
    fut = h.loop.create_future()
    outcome = h.call(fut.result)
    fut.cancel()
    return outcome


@case("future.exception_while_pending", pins=T + "test_exception", needs="futures",
      expect="error=InvalidStateError", c_test="future_exception_while_pending")
def _(h):
    """exception() of a pending future raises InvalidStateError."""
    fut = h.loop.create_future()
    outcome = h.call(fut.exception)
    fut.cancel()
    return outcome


@case("future.exception_after_result", pins=T + "test_result", needs="futures",
      expect="result=None", c_test="future_exception_after_result")
def _(h):
    """exception() of a future that finished with a result is None."""
    fut = h.loop.create_future()
    fut.set_result(42)
    return h.call(fut.exception)


@case("future.set_exception_finishes", pins=T + "test_exception", needs="futures",
      expect="state=finished cancelled=False", c_test="future_set_exception_finishes")
def _(h):
    """set_exception makes the future finished, not cancelled."""
    fut = failed(h)
    outcome = f"{h.state(fut)} cancelled={fut.cancelled()}"
    fut.exception()
    return outcome


@case("future.result_raises_exception", pins=T + "test_exception", needs="futures",
      expect="error=ValueError msg=boom", c_test="future_result_raises_exception")
def _(h):
    """result() of a failed future raises its exception."""
    return h.call(failed(h).result)


@case("future.exception_returns_exception", pins=T + "test_exception", needs="futures",
      expect="result=ValueError", c_test="future_exception_returns_exception")
def _(h):
    """exception() of a failed future returns the exception, without raising."""
    return h.call(failed(h).exception)


@case("future.set_result_twice", pins=T + "test_result", needs="futures",
      expect="set_result:error=InvalidStateError result=1", c_test="future_set_result_twice")
def _(h):
    """A second set_result raises InvalidStateError and keeps the first value."""
    fut = h.loop.create_future()
    fut.set_result(1)
    return f"{labelled('set_result', h.call(fut.set_result, 2))} {h.call(fut.result)}"


@case("future.set_exception_after_result", pins=T + "test_result", needs="futures",
      expect="set_exception:error=InvalidStateError result=1",
      c_test="future_set_exception_after_result")
def _(h):
    """set_exception on a finished future raises InvalidStateError."""
    fut = h.loop.create_future()
    fut.set_result(1)
    refused = h.call(fut.set_exception, ValueError('boom'))
    return f"{labelled('set_exception', refused)} {h.call(fut.result)}"


@case("future.set_result_after_exception", pins=T + "test_exception", needs="futures",
      expect="error=InvalidStateError", c_test="future_set_result_after_exception")
def _(h):
    """set_result on a failed future raises InvalidStateError."""
    fut = failed(h)
    outcome = h.call(fut.set_result, 1)
    fut.exception()
    return outcome


# ---------------------------------------------------------------- cancel

@case("future.cancel_pending", pins=T + "test_cancel", needs="futures",
      expect="cancel:result=True state=cancelled cancelled=True", c_test="future_cancel_pending")
def _(h):
    """cancel() of a pending future returns True; the future is cancelled, and done."""
    fut = h.loop.create_future()
    return f"{labelled('cancel', h.call(fut.cancel))} {h.state(fut)} cancelled={fut.cancelled()}"


@case("future.cancel_twice", pins=T + "test_cancel", needs="futures",
      expect="cancel:result=False state=cancelled", c_test="future_cancel_twice")
def _(h):
    """A second cancel() returns False."""
    fut = h.loop.create_future()
    fut.cancel()
    return f"{labelled('cancel', h.call(fut.cancel))} {h.state(fut)}"


@case("future.cancel_after_result", pins=T + "test_result", needs="futures",
      expect="cancel:result=False state=finished result=42", c_test="future_cancel_after_result")
def _(h):
    """cancel() of a finished future returns False and changes nothing."""
    fut = h.loop.create_future()
    fut.set_result(42)
    return f"{labelled('cancel', h.call(fut.cancel))} {h.state(fut)} {h.call(fut.result)}"


@case("future.cancel_after_exception", pins=T + "test_exception", needs="futures",
      expect="cancel:result=False state=finished error=ValueError msg=boom",
      c_test="future_cancel_after_exception")
def _(h):
    """cancel() of a failed future returns False; the error stays."""
    fut = failed(h)
    return f"{labelled('cancel', h.call(fut.cancel))} {h.state(fut)} {h.call(fut.result)}"


@case("future.result_after_cancel", pins=T + "test_cancel", needs="futures",
      expect="error=CancelledError", c_test="future_result_after_cancel")
def _(h):
    """result() of a cancelled future raises CancelledError."""
    fut = h.loop.create_future()
    fut.cancel()
    return h.call(fut.result)


@case("future.exception_after_cancel", pins=T + "test_cancel", needs="futures",
      expect="error=CancelledError", c_test="future_exception_after_cancel")
def _(h):
    """exception() of a cancelled future raises CancelledError (it does not return it)."""
    fut = h.loop.create_future()
    fut.cancel()
    return h.call(fut.exception)


@case("future.set_result_after_cancel", pins=T + "test_cancel", needs="futures",
      expect="set_result:error=InvalidStateError state=cancelled",
      c_test="future_set_result_after_cancel")
def _(h):
    """set_result on a cancelled future raises InvalidStateError."""
    fut = h.loop.create_future()
    fut.cancel()
    return f"{labelled('set_result', h.call(fut.set_result, 1))} {h.state(fut)}"


@case("future.set_exception_after_cancel", pins=T + "test_cancel", needs="futures",
      expect="set_exception:error=InvalidStateError state=cancelled",
      c_test="future_set_exception_after_cancel")
def _(h):
    """set_exception on a cancelled future raises InvalidStateError."""
    fut = h.loop.create_future()
    fut.cancel()
    refused = h.call(fut.set_exception, ValueError('boom'))
    return f"{labelled('set_exception', refused)} {h.state(fut)}"


@case("future.cancel_message_kept", pins=T + "test_future_cancel_message_getter",
      needs="futures", expect="error=CancelledError msg=stop", c_test="future_cancel_message_kept")
def _(h):
    """A future cancelled with a message raises CancelledError carrying it from
    run_until_complete."""
    fut = h.loop.create_future()
    fut.cancel("stop")
    return h.call(h.loop.run_until_complete, fut)


@case("future.copy_state_result", pins=T + "test_copy_state", needs="timers",
      expect="state=finished result=10", c_test="future_copy_state_result")
def _(h):
    """Copying a finished future's state finishes the copy with the same result."""
    from asyncio.futures import _copy_future_state
    source, copy = h.loop.create_future(), h.loop.create_future()
    source.set_result(10)
    _copy_future_state(source, copy)
    return f"{h.state(copy)} {h.call(copy.result)}"


@case("future.copy_state_cancelled", pins=T + "test_copy_state", needs="timers",
      expect="state=cancelled", c_test="future_copy_state_cancelled")
def _(h):
    """Copying a cancelled future's state cancels the copy."""
    from asyncio.futures import _copy_future_state
    source, copy = h.loop.create_future(), h.loop.create_future()
    source.cancel()
    _copy_future_state(source, copy)
    return h.state(copy)


# ---------------------------------------------------------------- done-callbacks

@case("future.callbacks_in_order", pins=T + "test_callbacks_invoked_on_set_result",
      needs="futures", expect="order=42,17", c_test="future_callbacks_in_order")
def _(h):
    """Done-callbacks run in the order they were added."""
    fut = h.loop.create_future()
    fut.add_done_callback(lambda f: h.log(42))
    fut.add_done_callback(lambda f: h.log(17))
    fut.set_result("foo")
    h.run_once()
    return h.order()


@case("future.callback_one_iteration_later", pins=T + "test_callbacks_invoked_on_set_result",
      needs="futures", expect="order=set,cb iterations=1",
      c_test="future_callback_one_iteration_later")
def _(h):
    """A done-callback is not called by set_result: the loop calls it, in the next iteration."""
    fut = h.loop.create_future()
    seen = []
    fut.add_done_callback(lambda f: (h.log("cb"), seen.append(h.iterations())))
    h.tick_start()
    fut.set_result("foo")
    h.log("set")
    h.run_once()
    return f"{h.order()} {seen[0]}"


@case("future.callbacks_on_set_exception", pins=T + "test_callbacks_invoked_on_set_exception",
      needs="futures", expect="order=cb result=ValueError",
      c_test="future_callbacks_on_set_exception")
def _(h):
    """Done-callbacks run when the future fails, too."""
    fut = h.loop.create_future()
    fut.add_done_callback(lambda f: h.log("cb"))
    fut.set_exception(ValueError("boom"))
    h.run_once()
    return f"{h.order()} {h.call(fut.exception)}"


@case("future.remove_first_callback", pins=T + "test_callbacks_remove_first_callback",
      needs="futures", expect="order=17,100", c_test="future_remove_first_callback")
def _(h):
    """Removing the first of three callbacks leaves the other two, in order."""
    fut = h.loop.create_future()
    cb1, cb2, cb3 = (lambda f: h.log(42)), (lambda f: h.log(17)), (lambda f: h.log(100))
    for cb in (cb1, cb2, cb3):
        fut.add_done_callback(cb)
    fut.remove_done_callback(cb1)
    fut.remove_done_callback(cb1)
    fut.set_result("foo")
    h.run_once()
    return h.order()


@case("future.remove_first_and_second_callback",
      pins=T + "test_callbacks_remove_first_and_second_callback", needs="futures",
      expect="order=100", c_test="future_remove_first_and_second_callback")
def _(h):
    """Removing the first two callbacks leaves the third."""
    fut = h.loop.create_future()
    cb1, cb2, cb3 = (lambda f: h.log(42)), (lambda f: h.log(17)), (lambda f: h.log(100))
    for cb in (cb1, cb2, cb3):
        fut.add_done_callback(cb)
    fut.remove_done_callback(cb1)
    fut.remove_done_callback(cb2)
    fut.remove_done_callback(cb1)
    fut.set_result("foo")
    h.run_once()
    return h.order()


@case("future.remove_third_callback", pins=T + "test_callbacks_remove_third_callback",
      needs="futures", expect="order=42,17", c_test="future_remove_third_callback")
def _(h):
    """Removing the last callback leaves the first two, in order."""
    fut = h.loop.create_future()
    cb1, cb2, cb3 = (lambda f: h.log(42)), (lambda f: h.log(17)), (lambda f: h.log(100))
    for cb in (cb1, cb2, cb3):
        fut.add_done_callback(cb)
    fut.remove_done_callback(cb3)
    fut.remove_done_callback(cb3)
    fut.set_result("foo")
    h.run_once()
    return h.order()


@case("future.remove_counts_every_copy", pins=T + "test_remove_done_callback",
      needs="futures", expect="order=removed1,removed0,removed6,cb2",
      c_test="future_remove_counts_every_copy")
def _(h):
    """remove_done_callback removes every registration of the callback and says how many."""
    fut = h.loop.create_future()
    cb1, cb2, cb3 = (lambda f: h.log("cb1")), (lambda f: h.log("cb2")), (lambda f: h.log("cb3"))
    fut.add_done_callback(cb1)
    fut.add_done_callback(cb2)
    h.log(f"removed{fut.remove_done_callback(cb2)}")
    h.log(f"removed{fut.remove_done_callback(cb3)}")
    fut.add_done_callback(cb2)
    for _ in range(5):
        fut.add_done_callback(cb1)
    h.log(f"removed{fut.remove_done_callback(cb1)}")
    fut.set_result("foo")
    h.run_once()
    return h.order()


# ---------------------------------------------------------------- never retrieved

@case("future.never_retrieved_reported",
      pins=(T + "test_future_exception_never_retrieved",
            T + "test_tb_logger_exception_unretrieved"), needs="futures",
      expect="reported=never_retrieved", c_test="future_never_retrieved_reported")
def _(h):
    """A failed future dropped without anyone reading its error is reported."""
    fut = failed(h)
    del fut
    return h.reported()


@case("future.retrieved_by_exception_silent", pins=T + "test_tb_logger_exception_retrieved",
      needs="futures", expect="reported=none", c_test="future_retrieved_by_exception_silent")
def _(h):
    """Reading the error with exception() silences the report."""
    fut = failed(h)
    fut.exception()
    del fut
    return h.reported()


@case("future.retrieved_by_result_silent",
      pins=T + "test_tb_logger_exception_result_retrieved", needs="futures",
      expect="error=ValueError msg=boom reported=none", c_test="future_retrieved_by_result_silent")
def _(h):
    """Reading the error through result() silences the report."""
    fut = failed(h)
    outcome = h.call(fut.result)
    del fut
    return f"{outcome} {h.reported()}"


@case("future.cancel_after_exception_silent", pins=T + "test_tb_logger_not_called_after_cancel",
      needs="futures", expect="cancel:result=False reported=none",
      c_test="future_cancel_after_exception_silent")
def _(h):
    """cancel() of a failed future returns False, yet silences "exception was never retrieved"."""
    fut = failed(h)
    outcome = labelled('cancel', h.call(fut.cancel))
    del fut
    return f"{outcome} {h.reported()}"


@case("future.unread_result_silent", pins=T + "test_tb_logger_result_unretrieved",
      needs="futures", expect="reported=none", c_test="future_unread_result_silent")
def _(h):
    """A result nobody read is never reported."""
    fut = h.loop.create_future()
    fut.set_result(42)
    del fut
    return h.reported()


@case("future.abandoned_pending_silent", pins=T + "test_tb_logger_abandoned",
      needs="futures", expect="reported=none", c_test="future_abandoned_pending_silent")
def _(h):
    """A pending future dropped before it is done is never reported."""
    fut = h.loop.create_future()
    del fut
    return h.reported()


# ---------------------------------------------------------------- awaiting

@case("future.await_done_returns_at_once", pins=T + "test_yield_from_twice", needs="tasks",
      expect="iterations=0 result=42", c_test="future_await_done_returns_at_once")
async def _(h):
    """await of a future that is already done returns its result at once: no loop iteration."""
    fut = h.loop.create_future()
    fut.set_result(42)
    h.tick_start()
    outcome = await h.wait(fut)
    return f"{h.iterations()} {outcome}"


@case("future.await_twice", pins=T + "test_yield_from_twice", needs="tasks",
      expect="first:iterations=2 second:iterations=0 result=42", c_test="future_await_twice")
async def _(h):
    """The first await of a pending future suspends until it is done; the second does not."""
    fut = h.loop.create_future()
    h.tick_start()
    h.loop.call_soon(fut.set_result, 42)
    await fut
    first = h.iterations()
    h.tick_start()
    outcome = await h.wait(fut)
    return f"{labelled('first', first)} {labelled('second', h.iterations())} {outcome}"


@case("future.await_failed_raises", pins=T + "test_tb_logger_exception_result_retrieved",
      needs="tasks",
      expect="error=ValueError msg=boom reported=none", c_test="future_await_failed_raises")
async def _(h):
    """await of a failed future raises its exception, which counts as read."""
    fut = failed(h)
    outcome = await h.wait(fut)
    del fut
    return f"{outcome} {h.reported()}"
