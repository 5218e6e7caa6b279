"""httpcore as a peer: httpx's transport layer used directly, ``AsyncConnectionPool``.

What a user of httpcore writes: ``resp = await pool.request("GET", url,
headers=headers)``, which reads the body into ``resp.content`` (A, C, D;
the headers are C's ``Connection: close``); ``async with pool.stream("GET",
url)`` and ``aiter_stream`` (B); ``await pool.request("POST", url,
content=body)`` with the 100 MiB ``bytes``, then the small GET (E). The pool
holds C connections (``max_connections`` and ``max_keepalive_connections``),
its TLS context is D's. Its pool's bookkeeping is httpx's, so it slows down
with C² as httpx does (``benchmarks/pool/README.md``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import httpcore

from benchmarks.pool._client import Lane
from benchmarks.pool._common import Get
from benchmarks.suite._common import Work, awaited, check, drain, unsupported

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "httpcore"


def version() -> str:
    missing = importlib.util.find_spec("sniffio") is None
    return httpcore.__version__ + (", sniffio missing" if missing else "")


def _gets(pool: httpcore.AsyncConnectionPool, work: Work) -> tuple[Get, Get, Get]:
    """The small GET, the download and the upload on *pool*."""
    target = work.target
    small, big, upload_url = (
        target.url(path) for path in (target.small_path, target.big_path, work.upload_path)
    )
    headers, expected, body = list(target.headers), target.small_body, work.body

    async def get(lane: int) -> None:
        resp = await pool.request("GET", small, headers=headers)
        check(resp.status, resp.content, expected)

    async def download(lane: int) -> None:
        async with pool.stream("GET", big) as resp:
            await drain(resp.status, resp.aiter_stream(), target.big_size)

    async def upload(lane: int) -> None:
        resp = await pool.request("POST", upload_url, content=body)
        check(resp.status, resp.content, expected)
        await get(lane)

    return get, download, upload


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    size = work.concurrency
    async with httpcore.AsyncConnectionPool(
        ssl_context=work.target.ssl, max_connections=size, max_keepalive_connections=size
    ) as pool:
        get, download, upload = _gets(pool, work)
        ops = {"get": get, "close": get, "download": download, "upload": upload}
        if work.kind not in ops:
            raise unsupported(NAME, work)
        yield awaited(ops[work.kind])
