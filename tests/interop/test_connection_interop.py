"""HTTPConnection against real servers: uvicorn (h11, httptools), hypercorn, granian.

What this file covers: everything the connection promises that a real,
well-behaved HTTP/1.1 server can show, against every server of the
``http_server`` fixture, plain and over TLS, on both event loops
(``tests/conftest.py``): downloads of every framing and size read in every
style, HEAD, 204 and 304, uploads of every body kind (and one that goes on
after a request refused in its middle), keep-alive reuse, 1,000-request
pipelines, ``Connection: close``, ``Expect: 100-continue``, httplib's façade
and the TLS session details.

How it tests: the servers run ``tests/_support/app.py``, whose answers are
computable (:func:`~_support.app.pattern`; ``/echo`` returns the body and the
framing headers it saw), so every body is compared byte for byte. Whether a
connection was reused is read from the connection's stream: the same
``HTTPStream`` object with the same local address means no reconnect (the
app has no route naming the client's address, so the server's side cannot
be asked).

A server closing an idle keep-alive connection by itself: uvicorn and
hypercorn time out after 5 s, granian later, too long here. One server does
it at once: hypercorn, after answering a request whose body the application
left unread, closes without ``Connection: close``;
``test_expect_continue_refused_and_idle_close_detected`` checks the client
notices with no request. The other servers' idle close is left to the
raw-server tests. Also here: the server's FIN recorded before any read, and
requests pipelined behind ``Connection: close``.

``test_dugong_body_calls_after_bodiless_response`` checks dugong's idiom on
the connection itself: after HEAD, 204, 304 or ``Content-Length: 0``,
``conn.readall()``, ``read()``, ``readinto()`` and ``discard()`` return
``b""``, ``0`` or ``None`` as dugong's do, rather than raise, and leave the
connection reusable. Every other test reads such bodies through the
``Response``, so a regression there fails that one test.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Final

import pytest
import pytest_asyncio
from _support.app import pattern, stamped_body
from _support.servers import Server

from aiohttpcore.connection import BodyFollowing, HTTPConnection
from aiohttpcore.exceptions import (
    CannotSendRequest,
    ConnectionClosed,
    HTTPException,
    WriteError,
)
from aiohttpcore.response import Response
from aiohttpcore.stream import HTTPStream
from aiohttpcore.timeouts import Timeout

pytestmark = pytest.mark.asyncio

#: Every wait is bounded well inside pytest's 60 s per test.
TIMEOUT: Final = Timeout.all(10.0)
SMALL: Final = 1_000
#: A few MiB, odd so that no read size or chunk size divides it.
LARGE: Final = 2 * 1024 * 1024 + 123
#: Above the connection's 64 KiB join limit, so head and body go out apart.
UPLOAD: Final = 200_003
PIPELINE: Final = 1_000
READ_SIZE: Final = 10_007
#: Which ALPN protocol each server picks when the client offers ``http/1.1``:
#: hypercorn is configured to offer it, granian (rustls) offers it for
#: ``--http 1``, uvicorn sets no ALPN on its context.
ALPN_CHOICE: Final[dict[str, str | None]] = {
    "uvicorn-h11": None,
    "uvicorn-httptools": None,
    "hypercorn": "http/1.1",
    "granian": "http/1.1",
}


def new_connection(server: Server, context: ssl.SSLContext | None = None) -> HTTPConnection:
    """A connection to *server*, over TLS with *context* or the server's shared client context."""
    return HTTPConnection(
        server.host,
        server.port,
        ssl_context=context or server.ssl_context_for_client,
        timeout=TIMEOUT,
    )


@pytest_asyncio.fixture
async def conn(http_server: Server) -> AsyncIterator[HTTPConnection]:
    connection = new_connection(http_server)
    try:
        yield connection
    finally:
        await connection.aclose()


