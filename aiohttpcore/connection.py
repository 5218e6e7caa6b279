"""HTTPConnection: one connection to one server, all of HTTP/1.1, two API families.

What it owns: one :class:`~aiohttpcore.stream.HTTPStream` and one
:class:`~aiohttpcore.protocol.ClientCodec`, the order of exchanges on them,
and the rules of who may use them when. It offers dugong's explicit API
(``send_request``/``write``/``read_response`` with pipelining, ``Expect:
100-continue`` and bodies of known or unknown length) and httplib's
step-by-step one (``putrequest``/``putheader``/``endheaders``/``send``/
``getresponse``), both async, over the same machine. What it must not do:
know other connections exist (the pool does), or parse bytes (the codec does).

Rules it keeps:

* dugong's one-sender/one-reader rule: one task may send while another
  reads (that is how a pipeline is kept full); two senders or two readers at
  once raise :class:`~aiohttpcore.exceptions.StateError` at once.
* A response's body must be read or discarded before the next response is
  read; the codec refuses anything else, so nothing is ever mis-assigned.
* A refused call (a :class:`~aiohttpcore.exceptions.StateError`, or an
  :class:`~aiohttpcore.exceptions.InvalidRequest` before the head is sent)
  changes nothing: a request being sent goes on.
* After any network or protocol error the connection is closed; it reopens
  (on the next request) only when nothing is owed on the old one. A
  response that can no longer come is still owed until
  :meth:`HTTPConnection.read_response` has raised for it: nothing pipelined
  is dropped in silence, and no reader gets another request's response.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import ssl
import sys
import warnings
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeAlias

from . import _ssl
from .exceptions import (
    ConnectionClosed,
    InvalidRequest,
    InvalidResponse,
    InvalidURL,
    NetworkError,
    NotConnected,
    ResponseNotReady,
    StateError,
)
from .headers import Headers, HeaderTypes
from .protocol import (
    ClientCodec,
    Informational,
    ParserLimits,
    Profile,
    RecvState,
    ResponseHead,
    SendState,
)
from .response import Response
from .status import method_name
from .stream import HTTPStream, open_stream
from .timeouts import DEFAULT_TIMEOUT, Timeout
from .url import URL, parse_url

__all__ = ["BodyFollowing", "HTTPConnection", "HTTPSConnection", "Opener"]

Opener: TypeAlias = Callable[[ClientCodec], Awaitable[HTTPStream]]
"""Opens the stream a connection's codec speaks through."""

# Bodies up to this size go out in the same write as their head (one
# syscall, one segment); larger ones are written after it, uncopied.
_JOIN_LIMIT: Final = 64 * 1024
# Chunks read from a file body at a time.
_FILE_CHUNK: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class BodyFollowing:
    """dugong's marker: the body will follow through :meth:`HTTPConnection.write` calls.

    With a ``length`` it is sent with ``Content-Length`` and ends when that
    many bytes are written; without, it is chunked and ends with
    :meth:`HTTPConnection.end_request` or an empty ``write(b"")``.
    """

    length: int | None = None


class _Exchange:
    """What the connection remembers of a request until its response is read."""

    __slots__ = ("deadline", "method")

    def __init__(self, method: str, deadline: float | None) -> None:
        self.method = method
        self.deadline = deadline


def _origin(host: str, port: int | None, tls: bool) -> URL:
    scheme = "https" if tls else "http"
    literal = f"[{host}]" if ":" in host and not host.startswith("[") else host
    try:
        url = parse_url(f"{scheme}://{literal}:{port}/" if port else f"{scheme}://{literal}/")
    except InvalidURL as error:
        raise InvalidURL(f"invalid host or port for a connection: {error.detail}") from None
    return url


