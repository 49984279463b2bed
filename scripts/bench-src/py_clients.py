"""py_clients.py: the Python downloaders of scripts/bench.

  python3 py_clients.py urllib OUT_DIR URL...         one after the other
  /usr/bin/python3 py_clients.py aiohttp OUT_DIR URL...  all at once, gather
  /usr/bin/python3 py_clients.py aiohttp-stream OUT_DIR URL...
        50 connections at most, each body streamed to its file in 256 KiB
        pieces (the server benchmark: a 1 GB body does not fit in memory)

Each file is written to OUT_DIR under the last part of its URL path.
Exits 1 if any download failed.
"""
import os
import sys
from urllib.parse import urlsplit


def out_path(out_dir, url):
    return os.path.join(out_dir, os.path.basename(urlsplit(url).path))


def with_urllib(out_dir, urls):
    import urllib.request
    for url in urls:
        with urllib.request.urlopen(url) as answer, open(out_path(out_dir, url), "wb") as f:
            f.write(answer.read())


def with_aiohttp(out_dir, urls):
    import asyncio
    import aiohttp

    async def fetch(session, url):
        async with session.get(url) as answer:
            answer.raise_for_status()
            body = await answer.read()
        with open(out_path(out_dir, url), "wb") as f:
            f.write(body)

    async def main():
        # limit=0: no cap on simultaneous connections (the default is 100).
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(fetch(session, url) for url in urls))

    asyncio.run(main())


def with_aiohttp_streaming(out_dir, urls):
    import asyncio
    import aiohttp

    async def fetch(session, url):
        async with session.get(url) as answer:
            answer.raise_for_status()
            with open(out_path(out_dir, url), "wb") as f:
                async for piece in answer.content.iter_chunked(256 * 1024):
                    f.write(piece)

    async def main():
        connector = aiohttp.TCPConnector(limit=50)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(fetch(session, url) for url in urls))

    asyncio.run(main())


if __name__ == "__main__":
    mode, out_dir, urls = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    {"urllib": with_urllib, "aiohttp": with_aiohttp,
     "aiohttp-stream": with_aiohttp_streaming}[mode](out_dir, urls)
