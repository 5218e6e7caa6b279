"""The connection state machine: every legal move, every refusal, and the one reuse rule.

Each row of ``SEND_TRANSITIONS`` and ``RECV_TRANSITIONS`` is reached through
the codec (or, where only the state object can get there, through
``ConnectionState``'s own methods) and checked by the state it leads to; a
test at the end proves no row went unvisited. Refusals raise the
httplib-named errors and change nothing. The flows of PROTOCOL-POLICY.md,
"Connection reuse" (early responses, 100-continue, ``Connection: close``,
pipelining behind a closing response, EOF and stray bytes while idle) are
checked through ``is_reusable()`` and the two half-states.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.headers import Headers
from aiohttpcore.protocol import (
    NEED_DATA,
    RECV_TRANSITIONS,
    SEND_TRANSITIONS,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    NeedData,
    RecvState,
    ResponseHead,
    SendState,
)
from aiohttpcore.protocol.state import ConnectionState, PendingRequest, RecvEvent, SendEvent

HOST = "state.test"
Event = ResponseHead | Informational | Data | EndOfMessage

OK_EMPTY = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
OK_HELLO = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
OK_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
SWITCHING = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
)
UPGRADE = [("Connection", "Upgrade"), ("Upgrade", "websocket")]


def new_codec() -> ClientCodec:
    return ClientCodec(HOST)


def get(codec: ClientCodec, headers: list[tuple[str, str]] | None = None) -> bytes:
    return codec.send_request("GET", "/", headers, host_header=HOST)


def post(
    codec: ClientCodec,
    length: int | None = 5,
    *,
    expect_continue: bool = False,
    headers: list[tuple[str, str]] | None = None,
) -> bytes:
    return codec.send_request(
        "POST",
        "/",
        headers,
        host_header=HOST,
        body_length=length,
        expect_continue=expect_continue,
    )


def drain(codec: ClientCodec) -> list[Event]:
    """Every event now available, up to NEED_DATA or the end of one message."""
    out: list[Event] = []
    while True:
        event = codec.next_event()
        if event is NEED_DATA:
            return out
        assert not isinstance(event, NeedData)
        out.append(event)
        if isinstance(event, EndOfMessage) or codec.recv_state is RecvState.SWITCHED:
            return out


def respond(codec: ClientCodec, data: bytes) -> list[Event]:
    codec.receive_data(data)
    return drain(codec)


def send_state(codec: ClientCodec) -> SendState:
    """The sending half's state, read afresh (not narrowed by earlier asserts)."""
    return codec.send_state


def recv_state(codec: ClientCodec) -> RecvState:
    """The receiving half's state, read afresh."""
    return codec.recv_state


def snapshot(codec: ClientCodec) -> tuple[SendState, RecvState, int, bool]:
    return codec.send_state, codec.recv_state, codec.pending, codec.is_reusable()


def pending_request(
    method: str = "GET",
    *,
    expect_continue: bool = False,
    upgrade: bool = False,
    close: bool = False,
) -> PendingRequest:
    return PendingRequest(method, expect_continue=expect_continue, upgrade=upgrade, close=close)


# ------------------------------------------------------------------ every row, reached


def send_start_request() -> tuple[SendState, SendState]:
    codec = new_codec()
    before = codec.send_state
    codec.start_request("GET", "/")
    return before, codec.send_state


def send_add_header() -> tuple[SendState, SendState]:
    codec = new_codec()
    codec.start_request("GET", "/")
    before = codec.send_state
    codec.add_header("Accept", "*/*")
    return before, codec.send_state


def send_cancel_head() -> tuple[SendState, SendState]:
    codec = new_codec()
    codec.start_request("GET", "/")
    before = codec.send_state
    with pytest.raises(exc.InvalidRequest):
        codec.end_headers(host_header=None)
    return before, codec.send_state


def send_head() -> tuple[SendState, SendState]:
    codec = new_codec()
    codec.start_request("GET", "/")
    before = codec.send_state
    codec.end_headers(host_header=HOST)
    return before, codec.send_state


