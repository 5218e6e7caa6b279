"""aiosonic as a peer: one ``HTTPClient``, its ``TCPConnector``'s pool sized to *size* connections.

What a user of aiosonic writes: ``r = await client.get(url)`` and ``await
r.content()``. aiosonic 1.3's connector keeps one pool per host key and a
``":default"`` one for the rest; a ``PoolConfig(size=...)`` under
``":default"`` sizes the pool every host here uses (its default is 30
connections, which would make tasks queue at 64 and 256). Its
``max_conn_requests`` (default 1000) closes a connection after that many
requests; ``None`` keeps every connection for the whole run, as every other
client here does and as nginx allows. Defaults otherwise (timeouts, no
cookie handling).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import aiosonic  # type: ignore[import-untyped]
from aiosonic.connectors import TCPConnector  # type: ignore[import-untyped]
from aiosonic.pools import PoolConfig  # type: ignore[import-untyped]

from benchmarks.pool._common import Get, Target, WrongAnswer

__all__ = ["NAME", "pool", "version"]

NAME: Final = "aiosonic"


def version() -> str:
    return f"{importlib.metadata.version('aiosonic')} (pure Python parser)"


@asynccontextmanager
async def pool(target: Target, size: int) -> AsyncIterator[Get]:
    url = target.url(target.small_path)
    expected = target.small_body
    config = PoolConfig(size=size, max_conn_requests=None)
    client = aiosonic.HTTPClient(connector=TCPConnector(pool_configs={":default": config}))
    headers = dict(target.headers) or None
    context = target.ssl
    try:

        async def get(lane: int) -> None:
            resp = await client.get(url, headers=headers, ssl=context)
            status: int = resp.status_code
            body: bytes = await resp.content()
            if status != 200 or body != expected:
                raise WrongAnswer(f"status {status}, body {body[:64]!r}")

        yield get
    finally:
        await client.aclose()
