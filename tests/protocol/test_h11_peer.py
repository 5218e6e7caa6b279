"""Two peers: our ClientCodec against h11, an independent HTTP/1.1 implementation.

h11 is a test-only peer. As a server it parses what our writer emits and
emits the responses our parser reads; as a client it is a second parser whose
reading of the same response bytes ours must match. What the two must agree
on: method, target, header fields (names compared without case where h11
rewrites them, otherwise exactly, order and values kept), body bytes,
trailers, and whether the connection may carry another exchange (h11's
``our_state``/``their_state`` both ``DONE`` versus ``MUST_CLOSE``).

The generated messages stay on the ground both implementations accept
(PROTOCOL-POLICY.md allows more than h11 does in places):

* Field values never contain VT (0x0B) or FF (0x0C): h11 treats them as
  whitespace and rejects them inside a value, while the policy accepts
  "control characters other than NUL/CR/LF".
* Generated field names avoid the fields either side writes or interprets
  itself (framing, Host, Expect, Connection, Upgrade, TE, Trailer,
  Keep-Alive), so that what comes out can be predicted; the example tests
  cover those fields one by one.
* h11 only ever sends HTTP/1.1 responses; the HTTP/1.0 variants are an
  HTTP/1.0 *request* seen by h11, which then frames and closes as it must
  for an HTTP/1.0 peer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttpcore.exceptions import (
    ConnectionClosed,
    FramingError,
    HeadTooLarge,
    InvalidResponse,
    LimitExceeded,
    LineTooLong,
    TooManyHeaders,
)
from aiohttpcore.protocol import (
    NEED_DATA,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    RecvState,
    ResponseHead,
    SendState,
)

HOST = "peer.test"

Fields = tuple[tuple[str, str], ...]
Norm = tuple[object, ...]
"""A normalised event: ("info"|"head", ...), ("data", bytes), ("end", trailers)."""

# RFC 9110 §5.6.2.
TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Every octet but NUL, CR, LF and what h11 counts as whitespace (SP, HTAB, VT,
# FF): the characters of a field value between its internal blanks.
VALUE_CHARS = "".join(
    chr(c) for c in range(1, 256) if c not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20)
)
# Fields that the writer or h11 writes or interprets itself (module docstring).
MANAGED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "expect",
        "upgrade",
        "te",
        "trailer",
        "keep-alive",
    }
)
# Fields our writer adds when the caller did not give them.
WRITER_ADDS = frozenset({"host", "content-length", "transfer-encoding", "expect"})
# Fields h11 adds or rewrites in a response (framing and Connection: close).
H11_REWRITES = frozenset({"content-length", "transfer-encoding", "connection"})
# RFC 9110 §8.6 / PROTOCOL-API.md: an empty body of these is sent as no body.
NO_CONTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

ODD_FIELDS: Fields = (
    ("X-Empty", ""),
    ("X-Blanks", "a  b\t\tc \t d"),
    ("X-Obs-Text", "caf\xe9 \x80\xff"),
    ("X-Controls", "a\x01b\x07c\x1f\x7fd"),
    ("X-Punctuation", '"q,u;o=t:e" (c) <x> [y] {z} \\ / ? @'),
    ("x-lower", "v"),
    ("X-UPPER", "V"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2"),
    ("X-Colon", ":"),
    ("!#$%&'*+-.^_`|~", "token-characters"),
)


# ------------------------------------------------------------------ messages


@dataclass(frozen=True, slots=True, kw_only=True)
class Req:
    """A request as the caller gives it to the codec; ``pieces`` are the send_data calls."""

    method: str = "GET"
    target: str = "/"
    fields: Fields = ()
    pieces: tuple[bytes, ...] = ()
    chunked: bool = False
    trailers: Fields = ()
    expect_continue: bool = False

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resp:
    """A response as h11 is told to send it; ``pieces`` are the h11.Data events."""

    status: int = 200
    reason: str = "OK"
    fields: Fields = ()
    pieces: tuple[bytes, ...] = ()
    trailers: Fields = ()
    informational: tuple[tuple[int, str, Fields], ...] = ()

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)


@dataclass(frozen=True, slots=True)
class Seen:
    """A request as h11 (the server) parsed it; field names as on the wire."""

    method: str
    target: str
    http_version: str
    fields: Fields
    body: bytes
    trailers: Fields


def cut(data: bytes, positions: Iterable[int]) -> list[bytes]:
    """*data* split at *positions* (any order, repeats allowed); empty pieces dropped."""
    edges = [0, *sorted({min(max(p, 0), len(data)) for p in positions}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def latin1(fields: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in fields]


def h11_fields(headers: Any) -> Fields:
    """h11 headers with the names as sent (``raw_items``), decoded as ISO-8859-1."""
    return tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in headers.raw_items())


def lower_names(fields: Fields) -> Fields:
    return tuple((name.lower(), value) for name, value in fields)


def merge(events: Iterable[Norm]) -> list[Norm]:
    """Consecutive data events joined: only their concatenation means anything."""
    merged: list[Norm] = []
    for event in events:
        if event[0] == "data" and merged and merged[-1][0] == "data":
            previous = merged[-1][1]
            assert isinstance(previous, bytes)
            assert isinstance(event[1], bytes)
            merged[-1] = ("data", previous + event[1])
        else:
            merged.append(event)
    return merged


def lower_events(events: Iterable[Norm]) -> list[Norm]:
    """Events with every field name lower-cased, as h11 reports them."""
    out: list[Norm] = []
    for event in events:
        if event[0] in ("info", "head", "end"):
            fields = event[-1]
            assert isinstance(fields, tuple)
            out.append((*event[:-1], lower_names(fields)))
        else:
            out.append(event)
    return out


# ------------------------------------------------------------------ our side


def sending(codec: ClientCodec) -> SendState:
    """The send state, read afresh (mypy would keep an earlier narrowing of the property)."""
    return codec.send_state


def send_head(codec: ClientCodec, req: Req) -> bytes:
    return codec.send_request(
        req.method,
        req.target,
        list(req.fields),
        host_header=HOST,
        body_length=None if req.chunked else len(req.body),
        expect_continue=req.expect_continue,
    )


def send_body(codec: ClientCodec, req: Req) -> bytes:
    """The body's bytes as framed by the codec (nothing when the head announced none)."""
    if codec.send_state is not SendState.BODY:
        return b""
    out = bytearray()
    for piece in req.pieces:
        for part in codec.send_data(piece):
            assert isinstance(part, bytes | bytearray | memoryview)
            out += part
    out += codec.end_request(list(req.trailers) or None)
    # DONE when the request said Connection: close: it is the last one.
    assert sending(codec) in (SendState.IDLE, SendState.DONE)
    return bytes(out)


