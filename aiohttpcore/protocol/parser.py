"""The incremental HTTP/1.1 response parser: a byte buffer in, heads and body parts out.

What it owns: the receive buffer, the parsing of status lines, header and
trailer sections, the body readers for each :mod:`~aiohttpcore.protocol.framing`,
and every limit and parsing decision of PROTOCOL-POLICY.md. What it does not
own: which request a response answers, or the connection's state; the codec
tells it the framing and asks it for the next piece.

Rules it keeps:

* Readers return a piece or ``None`` (need more bytes); they never block and
  never consume part of a piece they cannot finish.
* Whatever the segmentation of the input, the result is the same: the same
  pieces, or the same error class (CONVENTIONS.md rule 3). Limits are
  therefore defined by byte offsets: the error reported is the one whose
  budget is exceeded at the lowest offset, and an unfinished head or chunk
  line fails as soon as its budget is exceeded, not when it finally ends.
* Only :class:`~aiohttpcore.exceptions.InvalidResponse` subclasses escape, for
  any input; ``int()`` never sees an unbounded digit string.
* The hot path (a complete small head in one segment) is one regex search,
  one decode, one split and one pass over the lines; measured reasons for its
  shape are in ``benchmarks/micro``.

This module imports no I/O, clock or logging; from the package only
``exceptions``, ``headers``, ``status`` and its siblings.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Final, TypeAlias

from aiohttpcore.exceptions import (
    BadStatusLine,
    FramingError,
    HeadTooLarge,
    IncompleteRead,
    InvalidHeader,
    InvalidResponse,
    LimitExceeded,
    LineTooLong,
    TooManyHeaders,
    UnknownProtocol,
)
from aiohttpcore.headers import Headers

from .events import EndOfMessage, make_end_of_message
from .framing import Chunked, ContentLength, Framing, NoBody

__all__ = ["ParsedHead", "ParserLimits", "Profile", "ResponseParser", "framing_fields"]


class Profile(enum.Enum):
    """How forgiving the parser is where framing is not at stake."""

    STRICT = "strict"
    """The default, which applies the :ref:`parsing-decisions` exactly as written."""
    LENIENT = "lenient"
    """For scrapers, which also want what browsers accept where it cannot move a message's end."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParserLimits:
    """The parser's budgets (see :ref:`limits`); each must be positive.

    Lines are measured with their line ending; the head budget covers the
    status line, the header lines and the empty line that ends them. A
    trailer section has the same per-line and size budgets, and its lines
    count toward ``max_headers`` together with the head's.
    """

    max_line: int = 16 * 1024
    max_head: int = 100 * 1024
    max_headers: int = 128
    max_chunk_extension: int = 4 * 1024
    max_chunk_extensions_total: int = 16 * 1024
    max_informational: int = 100

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ParserLimits.{name} must be a positive int, not {value!r}")


# One header line as kept: (lower-case name, name as sent, value).
_Line = tuple[str, str, str]

# The end of a head or trailer section: LF, an optional CR, LF. Bare LF is
# accepted as a line end in heads (RFC 9112 §2.2 allows it; PROTOCOL-POLICY.md).
_SECTION_END = re.compile(rb"\n\r?\n")
# RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].
_STATUS_STRICT = re.compile(r"HTTP/([0-9])\.([0-9]) ([0-9]{3}) (.*)")
_STATUS_LENIENT = re.compile(r"HTTP/([0-9])\.([0-9]) ([0-9]{3})(?: (.*))?")
# RFC 9110 §5.1: field-name = token.
_TOKEN = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_HEX_RUN = re.compile(rb"[0-9A-Fa-f]*")
# After the size: BWS, then chunk extensions; CR, LF and NUL are never part of them.
_CHUNK_EXT = re.compile(rb"[ \t]*(?:;[^\r\n\x00]*)?")
_MAX_CHUNK_DIGITS: Final = 16
_CR_LF: Final = (0x0D, 0x0A)
# Framing fields, whose folding or malformation could change where a message ends.
_FRAMING_FIELDS: Final = frozenset({"content-length", "transfer-encoding"})
_SPECIAL_FIELDS: Final = frozenset({"content-length", "transfer-encoding", "connection"})
_FRAMING_PREFIXES: Final = ("content-length", "transfer-encoding")

