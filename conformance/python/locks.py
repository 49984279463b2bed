"""locks: Lock, Event, Condition, Semaphore and Barrier (chapter 7).

Who gets a lock and when: first come, first served, each waiter one
iteration after the release that woke it; a waiter cancelled while it
waits, or just after it was woken, passes its turn on. An Event wakes
every waiter; a Condition wait returns only with the lock held, even when
cancelled; a Semaphore hands its slot over as it wakes a waiter; a
Barrier's index is its arrival count.
"""
import asyncio

from harness import case

L = "test_locks.py::"


async def take(h, primitive, name, hold=False):
    """Acquire PRIMITIVE, log NAME, and release it unless HOLD."""
    await primitive.acquire()
    h.log(name)
    if not hold:
        primitive.release()


async def tick(h):
    """One iteration, from the case's task, marked in the log."""
    await asyncio.sleep(0)
    h.log("|")


# ---- Lock --------------------------------------------------------------

@case("lock.first_come_first_served", pins=L + "test_acquire", needs="coordination",
      expect="order=|,c1,|,|,c2,|,c3,|",
      c_test="lock_first_come_first_served")
async def _(h):
    """Waiters get the lock in the order they asked, each one iteration after the release."""
    lock = asyncio.Lock()
    await lock.acquire()
    for name in ("c1", "c2"):
        asyncio.create_task(take(h, lock, name, hold=True))
    await tick(h)
    lock.release()
    await tick(h)
    await tick(h)
    asyncio.create_task(take(h, lock, "c3", hold=True))
    lock.release()
    await tick(h)
    lock.release()
    await tick(h)
    return h.order()


@case("lock.release_unlocked", pins=L + "test_release_not_acquired", needs="coordination",
      expect="error=RuntimeError",
      c_test="lock_release_unlocked")
def _(h):
    """Releasing a lock nobody holds is a RuntimeError."""
    return h.call(asyncio.Lock().release)


@case("lock.free_until_the_woken_waiter_runs", pins=L + "test_cancel_race",
      needs="coordination", expect="locked:result=False late:state=pending locked:result=True "
      "late:state=pending",
      c_test="lock_free_until_the_woken_waiter_runs")
async def _(h):
    """After a release the lock is free until the woken waiter runs, yet no newcomer may take it."""
    lock = asyncio.Lock()
    await lock.acquire()
    asyncio.create_task(take(h, lock, "w", hold=True))
    await asyncio.sleep(0)
    lock.release()
    free = h.call(lock.locked)
    late = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    outcome = f"locked:{free} late:{h.state(late)} locked:{h.call(lock.locked)} late:{h.state(late)}"
    late.cancel()
    await asyncio.sleep(0)
    return outcome


@case("lock.cancelled_waiter_leaves", pins=L + "test_acquire_cancel", needs="coordination",
      expect="q:state=cancelled order=p",
      c_test="lock_cancelled_waiter_leaves")
async def _(h):
    """A waiter cancelled while it waits leaves the line; the lock goes to the next."""
    lock = asyncio.Lock()
    await lock.acquire()
    quitter = asyncio.create_task(take(h, lock, "q"))
    asyncio.create_task(take(h, lock, "p"))
    await asyncio.sleep(0)
    quitter.cancel()
    await asyncio.sleep(0)
    lock.release()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return f"q:{h.state(quitter)} {h.order()}"


@case("lock.woken_then_cancelled_passes_turn", pins=L + "test_cancel_release_race",
      needs="coordination", expect="A:state=cancelled order=B locked:result=False",
      c_test="lock_woken_then_cancelled_passes_turn")
async def _(h):
    """A waiter woken by a release and cancelled before it runs passes its turn to the next."""
    lock = asyncio.Lock()
    await lock.acquire()
    a = asyncio.create_task(take(h, lock, "A"))
    b = asyncio.create_task(take(h, lock, "B"))
    await asyncio.sleep(0)
    lock.release()
    a.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    return f"A:{h.state(a)} {h.order()} locked:{h.call(lock.locked)}"