def write_request(codec: ClientCodec, req: Req) -> bytes:
    head = send_head(codec, req)
    assert codec.send_state is not SendState.AWAITING_CONTINUE
    return head + send_body(codec, req)


def normalise(event: object) -> Norm:
    if isinstance(event, ResponseHead):
        fields = tuple(event.headers.multi_items())
        return ("head", int(event.status), event.reason, event.http_version, fields)
    if isinstance(event, Informational):
        return ("info", int(event.status), event.reason, tuple(event.headers.multi_items()))
    if isinstance(event, Data):
        assert event.data, "a Data event carries at least one byte"
        return ("data", event.data)
    assert isinstance(event, EndOfMessage), event
    return ("end", tuple(event.trailers.multi_items()))


def codec_read(codec: ClientCodec, pieces: Iterable[bytes], *, eof: bool) -> list[Norm]:
    """Feed *pieces* (then EOF) and collect events until no response is owed; merged."""
    events: list[Norm] = []

    def pull() -> None:
        while codec.pending and codec.recv_state is not RecvState.SWITCHED:
            event = codec.next_event()
            if event is NEED_DATA:
                return
            events.append(normalise(event))

    pull()
    for piece in pieces:
        codec.receive_data(piece)
        pull()
    if eof:
        codec.receive_eof()
        pull()
    return merge(events)


# ------------------------------------------------------------------ h11's side


def h11_send(conn: h11.Connection, event: Any) -> bytes:
    data = conn.send(event)
    assert data is not None
    return bytes(data)


def h11_read_request(
    server: h11.Connection, pieces: Iterable[bytes], *, last: bool = True
) -> Seen:
    """Let the h11 server read one whole request from *pieces*.

    Unless more (pipelined) requests follow, no byte may be left over.
    """
    feed = iter(pieces)
    request: Any = None
    body = bytearray()
    while True:
        event = server.next_event()
        if event is h11.NEED_DATA:
            piece = next(feed, None)
            assert piece is not None, "h11 needs more bytes than the codec wrote"
            server.receive_data(piece)
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            trailers = h11_fields(event.headers)
            break
        else:  # pragma: no cover - a failure report
            raise AssertionError(f"unexpected h11 event {event!r}")
    if last:
        assert next(feed, None) is None, "the codec wrote bytes after the request"
        assert server.trailing_data == (b"", False)
    assert request is not None
    return Seen(
        method=request.method.decode("ascii"),
        target=request.target.decode("ascii"),
        http_version=request.http_version.decode("ascii"),
        fields=h11_fields(request.headers),
        body=bytes(body),
        trailers=trailers,
    )


def h11_respond(server: h11.Connection, resp: Resp) -> bytes:
    out = bytearray()
    for status, reason, fields in resp.informational:
        out += h11_send(
            server,
            h11.InformationalResponse(
                status_code=status, reason=reason.encode("latin-1"), headers=latin1(fields)
            ),
        )
    out += h11_send(
        server,
        h11.Response(
            status_code=resp.status,
            reason=resp.reason.encode("latin-1"),
            headers=latin1(resp.fields),
        ),
    )
    for piece in resp.pieces:
        out += h11_send(server, h11.Data(data=piece))
    out += h11_send(server, h11.EndOfMessage(headers=latin1(resp.trailers)))
    return bytes(out)


def h11_reusable(conn: h11.Connection) -> bool:
    """h11's keep-alive decision: only DONE/DONE may start the next cycle."""
    return conn.our_state is h11.DONE and conn.their_state is h11.DONE


def h11_client_view(
    method: str, wire: bytes, *, close: bool, eof: bool
) -> tuple[list[Norm], bool]:
    """How an h11 client reads *wire* as the answer to a *method* request; names lower-case."""
    client = h11.Connection(h11.CLIENT)
    request_fields = [("Host", HOST), *([("Connection", "close")] if close else [])]
    client.send(h11.Request(method=method, target="/", headers=request_fields))
    client.send(h11.EndOfMessage())
    client.receive_data(wire)
    if eof:
        client.receive_data(b"")
    events: list[Norm] = []
    while True:
        event = client.next_event()
        if isinstance(event, h11.InformationalResponse):
            reason = event.reason.decode("latin-1")
            events.append(("info", event.status_code, reason, h11_fields(event.headers)))
        elif isinstance(event, h11.Response):
            version = 10 if event.http_version == b"1.0" else 11
            fields = h11_fields(event.headers)
            reason = event.reason.decode("latin-1")
            events.append(("head", event.status_code, reason, version, fields))
        elif isinstance(event, h11.Data):
            events.append(("data", bytes(event.data)))
        elif isinstance(event, h11.EndOfMessage):
            events.append(("end", h11_fields(event.headers)))
            if eof:  # h11 notices the EOF queued behind the message on the next call
                assert isinstance(client.next_event(), h11.ConnectionClosed)
            break
        else:
            break
    return lower_events(merge(events)), h11_reusable(client)