# Validated field names and their lower-case form, shared by all parsers: a
# client sees the same few dozen names again and again, and a dict lookup
# costs a tenth of a regex match plus lower(). Bounded so a hostile server
# cannot grow it.
_NAME_CACHE: dict[str, str] = {}
_NAME_CACHE_SIZE: Final = 1024
# Whole field lines that parsed cleanly under the strict rules, and what they
# parsed to: servers repeat most lines verbatim (Server, Content-Type,
# Connection...), and a hit skips partition, strip and the tuple. Lines that
# vary (Date, request ids) miss and cost one failed lookup. Cleared when full,
# so memory stays bounded whatever a server sends.
_LINE_CACHE: dict[str, _Line] = {}
_LINE_CACHE_SIZE: Final = 4096
_LINE_CACHE_MAX_LINE: Final = 256
# Status lines that parsed, per profile (a line valid only when lenient must
# not be accepted by a strict parser through the cache).
_STATUS_CACHE: dict[bool, dict[str, tuple[int, int, str]]] = {False: {}, True: {}}
_STATUS_CACHE_SIZE: Final = 256


ParsedHead: TypeAlias = tuple[int, int, str, list[_Line], list[int]]
"""A response head as parsed, before the codec decides what it means:
``(http_version, status, reason, fields, framing_indices)``, the last being
the indices in ``fields`` of the framing fields (Content-Length,
Transfer-Encoding, Connection), noted while parsing so that the common head
is not walked twice. A tuple, because it lives for one call (a slotted
class costs 1 µs more per response; timeit, CPython 3.11)."""


def framing_fields(
    fields: list[_Line], indices: list[int]
) -> tuple[list[str] | None, list[str] | None, list[str] | None]:
    """The values of Content-Length, Transfer-Encoding and Connection, ``None`` when absent."""
    content_length: list[str] | None = None
    transfer_encoding: list[str] | None = None
    connection: list[str] | None = None
    for index in indices:
        lname, _, value = fields[index]
        if lname == "content-length":
            if content_length is None:
                content_length = [value]
            else:
                content_length.append(value)
        elif lname == "transfer-encoding":
            if transfer_encoding is None:
                transfer_encoding = [value]
            else:
                transfer_encoding.append(value)
        elif connection is None:
            connection = [value]
        else:
            connection.append(value)
    return content_length, transfer_encoding, connection


