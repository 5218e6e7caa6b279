"""ClientCodec: the one façade the I/O layer uses to speak HTTP/1.1 on one connection.

It composes the state machine, the parser and the writer so that the caller
cannot forget to advance the state: every request head written and every
response piece read moves the machine, and nothing else can. Bytes in,
events out; bytes to write out; no sockets, no clock, no logging.

Designed for the stream above it:

* A small response that arrives in one segment is one :meth:`receive_data`
  and a few :meth:`next_event` calls, each returning a whole event (head,
  body, end) rather than a line.
* A large body never needs an intermediate copy: :meth:`readinto` copies
  buffered body bytes straight into the caller's buffer, and while the
  buffer is empty :meth:`direct_read_limit` says how many bytes the
  transport may write into the caller's buffer itself (``BufferedProtocol``),
  which :meth:`received_direct` then accounts for.

After any error raised while reading a response the codec is unusable: it
is not reusable and every further read raises
:class:`~aiohttpcore.exceptions.StateError`.
"""

from __future__ import annotations

from typing import Final

from aiohttpcore.exceptions import (
    ConnectionClosed,
    ExcessBodyData,
    InvalidRequest,
    InvalidResponse,
    LimitExceeded,
    StateError,
    UnsupportedResponse,
)
from aiohttpcore.headers import Headers, HeaderTypes
from aiohttpcore.status import method_name, status_of

from .events import (
    NEED_DATA,
    Data,
    EndOfMessage,
    Informational,
    NeedData,
    ResponseHead,
    make_data,
    make_response_head,
)
from .framing import close_announced, response_framing
from .parser import ParserLimits, Profile, ResponseParser, framing_fields
from .state import ConnectionState, RecvState, SendEvent, SendState
from .writer import (
    BodyEncoder,
    LengthEncoder,
    check_field,
    encode_request_head,
    encoder_for,
    field_pairs,
)

__all__ = ["ClientCodec"]

# Below this size a body piece is copied out with bytes(buffer[:n]); above it
# through a memoryview, which saves one copy (timeit, CPython 3.11: 0.14 µs vs
# 0.27 µs for 13 bytes; 1.39 µs vs 0.87 µs for 30 KB).
_SMALL_PIECE: Final = 1024
_DEFAULT_LIMITS: Final = ParserLimits()


class _Draft:
    """A request head being assembled step by step (httplib's putrequest/putheader)."""

    __slots__ = ("fields", "method", "target")

    def __init__(self, method: str, target: str) -> None:
        self.method = method
        self.target = target
        self.fields: list[tuple[str, str]] = []


