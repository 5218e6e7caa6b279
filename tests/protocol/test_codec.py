"""The receiving side of :class:`ClientCodec` beyond ``next_event``: zero-copy paths and more.

``readinto`` copies buffered body bytes into the caller's buffer;
``direct_read_limit`` / ``received_direct`` let the transport write body
bytes straight into it. Both must give exactly the body ``next_event`` would
give, with framing removed, and neither may let the parser's books drift.
Also here: protocol switches and ``trailing_data``, EOF handling, interim
responses, the lenient profile, and the codec's inspection surface.
"""

from __future__ import annotations

import contextlib
import http
from array import array

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.headers import Headers
from aiohttpcore.protocol import (
    NEED_DATA,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    NeedData,
    ParserLimits,
    Profile,
    RecvState,
    ResponseHead,
    SendState,
)

HOST = "codec.test"
Event = ResponseHead | Informational | Data | EndOfMessage
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
UPGRADE = [("Connection", "Upgrade"), ("Upgrade", "websocket")]
SWITCHING = (
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
)


def codec_for(
    method: str = "GET",
    target: str = "/",
    headers: list[tuple[str, str]] | None = None,
    *,
    profile: Profile = Profile.STRICT,
    limits: ParserLimits | None = None,
    surface_informational: bool = False,
    body_length: int | None = 0,
    expect_continue: bool = False,
) -> ClientCodec:
    codec = ClientCodec(
        HOST,
        profile=profile,
        limits=limits or ParserLimits(),
        surface_informational=surface_informational,
    )
    codec.send_request(
        method,
        target,
        headers,
        host_header=HOST,
        body_length=body_length,
        expect_continue=expect_continue,
    )
    if body_length and not expect_continue:
        codec.send_data(b"x" * body_length)
        codec.end_request()
    return codec


def next_head(codec: ClientCodec) -> ResponseHead:
    event = codec.next_event()
    assert isinstance(event, ResponseHead)
    return event


def events_until_end(codec: ClientCodec) -> list[Event]:
    out: list[Event] = []
    while True:
        event = codec.next_event()
        assert event is not NEED_DATA, out
        assert not isinstance(event, NeedData)
        out.append(event)
        if isinstance(event, EndOfMessage):
            return out


def body_by_readinto(codec: ClientCodec, size: int) -> tuple[bytes, list[int]]:
    """The rest of the body read by readinto into a buffer of *size*; NEED_DATA is an error."""
    body = bytearray()
    counts: list[int] = []
    buffer = bytearray(size)
    while True:
        result = codec.readinto(buffer)
        if isinstance(result, EndOfMessage):
            return bytes(body), counts
        assert isinstance(result, int), result
        assert 0 < result <= size
        counts.append(result)
        body += buffer[:result]


# ------------------------------------------------------------------ readinto


def test_readinto_bytearray_partial_fills() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
    next_head(codec)
    assert body_by_readinto(codec, 4) == (b"0123456789", [4, 4, 2])
    assert codec.is_reusable()


def test_readinto_buffer_larger_than_the_body() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    next_head(codec)
    buffer = bytearray(b"-" * 8)
    assert codec.readinto(buffer) == 3
    assert buffer == b"abc-----"
    assert codec.readinto(buffer) == EndOfMessage(trailers=Headers())
    assert codec.is_reusable()


def test_readinto_memoryview_slice() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef")
    next_head(codec)
    storage = bytearray(b"." * 10)
    assert codec.readinto(memoryview(storage)[2:6]) == 4
    assert storage == b"..abcd...."
    assert codec.readinto(memoryview(storage)[8:]) == 2
    assert storage == b"..abcd..ef"
    assert isinstance(codec.readinto(memoryview(storage)), EndOfMessage)


def test_readinto_multibyte_memoryview_counts_bytes() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
    next_head(codec)
    words = array("H", [0, 0, 0])
    assert codec.readinto(memoryview(words)) == 6
    assert words.tobytes() == b"012345"
    assert codec.readinto(memoryview(words)) == 4
    assert words.tobytes()[:4] == b"6789"