# ------------------------------------------------------------------ checks


def expected_added(req: Req) -> list[tuple[str, str]]:
    """The fields the writer adds to *req* (PROTOCOL-API.md, send_request), lower-case names."""
    given_names = {name.lower() for name, _ in req.fields}
    added: list[tuple[str, str]] = []
    if "host" not in given_names:
        added.append(("host", HOST))
    if req.chunked:
        if "transfer-encoding" not in given_names and "content-length" not in given_names:
            added.append(("transfer-encoding", "chunked"))
    elif (
        req.body or req.method not in NO_CONTENT_METHODS
    ) and "content-length" not in given_names:
        added.append(("content-length", str(len(req.body))))
    if req.expect_continue and "expect" not in given_names:
        added.append(("expect", "100-continue"))
    return added


def assert_seen(seen: Seen, req: Req, *, http_version: str = "1.1") -> None:
    """h11 read exactly *req*, plus the fields the writer adds, and nothing else."""
    assert (seen.method, seen.target, seen.http_version) == (req.method, req.target, http_version)
    added_names = WRITER_ADDS - {name.lower() for name, _ in req.fields}
    assert [f for f in seen.fields if f[0].lower() not in added_names] == list(req.fields)
    added = [(n.lower(), v) for n, v in seen.fields if n.lower() in added_names]
    assert sorted(added) == sorted(expected_added(req))
    assert seen.body == req.body
    assert seen.trailers == req.trailers


def assert_response(events: list[Norm], resp: Resp, *, method: str, surface: bool) -> None:
    """Our events carry exactly what h11 was told to send (h11's framing fields aside)."""
    infos = [("info", s, r, f) for s, r, f in resp.informational if surface]
    assert events[: len(infos)] == infos
    head, *rest = events[len(infos) :]
    assert head[:4] == ("head", resp.status, resp.reason, 11)
    fields = head[4]
    assert isinstance(fields, tuple)
    assert [f for f in fields if f[0].lower() not in H11_REWRITES] == [
        f for f in resp.fields if f[0].lower() not in H11_REWRITES
    ]
    body = b"" if method == "HEAD" or resp.status in (204, 304) else resp.body
    assert rest == [*([("data", body)] if body else []), ("end", resp.trailers)]