@case("lock.cancelled_first_waiter_passes_turn", pins=L + "test_finished_waiter_cancelled",
      needs="coordination", expect="locked:result=True B:state=cancelled C:state=finished",
      c_test="lock_cancelled_first_waiter_passes_turn")
async def _(h):
    """The first waiter cancelled just before a release: the next one still gets the lock."""
    lock = asyncio.Lock()
    await lock.acquire()
    tb = asyncio.create_task(lock.acquire())
    await asyncio.sleep(0)
    tc = asyncio.create_task(lock.acquire())
    tb.cancel()
    lock.release()
    await asyncio.sleep(0)
    locked = h.call(lock.locked)
    await asyncio.gather(tb, tc, return_exceptions=True)
    return f"locked:{locked} B:{h.state(tb)} C:{h.state(tc)}"


# ---- Event -------------------------------------------------------------

@case("event.set_wakes_every_waiter", pins=L + "test_wait", needs="coordination",
      expect="order=|,c3,c1,c2,|",
      c_test="event_set_wakes_every_waiter")
async def _(h):
    """set() wakes every waiter; one that waits after it does not wait at all."""
    ev = asyncio.Event()

    async def waiter(name):
        await ev.wait()
        h.log(name)
    asyncio.create_task(waiter("c1"))
    asyncio.create_task(waiter("c2"))
    await tick(h)
    asyncio.create_task(waiter("c3"))
    ev.set()
    await tick(h)
    return h.order()


@case("event.wait_on_set", pins=L + "test_wait_on_set", needs="coordination",
      expect="result=True",
      c_test="event_wait_on_set")
async def _(h):
    """Waiting on a set event returns True at once."""
    ev = asyncio.Event()
    ev.set()
    return await h.wait(ev.wait())


@case("event.clear_after_set_wakes_anyway", pins=L + "test_clear_with_waiters",
      needs="coordination", expect="result=False order=c1",
      c_test="event_clear_after_set_wakes_anyway")
async def _(h):
    """A waiter woken by set() goes on even if clear() comes before it runs."""
    ev = asyncio.Event()

    async def waiter():
        await ev.wait()
        h.log("c1")
    asyncio.create_task(waiter())
    await asyncio.sleep(0)
    ev.set()
    ev.clear()
    flag = h.call(ev.is_set)
    await asyncio.sleep(0)
    return f"{flag} {h.order()}"


# ---- Condition ---------------------------------------------------------

async def cond_waiter(h, cond, name):
    async with cond:
        await cond.wait()
        h.log(name)


@case("condition.notify_wakes_in_order", pins=L + "test_notify", needs="coordination",
      expect="order=|,c1,|,c2,c3,|",
      c_expect="order=|,|,c1,|", c_differs="condition-wait-chained",
      c_test="condition_notify_wakes_in_order")
async def _(h):
    """notify(n) wakes the n oldest waits; each returns with the lock, in turn."""
    cond = asyncio.Condition()
    for name in ("c1", "c2", "c3"):
        asyncio.create_task(cond_waiter(h, cond, name))
    await tick(h)
    async with cond:
        cond.notify(1)
    await tick(h)
    async with cond:
        cond.notify(1)
        cond.notify(2048)
    await tick(h)
    return h.order()


@case("condition.cancelled_wait_holds_the_lock", pins=L + "test_wait_cancel",
      needs="coordination", expect="error=CancelledError locked:result=True",
      c_test="condition_cancelled_wait_holds_the_lock")
async def _(h):
    """A cancelled wait still takes the lock back before it raises."""
    cond = asyncio.Condition()
    await cond.acquire()
    wait = asyncio.create_task(cond.wait())
    asyncio.get_running_loop().call_soon(wait.cancel)
    outcome = await h.wait(wait)
    return f"{outcome} locked:{h.call(cond.locked)}"


@case("condition.notified_then_cancelled", pins=L + "test_wait_cancel_after_notify",
      needs="coordination", expect={"3.11": "order=a! b:state=pending",
                                    "3.13": "order=a!,b b:state=finished"},
      c_test="condition_notified_then_cancelled")
