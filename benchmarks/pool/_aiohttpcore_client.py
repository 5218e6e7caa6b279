"""aiohttpcore as a peer: one ``ConnectionPool`` of *size* connections, its high-level API.

What a user of the pool writes: ``await pool.request("GET", url)``, which
reads the whole body into ``resp.content``. ``max_connections`` and
``max_connections_per_host`` are both the concurrency: one host, every task
with a connection of its own once the warm-up has opened them. Defaults
otherwise. Until ``aiohttpcore/pool.py`` exists this module does not import,
and the runner leaves the client out with a note.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from aiohttpcore import ConnectionPool
from benchmarks.connection import _aiohttpcore_client
from benchmarks.pool._common import Get, Target, WrongAnswer

__all__ = ["NAME", "pool", "version"]

NAME: Final = "aiohttpcore"

version = _aiohttpcore_client.version


@asynccontextmanager
async def pool(target: Target, size: int) -> AsyncIterator[Get]:
    url = target.url(target.small_path)
    expected = target.small_body
    async with ConnectionPool(
        max_connections=size,
        max_connections_per_host=size,
        ssl_context=target.ssl,
        headers=target.headers or None,
    ) as conns:

        async def get(lane: int) -> None:
            resp = await conns.request("GET", url)
            if resp.status != 200 or resp.content != expected:
                raise WrongAnswer(f"status {resp.status}, body {resp.content[:64]!r}")

        yield get
