"""The parser's budgets (PROTOCOL-POLICY.md, "Limits"), with small custom limits.

Every budget is hit in every way it can be: a head or line that never ends
must fail as soon as its budget is exceeded, not when it finally ends; when
two budgets are exceeded, the error is the one exceeded at the lowest byte
offset; and the outcome is the same error class whether the bytes arrive
whole, byte by byte or at random splits (CONVENTIONS.md rule 3). Lines are
measured with their line ending; the head budget covers the status line,
the header lines and the empty line.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Sequence

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.protocol import (
    NEED_DATA,
    ClientCodec,
    Data,
    EndOfMessage,
    Informational,
    ParserLimits,
    ResponseHead,
)

HOST = "limits.test"
SMALL = ParserLimits(
    max_line=64,
    max_head=200,
    max_headers=3,
    max_chunk_extension=8,
    max_chunk_extensions_total=20,
    max_informational=2,
)
STATUS = b"HTTP/1.1 200 OK\r\n"  # 17 bytes
CHUNKED = b"Transfer-Encoding: chunked\r\n"
CHUNKED_HEAD = STATUS + CHUNKED + b"\r\n"

Normalised = tuple[object, ...]


@dataclasses.dataclass
class Outcome:
    events: list[Normalised]
    error: type[Exception] | None
    fed: int  # bytes given to the codec when the error was raised (or all of them)


def new_codec(limits: ParserLimits, method: str) -> ClientCodec:
    codec = ClientCodec(HOST, limits=limits, surface_informational=True)
    codec.send_request(method, "/", host_header=HOST)
    return codec


def drain(codec: ClientCodec, events: list[Normalised]) -> None:
    """Record events until more data is needed or no response is owed."""
    while codec.pending:
        event = codec.next_event()
        if isinstance(event, ResponseHead):
            events.append(("head", int(event.status), tuple(event.headers.multi_items())))
        elif isinstance(event, Informational):
            events.append(("informational", int(event.status)))
        elif isinstance(event, Data):
            if events and events[-1][0] == "data":
                previous = events.pop()[1]
                assert isinstance(previous, bytes)
                events.append(("data", previous + event.data))
            else:
                events.append(("data", event.data))
        elif isinstance(event, EndOfMessage):
            events.append(("end", tuple(event.trailers.multi_items())))
        else:
            assert event is NEED_DATA
            return


def feed(
    pieces: Iterable[bytes], limits: ParserLimits, *, method: str = "GET", eof: bool = False
) -> Outcome:
    codec = new_codec(limits, method)
    events: list[Normalised] = []
    fed = 0
    error: exc.HTTPException | None = None
    try:
        for piece in pieces:
            codec.receive_data(piece)
            fed += len(piece)
            drain(codec, events)
        if eof:
            codec.receive_eof()
            drain(codec, events)
    except exc.HTTPException as caught:
        error = caught
    if error is None:
        return Outcome(events, None, fed)
    assert error.host == HOST
    assert not codec.is_reusable()
    return Outcome(events, type(error), fed)


def splits(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 12))))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def outcomes(
    data: bytes, limits: ParserLimits = SMALL, *, method: str = "GET", eof: bool = False
) -> tuple[Outcome, Outcome]:
    """Feed *data* whole, byte by byte and at random splits; all must agree.

    Returns the whole and the byte-by-byte outcomes.
    """
    whole = feed([data], limits, method=method, eof=eof)
    bytewise = feed([data[i : i + 1] for i in range(len(data))], limits, method=method, eof=eof)
    results = [whole, bytewise]
    results += [feed(splits(data, seed), limits, method=method, eof=eof) for seed in range(6)]
    for result in results:
        assert (result.error, result.events) == (whole.error, whole.events), (
            f"whole: {whole.error}, this feeding: {result.error}"
        )
    return whole, bytewise


def rejected(
    data: bytes,
    error: type[Exception],
    limits: ParserLimits = SMALL,
    *,
    method: str = "GET",
    at: int | None = None,
) -> None:
    """All feedings raise exactly *error*; byte by byte, after *at* bytes when given."""
    whole, bytewise = outcomes(data, limits, method=method)
    assert whole.error is error
    if at is not None:
        assert bytewise.fed == at


def accepted(
    data: bytes, limits: ParserLimits = SMALL, *, method: str = "GET", eof: bool = False
) -> list[Normalised]:
    whole, _ = outcomes(data, limits, method=method, eof=eof)
    assert whole.error is None
    return whole.events


def line(name: str, size: int, *, ending: bytes = b"\r\n") -> bytes:
    """A header line of exactly *size* bytes on the wire, line ending included."""
    prefix = f"{name}: ".encode()
    filler = size - len(prefix) - len(ending)
    assert filler >= 0
    return prefix + b"a" * filler + ending


# ------------------------------------------------------------------ ParserLimits itself


def test_defaults_are_the_policy_values() -> None:
    assert ParserLimits() == ParserLimits(
        max_line=16 * 1024,
        max_head=100 * 1024,
        max_headers=128,
        max_chunk_extension=4 * 1024,
        max_chunk_extensions_total=16 * 1024,
        max_informational=100,
    )


FIELDS = [field.name for field in dataclasses.fields(ParserLimits)]


@pytest.mark.parametrize("name", FIELDS)
@pytest.mark.parametrize("value", [0, -1, -(2**70), True, False, 1.5, 64.0, "64", None, b"1"])
def test_limits_must_be_positive_ints(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        ParserLimits(**{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FIELDS)
def test_limits_accept_any_positive_int(name: str) -> None:
    assert getattr(ParserLimits(**{name: 1}), name) == 1
    assert getattr(ParserLimits(**{name: 2**70}), name) == 2**70


def test_limits_are_frozen_keyword_values() -> None:
    limits = ParserLimits(max_line=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.max_line = 20  # type: ignore[misc]
    with pytest.raises(TypeError):
        ParserLimits(10)  # type: ignore[call-arg]
    assert limits == ParserLimits(max_line=10)
    assert hash(limits) == hash(ParserLimits(max_line=10))


# ------------------------------------------------------------------ heads that never end


def test_line_that_never_ends_fails_at_its_budget() -> None:
    data = STATUS + b"X-Long: " + b"a" * 1000
    # The line starts at 17; its 65th byte exceeds the 64-byte budget.
    rejected(data, exc.LineTooLong, at=17 + 65)


def test_status_line_that_never_ends_fails_at_its_budget() -> None:
    rejected(b"HTTP/1.1 200 " + b"R" * 1000, exc.LineTooLong, at=65)


def test_header_lines_that_never_end_fail_at_the_count() -> None:
    data = STATUS + b"A: b\r\n" * 50
    # The fourth header line is complete at 17 + 4 * 6 bytes.
    rejected(data, exc.TooManyHeaders, at=17 + 24)


def test_head_that_never_ends_fails_at_its_size() -> None:
    limits = dataclasses.replace(SMALL, max_headers=1000)
    data = STATUS + line("X-Pad", 19) * 100
    rejected(data, exc.HeadTooLarge, limits, at=201)


def test_bare_lf_head_that_never_ends() -> None:
    limits = dataclasses.replace(SMALL, max_headers=1000)
    data = b"HTTP/1.1 200 OK\n" + line("X-Pad", 19, ending=b"\n") * 100
    rejected(data, exc.HeadTooLarge, limits, at=201)
    rejected(b"HTTP/1.1 200 OK\n" + b"A: b\n" * 50, exc.TooManyHeaders, at=16 + 20)


def test_leading_empty_lines_do_not_count() -> None:
    # Up to two empty lines before the status line are skipped (RFC 9112 §2.2).
    events = accepted(b"\r\n\n" + STATUS + b"Content-Length: 0\r\n\r\n")
    assert events == [("head", 200, (("Content-Length", "0"),)), ("end", ())]
    accepted(b"\n\r\n" + STATUS + line("X-1", 64) + b"\r\n", method="HEAD")


@pytest.mark.parametrize("prefix", [b"\r\n\r\n\r\n", b"\n\n\n", b"\r\n\n\r\n"])
def test_more_than_two_leading_empty_lines(prefix: bytes) -> None:
    rejected(prefix + STATUS + b"Content-Length: 0\r\n\r\n", exc.BadStatusLine, at=len(prefix))
    rejected(prefix, exc.BadStatusLine, at=len(prefix))


def test_bare_cr_before_the_status_line() -> None:
    rejected(b"\rHTTP/1.1 200 OK\r\n\r\n", exc.BadStatusLine, at=2)


# ------------------------------------------------------------------ exact budgets


def test_line_of_exactly_the_budget() -> None:
    accepted(STATUS + line("X-1", 64) + b"\r\n", method="HEAD")
    accepted(STATUS + line("X-1", 64, ending=b"\n") + b"\n", method="HEAD")
    rejected(STATUS + line("X-1", 65) + b"\r\n", exc.LineTooLong, method="HEAD")
    rejected(STATUS + line("X-1", 65, ending=b"\n") + b"\n", exc.LineTooLong, method="HEAD")
    status = b"HTTP/1.1 200 " + b"R" * (64 - 15) + b"\r\n"
    assert len(status) == 64
    accepted(status + b"\r\n", method="HEAD")
    rejected(b"HTTP/1.1 200 R" + status[13:] + b"\r\n", exc.LineTooLong, method="HEAD")


def test_head_of_exactly_the_budget() -> None:
    head = STATUS + line("X-1", 64) + line("X-2", 64) + line("X-3", 53) + b"\r\n"
    assert len(head) == 200
    events = accepted(head, method="HEAD")
    assert events[-1] == ("end", ())
    bigger = STATUS + line("X-1", 64) + line("X-2", 64) + line("X-3", 54) + b"\r\n"
    rejected(bigger, exc.HeadTooLarge, method="HEAD")


def test_exactly_max_headers() -> None:
    accepted(STATUS + b"A: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n")
    rejected(STATUS + b"A: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n", exc.TooManyHeaders)


def test_interim_heads_have_their_own_budgets() -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    events = accepted(interim + interim + STATUS + b"A: 1\r\nContent-Length: 0\r\n\r\n")
    assert [event[0] for event in events] == ["informational", "informational", "head", "end"]


# ------------------------------------------------------------------ which budget first


def test_line_exceeded_before_head() -> None:
    # Long line at offset 81: its budget is exceeded at 145, the head's at 200.
    data = STATUS + line("X-1", 64) + line("X-2", 150) + b"\r\n"
    rejected(data, exc.LineTooLong, method="HEAD", at=81 + 65)


def test_head_exceeded_before_line() -> None:
    # Long line at offset 145: the head's budget (200) is exceeded before the line's (209).
    data = STATUS + line("X-1", 64) + line("X-2", 64) + line("X-3", 150) + b"\r\n"
    rejected(data, exc.HeadTooLarge, method="HEAD", at=201)


def test_line_and_head_exceeded_at_the_same_offset() -> None:
    # The long line starts at 136: both budgets are exceeded at offset 200.
    # Either error is right; every feeding must give the same one.
    data = STATUS + line("X-1", 64) + line("X-2", 55) + line("X-3", 150) + b"\r\n"
    whole, bytewise = outcomes(data, method="HEAD")
    assert whole.error in (exc.LineTooLong, exc.HeadTooLarge)
    assert bytewise.fed == 201


def test_line_exceeded_before_the_count() -> None:
    # The fourth header line is too long before it ends.
    data = STATUS + b"A: 1\r\nB: 2\r\nC: 3\r\n" + line("D", 100) + b"\r\n"
    rejected(data, exc.LineTooLong, method="HEAD", at=17 + 18 + 65)


def test_count_exceeded_before_line() -> None:
    data = STATUS + b"A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n" + line("E", 100) + b"\r\n"
    rejected(data, exc.TooManyHeaders, method="HEAD", at=17 + 24)


def test_head_exceeded_before_the_count() -> None:
    limits = dataclasses.replace(SMALL, max_head=50)
    data = STATUS + line("X-1", 16) * 5 + b"\r\n"
    rejected(data, exc.HeadTooLarge, limits, method="HEAD", at=51)


def test_count_exceeded_before_head() -> None:
    limits = dataclasses.replace(SMALL, max_head=50)
    data = STATUS + b"A: b\r\n" * 5 + b"\r\n"
    rejected(data, exc.TooManyHeaders, limits, method="HEAD", at=17 + 24)


@pytest.mark.parametrize("extra", range(12))
def test_every_feeding_agrees_near_the_budgets(extra: int) -> None:
    # Heads sliding across both budgets: whatever the class, all feedings agree.
    data = STATUS + line("X-1", 60) + line("X-2", 60 + extra) + line("X-3", 55 + extra) + b"\r\n"
    outcomes(data, method="HEAD")


# ------------------------------------------------------------------ trailers


def chunked_with_trailers(*trailers: bytes, headers: bytes = b"") -> bytes:
    return (
        STATUS
        + CHUNKED
        + headers
        + b"\r\n"
        + b"3\r\nabc\r\n0\r\n"
        + b"".join(trailers)
        + (b"\r\n")
    )


def test_trailers_share_the_header_line_budget() -> None:
    # Two header lines (TE + X-A) leave room for one trailer line of three.
    events = accepted(chunked_with_trailers(b"X-T: 1\r\n", headers=b"X-A: 1\r\n"))
    assert events[-1] == ("end", (("X-T", "1"),))
    rejected(
        chunked_with_trailers(b"X-T: 1\r\n", b"X-U: 2\r\n", headers=b"X-A: 1\r\n"),
        exc.TooManyHeaders,
    )
    rejected(
        chunked_with_trailers(b"X-T: 1\r\n", headers=b"X-A: 1\r\nX-B: 2\r\n"), exc.TooManyHeaders
    )
    accepted(chunked_with_trailers(headers=b"X-A: 1\r\nX-B: 2\r\n"))


def test_trailer_count_fails_before_the_section_ends() -> None:
    data = STATUS + CHUNKED + b"\r\n0\r\n" + b"X-T: 1\r\n" * 100
    rejected(data, exc.TooManyHeaders, at=len(STATUS + CHUNKED) + 2 + 3 + 3 * 8)


def test_trailer_line_budget() -> None:
    accepted(chunked_with_trailers(line("X-T", 64)))
    rejected(chunked_with_trailers(line("X-T", 65)), exc.LineTooLong)
    prefix = STATUS + CHUNKED + b"\r\n0\r\n"
    rejected(prefix + b"X-T: " + b"a" * 1000, exc.LineTooLong, at=len(prefix) + 65)


def test_trailer_section_budget() -> None:
    limits = dataclasses.replace(SMALL, max_headers=100)
    trailers = [line(f"X-{i}", 60) for i in range(3)]  # 180 bytes + CRLF: within 200
    accepted(chunked_with_trailers(*trailers), limits)
    rejected(chunked_with_trailers(*trailers, line("X-3", 20)), exc.HeadTooLarge, limits)
    prefix = STATUS + CHUNKED + b"\r\n0\r\n"
    rejected(prefix + line("X-Pad", 20) * 100, exc.HeadTooLarge, limits, at=len(prefix) + 201)


def test_trailer_section_cut_by_eof() -> None:
    data = STATUS + CHUNKED + b"\r\n0\r\nX-T: 1\r\n"
    whole, _ = outcomes(data, eof=True)
    assert whole.error is not None
    assert issubclass(whole.error, exc.InvalidResponse)
    for partial in (b"X-T", b"\r"):
        whole, _ = outcomes(STATUS + CHUNKED + b"\r\n0\r\n" + partial, eof=True)
        assert whole.error is not None
        assert issubclass(whole.error, exc.InvalidResponse)


# ------------------------------------------------------------------ chunk-size lines


def chunked_body(*chunks: bytes) -> bytes:
    return CHUNKED_HEAD + b"".join(chunks)


def test_chunk_size_prefix_too_long_fails_before_it_ends() -> None:
    # A valid chunk-size line is at most 16 digits + 8 bytes of extension + CRLF.
    data = chunked_body(b"5;" + b"a" * 1000)
    whole, bytewise = outcomes(data)
    assert whole.error is exc.LimitExceeded
    assert bytewise.fed < len(data)
    assert bytewise.fed == len(CHUNKED_HEAD) + 26


def test_chunk_size_line_too_long_by_the_line_budget() -> None:
    # 30 bytes: enough for the head's longest line, less than a chunk-size
    # line may need (16 digits + 100 bytes of extension + CRLF).
    limits = dataclasses.replace(
        SMALL, max_line=30, max_chunk_extension=100, max_chunk_extensions_total=1000
    )
    accepted(chunked_body(b"5;" + b"a" * 26 + b"\r\nhello\r\n0\r\n\r\n"), limits)
    rejected(chunked_body(b"5;" + b"a" * 27 + b"\r\nhello\r\n0\r\n\r\n"), exc.LineTooLong, limits)
    rejected(chunked_body(b"5;" + b"a" * 1000), exc.LineTooLong, limits, at=len(CHUNKED_HEAD) + 30)


def test_chunk_extension_exceeded_long_before_the_line_budget() -> None:
    # Extension budget exceeded at the 9th extension byte; the line budget
    # only at 64: every feeding reports the extension, ended line or not.
    rejected(chunked_body(b"5;" + b"a" * 100 + b"\r\nhello\r\n0\r\n\r\n"), exc.LimitExceeded)
    rejected(chunked_body(b"5;" + b"a" * 40 + b"\r\nhello\r\n0\r\n\r\n"), exc.LimitExceeded)


def test_chunk_size_digits() -> None:
    accepted(chunked_body(b"0" * 15 + b"5\r\nhello\r\n0\r\n\r\n"))
    rejected(chunked_body(b"0" * 16 + b"5\r\nhello\r\n0\r\n\r\n"), exc.FramingError)
    # 17 digits exceed the digit budget at offset 16, long before the line's.
    rejected(chunked_body(b"1" * 30 + b"\r\n"), exc.FramingError)
    rejected(chunked_body(b"1" * 70 + b"\r\n"), exc.FramingError)
    rejected(chunked_body(b"1" * 1000), exc.FramingError, at=len(CHUNKED_HEAD) + 26)


def test_chunk_extension_per_line() -> None:
    events = accepted(chunked_body(b"5;abcdefg\r\nhello\r\n0\r\n\r\n"))
    assert events[1:] == [("data", b"hello"), ("end", ())]
    accepted(chunked_body(b"5 ;abcdef\r\nhello\r\n0\r\n\r\n"))
    rejected(chunked_body(b"5;abcdefgh\r\nhello\r\n0\r\n\r\n"), exc.LimitExceeded)
    rejected(chunked_body(b"0;abcdefgh\r\n\r\n"), exc.LimitExceeded)


def test_chunk_extensions_per_body() -> None:
    eight = b"1;aaaaaaa\r\nx\r\n"  # 8 bytes of extension
    four = b"1;aaa\r\nx\r\n"
    events = accepted(chunked_body(eight, eight, four, b"0\r\n\r\n"))
    assert events[1:] == [("data", b"xxx"), ("end", ())]
    rejected(chunked_body(eight, eight, four, b"1;\r\nx\r\n0\r\n\r\n"), exc.LimitExceeded)
    rejected(chunked_body(eight, eight, four, b"0;\r\n\r\n"), exc.LimitExceeded)
    rejected(chunked_body(eight, eight, eight), exc.LimitExceeded)


def test_chunk_extension_budget_is_per_body() -> None:
    eight = b"1;aaaaaaa\r\nx\r\n"
    response = chunked_body(eight, eight, b"0\r\n\r\n")
    codec = new_codec(SMALL, "GET")
    codec.send_request("GET", "/", host_header=HOST)
    codec.receive_data(response + response)
    events: list[Normalised] = []
    drain(codec, events)
    assert [event[0] for event in events] == ["head", "data", "end"] * 2
    assert codec.is_reusable()


# ------------------------------------------------------------------ interim responses


def test_interim_response_budget() -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\n\r\n"
    final = STATUS + b"Content-Length: 0\r\n\r\n"
    events = accepted(interim * 2 + final)
    assert [event[0] for event in events] == ["informational", "informational", "head", "end"]
    rejected(interim * 3 + final, exc.LimitExceeded, at=len(interim) * 3)


def test_defaults_are_generous_enough() -> None:
    limits = ParserLimits()
    head = STATUS + line("X-Big", 16 * 1024) + b"Content-Length: 0\r\n\r\n"
    assert accepted(head, limits)[-1] == ("end", ())
    head = STATUS + line("X-Big", 16 * 1024 + 1) + b"Content-Length: 0\r\n\r\n"
    rejected(head, exc.LineTooLong, limits)


def test_pieces_helper_covers_the_whole_input() -> None:
    data = bytes(range(200))
    for seed in range(6):
        pieces: Sequence[bytes] = splits(data, seed)
        assert b"".join(pieces) == data
        assert all(pieces)