def test_readinto_need_data_and_arrival_in_pieces() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
    next_head(codec)
    buffer = bytearray(10)
    assert codec.readinto(buffer) == 2
    assert codec.readinto(buffer) is NEED_DATA
    codec.receive_data(b"cde")
    assert codec.readinto(buffer) == 3
    assert buffer[:3] == b"cde"
    assert isinstance(codec.readinto(buffer), EndOfMessage)


def test_readinto_removes_chunked_framing() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n")
    next_head(codec)
    buffer = bytearray(100)
    assert codec.readinto(buffer) == 5
    assert buffer[:5] == b"hello"
    assert codec.readinto(buffer) == 3
    assert buffer[:3] == b"abc"
    end = codec.readinto(buffer)
    assert end == EndOfMessage(trailers=Headers([("X-T", "1")]))
    assert codec.is_reusable()


def test_readinto_chunked_small_buffer_and_need_data() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"a\r\n0123")
    next_head(codec)
    buffer = bytearray(3)
    assert codec.readinto(buffer) == 3
    assert codec.readinto(buffer) == 1
    assert codec.readinto(buffer) is NEED_DATA
    codec.receive_data(b"456789\r\n0\r\n\r\n")
    assert body_by_readinto(codec, 3) == (b"456789", [3, 3])


def test_readinto_until_close() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\n\r\nsome body")
    next_head(codec)
    buffer = bytearray(4)
    assert codec.readinto(buffer) == 4
    assert codec.readinto(buffer) == 4
    assert codec.readinto(buffer) == 1
    assert codec.readinto(buffer) is NEED_DATA
    codec.receive_eof()
    assert isinstance(codec.readinto(buffer), EndOfMessage)
    assert not codec.is_reusable()


def test_readinto_bodiless_response() -> None:
    codec = codec_for("HEAD")
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    next_head(codec)
    assert isinstance(codec.readinto(bytearray(10)), EndOfMessage)
    assert codec.is_reusable()


def test_readinto_mixes_with_next_event() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"6\r\nabcdef\r\n0\r\n\r\n")
    next_head(codec)
    buffer = bytearray(2)
    assert codec.readinto(buffer) == 2
    assert codec.next_event() == Data(data=b"cdef")
    assert isinstance(codec.readinto(buffer), EndOfMessage)


@pytest.mark.parametrize("when", ["fresh", "awaiting head", "idle again", "switched"])
def test_readinto_outside_a_body_is_a_state_error(when: str) -> None:
    if when == "fresh":
        codec = ClientCodec(HOST)
    elif when == "awaiting head":
        codec = codec_for()
    elif when == "idle again":
        codec = codec_for()
        codec.receive_data(b"HTTP/1.1 204 No Content\r\n\r\n")
        events_until_end(codec)
    else:
        codec = codec_for(headers=UPGRADE)
        codec.receive_data(SWITCHING)
        next_head(codec)
    before = (codec.send_state, codec.recv_state, codec.buffered)
    with pytest.raises(exc.StateError) as info:
        codec.readinto(bytearray(10))
    assert type(info.value) is exc.StateError
    assert info.value.host == HOST
    assert (codec.send_state, codec.recv_state, codec.buffered) == before


def test_readinto_framing_error_makes_the_codec_unusable() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"zz\r\n")
    next_head(codec)
    with pytest.raises(exc.FramingError) as info:
        codec.readinto(bytearray(10))
    assert info.value.host == HOST
    assert codec.recv_state is RecvState.ERROR
    assert not codec.is_reusable()
    with pytest.raises(exc.StateError):
        codec.readinto(bytearray(10))


def test_readinto_incomplete_read() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    next_head(codec)
    assert codec.readinto(bytearray(10)) == 3
    codec.receive_eof()
    with pytest.raises(exc.IncompleteRead) as info:
        codec.readinto(bytearray(10))
    assert info.value.expected == 7
    assert info.value.host == HOST
    assert codec.recv_state is RecvState.ERROR


