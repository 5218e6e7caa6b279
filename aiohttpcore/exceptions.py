"""Every error aiohttpcore raises, in one tree rooted at :class:`HTTPException`.

The names are those of our ancestors, so code written against ``http.client``
or ``dugong`` reads the same: httplib's ``BadStatusLine``, ``IncompleteRead``,
``CannotSendRequest``... and dugong's ``ConnectionClosed``, ``InvalidResponse``,
``ExcessBodyData``, ``StateError``. Builtin classes are mixed in only where the
relation is true: a bad request argument is also a ``ValueError``, a timeout is
also the builtin ``TimeoutError``.

Rules this module keeps:

* Every message names the host when one is known (``host`` keyword); the
  message alone is in ``detail``.
* Every error survives ``pickle`` (multiprocessing load generators send errors
  between processes): ``args`` holds exactly the positional constructor
  arguments, everything else lives in ``__dict__``, which ``BaseException``
  pickles and restores.
* Every docstring says whether retrying the request is safe, because that is
  the first question a caller has (PROTOCOL-POLICY.md, "Connection reuse" 4).

This module imports nothing from the package: everything else imports it.
"""

from __future__ import annotations

__all__ = [
    "BadStatusLine",
    "CannotSendHeader",
    "CannotSendRequest",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "DecodingError",
    "ExcessBodyData",
    "FramingError",
    "HTTPException",
    "HeadTooLarge",
    "ImproperConnectionState",
    "IncompleteRead",
    "InsecureRequestWarning",
    "InvalidHeader",
    "InvalidRequest",
    "InvalidResponse",
    "InvalidURL",
    "LimitExceeded",
    "LineTooLong",
    "NetworkError",
    "NotConnected",
    "PoolClosed",
    "PoolTimeout",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "ResponseNotReady",
    "StateError",
    "TLSError",
    "TooManyHeaders",
    "UnknownProtocol",
    "UnknownTransferEncoding",
    "UnsupportedResponse",
    "WriteError",
    "WriteTimeout",
    "is_temp_network_error",
]