def wire(conn: HTTPConnection) -> tuple[HTTPStream, object]:
    """The connection's open stream and its local address: both change on a reconnect."""
    stream = conn._stream
    assert stream is not None
    assert not stream.is_closing()
    return stream, stream.get_extra_info("sockname")


def pieces(data: bytes) -> Iterator[bytes]:
    """*data* in uneven pieces: 1 byte, then 999, then 70,000 at a time."""
    yield from (part for part in (data[:1], data[1:1000]) if part)
    for start in range(1000, len(data), 70_000):
        yield data[start : start + 70_000]


def is_closed(response: Response) -> bool:
    """``response.closed``, read through a call so that mypy does not narrow it."""
    return response.closed


async def get(conn: HTTPConnection, target: str) -> bytes:
    """One whole GET exchange; the body."""
    await conn.send_request("GET", target)
    response = await conn.read_response()
    assert response.status == 200, (target, response.status)
    return await response.readall()


# ---------------------------------------------------------------- downloads

Reader = Callable[[HTTPConnection, Response], Awaitable[bytes]]


async def by_readall(conn: HTTPConnection, response: Response) -> bytes:
    return await conn.readall()


async def by_read(conn: HTTPConnection, response: Response) -> bytes:
    parts = []
    while piece := await conn.read(READ_SIZE):
        assert len(piece) <= READ_SIZE
        parts.append(piece)
    return b"".join(parts)


async def by_readinto(conn: HTTPConnection, response: Response) -> bytes:
    buffer = bytearray(16_411)  # one buffer for the whole body
    received = bytearray()
    while count := await conn.readinto(buffer):
        received += buffer[:count]
    return bytes(received)


async def by_iteration(conn: HTTPConnection, response: Response) -> bytes:
    return b"".join([piece async for piece in response])


async def by_discard(conn: HTTPConnection, response: Response) -> bytes:
    await conn.discard()
    return b""


READERS: Final[dict[str, Reader]] = {
    "readall": by_readall,
    "read": by_read,
    "readinto": by_readinto,
    "async-for": by_iteration,
    "discard": by_discard,
}
#: (target, body length, chunked?)
DOWNLOADS: Final = (
    (f"/bytes/{SMALL}", SMALL, False),
    (f"/bytes/{LARGE}", LARGE, False),
    (f"/chunked/{SMALL}?size=100", SMALL, True),
    (f"/chunked/{LARGE}?size=7919", LARGE, True),
)


@pytest.mark.parametrize("style", READERS)
async def test_get_bodies_every_framing_and_size(conn: HTTPConnection, style: str) -> None:
    reader = READERS[style]
    first = None
    for target, size, chunked in DOWNLOADS:
        await conn.send_request("GET", target)
        assert not conn.is_reusable()
        response = await conn.read_response()
        assert response.status == 200
        if chunked:
            assert response.headers.get("transfer-encoding", "").lower() == "chunked"
            assert response.getheader("content-length") is None
        else:
            assert response.getheader("content-length") == str(size)
        body = await reader(conn, response)
        assert body == (b"" if style == "discard" else pattern(size)), target
        assert response.received == size
        assert response.closed
        assert not conn.response_pending()
        assert conn.is_reusable()
        first = first or wire(conn)
        assert wire(conn) == first, f"{target}: the connection was not reused"


async def test_head_has_no_body_and_keeps_the_connection(conn: HTTPConnection) -> None:
    await conn.send_request("HEAD", "/bytes/5000")
    response = await conn.read_response()
    assert response.status == 200
    assert response.method == "HEAD"
    assert response.getheader("content-length") == "5000"
    assert response.closed
    assert await response.readall() == b""
    assert conn.is_reusable()
    first = wire(conn)
    # Pipelined: a body that HEAD announced but did not send must not be
    # taken from the responses behind it.
    await conn.send_request("HEAD", "/chunked/5000")
    await conn.send_request("HEAD", "/bytes/77")
    await conn.send_request("GET", "/bytes/7")
    for _ in range(2):
        response = await conn.read_response()
        assert (response.status, response.closed) == (200, True)
        assert await response.readall() == b""
    assert await (await conn.read_response()).readall() == pattern(7)
    assert conn.is_reusable()
    assert wire(conn) == first


