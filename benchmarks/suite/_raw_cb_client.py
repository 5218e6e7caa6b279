"""The callback ceiling: each next request is written from the protocol's own callback.

No task, no future, no coroutine per request: ``Counter`` reports a whole
answer, and the callback records its latency and writes the next request
(prebuilt bytes) at once, in the same callback. What the event loop itself
can do on this machine, below any API that awaits (compare ``raw``, whose
tasks await one future per response). Each lane owns one connection and
keeps *depth* requests on it: 1 for A and D, 16 for F (pipelined, the next
``n`` requests written in one ``write`` when ``n`` answers arrive in one
read). For C each lane opens a connection per request: the callback that
sees the answer closes the connection and starts the next one (a
``create_connection`` task: asyncio opens connections only from a
coroutine), and its request is written as soon as that connection is made.

The answer is parsed and checked once per run (``answer_length``) and
counted afterwards; a lane's latency is from the moment a request is
written (C: from the start of its connection) to the callback that counts
its answer.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Final

from benchmarks.connection._raw_client import request_bytes
from benchmarks.pool._client import Lane, Lanes
from benchmarks.suite._common import Target, Work, unsupported
from benchmarks.suite._counting import answer_length, connect_counter

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "raw_cb"


def version() -> str:
    return f"asyncio.BufferedProtocol, callbacks only (Python {sys.version.split()[0]})"


class _Kept:
    """One kept-alive connection with *depth* requests in flight, refilled from the callback."""

    __slots__ = ("_depth", "_done", "_lanes", "_request", "_sent", "_started", "_write")

    def __init__(self, request: bytes, depth: int, lanes: Lanes) -> None:
        self._request = request
        self._depth = depth
        self._lanes = lanes
        self._sent: deque[float] = deque()
        self._started = False
        self._done = asyncio.get_running_loop().create_future()
        self._write: Callable[[bytes], None] | None = None

    async def run(self, target: Target, length: int) -> None:
        transport = await connect_counter(target, length, self.on_answers, self.on_lost)
        self._write = transport.write
        try:
            self._sent.extend([time.perf_counter()] * self._depth)
            transport.write(self._request * self._depth)
            await self._done
        finally:
            transport.close()

    def on_answers(self, count: int) -> None:
        now = time.perf_counter()
        sent, record = self._sent, self._lanes.latencies.append
        for _ in range(count):
            record(now - sent.popleft())
        if not self._started:
            self._started = True
            self._lanes.lane_started()
        if not self._lanes.stop:
            sent.extend([now] * count)
            assert self._write is not None  # answers come only once connected
            self._write(self._request * count)
        elif not sent and not self._done.done():
            self._done.set_result(None)

    def on_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_exception(exc or ConnectionResetError("the server closed"))


class _Churn:
    """A new connection per request: the callback that counts an answer starts the next one."""

    __slots__ = ("_done", "_lanes", "_length", "_request", "_start", "_started", "_target")

    def __init__(self, target: Target, request: bytes, length: int, lanes: Lanes) -> None:
        self._target = target
        self._request = request
        self._length = length
        self._lanes = lanes
        self._start = 0.0
        self._started = False
        self._done = asyncio.get_running_loop().create_future()

    async def run(self) -> None:
        self.connect()
        await self._done

    def connect(self) -> None:
        self._start = time.perf_counter()
        opening = asyncio.get_running_loop().create_task(
            connect_counter(self._target, self._length, self.on_answers, self.on_lost)
        )
        opening.add_done_callback(self.made)

    def made(self, opening: asyncio.Task[asyncio.Transport]) -> None:
        if opening.cancelled():
            return
        error = opening.exception()
        if error is not None:
            self.on_lost(error if isinstance(error, Exception) else None)
            return
        opening.result().write(self._request)

    def on_answers(self, count: int) -> None:
        self._lanes.latencies.append(time.perf_counter() - self._start)
        if not self._started:
            self._started = True
            self._lanes.lane_started()
        if self._lanes.stop:
            if not self._done.done():
                self._done.set_result(None)
        else:
            self.connect()

    def on_lost(self, exc: Exception | None) -> None:
        # The server closes every connection after its answer: only an error matters.
        if exc is not None and not self._done.done():
            self._done.set_exception(exc)


async def _kept_lane(
    target: Target, request: bytes, length: int, depth: int, number: int, lanes: Lanes
) -> None:
    await _Kept(request, depth, lanes).run(target, length)


async def _churn_lane(
    target: Target, request: bytes, length: int, number: int, lanes: Lanes
) -> None:
    await _Churn(target, request, length, lanes).run()


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    target = work.target
    length = await answer_length(target)
    request = request_bytes(target, target.small_path)
    if work.kind == "get":
        yield functools.partial(_kept_lane, target, request, length, 1)
    elif work.kind == "pipeline":
        yield functools.partial(_kept_lane, target, request, length, work.depth)
    elif work.kind == "close":
        yield functools.partial(_churn_lane, target, request, length)
    else:
        raise unsupported(NAME, work)