def exchange(
    req: Req,
    resp: Resp,
    *,
    http10: bool = False,
    surface: bool = True,
    request_cuts: Sequence[int] = (),
    response_cuts: Sequence[int] = (),
) -> tuple[ClientCodec, h11.Connection, list[Norm], bytes]:
    """One whole exchange: our request to an h11 server, its response back to us.

    The server closes the connection (EOF) whenever h11 says it must.
    Returns our codec, the server, our events and the response bytes.
    """
    codec = ClientCodec(HOST, surface_informational=surface)
    wire = write_request(codec, req)
    if http10:
        wire = wire.replace(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", 1)
    server = h11.Connection(h11.SERVER)
    seen = h11_read_request(server, cut(wire, request_cuts))
    assert_seen(seen, req, http_version="1.0" if http10 else "1.1")
    response = h11_respond(server, resp)
    eof = server.our_state is h11.MUST_CLOSE
    events = codec_read(codec, cut(response, response_cuts), eof=eof)
    return codec, server, events, response


def check_exchange(
    req: Req,
    resp: Resp,
    *,
    http10: bool = False,
    surface: bool = True,
    request_cuts: Sequence[int] = (),
    response_cuts: Sequence[int] = (),
) -> tuple[ClientCodec, h11.Connection, list[Norm], bytes]:
    """Run :func:`exchange` and hold our reading against the intent and against h11's client."""
    codec, server, events, response = exchange(
        req,
        resp,
        http10=http10,
        surface=surface,
        request_cuts=request_cuts,
        response_cuts=response_cuts,
    )
    assert_response(events, resp, method=req.method, surface=surface)
    close = any(n.lower() == "connection" and v == "close" for n, v in req.fields)
    eof = server.our_state is h11.MUST_CLOSE
    theirs, _ = h11_client_view(req.method, response, close=close, eof=eof)
    if not surface:
        theirs = [event for event in theirs if event[0] != "info"]
    assert lower_events(events) == theirs
    assert codec.is_reusable() is h11_reusable(server), (codec, server.states)
    return codec, server, events, response


# ------------------------------------------------------------------ a. our requests, h11 reads


REQUESTS = {
    "get": Req(),
    "get-query": Req(target="/a/b;p?c=d&e=%20f&g=h/i?j#frag"),
    "head": Req(method="HEAD", target="/head"),
    "get-odd-fields": Req(target="/odd", fields=ODD_FIELDS),
    "post-length": Req(method="POST", target="/upload", pieces=(b"hello world",)),
    "post-empty": Req(method="POST", target="/empty"),
    "put-length-many-writes": Req(
        method="PUT", pieces=(b"", b"a", b"bc", b"", b"\x00\r\n\r\n0\r\n", b"x" * 5000)
    ),
    "delete-with-body": Req(method="DELETE", pieces=(b"gone",)),
    "get-with-body": Req(method="GET", pieces=(b"query",)),
    "patch-chunked": Req(
        method="PATCH", chunked=True, pieces=(b"", b"one", b"", b"two" * 100, b"\r\n0\r\n\r\n")
    ),
    "post-chunked-empty": Req(method="POST", chunked=True),
    "post-chunked-trailers": Req(
        method="POST",
        chunked=True,
        pieces=(b"abc", b"def"),
        trailers=(("X-Checksum", "abc123"), ("x-other", "1 2\t3"), ("X-Obs", "\xe9\xff")),
    ),
    "post-chunked-trailers-no-body": Req(
        method="POST", chunked=True, trailers=(("X-Checksum", "0"),)
    ),
    "options-star": Req(method="OPTIONS", target="*"),
    "connect": Req(method="CONNECT", target="example.org:443"),
    "extension-method": Req(method="PROPFIND", target="/dav/", pieces=(b"<xml/>",)),
    "lower-case-method": Req(method="get", target="/case"),
    "token-method": Req(method="!#$%&'*+-.^_`|~09azAZ", target="/"),
    "visible-target": Req(target="/" + "".join(chr(c) for c in range(0x21, 0x7F))),
    "own-host": Req(fields=(("Host", "other.test:8080"),)),
    "own-host-empty": Req(fields=(("X-Before", "1"), ("host", ""), ("X-After", "2"))),
    "own-content-length": Req(method="POST", fields=(("Content-Length", "3"),), pieces=(b"abc",)),
    "own-content-length-unknown-size": Req(
        method="POST", fields=(("content-length", "4"),), pieces=(b"ab", b"cd"), chunked=True
    ),
    "own-transfer-encoding": Req(
        method="POST", fields=(("Transfer-Encoding", "chunked"),), chunked=True, pieces=(b"xy",)
    ),
    "connection-close": Req(fields=(("Connection", "close"),)),
    "many-fields": Req(fields=tuple((f"X-Field-{i}", f"value {i}") for i in range(100))),
    "long-value": Req(fields=(("X-Long", "v" * 8000),)),
}


@pytest.mark.parametrize("req", REQUESTS.values(), ids=REQUESTS.keys())
def test_h11_server_reads_our_request(req: Req) -> None:
    codec = ClientCodec(HOST)
    wire = write_request(codec, req)
    server = h11.Connection(h11.SERVER)
    assert_seen(h11_read_request(server, [wire]), req)
    # And byte by byte: the head and framing do not depend on h11 seeing it whole.
    assert_seen(h11_read_request(h11.Connection(h11.SERVER), cut(wire, range(len(wire)))), req)


def test_httplib_steps_write_what_h11_reads() -> None:
    req = Req(method="POST", target="/steps", fields=ODD_FIELDS, pieces=(b"body",))
    codec = ClientCodec(HOST)
    codec.start_request(req.method, req.target)
    for name, value in req.fields:
        codec.add_header(name, value)
    head = codec.end_headers(host_header=HOST, body_length=len(req.body))
    wire = head + send_body(codec, req)
    assert_seen(h11_read_request(h11.Connection(h11.SERVER), [wire]), req)
    assert wire == write_request(ClientCodec(HOST), req)


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_expect_continue_then_100(chunked: bool) -> None:
    """Our head waits for 100; h11 sees the expectation, answers 100, then reads the body."""
    req = Req(
        method="PUT",
        target="/big",
        pieces=(b"payload", b"-more"),
        chunked=chunked,
        trailers=(("X-Sum", "1"),) if chunked else (),
        expect_continue=True,
    )
    codec = ClientCodec(HOST)
    head = send_head(codec, req)
    assert codec.send_state is SendState.AWAITING_CONTINUE
    server = h11.Connection(h11.SERVER)
    server.receive_data(head)
    request = server.next_event()
    assert isinstance(request, h11.Request)
    assert server.they_are_waiting_for_100_continue
    assert server.next_event() is h11.NEED_DATA

    interim = h11_send(server, h11.InformationalResponse(status_code=100, headers=[]))
    assert codec_read(codec, [interim], eof=False) == [("info", 100, "", ())]
    assert sending(codec) is SendState.BODY

    body = send_body(codec, req)
    server.receive_data(body)
    data = bytearray()
    while True:
        event = server.next_event()
        if isinstance(event, h11.EndOfMessage):
            break
        assert isinstance(event, h11.Data)
        data += event.data
    seen = Seen(
        "PUT", "/big", "1.1", h11_fields(request.headers), bytes(data), h11_fields(event.headers)
    )
    assert_seen(seen, req)

    resp = Resp(status=201, reason="Created", fields=(("Content-Length", "2"),), pieces=(b"ok",))
    events = codec_read(codec, [h11_respond(server, resp)], eof=False)
    assert_response(events, resp, method="PUT", surface=False)
    assert codec.is_reusable() is h11_reusable(server) is True


def test_expect_continue_answered_by_final_response() -> None:
    """h11 refuses the body with 417: we abandon it, and neither side reuses the connection."""
    req = Req(method="POST", pieces=(b"never sent",), expect_continue=True)
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    server.receive_data(send_head(codec, req))
    assert isinstance(server.next_event(), h11.Request)
    resp = Resp(
        status=417,
        reason="Expectation Failed",
        fields=(("Content-Length", "4"),),
        pieces=(b"nope",),
    )
    events = codec_read(codec, [h11_respond(server, resp)], eof=False)
    assert_response(events, resp, method="POST", surface=False)
    assert codec.send_state is SendState.DONE
    assert server.their_state is h11.SEND_BODY
    assert codec.is_reusable() is h11_reusable(server) is False


def test_expect_continue_timeout_sends_body_anyway() -> None:
    """continue_body() (the I/O layer gave up waiting): h11 reads the body without a 100."""
    req = Req(method="POST", pieces=(b"late",), expect_continue=True)
    codec = ClientCodec(HOST)
    head = send_head(codec, req)
    codec.continue_body()
    wire = head + send_body(codec, req)
    assert_seen(h11_read_request(h11.Connection(h11.SERVER), [wire]), req)


# ------------------------------------------------------------------ b. h11 responds, we read


RESPONSES = {
    "length": (Req(), Resp(fields=(("Content-Length", "5"),), pieces=(b"hello",))),
    "length-empty": (Req(), Resp(fields=(("Content-Length", "0"),))),
    "chunked": (Req(), Resp(pieces=(b"a", b"", b"bc" * 3000, b"\r\n0\r\n\r\n"))),
    "chunked-empty": (Req(), Resp()),
    "chunked-trailers": (
        Req(),
        Resp(pieces=(b"xyz",), trailers=(("X-Checksum", "9"), ("x-odd", "a \xe9\x01b"))),
    ),
    "odd-fields": (Req(), Resp(fields=ODD_FIELDS, pieces=(b"odd",))),
    "many-fields": (Req(), Resp(fields=tuple((f"X-F{i}", str(i)) for i in range(120)))),
    "no-content": (Req(), Resp(status=204, reason="No Content", fields=(("X-A", "1"),))),
    "not-modified": (
        Req(),
        Resp(status=304, reason="Not Modified", fields=(("ETag", '"abc"'),)),
    ),
    "not-modified-length": (
        Req(),
        Resp(status=304, reason="Not Modified", fields=(("Content-Length", "10"),)),
    ),
    "no-content-length": (
        Req(method="DELETE"),
        Resp(status=204, reason="No Content", fields=(("Content-Length", "0"),)),
    ),
    "not-found": (Req(), Resp(status=404, reason="Not Found", pieces=(b"missing",))),
    "empty-reason": (Req(), Resp(status=200, reason="", pieces=(b"x",))),
    "odd-reason": (Req(), Resp(status=599, reason="\xc7a  va\t!\x80", pieces=(b"x",))),
    "server-error": (Req(), Resp(status=503, reason="Service Unavailable")),
    "head-length": (
        Req(method="HEAD"),
        Resp(fields=(("Content-Length", "10"), ("Content-Type", "text/plain"))),
    ),
    "head-chunked": (Req(method="HEAD"), Resp()),
    "post": (
        Req(method="POST", pieces=(b"in",)),
        Resp(status=201, reason="Created", pieces=(b"out",)),
    ),
    "server-says-close": (
        Req(),
        Resp(fields=(("Connection", "close"), ("Content-Length", "2")), pieces=(b"ok",)),
    ),
    "server-says-close-chunked": (Req(), Resp(fields=(("Connection", "close"),), pieces=(b"ok",))),
    "client-says-close": (Req(fields=(("Connection", "close"),)), Resp(pieces=(b"bye",))),
    "informational": (
        Req(),
        Resp(
            informational=((103, "Early Hints", (("Link", "</s.css>; rel=preload"),)),),
            pieces=(b"x",),
        ),
    ),
    "informational-many": (
        Req(),
        Resp(
            informational=(
                (100, "Continue", ()),
                (102, "Processing", (("X-Progress", "1"),)),
                (103, "", (("Link", "</a>"), ("Link", "</b>"))),
                (199, "Misc", ()),
            ),
            fields=(("Content-Length", "1"),),
            pieces=(b"y",),
        ),
    ),
    "large-chunked": (Req(), Resp(pieces=tuple(bytes([i]) * 8192 for i in range(13)))),
}


@pytest.mark.parametrize("surface", [True, False], ids=["surface-1xx", "skip-1xx"])
@pytest.mark.parametrize(("req", "resp"), RESPONSES.values(), ids=RESPONSES.keys())
def test_we_read_h11_response(req: Req, resp: Resp, surface: bool) -> None:
    check_exchange(req, resp, surface=surface)


@pytest.mark.parametrize(("req", "resp"), RESPONSES.values(), ids=RESPONSES.keys())
def test_we_read_h11_response_byte_by_byte(req: Req, resp: Resp) -> None:
    check_exchange(req, resp, response_cuts=range(1, 200_000))


def x_fields(count: int) -> Fields:
    return tuple((f"X-F{i}", "v") for i in range(count))


LONG_NAME = "X-Long"
# PROTOCOL-POLICY.md, "Limits": a line is measured with its CRLF.
LINE_AT_LIMIT = 16 * 1024 - len(f"{LONG_NAME}: \r\n")
CL0 = (("Content-Length", "0"),)
# What h11 emits at each of the policy's limits and one step past it; None: accepted.
LIMIT_CASES: dict[str, tuple[Resp, type[InvalidResponse] | None]] = {
    "128-field-lines": (Resp(fields=x_fields(127) + CL0), None),
    "129-field-lines": (Resp(fields=x_fields(128) + CL0), TooManyHeaders),
    "line-at-limit": (Resp(fields=((LONG_NAME, "v" * LINE_AT_LIMIT), *CL0)), None),
    "line-over-limit": (Resp(fields=((LONG_NAME, "v" * (LINE_AT_LIMIT + 1)), *CL0)), LineTooLong),
    "head-under-limit": (
        Resp(fields=tuple((f"X-{i}", "v" * 15000) for i in range(6)) + CL0),
        None,
    ),
    "head-over-limit": (
        Resp(fields=tuple((f"X-{i}", "v" * 15000) for i in range(7)) + CL0),
        HeadTooLarge,
    ),
    "content-length-max": (Resp(fields=(("Content-Length", str(2**63 - 1)),)), None),
    "content-length-over": (Resp(fields=(("Content-Length", str(2**63)),)), FramingError),
    "100-interim": (Resp(informational=((103, "Early Hints", ()),) * 100, fields=CL0), None),
    "101-interim": (
        Resp(informational=((103, "Early Hints", ()),) * 101, fields=CL0),
        LimitExceeded,
    ),
}


@pytest.mark.parametrize("whole", [True, False], ids=["whole", "byte-by-byte"])
@pytest.mark.parametrize(("resp", "error"), LIMIT_CASES.values(), ids=LIMIT_CASES.keys())
def test_policy_limits_on_h11_heads(
    resp: Resp, error: type[InvalidResponse] | None, whole: bool
) -> None:
    """h11 emits heads at each limit: accepted at it, the policy's error one step past it."""
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    h11_read_request(server, [write_request(codec, Req())])
    wire = bytearray()
    for status, reason, fields in resp.informational:
        event = h11.InformationalResponse(
            status_code=status, reason=reason.encode("latin-1"), headers=latin1(fields)
        )
        wire += h11_send(server, event)
    wire += h11_send(
        server, h11.Response(status_code=resp.status, reason=b"OK", headers=latin1(resp.fields))
    )
    pieces = [bytes(wire)] if whole else cut(bytes(wire), range(len(wire)))

    def first_event() -> object:
        for piece in pieces:
            codec.receive_data(piece)
            event = codec.next_event()
            if event is not NEED_DATA:
                return event
        raise AssertionError("no event from a complete head")

    if error is None:
        head = first_event()
        assert isinstance(head, ResponseHead)
        assert tuple(head.headers.multi_items()) == resp.fields
    else:
        with pytest.raises(error) as raised:
            first_event()
        assert raised.value.host == HOST
        assert not codec.is_reusable()


HTTP10_RESPONSES = {
    "until-close": Resp(pieces=(b"abc", b"def")),
    "until-close-empty": Resp(),
    "length": Resp(fields=(("Content-Length", "3"),), pieces=(b"abc",)),
    "keep-alive-asked": Resp(
        fields=(("Connection", "keep-alive"), ("Content-Length", "1")), pieces=(b"k",)
    ),
    "no-content": Resp(status=204, reason="No Content"),
}


@pytest.mark.parametrize("resp", HTTP10_RESPONSES.values(), ids=HTTP10_RESPONSES.keys())
def test_h11_answers_an_http10_request(resp: Resp) -> None:
    """h11 frames for an HTTP/1.0 peer (no chunked, Connection: close): we never reuse."""
    codec, server, _, _ = check_exchange(Req(target="/ten"), resp, http10=True)
    assert server.our_state is h11.MUST_CLOSE
    assert not codec.is_reusable()


def test_upgrade_switches_both_sides() -> None:
    """101 answering a request that asked for an upgrade: both switch; later bytes are ours."""
    req = Req(fields=(("Connection", "Upgrade"), ("Upgrade", "echo/1")))
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    assert_seen(h11_read_request(server, [write_request(codec, req)]), req)
    fields = (("Upgrade", "echo/1"), ("Connection", "Upgrade"))
    wire = h11_send(
        server,
        h11.InformationalResponse(
            status_code=101, reason=b"Switching Protocols", headers=latin1(fields)
        ),
    )
    assert server.our_state is h11.SWITCHED_PROTOCOL
    events = codec_read(codec, [wire + b"\x00raw\r\n"], eof=False)
    assert events == [("head", 101, "Switching Protocols", 11, fields)]
    assert codec.recv_state is RecvState.SWITCHED
    assert codec.trailing_data() == b"\x00raw\r\n"
    assert not codec.is_reusable()


def test_connect_tunnel_switches_both_sides() -> None:
    req = Req(method="CONNECT", target="example.org:443")
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    assert_seen(h11_read_request(server, [write_request(codec, req)]), req)
    wire = h11_send(
        server, h11.Response(status_code=200, reason=b"Connection Established", headers=[])
    )
    assert server.our_state is h11.SWITCHED_PROTOCOL
    events = codec_read(codec, cut(wire + b"\x16\x03\x01", range(len(wire) + 3)), eof=False)
    assert events == [("head", 200, "Connection Established", 11, ())]
    assert codec.recv_state is RecvState.SWITCHED
    assert codec.trailing_data() == b"\x16\x03\x01"


def test_keep_alive_cycles_agree() -> None:
    """Several exchanges on one connection: both sides start each new cycle."""
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    for index in range(5):
        req = Req(
            method="POST", target=f"/{index}", pieces=(b"x" * index,), chunked=index % 2 == 1
        )
        assert_seen(h11_read_request(server, [write_request(codec, req)]), req)
        resp = Resp(pieces=(str(index).encode(),), trailers=(("X-I", str(index)),))
        events = codec_read(codec, [h11_respond(server, resp)], eof=False)
        assert_response(events, resp, method="POST", surface=False)
        assert codec.is_reusable() is h11_reusable(server) is True
        server.start_next_cycle()


PIPELINE = (
    (Req(target="/1"), Resp(pieces=(b"one",))),
    (
        Req(
            method="POST", target="/2", pieces=(b"a", b"b"), chunked=True, trailers=(("X-T", "t"),)
        ),
        Resp(fields=(("Content-Length", "3"),), pieces=(b"two",), trailers=()),
    ),
    (Req(method="HEAD", target="/3"), Resp(fields=(("Content-Length", "99"),))),
    (Req(method="PUT", target="/4", pieces=(b"four",)), Resp(status=204, reason="No Content")),
)


def split_responses(events: list[Norm]) -> list[list[Norm]]:
    """Our events grouped per response (each group ends with its end event)."""
    groups: list[list[Norm]] = [[]]
    for event in events:
        groups[-1].append(event)
        if event[0] == "end":
            groups.append([])
    assert groups.pop() == []
    return groups


@settings(max_examples=50, deadline=None)
@given(positions=st.lists(st.integers(0, 1000), max_size=20))
def test_pipelined_requests_answered_in_order(positions: list[int]) -> None:
    """Every request written before any response is read: each response pairs with its request.

    h11 serves the pipelined requests one cycle after another from its buffer.
    """
    codec = ClientCodec(HOST)
    wire = b"".join(write_request(codec, req) for req, _ in PIPELINE)
    assert codec.pending == len(PIPELINE)
    server = h11.Connection(h11.SERVER)
    server.receive_data(wire)
    responses = bytearray()
    for index, (req, resp) in enumerate(PIPELINE):
        assert_seen(h11_read_request(server, [], last=index == len(PIPELINE) - 1), req)
        responses += h11_respond(server, resp)
        assert h11_reusable(server)
        server.start_next_cycle()
    events = codec_read(codec, cut(bytes(responses), positions), eof=False)
    groups = split_responses(events)
    assert len(groups) == len(PIPELINE)
    for group, (req, resp) in zip(groups, PIPELINE, strict=True):
        assert_response(group, resp, method=req.method, surface=False)
    assert codec.is_reusable()


def test_pipelined_request_behind_a_close_is_unprocessed() -> None:
    """h11 closes after the second response and never reads the third request; we say so."""
    pipeline = [
        (Req(target="/1"), Resp(pieces=(b"one",))),
        (Req(target="/2"), Resp(fields=(("Connection", "close"),), pieces=(b"two",))),
        (Req(target="/3"), Resp()),
    ]
    codec = ClientCodec(HOST)
    requests = [write_request(codec, req) for req, _ in pipeline]
    server = h11.Connection(h11.SERVER)
    server.receive_data(b"".join(requests))
    responses = bytearray()
    for req, resp in pipeline[:2]:
        assert_seen(h11_read_request(server, [], last=False), req)
        responses += h11_respond(server, resp)
        if h11_reusable(server):
            server.start_next_cycle()
    assert server.our_state is h11.MUST_CLOSE
    assert server.trailing_data == (requests[2], False)  # read by nobody
    codec.receive_data(responses)
    events: list[Norm] = []
    while sum(event[0] == "end" for event in events) < 2:
        event = codec.next_event()
        assert event is not NEED_DATA
        events.append(normalise(event))
    for group, (req, resp) in zip(split_responses(events), pipeline, strict=False):
        assert_response(merge(group), resp, method=req.method, surface=False)
    with pytest.raises(ConnectionClosed) as raised:
        codec.next_event()
    assert raised.value.unprocessed
    assert raised.value.host == HOST
    assert not codec.is_reusable()


@pytest.mark.parametrize("eof", ["after-reading", "with-the-bytes"])
def test_pipelined_responses_then_server_closes(eof: str) -> None:
    """h11 answers both pipelined requests and the server then closes (no close announced).

    Both responses arrived before the EOF, so both are delivered, whenever
    the EOF is noticed; the connection is not reused afterwards.
    """
    pipeline = PIPELINE[:2]
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    server.receive_data(b"".join(write_request(codec, req) for req, _ in pipeline))
    responses = bytearray()
    for index, (req, resp) in enumerate(pipeline):
        assert_seen(h11_read_request(server, [], last=index == len(pipeline) - 1), req)
        responses += h11_respond(server, resp)
        server.start_next_cycle()
    if eof == "with-the-bytes":
        codec.receive_data(responses)
        codec.receive_eof()
        events = codec_read(codec, [], eof=False)
    else:
        events = codec_read(codec, [bytes(responses)], eof=True)
    groups = split_responses(events)
    assert len(groups) == len(pipeline)
    for group, (req, resp) in zip(groups, pipeline, strict=True):
        assert_response(group, resp, method=req.method, surface=False)
    assert codec.buffered == 0
    assert not codec.is_reusable()


@pytest.mark.parametrize("when", ["with-the-response", "after-end-of-message"])
@pytest.mark.parametrize(
    "resp",
    [
        Resp(fields=(("Content-Length", "2"),), pieces=(b"ok",)),
        Resp(pieces=(b"ok",)),
        Resp(status=204, reason="No Content"),
    ],
    ids=["length", "chunked", "no-content"],
)
def test_server_closes_after_keep_alive_response(resp: Resp, when: str) -> None:
    """A server may close after any response; once we saw EOF, nobody may reuse the connection.

    h11 (as client) reads the whole response and then says CLOSED; PROTOCOL-POLICY.md,
    "Connection reuse" 1: a connection is handed out only with "no EOF ... seen".
    """
    codec = ClientCodec(HOST)
    server = h11.Connection(h11.SERVER)
    h11_read_request(server, [write_request(codec, Req())])
    wire = h11_respond(server, resp)
    assert h11_reusable(server)
    theirs, h11_client_reusable = h11_client_view("GET", wire, close=False, eof=True)
    assert not h11_client_reusable
    if when == "with-the-response":
        codec.receive_data(wire)
        codec.receive_eof()
        events = codec_read(codec, [], eof=False)
    else:
        events = codec_read(codec, [wire], eof=True)
    assert lower_events(events) == theirs
    assert not codec.is_reusable()


# ------------------------------------------------------------------ c. generated messages

tokens = st.text(alphabet=TCHAR, min_size=1, max_size=12)
field_names = tokens.filter(lambda name: name.lower() not in MANAGED)
methods = st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]),
    tokens.filter(lambda method: method not in {"CONNECT", "HEAD"}),
)
targets = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], max_size=40).map(lambda t: "/" + t)
blanks = st.sampled_from([" ", "\t", "  ", " \t ", "\t\t"])


