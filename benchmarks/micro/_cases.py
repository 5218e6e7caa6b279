"""The workloads, as bytes built once, and the interface every peer module offers.

A workload is a response as it arrives from a transport: a tuple of segments,
each what one read of a 64 KiB buffer would hand over (a response shorter
than that arrives whole). The request every cycle writes is the typical GET
of workload 4. Nothing here is timed; the runner checks every peer's answer
against the expectations kept here before it times anything.

This module imports only the standard library, so the runner can describe
the workloads even when a peer is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol, TypeAlias

__all__ = [
    "CASES",
    "HOST",
    "READ_SIZE",
    "REQUEST",
    "Case",
    "Parsed",
    "Peer",
    "RequestSpec",
    "segment",
]

HOST: Final = "example.org"

READ_SIZE: Final = 64 * 1024
"""One transport read. asyncio's selector transport asks ``recv`` for up to
256 KiB and uvloop for up to 256,000 bytes, but a read returns what the socket
holds, and TLS delivers 16 KiB records; 64 KiB is a middle figure, and the
size these workloads were specified with."""

Parsed: TypeAlias = tuple[int, object, list[bytes]]
"""What one response cycle returns: the status, the head's headers in the
peer's own type (checked through ``Peer.header_pairs``) and the body chunks
as the peer handed them over."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestSpec:
    """A bodiless request as a caller states it: ``str`` everywhere, Host included."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]


REQUEST: Final = RequestSpec(
    method="GET",
    target="/api/v1/items?page=2",
    headers=(
        ("Host", HOST),
        ("User-Agent", "aiohttpcore-bench/0.1"),
        ("Accept", "application/json"),
        ("Accept-Encoding", "gzip, deflate, br, zstd"),
        ("Connection", "keep-alive"),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One response workload and what every peer must find in it."""

    key: str
    title: str
    segments: tuple[bytes, ...]
    variants: tuple[tuple[bytes, ...], ...]
    """The same response with the Date and X-Request-Id values that vary per
    response in real traffic: timed cycles go through them in turn, so no
    peer gains from seeing one head verbatim again and again."""
    body: bytes
    header_pairs: tuple[tuple[bytes, bytes], ...]
    """Every header line, name lower-cased, in order: the check on each peer's parse."""

    @property
    def wire_bytes(self) -> int:
        """Bytes on the wire for the whole response, head included."""
        return sum(map(len, self.segments))


class Peer(Protocol):
    """What each of ``_aiohttpcore``, ``_h11`` and ``_httptools`` provides, as a module.

    Every factory does its set-up (connections, bound methods, callbacks)
    before it returns, so the callable it returns does only the work timed.
    """

    @property
    def NAME(self) -> str:
        """The column heading (a module-level constant satisfies this property)."""

    def version(self) -> str:
        """The peer's version string, for the report."""

    def make_response_cycle(
        self, request: RequestSpec, variants: Sequence[Sequence[bytes]]
    ) -> Callable[[], Parsed]:
        """One keep-alive connection; each call is one request/response cycle on it.

        A call writes *request* (when the peer has a writer), feeds *segments*
        one at a time, takes events until the end of the message, collects
        the body chunks in a list and leaves the connection ready for the next
        call: what a keep-alive client does per request, minus the sockets.
        """

    def make_request_writer(self, request: RequestSpec) -> Callable[[], bytes] | None:
        """Each call builds a fresh connection and writes *request* on it; ``None``: no writer.

        Returns the bytes of the whole request, which for a bodiless request is its head.
        """

    def make_connection_factory(self) -> Callable[[], object] | None:
        """Each call builds the same fresh connection as the writer does and nothing else.

        The writer's cost minus this one is the cost of serialising alone.
        """

    def header_pairs(self, headers: object) -> list[tuple[bytes, bytes]]:
        """The wire bytes of every header line in *headers* (from ``Parsed``), in order."""


