"""An in-memory transport with a scripted server side, for the connection-layer unit tests.

What it owns: :class:`MemoryTransport`, a fake :class:`asyncio.Transport`
that behaves like the selector transport where the client can see it, and
:func:`memory_opener`, which plugs it into
:class:`~aiohttpcore.connection.HTTPConnection` through its ``opener`` seam.
What it must not do: decide anything about HTTP (the test script does, with
bytes), import the package's private modules beyond the stream the opener
must build, or patch anything (CONVENTIONS.md rule 14: a double with
behaviour, not a mock).

Behaviour it keeps, the selector transport's where it matters:

* Every byte the client writes is copied into :attr:`MemoryTransport.sent`
  at write time (what a kernel buffer would hold) and every call is kept in
  :attr:`MemoryTransport.writes` with the caller's own objects, so a test
  can check that a large body went out uncopied.
* :meth:`MemoryTransport.feed` delivers bytes through the
  ``BufferedProtocol`` interface, one ``get_buffer(-1)``/``buffer_updated``
  pair per "recv", each no larger than the buffer the protocol handed out;
  the object behind each buffer is recorded in
  :attr:`MemoryTransport.buffers`, which is how a test sees that bytes
  landed in the reader's own buffer (the zero-copy path).
* Flow control is real bookkeeping: with limits set, written bytes stay in
  a backlog until the peer reads them (:meth:`MemoryTransport.peer_read`);
  the protocol is paused above the high mark and resumed at the low mark,
  from inside ``write`` as asyncio does. Without limits the peer reads
  everything at once and writing never pauses.
* ``close()`` lets the backlog drain before ``connection_lost(None)``;
  ``abort()`` drops it; both call ``connection_lost`` on a later loop
  iteration, exactly once. EOF from the peer closes the transport unless
  the protocol's ``eof_received`` returns true, as asyncio does.
* Writes after ``close``/``abort`` are not sent: they land in
  :attr:`MemoryTransport.late_writes`, so a test can show there were none.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h11

from aiohttpcore.connection import Opener
from aiohttpcore.protocol import ClientCodec
from aiohttpcore.stream import HTTPStream
from aiohttpcore.timeouts import DEFAULT_TIMEOUT, Timeout

__all__ = [
    "MemoryNetwork",
    "MemoryTransport",
    "SentRequest",
    "Write",
    "memory_opener",
    "parse_requests",
    "response",
]

BytesLike = bytes | bytearray | memoryview


@dataclass(frozen=True, slots=True)
class Write:
    """One call the client made: ``write`` (one object) or ``writelines`` (several)."""

    kind: str
    objects: tuple[object, ...]


class MemoryTransport(asyncio.Transport):
    """A transport whose far end is the test: see the module docstring."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: asyncio.BufferedProtocol,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        info = {"peername": ("192.0.2.1", 80), "sockname": ("192.0.2.2", 40000), **(extra or {})}
        super().__init__(info)
        self._info = info
        self._loop = loop
        self._protocol = protocol
        self.sent = bytearray()
        """Every byte the client wrote, in order, copied when written."""
        self.writes: list[Write] = []
        """Every write/writelines call, with the caller's own objects."""
        self.late_writes: list[bytes] = []
        """Bytes written after close() or abort(): never sent."""
        self.buffers: list[object] = []
        """The object behind each buffer the protocol handed out for a delivery."""
        self.deliveries: list[int] = []
        """The size of each ``buffer_updated`` call."""
        self.closed_how: str | None = None
        """What closed it first: ``"close"``, ``"abort"``, ``"eof"`` or ``"lost"``."""
        self.aborted = False
        """True once ``abort()`` was called."""
        self._closing = False
        self._lost = False
        self._eof_fed = False
        self._reading = True
        self._inbox: deque[bytes | None] = deque()  # held while reading is paused; None = EOF
        self._high: int | None = None
        self._low = 0
        self._backlog = 0  # written bytes the peer has not read yet
        self._paused = False

    def __repr__(self) -> str:
        state = self.closed_how or "open"
        return f"<MemoryTransport {state} sent={len(self.sent)} backlog={self._backlog}>"

    # ------------------------------------------------------------ asyncio.Transport

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._info.get(name, default)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.closed_how = self.closed_how or "close"
        self._inbox.clear()
        if not self._backlog:  # as asyncio: pending writes are flushed first
            self._loop.call_soon(self._connection_lost, None)

    def abort(self) -> None:
        self.aborted = True
        if self._lost:
            return
        self._closing = True
        self.closed_how = self.closed_how or "abort"
        self._inbox.clear()
        self._backlog = 0
        self._loop.call_soon(self._connection_lost, None)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        assert isinstance(protocol, asyncio.BufferedProtocol)
        self._protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def is_reading(self) -> bool:
        return self._reading and not self._closing

    def pause_reading(self) -> None:
        self._reading = False

    def resume_reading(self) -> None:
        if self._reading:
            return
        self._reading = True
        self._loop.call_soon(self._flush_inbox)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Unlike asyncio, ``high=None`` means no limit: the peer reads every byte at once."""
        self._high = high
        self._low = (high // 4 if high is not None else 0) if low is None else low
        if high is None:
            self._backlog = 0
            self._maybe_resume()
        else:
            self._maybe_pause()

    def get_write_buffer_size(self) -> int:
        return self._backlog

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (self._low, self._high if self._high is not None else 2**63)

    def write(self, data: BytesLike) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data argument must be a bytes-like object, not {type(data)!r}")
        self.writes.append(Write("write", (data,)))
        self._take(data)

    def writelines(self, list_of_data: Iterable[BytesLike]) -> None:
        items = tuple(list_of_data)
        for item in items:
            if not isinstance(item, bytes | bytearray | memoryview):
                raise TypeError(f"data argument must be a bytes-like object, not {type(item)!r}")
        self.writes.append(Write("writelines", items))
        for item in items:
            self._take(item)

    def write_eof(self) -> None:
        raise NotImplementedError("the client never half-closes")

    def can_write_eof(self) -> bool:
        return False

    # ------------------------------------------------------------ the server's side

    def feed(self, data: bytes, *, segment: int | None = None) -> None:
        """Deliver *data* now, each "recv" at most *segment* bytes and at most the buffer offered.

        While reading is paused the bytes wait until it resumes. After
        close/abort they are dropped, as a closed socket drops them.
        """
        if self._eof_fed:
            raise RuntimeError("the server cannot send after its EOF")
        if self._closing or self._lost:
            return
        if not self._reading:
            self._inbox.append(bytes(data))
            return
        self._deliver(memoryview(data), segment)

    async def trickle(self, data: bytes, *, size: int = 1, interval: float = 0.0) -> None:
        """Deliver *data* *size* bytes at a time, letting the loop run *interval* s between."""
        for start in range(0, len(data), size):
            if start:
                await asyncio.sleep(interval)
            self.feed(data[start : start + size])

    def feed_eof(self) -> None:
        """The server half-closes (FIN); the transport closes unless the protocol keeps it."""
        if self._eof_fed or self._closing:
            return
        self._eof_fed = True
        if not self._reading:
            self._inbox.append(None)
            return
        self._eof()

    def lose(self, exc: Exception | None = None) -> None:
        """The connection breaks now (a reset, say): ``connection_lost(exc)`` at once."""
        if self._lost:
            return
        self._closing = True
        self.closed_how = self.closed_how or "lost"
        self._inbox.clear()
        self._backlog = 0
        self._connection_lost(exc)

    def stall_writes(self) -> None:
        """Make the peer stop reading: the next write fills the buffer and pauses the client."""
        self.set_write_buffer_limits(high=0, low=0)

    def peer_read(self, count: int | None = None) -> None:
        """The peer reads *count* (default: all) backlogged bytes; may resume the client."""
        taken = self._backlog if count is None else min(count, self._backlog)
        self._backlog -= taken
        self._maybe_resume()
        if self._closing and not self._backlog and not self._lost:
            self._loop.call_soon(self._connection_lost, None)

    @property
    def writing_paused(self) -> bool:
        """True while the protocol has been told to pause writing."""
        return self._paused

    @property
    def lost(self) -> bool:
        """True once ``connection_lost`` was delivered."""
        return self._lost

    # ------------------------------------------------------------ machinery

    def _take(self, data: BytesLike) -> None:
        with memoryview(data) as view:
            size = view.nbytes
            if not size:
                return
            if self._closing:
                self.late_writes.append(view.tobytes())
                return
            self.sent += view.cast("B") if view.format != "B" else view
        if self._high is not None:
            self._backlog += size
            self._maybe_pause()

    def _maybe_pause(self) -> None:
        if self._high is not None and self._backlog > self._high and not self._paused:
            self._paused = True
            self._protocol.pause_writing()

    def _maybe_resume(self) -> None:
        if self._paused and self._backlog <= self._low and not self._lost:
            self._paused = False
            self._protocol.resume_writing()

    def _deliver(self, data: memoryview, segment: int | None) -> None:
        offset = 0
        while offset < len(data) and not self._closing:
            if not self._reading:  # paused between two reads: the rest waits
                self._inbox.appendleft(bytes(data[offset:]))
                return
            buffer = self._protocol.get_buffer(-1)  # asyncio's selector loop asks with -1
            with memoryview(buffer) as target:
                if not target.nbytes:
                    raise RuntimeError("get_buffer() returned an empty buffer")
                count = min(target.nbytes, len(data) - offset)
                if segment is not None:
                    count = min(count, segment)
                target.cast("B")[:count] = data[offset : offset + count]
                self.buffers.append(target.obj)
            self.deliveries.append(count)
            offset += count
            self._protocol.buffer_updated(count)

    def _eof(self) -> None:
        keep_open = self._protocol.eof_received()
        if not keep_open:
            self.closed_how = self.closed_how or "eof"
            self.close()

    def _flush_inbox(self) -> None:
        while self._inbox and self._reading and not self._closing:
            item = self._inbox.popleft()
            if item is None:
                self._eof()
            else:
                self._deliver(memoryview(item), None)

    def _connection_lost(self, exc: Exception | None) -> None:
        if self._lost:
            return
        self._lost = True
        if self._paused:
            self._paused = False  # asyncio never resumes a lost connection's writer
        self._protocol.connection_lost(exc)


class MemoryNetwork:
    """Holds the transports :func:`memory_opener` makes, newest last.

    Args:
        extra: extra info every new transport reports (``cipher``...).
        refuse: when set, the next open raises it instead (then it is cleared).
    """

    def __init__(
        self, *, extra: Mapping[str, Any] | None = None, refuse: Exception | None = None
    ) -> None:
        self.transports: list[MemoryTransport] = []
        self.extra = dict(extra or {})
        self.refuse = refuse

    @property
    def transport(self) -> MemoryTransport:
        """The newest transport."""
        assert self.transports, "no connection was opened"
        return self.transports[-1]


def memory_opener(network: MemoryNetwork, *, timeout: Timeout = DEFAULT_TIMEOUT) -> Opener:
    """An ``opener`` for :class:`HTTPConnection` connecting to *network*'s scripted server.

    Builds the same :class:`HTTPStream` ``open_stream`` builds (label from the
    codec, the given budgets) and hands it a fresh :class:`MemoryTransport`.
    """

    async def open_memory(codec: ClientCodec) -> HTTPStream:
        if network.refuse is not None:
            error, network.refuse = network.refuse, None
            raise error
        loop = asyncio.get_running_loop()
        stream = HTTPStream(codec, codec.host or "memory", loop, timeout)
        transport = MemoryTransport(loop, stream, extra=network.extra)
        network.transports.append(transport)
        stream.connection_made(transport)
        await asyncio.sleep(0)  # a real connect yields to the loop at least once
        return stream

    return open_memory


# ---------------------------------------------------------------- reading what was sent


@dataclass(frozen=True, slots=True)
class SentRequest:
    """One request as an independent parser (h11, as a server) read it off the wire."""

    method: str
    target: str
    headers: list[tuple[str, str]]  # names as sent, in order
    body: bytes
    trailers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The first value of *name* (any case), or ``None``."""
        lname = name.lower()
        return next((value for key, value in self.headers if key.lower() == lname), None)


