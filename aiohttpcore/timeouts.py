"""Timeout: how long each wait of an exchange may last, as one frozen value.

What it owns: the five budgets and their validation. What it must not do:
measure time; the stream and the pool do that, on ``loop.time()``, with one
timer per connection.

The budgets answer different questions (httpx's split, plus ``total``):
``connect`` bounds opening the connection, TLS handshake included; ``read``
is the longest silence allowed between two received bytes, so a slow but
steady download is fine; ``write`` the longest a write may stay blocked by
flow control; ``pool`` the wait for a free connection slot, counted apart
from ``connect``; ``total`` a deadline for a whole exchange, from sending
the request to the end of its response, so that a server dripping one byte
a second cannot hold a request forever. ``None`` means no limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_TIMEOUT", "Timeout"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout:
    """The time budgets of one exchange, in seconds (``None``: unbounded).

    All are finite by default except ``total``, whose right value depends
    on the body's size: set it when a response must arrive by a deadline.

    Attributes:
        connect: opening a connection: name resolution, TCP connect and,
            for HTTPS, the TLS handshake (raises :class:`ConnectTimeout`).
        read: the longest silence while response bytes are awaited; each
            byte that arrives starts it again, so a slow but steady body
            never hits it (raises :class:`ReadTimeout`).
        write: the longest wait for the transport to take more request
            bytes while its buffer is full (raises :class:`WriteTimeout`).
        pool: the longest wait for a free connection slot in a pool
            (raises :class:`PoolTimeout`).
        total: a deadline for the whole response, counted from the start
            of the exchange and checked while response bytes are awaited
            (raises :class:`ReadTimeout`).

    Raises:
        ValueError: a budget is negative, NaN or infinite (use ``None``).
    """

    connect: float | None = 5.0
    read: float | None = 30.0
    write: float | None = 30.0
    pool: float | None = 10.0
    total: float | None = None

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"Timeout.{name} must be a number of seconds or None")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"Timeout.{name} must be finite and >= 0, not {value!r}")

    @classmethod
    def all(cls, seconds: float | None) -> Timeout:
        """The same budget for connect, read, write and pool; no total deadline."""
        return cls(connect=seconds, read=seconds, write=seconds, pool=seconds)


DEFAULT_TIMEOUT = Timeout()
"""The budgets used when none are given."""