@st.composite
def field_values(draw: st.DrawFn) -> str:
    """Visible Latin-1 and obs-text words with blanks between them, none at the edges."""
    words = draw(st.lists(st.text(alphabet=VALUE_CHARS, min_size=1, max_size=8), max_size=4))
    value = words[0] if words else ""
    for word in words[1:]:
        value += draw(blanks) + word
    return value


fields_st = st.lists(st.tuples(field_names, field_values()), max_size=6).map(tuple)


@st.composite
def pieces_st(draw: st.DrawFn, max_size: int = 300) -> tuple[bytes, ...]:
    """A body split into write sizes (empty writes included)."""
    body = draw(st.binary(max_size=max_size))
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=6)))
    edges = [0, *cuts, len(body)]
    return tuple(body[a:b] for a, b in itertools.pairwise(edges))


@st.composite
def requests_st(draw: st.DrawFn) -> Req:
    chunked = draw(st.booleans())
    fields = draw(fields_st)
    if draw(st.booleans()):
        fields = (*fields, ("Connection", "close"))
    return Req(
        method=draw(methods),
        target=draw(targets),
        fields=fields,
        pieces=draw(pieces_st()),
        chunked=chunked,
        trailers=draw(fields_st) if chunked else (),
    )


reasons = st.one_of(st.sampled_from(["OK", "", "Not Found"]), field_values())
informational_st = st.tuples(
    st.integers(100, 199).filter(lambda status: status != 101), reasons, fields_st
)


