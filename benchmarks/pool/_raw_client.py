"""The ceiling: *size* raw connections, one owned by each task; no pool, no HTTP to speak of.

Each connection is the connection benchmark's raw ``BufferedProtocol``
(``benchmarks/connection/_raw_client.py``): prebuilt request bytes, one
``transport.write`` per request, one future awaited per response, the first
response parsed and checked, every later one counted against its known
length. Task *lane* always uses connection *lane*, so there is nothing to
acquire or release: what an awaitable API on this loop cannot beat.
The connections are opened before the warm-up starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Final

from benchmarks.connection import _raw_client
from benchmarks.pool._common import Get, Target, sessions

__all__ = ["NAME", "pool", "version"]

NAME: Final = "raw"

version = _raw_client.version


@asynccontextmanager
async def pool(target: Target, size: int) -> AsyncIterator[Get]:
    async with sessions(_raw_client.connect, target, size) as opened:
        smalls = [session.small for session in opened]

        def get(lane: int) -> Awaitable[None]:
            return smalls[lane]()

        yield get
