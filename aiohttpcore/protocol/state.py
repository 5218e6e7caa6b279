"""The per-connection state machine: two halves, a FIFO between them, one reuse rule.

What it owns: the state of the sending half (our requests) and of the
receiving half (the server's responses), the FIFO of requests whose responses
are outstanding (pipelining), and the answer to "may this connection carry
another request?". What it must not do: parse or write bytes, import asyncio,
or know about sockets. Nothing else in the package assigns a state.

Rules it keeps (CONVENTIONS.md rule 2):

* Every move is a row of :data:`SEND_TRANSITIONS` or :data:`RECV_TRANSITIONS`;
  a move that is not in its table raises a :class:`StateError` subclass named
  as httplib names it and changes nothing. The docs draw both tables.
* The seed diagram of ``http.client`` is the sending half: Idle ->
  Request-started (``start_request``) -> Request-sent (head written) -> Idle;
  dugong's pipelining is the FIFO: a request may start before earlier
  responses are read.
* Reuse is one rule, :meth:`ConnectionState.is_reusable`: both halves idle and
  no outstanding response. EOF, errors, ``Connection: close`` and abandoned
  uploads all reach it by moving a half to ``DONE``/``CLOSED``/``ERROR``,
  never through a flag of their own.
"""

from __future__ import annotations

import enum
from collections import deque
from typing import Final

from aiohttpcore.exceptions import (
    CannotSendHeader,
    CannotSendRequest,
    ConnectionClosed,
    ResponseNotReady,
    StateError,
)

__all__ = [
    "RECV_TRANSITIONS",
    "SEND_TRANSITIONS",
    "ConnectionState",
    "PendingRequest",
    "RecvEvent",
    "RecvState",
    "SendEvent",
    "SendState",
]


class SendState(enum.Enum):
    """Where the sending half is in writing the current request."""

    # Members are singletons: hash them by identity, not by name in Python
    # (Enum.__hash__ is a Python function; 14 calls per exchange, measured).
    __hash__ = object.__hash__

    IDLE = "idle"
    HEADERS = "request started"  # httplib's "Request-started": putheader allowed
    AWAITING_CONTINUE = "awaiting 100 Continue"
    BODY = "sending the body"
    DONE = "done"  # no further request may be written on this connection
    ERROR = "failed"


class SendEvent(enum.Enum):
    """What the caller (through the codec) asks the sending half to do."""

    # Members are singletons: hash them by identity, not by name in Python
    # (Enum.__hash__ is a Python function; 14 calls per exchange, measured).
    __hash__ = object.__hash__

    START_REQUEST = "start a request"
    ADD_HEADER = "add a header"
    CANCEL_HEAD = "cancel the request head"
    SEND_HEAD = "send a head without body"
    SEND_HEAD_WITH_BODY = "send a head with body"
    SEND_HEAD_EXPECT_CONTINUE = "send a head expecting 100 Continue"
    CONTINUE = "start the body after 100 Continue"
    SEND_DATA = "send body data"
    END_BODY = "end the body"
    ABANDON_BODY = "abandon the body"
    NO_MORE_REQUESTS = "refuse further requests"


class RecvState(enum.Enum):
    """Where the receiving half is in reading the responses owed to us."""

    # Members are singletons: hash them by identity, not by name in Python
    # (Enum.__hash__ is a Python function; 14 calls per exchange, measured).
    __hash__ = object.__hash__

    IDLE = "idle"  # no response outstanding
    AWAITING_HEAD = "awaiting a response head"
    BODY = "reading a body"
    SWITCHED = "switched protocols"  # 101 or CONNECT tunnel: bytes are no longer HTTP
    CLOSED = "closed"  # the server closed or said close: nothing more will be read
    ERROR = "failed"


class RecvEvent(enum.Enum):
    """What the parser tells the receiving half happened."""

    # Members are singletons: hash them by identity, not by name in Python
    # (Enum.__hash__ is a Python function; 14 calls per exchange, measured).
    __hash__ = object.__hash__

    EXPECT_RESPONSE = "expect a response"
    FINAL_HEAD = "receive a final response head"
    MESSAGE_DONE_NEXT = "finish a response, more outstanding"
    MESSAGE_DONE_IDLE = "finish a response, none outstanding"
    MESSAGE_DONE_LAST = "finish the last response"
    SWITCH = "switch protocols"
    PEER_CLOSED = "see the server close"


