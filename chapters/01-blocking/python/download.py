#!/usr/bin/env python3
"""Chapter 1 in real Python: the blocking downloader, one URL after another.

    python3 download.py [-o DIR] URL...

This is the article's "bad example": urllib.request.urlopen() does what
fetch() does in C (resolve, connect, send, read the head, follow redirects,
read the body), and it waits at every step, so N files take N times the
latency. Standard library only; run it against the fixture:

    python3 fixtures/server.py --port 8000 &
    python3 download.py -o /tmp/out 'http://127.0.0.1:8000/files/a.bin?delay=100'
"""
import argparse
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request


def file_name(url):
    """url_file_name: the last path segment, or index.html."""
    segment = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
    return "index.html" if segment in ("", ".", "..") else segment


def fetch(url, out_dir, timeout):
    """fetch(): one whole download. Returns None, or the reason it failed."""
    try:
        # urlopen = net_resolve + net_connect + net_send_all + read_head
        # (+ redirects); it raises HTTPError for a status other than 2xx.
        with urllib.request.urlopen(url, timeout=timeout) as response:
            # outfile_open: a hidden temporary file beside the final one, so
            # that a failed download leaves nothing half-written behind.
            fd, temp = tempfile.mkstemp(dir=out_dir, prefix=f".{file_name(url)}.part-")
            try:
                with os.fdopen(fd, "wb") as out:
                    # read_body_*: http.client knows Content-Length, chunked
                    # and read-until-close, and raises IncompleteRead on a
                    # short body (our "truncated body").
                    while chunk := response.read(64 * 1024):
                        out.write(chunk)
                os.replace(temp, os.path.join(out_dir, file_name(url)))  # outfile_commit
            except BaseException:
                os.unlink(temp)                                           # outfile_discard
                raise
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code} {e.reason}"
    except Exception as e:  # URLError, IncompleteRead, timeouts, bad URLs: one line each
        return str(getattr(e, "reason", e)) or type(e).__name__
    return None


def main():
    parser = argparse.ArgumentParser(description="download URLs one after another")
    parser.add_argument("-o", dest="dir", default=".", help="folder to save into")
    parser.add_argument("-t", dest="timeout", type=float, default=30.0, help="seconds")
    parser.add_argument("urls", nargs="+", metavar="URL")
    args = parser.parse_args()
    failed = 0
    for url in args.urls:           # strictly serial: the whole point of chapter 1
        why = fetch(url, args.dir, args.timeout)
        if why:
            print(f"download: {url}: {why}", file=sys.stderr)
            failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