async def test_dugong_body_calls_after_bodiless_response(conn: HTTPConnection) -> None:
    """dugong's idiom ``read_response()`` then ``conn.readall()`` holds for every response.

    dugong answers ``b""`` when the response has no body (its
    ``_in_remaining is None``), so a caller need not know in advance whether
    HEAD, 204, 304 or ``Content-Length: 0`` left anything to read. Checked
    for each of the connection's body calls (``readall``, ``read``,
    ``readinto``, ``discard``): each returns the empty answer, none raises,
    and the connection stays reusable.
    """
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "readall": conn.readall,
        "read": lambda: conn.read(10),
        "readinto": lambda: conn.readinto(bytearray(10)),
        "discard": conn.discard,
    }
    outcomes: dict[tuple[str, str], object] = {}
    for method, target in (
        ("HEAD", "/bytes/5"),
        ("GET", "/status/204"),
        ("GET", "/status/304"),
        ("GET", "/bytes/0"),
    ):
        for name, call in calls.items():
            await conn.send_request(method, target)
            response = await conn.read_response()
            assert response.closed
            try:
                outcomes[target, name] = await call()
            except HTTPException as error:
                outcomes[target, name] = repr(error)
            assert conn.is_reusable()
    expected = {"readall": b"", "read": b"", "readinto": 0, "discard": None}
    assert outcomes == {key: expected[key[1]] for key in outcomes}


@pytest.mark.parametrize("code", [204, 304])
async def test_bodiless_status_then_next_response(conn: HTTPConnection, code: int) -> None:
    await conn.send_request("GET", f"/status/{code}")
    await conn.send_request("GET", "/bytes/9")
    response = await conn.read_response()
    assert response.status == code
    assert response.closed
    assert response.length == 0
    assert await response.readall() == b""
    assert conn.response_pending()  # the second request's answer
    first = wire(conn)
    assert await (await conn.read_response()).readall() == pattern(9)
    assert conn.is_reusable()
    assert wire(conn) == first


# ---------------------------------------------------------------- uploads

Sender = Callable[[HTTPConnection, str, bytes, Path], Awaitable[None]]


async def send_bytes(conn: HTTPConnection, method: str, data: bytes, tmp: Path) -> None:
    await conn.send_request(method, "/echo", body=data)


async def send_following_length(conn: HTTPConnection, method: str, data: bytes, tmp: Path) -> None:
    await conn.send_request(method, "/echo", body=BodyFollowing(len(data)))
    for piece in pieces(data):
        await conn.write(piece)


async def send_chunked_empty_write(
    conn: HTTPConnection, method: str, data: bytes, tmp: Path
) -> None:
    await conn.send_request(method, "/echo", body=BodyFollowing())
    for piece in pieces(data):
        await conn.write(piece)
    await conn.write(b"")


async def send_chunked_end_request(
    conn: HTTPConnection, method: str, data: bytes, tmp: Path
) -> None:
    await conn.send_request(method, "/echo", body=BodyFollowing())
    for piece in pieces(data):
        await conn.write(piece)
    await conn.end_request()