class ResponseParser:
    """Parses the responses of one connection from the bytes it is fed.

    ``host`` names the server in errors. The codec drives it: it calls
    :meth:`parse_head` while a head is owed, then :meth:`start_body` with the
    framing it decided, then :meth:`body_piece` until the end of the message.
    """

    __slots__ = (
        "_host",
        "_leading_empty",
        "_lenient",
        "_limits",
        "_scan_from",
        "_small_section",
        "_walk_index",
        "_walk_pos",
        "buffer",
        "eof",
        "eof_clean",
        "reader",
        "skipped_lines",
    )

    def __init__(self, host: str | None, profile: Profile, limits: ParserLimits) -> None:
        self._host = host
        self._lenient = profile is Profile.LENIENT
        self._limits = limits
        self.buffer = bytearray()
        self.eof = False
        self.eof_clean = True
        self.skipped_lines = 0
        """Malformed header lines skipped by the lenient profile, over the parser's life."""
        self.reader: _BodyReader = _NO_BODY
        """How the current body is framed; the codec calls it directly on its hot path."""
        self._scan_from = 0
        self._walk_pos = 0
        self._walk_index = 0
        self._leading_empty = 0
        # A section no longer than the smallest of the line and section
        # budgets cannot exceed either; only longer ones are walked.
        self._small_section = min(limits.max_line, limits.max_head)

    def _error(self, cls: type[InvalidResponse], detail: str) -> InvalidResponse:
        return cls(detail, host=self._host)

    # ------------------------------------------------------------------ heads

    def started(self) -> bool:
        """True once any byte of the next response has arrived (or been skipped)."""
        return bool(self.buffer) or self._leading_empty > 0

    def parse_head(self) -> ParsedHead | None:
        """Parse one complete response head from the buffer, or return ``None`` to wait.

        Raises:
            InvalidResponse: a subclass naming what is wrong; the parser is
                then unusable.
        """
        buf = self.buffer
        if not buf:
            return None
        if buf[0] in _CR_LF and not self._skip_leading_empty_lines():
            return None
        match = _SECTION_END.search(buf, self._scan_from)
        if match is None:
            self._scan_from = max(len(buf) - 2, 0)
            if len(buf) > self._small_section or buf.count(b"\n") > self._limits.max_headers:
                self._walk_limits(len(buf), first_index=0)  # a budget may be exceeded
            return None
        end = match.end()
        text = buf[:end].decode("latin-1")
        if end > self._small_section or text.count("\n") - 2 > self._limits.max_headers:
            # Some budget may be exceeded: find which one the way an
            # incremental reader would have, so that the error does not
            # depend on whether the head arrived whole or in pieces.
            self._walk_pos = self._walk_index = 0
            self._walk_limits(end, first_index=0)
        del buf[:end]
        self._scan_from = self._walk_pos = self._walk_index = self._leading_empty = 0
        lines = self._split_lines(text, "response head")
        version, status, reason = self._parse_status_line(lines[0])
        fields, indices = self._parse_fields(lines, 1)
        return version, status, reason, fields, indices

    def _skip_leading_empty_lines(self) -> bool:
        """Drop up to two empty lines before a status line (RFC 9112 §2.2); False to wait."""
        buf = self.buffer
        while buf and buf[0] in _CR_LF:
            if buf[:1] == b"\n":
                size = 1
            elif buf[:2] == b"\r\n":
                size = 2
            elif len(buf) == 1:
                return False
            else:
                raise self._error(BadStatusLine, "bare CR before the status line")
            self._leading_empty += 1
            if self._leading_empty > 2:
                raise self._error(BadStatusLine, "more than 2 empty lines before the status line")
            del buf[:size]
        return True

    def _walk_limits(self, end: int, *, first_index: int) -> None:
        """Check the line and size budgets of the section at the buffer's start, up to *end*.

        Walks whole lines from where the last walk stopped, then the
        unfinished last line, and raises the error whose budget is exceeded
        at the lowest offset. ``first_index`` is the number given to the
        first line: 0 for a status line, so header lines count from 1; a
        trailer section starts after the head's header lines.
        """
        buf = self.buffer
        limits = self._limits
        if self._walk_pos == 0:
            self._walk_index = first_index
        pos, index = self._walk_pos, self._walk_index
        while True:
            newline = buf.find(b"\n", pos, end)
            line_end = newline + 1 if newline >= 0 else end
            terminator = (
                newline >= 0
                and newline - pos <= 1
                and index > 0
                and (newline == pos or buf[pos] == 0x0D)
            )
            faults: list[tuple[int, type[InvalidResponse], str]] = []
            if line_end - pos > limits.max_line:
                faults.append((pos + limits.max_line, LineTooLong, "line"))
            if line_end > limits.max_head:
                faults.append((limits.max_head, HeadTooLarge, "section"))
            if newline >= 0 and not terminator and index > limits.max_headers:
                faults.append((newline, TooManyHeaders, "lines"))
            if faults:
                _, cls, what = min(faults, key=lambda fault: fault[0])
                detail = {
                    "line": f"a line is longer than {limits.max_line} bytes",
                    "section": f"the header section is larger than {limits.max_head} bytes",
                    "lines": f"more than {limits.max_headers} header lines",
                }[what]
                raise self._error(cls, detail)
            if newline < 0 or terminator:
                break
            pos, index = line_end, index + 1
        self._walk_pos, self._walk_index = pos, index

    def _split_lines(self, text: str, where: str) -> list[str]:
        """Split a complete section into lines without their line ends.

        The last two items are the section's empty last line and the empty
        remainder after it. NUL and bare CR are never allowed (RFC 9112
        §2.2, §5); bare LF is a line end (PROTOCOL-POLICY.md). The common,
        pure-CRLF section takes one split and two counts.
        """
        if "\x00" in text:
            raise self._error(InvalidHeader, f"NUL byte in the {where}")
        lines = text.split("\r\n")
        newlines = text.count("\n")
        if len(lines) - 1 == newlines and text.count("\r") == newlines:
            return lines
        if text.count("\r") != len(lines) - 1:
            raise self._error(InvalidHeader, f"bare CR in the {where}")
        return text.replace("\r\n", "\n").split("\n")

    def _parse_status_line(self, line: str) -> tuple[int, int, str]:
        cache = _STATUS_CACHE[self._lenient]
        parsed = cache.get(line)
        if parsed is None:
            parsed = self._parse_new_status_line(line)
            if len(cache) < _STATUS_CACHE_SIZE:
                cache[line] = parsed
        return parsed

    def _parse_new_status_line(self, line: str) -> tuple[int, int, str]:
        pattern = _STATUS_LENIENT if self._lenient else _STATUS_STRICT
        match = pattern.fullmatch(line)
        if match is None:
            if line.startswith("HTTP/") and not line.startswith("HTTP/1."):
                raise UnknownProtocol(f"unsupported protocol in {line!r}", host=self._host)
            raise BadStatusLine(line, host=self._host)
        major, minor, code, reason = match.groups()
        if major != "1":
            raise UnknownProtocol(f"unsupported protocol in {line!r}", host=self._host)
        status = int(code)
        if status < 100 or status > 599:
            raise BadStatusLine(line, host=self._host, reason="status code outside 100-599")
        return (10 if minor == "0" else 11), status, reason or ""

    def _parse_fields(self, lines: list[str], first: int) -> tuple[list[_Line], list[int]]:
        """Parse ``lines[first:-2]`` as field lines (the last two are the section's end).

        Returns the fields and the indices of the framing fields among them.
        """
        fields: list[_Line] = []
        specials: list[int] = []
        line_cache = _LINE_CACHE
        name_cache = _NAME_CACHE
        kept = True  # whether the previous line was kept (a fold continues it)
        for line in lines[first:-2]:
            field = line_cache.get(line)
            if field is None:
                if line[0] in " \t":
                    kept = self._unfold(fields, line, kept)
                    continue
                name, colon, value = line.partition(":")
                lname = name_cache.get(name) if colon else None
                if lname is None:
                    lname = self._check_name(name, line, colon)
                    if lname is None:
                        kept = False
                        continue
                    if lname != name.lower():  # the lenient profile stripped the name
                        name = name.rstrip(" \t")
                        field = (lname, name, value.strip(" \t"))
                    elif len(name_cache) < _NAME_CACHE_SIZE:
                        name_cache[name] = lname
                if field is None:
                    field = (lname, name, value.strip(" \t"))
                    if len(line) <= _LINE_CACHE_MAX_LINE:
                        if len(line_cache) >= _LINE_CACHE_SIZE:
                            line_cache.clear()
                        line_cache[line] = field
            kept = True
            if field[0] in _SPECIAL_FIELDS:
                specials.append(len(fields))
            fields.append(field)
        return fields, specials

    def _unfold(self, fields: list[_Line], line: str, kept: bool) -> bool:
        """Join an obs-fold continuation line to the field before it (RFC 9112 §5.2).

        The fold becomes one SP. Rejected where it cannot be continuing
        anything or could change framing; skipped after a skipped line.
        Returns whether the line was kept.
        """
        if not kept:
            self.skipped_lines += 1
            return False
        if not fields:
            raise self._error(InvalidHeader, "continuation line before the first header")
        lname, name, value = fields[-1]
        if lname in _FRAMING_FIELDS:
            raise self._error(FramingError, f"folded {name} header")
        more = line.strip(" \t")
        fields[-1] = (lname, name, f"{value} {more}" if value and more else value or more)
        return True

    def _check_name(self, name: str, line: str, colon: str) -> str | None:
        """Validate a field name not seen before; ``None`` when the lenient profile skips it."""
        if colon and _TOKEN.fullmatch(name):
            return name.lower()
        stripped = name.rstrip(" \t")
        if self._lenient:
            if colon and stripped and _TOKEN.fullmatch(stripped):
                if stripped.lower() in _FRAMING_FIELDS:
                    # Where framing is at stake even the lenient profile
                    # refuses to guess (RFC 9112 §5.1, request smuggling).
                    raise self._error(
                        FramingError, f"whitespace before the colon in {line.rstrip()!r}"
                    )
                return stripped.lower()  # whitespace before the colon: strip it
            if line.lstrip(" \t").lower().startswith(_FRAMING_PREFIXES):
                raise self._error(FramingError, f"malformed framing header {line.rstrip()!r}")
            self.skipped_lines += 1
            return None
        if not colon:
            raise self._error(InvalidHeader, f"header line without a colon: {line.rstrip()!r}")
        if stripped != name and _TOKEN.fullmatch(stripped):
            # RFC 9112 §5.1: no whitespace between name and colon; reject.
            raise self._error(InvalidHeader, f"whitespace before the colon in {line.rstrip()!r}")
        raise self._error(InvalidHeader, f"invalid header name {name!r}")

    # ------------------------------------------------------------------ bodies

    def start_body(self, framing: Framing, header_lines: int) -> None:
        """Read the coming body as *framing* says; ``header_lines`` for the trailer budget."""
        if type(framing) is ContentLength:
            self.reader = _LengthReader(framing.length)
        elif isinstance(framing, Chunked):
            self.reader = _ChunkedReader(self, header_lines)
        elif isinstance(framing, NoBody):
            self.reader = _NO_BODY
        else:
            self.reader = _CloseReader()

    def body_known_empty(self) -> bool:
        """True when the current body is known to have no bytes left to come."""
        reader = self.reader
        return reader is _NO_BODY or (isinstance(reader, _LengthReader) and not reader.remaining)

    def take_whole_body(self) -> bytes | None:
        """The rest of a body of known length, if every byte of it is buffered; else ``None``.

        On success the body is consumed and its reader is at the end; on
        ``None`` nothing changed. Bytes after the body stay buffered.
        """
        reader = self.reader
        if reader is _NO_BODY:
            return b""
        if type(reader) is not _LengthReader:
            return None
        remaining = reader.remaining
        buffer = self.buffer
        if len(buffer) < remaining:
            return None
        if len(buffer) == remaining:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:remaining])
            del buffer[:remaining]
        reader.remaining = 0
        return data

    def body_piece(self) -> int | EndOfMessage | None:
        """How many body bytes now lead the buffer (> 0), the end of the body, or ``None`` to wait.

        Framing bytes in front of the data (chunk-size lines, CRLFs) are
        consumed; the data itself stays until :meth:`consumed` is called.
        """
        return self.reader.piece(self)

    def consumed(self, count: int) -> None:
        """*count* body bytes were taken from the buffer or received straight into the caller's."""
        self.reader.consumed(count)

    def direct_limit(self) -> int:
        """Body bytes that may bypass the buffer: 0 unless the buffer is empty and data is next."""
        return 0 if self.buffer else self.reader.direct_limit()

    def incomplete(self, expected: int | None, what: str) -> IncompleteRead:
        """The error for a body cut short by EOF."""
        return IncompleteRead(b"", expected, host=self._host, detail=what)

    def check_chunk_line(self, line: bytes | bytearray, size: int, complete: bool) -> int:
        """Validate a chunk-size line of *size* bytes on the wire; return the chunk size.

        With ``complete=False``, *line* is an unfinished prefix already too
        long to be valid. Every fault is placed at the byte offset where it
        first shows, and the lowest wins, so a line's error is the same
        whether it is seen whole or as such a prefix (RFC 9112 §7.1: size,
        then BWS and extensions, then CRLF; PROTOCOL-POLICY.md "Limits").
        """
        limits = self._limits
        reader = self.reader
        assert isinstance(reader, _ChunkedReader)
        body = line[:-1] if complete else line
        if body[-1:] == b"\r":
            body = body[:-1]  # the CR of the CRLF (or, unfinished, maybe so)
        digits = _HEX_RUN.match(body).end()  # type: ignore[union-attr]  # * always matches
        extension = len(body) - digits
        valid = _CHUNK_EXT.match(body, digits).end() - digits  # type: ignore[union-attr]
        budget = limits.max_chunk_extensions_total - reader.extensions
        faults: list[tuple[int, type[InvalidResponse], str]] = []
        if digits == 0:
            faults.append((0, FramingError, f"invalid chunk-size line {bytes(line[:40])!r}"))
        if digits > _MAX_CHUNK_DIGITS:
            faults.append((_MAX_CHUNK_DIGITS, FramingError, "chunk size over 16 hex digits"))
        if valid < extension:
            faults.append((digits + valid, FramingError, "invalid chunk extension"))
        if extension > limits.max_chunk_extension:
            faults.append(
                (
                    digits + limits.max_chunk_extension,
                    LimitExceeded,
                    f"chunk extension longer than {limits.max_chunk_extension} bytes",
                )
            )
        if extension > budget:
            faults.append(
                (
                    digits + budget,
                    LimitExceeded,
                    f"chunk extensions over {limits.max_chunk_extensions_total} bytes in one body",
                )
            )
        if size > limits.max_line:
            faults.append(
                (limits.max_line, LineTooLong, f"chunk-size line over {limits.max_line} bytes")
            )
        if complete and line[-2:] != b"\r\n":
            faults.append((size - 1, FramingError, "chunk-size line not ended by CRLF"))
        if faults:
            _, cls, detail = min(faults, key=lambda fault: fault[0])
            raise self._error(cls, detail)
        reader.extensions += extension
        return int(body[:digits], 16)

    def chunk_line_budget(self) -> int:
        """The size of the longest valid chunk-size line: a longer prefix is already wrong."""
        limits = self._limits
        return min(limits.max_line, _MAX_CHUNK_DIGITS + limits.max_chunk_extension + 2)

    def parse_trailers(self, first_index: int) -> Headers | None:
        """Parse the trailer section after the last chunk, or ``None`` to wait."""
        buf = self.buffer
        if not buf and self.eof:
            # "0\r\n" then EOF: the body is complete; the connection is
            # closing anyway, so nothing is reused (PROTOCOL-POLICY.md).
            return Headers()
        if buf[:1] == b"\n" or buf[:2] == b"\r\n":
            del buf[: 1 if buf[:1] == b"\n" else 2]
            return Headers()
        match = None if buf == b"\r" else _SECTION_END.search(buf, self._scan_from)
        if match is None:
            self._scan_from = max(len(buf) - 2, 0)
            self._walk_limits(len(buf), first_index=first_index)
            if self.eof:
                raise self._error(InvalidResponse, "connection closed inside the trailer section")
            return None
        end = match.end()
        self._walk_pos = 0
        self._walk_limits(end, first_index=first_index)
        text = buf[:end].decode("latin-1")
        del buf[:end]
        self._scan_from = self._walk_pos = self._walk_index = 0
        lines = self._split_lines(text, "trailer section")
        return Headers._from_lines(self._parse_fields(lines, 0)[0])


