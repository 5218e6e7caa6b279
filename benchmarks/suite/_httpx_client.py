"""httpx as a peer: the pool and connection benchmarks' clients, plus an upload.

A, C, D: the pool benchmark's ``AsyncClient`` (HTTP/1.1, ``Limits`` of C
connections, ``verify`` the TLS context, C's ``Connection: close`` as a
default header), ``await client.get(url)``. B: the connection benchmark's
one-connection client, ``client.stream`` and ``aiter_raw``. E: on that
client, ``await client.post(url, content=body)`` with the 100 MiB
``bytes``, then the small GET. At 256 connections httpx spends seconds per
round of requests in its pool's bookkeeping (see ``benchmarks/pool/README.md``).
"""

from __future__ import annotations

from typing import Final

from benchmarks.connection import _httpx_client as _connection_peer
from benchmarks.pool import _httpx_client as _pool_peer
from benchmarks.suite._common import Answer, composed

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "httpx"

version = _pool_peer.version


async def _post(session: _connection_peer._HttpxSession, url: str, body: bytes) -> Answer:
    resp = await session.client.post(url, content=body)
    return resp.status_code, resp.content


open_lane = composed(_pool_peer.pool, _connection_peer.connect, _post, NAME)
