"""Fuzzing the codec: whatever a server sends, or a caller asks to send, fails only as documented.

Reading (PROTOCOL-API.md, "Errors"): any bytes fed to a ClientCodec after a
GET or HEAD (one or two, pipelined), in any segmentation, followed by EOF, end
in events or in an ``InvalidResponse`` subclass naming the host;
``ConnectionClosed`` only after EOF with no byte of the response buffered, or
with ``unprocessed=True`` for a request pipelined behind a response that said
close; ``StateError`` only after an earlier error. The loop of
``next_event`` / ``readinto`` / direct reads ends within
``10 * len(data) + 100`` steps and never asks for data after EOF; the events
and the error class are the same whole or in pieces, however the body is
taken and whether the EOF comes with the last bytes or after them (parser.py's
module rule); and a codec that raised, or saw EOF, is never reusable.

Writing (PROTOCOL-POLICY.md, "Request writing"): any method, target and
header text either gives a head whose line structure is exactly the caller's
fields (no CR, LF or NUL smuggled in) and which h11 parses back to the same
request, or raises ``InvalidRequest``, after which the codec is as before.

Inputs are random bytes, and valid responses mutated by inserted, deleted and
replaced bytes (the inserted ones biased toward what matters to HTTP framing).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttpcore.exceptions import (
    ConnectionClosed,
    HTTPException,
    InvalidRequest,
    InvalidResponse,
    StateError,
)
from aiohttpcore.headers import Headers
from aiohttpcore.protocol import (
    NEED_DATA,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    ParserLimits,
    Profile,
    RecvState,
    ResponseHead,
    SendState,
)

HOST = "fuzz.test"

Norm = tuple[object, ...]

TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# ------------------------------------------------------------------ reading

# Valid responses to mutate; each is complete for a GET (a HEAD reads only
# the head of the first, then the rest as the next response).
VALID_RESPONSES: tuple[bytes, ...] = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1 \r\n!\r\n0\r\nX-Trailer: t\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
    b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Folded: a\r\n  b\r\n\r\n",
    b'\r\nHTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 10\r\n\r\n',
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nraw\x00",
    b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: \x01\xff\n\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 201 Created\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.1 599 \r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nxy",
)

SNIPPETS = st.one_of(
    st.sampled_from(
        [
            b"\r",
            b"\n",
            b"\r\n",
            b"\r\n\r\n",
            b"\x00",
            b" ",
            b"\t",
            b":",
            b";",
            b",",
            b"0",
            b"f",
            b"ffffffffffffffffff",
            b"99999999999999999999",
            b"HTTP/1.1 ",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/2.0 ",
            b"Content-Length: ",
            b"Content-Length: 3\r\n",
            b"Transfer-Encoding: chunked\r\n",
            b"Transfer-Encoding: gzip\r\n",
            b"Connection: close\r\n",
            b" folded\r\n",
        ]
    ),
    st.binary(min_size=1, max_size=8),
)

TINY_LIMITS = ParserLimits(
    max_line=40,
    max_head=120,
    max_headers=4,
    max_chunk_extension=8,
    max_chunk_extensions_total=12,
    max_informational=2,
)


@st.composite
def mutated_responses(draw: st.DrawFn) -> bytes:
    """A valid response (or two) with a few bytes inserted, deleted or replaced (or none)."""
    data = bytearray(
        b"".join(draw(st.lists(st.sampled_from(VALID_RESPONSES), min_size=1, max_size=2)))
    )
    for _ in range(draw(st.integers(0, 4))):
        operation = draw(st.sampled_from(["insert", "delete", "replace"]))
        at = draw(st.integers(0, len(data)))
        if operation == "insert":
            data[at:at] = draw(SNIPPETS)
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
    return bytes(data)


response_bytes = st.one_of(
    mutated_responses(),
    mutated_responses(),
    mutated_responses(),
    st.binary(max_size=200),
    st.binary(max_size=100).map(lambda tail: b"HTTP/1.1 200 OK\r\n" + tail),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """How the codec is built and which requests it sends before reading."""

    requests: tuple[str, ...]
    profile: Profile
    surface: bool
    limits: ParserLimits

    def codec(self) -> ClientCodec:
        codec = ClientCodec(
            HOST, profile=self.profile, limits=self.limits, surface_informational=self.surface
        )
        for kind in self.requests:
            if kind == "UPGRADE":
                fields = [("Connection", "upgrade"), ("Upgrade", "x")]
                codec.send_request("GET", "/", fields, host_header=HOST)
            else:
                codec.send_request(kind, "/", host_header=HOST)
        return codec


setups = st.builds(
    Setup,
    requests=st.lists(st.sampled_from(["GET", "HEAD", "UPGRADE"]), min_size=1, max_size=2).map(
        tuple
    ),
    profile=st.sampled_from(Profile),
    surface=st.booleans(),
    limits=st.sampled_from([ParserLimits(), TINY_LIMITS]),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    events: list[Norm]
    error: type[HTTPException] | None


def merge(events: Iterable[Norm]) -> list[Norm]:
    merged: list[Norm] = []
    for event in events:
        if event[0] == "data" and merged and merged[-1][0] == "data":
            previous, more = merged[-1][1], event[1]
            assert isinstance(previous, bytes)
            assert isinstance(more, bytes)
            merged[-1] = ("data", previous + more)
        else:
            merged.append(event)
    return merged


def normalise(event: object) -> Norm:
    if isinstance(event, ResponseHead | Informational):
        kind = "head" if isinstance(event, ResponseHead) else "info"
        fields = tuple(event.headers.multi_items())
        return (kind, int(event.status), event.reason, event.http_version, fields)
    if isinstance(event, Data):
        assert event.data, "a Data event carries at least one byte"
        return ("data", event.data)
    assert isinstance(event, EndOfMessage), event
    return ("end", tuple(event.trailers.multi_items()))


def check_grammar(events: Sequence[Norm], setup: Setup) -> None:
    """Per response: 1xx*, a final head, then data* and an end (nothing more after a switch)."""
    expecting = "head"
    for event in events:
        kind = event[0]
        if kind == "info":
            assert expecting == "head"
            status = event[1]
            assert isinstance(status, int)
            assert 100 <= status < 200
            assert status != 101
        elif kind == "head":
            assert expecting == "head"
            status, version = event[1], event[3]
            assert isinstance(status, int)
            assert 100 < status <= 599
            assert version in (10, 11)
            expecting = "switched" if status == 101 else "body"
            if status == 101:
                assert "UPGRADE" in setup.requests
        elif kind == "data":
            assert expecting == "body"
        elif kind == "switched":
            assert expecting == "switched"
        else:
            assert kind == "end"
            assert expecting == "body"
            expecting = "head"
    assert sum(event[0] == "head" for event in events) <= len(setup.requests)


def check_host(error: HTTPException) -> None:
    """Every error names the codec's host (PROTOCOL-API.md, "Errors")."""
    assert error.host == HOST, error