async def _(h):
    """A wait notified, then cancelled before it runs: 3.12 loses the notification, 3.13 passes it on."""
    cond = asyncio.Condition()

    async def waiter(name):
        async with cond:
            try:
                await cond.wait()
                h.log(name)
            except asyncio.CancelledError:
                h.log(f"{name}!")
                raise
    a = asyncio.create_task(waiter("a"))
    b = asyncio.create_task(waiter("b"))
    await asyncio.sleep(0)
    async with cond:
        cond.notify(1)
    a.cancel()
    for _ in range(5):
        await asyncio.sleep(0)
    outcome = f"{h.order()} b:{h.state(b)}"
    b.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    return outcome


@case("condition.wait_needs_the_lock", pins=L + "test_wait_unacquired", needs="coordination",
      expect="error=RuntimeError",
      c_test="condition_wait_needs_the_lock")
async def _(h):
    """wait() without the lock is a RuntimeError."""
    return await h.wait(asyncio.Condition().wait())


@case("condition.notify_needs_the_lock", pins=L + "test_notify_unacquired",
      needs="coordination", expect="error=RuntimeError",
      c_test="condition_notify_needs_the_lock")
def _(h):
    """notify() without the lock is a RuntimeError."""
    return h.call(asyncio.Condition().notify)


@case("condition.wait_for_predicate", pins=L + "test_wait_for", needs="coordination",
      expect="order=|,|,c1",
      c_test="condition_wait_for_predicate")
async def _(h):
    """wait_for(predicate) waits again after a notify while the predicate is false."""
    cond = asyncio.Condition()
    ready = []

    async def waiter():
        async with cond:
            await cond.wait_for(lambda: ready)
            h.log("c1")
    asyncio.create_task(waiter())
    await tick(h)
    async with cond:
        cond.notify()
    await tick(h)
    ready.append(True)
    async with cond:
        cond.notify()
    await asyncio.sleep(0)
    return h.order()


# ---- Semaphore ---------------------------------------------------------

@case("semaphore.release_hands_the_slot_over", pins=L + "test_acquire", needs="coordination",
      expect="result=0 order=1,|,2,3",
      c_test="semaphore_release_hands_the_slot_over")
async def _(h):
    """Two releases hand both slots to waiters at once: the counter stays 0."""
    sem = asyncio.Semaphore(3)
    await sem.acquire()
    await sem.acquire()
    for name in ("1", "2", "3"):
        asyncio.create_task(take(h, sem, name, hold=True))
    await tick(h)
    newcomer = asyncio.create_task(take(h, sem, "4", hold=True))
    sem.release()
    sem.release()
    value = h.call(lambda: sem._value)
    await asyncio.sleep(0)
    newcomer.cancel()
    await asyncio.sleep(0)
    return f"{value} {h.order()}"


@case("semaphore.cancelled_before_awoken", pins=L + "test_acquire_cancel_before_awoken",
      needs="coordination", expect="t3:state=finished t4:state=pending",
      c_test="semaphore_cancelled_before_awoken")
async def _(h):
    """Two waiters cancelled before a release: the third gets the slot, the fourth waits."""
    sem = asyncio.Semaphore(0)
    t = [asyncio.create_task(sem.acquire()) for _ in range(4)]
    await asyncio.sleep(0)
    t[0].cancel()
    t[1].cancel()
    sem.release()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    outcome = f"t3:{h.state(t[2])} t4:{h.state(t[3])}"
    t[3].cancel()
    await asyncio.sleep(0)
    return outcome


@case("semaphore.woken_then_cancelled_gives_back", pins=L + "test_acquire_hang",
      needs="coordination", expect="A:state=cancelled order=B locked:result=False",
      c_test="semaphore_woken_then_cancelled_gives_back")
async def _(h):
    """A slot handed to a waiter cancelled before it runs goes to the next waiter."""
    sem = asyncio.Semaphore(1)
    await sem.acquire()
    a = asyncio.create_task(take(h, sem, "A"))
    b = asyncio.create_task(take(h, sem, "B"))
    await asyncio.sleep(0)
    sem.release()
    a.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    sem.release()
    return f"A:{h.state(a)} {h.order()} locked:{h.call(sem.locked)}"


