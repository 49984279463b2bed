"""bounded: run a command so that it ends, whatever it does. For scripts/check.

A learner's code may spin or wait forever, and `make check` must still end
within about a minute, leaving nothing behind. So the command runs:

  - in a process group of its own, so that the whole group can be killed
    at once;
  - with a wall-clock limit, after which the group is killed;
  - with an optional stop rule, tried on every line it prints (the check
    stops at the first test that times out);
  - and when we are told to stop (Ctrl-C, SIGTERM, SIGHUP), the group is
    killed before we go.

Killing the group is not enough: Criterion runs each test in a worker with
a process group of its own, which a killed runner would leave spinning. So
this process becomes a "child subreaper" (prctl), which makes every orphan
of the command its child, and it kills and reaps every process descended
from it before it returns.

Interface:
  Stopped              raised by SIGTERM or SIGHUP while a command runs (a
                       KeyboardInterrupt, as Ctrl-C is)
  run(argv, limit_s, log_path, stop_when=None) -> Outcome (the output is
                       also appended to LOG_PATH as it comes)
  Outcome              rc (None if killed), output, reason ("", "limit", "stop")
  sweep_criterion_sockets()  remove the sockets of Criterion runners that
                       were stopped early (run() calls it; so do the other
                       scripts that stop runners: mutants, check-no-hangs)
"""
import ctypes
import glob
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass

PR_SET_CHILD_SUBREAPER = 36
REAP_SECONDS = 5      # the longest we wait for killed processes to go


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as Ctrl-C does."""


@dataclass
class Outcome:
    rc: object        # the exit status, or None when the command was killed
    output: str       # everything it printed, stdout and stderr together
    reason: str = ""  # why it was killed: "limit", "stop", or "" if it was not


def become_subreaper():
    """Orphans of our descendants become our children (Linux 3.4 and later)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass    # not Linux: the process group kill still works


def process_table():
    """{pid: (parent pid, state)} of every process, from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table[int(name)] = (int(fields[1]), fields[0])
    return table


def descendants(root):
    """Live (not zombie) processes descended from ROOT."""
    table = process_table()
    children = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return [pid for pid in found if table[pid][1] != "Z"]


def reap():
    """Collect every child of ours that has ended (and orphans given to us)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything(proc):
    """SIGKILL the command's group and every process below us; reap them."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    end = time.monotonic() + REAP_SECONDS
    while True:
        left = descendants(os.getpid())
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            try:
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                pass
        reap()
        if (not left and proc.poll() is not None) or time.monotonic() > end:
            return
        time.sleep(0.05)


# Criterion's runner serves its workers on /tmp/criterion_<runner's pid>.sock
# and removes that file when it ends normally. A runner that is killed, or
# that stops at --fail-fast's first failure, leaves it behind. A later
# runner of another user that draws the same pid cannot replace a file it
# does not own, and aborts before any test: "Could not initialize the
# message server: Address already in use". (Seen here: a Classroom runner
# user, after root's mutants had left 3,000 of them.) So whatever stops
# runners early sweeps up after them.
CRITERION_SOCKETS = "/tmp/criterion_*.sock"


def sweep_criterion_sockets():
    """Remove this user's Criterion sockets whose runner has ended."""
    for path in glob.glob(CRITERION_SOCKETS):
        pid = os.path.basename(path)[len("criterion_"):-len(".sock")]
        try:
            if not pid.isdigit() or int(pid) <= 0 or os.lstat(path).st_uid != os.geteuid():
                continue
            os.kill(int(pid), 0)        # still running (or not yet reaped): keep it
        except ProcessLookupError:
            try:
                os.unlink(path)
            except OSError:
                pass                    # another sweep was first
        except OSError:
            pass                        # gone already, or a process of another user


def _raise_stopped(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def run(argv, limit_s, log_path, stop_when=None, cwd=None):
    """Run ARGV, its output appended to LOG_PATH as it comes, for at most
    LIMIT_S seconds; stop early when STOP_WHEN(line) is true for a line."""
    become_subreaper()
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=os.setpgrp)
    deadline = time.monotonic() + limit_s
    chunks, reason, pending = [], "", b""
    try:
        with open(log_path, "ab") as log:
            while not reason:
                left = deadline - time.monotonic()
                if left <= 0:
                    reason = "limit"
                    break
                ready, _, _ = select.select([proc.stdout], [], [], left)
                if not ready:
                    continue
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    break           # the command closed its output: it is ending
                log.write(data)
                log.flush()
                chunks.append(data)
                *lines, pending = (pending + data).split(b"\n")
                if stop_when and any(stop_when(line.decode("utf-8", "replace"))
                                     for line in lines):
                    reason = "stop"
        if not reason:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                reason = "limit"
    finally:
        # Killed or not: nothing of the command may outlive this call. A
        # second Ctrl-C must not cut that short: it waits until we are done.
        stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        kill_everything(proc)
        sweep_criterion_sockets()
        proc.stdout.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    output = b"".join(chunks).decode("utf-8", "replace")
    return Outcome(None if reason else proc.returncode, output, reason)