def _pairs(items: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(raw.decode("latin-1"), value.decode("latin-1")) for raw, value in items]


def parse_requests(data: bytes | bytearray) -> list[SentRequest]:
    """Every complete request in *data*; raises if a partial request trails them.

    h11 refuses to read a second request before answering the first, so
    each request gets a fresh h11 server fed what the previous one left.
    """
    requests: list[SentRequest] = []
    rest = bytes(data)
    while rest:
        server = h11.Connection(h11.SERVER)
        server.receive_data(rest)
        head: h11.Request | None = None
        body = bytearray()
        while True:
            event = server.next_event()
            if event is h11.NEED_DATA:
                raise AssertionError(f"an incomplete request was sent: {rest!r}")
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert head is not None
                requests.append(
                    SentRequest(
                        method=head.method.decode("ascii"),
                        target=head.target.decode("ascii"),
                        headers=_pairs(head.headers.raw_items()),
                        body=bytes(body),
                        trailers=_pairs(event.headers.raw_items()),
                    )
                )
                break
        rest = server.trailing_data[0]
    return requests


def response(
    status: int = 200,
    body: bytes = b"",
    *,
    reason: str = "",
    headers: Sequence[tuple[str, str]] = (),
    version: str = "1.1",
    length: bool = True,
) -> bytes:
    """A response's bytes: status line, *headers*, Content-Length (unless not *length*), body."""
    lines = [f"HTTP/{version} {status} {reason or _REASONS.get(status, 'Whatever')}\r\n"]
    lines.extend(f"{name}: {value}\r\n" for name, value in headers)
    if length:
        lines.append(f"Content-Length: {len(body)}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1") + body


_REASONS: Mapping[int, str] = {
    100: "Continue",
    200: "OK",
    204: "No Content",
    304: "Not Modified",
    404: "Not Found",
    413: "Content Too Large",
    417: "Expectation Failed",
}