VARIANTS: Final = 1000


def _variants(wire: bytes) -> tuple[tuple[bytes, ...], ...]:
    """*wire* with the Date seconds and the request id changed, each the same length."""
    date, request_id = b"10:00:00 GMT", b"7f3c9a52-1d4e-4b8a-9c2f-5e6d7a8b9c0d"
    out = []
    for n in range(VARIANTS):
        varied = wire.replace(date, b"10:%02d:%02d GMT" % (n // 60 % 60, n % 60), 1)
        varied = varied.replace(request_id, b"%s%06d" % (request_id[:-6], n), 1)
        out.append(segment(varied))
    return tuple(out)


def segment(wire: bytes, size: int = READ_SIZE) -> tuple[bytes, ...]:
    """Split *wire* into reads of *size* bytes, as a transport would deliver it."""
    return tuple(wire[start : start + size] for start in range(0, len(wire), size))


def _head(status_line: bytes, fields: Sequence[tuple[bytes, bytes]]) -> bytes:
    lines = [status_line, *(name + b": " + value for name, value in fields)]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _lowered(fields: Sequence[tuple[bytes, bytes]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.lower(), value) for name, value in fields)


# The headers of a small JSON-ish API answer from nginx: the eight fields the
# brief lists, with values of the lengths real servers send (a UUID request id).
_COMMON_FIELDS: Final = (
    (b"Date", b"Mon, 23 Nov 2026 10:00:00 GMT"),
    (b"Server", b"nginx/1.27.2"),
    (b"Content-Type", b"text/plain; charset=utf-8"),
)
_TAIL_FIELDS: Final = (
    (b"Connection", b"keep-alive"),
    (b"Cache-Control", b"no-cache, no-store, must-revalidate"),
    (b"X-Request-Id", b"7f3c9a52-1d4e-4b8a-9c2f-5e6d7a8b9c0d"),
    (b"Vary", b"Accept-Encoding"),
)

# Bodies are every byte value in turn, so nothing in them looks like framing
# by accident more often than real binary data would.
_PATTERN: Final = bytes(range(256))


def _small() -> Case:
    body = b"Hello, world!"
    fields = (*_COMMON_FIELDS, (b"Content-Length", b"%d" % len(body)), *_TAIL_FIELDS)
    return Case(
        key="small",
        title="small response: 8 headers, 13-byte body, one segment",
        segments=segment(_head(b"HTTP/1.1 200 OK", fields) + body),
        variants=_variants(_head(b"HTTP/1.1 200 OK", fields) + body),
        body=body,
        header_pairs=_lowered(fields),
    )


def _chunked() -> Case:
    chunk = _PATTERN * 16  # 4 KiB
    count = 16
    fields = (*_COMMON_FIELDS, (b"Transfer-Encoding", b"chunked"), *_TAIL_FIELDS)
    framed = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(count))
    wire = _head(b"HTTP/1.1 200 OK", fields) + framed + b"0\r\n\r\n"
    return Case(
        key="chunked",
        title="64 KiB chunked body: 16 chunks of 4 KiB, 64 KiB reads",
        segments=segment(wire),
        variants=_variants(wire),
        body=chunk * count,
        header_pairs=_lowered(fields),
    )


def _large() -> Case:
    body = _PATTERN * 4096  # 1 MiB
    fields = (*_COMMON_FIELDS, (b"Content-Length", b"%d" % len(body)), *_TAIL_FIELDS)
    return Case(
        key="large",
        title="1 MiB Content-Length body, 64 KiB reads",
        segments=segment(_head(b"HTTP/1.1 200 OK", fields) + body),
        variants=_variants(_head(b"HTTP/1.1 200 OK", fields) + body)[:8],
        body=body,
        header_pairs=_lowered(fields),
    )


CASES: Final = (_small(), _chunked(), _large())
"""Workloads 1 to 3, in the order the report lists them."""
