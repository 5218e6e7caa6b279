"""Response framing: ``parse_content_length`` and ``response_framing`` (RFC 9112 §6.3, §9.3).

Each RFC 9112 §6.3 rule that reaches ``response_framing`` has a case, and so
does each side of PROTOCOL-POLICY.md's decisions on Content-Length lists,
Transfer-Encoding and HTTP/1.0 keep-alive. Expectations come from the RFC and
the policy, not from the implementation.
"""

from __future__ import annotations

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.protocol import Chunked, ContentLength, Framing, NoBody, UntilClose
from aiohttpcore.protocol.framing import parse_content_length, response_framing

MAX_LENGTH = 2**63 - 1


# ------------------------------------------------------------ parse_content_length


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["0"], 0),
        (["5"], 5),
        (["005"], 5),
        ([" 5\t"], 5),
        (["5, 5"], 5),
        (["5,5,5"], 5),
        (["5", "5"], 5),
        (["5, 5", "5"], 5),
        (["1" * 19], int("1" * 19)),
        ([str(MAX_LENGTH)], MAX_LENGTH),
        ([f"{MAX_LENGTH}, {MAX_LENGTH}"], MAX_LENGTH),
    ],
)
def test_parse_content_length_accepts(values: list[str], expected: int) -> None:
    assert parse_content_length(values) == expected


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([], id="no-values"),
        pytest.param([""], id="empty"),
        pytest.param([" "], id="blank"),
        pytest.param(["5,"], id="empty-member"),
        pytest.param(["5", "6"], id="unequal-fields"),
        pytest.param(["5, 6"], id="unequal-list"),
        pytest.param(["5, 5", "6"], id="unequal-list-and-field"),
        pytest.param(["1" * 20], id="20-digits"),
        pytest.param(["0" * 20], id="20-zeros"),
        pytest.param([str(2**63)], id="2**63"),
        pytest.param(["9" * 19], id="19-nines"),
        pytest.param([f"5, {2**63}"], id="2**63-in-list"),
        pytest.param(["²"], id="superscript-two"),
        pytest.param(["\u0663"], id="arabic-indic-three"),
        pytest.param(["5, ²"], id="superscript-in-list"),
        pytest.param(["+5"], id="plus"),
        pytest.param(["-1"], id="minus"),
        pytest.param(["0x5"], id="hex"),
        pytest.param(["5.0"], id="decimal"),
        pytest.param(["5 5"], id="inner-space"),
        pytest.param(["1_000"], id="underscore"),
    ],
)
def test_parse_content_length_rejects(values: list[str]) -> None:
    with pytest.raises(exc.FramingError):
        parse_content_length(values)


# ------------------------------------------------------------ response_framing


def framing(
    *,
    method: str = "GET",
    status: int = 200,
    http_version: int = 11,
    content_length: list[str] | None = None,
    transfer_encoding: list[str] | None = None,
    connection: list[str] | None = None,
    lenient: bool = False,
) -> tuple[Framing, bool]:
    return response_framing(
        method=method,
        status=status,
        http_version=http_version,
        content_length=content_length,
        transfer_encoding=transfer_encoding,
        connection=connection,
        lenient=lenient,
    )


@pytest.mark.parametrize(
    ("method", "status"),
    [("HEAD", 200), ("HEAD", 404), ("GET", 204), ("GET", 304), ("POST", 204), ("HEAD", 304)],
)
@pytest.mark.parametrize(
    ("content_length", "transfer_encoding"),
    [(None, None), (["10"], None), (None, ["chunked"]), (["10"], ["chunked"]), (["x"], ["gzip"])],
)
def test_rule_1_no_body_whatever_the_headers_say(
    method: str,
    status: int,
    content_length: list[str] | None,
    transfer_encoding: list[str] | None,
) -> None:
    # RFC 9112 §6.3 rule 1: HEAD, 204 and 304 end at the head; even the
    # otherwise fatal CL + TE combination is irrelevant there.
    assert framing(
        method=method,
        status=status,
        content_length=content_length,
        transfer_encoding=transfer_encoding,
    ) == (NoBody(), True)


@pytest.mark.parametrize("lenient", [False, True])
def test_rule_3_content_length_with_transfer_encoding_rejected(lenient: bool) -> None:
    with pytest.raises(exc.FramingError):
        framing(content_length=["5"], transfer_encoding=["chunked"], lenient=lenient)


@pytest.mark.parametrize("lenient", [False, True])
def test_http_10_with_transfer_encoding_rejected(lenient: bool) -> None:
    # RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding is faulty.
    with pytest.raises(exc.FramingError):
        framing(http_version=10, transfer_encoding=["chunked"], lenient=lenient)


