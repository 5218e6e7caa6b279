"""Self-tests of the test infrastructure: the real servers, the ASGI app, the raw server.

Everything here talks through plain asyncio streams or the standard library,
never through ``aiohttpcore``: these tests must hold before the client exists,
so that a failing interop test points at the client, not at its test bed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import http
import json
import os
import socket
import ssl
import struct
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _support import servers
from _support.app import ECHO_LIMIT, pattern, stamped_body, stamped_sha256
from _support.rawserver import (
    RawServer,
    RequestParseError,
    drip,
    half_close,
    http_response,
    read_body,
    read_request,
    read_requests,
    reset,
    truncate_tls,
)
from _support.servers import Server, ServerFarm, ServerStartError, TLSFiles

# ---------------------------------------------------------------- a minimal client


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names, repeated fields joined by ", "
    body: bytes
    chunked: bool


async def read_reply(reader: asyncio.StreamReader, *, head: bool = False) -> Reply:
    """Read one response: Content-Length, chunked, or until EOF; none after HEAD/204/304."""
    raw = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = raw[:-4].decode("latin-1").split("\r\n")
    version, status, _ = (status_line + " ").split(" ", 2)
    assert version == "HTTP/1.1", status_line
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    if head or int(status) in (204, 304):
        body = b""
    elif chunked:
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            assert await reader.readexactly(2) == b"\r\n"
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        body = b"".join(parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return Reply(int(status), headers, body, chunked)


@contextlib.asynccontextmanager
async def connect(
    server: Server, context: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    context = context or server.ssl_context_for_client
    reader, writer = await asyncio.open_connection(
        server.host, server.port, ssl=context, server_hostname=server.host if context else None
    )
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()


async def fetch(
    server: Server, method: str, target: str, body: bytes | None = None, *extra: str
) -> Reply:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {server.host}:{server.port}", *extra]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    async with connect(server) as (reader, writer):
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        return await read_reply(reader, head=method == "HEAD")


def request(server: Server, method: str, target: str, *extra: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {server.host}:{server.port}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


# ---------------------------------------------------------------- the real servers


@pytest.mark.asyncio
async def test_get_bytes(http_server: Server) -> None:
    reply = await fetch(http_server, "GET", "/bytes/10")
    assert (reply.status, reply.body) == (200, b"0123456789")
    assert reply.headers["content-length"] == "10"


@pytest.mark.asyncio
async def test_post_echo(http_server: Server) -> None:
    reply = await fetch(http_server, "POST", "/echo", b"hello world", "Content-Type: text/x-test")
    assert (reply.status, reply.body) == (200, b"hello world")
    assert reply.headers["x-method"] == "POST"
    assert reply.headers["x-body-length"] == "11"
    assert reply.headers["x-content-length-seen"] == "11"
    assert "x-transfer-encoding-seen" not in reply.headers
    assert reply.headers["content-type"] == "text/x-test"


@pytest.mark.asyncio
async def test_keepalive_sequence(http_server: Server) -> None:
    """One connection: chunked upload, HEAD, chunked download, headers, status, PUT."""
    s = http_server
    async with connect(s) as (reader, writer):
        writer.write(request(s, "POST", "/echo", "Transfer-Encoding: chunked"))
        writer.write(chunked(b"abc", b"defgh"))
        reply = await read_reply(reader)
        assert (reply.status, reply.body) == (200, b"abcdefgh")
        assert reply.headers["x-transfer-encoding-seen"] == "chunked"
        assert "x-content-length-seen" not in reply.headers

        writer.write(request(s, "HEAD", "/bytes/10"))
        reply = await read_reply(reader, head=True)
        assert (reply.status, reply.headers["content-length"]) == (200, "10")

        writer.write(request(s, "GET", "/chunked/1000?size=100"))
        reply = await read_reply(reader)
        assert reply.chunked
        assert "content-length" not in reply.headers
        assert reply.body == pattern(1000)

        writer.write(request(s, "GET", "/headers", "X-Test: one", "X-Test: two"))
        reply = await read_reply(reader)
        pairs = json.loads(reply.body)
        assert [v for k, v in pairs if k.lower() == "x-test"] == ["one", "two"]

        for code in (204, 304, 404, 418, 503):
            writer.write(request(s, "GET", f"/status/{code}"))
            reply = await read_reply(reader)
            assert reply.status == code
            phrase = http.HTTPStatus(code).phrase
            assert reply.body == (b"" if code in (204, 304) else f"{code} {phrase}\n".encode())

        writer.write(request(s, "PUT", "/echo", "Content-Length: 3") + b"xyz")
        reply = await read_reply(reader)
        assert (reply.headers["x-method"], reply.body) == ("PUT", b"xyz")


@pytest.mark.asyncio
async def test_errors(http_server: Server) -> None:
    assert (await fetch(http_server, "GET", "/nowhere")).status == 404
    reply = await fetch(http_server, "GET", "/echo")
    assert (reply.status, reply.headers["allow"]) == (405, "POST, PUT")
    assert (await fetch(http_server, "GET", "/status/99")).status == 400
    assert (await fetch(http_server, "GET", f"/bytes/{(1 << 30) + 1}")).status == 400
    reply = await fetch(http_server, "POST", "/echo", b"x" * (ECHO_LIMIT + 1))
    assert reply.status == 413


@pytest.mark.asyncio
async def test_close_and_sleep(http_server: Server) -> None:
    s = http_server
    async with connect(s) as (reader, writer):
        started = time.monotonic()
        writer.write(request(s, "GET", "/sleep?ms=100"))
        reply = await read_reply(reader)
        assert (reply.status, reply.body) == (200, b"slept 100 ms\n")
        assert time.monotonic() - started >= 0.09

        writer.write(request(s, "GET", "/close"))
        reply = await read_reply(reader)
        assert (reply.status, reply.headers["connection"].lower()) == (200, "close")
        async with asyncio.timeout(5):
            assert await reader.read() == b""  # the server closed


@pytest.mark.asyncio
async def test_sha256_download_and_upload(http_server: Server) -> None:
    s, n = http_server, 3 * 1024 * 1024 + 5
    reply = await fetch(s, "GET", f"/sha256/{n}")
    assert len(reply.body) == n
    assert hashlib.sha256(reply.body).hexdigest() == stamped_sha256(n)
    assert reply.headers["x-body-sha256"] == stamped_sha256(n)
    assert reply.body[:8] == bytes(8)  # block 0 stamped 0
    assert reply.body[65536 : 65536 + 8] == (1).to_bytes(8, "big")

    upload = stamped_body(n)
    async with connect(s) as (reader, writer):
        writer.write(request(s, "POST", "/upload-sha256", "Transfer-Encoding: chunked"))
        for offset in range(0, n, 256 * 1024):
            writer.write(chunked(upload[offset : offset + 256 * 1024])[:-5])  # no last chunk
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        reply = await read_reply(reader)
    assert json.loads(reply.body) == {"length": n, "sha256": stamped_sha256(n)}
    assert reply.headers["x-body-sha256"] == stamped_sha256(n)
    assert reply.headers["x-transfer-encoding-seen"] == "chunked"


@pytest.mark.asyncio
async def test_tls_trust_and_alpn(tls_http_server: Server) -> None:
    """The client context is needed and enough; no server picks anything but http/1.1."""
    s = tls_http_server
    assert s.ca_pem_path is not None
    assert s.base_url == f"https://127.0.0.1:{s.port}"
    context = ssl.create_default_context(cafile=str(s.ca_pem_path))
    context.set_alpn_protocols(["h2", "http/1.1"])
    async with connect(s, context) as (reader, writer):
        assert writer.get_extra_info("ssl_object").selected_alpn_protocol() in (None, "http/1.1")
        writer.write(request(s, "GET", "/bytes/3"))
        assert (await read_reply(reader)).body == b"012"
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection(
            s.host, s.port, ssl=ssl.create_default_context(), server_hostname=s.host
        )


def test_plain_server_fields(plain_http_server: Server) -> None:
    s = plain_http_server
    assert (s.scheme, s.host, s.ca_pem_path, s.ssl_context_for_client) == (
        "http",
        "127.0.0.1",
        None,
        None,
    )
    assert s.url("/bytes/1") == f"http://127.0.0.1:{s.port}/bytes/1"
    assert s.label == f"{s.name}-http"


def test_single_fixtures_share_the_farm(
    uvicorn_h11_server: Server,
    uvicorn_httptools_tls_server: Server,
    hypercorn_server: Server,
    granian_tls_server: Server,
    server_farm: ServerFarm,
) -> None:
    assert uvicorn_h11_server == server_farm.get("uvicorn-h11", tls=False)
    assert granian_tls_server == server_farm.get("granian", tls=True)
    labels = {uvicorn_h11_server.label, uvicorn_httptools_tls_server.label}
    assert labels == {"uvicorn-h11-http", "uvicorn-httptools-https"}
    assert (hypercorn_server.tls, granian_tls_server.tls) == (False, True)


def test_start_failure_quotes_the_log(
    tmp_path: Path, tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash = "import sys; print('boom: no app', file=sys.stderr); sys.exit(3)"
    monkeypatch.setitem(
        servers._KINDS, "broken", servers._Kind(lambda launch: ["-c", crash], passes_fd=True)
    )
    farm = ServerFarm(tmp_path, tls_files)
    try:
        with pytest.raises(ServerStartError, match=r"(?s)exited with 3.*boom: no app"):
            farm.get("broken", tls=False)
        with pytest.raises(KeyError, match="unknown server 'nginx'"):
            farm.get("nginx", tls=False)
    finally:
        farm.close()


def test_teardown_reaps_the_whole_group(tmp_path: Path, tls_files: TLSFiles) -> None:
    """granian runs its worker in a child process: both must be gone after close()."""
    farm = ServerFarm(tmp_path, tls_files)
    try:
        farm.get("granian", tls=False)
        process = farm._processes["granian", False]
        pid = process.proc.pid
    finally:
        farm.close()
    assert process.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)


# ---------------------------------------------------------------- the raw server


@pytest.mark.asyncio
async def test_raw_read_request_and_count() -> None:
    seen = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async for req in read_requests(reader):
            seen.append(req)
            writer.write(http_response(b"ok"))

    async with RawServer(handler) as server:
        for _ in range(2):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            writer.write(b"PUT /c HTTP/1.1\r\nhost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"2\r\nde\r\n1;ext=1\r\nf\r\n0\r\nTrailer-One: t\r\n\r\n")
            for _ in range(2):
                assert (await read_reply(reader)).body == b"ok"
            writer.close()
            await writer.wait_closed()
        async with asyncio.timeout(5):
            await server.connections[1].wait_closed_by_client()
        assert server.connection_count == 2
        assert server.base_url == f"http://127.0.0.1:{server.port}"

    first, second = seen[:2]
    assert (first.method, first.target, first.version, first.body) == (
        "POST",
        "/a?b=1",
        "HTTP/1.1",
        b"abc",
    )
    assert (first.get("HOST"), first.content_length, first.chunked) == ("x", 3, False)
    assert first.head.endswith(b"Content-Length: 3\r\n\r\n")
    assert (second.body, second.chunked, second.chunk_sizes) == (b"def", True, (2, 1))
    assert second.trailers == (("Trailer-One", "t"),)
    assert second.headers[0] == ("host", "x")  # original case kept
    assert all(c.client_eof and c.closed_by_client and c.lost for c in server.connections)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "head",
    [
        b"GET / HTTP/1.1\nHost: x\r\n\r\n",  # bare LF
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",  # space before colon
        b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",  # two spaces
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ],
)
async def test_raw_read_request_is_strict(head: bytes) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(head + b"0\r\n\r\n")
    reader.feed_eof()
    with pytest.raises(RequestParseError):
        await read_request(reader)


@pytest.mark.asyncio
async def test_raw_body_after_100_continue() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_request(reader, body=False)
        assert (head.get("expect"), head.body) == ("100-continue", b"")
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        full = await read_body(reader, head)
        writer.write(http_response(full.body[::-1]))

    async with RawServer(handler) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
        )
        assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"abc")
        assert (await read_reply(reader)).body == b"cba"
        writer.close()
        await writer.wait_closed()


@pytest.mark.asyncio
async def test_raw_drip() -> None:
    payload = http_response(b"dripped")

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await drip(writer, payload, delay=0.002)

    async with RawServer(handler) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received, reads = b"", 0
        while data := await reader.read(65536):
            received, reads = received + data, reads + 1
        writer.close()
        await writer.wait_closed()
    assert received == payload
    assert reads >= len(payload) // 2  # arrived in pieces, not at once


@pytest.mark.asyncio
async def test_raw_reset() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await writer.drain()
        await asyncio.sleep(0.05)  # let the partial response arrive before the RST
        reset(writer)

    async with RawServer(handler) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        with pytest.raises(ConnectionResetError):
            await reader.read()  # reads "partial", then the RST
        writer.close()
        with contextlib.suppress(ConnectionResetError):
            await writer.wait_closed()
        async with asyncio.timeout(5):
            await server.connections[0].wait_lost()
        assert not server.connections[0].closed_by_client


@pytest.mark.asyncio
async def test_raw_half_close() -> None:
    """The server's FIN ends the client's reading; the client can still send."""
    got: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(http_response(b"bye", content_length=False))
        await half_close(writer)
        got.append(await reader.read())  # until the client's own EOF

    async with RawServer(handler) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = await read_reply(reader)  # close-delimited: ends at the server's FIN
        assert reply.body == b"bye"
        writer.write(b"sent after the server's EOF")
        writer.write_eof()
        async with asyncio.timeout(5):
            await server.connections[0].wait_closed_by_client()
        writer.close()
        await writer.wait_closed()
    assert got == [b"sent after the server's EOF"]
    assert server.connections[0].client_eof


@pytest.mark.asyncio
async def test_raw_client_reset_is_recorded() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionResetError):
            await reader.read()

    async with RawServer(handler) as server:
        _, writer = await asyncio.open_connection(server.host, server.port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        async with asyncio.timeout(5):
            await server.wait_connections(1)
            writer.transport.abort()
            await server.connections[0].wait_closed_by_client()
        assert server.connections[0].client_reset


@pytest.mark.asyncio
async def test_raw_handler_errors_are_raised() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        assert request.method == "POST", "the client sent the wrong method"

    server = RawServer(handler)
    await server.__aenter__()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert await reader.read() == b""  # the handler failed, the server closed
    writer.close()
    await writer.wait_closed()
    with pytest.raises(AssertionError, match="wrong method"):
        await server.__aexit__(None, None, None)


@pytest.mark.asyncio
async def test_raw_exit_cancels_stuck_handlers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    async with RawServer(handler, exit_timeout=0.05) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        async with asyncio.timeout(5):
            await server.wait_connections(1)
    assert await reader.read() == b""
    assert server.connections[0].lost
    writer.close()
    await writer.wait_closed()


@dataclasses.dataclass(frozen=True, slots=True)
class TLSEnding:
    plaintext: bytes
    close_notify: bool  # the server's TLS close_notify arrived
    tcp: str  # how the TCP connection ended: "eof" or "reset"


def _tls_client(port: int, context: ssl.SSLContext) -> TLSEnding:
    """A blocking TLS client over MemoryBIO, to see the TLS and TCP endings apart.

    (An ``ssl.SSLSocket`` reports an RST after data as ``SSLEOFError`` with
    OpenSSL 3, the same as a FIN without close_notify.)
    """
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    plaintext, close_notify, tcp = b"", False, "eof"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                sock.sendall(outgoing.read())
                if not (data := sock.recv(65536)):
                    raise ConnectionError("EOF during the TLS handshake") from None
                incoming.write(data)
        tls.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.sendall(outgoing.read())
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                tcp = "reset"
                break
            if not data:
                break
            incoming.write(data)
            while not close_notify:
                try:
                    piece = tls.read(65536)
                except ssl.SSLWantReadError:
                    break
                except ssl.SSLZeroReturnError:
                    piece, close_notify = b"", True
                if not piece:  # close_notify (SSLObject.read gives b"" after it)
                    close_notify = True
                    tls.unwrap()  # answer it, as a polite client does
                    sock.sendall(outgoing.read())
                plaintext += piece
    return TLSEnding(plaintext, close_notify, tcp)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("ending", "close_notify", "tcp"),
    [("close", True, "eof"), ("truncate", False, "eof"), ("reset", False, "reset")],
)
async def test_raw_tls(tls_files: TLSFiles, ending: str, close_notify: bool, tcp: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        with pytest.raises(ValueError, match="plain TCP"):
            await half_close(writer)
        writer.write(http_response(b"secret", content_length=False))
        await writer.drain()
        await asyncio.sleep(0.05)  # the response arrives before the ending
        if ending == "truncate":
            truncate_tls(writer)
        elif ending == "reset":
            reset(writer)
        # "close": returning closes with close_notify

    async with RawServer(handler, ssl=tls_files.server_context()) as server:
        assert server.base_url.startswith("https://")
        result = await asyncio.to_thread(_tls_client, server.port, tls_files.client_context)
    assert result == TLSEnding(http_response(b"secret", content_length=False), close_notify, tcp)