_S = SendState
_E = SendEvent
SEND_TRANSITIONS: Final[dict[tuple[SendState, SendEvent], SendState]] = {
    (_S.IDLE, _E.START_REQUEST): _S.HEADERS,
    (_S.HEADERS, _E.ADD_HEADER): _S.HEADERS,
    (_S.HEADERS, _E.CANCEL_HEAD): _S.IDLE,
    (_S.HEADERS, _E.SEND_HEAD): _S.IDLE,
    (_S.HEADERS, _E.SEND_HEAD_WITH_BODY): _S.BODY,
    (_S.HEADERS, _E.SEND_HEAD_EXPECT_CONTINUE): _S.AWAITING_CONTINUE,
    (_S.AWAITING_CONTINUE, _E.CONTINUE): _S.BODY,
    (_S.AWAITING_CONTINUE, _E.ABANDON_BODY): _S.DONE,
    (_S.BODY, _E.SEND_DATA): _S.BODY,
    (_S.BODY, _E.END_BODY): _S.IDLE,
    (_S.BODY, _E.ABANDON_BODY): _S.DONE,
    (_S.IDLE, _E.NO_MORE_REQUESTS): _S.DONE,
}
"""The sending half's legal moves; besides them, :meth:`ConnectionState.fail_send` leads
from every state to ``ERROR``."""

_R = RecvState
_V = RecvEvent
RECV_TRANSITIONS: Final[dict[tuple[RecvState, RecvEvent], RecvState]] = {
    (_R.IDLE, _V.EXPECT_RESPONSE): _R.AWAITING_HEAD,
    (_R.AWAITING_HEAD, _V.EXPECT_RESPONSE): _R.AWAITING_HEAD,
    (_R.BODY, _V.EXPECT_RESPONSE): _R.BODY,
    (_R.AWAITING_HEAD, _V.FINAL_HEAD): _R.BODY,
    (_R.BODY, _V.MESSAGE_DONE_NEXT): _R.AWAITING_HEAD,
    (_R.BODY, _V.MESSAGE_DONE_IDLE): _R.IDLE,
    (_R.BODY, _V.MESSAGE_DONE_LAST): _R.CLOSED,
    (_R.AWAITING_HEAD, _V.SWITCH): _R.SWITCHED,
    (_R.IDLE, _V.PEER_CLOSED): _R.CLOSED,
    (_R.AWAITING_HEAD, _V.PEER_CLOSED): _R.CLOSED,
    (_R.BODY, _V.PEER_CLOSED): _R.CLOSED,
    (_R.CLOSED, _V.PEER_CLOSED): _R.CLOSED,
    (_R.SWITCHED, _V.PEER_CLOSED): _R.SWITCHED,
}
"""The receiving half's legal moves; besides them, :meth:`ConnectionState.fail_recv` leads
from every state to ``ERROR`` (both halves)."""

# httplib's names for refusing a move of the sending half.
_SEND_ERRORS: Final[dict[SendEvent, type[StateError]]] = {
    _E.START_REQUEST: CannotSendRequest,
    _E.ADD_HEADER: CannotSendHeader,
    _E.SEND_HEAD: CannotSendHeader,
    _E.SEND_HEAD_WITH_BODY: CannotSendHeader,
    _E.SEND_HEAD_EXPECT_CONTINUE: CannotSendHeader,
}


class PendingRequest:
    """What the receiving half must know of a request to read its response.

    ``close`` becomes true when the request said ``Connection: close`` or was
    answered before its body was sent: either way it is the last request
    this connection carries.
    """

    __slots__ = ("close", "expect_continue", "method", "upgrade")

    def __init__(self, method: str, *, expect_continue: bool, upgrade: bool, close: bool) -> None:
        self.method = method
        self.expect_continue = expect_continue
        self.upgrade = upgrade
        self.close = close

    def __repr__(self) -> str:
        return (
            f"PendingRequest({self.method!r}, expect_continue={self.expect_continue}, "
            f"upgrade={self.upgrade}, close={self.close})"
        )


