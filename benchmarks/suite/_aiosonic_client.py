"""aiosonic as a peer: the pool benchmark's client, plus a download and an upload.

A, C, D: the pool benchmark's ``HTTPClient`` (its ``":default"`` pool sized
to C connections, ``max_conn_requests=None``; ``ssl=`` the TLS context and
C's ``Connection: close`` header on each request). B: ``async with
client.stream("GET", url)`` and ``read_chunks`` (64 KiB at a time, its own
size). E: ``await client.post(url, data=body)`` with the 100 MiB ``bytes``
and ``await resp.content()``, then the small GET. B and E use a pool of
one connection, built the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import aiosonic  # type: ignore[import-untyped]
from aiosonic.connectors import TCPConnector  # type: ignore[import-untyped]
from aiosonic.pools import PoolConfig  # type: ignore[import-untyped]

from benchmarks.pool import _aiosonic_client as _pool_peer
from benchmarks.pool._client import Lane
from benchmarks.pool._common import Get
from benchmarks.suite._common import Work, awaited, check, drain, unsupported

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "aiosonic"

version = _pool_peer.version


def _transfers(client: aiosonic.HTTPClient, work: Work) -> tuple[Get, Get]:
    """The download and the upload (then the small GET) on *client*."""
    target = work.target
    big, upload_url, small = (
        target.url(path) for path in (target.big_path, work.upload_path, target.small_path)
    )
    context, expected, body = target.ssl, target.small_body, work.body

    async def download(lane: int) -> None:
        async with client.stream("GET", big, ssl=context) as resp:
            await drain(resp.status_code, resp.read_chunks(), target.big_size)

    async def upload(lane: int) -> None:
        resp = await client.post(upload_url, data=body, ssl=context)
        check(resp.status_code, await resp.content(), expected)
        resp = await client.get(small, ssl=context)
        check(resp.status_code, await resp.content(), expected)

    return download, upload


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    if work.kind in ("get", "close"):
        async with _pool_peer.pool(work.target, work.concurrency) as get:
            yield awaited(get)
        return
    config = PoolConfig(size=1, max_conn_requests=None)
    client = aiosonic.HTTPClient(connector=TCPConnector(pool_configs={":default": config}))
    try:
        download, upload = _transfers(client, work)
        ops = {"download": download, "upload": upload}
        if work.kind not in ops:
            raise unsupported(NAME, work)
        yield awaited(ops[work.kind])
    finally:
        await client.aclose()
