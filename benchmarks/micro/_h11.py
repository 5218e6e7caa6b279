"""h11 as a peer: one ``h11.Connection`` per keep-alive cycle series, as a client drives it.

A cycle is what an h11-based client pays per request on a kept-alive
connection: build the ``Request`` event (h11 validates the headers there),
``send`` it and ``EndOfMessage``, feed the response, take events until
``EndOfMessage`` and call ``start_next_cycle``. h11 cannot take a response
without a request outstanding, so the request is part of every cycle; the
runner subtracts the writer's cost to get the parse figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from importlib.metadata import version as _distribution_version
from typing import Final

import h11

from benchmarks.micro._cases import Parsed, RequestSpec

NAME: Final = "h11"


def version() -> str:
    """The installed h11 distribution's version."""
    return _distribution_version("h11")


def make_response_cycle(
    request: RequestSpec, variants: Sequence[Sequence[bytes]]
) -> Callable[[], Parsed]:
    """One client connection reused for every call; see ``Peer.make_response_cycle``."""
    conn = h11.Connection(h11.CLIENT)
    send, receive_data = conn.send, conn.receive_data
    next_event, start_next_cycle = conn.next_event, conn.start_next_cycle
    # h11's annotations ask for a list; built once here, outside the timed call.
    method, target, fields = request.method, request.target, list(request.headers)
    need_data, next_variant = h11.NEED_DATA, itertools.cycle([tuple(v) for v in variants]).__next__

    def cycle() -> Parsed:
        send(h11.Request(method=method, target=target, headers=fields))
        send(h11.EndOfMessage())
        head: h11.Response | None = None
        body: list[bytes] = []
        for seg in next_variant():
            receive_data(seg)
            while (event := next_event()) is not need_data:
                if isinstance(event, h11.Data):
                    body.append(event.data)
                elif isinstance(event, h11.Response):
                    head = event
                elif isinstance(event, h11.EndOfMessage) and head is not None:
                    start_next_cycle()
                    return head.status_code, head.headers, body
        raise AssertionError("h11: the segments ended before the message did")

    return cycle


def make_request_writer(request: RequestSpec) -> Callable[[], bytes]:
    """A fresh client connection per call, then the request and its end."""
    method, target, fields = request.method, request.target, list(request.headers)

    def write() -> bytes:
        conn = h11.Connection(h11.CLIENT)
        head = conn.send(h11.Request(method=method, target=target, headers=fields))
        conn.send(h11.EndOfMessage())
        return head

    return write


def make_connection_factory() -> Callable[[], object]:
    """``h11.Connection(h11.CLIENT)``, the writer's set-up alone."""

    def construct() -> object:
        return h11.Connection(h11.CLIENT)

    return construct


def header_pairs(headers: object) -> list[tuple[bytes, bytes]]:
    """``Response.headers`` is a sequence of ``(lower-cased name, value)`` byte pairs."""
    assert isinstance(headers, Sequence)
    return [(bytes(name), bytes(value)) for name, value in headers]
