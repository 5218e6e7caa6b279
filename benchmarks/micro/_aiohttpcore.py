"""aiohttpcore as a peer: one ``ClientCodec`` driven as ``connection.py`` drives it.

A cycle is what the I/O layer pays per request on a kept-alive connection:
``send_request`` (validation and serialisation of the head), then each read
through ``receive_data`` and ``next_event`` until ``EndOfMessage``, after
which the codec is idle again with nothing to reset. Like h11, the codec
expects no response before a request, so the request is part of every cycle
and the runner subtracts the writer's cost to get the parse figure.

Body bytes are taken as ``Data`` events, the path h11 and httptools offer
too; ``readinto`` is not used here.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import aiohttpcore
from aiohttpcore.headers import Headers
from aiohttpcore.protocol import NEED_DATA, ClientCodec, Data, EndOfMessage, ResponseHead
from benchmarks.micro._cases import HOST, Parsed, RequestSpec

NAME: Final = "aiohttpcore"


def version() -> str:
    """The package version, and a digest of ``protocol/`` since the tree is often uncommitted."""
    source = inspect.getsourcefile(ClientCodec)
    assert source is not None
    digest = hashlib.sha256()
    for path in sorted(Path(source).parent.glob("*.py")):
        digest.update(path.read_bytes())
    release = getattr(aiohttpcore, "__version__", "unreleased")
    return f"{release} (protocol/ sha256 {digest.hexdigest()[:12]})"


def make_response_cycle(
    request: RequestSpec, variants: Sequence[Sequence[bytes]]
) -> Callable[[], Parsed]:
    """One codec reused for every call; see ``Peer.make_response_cycle``."""
    codec = ClientCodec(host=HOST)
    send_request, receive_data, next_event = (
        codec.send_request,
        codec.receive_data,
        codec.next_event,
    )
    method, target, fields = request.method, request.target, request.headers
    next_variant = itertools.cycle([tuple(v) for v in variants]).__next__

    def cycle() -> Parsed:
        send_request(method, target, fields)
        head: ResponseHead | None = None
        body: list[bytes] = []
        for seg in next_variant():
            receive_data(seg)
            while (event := next_event()) is not NEED_DATA:
                if isinstance(event, Data):
                    body.append(event.data)
                elif isinstance(event, ResponseHead):
                    head = event
                elif isinstance(event, EndOfMessage) and head is not None:
                    return head.status, head.headers, body
        raise AssertionError("aiohttpcore: the segments ended before the message did")

    return cycle


def make_request_writer(request: RequestSpec) -> Callable[[], bytes]:
    """A fresh codec per call, then ``send_request``, which for a GET ends the request."""
    method, target, fields = request.method, request.target, request.headers

    def write() -> bytes:
        return ClientCodec(host=HOST).send_request(method, target, fields)

    return write


def make_connection_factory() -> Callable[[], object]:
    """``ClientCodec(host=...)``, the writer's set-up alone."""

    def construct() -> object:
        return ClientCodec(host=HOST)

    return construct


def header_pairs(headers: object) -> list[tuple[bytes, bytes]]:
    """``Headers.raw``: every line as the bytes on the wire."""
    assert isinstance(headers, Headers)
    return headers.raw
