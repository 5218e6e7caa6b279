"""A connection over a Unix domain socket: the same exchange, another transport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aiohttpcore import HTTPConnection


@pytest.mark.asyncio
async def test_requests_over_a_unix_socket(tmp_path: Path) -> None:
    seen: list[bytes] = []
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(2):
                seen.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nunix")
                await writer.drain()
            await reader.read()  # until the client closes
        finally:
            writer.close()
            await writer.wait_closed()
            done.set()

    path = tmp_path / "http.sock"
    server = await asyncio.start_unix_server(serve, path=str(path))
    try:
        async with HTTPConnection("localhost", uds=str(path)) as conn:
            for _ in range(2):
                await conn.send_request("GET", "/over-unix")
                response = await conn.read_response()
                assert await response.readall() == b"unix"
                assert conn.is_reusable()
        async with asyncio.timeout(5):
            await done.wait()  # the server saw the client close
    finally:
        server.close()
        await server.wait_closed()
    assert len(seen) == 2  # one connection carried both
    assert all(head.startswith(b"GET /over-unix HTTP/1.1\r\nHost: localhost\r\n") for head in seen)
