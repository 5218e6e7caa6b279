"""What the two raw ceilings share: a protocol that counts answers of known length, and uploads.

No HTTP to speak of, as in ``benchmarks/connection/_raw_client.py``: nginx's
answer to a given request has the same length every time (the Date header
has a fixed width), so once one answer has been parsed and checked
(``answer_length``, through the connection benchmark's raw session) every
later one is counted, not parsed. ``Counter`` reads straight into one reused
buffer and reports every whole answer to a callback, however many arrive in
one read: the pipelined ceilings (F) need that, and a single answer is the
case of one. Bytes left over when a connection ends are a wrong answer.

``Uploader`` is the connection benchmark's raw protocol plus flow control:
it hands a body to the transport in 1 MiB slices of the caller's buffer,
pausing when the transport holds 4 MiB (``pause_writing``), so no copy of
the body is made beyond what the transport buffers (E's ceiling). With the
transport's default 64 KiB mark it was not one: measured on the dev
machine, the kernel's send buffer ran dry between slices and the ceiling
moved 2 to 3 GiB/s at half a CPU, below a client that writes the whole body
at once; with 4 MiB it moves 3.5 to 4.5 GiB/s and is CPU-bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final, cast

from benchmarks.connection import _raw_client
from benchmarks.connection._common import DOWNLOAD_BUFFER, Target, WrongAnswer

__all__ = ["Counter", "Uploader", "answer_length", "connect_counter"]

_SLICE: Final = 1024 * 1024
"""Bytes of an upload body given to the transport at a time."""
_HIGH_WATER: Final = 4 * 1024 * 1024
"""Bytes the transport may hold before it pauses the writer (asyncio copies them)."""


async def answer_length(target: Target) -> int:
    """One small GET to *target* on a new connection, answer checked; the answer's wire length.

    The callback ceiling learns the length it counts by here; the raw ceiling's
    ``Connection: close`` workload (C) makes every request this way.
    """
    session = await _raw_client.connect(target)
    try:
        await session.small()
    finally:
        await session.aclose()
    length = session.small_length
    assert length is not None  # set by a successful small()
    return length


async def connect_counter(
    target: Target,
    length: int,
    on_answers: Callable[[int], None],
    on_lost: Callable[[Exception | None], None],
) -> asyncio.Transport:
    """A new connection to *target* whose answers a ``Counter`` counts; its transport."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(
        lambda: Counter(length, on_answers, on_lost), target.host, target.port, ssl=target.ssl
    )
    return transport


class Counter(asyncio.BufferedProtocol):
    """Counts answers of *length* bytes; ``on_answers(n)`` when n more have arrived whole."""

    __slots__ = ("_length", "_on_answers", "_on_lost", "_partial", "_view", "transport")

    def __init__(
        self,
        length: int,
        on_answers: Callable[[int], None],
        on_lost: Callable[[Exception | None], None],
    ) -> None:
        self._length = length
        self._on_answers = on_answers
        self._on_lost = on_lost
        self._partial = 0
        self._view = memoryview(bytearray(DOWNLOAD_BUFFER))
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        count, self._partial = divmod(self._partial + nbytes, self._length)
        if count:
            self._on_answers(count)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None and self._partial:
            exc = WrongAnswer(f"{self._partial} bytes left over: answers of another length")
        self._on_lost(exc)


class Uploader(_raw_client._Protocol):
    """The raw protocol that also sends a body, a slice at a time, as the transport allows."""

    __slots__ = ("_body", "_offset", "_paused", "_sent")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._body = memoryview(b"")
        self._offset = 0
        self._paused = False
        self._sent: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert self.transport is not None  # set by the parent's connection_made
        # Keep the kernel's send buffer full: with the default 64 KiB high-water
        # mark the transport pauses us, drains nearly empty, and only then asks for
        # more, which loses time on every slice.
        self.transport.set_write_buffer_limits(high=_HIGH_WATER)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._pump()

    def send(self, head: bytes, body: memoryview) -> asyncio.Future[None]:
        """Write *head*, then *body* as fast as the transport takes it; done when all is given."""
        assert self.transport is not None
        self._body = body
        self._offset = 0
        sent = self._sent = asyncio.get_running_loop().create_future()
        self.transport.write(head)
        self._pump()
        return sent

    def _pump(self) -> None:
        transport, body, end = self.transport, self._body, len(self._body)
        assert transport is not None
        while not self._paused and self._offset < end:
            transport.write(body[self._offset : self._offset + _SLICE])
            self._offset += _SLICE
        sent = self._sent
        if self._offset >= end and sent is not None and not sent.done():
            sent.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        sent, self._sent = self._sent, None
        if sent is not None and not sent.done():
            sent.set_exception(exc or ConnectionResetError("server closed the connection"))
        super().connection_lost(exc)
