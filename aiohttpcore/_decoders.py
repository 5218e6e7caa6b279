"""Content-Encoding decoding (RFC 9110 §8.4), incremental and bounded in memory.

What it owns: turning a response's ``Content-Encoding`` into a
:class:`ContentDecoder` that undoes ``gzip``, ``deflate``, ``br`` and
``zstd``, stacked up to :data:`MAX_CODINGS` deep. The caller feeds raw body
bytes and reads decoded bytes, never more at a time than it asks for. Memory
is bounded by what the caller holds and reads, never by the compression
ratio (PROTOCOL-POLICY.md, "Limits": decompressed output is bounded by the
reader's buffer): measured with ``tracemalloc``, 1 GiB of zeros gzipped at
level 9 and fed in 256 KiB chunks decodes with a peak of 0.3 MiB of Python
allocations using ``read(64 KiB)``, 0.9 MiB using ``read(256 KiB)``, and so
would 10 GiB.

How: one stage per coding, chained in the reverse of the header's order
(the sender applied the codings in the order listed, RFC 9110 §8.4). The
stage nearest the network holds the fed chunk; each later stage pulls at
most :data:`_STEP` bytes at a time from the one before it. Every codec call
gets at most ``_STEP`` input bytes and returns at most ``limit`` bytes
(brotli, which overshoots, at most 96 KiB that are then handed out in
pieces), so what is held at once is one fed chunk, one output, a few
``_STEP``-sized buffers and the codecs' windows (32 KiB for zlib, up to
16 MiB for br, 8 MiB for zstd, see below).

Decisions, where trusted implementations differ:

* ``deflate`` is the zlib format (RFC 9110 §8.4.1.2), but servers also send
  raw deflate (RFC 1951), as that section warns. The first two bytes decide:
  a valid zlib header (RFC 1950 §2.2: CM 8, CINFO at most 7, the check bits)
  means zlib, anything else raw deflate. These are the checks zlib
  itself makes on its header, and a raw stream's first byte has a low
  nibble of 8 only for a non-final stored block whose padding bit is set,
  which encoders do not write (it is zero in zlib): the test does not guess
  wrong in practice.
* A gzip body may hold several members (RFC 1952 §2.2) and a zstd body
  several frames (RFC 8878 §3.1), skippable frames included; all are
  decoded. After the last complete one, bytes that do not start another
  (gzip magic ``1f 8b``; zstd frame or skippable-frame magic) are ignored,
  as are bytes after a complete deflate stream: the content is complete and
  checked (gzip's CRC-32 and length, zlib's Adler-32), and urllib3, curl and
  the browsers tolerate servers that pad or append junk. Bytes that do look
  like another member must decode, or the body fails. ``br`` cannot do the
  same: the ``brotli`` module does not say where its stream ended, and a
  call whose input runs past the end fails, so bytes after a br stream are
  a :class:`DecodingError` whatever the chunk boundaries.
* An empty body decodes to nothing for every coding, as Go's
  ``net/http`` does: no encoder produces zero bytes, so such a body was
  never compressed, and servers do label empty bodies.
* zstd frames may need a window of at most 8 MiB (RFC 9659 §3: HTTP encoders
  must not use more), so a hostile frame cannot make us allocate libzstd's
  default maximum of 128 MiB.

Known limit: a ``read()`` call returns as soon as it has output, but a
stacked coding whose inner stream yields no output for long (empty deflate
blocks, ignored trailing bytes) is consumed inside one call. Memory stays
bounded; the time is bounded by what one fed chunk expands to.

Rules: this module imports the standard library, the optional codec
packages and :class:`~aiohttpcore.exceptions.DecodingError`, nothing else:
no asyncio, no I/O. Codec errors become :class:`DecodingError` naming the
host, with the original as ``__cause__``; after one, the decoder raises it
again on every call.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar, Final, Protocol

from .exceptions import DecodingError

__all__ = ["ACCEPT_ENCODING", "MAX_CODINGS", "SUPPORTED_CODINGS", "ContentDecoder", "make_decoder"]


def _optional(*names: str) -> ModuleType | None:
    """The first of *names* that imports, or ``None``: the codec packages are extras."""
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


# Any at the import boundary, with the calls we make typed by the Protocols
# below: brotli ships no type hints, compression.zstd (Python 3.14) is not in
# the 3.11 stubs mypy checks against, and either may be missing here. Only
# make_decoder's availability check guards their use.
_brotli: Any = _optional("brotli")
_zstd: Any = _optional("compression.zstd", "backports.zstd")

SUPPORTED_CODINGS: Final[tuple[str, ...]] = (
    "gzip",
    "deflate",
    *(("br",) if _brotli is not None else ()),
    *(("zstd",) if _zstd is not None else ()),
)
"""The codings this process can decode, in the order we prefer them."""

ACCEPT_ENCODING: Final = ", ".join(SUPPORTED_CODINGS)
"""The ``Accept-Encoding`` value that offers exactly :data:`SUPPORTED_CODINGS`."""

MAX_CODINGS: Final = 5
"""How many codings may be stacked in one body (PROTOCOL-POLICY.md, "Limits")."""

# The most bytes a stage pulls from the one before it, hands a codec as input
# in one call, or asks brotli for in one call: every buffer we hold is at most
# this size (plus the output asked for). Measured on 4.7 MB of Python source
# gzipped (4:1), fed in 64 KiB chunks, read(256 KiB): 16-18 ms, against 16 ms
# for an unbounded zlib decompressobj; a 256 KiB step was no faster beyond
# the noise.
_STEP: Final = 64 * 1024

_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS  # gzip header and trailer, 32 KiB window
_GZIP_MAGIC: Final = b"\x1f\x8b"  # RFC 1952 §2.3.1: ID1 ID2
_ZSTD_MAGIC: Final = 0xFD2FB528  # RFC 8878 §3.1.1, little-endian on the wire
_ZSTD_SKIPPABLE: Final = 0x184D2A50  # RFC 8878 §3.1.2: 0x184D2A50 to 0x184D2A5F
_ZSTD_WINDOW_LOG_MAX: Final = 23  # 8 MiB, RFC 9659 §3
_ZSTD_OPTIONS: Final[dict[Any, int]] = (
    {_zstd.DecompressionParameter.window_log_max: _ZSTD_WINDOW_LOG_MAX} if _zstd else {}
)

_EMPTY: Final = memoryview(b"")

# Why a coding is missing, for the error that names it.
_PACKAGES: Final = {
    "br": "the optional 'brotli' package is not installed",
    "zstd": "the optional 'backports.zstd' package is not installed (Python < 3.14)",
}


class _BrotliDecompressor(Protocol):
    """What we call on ``brotli.Decompressor`` (brotli >= 1.2 for the output limit)."""

    def process(self, data: memoryview, output_buffer_limit: int = ...) -> bytes: ...
    def is_finished(self) -> bool: ...
    def can_accept_more_data(self) -> bool: ...


class _ZstdDecompressor(Protocol):
    """What we call on ``ZstdDecompressor`` (the bz2/lzma decompressor interface)."""

    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: memoryview, max_length: int = ...) -> bytes: ...


def make_decoder(
    content_encoding: str, *, host: str, max_codings: int = MAX_CODINGS
) -> ContentDecoder | None:
    """A decoder for a ``Content-Encoding`` value, or ``None`` when nothing is to be undone.

    Args:
        content_encoding: the field value; several ``Content-Encoding``
            lines are joined with ``", "`` first. Codings are matched without
            regard to case and surrounding whitespace; empty list items and
            ``identity`` are skipped; ``x-gzip`` is ``gzip`` (RFC 9110
            §8.4.1.3).
        host: named in every error the decoder raises.
        max_codings: how many codings may be stacked.

    Raises:
        DecodingError: more than *max_codings* codings, or a coding that is
            unknown or whose optional package is missing here (the message
            says which).
    """
    codings = [
        coding
        for item in content_encoding.split(",")
        if (coding := item.strip(" \t").lower()) and coding != "identity"
    ]
    if not codings:
        return None
    if len(codings) > max_codings:
        raise DecodingError(
            f"{len(codings)} stacked Content-Encodings, more than the limit of {max_codings}",
            host=host,
        )
    for coding in codings:
        if coding not in _STAGES:
            reason = _PACKAGES.get(coding)
            if reason is not None:
                raise DecodingError(
                    f"cannot decode Content-Encoding {coding!r}: {reason}", host=host
                )
            raise DecodingError(f"unsupported Content-Encoding {coding!r}", host=host)
    return ContentDecoder(codings, host=host)


class ContentDecoder:
    """Undoes a body's content codings, a bounded piece at a time.

    Build it with :func:`make_decoder`. The caller feeds one raw chunk, calls
    :meth:`read` until it returns ``b""``, feeds the next chunk, and calls
    :meth:`finish` once the raw body has ended and :meth:`read` returned
    ``b""``. Not safe for concurrent use; one decoder per body.
    """

    __slots__ = ("_codings", "_error", "_first", "_host", "_last", "_stages")

    def __init__(self, codings: Sequence[str], *, host: str) -> None:
        """Stack a stage per coding; *codings* as listed in the header, all available here."""
        self._codings = tuple(codings)
        self._host = host
        self._error: DecodingError | None = None
        stages: list[_Stage] = []
        source: _Stage | None = None
        for coding in reversed(self._codings):  # the last coding applied is undone first
            source = _STAGES[coding](source, host)
            stages.append(source)
        self._stages = stages
        self._first = stages[0]
        self._last = stages[-1]

    def __repr__(self) -> str:
        state = "failed" if self._error is not None else "ok"
        return f"<ContentDecoder {', '.join(self._codings)} host={self._host} {state}>"

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add raw (still encoded) body bytes; decode nothing yet.

        ``bytes`` are kept as they are; other buffers are copied, so the
        caller may reuse its buffer at once (holding a view would also stop
        it from resizing a ``bytearray``).

        Raises:
            DecodingError: the decoder already failed.
        """
        if self._error is not None:
            raise self._error
        if data:
            self._first.feed(data if type(data) is bytes else bytes(data))

    def read(self, limit: int) -> bytes:
        """Up to *limit* decoded bytes, whatever the compression ratio.

        Returns ``b""`` when nothing more can be decoded until more input is
        fed (or the body is completely decoded).

        Raises:
            ValueError: *limit* is not positive.
            DecodingError: the data is corrupt, or bytes follow a br stream.
                The decoder stays failed.
        """
        if limit <= 0:  # zlib reads 0 as "no limit": never let it through
            raise ValueError(f"limit must be positive, not {limit}")
        if self._error is not None:
            raise self._error
        try:
            return self._last.read(limit)
        except DecodingError as exc:
            self._error = exc
            raise

    def finish(self) -> None:
        """Check that every coding's stream ended: call once the raw body has ended.

        Idempotent: a complete body passes every time, a truncated one
        raises every time.

        Raises:
            DecodingError: a compressed stream is incomplete (the body was
                cut), or the decoder already failed.
            RuntimeError: :meth:`read` has not yet returned ``b""`` since the
                last :meth:`feed`: finishing now would drop decoded bytes.
        """
        if self._error is not None:
            raise self._error
        if not self.needs_input:
            raise RuntimeError("finish() called before read() returned b'': bytes are undecoded")
        for stage in self._stages:  # the outermost first: its cut explains the others
            if stage.truncated():
                self._error = DecodingError(
                    f"{stage.coding} stream ended early: the body is truncated", host=self._host
                )
                raise self._error

    @property
    def needs_input(self) -> bool:
        """True when :meth:`read` cannot produce more until :meth:`feed` is called.

        Always true after :meth:`read` returned ``b""``; false while fed bytes
        wait to be decoded, even if they turn out to decode to nothing.
        """
        return not self._last.ready()