# ------------------------------------------------------------------ direct reads


def test_direct_read_limit_is_the_remaining_content_length() -> None:
    codec = codec_for()
    assert codec.direct_read_limit() == 0  # no head yet
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    assert codec.direct_read_limit() == 0
    next_head(codec)
    assert codec.direct_read_limit() == 10
    codec.received_direct(4)
    assert codec.direct_read_limit() == 6
    codec.receive_data(b"xy")
    assert codec.direct_read_limit() == 0  # buffered bytes come first
    assert codec.readinto(bytearray(10)) == 2
    assert codec.direct_read_limit() == 4
    codec.received_direct(4)
    assert codec.direct_read_limit() == 0
    assert codec.next_event() == EndOfMessage(trailers=Headers())
    assert codec.is_reusable()
    assert codec.direct_read_limit() == 0


def test_direct_read_limit_is_the_rest_of_the_chunk() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD)
    next_head(codec)
    assert codec.direct_read_limit() == 0  # a chunk-size line comes next
    codec.receive_data(b"8\r\n")
    assert codec.direct_read_limit() == 0  # buffered framing
    assert codec.next_event() is NEED_DATA
    assert codec.direct_read_limit() == 8
    codec.received_direct(5)
    assert codec.direct_read_limit() == 3
    codec.received_direct(3)
    assert codec.direct_read_limit() == 0  # the CRLF after the data comes next
    codec.receive_data(b"\r\n2\r\nab\r\n0\r\n\r\n")
    assert codec.next_event() == Data(data=b"ab")
    assert codec.next_event() == EndOfMessage(trailers=Headers())
    assert codec.is_reusable()


def test_direct_read_limit_until_close_is_large() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")
    next_head(codec)
    limit = codec.direct_read_limit()
    assert limit >= 2**62
    codec.received_direct(1 << 20)
    assert codec.direct_read_limit() == limit
    codec.receive_data(b"z")
    assert codec.direct_read_limit() == 0
    assert codec.next_event() == Data(data=b"z")
    codec.receive_eof()
    assert isinstance(codec.next_event(), EndOfMessage)


def test_direct_read_limit_of_a_bodiless_response() -> None:
    codec = codec_for("HEAD")
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    next_head(codec)
    assert codec.direct_read_limit() == 0
    assert isinstance(codec.next_event(), EndOfMessage)


@pytest.mark.parametrize("count", [-1, 11, 2**62])
def test_received_direct_with_a_bad_count(count: int) -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    next_head(codec)
    with pytest.raises(exc.StateError) as info:
        codec.received_direct(count)
    assert info.value.host == HOST
    assert codec.direct_read_limit() == 10


def test_received_direct_while_bytes_are_buffered() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
    next_head(codec)
    with pytest.raises(exc.StateError):
        codec.received_direct(1)
    assert codec.next_event() == Data(data=b"ab")


def test_received_direct_outside_a_body() -> None:
    codec = codec_for()
    with pytest.raises(exc.StateError):
        codec.received_direct(1)
    codec.receive_data(CHUNKED_HEAD)
    next_head(codec)
    with pytest.raises(exc.StateError):
        codec.received_direct(1)  # the chunk-size line is next, not data


def zero_direct(codec: ClientCodec) -> None:
    """``received_direct(0)``: allowed as a no-op or refused with StateError, nothing else."""
    with contextlib.suppress(exc.StateError):
        codec.received_direct(0)


def test_received_direct_zero_on_a_fresh_codec() -> None:
    codec = ClientCodec(HOST)
    zero_direct(codec)
    assert codec.is_reusable()


def test_received_direct_zero_before_a_bodiless_end() -> None:
    codec = codec_for("HEAD")
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    next_head(codec)
    zero_direct(codec)
    assert isinstance(codec.next_event(), EndOfMessage)