def send_head_with_body() -> tuple[SendState, SendState]:
    codec = new_codec()
    codec.start_request("POST", "/")
    before = codec.send_state
    codec.end_headers(host_header=HOST, body_length=3)
    return before, codec.send_state


def send_head_expect_continue() -> tuple[SendState, SendState]:
    codec = new_codec()
    codec.start_request("POST", "/")
    before = codec.send_state
    codec.end_headers(host_header=HOST, body_length=3, expect_continue=True)
    return before, codec.send_state


def send_continue() -> tuple[SendState, SendState]:
    codec = new_codec()
    post(codec, expect_continue=True)
    before = codec.send_state
    codec.continue_body()
    return before, codec.send_state


def send_abandon_awaiting_continue() -> tuple[SendState, SendState]:
    codec = new_codec()
    post(codec, expect_continue=True)
    before = codec.send_state
    codec.abandon_request()
    return before, codec.send_state


def send_data() -> tuple[SendState, SendState]:
    codec = new_codec()
    post(codec)
    before = codec.send_state
    codec.send_data(b"ab")
    return before, codec.send_state


def send_end_body() -> tuple[SendState, SendState]:
    codec = new_codec()
    post(codec, 2)
    codec.send_data(b"ab")
    before = codec.send_state
    codec.end_request()
    return before, codec.send_state


def send_abandon_body() -> tuple[SendState, SendState]:
    codec = new_codec()
    post(codec)
    codec.send_data(b"ab")
    before = codec.send_state
    codec.abandon_request()
    return before, codec.send_state


def send_no_more_requests() -> tuple[SendState, SendState]:
    # A bodiless request saying Connection: close: IDLE after its head, then DONE.
    codec = new_codec()
    get(codec, [("Connection", "close")])
    return SendState.IDLE, codec.send_state


SEND_ROWS: dict[tuple[SendState, SendEvent], Callable[[], tuple[SendState, SendState]]] = {
    (SendState.IDLE, SendEvent.START_REQUEST): send_start_request,
    (SendState.HEADERS, SendEvent.ADD_HEADER): send_add_header,
    (SendState.HEADERS, SendEvent.CANCEL_HEAD): send_cancel_head,
    (SendState.HEADERS, SendEvent.SEND_HEAD): send_head,
    (SendState.HEADERS, SendEvent.SEND_HEAD_WITH_BODY): send_head_with_body,
    (SendState.HEADERS, SendEvent.SEND_HEAD_EXPECT_CONTINUE): send_head_expect_continue,
    (SendState.AWAITING_CONTINUE, SendEvent.CONTINUE): send_continue,
    (SendState.AWAITING_CONTINUE, SendEvent.ABANDON_BODY): send_abandon_awaiting_continue,
    (SendState.BODY, SendEvent.SEND_DATA): send_data,
    (SendState.BODY, SendEvent.END_BODY): send_end_body,
    (SendState.BODY, SendEvent.ABANDON_BODY): send_abandon_body,
    (SendState.IDLE, SendEvent.NO_MORE_REQUESTS): send_no_more_requests,
}


@pytest.mark.parametrize("row", list(SEND_ROWS), ids=lambda row: f"{row[0].name}-{row[1].name}")
def test_send_row(row: tuple[SendState, SendEvent]) -> None:
    before, after = SEND_ROWS[row]()
    assert before is row[0]
    assert after is SEND_TRANSITIONS[row]


def recv_expect_from_idle() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    before = codec.recv_state
    get(codec)
    return before, codec.recv_state


def recv_expect_while_awaiting_head() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    before = codec.recv_state
    get(codec)  # pipelined
    assert codec.pending == 2
    return before, codec.recv_state


