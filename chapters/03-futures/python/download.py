#!/usr/bin/env python3
"""Chapter 3 in real Python: futures and done-callbacks on asyncio's loop.

    python3 download.py [-o DIR] URL...

Every socket operation returns a future, and the download is a chain of
done-callbacks, as in chapters/03-futures/fetch.c. No `async def` at all:
asyncio's loop.sock_connect/sock_sendall/sock_recv are coroutines, so
ensure_future() wraps each one in a Task, which is a Future; chapter 4
builds Task itself, here we only use its Future side. Kept short:
Content-Length or read-until-close bodies only.
"""
import argparse
import asyncio
import os
import socket
import sys
import tempfile
import urllib.parse


def sock_op(loop, coroutine):
    """sock_connect/sock_sendall/sock_recv in C: an operation -> a future."""
    return asyncio.ensure_future(coroutine, loop=loop)


def fetch(loop, url, out_dir):
    """fetch(): start one download; return the future of its outcome."""
    result = loop.create_future()                    # future_new
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname:
        result.set_exception(ValueError("only http:// URLs"))   # future_set_exception
        return result
    name = u.path.rsplit("/", 1)[-1]
    name = "index.html" if name in ("", ".", "..") else name
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n"
    state = {"head": b"", "length": None, "got": 0, "out": None, "temp": None}

    family, kind, proto, _, addr = socket.getaddrinfo(u.hostname, u.port or 80,
                                                      type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setblocking(False)                          # the loop's sock_* need it

    def finish(why):
        """Close, commit or discard, and resolve the download's future."""
        sock.close()
        if state["out"]:
            state["out"].close()
            if why:
                os.unlink(state["temp"])                                   # outfile_discard
            else:
                os.replace(state["temp"], os.path.join(out_dir, name))    # outfile_commit
        if why:
            result.set_exception(OSError(why))
        else:
            result.set_result(state["got"])          # future_set_result

    def on_connected(fut):                           # a done-callback: future_done_cb
        if fut.exception():                          # future_result says: an error
            return finish(f"{fut.exception()} while connecting")
        sock_op(loop, loop.sock_sendall(sock, request.encode())).add_done_callback(on_sent)

    def on_sent(fut):
        if fut.exception():
            return finish(f"{fut.exception()} while sending the request")
        receive()

    def receive():
        sock_op(loop, loop.sock_recv(sock, 64 * 1024)).add_done_callback(on_received)

    def on_received(fut):
        if fut.exception():
            return finish(f"{fut.exception()} while receiving")
        data = fut.result()
        if not data:                                 # EOF
            if state["out"] is None:
                return finish("connection closed before any response")
            if state["length"] is not None and state["got"] < state["length"]:
                return finish(f"truncated body: got {state['got']} of {state['length']} bytes")
            return finish(None)
        if state["out"] is None:
            data = read_head(data)
            if data is None:
                return                               # finished with an error, or:
        save(data)

    def read_head(data):
        state["head"] += data
        end = state["head"].find(b"\r\n\r\n")
        if end < 0:
            receive()                                # the head is not all here yet
            return None
        lines = state["head"][:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            return finish("malformed response: bad status line")
        if parts[1] != "200":
            return finish(f"HTTP {parts[1]} {parts[2] if len(parts) > 2 else ''}".strip())
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in lines[1:])}
        if "chunked" in headers.get("transfer-encoding", ""):
            return finish("chunked bodies: see the C chapter")
        if "content-length" in headers:
            state["length"] = int(headers["content-length"])
        fd, state["temp"] = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.part-")
        state["out"] = os.fdopen(fd, "wb")           # outfile_open
        return state["head"][end + 4:]

    def save(data):
        if state["length"] is not None:
            data = data[:state["length"] - state["got"]]
        state["out"].write(data)
        state["got"] += len(data)
        if state["length"] is not None and state["got"] == state["length"]:
            return finish(None)
        receive()

    sock_op(loop, loop.sock_connect(sock, addr)).add_done_callback(on_connected)
    return result


def main():
    parser = argparse.ArgumentParser(description="download URLs at once, with futures")
    parser.add_argument("-o", dest="dir", default=".", help="folder to save into")
    parser.add_argument("urls", nargs="+", metavar="URL")
    args = parser.parse_args()
    loop = asyncio.new_event_loop()                  # loop_new
    all_done = loop.create_future()
    failed, pending = [], [len(args.urls)]

    def one_done(url, fut):                          # one fetch's future resolved
        if fut.exception():
            print(f"download: {url}: {fut.exception()}", file=sys.stderr)
            failed.append(url)
        pending[0] -= 1
        if pending[0] == 0:
            all_done.set_result(None)

    for url in args.urls:
        try:
            fut = fetch(loop, url, args.dir)
        except OSError as e:                         # getaddrinfo failed
            fut = loop.create_future()
            fut.set_exception(e)
        fut.add_done_callback(lambda f, url=url: one_done(url, f))  # future_add_done_callback
    loop.run_until_complete(all_done)                # loop_run_until_complete
    loop.close()                                     # loop_free
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