class _Stage:
    """One coding's decoder. Input comes from the caller (the first stage) or the stage before.

    The unread input is ``_view[_pos:]``. Subclasses implement :meth:`read`,
    :meth:`pending` and :meth:`truncated`.
    """

    __slots__ = (
        "_host",
        "_ignoring",
        "_pos",
        "_received",
        "_source",
        "_streams",
        "_view",
        "_want",
    )

    coding: ClassVar[str]

    def __init__(self, source: _Stage | None, host: str) -> None:
        self._source = source
        self._host = host
        self._view = _EMPTY
        self._pos = 0
        self._want = 1  # unread bytes needed before read() can progress
        self._received = False  # any input at all: an empty body is complete
        self._streams = 0  # complete members/frames/streams so far
        self._ignoring = False  # after the last stream: input is thrown away

    def feed(self, data: bytes) -> None:
        if self._ignoring:
            return
        self._received = True
        if self._pos < len(self._view):  # a short prefix still waits for its rest
            data = self._view[self._pos :].tobytes() + data
        self._view = memoryview(data)
        self._pos = 0

    def read(self, limit: int) -> bytes:
        raise NotImplementedError

    def pending(self) -> bool:
        """Whether the codec may produce output without more input."""
        raise NotImplementedError

    def truncated(self) -> bool:
        """Whether the input so far ends inside a compressed stream."""
        raise NotImplementedError

    def ready(self) -> bool:
        """Whether read() may produce output now: the contrary of ContentDecoder.needs_input."""
        if len(self._view) - self._pos >= self._want or self.pending():
            return True
        return self._source is not None and self._source.ready()

    def _pull(self, count: int = 1) -> bool:
        """Make at least *count* unread input bytes available; False if they are not here yet."""
        held = len(self._view) - self._pos
        while held < count:
            source = self._source
            data = source.read(_STEP) if source is not None else b""
            if not data:
                self._want = count
                return False
            self._received = True
            if held:
                data = self._view[self._pos :].tobytes() + data
            self._view = memoryview(data)
            self._pos = 0
            held = len(data)
        self._want = 1
        return True

    def _drop(self) -> None:
        """Ignore all input from here on: it follows the last complete stream."""
        self._ignoring = True
        self._pos = len(self._view)
        while self._pull():
            self._pos = len(self._view)

    def _fail(self, exc: Exception) -> DecodingError:
        return DecodingError(f"{self.coding} body could not be decoded: {exc}", host=self._host)