def recv_expect_while_reading_body() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    respond(codec, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    before = codec.recv_state
    get(codec)  # pipelined while the first body is still arriving
    assert codec.pending == 2
    return before, codec.recv_state


def recv_final_head() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    codec.receive_data(OK_HELLO)
    before = codec.recv_state
    assert isinstance(codec.next_event(), ResponseHead)
    return before, codec.recv_state


def recv_done_next() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    get(codec)
    codec.receive_data(OK_HELLO)
    assert isinstance(codec.next_event(), ResponseHead)
    assert codec.next_event() == Data(data=b"hello")
    before = codec.recv_state
    assert codec.next_event() == EndOfMessage(trailers=Headers())
    assert codec.pending == 1
    return before, codec.recv_state


def recv_done_idle() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    codec.receive_data(OK_HELLO)
    codec.next_event()
    codec.next_event()
    before = codec.recv_state
    assert isinstance(codec.next_event(), EndOfMessage)
    assert codec.is_reusable()
    return before, codec.recv_state


def recv_done_last() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    codec.receive_data(OK_CLOSE)
    codec.next_event()
    before = codec.recv_state
    assert isinstance(codec.next_event(), EndOfMessage)
    return before, codec.recv_state


def recv_switch() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec, UPGRADE)
    codec.receive_data(SWITCHING)
    before = codec.recv_state
    assert isinstance(codec.next_event(), ResponseHead)
    return before, codec.recv_state


def recv_peer_closed_idle() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    before = codec.recv_state
    codec.receive_eof()
    return before, codec.recv_state


def recv_peer_closed_awaiting_head() -> tuple[RecvState, RecvState]:
    # The codec lets its parser judge an EOF while a response is owed; the
    # state object itself still knows the move.
    state = ConnectionState(HOST)
    state.start_request()
    state.head_sent(pending_request(), has_body=False)
    before = state.recv
    state.peer_closed()
    return before, state.recv


def recv_peer_closed_body() -> tuple[RecvState, RecvState]:
    state = ConnectionState(HOST)
    state.start_request()
    state.head_sent(pending_request(), has_body=False)
    state.final_head()
    before = state.recv
    state.peer_closed()
    return before, state.recv


def recv_peer_closed_closed() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec)
    respond(codec, OK_CLOSE)
    before = codec.recv_state
    codec.receive_eof()
    return before, codec.recv_state


def recv_peer_closed_switched() -> tuple[RecvState, RecvState]:
    codec = new_codec()
    get(codec, UPGRADE)
    respond(codec, SWITCHING)
    before = codec.recv_state
    codec.receive_eof()
    return before, codec.recv_state


RECV_ROWS: dict[tuple[RecvState, RecvEvent], Callable[[], tuple[RecvState, RecvState]]] = {
    (RecvState.IDLE, RecvEvent.EXPECT_RESPONSE): recv_expect_from_idle,
    (RecvState.AWAITING_HEAD, RecvEvent.EXPECT_RESPONSE): recv_expect_while_awaiting_head,
    (RecvState.BODY, RecvEvent.EXPECT_RESPONSE): recv_expect_while_reading_body,
    (RecvState.AWAITING_HEAD, RecvEvent.FINAL_HEAD): recv_final_head,
    (RecvState.BODY, RecvEvent.MESSAGE_DONE_NEXT): recv_done_next,
    (RecvState.BODY, RecvEvent.MESSAGE_DONE_IDLE): recv_done_idle,
    (RecvState.BODY, RecvEvent.MESSAGE_DONE_LAST): recv_done_last,
    (RecvState.AWAITING_HEAD, RecvEvent.SWITCH): recv_switch,
    (RecvState.IDLE, RecvEvent.PEER_CLOSED): recv_peer_closed_idle,
    (RecvState.AWAITING_HEAD, RecvEvent.PEER_CLOSED): recv_peer_closed_awaiting_head,
    (RecvState.BODY, RecvEvent.PEER_CLOSED): recv_peer_closed_body,
    (RecvState.CLOSED, RecvEvent.PEER_CLOSED): recv_peer_closed_closed,
    (RecvState.SWITCHED, RecvEvent.PEER_CLOSED): recv_peer_closed_switched,
}


