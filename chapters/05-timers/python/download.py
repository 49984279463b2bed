#!/usr/bin/env python3
"""Chapter 5 in real Python: every step under a timeout, and a progress line.

    python3 download.py [-o DIR] [-t SECONDS] [--progress] URL...

fetch() reads top to bottom like chapter 4's, on asyncio streams, and each
await is wrapped in asyncio.wait_for(..., timeout): chapters/05-timers/fetch.c
does the same with its start() helper. With --progress, a callback
scheduled by loop.call_at prints one line per download in progress every
second ("a.bin: 25.0% (2048/8192)") and schedules itself again, one second
after its previous deadline; main cancels its handle when the downloads are
over, as progress_stop does. Kept short: Content-Length or read-until-close
bodies.
"""
import argparse
import asyncio
import os
import sys
import tempfile
import urllib.parse

progress = {}   # name -> [bytes so far, total or None], while it downloads


async def step(what, awaitable, timeout):
    """One await under the -t timeout, with chapter 1's words on expiry."""
    try:
        return await asyncio.wait_for(awaitable, timeout)   # wait_for(loop, op, timeout_s)
    except asyncio.TimeoutError:
        raise OSError(f"timed out after {timeout:.1f} s while {what}") from None


async def fetch(url, out_dir, timeout):
    """One download: connect, send, read the head, save the body."""
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise ValueError("only http:// URLs")
    name = u.path.rsplit("/", 1)[-1]
    name = "index.html" if name in ("", ".", "..") else name
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    reader, writer = await step("connecting", asyncio.open_connection(u.hostname, u.port or 80),
                                timeout)
    temp = None
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await step("sending the request", writer.drain(), timeout)
        head = await step("waiting for the headers", reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise OSError("malformed response: bad status line")
        if parts[1] != "200":
            raise OSError(f"HTTP {parts[1]} {parts[2] if len(parts) > 2 else ''}".strip())
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "chunked" in headers.get("transfer-encoding", ""):
            raise OSError("chunked bodies: see the C chapter")
        length = int(headers["content-length"]) if "content-length" in headers else None
        fd, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.part-")
        progress[name] = [0, length]                       # progress_begin
        with os.fdopen(fd, "wb") as out:
            got = 0
            while length is None or got < length:
                want = 64 * 1024 if length is None else min(64 * 1024, length - got)
                data = await step("reading the body", reader.read(want), timeout)
                if not data:
                    if length is not None:
                        raise OSError(f"truncated body: got {got} of {length} bytes")
                    break
                out.write(data)
                got += len(data)
                progress[name][0] = got                    # progress_update
        os.replace(temp, os.path.join(out_dir, name))
        temp = None
        return got
    finally:
        progress.pop(name, None)                           # progress_end
        writer.close()
        if temp:
            os.unlink(temp)


def start_progress(loop, interval=1.0):
    """A line per download every INTERVAL seconds; returns a stop function."""
    started = loop.time()
    state = {"next": started + interval, "handle": None}

    def tick():
        for name, (got, total) in list(progress.items()):
            amount = f"{100 * got / total:.1f}% ({got}/{total})" if total else f"{got} bytes"
            print(f"[{loop.time() - started:7.3f}] {name}: {amount}", flush=True)
        state["next"] += interval
        state["handle"] = loop.call_at(state["next"], tick)

    state["handle"] = loop.call_at(state["next"], tick)
    return lambda: state["handle"].cancel()               # progress_stop


async def main():
    parser = argparse.ArgumentParser(description="download URLs at once, each step timed")
    parser.add_argument("-o", dest="dir", default=".", help="folder to save into")
    parser.add_argument("-t", dest="timeout", type=float, default=10.0,
                        help="give up on a step that waits longer than SECONDS")
    parser.add_argument("--progress", action="store_true",
                        help="every second, a line per download in progress")
    parser.add_argument("urls", nargs="+", metavar="URL")
    args = parser.parse_args()
    stop = start_progress(asyncio.get_running_loop()) if args.progress else (lambda: None)
    results = await asyncio.gather(*(fetch(u, args.dir, args.timeout) for u in args.urls),
                                   return_exceptions=True)
    stop()
    failed = 0
    for url, result in zip(args.urls, results):
        if isinstance(result, BaseException):
            print(f"download: {url}: {result}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
