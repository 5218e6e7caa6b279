"""A scripted raw-socket server for misbehaviour tests, and helpers for its handlers.

Owns: :class:`RawServer`, an asyncio server on 127.0.0.1:0 that runs in the
test's own event loop (asyncio or uvloop alike) and hands each accepted
connection to a test-supplied ``handler(reader, writer)``; :class:`RawConnection`,
what was seen on each connection; :func:`read_request`, a strict parser of
what the client sent; :func:`drip`, :func:`reset`, :func:`half_close`,
:func:`truncate_tls` for the ways a server can misbehave on the wire. Imports
nothing from ``aiohttpcore``.

Rules:

* The server closes a connection (FIN, or close_notify over TLS) when its
  handler returns, unless the handler closed, reset or truncated it first. A
  handler that must keep a connection open keeps running (for example
  ``await reader.read()`` until the client closes).
* A handler's exception is not lost: ``__aexit__`` re-raises it (several as an
  ``ExceptionGroup``), unless the test body is already raising.
* On exit, handlers get :attr:`RawServer.exit_timeout` seconds to finish, then
  are cancelled and their transports aborted, so nothing outlives the test
  (an unclosed transport warns ``ResourceWarning``, an error under
  ``filterwarnings = error``).
* What the client did is recorded by the protocol, whatever the handler reads:
  :attr:`RawConnection.client_eof` (it shut down its sending side: FIN, or
  close_notify over TLS) and :attr:`RawConnection.client_reset` (RST).

:func:`read_request` is strict on purpose, so that a client bug fails the
test: lines must end in CRLF (RFC 9112 §2.2), no whitespace before a colon
(§5.1), at most one framing (§6.3), chunk sizes in hex (§7.1).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
import ssl
import struct
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Final, Self

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

#: Largest request head or chunk-size line :func:`read_request` accepts.
HEAD_LIMIT: Final = 1 << 20
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP/\d\.\d)")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;.*)?")


class RequestParseError(ValueError):
    """What the client sent is not a well-formed HTTP/1.1 request (the message says why)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RawRequest:
    """One request as it arrived: names and values as sent (latin-1), in order."""

    method: str
    target: str
    version: str  #: "HTTP/1.1"
    headers: tuple[tuple[str, str], ...]
    body: bytes  #: de-chunked; b"" when read with ``body=False``
    head: bytes  #: the request line and headers exactly as received, final CRLF CRLF included
    chunked: bool = False
    chunk_sizes: tuple[int, ...] = ()  #: sizes of the data chunks, without the last (0)
    trailers: tuple[tuple[str, str], ...] = ()

    def get_all(self, name: str) -> list[str]:
        """Return every value of header ``name`` (any case), in order."""
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def get(self, name: str) -> str | None:
        """Return header ``name`` (any case), several values joined by ``", "``; None if absent."""
        values = self.get_all(name)
        return ", ".join(values) if values else None

    @property
    def content_length(self) -> int | None:
        """The Content-Length the client announced, or None."""
        value = self.get("content-length")
        return None if value is None else int(value)


def _parse_fields(lines: Iterable[bytes]) -> tuple[tuple[str, str], ...]:
    fields = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise RequestParseError(f"bad header line {line!r}")
        if b"\0" in value:
            raise RequestParseError(f"NUL in header value {line!r}")
        fields.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
    return tuple(fields)


def _check_crlf(data: bytes) -> None:
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        raise RequestParseError(f"bare CR or LF in {data[:200]!r}")


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    line = await reader.readuntil(b"\r\n")
    _check_crlf(line)
    return line[:-2]


async def _read_chunked(
    reader: asyncio.StreamReader,
) -> tuple[bytes, tuple[int, ...], tuple[tuple[str, str], ...]]:
    parts: list[bytes] = []
    while True:
        line = await _read_line(reader)
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise RequestParseError(f"bad chunk-size line {line!r}")
        size = int(match.group(1), 16)
        if size == 0:
            break
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise RequestParseError("chunk data not followed by CRLF")
    trailer_lines = []
    while line := await _read_line(reader):
        trailer_lines.append(line)
    return b"".join(parts), tuple(len(p) for p in parts), _parse_fields(trailer_lines)


