"""GiB transfers through one connection, in flat memory (``nox -s slow``, run by CI).

A download of 1 GiB through ``readinto`` into one reused 256 KiB buffer, and
a chunked upload of 1 GiB from an async generator. Memory is measured with
``tracemalloc``: the peak of Python allocations during the transfer must stay
within a few MiB, whatever the body's size (DESIGN.md, "What never happens").
The servers are plain asyncio servers written here: their own memory is part
of the same process, so they too stream without holding the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import tracemalloc
from collections.abc import AsyncIterator

import pytest

from aiohttpcore import BodyFollowing, HTTPConnection, Timeout

pytestmark = pytest.mark.slow

GIB = 1 << 30
PIECE = b"0123456789abcdef" * 4096  # 64 KiB
BUFFER = 256 * 1024
FLAT = 8 << 20  # "a few MiB": the peak may not grow with the body


async def _serve_download(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % GIB)
    for _ in range(GIB // len(PIECE)):
        writer.write(PIECE)
        await writer.drain()
    writer.close()


async def _serve_upload(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read a chunked request body, answer with its length and SHA-256."""
    await reader.readuntil(b"\r\n\r\n")
    digest = hashlib.sha256()
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            break
        remaining = size
        while remaining:
            data = await reader.read(min(remaining, 1 << 20))
            digest.update(data)
            total += len(data)
            remaining -= len(data)
        await reader.readexactly(2)
    body = b"%d %s" % (total, digest.hexdigest().encode())
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


@pytest.mark.asyncio
@pytest.mark.timeout(600)
async def test_one_gib_download_through_readinto_in_flat_memory() -> None:
    server = await asyncio.start_server(_serve_download, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    buffer = bytearray(BUFFER)
    tracemalloc.start()
    try:
        async with HTTPConnection("127.0.0.1", port, timeout=Timeout(read=60)) as conn:
            await conn.send_request("GET", "/gib")
            response = await conn.read_response()
            tracemalloc.reset_peak()
            total = 0
            while count := await response.readinto(buffer):
                total += count
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        server.close()
        await server.wait_closed()
    assert total == GIB
    assert response.closed
    assert peak < FLAT, f"peak {peak} bytes for a 1 GiB download"


@pytest.mark.asyncio
@pytest.mark.timeout(600)
async def test_one_gib_chunked_upload_from_an_async_generator_in_flat_memory() -> None:
    server = await asyncio.start_server(_serve_upload, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    expected = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(GIB // len(PIECE)):
            expected.update(PIECE)
            yield PIECE

    tracemalloc.start()
    try:
        async with HTTPConnection("127.0.0.1", port, timeout=Timeout(read=60)) as conn:
            tracemalloc.reset_peak()
            await conn.send_request("POST", "/upload", body=body())
            response = await conn.read_response()
            answer = await response.readall()
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        server.close()
        await server.wait_closed()
    assert answer == b"%d %s" % (GIB, expected.hexdigest().encode())
    assert peak < FLAT, f"peak {peak} bytes for a 1 GiB upload"


@pytest.mark.asyncio
@pytest.mark.timeout(600)
async def test_body_following_chunked_upload_ends_with_an_empty_write() -> None:
    server = await asyncio.start_server(_serve_upload, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    expected = hashlib.sha256()
    try:
        async with HTTPConnection("127.0.0.1", port) as conn:
            await conn.send_request("PUT", "/upload", body=BodyFollowing())
            for _ in range(256):
                expected.update(PIECE)
                await conn.write(PIECE)
            await conn.write(b"")
            response = await conn.read_response()
            answer = await response.readall()
    finally:
        server.close()
        await server.wait_closed()
    assert answer == b"%d %s" % (256 * len(PIECE), expected.hexdigest().encode())
