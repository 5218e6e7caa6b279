"""aiohttp as a peer: one ``ClientSession`` whose connector holds one connection.

What a user of aiohttp writes: ``async with session.get(url) as resp`` and
``await resp.read()``; a download reads ``resp.content.iter_chunked`` with the
same 256 KiB the others use (aiohttp's ``StreamReader`` has no
``readinto``). ``limit=1`` keeps every request on the one kept-alive
connection. Defaults otherwise (cookie jar, auto-decompression), since that
is what aiohttp's users pay; ``trust_env`` stays off so no proxy is taken
from the environment. aiohttp parses with its C extension (llhttp) when its
wheel has one; ``version()`` says which.
"""

from __future__ import annotations

from typing import Final

import aiohttp
from aiohttp import http_parser

from benchmarks.connection._common import DOWNLOAD_BUFFER, Target, WrongAnswer

__all__ = ["NAME", "connect", "version"]

NAME: Final = "aiohttp"


def version() -> str:
    parser = http_parser.HttpResponseParser.__module__
    kind = "C parser" if parser.endswith("_http_parser") else "Python parser"
    return f"{aiohttp.__version__} ({kind})"


class _AiohttpSession:
    __slots__ = ("_big", "_body", "_session", "_small")

    def __init__(self, session: aiohttp.ClientSession, target: Target) -> None:
        self._session = session
        self._small = target.url(target.small_path)
        self._big = target.url(target.big_path)
        self._body = target.small_body

    @property
    def session(self) -> aiohttp.ClientSession:
        """The library's session, for requests this module does not make (the suite's uploads)."""
        return self._session

    async def small(self) -> None:
        async with self._session.get(self._small) as resp:
            body = await resp.read()
            if resp.status != 200 or body != self._body:
                raise WrongAnswer(f"status {resp.status}, body {body[:64]!r}")

    async def download(self) -> int:
        total = 0
        async with self._session.get(self._big) as resp:
            if resp.status != 200:
                raise WrongAnswer(f"status {resp.status}")
            async for chunk in resp.content.iter_chunked(DOWNLOAD_BUFFER):
                total += len(chunk)
        return total

    async def aclose(self) -> None:
        await self._session.close()


async def connect(target: Target) -> _AiohttpSession:
    connector = aiohttp.TCPConnector(limit=1, limit_per_host=1, ssl=target.ssl or True)
    headers = dict(target.headers) or None
    session = aiohttp.ClientSession(connector=connector, headers=headers, trust_env=False)
    return _AiohttpSession(session, target)
