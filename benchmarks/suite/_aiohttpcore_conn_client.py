"""aiohttpcore's low-level ``HTTPConnection``: one per lane, driven through its dugong-style API.

The connection benchmark's client, one session per lane: ``send_request``
+ ``read_response`` + ``readall`` (A, C, D; in C the ``Connection: close``
header is sent and the connection reopens itself for the next request), and
``readinto`` one reused 256 KiB buffer (B). E: ``send_request("POST", path,
body=body)``, ``read_response``, ``readall``, then the small GET on the same
connection. No pool: what the layer below ``pool.request`` costs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from benchmarks.connection import _aiohttpcore_client as _connection_peer
from benchmarks.pool._client import Lane
from benchmarks.pool._common import sessions
from benchmarks.suite._common import Work, awaited, by_lane, check, sized, unsupported

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "aiohttpcore_conn"

version = _connection_peer.version


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    target = work.target
    async with sessions(_connection_peer.connect, target, work.concurrency) as opened:
        if work.kind in ("get", "close"):
            yield awaited(by_lane([session.small for session in opened]))
        elif work.kind == "download":
            yield awaited(sized(opened[0].download, target.big_size))
        elif work.kind == "upload":
            session = opened[0]
            conn, path, body = session.conn, work.upload_path, work.body

            async def upload(lane: int) -> None:
                await conn.send_request("POST", path, body=body)
                resp = await conn.read_response()
                check(resp.status, await resp.readall(), target.small_body)
                await session.small()

            yield awaited(upload)
        else:
            raise unsupported(NAME, work)
