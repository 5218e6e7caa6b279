"""Message framing: how long a body is, decided once per message, as a closed set of values.

A body is delimited in exactly one of four ways (RFC 9112 §6): a
``Content-Length``, ``chunked`` transfer coding, the server closing the
connection, or not at all. This module turns the framing headers of a
response into one of those values, applying RFC 9112 §6.3 in its order, and
says whether the connection may carry another exchange afterwards. It is the
only place where that decision is taken; the parser and writer act on its
result. Where trusted implementations disagree, PROTOCOL-POLICY.md decides
and the docstrings below cite it.

This module imports only :mod:`aiohttpcore.exceptions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, TypeAlias

from aiohttpcore.exceptions import FramingError, UnknownTransferEncoding

__all__ = [
    "Chunked",
    "ContentLength",
    "Framing",
    "NoBody",
    "UntilClose",
    "close_announced",
    "parse_content_length",
    "response_framing",
]


@dataclass(frozen=True, slots=True)
class ContentLength:
    """The body is exactly ``length`` bytes long."""

    length: int


@dataclass(frozen=True, slots=True)
class Chunked:
    """The body is a series of chunks ended by a zero-size chunk and optional trailers."""


@dataclass(frozen=True, slots=True)
class UntilClose:
    """The body ends when the server closes the connection (RFC 9112 §6.3 rule 8)."""


@dataclass(frozen=True, slots=True)
class NoBody:
    """There is no body, whatever the headers say (HEAD, 1xx, 204, 304)."""


Framing: TypeAlias = ContentLength | Chunked | UntilClose | NoBody

CHUNKED: Final = Chunked()
UNTIL_CLOSE: Final = UntilClose()
NO_BODY: Final = NoBody()

# 1*DIGIT, at most 19 digits so that int() is bounded and the value < 10**19
# fits the 2**63 check below (PROTOCOL-POLICY.md, "Limits").
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")
_MAX_CONTENT_LENGTH: Final = 2**63 - 1


def parse_content_length(values: list[str]) -> int:
    """The one length announced by one or more ``Content-Length`` field values.

    Each value may itself be a list (``5, 5``); all members must be equal
    (RFC 9110 §8.6 allows a recipient to accept that; differing values are
    request smuggling material and rejected, PROTOCOL-POLICY.md).

    Raises:
        FramingError: a member is not 1 to 19 digits, exceeds 2**63 - 1, or
            members differ.
    """
    if len(values) == 1:  # the common case, without regex or split
        value = values[0]
        if value.isascii() and value.isdigit() and len(value) <= 19:
            number = int(value)
            if number <= _MAX_CONTENT_LENGTH:
                return number
    length: int | None = None
    for value in values:
        for member in value.split(","):
            member = member.strip(" \t")
            if _CONTENT_LENGTH.fullmatch(member) is None:
                raise FramingError(f"invalid Content-Length {value!r}")
            number = int(member)
            if number > _MAX_CONTENT_LENGTH:
                raise FramingError(f"Content-Length {value!r} is too large")
            if length is not None and number != length:
                raise FramingError(f"conflicting Content-Length values {values!r}")
            length = number
    if length is None:  # every value was empty: "Content-Length:" alone
        raise FramingError("empty Content-Length")
    return length


def _codings(values: list[str]) -> list[str]:
    """The comma-separated tokens of one or more field values, trimmed and lower-cased."""
    if len(values) == 1 and "," not in values[0]:  # the common single token
        return [values[0].strip(" \t").lower()]
    return [c.strip(" \t").lower() for value in values for c in value.split(",")]


def response_framing(
    method: str,
    status: int,
    http_version: int,
    content_length: list[str] | None,
    transfer_encoding: list[str] | None,
    connection: list[str] | None,
    lenient: bool,
) -> tuple[Framing, bool]:
    """Decide how a final response's body is delimited, and whether to keep the connection.

    Arguments are the raw values of the framing headers (``None`` when the
    header is absent). Interim (1xx) responses and ``CONNECT`` tunnels are
    the parser's business and never reach here.

    Returns:
        The framing, and ``True`` when the connection may be reused after
        this response, as far as the response decides it.

    Raises:
        FramingError: ambiguous framing (Content-Length with
            Transfer-Encoding, or a bad Content-Length).
        UnknownTransferEncoding: a transfer coding this client cannot undo.
    """
    framing: Framing
    if method == "HEAD" or status in (204, 304):
        # RFC 9112 §6.3 rule 1: no body whatever the headers say.
        framing = NO_BODY
    elif transfer_encoding is not None:
        if content_length is not None:
            # RFC 9112 §6.3 rule 3 lets a recipient pick TE; we reject, because
            # a proxy on the way may have picked CL (§11.2, request smuggling).
            raise FramingError("response has both Content-Length and Transfer-Encoding")
        if http_version == 10:
            # RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has
            # faulty framing.
            raise FramingError("HTTP/1.0 response with Transfer-Encoding")
        codings = _codings(transfer_encoding)
        if codings == ["chunked"]:
            framing = CHUNKED
        elif lenient and codings[-1] != "chunked":
            # RFC 9112 §6.3 rule 4: chunked is not the final coding, so the
            # body runs until close. Strict mode rejects instead
            # (PROTOCOL-POLICY.md, "Parsing decisions").
            framing = UNTIL_CLOSE
        else:
            raise UnknownTransferEncoding(
                f"unsupported Transfer-Encoding {', '.join(transfer_encoding)!r}"
            )
    elif content_length is not None:
        length = parse_content_length(content_length)
        framing = _LENGTHS.get(length) or _length_value(length)
    else:
        framing = UNTIL_CLOSE
    return framing, _keep_alive(framing, http_version, connection)


# ContentLength values are immutable, so one per length serves every
# response of that length: bodies of a service repeat their sizes, and a
# frozen dataclass costs 0.5 µs to build. Bounded; cleared when full.
_LENGTHS: dict[int, ContentLength] = {}


def _length_value(length: int) -> ContentLength:
    if len(_LENGTHS) >= 1024:
        _LENGTHS.clear()
    value = _LENGTHS[length] = ContentLength(length)
    return value


def _keep_alive(framing: Framing, http_version: int, connection: list[str] | None) -> bool:
    """RFC 9112 §9.3, with PROTOCOL-POLICY.md's rule for HTTP/1.0 keep-alive."""
    if framing is UNTIL_CLOSE:
        return False
    if connection is None:
        return http_version == 11
    tokens = _codings(connection)
    if "close" in tokens:
        return False
    if http_version == 10:
        # Reuse an HTTP/1.0 connection only when it asked for keep-alive and
        # the body length is known without the close.
        return "keep-alive" in tokens
    return True


def close_announced(http_version: int, connection: list[str] | None) -> bool:
    """Did the response say it is the server's last on this connection?

    ``Connection: close``, or HTTP/1.0 without keep-alive: then requests
    pipelined behind it certainly were not processed (RFC 9112 §9.6), which
    makes them safe to retry whatever their method. A body that merely runs
    until close promises nothing of the kind.
    """
    tokens = _codings(connection) if connection is not None else []
    return "close" in tokens or (http_version == 10 and "keep-alive" not in tokens)
