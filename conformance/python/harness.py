"""harness: how a conformance case runs, and the words its outcome is made of.

A case is one behaviour of asyncio, pinned by a test of CPython's own suite,
written as a small function that returns its OUTCOME STRING: a few tokens
separated by single spaces. The same behaviour written in C against a
chapter's core prints the same string, and scripts/conformance compares both
with the expectation recorded in the case. So everything here is kept to
ideas a C program can copy: a clock that is a counter, a list of words, a
callback that counts loop iterations, a handler that records reports.

The outcome vocabulary (fixed; a C case prints exactly these):

  result=<value>       what a call returned, or a future's result: an int,
                       a word, None, True/False, an exception's class name,
                       or a list written [a,b,c]
  error=<Class>        the exception a call or an await raised (ValueError,
                       CancelledError, InvalidStateError, TimeoutError, ...)
  msg=<text>           after error=, when the exception carries a one-word
                       message (the cases' own messages are one word: "boom"
                       for a user error, "stop" for a cancellation)
  state=<s>            a future or task: pending, cancelled or finished
  cancelled=<b>        what cancelled() says: True or False
  cancelling=<n>       what Task.cancelling() says
  iterations=<n>       loop iterations, counted by a callback that
                       schedules itself again with call_soon each time
  t=<seconds>          the virtual clock, three decimals (t=0.100)
  order=<a,b,c>        the event log: the words the case logged, in order
                       (order= alone when nothing was logged)
  reported=<names>     what the loop's exception handler heard, in order:
                       never_retrieved ("... exception was never retrieved"),
                       destroyed_pending ("Task was destroyed but it is
                       pending!"), callback_raised ("Exception in callback
                       ..."), other; reported=none when a case checks for
                       silence

A token may carry a label saying which object or which call it is about,
when a case looks at more than one: "inner:state=cancelled" (the inner
future's state), "cancel:result=False" (what cancel() returned). User
errors are ValueError("boom") unless a case needs a second class (then
RuntimeError).

Interface:
  case(...)            the decorator that registers a case (CASES)
  VirtualTimeLoop      a SelectorEventLoop whose clock only moves when the
                       loop would wait; no case ever sleeps for real
  Harness              what a case gets: the loop, log, ticker, reports,
                       and the formatting of outcome tokens
  run_case(case)       run one case on a fresh loop; its outcome string
  expected(expect, version)   the expectation that holds for a version
"""
import asyncio
import gc
import inspect
import selectors
from dataclasses import dataclass, field

# The first C chapter whose core can express a case (chapter 3 has
# futures, 4 adds tasks and gather, 5 adds timers, sleep and wait_for, 7
# the coordination primitives, task groups, timeout scopes and waits).
NEEDS = {"futures": 3, "tasks": 4, "timers": 5, "coordination": 7}
OLDEST = (3, 11)   # the oldest asyncio the suite knows; expect dicts start here


@dataclass
class Case:
    """One behaviour: its id, the CPython test that pins it, what it needs
    in C, and the outcome expected under each Python version (and in C)."""
    id: str
    pins: tuple
    needs: str
    expect: dict          # "3.11" -> outcome, first version where it holds
    fn: object
    what: str
    area: str
    c_expect: object = None   # str, or {"05": ...} by first chapter; None: 3.12's
    c_differs: str = None     # anchor on docs/asyncio-differences.md
    c_test: str = None        # the C function that runs it, for the docs page
    is_async: bool = field(default=False)


CASES = []


def _version_key(text):
    """ "3.12" -> (3, 12), for ordering expect keys."""
    return tuple(int(part) for part in text.split("."))