class _BodyReader:
    """One framing's way of finding the body bytes in the buffer."""

    __slots__ = ()

    def piece(self, parser: ResponseParser) -> int | EndOfMessage | None:
        raise NotImplementedError

    def consumed(self, count: int) -> None:
        raise NotImplementedError

    def direct_limit(self) -> int:
        raise NotImplementedError


class _NoBodyReader(_BodyReader):
    __slots__ = ()

    def piece(self, parser: ResponseParser) -> EndOfMessage:
        return make_end_of_message(Headers._from_lines([]))

    def consumed(self, count: int) -> None:
        """Never more than zero: a bodiless response offers no bytes (direct limit 0)."""

    def direct_limit(self) -> int:
        return 0


_NO_BODY: Final = _NoBodyReader()


class _LengthReader(_BodyReader):
    __slots__ = ("length", "remaining")

    def __init__(self, length: int) -> None:
        self.length = length
        self.remaining = length

    def piece(self, parser: ResponseParser) -> int | EndOfMessage | None:
        remaining = self.remaining
        if not remaining:
            return make_end_of_message(Headers._from_lines([]))
        available = len(parser.buffer)
        if available:
            return available if available < remaining else remaining
        if parser.eof:
            raise parser.incomplete(
                remaining,
                f"connection closed after {self.length - remaining} of {self.length} body bytes",
            )
        return None

    def consumed(self, count: int) -> None:
        self.remaining -= count

    def direct_limit(self) -> int:
        return self.remaining