def test_received_direct_zero_between_chunks_changes_nothing() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD)
    next_head(codec)
    zero_direct(codec)  # the transport read nothing: the books must not move
    codec.receive_data(b"5\r\nhello\r\n0\r\n\r\n")
    assert codec.next_event() == Data(data=b"hello")
    assert codec.next_event() == EndOfMessage(trailers=Headers())


# ------------------------------------------------------------------ protocol switches


def test_trailing_data_after_101() -> None:
    codec = codec_for(headers=UPGRADE)
    codec.receive_data(SWITCHING + b"\x81\x05hello")
    head = next_head(codec)
    assert head.status == 101
    assert head.headers["upgrade"] == "websocket"
    assert codec.recv_state is RecvState.SWITCHED
    assert codec.trailing_data() == b"\x81\x05hello"
    assert codec.trailing_data() == b""  # handed over once
    assert codec.buffered == 0
    assert not codec.is_reusable()


def test_trailing_data_empty_after_101() -> None:
    codec = codec_for(headers=UPGRADE)
    codec.receive_data(SWITCHING)
    next_head(codec)
    assert codec.trailing_data() == b""


def test_101_after_interim_responses() -> None:
    codec = codec_for(headers=UPGRADE)
    codec.receive_data(b"HTTP/1.1 103 Early Hints\r\n\r\n" + SWITCHING + b"raw")
    assert next_head(codec).status == 101
    assert codec.trailing_data() == b"raw"


def test_101_without_an_upgrade_request_is_rejected() -> None:
    codec = codec_for()
    codec.receive_data(SWITCHING)
    with pytest.raises(exc.UnsupportedResponse) as info:
        codec.next_event()
    assert info.value.host == HOST
    assert codec.recv_state is RecvState.ERROR
    with pytest.raises(exc.StateError):
        codec.trailing_data()


def test_upgrade_request_answered_normally() -> None:
    codec = codec_for(headers=UPGRADE)
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, Data, EndOfMessage]
    assert codec.is_reusable()


@pytest.mark.parametrize("status", [200, 204, 299])
def test_trailing_data_after_connect_2xx(status: int) -> None:
    codec = codec_for("CONNECT", "origin.test:443")
    # RFC 9110 §9.3.6: a 2xx to CONNECT has no body, whatever it says; the
    # bytes after the head already belong to the tunnel.
    codec.receive_data(
        f"HTTP/1.1 {status} Connection established\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
        + b"\x16\x03\x01"
    )
    head = next_head(codec)
    assert head.status == status
    assert codec.recv_state is RecvState.SWITCHED
    assert codec.trailing_data() == b"\x16\x03\x01"
    codec.receive_eof()
    assert codec.recv_state is RecvState.SWITCHED


def test_connect_refused_is_an_ordinary_response() -> None:
    codec = codec_for("CONNECT", "origin.test:443")
    codec.receive_data(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny"
    )
    events = events_until_end(codec)
    assert [type(e) for e in events] == [ResponseHead, Data, EndOfMessage]
    assert codec.recv_state is RecvState.IDLE
    assert codec.is_reusable()
    with pytest.raises(exc.StateError):
        codec.trailing_data()


def test_trailing_data_before_a_switch() -> None:
    codec = ClientCodec(HOST)
    with pytest.raises(exc.StateError) as info:
        codec.trailing_data()
    assert info.value.host == HOST


# ------------------------------------------------------------------ EOF


def test_receive_data_after_eof_raises() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\n")
    codec.receive_eof()
    with pytest.raises(exc.StateError) as info:
        codec.receive_data(b"Content-Length: 0\r\n\r\n")
    assert info.value.host == HOST
    assert codec.buffered == len(b"HTTP/1.1 200 OK\r\n")


def test_eof_before_any_byte_is_connection_closed() -> None:
    codec = codec_for()
    codec.receive_eof()
    with pytest.raises(exc.ConnectionClosed) as info:
        codec.next_event()
    assert not info.value.unprocessed
    assert info.value.host == HOST
    assert codec.recv_state is RecvState.ERROR


