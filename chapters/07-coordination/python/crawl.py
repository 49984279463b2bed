#!/usr/bin/env python3
"""Chapter 7 in real Python: the crawler, stdlib asyncio only.

    python3 crawl.py [-j WORKERS] [-t SECONDS] [--deadline SECONDS] ROOT

What the C chapter builds, with asyncio's own pieces: an asyncio.Queue of
URLs and a set of those seen; N workers in an asyncio.TaskGroup, each
taking a URL, fetching it under asyncio.timeout(-t), and putting the new
links back; queue.join() under asyncio.timeout(--deadline) to know when
the crawl is over; then the workers are cancelled, and the TaskGroup
waits for them. Ctrl-C cancels the crawl's task: everything under way is
cancelled, and the program exits 130. A redirect is a link to its
Location, so every URL is fetched once. The output is the C program's:
a line per URL, one stderr line per broken link, the summary.
"""
import argparse
import asyncio
import re
import signal
import sys
import time
import urllib.parse

PAGE_MAX = 1024 * 1024          # page.c's limit
URL_MAX = 2048                  # url.h's: a longer link is skipped
HREF = re.compile(rb"""(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)


class Broken(Exception):
    """A page that could not be fetched, in words."""


def canonical(url, base=None):
    """links.c's links_canonical (after url_resolve against BASE, if
    given): one spelling per URL, or None for one the crawler cannot fetch."""
    try:
        url = urllib.parse.urljoin(base, url) if base else url
        u = urllib.parse.urlsplit(url)
        port = u.port
    except ValueError:                  # "http://[::1/", a bad port
        return None
    if (u.scheme != "http" or not u.hostname or any(c <= " " for c in url)
            or len(url) >= URL_MAX):
        return None
    path = []
    for segment in (u.path or "/").split("/")[1:]:
        if segment == "..":
            path = path[:-1]
        elif segment != ".":
            path.append(segment)
    if u.path.endswith(("/.", "/..")):
        path.append("")
    query = f"?{u.query}" if u.query else ""
    return f"http://{u.hostname}:{port or 80}/{'/'.join(path)}{query}"


async def read_body(reader, headers):
    """The body, whole, within PAGE_MAX."""
    if "chunked" in headers.get("transfer-encoding", ""):
        parts = []
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read(PAGE_MAX + 1)
    if len(body) > PAGE_MAX:
        raise Broken(f"page larger than {PAGE_MAX} bytes")
    return body


async def fetch(url):
    """GET URL, redirects not followed: (status, reason, location, body)."""
    u = urllib.parse.urlsplit(url)
    try:
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
    except ConnectionRefusedError:
        raise Broken("connection refused while connecting")
    try:
        target = u.path + (f"?{u.query}" if u.query else "")
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        version, _, rest = head[0].partition(" ")
        status, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/1.") or not status.isdigit():
            raise Broken("malformed response: bad status line")
        if len(head) > 100 + 3:              # the status line, two empty ones
            raise Broken("malformed response: more than 100 headers")
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in head[1:] if line)}
        body = await read_body(reader, headers)
        return int(status), reason, headers.get("location", ""), body
    except asyncio.IncompleteReadError:
        raise Broken("truncated body")
    except ConnectionResetError:
        raise Broken("connection reset by peer while reading the body")
    finally:
        writer.close()


class Crawler:
    def __init__(self, root, workers, page_timeout, deadline):
        self.root = canonical(root)
        self.origin = self.root[:self.root.index("/", len("http://"))]
        self.workers, self.page_timeout, self.deadline = workers, page_timeout, deadline
        self.seen, self.todo = set(), asyncio.Queue()
        self.pages = self.redirects = self.broken = self.outside = self.fetched = 0
        self.start = time.monotonic()
        self.add(self.root)

    def say(self, kind, url, rest=""):
        print(f"[{time.monotonic() - self.start:7.3f}] {kind:<6} {url}{rest}", flush=True)

    def add(self, url):
        """A new URL of the site goes into the seen set and the queue."""
        if not url.startswith(self.origin + "/"):
            self.outside += 1
            return 0
        if url in self.seen:
            return 0
        self.seen.add(url)
        self.todo.put_nowait(url)
        return 1

    def visit(self, url, answer):
        status, reason, location, body = answer
        if 300 <= status < 400 and location:
            target = canonical(location, url)
            if target is None:
                return self.fail(url, "https is not supported")
            self.redirects += 1
            self.say("moved", url, f" -> {target}")
            return self.add(target)
        if not 200 <= status < 300:
            return self.fail(url, f"HTTP {status} {reason}")
        links = added = 0
        for match in HREF.finditer(body):
            href = next(g for g in match.groups() if g is not None).decode("latin-1")
            if href and not href.startswith("#"):
                link = canonical(href, url)
                if link:
                    links += 1
                    added += self.add(link)
        self.pages += 1
        self.say("page", url, f" ({links} link{'' if links == 1 else 's'}, {added} new)")

    def fail(self, url, cause):
        self.broken += 1
        self.say("broken", url, f" ({cause})")
        print(f"crawl: {url}: {cause}", file=sys.stderr, flush=True)

    async def work(self):
        while True:
            url = await self.todo.get()
            try:
                async with asyncio.timeout(self.page_timeout):
                    answer = await fetch(url)
                self.visit(url, answer)
            except TimeoutError:
                self.fail(url, f"timed out after {self.page_timeout:.1f} s")
            except (Broken, OSError) as error:
                self.fail(url, str(error))
            finally:
                self.todo.task_done()
            self.fetched += 1                       # not when cancelled

    async def crawl(self):
        self.say("crawl", self.root)
        async with asyncio.TaskGroup() as group:
            workers = [group.create_task(self.work()) for _ in range(self.workers)]
            async with asyncio.timeout(self.deadline):
                await self.todo.join()
            for worker in workers:
                worker.cancel()


async def main(args):
    crawler = Crawler(args.root, args.j, args.t, args.deadline)
    task = asyncio.current_task()
    interrupted = []
    loop = asyncio.get_running_loop()
    for signo in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signo, lambda s=signo: (interrupted.append(s), task.cancel()))
    status = 0
    try:
        await crawler.crawl()
    except asyncio.CancelledError:
        never = len(crawler.seen) - crawler.fetched
        name = signal.Signals(interrupted[0]).name
        print(f"crawl: interrupted by {name}: {never} URL{'' if never == 1 else 's'} never "
              "fetched", file=sys.stderr)
        status = 128 + interrupted[0]
    except ExceptionGroup as group:      # the TaskGroup's: the deadline came
        if not group.subgroup(TimeoutError):
            raise
        never = len(crawler.seen) - crawler.fetched
        print(f"crawl: stopped at the deadline of {args.deadline:.1f} s: {never} "
              f"URL{'' if never == 1 else 's'} never fetched", file=sys.stderr)
        status = 1
    print(f"{crawler.pages} pages, {crawler.redirects} redirects, {crawler.broken} broken "
          f"links, {crawler.outside} links elsewhere, in {time.monotonic() - crawler.start:.3f}"
          f" s with {args.j} worker{'' if args.j == 1 else 's'}")
    return status or (1 if crawler.broken else 0)


def parse():
    parser = argparse.ArgumentParser(description="crawl a site, N pages at a time")
    parser.add_argument("-j", type=int, default=10, help="worker tasks")
    parser.add_argument("-t", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--deadline", type=float, default=None, help="seconds in all")
    parser.add_argument("root")
    args = parser.parse_args()
    if canonical(args.root) is None:
        sys.exit(f"crawl: {args.root}: not an http:// URL")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
