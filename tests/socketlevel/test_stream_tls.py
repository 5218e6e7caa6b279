"""TLS at the stream level: a handshake inside an open stream (CONNECT tunnels), ALPN, failures.

The servers here are plain asyncio servers: the tunnel case needs the server
to upgrade its own side mid-connection (``StreamWriter.start_tls``), which
no real server does outside a proxy.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from _support.rawserver import RawServer
from _support.servers import TLSFiles

from aiohttpcore.exceptions import ConnectError, StateError, TLSError, is_temp_network_error
from aiohttpcore.protocol import ClientCodec, Data, EndOfMessage, RecvState, ResponseHead
from aiohttpcore.stream import HTTPStream, open_stream
from aiohttpcore.timeouts import Timeout

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    async with RawServer(handler, ssl=ssl_context) as server:
        yield server.port


def connect(codec: ClientCodec) -> bytes:
    return codec.send_request("CONNECT", "origin.test:443", host_header="origin.test:443")


async def read_body(stream: HTTPStream) -> tuple[ResponseHead, bytes]:
    head = await stream.next_event()
    assert isinstance(head, ResponseHead)
    body = b""
    while not isinstance(event := await stream.next_event(), EndOfMessage):
        assert isinstance(event, Data)
        body += event.data
    return head, body


@pytest.mark.asyncio
async def test_start_tls_inside_a_connect_tunnel(tls_files: TLSFiles) -> None:
    async def proxy_then_origin(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"CONNECT origin.test:443 ")
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await writer.start_tls(tls_files.server_context())
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"GET /inside HTTP/1.1\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
        await writer.drain()
        await reader.read()  # until the client closes

    async with serve(proxy_then_origin) as port:
        outer = ClientCodec(f"127.0.0.1:{port}")
        stream = await open_stream(outer, host="127.0.0.1", port=port, budgets=Timeout())
        try:
            await stream.send(
                (outer.send_request("CONNECT", "origin.test:443", host_header="origin.test:443"),)
            )
            head = await stream.next_event()
            assert isinstance(head, ResponseHead)
            assert head.status == 200
            assert outer.recv_state is RecvState.SWITCHED
            assert stream.get_extra_info("ssl_object") is None
            await stream.start_tls(tls_files.client_context, "localhost", 5.0)
            inner = ClientCodec("localhost")
            stream.rebind(inner)
            await stream.send((inner.send_request("GET", "/inside", host_header="origin.test"),))
            head, body = await read_body(stream)
            assert (head.status, body) == (200, b"secret")
            assert stream.get_extra_info("ssl_object") is not None
            assert inner.is_reusable()
        finally:
            stream.abort()


@pytest.mark.asyncio
async def test_rebind_refuses_a_stream_that_did_not_switch() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        await reader.read()

    async with serve(answer) as port:
        codec = ClientCodec(f"127.0.0.1:{port}")
        stream = await open_stream(codec, host="127.0.0.1", port=port, budgets=Timeout())
        try:
            await stream.send(
                (codec.send_request("CONNECT", "origin.test:443", host_header="origin.test:443"),)
            )
            head, _ = await read_body(stream)
            assert head.status == 407
            with pytest.raises(StateError, match="cannot rebind") as info:
                stream.rebind(ClientCodec("origin.test"))
            assert info.value.host == f"127.0.0.1:{port}"
        finally:
            stream.abort()


@pytest.mark.asyncio
async def test_a_certificate_the_context_does_not_trust_is_a_tls_error(
    tls_files: TLSFiles,
) -> None:
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    untrusting = ssl.create_default_context()  # the system store: not our test CA
    async with serve(never, tls_files.server_context()) as port:
        with pytest.raises(TLSError) as info:
            await open_stream(
                ClientCodec("localhost"),
                host="127.0.0.1",
                port=port,
                budgets=Timeout(connect=5),
                ssl_context=untrusting,
                server_hostname="localhost",
            )
    assert isinstance(info.value, ConnectError)
    assert info.value.host == f"127.0.0.1:{port}"
    assert f"127.0.0.1:{port}" in str(info.value)
    assert isinstance(info.value.__cause__, ssl.SSLError)


@pytest.mark.asyncio
async def test_a_server_choosing_another_alpn_protocol_fails_the_connection(
    tls_files: TLSFiles,
) -> None:
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    offering_h2 = ssl.create_default_context(cafile=str(tls_files.ca_pem_path))
    offering_h2.set_alpn_protocols(["h2", "http/1.1"])  # a caller's own context
    async with serve(never, tls_files.server_context(alpn=["h2"])) as port:
        with pytest.raises(TLSError, match="'h2'") as info:
            await open_stream(
                ClientCodec("localhost"),
                host="127.0.0.1",
                port=port,
                budgets=Timeout(connect=5),
                ssl_context=offering_h2,
                server_hostname="localhost",
            )
    assert info.value.host == f"127.0.0.1:{port}"
    # What the handshake agreed will be agreed again: not worth a connect retry.
    assert not is_temp_network_error(info.value)


@pytest.mark.asyncio
async def test_connect_timeout_covers_the_tls_handshake(tls_files: TLSFiles) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts TCP, never answers the ClientHello

    async with serve(silent) as port:
        with pytest.raises(TimeoutError) as info:
            await open_stream(
                ClientCodec("localhost"),
                host="127.0.0.1",
                port=port,
                budgets=Timeout(connect=0.2),
                ssl_context=tls_files.client_context,
                server_hostname="localhost",
            )
    assert isinstance(info.value, ConnectError)  # ConnectTimeout: both
    assert info.value.host == f"127.0.0.1:{port}"
