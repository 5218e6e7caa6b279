"""Response-parser test vectors: the bytes a server sends, and what the codec must make of them.

Each :class:`Vector` is data: the requests sent first, the raw response bytes,
whether (and how) the server then closes, the parser profile, and the
expected outcome. The outcome is either a list of normalised events plus the
final ``is_reusable()``, or an exception class (with the events that must come
before it). ``test_vectors.py`` runs every vector fed whole, byte by byte and
at seeded random split points, and demands the same outcome each time.

The expectations come from PROTOCOL-POLICY.md ("Limits", "Parsing decisions")
and RFC 9112 / RFC 9110, never from the implementation. Every decision of the
policy appears here on both sides: once accepted, once rejected.

Normalised events (see the small constructors below):

* ``("head", status, reason, http_version, ((name, value), ...))``
* ``("informational", status)``
* ``("data", body_bytes)``: consecutive Data events merged
* ``("end", ((trailer_name, value), ...))``
* ``("switched", raw_bytes_after_the_101_head)``

Where the class of a rejection is not pinned by the policy, the vector names
the nearest class the policy does pin (often ``InvalidResponse``); the runner
checks ``isinstance`` and that all feedings raise the very same class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from aiohttpcore import exceptions as exc

__all__ = ["HOST", "VECTORS", "Eof", "Event", "ProfileName", "Request", "Vector"]

HOST = "vectors.test"

Event: TypeAlias = tuple[object, ...]
Pair: TypeAlias = tuple[str, str]
Eof: TypeAlias = Literal["none", "clean", "unclean"]
ProfileName: TypeAlias = Literal["strict", "lenient"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One request sent before the response bytes arrive.

    A body is sent at once, or, with ``expect_continue``, when ``100
    Continue`` arrives (never, if a final response comes first).
    """

    method: str = "GET"
    headers: tuple[Pair, ...] = ()
    body: bytes = b""
    expect_continue: bool = False


GET = Request()
HEAD = Request(method="HEAD")
POST = Request(method="POST", body=b"abc")
POST_CONTINUE = Request(method="POST", body=b"hello", expect_continue=True)
UPGRADE = Request(headers=(("Connection", "Upgrade"), ("Upgrade", "websocket")))


@dataclass(frozen=True, slots=True, kw_only=True)
class Vector:
    """One test vector; exactly one of ``reusable`` and ``raises`` is set."""

    name: str
    category: str
    data: bytes
    requests: tuple[Request, ...]
    eof: Eof
    profile: ProfileName
    surface_informational: bool
    events: tuple[Event, ...]
    reusable: bool | None
    raises: type[Exception] | None
    unprocessed: bool | None

    def __post_init__(self) -> None:
        if (self.raises is None) == (self.reusable is None):
            raise ValueError(f"{self.name}: give exactly one of reusable= and raises=")
        if self.unprocessed is not None and self.raises is not exc.ConnectionClosed:
            raise ValueError(f"{self.name}: unprocessed= goes with ConnectionClosed only")
        if not self.requests:
            raise ValueError(f"{self.name}: at least one request is needed")


def vec(
    name: str,
    data: bytes,
    *events: Event,
    requests: Sequence[Request] = (GET,),
    eof: Eof = "none",
    profile: ProfileName = "strict",
    surface: bool = False,
    reusable: bool | None = None,
    raises: type[Exception] | None = None,
    unprocessed: bool | None = None,
) -> Vector:
    """Build a vector; the category is filled in by :func:`_section`."""
    return Vector(
        name=name,
        category="",
        data=data,
        requests=tuple(requests),
        eof=eof,
        profile=profile,
        surface_informational=surface,
        events=events,
        reusable=reusable,
        raises=raises,
        unprocessed=unprocessed,
    )


def _section(category: str, vectors: list[Vector]) -> list[Vector]:
    return [dataclasses.replace(v, category=category) for v in vectors]


# ---------------------------------------------------------------- expected events


def head(status: int, reason: str = "OK", *headers: Pair, version: int = 11) -> Event:
    return ("head", status, reason, version, tuple(headers))


def head10(status: int, reason: str = "OK", *headers: Pair) -> Event:
    return head(status, reason, *headers, version=10)


def data(body: bytes) -> Event:
    return ("data", body)


def end(*trailers: Pair) -> Event:
    return ("end", tuple(trailers))


def info(status: int) -> Event:
    return ("informational", status)


def switched(raw: bytes) -> Event:
    return ("switched", raw)


CL0: Pair = ("Content-Length", "0")
TE_CHUNKED: Pair = ("Transfer-Encoding", "chunked")
CLOSE: Pair = ("Connection", "close")
KEEP_ALIVE: Pair = ("Connection", "keep-alive")


def cl(n: int | str) -> Pair:
    return ("Content-Length", str(n))


OK_CL0 = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
HELLO_CL = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
INTERIM_103 = b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"


# ---------------------------------------------------------------- generated heads


def _pad_lines(total: int) -> list[bytes]:
    """Header lines ``X-Pad-NN: ppp...`` of at most 16000 bytes each, *total* bytes in all."""
    lines = []
    index = 0
    while total > 0:
        size = min(total, 16000)
        if 0 < total - size < 13:
            size -= 13
        lines.append(b"X-Pad-%02d: " % index + b"p" * (size - 12) + b"\r\n")
        total -= size
        index += 1
    return lines


def _pairs(lines: Sequence[bytes]) -> tuple[Pair, ...]:
    """The (name, value) pairs of simple ``Name: value\\r\\n`` lines."""
    result = []
    for line in lines:
        name, _, value = line[:-2].partition(b": ")
        result.append((name.decode("latin-1"), value.decode("latin-1")))
    return tuple(result)


def _numbered(count: int, name: str) -> list[bytes]:
    return [b"%s-%03d: v\r\n" % (name.encode(), i) for i in range(count)]


STATUS_OK = b"HTTP/1.1 200 OK\r\n"
LINE = 16 * 1024
HEAD_BUDGET = 100 * 1024

# A status line of exactly 16 KiB, CRLF included: inside the budget however it is measured.
_LONG_REASON = "R" * (LINE - len(b"HTTP/1.1 200 ") - 2)
# A header line of exactly 16 KiB, CRLF included.
_LONG_VALUE = "v" * (LINE - len(b"X-Long: ") - 2)
# A head of exactly 100 KiB: status line, Content-Length: 0, padding, empty line.
_FULL_HEAD_PAD = _pad_lines(HEAD_BUDGET - len(STATUS_OK) - len(b"Content-Length: 0\r\n") - 2)
# Complete header lines 2000 bytes past the head budget, and one more after them.
_OVER_HEAD_PAD = _pad_lines(HEAD_BUDGET + 2000)
# 96000 bytes of complete lines, then 8000 bytes of a line that has not ended:
# the head passes 100 KiB inside a line that is itself well under 16 KiB.
_PARTIAL_OVER = b"".join(_pad_lines(96000)) + b"X-Partial: " + b"q" * (8000 - 11)

_H127 = _numbered(127, "X-H")
_H128 = _numbered(128, "X-H")
_H129 = _numbered(129, "X-H")
_T127 = _numbered(127, "X-T")
_T128 = _numbered(128, "X-T")
_H99 = _numbered(99, "X-H")
_T28 = _numbered(28, "X-T")
_T29 = _numbered(29, "X-T")

_EXT_OK = b"e" * 4000  # a chunk extension well inside 4 KiB
_EXT_LONG = b"e" * 4200  # well past 4 KiB
_EXT_QUARTER = b"e" * 3900  # four fit in 16 KiB per body, five do not


def _interims(count: int, line: bytes = INTERIM_103) -> bytes:
    return line * count


