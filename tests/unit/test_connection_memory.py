"""HTTPConnection over an in-memory scripted transport (``tests/_support/memory.py``).

What this file covers: everything HTTPConnection and Response promise that
can be shown without a socket, on both event loops (``tests/conftest.py``):
the exact request bytes and framing of every body kind, which writes are
joined and which go out uncopied, every way of reading a body (the
zero-copy ``readinto`` path included), bodiless responses, pipelining and
its one-sender/one-reader rule, ``Connection: close`` behind a pipeline,
``Expect: 100-continue``, the httplib façade and its state diagram,
timeouts, broken connections, leaks and cancellation.

How it tests: the transport is a double with behaviour (CONVENTIONS.md rule
14). The test plays the server by feeding bytes; what the client sent is
read back from the transport, exactly or through h11 (an independent
parser). Assertions are on public state: ``is_reusable()``,
``response_pending()``, ``Response`` attributes, the bytes on the wire and
whether the transport was closed.

Cancellation, as found and pinned here (HTTPStream's contract: "the caller
must then abort it, since nobody knows how much of the exchange happened"):

* A ``read_response`` cancelled while waiting for a head consumes nothing:
  the connection stays open, is not reusable (a response is owed), and a
  later ``read_response`` returns the head, even one that arrived in the
  same loop iteration as the cancellation.
* A send cancelled while blocked by flow control *after* the whole request
  was handed to the transport leaves the request sent: the transport stays
  open and the response can be read once the peer drains.
* A send cancelled in the middle of a body (a streamed body, or a
  ``BodyFollowing`` write) aborts the transport: the request can never be
  completed. The response stays owed, so the next request raises
  ``NotConnected`` until ``read_response()`` has raised for it (or
  ``disconnect()``). A ``write``/``end_request`` cancelled after the body's
  last byte was handed over leaves the request sent, as ``send_request``
  does.
* A body read cancelled while waiting loses nothing, except a ``readinto``
  whose buffer had already received bytes (the stream ends loudly).

Failures (``HTTPConnection.read_response``'s rule): the error answers its
request and closes the connection; each request pipelined behind it fails
when read (``ConnectionClosed``), none is dropped; then the next request
reconnects by itself. A refused call (``StateError``, a pre-send
``InvalidRequest``) changes nothing, even in the middle of another body.
"""

from __future__ import annotations

import array
import asyncio
import gc
import io
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from _support.memory import MemoryNetwork, MemoryTransport, memory_opener, parse_requests, response

from aiohttpcore.connection import BodyFollowing, HTTPConnection
from aiohttpcore.exceptions import (
    CannotSendHeader,
    CannotSendRequest,
    ConnectionClosed,
    ExcessBodyData,
    HTTPException,
    InvalidRequest,
    InvalidResponse,
    NotConnected,
    ReadError,
    ReadTimeout,
    ResponseNotReady,
    StateError,
    WriteError,
    WriteTimeout,
)
from aiohttpcore.response import Response
from aiohttpcore.timeouts import Timeout

pytestmark = pytest.mark.asyncio

HOST = "example.test"
LABEL = "example.test:80"
BIG = 100_000  # above the connection's 64 KiB join limit


class Rig:
    """Makes connections to a scripted in-memory server and closes them all afterwards."""

    def __init__(self) -> None:
        self.connections: list[HTTPConnection] = []

    def __call__(
        self,
        *,
        timeout: Timeout = Timeout(),  # noqa: B008  # frozen value
        port: int | None = None,
        continue_timeout: float = 5.0,
        extra: dict[str, object] | None = None,
    ) -> tuple[HTTPConnection, MemoryNetwork]:
        network = MemoryNetwork(extra=extra)
        connection = HTTPConnection(
            HOST,
            port,
            timeout=timeout,
            continue_timeout=continue_timeout,
            opener=memory_opener(network, timeout=timeout),
        )
        self.connections.append(connection)
        return connection, network


@pytest_asyncio.fixture
async def rig() -> AsyncIterator[Rig]:
    made = Rig()
    yield made
    for connection in made.connections:
        await connection.aclose()


