"""The awaitable ceiling: tasks that await one future per response, and no HTTP to speak of.

The limit for any API a task awaits. A, D: the pool benchmark's raw client
(one connection per lane, prebuilt request, one ``write``, one future per
response, answers counted once the first is checked). B: the connection
benchmark's raw download (head parsed, body counted into one 256 KiB
buffer). C: that raw session opened, used once and closed per request
(``Connection: close`` sent, the first answer of each parsed). E:
``Uploader`` (the body in 1 MiB slices with flow control), then the
small GET on the same connection. F: per connection one task keeps 16
requests in flight and awaits their futures in order, writing one request
per answer; ``Counter`` resolves them as answers arrive.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Final

from benchmarks.connection import _raw_client
from benchmarks.connection._raw_client import _RawSession, request_bytes
from benchmarks.pool import _raw_client as _pool_raw
from benchmarks.pool._client import Lane, Lanes
from benchmarks.pool._common import Get, sessions
from benchmarks.suite._common import Target, Work, awaited, sized, unsupported
from benchmarks.suite._counting import Uploader, answer_length, connect_counter

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "raw"

version = _raw_client.version


def _fresh(target: Target) -> Get:
    async def get(lane: int) -> None:
        await answer_length(target)  # a new connection, one request, closed

    return get


@asynccontextmanager
async def _uploads(work: Work) -> AsyncIterator[Get]:
    target = work.target
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        lambda: Uploader(loop), target.host, target.port, ssl=target.ssl
    )
    session = _RawSession(transport, protocol, target)
    head = request_bytes(target, work.upload_path, "POST", len(work.body))
    body = memoryview(work.body)

    async def upload(lane: int) -> None:
        # nginx answers as soon as the head is in; the small GET behind the
        # body is answered only once nginx has read all of it.
        answered = protocol.expect(None)
        await protocol.send(head, body)
        await answered
        await session.small()

    try:
        yield upload
    finally:
        await session.aclose()


class _Pipeline:
    """One connection, *depth* requests in flight, one future per response awaited in order."""

    __slots__ = ("_due", "_request", "_write")

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._due: deque[asyncio.Future[None]] = deque()
        self._write: Callable[[bytes], None] | None = None

    def on_answers(self, count: int) -> None:
        for _ in range(count):
            self._due.popleft().set_result(None)

    def on_lost(self, exc: Exception | None) -> None:
        error = exc or ConnectionResetError("the server closed")
        while self._due:
            self._due.popleft().set_exception(error)

    def send(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        waiter = loop.create_future()
        self._due.append(waiter)
        assert self._write is not None  # run() connects before it sends
        self._write(self._request)
        return waiter

    async def run(self, target: Target, length: int, depth: int, lanes: Lanes) -> None:
        loop = asyncio.get_running_loop()
        transport = await connect_counter(target, length, self.on_answers, self.on_lost)
        self._write = transport.write
        perf, record = time.perf_counter, lanes.latencies.append
        flight = deque((perf(), self.send(loop)) for _ in range(depth))
        started = False
        try:
            while flight:
                start, waiter = flight.popleft()
                await waiter
                record(perf() - start)
                if not started:
                    started = True
                    lanes.lane_started()
                if not lanes.stop:
                    flight.append((perf(), self.send(loop)))
        finally:
            transport.close()


async def _pipeline_lane(
    target: Target, length: int, depth: int, number: int, lanes: Lanes
) -> None:
    request = request_bytes(target, target.small_path)
    await _Pipeline(request).run(target, length, depth, lanes)


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    target = work.target
    if work.kind == "get":
        async with _pool_raw.pool(target, work.concurrency) as get:
            yield awaited(get)
    elif work.kind == "download":
        async with sessions(_raw_client.connect, target, 1) as (session,):
            yield awaited(sized(session.download, target.big_size))
    elif work.kind == "close":
        yield awaited(_fresh(target))
    elif work.kind == "upload":
        async with _uploads(work) as upload:
            yield awaited(upload)
    elif work.kind == "pipeline":
        length = await answer_length(target)
        yield partial(_pipeline_lane, target, length, work.depth)
    else:
        raise unsupported(NAME, work)