# ====================================================================== status line

_STATUS_LINE = _section(
    "status-line",
    [
        # -- accepted
        vec("status_basic_200", OK_CL0, head(200, "OK", CL0), end(), reusable=True),
        vec(
            "status_http10_version",
            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            reusable=False,
        ),
        vec(
            "status_reason_with_spaces",
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            head(404, "Not Found", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_empty_reason_after_space",
            b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
            head(200, "", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_reason_obs_text",
            b"HTTP/1.1 200 \xe9t\xe9\r\nContent-Length: 0\r\n\r\n",
            head(200, "\xe9t\xe9", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_reason_htab",
            b"HTTP/1.1 200 O\tK\r\nContent-Length: 0\r\n\r\n",
            head(200, "O\tK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_reason_punctuation",
            b"HTTP/1.1 200 Ok: fine (really)!\r\nContent-Length: 0\r\n\r\n",
            head(200, "Ok: fine (really)!", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_unknown_code_599",
            b"HTTP/1.1 599 Custom\r\nContent-Length: 0\r\n\r\n",
            head(599, "Custom", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_unknown_code_299",
            b"HTTP/1.1 299 Odd\r\nContent-Length: 0\r\n\r\n",
            head(299, "Odd", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_200_with_body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            head(200, "OK", cl(1)),
            data(b"x"),
            end(),
            reusable=True,
        ),
        vec(
            "status_bare_lf_after_status_line",
            b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        # -- empty lines before the status line: at most 2 skipped
        vec(
            "status_one_empty_line_before",
            b"\r\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_two_empty_lines_before",
            b"\r\n\r\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_two_bare_lf_empty_lines_before",
            b"\n\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_mixed_empty_lines_before",
            b"\r\n\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "status_three_empty_lines_before",
            b"\r\n\r\n\r\n" + OK_CL0,
            raises=exc.InvalidResponse,
        ),
        vec(
            "status_three_bare_lf_empty_lines_before",
            b"\n\n\n" + OK_CL0,
            raises=exc.InvalidResponse,
        ),
        vec(
            "status_three_empty_lines_nothing_after",
            b"\r\n\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "status_whitespace_line_before",
            b" \r\n" + OK_CL0,
            raises=exc.InvalidResponse,
        ),
        # -- status code: exactly 3 digits, 100-599 (BadStatusLine)
        vec("status_code_two_digits", b"HTTP/1.1 20 OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_four_digits", b"HTTP/1.1 2000 OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_600", b"HTTP/1.1 600 Nope\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_999", b"HTTP/1.1 999 Nope\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_099", b"HTTP/1.1 099 Nope\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_000", b"HTTP/1.1 000 Nope\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_letters", b"HTTP/1.1 2OO OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_plus_sign", b"HTTP/1.1 +20 OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_minus_sign", b"HTTP/1.1 -20 OK\r\n\r\n", raises=exc.BadStatusLine),
        # int("2_0") == 20 and "\xb2".isdigit() is true: neither is a DIGIT.
        vec("status_code_underscore", b"HTTP/1.1 2_0 OK\r\n\r\n", raises=exc.BadStatusLine),
        vec(
            "status_code_superscript_digit",
            b"HTTP/1.1 2\xb20 OK\r\n\r\n",
            raises=exc.BadStatusLine,
        ),
        vec("status_code_glued_reason", b"HTTP/1.1 200OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_double_space", b"HTTP/1.1  200 OK\r\n\r\n", raises=exc.BadStatusLine),
        vec("status_code_missing", b"HTTP/1.1 \r\n\r\n", raises=exc.InvalidResponse),
        vec("status_only_version", b"HTTP/1.1\r\n\r\n", raises=exc.InvalidResponse),
        # -- the rest of the line
        vec("status_tab_separator", b"HTTP/1.1\t200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_leading_space", b" HTTP/1.1 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec(
            "status_bare_cr_in_line",
            b"HTTP/1.1 200 OK\rX-Smuggled: 1\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec("status_version_http2", b"HTTP/2.0 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_version_http2_short", b"HTTP/2 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_version_lowercase", b"http/1.1 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_version_https", b"HTTPS/1.1 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_version_09", b"HTTP/0.9 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec("status_version_no_minor", b"HTTP/1 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec(
            "status_version_two_digit_minor",
            b"HTTP/1.10 200 OK\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec("status_icy_protocol", b"ICY 200 OK\r\n\r\n", raises=exc.InvalidResponse),
        vec(
            "status_html_instead",
            b"<html><body>hello</body></html>\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
    ],
)

# ====================================================================== headers

_HEADERS = _section(
    "headers",
    [
        # -- accepted
        vec(
            "headers_order_case_and_duplicates_kept",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\n"
            b"x-lower: l\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
            head(
                200,
                "OK",
                ("Content-Type", "text/plain"),
                ("Set-Cookie", "a=1"),
                ("x-lower", "l"),
                ("Set-Cookie", "b=2"),
                CL0,
            ),
            end(),
            reusable=True,
        ),
        vec(
            "headers_ows_stripped",
            b"HTTP/1.1 200 OK\r\nX-A:   spaced value \t\r\nX-B:\tt\t\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "spaced value"), ("X-B", "t"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_no_space_after_colon",
            b"HTTP/1.1 200 OK\r\nX-A:v\r\nContent-Length:0\r\n\r\n",
            head(200, "OK", ("X-A", "v"), ("Content-Length", "0")),
            end(),
            reusable=True,
        ),
        vec(
            "headers_empty_values",
            b"HTTP/1.1 200 OK\r\nX-A:\r\nX-B: \r\nX-C: \t \r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", ""), ("X-B", ""), ("X-C", ""), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_inner_whitespace_kept",
            b"HTTP/1.1 200 OK\r\nX-A: a  \t b\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "a  \t b"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_value_with_colons",
            b"HTTP/1.1 200 OK\r\nX-A: a:b::c\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "a:b::c"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_name_all_token_chars",
            b"HTTP/1.1 200 OK\r\nX-!#$%&'*+.^_`|~09az: v\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-!#$%&'*+.^_`|~09az", "v"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_text_value",
            b"HTTP/1.1 200 OK\r\nX-A: caf\xe9 \xff\x80\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "caf\xe9 \xff\x80"), CL0),
            end(),
            reusable=True,
        ),
        # Control characters other than NUL/CR/LF are accepted (policy) and
        # kept; OWS is SP/HTAB only (RFC 9110 §5.6.3), so str.strip() or
        # bytes.strip() must not eat VT, FF, FS..US, NEL or NBSP at the edges.
        vec(
            "headers_control_chars_inside_value",
            b"HTTP/1.1 200 OK\r\nX-A: a\x01b\x1bc\x7fd\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "a\x01b\x1bc\x7fd"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_vt_ff_at_value_edges_kept",
            b"HTTP/1.1 200 OK\r\nX-A: \x0bv\x0c\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "\x0bv\x0c"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_fs_us_at_value_edges_kept",
            b"HTTP/1.1 200 OK\r\nX-A: \x1cv\x1f\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "\x1cv\x1f"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_nbsp_nel_at_value_edges_kept",
            b"HTTP/1.1 200 OK\r\nX-A: \xa0v\x85\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-A", "\xa0v\x85"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_bare_lf_line_ends",
            b"HTTP/1.1 200 OK\nX-A: a\nContent-Length: 2\n\nhi",
            head(200, "OK", ("X-A", "a"), cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        vec(
            "headers_mixed_line_ends",
            b"HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 2\r\n\nhi",
            head(200, "OK", ("X-A", "a"), cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        vec(
            "headers_bare_lf_end_of_head_after_crlf",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nhi",
            head(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        # -- obs-fold: unfold to one SP (RFC 9112 §5.2)
        vec(
            "headers_obs_fold_space",
            b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "a b"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_fold_tab",
            b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n\tb\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "a b"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_fold_several_lines",
            b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\n \t c\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "a b c"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_fold_with_surrounding_ows",
            b"HTTP/1.1 200 OK\r\nX-Fold: a \t\r\n   b\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "a b"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_fold_after_empty_value",
            b"HTTP/1.1 200 OK\r\nX-Fold:\r\n b\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "b"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "headers_obs_fold_last_before_body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Fold: a\r\n b\r\n\r\nhi",
            head(200, "OK", cl(2), ("X-Fold", "a b")),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        # -- rejected (strict)
        vec(
            "headers_space_before_colon",
            b"HTTP/1.1 200 OK\r\nX-Foo : bar\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_tab_before_colon",
            b"HTTP/1.1 200 OK\r\nX-Foo\t: bar\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_space_before_colon_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
            raises=exc.InvalidResponse,
        ),
        vec(
            "headers_nul_in_value",
            b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_nul_at_value_end",
            b"HTTP/1.1 200 OK\r\nX-A: a\x00\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_nul_in_name",
            b"HTTP/1.1 200 OK\r\nX-\x00A: a\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_bare_cr_in_value",
            b"HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_bare_cr_at_value_end",
            b"HTTP/1.1 200 OK\r\nX-A: a\r\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_bare_cr_as_line_end",
            b"HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 5\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_no_colon",
            b"HTTP/1.1 200 OK\r\nX-Foo\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_empty_name",
            b"HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_space_inside_name",
            b"HTTP/1.1 200 OK\r\nX Foo: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_non_token_name_paren",
            b"HTTP/1.1 200 OK\r\nX(Foo): v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_non_token_name_slash",
            b"HTTP/1.1 200 OK\r\nX/Foo: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_non_ascii_name",
            b"HTTP/1.1 200 OK\r\nX-\xe9: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_control_char_in_name",
            b"HTTP/1.1 200 OK\r\nX\x01A: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        vec(
            "headers_del_in_name",
            b"HTTP/1.1 200 OK\r\nX\x7fA: v\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidHeader,
        ),
        # obs-fold before the first header (RFC 9112 §2.2) and in framing headers: reject.
        vec(
            "headers_obs_fold_before_first_header",
            b"HTTP/1.1 200 OK\r\n X-A: a\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "headers_obs_fold_tab_before_first_header",
            b"HTTP/1.1 200 OK\r\n\tX-A: a\r\nContent-Length: 0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "headers_obs_fold_in_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length:\r\n 5\r\n\r\nhello",
            raises=exc.InvalidResponse,
        ),
        vec(
            "headers_obs_fold_continuing_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 0\r\n\r\nhello",
            raises=exc.InvalidResponse,
        ),
        vec(
            "headers_obs_fold_in_transfer_encoding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
    ],
)

# ====================================================================== limits

_LIMITS = _section(
    "limits",
    [
        # -- one line: 16 KiB
        vec(
            "limit_status_line_exactly_16k",
            b"HTTP/1.1 200 " + _LONG_REASON.encode() + b"\r\nContent-Length: 0\r\n\r\n",
            head(200, _LONG_REASON, CL0),
            end(),
            reusable=True,
        ),
        vec(
            "limit_status_line_over_16k_never_ends",
            b"HTTP/1.1 200 " + b"R" * (LINE + 1 - 13),
            raises=exc.LineTooLong,
        ),
        vec(
            "limit_status_line_over_16k_terminated",
            b"HTTP/1.1 200 " + b"R" * (LINE + 1 - 13) + b"\r\nContent-Length: 0\r\n\r\n",
            raises=exc.LineTooLong,
        ),
        vec(
            "limit_garbage_line_over_16k_never_ends",
            b"x" * (LINE + 1),
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_header_line_exactly_16k",
            STATUS_OK + b"X-Long: " + _LONG_VALUE.encode() + b"\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Long", _LONG_VALUE), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "limit_header_line_over_16k_never_ends",
            STATUS_OK + b"X-Long: " + b"v" * (LINE + 1 - 8),
            raises=exc.LineTooLong,
        ),
        vec(
            "limit_header_line_over_16k_terminated",
            STATUS_OK + b"X-Long: " + b"v" * (LINE + 1 - 8) + b"\r\nContent-Length: 0\r\n\r\n",
            raises=exc.LineTooLong,
        ),
        vec(
            "limit_folded_continuation_line_over_16k_never_ends",
            STATUS_OK + b"X-Fold: a\r\n " + b"b" * LINE,
            raises=exc.LineTooLong,
        ),
        vec(
            "limit_trailer_line_over_16k_never_ends",
            CHUNKED_HEAD + b"1\r\na\r\n0\r\nX-T: " + b"t" * LINE,
            head(200, "OK", TE_CHUNKED),
            data(b"a"),
            raises=exc.LineTooLong,
        ),
        # -- whole head: 100 KiB
        vec(
            "limit_head_exactly_100k",
            STATUS_OK + b"Content-Length: 0\r\n" + b"".join(_FULL_HEAD_PAD) + b"\r\n",
            head(200, "OK", CL0, *_pairs(_FULL_HEAD_PAD)),
            end(),
            reusable=True,
        ),
        vec(
            "limit_head_over_100k_terminated",
            STATUS_OK + b"".join(_OVER_HEAD_PAD) + b"Content-Length: 0\r\n\r\n",
            raises=exc.HeadTooLarge,
        ),
        vec(
            "limit_head_over_100k_complete_lines_never_ends",
            STATUS_OK + b"".join(_OVER_HEAD_PAD) + b"X-Last: y\r\nX",
            raises=exc.HeadTooLarge,
        ),
        vec(
            "limit_head_over_100k_inside_a_short_line",
            STATUS_OK + _PARTIAL_OVER,
            raises=exc.HeadTooLarge,
        ),
        # -- header lines: 128, trailers share the budget
        vec(
            "limit_128_header_lines",
            STATUS_OK + b"".join(_H127) + b"Content-Length: 0\r\n\r\n",
            head(200, "OK", *_pairs(_H127), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "limit_129_header_lines_terminated",
            STATUS_OK + b"".join(_H128) + b"Content-Length: 0\r\n\r\n",
            raises=exc.TooManyHeaders,
        ),
        vec(
            "limit_129_header_lines_never_ends",
            STATUS_OK + b"".join(_H129) + b"X",
            raises=exc.TooManyHeaders,
        ),
        vec(
            "limit_headers_plus_trailers_128",
            CHUNKED_HEAD + b"1\r\na\r\n0\r\n" + b"".join(_T127) + b"\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"a"),
            end(*_pairs(_T127)),
            reusable=True,
        ),
        vec(
            "limit_headers_plus_trailers_129",
            CHUNKED_HEAD + b"1\r\na\r\n0\r\n" + b"".join(_T128) + b"\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"a"),
            raises=exc.TooManyHeaders,
        ),
        vec(
            "limit_100_headers_28_trailers",
            STATUS_OK
            + b"".join(_H99)
            + b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
            + b"".join(_T28)
            + b"\r\n",
            head(200, "OK", *_pairs(_H99), TE_CHUNKED),
            data(b"a"),
            end(*_pairs(_T28)),
            reusable=True,
        ),
        vec(
            "limit_100_headers_29_trailers",
            STATUS_OK
            + b"".join(_H99)
            + b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
            + b"".join(_T29)
            + b"\r\n",
            head(200, "OK", *_pairs(_H99), TE_CHUNKED),
            data(b"a"),
            raises=exc.TooManyHeaders,
        ),
        # -- Content-Length: 1*DIGIT, at most 19 digits, < 2**63
        vec(
            "limit_content_length_2pow63_minus_1",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nabc",
            head(200, "OK", cl("9223372036854775807")),
            data(b"abc"),
            reusable=False,
        ),
        vec(
            "limit_content_length_19_digits_leading_zeros",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000005\r\n\r\nhello",
            head(200, "OK", cl("0000000000000000005")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "limit_content_length_20_digits_leading_zeros",
            b"HTTP/1.1 200 OK\r\nContent-Length: 00000000000000000005\r\n\r\nhello",
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_content_length_2pow63",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\nabc",
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_content_length_100_digits",
            b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 100 + b"\r\n\r\nabc",
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_content_length_digits_never_end",
            b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * (LINE + 1),
            raises=exc.InvalidResponse,
        ),
        # -- chunk size: 1*HEXDIG, at most 16 hex digits
        vec(
            "limit_chunk_size_16_hex_digits",
            CHUNKED_HEAD + b"000000000000000a\r\n0123456789\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"0123456789"),
            end(),
            reusable=True,
        ),
        vec(
            "limit_chunk_size_17_hex_digits",
            CHUNKED_HEAD + b"0000000000000000a\r\n0123456789\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_chunk_size_huge_16_digits_7fff",
            CHUNKED_HEAD + b"7fffffffffffffff\r\nabc",
            head(200, "OK", TE_CHUNKED),
            data(b"abc"),
            reusable=False,
        ),
        vec(
            "limit_chunk_size_huge_16_digits_ffff",
            CHUNKED_HEAD + b"ffffffffffffffff\r\nabc",
            head(200, "OK", TE_CHUNKED),
            data(b"abc"),
            reusable=False,
        ),
        vec(
            "limit_chunk_size_17_nonzero_hex_digits",
            CHUNKED_HEAD + b"11111111111111111\r\nabc",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "limit_chunk_size_line_never_ends",
            CHUNKED_HEAD + b"0" * (LINE + 1),
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        # -- chunk extensions: 4 KiB per line, 16 KiB per body
        vec(
            "limit_chunk_extension_4000_bytes",
            CHUNKED_HEAD + b"1;" + _EXT_OK + b"\r\na\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"a"),
            end(),
            reusable=True,
        ),
        vec(
            "limit_chunk_extension_over_4k_terminated",
            CHUNKED_HEAD + b"1;" + _EXT_LONG + b"\r\na\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.LimitExceeded,
        ),
        vec(
            "limit_chunk_extension_over_4k_never_ends",
            CHUNKED_HEAD + b"1;" + b"e" * 5000,
            head(200, "OK", TE_CHUNKED),
            raises=exc.LimitExceeded,
        ),
        vec(
            "limit_chunk_extensions_four_lines_under_16k",
            CHUNKED_HEAD
            + b"".join(b"1;" + _EXT_QUARTER + b"\r\n" + bytes([c]) + b"\r\n" for c in b"abcd")
            + b"0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"abcd"),
            end(),
            reusable=True,
        ),
        vec(
            "limit_chunk_extensions_five_lines_over_16k",
            CHUNKED_HEAD
            + b"".join(b"1;" + _EXT_QUARTER + b"\r\n" + bytes([c]) + b"\r\n" for c in b"abcde")
            + b"0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"abcd"),
            raises=exc.LimitExceeded,
        ),
        # -- interim responses: 100 per request
        vec(
            "limit_100_interim_responses",
            _interims(100) + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "limit_101_interim_responses_never_final",
            _interims(101),
            raises=exc.LimitExceeded,
        ),
        vec(
            "limit_101_interim_100_continue",
            _interims(101, b"HTTP/1.1 100 Continue\r\n\r\n") + OK_CL0,
            raises=exc.LimitExceeded,
        ),
        vec(
            "limit_100_interim_surfaced",
            _interims(100) + OK_CL0,
            *[info(103)] * 100,
            head(200, "OK", CL0),
            end(),
            surface=True,
            reusable=True,
        ),
        vec(
            "limit_101_interim_surfaced",
            _interims(101) + OK_CL0,
            *[info(103)] * 100,
            surface=True,
            raises=exc.LimitExceeded,
        ),
        vec(
            "limit_interim_budget_is_per_request",
            _interims(100) + OK_CL0 + _interims(100) + OK_CL0,
            head(200, "OK", CL0),
            end(),
            head(200, "OK", CL0),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
    ],
)

# ====================================================================== Content-Length

_BAD_CONTENT_LENGTHS: list[tuple[str, bytes]] = [
    ("negative", b"-5"),
    ("plus_sign", b"+5"),
    ("hex", b"0x5"),
    ("decimal_point", b"5.0"),
    ("empty", b""),
    ("inner_space", b"5 5"),
    ("underscore", b"1_0"),  # int("1_0") == 10
    ("superscript_digit", b"\xb2"),  # "\xb2".isdigit() is true
    ("letters", b"abc"),
    ("trailing_letter", b"5a"),
    ("comma_only", b","),
    ("semicolon", b"5;"),
]

_CONTENT_LENGTH = _section(
    "content-length",
    [
        vec("cl_basic", HELLO_CL, head(200, "OK", cl(5)), data(b"hello"), end(), reusable=True),
        vec("cl_zero", OK_CL0, head(200, "OK", CL0), end(), reusable=True),
        vec(
            "cl_ows_around_value",
            b"HTTP/1.1 200 OK\r\nContent-Length: \t 5 \t\r\n\r\nhello",
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_name_case_insensitive",
            b"HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh: 5\r\n\r\nhello",
            head(200, "OK", ("cOnTeNt-LeNgTh", "5")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_leading_zeros",
            b"HTTP/1.1 200 OK\r\nContent-Length: 005\r\n\r\nhello",
            head(200, "OK", cl("005")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_duplicate_identical",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            head(200, "OK", cl(5), cl(5)),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_list_equal",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
            head(200, "OK", cl("5, 5")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_list_equal_no_space",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5,5\r\n\r\nhello",
            head(200, "OK", cl("5,5")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_list_three_equal",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5 ,5,\t5\r\n\r\nhello",
            head(200, "OK", cl("5 ,5,\t5")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_line_and_list_equal",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello",
            head(200, "OK", cl(5), cl("5, 5")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "cl_large_body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + b"z" * 70000,
            head(200, "OK", cl(70000)),
            data(b"z" * 70000),
            end(),
            reusable=True,
        ),
        vec(
            "cl_body_then_stray_bytes",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiEXTRA",
            head(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            reusable=False,
        ),
        vec(
            "cl_body_incomplete_waits",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            head(200, "OK", cl(5)),
            data(b"hel"),
            reusable=False,
        ),
        # -- rejected
        vec(
            "cl_duplicate_differing",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            raises=exc.FramingError,
        ),
        vec(
            "cl_list_differing",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
            raises=exc.FramingError,
        ),
        vec(
            "cl_line_and_list_differing",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5, 6\r\n\r\nhello!",
            raises=exc.FramingError,
        ),
        vec(
            "cl_duplicate_zero_and_nonzero",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
            raises=exc.FramingError,
        ),
        *[
            vec(
                f"cl_invalid_{label}",
                b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nhello",
                raises=exc.InvalidResponse,
            )
            for label, value in _BAD_CONTENT_LENGTHS
        ],
        vec(
            "cl_and_te_chunked",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
            raises=exc.FramingError,
        ),
        vec(
            "te_chunked_and_cl",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
            raises=exc.FramingError,
        ),
        vec(
            "cl_zero_and_te_chunked",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            raises=exc.FramingError,
        ),
        vec(
            "cl_and_te_chunked_http10",
            b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
            raises=exc.FramingError,
        ),
    ],
)

# ====================================================================== chunked

_BAD_CHUNK_SIZES: list[tuple[str, bytes]] = [
    ("letter_g", b"g"),
    ("empty", b""),
    ("negative", b"-5"),
    ("plus_sign", b"+5"),
    ("0x_prefix", b"0x5"),
    ("underscore", b"5_0"),  # int("5_0", 16) == 0x50
    ("leading_space", b" 5"),
    ("leading_tab", b"\t5"),
    ("semicolon_without_size", b";ext"),
    ("vt_after_size", b"5\x0b"),  # only SP/HTAB may follow the size
    ("ff_after_size", b"5\x0c"),
    ("inner_space", b"5 5"),
]

_CHUNKED = _section(
    "chunked",
    [
        vec(
            "chunked_basic",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_several_chunks",
            CHUNKED_HEAD + b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello world"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_empty_body",
            CHUNKED_HEAD + b"0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_hex_upper",
            CHUNKED_HEAD + b"A\r\n0123456789\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"0123456789"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_hex_lower",
            CHUNKED_HEAD + b"a\r\n0123456789\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"0123456789"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_size_leading_zeros",
            CHUNKED_HEAD + b"0005\r\nhello\r\n000\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_large_chunk",
            CHUNKED_HEAD + b"11170\r\n" + b"y" * 0x11170 + b"\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"y" * 0x11170),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_data_containing_crlf",
            CHUNKED_HEAD + b"6\r\n\r\n0\r\n\r\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"\r\n0\r\n\r"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_te_value_ows",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding:   chunked \t\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        # RFC 9112 §7: transfer-coding names are case-insensitive.
        vec(
            "chunked_te_value_case_insensitive",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", ("Transfer-Encoding", "Chunked")),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        # -- SP/HTAB after the size: accepted
        vec(
            "chunked_space_after_size",
            CHUNKED_HEAD + b"5 \r\nhello\r\n0 \r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_tab_after_size",
            CHUNKED_HEAD + b"5\t\r\nhello\r\n0\t\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_mixed_ws_after_size",
            CHUNKED_HEAD + b"5 \t \r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        # -- chunk extensions: ignored
        vec(
            "chunked_extension_name_value",
            CHUNKED_HEAD + b"5;foo=bar\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_extension_name_only",
            CHUNKED_HEAD + b"5;foo\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_extension_quoted_value",
            CHUNKED_HEAD + b'5;foo="a b;c"\r\nhello\r\n0\r\n\r\n',
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_extension_after_space",
            CHUNKED_HEAD + b"5 ;foo=bar;baz\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "chunked_extension_on_last_chunk",
            CHUNKED_HEAD + b"5\r\nhello\r\n0;final=yes\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        # -- trailers
        vec(
            "chunked_trailers",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-Trailer: a\r\nX-Other:  b \r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(("X-Trailer", "a"), ("X-Other", "b")),
            reusable=True,
        ),
        vec(
            "chunked_trailer_nul_in_value",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidHeader,
        ),
        vec(
            "chunked_trailer_bare_cr_in_value",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidHeader,
        ),
        vec(
            "chunked_trailer_space_before_colon",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-T : a\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidHeader,
        ),
        vec(
            "chunked_last_chunk_waits_for_final_crlf",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            reusable=False,
        ),
        # -- rejected: sizes (FramingError)
        *[
            vec(
                f"chunked_bad_size_{label}",
                CHUNKED_HEAD + value + b"\r\nhello\r\n0\r\n\r\n",
                head(200, "OK", TE_CHUNKED),
                raises=exc.FramingError,
            )
            for label, value in _BAD_CHUNK_SIZES
        ],
        # -- rejected: bare LF / bare CR in chunk lines, missing CRLF after data
        vec(
            "chunked_bare_lf_after_size",
            CHUNKED_HEAD + b"5\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_lf_after_data",
            CHUNKED_HEAD + b"5\r\nhello\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_lf_after_last_chunk_size",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_lf_after_extension",
            CHUNKED_HEAD + b"5;a=b\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_cr_after_size",
            CHUNKED_HEAD + b"5\rhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_cr_in_extension",
            CHUNKED_HEAD + b"5;a\rb\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_lf_in_extension",
            CHUNKED_HEAD + b"5;a\nb\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_bare_cr_after_data",
            CHUNKED_HEAD + b"5\r\nhello\rX0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_missing_crlf_after_data",
            CHUNKED_HEAD + b"5\r\nhelloX\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_data_longer_than_size",
            CHUNKED_HEAD + b"3\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hel"),
            raises=exc.InvalidResponse,
        ),
        vec(
            "chunked_next_size_glued_to_data",
            CHUNKED_HEAD + b"5\r\nhello0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            raises=exc.InvalidResponse,
        ),
        # -- rejected: Transfer-Encoding values (strict)
        vec(
            "te_gzip_only",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxxxx",
            raises=exc.UnknownTransferEncoding,
        ),
        vec(
            "te_chunked_not_final",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxxxx",
            raises=exc.UnknownTransferEncoding,
        ),
        vec(
            "te_identity",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nxxxx",
            raises=exc.UnknownTransferEncoding,
        ),
        vec(
            "te_chunked_with_parameter",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "te_chunked_twice_in_list",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "te_chunked_twice_in_lines",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
            b"\r\n0\r\n\r\n",
            raises=exc.InvalidResponse,
        ),
        vec(
            "te_empty_value",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\nxxxx",
            raises=exc.InvalidResponse,
        ),
    ],
)

# ====================================================================== bodiless

_BODILESS = _section(
    "bodiless",
    [
        vec(
            "head_with_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
            head(200, "OK", cl(1000)),
            end(),
            requests=(HEAD,),
            reusable=True,
        ),
        vec(
            "head_with_chunked",
            CHUNKED_HEAD,
            head(200, "OK", TE_CHUNKED),
            end(),
            requests=(HEAD,),
            reusable=True,
        ),
        vec(
            "head_without_length",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
            head(200, "OK", ("Content-Type", "text/html")),
            end(),
            requests=(HEAD,),
            reusable=True,
        ),
        vec(
            "head_404_with_content_length",
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n",
            head(404, "Not Found", cl(9)),
            end(),
            requests=(HEAD,),
            reusable=True,
        ),
        vec(
            "status_204_with_content_length",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
            head(204, "No Content", cl(5)),
            end(),
            reusable=True,
        ),
        vec(
            "status_204_with_chunked",
            b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
            head(204, "No Content", TE_CHUNKED),
            end(),
            reusable=True,
        ),
        vec(
            "status_204_without_length",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            head(204, "No Content"),
            end(),
            reusable=True,
        ),
        vec(
            "status_304_with_content_length",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
            head(304, "Not Modified", cl(100)),
            end(),
            reusable=True,
        ),
        vec(
            "status_304_with_chunked",
            b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
            head(304, "Not Modified", TE_CHUNKED),
            end(),
            reusable=True,
        ),
        vec(
            "status_304_without_length",
            b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n',
            head(304, "Not Modified", ("ETag", '"x"')),
            end(),
            reusable=True,
        ),
        vec(
            "status_204_content_length_then_next_response",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" + HELLO_CL,
            head(204, "No Content", cl(5)),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "status_304_chunked_then_next_response",
            b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n" + HELLO_CL,
            head(304, "Not Modified", TE_CHUNKED),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "head_content_length_then_next_response",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + HELLO_CL,
            head(200, "OK", cl(5)),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(HEAD, GET),
            reusable=True,
        ),
        vec(
            "interim_with_content_length_has_no_body",
            b"HTTP/1.1 103 Early Hints\r\nContent-Length: 5\r\n\r\n" + HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "interim_with_chunked_has_no_body",
            b"HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n" + HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            reusable=True,
        ),
    ],
)

# ====================================================================== 1xx

_INFORMATIONAL = _section(
    "informational",
    [
        vec(
            "continue_with_expect_continue",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            info(100),
            head(200, "OK", cl(2)),
            data(b"ok"),
            end(),
            requests=(POST_CONTINUE,),
            reusable=True,
        ),
        vec(
            "continue_expected_but_final_first",
            b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n",
            head(417, "Expectation Failed", CL0),
            end(),
            requests=(POST_CONTINUE,),
            reusable=False,
        ),
        vec(
            "continue_expected_but_200_first",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            head(200, "OK", cl(2)),
            data(b"ok"),
            end(),
            requests=(POST_CONTINUE,),
            reusable=False,
        ),
        vec(
            "continue_without_expect_skipped",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            head(200, "OK", cl(2)),
            data(b"ok"),
            end(),
            reusable=True,
        ),
        vec(
            "continue_without_expect_surfaced",
            b"HTTP/1.1 100 Continue\r\n\r\n" + OK_CL0,
            info(100),
            head(200, "OK", CL0),
            end(),
            surface=True,
            reusable=True,
        ),
        vec(
            "early_hints_skipped",
            INTERIM_103 + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "early_hints_surfaced",
            INTERIM_103 + OK_CL0,
            info(103),
            head(200, "OK", CL0),
            end(),
            surface=True,
            reusable=True,
        ),
        vec(
            "processing_102_skipped",
            b"HTTP/1.1 102 Processing\r\n\r\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "unknown_interim_199_skipped",
            b"HTTP/1.1 199 Whatever\r\nX-A: b\r\n\r\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "several_interims_surfaced_in_order",
            b"HTTP/1.1 102 Processing\r\n\r\n" + INTERIM_103 + INTERIM_103 + OK_CL0,
            info(102),
            info(103),
            info(103),
            head(200, "OK", CL0),
            end(),
            surface=True,
            reusable=True,
        ),
        vec(
            "interims_bare_lf",
            b"HTTP/1.1 103 Early Hints\nLink: </a>\n\n" + OK_CL0,
            head(200, "OK", CL0),
            end(),
            reusable=True,
        ),
        vec(
            "upgrade_101_switches",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"\r\n\x81\x05hello",
            head(
                101,
                "Switching Protocols",
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
            ),
            switched(b"\x81\x05hello"),
            requests=(UPGRADE,),
            reusable=False,
        ),
        vec(
            "upgrade_101_no_trailing_bytes",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
            head(101, "Switching Protocols", ("Upgrade", "websocket")),
            switched(b""),
            requests=(UPGRADE,),
            reusable=False,
        ),
        vec(
            "upgrade_101_after_103",
            INTERIM_103 + b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nraw",
            head(101, "Switching Protocols", ("Upgrade", "websocket")),
            switched(b"raw"),
            requests=(UPGRADE,),
            reusable=False,
        ),
        vec(
            "upgrade_declined_with_200",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(UPGRADE,),
            reusable=True,
        ),
        vec(
            "switching_101_without_upgrade_request",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nraw",
            raises=exc.InvalidResponse,
        ),
        vec(
            "switching_101_without_upgrade_request_surfacing",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nraw",
            surface=True,
            raises=exc.InvalidResponse,
        ),
    ],
)

# ====================================================================== keep-alive

_KEEP_ALIVE = _section(
    "keep-alive",
    [
        vec(
            "http11_reused_by_default",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            reusable=True,
        ),
        vec(
            "http11_explicit_keep_alive",
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", KEEP_ALIVE, CL0),
            end(),
            reusable=True,
        ),
        vec(
            "http11_connection_close",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", CLOSE, CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_connection_close_upper_case",
            b"HTTP/1.1 200 OK\r\nCONNECTION: CLOSE\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("CONNECTION", "CLOSE"), CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_close_among_tokens",
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("Connection", "keep-alive, close"), CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_close_among_tokens_no_spaces",
            b"HTTP/1.1 200 OK\r\nConnection: foo,close,bar\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("Connection", "foo,close,bar"), CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_close_in_second_connection_line",
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n"
            b"Content-Length: 0\r\n\r\n",
            head(200, "OK", KEEP_ALIVE, CLOSE, CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_close_in_folded_connection",
            b"HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n close\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("Connection", "keep-alive, close"), CL0),
            end(),
            reusable=False,
        ),
        vec(
            "http11_closed_is_not_close",
            b"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("Connection", "closed"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "http11_close_in_other_header_ignored",
            b"HTTP/1.1 200 OK\r\nX-Connection: close\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Connection", "close"), CL0),
            end(),
            reusable=True,
        ),
        vec(
            "http11_close_chunked",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nhi\r\n0\r\n\r\n",
            head(200, "OK", CLOSE, TE_CHUNKED),
            data(b"hi"),
            end(),
            reusable=False,
        ),
        vec(
            "http11_until_close_waits",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody bytes",
            head(200, "OK", ("Content-Type", "text/plain")),
            data(b"body bytes"),
            reusable=False,
        ),
        vec(
            "http11_until_close_ended_by_eof",
            b"HTTP/1.1 200 OK\r\n\r\nbody bytes",
            head(200, "OK"),
            data(b"body bytes"),
            end(),
            eof="clean",
            reusable=False,
        ),
        vec(
            "http10_without_keep_alive",
            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            reusable=False,
        ),
        vec(
            "http10_keep_alive_content_length",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", KEEP_ALIVE, cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        vec(
            "http10_keep_alive_mixed_case",
            b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", ("Connection", "Keep-Alive"), cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        vec(
            "http10_keep_alive_among_tokens",
            b"HTTP/1.0 200 OK\r\nConnection: foo, keep-alive\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", ("Connection", "foo, keep-alive"), cl(2)),
            data(b"hi"),
            end(),
            reusable=True,
        ),
        vec(
            "http10_keep_alive_and_close",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nhi",
            head10(200, "OK", ("Connection", "keep-alive, close"), cl(2)),
            data(b"hi"),
            end(),
            reusable=False,
        ),
        vec(
            "http10_keep_alive_without_length",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nhi",
            head10(200, "OK", KEEP_ALIVE),
            data(b"hi"),
            reusable=False,
        ),
        vec(
            "http10_keep_alive_without_length_eof",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nhi",
            head10(200, "OK", KEEP_ALIVE),
            data(b"hi"),
            end(),
            eof="clean",
            reusable=False,
        ),
        vec(
            "http10_keep_alive_204",
            b"HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n",
            head10(204, "No Content", KEEP_ALIVE),
            end(),
            reusable=True,
        ),
        vec(
            "http10_keep_alive_304",
            b"HTTP/1.0 304 Not Modified\r\nConnection: keep-alive\r\n\r\n",
            head10(304, "Not Modified", KEEP_ALIVE),
            end(),
            reusable=True,
        ),
        vec(
            "http10_keep_alive_head_with_content_length",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 50\r\n\r\n",
            head10(200, "OK", KEEP_ALIVE, cl(50)),
            end(),
            requests=(HEAD,),
            reusable=True,
        ),
        vec(
            "http10_204_without_keep_alive",
            b"HTTP/1.0 204 No Content\r\n\r\n",
            head10(204, "No Content"),
            end(),
            reusable=False,
        ),
        vec(
            "http10_until_close_eof",
            b"HTTP/1.0 200 OK\r\n\r\nold style",
            head10(200, "OK"),
            data(b"old style"),
            end(),
            eof="clean",
            reusable=False,
        ),
    ],
)

# ====================================================================== pipelining

_CLOSE_CL2 = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"

_PIPELINING = _section(
    "pipelining",
    [
        vec(
            "pipeline_two_content_length",
            HELLO_CL + b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            head(404, "Not Found", cl(3)),
            data(b"nop"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "pipeline_mixed_framings",
            HELLO_CL + CHUNKED_HEAD + b"3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" + OK_CL0,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            head(200, "OK", TE_CHUNKED),
            data(b"abc"),
            end(("X-T", "1")),
            head(200, "OK", CL0),
            end(),
            requests=(GET, GET, GET),
            reusable=True,
        ),
        vec(
            "pipeline_get_head_get",
            HELLO_CL + b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            head(200, "OK", cl(10)),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, HEAD, GET),
            reusable=True,
        ),
        vec(
            "pipeline_head_chunked_then_get",
            CHUNKED_HEAD + HELLO_CL,
            head(200, "OK", TE_CHUNKED),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(HEAD, GET),
            reusable=True,
        ),
        vec(
            "pipeline_post_then_get",
            b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" + HELLO_CL,
            head(201, "Created", CL0),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(POST, GET),
            reusable=True,
        ),
        vec(
            "pipeline_empty_line_between_responses",
            OK_CL0 + b"\r\n" + HELLO_CL,
            head(200, "OK", CL0),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "pipeline_interim_in_second_response",
            OK_CL0 + INTERIM_103 + HELLO_CL,
            head(200, "OK", CL0),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "pipeline_second_response_incomplete",
            OK_CL0 + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe",
            head(200, "OK", CL0),
            end(),
            head(200, "OK", cl(5)),
            data(b"he"),
            requests=(GET, GET),
            reusable=False,
        ),
        vec(
            "pipeline_second_head_incomplete",
            OK_CL0 + b"HTTP/1.1 200 OK\r\nContent-Len",
            head(200, "OK", CL0),
            end(),
            requests=(GET, GET),
            reusable=False,
        ),
        vec(
            "pipeline_second_response_not_yet_sent",
            OK_CL0,
            head(200, "OK", CL0),
            end(),
            requests=(GET, GET),
            reusable=False,
        ),
        # -- requests pipelined behind a response that closes
        vec(
            "pipeline_behind_connection_close",
            _CLOSE_CL2,
            head(200, "OK", CLOSE, cl(2)),
            data(b"hi"),
            end(),
            requests=(GET, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_behind_connection_close_with_more_bytes",
            _CLOSE_CL2 + HELLO_CL,
            head(200, "OK", CLOSE, cl(2)),
            data(b"hi"),
            end(),
            requests=(GET, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_two_behind_connection_close",
            _CLOSE_CL2,
            head(200, "OK", CLOSE, cl(2)),
            data(b"hi"),
            end(),
            requests=(GET, GET, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_behind_close_among_tokens_chunked",
            b"HTTP/1.1 200 OK\r\nConnection: te, close\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2\r\nhi\r\n0\r\n\r\n",
            head(200, "OK", ("Connection", "te, close"), TE_CHUNKED),
            data(b"hi"),
            end(),
            requests=(GET, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_behind_head_connection_close",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 99\r\n\r\n",
            head(200, "OK", CLOSE, cl(99)),
            end(),
            requests=(HEAD, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_behind_http10_without_keep_alive",
            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi" + HELLO_CL,
            head10(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            requests=(GET, GET),
            raises=exc.ConnectionClosed,
            unprocessed=True,
        ),
        vec(
            "pipeline_behind_http10_keep_alive_is_fine",
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi" + HELLO_CL,
            head10(200, "OK", KEEP_ALIVE, cl(2)),
            data(b"hi"),
            end(),
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            reusable=True,
        ),
        vec(
            "pipeline_behind_until_close_body",
            b"HTTP/1.1 200 OK\r\n\r\nall of this" + HELLO_CL,
            head(200, "OK"),
            data(b"all of this" + HELLO_CL),
            end(),
            requests=(GET, GET),
            eof="clean",
            raises=exc.ConnectionClosed,
        ),
        vec(
            "pipeline_eof_before_second_response",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            requests=(GET, GET),
            eof="clean",
            raises=exc.ConnectionClosed,
        ),
    ],
)

# ====================================================================== EOF

_EOF = _section(
    "eof",
    [
        vec(
            "eof_before_any_byte",
            b"",
            eof="clean",
            raises=exc.ConnectionClosed,
            unprocessed=False,
        ),
        vec(
            "eof_before_any_byte_unclean",
            b"",
            eof="unclean",
            raises=exc.ConnectionClosed,
            unprocessed=False,
        ),
        vec("eof_mid_status_line", b"HTTP/1.1 20", eof="clean", raises=exc.InvalidResponse),
        vec("eof_after_status_line", STATUS_OK, eof="clean", raises=exc.InvalidResponse),
        vec(
            "eof_mid_header_line",
            STATUS_OK + b"Content-Le",
            eof="clean",
            raises=exc.InvalidResponse,
        ),
        vec(
            "eof_before_empty_line",
            STATUS_OK + b"Content-Length: 0\r\n",
            eof="clean",
            raises=exc.InvalidResponse,
        ),
        vec(
            "eof_after_final_cr",
            STATUS_OK + b"Content-Length: 0\r\n\r",
            eof="clean",
            raises=exc.InvalidResponse,
        ),
        vec(
            "eof_mid_interim_head",
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>",
            eof="clean",
            raises=exc.InvalidResponse,
        ),
        vec(
            "eof_after_head_no_body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            head(200, "OK", cl(5)),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_mid_content_length_body",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            head(200, "OK", cl(5)),
            data(b"hel"),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_mid_content_length_body_unclean",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            head(200, "OK", cl(5)),
            data(b"hel"),
            eof="unclean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_before_chunk_size",
            CHUNKED_HEAD,
            head(200, "OK", TE_CHUNKED),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_mid_chunk_size_line",
            CHUNKED_HEAD + b"5;ext",
            head(200, "OK", TE_CHUNKED),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_mid_chunk_data",
            CHUNKED_HEAD + b"5\r\nhel",
            head(200, "OK", TE_CHUNKED),
            data(b"hel"),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_after_chunk_data_before_crlf",
            CHUNKED_HEAD + b"5\r\nhello",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_between_chunks",
            CHUNKED_HEAD + b"5\r\nhello\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            eof="clean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_between_chunks_unclean",
            CHUNKED_HEAD + b"5\r\nhello\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            eof="unclean",
            raises=exc.IncompleteRead,
        ),
        # "0\r\n" then EOF without the final CRLF: deliver the body, no reuse.
        vec(
            "eof_after_last_chunk_without_final_crlf",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            eof="clean",
            reusable=False,
        ),
        vec(
            "eof_after_empty_body_last_chunk_without_final_crlf",
            CHUNKED_HEAD + b"0\r\n",
            head(200, "OK", TE_CHUNKED),
            end(),
            eof="clean",
            reusable=False,
        ),
        vec(
            "eof_until_close_clean",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
            head(200, "OK", ("Content-Type", "text/plain")),
            data(b"until close"),
            end(),
            eof="clean",
            reusable=False,
        ),
        vec(
            "eof_until_close_empty_body_clean",
            b"HTTP/1.1 200 OK\r\n\r\n",
            head(200, "OK"),
            end(),
            eof="clean",
            reusable=False,
        ),
        # Close-delimited body ended by a TLS EOF without close_notify: truncation attack.
        vec(
            "eof_until_close_unclean",
            b"HTTP/1.1 200 OK\r\n\r\nuntil close",
            head(200, "OK"),
            data(b"until close"),
            eof="unclean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_until_close_empty_body_unclean",
            b"HTTP/1.1 200 OK\r\n\r\n",
            head(200, "OK"),
            eof="unclean",
            raises=exc.IncompleteRead,
        ),
        vec(
            "eof_http10_until_close_unclean",
            b"HTTP/1.0 200 OK\r\n\r\nold",
            head10(200, "OK"),
            data(b"old"),
            eof="unclean",
            raises=exc.IncompleteRead,
        ),
        # After a complete Content-Length or chunked body an unclean EOF is ignored.
        vec(
            "eof_unclean_after_complete_content_length",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            eof="unclean",
            reusable=False,
        ),
        vec(
            "eof_unclean_after_complete_chunked",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(),
            eof="unclean",
            reusable=False,
        ),
        vec(
            "eof_unclean_after_bodiless_204",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            head(204, "No Content"),
            end(),
            eof="unclean",
            reusable=False,
        ),
        vec(
            "eof_clean_after_complete_content_length",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            eof="clean",
            reusable=False,
        ),
    ],
)

# ====================================================================== profiles

_PROFILES = _section(
    "profiles",
    [
        # -- whitespace between name and colon: strict rejects (headers above), lenient strips
        vec(
            "lenient_space_before_colon_stripped",
            b"HTTP/1.1 200 OK\r\nX-Foo : bar\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Foo", "bar"), CL0),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_tabs_before_colon_stripped",
            b"HTTP/1.1 200 OK\r\nX-Foo \t: bar\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Foo", "bar"), CL0),
            end(),
            profile="lenient",
            reusable=True,
        ),
        # -- ...but not on a framing field, where the end of the message is at stake
        vec(
            "lenient_space_before_colon_in_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
            raises=exc.FramingError,
            profile="lenient",
        ),
        vec(
            "lenient_space_before_colon_in_transfer_encoding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n",
            raises=exc.FramingError,
            profile="lenient",
        ),
        # -- malformed non-framing header lines: strict rejects, lenient skips
        vec(
            "lenient_line_without_colon_skipped",
            b"HTTP/1.1 200 OK\r\nX-A: a\r\nGarbage line\r\nContent-Length: 2\r\n\r\nhi",
            head(200, "OK", ("X-A", "a"), cl(2)),
            data(b"hi"),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_empty_name_skipped",
            b"HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 2\r\n\r\nhi",
            head(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_space_inside_name_skipped",
            b"HTTP/1.1 200 OK\r\nX Foo: v\r\nContent-Length: 2\r\n\r\nhi",
            head(200, "OK", cl(2)),
            data(b"hi"),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_non_token_name_skipped",
            b"HTTP/1.1 200 OK\r\nX(Foo): v\r\nX-B: b\r\nContent-Length: 2\r\n\r\nhi",
            head(200, "OK", ("X-B", "b"), cl(2)),
            data(b"hi"),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_trailer_space_before_colon_stripped",
            CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-T : a\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(("X-T", "a")),
            profile="lenient",
            reusable=True,
        ),
        # -- missing reason phrase (no SP after the code): strict rejects, lenient accepts
        vec(
            "strict_missing_reason_rejected",
            b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
            raises=exc.BadStatusLine,
        ),
        vec(
            "lenient_missing_reason_accepted",
            b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
            head(200, "", CL0),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_missing_reason_204",
            b"HTTP/1.1 204\r\n\r\n",
            head(204, ""),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_bad_status_code_still_rejected",
            b"HTTP/1.1 600 Nope\r\nContent-Length: 0\r\n\r\n",
            profile="lenient",
            raises=exc.BadStatusLine,
        ),
        vec(
            "lenient_two_digit_code_still_rejected",
            b"HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n",
            profile="lenient",
            raises=exc.BadStatusLine,
        ),
        # -- non-chunked final Transfer-Encoding: strict rejects (chunked section),
        #    lenient reads until close and does not reuse
        vec(
            "lenient_te_gzip_until_close",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw gzip bytes",
            head(200, "OK", ("Transfer-Encoding", "gzip")),
            data(b"raw gzip bytes"),
            reusable=False,
            profile="lenient",
        ),
        vec(
            "lenient_te_gzip_until_close_eof",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw gzip bytes",
            head(200, "OK", ("Transfer-Encoding", "gzip")),
            data(b"raw gzip bytes"),
            end(),
            eof="clean",
            profile="lenient",
            reusable=False,
        ),
        vec(
            "lenient_te_gzip_until_close_unclean_eof",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw gzip bytes",
            head(200, "OK", ("Transfer-Encoding", "gzip")),
            data(b"raw gzip bytes"),
            eof="unclean",
            profile="lenient",
            raises=exc.IncompleteRead,
        ),
        vec(
            "lenient_te_chunked_not_final_until_close",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n",
            head(200, "OK", ("Transfer-Encoding", "chunked, gzip")),
            data(b"5\r\nhello\r\n"),
            end(),
            eof="clean",
            profile="lenient",
            reusable=False,
        ),
        vec(
            "lenient_te_identity_until_close",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nabc",
            head(200, "OK", ("Transfer-Encoding", "identity")),
            data(b"abc"),
            end(),
            eof="clean",
            profile="lenient",
            reusable=False,
        ),
        # -- framing ambiguities: rejected in the lenient profile too
        vec(
            "lenient_te_gzip_and_content_length",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_cl_and_te_chunked",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
            profile="lenient",
            raises=exc.FramingError,
        ),
        vec(
            "lenient_cl_duplicate_differing",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            profile="lenient",
            raises=exc.FramingError,
        ),
        vec(
            "lenient_cl_list_differing",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
            profile="lenient",
            raises=exc.FramingError,
        ),
        vec(
            "lenient_cl_invalid",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\nhello",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_cl_too_many_digits",
            b"HTTP/1.1 200 OK\r\nContent-Length: 00000000000000000005\r\n\r\nhello",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_obs_fold_in_content_length",
            b"HTTP/1.1 200 OK\r\nContent-Length:\r\n 5\r\n\r\nhello",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_obs_fold_in_transfer_encoding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_te_chunked_twice",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_bad_chunk_size",
            CHUNKED_HEAD + b"5_0\r\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            profile="lenient",
            raises=exc.FramingError,
        ),
        vec(
            "lenient_bare_lf_in_chunk_size_line",
            CHUNKED_HEAD + b"5\nhello\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        vec(
            "lenient_missing_crlf_after_chunk_data",
            CHUNKED_HEAD + b"5\r\nhelloX\r\n0\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            profile="lenient",
            raises=exc.InvalidResponse,
        ),
        # -- the lenient profile still parses ordinary responses the same way
        vec(
            "lenient_plain_content_length",
            HELLO_CL,
            head(200, "OK", cl(5)),
            data(b"hello"),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_chunked_with_trailers",
            CHUNKED_HEAD + b"5;x=y\r\nhello\r\n0\r\nX-T: t\r\n\r\n",
            head(200, "OK", TE_CHUNKED),
            data(b"hello"),
            end(("X-T", "t")),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_obs_fold_unfolded",
            b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n",
            head(200, "OK", ("X-Fold", "a b"), CL0),
            end(),
            profile="lenient",
            reusable=True,
        ),
        vec(
            "lenient_connection_close",
            _CLOSE_CL2,
            head(200, "OK", CLOSE, cl(2)),
            data(b"hi"),
            end(),
            profile="lenient",
            reusable=False,
        ),
    ],
)

VECTORS: tuple[Vector, ...] = (
    *_STATUS_LINE,
    *_HEADERS,
    *_LIMITS,
    *_CONTENT_LENGTH,
    *_CHUNKED,
    *_BODILESS,
    *_INFORMATIONAL,
    *_KEEP_ALIVE,
    *_PIPELINING,
    *_EOF,
    *_PROFILES,
)