class _ZlibStage(_Stage):
    """gzip and deflate, through :func:`zlib.decompressobj`; subclasses open the streams.

    zlib hands back input it did not use as ``unconsumed_tail``, a copy; so
    each call gets at most ``min(limit, _STEP)`` input bytes, keeping that
    copy no larger than the output it came with.
    """

    __slots__ = ("_decompressor", "_more")

    def __init__(self, source: _Stage | None, host: str) -> None:
        super().__init__(source, host)
        self._decompressor: zlib._Decompress | None = None
        # The last call filled its output: zlib may hold more (a long match)
        # even with no input left, so ask again before asking for input.
        self._more = False

    def _open(self) -> zlib._Decompress | None:
        """A decompressor for the next stream, or None: input is short or ignored."""
        raise NotImplementedError

    def read(self, limit: int) -> bytes:
        while True:
            decompressor = self._decompressor
            if decompressor is None:
                decompressor = self._open()
                if decompressor is None:
                    return b""
            if self._pos == len(self._view) and not self._more and not self._pull():
                return b""
            chunk = self._view[self._pos : self._pos + min(limit, _STEP)]
            try:
                out = decompressor.decompress(chunk, limit)
            except zlib.error as exc:
                raise self._fail(exc) from exc
            if decompressor.eof:
                # What followed the end is in unused_data (CPython may copy it
                # to unconsumed_tail as well, so that one says nothing here).
                self._pos += len(chunk) - len(decompressor.unused_data)
                self._decompressor = None
                self._streams += 1
                self._more = False
            else:
                self._pos += len(chunk) - len(decompressor.unconsumed_tail)
                self._more = len(out) == limit
            if out:
                return out

    def pending(self) -> bool:
        return self._more

    def truncated(self) -> bool:
        return self._received and (self._decompressor is not None or not self._streams)


