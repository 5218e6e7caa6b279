"""httptools (llhttp in C) as a peer: one ``HttpResponseParser`` fed as a client feeds it.

httptools only parses, so a cycle here is parsing alone and there is no
writer. The callbacks do what aiohttp's and uvicorn's do: collect the status
line's reason, every header pair in a list and every body chunk in a list,
read the status code and the keep-alive verdict once the head is complete,
and flag the end of the message. httptools hands each header over whole (it
joins split names and values itself), so ``on_header`` only appends.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from importlib.metadata import version as _distribution_version
from typing import Final

import httptools

from benchmarks.micro._cases import Parsed, RequestSpec

NAME: Final = "httptools"


def version() -> str:
    """The installed httptools distribution's version."""
    return _distribution_version("httptools")


class _Collector:
    """The callback object: what one response left behind, reset before each."""

    __slots__ = ("body", "done", "headers", "keep_alive", "parser", "reason", "status")

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = None
        self.reset()

    def reset(self) -> None:
        self.reason = b""
        self.status = 0
        self.keep_alive = False
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.done = False

    def on_status(self, status: bytes) -> None:
        # llhttp may hand the reason over in pieces when a read splits it.
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        assert parser is not None
        self.status = parser.get_status_code()
        self.keep_alive = parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


def make_response_cycle(
    request: RequestSpec, variants: Sequence[Sequence[bytes]]
) -> Callable[[], Parsed]:
    """One parser reused for every call; *request* is unused, httptools writes nothing."""
    del request
    collector = _Collector()
    parser = httptools.HttpResponseParser(collector)
    collector.parser = parser
    feed_data, reset, next_variant = (
        parser.feed_data,
        collector.reset,
        itertools.cycle([tuple(v) for v in variants]).__next__,
    )

    def cycle() -> Parsed:
        reset()
        for seg in next_variant():
            feed_data(seg)
            if collector.done:
                return collector.status, collector.headers, collector.body
        raise AssertionError("httptools: the segments ended before the message did")

    return cycle


def make_request_writer(request: RequestSpec) -> None:
    """httptools has no request serialiser."""
    del request


def make_connection_factory() -> None:
    """Nothing to construct: there is no writer to subtract it from."""


def header_pairs(headers: object) -> list[tuple[bytes, bytes]]:
    """The collector's list of ``(name, value)`` pairs, names as sent."""
    assert isinstance(headers, list)
    return [(bytes(name), bytes(value)) for name, value in headers]
