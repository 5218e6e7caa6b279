"""ConnectionPool against real servers: uvicorn (h11, httptools), hypercorn, granian.

What this file covers: the pool's promises that a real, well-behaved
HTTP/1.1 server can show, against every server of the ``http_server``
fixture, plain and over TLS (the pool trusts the test CA through
``cafile``), on both event loops: many concurrent requests over a bounded
set of kept-alive connections, an upload echoed back, downloads streamed
with ``readinto`` and checked by SHA-256, a response abandoned early (a
large rest closes its connection, a small one is drained and kept), and the
default request headers as the server received them.

Not covered here: Content-Encoding. The app (``tests/_support/app.py``) has
no compressed route, so every server answers the pool's ``Accept-Encoding``
with identity bodies; decoding is tested against scripted servers in
``tests/socketlevel/test_pool_decoding.py``.

The servers are the session's (``tests/_support/servers.py``); each test
makes its own pool. Sizes stay small (at most 2 MiB per transfer) so that
the file runs in well under a minute across 8 servers and 2 loops.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import AsyncIterator
from typing import Final

import pytest
import pytest_asyncio
from _support.app import pattern, stamped_sha256
from _support.servers import Server

from aiohttpcore import ConnectionPool, PoolStats, Timeout
from aiohttpcore._decoders import ACCEPT_ENCODING

pytestmark = pytest.mark.asyncio

#: Every wait bounded well inside pytest's 60 s per test.
BUDGETS: Final = Timeout.all(10.0)
CONCURRENCY: Final = 20
REQUESTS: Final = 200
UPLOAD: Final = 1 << 20
#: Odd, so that no read or chunk size divides it.
DOWNLOAD: Final = 2 * 1024 * 1024 + 123
#: Above the 64 KiB the pool drains to keep a connection.
LARGE: Final = 1024 * 1024


@pytest_asyncio.fixture
async def pool(http_server: Server) -> AsyncIterator[ConnectionPool]:
    ca = http_server.ca_pem_path
    async with ConnectionPool(
        max_connections=CONCURRENCY,
        timeout=BUDGETS,
        cafile=None if ca is None else str(ca),
    ) as connection_pool:
        yield connection_pool


def assert_settled(stats: PoolStats) -> None:
    """Nothing in flight: every connection is idle or closed, nobody waits."""
    assert (stats.active, stats.connecting, stats.waiters) == (0, 0, 0), stats


async def test_concurrent_gets_share_a_bounded_set_of_connections(
    http_server: Server, pool: ConnectionPool
) -> None:
    """200 GETs at once through 20 slots: every body right, at most 20 connections."""
    sizes = [(index * 7919) % 20_000 for index in range(REQUESTS)]

    async def get(size: int) -> bytes:
        response = await pool.request("GET", http_server.url(f"/bytes/{size}"))
        assert response.status == 200
        return response.content

    bodies = await asyncio.gather(*(get(size) for size in sizes))
    assert [len(body) for body in bodies] == sizes
    assert all(body == pattern(size) for body, size in zip(bodies, sizes, strict=True))
    stats = pool.stats()
    assert_settled(stats)
    assert 1 <= stats.opened <= CONCURRENCY, stats
    assert stats.requests == REQUESTS
    # Each request took a connection once, opened or reused; a retry takes one more.
    assert stats.opened + stats.reused == REQUESTS + stats.retried, stats
    assert stats.idle <= stats.opened


@pytest.mark.parametrize("kind", ["bytes", "async-iterable"])
async def test_post_echo_of_one_mib(http_server: Server, pool: ConnectionPool, kind: str) -> None:
    data = random.Random(5).randbytes(UPLOAD)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 100_003):
            yield data[start : start + 100_003]

    body: object = data if kind == "bytes" else pieces()
    response = await pool.request(
        "POST",
        http_server.url("/echo"),
        body=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status == 200
    assert response.headers["x-body-length"] == str(UPLOAD)
    if kind == "bytes":
        assert response.headers["x-content-length-seen"] == str(UPLOAD)
    else:
        assert response.headers["x-transfer-encoding-seen"].lower() == "chunked"
    assert response.content == data
    # The connection came back clean: the next request reuses it.
    again = await pool.request("GET", http_server.url("/bytes/10"))
    assert again.content == pattern(10)
    stats = pool.stats()
    assert_settled(stats)
    assert (stats.opened, stats.reused, stats.idle) == (1, 1, 1), stats


@pytest.mark.parametrize("framing", ["chunked", "content-length"])
async def test_download_streamed_with_readinto_matches_its_sha256(
    http_server: Server, pool: ConnectionPool, framing: str
) -> None:
    """``/chunked`` is checked against the app's pattern, ``/sha256`` against its header."""
    if framing == "chunked":
        target, expected = f"/chunked/{DOWNLOAD}?size=7919", None
    else:
        target, expected = f"/sha256/{DOWNLOAD}", stamped_sha256(DOWNLOAD)
    digest = hashlib.sha256()
    buffer = bytearray(65_537)
    received = 0
    async with pool.request("GET", http_server.url(target)) as response:
        assert response.status == 200
        if framing == "chunked":
            assert response.headers["transfer-encoding"].lower() == "chunked"
            assert "content-length" not in response.headers
            expected = hashlib.sha256(pattern(DOWNLOAD)).hexdigest()
        else:
            assert response.headers["x-body-sha256"] == expected
        while count := await response.readinto(buffer):
            assert count <= len(buffer)
            digest.update(memoryview(buffer)[:count])
            received += count
        assert response.closed
    assert received == DOWNLOAD
    assert digest.hexdigest() == expected
    stats = pool.stats()
    assert_settled(stats)
    assert stats.idle == 1, stats


@pytest.mark.parametrize(
    ("size", "kept"), [(LARGE, False), (5_000, True)], ids=["large-rest", "small-rest"]
)
async def test_streamed_response_abandoned_early_then_the_next_request(
    http_server: Server, pool: ConnectionPool, size: int, kept: bool
) -> None:
    """A large rest closes the connection; a small one is drained and the connection kept."""
    async with pool.request("GET", http_server.url(f"/bytes/{size}")) as response:
        first = await response.read(1000)
        assert first
        assert pattern(size).startswith(first)
    stats = pool.stats()
    assert_settled(stats)
    if kept:
        assert (stats.idle, stats.closed) == (1, {}), stats
    else:
        assert (stats.idle, stats.closed) == (0, {"unread": 1}), stats
    response = await pool.request("GET", http_server.url("/bytes/4321"))
    assert response.content == pattern(4321)
    stats = pool.stats()
    assert_settled(stats)
    assert (stats.opened, stats.idle) == (1 if kept else 2, 1), stats


async def test_default_headers_as_the_server_received_them(
    http_server: Server, pool: ConnectionPool
) -> None:
    """Host, User-Agent and Accept-Encoding; the identity answer needs no decoding."""
    response = await pool.request("GET", http_server.url("/headers"))
    assert response.status == 200
    assert "content-encoding" not in response.headers
    received = json.loads(response.content)
    names = [name.lower() for name, _ in received]
    fields = {name.lower(): value for name, value in received}
    assert names.count("host") == 1
    assert fields["host"] == f"{http_server.host}:{http_server.port}"
    assert fields["user-agent"].startswith("aiohttpcore/")
    assert fields["accept-encoding"] == ACCEPT_ENCODING