class Driver:
    """Feeds a codec and pulls events, counting every call against a step budget.

    Body bytes are taken with ``next_event``, or with ``readinto`` into a
    buffer of ``readinto_size`` bytes, or, with ``direct``, as the I/O layer's
    ``BufferedProtocol`` would: whenever :meth:`ClientCodec.direct_read_limit`
    allows, incoming bytes go straight to the caller and the codec is told
    with :meth:`ClientCodec.received_direct`.
    """

    def __init__(
        self,
        codec: ClientCodec,
        budget: int,
        *,
        readinto_size: int | None = None,
        direct: bool = False,
    ) -> None:
        self.codec = codec
        self.budget = budget
        self.readinto_size = readinto_size
        self.direct = direct
        self.steps = 0
        self.eof = False
        self.events: list[Norm] = []

    def step(self) -> None:
        self.steps += 1
        assert self.steps <= self.budget, f"no end after {self.steps} steps"

    def finished(self) -> bool:
        """Nothing more can be read: no response is owed, or the bytes are no longer HTTP."""
        codec = self.codec
        return codec.pending == 0 or codec.recv_state is RecvState.SWITCHED

    def next(self) -> object:
        codec = self.codec
        self.step()
        if self.readinto_size is None or codec.recv_state is not RecvState.BODY:
            return codec.next_event()
        buffer = bytearray(self.readinto_size)
        result = codec.readinto(buffer)
        if isinstance(result, int):
            assert 0 < result <= self.readinto_size
            return Data(data=bytes(buffer[:result]))
        return result

    def pull(self) -> None:
        while not self.finished():
            event = self.next()
            if event is NEED_DATA:
                assert not self.eof, "NEED_DATA after EOF: the loop would never end"
                return
            self.events.append(normalise(event))

    def feed(self, piece: bytes) -> None:
        codec = self.codec
        while self.direct and piece and (limit := codec.direct_read_limit()) > 0:
            assert codec.recv_state is RecvState.BODY
            assert codec.buffered == 0
            self.step()
            count = min(limit, len(piece))
            codec.received_direct(count)
            self.events.append(("data", piece[:count]))
            piece = piece[count:]
            self.pull()
        if piece:
            codec.receive_data(piece)
        self.pull()

    def run(self, pieces: Sequence[bytes], *, eof_with_last: bool = False) -> Outcome:
        """Feed *pieces*, then EOF; ``eof_with_last``: EOF arrives with the last piece."""
        codec = self.codec
        try:
            for index, piece in enumerate(pieces):
                if eof_with_last and index == len(pieces) - 1:
                    codec.receive_data(piece)
                    break
                self.feed(piece)
            codec.receive_eof()
            self.eof = True
            self.pull()
        except InvalidResponse as error:
            check_host(error)
            assert not codec.is_reusable()
            try:
                codec.next_event()
            except StateError:
                pass
            else:  # pragma: no cover - a failure report
                raise AssertionError("a failed codec returned an event")
            assert not codec.is_reusable()
            return Outcome(merge(self.events), type(error))
        except ConnectionClosed as error:
            check_host(error)
            if error.unprocessed:
                assert any(event[0] == "end" for event in self.events)
            else:
                assert self.eof, "ConnectionClosed before EOF"
                assert codec.buffered == 0, "ConnectionClosed although response bytes arrived"
            assert not codec.is_reusable()
            return Outcome(merge(self.events), ConnectionClosed)
        # Ended without an error: the server closed, so nothing may reuse this
        # connection (PROTOCOL-POLICY.md, "Connection reuse" 1).
        assert not codec.is_reusable()
        if codec.recv_state is RecvState.SWITCHED:
            self.events.append(("switched", codec.trailing_data()))
        return Outcome(merge(self.events), None)


