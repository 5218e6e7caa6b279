"""aiohttp as a peer: the pool and connection benchmarks' clients, plus an upload.

A, C, D: the pool benchmark's ``ClientSession`` with ``TCPConnector(limit=C)``
(TLS context on the connector; C's ``Connection: close`` as a session
default header), ``async with session.get(url)`` and ``await resp.read()``.
B: the connection benchmark's one-connection session, ``iter_chunked(256
KiB)``. E: on that session, ``async with session.post(url, data=body)``
with the 100 MiB ``bytes``, ``await resp.read()``, then the small GET.
"""

from __future__ import annotations

from typing import Final

from benchmarks.connection import _aiohttp_client as _connection_peer
from benchmarks.pool import _aiohttp_client as _pool_peer
from benchmarks.suite._common import Answer, composed

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "aiohttp"

version = _connection_peer.version


async def _post(session: _connection_peer._AiohttpSession, url: str, body: bytes) -> Answer:
    async with session.session.post(url, data=body) as resp:
        return resp.status, await resp.read()


open_lane = composed(_pool_peer.pool, _connection_peer.connect, _post, NAME)