class _GzipStage(_ZlibStage):
    __slots__ = ()
    coding = "gzip"

    def _open(self) -> zlib._Decompress | None:
        if self._ignoring:
            self._drop()
            return None
        if self._streams:
            # Another member only if it starts like one (see the module docstring).
            if not self._pull(len(_GZIP_MAGIC)):
                return None
            if self._view[self._pos : self._pos + len(_GZIP_MAGIC)].tobytes() != _GZIP_MAGIC:
                self._drop()
                return None
        elif not self._pull():
            return None
        decompressor = self._decompressor = zlib.decompressobj(_GZIP_WBITS)
        return decompressor


class _DeflateStage(_ZlibStage):
    __slots__ = ()
    coding = "deflate"

    def _open(self) -> zlib._Decompress | None:
        if self._ignoring or self._streams:  # one stream only: what follows is ignored
            self._drop()
            return None
        if not self._pull(2):  # the zlib header is two bytes; a 1-byte feed waits
            return None
        cmf, flg = self._view[self._pos], self._view[self._pos + 1]
        zlib_header = (cmf & 0x0F) == 8 and (cmf >> 4) <= 7 and ((cmf << 8) | flg) % 31 == 0
        wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
        decompressor = self._decompressor = zlib.decompressobj(wbits)
        return decompressor


