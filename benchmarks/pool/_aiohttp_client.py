"""aiohttp as a peer: one ``ClientSession`` whose ``TCPConnector`` holds up to *size* connections.

What a user of aiohttp writes: ``async with session.get(url) as resp`` and
``await resp.read()``. ``limit=size`` caps the pool at the concurrency, so
every task has a connection of its own once the warm-up has opened them.
Defaults otherwise (cookie jar, auto-decompression, timeouts), since that is
what aiohttp's users pay; ``trust_env`` stays off so no proxy is taken from
the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import aiohttp

from benchmarks.connection import _aiohttp_client
from benchmarks.pool._common import Get, Target, WrongAnswer

__all__ = ["NAME", "pool", "version"]

NAME: Final = "aiohttp"

version = _aiohttp_client.version


@asynccontextmanager
async def pool(target: Target, size: int) -> AsyncIterator[Get]:
    url = target.url(target.small_path)
    expected = target.small_body
    connector = aiohttp.TCPConnector(limit=size, ssl=target.ssl or True)
    headers = dict(target.headers) or None
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, trust_env=False
    ) as session:

        async def get(lane: int) -> None:
            async with session.get(url) as resp:
                body = await resp.read()
                if resp.status != 200 or body != expected:
                    raise WrongAnswer(f"status {resp.status}, body {body[:64]!r}")

        yield get