class ConnectionState:
    """Both halves of one HTTP/1.1 connection and the FIFO of outstanding requests.

    Every method either applies one move from the tables or raises without
    changing anything. ``host`` only names the peer in error messages.
    """

    __slots__ = ("_close_announced", "_host", "_outgoing", "pending", "recv", "send")

    def __init__(self, host: str | None = None) -> None:
        self._host = host
        self.send = SendState.IDLE
        self.recv = RecvState.IDLE
        self.pending: deque[PendingRequest] = deque()
        self._outgoing: PendingRequest | None = None
        self._close_announced = False

    def __repr__(self) -> str:
        return (
            f"<ConnectionState send={self.send.name} recv={self.recv.name} "
            f"pending={len(self.pending)}>"
        )

    # ---------------------------------------------------------------- moves

    def _send(self, event: SendEvent) -> None:
        new = SEND_TRANSITIONS.get((self.send, event))
        if new is None:
            raise self._refusal(event)
        self.send = new

    def check_send(self, event: SendEvent) -> None:
        """Raise the error for *event* unless it is a legal move of the sending half now."""
        if (self.send, event) not in SEND_TRANSITIONS:
            raise self._refusal(event)

    def _refusal(self, event: SendEvent) -> StateError:
        error = _SEND_ERRORS.get(event, StateError)
        return error(f"cannot {event.value} while {self.send.value}", host=self._host)

    def _recv(self, event: RecvEvent) -> None:
        new = RECV_TRANSITIONS.get((self.recv, event))
        if new is None:
            raise StateError(f"cannot {event.value} while {self.recv.value}", host=self._host)
        self.recv = new

    # ------------------------------------------------------- the sending half

    def start_request(self) -> None:
        """Begin a request head (httplib's ``putrequest``)."""
        if self.recv in (RecvState.CLOSED, RecvState.SWITCHED, RecvState.ERROR) and (
            self.send is SendState.IDLE
        ):
            raise CannotSendRequest(
                f"cannot start a request: the connection is {self.recv.value}", host=self._host
            )
        self._send(SendEvent.START_REQUEST)

    def add_header(self) -> None:
        """Check that a header may still be added (httplib's ``putheader``)."""
        self._send(SendEvent.ADD_HEADER)

    def cancel_head(self) -> None:
        """Forget a head that failed validation: nothing of it was sent."""
        self._send(SendEvent.CANCEL_HEAD)

    def head_sent(self, request: PendingRequest, *, has_body: bool) -> None:
        """Record a complete request head; its response is now owed to us."""
        if not has_body:
            event = SendEvent.SEND_HEAD
        elif request.expect_continue:
            event = SendEvent.SEND_HEAD_EXPECT_CONTINUE
        else:
            event = SendEvent.SEND_HEAD_WITH_BODY
        self._send(event)
        self._recv(RecvEvent.EXPECT_RESPONSE)
        self.pending.append(request)
        if has_body:
            self._outgoing = request
        elif request.close:
            self._send(SendEvent.NO_MORE_REQUESTS)

    def continue_body(self) -> None:
        """Start the body of an ``Expect: 100-continue`` request."""
        self._send(SendEvent.CONTINUE)

    def body_data(self) -> None:
        """Check that body bytes may be sent now."""
        self._send(SendEvent.SEND_DATA)

    def body_done(self) -> None:
        """The request body is complete."""
        self._send(SendEvent.END_BODY)
        request, self._outgoing = self._outgoing, None
        if request is not None and request.close:
            self._send(SendEvent.NO_MORE_REQUESTS)

    def abandon_body(self) -> None:
        """Give up sending the body: the request can never be completed on this connection."""
        self._send(SendEvent.ABANDON_BODY)
        self._outgoing = None

    def fail_send(self) -> None:
        """The sending half broke (a write error, an overrun): nothing more may be sent."""
        self.send = SendState.ERROR
        self._outgoing = None

    # ----------------------------------------------------- the receiving half

    def current(self) -> PendingRequest:
        """The request whose response is being read; ``ResponseNotReady`` when none is owed."""
        if self.pending:
            return self.pending[0]
        if self.recv is RecvState.ERROR:
            raise StateError("the connection failed earlier and is unusable", host=self._host)
        raise ResponseNotReady(f"no response is owed while {self.recv.value}", host=self._host)

    def check_readable(self) -> None:
        """Raise unless a response may be read now; explains why in the error."""
        recv = self.recv
        if recv is RecvState.AWAITING_HEAD or recv is RecvState.BODY:
            return
        if recv is RecvState.CLOSED and self.pending:
            # One error per request pipelined behind the close: this one is
            # answered (with the error) and the next call reports the next.
            self.pending.popleft()
            if self._close_announced:
                raise ConnectionClosed(
                    "the server closed the connection after an earlier response; "
                    "this request was not processed",
                    host=self._host,
                    unprocessed=True,
                )
            raise ConnectionClosed(
                "the server closed the connection after an earlier response; "
                "this request may have been read",
                host=self._host,
            )
        if recv is RecvState.ERROR:
            raise StateError("the connection failed earlier and is unusable", host=self._host)
        if recv is RecvState.SWITCHED:
            raise StateError("the connection switched protocols", host=self._host)
        raise ResponseNotReady(f"no response is owed while {recv.value}", host=self._host)

    def final_head(self) -> None:
        """A final response head arrived for the request at the front of the FIFO.

        The rest of that response (a body, possibly empty) is read next. If
        the request's body is still unsent, it is answered early: the body
        will never be wanted and the connection must close after it
        (PROTOCOL-POLICY.md, "Connection reuse" 5).
        """
        request = self.pending[0]
        if request is self._outgoing:
            request.close = True
            if self.send is SendState.AWAITING_CONTINUE:
                self.abandon_body()
        self._recv(RecvEvent.FINAL_HEAD)

    def receive_continue(self) -> bool:
        """A ``100 Continue`` arrived; True when the request at the front asked for it.

        Starts that request's body if it is still waiting for the go-ahead.
        """
        request = self.pending[0]
        if not request.expect_continue:
            return False
        if request is self._outgoing and self.send is SendState.AWAITING_CONTINUE:
            self._send(SendEvent.CONTINUE)
        return True

    def message_done(self, *, keep_alive: bool, close_announced: bool = False) -> None:
        """The response at the front of the FIFO is complete.

        ``close_announced``: the response said it is the last (``Connection:
        close``, or HTTP/1.0 without keep-alive), so requests pipelined
        behind it certainly were not processed (RFC 9112 §9.6). A body that
        merely ran until close promises nothing of the kind.
        """
        request = self.pending.popleft()
        if not keep_alive or request.close:
            self._close_announced = close_announced
            self._recv(RecvEvent.MESSAGE_DONE_LAST)
            if self.send is SendState.IDLE:
                self._send(SendEvent.NO_MORE_REQUESTS)
        elif self.pending:
            self._recv(RecvEvent.MESSAGE_DONE_NEXT)
        else:
            self._recv(RecvEvent.MESSAGE_DONE_IDLE)

    def switch(self) -> None:
        """The connection now carries another protocol (101, or a CONNECT tunnel)."""
        self.pending.popleft()
        self._recv(RecvEvent.SWITCH)
        if self.send is SendState.IDLE:
            self._send(SendEvent.NO_MORE_REQUESTS)

    def peer_closed(self) -> None:
        """The server closed its side: nothing more will arrive."""
        self._recv(RecvEvent.PEER_CLOSED)
        if self.send is SendState.IDLE:
            self._send(SendEvent.NO_MORE_REQUESTS)

    def fail_recv(self) -> None:
        """The receiving half broke; with it the whole connection.

        Nothing is owed any more: the error answers the request being read,
        and no response can be read after it on this connection.
        """
        self.recv = RecvState.ERROR
        self.send = SendState.ERROR
        self._outgoing = None
        self.pending.clear()

    # ---------------------------------------------------------------- reuse

    def is_reusable(self) -> bool:
        """True only when both halves are idle and no response is owed.

        The codec adds the last condition it alone can see: no unread byte
        buffered (PROTOCOL-POLICY.md, "Connection reuse" 1 and 2).
        """
        return self.send is SendState.IDLE and self.recv is RecvState.IDLE and not self.pending