class _CloseReader(_BodyReader):
    __slots__ = ()

    # Reading until close has no framing limit; one transport read is bounded
    # by the caller's buffer anyway.
    _UNBOUNDED: Final = 1 << 62

    def piece(self, parser: ResponseParser) -> int | EndOfMessage | None:
        available = len(parser.buffer)
        if available:
            return available
        if not parser.eof:
            return None
        if not parser.eof_clean:
            # A close-delimited body ended by a TCP FIN without TLS
            # close_notify may have been truncated by an attacker (RFC 8446
            # §6.1; PROTOCOL-POLICY.md).
            raise parser.incomplete(None, "TLS connection closed without close_notify")
        return make_end_of_message(Headers._from_lines([]))

    def consumed(self, count: int) -> None:
        """Nothing to count: the body ends only with the connection."""

    def direct_limit(self) -> int:
        return self._UNBOUNDED


class _Chunk(enum.Enum):
    SIZE = "size line"
    DATA = "data"
    DATA_END = "CRLF after data"
    TRAILERS = "trailers"


class _ChunkedReader(_BodyReader):
    __slots__ = ("_header_lines", "_parser", "_state", "extensions", "remaining")

    def __init__(self, parser: ResponseParser, header_lines: int) -> None:
        self._parser = parser
        self._header_lines = header_lines
        self._state = _Chunk.SIZE
        self.remaining = 0
        self.extensions = 0

    def piece(self, parser: ResponseParser) -> int | EndOfMessage | None:
        buf = parser.buffer
        while True:
            state = self._state
            if state is _Chunk.DATA:
                if buf:
                    return min(len(buf), self.remaining)
                break
            if state is _Chunk.SIZE:
                newline = buf.find(b"\n")
                if newline < 0:
                    if len(buf) >= parser.chunk_line_budget():
                        parser.check_chunk_line(buf, len(buf) + 1, False)
                    break
                size = parser.check_chunk_line(buf[: newline + 1], newline + 1, True)
                del buf[: newline + 1]
                self.remaining = size
                self._state = _Chunk.DATA if size else _Chunk.TRAILERS
            elif state is _Chunk.DATA_END:
                if buf[:2] != b"\r\n":
                    if len(buf) > 1 or (buf and buf[0] != 0x0D):
                        raise parser._error(FramingError, "chunk data not followed by CRLF")
                    break
                del buf[:2]
                self._state = _Chunk.SIZE
            else:
                trailers = parser.parse_trailers(self._header_lines + 1)
                return None if trailers is None else make_end_of_message(trailers)
        if parser.eof:
            raise parser.incomplete(None, f"connection closed inside chunk {state.value}")
        return None

    def consumed(self, count: int) -> None:
        self.remaining -= count
        if not self.remaining:
            self._state = _Chunk.DATA_END

    def direct_limit(self) -> int:
        return self.remaining if self._state is _Chunk.DATA else 0
