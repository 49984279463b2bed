"""asyncio_bench.py: the CPython asyncio side of scripts/bench.

  python3 asyncio_bench.py call_soon N     ns per callback rescheduling itself
  python3 asyncio_bench.py timers N        ns per timer: N call_at with random
                                           deadlines in the last millisecond
                                           (already due), until all have fired
  python3 asyncio_bench.py task_switch N   ns per `await asyncio.sleep(0)` of one task
  python3 asyncio_bench.py task_bytes N    bytes per task suspended in Event.wait(),
                                           from tracemalloc

Prints one number. Times are time.perf_counter_ns() around the loop run; the
loop is asyncio.new_event_loop() (the selector loop on Linux).
"""
import asyncio
import random
import sys
import time
import tracemalloc


def call_soon(n):
    loop = asyncio.new_event_loop()
    count = 0

    def again():
        nonlocal count
        count += 1
        if count < n:
            loop.call_soon(again)
        else:
            loop.stop()

    start = time.perf_counter_ns()
    loop.call_soon(again)
    loop.run_forever()
    elapsed = time.perf_counter_ns() - start
    loop.close()
    return elapsed / n


def timers(n):
    loop = asyncio.new_event_loop()
    rng = random.Random(8)
    count = 0

    def fired():
        nonlocal count
        count += 1
        if count == n:
            loop.stop()

    start = time.perf_counter_ns()
    now = loop.time()
    for _ in range(n):
        loop.call_at(now - rng.random() * 0.001, fired)
    loop.run_forever()
    elapsed = time.perf_counter_ns() - start
    loop.close()
    assert count == n
    return elapsed / n


def task_switch(n):
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)

    loop = asyncio.new_event_loop()
    start = time.perf_counter_ns()
    loop.run_until_complete(yielder())
    elapsed = time.perf_counter_ns() - start
    loop.close()
    return elapsed / n


def task_bytes(n):
    async def waiter(event):
        await event.wait()

    async def main():
        event = asyncio.Event()
        tasks = []
        await asyncio.sleep(0)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            tasks.append(asyncio.create_task(waiter(event)))
        await asyncio.sleep(0)          # every task runs to its await
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        event.set()
        await asyncio.gather(*tasks)
        return (after - before) / n

    return asyncio.run(main())


if __name__ == "__main__":
    mode, n = sys.argv[1], int(sys.argv[2])
    print(f"{globals()[mode](n):.1f}")
