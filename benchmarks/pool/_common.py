"""What every pool client module provides, and what it is given.

Each ``_*_client.py`` module is one peer with the same three names:
``NAME``, ``version()`` and ``pool(target, size)``, an async context manager
that builds the library's pool (or session, or client) sized to *size*
connections and yields a ``Get``: one call is one GET of the small path,
its whole body read and checked. The harness in ``_client.py`` does all
timing, counting and concurrency, so a peer's code is only what a user of
that library would write. ``Target`` and ``WrongAnswer`` are the connection
benchmark's, so the two packages speak of the same server in the same words.
Nothing here imports a peer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar

from benchmarks.connection import _server
from benchmarks.connection._common import Session, Target, WrongAnswer

__all__ = ["Get", "Peer", "Target", "WrongAnswer", "sessions", "target"]

S = TypeVar("S", bound=Session)


class Get(Protocol):
    """One small GET through the pool, answer checked; ``WrongAnswer`` unless 200 and the body.

    *lane* is the number of the task calling, 0 to size - 1: every pooled
    client ignores it (its pool chooses the connection); the raw ceiling,
    which has no pool, uses it to pick the connection that task owns.
    """

    def __call__(self, lane: int, /) -> Awaitable[None]: ...


class Peer(Protocol):
    """The module-level interface of each ``_*_client.py``."""

    @property
    def NAME(self) -> str:
        """The row heading (a module-level constant satisfies this property)."""

    def version(self) -> str: ...

    def pool(self, target: Target, size: int) -> AbstractAsyncContextManager[Get]:
        """The pool of *size* connections to *target*, closed when the block ends."""


def target(host: str, port: int) -> Target:
    """The server's small path and answer; no download here, so the big file is empty."""
    return Target(
        host=host,
        port=port,
        small_path=_server.SMALL_PATH,
        small_body=_server.SMALL_BODY,
        big_path=_server.BIG_PATH,
        big_size=0,
    )


@asynccontextmanager
async def sessions(
    connect: Callable[[Target], Awaitable[S]], target: Target, size: int
) -> AsyncIterator[list[S]]:
    """*size* connection-benchmark sessions to *target*, one per task, all closed at the end.

    Opened one after the other, so a failure leaves only opened ones to close.
    """
    opened: list[S] = []
    try:
        while len(opened) < size:
            opened.append(await connect(target))
        yield opened
    finally:
        for session in opened:
            await session.aclose()