@case("semaphore.fifo_after_release", pins=L + "test_acquire_fifo_order_2",
      needs="coordination", expect="order=1,2,3,4",
      c_test="semaphore_fifo_after_release")
async def _(h):
    """A task that releases and acquires again goes behind the waiters."""
    sem = asyncio.Semaphore(1)

    async def again():
        await sem.acquire()
        h.log("2")
        sem.release()
        await sem.acquire()
        h.log("4")
    tasks = [asyncio.create_task(take(h, sem, "1", hold=True)), asyncio.create_task(again()),
             asyncio.create_task(take(h, sem, "3", hold=True))]
    await asyncio.sleep(0)
    sem.release()
    sem.release()
    await asyncio.gather(*tasks)
    return h.order()


@case("semaphore.bounded_refuses_extra_release", pins=L + "test_release_not_acquired",
      needs="coordination", expect="error=ValueError",
      c_test="semaphore_bounded_refuses_extra_release")
def _(h):
    """A BoundedSemaphore released past its start raises ValueError."""
    return h.call(asyncio.BoundedSemaphore().release)


@case("semaphore.plain_release_goes_up", pins=L + "test_release_no_waiters",
      needs="coordination", expect="result=2",
      c_test="semaphore_plain_release_goes_up")
def _(h):
    """A plain Semaphore released with nobody waiting counts up, past its start."""
    sem = asyncio.Semaphore(1)
    sem.release()
    return h.call(lambda: sem._value)


# ---- Barrier -----------------------------------------------------------

@case("barrier.indices_are_arrival_order", pins=L + "test_filling_tasks_check_return_value",
      needs="coordination", expect="result=[0,1,2] n_waiting:result=0",
      c_test="barrier_indices_are_arrival_order")
async def _(h):
    """N waits pass together; each returns its arrival index."""
    barrier = asyncio.Barrier(3)
    indices = await asyncio.gather(*(barrier.wait() for _ in range(3)))
    return f"result=[{','.join(map(str, sorted(indices)))}] n_waiting:result={barrier.n_waiting}"


@case("barrier.cancelled_wait_leaves", pins=L + "test_filling_tasks_cancel_one",
      needs="coordination", expect="t1:state=cancelled result=[1,1,2]",
      c_test="barrier_cancelled_wait_leaves")
async def _(h):
    """A cancelled wait leaves; its place, and its index, go to the next arrival."""
    barrier = asyncio.Barrier(3)
    t1 = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    t2 = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    t1.cancel()
    await asyncio.sleep(0)
    t3 = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    t4 = asyncio.create_task(barrier.wait())
    indices = await asyncio.gather(t2, t3, t4)
    return f"t1:{h.state(t1)} result=[{','.join(map(str, indices))}]"


@case("barrier.abort_breaks_it", pins=L + "test_abort_barrier", needs="coordination",
      expect="error=BrokenBarrierError error=BrokenBarrierError broken:result=True",
      c_test="barrier_abort_breaks_it")
async def _(h):
    """abort() breaks the waits under way and every later one."""
    barrier = asyncio.Barrier(3)
    waiting = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    await barrier.abort()
    first = await h.wait(waiting)
    later = await h.wait(barrier.wait())
    return f"{first} {later} broken:result={barrier.broken}"


@case("barrier.reset_breaks_one_round", pins=L + "test_reset_barrier_while_tasks_waiting",
      needs="coordination", expect="error=BrokenBarrierError broken:result=False "
      "n_waiting:result=0",
      c_test="barrier_reset_breaks_one_round")
async def _(h):
    """reset() fails the waits under way; the barrier is ready again, not broken."""
    barrier = asyncio.Barrier(3)
    waiting = asyncio.create_task(barrier.wait())
    await asyncio.sleep(0)
    await barrier.reset()
    outcome = await h.wait(waiting)
    return f"{outcome} broken:result={barrier.broken} n_waiting:result={barrier.n_waiting}"