class HTTPConnection:
    """One HTTP/1.1 connection (httplib's and dugong's name); nothing happens until it is used.

    Args:
        host: the server's name or address (IDNA names and IPv6 literals welcome).
        port: defaults to 80 (443 for :class:`HTTPSConnection`).
        ssl_context: speak TLS with this context; never mutated.
        timeout: the budgets of :class:`~aiohttpcore.timeouts.Timeout`.
        uds: connect to this Unix socket path instead of TCP; ``host`` still
            names the server in the Host header and in errors.
        local_address: the local IP address to connect from.
        server_hostname: the TLS SNI name and certificate name, if not ``host``.
        profile: the parser profile (:class:`~aiohttpcore.protocol.Profile`).
        limits: the parser's budgets.
        continue_timeout: how long to wait for ``100 Continue`` before
            sending the body anyway (RFC 9110 §10.1.1).
        opener: opens the stream for a codec instead of TCP/TLS/Unix
            sockets: a seam for proxies and for tests over an in-memory
            transport.

    What a cancellation leaves behind, by the call that was waiting (each
    method says it too):

    * :meth:`connect` (or a first use connecting): nothing open, nothing
      sent; the next use connects again.
    * :meth:`send_request`, :meth:`endheaders`, :meth:`write`, :meth:`send`,
      :meth:`end_request`: once the request's last byte was handed to the
      transport, the request is sent and the connection stays open (only
      the wait for the peer to read was cancelled). Before that (in a
      streamed body, in an unfinished :class:`BodyFollowing` body, waiting
      for ``100 Continue``) the request can never be completed: the
      connection is closed, and its response stays owed until
      :meth:`read_response` returns an answer that had already arrived or
      raises.
    * :meth:`read_response`, :meth:`getresponse`: nothing is consumed; the
      connection stays open, the response owed, and the next call returns it.
    * Body reads (:meth:`read`, :meth:`readinto`, :meth:`readall`,
      :meth:`discard`, and the :class:`~aiohttpcore.response.Response`'s):
      the connection stays open and the body goes on at the next read,
      and nothing is lost (a :meth:`readall` gives the bytes it had
      gathered back to the next read), except after a :meth:`readinto`
      whose buffer had already received bytes: the connection is closed
      and the next read raises :class:`~aiohttpcore.exceptions.ReadError`.
    * :meth:`aclose` closes before it awaits anything; :meth:`disconnect`,
      :meth:`close`, :meth:`putrequest` and :meth:`putheader` never await.
    """

    default_port = 80

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        uds: str | None = None,
        local_address: str | None = None,
        server_hostname: str | None = None,
        profile: Profile = Profile.STRICT,
        limits: ParserLimits | None = None,
        continue_timeout: float = 1.0,
        opener: Opener | None = None,
    ) -> None:
        self._opener = opener
        self._url = _origin(host, port or self.default_port, ssl_context is not None)
        self.host = self._url.host
        self.port = self._url.port or (port or self.default_port)
        self.label = f"{self.host}:{self.port}"
        self._ssl_context = ssl_context
        self._server_hostname = server_hostname or self._url.sni_hostname
        self._timeout = timeout
        self._uds = uds
        self._local_address = local_address
        self._profile = profile
        self._limits = limits or ParserLimits()
        self._continue_timeout = continue_timeout
        self._codec = self._new_codec()
        self._stream: HTTPStream | None = None
        self._exchanges: deque[_Exchange] = deque()
        # Requests sent on a connection that broke before their responses
        # came: each read_response raises for one, in order, before the
        # connection may reopen (nothing owed is ever dropped in silence).
        self._orphans: deque[_Exchange] = deque()
        self._response: Response | None = None
        self._last_response: Response | None = None  # dugong's reads after its body
        self._early: ResponseHead | None = None  # a final head met while awaiting 100
        self._continued = asyncio.Event()
        self._sending = False
        self._reading = False
        self._skip_host = False
        self._body_announced = False
        self._draft_method = ""
        self._debuglevel = 0

    def _new_codec(self) -> ClientCodec:
        return ClientCodec(self.label, profile=self._profile, limits=self._limits)

    def __repr__(self) -> str:
        state = "closed" if self._stream is None or self._stream.is_closing() else "open"
        return f"<{type(self).__name__} {self.label} {state} {self._codec!r}>"

    def __del__(self) -> None:
        stream = self._stream
        if stream is not None and not stream.is_closing():
            warnings.warn(
                f"{self!r} was garbage-collected while open: close it (async with, aclose)",
                ResourceWarning,
                stacklevel=1,
            )
            stream.abort()

    # ------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Open the connection now (it also opens itself on first use).

        Cancelled, it leaves nothing open (the default opener's socket is
        closed by asyncio; an ``opener`` must do the same) and the connection
        as it was.

        Raises:
            NotConnected: it closed with responses still owed (see
                :meth:`read_response`).
            ConnectError: or a subclass; nothing was sent.
        """
        if self._stream is not None and not self._stream.is_closing():
            return
        if self.response_pending():
            raise self._not_connected()
        codec = self._codec
        if codec.send_state is not SendState.HEADERS or codec.recv_state is not RecvState.IDLE:
            # A used codec is finished with its connection (after a failure
            # it may still count responses that will never come); a head
            # being assembled on one that owes nothing (httplib's putrequest
            # before connecting) moves on.
            self._codec = self._new_codec()
        self._exchanges.clear()
        if self._opener is not None:
            self._stream = await self._opener(self._codec)
            return
        self._stream = await open_stream(
            self._codec,
            host=self.host,
            port=self.port,
            budgets=self._timeout,
            ssl_context=self._ssl_context,
            server_hostname=self._server_hostname,
            local_address=self._local_address,
            uds=self._uds,
        )

    async def __aenter__(self) -> HTTPConnection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def disconnect(self) -> None:
        """Close the connection at once; whatever was in flight is lost (dugong's name)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()
        self._codec = self._new_codec()
        self._exchanges.clear()
        self._orphans.clear()
        self._response = None
        self._last_response = None
        self._early = None

    def close(self) -> None:
        """httplib's name for :meth:`disconnect`."""
        self.disconnect()

    async def aclose(self) -> None:
        """Close the connection; always closes, whatever state it is in (even if cancelled)."""
        self.disconnect()
        await asyncio.sleep(0)  # let the transport deliver connection_lost

    def is_reusable(self) -> bool:
        """True when the connection is open, idle, has nothing buffered and nobody said close."""
        stream = self._stream
        return (
            stream is not None
            and not stream.is_closing()
            and self._response is None
            and self._codec.is_reusable()
        )

    @property
    def timeout(self) -> Timeout:
        """The budgets in force for the next exchange."""
        return self._timeout

    def set_timeout(self, timeout: Timeout) -> None:
        """Use other budgets from the next exchange on (the pool's per-request ``timeout``)."""
        self._timeout = timeout
        if self._stream is not None:
            self._stream.set_budgets(timeout)

    def response_started(self) -> bool:
        """True when bytes of the awaited response head have arrived.

        After a failure, this tells "the server closed before answering"
        (a stale keep-alive connection: safe to retry an idempotent
        request) from "it began to answer" (never retried).
        """
        return self._codec.buffered > 0

    def response_pending(self) -> bool:
        """True while a response is owed or its body is being read (dugong).

        Responses owed on a connection that broke count until
        :meth:`read_response` has raised for each of them.
        """
        # Not the codec's count: after a timeout it still counts responses
        # the connection has given up on (read_response's rule).
        return self._response is not None or bool(self._exchanges) or bool(self._orphans)

    def get_ssl_cipher(self) -> tuple[str, str, int] | None:
        """``(cipher, protocol, secret bits)`` of the TLS session, or ``None``."""
        if self._stream is None:
            return None
        cipher = self._stream.get_extra_info("cipher")
        return cipher  # type: ignore[return-value]  # asyncio documents this shape

    def get_ssl_peercert(self, binary_form: bool = False) -> object:
        """The server's certificate as ``ssl.SSLObject.getpeercert`` gives it, or ``None``."""
        if self._stream is None:
            return None
        ssl_object = self._stream.get_extra_info("ssl_object")
        if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
            return None
        return ssl_object.getpeercert(binary_form=binary_form)

    def set_debuglevel(self, level: int) -> None:
        """Above 0, print each request head sent and response head received (httplib)."""
        self._debuglevel = level

    # ------------------------------------------------------------ guards

    def _enter_send(self) -> None:
        if self._sending:
            raise StateError("another task is sending on this connection", host=self.label)
        self._sending = True

    async def _ready_stream(self) -> HTTPStream:
        stream = self._stream
        if stream is None or stream.is_closing():
            if stream is not None and self.response_pending():
                raise self._not_connected()
            await self.connect()
            stream = self._stream
            assert stream is not None
        return stream

    def _not_connected(self) -> NotConnected:
        return NotConnected(
            "the connection closed with responses still owed: read them "
            "(read_response raises for each that cannot come) or disconnect() first",
            host=self.label,
        )

    def _begin_exchange(self, method: str, stream: HTTPStream) -> None:
        total = self._timeout.total
        deadline = None if total is None else asyncio.get_running_loop().time() + total
        self._exchanges.append(_Exchange(method, deadline))
        if len(self._exchanges) == 1:
            stream.deadline = deadline

    def _debug(self, what: str, data: object) -> None:
        if self._debuglevel > 0:
            print(f"{what}: {data!r}", file=sys.stdout)

    # ------------------------------------------------------------ dugong: sending

    async def send_request(
        self,
        method: str,
        target: str,
        headers: HeaderTypes | None = None,
        body: object = None,
        expect100: bool = False,
    ) -> None:
        """Send a request; its response is read later by :meth:`read_response`.

        ``body`` is bytes-like, a file (sync or async ``read``), an async or
        sync iterable of bytes, or :class:`BodyFollowing` (then call
        :meth:`write`). Any number of requests may be sent before their
        responses are read (pipelining). With ``expect100`` the body waits
        for ``100 Continue`` (or ``continue_timeout``); if the server answers
        first, the body is not sent and :meth:`read_response` returns that
        answer.

        Cancelled once the whole request was handed to the transport (a
        bodiless request, a bytes body), the request is sent and the
        connection stays open. Cancelled while connecting, nothing was sent.
        Cancelled in a streamed body or while waiting for ``100 Continue``,
        the connection is closed and the response stays owed (see
        :meth:`read_response`).

        Raises:
            InvalidRequest: before anything was sent; the connection is as it was.
            StateError: another task is sending, or the previous request's
                body is unfinished (``CannotSendRequest``): nothing was sent
                and the connection is as it was, its request going on.
            NotConnected: the connection closed with responses still owed:
                read them (see :meth:`read_response`) or :meth:`disconnect`.
            NetworkError: a subclass; the connection is closed.
        """
        self._enter_send()
        try:
            length, source = (0, None) if body is None else _plan_body(body, self.label)
            if expect100 and self.response_pending():
                raise StateError(
                    "Expect: 100-continue waits for this request's own answer: "
                    "read the earlier responses first",
                    host=self.label,
                )
            stream = self._stream
            if stream is None or stream.is_closing():
                stream = await self._ready_stream()
            head = self._codec.send_request(
                method,
                target,
                headers,
                host_header=self._url.host_header,
                body_length=length,
                expect_continue=expect100,
            )
            if self._debuglevel:
                self._debug("send", head)
            self._begin_exchange(method_name(method), stream)
            if source is None:  # the common bodiless request: no coroutine for it
                stream.write((head,))
                if stream.paused:
                    await stream.drain()
            else:
                await self._send_body(stream, head, source, expect100)
        except BaseException as error:
            self._fail_send(error)
            raise
        finally:
            self._sending = False

    def _fail_send(self, error: BaseException) -> None:
        """A send that failed part-way leaves an unfinishable request: close.

        Not after a refusal. The codec refuses a move without changing
        anything (a :class:`StateError`, or an :class:`InvalidRequest` before
        the head), and once a call has put bytes on the wire the only such
        errors left come from a codec that failed (``SendState.ERROR``). So
        a refusal that leaves the sending half unfailed wrote nothing: the
        request being sent (an earlier call's) goes on, as
        :class:`StateError` promises.
        """
        codec = self._codec
        send_state = codec.send_state
        if isinstance(error, StateError | InvalidRequest) and send_state is not SendState.ERROR:
            return
        busy = (SendState.BODY, SendState.AWAITING_CONTINUE, SendState.ERROR)
        if send_state in busy and self._stream is not None:
            self._stream.abort()
        if codec.recv_state is RecvState.ERROR:
            # The response head read while awaiting 100 Continue failed:
            # nothing more can be read, not even the answer to this request.
            self._abandon_owed()

    async def _send_body(
        self, stream: HTTPStream, head: bytes, source: object, expect100: bool
    ) -> None:
        codec = self._codec
        if source is None or isinstance(source, BodyFollowing):
            stream.write((head,))
            if stream.paused:
                await stream.drain()
            return
        if expect100:
            await stream.send((head,))
            if not await self._await_continue(stream):
                return  # answered early: read_response() returns the answer
            head = b""
        if isinstance(source, bytes | bytearray | memoryview):
            parts = codec.send_data(source)
            tail = codec.end_request()
            size = len(head) + (source.nbytes if isinstance(source, memoryview) else len(source))
            if size <= _JOIN_LIMIT:
                await stream.send((b"".join((head, *parts, tail)),))  # type: ignore[arg-type]
            else:
                # One write per part (asyncio's writelines joins its list,
                # which would copy the whole body once more), all handed over
                # before any wait, so the request is never left half-queued.
                for part in (head, *parts, tail):
                    if part:
                        stream.write((part,))
                await stream.drain()
            return
        if head:
            await stream.send((head,))
        if codec.send_state is not SendState.BODY:
            return  # an empty file: the head said Content-Length: 0
        async for chunk in _chunks(source):
            if chunk:
                await stream.send(codec.send_data(chunk))
        tail = codec.end_request()
        if tail:
            await stream.send((tail,))

    async def _await_continue(self, stream: HTTPStream) -> bool:
        """Wait for ``100 Continue`` (RFC 9110 §10.1.1); True when the body should be sent."""
        codec = self._codec
        if codec.send_state is SendState.AWAITING_CONTINUE:
            self._continued.clear()
            if self._reading:  # another task reads: it signals what it sees
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._continued.wait(), self._continue_timeout)
            else:
                await self._read_until_continue(stream)
            if codec.send_state is SendState.AWAITING_CONTINUE:
                codec.continue_body()  # the server is silent: send anyway
        return codec.send_state is SendState.BODY

    async def _read_until_continue(self, stream: HTTPStream) -> None:
        codec = self._codec
        self._reading = True
        try:
            async with asyncio.timeout(self._continue_timeout):
                while codec.send_state is SendState.AWAITING_CONTINUE:
                    event = await stream.next_event()
                    if isinstance(event, ResponseHead):
                        self._early = event  # a final answer before the body: keep it
                        self._debug_head(event)
        except TimeoutError as error:
            if isinstance(error, NetworkError):
                raise  # the stream's ReadTimeout (also a TimeoutError): it closed the connection
            # else our own wait ran out: the caller sends the body anyway
        finally:
            self._reading = False

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        """Send body bytes of a :class:`BodyFollowing` request.

        An empty write ends a chunked body (dugong); a body of announced
        length ends by itself when its last byte is written.

        Cancelled, it closes the connection (the request can never be
        completed), unless it had handed the body's last byte to the
        transport: then the request is sent and the connection stays open.

        Raises:
            ExcessBodyData: more bytes than announced; the connection must close.
            StateError: no body is being sent, or the server answered before
                the body (after ``expect100``): read the response.
        """
        self._enter_send()
        try:
            stream = self._stream
            codec = self._codec
            if stream is None:
                raise StateError("no request is being sent", host=self.label)
            if codec.send_state is SendState.AWAITING_CONTINUE and not await self._await_continue(
                stream
            ):
                raise StateError(
                    "the server answered before the body was sent: read_response()",
                    host=self.label,
                )
            remaining = codec.body_remaining
            if not data and remaining is None and codec.send_state is SendState.BODY:
                await stream.send((codec.end_request(),))
                return
            parts = codec.send_data(data)
            if remaining is not None and codec.body_remaining == 0:
                # Ended before the wait for the peer, as send_request does: a
                # cancelled wait then leaves the request sent, not aborted.
                codec.end_request()
            if parts:
                await stream.send(parts)
        except BaseException as error:
            self._fail_send(error)
            raise
        finally:
            self._sending = False

    async def end_request(self, trailers: HeaderTypes | None = None) -> None:
        """Finish a :class:`BodyFollowing` body (the last chunk and *trailers*).

        Cancelled, it leaves the request sent and the connection open: the
        closing bytes were handed to the transport before it waited.

        Raises:
            StateError: no body is being sent now; nothing changes.
            InvalidRequest: fewer bytes were written than announced, or the
                trailers are invalid; the connection is closed.
        """
        self._enter_send()
        try:
            stream = self._stream
            if stream is None:
                raise StateError("no request is being sent", host=self.label)
            tail = self._codec.end_request(trailers)
            if tail:
                await stream.send((tail,))
        except BaseException as error:
            self._fail_send(error)
            raise
        finally:
            self._sending = False

    # ------------------------------------------------------------ dugong: reading

    async def read_response(self) -> Response:
        """The next response's head; read its body through the :class:`Response`.

        Interim (1xx) responses are consumed here. Responses come in the
        order their requests were sent.

        When an exchange fails (a network error or timeout, an invalid
        response, the server closing first, a body read that fails, a
        response closed unread), the error answers its request and the
        connection is closed. The requests pipelined behind it are not
        forgotten: each later call raises
        :class:`~aiohttpcore.exceptions.ConnectionClosed` for one of them,
        in order, without I/O (after a ``Connection: close`` response with
        ``unprocessed`` set, as its docstring says). Once nothing is owed,
        the next request reopens the connection by itself, as after any
        other close; until then sending raises
        :class:`~aiohttpcore.exceptions.NotConnected`, and
        :meth:`disconnect` forgets what is owed at once.

        Cancelled while waiting for the head, it consumes nothing: the
        connection stays open and the next call returns the response.

        Raises:
            ResponseNotReady: no request is waiting for a response.
            StateError: another task is reading, or the previous response's
                body is unread; nothing changes.
            ConnectionClosed: the server closed first (see its
                ``unprocessed``), or an earlier exchange's failure closed the
                connection before this response came (the request may have
                been processed).
            InvalidResponse, NetworkError: subclasses; the connection is closed.
        """
        if self._reading:
            raise StateError("another task is reading from this connection", host=self.label)
        if self._response is not None:
            raise StateError("read or discard the previous response's body first", host=self.label)
        if self._orphans:
            raise self._orphan_failure()
        self._reading = True
        try:
            head = self._early
            self._early = None
            if head is None:
                stream = self._current_stream()
                if not self._exchanges:
                    raise ResponseNotReady(
                        "no response is owed on this connection", host=self.label
                    )
                try:
                    # Inline, not a helper coroutine: one frame less per response.
                    while True:
                        event = await stream.next_event()
                        if isinstance(event, ResponseHead):
                            break
                        assert isinstance(event, Informational), event
                        if event.status == 100:
                            self._continued.set()
                    head = event
                    if self._debuglevel:
                        self._debug_head(head)
                except (ConnectionClosed, InvalidResponse, NetworkError):
                    self._read_failed(stream)
                    raise
            self._continued.set()
            exchange = self._exchanges.popleft() if self._exchanges else None
            stream = self._current_stream()
            codec = self._codec
            bodiless = codec.recv_state is not RecvState.BODY
            if not bodiless and codec.body_known_empty():
                await stream.next_event()  # the EndOfMessage, at once: no I/O
                bodiless = True
            response = Response(
                head,
                stream,
                method=exchange.method if exchange is not None else "",
                on_done=self._response_done,
                bodiless=bodiless,
            )
            self._last_response = response
            if bodiless:
                self._after_response()
            else:
                self._response = response
            return response
        finally:
            self._reading = False

    def _read_failed(self, stream: HTTPStream) -> None:
        """Reading a head from *stream* failed: the error answers the request at the front."""
        if stream is not self._stream:
            return  # disconnect() ran meanwhile: it forgot that stream's requests
        exchanges = self._exchanges
        codec = self._codec
        if codec.recv_state is RecvState.CLOSED:
            # Pipelined behind a response that closed the connection: the
            # codec answers each request with its own ConnectionClosed (it
            # knows whether the close was announced); forget the one it just
            # answered, and leave it the rest.
            while len(exchanges) > codec.pending:
                exchanges.popleft()
        else:
            # The error answers the front request wherever it is owed: a send
            # that failed meanwhile may have given the requests up already.
            (exchanges or self._orphans).popleft()
            self._abandon_owed()
        self._after_response()

    def _orphan_failure(self) -> ConnectionClosed:
        """The error that answers the first request owed on a connection that broke."""
        orphan = self._orphans.popleft()
        return ConnectionClosed(
            f"the connection failed before the response to this {orphan.method} "
            "request came; the request may have been processed",
            host=self.label,
        )

    def _abandon_owed(self) -> None:
        """The connection broke: close it; the responses owed on it can never come.

        They move to ``_orphans`` rather than vanish: a reader would
        otherwise get ResponseNotReady, or a later request's response in
        place of theirs. The codec keeps its count (and its buffered bytes
        for :meth:`response_started`) until the next :meth:`connect`
        replaces it.
        """
        self._orphans.extend(self._exchanges)
        self._exchanges.clear()
        if self._stream is not None:
            self._stream.abort()

    def _current_stream(self) -> HTTPStream:
        stream = self._stream
        if stream is None:
            raise ResponseNotReady("no request was sent on this connection", host=self.label)
        return stream

    def _debug_head(self, head: ResponseHead) -> None:
        if self._debuglevel > 0:
            print(
                f"reply: 'HTTP/{head.http_version // 10}.{head.http_version % 10} "
                f"{int(head.status)} {head.reason}'"
            )
            for name, value in head.headers.multi_items():
                print(f"header: {name}: {value}")

    def _response_done(self, response: Response) -> None:
        if self._response is response:
            self._response = None
            if self._codec.recv_state in (RecvState.BODY, RecvState.ERROR):
                # The body stopped short of its end (a read failed, or it was
                # closed unread): the stream is closed, and nothing behind it
                # can be told apart from the rest of this body.
                self._abandon_owed()
        self._after_response()

    def _after_response(self) -> None:
        stream = self._stream
        if stream is None:
            return
        stream.deadline = self._exchanges[0].deadline if self._exchanges else None
        codec = self._codec
        if codec.is_reusable():
            return  # the common case: idle, ready for the next request
        if codec.recv_state in (RecvState.CLOSED, RecvState.ERROR) or (
            not codec.pending and codec.send_state not in (SendState.HEADERS, SendState.BODY)
        ):
            # Nothing more can be exchanged on it; requests pipelined behind
            # a close get ConnectionClosed from the codec, without I/O.
            stream.close()

    def _current(self) -> Response:
        # dugong: after a bodiless response, or the end of a body, reads on
        # the connection return b"" (or 0) rather than fail.
        response = self._response or self._last_response
        if response is None:
            raise ResponseNotReady("no response has been read yet", host=self.label)
        return response

    async def read(self, amount: int = -1) -> bytes:
        """Read from the current response's body (dugong); ``b""`` at its end.

        Cancelled while waiting, it consumes nothing: the body goes on at
        the next read.
        """
        return await self._current().read(amount)

    async def readinto(self, buffer: bytearray | memoryview) -> int:
        """Read the current response's body into *buffer* (dugong); 0 at its end.

        Cancelled while waiting, it consumes nothing, unless body bytes had
        already reached *buffer* (written there by the transport, without a
        copy): then the connection is closed and the next read raises
        :class:`~aiohttpcore.exceptions.ReadError`.
        """
        return await self._current().readinto(buffer)

    async def readall(self) -> bytes:
        """The rest of the current response's body (dugong).

        Cancelled part-way, it gives the bytes it had gathered back: the
        next read returns them first.
        """
        return await self._current().readall()

    async def discard(self) -> None:
        """Throw away the rest of the current response's body (dugong).

        Cancelled, it leaves the rest of the body for the next read or discard.
        """
        await self._current().discard()

    # ------------------------------------------------------------ httplib

    def putrequest(
        self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False
    ) -> None:
        """Begin a request head (httplib); ``CannotSendRequest`` while one is unfinished.

        ``NotConnected`` when the connection closed with responses still owed
        (see :meth:`read_response`). Either way nothing changes.
        """
        if self._sending:
            raise StateError("another task is sending on this connection", host=self.label)
        stream = self._stream
        if stream is not None and stream.is_closing():
            if self.response_pending():
                raise self._not_connected()  # as send_request: not behind their backs
            self.disconnect()  # closed while idle: the head goes to the next connection
        self._codec.start_request(method, url)
        self._draft_method = method_name(method)
        self._skip_host = skip_host
        self._body_announced = False
        if not skip_accept_encoding:
            self._codec.add_header("Accept-Encoding", "identity")

    def putheader(self, header: str, *values: str | bytes | int) -> None:
        """Add a header to the request head begun by :meth:`putrequest` (httplib).

        Several values are joined with ", " (httplib folds them onto
        continuation lines, which RFC 9112 §5.2 deprecates; we never send
        obs-fold).
        """
        texts = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values]
        self._codec.add_header(header, ", ".join(texts))
        if header.lower() in ("content-length", "transfer-encoding"):
            self._body_announced = True

    async def endheaders(self, message_body: object = None) -> None:
        """Finish the head and send it, with *message_body* if given (httplib).

        Raises and cancellation as for :meth:`send_request`
        (``CannotSendHeader`` when no head was begun).
        """
        self._enter_send()
        try:
            length, source = _plan_body(message_body, self.label)
            if message_body is None and self._body_announced:
                length = None  # the caller's Content-Length or chunked decides
            stream = await self._ready_stream()
            method = self._draft_method
            head = self._codec.end_headers(
                host_header=None if self._skip_host else self._url.host_header,
                body_length=length,
            )
            self._debug("send", head)
            self._begin_exchange(method, stream)
            await self._send_body(stream, head, source, False)
        except BaseException as error:
            self._fail_send(error)
            raise
        finally:
            self._sending = False

    async def send(self, data: object) -> None:
        """Send body bytes after :meth:`endheaders` (httplib); framing is added for you.

        The request's ``Content-Length`` (or chunked encoding) was fixed by
        the head; a chunked body ends with ``send(b"")``. Cancellation as
        for :meth:`write`.
        """
        if isinstance(data, bytes | bytearray | memoryview):
            await self.write(data)
            return
        try:
            async for chunk in _chunks(data):
                if chunk:
                    await self.write(chunk)
        except BaseException as error:
            # The caller's source failed between writes (each write handles
            # its own failures, and this repeats that judgement harmlessly).
            self._fail_send(error)
            raise

    async def getresponse(self) -> Response:
        """The response to the request just sent (httplib); its body is read from it.

        Raises and cancellation as for :meth:`read_response`.
        """
        if self._codec.send_state in (SendState.HEADERS, SendState.BODY):
            raise ResponseNotReady("the request is not completely sent", host=self.label)
        if self._response is not None:
            raise ResponseNotReady(
                "the previous response's body is unread (httplib: read it first)",
                host=self.label,
            )
        return await self.read_response()

    async def request(
        self,
        method: str,
        url: str,
        body: object = None,
        headers: HeaderTypes | None = None,
    ) -> None:
        """Send a whole request (httplib): head, then *body*; read it with :meth:`getresponse`."""
        fields = list(_header_pairs(headers))
        names = {name.lower() for name, _ in fields}
        if "accept-encoding" not in names:
            fields.append(("Accept-Encoding", "identity"))
        await self.send_request(method, url, fields, body)