def test_eof_inside_the_head_is_an_invalid_response() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-")
    assert codec.next_event() is NEED_DATA
    codec.receive_eof()
    with pytest.raises(exc.InvalidResponse) as info:
        codec.next_event()
    assert info.value.host == HOST
    assert not isinstance(info.value, exc.IncompleteRead)


def test_eof_inside_a_chunked_body() -> None:
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"5\r\nhel")
    next_head(codec)
    assert codec.next_event() == Data(data=b"hel")
    codec.receive_eof()
    with pytest.raises(exc.IncompleteRead) as info:
        codec.next_event()
    assert info.value.expected is None
    assert info.value.host == HOST


def test_eof_after_the_last_chunk_without_final_crlf() -> None:
    # PROTOCOL-POLICY.md: "0\r\n" then EOF delivers the body, and no reuse.
    codec = codec_for()
    codec.receive_data(CHUNKED_HEAD + b"3\r\nabc\r\n0\r\n")
    next_head(codec)
    assert codec.next_event() == Data(data=b"abc")
    assert codec.next_event() is NEED_DATA
    codec.receive_eof()
    assert codec.next_event() == EndOfMessage(trailers=Headers())
    assert not codec.is_reusable()


def test_close_delimited_body_and_tls_truncation() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\n\r\nbody")
    next_head(codec)
    assert codec.next_event() == Data(data=b"body")
    codec.receive_eof(clean=False)
    with pytest.raises(exc.IncompleteRead) as info:
        codec.next_event()
    assert info.value.host == HOST

    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\n\r\nbody")
    codec.receive_eof(clean=True)
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, Data, EndOfMessage]
    assert codec.recv_state is RecvState.CLOSED


def test_unclean_eof_after_a_complete_length_body_is_ignored() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    codec.receive_eof(clean=False)
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, Data, EndOfMessage]
    assert not codec.is_reusable()


# ------------------------------------------------------------------ interim responses


def test_informational_skipped_by_default() -> None:
    codec = codec_for()
    codec.receive_data(
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, EndOfMessage]


def test_surface_informational() -> None:
    codec = codec_for(surface_informational=True)
    codec.receive_data(
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 199 Whatever\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    events = events_until_end(codec)
    assert events[:3] == [
        Informational(
            status=103,
            reason="Early Hints",
            http_version=11,
            headers=Headers([("Link", "</s.css>; rel=preload")]),
        ),
        Informational(status=100, reason="Continue", http_version=11, headers=Headers()),
        Informational(status=199, reason="Whatever", http_version=11, headers=Headers()),
    ]
    first = events[0]
    assert isinstance(first, Informational)
    assert first.status is http.HTTPStatus.EARLY_HINTS
    unknown = events[2]
    assert isinstance(unknown, Informational)
    assert type(unknown.status) is int
    assert [type(e) for e in events[3:]] == [ResponseHead, EndOfMessage]


def test_100_returned_while_waiting_even_when_not_surfacing() -> None:
    codec = codec_for("PUT", body_length=3, expect_continue=True)
    codec.receive_data(b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n")
    event = codec.next_event()
    assert event == Informational(
        status=100, reason="Continue", http_version=11, headers=Headers()
    )
    assert codec.send_state is SendState.BODY


def test_too_many_interim_responses() -> None:
    limits = ParserLimits(max_informational=2)
    codec = codec_for(limits=limits, surface_informational=True)
    codec.receive_data(b"HTTP/1.1 103 A\r\n\r\nHTTP/1.1 103 B\r\n\r\nHTTP/1.1 103 C\r\n\r\n")
    assert isinstance(codec.next_event(), Informational)
    assert isinstance(codec.next_event(), Informational)
    with pytest.raises(exc.LimitExceeded) as info:
        codec.next_event()
    assert info.value.host == HOST
    assert codec.recv_state is RecvState.ERROR


def test_interim_budget_is_per_response() -> None:
    limits = ParserLimits(max_informational=2)
    codec = codec_for(limits=limits)
    codec.send_request("GET", "/", host_header=HOST)
    interim = b"HTTP/1.1 103 Early Hints\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    codec.receive_data((interim * 2 + final) * 2)
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, EndOfMessage]
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, EndOfMessage]
    assert codec.is_reusable()


