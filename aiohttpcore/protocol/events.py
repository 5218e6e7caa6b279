"""The values the response parser hands up: one per complete protocol element.

Events are immutable (CONVENTIONS.md rule 4) so the I/O layer may queue them,
hand them to another task or keep them for a trace without copying. They carry
what the caller needs and nothing about framing, which the codec keeps to
itself. ``NEED_DATA`` is not an event but the answer "feed me more bytes".

This module imports only :mod:`aiohttpcore.headers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

from aiohttpcore.headers import Headers

__all__ = [
    "NEED_DATA",
    "Data",
    "EndOfMessage",
    "Event",
    "Informational",
    "NeedData",
    "ResponseHead",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseHead:
    """The head of a final response (or of ``101 Switching Protocols`` that was asked for).

    ``status`` is an :class:`http.HTTPStatus` member when the code is a known
    one and a plain ``int`` otherwise, so it always compares equal to the
    code. ``http_version`` is ``10`` or ``11``, as in ``http.client``.
    """

    status: int
    reason: str
    http_version: int
    headers: Headers


@dataclass(frozen=True, slots=True, kw_only=True)
class Informational:
    """An interim (1xx) response: ``100 Continue``, ``103 Early Hints``...

    Only those the caller needs are returned: ``100`` while a request waits to
    send its body, and every 1xx when the codec was asked to surface them.
    """

    status: int
    reason: str
    http_version: int
    headers: Headers


@dataclass(frozen=True, slots=True, kw_only=True)
class Data:
    """Some bytes of the current response's body, framing removed.

    A body arrives as any number of these, split wherever the network split
    it; only their concatenation is meaningful.
    """

    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class EndOfMessage:
    """The current response's body is complete; ``trailers`` are empty unless it was chunked."""

    trailers: Headers


class NeedData:
    """The type of :data:`NEED_DATA`: no event is complete in the bytes received so far."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = NeedData()
"""Returned by :meth:`ClientCodec.next_event` when more bytes (or EOF) are needed."""

Event: TypeAlias = ResponseHead | Informational | Data | EndOfMessage
