"""ConnectionPool under cancellation: a request cancelled at each of its awaits.

PROTOCOL-POLICY.md pool rule 3: a task cancelled at any await leaves no
waiter queued, no slot reserved, and the socket closed if it carried any
byte of the cancelled request. Rule 6: ``PoolTimeout`` leaves no trace.

How: each test brings one request to one await point, known from an event
rather than a guessed sleep (the scripted server saw the request head or sent
half a body, the pool's trace reported a step, ``stats()`` shows a waiter),
cancels it there, and then checks

* the books through ``stats()``: nothing active, connecting or waiting, and
  an idle connection only where it was provably clean; plus the invariants
  of ``_pool_state.check``;
* that the server saw the client close the socket (FIN or RST) whenever the
  socket carried a byte of the request;
* that the pool still works: every pool here has ``max_connections=1`` and a
  1 s pool budget, so a slot leaked by the cancellation fails the next
  request with ``PoolTimeout``.

The points: (a) waiting for a slot, also in the two races where the slot or
an idle connection was granted but the task was cancelled before it ran;
(b) connecting, over TCP (a listen queue that is full) and in the TLS
handshake (a server that never answers the ClientHello); (c) sending a large
body, bytes and an async iterable; (d) awaiting the head on a reused
connection; (e) reading a streamed body, and draining it when the ``async
with`` block ends; (f) the whole-body read of ``await pool.request()``,
plain and gzip-decoded. Last, a waiter of an origin that has no connection
yet, timed out or cancelled, leaves ``stats()`` as it found it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import random
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

import pytest
from _support.rawserver import (
    RawConnection,
    RawRequest,
    RawServer,
    http_response,
    read_body,
    read_request,
    read_requests,
)

from aiohttpcore import (
    ConnectionPool,
    PoolStats,
    PoolTimeout,
    Response,
    Retry,
    Timeout,
    TraceEvent,
)
from aiohttpcore._pool_state import check as check_books

pytestmark = pytest.mark.asyncio

#: Generous budgets, except the pool's: a leaked slot shows as PoolTimeout within 1 s.
BUDGETS: Final = Timeout(connect=5.0, read=5.0, write=5.0, pool=1.0)
HALF: Final = 64 * 1024
#: A streamed body, of which the servers send only the first HALF bytes.
BODY: Final = random.Random(0).randbytes(2 * HALF)
OK: Final = http_response(b"ok")
#: Far more than the loopback socket buffers hold (client send buffer up to
#: 4 MiB, server receive buffer up to 32 MiB here), so the send must block.
UPLOAD: Final = 64 * 1024 * 1024
UPLOAD_PIECE: Final = bytes(64 * 1024)

Respond = Callable[[RawRequest, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def new_pool(trace: Callable[[TraceEvent], None] | None = None) -> ConnectionPool:
    """One connection at most, no retries: every cancellation shows in the books."""
    return ConnectionPool(max_connections=1, timeout=BUDGETS, retries=Retry.never(), trace=trace)


def assert_clean(pool: ConnectionPool, *, idle: int) -> PoolStats:
    """Nothing active, connecting or waiting; *idle* idle connections; the invariants hold."""
    stats = pool.stats()
    assert (stats.active, stats.connecting, stats.waiters, stats.idle) == (0, 0, 0, idle), stats
    check_books(pool._books)
    return stats


def serve(
    respond: Respond,
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """A keep-alive handler: *respond* answers each request until the client closes."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The client aborts cancelled connections: a reset is expected, not a failure.
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            async for request in read_requests(reader):
                await respond(request, reader, writer)

    return handler


async def until_client_closes(reader: asyncio.StreamReader) -> int:
    """Read and count what the client sends until it closes (FIN or RST)."""
    count = 0
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(1 << 20):
            count += len(data)
    return count


async def closed_by_client(record: RawConnection) -> None:
    async with asyncio.timeout(2.0):
        await record.wait_closed_by_client()


async def reached(event: asyncio.Event) -> None:
    async with asyncio.timeout(5.0):
        await event.wait()


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(2.0):
        while not predicate():  # noqa: ASYNC110  (pool state: no event to wait on)
            await asyncio.sleep(0.001)


async def cancel(task: asyncio.Task[object]) -> None:
    """Cancel *task* where it waits now, and see it end cancelled."""
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def fetch(pool: ConnectionPool, url: str) -> Response:
    return await pool.request("GET", url)