async def read_request(reader: asyncio.StreamReader, *, body: bool = True) -> RawRequest:
    """Read one request: its head and, if ``body``, its body (Content-Length or chunked).

    With ``body=False`` the body is left on the stream: answer ``100 Continue``
    or an early final response, then call :func:`read_body`.

    Raises:
        asyncio.IncompleteReadError: EOF before the request ended (``partial``
            is b"" when the client closed between requests).
        RequestParseError: the bytes are not a well-formed request.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise RequestParseError("request head over the reader's limit") from exc
    _check_crlf(head)
    request_line, *lines = head[:-4].split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(request_line)
    if match is None:
        raise RequestParseError(f"bad request line {request_line!r}")
    method, target, version = (part.decode("latin-1") for part in match.groups())
    request = RawRequest(
        method=method,
        target=target,
        version=version,
        headers=_parse_fields(lines),
        body=b"",
        head=head,
    )
    return await read_body(reader, request) if body else request


async def read_body(reader: asyncio.StreamReader, request: RawRequest) -> RawRequest:
    """Read the body ``request``'s head announced; return ``request`` with it filled in."""
    encodings = [
        e.strip().lower() for v in request.get_all("transfer-encoding") for e in v.split(",")
    ]
    lengths = set(request.get_all("content-length"))
    if encodings and lengths:
        raise RequestParseError("both Transfer-Encoding and Content-Length")  # RFC 9112 §6.2
    if encodings:
        if encodings != ["chunked"]:
            raise RequestParseError(f"Transfer-Encoding {encodings} is not just chunked")
        data, sizes, trailers = await _read_chunked(reader)
        return dataclasses.replace(
            request, body=data, chunked=True, chunk_sizes=sizes, trailers=trailers
        )
    if len(lengths) > 1 or not all(v.isdigit() for v in lengths):
        raise RequestParseError(f"bad Content-Length {sorted(lengths)}")
    if not lengths:  # no framing: no body (RFC 9112 §6.3 rule 6)
        return request
    return dataclasses.replace(request, body=await reader.readexactly(int(lengths.pop())))


async def read_requests(reader: asyncio.StreamReader) -> AsyncIterator[RawRequest]:
    """Yield requests with bodies until the client closes between two of them."""
    while True:
        try:
            yield await read_request(reader)
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            return


def http_response(
    body: bytes = b"",
    *,
    status: int = 200,
    reason: str = "OK",
    headers: Iterable[tuple[str, str]] = (),
    content_length: bool = True,
) -> bytes:
    """Return the bytes of a simple HTTP/1.1 response (Content-Length added unless told not to)."""
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    if content_length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# ---------------------------------------------------------------- misbehaviour


async def drip(writer: asyncio.StreamWriter, data: bytes, delay: float = 0.001) -> None:
    """Send ``data`` one byte at a time, ``delay`` s apart (TCP_NODELAY: a segment each)."""
    for index in range(len(data)):
        writer.write(data[index : index + 1])
        await writer.drain()
        if delay:
            await asyncio.sleep(delay)


def reset(writer: asyncio.StreamWriter) -> None:
    """Abortive close: SO_LINGER 0 then close, so the peer gets RST (unsent data is dropped).

    Over TLS no close_notify is sent either. The peer's next receive (or a
    send after the RST arrives) fails with ``ConnectionResetError``.
    """
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def half_close(writer: asyncio.StreamWriter) -> None:
    """Send FIN after what was written, keep reading (TCP only: TLS has no half-close)."""
    if writer.get_extra_info("sslcontext") is not None:
        raise ValueError("half_close needs a plain TCP connection; see truncate_tls")
    await writer.drain()
    writer.write_eof()


def truncate_tls(writer: asyncio.StreamWriter) -> None:
    """Over TLS: close the TCP connection (FIN) without close_notify, a truncation attack."""
    if writer.get_extra_info("sslcontext") is None:
        raise ValueError("truncate_tls needs a TLS connection")
    writer.transport.abort()


# ---------------------------------------------------------------- the server