@pytest.mark.parametrize("row", list(RECV_ROWS), ids=lambda row: f"{row[0].name}-{row[1].name}")
def test_recv_row(row: tuple[RecvState, RecvEvent]) -> None:
    before, after = RECV_ROWS[row]()
    assert before is row[0]
    assert after is RECV_TRANSITIONS[row]


def test_every_row_is_exercised() -> None:
    # A row added to a table without a scenario here fails this test.
    assert set(SEND_ROWS) == set(SEND_TRANSITIONS)
    assert set(RECV_ROWS) == set(RECV_TRANSITIONS)


def state_in(send: SendState | None = None, recv: RecvState | None = None) -> ConnectionState:
    """A ConnectionState brought to *send* or *recv* through its own methods only."""
    state = ConnectionState(HOST)
    if send is SendState.HEADERS:
        state.start_request()
    elif send is SendState.AWAITING_CONTINUE:
        state.start_request()
        state.head_sent(pending_request("POST", expect_continue=True), has_body=True)
    elif send is SendState.BODY:
        state.start_request()
        state.head_sent(pending_request("POST"), has_body=True)
    elif send is SendState.DONE:
        state.start_request()
        state.head_sent(pending_request(close=True), has_body=False)
    elif send is SendState.ERROR:
        state.fail_send()
    if recv is not None and recv is not RecvState.IDLE:
        state.start_request()
        state.head_sent(pending_request(upgrade=True), has_body=False)
        if recv is RecvState.BODY:
            state.final_head()
        elif recv is RecvState.SWITCHED:
            state.switch()
        elif recv is RecvState.CLOSED:
            state.final_head()
            state.message_done(keep_alive=False)
        elif recv is RecvState.ERROR:
            state.fail_recv()
    assert send is None or state.send is send
    assert recv is None or state.recv is recv
    return state


@pytest.mark.parametrize("send", list(SendState))
def test_send_fail_is_legal_from_every_state(send: SendState) -> None:
    state = state_in(send=send)
    state.fail_send()
    assert state.send is SendState.ERROR
    assert not state.is_reusable()
    with pytest.raises(exc.CannotSendRequest):
        state.start_request()


@pytest.mark.parametrize("recv", list(RecvState))
def test_recv_fail_is_legal_from_every_state(recv: RecvState) -> None:
    state = state_in(recv=recv)
    state.fail_recv()
    assert (state.send, state.recv) == (SendState.ERROR, RecvState.ERROR)
    assert not state.is_reusable()
    with pytest.raises(exc.StateError):
        state.check_readable()


# ------------------------------------------------------------------ refusals


def assert_refused(
    codec: ClientCodec, call: Callable[[], object], error: type[exc.StateError]
) -> exc.StateError:
    """The call raises exactly *error*, names the host, and changes nothing."""
    before = snapshot(codec)
    with pytest.raises(exc.StateError) as info:
        call()
    assert type(info.value) is error
    assert info.value.host == HOST
    assert snapshot(codec) == before
    return info.value


def test_second_request_while_sending_a_body() -> None:
    codec = new_codec()
    post(codec)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    assert_refused(codec, lambda: codec.start_request("GET", "/"), exc.CannotSendRequest)
    codec.send_data(b"12")
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_second_request_while_awaiting_continue_or_assembling() -> None:
    codec = new_codec()
    post(codec, expect_continue=True)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    codec = new_codec()
    codec.start_request("GET", "/")
    assert_refused(codec, lambda: codec.start_request("GET", "/"), exc.CannotSendRequest)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_add_header_after_end_headers() -> None:
    codec = new_codec()
    codec.start_request("POST", "/")
    codec.end_headers(host_header=HOST, body_length=2)
    assert_refused(codec, lambda: codec.add_header("X-Late", "1"), exc.CannotSendHeader)
    assert_refused(codec, lambda: codec.end_headers(host_header=HOST), exc.CannotSendHeader)
    codec.send_data(b"ab")
    codec.end_request()
    assert_refused(codec, lambda: codec.add_header("X-Late", "1"), exc.CannotSendHeader)
    assert_refused(codec, lambda: codec.end_headers(host_header=HOST), exc.CannotSendHeader)