class _BrotliStage(_Stage):
    """br, through ``brotli.Decompressor`` with its output limit (brotli >= 1.2).

    brotli grows its output in blocks (32 KiB, then 64 KiB...) and stops
    only after the block that crosses the limit, so a call limited to 64 KiB
    returns up to 96 KiB (and 32 KiB when asked for one byte). Its output is
    therefore kept here and handed out in pieces of at most ``limit``. Input
    it cannot use yet stays inside it.
    """

    __slots__ = ("_decompressor", "_more", "_out", "_out_pos")
    coding = "br"

    def __init__(self, source: _Stage | None, host: str) -> None:
        super().__init__(source, host)
        self._decompressor: _BrotliDecompressor = _brotli.Decompressor()
        self._out = b""
        self._out_pos = 0
        # The last call reached its output limit, so more may be pending
        # without input; can_accept_more_data() stays true in that case.
        self._more = False

    def read(self, limit: int) -> bytes:
        if self._out:
            return self._serve(limit)
        decompressor = self._decompressor
        while True:
            if decompressor.is_finished():
                if self._pull():
                    raise DecodingError(
                        "br body could not be decoded: bytes follow the end of its stream",
                        host=self._host,
                    )
                return b""
            if self._more or not decompressor.can_accept_more_data():
                chunk = _EMPTY  # the library's rule: no input until it drained
            elif self._pull():
                chunk = self._view[self._pos : self._pos + _STEP]
                self._pos += len(chunk)
            else:
                return b""
            try:
                out = decompressor.process(chunk, output_buffer_limit=_STEP)
            except _brotli.error as exc:
                raise self._fail(exc) from exc
            self._more = len(out) >= _STEP
            if out:
                if len(out) <= limit:
                    return out
                self._out = out
                return self._serve(limit)

    def _serve(self, limit: int) -> bytes:
        start = self._out_pos
        end = start + limit
        out = self._out
        if end >= len(out):
            self._out = b""
            self._out_pos = 0
            return out[start:]
        self._out_pos = end
        return out[start:end]

    def pending(self) -> bool:
        decompressor = self._decompressor
        return bool(self._out) or (
            not decompressor.is_finished()
            and (self._more or not decompressor.can_accept_more_data())
        )

    def truncated(self) -> bool:
        return self._received and not self._decompressor.is_finished()


class _ZstdStage(_Stage):
    """zstd, one ``ZstdDecompressor`` per frame (it decodes a single frame).

    It keeps input it could not use yet internally and says so with
    ``needs_input``; it is given new input only when it needs some, so what
    it reports as ``unused_data`` at a frame's end is the tail of the last
    chunk it was given, which is still in ``_view``.
    """

    __slots__ = ("_decompressor",)
    coding = "zstd"

    def __init__(self, source: _Stage | None, host: str) -> None:
        super().__init__(source, host)
        self._decompressor: _ZstdDecompressor | None = None

    def _open(self) -> _ZstdDecompressor | None:
        if self._ignoring:
            self._drop()
            return None
        if self._streams:
            # Another frame only if it starts like one (see the module docstring).
            if not self._pull(4):
                return None
            magic = int.from_bytes(self._view[self._pos : self._pos + 4], "little")
            if magic != _ZSTD_MAGIC and magic & ~0xF != _ZSTD_SKIPPABLE:
                self._drop()
                return None
        elif not self._pull():
            return None
        decompressor: _ZstdDecompressor = _zstd.ZstdDecompressor(options=_ZSTD_OPTIONS)
        self._decompressor = decompressor
        return decompressor

    def read(self, limit: int) -> bytes:
        while True:
            decompressor = self._decompressor
            if decompressor is None:
                decompressor = self._open()
                if decompressor is None:
                    return b""
            if not decompressor.needs_input:
                chunk = _EMPTY
            elif self._pull():
                chunk = self._view[self._pos : self._pos + min(limit, _STEP)]
                self._pos += len(chunk)
            else:
                return b""
            try:
                out = decompressor.decompress(chunk, limit)
            except _zstd.ZstdError as exc:
                raise self._fail(exc) from exc
            if decompressor.eof:
                self._pos -= len(decompressor.unused_data)
                self._decompressor = None
                self._streams += 1
            if out:
                return out

    def pending(self) -> bool:
        return self._decompressor is not None and not self._decompressor.needs_input

    def truncated(self) -> bool:
        return self._received and (self._decompressor is not None or not self._streams)


_STAGES: Final[dict[str, type[_Stage]]] = {
    "gzip": _GzipStage,
    "x-gzip": _GzipStage,
    "deflate": _DeflateStage,
}
if _brotli is not None:
    _STAGES["br"] = _BrotliStage
if _zstd is not None:
    _STAGES["zstd"] = _ZstdStage