def case(id, *, pins, needs, expect, c_expect=None, c_differs=None, c_test=None):
    """Register the decorated function as a case.

    PINS is "file.py::test_name" (or a tuple of them); EXPECT is one outcome
    string for every version, or a dict from the first version where an
    outcome holds to that outcome ({"3.11": "result=1", "3.12": "error=X"}:
    3.12's applies to 3.12 and every later version). The first paragraph of
    the function's docstring says what it shows; it is an `async def` when the
    case runs inside a task, a plain `def` for loop-level cases.

    The C side's three fields stay None until a chapter runs the case:
    C_EXPECT when C's outcome is not the 3.12 one (one string, or a dict
    from the first chapter where an outcome holds, {"04": ..., "05": ...}),
    C_DIFFERS the anchor on docs/asyncio-differences.md that explains why,
    and C_TEST the C function that runs the case, for the docs page.
    """
    if needs not in NEEDS:
        raise ValueError(f"{id}: needs must be one of {', '.join(NEEDS)}")
    if isinstance(expect, str):
        expect = {"3.11": expect}
    if _version_key(min(expect, key=_version_key)) != OLDEST:
        raise ValueError(f"{id}: an expect dict starts at 3.11")
    pins = (pins,) if isinstance(pins, str) else tuple(pins)

    def register(fn):
        what = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
        if not what:
            raise ValueError(f"{id}: the case needs a docstring saying what it shows")
        if any(c.id == id for c in CASES):
            raise ValueError(f"{id}: registered twice")
        area = fn.__module__.rsplit(".", 1)[-1]
        CASES.append(Case(id, pins, needs, expect, fn, what, area, c_expect, c_differs,
                          c_test, inspect.iscoroutinefunction(fn)))
        return fn
    return register


def expected(expect, version):
    """The outcome EXPECT records for VERSION, a (major, minor) tuple."""
    holds = [key for key in expect if _version_key(key) <= tuple(version[:2])]
    return expect[max(holds, key=_version_key)] if holds else None


# ---------------------------------------------------------------- the loop

class LoopWouldBlock(Exception):
    """The loop asked to wait forever outside run_until_idle: a case that
    would hang fails at once instead."""


class VirtualSelector(selectors.BaseSelector):
    """A selector with no events: asked to wait T seconds, it moves the
    loop's clock T seconds on and returns at once. Asked to wait forever
    (nothing ready, no timer), it stops the loop in idle mode and refuses
    otherwise."""

    def __init__(self):
        self.now = 0.0
        self.stop_when_idle = None    # the loop to stop, in run_until_idle
        self._keys = {}

    def register(self, fileobj, events, data=None):
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        key = selectors.SelectorKey(fileobj, fd, events, data)
        self._keys[fileobj] = key
        return key

    def unregister(self, fileobj):
        return self._keys.pop(fileobj)

    def get_map(self):
        return self._keys

    def select(self, timeout=None):
        if timeout is None:
            if self.stop_when_idle is None:
                raise LoopWouldBlock("the loop would wait forever: nothing ready, no timer")
            self.stop_when_idle.stop()
        else:
            self.now += timeout
        return []

    def close(self):
        self._keys.clear()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """asyncio's own selector loop, on a clock that starts at 0 and moves
    only while the loop waits for its next timer."""

    def __init__(self):
        super().__init__(selector=VirtualSelector())

    def time(self):
        return self._selector.now


# ---------------------------------------------------------------- outcome words

REPORTS = (("exception was never retrieved", "never_retrieved"),
           ("Task was destroyed but it is pending", "destroyed_pending"),
           ("Exception in callback", "callback_raised"))


def report_name(message):
    """The short name of an exception handler's message."""
    for words, name in REPORTS:
        if words in message:
            return name
    return "other"


def value(v):
    """A result as an outcome word."""
    if isinstance(v, BaseException):
        return type(v).__name__
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(value(item) for item in v) + "]"
    if isinstance(v, float):
        return f"{v:.3f}"
    text = str(v)
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"a result must be one word, not {text!r}")
    return text


def error(exc):
    """error=<Class>, and msg=<text> when the message is one word."""
    text = str(exc.args[0]) if exc.args and exc.args[0] is not None else ""
    if text and not any(ch.isspace() for ch in text):
        return f"error={type(exc).__name__} msg={text}"
    return f"error={type(exc).__name__}"


