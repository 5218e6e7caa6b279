"""The ceiling: an asyncio ``BufferedProtocol`` that does no HTTP beyond finding the end.

What a client cannot beat on this loop and this server: one
``transport.write`` of prebuilt request bytes, reads straight into one
reused buffer (``get_buffer``), and one future per response resolved when the
last byte has arrived. No parsing on the hot path: the first small response
is parsed (find ``\\r\\n\\r\\n``, read ``Content-Length``) to learn its length,
and every later one is counted against that length; nginx's answer has the
same length every time (the Date header has a fixed width). A response that
overshoots the count is a wrong answer. A download parses its head (one per
100 MiB) and counts the body.

This is not a usable client (no status check per request, no framing other
than Content-Length); it is the number the others are compared with.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Final, cast

from benchmarks.connection._common import DOWNLOAD_BUFFER, Target, WrongAnswer

__all__ = ["NAME", "connect", "request_bytes", "version"]

NAME: Final = "raw"

_HEAD_LIMIT: Final = 16 * 1024


def version() -> str:
    return f"asyncio.BufferedProtocol (Python {sys.version.split()[0]})"


def request_bytes(
    target: Target, path: str, method: str = "GET", length: int | None = None
) -> bytes:
    """The whole head of a request: the Host header, *target*'s headers, a Content-Length."""
    fields = [("Host", f"{target.host}:{target.port}"), *target.headers]
    if length is not None:
        fields.append(("Content-Length", str(length)))
    lines = "".join(f"{name}: {value}\r\n" for name, value in fields)
    return f"{method} {path} HTTP/1.1\r\n{lines}\r\n".encode("ascii")


class _Protocol(asyncio.BufferedProtocol):
    """Counts bytes of one response at a time; ``expect`` arms it, the future reports the end."""

    __slots__ = (
        "_head",
        "_loop",
        "_remaining",
        "_view",
        "_waiter",
        "head",
        "received",
        "transport",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._view = memoryview(bytearray(DOWNLOAD_BUFFER))
        self._remaining = 0
        self._head: bytearray | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.head = b""
        self.received = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc or ConnectionResetError("server closed the connection"))

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        if self._head is not None:
            self._find_head(nbytes)
            return
        self._remaining -= nbytes
        if self._remaining <= 0:
            self._finish()

    def _find_head(self, nbytes: int) -> None:
        assert self._head is not None
        head = self._head
        start = len(head)
        head += self._view[: min(nbytes, _HEAD_LIMIT)]
        end = head.find(b"\r\n\r\n")
        if end < 0:
            if len(head) >= _HEAD_LIMIT:
                self._fail(WrongAnswer("no end of head in the first 16 KiB"))
            return
        self.head = bytes(head[: end + 4])
        self.received = bytes(head)
        self._head = None
        length = -1
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if not self.head.startswith(b"HTTP/1.1 200 ") or length < 0:
            self._fail(WrongAnswer(f"unexpected head {self.head!r}"))
            return
        self._remaining = end + 4 + length - start - nbytes
        if self._remaining <= 0:
            self._finish()

    def _finish(self) -> None:
        if self._remaining < 0:
            self._fail(WrongAnswer(f"{-self._remaining} bytes more than the response"))
            return
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()

    def expect(self, length: int | None) -> asyncio.Future[None]:
        """Arm for the next response: *length* wire bytes, or ``None`` to parse its head."""
        if length is None:
            self._head = bytearray()
        else:
            self._remaining = length
        waiter = self._waiter = self._loop.create_future()
        return waiter


class _RawSession:
    __slots__ = (
        "_big",
        "_protocol",
        "_small",
        "_small_length",
        "_target",
        "_transport",
        "_write",
    )

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol, target: Target) -> None:
        self._transport = transport
        self._protocol = protocol
        self._write = transport.write
        self._small = request_bytes(target, target.small_path)
        self._big = request_bytes(target, target.big_path)
        self._small_length: int | None = None
        self._target = target

    @property
    def small_length(self) -> int | None:
        """The wire length of the small answer, once the first one was checked."""
        return self._small_length

    async def small(self) -> None:
        waiter = self._protocol.expect(self._small_length)
        self._write(self._small)
        await waiter
        if self._small_length is None:
            # The first answer: check its body once, then learn its length.
            head, body = self._protocol.head, self._target.small_body
            if not body.startswith(self._protocol.received[len(head) :]):
                raise WrongAnswer(f"unexpected answer {self._protocol.received!r}")
            self._small_length = len(head) + len(body)

    async def download(self) -> int:
        waiter = self._protocol.expect(None)
        self._write(self._big)
        await waiter
        for line in self._protocol.head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                return int(value)
        raise WrongAnswer("no Content-Length")

    async def aclose(self) -> None:
        self._transport.close()


async def connect(target: Target) -> _RawSession:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        lambda: _Protocol(loop), target.host, target.port, ssl=target.ssl
    )
    return _RawSession(transport, protocol, target)