def cut(data: bytes, positions: Iterable[int]) -> list[bytes]:
    edges = [0, *sorted({min(max(p, 0), len(data)) for p in positions}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def budget(data: bytes) -> int:
    return 10 * len(data) + 100


@settings(max_examples=400, deadline=None)
@given(
    setup=setups,
    data=response_bytes,
    positions=st.lists(st.integers(0, 400), max_size=20),
    mode=st.one_of(st.sampled_from(["next_event", "direct"]), st.integers(1, 16)),
    eof_with_last=st.booleans(),
)
def test_any_response_bytes_fail_only_as_documented(
    setup: Setup, data: bytes, positions: list[int], mode: str | int, eof_with_last: bool
) -> None:
    """Whole, then at random cuts read by next_event, readinto(mode bytes) or direct reads.

    The EOF comes after the last piece was read, or with it (before any of
    its events were taken): the outcome is the same.
    """
    whole = Driver(setup.codec(), budget(data)).run([data])
    check_grammar(whole.events, setup)
    pieces = cut(data, positions)
    readinto_size = mode if isinstance(mode, int) else None
    driver = Driver(
        setup.codec(), budget(data), readinto_size=readinto_size, direct=mode == "direct"
    )
    assert driver.run(pieces, eof_with_last=eof_with_last) == whole, pieces


@settings(max_examples=200, deadline=None)
@given(setup=setups, data=response_bytes, direct=st.booleans())
def test_any_response_bytes_byte_by_byte(setup: Setup, data: bytes, direct: bool) -> None:
    whole = Driver(setup.codec(), budget(data)).run([data])
    split = Driver(setup.codec(), budget(data), direct=direct).run(cut(data, range(len(data))))
    assert split == whole


@pytest.mark.parametrize("template", VALID_RESPONSES)
def test_valid_responses_parse_cleanly(template: bytes) -> None:
    """The seeds of the mutations are valid: read whole after two GETs, they give no error.

    (A second GET after a single response meets the EOF: ConnectionClosed.)
    """
    requests = ("UPGRADE",) if b" 101 " in template else ("GET", "GET")
    setup = Setup(requests=requests, profile=Profile.STRICT, surface=False, limits=ParserLimits())
    outcome = Driver(setup.codec(), budget(template)).run([template])
    assert outcome.error is None or outcome.error is ConnectionClosed, outcome
    assert any(event[0] == "head" for event in outcome.events)


# ------------------------------------------------------------------ writing

SPECIAL_CHARS = list(" \t\r\n\x00\x0b\x0c\x7f\x80\xff:;,/\\?#@*\"'é€\u2028\u0085\ud800")
any_text = st.text(
    alphabet=st.one_of(st.sampled_from(SPECIAL_CHARS), st.characters()), max_size=16
)
tokens = st.text(alphabet=TCHAR, min_size=1, max_size=10)
visible = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F)], max_size=16)
plain_values = st.text(
    alphabet=[chr(c) for c in range(0x20, 0x100) if c not in (0x7F,)], max_size=16
).map(lambda value: value.strip(" "))

