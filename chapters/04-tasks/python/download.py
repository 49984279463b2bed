#!/usr/bin/env python3
"""Chapter 4 in real Python: each download is a coroutine, run as a Task.

    python3 download.py [-o DIR] [--fail-fast] URL...

fetch() below reads top to bottom like chapter 1's blocking code, with an
`await` where chapter 1 blocked: chapters/04-tasks/fetch.c, fetch_steps,
is the same function written as a C state machine. main() runs one task
per URL and waits for gather(..., return_exceptions=True); with
--fail-fast the first failure cancels the gather, and every download
still running meets CancelledError at its await, removes its temporary
file and re-raises. Kept short: Content-Length or read-until-close bodies.
"""
import argparse
import asyncio
import os
import socket
import sys
import tempfile
import urllib.parse


async def fetch(url, out_dir):
    """One download: chapter 1's fetch_steps, awaiting where it blocked."""
    loop = asyncio.get_running_loop()
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        raise ValueError("only http:// URLs")
    name = u.path.rsplit("/", 1)[-1]
    name = "index.html" if name in ("", ".", "..") else name
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n"
    family, kind, proto, _, addr = socket.getaddrinfo(u.hostname, u.port or 80,
                                                      type=socket.SOCK_STREAM)[0]
    temp = None
    with socket.socket(family, kind, proto) as sock:   # closed on every way out
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, addr)         # CORO_TRY_AWAIT sock_connect
            await loop.sock_sendall(sock, request.encode())
            head = b""
            while b"\r\n\r\n" not in head:              # read_head
                data = await loop.sock_recv(sock, 64 * 1024)
                if not data:
                    raise OSError("connection closed before any response")
                head += data
            head, _, body = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                raise OSError("malformed response: bad status line")
            if parts[1] != "200":
                raise OSError(f"HTTP {parts[1]} {parts[2] if len(parts) > 2 else ''}".strip())
            headers = {k.strip().lower(): v.strip()
                       for k, _, v in (line.partition(":") for line in lines[1:])}
            if "chunked" in headers.get("transfer-encoding", ""):
                raise OSError("chunked bodies: see the C chapter")
            length = int(headers["content-length"]) if "content-length" in headers else None
            fd, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.part-")
            with os.fdopen(fd, "wb") as out:             # outfile_open
                got = 0
                while length is None or got < length:   # read_body
                    data = body[:None if length is None else length - got]
                    out.write(data)
                    got += len(data)
                    if length is not None and got == length:
                        break
                    body = await loop.sock_recv(sock, 64 * 1024)
                    if not body:
                        if length is not None:
                            raise OSError(f"truncated body: got {got} of {length} bytes")
                        break
            os.replace(temp, os.path.join(out_dir, name))   # outfile_commit
            temp = None
            return got
        finally:
            if temp:                                    # failed or cancelled: give_up
                os.unlink(temp)


async def main():
    parser = argparse.ArgumentParser(description="download URLs at once, as tasks")
    parser.add_argument("-o", dest="dir", default=".", help="folder to save into")
    parser.add_argument("--fail-fast", action="store_true",
                        help="at the first failure, cancel the other downloads")
    parser.add_argument("urls", nargs="+", metavar="URL")
    args = parser.parse_args()
    tasks = [asyncio.create_task(fetch(url, args.dir)) for url in args.urls]  # task_create
    everything = asyncio.gather(*tasks, return_exceptions=True)              # gather
    failed = []

    def one_done(url, task):                            # main.c's on_download_done
        if task.cancelled():
            print(f"download: {url}: cancelled: another download failed (--fail-fast)",
                  file=sys.stderr)
        elif task.exception():
            print(f"download: {url}: {task.exception()}", file=sys.stderr)
        else:
            return
        failed.append(url)
        if args.fail_fast and not task.cancelled():
            everything.cancel()                          # cancels every child

    for url, task in zip(args.urls, tasks):
        task.add_done_callback(lambda t, url=url: one_done(url, t))
    try:
        await everything
    except asyncio.CancelledError:
        pass                                            # --fail-fast: reported above
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