async def send_async_generator(conn: HTTPConnection, method: str, data: bytes, tmp: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        for piece in pieces(data):
            await asyncio.sleep(0)
            yield piece

    await conn.send_request(method, "/echo", body=body())


async def send_sync_iterable(conn: HTTPConnection, method: str, data: bytes, tmp: Path) -> None:
    await conn.send_request(method, "/echo", body=list(pieces(data)))


def open_body_file(path: Path, data: bytes) -> BinaryIO:
    path.write_bytes(data)
    return path.open("rb")


async def send_file(conn: HTTPConnection, method: str, data: bytes, tmp: Path) -> None:
    with open_body_file(tmp / "body.bin", data) as file:
        await conn.send_request(method, "/echo", body=file)


#: name: (sender, sent with Content-Length?)
SENDERS: Final[dict[str, tuple[Sender, bool]]] = {
    "bytes": (send_bytes, True),
    "following-length": (send_following_length, True),
    "chunked-write-empty": (send_chunked_empty_write, False),
    "chunked-end-request": (send_chunked_end_request, False),
    "async-generator": (send_async_generator, False),
    "sync-iterable": (send_sync_iterable, False),
    "sync-file": (send_file, True),
}


async def check_echo(conn: HTTPConnection, method: str, data: bytes, with_length: bool) -> None:
    response = await conn.read_response()
    assert response.status == 200
    assert response.getheader("x-method") == method
    assert response.getheader("x-body-length") == str(len(data))
    if with_length:
        assert response.getheader("x-content-length-seen") == str(len(data))
        assert response.getheader("x-transfer-encoding-seen") is None
    else:
        assert response.headers.get("x-transfer-encoding-seen", "").lower() == "chunked"
        assert response.getheader("x-content-length-seen") is None
    assert await response.readall() == data
    assert conn.is_reusable()


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("kind", SENDERS)
async def test_upload_body_kinds(
    conn: HTTPConnection, tmp_path: Path, kind: str, method: str
) -> None:
    sender, with_length = SENDERS[kind]
    data = stamped_body(UPLOAD)
    first = None
    for _ in range(2):  # twice: the second goes over the same connection
        await sender(conn, method, data, tmp_path)
        await check_echo(conn, method, data, with_length)
        first = first or wire(conn)
        assert wire(conn) == first


@pytest.mark.parametrize("kind", SENDERS)
async def test_upload_empty_body_kinds(conn: HTTPConnection, tmp_path: Path, kind: str) -> None:
    sender, with_length = SENDERS[kind]
    await sender(conn, "POST", b"", tmp_path)
    await check_echo(conn, "POST", b"", with_length)
    await send_bytes(conn, "PUT", b"after", tmp_path)
    await check_echo(conn, "PUT", b"after", True)


async def test_a_request_refused_in_the_middle_of_a_body_leaves_that_body_going(
    conn: HTTPConnection,
) -> None:
    # StateError's promise (raised before any I/O, nothing changes): the
    # refused request used to abort the connection under the body being sent.
    data = stamped_body(SMALL)
    await conn.send_request("PUT", "/echo", body=BodyFollowing(len(data)))
    await conn.write(data[:100])
    first = wire(conn)
    with pytest.raises(CannotSendRequest):
        await conn.send_request("GET", "/bytes/1")
    await conn.write(data[100:])
    await check_echo(conn, "PUT", data, True)
    assert wire(conn) == first
    assert conn.is_reusable()


# ---------------------------------------------------------------- reuse and pipelining


async def test_keep_alive_reuses_one_connection(conn: HTTPConnection) -> None:
    first = None
    for round_ in range(3):
        assert await get(conn, f"/bytes/{round_ + 1}") == pattern(round_ + 1)
        assert conn.is_reusable()
        first = first or wire(conn)
        await conn.send_request("POST", "/echo", body=b"x" * round_)
        assert not conn.is_reusable()
        assert await (await conn.read_response()).readall() == b"x" * round_
        assert conn.is_reusable()
        assert await get(conn, "/chunked/3000?size=512") == pattern(3000)
        await conn.send_request("GET", "/status/204")
        assert (await conn.read_response()).status == 204
        assert conn.is_reusable()
        assert wire(conn) == first


def says_close(response: Response) -> bool:
    return response.headers.get("connection", "").lower() == "close"


async def test_pipeline_thousand_requests_before_any_response(conn: HTTPConnection) -> None:
    for i in range(PIPELINE):
        await conn.send_request("GET", f"/bytes/{i}")
    stream, _ = wire(conn)
    assert conn.response_pending()
    last_said_close = False
    for i in range(PIPELINE):
        response = await conn.read_response()
        assert response.status == 200, i
        # /bytes/{i} answers i bytes: each body names its request.
        assert await response.readall() == pattern(i), f"response {i} out of order or corrupt"
        last_said_close = says_close(response)
        # Only the last may end the connection: hypercorn's keep_alive_max_requests
        # is 1,000, so its 1,000th response says Connection: close.
        assert not last_said_close or i == PIPELINE - 1, i
    assert not conn.response_pending()
    assert conn.is_reusable() is not last_said_close
    assert conn._stream is stream  # one connection carried all 1,000


async def test_pipeline_sender_and_reader_tasks(conn: HTTPConnection) -> None:
    sent: asyncio.Queue[int] = asyncio.Queue()
    streams: set[HTTPStream | None] = set()

    async def sender() -> None:
        for i in range(PIPELINE):
            await conn.send_request("GET", f"/bytes/{i}")
            streams.add(conn._stream)
            sent.put_nowait(i)
            if i % 100 == 0:
                await asyncio.sleep(0)  # let the reader in while requests stay queued

    async def reader() -> bool:
        said_close = False
        for expected in range(PIPELINE):
            assert await sent.get() == expected
            response = await conn.read_response()
            assert response.status == 200, expected
            assert await response.readall() == pattern(expected), expected
            said_close = says_close(response)
            assert not said_close or expected == PIPELINE - 1, expected
        return said_close

    # A TaskGroup, not gather(): if one side fails the other is cancelled
    # instead of sending on (and reconnecting) after the test has ended.
    async with asyncio.timeout(30), asyncio.TaskGroup() as group:
        group.create_task(sender())
        reading = group.create_task(reader())
    last_said_close = reading.result()
    assert not conn.response_pending()
    assert conn.is_reusable() is not last_said_close
    assert streams == {conn._stream}  # one connection carried all 1,000


# ---------------------------------------------------------------- Connection: close


async def test_close_response_ends_reuse_and_next_request_reconnects(
    conn: HTTPConnection,
) -> None:
    assert await get(conn, "/bytes/10") == pattern(10)
    first = wire(conn)
    await conn.send_request("GET", "/close")
    response = await conn.read_response()
    assert response.headers.get("connection", "").lower() == "close"
    assert not conn.is_reusable()
    assert await conn.readall() == b"closing\n"
    assert not conn.is_reusable()
    assert not conn.response_pending()
    assert await get(conn, "/bytes/20") == pattern(20)
    second = wire(conn)
    assert second[0] is not first[0]
    assert second[1] != first[1]
    assert conn.is_reusable()


async def test_server_close_is_seen_before_any_read(conn: HTTPConnection) -> None:
    await conn.send_request("GET", "/close")
    stream = conn._stream
    assert stream is not None
    # The server's FIN, recorded with no read pending (HTTPStream keeps no
    # event for it, so poll).
    for _ in range(1000):
        if stream.is_closing():
            break
        await asyncio.sleep(0.005)
    assert stream.is_closing()
    response = await conn.read_response()  # the response that preceded the FIN is intact
    assert response.status == 200
    assert await conn.readall() == b"closing\n"
    assert not conn.is_reusable()
    assert await get(conn, "/bytes/3") == pattern(3)
    assert conn.is_reusable()


async def test_requests_pipelined_behind_close_are_unprocessed(conn: HTTPConnection) -> None:
    # The first answer waits 30 ms so that all four requests are in the
    # server's hands before it closes. granian and hypercorn close at once
    # after "Connection: close", without draining (RFC 9112 §9.6): a request
    # arriving after that draws a RST, which may erase the two answers before
    # the client reads them (seen over TLS, where each pipelined write takes
    # longer: about 1 run in 100). That is the network losing data, not the
    # client; this test is about what the client makes of a clean close.
    for target in ("/sleep?ms=30", "/close", "/bytes/6", "/bytes/7"):
        await conn.send_request("GET", target)
    assert await (await conn.read_response()).readall() == b"slept 30 ms\n"
    assert await (await conn.read_response()).readall() == b"closing\n"
    for _ in range(2):
        with pytest.raises(ConnectionClosed) as caught:
            await conn.read_response()
        assert caught.value.unprocessed
    assert not conn.response_pending()
    assert not conn.is_reusable()
    assert await get(conn, "/bytes/6") == pattern(6)


# ---------------------------------------------------------------- Expect: 100-continue


async def test_expect_continue_uploads_arrive_intact(conn: HTTPConnection) -> None:
    data = stamped_body(UPLOAD)
    digest = hashlib.sha256(data).hexdigest()
    bodies: list[tuple[str, bytes | BodyFollowing]] = [
        ("PUT", data),  # send_request waits for 100 Continue itself
        ("POST", BodyFollowing(len(data))),  # the first write() waits for it
        ("PUT", BodyFollowing()),
    ]
    for method, body in bodies:
        await conn.send_request(method, "/upload-sha256", body=body, expect100=True)
        if isinstance(body, BodyFollowing):
            for piece in pieces(data):
                await conn.write(piece)
            if body.length is None:
                await conn.end_request()
        response = await conn.read_response()
        assert response.status == 200
        assert response.getheader("x-body-length") == str(len(data))
        assert response.getheader("x-body-sha256") == digest
        assert json.loads(await conn.readall()) == {"length": len(data), "sha256": digest}
        assert conn.is_reusable()


async def until_not_reusable(conn: HTTPConnection, seconds: float = 2.0) -> None:
    """Poll until the connection stops being reusable (nothing to await on for a FIN)."""
    for _ in range(int(seconds / 0.005)):
        if not conn.is_reusable():
            return
        await asyncio.sleep(0.005)


async def test_expect_continue_refused_and_idle_close_detected(
    http_server: Server, conn: HTTPConnection
) -> None:
    """A refused ``Expect: 100-continue`` upload never leads to reuse.

    /bytes refuses POST (405) without reading the body. uvicorn and granian
    answer before any 100 Continue, so the body is never sent and the client
    must not reuse the connection (PROTOCOL-POLICY.md, connection reuse 5);
    granian also says ``Connection: close``. hypercorn sends 100 Continue by
    itself, takes the body, answers 405 with no ``Connection: close``, and then
    closes the idle connection: the one server-initiated idle close these
    servers show at once, which the client must notice without a request.
    """
    try:
        await conn.send_request("POST", "/bytes/10", body=b"x" * 1000, expect100=True)
    except WriteError:
        # hypercorn over TLS: its 100, its 405 and its close can all arrive
        # before the body is written. The answer must still be readable.
        assert http_server.name == "hypercorn"
    response = await conn.read_response()
    assert response.status == 405
    assert response.getheader("allow") == "GET, HEAD"
    assert await conn.readall() == b"method not allowed\n"
    if http_server.name == "hypercorn":
        assert not says_close(response)
        # If the whole request went out this was a normal exchange and the
        # connection looks reusable until hypercorn's FIN, which the client
        # must notice with no request of its own.
        await until_not_reusable(conn)
    assert not conn.is_reusable()
    assert not conn.response_pending()
    old = conn._stream
    assert await get(conn, "/bytes/4") == pattern(4)
    assert wire(conn)[0] is not old  # reconnected by itself


# ---------------------------------------------------------------- httplib's API


def reason_ok(server: Server) -> str:
    """The reason phrase a server sends with 200: hypercorn (h11) sends none."""
    return "" if server.name == "hypercorn" else "OK"


async def test_httplib_request_getresponse(http_server: Server, conn: HTTPConnection) -> None:
    data = pattern(4321)
    await conn.request("POST", "/echo", body=data, headers={"Content-Type": "text/x-test"})
    response = await conn.getresponse()
    assert response.status == 200
    assert response.reason == reason_ok(http_server)
    assert response.version == 11
    assert response.getheader("Content-Type") == "text/x-test"
    assert response.getheader("X-Absent") is None
    assert response.getheader("X-Absent", "fallback") == "fallback"
    headers = {name.lower(): value for name, value in response.getheaders()}
    assert headers["x-body-length"] == "4321"
    assert headers["content-length"] == "4321"
    assert response.length == 4321
    assert not is_closed(response)
    assert await response.read(21) == data[:21]
    assert response.length == 4300
    assert await response.read() == data[21:]
    assert is_closed(response)
    assert response.length == 0
    await conn.request("GET", "/headers")
    assert (await conn.getresponse()).getheader("content-type") == "application/json"
    pairs = json.loads(await conn.readall())
    assert ["accept-encoding", "identity"] in pairs
    assert conn.is_reusable()


async def test_httplib_step_by_step(http_server: Server, conn: HTTPConnection) -> None:
    data = pattern(100_000)
    conn.putrequest("PUT", "/echo")
    conn.putheader("Content-Length", len(data))
    conn.putheader("X-Multi", "a", b"b", 3)
    await conn.endheaders()
    await conn.send(data[:1])
    await conn.send(data[1:])
    response = await conn.getresponse()
    assert (response.status, response.reason, response.version) == (
        200,
        reason_ok(http_server),
        11,
    )
    assert response.getheader("x-method") == "PUT"
    assert response.getheader("x-content-length-seen") == str(len(data))
    assert await response.read() == data
    first = wire(conn)

    conn.putrequest("POST", "/echo")
    conn.putheader("Transfer-Encoding", "chunked")
    await conn.endheaders()
    await conn.send(data[:5000])
    await conn.send(data[5000:])
    await conn.send(b"")
    response = await conn.getresponse()
    assert response.headers.get("x-transfer-encoding-seen", "").lower() == "chunked"
    assert response.length == len(data)  # /echo answers with Content-Length
    assert await response.read() == data

    conn.putrequest("POST", "/echo")
    await conn.endheaders(message_body=b"inline")
    assert await (await conn.getresponse()).read() == b"inline"

    conn.putrequest("GET", "/headers")
    conn.putheader("X-Multi", "a", b"b", 3)
    await conn.endheaders()
    pairs = json.loads(await (await conn.getresponse()).read())
    assert ["x-multi", "a, b, 3"] in pairs
    assert ["accept-encoding", "identity"] in pairs
    assert conn.is_reusable()
    assert wire(conn) == first


# ---------------------------------------------------------------- TLS


async def test_tls_session_details(http_server: Server) -> None:
    context = None
    if http_server.tls:
        assert http_server.ca_pem_path is not None
        context = ssl.create_default_context(cafile=str(http_server.ca_pem_path))
        context.set_alpn_protocols(["http/1.1"])
    async with new_connection(http_server, context) as conn:
        assert conn.get_ssl_cipher() is None  # not connected yet
        assert await get(conn, "/bytes/1") == pattern(1)
        cipher = conn.get_ssl_cipher()
        peercert = conn.get_ssl_peercert()
        der = conn.get_ssl_peercert(binary_form=True)
        stream, _ = wire(conn)
        if not http_server.tls:
            assert (cipher, peercert, der) == (None, None, None)
            return
        assert cipher is not None
        name, protocol, bits = cipher
        assert name
        assert protocol.startswith("TLSv1.")
        assert bits >= 128
        assert isinstance(peercert, dict)
        assert ("IP Address", "127.0.0.1") in peercert["subjectAltName"]
        assert isinstance(der, bytes)
        assert der
        ssl_object = stream.get_extra_info("ssl_object")
        assert isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket)
        assert ssl_object.selected_alpn_protocol() == ALPN_CHOICE[http_server.name]