class ClientCodec:
    """The HTTP/1.1 client side of one connection, as a pure state machine.

    Args:
        host: names the server in every error; may include the port.
        profile: how forgiving the parser is (:class:`Profile`).
        limits: the parser's budgets.
        surface_informational: return every 1xx response as an
            :class:`Informational` event instead of skipping it (``100
            Continue`` is returned anyway while a request waits for it).
        absolute_form: allow absolute-form request targets (requests to a
            forward proxy).
    """

    __slots__ = (
        "_absolute_form",
        "_close_announced",
        "_draft",
        "_encoder",
        "_host",
        "_interim",
        "_keep_alive",
        "_lenient",
        "_limits",
        "_parser",
        "_state",
        "_surface",
    )

    def __init__(
        self,
        host: str | None = None,
        *,
        profile: Profile = Profile.STRICT,
        limits: ParserLimits = _DEFAULT_LIMITS,
        surface_informational: bool = False,
        absolute_form: bool = False,
    ) -> None:
        self._host = host
        self._lenient = profile is Profile.LENIENT
        self._limits = limits
        self._surface = surface_informational
        self._absolute_form = absolute_form
        self._state = ConnectionState(host)
        self._parser = ResponseParser(host, profile, limits)
        self._encoder: BodyEncoder | None = None
        self._draft: _Draft | None = None
        self._keep_alive = False
        self._close_announced = False
        self._interim = 0

    def __repr__(self) -> str:
        return (
            f"<ClientCodec host={self._host!r} send={self._state.send.name} "
            f"recv={self._state.recv.name} pending={len(self._state.pending)} "
            f"buffered={len(self._parser.buffer)}>"
        )

    # ------------------------------------------------------------ inspection

    @property
    def host(self) -> str | None:
        """The server's name as used in errors."""
        return self._host

    @property
    def send_state(self) -> SendState:
        """The sending half's state."""
        return self._state.send

    @property
    def recv_state(self) -> RecvState:
        """The receiving half's state."""
        return self._state.recv

    @property
    def pending(self) -> int:
        """How many responses are owed to us (pipelined requests included)."""
        return len(self._state.pending)

    @property
    def skipped_lines(self) -> int:
        """Malformed header lines the lenient profile skipped on this connection."""
        return self._parser.skipped_lines

    @property
    def buffered(self) -> int:
        """Received bytes not yet handed out."""
        return len(self._parser.buffer)

    @property
    def body_remaining(self) -> int | None:
        """Bytes the request body being sent still owes, or ``None`` when its length is open."""
        encoder = self._encoder
        return encoder.remaining if isinstance(encoder, LengthEncoder) else None

    def whole_body(self) -> bytes | None:
        """The whole rest of the body, and the message's end, when all of it is here now.

        For a body of known length (or none) whose every byte is buffered:
        one call instead of :class:`Data` events and :class:`EndOfMessage`
        (a small response, read whole, costs 2.4 µs less; trailers cannot
        occur). ``None`` otherwise, changing nothing: read events as usual.
        """
        if self._state.recv is not RecvState.BODY:
            return None
        data = self._parser.take_whole_body()
        if data is not None:
            self._message_done()
        return data

    def body_known_empty(self) -> bool:
        """True when the body being read is known to have no bytes (HEAD, 204, length 0...)."""
        return self._state.recv is RecvState.BODY and self._parser.body_known_empty()

    def is_reusable(self) -> bool:
        """May this connection carry another request right now?

        True only when both halves are idle, no response is owed, no unread
        byte is buffered and nobody said close (:ref:`reuse-rule`). Bytes
        arriving while idle (a server's stray 408, say) make it false.
        """
        return self._state.is_reusable() and not self._parser.buffer

    def trailing_data(self) -> bytes:
        """After a protocol switch: the bytes that followed the ``101``/``2xx`` head.

        Hands them over once; the codec keeps nothing afterwards.
        """
        if self._state.recv is not RecvState.SWITCHED:
            raise StateError("no protocol switch happened", host=self._host)
        data = bytes(self._parser.buffer)
        self._parser.buffer.clear()
        return data

    # ------------------------------------------------------------ sending

    def send_request(
        self,
        method: str,
        target: str,
        headers: HeaderTypes | None = None,
        *,
        host_header: str | None = None,
        body_length: int | None = 0,
        expect_continue: bool = False,
    ) -> bytes:
        """Start a request and return its head's bytes.

        ``body_length`` is the body's size (0: none), or ``None`` when it is
        not known: the body is then chunked, unless the caller's own
        ``Content-Length`` header gives the length. ``host_header`` is the
        ``Host`` value sent when *headers* has none.

        Raises:
            CannotSendRequest: the previous request is still being sent, or
                the connection can no longer carry requests.
            InvalidRequest: the request cannot be put on the wire; nothing
                was produced and the codec is as it was.
        """
        self._state.start_request()
        return self._finish_head(
            method, target, headers, host_header, body_length, expect_continue
        )

    def start_request(self, method: str, target: str) -> None:
        """httplib's ``putrequest``: begin a head that :meth:`add_header` extends."""
        self._state.start_request()
        self._draft = _Draft(method, target)

    def add_header(self, name: str, value: str) -> None:
        """httplib's ``putheader``: add one field to the head begun by :meth:`start_request`.

        Raises:
            CannotSendHeader: no head is being assembled.
            InvalidRequest: the field cannot go on the wire.
        """
        self._state.add_header()
        assert self._draft is not None
        check_field(name, value, self._host)
        self._draft.fields.append((name, value))

    def end_headers(
        self,
        *,
        host_header: str | None = None,
        body_length: int | None = 0,
        expect_continue: bool = False,
    ) -> bytes:
        """httplib's ``endheaders``: finish the head begun by :meth:`start_request`.

        Arguments as for :meth:`send_request`.
        """
        self._state.check_send(SendEvent.SEND_HEAD)
        draft, self._draft = self._draft, None
        assert draft is not None
        return self._finish_head(
            draft.method, draft.target, draft.fields, host_header, body_length, expect_continue
        )

    def _finish_head(
        self,
        method: str,
        target: str,
        headers: HeaderTypes | None,
        host_header: str | None,
        body_length: int | None,
        expect_continue: bool,
    ) -> bytes:
        try:
            data, framing, pending = encode_request_head(
                method_name(method),
                target,
                headers,
                host=self._host,
                host_header=host_header,
                body_length=body_length,
                expect_continue=expect_continue,
                absolute_form=self._absolute_form,
            )
        except (InvalidRequest, TypeError) as error:
            self._state.cancel_head()
            if isinstance(error, TypeError):
                raise InvalidRequest(str(error), host=self._host) from error
            raise
        self._encoder = encoder_for(framing)
        self._state.head_sent(pending, has_body=self._encoder is not None)
        return data

    def continue_body(self) -> None:
        """Send the body without waiting longer for ``100 Continue`` (RFC 9110 §10.1.1)."""
        self._state.continue_body()

    def send_data(self, data: bytes | bytearray | memoryview) -> tuple[object, ...]:
        """Frame some body bytes; return the buffers to write, in order (often just *data*).

        Raises:
            StateError: no body is being sent now.
            ExcessBodyData: *data* would overrun the announced length; the
                request can then never be completed and the codec refuses
                further sending.
        """
        self._state.body_data()
        assert self._encoder is not None
        try:
            return self._encoder.encode(data, self._host)
        except ExcessBodyData:
            self._state.fail_send()
            raise

    def end_request(self, trailers: HeaderTypes | None = None) -> bytes:
        """Finish the request body; return the closing bytes (the last chunk and trailers).

        Raises:
            StateError: no body is being sent now.
            InvalidRequest: fewer bytes were sent than announced (the request
                can never be completed: the codec refuses further sending), or
                the trailers are invalid.
        """
        self._state.check_send(SendEvent.END_BODY)
        assert self._encoder is not None
        try:
            tail = self._encoder.end(field_pairs(trailers), self._host)
        except InvalidRequest:
            self._state.fail_send()
            raise
        self._encoder = None
        self._state.body_done()
        return tail

    def abandon_request(self) -> None:
        """Give up on the body being sent: the connection must be closed after the response."""
        self._state.abandon_body()
        self._encoder = None

    # ------------------------------------------------------------ receiving

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes received from the server."""
        parser = self._parser
        if parser.eof:
            raise StateError("bytes received after EOF", host=self._host)
        parser.buffer += data

    def receive_eof(self, *, clean: bool = True) -> None:
        """The server closed its side. ``clean=False``: a TLS EOF without ``close_notify``."""
        parser = self._parser
        parser.eof = True
        parser.eof_clean = clean
        if self._state.recv in (RecvState.IDLE, RecvState.CLOSED, RecvState.SWITCHED):
            self._state.peer_closed()

    def next_event(self) -> ResponseHead | Informational | Data | EndOfMessage | NeedData:
        """The next complete event of the response being read, or :data:`NEED_DATA`.

        Raises:
            InvalidResponse: a subclass naming what is wrong; the codec is
                unusable afterwards.
            ConnectionClosed: EOF before any byte of the response (the codec
                is unusable afterwards), or ``unprocessed=True`` for a request
                pipelined behind a response that closed the connection.
            ResponseNotReady: no response is owed.
            StateError: the codec failed earlier, or switched protocols.
        """
        state = self._state
        if state.recv is RecvState.BODY:
            parser = self._parser
            reader = parser.reader
            try:
                piece = reader.piece(parser)
            except InvalidResponse:
                self._fail()
                raise
            if piece is None:
                return NEED_DATA
            if not isinstance(piece, int):
                self._message_done()
                return piece
            buffer = parser.buffer
            if piece == len(buffer):
                data = bytes(buffer)
                buffer.clear()
            elif piece < _SMALL_PIECE:
                data = bytes(buffer[:piece])
                del buffer[:piece]
            else:
                with memoryview(buffer) as view:
                    data = view[:piece].tobytes()
                del buffer[:piece]
            reader.consumed(piece)
            return make_data(data)
        if state.recv is not RecvState.AWAITING_HEAD:
            state.check_readable()  # raises the error that says why not
        try:
            return self._next_head()
        except (InvalidResponse, ConnectionClosed):
            self._fail()
            raise

    def readinto(self, buffer: bytearray | memoryview) -> int | EndOfMessage | NeedData:
        """Like :meth:`next_event` for body bytes, but copies them into *buffer*.

        Returns how many bytes were written (> 0, unless *buffer* is empty),
        the :class:`EndOfMessage`, or :data:`NEED_DATA`. Only valid while a
        body is being read.
        """
        state = self._state
        if state.recv is not RecvState.BODY:
            raise StateError(f"no body is being read while {state.recv.value}", host=self._host)
        parser = self._parser
        try:
            piece = parser.body_piece()
        except InvalidResponse:
            self._fail()
            raise
        if piece is None:
            return NEED_DATA
        if isinstance(piece, EndOfMessage):
            self._message_done()
            return piece
        source = parser.buffer
        with memoryview(buffer) as target, memoryview(source) as view:
            count = min(piece, target.nbytes)
            target.cast("B")[:count] = view[:count]
        del source[:count]
        parser.consumed(count)
        return count

    def direct_read_limit(self) -> int:
        """How many bytes the transport may write straight into the caller's buffer now.

        Non-zero only while a body is read, nothing is buffered and body data
        (not framing) comes next: the remaining Content-Length, the rest of
        the current chunk, or a large number for a body that runs until close.
        """
        if self._state.recv is not RecvState.BODY:
            return 0
        return self._parser.direct_limit()

    def received_direct(self, count: int) -> None:
        """Account for *count* body bytes the transport wrote into the caller's buffer."""
        if count < 0 or count > self.direct_read_limit():
            raise StateError(
                f"{count} bytes cannot have been received directly now", host=self._host
            )
        if count:  # a zero-byte read changes nothing, whatever is being read
            self._parser.consumed(count)

    def _message_done(self) -> None:
        state = self._state
        parser = self._parser
        state.message_done(keep_alive=self._keep_alive, close_announced=self._close_announced)
        if parser.eof and not (parser.buffer and state.pending):
            # The body ended with, or before, the server's EOF (a "0\r\n"
            # cut short, say) and no buffered byte can still answer a
            # pipelined request: whatever it said, nothing more will come.
            state.peer_closed()

    def _fail(self) -> None:
        self._state.fail_recv()
        self._encoder = None

    def _next_head(self) -> ResponseHead | Informational | EndOfMessage | NeedData:
        parser = self._parser
        state = self._state
        while True:
            head = parser.parse_head()
            if head is None:
                if not parser.eof:
                    return NEED_DATA
                if parser.started():
                    raise InvalidResponse(
                        "connection closed inside the response head", host=self._host
                    )
                raise ConnectionClosed(
                    "the server closed the connection without sending a response",
                    host=self._host,
                )
            http_version, status, reason, fields, indices = head
            if status >= 200 or status == 101:
                return self._final_head(http_version, status, reason, fields, indices)
            self._interim += 1
            if self._interim > self._limits.max_informational:
                raise LimitExceeded(
                    f"more than {self._limits.max_informational} interim responses",
                    host=self._host,
                )
            continue_now = status == 100 and state.receive_continue()
            if continue_now or self._surface:
                return Informational(
                    status=status_of(status),
                    reason=reason,
                    http_version=http_version,
                    headers=Headers._from_lines(fields),
                )

    def _final_head(
        self,
        http_version: int,
        status: int,
        reason: str,
        fields: list[tuple[str, str, str]],
        indices: list[int],
    ) -> ResponseHead:
        state = self._state
        request = state.pending[0]  # a response is owed: check_readable passed
        self._interim = 0
        event = make_response_head(
            status_of(status), reason, http_version, Headers._from_lines(fields)
        )
        if status == 101 or (request.method == "CONNECT" and status < 300):
            if status == 101 and not request.upgrade:
                raise UnsupportedResponse(
                    "101 Switching Protocols to a request that asked for no upgrade",
                    host=self._host,
                )
            state.switch()
            return event
        content_length, transfer_encoding, connection = framing_fields(fields, indices)
        try:
            framing, keep_alive = response_framing(
                request.method,
                status,
                http_version,
                content_length,
                transfer_encoding,
                connection,
                self._lenient,
            )
        except InvalidResponse as error:
            error.host = self._host  # framing.py decides without knowing the peer
            raise
        self._keep_alive = keep_alive
        self._close_announced = not keep_alive and close_announced(http_version, connection)
        self._parser.start_body(framing, len(fields))
        state.final_head()
        return event