async def settle(rounds: int = 5) -> None:
    """Let every ready callback and task run a few times."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def is_closed(response: Response) -> bool:
    """``response.closed``, read through a call so that mypy does not narrow it."""
    return response.closed


async def failure(awaitable: Awaitable[object]) -> HTTPException:
    """Await what must fail; return its error, stripped of the tracebacks that pin frames.

    A traceback keeps every frame it passed through (and their callers)
    alive, a ``Response``'s among them, which would outlive :func:`forget`.
    """
    try:
        await awaitable
    except HTTPException as error:
        link: BaseException | None = error
        while link is not None:  # a cause's traceback pins its frames' callers too
            link.__traceback__ = None
            link = link.__cause__ or link.__context__
        return error
    raise AssertionError("it did not fail")


def forget(conn: HTTPConnection, held: list[Response]) -> None:
    """Close *conn* and drop responses whose reads failed, whatever their finalisers think.

    The caller puts its only reference in *held* and deletes its own name
    (the connection keeps its current response until it is closed).
    Whether such a response should warn when collected is pinned by
    ``test_a_response_whose_connection_broke_does_not_warn``; the tests
    that merely break reads must not fail on it a second time.
    """
    conn.disconnect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        held.clear()
        gc.collect()


# ---------------------------------------------------------------- the fake itself


async def test_memory_transport_delivers_within_the_offered_buffer() -> None:
    class Recorder(asyncio.BufferedProtocol):
        def __init__(self) -> None:
            self.buffer = bytearray(4)
            self.received = bytearray()
            self.lost: list[Exception | None] = []

        def get_buffer(self, sizehint: int) -> memoryview:
            return memoryview(self.buffer)

        def buffer_updated(self, nbytes: int) -> None:
            self.received += self.buffer[:nbytes]

        def connection_lost(self, exc: Exception | None) -> None:
            self.lost.append(exc)

    protocol = Recorder()
    transport = MemoryTransport(asyncio.get_running_loop(), protocol)
    transport.feed(b"0123456789")
    assert protocol.received == b"0123456789"
    assert transport.deliveries == [4, 4, 2]
    assert all(buffer is protocol.buffer for buffer in transport.buffers)
    transport.feed(b"abc", segment=1)
    assert transport.deliveries[-3:] == [1, 1, 1]
    transport.feed_eof()  # eof_received returns None: the transport closes itself
    assert transport.is_closing()
    await settle()
    assert protocol.lost == [None]
    transport.write(b"late")
    assert transport.late_writes == [b"late"]


async def test_memory_transport_flow_control_and_paused_reading() -> None:
    class Recorder(asyncio.BufferedProtocol):
        def __init__(self) -> None:
            self.buffer = bytearray(64)
            self.received = bytearray()
            self.events: list[str] = []

        def get_buffer(self, sizehint: int) -> memoryview:
            return memoryview(self.buffer)

        def buffer_updated(self, nbytes: int) -> None:
            self.received += self.buffer[:nbytes]

        def pause_writing(self) -> None:
            self.events.append("pause")

        def resume_writing(self) -> None:
            self.events.append("resume")

        def connection_lost(self, exc: Exception | None) -> None:
            self.events.append("lost")

    protocol = Recorder()
    transport = MemoryTransport(asyncio.get_running_loop(), protocol)
    transport.set_write_buffer_limits(high=8, low=2)
    transport.write(b"12345678")
    assert protocol.events == []  # at the high mark, not above it
    transport.writelines([b"9", memoryview(b"0")])
    assert protocol.events == ["pause"]
    assert transport.get_write_buffer_size() == 10
    transport.peer_read(7)
    assert protocol.events == ["pause"]  # 3 left: above the low mark
    transport.peer_read(1)
    assert protocol.events == ["pause", "resume"]
    assert transport.sent == b"1234567890"
    transport.pause_reading()
    transport.feed(b"held")
    assert protocol.received == b""
    transport.resume_reading()
    await settle()
    assert protocol.received == b"held"
    transport.close()  # 2 bytes still unread by the peer: not lost yet
    await settle()
    assert not transport.lost
    transport.peer_read()
    await settle()
    assert protocol.events == ["pause", "resume", "lost"]


# ---------------------------------------------------------------- request bytes


async def test_request_head_is_exact_with_host_first(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/path?q=1", headers=[("Accept", "*/*"), ("X-Trace", "7")])
    assert net.transport.sent == (
        b"GET /path?q=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\nX-Trace: 7\r\n\r\n"
    )
    assert conn.response_pending()
    net.transport.feed(response(204))
    assert (await conn.read_response()).status == 204


async def test_host_header_names_a_non_default_port(rig: Rig) -> None:
    conn, net = rig(port=8080)
    await conn.send_request("GET", "/")
    assert net.transport.sent.startswith(b"GET / HTTP/1.1\r\nHost: example.test:8080\r\n")
    net.transport.feed(response(204))
    await conn.read_response()


async def test_small_bytes_body_goes_out_in_one_write_with_its_head(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/submit", [("Content-Type", "text/plain")], b"hello")
    transport = net.transport
    assert transport.sent == (
        b"POST /submit HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\n\r\nhello"
    )
    assert len(transport.writes) == 1
    assert transport.writes[0].kind == "write"
    transport.feed(response(201, b"made"))
    assert await (await conn.read_response()).readall() == b"made"
    assert conn.is_reusable()


async def test_post_without_body_announces_length_zero(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/empty")
    assert net.transport.sent == (
        b"POST /empty HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n"
    )
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


@pytest.mark.parametrize("body", [b"", bytearray(), memoryview(b"")], ids=type)
async def test_empty_bytes_body_is_sent_as_length_zero(
    rig: Rig, body: bytes | bytearray | memoryview
) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/empty", body=body)
    assert net.transport.sent == (
        b"POST /empty HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n"
    )
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_empty_file_body_is_sent_as_length_zero(rig: Rig, tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    conn, net = rig()
    with path.open("rb") as file:
        await conn.send_request("PUT", "/blob", body=file)
    assert net.transport.sent == (
        b"PUT /blob HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n\r\n"
    )
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_large_bytes_body_is_written_uncopied_after_its_head(rig: Rig) -> None:
    conn, net = rig()
    body = bytes(range(256)) * (BIG // 256)
    await conn.send_request("POST", "/upload", body=body)
    transport = net.transport
    head_write, body_write = transport.writes  # one write each: writelines would join
    assert (head_write.kind, body_write.kind) == ("write", "write")
    assert body_write.objects[0] is body  # the caller's object itself: no copy
    [sent] = parse_requests(transport.sent)
    assert sent.header("Content-Length") == str(len(body))
    assert sent.body == body
    transport.feed(response(204))
    await conn.read_response()


async def test_large_memoryview_body_is_written_uncopied(rig: Rig) -> None:
    conn, net = rig()
    backing = bytearray(b"x" * BIG)
    body = memoryview(backing)[10:]
    await conn.send_request("PUT", "/mv", body=body)
    head_write, body_write = net.transport.writes
    assert (head_write.kind, body_write.kind) == ("write", "write")
    assert body_write.objects[0] is body
    [sent] = parse_requests(net.transport.sent)
    assert sent.body == bytes(body)
    net.transport.feed(response(204))
    await conn.read_response()


async def test_small_memoryview_body_is_joined_with_its_head(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/mv", body=memoryview(b"0123456789")[2:6])
    [write] = net.transport.writes
    assert write.kind == "write"
    assert net.transport.sent.endswith(b"Content-Length: 4\r\n\r\n2345")
    net.transport.feed(response(204))
    await conn.read_response()


async def test_body_following_with_length_ends_by_itself(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/f", body=BodyFollowing(10))
    await conn.write(b"0123")
    await conn.write(memoryview(b"456789"))
    # The body is complete: the next request needs no end_request().
    await conn.send_request("GET", "/next")
    first, second = parse_requests(net.transport.sent)
    assert (first.method, first.header("Content-Length"), first.body) == (
        "PUT",
        "10",
        b"0123456789",
    )
    assert first.header("Transfer-Encoding") is None
    assert (second.method, second.target) == ("GET", "/next")
    with pytest.raises(StateError):
        await conn.write(b"more")  # a write after the body is complete
    assert not net.transport.is_closing()  # refused before anything was written
    net.transport.feed(response(204) + response(200, b"ok"))
    await conn.read_response()
    assert await (await conn.read_response()).readall() == b"ok"
    assert conn.is_reusable()


async def test_body_following_overrun_raises_and_closes(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/f", body=BodyFollowing(3))
    head = bytes(net.transport.sent)
    with pytest.raises(ExcessBodyData):
        await conn.write(b"abcd")
    assert net.transport.sent == head  # not one byte of the overrun went out
    assert net.transport.aborted
    assert not conn.is_reusable()


async def test_body_following_ended_early_raises_and_closes(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/f", body=BodyFollowing(5))
    await conn.write(b"ab")
    with pytest.raises(InvalidRequest):
        await conn.end_request()
    assert net.transport.aborted
    assert not conn.is_reusable()


async def _putrequest(conn: HTTPConnection) -> None:
    conn.putrequest("GET", "/two")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda conn: conn.send_request("GET", "/two"), CannotSendRequest),
        (lambda conn: conn.send_request("PUT", "/two", body=b"x", expect100=True), StateError),
        (lambda conn: conn.send_request("POST", "/two", body="text"), InvalidRequest),
        (lambda conn: conn.endheaders(), CannotSendHeader),
        (_putrequest, CannotSendRequest),
    ],
    ids=[
        "send_request",
        "send_request-expect100",
        "send_request-str-body",
        "endheaders",
        "putrequest",
    ],
)
async def test_a_call_refused_during_a_body_leaves_the_connection_as_it_was(
    rig: Rig, call: Callable[[HTTPConnection], Awaitable[object]], error: type[HTTPException]
) -> None:
    # exceptions.StateError: raised before any I/O, "the connection's state
    # is unchanged by it"; a pre-send InvalidRequest promises the same.
    conn, net = rig()
    await conn.send_request("PUT", "/one", body=BodyFollowing(10))
    await conn.write(b"01234")
    transport = net.transport
    sent = bytes(transport.sent)
    state = repr(conn)
    with pytest.raises(error):
        await call(conn)
    assert transport.sent == sent
    assert not transport.is_closing()
    assert repr(conn) == state
    await conn.write(b"56789")  # the first body goes on where it was
    await conn.send_request("GET", "/two")
    one, two = parse_requests(transport.sent)
    assert (one.target, one.body, two.target) == ("/one", b"0123456789", "/two")
    transport.feed(response(201) + response(200, b"two"))
    assert (await conn.read_response()).status == 201
    assert await (await conn.read_response()).readall() == b"two"
    assert conn.is_reusable()


async def test_end_request_refused_while_awaiting_100_leaves_the_connection_open(
    rig: Rig,
) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/up", body=BodyFollowing(3), expect100=True)
    transport = net.transport
    with pytest.raises(StateError):
        await conn.end_request()  # the body has not begun: nothing to end
    assert not transport.is_closing()
    transport.feed(b"HTTP/1.1 100 Continue\r\n\r\n")
    await conn.write(b"abc")
    [sent] = parse_requests(transport.sent)
    assert sent.body == b"abc"
    transport.feed(response(204))
    assert (await conn.read_response()).status == 204
    assert conn.is_reusable()


async def test_chunked_body_ended_by_an_empty_write(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/c", body=BodyFollowing())
    await conn.write(b"abc")
    await conn.write(bytearray(b"defgh"))
    await conn.write(b"")
    assert net.transport.sent == (
        b"POST /c HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n"
    )
    net.transport.feed(response(200, b"done"))
    assert await (await conn.read_response()).readall() == b"done"
    assert conn.is_reusable()


async def test_chunked_body_ended_by_end_request_with_trailers(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/c", body=BodyFollowing())
    await conn.write(b"payload")
    await conn.end_request([("X-Checksum", "42")])
    assert net.transport.sent.endswith(b"7\r\npayload\r\n0\r\nX-Checksum: 42\r\n\r\n")
    [sent] = parse_requests(net.transport.sent)
    assert sent.body == b"payload"
    assert sent.trailers == [("X-Checksum", "42")]
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_sync_file_body_of_known_size(rig: Rig, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1200  # 300 KiB: more than one 256 KiB read
    path = tmp_path / "blob"
    path.write_bytes(data)
    conn, net = rig()
    with path.open("rb") as file:
        file.seek(100)  # the rest of the file from here
        await conn.send_request("PUT", "/blob", body=file)
    [sent] = parse_requests(net.transport.sent)
    assert sent.header("Content-Length") == str(len(data) - 100)
    assert sent.header("Transfer-Encoding") is None
    assert sent.body == data[100:]
    net.transport.feed(response(204))
    await conn.read_response()


async def test_file_without_a_descriptor_is_sent_chunked(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/blob", body=io.BytesIO(b"in memory"))
    [sent] = parse_requests(net.transport.sent)
    assert sent.header("Transfer-Encoding") == "chunked"
    assert sent.body == b"in memory"
    net.transport.feed(response(204))
    await conn.read_response()


async def test_async_file_body(rig: Rig) -> None:
    class AsyncFile:
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        async def read(self, size: int = -1) -> bytes:
            await asyncio.sleep(0)
            return self._data.read(min(size, 3))

    conn, net = rig()
    await conn.send_request("PUT", "/af", body=AsyncFile(b"async file body"))
    [sent] = parse_requests(net.transport.sent)
    assert sent.header("Transfer-Encoding") == "chunked"
    assert sent.body == b"async file body"
    net.transport.feed(response(204))
    await conn.read_response()


async def test_async_iterable_body_is_chunked_and_skips_empty_pieces(rig: Rig) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b"ab", b"", b"cde"):
            await asyncio.sleep(0)
            yield piece

    conn, net = rig()
    await conn.send_request("POST", "/ai", body=pieces())
    assert net.transport.sent.endswith(b"\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n")
    [sent] = parse_requests(net.transport.sent)
    assert sent.body == b"abcde"
    net.transport.feed(response(204))
    await conn.read_response()


async def test_sync_iterable_body_is_chunked(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("POST", "/si", body=[b"one", b"two"])
    [sent] = parse_requests(net.transport.sent)
    assert sent.header("Transfer-Encoding") == "chunked"
    assert sent.body == b"onetwo"
    net.transport.feed(response(204))
    await conn.read_response()


async def test_str_body_is_refused_before_connecting(rig: Rig) -> None:
    conn, net = rig()
    with pytest.raises(InvalidRequest):
        await conn.send_request("POST", "/", body="text")
    assert net.transports == []


async def test_invalid_header_is_a_pre_send_error_and_harmless(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()
    with pytest.raises(InvalidRequest):
        await conn.send_request("GET", "/", [("X-Evil", "a\r\nInjected: yes")])
    assert net.transport.sent == b""
    assert conn.is_reusable()
    assert not conn.response_pending()
    await conn.send_request("GET", "/fine")
    net.transport.feed(response(204))
    await conn.read_response()
    assert len(net.transports) == 1


# ---------------------------------------------------------------- reading responses


async def test_read_in_pieces(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"0123456789", headers=[("X-A", "1")]))
    resp = await conn.read_response()
    assert (resp.status, resp.reason, resp.version) == (200, "OK", 11)
    assert resp.length == 10
    assert not is_closed(resp)
    assert not conn.is_reusable()
    assert conn.response_pending()
    assert await conn.read(4) == b"0123"
    assert resp.length == 6
    assert await resp.read(100) == b"456789"
    assert await conn.read(5) == b""
    assert resp.closed
    assert resp.length == 0
    assert conn.is_reusable()
    assert not conn.response_pending()
    assert await conn.read(1) == b""  # dugong: reads after the end give b""


async def test_read_with_no_amount_reads_everything(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"everything"))
    resp = await conn.read_response()
    assert await resp.read() == b"everything"
    assert resp.closed


async def test_readinto_waiting_reader_gets_bytes_in_its_own_buffer(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    resp = await conn.read_response()
    buffer = bytearray(64)
    reader = asyncio.create_task(conn.readinto(buffer))
    await settle()
    transport.feed(b"hello")
    assert await reader == 5
    assert buffer[:5] == b"hello"
    assert transport.buffers[-1] is buffer  # the transport wrote straight into it
    assert transport.deliveries[-1] == 5
    assert await resp.readinto(buffer) == 0
    assert resp.closed
    assert conn.is_reusable()


async def test_readinto_cancelled_after_its_bytes_landed_ends_the_body_loudly(rig: Rig) -> None:
    """Cancelled between the bytes landing in its buffer and the task resuming.

    The count leaves with the cancelled task and the codec has counted the
    bytes as read: the next read must fail, not hand over later bytes as the
    body's next ones (it returned 5 with the second buffer still zeros).
    """
    conn, net = rig()
    await conn.send_request("GET", "/")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    resp = await conn.read_response()
    first = bytearray(64)
    reader = asyncio.create_task(resp.readinto(first))
    await settle()
    transport.feed(b"ABCDE")  # written into `first`; the reader has not run since
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert first[:5] == b"ABCDE"
    transport.feed(b"FGHIJ")
    error = await failure(resp.readinto(bytearray(64)))
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, ReadError)
    assert "cancelled" in str(error)
    assert LABEL in str(error)
    assert not conn.is_reusable()


async def test_readinto_memoryview_slice_zero_copy_then_paused_rest(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
    resp = await conn.read_response()
    backing = bytearray(32)
    window = memoryview(backing)[8:16]
    reader = asyncio.create_task(resp.readinto(window))
    await settle()
    transport.feed(b"ABCDEFGHIJKLMNOPQRST")
    assert await reader == 8
    assert backing[8:16] == b"ABCDEFGH"
    assert backing[:8] == bytes(8)
    assert backing[16:] == bytes(16)
    # One recv went into the window; the window is full, so reading paused
    # and the rest waits in the "socket" for the next readinto.
    assert transport.deliveries[-1] == 8
    assert transport.buffers[-1] is backing
    assert not transport.is_reading()
    assert await resp.readinto(window) == 8
    assert transport.buffers[-1] is backing  # zero-copy again
    assert backing[8:16] == b"IJKLMNOP"
    assert await resp.readinto(window) == 4
    assert backing[8:12] == b"QRST"
    assert await resp.readinto(window) == 0
    assert resp.closed


async def test_readinto_direct_read_stops_at_the_body_end(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/1")
    await conn.send_request("GET", "/2")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    first = await conn.read_response()
    buffer = bytearray(100)
    reader = asyncio.create_task(first.readinto(buffer))
    await settle()
    transport.feed(b"12345" + response(200, b"second"))  # body end and the next response
    assert await reader == 5
    assert transport.deliveries[-2] == 5  # the offer was cut to the 5 bytes owed
    assert buffer[:6] == b"12345\x00"
    assert await first.readinto(buffer) == 0
    second = await conn.read_response()
    assert await second.readall() == b"second"
    assert conn.is_reusable()


async def test_readinto_copies_when_bytes_are_already_buffered(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"buffered"))
    resp = await conn.read_response()
    buffer = bytearray(4)
    assert await resp.readinto(buffer) == 4
    assert buffer == b"buff"
    assert net.transport.buffers[-1] is not buffer
    assert await resp.read(2) == b"er"
    assert await resp.readinto(buffer) == 2
    assert buffer[:2] == b"ed"
    assert await resp.readinto(buffer) == 0


async def test_readinto_a_buffer_of_another_item_format(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"\x01\x00\x02\x00"))
    resp = await conn.read_response()
    words = array.array("H", [0, 0])
    assert await resp.readinto(memoryview(words)) == 4
    assert words.tobytes() == b"\x01\x00\x02\x00"
    assert await resp.readinto(memoryview(words)) == 0


async def test_readall_of_a_chunked_body_with_trailers(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Digest: abc\r\n\r\n"
    )
    resp = await conn.read_response()
    assert resp.length is None
    assert await conn.readall() == b"Wikipedia"
    assert resp.trailers.get("x-digest") == "abc"
    assert resp.closed
    assert conn.is_reusable()


async def test_discard_then_the_next_response(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/big")
    await conn.send_request("GET", "/small")
    net.transport.feed(response(200, b"z" * 200_000) + response(200, b"next"))
    big = await conn.read_response()
    await conn.discard()
    assert big.closed
    assert big.received == 200_000
    small = await conn.read_response()
    assert await small.readall() == b"next"
    assert conn.is_reusable()


async def test_async_iteration_yields_the_body(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
    resp = await conn.read_response()
    pieces: list[bytes] = []

    async def collect() -> None:
        pieces.extend([piece async for piece in resp])

    task = asyncio.create_task(collect())
    await settle()
    transport.feed(b"2\r\nde\r\n0\r\n\r\n")
    await task
    assert b"".join(pieces) == b"abcde"
    assert resp.closed
    assert conn.is_reusable()


async def test_close_delimited_body_reads_until_eof(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
    resp = await conn.read_response()
    reader = asyncio.create_task(resp.readall())
    await settle()
    net.transport.feed(b", really")
    net.transport.feed_eof()
    assert await reader == b"until the end, really"
    assert not conn.is_reusable()


async def test_interim_responses_are_consumed_by_read_response(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n" + response(200, b"final")
    )
    resp = await conn.read_response()
    assert resp.status == 200
    assert await resp.readall() == b"final"
    assert conn.is_reusable()


# ---------------------------------------------------------------- bodiless responses


@pytest.mark.parametrize(
    ("method", "head"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"),
        ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ],
    ids=["HEAD", "204", "304", "length-0"],
)
async def test_bodiless_response_is_closed_at_once(rig: Rig, method: str, head: bytes) -> None:
    conn, net = rig()
    await conn.send_request(method, "/")
    await conn.send_request("GET", "/after")
    net.transport.feed(head + response(200, b"after"))
    resp = await conn.read_response()
    assert resp.closed
    assert resp.method == method
    assert await resp.read(10) == b""
    after = await conn.read_response()  # no body to read or discard first
    assert await after.readall() == b"after"
    assert conn.is_reusable()
    assert len(net.transports) == 1


# ---------------------------------------------------------------- pipelining


async def test_pipelined_requests_then_their_responses(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/a")
    await conn.send_request("HEAD", "/b")
    await conn.send_request("POST", "/c", body=b"data")
    sent = parse_requests(net.transport.sent)
    assert [(r.method, r.target, r.body) for r in sent] == [
        ("GET", "/a", b""),
        ("HEAD", "/b", b""),
        ("POST", "/c", b"data"),
    ]
    net.transport.feed(
        response(200, b"A")
        + b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
        + response(201, b"C", headers=[("Location", "/c/1")])
    )
    responses = []
    for _ in range(3):
        resp = await conn.read_response()
        responses.append((resp.method, int(resp.status), await resp.readall()))
    assert responses == [("GET", 200, b"A"), ("HEAD", 200, b""), ("POST", 201, b"C")]
    assert conn.is_reusable()


async def test_pipelined_responses_arriving_byte_by_byte(rig: Rig) -> None:
    conn, net = rig()
    for target in ("/1", "/2", "/3"):
        await conn.send_request("GET", target)
    wire = response(200, b"one") + b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    wire += b"3\r\ntwo\r\n0\r\n\r\n" + response(200, b"three")
    feeder = asyncio.create_task(net.transport.trickle(wire, size=1))
    bodies = [await (await conn.read_response()).readall() for _ in range(3)]
    await feeder
    assert bodies == [b"one", b"two", b"three"]
    assert conn.is_reusable()


async def test_one_task_sends_while_another_reads(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()
    transport = net.transport
    count = 8
    sent = asyncio.Semaphore(0)  # read_response() only for a request already sent
    owed: asyncio.Queue[int] = asyncio.Queue()
    log: list[str] = []

    async def server() -> None:
        while True:
            index = await owed.get()
            await asyncio.sleep(0.002 * (index % 3))  # answers come a little later
            transport.feed(response(200, b"r%d" % index))

    async def reader() -> None:
        for index in range(count):
            await sent.acquire()
            resp = await conn.read_response()
            log.append(f"read {index}")
            assert await resp.readall() == b"r%d" % index

    async def sender() -> None:
        for index in range(count):
            await conn.send_request("POST", f"/{index}", body=b"x" * index)
            log.append(f"sent {index}")
            sent.release()
            owed.put_nowait(index)
            await asyncio.sleep(0)

    serving = asyncio.create_task(server())
    await asyncio.wait_for(asyncio.gather(sender(), reader()), 5)
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving
    sends = [r.target for r in parse_requests(transport.sent)]
    assert sends == [f"/{index}" for index in range(count)]
    # Interleaved: some request went out while an earlier response was awaited.
    assert any(
        log.index(f"sent {index + 1}") < log.index(f"read {index}") for index in range(count - 1)
    )
    assert conn.is_reusable()


async def test_reading_proceeds_while_a_send_is_blocked(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/first")
    transport = net.transport
    transport.stall_writes()
    sending = asyncio.create_task(conn.send_request("POST", "/second", body=bytes(BIG)))
    await settle()
    assert not sending.done()
    assert transport.writing_paused
    transport.feed(response(200, b"first"))
    first = await conn.read_response()
    assert await first.readall() == b"first"  # while the other task is still sending
    assert not sending.done()
    transport.peer_read()
    await sending
    transport.feed(response(200, b"second"))
    assert await (await conn.read_response()).readall() == b"second"
    assert conn.is_reusable()


async def test_two_readers_at_once_raise_at_once(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    first = asyncio.create_task(conn.read_response())
    await settle()
    with pytest.raises(StateError):
        await conn.read_response()
    with pytest.raises(StateError):
        await conn.getresponse()
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
    resp = await first
    body_reader = asyncio.create_task(resp.read(4))
    await settle()
    with pytest.raises(StateError):
        await resp.read(4)
    with pytest.raises(StateError):
        await conn.readinto(bytearray(4))
    with pytest.raises(StateError):
        await conn.discard()
    net.transport.feed(b"body")
    assert await body_reader == b"body"
    assert await resp.read(1) == b""
    assert conn.is_reusable()


async def test_two_senders_at_once_raise_at_once(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()
    transport = net.transport
    transport.stall_writes()
    first = asyncio.create_task(conn.send_request("POST", "/one", body=bytes(BIG)))
    await settle()
    assert not first.done()
    with pytest.raises(StateError):
        await conn.send_request("GET", "/two")
    with pytest.raises(StateError):
        await conn.write(b"x")
    with pytest.raises(StateError):
        await conn.end_request()
    with pytest.raises(StateError):
        conn.putrequest("GET", "/three")
    transport.peer_read()
    await first
    assert [r.target for r in parse_requests(transport.sent)] == ["/one"]
    transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_connection_close_fails_the_requests_pipelined_behind_it(rig: Rig) -> None:
    conn, net = rig()
    for target in ("/1", "/2", "/3"):
        await conn.send_request("GET", target)
    transport = net.transport
    transport.feed(response(200, b"bye", headers=[("Connection", "close")]))
    resp = await conn.read_response()
    assert not conn.is_reusable()
    assert await resp.readall() == b"bye"
    assert not conn.is_reusable()
    # PROTOCOL-POLICY.md "no-reuse": deliver the message, then close the connection.
    assert transport.is_closing()
    for _ in range(2):
        with pytest.raises(ConnectionClosed) as caught:
            await conn.read_response()
        assert caught.value.unprocessed
        assert caught.value.host == LABEL
    assert transport.is_closing()
    assert not conn.response_pending()
    with pytest.raises(ResponseNotReady):
        await conn.read_response()


async def test_a_new_connection_after_a_pipelined_close_labels_its_responses(rig: Rig) -> None:
    conn, net = rig()
    for target in ("/1", "/2", "/3"):
        await conn.send_request("GET", target)
    net.transport.feed(response(200, b"bye", headers=[("Connection", "close")]))
    await (await conn.read_response()).readall()
    for _ in range(2):
        with pytest.raises(ConnectionClosed):
            await conn.read_response()
    await conn.send_request("HEAD", "/again")  # reopens
    assert len(net.transports) == 2
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
    resp = await conn.read_response()
    assert resp.method == "HEAD"  # the answer to this request, not to /2 of the old one
    assert resp.closed
    assert conn.is_reusable()


async def test_a_new_connection_after_a_pipelined_close_keeps_its_own_deadline(
    rig: Rig,
) -> None:
    conn, net = rig(timeout=Timeout(total=0.2))
    for target in ("/1", "/2", "/3"):
        await conn.send_request("GET", target)
    net.transport.feed(response(200, b"bye", headers=[("Connection", "close")]))
    await (await conn.read_response()).readall()
    for _ in range(2):
        with pytest.raises(ConnectionClosed):
            await conn.read_response()
    await asyncio.sleep(0.3)  # the old exchanges' deadlines have passed
    await conn.send_request("GET", "/a")
    net.transport.feed(response(200, b"a"))
    await (await conn.read_response()).readall()
    await conn.send_request("GET", "/b")
    reading = asyncio.create_task(conn.read_response())
    await asyncio.sleep(0.02)  # well within this exchange's 0.2 s
    net.transport.feed(response(200, b"b"))
    assert await (await reading).readall() == b"b"


@pytest.mark.parametrize(
    ("head", "reusable"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", True),
    ],
    ids=["close", "1.0", "1.0-keep-alive", "1.1"],
)
async def test_close_is_seen_without_sending_a_request(
    rig: Rig, head: bytes, reusable: bool
) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(head + b"ok")
    resp = await conn.read_response()
    assert await resp.readall() == b"ok"
    assert resp.version == (10 if head.startswith(b"HTTP/1.0") else 11)
    assert conn.is_reusable() is reusable
    assert net.transport.is_closing() is not reusable
    sent = len(net.transport.sent)
    await settle()
    assert len(net.transport.sent) == sent


async def test_server_closing_an_idle_connection_is_seen_at_once(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"ok"))
    await (await conn.read_response()).readall()
    assert conn.is_reusable()
    net.transport.feed_eof()
    assert not conn.is_reusable()
    await conn.send_request("GET", "/again")  # nothing owed: a new connection
    assert len(net.transports) == 2
    net.transport.feed(response(200, b"again"))
    assert await (await conn.read_response()).readall() == b"again"
    assert conn.is_reusable()


async def test_eof_on_an_unused_connection(rig: Rig) -> None:
    conn, net = rig()
    assert not conn.is_reusable()  # not open yet
    await conn.connect()
    assert conn.is_reusable()
    net.transport.feed_eof()
    assert not conn.is_reusable()
    assert "closed" in repr(conn)


async def test_stray_bytes_while_idle_make_the_connection_unusable(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()
    net.transport.feed(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n")
    assert not conn.is_reusable()


async def test_server_closing_before_answering(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed_eof()
    with pytest.raises(ConnectionClosed) as caught:
        await conn.read_response()
    assert not caught.value.unprocessed  # it may have been read
    assert not conn.is_reusable()


# ---------------------------------------------------------------- Expect: 100-continue


async def test_expect100_body_follows_100_continue(rig: Rig) -> None:
    conn, net = rig()
    sending = asyncio.create_task(conn.send_request("PUT", "/up", body=b"payload", expect100=True))
    await settle()
    transport = net.transport
    head = (
        b"PUT /up HTTP/1.1\r\nHost: example.test\r\nContent-Length: 7\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    assert transport.sent == head
    assert not sending.done()
    transport.feed(b"HTTP/1.1 100 Continue\r\n\r\n")
    await sending
    assert transport.sent == head + b"payload"
    transport.feed(response(201, b"stored"))
    resp = await conn.read_response()
    assert resp.status == 201
    assert await resp.readall() == b"stored"
    assert conn.is_reusable()


@pytest.mark.parametrize(("status", "body"), [(417, b""), (413, b"too big")])
async def test_expect100_early_final_answer_means_no_body(
    rig: Rig, status: int, body: bytes
) -> None:
    conn, net = rig()
    sending = asyncio.create_task(conn.send_request("PUT", "/up", body=b"payload", expect100=True))
    await settle()
    transport = net.transport
    head = bytes(transport.sent)
    transport.feed(response(status, body))
    await sending
    assert transport.sent == head  # the body was never sent
    assert not conn.is_reusable()
    resp = await conn.read_response()
    assert resp.status == status
    assert await resp.readall() == body
    assert not conn.is_reusable()
    assert transport.is_closing()
    assert transport.late_writes == []


async def test_expect100_silent_server_gets_the_body_after_the_wait(rig: Rig) -> None:
    conn, net = rig(continue_timeout=0.05)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await conn.send_request("PUT", "/up", body=b"payload", expect100=True)
    assert loop.time() - started >= 0.04
    transport = net.transport
    assert transport.sent.endswith(b"\r\n\r\npayload")
    transport.feed(b"HTTP/1.1 100 Continue\r\n\r\n" + response(200, b"late but fine"))
    resp = await conn.read_response()
    assert resp.status == 200
    assert await resp.readall() == b"late but fine"
    assert conn.is_reusable()


async def test_expect100_read_timeout_while_awaiting_100_is_raised_as_such(rig: Rig) -> None:
    # ReadTimeout is also a TimeoutError: the wait for 100 Continue must not
    # take it for its own time running out and write the body into the
    # connection the timeout closed (it raised WriteError instead).
    conn, net = rig(timeout=Timeout(read=0.05), continue_timeout=5.0)
    with pytest.raises(ReadTimeout):
        await conn.send_request("PUT", "/up", body=b"payload", expect100=True)
    transport = net.transport
    assert transport.aborted
    assert not transport.sent.endswith(b"payload")
    assert transport.late_writes == []


async def test_expect100_body_following_waits_for_a_concurrent_readers_100(rig: Rig) -> None:
    conn, net = rig(continue_timeout=5.0)
    loop = asyncio.get_running_loop()
    await conn.send_request("PUT", "/up", body=BodyFollowing(4), expect100=True)
    transport = net.transport
    head = bytes(transport.sent)
    reading = asyncio.create_task(conn.read_response())
    await settle()
    writing = asyncio.create_task(conn.write(b"data"))
    await settle()
    assert transport.sent == head
    started = loop.time()
    transport.feed(b"HTTP/1.1 100 Continue\r\n\r\n")
    await writing
    assert loop.time() - started < 1.0  # released by the 100, not by the 5 s wait
    assert transport.sent == head + b"data"
    transport.feed(response(200, b"ok"))
    resp = await reading
    assert await resp.readall() == b"ok"
    assert conn.is_reusable()


async def test_expect100_body_following_refused_by_an_early_answer(rig: Rig) -> None:
    conn, net = rig(continue_timeout=5.0)
    await conn.send_request("PUT", "/up", body=BodyFollowing(4), expect100=True)
    transport = net.transport
    head = bytes(transport.sent)
    reading = asyncio.create_task(conn.read_response())
    await settle()
    writing = asyncio.create_task(conn.write(b"data"))
    await settle()
    transport.feed(response(417))
    resp = await reading
    assert resp.status == 417
    with pytest.raises(StateError):
        await writing
    assert transport.sent == head
    assert not conn.is_reusable()


async def test_expect100_without_a_reader_reads_the_100_itself(rig: Rig) -> None:
    conn, net = rig(continue_timeout=5.0)
    await conn.send_request("PUT", "/up", body=BodyFollowing(4), expect100=True)
    transport = net.transport
    writing = asyncio.create_task(conn.write(b"data"))
    await settle()
    assert not writing.done()
    transport.feed(b"HTTP/1.1 100 Continue\r\n\r\n")
    await writing
    assert transport.sent.endswith(b"\r\n\r\ndata")
    transport.feed(response(204))
    assert (await conn.read_response()).status == 204
    assert conn.is_reusable()


async def test_expect100_behind_an_unanswered_request_is_refused(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/first")
    with pytest.raises(StateError):
        await conn.send_request("PUT", "/up", body=b"x", expect100=True)
    assert [r.target for r in parse_requests(net.transport.sent)] == ["/first"]
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


# ---------------------------------------------------------------- httplib's API


async def test_httplib_step_by_step(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()  # a fresh connection: test_httplib_on_a_connection_not_yet_open
    conn.putrequest("POST", "/p")
    conn.putheader("Content-Type", "text/plain")
    conn.putheader("X-Multi", "a", b"b", 3)
    conn.putheader("Content-Length", 5)
    await conn.endheaders()
    await conn.send(b"hel")
    await conn.send(b"lo")
    transport = net.transport
    assert transport.sent == (
        b"POST /p HTTP/1.1\r\nHost: example.test\r\nAccept-Encoding: identity\r\n"
        b"Content-Type: text/plain\r\nX-Multi: a, b, 3\r\nContent-Length: 5\r\n\r\nhello"
    )
    transport.feed(
        b"HTTP/1.1 200 Fine\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nok"
    )
    resp = await conn.getresponse()
    assert (resp.status, resp.reason, resp.version) == (200, "Fine", 11)
    assert resp.msg is resp.headers
    assert resp.getheader("content-length") == "2"
    assert resp.getheader("X-Missing") is None
    assert resp.getheader("X-Missing", "default") == "default"
    assert resp.getheaders() == [
        ("Content-Length", "2"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]
    assert resp.length == 2
    assert not is_closed(resp)
    assert await resp.read() == b"ok"
    assert resp.closed
    assert conn.is_reusable()


async def test_httplib_send_whose_source_fails_closes_the_connection(rig: Rig) -> None:
    """The body can never be finished by that call: as a failed write, not left half sent."""
    conn, net = rig()
    conn.putrequest("PUT", "/up")
    conn.putheader("Content-Length", 10)
    await conn.endheaders()

    def pieces() -> Iterator[bytes]:
        yield b"abc"
        raise ValueError("the source broke")

    with pytest.raises(ValueError, match="source broke"):
        await conn.send(pieces())
    assert net.transport.sent.endswith(b"\r\n\r\nabc")
    assert net.transport.is_closing()
    assert not conn.is_reusable()


async def test_httplib_on_a_connection_not_yet_open(rig: Rig) -> None:
    conn, net = rig()
    conn.putrequest("GET", "/first")
    conn.putheader("X-A", "1")
    await conn.endheaders()  # opens the connection, keeping the head begun above
    assert net.transport.sent == (
        b"GET /first HTTP/1.1\r\nHost: example.test\r\nAccept-Encoding: identity\r\nX-A: 1\r\n\r\n"
    )
    net.transport.feed(response(200, b"ok"))
    assert await (await conn.getresponse()).read() == b"ok"


async def test_httplib_after_the_server_closed_the_idle_connection(rig: Rig) -> None:
    conn, net = rig()
    await conn.request("GET", "/1")
    net.transport.feed(response(200, b"one"))
    assert await (await conn.getresponse()).read() == b"one"
    net.transport.feed_eof()
    conn.putrequest("GET", "/2")
    await conn.endheaders()  # reopens, keeping the head begun above
    assert len(net.transports) == 2
    assert net.transport.sent.startswith(b"GET /2 HTTP/1.1\r\n")
    net.transport.feed(response(200, b"two"))
    assert await (await conn.getresponse()).read() == b"two"


async def test_httplib_endheaders_with_a_body(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()  # a fresh connection: test_httplib_on_a_connection_not_yet_open
    conn.putrequest("PUT", "/b")
    await conn.endheaders(b"body")
    assert net.transport.sent == (
        b"PUT /b HTTP/1.1\r\nHost: example.test\r\nAccept-Encoding: identity\r\n"
        b"Content-Length: 4\r\n\r\nbody"
    )
    net.transport.feed(response(204))
    await conn.getresponse()


async def test_httplib_skip_host_and_accept_encoding(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()  # a fresh connection: test_httplib_on_a_connection_not_yet_open
    conn.putrequest("GET", "/", skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", "other.test")
    await conn.endheaders()
    assert net.transport.sent == b"GET / HTTP/1.1\r\nHost: other.test\r\n\r\n"
    net.transport.feed(response(204))
    await conn.getresponse()


async def test_httplib_chunked_send_ends_with_an_empty_send(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()  # a fresh connection: test_httplib_on_a_connection_not_yet_open
    conn.putrequest("POST", "/c")
    conn.putheader("Transfer-Encoding", "chunked")
    await conn.endheaders()
    with pytest.raises(ResponseNotReady):
        await conn.getresponse()  # the body is still being sent
    await conn.send(b"ab")
    await conn.send([b"cd"])
    await conn.send(b"")
    [sent] = parse_requests(net.transport.sent)
    assert sent.body == b"abcd"
    net.transport.feed(response(200, b"ok"))
    assert await (await conn.getresponse()).read() == b"ok"


async def test_httplib_request_then_getresponse(rig: Rig) -> None:
    conn, net = rig()
    await conn.request("GET", "/x", headers={"X-A": "1"})
    await conn.request("POST", "/y", body=b"abc")
    assert net.transport.sent == (
        b"GET /x HTTP/1.1\r\nHost: example.test\r\nX-A: 1\r\nAccept-Encoding: identity\r\n\r\n"
        b"POST /y HTTP/1.1\r\nHost: example.test\r\nAccept-Encoding: identity\r\n"
        b"Content-Length: 3\r\n\r\nabc"
    )
    net.transport.feed(response(200, b"x") + response(200, b"y"))
    assert await (await conn.getresponse()).read() == b"x"
    assert await (await conn.getresponse()).read() == b"y"
    assert conn.is_reusable()


async def test_httplib_state_diagram(rig: Rig) -> None:
    conn, net = rig()
    with pytest.raises(CannotSendHeader):
        conn.putheader("X-A", "1")  # Idle: no request started
    with pytest.raises(CannotSendHeader):
        await conn.endheaders()
    with pytest.raises(ResponseNotReady):
        await conn.getresponse()  # nothing sent
    conn.putrequest("GET", "/")
    with pytest.raises(CannotSendRequest):
        conn.putrequest("GET", "/again")  # Request-started
    with pytest.raises(ResponseNotReady):
        await conn.getresponse()  # the request is not sent yet
    conn.putheader("X-A", "1")
    await conn.endheaders()
    with pytest.raises(CannotSendHeader):
        conn.putheader("X-B", "2")  # Request-sent
    net.transport.feed(response(200, b"ok"))
    resp = await conn.getresponse()
    assert await resp.read() == b"ok"
    with pytest.raises(ResponseNotReady):
        await conn.getresponse()  # Idle again: nothing owed


async def test_httplib_getresponse_with_the_previous_body_unread(rig: Rig) -> None:
    conn, net = rig()
    await conn.request("GET", "/1")
    await conn.request("GET", "/2")
    net.transport.feed(response(200, b"one") + response(200, b"two"))
    first = await conn.getresponse()
    # http.client: getresponse() in Unread-response raises ResponseNotReady.
    with pytest.raises(ResponseNotReady):
        await conn.getresponse()
    assert await first.read() == b"one"
    assert await (await conn.getresponse()).read() == b"two"


async def test_set_debuglevel_prints_the_heads(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    conn, net = rig()
    await conn.request("GET", "/quiet")
    net.transport.feed(response(200, b"q"))
    await (await conn.getresponse()).read()
    assert capsys.readouterr().out == ""
    conn.set_debuglevel(1)
    await conn.request("GET", "/loud")
    net.transport.feed(response(200, b"ok", headers=[("X-Server", "memory")]))
    await (await conn.getresponse()).read()
    out = capsys.readouterr().out
    assert (
        "send: b'GET /loud HTTP/1.1\\r\\nHost: example.test\\r\\n"
        "Accept-Encoding: identity\\r\\n\\r\\n'"
    ) in out
    assert "reply: 'HTTP/1.1 200 OK'" in out
    assert "header: X-Server: memory" in out
    assert "header: Content-Length: 2" in out


# ---------------------------------------------------------------- timeouts


async def test_read_timeout_waiting_for_the_head(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(read=0.05))
    await conn.send_request("GET", "/slow")
    with pytest.raises(ReadTimeout) as caught:
        await conn.read_response()
    error = caught.value
    assert isinstance(error, TimeoutError)
    assert isinstance(error, ReadError)
    assert error.host == LABEL
    assert LABEL in str(error)
    assert net.transport.aborted
    assert not conn.is_reusable()
    # The timeout answered the only request owed: nothing is left on the old
    # connection, so the next request reopens it, as after any other close.
    assert not conn.response_pending()
    await conn.send_request("GET", "/fresh")
    assert len(net.transports) == 2
    net.transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_read_timeout_in_the_middle_of_a_body(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(read=0.05))
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    assert await resp.read(10) == b"abc"
    error = await failure(resp.read(10))
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, ReadTimeout)
    assert net.transport.aborted
    assert not conn.is_reusable()


async def test_read_timeout_measures_silence_not_duration(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(read=0.1))
    await conn.send_request("GET", "/")
    body = b"0123456789" * 2
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + body
    feeder = asyncio.create_task(net.transport.trickle(wire, size=3, interval=0.01))
    resp = await conn.read_response()
    assert await resp.readall() == body  # about 0.16 s in all, never 0.1 s of silence
    await feeder
    assert conn.is_reusable()


async def test_total_deadline_stops_a_dripping_server(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(read=2.0, total=0.15))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await conn.send_request("GET", "/drip")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    feeder = asyncio.create_task(net.transport.trickle(b"x" * 1000, interval=0.01))
    resp = await conn.read_response()
    error = await failure(resp.readall())
    elapsed = loop.time() - started
    feeder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await feeder
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, ReadTimeout)
    assert elapsed < 1.0  # the total deadline, not the 2 s silence budget
    assert "total deadline" in str(error)
    assert LABEL in str(error)
    assert not conn.is_reusable()


async def test_write_timeout_when_the_peer_stops_reading(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(write=0.05))
    await conn.connect()
    net.transport.stall_writes()
    with pytest.raises(WriteTimeout) as caught:
        await conn.send_request("POST", "/up", body=bytes(BIG))
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, WriteError)
    assert LABEL in str(caught.value)
    assert net.transport.aborted
    assert not conn.is_reusable()


# ---------------------------------------------------------------- broken connections


async def test_connection_lost_in_the_middle_of_a_body(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    assert await resp.read(10) == b"abc"
    reset = ConnectionResetError(104, "Connection reset by peer")
    net.transport.lose(reset)
    error = await failure(resp.read(10))
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, ReadError)
    assert error.__cause__ is reset  # CONVENTIONS.md rule 7: the original
    assert LABEL in str(error)
    assert not conn.is_reusable()


async def test_connection_lost_under_a_waiting_readinto(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    resp = await conn.read_response()
    reader = asyncio.create_task(failure(resp.readinto(bytearray(10))))
    await settle()
    reset = ConnectionResetError(104, "Connection reset by peer")
    net.transport.lose(reset)
    error = await reader
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, ReadError)
    assert error.__cause__ is reset
    assert not conn.is_reusable()


async def test_connection_lost_while_waiting_for_the_head(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    reading = asyncio.create_task(failure(conn.read_response()))
    await settle()
    reset = ConnectionResetError(104, "Connection reset by peer")
    net.transport.lose(reset)
    error = await reading
    assert isinstance(error, ReadError)
    assert error.__cause__ is reset
    assert error.host == LABEL
    assert not conn.is_reusable()


def _time_out(transport: MemoryTransport) -> None:
    """The server stays silent: the read budget runs out."""


def _reset(transport: MemoryTransport) -> None:
    transport.lose(ConnectionResetError(104, "Connection reset by peer"))


def _close(transport: MemoryTransport) -> None:
    transport.feed_eof()


def _garble(transport: MemoryTransport) -> None:
    transport.feed(b"HTTP/1.1 2000 Nope\r\n\r\n")


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        (_time_out, ReadTimeout),
        (_reset, ReadError),
        (_close, ConnectionClosed),
        (_garble, InvalidResponse),
    ],
    ids=["timeout", "reset", "eof", "invalid"],
)
async def test_requests_pipelined_behind_a_failed_exchange_each_fail_when_read(
    rig: Rig, fail: Callable[[MemoryTransport], None], expected: type[HTTPException]
) -> None:
    # The error answers the first request; the two behind it can never be
    # answered on this connection, and must not be dropped in silence (a
    # reader would take a later request's response for theirs).
    conn, net = rig(timeout=Timeout(read=0.05))
    await conn.send_request("GET", "/1")
    await conn.send_request("HEAD", "/2")
    await conn.send_request("POST", "/3", body=b"x")
    transport = net.transport
    fail(transport)
    error = await failure(conn.read_response())
    assert isinstance(error, expected)
    assert not conn.is_reusable()
    assert conn.response_pending()
    with pytest.raises(NotConnected):
        await conn.send_request("GET", "/4")  # never behind the owed ones' backs
    with pytest.raises(NotConnected):
        conn.putrequest("GET", "/4")
    assert len(net.transports) == 1
    for method in ("HEAD", "POST"):
        with pytest.raises(ConnectionClosed) as caught:
            await conn.read_response()
        assert not caught.value.unprocessed  # it was sent: it may have been processed
        assert caught.value.host == LABEL
        assert method in str(caught.value)
    assert not conn.response_pending()
    with pytest.raises(ResponseNotReady):
        await conn.read_response()
    await conn.send_request("GET", "/4")  # nothing owed any more: reopens by itself
    assert len(net.transports) == 2
    net.transport.feed(response(200, b"four"))
    resp = await conn.read_response()
    assert resp.method == "GET"
    assert await resp.readall() == b"four"
    assert conn.is_reusable()


async def test_read_timeout_in_a_body_then_the_next_request_reconnects(rig: Rig) -> None:
    conn, net = rig(timeout=Timeout(read=0.05))
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    error = await failure(resp.readall())
    assert isinstance(error, ReadTimeout)
    assert net.transport.aborted
    assert not conn.response_pending()
    await conn.send_request("GET", "/again")
    assert len(net.transports) == 2
    net.transport.feed(response(200, b"again"))
    assert await (await conn.read_response()).readall() == b"again"
    assert conn.is_reusable()


@pytest.mark.parametrize("how", ["timeout", "closed-unread"])
async def test_a_body_cut_short_fails_the_requests_pipelined_behind_it(rig: Rig, how: str) -> None:
    conn, net = rig(timeout=Timeout(read=0.05))
    await conn.send_request("GET", "/1")
    await conn.send_request("GET", "/2")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    if how == "timeout":
        assert isinstance(await failure(resp.readall()), ReadTimeout)
    else:
        resp.close()  # given up unread: the connection closes with it
    assert transport.aborted
    assert conn.response_pending()  # /2 is owed and can never come
    with pytest.raises(ConnectionClosed) as caught:
        await conn.read_response()  # never the rest of /1's body taken for /2's answer
    assert not caught.value.unprocessed
    assert not conn.response_pending()
    await conn.send_request("GET", "/3")
    assert len(net.transports) == 2


async def test_a_failure_while_awaiting_100_fails_that_request_when_read(rig: Rig) -> None:
    conn, net = rig()
    sending = asyncio.create_task(conn.send_request("PUT", "/up", body=b"data", expect100=True))
    await settle()
    net.transport.feed(b"HTTP/1.1 2000 Nope\r\n\r\n")
    assert isinstance(await failure(sending), InvalidResponse)
    assert net.transport.aborted
    assert conn.response_pending()  # the PUT was sent, its head at least
    with pytest.raises(ConnectionClosed) as caught:
        await conn.read_response()
    assert "PUT" in str(caught.value)
    await conn.send_request("GET", "/next")
    assert len(net.transports) == 2


async def test_a_reader_and_a_sender_failing_together_answer_each_request_once(
    rig: Rig,
) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/1")
    await conn.send_request("PUT", "/2", body=BodyFollowing(4))
    await conn.write(b"ab")
    reading = asyncio.create_task(failure(conn.read_response()))
    await settle()
    net.transport.feed(b"HTTP/1.1 2000 Nope\r\n\r\n")  # fails the codec; the reader not run yet
    with pytest.raises(StateError):
        await conn.write(b"cd")  # the sender meets the failed codec first
    assert isinstance(await reading, InvalidResponse)  # answers /1
    with pytest.raises(ConnectionClosed) as caught:
        await conn.read_response()  # answers /2, once
    assert "PUT" in str(caught.value)
    assert not conn.response_pending()
    await conn.send_request("GET", "/3")
    assert len(net.transports) == 2


async def test_a_read_failing_after_disconnect_leaves_the_next_connection_alone(
    rig: Rig,
) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/old")
    reading = asyncio.create_task(failure(conn.read_response()))
    await settle()
    conn.disconnect()
    await conn.send_request("GET", "/new")  # the old read fails while this one connects
    assert isinstance(await reading, HTTPException)
    assert len(net.transports) == 2
    transport = net.transport
    assert not transport.is_closing()
    transport.feed(response(200, b"new"))
    assert await (await conn.read_response()).readall() == b"new"
    assert conn.is_reusable()


async def test_disconnect_forgets_the_requests_owed_on_a_failed_connection(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/1")
    await conn.send_request("GET", "/2")
    net.transport.feed_eof()
    with pytest.raises(ConnectionClosed):
        await conn.read_response()
    assert conn.response_pending()
    conn.disconnect()  # dugong: whatever was in flight is lost
    assert not conn.response_pending()
    with pytest.raises(ResponseNotReady):
        await conn.read_response()
    await conn.send_request("GET", "/3")
    assert len(net.transports) == 2


async def test_reading_a_response_after_disconnect_fails_loudly(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    conn.disconnect()
    assert await resp.read(3) == b"abc"  # received before the close
    error = await failure(resp.read(10))  # never silently b"" or another response's bytes
    held = [resp]
    del resp
    forget(conn, held)
    assert isinstance(error, HTTPException)


async def test_a_response_whose_connection_broke_does_not_warn(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    resp = await conn.read_response()
    net.transport.lose(ConnectionResetError(104, "Connection reset by peer"))
    error = await failure(resp.readall())
    # The error released it: its connection is closed, nothing is left to
    # reuse or to close, and Response offers no close() to silence a warning.
    conn.disconnect()  # what a caller does with a broken connection
    held = [resp]
    del resp
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        held.clear()
        gc.collect()
    assert isinstance(error, ReadError)
    assert [w.message for w in seen if issubclass(w.category, ResourceWarning)] == []


# ---------------------------------------------------------------- leaks


async def test_unread_response_collected_warns(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    net.transport.feed(response(200, b"never read"))
    resp = await conn.read_response()
    conn.disconnect()
    held = [resp]
    del resp
    with pytest.warns(ResourceWarning, match="body unread"):
        held.clear()


async def test_read_response_refuses_while_the_previous_body_is_unread(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/1")
    await conn.send_request("GET", "/2")
    net.transport.feed(response(200, b"one") + response(200, b"two"))
    first = await conn.read_response()
    with pytest.raises(StateError):
        await conn.read_response()
    await first.discard()
    assert await (await conn.read_response()).readall() == b"two"


async def test_open_connection_collected_warns() -> None:
    network = MemoryNetwork()
    conn = HTTPConnection(HOST, opener=memory_opener(network))
    await conn.connect()
    held = [conn]
    del conn
    with pytest.warns(ResourceWarning, match="garbage-collected while open"):
        held.clear()
    assert network.transport.aborted


# ---------------------------------------------------------------- cancellation


async def test_cancelled_wait_for_a_head_leaves_the_response_owed(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    reading = asyncio.create_task(conn.read_response())
    await settle()
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    transport = net.transport
    assert not transport.is_closing()
    assert conn.response_pending()
    assert not conn.is_reusable()
    transport.feed(response(200, b"late"))
    resp = await conn.read_response()
    assert await resp.readall() == b"late"
    assert conn.is_reusable()


async def test_cancel_racing_the_head_does_not_lose_it(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    reading = asyncio.create_task(conn.read_response())
    await settle()
    net.transport.feed(response(200, b"raced"))  # wakes the reader...
    reading.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await reading
    resp = await conn.read_response()
    assert await resp.readall() == b"raced"
    assert conn.is_reusable()


async def test_cancelled_send_after_the_request_was_queued_leaves_it_sent(rig: Rig) -> None:
    conn, net = rig()
    await conn.connect()
    transport = net.transport
    transport.stall_writes()
    body = bytes(BIG)
    sending = asyncio.create_task(conn.send_request("POST", "/up", body=body))
    await settle()
    assert transport.writing_paused
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert not transport.is_closing()
    assert conn.response_pending()
    [sent] = parse_requests(transport.sent)
    assert sent.body == body
    transport.peer_read()
    transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


async def test_cancelled_send_in_the_middle_of_a_streamed_body_aborts(rig: Rig) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b"first"
        yield b"second"

    conn, net = rig()
    await conn.connect()
    transport = net.transport
    transport.stall_writes()
    sending = asyncio.create_task(conn.send_request("POST", "/stream", body=pieces()))
    await settle()
    assert not sending.done()
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert transport.aborted
    assert b"second" not in transport.sent
    assert not conn.is_reusable()
    with pytest.raises(NotConnected):
        await conn.send_request("GET", "/next")
    assert isinstance(await failure(conn.read_response()), HTTPException)  # never an answer
    assert not conn.response_pending()
    await conn.send_request("GET", "/next")
    assert len(net.transports) == 2
    net.transport.feed(response(204))
    await conn.read_response()


async def test_cancelled_blocked_write_aborts(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("PUT", "/f", body=BodyFollowing(BIG + 1))
    transport = net.transport
    transport.stall_writes()
    writing = asyncio.create_task(conn.write(bytes(BIG)))
    await settle()
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    assert transport.aborted
    assert not conn.is_reusable()


@pytest.mark.parametrize("last", ["write", "end_request", "empty-write"])
async def test_cancelled_wait_after_the_last_body_bytes_were_handed_over_leaves_it_sent(
    rig: Rig, last: str
) -> None:
    # As for send_request: once every byte of the request is the transport's,
    # a cancelled wait for the peer to read them leaves the request sent.
    conn, net = rig()
    await conn.send_request("PUT", "/f", body=BodyFollowing(6 if last == "write" else None))
    await conn.write(b"abc")
    transport = net.transport
    transport.stall_writes()
    if last == "write":
        finishing = asyncio.create_task(conn.write(b"def"))  # completes the announced length
    elif last == "end_request":
        finishing = asyncio.create_task(conn.end_request())
    else:
        finishing = asyncio.create_task(conn.write(b""))
    await settle()
    assert transport.writing_paused
    finishing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finishing
    assert not transport.is_closing()
    [sent] = parse_requests(transport.sent)
    assert sent.body == (b"abcdef" if last == "write" else b"abc")
    transport.peer_read()
    transport.feed(response(204))
    await conn.read_response()
    assert conn.is_reusable()


@pytest.mark.parametrize("style", ["read", "readinto"])
async def test_a_body_read_cancelled_while_waiting_loses_nothing(rig: Rig, style: str) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/")
    transport = net.transport
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc")
    await conn.read_response()
    assert await conn.read(3) == b"abc"
    call = conn.read(3) if style == "read" else conn.readinto(bytearray(3))
    waiting = asyncio.create_task(call)
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not transport.is_closing()
    transport.feed(b"def")
    assert await conn.readall() == b"def"
    assert conn.is_reusable()


# ---------------------------------------------------------------- the rest of the surface


async def test_is_reusable_tells_the_truth_at_each_step(rig: Rig) -> None:
    conn, net = rig()
    steps: list[tuple[str, bool, bool]] = []

    def note(step: str) -> None:
        steps.append((step, conn.is_reusable(), conn.response_pending()))

    note("new")
    await conn.connect()
    note("connected")
    await conn.send_request("PUT", "/f", body=BodyFollowing(2))
    note("head sent")
    await conn.write(b"ab")
    note("body sent")
    net.transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    resp = await conn.read_response()
    note("head read")
    net.transport.feed(b"ok")
    assert await resp.read(1) == b"o"
    note("half the body read")
    assert await resp.read(1) == b"k"
    note("body read")
    assert await resp.read(1) == b""
    note("end seen")
    assert steps == [
        ("new", False, False),
        ("connected", True, False),
        ("head sent", False, True),
        ("body sent", False, True),
        ("head read", False, True),
        ("half the body read", False, True),
        ("body read", False, True),
        ("end seen", True, False),
    ]


async def test_ssl_information_comes_from_the_transport(rig: Rig) -> None:
    cipher = ("TLS_AES_128_GCM_SHA256", "TLSv1.3", 128)
    conn, _ = rig(extra={"cipher": cipher})
    assert conn.get_ssl_cipher() is None  # not connected
    await conn.connect()
    assert conn.get_ssl_cipher() == cipher
    assert conn.get_ssl_peercert() is None  # no TLS object on this transport


async def test_disconnect_mid_exchange_then_a_fresh_exchange(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/lost")
    conn.disconnect()
    assert net.transport.aborted
    assert not conn.response_pending()
    await conn.send_request("GET", "/found")
    assert len(net.transports) == 2
    assert net.transport.sent.startswith(b"GET /found ")
    net.transport.feed(response(200, b"found"))
    resp = await conn.read_response()
    assert resp.method == "GET"
    assert await resp.readall() == b"found"


async def test_read_response_with_nothing_sent(rig: Rig) -> None:
    conn, _ = rig()
    with pytest.raises(ResponseNotReady):
        await conn.read_response()
    await conn.connect()
    with pytest.raises(ResponseNotReady):
        await conn.read_response()


async def test_async_with_closes_the_transport() -> None:
    network = MemoryNetwork()
    async with HTTPConnection(HOST, opener=memory_opener(network)) as conn:
        await conn.send_request("GET", "/")
        network.transport.feed(response(200, b"ok"))
        assert await (await conn.read_response()).readall() == b"ok"
    assert network.transport.lost
    assert not conn.is_reusable()
    assert "closed" in repr(conn)


# ---------------------------------------------------------------- read flow control


async def test_a_reader_that_does_not_read_stops_the_transport_reading(rig: Rig) -> None:
    # DESIGN.md: memory never grows with the body when the user streams.
    conn, net = rig()
    await conn.send_request("GET", "/big")
    transport = net.transport
    size = 4 << 20
    body = bytes(range(256)) * (size // 256)
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
    resp = await conn.read_response()
    transport.feed(body, segment=64 * 1024)  # nobody reads meanwhile
    await settle()
    assert not transport.is_reading()
    assert conn._codec.buffered <= 512 * 1024  # bounded, whatever the body's size
    assert await resp.readall() == body  # each wait for bytes resumes reading
    assert transport.is_reading()
    assert conn.is_reusable()


async def test_a_full_caller_buffer_pauses_reading_until_the_next_readinto(rig: Rig) -> None:
    conn, net = rig()
    await conn.send_request("GET", "/big")
    transport = net.transport
    size = 1 << 20
    body = bytes(range(256)) * (size // 256)
    transport.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
    resp = await conn.read_response()
    buffer = bytearray(64 * 1024)
    reader = asyncio.create_task(resp.readinto(buffer))
    await settle()
    transport.feed(body, segment=16 * 1024)
    assert await reader == len(buffer)  # filled by four direct reads
    assert not transport.is_reading()  # full: the rest waits in the socket
    assert conn._codec.buffered == 0  # nothing was read into the stream's buffer
    received = bytearray(buffer)
    while count := await resp.readinto(buffer):
        received += buffer[:count]
    assert received == body