@dataclasses.dataclass(eq=False, slots=True, kw_only=True)
class RawConnection:
    """What the server saw on one accepted connection; updated as it happens."""

    index: int  #: 0 for the first connection accepted
    peer: tuple[str, int]
    client_eof: bool = False  #: the client shut down its sending side (FIN / close_notify)
    client_reset: bool = False  #: the connection ended with a reset from the client
    lost: bool = False  #: the transport is gone (either side closed it)
    error: BaseException | None = None  #: what the handler raised
    _transport: asyncio.Transport | None = None
    _client_closed: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    _lost_event: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)

    @property
    def closed_by_client(self) -> bool:
        """Whether the client closed (EOF) or reset its end."""
        return self.client_eof or self.client_reset

    async def wait_closed_by_client(self) -> None:
        """Return once the client closed or reset (bound it with ``asyncio.timeout``)."""
        await self._client_closed.wait()

    async def wait_lost(self) -> None:
        """Return once the connection is gone, whoever closed it."""
        await self._lost_event.wait()


class _TrackingProtocol(asyncio.StreamReaderProtocol):
    """A ``StreamReaderProtocol`` that also records EOF and loss in a :class:`RawConnection`."""

    def __init__(self, server: RawServer) -> None:
        self._server = server
        self._record: RawConnection | None = None
        super().__init__(asyncio.StreamReader(limit=HEAD_LIMIT), self._connected)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._record = self._server._accepted(transport)
        super().connection_made(transport)

    def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._record is not None
        self._server._start_handler(self._record, reader, writer)

    def eof_received(self) -> bool:
        if self._record is not None:
            self._record.client_eof = True
            self._record._client_closed.set()
        return bool(super().eof_received())

    def connection_lost(self, exc: Exception | None) -> None:
        if self._record is not None:
            self._record.lost = True
            if isinstance(exc, ConnectionResetError):
                self._record.client_reset = True
                self._record._client_closed.set()
            self._record._lost_event.set()
        super().connection_lost(exc)


class RawServer:
    """``async with RawServer(handler) as server:`` serves on ``server.host:server.port``.

    Args:
        handler: called once per connection, in its own task.
        ssl: a server-side context (see ``TLSFiles.server_context``) for TLS.
        exit_timeout: seconds handlers get to finish at exit before cancellation.
    """

    def __init__(
        self, handler: Handler, *, ssl: ssl.SSLContext | None = None, exit_timeout: float = 2.0
    ) -> None:
        self.handler = handler
        self.ssl = ssl
        self.exit_timeout = exit_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.connections: list[RawConnection] = []
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._accept_event = asyncio.Event()

    @property
    def connection_count(self) -> int:
        """How many connections were accepted so far."""
        return len(self.connections)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` with TLS), no trailing slash."""
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    async def wait_connections(self, count: int) -> None:
        """Return once ``count`` connections were accepted (bound it with ``asyncio.timeout``)."""
        while len(self.connections) < count:
            self._accept_event.clear()
            await self._accept_event.wait()

    async def __aenter__(self) -> Self:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _TrackingProtocol(self),
            self.host,
            0,
            ssl=self.ssl,
            # Bounded, so a client that never answers close_notify cannot hold exit.
            ssl_shutdown_timeout=2.0 if self.ssl else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.exit_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for record in self.connections:
            if record._transport is not None and not record.lost:
                record._transport.abort()
        # Aborted transports report their loss on the next loop iterations.
        async with asyncio.timeout(1.0):
            await asyncio.gather(*(c.wait_lost() for c in self.connections))
        await self._server.wait_closed()
        errors = [c.error for c in self.connections if c.error is not None]
        if errors and exc is None:
            if len(errors) == 1:
                raise errors[0]
            raise BaseExceptionGroup("raw server handlers failed", errors)

    # -- called by _TrackingProtocol

    def _accepted(self, transport: asyncio.BaseTransport) -> RawConnection:
        peer = transport.get_extra_info("peername")
        record = RawConnection(
            index=len(self.connections),
            peer=peer[:2],
            _transport=typing.cast(asyncio.Transport, transport),
        )
        self.connections.append(record)
        self._accept_event.set()
        return record

    def _start_handler(
        self, record: RawConnection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._tasks.append(
            asyncio.get_running_loop().create_task(self._run(record, reader, writer))
        )

    async def _run(
        self, record: RawConnection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            await self.handler(reader, writer)
        except Exception as exc:  # re-raised by __aexit__
            record.error = exc
        finally:
            if not writer.is_closing():
                writer.close()
