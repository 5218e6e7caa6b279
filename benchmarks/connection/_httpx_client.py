"""httpx as a peer: one ``AsyncClient``, HTTP/1.1 only, one connection.

What a user of httpx writes: ``await client.get(url)`` (which reads the
body) for a small request, ``client.stream`` and ``aiter_raw`` for a
download (raw: no decoding, the cheapest body path httpx has).
``trust_env=False`` so no proxy or netrc is taken from the environment.
"""

from __future__ import annotations

from typing import Final

import httpcore
import httpx

from benchmarks.connection._common import Target, WrongAnswer

__all__ = ["NAME", "connect", "version"]

NAME: Final = "httpx"


def version() -> str:
    return f"{httpx.__version__} (httpcore {httpcore.__version__})"


class _HttpxSession:
    __slots__ = ("_big", "_body", "_client", "_small")

    def __init__(self, client: httpx.AsyncClient, target: Target) -> None:
        self._client = client
        self._small = target.url(target.small_path)
        self._big = target.url(target.big_path)
        self._body = target.small_body

    async def small(self) -> None:
        resp = await self._client.get(self._small)
        if resp.status_code != 200 or resp.content != self._body:
            raise WrongAnswer(f"status {resp.status_code}, body {resp.content[:64]!r}")

    async def download(self) -> int:
        total = 0
        async with self._client.stream("GET", self._big) as resp:
            if resp.status_code != 200:
                raise WrongAnswer(f"status {resp.status_code}")
            async for chunk in resp.aiter_raw():
                total += len(chunk)
        return total

    async def aclose(self) -> None:
        await self._client.aclose()


async def connect(target: Target) -> _HttpxSession:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = httpx.AsyncClient(http1=True, http2=False, limits=limits, trust_env=False)
    return _HttpxSession(client, target)
