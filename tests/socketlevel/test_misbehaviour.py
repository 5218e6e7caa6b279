"""Socket-level tests of what real servers won't do, against a scripted raw server.

Each case makes the server misbehave on the wire (drip, stall, close or reset
at a chosen phase, truncate TLS, send stray or garbage bytes) and checks the
client's public answer: the exception type (PROTOCOL-POLICY.md decides which),
that the error names ``host:port`` (``error.host`` and ``str(error)``), and
``is_reusable()`` afterwards. Where the policy has two sides (HTTP/1.0 reuse,
TLS truncation after a complete body, 100-continue with and without the 100)
both are tested. Budgets stay at 0.5 s or less so the file runs in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import Awaitable, Callable

import pytest
import uvloop
from _support.late_collection import outlive_the_loop
from _support.rawserver import (
    RawConnection,
    RawServer,
    drip,
    http_response,
    read_body,
    read_request,
    read_requests,
    reset,
    truncate_tls,
)
from _support.servers import TLSFiles

from aiohttpcore import (
    BadStatusLine,
    BodyFollowing,
    ConnectionClosed,
    HTTPConnection,
    HTTPException,
    IncompleteRead,
    InvalidResponse,
    ReadError,
    ReadTimeout,
    Response,
    StateError,
    Timeout,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"


def connect_to(
    server: RawServer,
    *,
    read: float = 0.5,
    total: float | None = None,
    continue_timeout: float = 0.5,
    ssl_context: ssl.SSLContext | None = None,
) -> HTTPConnection:
    """A client for ``server`` whose every budget is small."""
    return HTTPConnection(
        server.host,
        server.port,
        ssl_context=ssl_context,
        timeout=Timeout(connect=0.5, read=read, write=0.5, pool=0.5, total=total),
        continue_timeout=continue_timeout,
    )


def assert_failed(error: HTTPException, conn: HTTPConnection) -> None:
    """The error names the server and the connection cannot carry another request."""
    assert error.host == conn.label == f"127.0.0.1:{conn.port}"
    assert conn.label in str(error)
    assert not conn.is_reusable()


async def until(predicate: Callable[[], bool], seconds: float = 1.0) -> None:
    """Poll ``predicate`` until it holds (the client notices EOF and stray bytes by itself)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110  (a plain property: no event to wait on)
            await asyncio.sleep(0.005)


async def closed_by_client(record: RawConnection) -> None:
    async with asyncio.timeout(1.0):
        await record.wait_closed_by_client()


async def rest_until_client_closes(reader: asyncio.StreamReader) -> bytes:
    """Everything the client sends until it closes (FIN or RST)."""
    data = bytearray()
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            data += chunk
    return bytes(data)


async def get(conn: HTTPConnection, target: str = "/") -> None:
    await conn.send_request("GET", target)


async def fetch(conn: HTTPConnection, progress: list[bytes]) -> None:
    """Read the next response to its end; ``progress`` gets b"" for the head, then each piece."""
    response = await conn.read_response()
    progress.append(b"")
    while data := await response.read(100):
        progress.append(data)


# ---------------------------------------------------------------- slow drip and timeouts


@pytest.mark.asyncio
async def test_head_dripped_byte_by_byte_within_the_read_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        # ~40 bytes 5 ms apart: longer in total than `read`, no single silence is.
        await drip(writer, OK_HEAD + b"hello", delay=0.005)
        await rest_until_client_closes(reader)

    async with RawServer(handler) as server, connect_to(server, read=0.15) as conn:
        await get(conn)
        response = await conn.read_response()
        assert response.status == 200
        assert await response.readall() == b"hello"
        assert conn.is_reusable()


async def _silent_before_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await rest_until_client_closes(reader)


async def _silent_mid_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Len")
    await rest_until_client_closes(reader)


async def _silent_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(OK_HEAD + b"he")
    await rest_until_client_closes(reader)