@st.composite
def responses_st(draw: st.DrawFn, *, method: str, http10: bool) -> Resp:
    status = draw(st.integers(200, 599))
    bodiless = method == "HEAD" or status in (204, 304)
    pieces = () if bodiless else draw(pieces_st())
    body_length = sum(map(len, pieces))
    fields = draw(fields_st)
    framing = draw(st.sampled_from(["h11 picks", "content-length"]))
    if framing == "content-length":
        # h11 then keeps Content-Length framing; otherwise it picks chunked
        # (or, for an HTTP/1.0 peer, close-delimited).
        at = draw(st.integers(0, len(fields)))
        fields = (*fields[:at], ("Content-Length", str(body_length)), *fields[at:])
    if draw(st.booleans()):
        fields = (*fields, ("Connection", "close"))
    chunked = framing == "h11 picks" and not http10 and not bodiless
    return Resp(
        status=status,
        reason=draw(reasons),
        fields=fields,
        pieces=pieces,
        trailers=draw(fields_st) if chunked else (),
        informational=tuple(draw(st.lists(informational_st, max_size=3))),
    )


def cuts_st(limit: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, limit), max_size=12)


@settings(max_examples=200, deadline=None)
@given(req=requests_st(), data=st.data())
def test_generated_request_round_trips(req: Req, data: st.DataObject) -> None:
    codec = ClientCodec(HOST)
    wire = write_request(codec, req)
    positions = data.draw(cuts_st(len(wire)), label="request cuts")
    assert_seen(h11_read_request(h11.Connection(h11.SERVER), cut(wire, positions)), req)


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "DELETE", "PROPFIND"]),
    client_close=st.booleans(),
    http10=st.booleans(),
    surface=st.booleans(),
    data=st.data(),
)
def test_generated_exchange_round_trips(
    method: str, client_close: bool, http10: bool, surface: bool, data: st.DataObject
) -> None:
    """A generated request to h11, h11's generated response back, read whole and at random cuts.

    Split or whole, our events are the same, match what h11 was told to send
    and what an h11 client reads, and our reuse decision is h11's.
    """
    req = data.draw(requests_st(), label="request")
    req = replace(
        req,
        method=method,
        fields=req.fields + ((("Connection", "close"),) if client_close else ()),
    )
    if http10:
        req = replace(req, chunked=False, trailers=())
    resp = data.draw(responses_st(method=method, http10=http10), label="response")
    codec, server, whole, response = check_exchange(req, resp, http10=http10, surface=surface)
    request_cuts = data.draw(cuts_st(1000), label="request cuts")
    response_cuts = data.draw(cuts_st(len(response)), label="response cuts")
    split_codec, _, split, _ = check_exchange(
        req,
        resp,
        http10=http10,
        surface=surface,
        request_cuts=request_cuts,
        response_cuts=response_cuts,
    )
    assert split == whole
    assert split_codec.is_reusable() is codec.is_reusable() is h11_reusable(server)
