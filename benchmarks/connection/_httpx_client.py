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

__all__ = ["NAME", "client", "connect", "version"]

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

    @property
    def client(self) -> httpx.AsyncClient:
        """The library's client, for requests this module does not make (the suite's uploads)."""
        return self._client

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


def client(target: Target, size: int) -> httpx.AsyncClient:
    """An HTTP/1.1 ``AsyncClient`` for *target* keeping up to *size* connections."""
    return httpx.AsyncClient(
        http1=True,
        http2=False,
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        verify=target.ssl or True,
        headers=dict(target.headers) or None,
        trust_env=False,
    )


async def connect(target: Target) -> _HttpxSession:
    return _HttpxSession(client(target, 1), target)