@pytest.mark.parametrize(
    "handler",
    [_silent_before_head, _silent_mid_head, _silent_mid_body],
    ids=["before-head", "mid-head", "mid-body"],
)
@pytest.mark.asyncio
async def test_silence_longer_than_read_timeout(handler: Handler) -> None:
    async with RawServer(handler) as server, connect_to(server, read=0.2) as conn:
        loop = asyncio.get_running_loop()
        await get(conn)
        start = loop.time()
        with pytest.raises(ReadTimeout) as info:
            await fetch(conn, [])
        elapsed = loop.time() - start
        assert isinstance(info.value, TimeoutError)
        assert 0.19 <= elapsed < 1.0
        assert_failed(info.value, conn)
        await closed_by_client(server.connections[0])  # unusable: the client closed it


async def _drip_forever(writer: asyncio.StreamWriter, prefix: bytes) -> None:
    writer.write(prefix)
    with contextlib.suppress(ConnectionError):
        while not writer.is_closing():
            await drip(writer, b"a", delay=0.05)


@pytest.mark.parametrize("phase", ["head", "body"])
@pytest.mark.asyncio
async def test_total_deadline_fails_a_server_dripping_forever(phase: str) -> None:
    prefix = {
        "head": b"HTTP/1.1 200 OK\r\nX-Slow: ",
        "body": b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n",
    }[phase]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await _drip_forever(writer, prefix)

    async with RawServer(handler) as server, connect_to(server, read=0.3, total=0.4) as conn:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await get(conn)
        progress: list[bytes] = []
        with pytest.raises(ReadTimeout) as info:
            await fetch(conn, progress)
        elapsed = loop.time() - start
        assert isinstance(info.value, TimeoutError)
        assert 0.39 <= elapsed < 1.0
        if phase == "body":
            assert len(progress) > 2  # the drip did get through: only the total budget ran out
        assert_failed(info.value, conn)
        await closed_by_client(server.connections[0])


# ---------------------------------------------------------------- early close


@pytest.mark.asyncio
async def test_close_before_any_response_byte() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        with pytest.raises(ConnectionClosed) as info:
            await conn.read_response()
        assert not info.value.unprocessed
        assert_failed(info.value, conn)


@pytest.mark.parametrize("how", ["fin", "rst"])
@pytest.mark.asyncio
async def test_idle_keep_alive_connection_closed_by_server(how: str) -> None:
    close_now = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(http_response(b"hello"))
        await writer.drain()
        await close_now.wait()
        if how == "rst":
            reset(writer)  # otherwise the handler's return closes with FIN

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        assert await response.readall() == b"hello"
        assert conn.is_reusable()
        close_now.set()
        await until(lambda: not conn.is_reusable())  # noticed without sending anything
        assert not conn.response_pending()
        # The next request goes out on a fresh connection.
        await get(conn)
        response = await conn.read_response()
        assert await response.readall() == b"hello"
        assert server.connection_count == 2


@pytest.mark.parametrize(
    "partial",
    [b"H", b"HTTP/1.1 20", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"],
    ids=["first-byte", "status-line", "after-status-line", "after-a-header"],
)
@pytest.mark.asyncio
async def test_close_mid_head(partial: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(partial)

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        with pytest.raises(InvalidResponse) as info:
            await conn.read_response()
        assert not isinstance(info.value, IncompleteRead)
        assert_failed(info.value, conn)


async def _read_all(response: Response, how: str) -> bytes:
    if how == "readall":
        return await response.readall()
    body = bytearray()
    buffer = bytearray(3)
    while count := await response.readinto(buffer):
        body += buffer[:count]
    return bytes(body)


@pytest.mark.parametrize("how", ["readall", "readinto"])
@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd", 6),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", None),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n", None),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0", None),
    ],
    ids=["content-length", "chunked-mid-chunk", "chunked-between-chunks", "chunked-in-last"],
)
@pytest.mark.asyncio
async def test_close_mid_body(sent: bytes, expected: int | None, how: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(sent)

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        assert response.status == 200
        with pytest.raises(IncompleteRead) as info:
            await _read_all(response, how)
        if expected is not None:
            assert info.value.expected == expected
        assert_failed(info.value, conn)


@pytest.mark.asyncio
async def test_last_chunk_without_final_crlf_is_delivered_but_not_reused() -> None:
    # PROTOCOL-POLICY.md: "0\r\n" then EOF -> deliver the body, no-reuse.
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n")

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        assert await response.readall() == b"abcde"
        await until(lambda: not conn.is_reusable())


@pytest.mark.parametrize("announced", [False, True], ids=["keep-alive", "connection-close"])
@pytest.mark.asyncio
async def test_close_between_pipelined_responses(announced: bool) -> None:
    headers = [("Connection", "close")] if announced else []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await read_request(reader)  # both read: closing with unread bytes would send RST
        writer.write(http_response(b"first", headers=headers))

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn, "/1")
        await get(conn, "/2")
        response = await conn.read_response()
        assert await response.readall() == b"first"
        with pytest.raises(ConnectionClosed) as info:
            await conn.read_response()
        assert info.value.unprocessed is announced
        assert_failed(info.value, conn)