@pytest.mark.parametrize(
    "transfer_encoding", [["chunked"], ["Chunked"], ["CHUNKED"], [" chunked\t"]]
)
@pytest.mark.parametrize("lenient", [False, True])
def test_rule_4_chunked(transfer_encoding: list[str], lenient: bool) -> None:
    assert framing(transfer_encoding=transfer_encoding, lenient=lenient) == (Chunked(), True)


@pytest.mark.parametrize(
    "transfer_encoding",
    [
        ["gzip"],
        ["gzip, chunked"],
        ["gzip", "chunked"],
        ["chunked, gzip"],
        ["chunked, chunked"],
        ["chunked", "chunked"],
        ["identity"],
        [""],
    ],
)
def test_strict_rejects_every_other_transfer_encoding(transfer_encoding: list[str]) -> None:
    with pytest.raises(exc.UnknownTransferEncoding):
        framing(transfer_encoding=transfer_encoding)


@pytest.mark.parametrize(
    "transfer_encoding", [["gzip"], ["identity"], ["gzip, br"], ["chunked, gzip"]]
)
def test_lenient_reads_until_close_when_chunked_is_absent(transfer_encoding: list[str]) -> None:
    # RFC 9112 §6.3 rule 4: chunked not final -> the body runs until close,
    # and a close-delimited body never leaves a reusable connection.
    assert framing(transfer_encoding=transfer_encoding, lenient=True) == (UntilClose(), False)


@pytest.mark.parametrize(
    "transfer_encoding",
    [["gzip, chunked"], ["chunked", "chunked"], ["chunked, chunked"]],
)
def test_lenient_still_rejects_chunked_in_the_wrong_place(transfer_encoding: list[str]) -> None:
    # Chunked present but not the sole coding: where the body ends is
    # ambiguous, so even the lenient profile refuses to guess.
    with pytest.raises(exc.UnknownTransferEncoding):
        framing(transfer_encoding=transfer_encoding, lenient=True)


def test_rule_5_content_length() -> None:
    assert framing(content_length=["42"]) == (ContentLength(42), True)
    assert framing(content_length=["0"]) == (ContentLength(0), True)
    assert framing(content_length=["7, 7", "7"]) == (ContentLength(7), True)


@pytest.mark.parametrize("content_length", [["5", "6"], ["abc"], [str(2**63)], ["²"]])
def test_rule_5_bad_content_length_rejected(content_length: list[str]) -> None:
    with pytest.raises(exc.FramingError):
        framing(content_length=content_length)


@pytest.mark.parametrize("http_version", [10, 11])
def test_rule_8_until_close_is_never_reusable(http_version: int) -> None:
    assert framing(http_version=http_version) == (UntilClose(), False)
    assert framing(http_version=http_version, connection=["keep-alive"]) == (UntilClose(), False)


# ------------------------------------------------------------ keep-alive (RFC 9112 §9.3)


@pytest.mark.parametrize(
    ("http_version", "connection", "keep_alive"),
    [
        (11, None, True),
        (11, ["keep-alive"], True),
        (11, ["Upgrade"], True),
        (11, ["close"], False),
        (11, ["Close"], False),
        (11, ["keep-alive, close"], False),
        (11, ["foo", " CLOSE "], False),
        (11, ["closed"], True),
        (10, None, False),
        (10, ["foo"], False),
        (10, ["keep-alive"], True),
        (10, ["Keep-Alive"], True),
        (10, ["foo, keep-alive"], True),
        (10, ["keep-alive, close"], False),
        (10, ["keep-alive", "close"], False),
    ],
)
def test_keep_alive_with_known_length(
    http_version: int, connection: list[str] | None, keep_alive: bool
) -> None:
    assert framing(http_version=http_version, content_length=["3"], connection=connection) == (
        ContentLength(3),
        keep_alive,
    )


@pytest.mark.parametrize(
    ("http_version", "connection", "keep_alive"),
    [(10, None, False), (10, ["keep-alive"], True), (11, ["close"], False), (11, None, True)],
)
def test_keep_alive_of_a_bodiless_response(
    http_version: int, connection: list[str] | None, keep_alive: bool
) -> None:
    # PROTOCOL-POLICY.md: HTTP/1.0 keep-alive is honoured for a bodiless status too.
    assert framing(http_version=http_version, status=204, connection=connection) == (
        NoBody(),
        keep_alive,
    )


def test_chunked_with_connection_close_is_not_reusable() -> None:
    assert framing(transfer_encoding=["chunked"], connection=["close"]) == (Chunked(), False)


def test_many_distinct_lengths() -> None:
    # Whatever is remembered between responses, every length comes out right.
    for length in range(3000):
        assert framing(content_length=[str(length)]) == (ContentLength(length), True)
    assert framing(content_length=["7"]) == (ContentLength(7), True)