def test_headers_without_start() -> None:
    codec = new_codec()
    assert_refused(codec, lambda: codec.add_header("X-A", "1"), exc.CannotSendHeader)
    assert_refused(codec, lambda: codec.end_headers(host_header=HOST), exc.CannotSendHeader)


def test_response_not_ready_when_nothing_is_owed() -> None:
    codec = new_codec()
    assert_refused(codec, codec.next_event, exc.ResponseNotReady)
    get(codec)
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()
    assert_refused(codec, codec.next_event, exc.ResponseNotReady)
    # EOF while idle: nothing is owed either, and nothing ever will be.
    codec.receive_eof()
    assert_refused(codec, codec.next_event, exc.ResponseNotReady)


def test_other_misuse_is_a_plain_state_error() -> None:
    codec = new_codec()
    assert_refused(codec, lambda: codec.send_data(b"x"), exc.StateError)
    assert_refused(codec, codec.end_request, exc.StateError)
    assert_refused(codec, codec.continue_body, exc.StateError)
    assert_refused(codec, codec.abandon_request, exc.StateError)
    post(codec)
    assert_refused(codec, codec.continue_body, exc.StateError)
    codec = new_codec()
    post(codec, expect_continue=True)
    assert_refused(codec, lambda: codec.send_data(b"x"), exc.StateError)
    assert_refused(codec, codec.end_request, exc.StateError)
    codec = new_codec()
    codec.start_request("POST", "/")
    assert_refused(codec, lambda: codec.send_data(b"x"), exc.StateError)
    assert_refused(codec, codec.abandon_request, exc.StateError)


def test_refused_moves_of_the_state_object() -> None:
    state = ConnectionState(HOST)
    with pytest.raises(exc.ResponseNotReady) as info:
        state.current()
    assert info.value.host == HOST
    with pytest.raises(exc.CannotSendHeader):
        state.add_header()
    with pytest.raises(exc.CannotSendHeader):
        state.head_sent(pending_request(), has_body=False)
    assert (state.send, state.recv, len(state.pending)) == (SendState.IDLE, RecvState.IDLE, 0)
    state.fail_recv()
    with pytest.raises(exc.StateError) as failed:
        state.current()
    assert type(failed.value) is exc.StateError
    with pytest.raises(exc.StateError) as illegal:
        state.peer_closed()  # no row leaves ERROR
    assert type(illegal.value) is exc.StateError
    assert state.recv is RecvState.ERROR
    with pytest.raises(exc.CannotSendRequest):
        state.start_request()


def test_readable_while_a_response_is_owed() -> None:
    state = state_in(recv=RecvState.AWAITING_HEAD)
    state.check_readable()
    state.final_head()
    state.check_readable()
    assert state.recv is RecvState.BODY


def test_state_object_current_and_repr() -> None:
    state = ConnectionState(HOST)
    state.start_request()
    request = pending_request("HEAD", close=True)
    state.head_sent(request, has_body=False)
    assert state.current() is request
    assert repr(state) == "<ConnectionState send=DONE recv=AWAITING_HEAD pending=1>"
    assert repr(request) == (
        "PendingRequest('HEAD', expect_continue=False, upgrade=False, close=True)"
    )


# ------------------------------------------------------------------ reuse flows


def test_plain_exchange_is_reusable_and_pipelining_keeps_order() -> None:
    codec = new_codec()
    get(codec)
    get(codec)
    assert not codec.is_reusable()
    events = respond(codec, OK_HELLO + b"HTTP/1.1 204 No Content\r\n\r\n")
    assert [type(event) for event in events] == [ResponseHead, Data, EndOfMessage]
    assert not codec.is_reusable()
    assert recv_state(codec) is RecvState.AWAITING_HEAD
    events = drain(codec)
    assert isinstance(events[0], ResponseHead)
    assert events[0].status == 204
    assert codec.is_reusable()
    assert snapshot(codec) == (SendState.IDLE, RecvState.IDLE, 0, True)