async def _close_before_response(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await read_request(reader)


async def _close_between_pipelined(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await read_request(reader)
    await read_request(reader)
    writer.write(http_response(b"first"))


async def _close_announced(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await read_request(reader)
    writer.write(http_response(b"first", headers=[("Connection", "close")]))


@pytest.mark.parametrize(
    ("handler", "pipelined"),
    [
        (_close_before_response, False),
        (_close_between_pipelined, True),
        (_close_announced, True),
    ],
    ids=["before-response", "between-pipelined", "behind-connection-close"],
)
@pytest.mark.asyncio
async def test_connection_closed_answers_the_request(handler: Handler, pipelined: bool) -> None:
    # The ConnectionClosed is the request's answer: nothing is owed afterwards, so
    # the connection reopens for the next request (connection.py's module rules).
    retried: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if server.connection_count == 1:
            await handler(reader, writer)
            return
        async for request in read_requests(reader):
            retried.append(request.target)
            writer.write(http_response(b"again"))

    async with RawServer(serve) as server, connect_to(server) as conn:
        await get(conn, "/1")
        if pipelined:
            await get(conn, "/2")
            response = await conn.read_response()
            assert await response.readall() == b"first"
        with pytest.raises(ConnectionClosed):
            await conn.read_response()
        assert not conn.response_pending()
        await get(conn, "/retry")
        response = await conn.read_response()
        assert await response.readall() == b"again"
        assert retried == ["/retry"]
        assert server.connection_count == 2


# ---------------------------------------------------------------- 100-continue and early answers


async def _nothing_arrives(reader: asyncio.StreamReader, seconds: float) -> None:
    """Nothing of the body reaches the server within ``seconds`` (nothing is consumed)."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readexactly(1), seconds)


@pytest.mark.parametrize("style", ["bytes", "body-following"])
@pytest.mark.asyncio
async def test_expect_100_body_waits_for_the_100(style: str) -> None:
    bodies: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader, body=False)
        assert request.get("expect") == "100-continue"
        await _nothing_arrives(reader, 0.1)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        bodies.append((await read_body(reader, request)).body)
        writer.write(http_response(b"done"))
        await rest_until_client_closes(reader)

    # continue_timeout far above the test's budget: only the 100 can release the body.
    async with RawServer(handler) as server, connect_to(server, continue_timeout=5.0) as conn:
        loop = asyncio.get_running_loop()
        start = loop.time()
        if style == "bytes":
            await conn.send_request("PUT", "/", body=b"data", expect100=True)
        else:
            await conn.send_request("PUT", "/", body=BodyFollowing(4), expect100=True)
            await conn.write(b"data")
        response = await conn.read_response()
        assert response.status == 200
        assert await response.readall() == b"done"
        assert loop.time() - start < 2.0
        assert bodies == [b"data"]
        assert conn.is_reusable()


@pytest.mark.asyncio
async def test_expect_100_never_answered_body_sent_after_continue_timeout() -> None:
    bodies: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader, body=False)
        await _nothing_arrives(reader, 0.15)  # the server never sends 100
        bodies.append((await read_body(reader, request)).body)
        writer.write(http_response(b"done"))
        await rest_until_client_closes(reader)

    async with RawServer(handler) as server, connect_to(server, continue_timeout=0.3) as conn:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await conn.send_request("PUT", "/", body=b"data", expect100=True)
        assert loop.time() - start >= 0.29
        response = await conn.read_response()
        assert await response.readall() == b"done"
        assert bodies == [b"data"]
        assert conn.is_reusable()


@pytest.mark.parametrize("style", ["bytes", "body-following"])
@pytest.mark.asyncio
async def test_early_413_with_expect_100_body_never_sent(style: str) -> None:
    rest: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, body=False)
        # No Connection: close: not reusing is the client's own rule (policy, reuse 5).
        writer.write(http_response(b"too large", status=413, reason="Payload Too Large"))
        rest.append(await rest_until_client_closes(reader))

    async with RawServer(handler) as server, connect_to(server, continue_timeout=5.0) as conn:
        if style == "bytes":
            await conn.send_request("PUT", "/", body=b"x" * 100_000, expect100=True)
        else:
            await conn.send_request("PUT", "/", body=BodyFollowing(100_000), expect100=True)
        response = await conn.read_response()
        assert response.status == 413
        assert await response.readall() == b"too large"
        assert not conn.is_reusable()
        assert not conn.response_pending()
        await closed_by_client(server.connections[0])  # no-reuse: the client closes it
    assert rest == [b""]


@pytest.mark.parametrize("announced", [False, True], ids=["keep-alive", "connection-close"])
@pytest.mark.asyncio
async def test_early_413_while_streaming_a_large_body(announced: bool) -> None:
    total = 64 * 1024 * 1024
    chunk = b"x" * 65536
    received: list[int] = []
    headers = [("Connection", "close")] if announced else []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader, body=False)
        writer.write(
            http_response(b"too large", status=413, reason="Payload Too Large", headers=headers)
        )
        # Like nginx's lingering close: keep reading (and dropping) what still comes.
        received.append(len(await rest_until_client_closes(reader)))

    async with RawServer(handler) as server, connect_to(server) as conn:
        await conn.send_request("PUT", "/", body=BodyFollowing(total))
        answer = asyncio.create_task(conn.read_response())
        sent = 0
        while not answer.done() and sent < total:
            await conn.write(chunk)
            sent += len(chunk)
            await asyncio.sleep(0)  # an uploader reading from a file yields too
        response = await answer
        assert sent < total
        assert response.status == 413
        assert await response.readall() == b"too large"
        assert not conn.is_reusable()
        await closed_by_client(server.connections[0])
    assert received[0] <= sent


# ---------------------------------------------------------------- RST at each phase


async def _rst_before_response(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    reset(writer)


async def _rst_mid_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\nContent-")
    await writer.drain()
    await asyncio.sleep(0.05)  # let the client take the bytes before the RST drops them
    reset(writer)


async def _rst_mid_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(OK_HEAD + b"he")
    await writer.drain()
    await asyncio.sleep(0.05)
    reset(writer)


@pytest.mark.parametrize(
    ("handler", "allowed"),
    [
        (_rst_before_response, (ReadError, ConnectionClosed)),
        (_rst_mid_head, (ReadError, InvalidResponse)),
        (_rst_mid_body, (ReadError, IncompleteRead)),
    ],
    ids=["before-response", "mid-head", "mid-body"],
)
@pytest.mark.asyncio
async def test_reset_by_server(handler: Handler, allowed: tuple[type[HTTPException], ...]) -> None:
    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        progress: list[bytes] = []
        with pytest.raises(allowed) as info:
            await fetch(conn, progress)
        # The reset came in the phase the handler chose.
        assert progress == ([b"", b"he"] if handler is _rst_mid_body else [])
        error = info.value
        assert isinstance(error.__cause__, OSError), repr(error.__cause__)
        assert not isinstance(error, TimeoutError)
        assert_failed(error, conn)


# ---------------------------------------------------------------- TLS truncation


def _tls_handler(response: bytes, *, truncate: bool) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response)
        await writer.drain()
        await asyncio.sleep(0.05)
        if truncate:
            truncate_tls(writer)  # FIN without close_notify
        # else: the handler's return sends close_notify

    return handler


UNTIL_CLOSE = b"HTTP/1.1 200 OK\r\n\r\npartial"


@pytest.mark.parametrize("how", ["readall", "readinto"])
@pytest.mark.asyncio
async def test_tls_truncation_of_a_close_delimited_body(tls_files: TLSFiles, how: str) -> None:
    handler = _tls_handler(UNTIL_CLOSE, truncate=True)
    async with (
        RawServer(handler, ssl=tls_files.server_context()) as server,
        connect_to(server, ssl_context=tls_files.client_context) as conn,
    ):
        await get(conn)
        response = await conn.read_response()
        with pytest.raises(IncompleteRead) as info:
            await _read_all(response, how)
        assert_failed(info.value, conn)


# A TLS application-data record (type 23, TLS 1.2 on the wire) of 32 bytes no
# key produced: the client's record layer must reject it (bad record MAC).
FORGED_RECORD = b"\x17\x03\x03\x00\x20" + bytes(range(32))


@pytest.mark.parametrize("how", ["readall", "readinto"])
@pytest.mark.asyncio
async def test_a_tls_failure_mid_body_is_a_read_error_with_its_cause(
    tls_files: TLSFiles, how: str
) -> None:
    """Not a truncation: the TLS layer failed, and the error says so through ``__cause__``."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK_HEAD.replace(b"5", b"100") + b"part")
        await writer.drain()
        await asyncio.sleep(0.05)
        # Beneath TLS, on the socket itself: bytes no TLS session made.
        os.write(writer.get_extra_info("socket").fileno(), FORGED_RECORD)
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await reader.read()

    async with (
        RawServer(handler, ssl=tls_files.server_context()) as server,
        connect_to(server, ssl_context=tls_files.client_context) as conn,
    ):
        await get(conn)
        response = await conn.read_response()
        with pytest.raises(ReadError) as info:
            await _read_all(response, how)
        assert isinstance(info.value.__cause__, ssl.SSLError)
        assert not isinstance(info.value.__cause__, ssl.SSLEOFError)
        assert_failed(info.value, conn)


@pytest.mark.parametrize(
    ("sent", "body", "truncate"),
    [
        (OK_HEAD + b"hello", b"hello", True),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            b"hello",
            True,
        ),
        (UNTIL_CLOSE, b"partial", False),
    ],
    ids=["content-length-truncated", "chunked-truncated", "until-close-with-close-notify"],
)
@pytest.mark.parametrize("how", ["readall", "readinto"])
@pytest.mark.asyncio
async def test_tls_close_after_a_complete_body_is_fine(
    tls_files: TLSFiles, sent: bytes, body: bytes, truncate: bool, how: str
) -> None:
    handler = _tls_handler(sent, truncate=truncate)
    async with (
        RawServer(handler, ssl=tls_files.server_context()) as server,
        connect_to(server, ssl_context=tls_files.client_context) as conn,
    ):
        await get(conn)
        response = await conn.read_response()
        assert await _read_all(response, how) == body
        assert response.closed
        await until(lambda: not conn.is_reusable())  # the server is gone all the same


# ---------------------------------------------------------------- a body given up


@pytest.mark.parametrize("arrived", [True, False], ids=["all-here", "still-coming"])
@pytest.mark.asyncio
async def test_a_body_closed_unread_is_not_an_empty_body(arrived: bool) -> None:
    """After ``close()``, reads return b"" as httplib's do; ``content`` does not pretend.

    Both paths of ``readall``: the body already buffered whole (the one-piece
    fast path) and a body still on its way.
    """

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK_HEAD + (b"hello" if arrived else b"he"))
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        await asyncio.sleep(0.05)  # whatever is coming is here
        response.close()
        assert await response.readall() == b""
        with pytest.raises(StateError, match="given up"):
            _ = response.content
        assert not conn.is_reusable()


@pytest.mark.parametrize("how", ["read", "readinto", "readall", "discard"])
@pytest.mark.asyncio
async def test_a_failed_body_read_fails_again_rather_than_end_the_body(how: str) -> None:
    """After a ReadTimeout, the body did not end: b"" (or 0) would say it had."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK_HEAD.replace(b"5", b"10") + b"half")
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async with RawServer(handler) as server, connect_to(server, read=0.2) as conn:
        await get(conn)
        response = await conn.read_response()
        assert await response.read(4) == b"half"
        with pytest.raises(ReadTimeout):
            await response.read(10)
        for _ in range(2):
            with pytest.raises(ReadTimeout):
                await _read_once(response, how)
        assert response.closed
        assert not conn.is_reusable()


async def _read_once(response: Response, how: str) -> object:
    if how == "read":
        return await response.read(10)
    if how == "readinto":
        return await response.readinto(bytearray(10))
    if how == "readall":
        return await response.readall()
    await response.discard()
    return None


@pytest.mark.asyncio
async def test_a_cancelled_readall_gives_its_bytes_back() -> None:
    """The bytes it had gathered come first in the next read: nothing is lost."""
    go = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK_HEAD.replace(b"5", b"10") + b"abcde")
        await writer.drain()
        await go.wait()
        writer.write(b"fghij")
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        reading = asyncio.create_task(response.readall())
        await asyncio.sleep(0.1)  # "abcde" was gathered; it waits for the rest
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        go.set()
        assert await response.readall() == b"abcdefghij"
        assert response.content == b"abcdefghij"
        assert response.received == 10
        assert conn.is_reusable()


# ---------------------------------------------------------------- HTTP/1.0, stray bytes, garbage


@pytest.mark.parametrize(
    ("head", "reusable"),
    [
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", True),
    ],
    ids=["no-keep-alive", "keep-alive"],
)
@pytest.mark.asyncio
async def test_http10_response_reuse(head: bytes, reusable: bool) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async for _ in read_requests(reader):  # the server itself never closes
            writer.write(head + b"ok")

    async with RawServer(handler) as server, connect_to(server) as conn:
        for _ in range(2):
            await get(conn)
            response = await conn.read_response()
            assert response.version == 10
            assert await response.readall() == b"ok"
            assert conn.is_reusable() is reusable
        assert server.connection_count == (1 if reusable else 2)
        if not reusable:
            await closed_by_client(server.connections[1])  # no-reuse: the client closed it


@pytest.mark.parametrize("then_close", [False, True], ids=["kept-open", "then-closed"])
@pytest.mark.asyncio
async def test_stray_bytes_while_idle(then_close: bool) -> None:
    stray_now = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(http_response(b"hello"))
        await stray_now.wait()
        writer.write(
            http_response(
                b"", status=408, reason="Request Timeout", headers=[("Connection", "close")]
            )
        )
        await writer.drain()
        if not then_close:
            await rest_until_client_closes(reader)

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        response = await conn.read_response()
        assert await response.readall() == b"hello"
        assert conn.is_reusable()
        stray_now.set()
        await until(lambda: not conn.is_reusable())  # without sending a request
        assert server.connection_count == 1


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 2OO OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 600 Nope",
        b"HTTP/1.1 099 Nope",
        b"garbage",
        b"HTTP/1.1200 OK",
    ],
)
@pytest.mark.asyncio
async def test_garbage_status_line(status_line: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(status_line + b"\r\nContent-Length: 0\r\n\r\n")
        await rest_until_client_closes(reader)

    async with RawServer(handler) as server, connect_to(server) as conn:
        await get(conn)
        with pytest.raises(BadStatusLine) as info:
            await conn.read_response()
        assert info.value.line == status_line.decode()
        assert_failed(info.value, conn)
        await closed_by_client(server.connections[0])  # closed by the client on its own


# ---------------------------------------------------------------- collected after its loop closed


@pytest.mark.parametrize(
    "new_loop", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"]
)
def test_a_connection_dropped_after_its_loop_closed_only_warns(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    """Collected open once its loop is closed: a warning, and that loop left alone.

    Aborting the transport would schedule its ``connection_lost`` on the
    closed loop: ``RuntimeError('Event loop is closed')``, unraisable inside
    ``__del__``. Not an asyncio test: it owns the loop that closes, and its
    server is a thread, so that the connection outlives the loop.
    """

    async def exchange(conn: HTTPConnection, port: int) -> None:
        await conn.send_request("GET", "/")
        assert await (await conn.read_response()).readall() == b"ok"

    left = outlive_the_loop(new_loop, lambda port: HTTPConnection("127.0.0.1", port), exchange)
    assert left.collected
    assert left.unraisable == []
    assert {w.category for w in left.warnings} == {ResourceWarning}
    assert left.server_saw_close