# Each input is mostly valid, with up to two of its parts drawn from any text,
# so that both the refusals and the heads written are exercised.
PARTS = ("method", "target", "names", "values", "host", "length")
valid_methods = st.one_of(
    st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "get"]), tokens
)
special_targets = st.sampled_from(
    ["/", "*", "example.org:443", "[::1]:80", "http://example.org/x", "x", "/a b", "/\x7f"]
)
valid_names = st.one_of(
    st.sampled_from(
        ["Host", "Content-Length", "Transfer-Encoding", "Expect", "Connection", "Upgrade", "X-A"]
    ),
    tokens,
)
valid_values = st.one_of(
    st.sampled_from(["chunked", "Chunked", "gzip", "100-continue", "close", "5", "0", "05", ""]),
    plain_values,
)
body_lengths = st.one_of(
    st.none(), st.sampled_from([0, 1, 5]), st.integers(-3, 2**64), st.sampled_from([True, 1.0])
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestInput:
    method: str
    target: str
    fields: list[tuple[str, str]]
    host_header: str | None
    body_length: Any
    expect_continue: bool


@st.composite
def request_inputs(draw: st.DrawFn) -> RequestInput:
    wild = draw(st.sets(st.sampled_from(PARTS), max_size=2))
    method = draw(any_text if "method" in wild else valid_methods)
    if "target" in wild:
        target = draw(st.one_of(special_targets, any_text))
    elif method == "OPTIONS" and draw(st.booleans()):
        target = "*"
    else:
        target = "/" + draw(visible)
    names = any_text if "names" in wild else valid_names
    values = any_text if "values" in wild else valid_values
    fields = draw(st.lists(st.tuples(names, values), max_size=5))
    host_header = draw(
        st.one_of(st.none(), st.just(""), any_text) if "host" in wild else st.just(HOST)
    )
    body_length = draw(body_lengths if "length" in wild else st.sampled_from([0, 5, None]))
    return RequestInput(
        method=method,
        target=target,
        fields=fields,
        host_header=host_header,
        body_length=body_length,
        expect_continue=draw(st.booleans()),
    )


ADDED_NAMES = frozenset({"host", "content-length", "transfer-encoding", "expect"})


def parse_head(head: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """Our own reading of a head: request line and fields; asserts the line structure."""
    assert head.endswith(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line
        assert b"\n" not in line
        assert b"\x00" not in line
    fields: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(b": ")
        assert colon
        assert name
        assert all(chr(c) in TCHAR for c in name), line
        fields.append((name.decode("latin-1"), value.decode("latin-1")))
    return lines[0], fields


def h11_compatible(fields: Sequence[tuple[str, str]]) -> bool:
    """Where h11 is stricter than PROTOCOL-POLICY.md, on heads our writer may produce.

    * VT and FF inside a value: h11 counts them as whitespace; the policy
      forbids only CR, LF and NUL.
    * More than one Host field: h11 rejects it (RFC 9112 §3.2 makes the
      server answer 400); the writer takes the caller's fields as given.
    * Content-Length fields that differ as text but not as numbers (``5`` and
      ``05``): h11 compares the text, the writer the numbers.
    """
    if any("\x0b" in value or "\x0c" in value for _, value in fields):
        return False
    if sum(name.lower() == "host" for name, _ in fields) != 1:
        return False
    lengths = {value for name, value in fields if name.lower() == "content-length"}
    return len(lengths) <= 1


def as_h11(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """*fields* as h11 reports them (h11's ``normalize_and_validate``).

    Repeated Content-Length lines (all equal) are kept once, and the
    Transfer-Encoding value is lower-cased.
    """
    out: list[tuple[str, str]] = []
    seen_length = False
    for name, value in fields:
        lname = name.lower()
        if lname == "content-length":
            if seen_length:
                continue
            seen_length = True
        elif lname == "transfer-encoding":
            value = value.lower()
        out.append((name, value))
    return out


def h11_read_head(head: bytes) -> tuple[bytes, bytes, list[tuple[bytes, bytes]]]:
    server = h11.Connection(h11.SERVER)
    server.receive_data(head)
    request: Any = server.next_event()
    assert isinstance(request, h11.Request), request
    return request.method, request.target, request.headers.raw_items()


def check_request_head(
    head: bytes, method: str, target: str, fields: list[tuple[str, str]], host_header: str | None
) -> None:
    """The head is exactly the caller's request plus the writer's own fields."""
    request_line, wire_fields = parse_head(head)
    assert request_line == f"{method} {target} HTTP/1.1".encode("latin-1")
    # The caller's fields, in order and unchanged; what is left is the writer's.
    remaining = list(wire_fields)
    position = 0
    for field in fields:
        position = remaining.index(field, position)
        del remaining[position]
    added = [name.lower() for name, _ in remaining]
    assert set(added) <= ADDED_NAMES
    assert len(added) == len(set(added))
    if "host" in added:
        assert not any(name.lower() == "host" for name, _ in fields)
        assert ("Host", host_header) in remaining
    if h11_compatible(wire_fields):
        h11_method, h11_target, h11_fields = h11_read_head(head)
        assert h11_method == method.encode("ascii")
        assert h11_target == target.encode("ascii")
        assert h11_fields == [
            (n.encode("latin-1"), v.encode("latin-1")) for n, v in as_h11(wire_fields)
        ]


@settings(max_examples=500, deadline=None)
@given(given=request_inputs(), absolute_form=st.booleans())
def test_any_request_text_is_written_faithfully_or_refused(
    given: RequestInput, absolute_form: bool
) -> None:
    codec = ClientCodec(HOST, absolute_form=absolute_form)
    try:
        head = codec.send_request(
            given.method,
            given.target,
            given.fields,
            host_header=given.host_header,
            body_length=given.body_length,
            expect_continue=given.expect_continue,
        )
    except InvalidRequest as error:
        check_host(error)
        # A pre-send error: nothing was produced and the codec is as it was.
        assert codec.send_state is SendState.IDLE
        assert codec.pending == 0
        assert codec.is_reusable()
        assert codec.send_request("GET", "/", host_header=HOST) == (
            f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
        )
        return
    check_request_head(head, given.method, given.target, given.fields, given.host_header)


def write_or_refuse(given: RequestInput, headers: Any) -> bytes | None:
    """The head written for *given* with its fields passed as *headers*; None when refused."""
    try:
        return ClientCodec(HOST).send_request(
            given.method,
            given.target,
            headers,
            host_header=given.host_header,
            body_length=given.body_length,
            expect_continue=given.expect_continue,
        )
    except InvalidRequest as error:
        check_host(error)
        return None


@settings(max_examples=300, deadline=None)
@given(given=request_inputs())
def test_header_containers_write_the_same_head(given: RequestInput) -> None:
    """Every form of HeaderTypes gives the same head, or the same refusal."""
    fields = given.fields
    containers: dict[str, Any] = {
        "list": list(fields),
        "tuple": tuple(fields),
        "iterator": iter(fields),
        "Headers": Headers(fields),
    }
    if len({name for name, _ in fields}) == len(fields):
        containers["dict"] = dict(fields)
    with contextlib.suppress(UnicodeEncodeError):  # else not representable as bytes
        containers["bytes"] = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in fields]
    results = {kind: write_or_refuse(given, headers) for kind, headers in containers.items()}
    assert len(set(results.values())) == 1, results


@settings(max_examples=200, deadline=None)
@given(given=request_inputs())
def test_httplib_steps_write_faithfully_or_refuse(given: RequestInput) -> None:
    """start_request/add_header/end_headers: a step refuses bad text, or the head is faithful."""
    codec = ClientCodec(HOST)
    try:
        codec.start_request(given.method, given.target)
        for name, value in given.fields:
            codec.add_header(name, value)
        head = codec.end_headers(
            host_header=given.host_header,
            body_length=given.body_length,
            expect_continue=given.expect_continue,
        )
    except InvalidRequest as error:
        check_host(error)
        return
    check_request_head(head, given.method, given.target, given.fields, given.host_header)


@settings(max_examples=300, deadline=None)
@given(
    trailers=st.lists(
        st.tuples(st.one_of(valid_names, any_text), st.one_of(valid_values, any_text)), max_size=5
    )
)
def test_any_trailer_text_is_written_faithfully_or_refused(
    trailers: list[tuple[str, str]],
) -> None:
    codec = ClientCodec(HOST)
    head = codec.send_request("POST", "/", host_header=HOST, body_length=None)
    body = b"".join(bytes(part) for part in codec.send_data(b"body") if isinstance(part, bytes))
    try:
        tail = codec.end_request(trailers)
    except InvalidRequest as error:
        check_host(error)
        return
    _, wire_trailers = parse_head(b"X / HTTP/1.1\r\n" + tail[len(b"0\r\n") :])
    assert tail.startswith(b"0\r\n")
    assert wire_trailers == trailers
    if not any("\x0b" in v or "\x0c" in v for _, v in trailers):
        server = h11.Connection(h11.SERVER)
        server.receive_data(head + body + tail)
        while True:
            event = server.next_event()
            assert event is not h11.NEED_DATA
            if isinstance(event, h11.EndOfMessage):
                break
        raw = event.headers.raw_items()
        assert [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw] == trailers