def labelled(label, tokens):
    """Prefix every token of TOKENS with LABEL: ("inner", "state=x")."""
    return " ".join(f"{label}:{token}" for token in tokens.split())


class Harness:
    """What a case works with. One per case, on a loop of its own."""

    TICK_LIMIT = 10_000   # a ticker this busy is a case that never settles

    def __init__(self):
        self._loops = []
        self.reports = []
        self.loop = self.new_loop()
        self.words = []
        self.ticks = 0
        self._tick_handle = None

    def new_loop(self):
        """A virtual-time loop whose reports this harness records (the
        case's own loop, or a second one for cross-loop cases)."""
        loop = VirtualTimeLoop()
        loop.set_exception_handler(lambda _loop, context: self.reports.append(
            report_name(context.get("message", ""))))
        self._loops.append(loop)
        return loop

    # The event log.
    def log(self, word):
        self.words.append(str(word))

    def order(self):
        return "order=" + ",".join(self.words)

    # The iteration counter: a callback that counts itself and comes back
    # with call_soon, once per loop iteration, until iterations() stops it.
    def tick_start(self):
        self.ticks = 0
        self._tick_handle = self.loop.call_soon(self._tick)

    def _tick(self):
        self.ticks += 1
        if self.ticks > self.TICK_LIMIT:
            raise RuntimeError("the ticker ran away: the case never settles")
        self._tick_handle = self.loop.call_soon(self._tick)

    def iterations(self):
        """iterations=N: how many iterations began since tick_start."""
        self._tick_handle.cancel()
        return f"iterations={self.ticks}"

    # Running the loop.
    def run_once(self):
        """Run exactly one loop iteration (stop is the last ready callback)."""
        self.loop.call_soon(self.loop.stop)
        self.loop.run_forever()

    def run_until_idle(self):
        """Run, timers included, until nothing is ready and no timer is set."""
        self.loop._selector.stop_when_idle = self.loop
        try:
            self.loop.run_forever()
        finally:
            self.loop._selector.stop_when_idle = None

    # Outcome tokens.
    def t(self):
        return f"t={self.loop.time():.3f}"

    @staticmethod
    def state(fut):
        if not fut.done():
            return "state=pending"
        return "state=cancelled" if fut.cancelled() else "state=finished"

    @staticmethod
    def call(fn, *args):
        """result=... or error=...: what calling FN(*ARGS) did."""
        try:
            return "result=" + value(fn(*args))
        except BaseException as exc:   # CancelledError is a BaseException
            return error(exc)

    @staticmethod
    async def wait(awaitable):
        """result=... or error=...: what awaiting AWAITABLE gave."""
        try:
            return "result=" + value(await awaitable)
        except BaseException as exc:
            return error(exc)

    def reported(self):
        """reported=...: collect garbage (finalizers report there), then
        every report since the last call, or reported=none."""
        gc.collect()
        names, self.reports = self.reports, []
        return "reported=" + (",".join(names) if names else "none")

    def close(self):
        for loop in self._loops:
            if not loop.is_closed():
                loop.close()


def run_case(c):
    """Run case C on a fresh loop; its outcome string. A case that raises
    gets "raised <Class>: <text>", which never matches an expectation."""
    h = Harness()
    asyncio.set_event_loop(h.loop)
    try:
        if c.is_async:
            main = h.loop.create_task(c.fn(h))
            try:
                outcome = h.loop.run_until_complete(main)
            finally:
                del main
        else:
            outcome = c.fn(h)
        if not isinstance(outcome, str):
            outcome = " ".join(outcome)
        # Closing the loops drops what they still hold, so a task the case
        # left pending is destroyed, and reported, now. Reports the case did
        # not read become part of its outcome, which then matches nothing.
        h.close()
        unread = h.reported()
        return outcome if unread == "reported=none" else f"{outcome} {unread}"
    except (Exception, asyncio.CancelledError) as exc:
        return f"raised {type(exc).__name__}: {exc}"
    finally:
        asyncio.set_event_loop(None)
        h.close()