class HTTPException(Exception):
    """The root of every aiohttpcore error (httplib's name).

    Catching it catches everything this library raises on purpose. Whether a
    retry is safe depends on the subclass; the root itself promises nothing.

    Attributes:
        detail: what went wrong, without the host.
        host: ``host:port`` of the server concerned, or ``None`` when no
            single server is (``str(error)`` adds it to ``detail``).
    """

    def __init__(self, detail: str = "", *, host: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.host = host

    def __str__(self) -> str:
        if self.host:
            return f"{self.detail} (host {self.host})"
        return self.detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


# --------------------------------------------------------------------------
# Errors in what the caller asked for: raised before any byte is sent.


class InvalidRequest(HTTPException, ValueError):
    """A request argument cannot be put on the wire as given.

    Raised before any byte of the request is written (a "pre-send error"):
    CR, LF or NUL in a method, target, header name or value, a method or
    header name that is not a token, framing headers that disagree with the
    body. Retrying the same request fails the same way; nothing reached the
    server and the connection is still usable.
    """


class InvalidURL(InvalidRequest):
    """A URL cannot be parsed or is not one this client can request (httplib's name).

    Raised before any I/O. Not retryable: the URL must be fixed.
    """


class ExcessBodyData(HTTPException):
    """More body bytes were written than the request announced (dugong's name).

    Raised by the write that would overrun ``Content-Length``; nothing of that
    write is sent. The request on the wire is now unfinishable, so the
    connection must be closed. Retrying with a correct body is safe only if
    the request is idempotent: its head has reached the server.
    """


# --------------------------------------------------------------------------
# Calls made in the wrong order.


class StateError(HTTPException):
    """A call is not allowed in the connection's current state (dugong's name).

    For example sending a second request head while the first request's body
    is unfinished. Raised before any I/O of the offending call, so the
    connection's state is unchanged by it. Not retryable as such: the calling
    code has a bug.
    """


class ImproperConnectionState(StateError):
    """httplib's family of state errors; a :class:`StateError` too. Not retryable."""


class CannotSendRequest(ImproperConnectionState):
    """A new request was started while the previous one is still being sent.

    Also raised when the connection can no longer carry requests (the server
    said it will close). Nothing was sent, so a retry on another connection
    is safe for every method.
    """


class CannotSendHeader(ImproperConnectionState):
    """A header was added after the request head was finished (httplib's name).

    Nothing was sent by this call. Not retryable: the calling code has a bug.
    """


class ResponseNotReady(ImproperConnectionState):
    """A response was asked for but no request is waiting for one (httplib's name).

    Nothing was read. Not retryable: the calling code has a bug.
    """


class NotConnected(StateError):
    """The connection is not open and cannot open itself here (httplib's name).

    Nothing was sent: connecting and then retrying is safe for every method.
    """


# --------------------------------------------------------------------------
# The server's answer cannot be read as HTTP/1.1.


class InvalidResponse(HTTPException):
    """The server sent something that is not a valid HTTP/1.1 response (dugong's name).

    Raised where the fault is detected; the connection is unusable afterwards
    and is closed. The request reached the server and may have been processed,
    so a retry is safe only for an idempotent request.
    """


class BadStatusLine(InvalidResponse):
    """The status line is malformed (httplib's name).

    As :class:`InvalidResponse`: retry only an idempotent request.

    Attributes:
        line: the status line as received, decoded as Latin-1.
    """

    def __init__(self, line: str, *, host: str | None = None, reason: str = "") -> None:
        detail = f"invalid status line {line!r}"
        if reason:
            detail = f"{detail}: {reason}"
        super().__init__(detail, host=host)
        self.args = (line,)
        self.line = line


class InvalidHeader(InvalidResponse):
    """A response header (or trailer) line is malformed.

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class FramingError(InvalidResponse):
    """The response's length cannot be determined without guessing.

    Content-Length together with Transfer-Encoding, differing Content-Lengths,
    a bad chunk size: cases where two readers could disagree on where the
    response ends (RFC 9112 §6.3, §11.2 on request smuggling). As
    :class:`InvalidResponse`: retry only an idempotent request.
    """


class LimitExceeded(InvalidResponse):
    """The response exceeded one of the parser's configured limits.

    Raised as soon as the budget is exceeded, not when the offending part
    finally ends. As :class:`InvalidResponse`: retry only an idempotent request.
    """


class LineTooLong(LimitExceeded):
    """A status, header or chunk-size line is longer than allowed (httplib's name).

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class HeadTooLarge(LimitExceeded):
    """The response head (status line and headers) is larger than allowed.

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class TooManyHeaders(LimitExceeded):
    """The response head or trailer has more header lines than allowed.

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class IncompleteRead(InvalidResponse):
    """The connection ended before the body did (httplib's name).

    The response was sent, so the request was processed: retry only an
    idempotent request.

    Attributes:
        partial: the body bytes of the failing read that did arrive.
        expected: how many more body bytes were announced, or ``None`` when
            the length was not known (a chunked or close-delimited body).
    """

    def __init__(
        self,
        partial: bytes,
        expected: int | None = None,
        *,
        host: str | None = None,
        detail: str = "",
    ) -> None:
        if not detail:
            if expected is None:
                detail = f"connection closed before the body ended ({len(partial)} bytes read)"
            else:
                detail = (
                    f"connection closed before the body ended "
                    f"({len(partial)} bytes read, {expected} more expected)"
                )
        super().__init__(detail, host=host)
        self.args = (partial, expected)
        self.partial = partial
        self.expected = expected


class UnsupportedResponse(InvalidResponse):
    """The response is valid HTTP but uses something this client does not implement.

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class UnknownProtocol(UnsupportedResponse):
    """The response's protocol version is not HTTP/1.x (httplib's name).

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class UnknownTransferEncoding(UnsupportedResponse):
    """The response uses a transfer coding other than ``chunked`` (httplib's name).

    As :class:`InvalidResponse`: retry only an idempotent request.
    """


class DecodingError(InvalidResponse):
    """The body's ``Content-Encoding`` could not be undone.

    The coding is unknown or unavailable here, more codings are stacked than
    the limit allows, or the compressed stream is corrupt or truncated. The
    response arrived as the server sent it: a retry gets the same bytes, so
    retry only an idempotent request, and only if the server may have
    misbehaved once. ``decode_content=False`` gives the raw bytes.
    """


# --------------------------------------------------------------------------
# Warnings.


class InsecureRequestWarning(UserWarning):
    """A pool was built with ``verify=False``: TLS without certificate checks.

    Warned once per pool, when it is created, so an opt-out never goes
    unnoticed in a log (urllib3's name for the same warning).
    """


# --------------------------------------------------------------------------
# The network failed under us.


class ConnectionClosed(HTTPException):
    """The server closed the connection before sending a response (dugong's name).

    Retry only an idempotent request, and only on a connection that was
    reused (a fresh connection that closes at once will do so again), unless
    ``unprocessed`` says any request may be retried.

    Attributes:
        unprocessed: true when the request certainly was not processed: it
            was pipelined behind a response that announced ``Connection:
            close``.
    """

    def __init__(
        self, detail: str = "", *, host: str | None = None, unprocessed: bool = False
    ) -> None:
        super().__init__(detail or "connection closed by the server", host=host)
        self.unprocessed = unprocessed


class NetworkError(HTTPException):
    """Base of the transport failures; the original error is ``__cause__``.

    The connection is unusable afterwards. Whether a retry is safe depends on
    the subclass and on how much of the request was sent.
    """


class ConnectError(NetworkError):
    """The connection could not be opened (DNS, refused, unreachable, TLS).

    No byte of any request was sent: retrying is safe for every method.
    """


class TLSError(ConnectError):
    """The TLS handshake or certificate check failed, or it agreed on other than HTTP/1.1.

    Safe to retry in principle, but it will fail the same way until the
    certificate or the configuration changes: never retried automatically.
    """


class ReadError(NetworkError):
    """Reading from the connection failed (reset, broken pipe, a TLS failure).

    The request was sent and may have been processed: retry only an
    idempotent request.
    """


class WriteError(NetworkError):
    """Writing to the connection failed.

    Part of the request may have reached the server: retry only an
    idempotent request.
    """


class ConnectTimeout(ConnectError, TimeoutError):
    """Opening the connection (TCP and TLS handshake) took too long.

    Nothing was sent: retrying is safe for every method.
    """


class ReadTimeout(ReadError, TimeoutError):
    """The server was silent for longer than the read timeout, or the total deadline passed.

    The request was sent and may have been processed: retry only an
    idempotent request.
    """


class WriteTimeout(WriteError, TimeoutError):
    """The server did not accept request bytes for longer than the write timeout.

    Part of the request may have reached the server: retry only an
    idempotent request.
    """


class PoolTimeout(HTTPException, TimeoutError):
    """No connection slot came free within the pool timeout.

    Nothing was sent: retrying is safe for every method.
    """


class PoolClosed(HTTPException):
    """The pool was closed while the request was waiting for or using it.

    Not retryable on this pool.
    """


class ProxyError(HTTPException):
    """The proxy refused or failed to establish the tunnel to the origin.

    The origin never saw the request: retrying is safe for every method,
    though it will usually fail the same way.
    """


def is_temp_network_error(exc: BaseException) -> bool:
    """Tell whether *exc* is network trouble that may pass if the caller waits.

    True for connection failures and timeouts (ours and the builtin ones this
    library translates), false for protocol violations, TLS verification
    failures and caller mistakes, which a retry would only repeat. It says
    nothing about whether the request may be replayed; see each class.
    """
    if isinstance(exc, TLSError):
        return False
    if isinstance(exc, NetworkError | ConnectionClosed | PoolTimeout):
        return True
    return isinstance(exc, ConnectionError | TimeoutError)
