"""queues: Queue, LifoQueue and PriorityQueue (chapter 7).

The three orders, maxsize's backpressure, put_nowait and get_nowait when
full or empty, task_done and join, and what happens to an item or a slot
when the getter or putter that was woken for it is cancelled before it
runs: nothing is lost, nothing is put twice.
"""
import asyncio

from harness import case

Q = "test_queues.py::"


async def drain(q, n):
    return [await q.get() for _ in range(n)]


@case("queue.fifo_order", pins=Q + "test_order", needs="coordination",
      expect="result=[1,3,2]",
      c_test="queue_fifo_order")
async def _(h):
    """A Queue gives items back first in, first out."""
    q = asyncio.Queue()
    for i in (1, 3, 2):
        await q.put(i)
    return f"result=[{','.join(map(str, await drain(q, 3)))}]"


@case("queue.lifo_order", pins=Q + "test_order", needs="coordination",
      expect="result=[2,3,1]",
      c_test="queue_lifo_order")
async def _(h):
    """A LifoQueue gives items back last in, first out."""
    q = asyncio.LifoQueue()
    for i in (1, 3, 2):
        await q.put(i)
    return f"result=[{','.join(map(str, await drain(q, 3)))}]"


@case("queue.priority_order", pins=Q + "test_order", needs="coordination",
      expect="result=[1,2,3]",
      c_test="queue_priority_order")
async def _(h):
    """A PriorityQueue gives the smallest item first."""
    q = asyncio.PriorityQueue()
    for i in (1, 3, 2):
        await q.put(i)
    return f"result=[{','.join(map(str, await drain(q, 3)))}]"


@case("queue.maxsize_holds_the_producer", pins=Q + "test_maxsize",
      needs="coordination", expect="order=put0,put1,|,|,got0,put2,|",
      c_test="queue_maxsize_holds_the_producer")
async def _(h):
    """put() waits while the queue holds maxsize items; a get() lets the next one in."""
    q = asyncio.Queue(maxsize=2)

    async def putter():
        for i in range(3):
            await q.put(i)
            h.log(f"put{i}")
    asyncio.create_task(putter())
    for _ in range(2):
        await asyncio.sleep(0)
        h.log("|")
    h.log(f"got{await q.get()}")
    await asyncio.sleep(0)
    h.log("|")
    return h.order()


@case("queue.get_nowait_empty", pins=Q + "test_nonblocking_get_exception",
      needs="coordination", expect="error=QueueEmpty",
      c_test="queue_get_nowait_empty")
def _(h):
    """get_nowait() on an empty queue raises QueueEmpty."""
    return h.call(asyncio.Queue().get_nowait)


@case("queue.put_nowait_full", pins=Q + "test_nonblocking_put_exception",
      needs="coordination", expect="error=QueueFull",
      c_test="queue_put_nowait_full")
def _(h):
    """put_nowait() on a full queue raises QueueFull."""
    q = asyncio.Queue(maxsize=1)
    q.put_nowait(1)
    return h.call(q.put_nowait, 2)


@case("queue.task_done_too_many", pins=Q + "test_task_done_underflow",
      needs="coordination", expect="error=ValueError",
      c_test="queue_task_done_too_many")
def _(h):
    """task_done() without an unfinished item raises ValueError."""
    return h.call(asyncio.Queue().task_done)


@case("queue.join_waits_for_task_done", pins=Q + "test_task_done",
      needs="coordination", expect="join:state=pending join:state=finished result=4950",
      c_test="queue_join_waits_for_task_done")
async def _(h):
    """join() returns once every item put has had its task_done()."""
    q = asyncio.Queue()
    total = []
    for i in range(100):
        q.put_nowait(i)

    async def worker():
        while True:
            total.append(await q.get())
            if len(total) < 100:
                q.task_done()
    workers = [asyncio.create_task(worker()) for _ in range(2)]
    join = asyncio.create_task(q.join())
    for _ in range(60):
        await asyncio.sleep(0)
    before = h.state(join)
    q.task_done()
    await asyncio.sleep(0)
    outcome = f"join:{before} join:{h.state(join)} result={sum(total)}"
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return outcome


@case("queue.join_empty_at_once", pins=Q + "test_join_empty_queue",
      needs="coordination", expect="result=None iterations=0",
      c_test="queue_join_empty_at_once")
async def _(h):
    """join() on a queue with nothing unfinished returns without waiting."""
    q = asyncio.Queue()
    h.tick_start()
    outcome = await h.wait(q.join())
    return f"{outcome} {h.iterations()}"


@case("queue.woken_getter_cancelled_keeps_the_item",
      pins=Q + "test_get_cancel_drop_one_pending_reader", needs="coordination",
      expect="reader:state=cancelled result=[1,2]",
      c_test="queue_woken_getter_cancelled_keeps_the_item")
async def _(h):
    """A getter woken for an item and cancelled before it runs does not lose the item."""
    q = asyncio.Queue()
    reader = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.put_nowait(1)
    q.put_nowait(2)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    return f"reader:{h.state(reader)} result=[{','.join(map(str, await drain(q, 2)))}]"


@case("queue.woken_putter_cancelled_puts_nothing",
      pins=Q + "test_put_cancel_drop", needs="coordination",
      expect="writer:state=cancelled result=0 result=False",
      c_test="queue_woken_putter_cancelled_puts_nothing")
async def _(h):
    """A putter woken by a get and cancelled before it runs puts nothing, and frees the slot."""
    q = asyncio.Queue(maxsize=1)
    q.put_nowait(1)
    writer = asyncio.create_task(q.put(2))
    await asyncio.sleep(0)
    q.get_nowait()
    writer.cancel()
    await asyncio.gather(writer, return_exceptions=True)
    return f"writer:{h.state(writer)} {h.call(q.qsize)} {h.call(q.full)}"


@case("queue.put_with_a_waiting_getter", pins=Q + "test_put_with_waiting_getters",
      needs="coordination", expect="result=1 result=a",
      c_expect="result=0 result=a", c_differs="queue-hand-over",
      c_test="queue_put_with_a_waiting_getter")
async def _(h):
    """put() with a getter waiting leaves the item in the queue until the getter runs."""
    q = asyncio.Queue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.put_nowait("a")
    size = h.call(q.qsize)
    return f"{size} {await h.wait(getter)}"