def test_early_final_response_during_upload() -> None:
    codec = new_codec()
    post(codec, 10)
    codec.send_data(b"12345")
    events = respond(codec, b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(events[0], ResponseHead)
    assert events[0].status == 413
    assert isinstance(events[-1], EndOfMessage)
    assert recv_state(codec) is RecvState.CLOSED
    assert send_state(codec) is SendState.BODY  # the caller decides: finish or abandon
    assert not codec.is_reusable()
    codec.send_data(b"67890")
    assert codec.end_request() == b""
    assert send_state(codec) is SendState.DONE
    assert not codec.is_reusable()
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_early_final_response_during_upload_then_abandon() -> None:
    codec = new_codec()
    post(codec, None)
    codec.send_data(b"abc")
    codec.receive_data(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n")
    head = codec.next_event()
    assert isinstance(head, ResponseHead)
    codec.abandon_request()
    assert send_state(codec) is SendState.DONE
    assert respond(codec, b"no") == [Data(data=b"no"), EndOfMessage(trailers=Headers())]
    assert recv_state(codec) is RecvState.CLOSED
    assert not codec.is_reusable()


def test_early_keep_alive_response_during_upload_still_closes() -> None:
    # Even a response announcing keep-alive cannot save a connection whose
    # request body was cut short (PROTOCOL-POLICY.md, "Connection reuse" 5).
    codec = new_codec()
    post(codec, 3)
    respond(codec, b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
    assert recv_state(codec) is RecvState.CLOSED
    codec.abandon_request()
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)


def test_response_after_the_whole_upload_is_reusable() -> None:
    codec = new_codec()
    post(codec, 3)
    codec.send_data(b"abc")
    codec.end_request()
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()


def test_expect_continue_100_allows_the_body() -> None:
    codec = new_codec()
    post(codec, 5, expect_continue=True)
    assert send_state(codec) is SendState.AWAITING_CONTINUE
    assert not codec.is_reusable()
    codec.receive_data(CONTINUE)
    event = codec.next_event()
    assert isinstance(event, Informational)
    assert event.status == 100
    assert send_state(codec) is SendState.BODY
    assert codec.next_event() is NEED_DATA
    codec.send_data(b"hello")
    codec.end_request()
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()


def test_expect_continue_body_after_a_wait_then_late_100() -> None:
    codec = new_codec()
    post(codec, 5, expect_continue=True)
    codec.continue_body()  # the I/O layer's timer ran out
    assert send_state(codec) is SendState.BODY
    codec.send_data(b"hel")
    # A late 100 is still the answer to this request's expectation.
    event = respond(codec, CONTINUE)
    assert [type(e) for e in event] == [Informational]
    assert send_state(codec) is SendState.BODY
    codec.send_data(b"lo")
    codec.end_request()
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()


def test_expect_continue_100_after_the_whole_body() -> None:
    codec = new_codec()
    post(codec, 2, expect_continue=True)
    codec.continue_body()
    codec.send_data(b"ab")
    codec.end_request()
    assert send_state(codec) is SendState.IDLE
    events = respond(codec, CONTINUE + OK_EMPTY)
    assert [type(e) for e in events] == [Informational, ResponseHead, EndOfMessage]
    assert codec.is_reusable()


def test_expect_continue_final_response_first_abandons_the_body() -> None:
    codec = new_codec()
    post(codec, 5, expect_continue=True)
    codec.receive_data(b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
    head = codec.next_event()
    assert isinstance(head, ResponseHead)
    assert head.status == 417
    assert send_state(codec) is SendState.DONE
    assert_refused(codec, lambda: codec.send_data(b"hello"), exc.StateError)
    assert_refused(codec, codec.continue_body, exc.StateError)
    assert isinstance(codec.next_event(), EndOfMessage)
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_unexpected_100_is_skipped() -> None:
    codec = new_codec()
    get(codec)
    events = respond(codec, CONTINUE + OK_EMPTY)
    assert [type(e) for e in events] == [ResponseHead, EndOfMessage]
    assert codec.is_reusable()


@pytest.mark.parametrize("value", ["close", "Close", "keep-alive, close", "foo,CLOSE"])
def test_connection_close_in_the_request(value: str) -> None:
    codec = new_codec()
    get(codec, [("Connection", value)])
    assert send_state(codec) is SendState.DONE
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    events = respond(codec, OK_EMPTY)  # the server did not repeat it: we said it
    assert isinstance(events[-1], EndOfMessage)
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_connection_close_in_a_request_with_body() -> None:
    codec = new_codec()
    post(codec, 1, headers=[("Connection", "close")])
    assert send_state(codec) is SendState.BODY
    codec.send_data(b"x")
    codec.end_request()
    assert send_state(codec) is SendState.DONE
    respond(codec, OK_EMPTY)
    assert not codec.is_reusable()


@pytest.mark.parametrize("value", ["keep-alive", "Upgrade", "closed", "x-close"])
def test_other_connection_tokens_keep_the_connection(value: str) -> None:
    codec = new_codec()
    get(codec, [("Connection", value)])
    assert send_state(codec) is SendState.IDLE
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()


def test_server_close_fails_pipelined_requests_as_unprocessed() -> None:
    codec = new_codec()
    get(codec)
    get(codec)
    get(codec)
    events = respond(codec, OK_CLOSE)
    assert [type(e) for e in events] == [ResponseHead, EndOfMessage]
    assert recv_state(codec) is RecvState.CLOSED
    assert send_state(codec) is SendState.DONE
    assert codec.pending == 2
    for _ in range(2):
        with pytest.raises(exc.ConnectionClosed) as info:
            codec.next_event()
        assert info.value.unprocessed
        assert info.value.host == HOST
    assert not codec.is_reusable()
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_server_close_while_a_pipelined_body_is_being_sent() -> None:
    codec = new_codec()
    get(codec)
    post(codec, 2)  # pipelined behind the GET, body still unsent
    respond(codec, OK_CLOSE)
    assert recv_state(codec) is RecvState.CLOSED
    assert send_state(codec) is SendState.BODY
    codec.send_data(b"ab")
    codec.end_request()
    # The sending half is idle, but the connection is closed.
    assert send_state(codec) is SendState.IDLE
    assert not codec.is_reusable()
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert info.value.unprocessed


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody",
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n\r\nbody",
        b"HTTP/1.0 200 OK\r\n\r\nbody",
    ],
    ids=["close", "close-among-tokens", "http-1.0"],
)
def test_announced_close_with_a_close_delimited_body(response: bytes) -> None:
    # The server said this is its last response (RFC 9112 §9.6): requests
    # pipelined behind it were not processed, however its body is delimited
    # (PROTOCOL-POLICY.md, "Connection reuse" 4).
    codec = new_codec()
    get(codec)
    get(codec)
    codec.receive_data(response)
    codec.receive_eof()
    assert [type(e) for e in drain(codec)] == [ResponseHead, Data, EndOfMessage]
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert info.value.unprocessed


def test_unannounced_close_may_have_read_pipelined_requests() -> None:
    # A body that merely ran until close says nothing of what the server read.
    codec = new_codec()
    get(codec)
    get(codec)
    codec.receive_data(b"HTTP/1.1 200 OK\r\n\r\nbody")
    codec.receive_eof()
    assert [type(e) for e in drain(codec)] == [ResponseHead, Data, EndOfMessage]
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert not info.value.unprocessed
    assert info.value.host == HOST
    assert not codec.is_reusable()


def test_http_10_response_without_keep_alive_closes() -> None:
    codec = new_codec()
    get(codec)
    get(codec)
    respond(codec, b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert info.value.unprocessed


def test_eof_while_idle_is_not_reusable() -> None:
    codec = new_codec()
    get(codec)
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()
    codec.receive_eof()
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    codec.receive_eof()  # a second EOF changes nothing
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)


def test_eof_on_a_fresh_connection() -> None:
    codec = new_codec()
    codec.receive_eof(clean=False)
    assert not codec.is_reusable()
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


@pytest.mark.parametrize(
    "stray",
    [b"HTTP/1.1 408 Request Timeout\r\n\r\n", b"x", b"\r\n"],
)
def test_stray_bytes_while_idle_are_not_reusable(stray: bytes) -> None:
    codec = new_codec()
    get(codec)
    respond(codec, OK_EMPTY)
    assert codec.is_reusable()
    codec.receive_data(stray)
    assert not codec.is_reusable()
    assert codec.buffered == len(stray)
    assert send_state(codec) is SendState.IDLE
    assert recv_state(codec) is RecvState.IDLE


def test_bytes_after_a_complete_response_in_the_same_segment() -> None:
    codec = new_codec()
    get(codec)
    respond(codec, OK_EMPTY + b"junk")
    assert not codec.is_reusable()


def test_eof_while_a_request_is_being_sent() -> None:
    codec = new_codec()
    post(codec, 4)
    codec.receive_eof()
    # The codec waits for the parser to judge the EOF: no response came.
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert not info.value.unprocessed
    assert info.value.host == HOST
    # The error answered the request: nothing is owed any more, so the
    # connection layer may open a new connection for the next request.
    assert snapshot(codec) == (SendState.ERROR, RecvState.ERROR, 0, False)
    assert_refused(codec, lambda: codec.send_data(b"x"), exc.StateError)
    with pytest.raises(exc.StateError):
        codec.next_event()


def test_eof_after_a_close_delimited_body_while_sending() -> None:
    codec = new_codec()
    post(codec, 4)
    codec.receive_data(b"HTTP/1.1 500 Oops\r\n\r\nbody")
    assert [type(e) for e in drain(codec)] == [ResponseHead, Data]
    codec.receive_eof()
    assert [type(e) for e in drain(codec)] == [EndOfMessage]
    assert send_state(codec) is SendState.BODY
    assert recv_state(codec) is RecvState.CLOSED
    codec.receive_eof()  # EOF again while closed and still sending
    assert send_state(codec) is SendState.BODY
    codec.abandon_request()
    assert snapshot(codec) == (SendState.DONE, RecvState.CLOSED, 0, False)


def test_error_makes_the_codec_unusable() -> None:
    codec = new_codec()
    get(codec)
    codec.receive_data(b"NOT HTTP\r\n\r\n")
    with pytest.raises(exc.BadStatusLine) as info:
        codec.next_event()
    assert info.value.host == HOST
    # The error answers the request: nothing is owed on a failed codec.
    assert snapshot(codec) == (SendState.ERROR, RecvState.ERROR, 0, False)
    for _ in range(2):
        with pytest.raises(exc.StateError) as state_info:
            codec.next_event()
        assert type(state_info.value) is exc.StateError
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
    codec.receive_eof()
    assert recv_state(codec) is RecvState.ERROR


def test_switch_ends_http_on_the_connection() -> None:
    codec = new_codec()
    get(codec, UPGRADE)
    respond(codec, SWITCHING)
    assert recv_state(codec) is RecvState.SWITCHED
    assert send_state(codec) is SendState.DONE
    assert codec.pending == 0
    assert not codec.is_reusable()
    assert_refused(codec, codec.next_event, exc.StateError)
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)


def test_switch_while_the_upgrade_body_is_being_sent() -> None:
    codec = new_codec()
    post(codec, 2, headers=UPGRADE)
    respond(codec, SWITCHING)
    assert recv_state(codec) is RecvState.SWITCHED
    assert send_state(codec) is SendState.BODY
    codec.send_data(b"ab")
    codec.end_request()
    assert not codec.is_reusable()
    assert_refused(codec, lambda: get(codec), exc.CannotSendRequest)
