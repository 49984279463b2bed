#!/usr/bin/env python3
"""Chapter 2 in real Python: a select() loop of callbacks, no asyncio.

    python3 download.py [-o DIR] URL...

What asyncio's event loop does underneath: non-blocking sockets, a
selectors.DefaultSelector (select/epoll) as the registry of readers and
writers, and one callback per event. Each download is a small state
machine, as in chapters/02-select/fetch.c. Kept short: Content-Length or
read-until-close bodies only (the C chapter also decodes chunked bodies
and follows redirects).
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import tempfile
import urllib.parse

selector = selectors.DefaultSelector()      # struct loop: the registry


def loop_run():
    """loop_run: wait for any registered socket, call its callback (dispatch)."""
    while selector.get_map():               # until no reader or writer is left
        for key, _ in selector.select():    # build_fd_sets + select()
            key.data()                      # dispatch: the callback registered


class Fetch:
    """struct fetch: one download, advanced by callbacks, never waiting."""

    def __init__(self, url, out_dir, done):
        self.url, self.out_dir, self.done = url, out_dir, done
        self.head, self.length, self.got, self.out = b"", None, 0, None
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or not u.hostname:
            raise ValueError("only http:// URLs")
        target = (u.path or "/") + (f"?{u.query}" if u.query else "")
        self.request = (f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                        "Connection: close\r\n\r\n").encode()
        name = u.path.rsplit("/", 1)[-1]
        self.name = "index.html" if name in ("", ".", "..") else name
        # net_resolve still blocks (so does the C chapter's getaddrinfo).
        family, kind, proto, _, addr = socket.getaddrinfo(u.hostname, u.port or 80,
                                                          type=socket.SOCK_STREAM)[0]
        self.sock = socket.socket(family, kind, proto)
        self.sock.setblocking(False)                        # net_connect_start
        rc = self.sock.connect_ex(addr)
        if rc not in (0, errno.EINPROGRESS):
            raise OSError(rc, os.strerror(rc))
        selector.register(self.sock, selectors.EVENT_WRITE, self.on_connected)  # loop_add_writer

    def on_connected(self):
        rc = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)  # net_connect_result
        if rc:
            return self.fail(os.strerror(rc) + " while connecting")
        selector.modify(self.sock, selectors.EVENT_WRITE, self.send_request)

    def send_request(self):
        """send_request: send what the socket takes now; come back for the rest."""
        try:
            self.request = self.request[self.sock.send(self.request):]
        except OSError as e:
            return self.fail(f"{e.strerror} while sending the request")
        if not self.request:                                 # all sent: now read
            selector.modify(self.sock, selectors.EVENT_READ, self.on_readable)

    def on_readable(self):
        try:
            data = self.sock.recv(64 * 1024)
        except OSError as e:
            return self.fail(f"{e.strerror} while receiving")
        if not data:
            return self.on_eof()
        if self.out is None:
            data = self.feed_head(data)
            if data is None:
                return                                       # head incomplete, or failed
        self.save(data)

    def feed_head(self, data):
        """feed_head: gather bytes until the blank line; return the body's start."""
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = self.head[:end].decode("latin-1").split("\r\n")
        body, parts = self.head[end + 4:], lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            return self.fail("malformed response: bad status line")
        if parts[1] != "200":
            return self.fail(f"HTTP {parts[1]} {parts[2] if len(parts) > 2 else ''}".strip())
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        if "chunked" in headers.get("transfer-encoding", ""):
            return self.fail("chunked bodies: see the C chapter")
        if "content-length" in headers:
            self.length = int(headers["content-length"])
        fd, self.temp = tempfile.mkstemp(dir=self.out_dir, prefix=f".{self.name}.part-")
        self.out = os.fdopen(fd, "wb")                       # outfile_open
        return body

    def save(self, data):
        if self.length is not None:
            data = data[:self.length - self.got]
        self.out.write(data)
        self.got += len(data)
        if self.length is not None and self.got == self.length:
            self.finish(None)

    def on_eof(self):
        if self.out is None:
            return self.fail("connection closed before any response")
        if self.length is not None and self.got < self.length:
            return self.fail(f"truncated body: got {self.got} of {self.length} bytes")
        self.finish(None)

    def fail(self, why):
        self.finish(why)

    def finish(self, why):
        """fetch_free + the done callback: unregister, close, commit or discard."""
        selector.unregister(self.sock)
        self.sock.close()
        if self.out is not None:
            self.out.close()
            if why:
                os.unlink(self.temp)                                   # outfile_discard
            else:
                os.replace(self.temp, os.path.join(self.out_dir, self.name))  # outfile_commit
        self.done(self.url, why)


def main():
    parser = argparse.ArgumentParser(description="download URLs at once, with select()")
    parser.add_argument("-o", dest="dir", default=".", help="folder to save into")
    parser.add_argument("urls", nargs="+", metavar="URL")
    args = parser.parse_args()
    failed = []

    def done(url, why):                      # fetch_done_cb
        if why:
            print(f"download: {url}: {why}", file=sys.stderr)
            failed.append(url)

    for url in args.urls:                    # fetch_start for every URL, then...
        try:
            Fetch(url, args.dir, done)
        except (OSError, ValueError) as e:
            done(url, str(e))
    loop_run()                               # ...one loop waits for all of them
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
