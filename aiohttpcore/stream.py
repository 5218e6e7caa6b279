"""The async network stream: the only module that touches an asyncio transport.

What it owns: one transport (TCP, TLS, Unix socket; TLS started later for
CONNECT tunnels), the codec's input side, write flow control, the read and
write deadlines, and the translation of every foreign exception into ours.
What it must not do: decide anything about HTTP; it feeds the codec and
hands out what the codec says.

How it works (general theory, in the manner of trio's ``_ssl.py``):

* It is an :class:`asyncio.BufferedProtocol`: the transport writes received
  bytes into a buffer we own, so the default loop does not allocate a fresh
  ``bytes`` per read (measured 4x slower in a raw client, issue 4). When a
  task waits in :meth:`HTTPStream.readinto` and the codec says body bytes
  come next, the buffer handed to the transport is the *caller's* buffer
  (sliced to what the framing allows), so a large download is written by
  the kernel straight where the caller wants it: no copy at all.
* Push, don't poll: bytes go into the codec as they arrive. A task waiting
  for a response head is woken only when the head is complete (the codec is
  asked in the callback), not once per segment.
* EOF and ``connection_lost`` are recorded at once, so an idle connection
  knows it is dead without a read (``is_closing``).
* Deadlines live on ``loop.time()`` with at most one timer per stream. The
  timer is not re-armed for every segment: it records the time of the last
  byte, and when it fires early it re-arms itself at the real deadline.
* Every ``OSError``, ``ssl.SSLError`` and timeout becomes a
  :class:`~aiohttpcore.exceptions.NetworkError` subclass naming host and
  port, with the original as ``__cause__``, in :func:`_translate`; after any
  of them the transport is aborted and the stream is unusable.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
from collections.abc import Callable
from typing import Final, cast

from ._ssl import check_alpn
from .exceptions import (
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    HTTPException,
    InvalidResponse,
    NetworkError,
    ReadError,
    ReadTimeout,
    StateError,
    TLSError,
    WriteError,
    WriteTimeout,
)
from .protocol import NEED_DATA, ClientCodec, Data, EndOfMessage, Informational, ResponseHead
from .protocol.state import RecvState
from .timeouts import Timeout
from .url import is_ip_address

__all__ = ["HTTPStream", "open_stream"]

# 256 KiB: what asyncio's selector transport asks recv() for at most, so a
# read never has to be split for lack of room.
_RECEIVE_BUFFER: Final = 256 * 1024
# Received bytes held for a reader that is not taking them: above this, the
# transport stops reading until the reader waits again.
_HIGH_WATER: Final = 256 * 1024


def _translate(
    error: BaseException, kind: type[NetworkError], label: str, doing: str
) -> NetworkError:
    """The one place a foreign exception becomes ours (CONVENTIONS.md rule 7)."""
    if isinstance(error, NetworkError):
        return error
    if kind is ConnectError and isinstance(error, ssl.SSLError | ssl.CertificateError):
        kind = TLSError
    detail = f"{doing} {label} failed: {str(error) or type(error).__name__}"
    translated = kind(detail, host=label)
    translated.__cause__ = error
    return translated


class HTTPStream(asyncio.BufferedProtocol):
    """One connection's transport, feeding one :class:`~aiohttpcore.protocol.ClientCodec`.

    Contract: one task may read (``next_event``/``readinto``) while another
    writes (``send``); the connection layer enforces that. Every method
    raises only :class:`~aiohttpcore.exceptions.HTTPException` subclasses.
    Cancellation of a waiting read or write leaves the stream consistent
    but possibly mid-message; the caller must then :meth:`abort` it, since
    nobody knows how much of the exchange happened.
    """

    def __init__(
        self,
        codec: ClientCodec,
        label: str,
        loop: asyncio.AbstractEventLoop,
        timeout: Timeout,
    ) -> None:
        self._codec = codec
        self.label = label
        self._loop = loop
        self._read_timeout = timeout.read
        self._write_timeout = timeout.write
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray(_RECEIVE_BUFFER)
        self._view = memoryview(self._buffer)
        self._direct: memoryview | None = None  # a caller's buffer offered to the transport
        self._handed_direct = False
        self._direct_count = 0
        self._waiter: asyncio.Future[None] | None = None
        self._want_head = False
        self._ready: ResponseHead | Informational | None = None
        self._failure: HTTPException | None = None  # a parse error met in a callback
        self._lost: NetworkError | None = None  # the network error that ended the stream
        self._eof = False
        self._closed = False
        self._tls = False
        self._reading_paused = False
        self._paused = False
        self._drain: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_byte = 0.0
        self.deadline: float | None = None
        """An absolute ``loop.time()`` no read may wait past (``Timeout.total``)."""

    def __repr__(self) -> str:
        state = "closed" if self._closed else "eof" if self._eof else "open"
        return f"<HTTPStream {self.label} {state}>"

    # ------------------------------------------------------------ protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport; they behave as one.
        self.transport = cast(asyncio.Transport, transport)
        self._tls = transport.get_extra_info("ssl_object") is not None
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Requests are written whole; Nagle would only delay the last segment.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get_buffer(self, sizehint: int) -> memoryview:
        direct = self._direct
        if direct is not None:
            self._handed_direct = True
            return direct
        self._handed_direct = False
        return self._view

    def buffer_updated(self, nbytes: int) -> None:
        codec = self._codec
        if self._handed_direct:
            self._handed_direct = False
            codec.received_direct(nbytes)
            self._direct_count += nbytes
            # Until the waiting task runs, keep offering the rest of its
            # buffer: uvloop reads several times per wake-up, and each read
            # that misses the caller's buffer costs two copies (measured:
            # 5,824 of 9,023 reads in a 100 MiB download before this).
            rest = cast(memoryview, self._direct)[nbytes:]
            limit = codec.direct_read_limit()
            if limit and rest:
                self._direct = rest[:limit] if limit < len(rest) else rest
            else:
                self._direct = None
                if limit:
                    # The caller's buffer is full and more body is coming:
                    # stop reading until it asks again, rather than read into
                    # our buffer and copy later (uvloop reads up to 32 times
                    # per wake-up; pausing costs two epoll_ctl calls).
                    self._pause_reading()
        else:
            codec.receive_data(self._view[:nbytes])
            if codec.buffered >= _HIGH_WATER and not self._reading_paused:
                # Nobody is taking the bytes as fast as they come: stop
                # reading, so memory never grows with the body (DESIGN.md);
                # the next wait for bytes resumes.
                self._pause_reading()
        if self._read_timeout is not None:
            self._last_byte = self._loop.time()
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._want_head and codec.recv_state is RecvState.AWAITING_HEAD:
            # Wake the task only once the head is complete.
            try:
                event = codec.next_event()
            except HTTPException as error:
                self._failure = error
            else:
                if event is NEED_DATA:
                    return
                assert isinstance(event, ResponseHead | Informational)
                self._ready = event
        waiter.set_result(None)

    def _pause_reading(self) -> None:
        transport = self.transport
        if transport is not None and not self._closed:
            transport.pause_reading()
            self._reading_paused = True

    def _resume_reading(self) -> None:
        self._reading_paused = False
        if self.transport is not None and not self._closed:
            self.transport.resume_reading()

    def eof_received(self) -> bool:
        self._eof = True
        self._codec.receive_eof(clean=self._clean_tls_eof())
        self._wake()
        return False  # let the transport close itself

    def _clean_tls_eof(self) -> bool:
        """Whether an EOF came with TLS close_notify (always true without TLS).

        asyncio reports a truncated TLS connection through ``eof_received``
        exactly as a closed one; the SSL object tells them apart: after
        close_notify a read returns ``b""``, after a bare FIN it still wants
        bytes (RFC 8446 §6.1; a close-delimited body cut there is an attack).
        """
        ssl_object = self.get_extra_info("ssl_object")
        if not isinstance(ssl_object, ssl.SSLObject):
            return True
        try:
            ssl_object.read(1)
        except ssl.SSLError:  # SSLWantReadError included: no close_notify arrived
            return False
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        closed_by_us = self._closed
        self._closed = True
        if not self._eof:
            self._eof = True
            if exc is None:
                # uvloop reports a TLS connection cut without close_notify
                # as a plain loss, with no EOF first: unclean, unless we
                # closed it ourselves.
                truncated = self._tls and not closed_by_us
                self._codec.receive_eof(clean=not truncated)
            elif isinstance(exc, ssl.SSLEOFError):
                # TLS EOF without close_notify: a close-delimited body may
                # have been truncated (PROTOCOL-POLICY.md).
                self._codec.receive_eof(clean=False)
            else:  # a reset, and any other TLS failure (an alert, a bad record)
                self._lost = _translate(exc, ReadError, self.label, "reading from")
                self._codec.receive_eof(clean=False)
        self._cancel_timer()
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_exception(
                self._lost
                or WriteError(f"connection to {self.label} closed while writing", host=self.label)
            )
            drain.exception()  # retrieved: a writer that gave up must not log it

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------ state

    def set_budgets(self, timeout: Timeout) -> None:
        """Use *timeout*'s read and write budgets from the next wait on (per-request budgets)."""
        self._read_timeout = timeout.read
        self._write_timeout = timeout.write

    def is_closing(self) -> bool:
        """True once the server closed, the connection broke or we closed it."""
        return self._eof or self._closed or self.transport is None or self.transport.is_closing()

    def get_extra_info(self, name: str, default: object = None) -> object:
        """The transport's extra info (``peername``, ``ssl_object``, ``socket``...)."""
        if self.transport is None:
            return default
        return self.transport.get_extra_info(name, default)

    def abort(self) -> None:
        """Close at once, without a FIN handshake: the exchange state is unknown."""
        self._closed = True
        self._cancel_timer()
        # After its loop closed (a connection collected late), the transport
        # cannot schedule its connection_lost: RuntimeError('Event loop is
        # closed'). It frees its socket itself then (asyncio's when collected,
        # uvloop's as the loop closed).
        if self.transport is not None and not self._loop.is_closed():
            self.transport.abort()

    def close(self) -> None:
        """Close politely: pending writes are flushed first."""
        self._closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()

    # ------------------------------------------------------------ reading

    def poll_event(self) -> ResponseHead | Informational | Data | EndOfMessage | None:
        """The next event if one is complete now, else ``None``; never waits.

        Lets a caller finish a small response (head, body, end: one segment)
        without a single ``await``.
        """
        ready = self._ready
        if ready is not None:
            self._ready = None
            return ready
        if self._failure is not None:
            error, self._failure = self._failure, None
            self.abort()
            raise error
        try:
            event = self._codec.next_event()
        except (InvalidResponse, ConnectionClosed) as error:
            self.abort()
            if self._lost is not None:
                raise self._lost from self._lost.__cause__  # the OSError, not the EOF
            raise
        if event is NEED_DATA:
            return None
        if self._reading_paused and isinstance(event, EndOfMessage):
            self._resume_reading()  # idle again: see the server's EOF without a request
        return event  # type: ignore[return-value]  # not NEED_DATA

    def whole_body(self) -> bytes | None:
        """The whole rest of a body of known length if it is all here now (see the codec's)."""
        data = self._codec.whole_body()
        if data is not None and self._reading_paused:
            self._resume_reading()  # idle again: see the server's EOF
        return data

    async def next_event(self) -> ResponseHead | Informational | Data | EndOfMessage:
        """The next event of the response being read, waiting as long as the budgets allow."""
        codec = self._codec
        if (
            self._ready is None
            and not codec.buffered
            and not self._eof
            and self._failure is None
            and codec.recv_state is RecvState.AWAITING_HEAD
        ):
            # Nothing to parse yet: a head needs bytes, so wait before polling.
            # The future is awaited here, not in a helper coroutine: one
            # coroutine object less per response.
            try:
                await self._waiter_for(want_head=True)
            finally:
                self._waiter = None
        event = self.poll_event()
        while event is None:
            try:
                await self._waiter_for(want_head=codec.recv_state is RecvState.AWAITING_HEAD)
            finally:
                self._waiter = None
            event = self.poll_event()
        return event

    async def readinto(self, target: memoryview) -> int | EndOfMessage:
        """Body bytes into *target* (> 0 of them), or the end of the body.

        When nothing is buffered, the transport is offered *target* itself
        (as much of it as the framing allows), so the bytes land there
        without a copy.
        """
        codec = self._codec
        while True:
            try:
                result = codec.readinto(target)
            except InvalidResponse:
                self.abort()
                if self._lost is not None:
                    raise self._lost from self._lost.__cause__  # the OSError, not the EOF
                raise
            if result is not NEED_DATA:
                if self._reading_paused and isinstance(result, EndOfMessage):
                    self._resume_reading()  # idle again: see the server's EOF
                return result  # type: ignore[return-value]  # int or EndOfMessage
            limit = codec.direct_read_limit()
            if limit and not self._eof:
                self._direct = target[:limit] if limit < len(target) else target
            try:
                await self._waiter_for(want_head=False)
            except BaseException:
                if self._direct_count:
                    self._lose_direct_bytes()
                raise
            finally:
                self._waiter = None
                self._direct = None
            if self._direct_count:
                count, self._direct_count = self._direct_count, 0
                return count

    def _lose_direct_bytes(self) -> None:
        """A wait ended by an exception (a cancellation) after bytes reached its buffer.

        The bytes are in the caller's buffer but the caller will never learn
        how many, and the codec has counted them as read: the rest of the
        body can no longer be told apart, so the stream ends here and the
        next read says why instead of returning later bytes as if they were
        these.
        """
        self._direct_count = 0
        self._lost = ReadError(
            f"a read from {self.label} ended (cancelled) after body bytes had reached "
            "its buffer; the rest of this body cannot be read",
            host=self.label,
        )
        self.abort()

    def _waiter_for(self, *, want_head: bool) -> asyncio.Future[None]:
        """The future the next callback (bytes, EOF, timer) completes; the caller awaits it.

        The caller must reset ``_waiter`` to ``None`` once the wait is over,
        however it ends.
        """
        if self._lost is not None:
            raise self._lost
        if self._reading_paused:
            self._resume_reading()
        if self._closed and not self._eof:
            raise ReadError(f"the connection to {self.label} was closed", host=self.label)
        waiter = self._loop.create_future()
        self._waiter = waiter
        self._want_head = want_head
        self._arm_read_timer()
        return waiter

    # ------------------------------------------------------------ timers

    def _read_deadline(self) -> float | None:
        deadline = self.deadline
        if self._read_timeout is not None:
            silence = self._last_byte + self._read_timeout
            deadline = silence if deadline is None else min(deadline, silence)
        return deadline

    def _arm_read_timer(self) -> None:
        if self._read_timeout is not None:
            self._last_byte = self._loop.time()
        deadline = self._read_deadline()
        if deadline is None:
            return
        timer = self._timer
        if timer is not None:
            if timer.when() <= deadline:
                return  # it fires first and re-arms itself if it is early
            timer.cancel()
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        deadline = self._read_deadline()
        if deadline is None:
            return
        if self._loop.time() < deadline:
            self._timer = self._loop.call_at(deadline, self._on_timer)
            return
        what = (
            "the total deadline passed"
            if self.deadline is not None and deadline >= self.deadline
            else f"no byte for {self._read_timeout} s"
        )
        waiter.set_exception(ReadTimeout(f"reading from {self.label}: {what}", host=self.label))
        self.abort()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # ------------------------------------------------------------ writing

    def write(self, parts: tuple[object, ...] | list[object]) -> None:
        """Hand *parts* to the transport in order; then await :meth:`drain` if :attr:`paused`."""
        transport = self.transport
        if self._closed or transport is None or transport.is_closing():
            raise self._lost or WriteError(
                f"the connection to {self.label} is closed", host=self.label
            )
        try:
            if len(parts) == 1:
                transport.write(parts[0])  # type: ignore[arg-type]  # bytes-like
            else:
                transport.writelines(parts)  # type: ignore[arg-type]  # bytes-like
        except (OSError, RuntimeError) as error:
            self.abort()
            raise _translate(error, WriteError, self.label, "writing to") from error

    @property
    def paused(self) -> bool:
        """True while the transport's write buffer is above its high-water mark."""
        return self._paused

    async def drain(self) -> None:
        """Wait until the transport accepts writes again (at most ``Timeout.write``)."""
        if self._paused:
            await self._wait_writable()

    async def send(self, parts: tuple[object, ...] | list[object]) -> None:
        """:meth:`write`, then :meth:`drain`."""
        self.write(parts)
        if self._paused:
            await self._wait_writable()

    async def _wait_writable(self) -> None:
        drain = self._loop.create_future()
        self._drain = drain
        timer = None
        if self._write_timeout is not None:
            timer = self._loop.call_later(self._write_timeout, self._on_write_timeout, drain)
        try:
            await drain
        finally:
            self._drain = None
            if timer is not None:
                timer.cancel()

    def _on_write_timeout(self, drain: asyncio.Future[None]) -> None:
        if not drain.done():
            drain.set_exception(
                WriteTimeout(
                    f"writing to {self.label}: blocked for {self._write_timeout} s",
                    host=self.label,
                )
            )
            self.abort()

    # ------------------------------------------------------------ TLS upgrade

    async def start_tls(
        self, context: ssl.SSLContext, server_hostname: str, handshake_seconds: float | None
    ) -> None:
        """Upgrade this open stream to TLS (inside a CONNECT tunnel)."""
        transport = self.transport
        if transport is None or self.is_closing():
            raise ConnectError(f"cannot start TLS: {self.label} is closed", host=self.label)
        try:
            new = await self._loop.start_tls(
                transport,
                self,
                context,
                server_hostname=server_hostname,
                ssl_handshake_timeout=handshake_seconds,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as error:
            self.abort()
            kind = ConnectTimeout if isinstance(error, TimeoutError) else ConnectError
            raise _translate(error, kind, self.label, "TLS handshake with") from error
        self.transport = cast(asyncio.Transport, new)
        self._tls = True
        _check_alpn(self)

    def rebind(self, codec: ClientCodec) -> None:
        """Speak a fresh exchange through this stream with *codec* (after a CONNECT tunnel).

        The old codec must have switched protocols (a 2xx to CONNECT, or a
        101) and hold no bytes: bytes a server sent before the TLS handshake
        would be lost to it, so they are an error, not something to guess at.
        """
        old = self._codec
        if old.recv_state is not RecvState.SWITCHED:
            raise StateError(
                f"cannot rebind a stream whose exchange is {old.recv_state.value}",
                host=self.label,
            )
        if old.trailing_data():
            self.abort()
            raise ConnectError(
                "the server sent bytes after switching protocols, before the new exchange",
                host=self.label,
            )
        self._codec = codec


def _check_alpn(stream: HTTPStream) -> None:
    try:
        check_alpn(stream.get_extra_info("ssl_object"))  # type: ignore[arg-type]
    except ValueError as error:
        stream.abort()
        # A TLS outcome, and the same one next time: a TLSError, never retried.
        raise TLSError(str(error), host=stream.label) from None


async def open_stream(
    codec: ClientCodec,
    *,
    host: str,
    port: int,
    budgets: Timeout,
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    local_address: str | None = None,
    uds: str | None = None,
    factory: Callable[[], HTTPStream] | None = None,
    label: str | None = None,
) -> HTTPStream:
    """Open a TCP (or Unix socket) connection, TLS included when *ssl_context* is given.

    The TLS handshake counts toward ``budgets.connect``.
    *label* names the server in errors when *host* is an address the
    caller resolved itself (the pool's DNS cache).

    Raises:
        ConnectTimeout: not connected within ``budgets.connect``.
        TLSError: the handshake or the certificate check failed, or ALPN
            agreed on a protocol other than HTTP/1.1.
        ConnectError: anything else that kept the connection from opening.
    """
    loop = asyncio.get_running_loop()
    if label is None:
        label = f"{host}:{port}" if uds is None else f"{host} (unix socket {uds})"
    stream = factory() if factory is not None else HTTPStream(codec, label, loop, budgets)
    tls_name = (server_hostname or host) if ssl_context is not None else None
    try:
        async with asyncio.timeout(budgets.connect):
            if uds is not None:
                await loop.create_unix_connection(
                    lambda: stream, uds, ssl=ssl_context, server_hostname=tls_name
                )
            else:
                create = loop.create_connection
                # RFC 8305 happy eyeballs for names, on the default loop (uvloop
                # has none). Not for an address: it has one candidate, and
                # asyncio's staggered race would still cost a task per connect
                # (Connection: close load on 127.0.0.1 ran at 0.69x aiohttp's
                # rate with it, benchmarks/results/suite.md, workload C).
                if isinstance(loop, asyncio.BaseEventLoop) and not is_ip_address(host):
                    create = functools.partial(create, happy_eyeballs_delay=0.25)
                await create(
                    lambda: stream,
                    host,
                    port,
                    ssl=ssl_context,
                    server_hostname=tls_name,
                    local_addr=(local_address, 0) if local_address else None,
                )
    except TimeoutError as error:
        stream.abort()
        raise _translate(error, ConnectTimeout, label, "connecting to") from error
    except (OSError, ssl.SSLError, ssl.CertificateError) as error:
        stream.abort()
        raise _translate(error, ConnectError, label, "connecting to") from error
    if ssl_context is not None:
        _check_alpn(stream)
    return stream