def test_too_many_skipped_interim_responses() -> None:
    codec = codec_for(limits=ParserLimits(max_informational=2))
    codec.receive_data(b"HTTP/1.1 103 Early Hints\r\n\r\n" * 3)
    with pytest.raises(exc.LimitExceeded):
        codec.next_event()


# ------------------------------------------------------------------ heads and bodies


def test_status_values() -> None:
    codec = codec_for()
    codec.send_request("GET", "/", host_header=HOST)
    codec.receive_data(
        b"HTTP/1.1 404 Not Here\r\nContent-Length: 0\r\n\r\n"
        b"HTTP/1.0 299 Custom\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
    )
    head = next_head(codec)
    assert head.status is http.HTTPStatus.NOT_FOUND
    assert (head.reason, head.http_version) == ("Not Here", 11)
    codec.next_event()
    head = next_head(codec)
    assert head.status == 299
    assert type(head.status) is int
    assert (head.reason, head.http_version) == ("Custom", 10)
    assert head.headers.getall("connection") == ["keep-alive"]
    assert isinstance(codec.next_event(), EndOfMessage)
    assert codec.is_reusable()


def test_large_and_small_body_pieces() -> None:
    body = bytes(range(256)) * 40  # 10240 bytes
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10241\r\n\r\n" + body)
    next_head(codec)
    assert codec.next_event() == Data(data=body)
    codec.receive_data(b"!")
    assert codec.next_event() == Data(data=b"!")
    assert isinstance(codec.next_event(), EndOfMessage)

    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + body)
    next_head(codec)
    assert codec.next_event() == Data(data=body[:3000])
    assert isinstance(codec.next_event(), EndOfMessage)
    assert codec.buffered == len(body) - 3000
    assert not codec.is_reusable()  # stray bytes after the response

    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + body[:50])
    next_head(codec)
    assert codec.next_event() == Data(data=body[:10])


def test_framing_error_names_the_host() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
    with pytest.raises(exc.FramingError) as info:
        codec.next_event()
    assert info.value.host == HOST
    assert HOST in str(info.value)
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
    with pytest.raises(exc.UnknownTransferEncoding) as unknown:
        codec.next_event()
    assert unknown.value.host == HOST


