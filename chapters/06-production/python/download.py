#!/usr/bin/env python3
"""Chapter 6 in real Python: the production downloader, stdlib asyncio only.

    python3 download.py [-o DIR] [-j N] [--per-host N] [-i FILE] [--no-keepalive] URL...

What the C chapter builds, with asyncio's own pieces: asyncio.Semaphore
for -j and for each host (aiohttp's TCPConnector(limit=100,
limit_per_host=30)), a pool of keep-alive connections per host over
asyncio.open_connection (the ClientSession made once), run_in_executor for
the writes of large bodies (aiofiles), and loop.add_signal_handler for
Ctrl-C: the first cancels every download, each removes its temporary
file, and the program exits 130; a second exits at once. The queue is
drained in order: a slot of -j is taken before each task is created, so
only -j downloads exist at a time however long the list.
"""
import argparse
import asyncio
import os
import signal
import sys
import tempfile
import urllib.parse

WRITE_THRESHOLD = 1 << 20      # bodies this large are written by threads


class Pool:
    """Idle connections per host:port, and each host's semaphore."""

    def __init__(self, per_host, keep_alive):
        self.per_host, self.keep_alive = per_host, keep_alive
        self.idle, self.limits = {}, {}

    def limit(self, key):
        return self.limits.setdefault(key, asyncio.Semaphore(self.per_host))

    def checkout(self, key):                        # pool.c's pool_checkout
        while self.keep_alive and self.idle.get(key):
            reader, writer = self.idle[key].pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer, True
            writer.close()
        return None

    def checkin(self, key, conn):                   # pool.c's pool_checkin
        self.idle.setdefault(key, []).append(conn)

    def close(self):
        for conns in self.idle.values():
            for _, writer in conns:
                writer.close()


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise OSError("malformed response: bad status line")
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    keep = parts[0] == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    return int(parts[1]), (parts[2] if len(parts) > 2 else ""), headers, keep


async def body_pieces(reader, headers):
    """The body, piece by piece; the last item says whether it was framed."""
    if "chunked" in headers.get("transfer-encoding", ""):
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            yield await reader.readexactly(size)
            await reader.readexactly(2)
        while await reader.readline() not in (b"\r\n", b""):
            pass                                    # trailers
    elif "content-length" in headers:
        left = int(headers["content-length"])
        while left > 0:
            piece = await reader.read(min(left, 64 * 1024))
            if not piece:
                raise OSError("truncated body")
            left -= len(piece)
            yield piece
    else:
        while piece := await reader.read(64 * 1024):
            yield piece


async def request(pool, key, u, target):
    """Send the request on a pooled or fresh connection; retry a dead pooled one once."""
    conn = pool.checkout(key)
    for attempt in (1, 2):
        if conn is None:
            conn = (*await asyncio.open_connection(u.hostname, u.port or 80), False)
        reader, writer, reused = conn
        closing = "keep-alive" if pool.keep_alive else "close"
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                     f"Connection: {closing}\r\n\r\n".encode())
        try:
            await writer.drain()
            return reader, writer, await read_head(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            if not reused or attempt == 2:          # fetch.c's retry_if_stale
                raise
            conn = None


async def fetch(pool, url, out_dir):
    loop = asyncio.get_running_loop()
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise ValueError("only http:// URLs")
    name = u.path.rsplit("/", 1)[-1]
    name = "index.html" if name in ("", ".", "..") else name
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    key = f"{u.hostname}:{u.port or 80}"
    async with pool.limit(key):                     # limit_per_host
        reader, writer, (status, reason, headers, keep) = await request(pool, key, u, target)
        temp = None
        try:
            if status != 200:
                raise OSError(f"HTTP {status} {reason}".strip())
            large = int(headers.get("content-length", "0")) >= WRITE_THRESHOLD
            fd, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.part-")
            with os.fdopen(fd, "wb") as out:
                async for piece in body_pieces(reader, headers):
                    if large:                       # aiofiles: a thread writes
                        await loop.run_in_executor(None, out.write, piece)
                    else:
                        out.write(piece)
            os.replace(temp, os.path.join(out_dir, name))
            temp = None
            framed = "content-length" in headers or "chunked" in headers.get(
                "transfer-encoding", "")
            if pool.keep_alive and keep and framed:
                pool.checkin(key, (reader, writer))
                writer = None
        finally:
            if temp:
                os.unlink(temp)
            if writer:
                writer.close()


async def main():
    parser = argparse.ArgumentParser(description="download URLs, the production way")
    parser.add_argument("-o", dest="dir", default=".")
    parser.add_argument("-j", type=int, default=100, help="downloads at once (limit)")
    parser.add_argument("--per-host", type=int, default=30, help="per host (limit_per_host)")
    parser.add_argument("-i", dest="input", help="more URLs, one a line ('-': stdin)")
    parser.add_argument("--no-keepalive", action="store_true")
    parser.add_argument("urls", nargs="*", metavar="URL")
    args = parser.parse_args()
    urls = list(args.urls)
    if args.input:
        lines = sys.stdin if args.input == "-" else open(args.input)
        urls += [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]
    loop = asyncio.get_running_loop()
    pool = Pool(args.per_host, not args.no_keepalive)
    slots = asyncio.Semaphore(args.j)               # limit
    tasks, failed, interrupted = [], [], []

    def one_done(url, task):
        slots.release()
        if task.cancelled():
            print(f"download: {url}: cancelled: interrupted by SIGINT", file=sys.stderr)
        elif task.exception():
            print(f"download: {url}: {task.exception()}", file=sys.stderr)
        else:
            return
        failed.append(url)

    def on_sigint():                                # add_signal_handler, not signal.signal
        if interrupted:
            os._exit(130)
        interrupted.append(True)
        for task in tasks:
            task.cancel()

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    for url in urls:                                # drain.c's drain_step
        await slots.acquire()
        if interrupted:
            break
        task = asyncio.create_task(fetch(pool, url, args.dir))
        task.add_done_callback(lambda t, url=url: one_done(url, t))
        tasks.append(task)
    await asyncio.gather(*tasks, return_exceptions=True)
    pool.close()
    return 130 if interrupted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