async def answer_ok(pool: ConnectionPool, url: str) -> None:
    """The pool still serves a request to *url* (no slot leaked)."""
    response = await pool.request("GET", url)
    assert response.status == 200
    assert response.content == b"ok"


def hold_response(release: asyncio.Event) -> Respond:
    """``/hold`` sends half of BODY, the rest once *release* is set; other paths get OK."""

    async def respond(
        request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if request.target == "/hold":
            writer.write(http_response(BODY)[: -len(BODY) + HALF])
            await writer.drain()
            await release.wait()
            writer.write(BODY[HALF:])
        else:
            writer.write(OK)
        await writer.drain()

    return respond


# ---------------------------------------------------------------- (a) waiting for a slot


@pytest.mark.parametrize("grant", ["queued", "connection", "slot"])
async def test_cancelled_while_waiting_for_a_slot(grant: str) -> None:
    """The waiter is cancelled queued, or granted but before it ran (both kinds of grant).

    ``connection``: the first response ends, its clean connection is handed
    to the waiter, which is cancelled before it takes it: the connection
    must go back to idle, and the ``reused`` count must not keep the hand-over.
    ``slot``: the first response is given up, its connection closes and the
    waiter is granted the freed slot: cancelled, it must free the slot again.
    """
    release = asyncio.Event()
    async with RawServer(serve(hold_response(release))) as server, new_pool() as pool:
        small = server.base_url + "/small"
        async with pool.request("GET", server.base_url + "/hold") as first:
            assert BODY.startswith(await first.read(10))
            second = asyncio.create_task(fetch(pool, small))
            await until(lambda: pool.stats().waiters == 1)
            if grant == "connection":
                release.set()
                await first.discard()  # its end hands the connection over, synchronously
            elif grant == "slot":
                first.close()  # unread: closed, and its slot granted to the waiter
            stats = pool.stats()
            expected = {"queued": (1, 0, 1), "connection": (1, 0, 0), "slot": (0, 1, 0)}[grant]
            assert (stats.active, stats.connecting, stats.waiters) == expected, stats
            await cancel(second)
            if grant == "queued":
                stats = pool.stats()
                assert (stats.active, stats.connecting, stats.waiters) == (1, 0, 0), stats
                release.set()
                await first.discard()
        stats = assert_clean(pool, idle=0 if grant == "slot" else 1)
        assert stats.reused == 0, stats
        if grant == "slot":
            await closed_by_client(server.connections[0])
            release.set()  # the handler's write then fails, as the connection is gone
        await answer_ok(pool, small)
        stats = assert_clean(pool, idle=1)
        assert (stats.opened, stats.reused) == ((2, 0) if grant == "slot" else (1, 1)), stats


# ---------------------------------------------------------------- (b) connecting


@contextlib.asynccontextmanager
async def full_listen_queue() -> AsyncIterator[int]:
    """A port whose listen queue is full: Linux drops a new SYN, so a connect hangs.

    ``listen(0)`` queues one connection; the next connect must then time
    out, which proves the queue full before the pool tries.
    """
    loop = asyncio.get_running_loop()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            fillers.append(filler)
            filler.setblocking(False)
            try:
                await asyncio.wait_for(loop.sock_connect(filler, address), 0.2)
            except TimeoutError:
                break
        else:
            pytest.fail("the listen queue never filled up")
        yield address[1]
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.parametrize("layer", ["tcp", "tls"])
async def test_cancelled_while_connecting(layer: str) -> None:
    """Cancelled in the TCP connect or in the TLS handshake: the slot is free again."""
    hello = asyncio.Event()
    connecting = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.read(65536)  # the ClientHello, never answered
        hello.set()
        await until_client_closes(reader)

    def trace(event: TraceEvent) -> None:
        if event.name == "connect_start":
            connecting.set()

    async with (
        RawServer(serve(hold_response(asyncio.Event()))) as ok_server,
        RawServer(silent) as tls_server,
        contextlib.AsyncExitStack() as stack,
        new_pool(trace) as pool,
    ):
        if layer == "tcp":
            port = await stack.enter_async_context(full_listen_queue())
            task = asyncio.create_task(fetch(pool, f"http://127.0.0.1:{port}/"))
            # The trace is emitted just before the connect: the test runs again
            # only once the task waits inside it.
            await reached(connecting)
        else:
            task = asyncio.create_task(fetch(pool, f"https://127.0.0.1:{tls_server.port}/"))
            await reached(hello)
        stats = pool.stats()
        assert (stats.active, stats.connecting, stats.waiters) == (0, 1, 0), stats
        await cancel(task)
        stats = assert_clean(pool, idle=0)
        assert stats.opened == 0, stats
        if layer == "tls":
            await closed_by_client(tls_server.connections[0])
        await answer_ok(pool, ok_server.base_url + "/")
        assert_clean(pool, idle=1)


# ---------------------------------------------------------------- (c) sending the body


async def upload_pieces() -> AsyncIterator[bytes]:
    for _ in range(UPLOAD // len(UPLOAD_PIECE)):
        yield UPLOAD_PIECE


@pytest.mark.parametrize("kind", ["bytes", "async-iterable"])
async def test_cancelled_while_sending_a_large_body(kind: str) -> None:
    head_seen = asyncio.Event()
    drain = asyncio.Event()
    received: list[int] = []
    events: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                request = await read_request(reader, body=False)
                if request.target == "/upload":
                    head_seen.set()
                    await drain.wait()  # read nothing until the client gave up
                    received.append(await until_client_closes(reader))
                    return
                await read_body(reader, request)
                writer.write(OK)
                await writer.drain()

    async def upload(pool: ConnectionPool, url: str) -> Response:
        body: object = bytes(UPLOAD) if kind == "bytes" else upload_pieces()
        return await pool.request("POST", url, body=body)

    async with RawServer(handler) as server, new_pool(lambda e: events.append(e.name)) as pool:
        task = asyncio.create_task(upload(pool, server.base_url + "/upload"))
        await reached(head_seen)
        assert pool.stats().active == 1
        assert "request_sent" not in events  # the body is still going out
        await cancel(task)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        drain.set()
        await closed_by_client(server.connections[0])
        await until(lambda: bool(received))  # the handler read what was sent, then the EOF
        assert received[0] < UPLOAD
        await answer_ok(pool, server.base_url + "/ok")
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 2, stats


# ---------------------------------------------------------------- (d) awaiting the head


@pytest.mark.parametrize("how", ["task-cancel", "wait-for-timeout"])
async def test_cancelled_while_awaiting_the_head_on_a_reused_connection(how: str) -> None:
    request_seen = asyncio.Event()

    async def respond(
        request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if request.target == "/stall":
            request_seen.set()
            await until_client_closes(reader)
            return
        writer.write(OK)
        await writer.drain()

    async with RawServer(serve(respond)) as server, new_pool() as pool:
        ok, stall = server.base_url + "/ok", server.base_url + "/stall"
        await answer_ok(pool, ok)
        assert_clean(pool, idle=1)
        if how == "task-cancel":
            task = asyncio.create_task(fetch(pool, stall))
            await reached(request_seen)
            assert pool.stats().active == 1
            await cancel(task)
        else:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(fetch(pool, stall), 0.2)
            assert request_seen.is_set()
        stats = assert_clean(pool, idle=0)
        assert stats.reused == 1, stats
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(server.connections[0])
        await answer_ok(pool, ok)
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 2, stats


# ---------------------------------------------------------------- (e) reading a streamed body


def half_a_response(framing: str, body: bytes = BODY, headers: bytes = b"") -> bytes:
    """The head of a response of *body* and its first half, in *framing*."""
    half = body[: len(body) // 2]
    if framing == "chunked":
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n%s\r\n%x\r\n%s\r\n" % (
            headers,
            len(half),
            half,
        )
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), headers, half)


def half_then_silence(framing: str, body: bytes = BODY, headers: bytes = b"") -> Respond:
    """``/half`` sends half a response, then nothing until the client closes; else OK."""

    async def respond(
        request: RawRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if request.target == "/half":
            writer.write(half_a_response(framing, body, headers))
            await writer.drain()
            await until_client_closes(reader)
            return
        writer.write(OK)
        await writer.drain()

    return respond


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize("style", ["readinto", "read", "async-for"])
async def test_cancelled_while_reading_a_streamed_body(style: str, framing: str) -> None:
    half_read = asyncio.Event()

    async def consume(pool: ConnectionPool, url: str) -> None:
        async with pool.request("GET", url) as response:
            got = bytearray()
            buffer = bytearray(4096)
            while True:
                if style == "readinto":
                    count = await response.readinto(buffer)
                    assert 0 < count <= len(buffer)
                    got += buffer[:count]
                elif style == "read":
                    got += await response.read(4096)
                else:
                    async for piece in response:
                        got += piece
                        if len(got) >= HALF:
                            break
                if len(got) >= HALF:
                    assert got == BODY[:HALF]
                    half_read.set()
                    await response.readinto(buffer)  # waits: the server sends no more
                    pytest.fail("the body went on")

    async with RawServer(serve(half_then_silence(framing))) as server, new_pool() as pool:
        task = asyncio.create_task(consume(pool, server.base_url + "/half"))
        await reached(half_read)
        assert pool.stats().active == 1
        await cancel(task)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(server.connections[0])
        await answer_ok(pool, server.base_url + "/ok")
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 2, stats


async def test_cancelled_while_draining_at_the_end_of_the_block() -> None:
    """Leaving ``async with`` drains a small unread rest (up to 0.5 s): cancelled there."""
    leaving = asyncio.Event()
    small = BODY[:2048]  # under the 64 KiB the pool drains rather than close

    async def leave_early(pool: ConnectionPool, url: str) -> None:
        async with pool.request("GET", url) as response:
            assert response.status == 200
            leaving.set()  # the block ends: the pool drains the small rest

    respond = half_then_silence("content-length", small)
    async with RawServer(serve(respond)) as server, new_pool() as pool:
        task = asyncio.create_task(leave_early(pool, server.base_url + "/half"))
        await reached(leaving)
        assert pool.stats().active == 1
        await cancel(task)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(server.connections[0])
        await answer_ok(pool, server.base_url + "/ok")
        assert_clean(pool, idle=1)


# ---------------------------------------------------------------- (f) the whole-body read


@pytest.mark.parametrize("coding", ["identity", "gzip"])
async def test_cancelled_while_reading_the_whole_body(coding: str) -> None:
    """``await pool.request()`` cancelled inside its read of the body (decoded or not)."""
    head_arrived = asyncio.Event()
    if coding == "gzip":
        body, headers = gzip.compress(BODY), b"Content-Encoding: gzip\r\n"
    else:
        body, headers = BODY, b""

    def trace(event: TraceEvent) -> None:
        if event.name == "response_head":
            head_arrived.set()

    respond = half_then_silence("content-length", body, headers)
    async with RawServer(serve(respond)) as server, new_pool(trace) as pool:
        task = asyncio.create_task(fetch(pool, server.base_url + "/half"))
        # The head is traced just before the body is read: the test runs
        # again once the task waits for the rest of the body.
        await reached(head_arrived)
        assert pool.stats().active == 1
        await cancel(task)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(server.connections[0])
        await answer_ok(pool, server.base_url + "/ok")
        assert_clean(pool, idle=1)


# ---------------------------------------------------------------- PoolTimeout


@pytest.mark.parametrize("how", ["pool-timeout", "task-cancel"])
async def test_waiter_of_another_origin_leaves_the_stats_as_they_were(how: str) -> None:
    """Rules 3 and 6 for a waiter whose origin has no connection at all.

    The books create an origin's record on its first request; a waiter that
    gives up must not leave it in ``stats()``. (The same-origin PoolTimeout
    is in ``tests/socketlevel/test_pool.py``.) ``requests`` counts calls to
    ``request()``, the failed one included: the one figure that moves.
    """
    release = asyncio.Event()
    async with RawServer(serve(hold_response(release))) as server, new_pool() as pool:
        other = f"http://localhost:{server.port}/small"  # same server, another pool key
        async with pool.request("GET", server.base_url + "/hold") as first:
            assert BODY.startswith(await first.read(10))
            before = pool.stats()
            if how == "pool-timeout":
                loop = asyncio.get_running_loop()
                start = loop.time()
                with pytest.raises(PoolTimeout) as info:
                    await pool.request(
                        "GET", other, timeout=dataclasses.replace(BUDGETS, pool=0.05)
                    )
                assert 0.04 <= loop.time() - start < 1.0  # uvloop's clock counts milliseconds
                assert f"localhost:{server.port}" in str(info.value)
            else:
                task = asyncio.create_task(fetch(pool, other))
                await until(lambda: pool.stats().waiters == 1)
                assert list(pool.stats().origins) == [
                    server.base_url,
                    f"http://localhost:{server.port}",
                ]
                await cancel(task)
            after = pool.stats()
            assert after.requests == before.requests + 1
            assert dataclasses.replace(after, requests=before.requests) == before
            release.set()
            await first.discard()
        assert_clean(pool, idle=1)
        await answer_ok(pool, server.base_url + "/small")
        stats = assert_clean(pool, idle=1)
        assert (stats.opened, stats.reused) == (1, 1), stats