def test_bytes_like_input() -> None:
    codec = codec_for()
    codec.receive_data(bytearray(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"))
    codec.receive_data(memoryview(b"xxabcd")[2:])
    assert [type(e) for e in events_until_end(codec)] == [ResponseHead, Data, EndOfMessage]


# ------------------------------------------------------------------ profiles


def test_lenient_and_strict_status_line_without_reason() -> None:
    data = b"HTTP/1.1 204\r\n\r\n"
    strict = codec_for()
    strict.receive_data(data)
    with pytest.raises(exc.BadStatusLine):
        strict.next_event()
    lenient = codec_for(profile=Profile.LENIENT)
    lenient.receive_data(data)
    head = next_head(lenient)
    assert (head.status, head.reason) == (204, "")
    # A line the lenient profile accepted must not be accepted by a strict
    # codec afterwards, whatever either remembers.
    again = codec_for()
    again.receive_data(data)
    with pytest.raises(exc.BadStatusLine):
        again.next_event()


def test_lenient_skips_malformed_lines_and_counts_them() -> None:
    data = (
        b"HTTP/1.1 200 OK\r\n"
        b"no colon here\r\n"
        b" continuation of a skipped line\r\n"
        b"X-Good: 1\r\n"
        b"Bad Name: 2\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    lenient = codec_for(profile=Profile.LENIENT)
    assert lenient.skipped_lines == 0
    lenient.receive_data(data)
    head = next_head(lenient)
    assert head.headers == Headers([("X-Good", "1"), ("Content-Length", "0")])
    assert lenient.skipped_lines == 3
    assert isinstance(lenient.next_event(), EndOfMessage)
    lenient.send_request("GET", "/", host_header=HOST)
    lenient.receive_data(data)
    next_head(lenient)
    assert lenient.skipped_lines == 6  # counted over the connection's life

    strict = codec_for()
    strict.receive_data(data)
    with pytest.raises(exc.InvalidHeader):
        strict.next_event()
    assert strict.skipped_lines == 0


def test_lenient_strips_whitespace_before_the_colon() -> None:
    data = b"HTTP/1.1 200 OK\r\nX-Spaced : v\r\nContent-Length: 0\r\n\r\n"
    lenient = codec_for(profile=Profile.LENIENT)
    lenient.receive_data(data)
    head = next_head(lenient)
    assert head.headers.multi_items() == [("X-Spaced", "v"), ("Content-Length", "0")]
    strict = codec_for()
    strict.receive_data(data)
    with pytest.raises(exc.InvalidHeader):
        strict.next_event()


@pytest.mark.parametrize("line", [b"Content-Length 5", b"Transfer-Encoding chunked"])
def test_lenient_never_skips_a_malformed_framing_header(line: bytes) -> None:
    codec = codec_for(profile=Profile.LENIENT)
    codec.receive_data(b"HTTP/1.1 200 OK\r\n" + line + b"\r\n\r\n")
    with pytest.raises(exc.FramingError):
        codec.next_event()


def test_lenient_reads_an_unknown_coding_until_close() -> None:
    codec = codec_for(profile=Profile.LENIENT)
    codec.receive_data(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b")
    codec.receive_eof()
    events = events_until_end(codec)
    assert events[1:] == [Data(data=b"\x1f\x8b"), EndOfMessage(trailers=Headers())]


# ------------------------------------------------------------------ inspection


def test_properties_and_repr() -> None:
    codec = ClientCodec("example.org:8443")
    assert codec.host == "example.org:8443"
    assert codec.send_state is SendState.IDLE
    assert codec.recv_state is RecvState.IDLE
    assert (codec.pending, codec.buffered, codec.skipped_lines) == (0, 0, 0)
    assert codec.is_reusable()
    text = repr(codec)
    for part in ("ClientCodec", "'example.org:8443'", "IDLE", "pending=0", "buffered=0"):
        assert part in text
    codec.send_request("POST", "/", host_header="example.org:8443", body_length=3)
    codec.receive_data(b"HTTP/1.1")
    assert (codec.pending, codec.buffered) == (1, 8)
    text = repr(codec)
    for part in ("send=BODY", "recv=AWAITING_HEAD", "pending=1", "buffered=8"):
        assert part in text
    assert repr(NEED_DATA) == "NEED_DATA"
    assert ClientCodec().host is None
    with pytest.raises(exc.ResponseNotReady) as info:
        ClientCodec().next_event()
    assert info.value.host is None


# ------------------------------------------------------------------ many distinct lines


def test_many_distinct_names_lines_and_status_lines() -> None:
    # Whatever the parser remembers between heads (it sees the same lines
    # again and again), thousands of distinct ones must parse the same.
    for profile in (Profile.STRICT, Profile.LENIENT):
        codec = ClientCodec(HOST, profile=profile)
        for response in range(60):
            codec.send_request("GET", "/", host_header=HOST)
            fields = [(f"X-{response}-{index}", f"v{index}") for index in range(100)]
            data = f"HTTP/1.1 200 Reason {response}\r\n".encode()
            data += b"".join(f"{n}: {v}\r\n".encode() for n, v in fields)
            data += b"Content-Length: 0\r\n\r\n"
            codec.receive_data(data)
            head = next_head(codec)
            assert head.reason == f"Reason {response}"
            assert head.headers.multi_items() == [*fields, ("Content-Length", "0")]
            assert isinstance(codec.next_event(), EndOfMessage)
        for response in range(300):
            codec.send_request("GET", "/", host_header=HOST)
            codec.receive_data(f"HTTP/1.1 204 R{response}\r\n\r\n".encode())
            assert next_head(codec).reason == f"R{response}"
            assert isinstance(codec.next_event(), EndOfMessage)
        assert codec.is_reusable()
    # Still strict after all that: a bad line is rejected, a good one parsed.
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nX-0-1 : v1\r\n\r\n")
    with pytest.raises(exc.InvalidHeader):
        codec.next_event()
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 Reason 1\r\nX-1-1: v1\r\nContent-Length: 0\r\n\r\n")
    assert next_head(codec).headers["x-1-1"] == "v1"


# ---------------------------------------------------------------- what the I/O layer asks


def _remaining(codec: ClientCodec) -> int | None:
    return codec.body_remaining  # a call, so that no check narrows the next one


def test_body_remaining_counts_down_a_known_length_and_is_none_otherwise() -> None:
    codec = ClientCodec(HOST)
    assert _remaining(codec) is None  # nothing is being sent
    codec.send_request("PUT", "/", host_header=HOST, body_length=5)
    assert _remaining(codec) == 5
    codec.send_data(b"abc")
    assert _remaining(codec) == 2
    codec.send_data(b"de")
    assert _remaining(codec) == 0
    codec.end_request()
    assert _remaining(codec) is None
    codec.receive_data(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert isinstance(codec.next_event(), ResponseHead)
    assert isinstance(codec.next_event(), EndOfMessage)
    codec.send_request("POST", "/", host_header=HOST, body_length=None)
    assert _remaining(codec) is None  # chunked: open length


@pytest.mark.parametrize(
    ("method", "response", "empty"),
    [
        ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", True),
        ("GET", b"HTTP/1.1 204 No Content\r\n\r\n", True),
        ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", True),
        ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", False),
        ("GET", CHUNKED_HEAD, False),
        ("GET", b"HTTP/1.0 200 OK\r\n\r\n", False),
    ],
)
def test_body_known_empty_only_when_no_byte_can_follow(
    method: str, response: bytes, empty: bool
) -> None:
    codec = ClientCodec(HOST)
    codec.send_request(method, "/", host_header=HOST)
    assert codec.body_known_empty() is False  # no head yet
    codec.receive_data(response)
    assert isinstance(codec.next_event(), ResponseHead)
    assert codec.body_known_empty() is empty


# ------------------------------------------------------------------ whole_body


def test_whole_body_takes_a_complete_length_body_and_ends_the_message() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    next_head(codec)
    assert codec.whole_body() == b"hello"
    assert codec.recv_state is RecvState.IDLE
    assert codec.is_reusable()


def test_whole_body_leaves_what_follows_the_body_buffered() -> None:
    codec = codec_for()
    codec.send_request("GET", "/2", host_header=HOST)
    codec.receive_data(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyou"
    )
    next_head(codec)
    assert codec.whole_body() == b"hi"
    next_head(codec)
    assert codec.whole_body() == b"you"
    assert codec.is_reusable()


def test_whole_body_of_a_bodiless_response_is_empty() -> None:
    codec = codec_for("HEAD")
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    next_head(codec)
    assert codec.whole_body() == b""
    assert codec.is_reusable()


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",  # not all here yet
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    ],
    ids=["partial", "chunked", "until-close"],
)
def test_whole_body_declines_and_changes_nothing(response: bytes) -> None:
    codec = codec_for()
    codec.receive_data(response)
    next_head(codec)
    buffered = codec.buffered
    assert codec.whole_body() is None
    assert codec.recv_state is RecvState.BODY
    assert codec.buffered == buffered
    assert isinstance(codec.next_event(), Data)  # events go on as before


def test_whole_body_declines_before_the_head() -> None:
    codec = codec_for()
    codec.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert codec.whole_body() is None  # the head is not read yet
    next_head(codec)
    assert codec.whole_body() == b"hello"