class HTTPSConnection(HTTPConnection):
    """httplib's name for a TLS connection: :class:`HTTPConnection` with a verifying context.

    Without ``ssl_context`` the process-wide default context is used
    (system trust store, TLS 1.2+, ALPN ``http/1.1``).
    """

    default_port = 443

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        **options: object,
    ) -> None:
        super().__init__(
            host,
            port,
            ssl_context=ssl_context or _ssl.default_ssl_context(),
            **options,  # type: ignore[arg-type]
        )


def _header_pairs(headers: HeaderTypes | None) -> Iterable[tuple[str, str]]:
    return Headers(headers).multi_items() if headers else []


def _plan_body(body: object, label: str) -> tuple[int | None, object]:
    """The body's length (``None``: unknown) and what to send it from."""
    if body is None:
        return 0, None
    if isinstance(body, BodyFollowing):
        return body.length, body
    if isinstance(body, bytes | bytearray | memoryview):
        size = body.nbytes if isinstance(body, memoryview) else len(body)
        return size, body if size else None  # empty: nothing to send after the head
    if isinstance(body, str):
        raise InvalidRequest("a str body must be encoded to bytes first", host=label)
    read = getattr(body, "read", None)
    if read is not None:
        return _file_length(body), body
    if isinstance(body, AsyncIterable | Iterable):
        return None, body
    raise InvalidRequest(f"cannot send a body of type {type(body).__name__}", host=label)


def _file_length(file: object) -> int | None:
    """The bytes left in a regular file, or ``None`` when that cannot be known cheaply."""
    try:
        size: int = os.fstat(file.fileno()).st_size  # type: ignore[attr-defined]
        position = file.tell()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, TypeError):
        return None
    if not isinstance(position, int) or size < position:
        return None
    return size - position


async def _chunks(source: object) -> AsyncIterable[bytes | bytearray | memoryview]:
    """The pieces of a file, async file, or (async) iterable body, as bytes."""
    read = getattr(source, "read", None)
    if read is not None:
        while True:
            chunk = read(_FILE_CHUNK)
            if inspect.isawaitable(chunk):
                chunk = await chunk
            if not chunk:
                return
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise TypeError(f"a file body must give bytes, not {type(chunk).__name__}")
            yield chunk
    elif isinstance(source, AsyncIterable):
        async for chunk in source:
            yield chunk
    else:
        assert isinstance(source, Iterable)
        for chunk in source:
            yield chunk
